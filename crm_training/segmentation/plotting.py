"""Charts for concentration, RFM, classes, clustering, value tiers and churn (chapters 1-2).

Apart from the maths: every function takes the table a maths function returned (or raw values),
draws on ``ax`` when given (else on a new figure) and returns the Axes (or the Figure for
multi-panel charts). matplotlib is imported only when a chart is drawn.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..charts import annotated_matrix
from .concentration import gini, lorenz_curve, pareto_table


def _ax(ax, figsize=(6, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_lorenz(values, ax=None, label: str = "customers", negative: str = "clip"):
    """Lorenz curve with the line of equality; the Gini coefficient in the legend.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_lorenz([1, 2, 3, 10])
    >>> len(ax.lines)
    2
    """
    ax = _ax(ax, (5, 5))
    lc = lorenz_curve(values, negative=negative)
    g = gini(values, negative=negative)
    ax.plot(lc["customer_share"], lc["value_share"], label=f"{label} (Gini {g:.2f})")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfect equality")
    ax.set_xlabel("cumulative share of customers (smallest first)")
    ax.set_ylabel("cumulative share of value")
    ax.set_title("Lorenz curve")
    ax.legend(loc="upper left")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    return ax


def plot_pareto(values, n_groups: int = 10, ax=None):
    """Pareto chart: value share per group of customers (best first) and the cumulative line.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_pareto([100, 50, 20, 10, 5, 1, 1, 1, 0, 0])
    >>> len(ax.patches)
    10
    """
    ax = _ax(ax)
    t = pareto_table(values, n_groups)
    x = np.arange(1, len(t) + 1)
    ax.bar(x, t["value_share"], color="tab:blue", label="share of value")
    ax.plot(x, t["value_share_cum"], color="tab:red", marker="o", label="cumulative share")
    ax.axhline(0.8, ls=":", color="grey")
    ax.set_xticks(x)
    ax.set_xticklabels([f"{c:.0%}" for c in t["customer_share_cum"]])
    ax.set_xlabel("top customers (cumulative share)")
    ax.set_ylabel("share of value")
    ax.set_ylim(0, max(1.05, float(t["value_share_cum"].max()) + 0.05))
    ax.set_title("Pareto analysis")
    ax.legend(loc="center right")
    return ax


def plot_rfm_grid(scores: pd.DataFrame, ax=None, value: str = "customers"):
    """Heat map of customers (or mean monetary) on the R x FM grid, with the segment names.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crm_training.segmentation._example import example_data
    >>> from crm_training.segmentation.rfm import rfm_scores
    >>> ax = plot_rfm_grid(rfm_scores(example_data()))
    >>> ax.get_xlabel()
    'FM score (frequency and monetary)'
    """
    from .rfm import RFM_SEGMENT_GRID

    ax = _ax(ax, (7, 5))
    if value == "customers":
        m = scores.pivot_table(index="R", columns="FM", values="rfm", aggfunc="size")
    else:
        m = scores.pivot_table(index="R", columns="FM", values=value, aggfunc="mean")
    m = m.reindex(index=RFM_SEGMENT_GRID.index, columns=RFM_SEGMENT_GRID.columns).astype(float)
    im = ax.imshow(m.to_numpy(), cmap="Blues", aspect="auto")
    ax.figure.colorbar(im, ax=ax, label=value)
    ax.set_xticks(range(5))
    ax.set_xticklabels(m.columns)
    ax.set_yticks(range(5))
    ax.set_yticklabels(m.index)
    for i, r in enumerate(m.index):
        for j, c in enumerate(m.columns):
            v = m.loc[r, c]
            txt = RFM_SEGMENT_GRID.loc[r, c] + ("" if np.isnan(v) else f"\n{v:,.0f}")
            ax.text(j, i, txt, ha="center", va="center", fontsize=7)
    ax.set_xlabel("FM score (frequency and monetary)")
    ax.set_ylabel("R score (recency)")
    ax.set_title("RFM segments")
    return ax


def plot_class_shares(classes: pd.Series, ax=None, title: str | None = None):
    """Bar chart of the number of customers per class (in the class order).

    Examples
    --------
    >>> import matplotlib, pandas as pd
    >>> matplotlib.use("Agg")
    >>> ax = plot_class_shares(pd.Series(["high", "medium", "medium"]))
    >>> len(ax.patches)
    2
    >>> all(float(y).is_integer() for y in ax.get_yticks())  # whole customers
    True
    """
    from matplotlib.ticker import MaxNLocator

    ax = _ax(ax)
    counts = classes.value_counts(sort=False) if hasattr(classes, "cat") \
        else classes.value_counts()
    ax.bar(counts.index.astype(str), counts.to_numpy(), color="tab:blue")
    for i, v in enumerate(counts.to_numpy()):
        ax.text(i, v, f"{v / counts.sum():.0%}", ha="center", va="bottom")
    ax.set_ylabel("customers")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title or (classes.name or "classes"))
    return ax


def plot_choose_k(table: pd.DataFrame, fig=None):
    """Two panels: inertia (elbow) or BIC, and the silhouette, against k. Returns the Figure.

    Examples
    --------
    >>> import matplotlib, pandas as pd
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame({"inertia": [9.0, 5, 4], "bic": float("nan"),
    ...                   "silhouette": [0.4, 0.6, 0.5]}, index=pd.Index([2, 3, 4], name="k"))
    >>> len(plot_choose_k(t).axes)
    2
    """
    import matplotlib.pyplot as plt

    fig = fig or plt.figure(figsize=(9, 3.5))
    a1, a2 = fig.subplots(1, 2)
    col = "inertia" if table["inertia"].notna().any() else "bic"
    a1.plot(table.index, table[col], marker="o")
    a1.set_xlabel("k")
    a1.set_ylabel(col)
    a1.set_title("elbow" if col == "inertia" else "BIC (lower is better)")
    a2.plot(table.index, table["silhouette"], marker="o", color="tab:green")
    best = table["silhouette"].idxmax()
    a2.axvline(best, ls=":", color="grey")
    a2.set_xlabel("k")
    a2.set_ylabel("silhouette (sample)")
    a2.set_title(f"silhouette: best k = {best}")
    fig.tight_layout()
    return fig


def plot_cluster_profiles(profiles: pd.DataFrame, features=None, ax=None):
    """Heat map of the cluster means, each feature standardised across clusters (z-scores).

    Examples
    --------
    >>> import matplotlib, pandas as pd
    >>> matplotlib.use("Agg")
    >>> p = pd.DataFrame({"recency_days": [10.0, 300], "monetary": [900.0, 50],
    ...                   "name": ["Big spenders", "Lapsed"]})
    >>> plot_cluster_profiles(p).get_title()
    'Cluster profiles (z-scores of the means)'
    """
    ax = _ax(ax, (7, 0.6 * len(profiles) + 2))
    skip = {"customers", "customer_share", "revenue_share", "name", "name_zh"}
    cols = list(features) if features is not None else \
        [c for c in profiles.columns if c not in skip and pd.api.types.is_numeric_dtype(profiles[c])]
    m = profiles[cols].astype(float)
    z = (m - m.mean()) / m.std(ddof=0).replace(0, 1)
    im = ax.imshow(z.to_numpy(), cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    ax.figure.colorbar(im, ax=ax, label="z-score")
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels(cols, rotation=30, ha="right")
    names = profiles["name"] if "name" in profiles else profiles.index.astype(str)
    ax.set_yticks(range(len(m)))
    ax.set_yticklabels([f"{i}: {n}" for i, n in zip(profiles.index, names)])
    for i in range(len(m)):
        for j, c in enumerate(cols):
            ax.text(j, i, f"{m.iloc[i, j]:,.3g}", ha="center", va="center", fontsize=7)
    ax.set_title("Cluster profiles (z-scores of the means)")
    return ax


def plot_tier_migration(table: pd.DataFrame, ax=None):
    """Heat map of a :func:`~crm_training.segmentation.value_assessment.tier_migration` table.

    Examples
    --------
    >>> import matplotlib, pandas as pd
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame([[5, 1], [0, 4]], index=["VIP", "ordinary"], columns=["VIP", "ordinary"])
    >>> plot_tier_migration(t).get_ylabel()
    'class before'
    """
    return annotated_matrix(table, cmap="Greens", xlabel="class after", ylabel="class before",
                            title="Class migration", ax=ax)


def plot_gains(gains: pd.DataFrame, ax=None):
    """Cumulative gains curve of a churn list against a random list.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crm_training.churn import gains_table
    >>> ax = plot_gains(gains_table([1, 0, 1, 0, 0, 0], [6, 5, 4, 3, 2, 1], n_groups=3))
    >>> len(ax.lines)
    2
    """
    ax = _ax(ax, (5, 5))
    x = np.r_[0, gains["customer_share_cum"].to_numpy()]
    y = np.r_[0, gains["gain"].to_numpy()]
    ax.plot(x, y, marker="o", label="model")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="random")
    ax.set_xlabel("share of customers contacted (highest risk first)")
    ax.set_ylabel("share of churners reached")
    ax.set_title("Cumulative gains")
    ax.legend(loc="lower right")
    return ax


def plot_lift(gains: pd.DataFrame, ax=None):
    """Lift per score group (decile): how many times the average churn rate.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crm_training.churn import gains_table
    >>> ax = plot_lift(gains_table([1, 0, 1, 0, 0, 0], [6, 5, 4, 3, 2, 1], n_groups=3))
    >>> len(ax.patches)
    3
    """
    ax = _ax(ax)
    ax.bar(gains.index.astype(str), gains["lift"], color="tab:orange")
    ax.axhline(1, ls="--", color="grey")
    ax.set_xlabel("score group (1 = highest risk)")
    ax.set_ylabel("lift")
    ax.set_title("Lift by group")
    return ax


def plot_calibration(calibration: pd.DataFrame, ax=None):
    """Observed churn rate against the mean predicted probability per bin.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crm_training.churn import calibration_table
    >>> ax = plot_calibration(calibration_table([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], n_bins=2))
    >>> ax.get_xlabel()
    'predicted churn probability'
    """
    ax = _ax(ax, (5, 5))
    ax.plot(calibration["predicted"], calibration["observed"], marker="o", label="model")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfect calibration")
    ax.set_xlabel("predicted churn probability")
    ax.set_ylabel("observed churn rate")
    ax.set_title("Calibration")
    ax.legend(loc="upper left")
    return ax
