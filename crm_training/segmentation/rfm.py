"""RFM scoring and named RFM segments (chapter 2, value grading by recency, frequency, money).

Each customer gets a score 1-5 for Recency (days since the last purchase: fewer is better),
Frequency (number of orders) and Monetary value (net spend), either from quantiles of the
customer base or from fixed cut points, and then a named segment from a score grid.

Tie handling (``ties``), see :func:`~crm_training.segmentation.features.percentile_scores`:

* ``"average"`` (default): equal values always share a score. The score is set by the value's
  mid-rank percentile, so bins are equal-sized when values are distinct; heavily tied values
  (e.g. the many one-order customers) land together and some scores may be empty.
* ``"first"``: the common ``pd.qcut(x.rank(method="first"), 5)`` recipe, equal-sized bins at the
  price of splitting equal values across neighbouring scores (in customer-id order).

Segments come from R and the combined FM score ``FM = floor((F + M) / 2 + 0.5)`` (half rounds
up) looked up in :data:`RFM_SEGMENT_GRID` (rows R = 5..1, columns FM = 1..5)::

    R\\FM   1               2                   3                   4                 5
    5      New             Potential loyalist  Potential loyalist  Champions         Champions
    4      Promising       Potential loyalist  Potential loyalist  Loyal             Loyal
    3      About to sleep  About to sleep      Need attention      Loyal             Loyal
    2      Hibernating     Hibernating         At risk             At risk           Cannot lose them
    1      Lost            Lost                At risk             At risk           Cannot lose them

Also :func:`rfm_eight_classes`, the eight-class model common in Chinese CRM practice
(重要价值客户 ...): each of R, F, M is high or low against the mean of the base.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .features import percentile_scores, require_columns, tables

RFM_SEGMENTS = ("Champions", "Loyal", "Potential loyalist", "New", "Promising", "Need attention",
                "About to sleep", "At risk", "Cannot lose them", "Hibernating", "Lost")

RFM_SEGMENT_LABELS_ZH = {
    "Champions": "冠军客户", "Loyal": "忠诚客户", "Potential loyalist": "潜在忠诚客户",
    "New": "新客户", "Promising": "有潜力客户", "Need attention": "需要关注客户",
    "About to sleep": "即将沉睡客户", "At risk": "流失风险客户", "Cannot lose them": "不能流失的高价值客户",
    "Hibernating": "沉睡客户", "Lost": "已流失客户",
}

RFM_SEGMENT_ACTIONS = {
    "Champions": "Reward and involve: early access, referral programme, ask for reviews.",
    "Loyal": "Up-sell higher-value products; loyalty tiers; ask for feedback.",
    "Potential loyalist": "Membership offer, personalised recommendations.",
    "New": "Onboarding journey, first-repeat incentive.",
    "Promising": "Build awareness of the range; small time-limited offers.",
    "Need attention": "Personalised reactivation offers before they slip.",
    "About to sleep": "Reconnect with relevant products and a limited discount.",
    "At risk": "Personal win-back contact and a strong offer.",
    "Cannot lose them": "Account-manager call; find and fix what went wrong.",
    "Hibernating": "Low-cost reactivation campaign; otherwise leave.",
    "Lost": "Ignore or a last low-cost win-back attempt.",
}

_G = [
    ["New", "Potential loyalist", "Potential loyalist", "Champions", "Champions"],
    ["Promising", "Potential loyalist", "Potential loyalist", "Loyal", "Loyal"],
    ["About to sleep", "About to sleep", "Need attention", "Loyal", "Loyal"],
    ["Hibernating", "Hibernating", "At risk", "At risk", "Cannot lose them"],
    ["Lost", "Lost", "At risk", "At risk", "Cannot lose them"],
]
RFM_SEGMENT_GRID = pd.DataFrame(_G, index=pd.Index([5, 4, 3, 2, 1], name="R"),
                                columns=pd.Index([1, 2, 3, 4, 5], name="FM"))

RFM_COLUMNS = {"R": "recency_days", "F": "frequency", "M": "monetary"}


def _features(data, as_of) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame) and set(RFM_COLUMNS.values()) <= set(data.columns):
        return data  # already customer features
    from ..engines.features import customer_features as run

    if isinstance(data, (str, os.PathLike)):
        return run(data, as_of, rfm_only=True)
    tx = tables(data).transactions
    require_columns(tx, ["customer_id", "timestamp", "amount"], "transactions")
    return run(tx, as_of, rfm_only=True)  # the three columns scoring reads, nothing more


def _threshold_scores(x: pd.Series, cuts, higher_is_better: bool, q: int, name: str) -> pd.Series:
    cuts = np.asarray(cuts, dtype=float)
    if cuts.ndim != 1 or cuts.size != q - 1:
        raise ValueError(f"thresholds[{name!r}] needs {q - 1} cut points, got {cuts.tolist()}")
    if np.any(np.diff(cuts) <= 0):
        raise ValueError(f"thresholds[{name!r}] must be strictly increasing, got {cuts.tolist()}")
    v = x.to_numpy(dtype=float)
    if higher_is_better:  # score = 1 + number of cut points the value reaches (value >= cut)
        s = 1 + np.searchsorted(cuts, v, side="right")
    else:  # score = 1 + number of cut points the value does not exceed (value <= cut)
        s = 1 + (q - 1) - np.searchsorted(cuts, v, side="left")
    out = pd.Series(s, index=x.index).astype("Int64")
    return out.where(x.notna()).rename(name)


def rfm_scores(data, as_of=None, q: int = 5, ties: str = "average", thresholds=None,
               grid: pd.DataFrame | None = None) -> pd.DataFrame:
    """R, F and M scores 1..q per customer, the RFM code and the named segment.

    Parameters
    ----------
    data : CRMData, dict of tables, transactions DataFrame, or the output of
        :func:`~crm_training.segmentation.features.customer_features`.
    as_of : analysis date (default: the day after the last transaction).
    q : number of score levels (segments need ``q = 5``).
    ties : ``"average"`` or ``"first"`` (module docstring).
    thresholds : optional fixed cut points instead of quantiles, a dict with any of the keys
        ``"R"``, ``"F"``, ``"M"``, each ``q - 1`` increasing numbers. For F and M a value scores
        ``1 +`` the number of cut points it reaches (``>=``); for R (days) a value scores
        ``1 +`` the number of cut points it does not exceed (``<=``), so
        ``{"R": [30, 90, 180, 365]}`` gives 5 for a purchase in the last 30 days and 1 after a year.
    grid : a segment grid like :data:`RFM_SEGMENT_GRID` (rows R, columns FM).

    Returns
    -------
    DataFrame indexed by customer with ``recency_days``, ``frequency``, ``monetary``, ``R``, ``F``,
    ``M``, ``FM``, ``rfm`` (e.g. ``"545"``), ``rfm_total`` (R + F + M), ``segment`` and
    ``segment_zh``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"recency_days": [5, 40, 100, 200, 400],
    ...                   "frequency": [12, 6, 3, 2, 1],
    ...                   "monetary": [900.0, 400, 150, 80, 20]},
    ...                  index=pd.Index(list("abcde"), name="customer_id"))
    >>> rfm_scores(f)[["rfm", "segment"]]
                 rfm            segment
    customer_id
    a            555          Champions
    b            444              Loyal
    c            333     Need attention
    d            222        Hibernating
    e            111               Lost
    >>> rfm_scores(f, thresholds={"F": [2, 3, 5, 10]})["F"].tolist()
    [5, 4, 3, 2, 1]
    """
    f = _features(data, as_of)
    require_columns(f, list(RFM_COLUMNS.values()), "customer features")
    thresholds = dict(thresholds or {})
    unknown = set(thresholds) - set(RFM_COLUMNS)
    if unknown:
        raise ValueError(f"thresholds keys must be among 'R', 'F', 'M', not {sorted(unknown)}")
    out = f[list(RFM_COLUMNS.values())].copy()
    for key, col in RFM_COLUMNS.items():
        better_high = key != "R"
        if key in thresholds:
            out[key] = _threshold_scores(f[col], thresholds[key], better_high, q, key)
        else:
            out[key] = percentile_scores(f[col], q=q, ties=ties, higher_is_better=better_high,
                                         name=key)
    out["FM"] = np.floor((out["F"] + out["M"]) / 2 + 0.5).astype("Int64")
    out["rfm"] = _codes(out["R"], out["F"], out["M"])
    out["rfm_total"] = out["R"] + out["F"] + out["M"]
    out["segment"] = rfm_segment(out["R"], out["FM"], grid=grid)
    seg = out["segment"].cat
    zh = pd.array([str(RFM_SEGMENT_LABELS_ZH.get(c, np.nan)) for c in seg.categories],
                  dtype="str")
    out["segment_zh"] = pd.Series(zh.take(seg.codes.to_numpy()), index=out.index)
    return out


def _codes(r: pd.Series, f: pd.Series, m: pd.Series) -> pd.Series:
    """The "545"-style codes: at most q**3 distinct texts, made once and gathered (a string
    concatenation per customer costs more than the scoring)."""
    if r.isna().any() or f.isna().any() or m.isna().any():
        return r.astype(str) + f.astype(str) + m.astype(str)
    parts = [v.to_numpy(np.int64) for v in (r, f, m)]
    width = max(1, int(max(p.max() for p in parts)).bit_length())
    key = (parts[0] << (2 * width)) | (parts[1] << width) | parts[2]
    mask = (1 << width) - 1  # every possible key (512 for q = 5), each text made once
    texts = pd.array([f"{u >> (2 * width)}{(u >> width) & mask}{u & mask}"
                      for u in range(1 << (3 * width))], dtype="str")
    return pd.Series(texts.take(key), index=r.index)


def rfm_segment(r, fm, grid: pd.DataFrame | None = None) -> pd.Series:
    """Segment names for R and FM scores looked up in ``grid`` (default :data:`RFM_SEGMENT_GRID`).

    Examples
    --------
    >>> import pandas as pd
    >>> rfm_segment(pd.Series([5, 1, 2]), pd.Series([1, 5, 3])).tolist()
    ['New', 'Cannot lose them', 'At risk']
    """
    grid = RFM_SEGMENT_GRID if grid is None else grid
    r = pd.Series(r)
    fm = pd.Series(fm, index=r.index)
    long = grid.stack()
    long.index = long.index.set_names(["R", "FM"])
    key = pd.MultiIndex.from_arrays([r.astype("int64"), fm.astype("int64")])
    values = long.reindex(key).to_numpy()
    if pd.isna(values).any():
        bad = sorted(set(zip(r[pd.isna(values)], fm[pd.isna(values)])))[:5]
        raise ValueError(f"grid has no segment for (R, FM) = {bad}")
    levels = list(dict.fromkeys(list(RFM_SEGMENTS) + list(pd.unique(long))))
    return pd.Series(pd.Categorical(values, categories=levels), index=r.index, name="segment")


def rfm_segment_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Customers, share, mean R/F/M values and share of revenue per segment, with the action.

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> s = rfm_segment_summary(rfm_scores(example_data()))
    >>> float(s["customer_share"].sum()), round(float(s["revenue_share"].sum()), 6)
    (1.0, 1.0)
    """
    require_columns(scores, ["segment", "recency_days", "frequency", "monetary"], "scores")
    g = scores.groupby("segment", observed=True)
    t = g.agg(customers=("monetary", "size"), recency_days=("recency_days", "mean"),
              frequency=("frequency", "mean"), monetary=("monetary", "mean"),
              revenue=("monetary", "sum"))
    t["customer_share"] = t["customers"] / t["customers"].sum()
    t["revenue_share"] = t["revenue"] / t["revenue"].sum()
    t["label_zh"] = t.index.map(lambda s: RFM_SEGMENT_LABELS_ZH.get(s, s))
    t["action"] = t.index.map(lambda s: RFM_SEGMENT_ACTIONS.get(s, ""))
    return t.sort_values("revenue", ascending=False)


EIGHT_CLASSES = {  # (R high, F high, M high) -> class; "high R" means recent (few days)
    (True, True, True): ("important value", "重要价值客户"),
    (False, True, True): ("important retention", "重要保持客户"),
    (True, False, True): ("important development", "重要发展客户"),
    (False, False, True): ("important win-back", "重要挽留客户"),
    (True, True, False): ("general value", "一般价值客户"),
    (False, True, False): ("general retention", "一般保持客户"),
    (True, False, False): ("general development", "一般发展客户"),
    (False, False, False): ("general win-back", "一般挽留客户"),
}


def rfm_eight_classes(data, as_of=None, reference: str = "mean") -> pd.DataFrame:
    """The eight RFM classes of Chinese CRM practice (重要价值客户 ... 一般挽留客户).

    Each of R, F, M is "high" when better than the base's ``reference`` (``"mean"`` or
    ``"median"``): recency at or below it, frequency and monetary above it.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"recency_days": [5, 300, 10, 250],
    ...                   "frequency": [9, 8, 1, 1], "monetary": [900.0, 800, 20, 900]})
    >>> rfm_eight_classes(f)["class_zh"].tolist()
    ['重要价值客户', '重要保持客户', '一般发展客户', '重要挽留客户']
    """
    if reference not in ("mean", "median"):
        raise ValueError(f"reference must be 'mean' or 'median', not {reference!r}")
    f = _features(data, as_of)
    require_columns(f, list(RFM_COLUMNS.values()), "customer features")
    ref = f[list(RFM_COLUMNS.values())].agg(reference)
    r_hi = f["recency_days"] <= ref["recency_days"]
    f_hi = f["frequency"] > ref["frequency"]
    m_hi = f["monetary"] > ref["monetary"]
    code = r_hi.astype(int) * 4 + f_hi.astype(int) * 2 + m_hi.astype(int)
    lookup_en = {4 * r + 2 * fr + m: v[0] for (r, fr, m), v in EIGHT_CLASSES.items()}
    lookup_zh = {4 * r + 2 * fr + m: v[1] for (r, fr, m), v in EIGHT_CLASSES.items()}
    out = f[list(RFM_COLUMNS.values())].copy()
    out["R_high"], out["F_high"], out["M_high"] = r_hi, f_hi, m_hi
    out["class"] = code.map(lookup_en).astype("str")
    out["class_zh"] = code.map(lookup_zh).astype("str")
    return out
