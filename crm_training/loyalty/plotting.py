"""Charts for chapter 4 (loyalty programmes): points flows and liability, tier migration, the
programme against no programme, and the measured uplift against the naive comparison.

Apart from the maths: each function takes what a maths function returned and returns a
matplotlib Figure. matplotlib is imported only when drawing. :func:`plot_uplift` takes
``language="en"`` or "zh" and draws its words in it (:mod:`crm_training.i18n`).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from crm_training.loyalty import ProgrammeRules, simulate_programme, synthetic_members
>>> res = simulate_programme(synthetic_members(300, seed=1), ProgrammeRules(), months=12)
>>> type(plot_points_flows(res.monthly)).__name__
'Figure'
"""
from __future__ import annotations

import pandas as pd

from ..charts import annotated_matrix
from ..i18n import chart_words, code_label, ensure_cjk_font


def _fig(figsize, **kw):
    import matplotlib.pyplot as plt
    return plt.subplots(figsize=figsize, **kw)


def plot_points_flows(monthly: pd.DataFrame):
    """Points earned, redeemed and expired per month (bars) and the liability (line, right axis),
    from ``SimulationResult.monthly``."""
    fig, ax = _fig((8, 4))
    m = monthly["month"]
    ax.bar(m - 0.27, monthly["points_earned"], 0.27, label="earned")
    ax.bar(m, monthly["points_redeemed"], 0.27, label="redeemed")
    ax.bar(m + 0.27, monthly["points_expired"], 0.27, label="expired (breakage)")
    ax.set_xlabel("month")
    ax.set_ylabel("points")
    ax2 = ax.twinx()
    ax2.plot(m, monthly["liability"], color="black", label="liability")
    ax2.set_ylabel("points liability (currency)")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper left")
    ax.set_title("Points flows and liability")
    fig.tight_layout()
    return fig


def plot_tier_migration(matrix: pd.DataFrame, normalise: bool = True):
    """Tier migration matrix (rows: from, columns: to) as an annotated heat map."""
    return annotated_matrix(matrix, normalise=normalise, cmap="Greens",
                            fmt=".0%" if normalise else ",.0f", xlabel="tier at the end",
                            ylabel="tier at the start", title="Tier migration",
                            figsize=(5.5, 4)).figure


def plot_programme_effect(summary: dict):
    """Repurchase, retention and CLV with the programme against without it (side-by-side bars)."""
    pairs = [("repurchase_rate", "repurchase"), ("retention", "retention"), ("clv", "CLV / member")]
    fig, axes = _fig((9, 3.5), ncols=3)
    for ax, (key, label) in zip(axes, pairs):
        vals = [summary[f"{key}_baseline"], summary[key]]
        ax.bar(["no programme", "programme"], vals, color=["grey", "tab:orange"])
        ax.set_title(label)
        for i, v in enumerate(vals):
            ax.annotate(f"{v:.2f}", (i, v), ha="center", va="bottom", fontsize=8)
    fig.suptitle(f"{summary['kind']} programme: ROI {summary['roi']:.1f}")
    fig.tight_layout()
    return fig


def plot_uplift(measured: dict, naive: dict | None = None, truth: float | None = None, *,
                language: str = "en"):
    """Measured uplift with its interval, against the naive member/non-member comparison and the
    true effect when known (synthetic data). Each estimate is written beside its marker; the
    chart is one row high per estimate (two markers need no half-page frame). Words in
    ``language`` ("en" or "zh").

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> with matplotlib.rc_context():
    ...     fig = plot_uplift({"effect": 0.1, "ci_low": 0.05, "ci_high": 0.15}, {"effect": 0.3},
    ...                       language="zh")
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['匹配对照', '简单对比']
    """
    w = chart_words("uplift", language)
    ensure_cjk_font(language)
    fig, ax = _fig((6, 1.3 + 0.55 * (1 + (naive is not None))))
    labels, vals = ["matched (enrolment DiD)"], [measured["effect"]]
    ax.errorbar([measured["effect"]], [0], xerr=[[measured["effect"] - measured["ci_low"]],
                                                  [measured["ci_high"] - measured["effect"]]],
                fmt="o", capsize=4, label=w["matched"])
    if naive is not None:
        ax.plot([naive["effect"]], [1], "s", color="tab:red", label=w["naive"])
        labels.append("naive")
        vals.append(naive["effect"])
    if truth is not None:
        ax.axvline(truth, color="green", ls="--", label=w["true"])
    for y, v in enumerate(vals):
        ax.annotate(f"{v:+.0%}", (v, y), xytext=(0, 6), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8)
    if language != "en":
        labels = [code_label(lab, language) for lab in labels]
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.set_xlabel(w["x"])
    ax.legend(fontsize=8)
    ax.set_title(w["title"])
    fig.tight_layout()
    return fig
