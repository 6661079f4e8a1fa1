"""Charts for concentration, RFM, classes, clustering, value tiers and churn (chapters 1-2).

Apart from the maths: every function takes the table a maths function returned (or raw values),
draws on ``ax`` when given (else on a new figure) and returns the Axes (or the Figure for
multi-panel charts). matplotlib is imported only when a chart is drawn. The charts of the
report (Lorenz, Pareto, RFM grid, class shares, cluster profiles) take ``language="en"`` or "zh"
and draw their words in it (:mod:`crm_training.i18n`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..charts import annotated_matrix
from ..i18n import chart_words, code_label, ensure_cjk_font, tier_label
from .concentration import gini, lorenz_curve, pareto_table


def _ax(ax, figsize=(6, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_lorenz(values, ax=None, label: str = "customers", negative: str = "clip", *,
                measure: str | None = None, language: str = "en"):
    """Lorenz curve with the line of equality; the Gini coefficient in the legend.

    ``measure`` names the value in the title and the y label (e.g. "revenue", already in
    ``language``); ``label`` names the curve (the default "customers" is translated).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_lorenz([1, 2, 3, 10])
    >>> len(ax.lines)
    2
    >>> with matplotlib.rc_context():
    ...     ax = plot_lorenz([1, 2, 3, 10], measure="利润", language="zh")
    >>> ax.get_title(), ax.get_legend().get_texts()[0].get_text()
    ('利润洛伦兹曲线', '客户（基尼系数0.44）')
    """
    w = chart_words("lorenz", language, measure=measure)
    ensure_cjk_font(language)
    ax = _ax(ax, (5, 5))
    lc = lorenz_curve(values, negative=negative)
    g = gini(values, negative=negative)
    name = w["customers"] if label == "customers" else label
    ax.plot(lc["customer_share"], lc["value_share"],
            label=w["curve"].format(label=name, gini=f"{g:.2f}"))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label=w["equality"])
    ax.set_xlabel(w["x"])
    ax.set_ylabel(w["y"] if measure is None else w["y_measure"])
    ax.set_title(w["title"] if measure is None else w["title_measure"])
    ax.legend(loc="upper left")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    return ax


def plot_pareto(values, n_groups: int = 10, ax=None, *, language: str = "en"):
    """Pareto chart: value share per group of customers (best first) and the cumulative line.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_pareto([100, 50, 20, 10, 5, 1, 1, 1, 0, 0])
    >>> len(ax.patches)
    10
    """
    w = chart_words("pareto", language)
    ensure_cjk_font(language)
    ax = _ax(ax)
    t = pareto_table(values, n_groups)
    x = np.arange(1, len(t) + 1)
    ax.bar(x, t["value_share"], color="tab:blue", label=w["bars"])
    ax.plot(x, t["value_share_cum"], color="tab:red", marker="o", label=w["line"])
    ax.axhline(0.8, ls=":", color="grey")
    ax.set_xticks(x)
    ax.set_xticklabels([f"{c:.0%}" for c in t["customer_share_cum"]])
    ax.set_xlabel(w["x"])
    ax.set_ylabel(w["y"])
    ax.set_ylim(0, max(1.05, float(t["value_share_cum"].max()) + 0.05))
    ax.set_title(w["title"])
    ax.legend(loc="center right")
    return ax


def plot_rfm_grid(scores: pd.DataFrame, ax=None, value: str = "customers", *,
                  language: str = "en"):
    """Heat map of customers (or mean monetary) on the R x FM grid, with the segment names
    (in Chinese for ``language="zh"``, :data:`~crm_training.segmentation.RFM_SEGMENT_LABELS_ZH`).

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
    from .rfm import RFM_SEGMENT_GRID, RFM_SEGMENT_LABELS_ZH

    w = chart_words("rfm_grid", language, value=code_label(value, language))
    ensure_cjk_font(language)
    ax = _ax(ax, (7, 5))
    if value == "customers":
        m = scores.pivot_table(index="R", columns="FM", values="rfm", aggfunc="size")
    else:
        m = scores.pivot_table(index="R", columns="FM", values=value, aggfunc="mean")
    m = m.reindex(index=RFM_SEGMENT_GRID.index, columns=RFM_SEGMENT_GRID.columns).astype(float)
    im = ax.imshow(m.to_numpy(), cmap="Blues", aspect="auto")
    if language == "en":
        bar_label = value
    else:
        bar_label = w["customers"] if value == "customers" else w["mean"]
    ax.figure.colorbar(im, ax=ax, label=bar_label)
    ax.set_xticks(range(5))
    ax.set_xticklabels(m.columns)
    ax.set_yticks(range(5))
    ax.set_yticklabels(m.index)
    for i, r in enumerate(m.index):
        for j, c in enumerate(m.columns):
            v = m.loc[r, c]
            name = RFM_SEGMENT_GRID.loc[r, c]
            if language == "zh":
                name = _wrap(RFM_SEGMENT_LABELS_ZH.get(name, name), 6)
            txt = name + ("" if np.isnan(v) else f"\n{v:,.0f}")
            ax.text(j, i, txt, ha="center", va="center", fontsize=7)
    ax.set_xlabel(w["x"])
    ax.set_ylabel(w["y"])
    ax.set_title(w["title"])
    return ax


def _wrap(text: str, width: int) -> str:
    """A Chinese label broken in two lines when longer than ``width`` characters."""
    if len(text) <= width:
        return text
    half = (len(text) + 1) // 2
    return text[:half] + "\n" + text[half:]


def plot_class_shares(classes: pd.Series, ax=None, title: str | None = None, *,
                      language: str = "en"):
    """Bar chart of the number of customers per class (in the class order).

    In Chinese the class codes are named (value tiers 高价值 / 中价值 / 潜力价值, and the other
    schemes of :mod:`~crm_training.segmentation.classes`); the default title says what is counted.

    Examples
    --------
    >>> import matplotlib, pandas as pd
    >>> matplotlib.use("Agg")
    >>> ax = plot_class_shares(pd.Series(["high", "medium", "medium"]))
    >>> len(ax.patches)
    2
    >>> all(float(y).is_integer() for y in ax.get_yticks())  # whole customers
    True
    >>> with matplotlib.rc_context():
    ...     ax = plot_class_shares(pd.Series(["high", "potential"], name="value_tier"),
    ...                            language="zh")
    >>> ax.get_title(), [t.get_text() for t in ax.get_xticklabels()]
    ('各价值层级客户数', ['高价值', '潜力价值'])
    """
    from matplotlib.ticker import MaxNLocator

    w = chart_words("class_shares", language)
    ensure_cjk_font(language)
    ax = _ax(ax)
    counts = classes.value_counts(sort=False) if hasattr(classes, "cat") \
        else classes.value_counts()
    codes = counts.index.astype(str)
    tiers = set(codes) <= {"high", "medium", "potential"} or classes.name == "value_tier"
    if language == "en":
        names = codes
    else:
        from .classes import LABELS_ZH

        kind = LABELS_ZH.get(str(classes.name), {})
        names = [tier_label(c, language) if tiers else kind.get(c) or code_label(c, language)
                 for c in codes]
    ax.bar(names, counts.to_numpy(), color="tab:blue")
    for i, v in enumerate(counts.to_numpy()):
        ax.text(i, v, f"{v / counts.sum():.0%}", ha="center", va="bottom")
    ax.set_ylabel(w["y"])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if language == "en":
        ax.set_title(title or (classes.name or w["title"]))
    else:
        ax.set_title(title or (w["title_tiers"] if tiers else w["title"]))
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


def plot_cluster_profiles(profiles: pd.DataFrame, features=None, ax=None, *,
                          language: str = "en"):
    """Heat map of the cluster means, each feature standardised across clusters (z-scores).

    In Chinese the features are named and the clusters take their ``name_zh`` when present.

    Examples
    --------
    >>> import matplotlib, pandas as pd
    >>> matplotlib.use("Agg")
    >>> p = pd.DataFrame({"recency_days": [10.0, 300], "monetary": [900.0, 50],
    ...                   "name": ["Big spenders", "Lapsed"]})
    >>> plot_cluster_profiles(p).get_title()
    'Cluster profiles (z-scores of the means)'
    >>> with matplotlib.rc_context():
    ...     ax = plot_cluster_profiles(p.assign(name_zh=["高消费客户", "沉睡客户"]), language="zh")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['0: 高消费客户', '1: 沉睡客户']
    """
    w = chart_words("cluster_profiles", language)
    ensure_cjk_font(language)
    ax = _ax(ax, (7, 0.6 * len(profiles) + 2))
    skip = {"customers", "customer_share", "revenue_share", "name", "name_zh"}
    cols = list(features) if features is not None else \
        [c for c in profiles.columns
         if c not in skip and pd.api.types.is_numeric_dtype(profiles[c])]
    m = profiles[cols].astype(float)
    z = (m - m.mean()) / m.std(ddof=0).replace(0, 1)
    im = ax.imshow(z.to_numpy(), cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    ax.figure.colorbar(im, ax=ax, label=w["colorbar"])
    ax.set_xticks(range(len(cols)))
    from ..i18n import FEATURES_EN

    shown = [FEATURES_EN.get(c, code_label(c, "en")) for c in cols] if language == "en" \
        else [code_label(c, language) for c in cols]
    ax.set_xticklabels(shown, rotation=30, ha="right")
    column = "name_zh" if language == "zh" and "name_zh" in profiles else "name"
    names = profiles[column] if column in profiles else profiles.index.astype(str)
    ax.set_yticks(range(len(m)))
    ax.set_yticklabels([f"{i}: {n}" for i, n in zip(profiles.index, names)])
    for i in range(len(m)):
        for j, c in enumerate(cols):
            v = m.iloc[i, j]
            ax.text(j, i, f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}", ha="center",
                    va="center", fontsize=7)
    ax.set_title(w["title"])
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
