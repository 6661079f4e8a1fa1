"""What the workshop dashboard computes, as plain functions (no widgets): the dashboard only
renders these results, so every number it shows is tested here.

:class:`WorkshopData` holds one dataset and caches everything that does not depend on the live
controls: the customer features, the clustering features, the value indicators, the fitted CLV
models and the churn probability (1 - P(alive) of the CLV forecast: the report's own figure).
Each control then only redoes its own part: RFM thresholds re-score RFM, tier weights re-score
the value assessment, the number of clusters refits k-means (each result is memoised, so moving
a slider back is instant).
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
from ..segmentation.rfm import RFM_SEGMENT_ACTIONS
from ..segmentation.value_assessment import DEFAULT_FAMILY_WEIGHTS, VALUE_CLASS_SERVICE

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

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> work = WorkshopData(example_data(200))
    >>> len(work.features) == len(work.indicators)
    True
    """

    def __init__(self, data, seed: int = 0, clv_months: int = 36, churn_horizon_days: int = 90,
                 margin: float | None = None, currency: str | None = None):
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

    def value_classes(self, weights=None, class_shares=(0.1, 0.3)) -> pd.DataFrame:
        w = dict(DEFAULT_FAMILY_WEIGHTS if weights is None else weights)
        key = ("value", tuple(sorted(w.items())), tuple(class_shares))
        return self._once(key, lambda: seg.value_assessment(self.indicators, w,
                                                            class_shares=class_shares))

    def clusters(self, k: int) -> np.ndarray:
        k = int(k)
        return self._once(("clusters", k), lambda: seg.CustomerSegmenter(
            n_clusters=k, random_state=self.seed).fit(self.cluster_features).labels_)

    def clv(self) -> pd.DataFrame:
        """Per customer: ``clv`` over ``clv_months``, ``p_alive`` and expected purchases."""
        return self._once("clv", self._fit_clv)

    def _fit_clv(self) -> pd.DataFrame:
        f = self.features  # the same recipe as the case-study report (clv.clv_forecast)
        margin = f["profit"].sum() / f["monetary"].sum() if f["profit"].notna().any() else 1.0
        table, *_ = clv_mod.clv_forecast(self.data.transactions, months=self.clv_months,
                                         annual_discount=0.10, margin=float(margin))
        return table

    def churn_risk(self) -> pd.Series:
        """Probability that each customer has already dropped out: 1 - P(alive) of the CLV
        forecast (:func:`crm_training.clv.churn_probability` of :meth:`clv`), the same model
        and fit as the case-study report, whose "probably lost" share counts the customers
        with P(alive) below 0.5 of the same column."""
        return self._once("churn", lambda: clv_mod.churn_probability(self.clv()))


@dataclass
class Segmentation:
    """Result of :func:`segment_customers`: the assignment and its summary tables."""

    assignment: pd.DataFrame  # one row per customer (index customer_id)
    tiers: pd.DataFrame       # value classes VIP / important / ordinary, with their service
    rfm_segments: pd.DataFrame
    clusters: pd.DataFrame
    problems: dict            # part -> message (CLV or churn that could not be fitted)


def segment_customers(work: WorkshopData, thresholds=None, weights=None, k: int = 4,
                      class_shares=(0.1, 0.3)) -> Segmentation:
    """Segment every customer with the current controls: RFM, value tier and cluster.

    Parameters
    ----------
    work : the cached dataset.
    thresholds : RFM cut points (see :func:`rfm_thresholds`); ``None`` scores by quantiles.
    weights : family weights of the value assessment (``financial``, ``behavioural``,
        ``relationship``, ``potential``; non-negative, renormalised; ``None`` = 0.4/0.3/0.2/0.1).
    k : number of k-means clusters.
    class_shares : shares of customers in the VIP and important tiers.

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> s = segment_customers(WorkshopData(example_data(200)), k=3)
    >>> int(s.tiers["customers"].sum()) == len(s.assignment), len(s.clusters)
    (True, 3)
    """
    rfm = work.rfm(thresholds)
    va = work.value_classes(weights, class_shares)
    labels = work.clusters(k)
    X = work.cluster_features
    profiles = seg.cluster_profiles(X, labels)
    f = work.features
    a = pd.DataFrame(index=f.index)
    a["R"], a["F"], a["M"] = rfm["R"], rfm["F"], rfm["M"]
    a["rfm"] = rfm["rfm"]
    a["rfm_segment"] = rfm["segment"].astype(str)
    a["value_score"] = va["score"].round(2)
    a["value_class"] = va["class"].astype(str)
    a["cluster"] = pd.Series(labels, index=X.index).reindex(f.index)
    a["cluster_name"] = a["cluster"].map(profiles["name"])
    a["recency_days"] = f["recency_days"]
    a["frequency"] = f["frequency"]
    a["monetary"] = f["monetary"].round(2)
    problems = {}
    try:
        c = work.clv()
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
    return Segmentation(assignment=a, tiers=tier_table(a), rfm_segments=rfm_table(rfm),
                        clusters=clusters, problems=problems)


def tier_table(assignment: pd.DataFrame) -> pd.DataFrame:
    """Customers, shares, value and risk per value tier, with the tier's service strategy.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"value_class": ["VIP", "ordinary", "ordinary", "important"],
    ...                   "monetary": [600.0, 100, 100, 200], "value_score": [90, 10, 20, 50],
    ...                   "clv": [500.0, 50, 30, 100], "churn_probability": [0.1, 0.5, 0.7, 0.2]})
    >>> tier_table(a)[["customers", "revenue_share", "mean_churn_probability"]]
               customers  revenue_share  mean_churn_probability
    class
    VIP                1            0.6                     0.1
    important          1            0.2                     0.2
    ordinary           2            0.2                     0.6
    """
    g = assignment.groupby("value_class")
    t = pd.DataFrame({"customers": g.size()})
    t["customer_share"] = t["customers"] / t["customers"].sum()
    t["revenue"] = g["monetary"].sum()
    total = t["revenue"].sum()
    t["revenue_share"] = t["revenue"] / total if total else np.nan
    t["mean_score"] = g["value_score"].mean()
    t["mean_clv"] = g["clv"].mean()
    t["mean_churn_probability"] = g["churn_probability"].mean()
    t = t.reindex([c for c in VALUE_CLASS_SERVICE.index if c in t.index])
    t.index.name = "class"
    return t.join(VALUE_CLASS_SERVICE[["label_zh", "service"]])


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
    ...                   "value_class": "VIP", "rfm_segment": "Loyal", "monetary": 1.0},
    ...                  index=pd.Index(list("abc"), name="customer_id"))
    >>> top_clv(a, 2).index.tolist()
    ['b', 'c']
    """
    cols = ["clv", "p_alive", "monetary", "value_class", "rfm_segment", "churn_probability"]
    return assignment.nlargest(int(n), "clv")[cols]


def top_churn_risk(assignment: pd.DataFrame, n: int = 20,
                   by: str = "value_at_risk") -> pd.DataFrame:
    """The ``n`` customers to call first: most value at risk, or most likely to stop buying.

    ``value_at_risk`` = churn probability x predicted CLV: the value a save would keep, so
    long-lost customers with nothing left to lose do not crowd the list. ``by="churn_probability"``
    ranks by the probability alone (also the fallback when no CLV could be fitted). ``action`` is
    the one of the customer's RFM segment.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"churn_probability": [0.9, 0.2, 0.6], "clv": [10.0, 99, 50],
    ...                   "value_class": "ordinary", "rfm_segment": "At risk",
    ...                   "recency_days": 100.0, "monetary": 1.0},
    ...                  index=pd.Index(list("abc"), name="customer_id"))
    >>> top_churn_risk(a, 2)[["churn_probability", "value_at_risk"]].values.tolist()
    [[0.6, 30.0], [0.2, 19.8]]
    >>> top_churn_risk(a, 2, by="churn_probability").index.tolist()
    ['a', 'c']
    """
    if by not in ("value_at_risk", "churn_probability"):
        raise ValueError(f"by must be 'value_at_risk' or 'churn_probability', not {by!r}")
    out = assignment[["churn_probability", "clv", "value_class", "rfm_segment", "recency_days",
                      "monetary"]].copy()
    out.insert(2, "value_at_risk", (out["churn_probability"] * out["clv"]).round(2))
    if out["value_at_risk"].isna().all():
        by = "churn_probability"
    out = out.nlargest(int(n), by)
    out["action"] = out["rfm_segment"].map(RFM_SEGMENT_ACTIONS).fillna("")
    return out


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
