"""The workshop's own charts (the others are the chapters' plotting functions), drawn in the
dashboard's language, and :func:`png` to show any figure in a widget.

Each function takes a table of :mod:`.analysis` and returns a matplotlib Figure.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> t = pd.DataFrame({"customer_share": [0.2, 0.3, 0.5], "value_share": [0.7, 0.2, 0.1]},
...                  index=pd.Index(["high", "medium", "potential"], name="value_tier"))
>>> fig = plot_tier_shares(t, language="zh")
>>> fig.axes[0].get_title()
'各价值层级的客户占比与价值占比'
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

from ..i18n import check_language, code_label, ensure_cjk_font, tier_label

WORDS = {
    "tier_shares": {"en": ("Share of customers and of value per tier", "share", "customers",
                           "value"),
                    "zh": ("各价值层级的客户占比与价值占比", "占比", "客户", "价值")},
    "churn": {"en": ("Churn probability by value tier", "churn probability (1 - P(alive))",
                     "customers"),
              "zh": ("各价值层级的流失概率分布", "流失概率（1 - 存活概率）", "客户数")},
    "actions": {"en": ("Value at risk by action ({currency})", "value at risk",
                       "({n:,} customers)"),
                "zh": ("各行动涉及的风险价值（{currency}）", "风险价值", "（{n:,}位客户）")},
    "rows": {"en": ("Rows per table", "rows"), "zh": ("各数据表行数", "行数")},
}


TABLE_NAMES = {  # the data model's tables
    "en": {"web_events": "web events", "loyalty_events": "loyalty events"},
    "zh": {"transactions": "交易", "customers": "客户", "surveys": "问卷",
           "loyalty_events": "积分流水", "tickets": "工单", "interactions": "互动",
           "web_events": "网站行为", "experiments": "营销实验", "campaigns": "营销活动",
           "products": "商品"},
}


def _fig(figsize):
    import matplotlib.pyplot as plt
    return plt.subplots(figsize=figsize)


def png(fig, dpi: int = 72) -> bytes:
    """The figure as PNG bytes (for an ``ipywidgets.Image``); the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def plot_tier_shares(tiers: pd.DataFrame, language: str = "en"):
    """Side-by-side bars: each tier's share of customers and share of value."""
    check_language(language)
    ensure_cjk_font(language)
    title, ylabel, customers, value = WORDS["tier_shares"][language]
    fig, ax = _fig((6, 3.6))
    x = np.arange(len(tiers))
    for offset, col, label, color in ((-0.2, "customer_share", customers, "tab:grey"),
                                      (0.2, "value_share", value, "tab:blue")):
        vals = tiers[col].to_numpy(dtype=float)
        ax.bar(x + offset, vals, width=0.4, label=label, color=color)
        for xi, v in zip(x + offset, vals):
            if np.isfinite(v):
                ax.annotate(f"{v:.0%}", (xi, v), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, [tier_label(t, language) for t in tiers.index])
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_churn_by_tier(assignment: pd.DataFrame, language: str = "en", bins: int = 20):
    """Stacked histogram of the churn probability, one colour per value tier."""
    check_language(language)
    ensure_cjk_font(language)
    title, xlabel, ylabel = WORDS["churn"][language]
    fig, ax = _fig((6, 3.6))
    edges = np.linspace(0, 1, bins + 1)
    tiers = [t for t in ("high", "medium", "potential")
             if (assignment["value_tier"] == t).any()]
    data = [assignment.loc[assignment["value_tier"] == t, "churn_probability"].dropna()
            for t in tiers]
    ax.hist(data, bins=edges, stacked=True, label=[tier_label(t, language) for t in tiers],
            color=["tab:blue", "tab:orange", "tab:grey"][:len(tiers)])
    ax.set_xlim(0, 1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_actions(actions: pd.DataFrame, words: dict, language: str = "en",
                 currency: str = ""):
    """Horizontal bars of the value at risk of the listed customers per action (``words``:
    action code -> its short name in the language), the number of customers beside each."""
    check_language(language)
    ensure_cjk_font(language)
    title, xlabel, customers = WORDS["actions"][language]
    g = actions.groupby("action")["value_at_risk"].agg(["sum", "size"])
    order = [c for c in words if c in g.index]
    g = g.reindex(order)
    fig, ax = _fig((6, 0.5 * max(len(g), 1) + 1.6))
    y = np.arange(len(g))
    ax.barh(y, g["sum"].fillna(0).to_numpy(), color="tab:red", alpha=0.8)
    for yi, (v, n) in enumerate(zip(g["sum"].fillna(0), g["size"])):
        ax.annotate(f" {v:,.0f} " + customers.format(n=int(n)), (v, yi), va="center",
                    fontsize=8)
    ax.set_yticks(y, [words[c] for c in g.index])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title.format(currency=currency or "-"))
    ax.margins(x=0.35)
    fig.tight_layout()
    return fig


def plot_table_rows(rows: pd.Series, language: str = "en"):
    """Horizontal bars of the rows of each table in use (names in the language)."""
    check_language(language)
    ensure_cjk_font(language)
    title, xlabel = WORDS["rows"][language]
    fig, ax = _fig((6, 0.4 * max(len(rows), 1) + 1.4))
    y = np.arange(len(rows))
    ax.barh(y, rows.to_numpy(dtype=float), color="tab:blue")
    for yi, v in enumerate(rows.to_numpy()):
        ax.annotate(f" {int(v):,}", (v, yi), va="center", fontsize=8)
    names = TABLE_NAMES[language]
    ax.set_yticks(y, [names.get(n, code_label(n, language)) for n in rows.index])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.margins(x=0.2)
    fig.tight_layout()
    return fig
