"""Ledger analytics of a loyalty programme (chapter 4): points liability, breakage, tiers.

Works on the ``loyalty_events`` table (enrol, earn, redeem, expire, tier_change, referral; points
signed: + added, - removed; ``tier`` = tier after the event), whether generated or a client's.

- points liability: outstanding points (earned - redeemed - expired) x value of a point, the
  amount the company owes its members; optionally net of the expected breakage;
- breakage rate: share of points earned that expired unused (expired / earned);
- tier distribution and the tier migration matrix between two dates.

Examples
--------
>>> ev = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b"],
...     "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-05",
...                                  "2024-02-05"]),
...     "event_type": ["enrol", "earn", "redeem", "enrol", "earn"],
...     "points": [0, 500, -200, 0, 100], "tier": ["bronze"] * 5})
>>> points_liability(ev, point_value=0.01)["liability"]
4.0
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as S

_COLS = ("customer_id", "timestamp", "event_type", "points", "tier")


def _ledger(events: pd.DataFrame, at=None) -> pd.DataFrame:
    if not isinstance(events, pd.DataFrame):
        raise TypeError(f"loyalty_events must be a DataFrame, not {type(events).__name__}")
    missing = [c for c in _COLS if c not in events.columns]
    if missing:
        raise ValueError(f"loyalty_events: missing column(s) {missing}; "
                         f"found {list(events.columns)}")
    if len(events) == 0:
        raise ValueError("loyalty_events: no events")
    ev = events
    if at is not None:
        ev = ev[ev["timestamp"] <= pd.Timestamp(at)]
    kinds = {str(k) for k in pd.unique(ev["event_type"].dropna())} - set(S.LOYALTY_EVENT_TYPES)
    if kinds:
        raise ValueError(f"loyalty_events: unknown event_type(s) {sorted(kinds)}; "
                         f"expected {list(S.LOYALTY_EVENT_TYPES)}")
    return ev


def points_balance(events: pd.DataFrame, at=None) -> pd.DataFrame:
    """Each member's points balance and tier at ``at`` (default: end of the ledger).

    Examples
    --------
    >>> ev = pd.DataFrame({"customer_id": ["a", "a"], "timestamp": pd.to_datetime(["2024-01-01",
    ...     "2024-02-01"]), "event_type": ["earn", "redeem"], "points": [300, -100],
    ...     "tier": ["bronze", "silver"]})
    >>> points_balance(ev)
                 balance    tier
    customer_id
    a                200  silver
    """
    ev = _ledger(events, at)
    # integer codes and one lexsort instead of sorting and grouping strings (millions of rows)
    codes, ids = pd.factorize(ev["customer_id"])
    t = ev["timestamp"].to_numpy("datetime64[ns]").astype("int64")
    order = np.lexsort((t, codes))
    sorted_codes = codes[order]
    last = order[np.r_[sorted_codes[1:] != sorted_codes[:-1], True]]
    balance = np.bincount(codes, weights=ev["points"].to_numpy("float64"), minlength=len(ids))
    out = pd.DataFrame({"balance": np.rint(balance).astype("int64"),
                        "tier": ev["tier"].to_numpy()[last]},  # last is in code order
                       index=pd.Index(np.asarray(ids, dtype=object), dtype="str"))
    out = out.sort_index()
    out.index.name = "customer_id"
    return out


def points_summary(events: pd.DataFrame, start=None, end=None) -> dict:
    """Points earned (earn + referral), redeemed and expired between ``start`` and ``end``.

    Examples
    --------
    >>> ev = pd.DataFrame({"customer_id": ["a"] * 3, "timestamp": pd.to_datetime(
    ...     ["2024-01-01", "2024-02-01", "2025-01-01"]), "event_type": ["earn", "redeem", "expire"],
    ...     "points": [1000, -600, -400], "tier": ["bronze"] * 3})
    >>> points_summary(ev)
    {'earned': 1000, 'redeemed': 600, 'expired': 400, 'outstanding': 0}
    """
    ev = _ledger(events, end)
    if start is not None:
        ev = ev[ev["timestamp"] >= pd.Timestamp(start)]
    kind = ev["event_type"]
    pts = ev["points"].astype("int64")
    earned = int(pts[kind.isin(["earn", "referral"]) & (pts > 0)].sum())
    # returns take points back as negative earn rows: count them against earned
    earned += int(pts[kind.isin(["earn", "referral"]) & (pts < 0)].sum())
    redeemed = int(-pts[kind == "redeem"].sum())
    expired = int(-pts[kind == "expire"].sum())
    return {"earned": earned, "redeemed": redeemed, "expired": expired,
            "outstanding": int(pts.sum())}


def points_liability(events: pd.DataFrame, point_value: float, at=None,
                     expected_breakage: float | None = None) -> dict:
    """Outstanding points and their value: what the programme owes its members at ``at``.

    Parameters
    ----------
    point_value : currency value (cost) of one redeemed point.
    expected_breakage : share of outstanding points expected never to be redeemed; the net
        liability is ``gross * (1 - expected_breakage)`` (default: the ledger's breakage rate).

    Examples
    --------
    >>> ev = pd.DataFrame({"customer_id": ["a"] * 2, "timestamp": pd.to_datetime(["2024-01-01",
    ...     "2024-03-01"]), "event_type": ["earn", "expire"], "points": [1000, -250],
    ...     "tier": ["bronze"] * 2})
    >>> points_liability(ev, 0.01)
    {'outstanding_points': 750, 'liability': 7.5, 'breakage_rate': 0.25, 'net_liability': 5.625}
    """
    if not np.isfinite(point_value) or point_value < 0:
        raise ValueError(f"point_value must be a non-negative number, not {point_value!r}")
    s = points_summary(events, end=at)
    rate = breakage_rate(events, end=at) if expected_breakage is None else float(expected_breakage)
    if not 0 <= rate <= 1:
        raise ValueError(f"expected_breakage must be between 0 and 1, not {rate}")
    gross = s["outstanding"] * point_value
    return {"outstanding_points": s["outstanding"], "liability": float(gross),
            "breakage_rate": float(rate), "net_liability": float(gross * (1 - rate))}


def breakage_rate(events: pd.DataFrame, start=None, end=None) -> float:
    """Share of earned points that expired unused: expired / earned (0 when nothing was earned).

    Examples
    --------
    >>> ev = pd.DataFrame({"customer_id": ["a"] * 2, "timestamp": pd.to_datetime(["2024-01-01",
    ...     "2024-03-01"]), "event_type": ["earn", "expire"], "points": [1000, -250],
    ...     "tier": ["bronze"] * 2})
    >>> breakage_rate(ev)
    0.25
    """
    s = points_summary(events, start, end)
    return float(s["expired"] / s["earned"]) if s["earned"] > 0 else 0.0


def tier_distribution(events: pd.DataFrame, at=None) -> pd.DataFrame:
    """Members per tier at ``at`` (count and share), in tier order.

    Examples
    --------
    >>> ev = pd.DataFrame({"customer_id": ["a", "b", "c"], "timestamp": pd.to_datetime(
    ...     ["2024-01-01"] * 3), "event_type": ["enrol"] * 3, "points": [0] * 3,
    ...     "tier": ["bronze", "bronze", "gold"]})
    >>> tier_distribution(ev)["members"].tolist()
    [2, 0, 1, 0]
    """
    tiers = points_balance(events, at)["tier"].astype("str")
    levels = list(S.LOYALTY_TIERS) + sorted(set(tiers.unique()) - set(S.LOYALTY_TIERS))
    counts = tiers.value_counts().reindex(levels, fill_value=0)
    out = pd.DataFrame({"members": counts, "share": counts / max(counts.sum(), 1)})
    out.index.name = "tier"
    return out


def tier_migration(events: pd.DataFrame, start, end, normalise: bool = False) -> pd.DataFrame:
    """Tier migration matrix: members' tier at ``start`` (rows) against at ``end`` (columns).

    Members who enrolled after ``start`` are in the row ``not_enrolled``.

    Examples
    --------
    >>> ev = pd.DataFrame({"customer_id": ["a", "a", "b"], "timestamp": pd.to_datetime(
    ...     ["2024-01-01", "2024-06-01", "2024-03-01"]), "event_type": ["enrol", "tier_change",
    ...     "enrol"], "points": [0, 0, 0], "tier": ["bronze", "silver", "bronze"]})
    >>> m = tier_migration(ev, "2024-02-01", "2024-12-31")
    >>> int(m.loc["bronze", "silver"]), int(m.loc["not_enrolled", "bronze"])
    (1, 1)
    """
    if pd.Timestamp(end) < pd.Timestamp(start):
        raise ValueError(f"end ({end}) must not be before start ({start})")
    before = points_balance(events, start)["tier"].astype(str) if (
        events["timestamp"] <= pd.Timestamp(start)).any() else pd.Series(dtype=str)
    after = points_balance(events, end)["tier"].astype(str)
    rows = before.reindex(after.index).fillna("not_enrolled")
    levels = list(S.LOYALTY_TIERS)
    m = pd.crosstab(rows.rename("from"), after.rename("to")).reindex(
        index=["not_enrolled"] + levels, columns=levels, fill_value=0)
    if normalise:
        m = m.div(m.sum(axis=1).replace(0, np.nan), axis=0)
    return m
