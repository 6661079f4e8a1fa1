"""The customer classifications of chapter 2, each with its tier strategy (客户细分与价值分层).

Every function returns a DataFrame indexed by ``customer_id`` with the inputs it used, a class
column (an ordered categorical of English codes, best class first) and its ``_zh`` label.
:func:`tier_strategies` gives the action table for each classification. Thresholds are
parameters; the defaults below are starting points to discuss with a client, not laws.

========================  =========================================================================
classification            rule (defaults)
========================  =========================================================================
value tiers               customers ranked by value (net revenue, profit or a CLV you pass):
                          top 20% ``high``, next 30% ``medium``, the rest ``potential``
behaviour                 ``churn_risk`` when the days since the last order exceed 2x the
                          customer's own mean gap between orders (repeat buyers) or 2x the median
                          gap of the base (one-order customers); else ``loyal`` with at least the
                          median number of orders of repeat buyers (and >= 2); else
                          ``intermittent``
needs                     the customers.service_need column, or from contacts (interactions +
                          tickets) per year of tenure: top 20% of contact rates ``high_service``;
                          no contacts or >= 50% of contacts in self channels (website, app, bot)
                          ``self_service``; else ``standard``
strategic importance      the customers.strategic_tier column, or a score 0.7 x value percentile
                          + 0.3 x social-influence percentile: top 10% ``core``, next 30%
                          ``important``, rest ``ordinary``
VAST                      four scores 1-5: Value (net revenue), Activity (orders and contacts in
                          the last 365 days), Social influence (customers.social_influence plus
                          referrals), sTrategic importance (core 5 / important 3 / ordinary 1);
                          their (weighted) mean: >= 4 ``key``, >= 3 ``develop``, >= 2
                          ``maintain``, else ``low``
customer pyramid          Curry's pyramid: active customers (an order in the last 365 days) ranked
                          by 0.5 x purchasing power (spend in the window, percentile) + 0.5 x
                          loyalty (mean percentile of orders in the window and tenure): top 1%
                          ``top``, next 4% ``large``, next 15% ``medium``, rest ``small``; no order
                          in the window ``inactive``; never bought ``prospect``
lifecycle                 ``introduction`` for tenure < 90 days; else ``decline`` with no order in
                          the last 180 days or a purchase-rate trend (last 180 days vs the 180
                          before, per day of exposure, +0.5 smoothing) <= 0.75; ``growth`` with a
                          trend >= 1.25; else ``maturity``
========================  =========================================================================
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .features import DAY, customer_features, percentile_scores, resolve_as_of, tables

CLASS_LEVELS = {
    "value_tier": ("high", "medium", "potential"),
    "behaviour": ("loyal", "intermittent", "churn_risk"),
    "needs": ("high_service", "standard", "self_service"),
    "strategic": ("core", "important", "ordinary"),
    "vast": ("key", "develop", "maintain", "low"),
    "pyramid": ("top", "large", "medium", "small", "inactive", "prospect"),
    "lifecycle": ("introduction", "growth", "maturity", "decline"),
}

#: the kit's one tier scheme (chapter 2, the report, the workshop): high / medium / potential
#: value (高价值 / 中价值 / 潜力价值) for the top 20%, the next 30% and the rest by value rank
VALUE_TIERS = CLASS_LEVELS["value_tier"]
TIER_SHARES = (0.2, 0.3)

LABELS_ZH = {
    "value_tier": {"high": "高价值客户", "medium": "中价值客户", "potential": "潜力价值客户"},
    "behaviour": {"loyal": "忠诚客户", "intermittent": "间歇客户", "churn_risk": "流失风险客户"},
    "needs": {"high_service": "高服务需求", "standard": "标准服务", "self_service": "自助服务"},
    "strategic": {"core": "核心客户", "important": "重要客户", "ordinary": "普通客户"},
    "vast": {"key": "重点客户", "develop": "发展客户", "maintain": "维持客户", "low": "低价值客户"},
    "pyramid": {"top": "顶级客户", "large": "大客户", "medium": "中型客户", "small": "小客户",
                "inactive": "不活跃客户", "prospect": "潜在客户"},
    "lifecycle": {"introduction": "引入期", "growth": "成长期", "maturity": "成熟期",
                  "decline": "衰退期"},
}

_S = {  # kind -> class -> (strategy, strategy_zh)
    "value_tier": {
        "high": ("Dedicated account manager, customised products, priority service channel.",
                 "专属客户经理、定制化产品、优先服务通道"),
        "medium": ("Automated marketing, cross-selling, points rewards.",
                   "自动化营销、交叉销售、积分奖励"),
        "potential": ("Free trials, first-purchase discount, sign-up rewards.",
                      "免费试用、首购优惠、注册奖励"),
    },
    "behaviour": {
        "loyal": ("Recognise and reward: member tiers, referral invitations, early access.",
                  "认可与回馈：会员等级、推荐邀请、新品优先体验"),
        "intermittent": ("Reminders timed to the customer's rhythm, bundles, subscription offers.",
                         "按购买节奏提醒、组合优惠、订阅式方案"),
        "churn_risk": ("Early-warning contact, win-back offer, fix the service issue first.",
                       "预警回访、挽回优惠、优先解决服务问题"),
    },
    "needs": {
        "high_service": ("Human agent or account manager, proactive follow-up, fast lane.",
                         "人工或专属顾问、主动跟进、快速通道"),
        "standard": ("Consistent service standards across channels, clear response times.",
                     "全渠道统一服务标准、明确响应时限"),
        "self_service": ("Good FAQ, chatbot 24h, app self-service, low-touch communication.",
                         "完善的常见问题、24小时智能客服、应用自助服务"),
    },
    "strategic": {
        "core": ("Joint planning, senior sponsor, long-term agreements.",
                 "共同规划、高层对接、长期合作协议"),
        "important": ("Regular reviews, tailored offers, grow share of wallet.",
                      "定期回顾、定制优惠、提升钱包份额"),
        "ordinary": ("Efficient standard service and automated campaigns.",
                     "高效标准化服务与自动化营销"),
    },
    "vast": {
        "key": ("Invest: account management, co-creation, ambassador role.",
                "重点投入：客户经理、共创、品牌大使"),
        "develop": ("Develop the weakest VAST dimension (activity, referral, value).",
                    "提升短板维度：活跃度、推荐、消费价值"),
        "maintain": ("Keep at low cost: automated contact, loyalty points.",
                     "低成本维护：自动化触达、积分"),
        "low": ("Minimal cost to serve; self-service; test reactivation.",
                "最低服务成本、自助服务、试探性激活"),
    },
    "pyramid": {
        "top": ("Personal relationship, exclusive benefits, executive attention.",
                "一对一关系、专属权益、高层关注"),
        "large": ("Account manager, priority service, move up to top.", "客户经理、优先服务、向上升级"),
        "medium": ("Cross-sell and up-sell, member tiers.", "交叉销售与向上销售、会员分级"),
        "small": ("Automated marketing, cost-efficient channels.", "自动化营销、低成本渠道"),
        "inactive": ("Reactivation campaign; learn why they stopped.", "唤醒活动、了解流失原因"),
        "prospect": ("Acquisition offer, first-purchase incentive.", "获客优惠、首购激励"),
    },
    "lifecycle": {
        "introduction": ("Onboarding, welcome offer, make the second purchase easy.",
                         "新客引导、欢迎礼、促成第二次购买"),
        "growth": ("Cross-sell, membership, personalised recommendations.",
                   "交叉销售、会员计划、个性化推荐"),
        "maturity": ("Loyalty rewards, service quality, referral.", "忠诚度奖励、服务品质、推荐"),
        "decline": ("Early warning, win-back offer, ask what changed.", "流失预警、挽回优惠、了解原因"),
    },
}


def tier_strategies(kind: str = "value_tier") -> pd.DataFrame:
    """The action table of a classification: class, Chinese label, strategy (en, zh).

    Examples
    --------
    >>> tier_strategies("value_tier").loc["high", "label_zh"]
    '高价值客户'
    >>> sorted(tier_strategies("lifecycle").index) == sorted(CLASS_LEVELS["lifecycle"])
    True
    """
    if kind not in CLASS_LEVELS:
        raise ValueError(f"kind must be one of {list(CLASS_LEVELS)}, not {kind!r}")
    rows = [{"class": c, "label_zh": LABELS_ZH[kind][c], "strategy": _S[kind][c][0],
             "strategy_zh": _S[kind][c][1]} for c in CLASS_LEVELS[kind]]
    return pd.DataFrame(rows).set_index("class")


def _label(out: pd.DataFrame, codes, kind: str, column: str) -> pd.DataFrame:
    out[column] = pd.Categorical(np.asarray(codes, dtype=object), categories=CLASS_LEVELS[kind],
                                 ordered=True)
    out[column + "_zh"] = out[column].map(LABELS_ZH[kind]).astype("str")
    return out


def _share_cut(values: pd.Series, shares, names) -> np.ndarray:
    """Assign ``names`` by rank: the first ``shares[0]`` of customers (highest values) get
    ``names[0]``, and so on; the remainder gets ``names[-1]``. A class of share ``s`` among ``n``
    customers holds the ``ceil(s * n)`` best-ranked (as for top-x% shares); ties share the
    better class."""
    shares = np.asarray(shares, dtype=float)
    if np.any(shares < 0) or shares.sum() > 1 + 1e-9:
        raise ValueError(f"class shares must be >= 0 and sum to at most 1, got {shares.tolist()}")
    n = values.notna().sum()
    # share of customers strictly better than each one: ties get the better (smaller) value
    above = (values.rank(method="min", ascending=False) - 1) / max(n, 1)
    edges = np.cumsum(shares)
    idx = np.searchsorted(edges - 1e-12, above.to_numpy(), side="right")
    out = np.asarray(names, dtype=object)[np.minimum(idx, len(names) - 1)]
    out[values.isna().to_numpy()] = None  # unknown value: no class rather than the lowest
    return out


def _values(data, measure, as_of):
    if isinstance(data, pd.Series):
        return data.astype(float).rename(data.name or "value")
    f = customer_features(data, as_of=as_of)
    col = {"revenue": "monetary", "profit": "profit"}.get(measure)
    if col is None:
        raise ValueError(f"measure must be 'revenue' or 'profit', not {measure!r}")
    return f[col].rename(measure)


def value_tiers(data, high: float = TIER_SHARES[0], medium: float = TIER_SHARES[1],
                measure: str = "revenue",
                as_of=None) -> pd.DataFrame:
    """High / medium / potential value tiers (高价值 / 中价值 / 潜力价值) by rank of value.

    Parameters
    ----------
    data : CRMData, tables or transactions; or a Series of values per customer (e.g. a CLV).
    high, medium : shares of customers in the high and medium tiers (by rank, best first).
    measure : ``"revenue"`` or ``"profit"`` when ``data`` is not a Series.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series([100, 80, 60, 40, 30, 20, 10, 5, 2, 1], index=list("abcdefghij"))
    >>> value_tiers(v)["value_tier"].tolist()
    ['high', 'high', 'medium', 'medium', 'medium', 'potential', 'potential', 'potential', 'potential', 'potential']
    """
    v = _values(data, measure, as_of)
    out = pd.DataFrame({"value": v})
    return _label(out, _share_cut(v, [high, medium], ["high", "medium", "potential"]),
                  "value_tier", "value_tier")


def tier_summary(values: pd.Series, tiers: pd.Series, years: float = 1.0) -> pd.DataFrame:
    """Customers, customer share, value share and value per customer and year of each tier:
    the tier table of the report and of the workshop (one definition).

    ``values`` and ``tiers`` are per customer (same index); ``years`` is the span of the data
    the values were summed over, so ``value_per_customer_year`` is annual. Every tier of the
    scheme has a row (zero customers when empty).

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series([50.0, 30, 10, 10], index=list("abcd"))
    >>> t = tier_summary(v, value_tiers(v, high=0.25, medium=0.25)["value_tier"], years=2)
    >>> t[["customers", "value_share", "value_per_customer_year"]].values.tolist()
    [[1.0, 0.5, 25.0], [1.0, 0.3, 15.0], [2.0, 0.2, 5.0]]
    """
    if not years > 0:
        raise ValueError(f"years must be > 0, not {years!r}")
    values = pd.Series(values, dtype=float)
    tiers = pd.Series(tiers).reindex(values.index)
    grouped = values.groupby(tiers.astype(str), observed=True)
    n = grouped.size().reindex(VALUE_TIERS, fill_value=0)
    total = values.sum()
    sums = grouped.sum().reindex(VALUE_TIERS, fill_value=0.0)
    table = pd.DataFrame({
        "customers": n.astype(int),
        "customer_share": n / max(int(n.sum()), 1),
        "value_share": sums / total if total else np.nan,
        "value_per_customer_year": (sums / n.where(n > 0)) / years,
    })
    table.index.name = "value_tier"
    return table


def behaviour_classes(data, as_of=None, risk_factor: float = 2.0,
                      loyal_min_orders: int | None = None) -> pd.DataFrame:
    """Loyal / intermittent / churn-risk (忠诚 / 间歇 / 流失风险) from purchase rhythm.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"frequency": [10, 2, 6, 1],
    ...                   "tenure_days": [300.0, 200, 300, 20],
    ...                   "recency_days": [10.0, 30, 200, 10]}, index=list("abcd"))
    >>> behaviour_classes(f)["behaviour"].tolist()
    ['loyal', 'intermittent', 'churn_risk', 'intermittent']
    """
    if risk_factor <= 0:
        raise ValueError(f"risk_factor must be > 0, not {risk_factor!r}")
    f = data if isinstance(data, pd.DataFrame) and "tenure_days" in data.columns \
        else customer_features(data, as_of=as_of)
    repeat = f["frequency"] >= 2
    # mean gap between first and last order: tenure minus recency spread over frequency - 1 gaps
    gap = ((f["tenure_days"] - f["recency_days"]) / (f["frequency"] - 1)).where(repeat)
    median_gap = gap.median() if repeat.any() else np.nan
    expected_gap = gap.fillna(median_gap)
    risk = f["recency_days"] > risk_factor * expected_gap
    if loyal_min_orders is None:
        loyal_min_orders = max(2, int(np.ceil(f.loc[repeat, "frequency"].median()))) \
            if repeat.any() else 2
    loyal = ~risk & (f["frequency"] >= loyal_min_orders)
    codes = np.where(risk, "churn_risk", np.where(loyal, "loyal", "intermittent"))
    out = f[["frequency", "recency_days"]].copy()
    out["expected_gap_days"] = expected_gap
    return _label(out, codes, "behaviour", "behaviour")


SELF_CHANNELS = ("website", "app")


def needs_classes(data, source: str = "auto", high_share: float = 0.2, self_share: float = 0.5,
                  as_of=None) -> pd.DataFrame:
    """High-service / standard / self-service needs (高服务需求 / 标准服务 / 自助服务).

    ``source``: ``"column"`` uses customers.service_need; ``"contacts"`` derives it from
    interactions and tickets (module docstring); ``"auto"`` takes the column when it is filled.

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> t = needs_classes(example_data(), source="contacts")
    >>> t["needs"].value_counts().index.tolist()[0] in ("high_service", "standard", "self_service")
    True
    """
    if source not in ("auto", "column", "contacts"):
        raise ValueError(f"source must be 'auto', 'column' or 'contacts', not {source!r}")
    t = tables(data)
    cust = t.customers
    has_col = cust is not None and "service_need" in cust.columns and cust["service_need"].notna().any()
    if source == "column" and not has_col:
        raise ValueError("source='column' needs customers.service_need")
    if source in ("auto", "column") and has_col:
        out = pd.DataFrame({"service_need": cust["service_need"].astype(object).to_numpy()},
                           index=pd.Index(cust["customer_id"].astype(str), name="customer_id"))
        return _label(out, out["service_need"], "needs", "needs")
    frames = []
    if t.interactions is not None and len(t.interactions):
        i = t.interactions
        frames.append(pd.DataFrame({"customer_id": i["customer_id"].astype(str),
                                    "ts": i["timestamp"],
                                    "self": i["channel"].astype(str).isin(SELF_CHANNELS)}))
    if t.tickets is not None and len(t.tickets):
        k = t.tickets
        self_ = k["channel"].astype(str).isin(SELF_CHANNELS)
        if "handled_by" in k.columns:
            self_ = self_ | (k["handled_by"].astype(str) == "bot")
        frames.append(pd.DataFrame({"customer_id": k["customer_id"].astype(str),
                                    "ts": k["created_at"], "self": self_}))
    f = customer_features(data, as_of=as_of, include_non_buyers=True)
    as_of = resolve_as_of(t.transactions, as_of)
    contacts = pd.concat(frames) if frames else pd.DataFrame({"customer_id": [], "ts": [], "self": []})
    contacts = contacts.loc[contacts["ts"] < as_of]
    g = contacts.groupby("customer_id")
    out = pd.DataFrame(index=f.index)
    out["contacts"] = g.size().reindex(f.index).fillna(0)
    out["self_service_share"] = (g["self"].mean().reindex(f.index)).astype(float)
    years = (f["tenure_days"].fillna(365.0).clip(lower=30.0)) / 365.25
    out["contacts_per_year"] = out["contacts"] / years
    positive = out["contacts_per_year"] > 0
    high = positive & (out["contacts_per_year"]
                       >= out["contacts_per_year"].quantile(1 - high_share))
    selfs = ~high & ((out["contacts"] == 0) | (out["self_service_share"] >= self_share))
    codes = np.where(high, "high_service", np.where(selfs, "self_service", "standard"))
    return _label(out, codes, "needs", "needs")


def strategic_classes(data, source: str = "auto", core: float = 0.1, important: float = 0.3,
                      value_weight: float = 0.7, as_of=None) -> pd.DataFrame:
    """Core / important / ordinary strategic importance (核心 / 重要 / 普通).

    ``source``: ``"column"`` uses customers.strategic_tier; ``"score"`` ranks a mix of value and
    social influence (module docstring); ``"auto"`` takes the column when it is filled.

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> s = strategic_classes(example_data(100), source="score")
    >>> s["strategic"].value_counts().loc[["core", "important"]].tolist()
    [10, 30]
    """
    if source not in ("auto", "column", "score"):
        raise ValueError(f"source must be 'auto', 'column' or 'score', not {source!r}")
    if not 0 <= value_weight <= 1:
        raise ValueError(f"value_weight must be in [0, 1], not {value_weight!r}")
    t = tables(data)
    cust = t.customers
    has_col = (cust is not None and "strategic_tier" in cust.columns
               and cust["strategic_tier"].notna().any())
    if source == "column" and not has_col:
        raise ValueError("source='column' needs customers.strategic_tier")
    if source in ("auto", "column") and has_col:
        out = pd.DataFrame({"strategic_tier": cust["strategic_tier"].astype(object).to_numpy()},
                           index=pd.Index(cust["customer_id"].astype(str), name="customer_id"))
        return _label(out, out["strategic_tier"], "strategic", "strategic")
    f = customer_features(data, as_of=as_of)
    out = pd.DataFrame({"value": f["monetary"]})
    out["social_influence"] = _social(t, out.index)
    score = (value_weight * out["value"].rank(pct=True)
             + (1 - value_weight) * out["social_influence"].rank(pct=True))
    out["score"] = score
    return _label(out, _share_cut(score, [core, important], ["core", "important", "ordinary"]),
                  "strategic", "strategic")


def _social(t, index) -> pd.Series:
    """Social influence 0-1 from customers.social_influence, plus 0.1 per referral (capped)."""
    s = pd.Series(0.0, index=index)
    if t.customers is not None and "social_influence" in t.customers.columns:
        col = pd.Series(t.customers["social_influence"].astype(float).to_numpy(),
                        index=t.customers["customer_id"].astype(str))
        s = col.reindex(index).fillna(0.0)
    ev = t.loyalty_events
    if ev is not None and len(ev) and "event_type" in ev.columns:
        refs = ev.loc[ev["event_type"].astype(str) == "referral", "customer_id"].astype(str)
        s = s + 0.1 * refs.value_counts().reindex(index).fillna(0.0)
    return s.clip(upper=2.0)


STRATEGIC_POINTS = {"core": 5, "important": 3, "ordinary": 1}
VAST_DIMENSIONS = {"V": ("Value", "价值"), "A": ("Activity", "活跃度"),
                   "S": ("Social influence", "社交影响力"), "T": ("Strategic importance", "战略重要性")}


def vast_scores(data, as_of=None, window_days: int = 365, weights=None,
                ties: str = "average") -> pd.DataFrame:
    """The VAST model: Value, Activity, Social influence, sTrategic importance, each 1-5.

    ``weights`` maps ``"V"``, ``"A"``, ``"S"``, ``"T"`` to non-negative weights (default equal;
    renormalised to sum 1). A dimension without data (e.g. no social-influence column) is equal
    for everyone and scores 3 (the middle), so it does not reorder customers.

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> v = vast_scores(example_data())
    >>> list(v.columns[:5])
    ['V', 'A', 'S', 'T', 'vast_score']
    >>> bool(v[["V", "A", "S", "T"]].isin([1, 2, 3, 4, 5]).all().all())
    True
    """
    w = {"V": 1.0, "A": 1.0, "S": 1.0, "T": 1.0}
    if weights is not None:
        unknown = set(weights) - set(w)
        if unknown:
            raise ValueError(f"weights keys must be among 'V', 'A', 'S', 'T', not {sorted(unknown)}")
        w.update({k: float(x) for k, x in weights.items()})
    if any(x < 0 for x in w.values()) or sum(w.values()) <= 0:
        raise ValueError(f"weights must be >= 0 and not all zero, got {w}")
    t = tables(data)
    f = customer_features(data, as_of=as_of)
    as_of = resolve_as_of(t.transactions, as_of)
    start = as_of - window_days * DAY
    tx = t.transactions
    recent = tx.loc[(tx["timestamp"] >= start) & (tx["timestamp"] < as_of)]
    if "is_return" in recent.columns:
        recent = recent.loc[~recent["is_return"].astype(bool)]
    activity = recent["customer_id"].astype(str).value_counts().reindex(f.index).fillna(0)
    if t.interactions is not None and len(t.interactions):
        i = t.interactions
        i = i.loc[(i["timestamp"] >= start) & (i["timestamp"] < as_of)]
        activity = activity + i["customer_id"].astype(str).value_counts().reindex(f.index).fillna(0)
    strat = strategic_classes(data, as_of=as_of)["strategic"].astype(object)
    strat = strat.reindex(f.index).map(STRATEGIC_POINTS).fillna(1).astype(float)
    out = pd.DataFrame(index=f.index)
    out["V"] = percentile_scores(f["monetary"], ties=ties, name="V")
    out["A"] = percentile_scores(activity, ties=ties, name="A")
    out["S"] = percentile_scores(_social(t, f.index), ties=ties, name="S")
    out["T"] = strat.astype("int64").astype("Int64")
    total = sum(w.values())
    out["vast_score"] = sum(out[k].astype(float) * w[k] / total for k in w)
    codes = np.select([out["vast_score"] >= 4, out["vast_score"] >= 3, out["vast_score"] >= 2],
                      ["key", "develop", "maintain"], "low")
    return _label(out, codes, "vast", "vast")


def customer_pyramid(data, as_of=None, window_days: int = 365, shares=(0.01, 0.04, 0.15),
                     loyalty_weight: float = 0.5) -> pd.DataFrame:
    """Curry's customer pyramid by purchasing power and loyalty (module docstring).

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> p = customer_pyramid(example_data(200))
    >>> active = p["pyramid"].isin(["top", "large", "medium", "small"]).sum()
    >>> int(active), p["pyramid"].value_counts().loc[["top", "large"]].tolist()
    (144, [2, 6])
    """
    if not 0 <= loyalty_weight <= 1:
        raise ValueError(f"loyalty_weight must be in [0, 1], not {loyalty_weight!r}")
    if len(shares) != 3:
        raise ValueError(f"shares must give the top, large and medium shares, not {shares!r}")
    t = tables(data)
    as_of = resolve_as_of(t.transactions, as_of)
    start = as_of - window_days * DAY
    allf = customer_features(data, as_of=as_of, include_non_buyers=True)
    win = customer_features(t.transactions.loc[t.transactions["timestamp"] >= start], as_of=as_of)
    out = pd.DataFrame(index=allf.index)
    out["spend_window"] = win["monetary"].reindex(out.index)
    out["orders_window"] = win["frequency"].reindex(out.index)
    out["tenure_days"] = allf["tenure_days"]
    active = out["orders_window"].fillna(0) > 0
    a = out.loc[active]
    loyalty = (a["orders_window"].rank(pct=True) + a["tenure_days"].rank(pct=True)) / 2
    score = (1 - loyalty_weight) * a["spend_window"].rank(pct=True) + loyalty_weight * loyalty
    out["score"] = score.reindex(out.index)
    codes = pd.Series("prospect", index=out.index, dtype=object)
    codes[allf["frequency"] > 0] = "inactive"
    if len(a):
        codes[active] = _share_cut(score, list(shares), ["top", "large", "medium", "small"])
    return _label(out, codes, "pyramid", "pyramid")


def lifecycle_stages(data, as_of=None, intro_days: float = 90, window_days: float = 180,
                     growth_ratio: float = 1.25, decline_ratio: float = 0.75) -> pd.DataFrame:
    """Introduction / growth / maturity / decline (引入期 / 成长期 / 成熟期 / 衰退期).

    The trend compares the purchase rate per day of the last ``window_days`` with that of the
    window before, each counted only over days the customer was already a customer; with less
    than 30 days of exposure in the earlier window the customer is ``growth`` after a repeat
    order in the recent window and ``maturity`` otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.to_datetime
    >>> tx = pd.DataFrame({"customer_id": ["new"] + ["up"] * 5 + ["flat"] * 4 + ["down"] * 4,
    ...     "timestamp": d(["2025-12-01", "2025-01-01", "2025-08-01", "2025-09-01", "2025-10-01",
    ...                     "2025-11-01", "2025-02-01", "2025-05-01", "2025-08-01", "2025-11-01",
    ...                     "2025-01-10", "2025-02-10", "2025-03-10", "2025-08-01"]),
    ...     "amount": 10.0})
    >>> lifecycle_stages(tx, as_of="2025-12-31")["lifecycle"].to_dict()
    {'down': 'decline', 'flat': 'maturity', 'new': 'introduction', 'up': 'growth'}
    """
    if not 0 < decline_ratio < 1 < growth_ratio:
        raise ValueError("need 0 < decline_ratio < 1 < growth_ratio, got "
                         f"{decline_ratio!r} and {growth_ratio!r}")
    t = tables(data)
    tx = t.transactions
    f = customer_features(data, as_of=as_of)
    as_of = resolve_as_of(tx, as_of)
    w = window_days * DAY
    sales = tx.loc[tx["timestamp"] < as_of]
    if "is_return" in sales.columns:
        sales = sales.loc[~sales["is_return"].astype(bool)]
    ids = sales["customer_id"].astype(str)
    recent = ids[sales["timestamp"] >= as_of - w].value_counts().reindex(f.index).fillna(0)
    prev = ids[(sales["timestamp"] >= as_of - 2 * w) & (sales["timestamp"] < as_of - w)]
    prev = prev.value_counts().reindex(f.index).fillna(0)
    exp_recent = f["tenure_days"].clip(upper=window_days, lower=1.0)
    exp_prev = (f["tenure_days"] - window_days).clip(lower=0.0, upper=window_days)
    trend = ((recent + 0.5) / exp_recent) / ((prev + 0.5) / exp_prev.where(exp_prev >= 30))
    out = pd.DataFrame({"tenure_days": f["tenure_days"], "orders_recent": recent,
                        "orders_previous": prev, "trend": trend})
    short = exp_prev < 30
    codes = np.select(
        [f["tenure_days"] < intro_days, recent == 0, short & (recent >= 2), short,
         trend <= decline_ratio, trend >= growth_ratio],
        ["introduction", "decline", "growth", "maturity", "decline", "growth"], "maturity")
    return _label(out, codes, "lifecycle", "lifecycle")


def all_classes(data, as_of=None) -> pd.DataFrame:
    """Every classification of this module side by side (one column per kind, codes only).

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> list(all_classes(example_data()).columns)
    ['value_tier', 'behaviour', 'needs', 'strategic', 'vast', 'pyramid', 'lifecycle']
    """
    f = customer_features(data, as_of=as_of)
    parts = {
        "value_tier": value_tiers(data, as_of=as_of)["value_tier"],
        "behaviour": behaviour_classes(f)["behaviour"],
        "needs": needs_classes(data, as_of=as_of)["needs"],
        "strategic": strategic_classes(data, as_of=as_of)["strategic"],
        "vast": vast_scores(data, as_of=as_of)["vast"],
        "pyramid": customer_pyramid(data, as_of=as_of)["pyramid"],
        "lifecycle": lifecycle_stages(data, as_of=as_of)["lifecycle"],
    }
    return pd.DataFrame({k: v.reindex(f.index) for k, v in parts.items()})
