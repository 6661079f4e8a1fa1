"""Charts for chapter 3 (customer experience): funnel, satisfaction with intervals, journeys,
the five-principles audit (radar and bars), sentiment confusion matrix and click heat maps.

Apart from the maths: each function takes the table a maths function returned and returns a
matplotlib Figure (the notebook decides to show it). matplotlib is imported only when drawing.
:func:`plot_satisfaction` and :func:`plot_audit_radar` take ``language="en"`` or "zh" and draw
their words in it (:mod:`crm_training.i18n`).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> from crm_training.experience import funnel
>>> web = pd.DataFrame({"session_id": ["a", "a", "b"], "funnel_step": [1, 2, 1]})
>>> fig = plot_funnel(funnel(web))
>>> type(fig).__name__
'Figure'
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..charts import annotated_matrix
from ..i18n import chart_words, code_label, ensure_cjk_font
from .principles import PRINCIPLE_LABELS, PRINCIPLES


def _fig(figsize, **kw):
    import matplotlib.pyplot as plt
    return plt.subplots(figsize=figsize, **kw)


def plot_funnel(table: pd.DataFrame, by: str | None = None):
    """Bars of overall conversion per funnel step (one colour per group of ``by``), with the
    step-to-step drop-off rate written on the bars."""
    fig, ax = _fig((7, 4))
    pages = list(dict.fromkeys(table["page"]))
    x = np.arange(len(pages))
    groups = [(None, table)] if by is None else list(table.groupby(by, observed=True, sort=False))
    width = 0.8 / len(groups)
    for i, (name, g) in enumerate(groups):
        bars = ax.bar(x + (i - (len(groups) - 1) / 2) * width, g["overall_conversion"], width,
                      label=None if name is None else str(name))
        if by is None:
            for b, d in zip(bars, g["drop_off_rate"]):
                ax.annotate(f"-{d:.0%}", (b.get_x() + b.get_width() / 2, b.get_height()),
                            ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, pages)
    ax.set_ylabel("share of sessions reaching the step")
    ax.set_title("Purchase funnel" + ("" if by is None else f" by {by}"))
    if by is not None:
        ax.legend(title=by)
    fig.tight_layout()
    return fig


def plot_satisfaction(table: pd.DataFrame, metric: str = "csat", *, language: str = "en",
                      industry=None):
    """Horizontal bars of a metric per group with its confidence interval as error bars
    (``table`` from :func:`~crm_training.experience.satisfaction_table`).

    Title and axis in ``language``; the groups (touchpoints, channels...) are named in it too,
    touchpoints in the words of ``industry`` when given (:mod:`crm_training.report.vocabulary`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame({"nps": [10.0, 30.0], "nps_low": [0.0, 20.0], "nps_high": [20.0, 40.0]},
    ...                  index=["store", "app"])
    >>> ax = plot_satisfaction(t, "nps").axes[0]
    >>> ax.get_title(), [x.get_text() for x in ax.get_yticklabels()]
    ('NPS with confidence intervals', ['store', 'app'])
    >>> with matplotlib.rc_context():
    ...     ax = plot_satisfaction(t, "nps", language="zh", industry="bank").axes[0]
    >>> ax.get_title(), [x.get_text() for x in ax.get_yticklabels()]
    ('净推荐值及置信区间', ['网点', '手机银行'])
    """
    w = chart_words("satisfaction", language)
    for c in (metric, f"{metric}_low", f"{metric}_high"):
        if c not in table.columns:
            raise ValueError(f"table: missing column {c!r}; pass satisfaction_table(...)")
    ensure_cjk_font(language)
    t = table.sort_values(metric)

    def name(code):
        if language == "en" and industry is None:
            return str(code)
        return code_label(code, language, industry)

    labels = [" / ".join(map(name, i)) if isinstance(i, tuple) else name(i) for i in t.index]
    fig, ax = _fig((6, 0.4 * len(t) + 1.5))
    err = np.vstack([t[metric] - t[f"{metric}_low"], t[f"{metric}_high"] - t[metric]])
    ax.barh(labels, t[metric], xerr=err, capsize=3, color="tab:blue", alpha=0.8)
    ax.set_xlabel(w.get(f"x_{metric}", metric if language == "en"
                        else code_label(metric, language)))
    shown = w.get(metric) or (metric.upper() if language == "en" else code_label(metric, language))
    ax.set_title(w["title"].format(metric=shown))
    fig.tight_layout()
    return fig


def plot_journeys(table: pd.DataFrame):
    """Most common journeys: customers per path (bars) and conversion (labels)."""
    t = table.iloc[::-1]
    fig, ax = _fig((7, 0.4 * len(t) + 1.5))
    bars = ax.barh(t["path"], t["customers"], color="tab:green", alpha=0.8)
    for b, c in zip(bars, t["conversion"]):
        ax.annotate(f"{c:.0%}", (b.get_width(), b.get_y() + b.get_height() / 2), va="center",
                    fontsize=8, xytext=(3, 0), textcoords="offset points")
    ax.set_xlabel("customers (label: converted)")
    ax.set_title("Most common journeys")
    fig.tight_layout()
    return fig


def plot_audit_radar(scorecard: pd.DataFrame, touchpoints=None, chinese: bool = False, *,
                     language: str | None = None, industry=None):
    """Radar chart of the five principle scores (1-5) per touchpoint.

    ``language`` "en" or "zh" (``chinese=True`` is the older spelling of "zh") names the
    principles, the title and the touchpoints (in the words of ``industry`` when given).
    """
    language = language or ("zh" if chinese else "en")
    w = chart_words("audit_radar", language)
    ensure_cjk_font(language)
    rows = scorecard if touchpoints is None else scorecard.loc[list(touchpoints)]
    angles = np.linspace(0, 2 * np.pi, len(PRINCIPLES), endpoint=False)
    fig, ax = _fig((5, 5), subplot_kw={"projection": "polar"})
    for name, r in rows.iterrows():
        vals = r[list(PRINCIPLES)].to_numpy(float)
        shown = str(name) if language == "en" and industry is None \
            else code_label(name, language, industry)
        ax.plot(np.r_[angles, angles[:1]], np.r_[vals, vals[:1]], label=shown)
        ax.fill(np.r_[angles, angles[:1]], np.r_[vals, vals[:1]], alpha=0.1)
    ax.set_xticks(angles, [PRINCIPLE_LABELS[p][language == "zh"] for p in PRINCIPLES])
    ax.set_ylim(0, 5)
    ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.1), fontsize=8)
    ax.set_title(w["title"])
    return fig


def plot_audit_bars(scorecard: pd.DataFrame):
    """Grouped bars of principle scores per touchpoint, weighted total in the labels."""
    fig, ax = _fig((8, 4))
    data = scorecard[list(PRINCIPLES)]
    x = np.arange(len(data))
    width = 0.8 / len(PRINCIPLES)
    for i, p in enumerate(PRINCIPLES):
        ax.bar(x + (i - 2) * width, data[p], width, label=PRINCIPLE_LABELS[p][0])
    ax.set_xticks(x, [f"{t}\n({tot:.0f}/100)" for t, tot in zip(data.index, scorecard["total"])])
    ax.set_ylim(0, 5)
    ax.set_ylabel("score (1-5)")
    ax.legend(fontsize=8, ncol=3)
    fig.tight_layout()
    return fig


def plot_confusion(confusion: pd.DataFrame, normalise: bool = True):
    """Confusion matrix (rows true, columns predicted) as an annotated heat map."""
    return annotated_matrix(confusion, normalise=normalise, xlabel="predicted", ylabel="true",
                            figsize=(4.5, 4)).figure


def plot_heatmap(grid: pd.DataFrame, title: str = "Click heat map"):
    """Click density over the page (top of the page at the top), from
    :func:`~crm_training.experience.click_heatmap`."""
    fig, ax = _fig((4.5, 5))
    im = ax.imshow(grid.to_numpy(), extent=(0, 1, 1, 0), cmap="hot", aspect="auto",
                   interpolation="bilinear")
    ax.set_xlabel("x (share of page width)")
    ax.set_ylabel("y (share of page height)")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label="share of clicks")
    fig.tight_layout()
    return fig
