"""The five experience design principles of chapter 3 as an audit scorecard per touchpoint.

易理解 / 易获取 / 易使用 / 易发现 / 易支付 - easy to understand, to access, to use, to find, to pay.
Each principle has a documented checklist (:data:`AUDIT_ITEMS`); an auditor scores every item of a
touchpoint from 1 (fails) to 5 (exemplary). :func:`audit_scorecard` averages the items into
principle scores, weights the principles into a total out of 100 and lists the gaps to a target,
worst first, so a workshop ends with a ranked to-do list. :func:`audit_template` gives the empty
form to fill in.

Examples
--------
>>> form = audit_template(["app"])
>>> form["score"] = 4
>>> float(audit_scorecard(form).loc["app", "total"])
75.0
"""
from __future__ import annotations

import numpy as np
import pandas as pd

PRINCIPLES = ("understand", "access", "use", "find", "pay")
PRINCIPLE_LABELS = {
    "understand": ("Easy to understand", "易理解"), "access": ("Easy to access", "易获取"),
    "use": ("Easy to use", "易使用"), "find": ("Easy to find", "易发现"),
    "pay": ("Easy to pay", "易支付"),
}

# principle -> (item code, English check, Chinese check)
AUDIT_ITEMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "understand": (
        ("plain_language", "Plain language, no jargon; prices and terms stated clearly",
         "语言通俗，价格与条款清楚"),
        ("clear_next_step", "The next step is obvious at every point", "每一步都清楚下一步做什么"),
        ("consistent_terms", "Same names and rules in every channel", "各渠道名称与规则一致"),
    ),
    "access": (
        ("availability", "Available when customers need it (hours, 24h self-service)",
         "客户需要时可用（营业时间、全天自助）"),
        ("channel_choice", "Reachable in the customer's preferred channel", "可通过客户偏好的渠道触达"),
        ("accessibility", "Works for all users (mobile, older customers, disabilities)",
         "适合所有用户（手机、老年人、残障人士）"),
    ),
    "use": (
        ("few_steps", "Task done in few steps, no repeated data entry", "步骤少，无需重复填写信息"),
        ("speed", "Fast responses and load times", "响应与加载速度快"),
        ("error_recovery", "Errors are prevented or easy to recover from", "能防止错误或轻松纠正"),
    ),
    "find": (
        ("navigation", "Information and products are found within a few clicks", "几次点击即可找到信息和商品"),
        ("search", "Search returns relevant results", "搜索结果相关"),
        ("personalised", "Relevant offers surface in context", "在合适情境下呈现相关推荐"),
    ),
    "pay": (
        ("payment_methods", "Customer's preferred payment methods accepted", "支持客户偏好的支付方式"),
        ("checkout_steps", "Checkout in few steps, guest checkout possible", "结账步骤少，可免注册购买"),
        ("transparent_cost", "No surprise fees; refunds simple", "无隐藏费用，退款简单"),
    ),
}


def audit_items() -> pd.DataFrame:
    """The checklist as a table: principle, item, English and Chinese wording.

    Examples
    --------
    >>> audit_items().groupby("principle", sort=False).size().tolist()
    [3, 3, 3, 3, 3]
    """
    return pd.DataFrame([(p, code, en, zh) for p in PRINCIPLES for code, en, zh in AUDIT_ITEMS[p]],
                        columns=["principle", "item", "check_en", "check_zh"])


def audit_template(touchpoints) -> pd.DataFrame:
    """An empty audit form: one row per touchpoint and checklist item, ``score`` to fill in (1-5).

    Examples
    --------
    >>> audit_template(["app", "store"]).shape
    (30, 6)
    """
    tps = [touchpoints] if isinstance(touchpoints, str) else list(touchpoints)
    if not tps:
        raise ValueError("touchpoints: give at least one touchpoint")
    items = audit_items()
    form = items.merge(pd.DataFrame({"touchpoint": tps}), how="cross")
    form["score"] = np.nan
    return form[["touchpoint", "principle", "item", "check_en", "check_zh", "score"]]


def audit_scorecard(audit: pd.DataFrame, weights: dict | None = None, target: float = 4.0,
                    scale: tuple[float, float] = (1, 5)) -> pd.DataFrame:
    """Principle scores, weighted total (0-100) and gaps per touchpoint from an audit form.

    Parameters
    ----------
    audit : long table with ``touchpoint``, ``principle`` and ``score`` (1-5; blank items are
        skipped), e.g. a filled :func:`audit_template`.
    weights : principle -> weight (normalised to sum 1); default equal weights.
    target : score every principle should reach; gaps are ``target - score`` (0 if met).

    Returns
    -------
    DataFrame indexed by touchpoint: the five principle means, ``total`` (weighted mean rescaled
    to 0-100), ``gap_<principle>`` columns, ``weakest`` principle and ``total_gap``, sorted from
    the weakest total.

    Examples
    --------
    >>> a = pd.DataFrame({"touchpoint": "web", "principle": list(PRINCIPLES),
    ...                   "score": [5, 5, 3, 4, 1]})
    >>> card = audit_scorecard(a, weights={"pay": 2, "use": 1, "find": 1, "understand": 1,
    ...                                    "access": 1})
    >>> row = card.loc["web"]
    >>> float(row["total"]), row["weakest"], float(row["total_gap"])
    (54.17, 'pay', 4.0)
    """
    if not isinstance(audit, pd.DataFrame):
        raise TypeError(f"audit must be a DataFrame, not {type(audit).__name__}")
    missing = [c for c in ("touchpoint", "principle", "score") if c not in audit.columns]
    if missing:
        raise ValueError(f"audit: missing column(s) {missing}; found {list(audit.columns)}")
    unknown = sorted(set(audit["principle"].dropna().astype(str)) - set(PRINCIPLES))
    if unknown:
        raise ValueError(f"audit: unknown principle(s) {unknown}; use {list(PRINCIPLES)}")
    lo, hi = scale
    score = pd.to_numeric(audit["score"], errors="coerce")
    if (score.notna() != audit["score"].notna()).any() or ((score < lo) | (score > hi)).any():
        raise ValueError(f"audit: scores must be numbers from {lo} to {hi}")
    if score.notna().sum() == 0:
        raise ValueError("audit: no scores filled in")
    w = (pd.Series(1.0, index=list(PRINCIPLES)) if weights is None
         else pd.Series(weights, dtype=float))
    bad = sorted(set(w.index) - set(PRINCIPLES))
    if bad or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights: need non-negative weights for {list(PRINCIPLES)} with a "
                         f"positive sum; got {dict(w)}")
    w = w.reindex(list(PRINCIPLES), fill_value=0.0)
    card = (pd.DataFrame({"touchpoint": audit["touchpoint"], "principle": audit["principle"],
                          "score": score})
            .pivot_table(index="touchpoint", columns="principle", values="score", aggfunc="mean")
            .reindex(columns=list(PRINCIPLES)))
    # a principle left unscored does not count in that touchpoint's total
    ww = card.notna() * w
    total = (card.fillna(0) * ww).sum(axis=1) / ww.sum(axis=1)
    card["total"] = (100 * (total - lo) / (hi - lo)).round(2)
    gaps = (target - card[list(PRINCIPLES)]).clip(lower=0)
    for p in PRINCIPLES:
        card[f"gap_{p}"] = gaps[p]
    card["weakest"] = card[list(PRINCIPLES)].idxmin(axis=1)
    card["total_gap"] = gaps.sum(axis=1)
    card.columns.name = None
    return card.sort_values("total", kind="stable")
