"""Chapter 3 charts: every plotting function returns a Figure from the maths functions' output."""
import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import crm_training  # noqa: E402
from crm_training.experience import (  # noqa: E402
    audit_scorecard, audit_template, click_heatmap, funnel, journeys, satisfaction_table)
from crm_training.experience import plotting as P  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return crm_training.generate("travel", 1500, seed=3)


def test_every_chart_is_a_figure(data):
    form = audit_template(["app", "website"])
    form["score"] = 3
    card = audit_scorecard(form)
    cm = pd.DataFrame([[5, 1], [0, 4]], index=["negative", "positive"],
                      columns=["negative", "positive"])
    figs = [
        P.plot_funnel(funnel(data.web_events)),
        P.plot_funnel(funnel(data.web_events, by="device"), by="device"),
        P.plot_satisfaction(satisfaction_table(data.surveys, "touchpoint"), "nps"),
        P.plot_journeys(journeys(data, top=5)),
        P.plot_audit_radar(card, chinese=True),
        P.plot_audit_bars(card),
        P.plot_confusion(cm),
        P.plot_heatmap(click_heatmap(data.web_events, "home", smooth=1)),
    ]
    assert all(isinstance(f, matplotlib.figure.Figure) for f in figs)
    plt.close("all")


def test_satisfaction_plot_needs_intervals():
    with pytest.raises(ValueError, match="satisfaction_table"):
        P.plot_satisfaction(pd.DataFrame({"csat": [0.5]}))
