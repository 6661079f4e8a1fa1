"""Charts for chapter 6 (implementation and evaluation): KPI before/after, experiment intervals,
difference-in-differences, cash flows, the roadmap Gantt chart and the maturity radar.

Apart from the maths: each function takes what an evaluation function returned and returns a
matplotlib Figure. matplotlib is imported only when drawing. :func:`plot_cash_flows`,
:func:`plot_roadmap` and :func:`plot_maturity_radar` take ``language="en"`` or "zh" and draw
their words in it (:mod:`crm_training.i18n`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import chart_words, ensure_cjk_font


def _fig(ncols=1, figsize=(6, 4), **kw):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, ncols, figsize=figsize, squeeze=False, **kw)
    return fig, axes[0]


def plot_kpi_comparison(table: pd.DataFrame, labels=("before", "after")):
    """Relative change of every KPI (green improved, red worse) from :func:`kpi_comparison`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame({"before": [0.5, 10.0], "after": [0.6, 8.0], "change": [0.1, -2.0],
    ...                   "relative_change": [0.2, -0.2], "improved": [True, True]},
    ...                  index=["csat", "resolution_time_h"])
    >>> len(plot_kpi_comparison(t).axes[0].patches)
    2
    """
    fig, (ax,) = _fig(figsize=(7, 0.45 * len(table) + 1.5))
    rel = table["relative_change"].astype(float).fillna(0) * 100
    colours = ["C7" if v is None or pd.isna(v) else "C2" if bool(v) else "C3"
               for v in table["improved"]]
    ax.barh([str(i) for i in table.index], rel, color=colours)
    ax.axvline(0, color="black", lw=0.8)
    ax.invert_yaxis()
    ax.set_xlabel(f"change from {labels[0]} to {labels[1]} (%)")
    ax.set_title("KPIs: green improved, red worse")
    fig.tight_layout()
    return fig


def plot_intervals(results: dict, truth: dict | None = None):
    """Estimates with their confidence intervals, one row per result (and the truth if known).

    Parameters
    ----------
    results : name -> dict with ``difference`` or ``estimate``, ``ci_low``, ``ci_high``.
    truth : name -> true effect (synthetic data).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = plot_intervals({"A/B": {"difference": 0.03, "ci_low": 0.01, "ci_high": 0.05}},
    ...                      truth={"A/B": 0.035})
    >>> fig.axes[0].get_xlabel()
    'effect'
    """
    fig, (ax,) = _fig(figsize=(6, 0.6 * len(results) + 1.5))
    names = list(results)
    for i, name in enumerate(names):
        r = results[name]
        est = r.get("difference", r.get("estimate"))
        ax.errorbar(est, i, xerr=[[est - r["ci_low"]], [r["ci_high"] - est]], fmt="o", capsize=4,
                    color="C0", label="estimate, 95% CI" if i == 0 else None)
        if truth and name in truth:
            ax.plot(truth[name], i, "x", color="C3", ms=10, label="truth" if i == 0 else None)
    ax.axvline(0, color="grey", lw=0.8, ls="--")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("effect")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_did(result: dict):
    """The 2x2 means of a difference-in-differences, with the counterfactual trend of the pilot.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> m = pd.DataFrame({"before": [3.0, 3.1], "after": [3.1, 3.8]}, index=["control", "treated"])
    >>> len(plot_did({"means": m, "estimate": 0.6}).axes[0].lines)
    3
    """
    m = result["means"]
    fig, (ax,) = _fig()
    x = [0, 1]
    ax.plot(x, m.loc["control"], "o-", color="C7", label="control")
    ax.plot(x, m.loc["treated"], "o-", color="C0", label="pilot")
    counter = m.loc["treated", "before"] + (m.loc["control", "after"] - m.loc["control", "before"])
    ax.plot(x, [m.loc["treated", "before"], counter], "o--", color="C0", alpha=0.5,
            label="pilot without the change (parallel trend)")
    ax.set_xticks(x, ["before", "after"])
    ax.set_title(f"Difference-in-differences: {result['estimate']:+.3f}")
    ax.legend()
    return fig


def plot_cash_flows(cash_flows: pd.DataFrame, *, currency: str | None = None,
                    language: str = "en"):
    """Net cash flow per year (bars) and cumulative discounted cash flow (line).

    ``currency`` (e.g. "CNY") labels the y axis; words in ``language`` ("en" or "zh").

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crm_training.evaluation.roi import initiative_cash_flows
    >>> fig = plot_cash_flows(initiative_cash_flows(1000, 600, 100))
    >>> fig.axes[0].get_xlabel()
    'year'
    >>> [int(x) for x in fig.axes[0].get_xticks()]  # whole years, none before year 0
    [0, 1, 2, 3]
    >>> with matplotlib.rc_context():
    ...     fig = plot_cash_flows(initiative_cash_flows(1000, 600, 100), currency="CNY",
    ...                           language="zh")
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('年', '金额（CNY）')
    """
    from matplotlib.ticker import FixedLocator, MaxNLocator

    w = chart_words("cash_flows", language, currency=currency)
    ensure_cjk_font(language)
    fig, (ax,) = _fig(figsize=(7, 4))
    t = cash_flows
    ax.bar(t["year"], t["net"], color=np.where(t["net"] >= 0, "C2", "C3"), label=w["net"])
    ax.plot(t["year"], t["cumulative_discounted"], "o-", color="black", label=w["cumulative"])
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel(w["x"])
    years = t["year"].to_numpy()
    ax.xaxis.set_major_locator(FixedLocator(years) if len(years) <= 12
                               else MaxNLocator(integer=True))
    ax.set_ylabel(w["y"] if not currency else w["y_currency"])
    ax.set_title(w["title"])
    ax.legend()
    return fig


def plot_roadmap(plan: pd.DataFrame, today=None, chinese: bool = False, *,
                 language: str | None = None):
    """Gantt chart of the roadmap; the done part of each bar is filled by its progress.

    ``language`` "en" or "zh" (``chinese=True`` is the older spelling of "zh") names the phases,
    the title and the legend; Chinese dates are written as numbers (2025-03).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crm_training.evaluation.roadmap import roadmap_plan
    >>> fig = plot_roadmap(roadmap_plan("2025-01-06"), today="2025-03-01")
    >>> len(fig.axes[0].patches)
    12
    >>> with matplotlib.rc_context():
    ...     fig = plot_roadmap(roadmap_plan("2025-01-06"), language="zh")
    >>> fig.axes[0].get_title()
    'CRM实施路线图'
    """
    import matplotlib.dates as mdates

    language = language or ("zh" if chinese else "en")
    w = chart_words("roadmap", language)
    ensure_cjk_font(language)
    fig, (ax,) = _fig(figsize=(9, 3.5))
    names = plan["phase_zh" if language == "zh" else "phase_en"].tolist()
    start = mdates.date2num(plan["planned_start"])
    width = mdates.date2num(plan["planned_end"]) - start
    y = np.arange(len(plan))
    ax.barh(y, width, left=start, color="C0", alpha=0.25)
    ax.barh(y, width * plan["progress"].to_numpy(float), left=start, color="C0")
    if today is not None:
        ax.axvline(mdates.date2num(pd.Timestamp(today)), color="C3", ls="--", label=w["today"])
        ax.legend(loc="lower right")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.xaxis_date()
    if language == "zh":  # no English month names
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.set_title(w["title"])
    fig.autofmt_xdate()
    return fig


def plot_maturity_radar(card: pd.DataFrame, chinese: bool = False, *,
                        language: str | None = None):
    """Radar chart of a :func:`maturity_scorecard`: score and target per dimension (1-5).

    ``language`` "en" or "zh" (``chinese=True`` is the older spelling of "zh") names the
    dimensions, the title and the legend.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crm_training.evaluation.roadmap import maturity_scorecard, MATURITY_DIMENSIONS
    >>> card = maturity_scorecard(dict.fromkeys(MATURITY_DIMENSIONS["dimension"], 3))
    >>> fig = plot_maturity_radar(card)
    >>> fig.axes[0].name
    'polar'
    """
    language = language or ("zh" if chinese else "en")
    w = chart_words("maturity", language)
    ensure_cjk_font(language)
    fig, (ax,) = _fig(figsize=(5.5, 5.5), subplot_kw={"projection": "polar"})
    labels = card["dimension_zh"].tolist() if language == "zh" else [str(i) for i in card.index]
    angles = np.linspace(0, 2 * np.pi, len(card), endpoint=False)
    closed = np.r_[angles, angles[:1]]
    for col, style, name in (("score", "o-", w["score"]), ("target", "--", w["target"])):
        v = card[col].to_numpy(float)
        ax.plot(closed, np.r_[v, v[:1]], style, label=name)
    v = card["score"].to_numpy(float)
    ax.fill(closed, np.r_[v, v[:1]], alpha=0.2)
    ax.set_xticks(angles, labels)
    ax.set_ylim(0, 5)
    ax.set_yticks([1, 2, 3, 4, 5])
    overall = card.attrs.get("overall")
    ax.set_title(w["title"] if overall is None else w["title_overall"].format(overall=overall))
    ax.legend(loc="lower right", bbox_to_anchor=(1.25, -0.05))
    return fig
