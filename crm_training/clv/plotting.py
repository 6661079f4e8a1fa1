"""Charts for the CLV models (chapter 2), apart from the maths: each takes a fitted model and an
RFM frame, draws on a matplotlib Axes (a new one unless ``ax`` is given) and returns it.

* :func:`plot_frequency_recency_matrix` - expected purchases next period by frequency and recency;
* :func:`plot_probability_alive_matrix` - probability of being active by frequency and recency;
* :func:`plot_period_transactions` - customers by number of repeat purchases, actual vs model;
* :func:`plot_calibration_vs_holdout` - expected vs actual holdout purchases by calibration
  frequency (the usual check of a model on a time split);
* :func:`plot_holdout` - cumulative repeat purchases over the calibration and holdout weeks,
  actual vs model, from a :func:`~crm_training.clv.holdout_check` result, with the holdout
  error stated.

The two matrices and :func:`plot_holdout` take ``language="en"`` or "zh" and draw their words
in it (:data:`crm_training.i18n.CHART_WORDS`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import CHART_WORDS, chart_words, ensure_cjk_font

__all__ = ["frequency_recency_grid", "period_transactions", "calibration_vs_holdout",
           "plot_frequency_recency_matrix",
           "plot_probability_alive_matrix", "plot_period_transactions",
           "plot_calibration_vs_holdout", "plot_holdout", "HOLDOUT_LABELS"]


def _axes(ax, figsize=(6, 4.5)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    return plt.subplots(figsize=figsize)[1]


def frequency_recency_grid(model, data: pd.DataFrame, quantity: str = "purchases",
                           future_t: float = 1.0, max_frequency: int | None = None,
                           max_recency: float | None = None) -> pd.DataFrame:
    """Model values for hypothetical customers on a frequency x recency grid.

    Every grid customer is observed for ``T`` = the largest T in ``data``; ``quantity`` is
    "purchases" (expected purchases in the next ``future_t``) or "alive" (probability active).
    Returns a frame with frequency as index and recency as columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from crm_training.clv import BetaGeoModel
    >>> m = BetaGeoModel()
    >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> data = pd.DataFrame({"customer_id": [1, 2], "frequency": [0, 4],
    ...                      "recency": [0.0, 30.0], "T": [38.0, 38.0]})
    >>> grid = frequency_recency_grid(m, data, quantity="alive")
    >>> grid.shape, float(grid.iloc[0, 0])
    ((5, 39), 1.0)
    """
    if quantity not in ("purchases", "alive"):
        raise ValueError(f"quantity must be 'purchases' or 'alive', got {quantity!r}")
    T = float(data["T"].max())
    max_frequency = int(data["frequency"].max()) if max_frequency is None else int(max_frequency)
    max_recency = T if max_recency is None else min(float(max_recency), T)
    freq = np.arange(max_frequency + 1)
    rec = np.arange(int(np.floor(max_recency)) + 1, dtype=float)
    f, r = np.meshgrid(freq, rec, indexing="ij")
    r = np.where(f == 0, 0.0, np.maximum(r, 1e-9))  # no repeat purchase: recency is 0
    grid = pd.DataFrame({"customer_id": np.arange(f.size), "frequency": f.ravel(),
                         "recency": r.ravel(), "T": T})
    if quantity == "alive":
        values = model.expected_probability_alive(grid)
    else:
        values = model.expected_purchases(grid, future_t)
    return pd.DataFrame(values.to_numpy().reshape(f.shape),
                        index=pd.Index(freq, name="frequency"),
                        columns=pd.Index(rec, name="recency"))


def _matrix(grid: pd.DataFrame, words: dict, ax):
    ax = _axes(ax)
    im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis",
                   extent=(grid.columns[0] - 0.5, grid.columns[-1] + 0.5,
                           grid.index[0] - 0.5, grid.index[-1] + 0.5))
    ax.figure.colorbar(im, ax=ax)
    ax.set_xlabel(words["x"])
    ax.set_ylabel(words["y"])
    ax.set_title(words["title"])
    return ax


def plot_frequency_recency_matrix(model, data: pd.DataFrame, future_t: float = 1.0,
                                  max_frequency: int | None = None, ax=None, *,
                                  language: str = "en"):
    """Heat map of expected purchases in the next ``future_t`` by frequency and recency."""
    words = chart_words("frequency_recency", language, future_t=future_t)
    ensure_cjk_font(language)
    grid = frequency_recency_grid(model, data, "purchases", future_t, max_frequency)
    return _matrix(grid, words, ax)


def plot_probability_alive_matrix(model, data: pd.DataFrame, max_frequency: int | None = None,
                                  ax=None, *, language: str = "en"):
    """Heat map of the probability that a customer is still active, by frequency and recency.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crm_training.clv import BetaGeoModel
    >>> m = BetaGeoModel()
    >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> data = pd.DataFrame({"customer_id": [1, 2], "frequency": [0, 4],
    ...                      "recency": [0.0, 30.0], "T": [38.0, 38.0]})
    >>> with matplotlib.rc_context():
    ...     ax = plot_probability_alive_matrix(m, data, language="zh")
    >>> ax.get_title(), ax.get_ylabel()
    ('客户存活概率', '重复购买次数')
    """
    words = chart_words("p_alive", language)
    ensure_cjk_font(language)
    grid = frequency_recency_grid(model, data, "alive", max_frequency=max_frequency)
    return _matrix(grid, words, ax)


def period_transactions(model, data: pd.DataFrame, max_frequency: int = 7,
                        seed: int = 0) -> pd.DataFrame:
    """Customers by number of repeat purchases: actual, and simulated from the fitted model with
    each customer's own T. The last row counts ``max_frequency`` or more."""
    actual = np.minimum(data["frequency"].to_numpy(), max_frequency)
    simulated = np.minimum(model._simulate(data["T"].to_numpy(dtype=float), seed)["frequency"]
                           .to_numpy(), max_frequency)
    bins = np.arange(max_frequency + 1)
    return pd.DataFrame({"actual": np.bincount(actual, minlength=max_frequency + 1),
                         "model": np.bincount(simulated, minlength=max_frequency + 1)},
                        index=pd.Index(bins, name="repeat purchases"))


def plot_period_transactions(model, data: pd.DataFrame, max_frequency: int = 7, seed: int = 0,
                             ax=None):
    """Bar chart of customers by number of repeat purchases, actual vs model."""
    table = period_transactions(model, data, max_frequency, seed)
    ax = _axes(ax)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"], width=0.4, label="actual")
    ax.bar(x + 0.2, table["model"], width=0.4, label="model")
    ax.set_xticks(x, [str(i) for i in table.index[:-1]] + [f"{table.index[-1]}+"])
    ax.set_xlabel("number of repeat purchases")
    ax.set_ylabel("customers")
    ax.set_title("Repeat purchases: actual vs model")
    ax.legend()
    return ax


def calibration_vs_holdout(model, split: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Mean actual and expected holdout purchases by calibration frequency (capped).

    ``split`` is a frame from :func:`rfm_train_test_split` (with frequency_holdout and
    duration_holdout)."""
    for col in ("frequency_holdout", "duration_holdout"):
        if col not in split.columns:
            raise ValueError(f"split is missing column {col!r}; make it with rfm_train_test_split")
    expected = model.expected_purchases(split, split["duration_holdout"].to_numpy(dtype=float))
    group = np.minimum(split["frequency"].to_numpy(), max_frequency)
    frame = pd.DataFrame({"group": group, "actual": split["frequency_holdout"].to_numpy(float),
                          "expected": expected.to_numpy()})
    out = frame.groupby("group").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                     expected=("expected", "mean"))
    return out.rename_axis("calibration frequency")


def plot_calibration_vs_holdout(model, split: pd.DataFrame, max_frequency: int = 7, ax=None):
    """Line chart of mean actual vs expected holdout purchases by calibration frequency."""
    table = calibration_vs_holdout(model, split, max_frequency)
    ax = _axes(ax)
    ax.plot(table.index, table["actual"], marker="o", label="actual")
    ax.plot(table.index, table["expected"], marker="s", linestyle="--", label="model")
    ax.set_xlabel(f"repeat purchases in calibration ({max_frequency} = {max_frequency} or more)")
    ax.set_ylabel("mean purchases in holdout")
    ax.set_title("Expected vs actual purchases in the holdout period")
    ax.legend()
    return ax


#: the words of :func:`plot_holdout`, by language (``CHART_WORDS["holdout"]``)
HOLDOUT_LABELS = CHART_WORDS["holdout"]


def plot_holdout(check: dict, language: str = "en", ax=None):
    """Cumulative repeat purchases of the calibration cohort, actual vs model, over the
    calibration and the holdout weeks (Fader, Hardie & Lee 2005, figure 3; lifetimes'
    ``plot_cumulative_transactions``), from a :func:`~crm_training.clv.holdout_check` result.

    Three lines: the actual count; the model's expectation from each customer's first purchase
    date alone (both periods); and, over the holdout, the forecast from each customer's own
    calibration history added to the calibration's actual count - the forecast the CLV rests
    on, whose error (predicted / actual - 1 over the holdout) is written on the chart. A dashed
    line marks the end of the calibration. Title, axes and legend are in ``language`` ("en" or
    "zh"; a CJK font is then put first, see :func:`crm_training.i18n.ensure_cjk_font`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import crm_training
    >>> from crm_training.clv import holdout_check
    >>> check = holdout_check(crm_training.generate("retail", 1000, seed=1).transactions)
    >>> with matplotlib.rc_context():
    ...     ax = plot_holdout(check, language="zh")
    >>> ax.get_ylabel(), len(ax.get_lines())
    ('累计重复购买次数', 4)
    """
    words = chart_words("holdout", language)
    for key in ("tracking", "calibration_weeks", "predicted", "actual", "error"):
        if key not in check:
            raise ValueError(f"check has no {key!r}: make it with crm_training.clv.holdout_check")
    ensure_cjk_font(language)
    track = check["tracking"]
    scaler = float(check.get("time_scaler", 7.0))
    ax = _axes(ax, figsize=(7, 4.5))
    x = track.index.to_numpy(dtype=float)
    ax.plot(x, track["actual"], color="black", linewidth=1.8, label=words["actual"])
    ax.plot(x, track["model"], color="tab:blue", linestyle="--", label=words["model"])
    ax.plot(x, track["forecast"], color="tab:orange", linewidth=1.8,
            label=words["forecast"])
    date = f"{pd.Timestamp(check['calibration_end']):%Y-%m-%d}" if "calibration_end" in check \
        else ""
    ax.axvline(check["calibration_weeks"], color="grey", linestyle=":",
               label=words["calibration_end"].format(date=date))
    name = check.get("model_name", "BG/NBD")
    ax.set_title(words["title"].format(model=name))
    xkey = {7.0: "x_weeks", 1.0: "x_days"}.get(scaler, "x_units")
    ax.set_xlabel(words[xkey].format(scaler=scaler))
    ax.set_ylabel(words["y"])
    error = check["error"]
    shown = f"{error:+.1%}" if np.isfinite(error) else "–"
    ax.text(0.02, 0.97, words["error"].format(predicted=f"{check['predicted']:,.0f}",
                                              actual=f"{check['actual']:,.0f}", error=shown),
            transform=ax.transAxes, va="top", ha="left", fontsize=9)
    ax.set_xlim(0, x.max() if len(x) else 1)
    ax.set_ylim(0, None)
    ax.legend(loc="lower right", fontsize=8)
    return ax
