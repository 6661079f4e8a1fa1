"""The customer value assessment system (价值评估体系) of chapter 2: a weighted composite score.

Indicators in four families (syllabus), computed per customer by :func:`value_indicators`:

=============  ==========================================================================
family         indicators (column: meaning)
=============  ==========================================================================
financial      ``clv``: customer lifetime value, by default the historic net revenue (pass a
               model CLV to use it); ``profit_margin``: profit / gross sales;
               ``sales_share``: the customer's share of all net sales
behavioural    ``purchase_frequency``: orders per year of tenure; ``avg_amount``: average
               order value; ``cross_sell``: distinct categories bought; ``satisfaction``:
               mean CSAT (surveys, else tickets; base median when unknown)
relationship   ``loyalty_member``: 1 for members; ``tenure_days``: retention (days since
               the first order); ``interaction_frequency``: contacts per year of tenure
potential      ``spend_growth``: (last year - year before) / (sum of both), in [-1, 1];
               ``social_influence``: customers.social_influence plus referrals
=============  ==========================================================================

:func:`value_assessment` normalises every indicator to [0, 1] - ``"minmax"``
(``(x - min) / (max - min)``, a constant indicator gets 0.5) or ``"rank"`` (mid-rank percentile
``(rank - 0.5) / n``, robust to outliers) - and sums them with weights (default: financial 0.4,
behavioural 0.3, relationship 0.2, potential 0.1, split equally inside a family). Weights must
be non-negative and not all zero; they are renormalised to sum 1. The score 0-100 is cut into
the kit's one tier scheme by rank (:data:`~crm_training.segmentation.classes.TIER_SHARES`):
``high`` (top 20%), ``medium`` (next 30%), ``potential`` (the rest), the tiers of
:func:`~crm_training.segmentation.value_tiers`, the report and the workshop, so a score and a
plain value ranking are compared tier for tier. (The syllabus' retailer calls its three classes
VIP / important / ordinary; pass other ``class_shares`` to reproduce a client's own cut.)
Principles: comprehensive (four families), objective (data, stated rules), dynamic (recompute
at every ``as_of``), operable (each class has a service).

:func:`tier_migration` and :func:`weight_sensitivity` show how much the classes depend on the
weights - the question every client asks.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .classes import LABELS_ZH, TIER_SHARES, VALUE_TIERS, _S, _share_cut, _social
from .features import DAY, customer_features, resolve_as_of, tables

INDICATORS = pd.DataFrame([
    ("clv", "financial", "Customer lifetime value", "客户终身价值"),
    ("profit_margin", "financial", "Profit margin", "利润率"),
    ("sales_share", "financial", "Contribution to sales", "销售贡献占比"),
    ("purchase_frequency", "behavioural", "Purchase frequency", "购买频率"),
    ("avg_amount", "behavioural", "Purchase amount", "购买金额"),
    ("cross_sell", "behavioural", "Cross-selling (categories)", "交叉购买"),
    ("satisfaction", "behavioural", "Satisfaction", "满意度"),
    ("loyalty_member", "relationship", "Loyalty membership", "会员忠诚"),
    ("tenure_days", "relationship", "Retention (tenure)", "客户保持"),
    ("interaction_frequency", "relationship", "Interaction frequency", "互动频率"),
    ("spend_growth", "potential", "Growth of spend", "消费增长潜力"),
    ("social_influence", "potential", "Social influence", "社交影响力"),
], columns=["indicator", "family", "label_en", "label_zh"]).set_index("indicator")

FAMILY_LABELS_ZH = {"financial": "财务指标", "behavioural": "行为指标", "relationship": "关系指标",
                    "potential": "潜力指标"}
DEFAULT_FAMILY_WEIGHTS = {"financial": 0.4, "behavioural": 0.3, "relationship": 0.2,
                          "potential": 0.1}

VALUE_CLASSES = VALUE_TIERS  # one tier scheme (classes.py)
VALUE_CLASS_SERVICE = pd.DataFrame({
    "label_zh": [LABELS_ZH["value_tier"][c] for c in VALUE_TIERS],
    "service": [_S["value_tier"][c][0] for c in VALUE_TIERS],
    "service_zh": [_S["value_tier"][c][1] for c in VALUE_TIERS],
}, index=pd.Index(VALUE_TIERS, name="value_tier"))


def value_indicators(data, as_of=None, clv: pd.Series | None = None) -> pd.DataFrame:
    """The twelve indicators of the assessment system per customer (module docstring).

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> ind = value_indicators(example_data())
    >>> list(ind.columns) == list(INDICATORS.index)
    True
    >>> round(float(ind["sales_share"].sum()), 6)
    1.0
    """
    t = tables(data)
    f = customer_features(data, as_of=as_of)
    as_of = resolve_as_of(t.transactions, as_of)
    years = f["tenure_days"].clip(lower=30.0) / 365.25
    out = pd.DataFrame(index=f.index)
    if clv is None:
        out["clv"] = f["monetary"]
    else:
        clv = pd.Series(clv, dtype=float)
        clv.index = clv.index.astype(str)
        out["clv"] = clv.reindex(f.index)
        if out["clv"].isna().all():
            raise ValueError("clv: no customer id of the data found in the clv index")
        out["clv"] = out["clv"].fillna(out["clv"].median())
    out["profit_margin"] = (f["profit"] / f["gross_sales"].where(f["gross_sales"] > 0)).fillna(0.0)
    total = f["monetary"].sum()
    out["sales_share"] = f["monetary"] / total if total else 0.0
    out["purchase_frequency"] = f["frequency"] / years
    out["avg_amount"] = f["avg_order_value"]
    out["cross_sell"] = f["n_categories"].astype(float)
    out["satisfaction"] = _satisfaction(t, f.index, as_of)
    member = pd.Series(0.0, index=f.index)
    if t.customers is not None and "loyalty_member" in t.customers.columns:
        m = pd.Series(t.customers["loyalty_member"].astype(float).to_numpy(),
                      index=t.customers["customer_id"].astype(str))
        member = m.reindex(f.index).fillna(0.0)
    out["loyalty_member"] = member
    out["tenure_days"] = f["tenure_days"]
    contacts = pd.Series(0.0, index=f.index)
    if t.interactions is not None and len(t.interactions):
        i = t.interactions.loc[t.interactions["timestamp"] < as_of]
        contacts = i["customer_id"].astype(str).value_counts().reindex(f.index).fillna(0.0)
    out["interaction_frequency"] = contacts / years
    tx = t.transactions
    ids = tx["customer_id"].astype(str)
    amt = tx["amount"].astype(float)
    last = (tx["timestamp"] >= as_of - 365 * DAY) & (tx["timestamp"] < as_of)
    before = (tx["timestamp"] >= as_of - 730 * DAY) & (tx["timestamp"] < as_of - 365 * DAY)
    r = amt[last].groupby(ids[last]).sum().reindex(f.index).fillna(0.0).clip(lower=0)
    p = amt[before].groupby(ids[before]).sum().reindex(f.index).fillna(0.0).clip(lower=0)
    out["spend_growth"] = ((r - p) / (r + p).where(r + p > 0)).fillna(0.0)
    out["social_influence"] = _social(t, f.index)
    return out


def _satisfaction(t, index, as_of) -> pd.Series:
    s = None
    for table, col, ts in ((t.surveys, "csat", "timestamp"), (t.tickets, "csat", "created_at")):
        if table is not None and len(table) and col in table.columns:
            x = table.loc[table[ts] < as_of]
            vals = x[col].astype(float)
            mean = vals.groupby(x["customer_id"].astype(str)).mean()
            s = mean if s is None else s.combine_first(mean)
    if s is None:
        return pd.Series(3.0, index=index)  # unknown everywhere: the neutral middle of 1-5
    s = s.reindex(index)
    return s.fillna(s.median() if s.notna().any() else 3.0)


def resolve_weights(weights=None) -> pd.Series:
    """Indicator weights summing to 1 from family or indicator weights (validated).

    Examples
    --------
    >>> w = resolve_weights({"financial": 3, "potential": 1})
    >>> float(w["clv"]), float(w["social_influence"]), float(w["satisfaction"])
    (0.25, 0.125, 0.0)
    """
    weights = dict(DEFAULT_FAMILY_WEIGHTS if weights is None else weights)
    if not weights:
        raise ValueError("weights is empty")
    fam = set(INDICATORS["family"])
    keys = set(weights)
    if keys <= fam:
        per = INDICATORS["family"].map(lambda f: float(weights.get(f, 0.0)))
        per = per / INDICATORS["family"].map(INDICATORS["family"].value_counts())
    elif keys <= set(INDICATORS.index):
        per = pd.Series({i: float(weights.get(i, 0.0)) for i in INDICATORS.index})
    else:
        bad = sorted(keys - fam - set(INDICATORS.index))
        raise ValueError(f"weights: unknown key(s) {bad}, or family and indicator names mixed; "
                         f"use families {sorted(fam)} or indicators {list(INDICATORS.index)}")
    vals = np.array([float(v) for v in weights.values()])
    if not np.all(np.isfinite(vals)) or np.any(vals < 0):
        raise ValueError(f"weights must be finite and non-negative, got {weights}")
    if per.sum() <= 0:
        raise ValueError(f"weights must not all be zero, got {weights}")
    return (per / per.sum()).rename("weight")


def normalise(indicators: pd.DataFrame, method: str = "minmax") -> pd.DataFrame:
    """Every column scaled to [0, 1]: ``"minmax"`` or ``"rank"`` (mid-rank percentile).

    Examples
    --------
    >>> import pandas as pd
    >>> normalise(pd.DataFrame({"a": [0.0, 5, 10], "b": [7.0, 7, 7]}))["a"].tolist()
    [0.0, 0.5, 1.0]
    >>> normalise(pd.DataFrame({"a": [1.0, 100, 1000]}), "rank")["a"].round(3).tolist()
    [0.167, 0.5, 0.833]
    """
    if method == "minmax":
        lo, hi = indicators.min(), indicators.max()
        span = (hi - lo).where(hi > lo)
        return ((indicators - lo) / span).fillna(0.5)
    if method == "rank":
        return (indicators.rank(method="average") - 0.5) / indicators.notna().sum()
    raise ValueError(f"normalisation must be 'minmax' or 'rank', not {method!r}")


def value_assessment(indicators: pd.DataFrame, weights=None, normalisation: str = "minmax",
                     class_shares=TIER_SHARES) -> pd.DataFrame:
    """Composite value score 0-100, family sub-scores and the value tier (high / medium /
    potential, top 20% / next 30% / rest by score: the kit's one tier scheme).

    Parameters
    ----------
    indicators : output of :func:`value_indicators` (any subset of its columns; missing
        indicators count with weight 0 and the rest are renormalised).
    weights : family weights (``{"financial": 0.4, ...}``) or indicator weights
        (``{"clv": 2, "satisfaction": 1}``); non-negative, renormalised to sum 1.
    normalisation : ``"minmax"`` or ``"rank"``.
    class_shares : shares of customers in the high and medium tiers (by score rank).

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> va = value_assessment(value_indicators(example_data(100)))
    >>> va["value_tier"].value_counts().loc[["high", "medium", "potential"]].tolist()
    [20, 30, 50]
    >>> bool(va["score"].between(0, 100).all())
    True
    """
    if not isinstance(indicators, pd.DataFrame) or indicators.empty:
        raise ValueError("indicators must be a non-empty DataFrame (see value_indicators)")
    known = [c for c in indicators.columns if c in INDICATORS.index]
    if not known:
        raise ValueError(f"indicators has none of the columns {list(INDICATORS.index)}")
    w = resolve_weights(weights).reindex(known)
    if w.sum() <= 0:
        raise ValueError("weights give zero weight to every indicator present")
    w = w / w.sum()
    z = normalise(indicators[known].astype(float), normalisation)
    out = pd.DataFrame(index=indicators.index)
    fam = INDICATORS.loc[known, "family"]
    for family in DEFAULT_FAMILY_WEIGHTS:
        cols = fam.index[fam == family]
        if len(cols):
            out[family] = 100 * z[cols].mean(axis=1)
    out["score"] = 100 * z.mul(w, axis=1).sum(axis=1)
    codes = _share_cut(out["score"], list(class_shares), list(VALUE_CLASSES))
    out["value_tier"] = pd.Categorical(codes, categories=VALUE_TIERS, ordered=True)
    out["value_tier_zh"] = out["value_tier"].map(VALUE_CLASS_SERVICE["label_zh"]).astype("str")
    out["service"] = out["value_tier"].map(VALUE_CLASS_SERVICE["service"]).astype("str")
    return out


def tier_migration(before: pd.Series, after: pd.Series, normalize: bool = False) -> pd.DataFrame:
    """Customers moving between classes: rows = class before, columns = class after.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.Series(["high", "high", "potential"], index=list("xyz"))
    >>> b = pd.Series(["high", "medium", "potential"], index=list("xyz"))
    >>> tier_migration(a, b).loc["high"].tolist()
    [1, 1, 0]
    """
    idx = before.index.intersection(after.index)
    if len(idx) == 0:
        raise ValueError("before and after share no customer")
    levels = list(dict.fromkeys(
        list(getattr(before.dtype, "categories", [])) + list(getattr(after.dtype, "categories", []))
        + sorted(set(before.astype(str)) | set(after.astype(str)), key=_class_order)))
    b = pd.Categorical(before.loc[idx].astype(str), categories=levels)
    a = pd.Categorical(after.loc[idx].astype(str), categories=levels)
    t = pd.crosstab(pd.Series(b, name="before"), pd.Series(a, name="after"), dropna=False)
    return t / t.to_numpy().sum() if normalize else t


def _class_order(c):
    return (VALUE_CLASSES.index(c) if c in VALUE_CLASSES else len(VALUE_CLASSES), c)


def weight_sensitivity(indicators: pd.DataFrame, weights=None, perturbation: float = 0.2,
                       n_draws: int = 20, seed: int = 0, normalisation: str = "minmax",
                       class_shares=TIER_SHARES) -> pd.DataFrame:
    """Share of customers changing tier when every weight is perturbed at random.

    Each draw multiplies every (indicator-level) weight by an independent factor uniform in
    ``[1 - perturbation, 1 + perturbation]``, renormalises, and re-classifies. Returns one row per
    draw: ``share_changed``, ``share_high_changed`` (of the base high tier, the share no longer
    high) and the drawn weights.

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> ind = value_indicators(example_data(100))
    >>> s = weight_sensitivity(ind, perturbation=0.0, n_draws=2)
    >>> s["share_changed"].tolist()
    [0.0, 0.0]
    """
    if not 0 <= perturbation < 1:
        raise ValueError(f"perturbation must be in [0, 1), not {perturbation!r}")
    if n_draws < 1:
        raise ValueError(f"n_draws must be >= 1, not {n_draws!r}")
    base_w = resolve_weights(weights)
    base = value_assessment(indicators, base_w.to_dict(), normalisation, class_shares)["value_tier"]
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_draws):  # a few draws; each re-scores all customers vectorised
        factor = rng.uniform(1 - perturbation, 1 + perturbation, base_w.size)
        w = (base_w * factor)
        w = w / w.sum()
        cls = value_assessment(indicators, w.to_dict(), normalisation, class_shares)["value_tier"]
        high = base == "high"
        rows.append({"draw": d, "share_changed": float((cls != base).mean()),
                     "share_high_changed": float((cls[high] != "high").mean())
                     if high.any() else 0.0,
                     **{f"w_{k}": v for k, v in w.items()}})
    return pd.DataFrame(rows).set_index("draw")
