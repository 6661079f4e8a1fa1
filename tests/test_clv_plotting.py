"""CLV charts: the tables behind them are right, and every chart draws without error."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crm_training.clv import BetaGeoModel, ParetoNBDModel, simulate_bg_nbd  # noqa: E402
from crm_training.clv.plotting import (calibration_vs_holdout, frequency_recency_grid,  # noqa: E402
                                       period_transactions, plot_calibration_vs_holdout,
                                       plot_frequency_recency_matrix, plot_period_transactions,
                                       plot_probability_alive_matrix)

TRUTH = {"r": 0.8, "alpha": 6.0, "a": 1.3, "b": 2.5}


@pytest.fixture(scope="module")
def fitted():
    data = simulate_bg_nbd(5000, np.random.default_rng(0).uniform(20, 60, 5000), seed=0,
                           future_t=26.0, **TRUTH)
    return BetaGeoModel().fit(data), data


def test_grid_values_come_from_the_model(fitted):
    model, data = fitted
    grid = frequency_recency_grid(model, data, "purchases", future_t=4.0, max_frequency=5)
    assert grid.index.tolist() == list(range(6))
    T = data["T"].max()
    probe = pd.DataFrame({"customer_id": [0], "frequency": [3], "recency": [10.0], "T": [T]})
    assert grid.loc[3, 10.0] == pytest.approx(model.expected_purchases(probe, 4.0).iloc[0])
    alive = frequency_recency_grid(model, data, "alive")
    assert (alive.loc[0] == 1).all()                          # BG/NBD: no repeat, still active
    assert alive.loc[5].is_monotonic_increasing               # more recent, more likely active
    with pytest.raises(ValueError, match="quantity"):
        frequency_recency_grid(model, data, "value")


def test_period_transactions_counts(fitted):
    model, data = fitted
    table = period_transactions(model, data, max_frequency=5, seed=1)
    assert table["actual"].sum() == table["model"].sum() == len(data)
    assert table.loc[0, "actual"] == (data["frequency"] == 0).sum()
    assert table.loc[5, "actual"] == (data["frequency"] >= 5).sum()
    # The model was fitted on these data: its distribution is close to the actual one.
    assert np.abs(table["actual"] - table["model"]).max() < 0.03 * len(data)


def test_calibration_vs_holdout_table(fitted):
    model, data = fitted
    split = data.assign(duration_holdout=26.0)
    table = calibration_vs_holdout(model, split, max_frequency=4)
    assert table["customers"].sum() == len(data)
    assert table.loc[1, "actual"] == pytest.approx(
        data.loc[data["frequency"] == 1, "frequency_holdout"].mean())
    assert np.allclose(table["actual"], table["expected"], atol=0.35)
    with pytest.raises(ValueError, match="duration_holdout"):
        calibration_vs_holdout(model, data)


def test_every_chart_draws(fitted):
    model, data = fitted
    pareto = ParetoNBDModel()
    pareto.params_ = {"r": 0.8, "alpha": 6.0, "s": 0.9, "beta": 20.0}
    split = data.assign(duration_holdout=26.0)
    fig, axes = plt.subplots(2, 3, figsize=(12, 7))
    plot_frequency_recency_matrix(model, data, future_t=4, ax=axes[0, 0])
    plot_probability_alive_matrix(model, data, ax=axes[0, 1])
    plot_period_transactions(model, data, ax=axes[0, 2])
    ax = plot_calibration_vs_holdout(model, split, ax=axes[1, 0])
    assert len(ax.lines) == 2
    assert plot_period_transactions(pareto, data, ax=axes[1, 1]).get_legend() is not None
    assert plot_probability_alive_matrix(pareto, data).images  # makes its own figure
    plt.close("all")
