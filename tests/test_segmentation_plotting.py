"""Charts draw the numbers of the maths functions, on the Axes they are given."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crm_training.churn import calibration_table, gains_table  # noqa: E402
from crm_training.segmentation import plotting as P  # noqa: E402
from crm_training.segmentation._example import example_data  # noqa: E402
from crm_training.segmentation.concentration import lorenz_curve, pareto_table  # noqa: E402
from crm_training.segmentation.rfm import rfm_scores  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_lorenz_draws_the_curve_on_the_given_axes():
    fig, ax = plt.subplots()
    v = [3, 1, 0, 4]
    out = P.plot_lorenz(v, ax=ax)
    assert out is ax
    assert np.allclose(ax.lines[0].get_ydata(), lorenz_curve(v)["value_share"])
    assert "Gini 0.44" in ax.get_legend().get_texts()[0].get_text()  # G = 1 - 2 * 0.28125


def test_pareto_bars_are_the_group_shares():
    v = np.arange(1, 101)
    ax = P.plot_pareto(v)
    heights = [p.get_height() for p in ax.patches]
    assert np.allclose(heights, pareto_table(v)["value_share"])


def test_rfm_grid_counts_sum_to_customers():
    s = rfm_scores(example_data(200))
    ax = P.plot_rfm_grid(s)
    total = np.nansum(ax.images[0].get_array())
    assert total == len(s)
    ax2 = P.plot_rfm_grid(s, value="monetary")
    assert ax2.images[0].get_array().max() <= s["monetary"].max()


def test_other_charts_return_axes_or_figure():
    y = np.r_[np.ones(30), np.zeros(70)].astype(bool)
    p = np.linspace(1, 0, 100)
    g = gains_table(y, p)
    ax = P.plot_gains(g)
    assert np.allclose(ax.lines[0].get_ydata()[1:], g["gain"])
    assert len(P.plot_lift(g).patches) == 10
    assert P.plot_calibration(calibration_table(y, p)).get_ylabel() == "observed churn rate"
    t = pd.DataFrame({"inertia": [9.0, 5, 4], "bic": np.nan, "silhouette": [0.4, 0.6, 0.5]},
                     index=pd.Index([2, 3, 4], name="k"))
    fig = P.plot_choose_k(t)
    assert "best k = 3" in fig.axes[1].get_title()
    prof = pd.DataFrame({"customers": [3, 4], "recency_days": [10.0, 300],
                         "monetary": [900.0, 50], "name": ["Big spenders", "Lapsed"]})
    ax = P.plot_cluster_profiles(prof)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["days since last purchase", "spend"]
    mig = pd.DataFrame([[5, 1], [0, 4]], index=["VIP", "ordinary"], columns=["VIP", "ordinary"])
    assert P.plot_tier_migration(mig).images[0].get_array().sum() == 10
    cls = pd.Series(pd.Categorical(["high", "medium", "medium"],
                                   categories=["high", "medium", "potential"]), name="value_tier")
    ax = P.plot_class_shares(cls)
    assert [p.get_height() for p in ax.patches] == [1, 2, 0]
