"""Evaluation charts return figures drawn from the evaluation tables."""
import matplotlib.pyplot as plt
import pandas as pd

from crm_training.evaluation import (MATURITY_DIMENSIONS, initiative_roi, maturity_scorecard,
                                     roadmap_plan, update_phase)
from crm_training.evaluation.plotting import (plot_cash_flows, plot_did, plot_intervals,
                                              plot_kpi_comparison, plot_maturity_radar,
                                              plot_roadmap)


def test_charts():
    t = pd.DataFrame({"before": [0.5, 10.0, 1.0], "after": [0.6, 12.0, 1.0],
                      "change": [0.1, 2.0, 0.0], "relative_change": [0.2, 0.2, 0.0],
                      "improved": [True, False, False]}, index=["csat", "resolution_time_h", "aov"])
    fig = plot_kpi_comparison(t)
    assert len(fig.axes[0].patches) == 3
    fig = plot_intervals({"a": {"difference": 0.1, "ci_low": 0.0, "ci_high": 0.2},
                          "b": {"estimate": 0.5, "ci_low": 0.4, "ci_high": 0.6}}, {"a": 0.12})
    assert len(fig.axes[0].get_yticks()) == 2
    m = pd.DataFrame({"before": [3.0, 3.1], "after": [3.2, 3.9]}, index=["control", "treated"])
    fig = plot_did({"means": m, "estimate": 0.6})
    assert fig.axes[0].lines[2].get_ydata()[1] == 3.1 + 0.2  # the parallel-trend counterfactual
    fig = plot_cash_flows(initiative_roi(1000, 600, 100)["cash_flows"])
    assert len(fig.axes[0].patches) == 4
    plan = update_phase(roadmap_plan("2025-01-06"), "assessment", progress=1.0)
    fig = plot_roadmap(plan, today="2025-03-01", chinese=True)
    assert len(fig.axes[0].patches) == 12
    card = maturity_scorecard(dict.fromkeys(MATURITY_DIMENSIONS["dimension"], 3))
    fig = plot_maturity_radar(card)
    assert fig.axes[0].name == "polar" and len(fig.axes[0].lines) == 2
    plt.close("all")
