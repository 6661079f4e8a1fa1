"""Chapter 4 charts: every plotting function returns a Figure from the maths functions' output."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import crm_training  # noqa: E402
from crm_training.loyalty import (  # noqa: E402
    ProgrammeRules, enrolment_uplift, naive_member_uplift, simulate_programme, synthetic_members,
    tier_migration)
from crm_training.loyalty import plotting as P  # noqa: E402


def test_every_chart_is_a_figure():
    res = simulate_programme(synthetic_members(500, seed=1), ProgrammeRules(), months=12)
    data = crm_training.generate("coffee_chain", 1500, seed=2)
    up = enrolment_uplift(data, n_boot=30)
    figs = [
        P.plot_points_flows(res.monthly),
        P.plot_tier_migration(res.tier_migration),
        P.plot_tier_migration(tier_migration(data.loyalty_events, "2024-12-31", "2025-12-31"),
                              normalise=False),
        P.plot_programme_effect(res.summary),
        P.plot_uplift(up, naive_member_uplift(data), truth=0.3),
    ]
    assert all(isinstance(f, matplotlib.figure.Figure) for f in figs)
    plt.close("all")
