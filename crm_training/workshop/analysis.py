"""What the workshop dashboard computes, as plain functions (no widgets): the dashboard only
renders these results, so every number it shows is tested here.

:class:`WorkshopData` holds one dataset and caches everything that does not depend on the live
controls: the customer features, the clustering features, the value indicators, the fitted CLV
models and the churn probability (1 - P(alive) of the CLV forecast: the report's own figure).
Each control then only redoes its own part: RFM thresholds re-score RFM, tier shares re-cut the
tiers, weights re-score the value assessment, the number of clusters refits k-means (each result
is memoised, so moving a slider back is instant).

The tiers are the kit's one scheme (high / medium / potential, top 20% / next 30% / rest,
:func:`crm_training.segmentation.value_tiers`), ranked by default on the report's value (profit,
or revenue without costs, over every customer of the base) with the report's tier table
(:func:`crm_training.segmentation.tier_summary`): the same customer is in the same tier in the
workshop and in the case-study report. ``tier_basis="score"`` ranks by the weighted value
assessment instead (same names and cut).
:func:`segment_customers` joins the three into one assignment row per customer (every customer
with at least one purchase: who never bought has no RFM) and summarises it in tier tables.
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import money
from .. import clv as clv_mod
from .. import segmentation as seg
from ..segmentation.classes import TIER_SHARES
from ..segmentation.value_assessment import DEFAULT_FAMILY_WEIGHTS

FAMILIES = tuple(DEFAULT_FAMILY_WEIGHTS)  # financial, behavioural, relationship, potential


def rfm_thresholds(recency=None, frequency=None, monetary=None) -> dict:
    """Four RFM cut points per dimension from a (lowest, highest) range each.

    R and F cut points are evenly spaced between the two ends; M cut points are spaced
    geometrically, since spend spans orders of magnitude. A dimension left as ``None`` is
    scored by quantiles instead (see :func:`crm_training.segmentation.rfm_scores`).

    Examples
    --------
    >>> t = rfm_thresholds(recency=(30, 360), frequency=(2, 20), monetary=(10, 10_000))
    >>> t["R"], t["F"], [round(x) for x in t["M"]]
    ([30.0, 140.0, 250.0, 360.0], [2.0, 8.0, 14.0, 20.0], [10, 100, 1000, 10000])
    """
    out = {}
    for key, rng in (("R", recency), ("F", frequency), ("M", monetary)):
        if rng is None:
            continue
        lo, hi = (float(x) for x in rng)
        if not hi > lo:
            raise ValueError(f"{key} range: the highest cut point ({hi:g}) must be above the "
                             f"lowest ({lo:g})")
        if key == "M":
            if lo <= 0:
                raise ValueError(f"M range: the lowest cut point must be > 0, not {lo:g}")
            cuts = np.geomspace(lo, hi, 4)
        else:
            cuts = np.linspace(lo, hi, 4)
        out[key] = [float(x) for x in cuts]
    return out


def default_rfm_ranges(features: pd.DataFrame) -> dict:
    """Starting ranges and slider bounds of the RFM cut points, from the data.

    Returns ``{"R": (low, high, min, max), "F": ..., "M": ...}`` in whole days, orders and
    currency units: the range spans the 10th to the 90th percentile (F from 2 orders, the
    first repeat), the bounds the observed values.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"recency_days": range(1, 101), "frequency": range(1, 101),
    ...                   "monetary": [10.0 * i for i in range(1, 101)]})
    >>> default_rfm_ranges(f)["R"], default_rfm_ranges(f)["M"]
    ((10, 91, 0, 101), (109, 902, 1, 1001))
    """
    r, f, m = (features[c].astype(float) for c in ("recency_days", "frequency", "monetary"))
    r_lo, r_hi = int(np.floor(r.quantile(0.1))), int(np.ceil(r.quantile(0.9)))
    f_hi = max(3, int(np.ceil(f.quantile(0.9))))
    m_pos = m[m > 0]
    m_lo = max(1, int(np.floor(m_pos.quantile(0.1)))) if len(m_pos) else 1
    m_hi = max(m_lo + 1, int(np.ceil(m_pos.quantile(0.9)))) if len(m_pos) else 2
    return {"R": (r_lo, max(r_hi, r_lo + 1), 0, int(np.ceil(r.max())) + 1),
            "F": (2, f_hi, 1, max(f_hi, int(f.max()))),
            "M": (m_lo, m_hi, 1, max(m_hi, int(np.ceil(m.max()))) + 1)}


class WorkshopData:
    """One dataset and the analyses the live controls do not change, computed once.

    Parameters
    ----------
    data : a :class:`crm_training.CRMData` (synthetic or from ``load_client``).
    seed : seed of the clustering and of anything random.
    clv_months : CLV horizon in months (BG/NBD x Gamma-Gamma, 10% a year discount, the data's
        profit margin; revenue when the data has no cost).
    churn_horizon_days : no longer used (kept so that callers passing it still work): the
        churn probability is 1 - P(alive) of the CLV forecast, as in the report.
    margin : share of revenue that is profit, for data without costs (as the report's
        ``--margin``); without it such data are analysed as revenue (``value_basis``).
    currency : ISO code or symbol of the amounts (default: the data's ``meta["currency"]``).
    industry : whose words the strategies and actions use (default: the data's
        ``meta["industry"]``; client data: retail's).

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> work = WorkshopData(example_data(200))
    >>> len(work.features) == len(work.indicators)
    True
    """

    def __init__(self, data, seed: int = 0, clv_months: int = 36, churn_horizon_days: int = 90,
                 margin: float | None = None, currency: str | None = None,
                 industry: str | None = None):
        tx = getattr(data, "transactions", None)
        if tx is None or len(tx) == 0:
            raise ValueError("data has no transactions: nothing to segment")
        # the money rules of the report: profit from costs, or at a stated margin, or revenue
        self.value_basis = money.value_basis(tx, margin)
        self.margin = money.check_margin(margin) if self.value_basis == "margin" else None
        if self.value_basis == "margin":
            data = money.with_margin(data, self.margin)
        meta = getattr(data, "meta", None) or {}
        self.currency = money.currency_code(currency) or money.detected_currency(
            meta.get("currency"))
        self.data = data
        self.seed = int(seed)
        self.clv_months = int(clv_months)
        self.churn_horizon_days = int(churn_horizon_days)
        self.industry = industry or meta.get("industry")
        # the report's value: profit (or revenue without costs) of every customer of the base
        self.measure = "revenue" if self.value_basis == "revenue" else "profit"
        self.values = seg.customer_value(data, self.measure)
        self.years = seg.data_years(tx)
        self.features = seg.customer_features(data)
        self.cluster_features = seg.clustering_features(data)
        self.indicators = seg.value_indicators(data)
        self._memo: dict = {}

    def _once(self, key, compute):
        """Memoise a result, or the error that prevented it (so a failing fit is not retried)."""
        if key not in self._memo:
            try:
                self._memo[key] = (compute(), None)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as e:
                self._memo[key] = (None, e)
        value, err = self._memo[key]
        if err is not None:
            raise ValueError(str(err)) from err
        return value

    def rfm(self, thresholds=None) -> pd.DataFrame:
        key = ("rfm", tuple(sorted((k, tuple(v)) for k, v in (thresholds or {}).items())))
        return self._once(key, lambda: seg.rfm_scores(self.features, thresholds=thresholds))

    def value_classes(self, weights=None, shares=TIER_SHARES) -> pd.DataFrame:
        """The weighted value assessment (score 0-100 and its tier) of the buyers."""
        w = dict(DEFAULT_FAMILY_WEIGHTS if weights is None else weights)
        key = ("value", tuple(sorted(w.items())), tuple(shares))
        return self._once(key, lambda: seg.value_assessment(self.indicators, w,
                                                            class_shares=shares))

    def tiers(self, shares=TIER_SHARES, basis: str = "value", weights=None) -> pd.DataFrame:
        """``value`` and ``value_tier`` per customer: by the report's value over the whole base
        (``basis="value"``), or by the weighted score over the buyers (``"score"``)."""
        shares = tuple(float(x) for x in shares)
        if basis == "value":
            return self._once(("tiers", shares), lambda: seg.value_tiers(
                self.values, *shares)[["value", "value_tier"]])
        if basis == "score":  # tiers by the score; the value shown is still money
            va = self.value_classes(weights, shares)
            return pd.DataFrame({"value": self.values.reindex(va.index).fillna(0.0),
                                 "value_tier": va["value_tier"]})
        raise ValueError(f"basis must be 'value' or 'score', not {basis!r}")

    def clusters(self, k: int) -> np.ndarray:
        k = int(k)
        return self._once(("clusters", k), lambda: seg.CustomerSegmenter(
            n_clusters=k, random_state=self.seed).fit(self.cluster_features).labels_)

    def clv(self, months: int | None = None) -> pd.DataFrame:
        """Per customer: ``clv`` over ``months`` (default ``clv_months``) and ``p_alive``.

        The models are fitted once (:func:`crm_training.clv.clv_forecast`, the report's
        recipe); another horizon only re-sums the fitted forecast, so a horizon slider is quick.
        """
        months = int(self.clv_months if months is None else months)
        if months < 1:
            raise ValueError(f"the CLV horizon must be at least 1 month, not {months}")
        return self._once(("clv", months), lambda: self._clv_at(months))

    def clv_forecast(self):
        """The fitted :class:`~crm_training.clv.utils.CLVForecast` (model choice, parameters)."""
        return self._once("clv_fit", self._fit_clv)

    def _fit_clv(self):
        f = self.features  # the same recipe as the case-study report (clv.clv_forecast)
        margin = f["profit"].sum() / f["monetary"].sum() if f["profit"].notna().any() else 1.0
        self._clv_margin = float(margin)
        return clv_mod.clv_forecast(self.data.transactions, months=self.clv_months,
                                    annual_discount=0.10, margin=float(margin))

    def _clv_at(self, months: int) -> pd.DataFrame:
        fc = self.clv_forecast()
        table = fc.table
        if months == self.clv_months:
            return table
        rfm, model, gg = fc.rfm, fc.model, fc.spend_model
        spend = np.asarray(gg.expected_customer_spend(rfm.assign(
            monetary_value=rfm["monetary_value"].clip(lower=0))))
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            value = np.asarray(clv_mod.customer_lifetime_value(
                model, rfm.assign(monetary_value=spend), future_t=months,
                discount_rate=1.10 ** (1 / 12) - 1, margin=float(np.clip(self._clv_margin, 0, 1))))
        return table.assign(clv=value)

    def churn_risk(self) -> pd.Series:
        """Probability that each customer has already dropped out: 1 - P(alive) of the CLV
        forecast (:func:`crm_training.clv.churn_probability` of :meth:`clv`), the same model
        and fit as the case-study report, whose "probably lost" share counts the customers
        with P(alive) below 0.5 of the same column."""
        return self._once("churn", lambda: clv_mod.churn_probability(self.clv_forecast().table))


@dataclass
class Segmentation:
    """Result of :func:`segment_customers`: the assignment and its summary tables."""

    assignment: pd.DataFrame  # one row per customer (index customer_id)
    tiers: pd.DataFrame       # value tiers high / medium / potential, with their strategy
    rfm_segments: pd.DataFrame
    clusters: pd.DataFrame
    problems: dict            # part -> message (CLV or churn that could not be fitted)


def segment_customers(work: WorkshopData, thresholds=None, weights=None, k: int = 4,
                      tier_shares=TIER_SHARES, tier_basis: str = "value",
                      clv_months: int | None = None) -> Segmentation:
    """Segment every customer with the current controls: RFM, value tier and cluster.

    Parameters
    ----------
    work : the cached dataset.
    thresholds : RFM cut points (see :func:`rfm_thresholds`); ``None`` scores by quantiles.
    weights : family weights of the value assessment (``financial``, ``behavioural``,
        ``relationship``, ``potential``; non-negative, renormalised; ``None`` = 0.4/0.3/0.2/0.1).
    k : number of k-means clusters.
    tier_shares : shares of customers in the high and medium tiers (default 20% and 30%).
    tier_basis : ``"value"`` (the report's tiers) or ``"score"`` (the weighted assessment).
    clv_months : CLV horizon (default: the data's ``clv_months``).

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> s = segment_customers(WorkshopData(example_data(200)), k=3)
    >>> int(s.tiers["customers"].sum()) == len(s.assignment), len(s.clusters)
    (True, 3)
    """
    rfm = work.rfm(thresholds)
    va = work.value_classes(weights, tier_shares)
    tiers = work.tiers(tier_shares, tier_basis, weights)
    labels = work.clusters(k)
    X = work.cluster_features
    profiles = seg.cluster_profiles(X, labels)
    f = work.features
    a = pd.DataFrame(index=f.index)
    a["R"], a["F"], a["M"] = rfm["R"], rfm["F"], rfm["M"]
    a["rfm"] = rfm["rfm"]
    a["rfm_segment"] = rfm["segment"].astype(str)
    a["value_score"] = va["score"].round(2)
    a["value_tier"] = tiers["value_tier"].reindex(f.index).astype(str)
    a["cluster"] = pd.Series(labels, index=X.index).reindex(f.index)
    a["cluster_name"] = a["cluster"].map(profiles["name"])
    a["recency_days"] = f["recency_days"]
    a["frequency"] = f["frequency"]
    a["monetary"] = f["monetary"].round(2)
    problems = {}
    try:
        c = work.clv(clv_months)
        a["clv"] = c["clv"].reindex(f.index).round(2)
        a["p_alive"] = c["p_alive"].reindex(f.index).round(4)
    except ValueError as e:
        problems["clv"] = str(e)
        a["clv"], a["p_alive"] = np.nan, np.nan
    try:
        a["churn_probability"] = work.churn_risk().reindex(f.index).round(4)
    except ValueError as e:
        problems["churn"] = str(e)
        a["churn_probability"] = np.nan
    clusters = profiles[["name", "name_zh", "customers", "customer_share", "revenue_share"]
                        + [c for c in ("orders_per_year", "avg_order_value", "recency_days")
                           if c in profiles.columns]]
    return Segmentation(assignment=a, tiers=tier_table(a, tiers, work),
                        rfm_segments=rfm_table(rfm),
                        clusters=clusters, problems=problems)


def tier_table(assignment: pd.DataFrame, tiers: pd.DataFrame, work=None) -> pd.DataFrame:
    """The report's tier table (:func:`crm_training.segmentation.tier_summary` of ``tiers``:
    customers, shares, value per customer and year) with the mean CLV and churn probability of
    each tier's buyers and the tier's strategy in the industry's words, scaled to its value.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"clv": [500.0, 50, 30, 100], "churn_probability": [0.1, 0.5, 0.7, 0.2]},
    ...                  index=list("abcd"))
    >>> t = pd.DataFrame({"value": [600.0, 100, 100, 200],
    ...                   "value_tier": ["high", "potential", "potential", "medium"]},
    ...                  index=list("abcd"))
    >>> tier_table(a, t)[["customers", "value_share", "mean_churn_probability"]]
                customers  value_share  mean_churn_probability
    value_tier
    high                1          0.6                     0.1
    medium              1          0.2                     0.2
    potential           2          0.2                     0.6
    """
    from ..report.vocabulary import tier_strategy

    years = work.years if work is not None else 1.0
    t = seg.tier_summary(tiers["value"], tiers["value_tier"], years)
    g = assignment.groupby(tiers["value_tier"].reindex(assignment.index).astype(str))
    for col, name in (("clv", "mean_clv"), ("churn_probability", "mean_churn_probability")):
        t[name] = g[col].mean().reindex(t.index) if col in assignment else np.nan
    industry = getattr(work, "industry", None)
    currency = getattr(work, "currency", None) or "USD"
    for lang, col in (("en", "strategy"), ("zh", "strategy_zh")):
        t[col] = [tier_strategy(tier, industry, t.loc[tier, "value_per_customer_year"], currency,
                                lang) for tier in t.index]
    return t


#: actions of the retention list by risk band (en, zh); ``{manager}`` in the industry's words
RETENTION_ACTIONS = {
    "call": ("Personal call by the {manager} this week; solve any open issue first.",
             "本周由{manager}致电回访，先解决未结问题"),
    "offer": ("Targeted win-back offer by e-mail or app, within the margin.",
              "通过邮件或APP发送定向挽回优惠（不超过毛利）"),
    "remind": ("Reminder timed to the customer's usual rhythm; no discount yet.",
               "按客户惯常节奏提醒，暂不给折扣"),
    "automate": ("Low-cost automated reactivation message.", "低成本自动化唤醒信息"),
    "lost": ("Probably lost: one low-cost win-back message at most; ask why they left.",
             "大概率已流失：至多发送一次低成本挽回信息，并了解流失原因"),
    "keep": ("Likely still active: keep the usual service, no retention spend.",
             "大概率仍活跃：保持常规服务，不投入挽留费用"),
}


KEEP_BELOW = 0.3  # churn probability below which no retention money is spent
LOST_FROM = 0.95  # churn probability from which a customer is taken as lost


def retention_action(value_tier, churn_probability) -> np.ndarray:
    """The action code of each customer of the retention list, by tier and churn probability:
    ``keep`` below 0.3; ``lost`` from 0.95 (nothing left to save: a last low-cost message);
    in between, from 0.6 ``call`` for the high tier, ``offer`` for the medium tier; else
    ``offer`` for the high tier, ``remind`` for the medium tier; ``automate`` for the potential
    tier (nothing costly for customers worth little).

    Examples
    --------
    >>> retention_action(["high", "high", "medium", "potential", "high", "high"],
    ...                  [0.8, 0.4, 0.4, 0.9, 0.1, 0.99])
    array(['call', 'offer', 'remind', 'automate', 'keep', 'lost'], dtype=object)
    """
    tier = np.asarray(value_tier, dtype=object)
    p = np.asarray(churn_probability, dtype=float)
    high, medium = tier == "high", tier == "medium"
    out = np.where(high, np.where(p >= 0.6, "call", "offer"),
                   np.where(medium, np.where(p >= 0.6, "offer", "remind"), "automate"))
    out = np.where(p >= LOST_FROM, "lost", out)
    return np.where(~(p >= KEEP_BELOW), "keep", out).astype(object)


def action_text(code: str, industry=None, language: str = "en") -> str:
    """The retention action ``code`` in ``language``, in the industry's words."""
    from ..report.vocabulary import term

    text = RETENTION_ACTIONS[code][0 if language == "en" else 1]
    return text.format(manager=term("manager", industry, language))


def rfm_table(scores: pd.DataFrame) -> pd.DataFrame:
    """The named RFM segments with customers, shares and the action (largest revenue first)."""
    s = seg.rfm_segment_summary(scores)
    return s[["label_zh", "customers", "customer_share", "revenue_share", "recency_days",
              "frequency", "monetary", "action"]]


def top_clv(assignment: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The ``n`` customers of highest predicted CLV, with their tier and churn risk.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"clv": [5.0, 50, 20], "p_alive": 0.9, "churn_probability": 0.1,
    ...                   "value_tier": "high", "rfm_segment": "Loyal", "monetary": 1.0},
    ...                  index=pd.Index(list("abc"), name="customer_id"))
    >>> top_clv(a, 2).index.tolist()
    ['b', 'c']
    """
    cols = ["clv", "p_alive", "monetary", "value_tier", "rfm_segment", "churn_probability"]
    return assignment.nlargest(int(n), "clv")[cols]


def top_churn_risk(assignment: pd.DataFrame, n: int = 20, by: str = "value_at_risk",
                   industry=None, language: str = "en", at_risk_only: bool = False
                   ) -> pd.DataFrame:
    """The ``n`` customers to call first: most value at risk, or most likely to stop buying.

    ``value_at_risk`` = churn probability x predicted CLV: the value a save would keep, so
    long-lost customers with nothing left to lose do not crowd the list. ``by="churn_probability"``
    ranks by the probability alone (also the fallback when no CLV could be fitted). ``action``
    (code) and ``action_text`` (in ``language``, the industry's words) follow the customer's
    tier and risk (:func:`retention_action`). ``at_risk_only`` leaves out the customers
    whose action would be ``keep`` (churn probability below 0.3): a list of whom to act on.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"churn_probability": [0.9, 0.2, 0.6], "clv": [10.0, 99, 50],
    ...                   "value_tier": "potential", "rfm_segment": "At risk",
    ...                   "recency_days": 100.0, "monetary": 1.0},
    ...                  index=pd.Index(list("abc"), name="customer_id"))
    >>> top_churn_risk(a, 2)[["churn_probability", "value_at_risk"]].values.tolist()
    [[0.6, 30.0], [0.2, 19.8]]
    >>> top_churn_risk(a, 2, by="churn_probability").index.tolist()
    ['a', 'c']
    >>> top_churn_risk(a, 1)["action"].tolist()
    ['automate']
    """
    if by not in ("value_at_risk", "churn_probability"):
        raise ValueError(f"by must be 'value_at_risk' or 'churn_probability', not {by!r}")
    out = assignment[["churn_probability", "clv", "value_tier", "rfm_segment", "recency_days",
                      "monetary"]].copy()
    if at_risk_only:
        out = out[out["churn_probability"] >= KEEP_BELOW]
    out.insert(2, "value_at_risk", (out["churn_probability"] * out["clv"]).round(2))
    if out["value_at_risk"].isna().all():
        by = "churn_probability"
    other = "churn_probability" if by == "value_at_risk" else "value_at_risk"
    out = out.sort_values([by, other], ascending=False, na_position="last").head(int(n))
    out["action"] = retention_action(out["value_tier"], out["churn_probability"])
    words = {c: action_text(c, industry, language) for c in RETENTION_ACTIONS}
    out["action_text"] = out["action"].map(words)
    return out


#: headers of the exported action list, (English, Chinese)
EXPORT_HEADERS = {
    "customer_id": ("Customer", "客户编号"), "churn_probability": ("Churn probability", "流失概率"),
    "clv": ("CLV", "生命周期价值"), "value_at_risk": ("Value at risk", "风险价值"),
    "value_tier": ("Value tier", "价值层级"), "rfm_segment": ("RFM segment", "RFM细分"),
    "recency_days": ("Days since last purchase", "距上次购买天数"),
    "monetary": ("Spend to date", "累计消费"), "action": ("Action code", "行动代码"),
    "action_text": ("Action", "行动"),
}


def action_export(actions: pd.DataFrame, language: str = "en", currency: str = "") -> dict:
    """The action list as ``{"xlsx": bytes, "csv": bytes, "table": DataFrame}`` with headers
    in ``language`` (money headers name the currency), tiers in words, probabilities rounded.

    Both files neutralise text that starts like a formula (:mod:`crm_training.exports`: a
    leading apostrophe, and text-typed cells in the workbook), so a client's id such as
    ``=HYPERLINK(...)`` stays text in Excel.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"churn_probability": [0.71234], "clv": [120.0], "value_at_risk": [85.5],
    ...                   "value_tier": ["high"], "action": ["call"], "action_text": ["Call"]},
    ...                  index=pd.Index(["=cmd|' /C calc'!A0"], name="customer_id"))
    >>> out = action_export(a, "zh", "CNY")
    >>> list(out["table"].columns)[:3]
    ['客户编号', '流失概率', '生命周期价值（CNY）']
    >>> out["csv"].decode("utf-8-sig").splitlines()[1][:6]
    "'=cmd|"
    """
    import io

    from ..exports import csv_bytes, write_xlsx
    from ..i18n import tier_label

    i = 0 if language == "en" else 1
    t = actions.reset_index().drop(columns=["action"], errors="ignore")  # the text says it
    if "value_tier" in t:
        t["value_tier"] = [tier_label(x, language) for x in t["value_tier"]]
    if "rfm_segment" in t and language == "zh":
        from ..segmentation.rfm import RFM_SEGMENT_LABELS_ZH

        t["rfm_segment"] = t["rfm_segment"].map(lambda c: RFM_SEGMENT_LABELS_ZH.get(c, c))
    if "churn_probability" in t:
        t["churn_probability"] = t["churn_probability"].round(4)
    if "recency_days" in t:
        t["recency_days"] = t["recency_days"].round().astype("Int64")
    money_cols = {"clv", "value_at_risk", "monetary"}
    for c in money_cols & set(t.columns):
        t[c] = t[c].round(2)
    kinds = {c: "money" for c in money_cols if c in t}
    if "churn_probability" in t:
        kinds["churn_probability"] = "percent"

    def head(c):
        word = EXPORT_HEADERS.get(c, (c, c))[i]
        if c in money_cols and currency:
            word = f"{word} ({currency})" if language == "en" else f"{word}（{currency}）"
        return word

    formats = {head(c): kind for c, kind in kinds.items()}
    t.columns = [head(c) for c in t.columns]
    buf = io.BytesIO()
    write_xlsx(t, buf, sheet_name="actions" if language == "en" else "行动清单")
    buf = io.BytesIO(_formatted_sheet(buf.getvalue(), formats))
    return {"xlsx": buf.getvalue(), "csv": csv_bytes(t, index=False), "table": t}


def _formatted_sheet(xlsx: bytes, formats: dict) -> bytes:
    """A workbook made readable: header frozen and filtered, columns as wide as their text,
    probabilities as %, money with thousands separators (``formats``: header -> kind)."""
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    ws = wb.active
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    number = {"percent": "0.0%", "money": "#,##0.00"}
    for col in ws.iter_cols(min_row=1, max_row=ws.max_row):
        header = col[0].value
        width = max(len(str(c.value)) if c.value is not None else 0 for c in col[:200])
        wide = any("\u4e00" <= ch <= "\u9fff" for ch in str(header))
        ws.column_dimensions[col[0].column_letter].width = min(60, width * (2 if wide else 1)
                                                                  + 2)
        if header in formats:
            for c in col[1:]:
                c.number_format = number[formats[header]]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def assignment_csv(assignment: pd.DataFrame) -> bytes:
    """The assignment as CSV bytes (UTF-8 with a byte-order mark, so Excel reads it right).

    A client's customer id or label that starts like a formula (``=``, ``+``, ``-``, ``@``, ...)
    gets a leading apostrophe (:func:`crm_training.exports.csv_bytes`, the OWASP rule), so
    Excel shows it as text instead of running it; numbers are left alone.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"clv": [-1.5]}, index=pd.Index(['=HYPERLINK("http://x")'],
    ...                                                 name="customer_id"))
    >>> print(assignment_csv(a).decode("utf-8-sig").strip())
    customer_id,clv
    "'=HYPERLINK(""http://x"")",-1.5
    """
    from ..exports import csv_bytes

    return csv_bytes(assignment.reset_index(), index=False)


def csv_download_html(assignment: pd.DataFrame, filename: str = "segments.csv") -> str:
    """An ``<a download>`` link holding the CSV as a ``data:`` URI.

    The browser saves it without asking the server again, so it works the same in JupyterLab
    and in Voila.

    Examples
    --------
    >>> import pandas as pd
    >>> link = csv_download_html(pd.DataFrame({"x": [1]}, index=pd.Index(["a"], name="id")))
    >>> link.startswith('<a download="segments.csv" href="data:text/csv;charset=utf-8;base64,')
    True
    """
    b64 = base64.b64encode(assignment_csv(assignment)).decode("ascii")
    return (f'<a download="{html.escape(filename)}" href="data:text/csv;charset=utf-8;base64,'
            f'{b64}" class="crm-download-link">Download the segment assignment '
            f'({len(assignment):,} customers, CSV)</a>')
