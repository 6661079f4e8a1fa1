"""The loyalty programme's ledger: enrolments, points earned and redeemed, expiry, tiers, referrals.

Rules (stated so that points liability and breakage have a right answer):
- members earn ``points_per_currency`` points per unit spent (returns take them back);
- members with social reach refer friends and earn ``referral_bonus`` points each time;
- on a share ``redeem_rate`` of their orders, members redeem ``redeem_share`` of the points
  earned since their previous redemption; the rest of those points expire 365 days later;
- tiers (bronze, silver, gold, platinum) follow lifetime points earned; tiers never fall.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema as S
from . import people
from .core import Population, categorical, events_in_windows, frame, strings, time_order
from .purchases import grouped_cumsum

_KIND = {k: i for i, k in enumerate(S.LOYALTY_EVENT_TYPES)}


def make_loyalty_events(rng, pop: Population, tx: pd.DataFrame, rows: dict) -> pd.DataFrame:
    pre = pop.preset
    members = np.isfinite(pop.enrol)
    cust = rows["owner"]
    # orders placed after enrolment earn points; their returns take them back
    start64 = np.datetime64(pop.start.to_datetime64(), "ns")
    earn = np.flatnonzero(members[cust] & rows["after_enrol"])
    e_owner = cust[earn]
    e_t = (tx["timestamp"].to_numpy()[earn] - start64) / np.timedelta64(1, "D")
    e_pts = np.trunc(tx["amount"].to_numpy()[earn] * pre.points_per_currency).astype(np.int64)
    e_tid = earn
    # referrals by members with social reach
    mem = np.flatnonzero(members)
    r_owner, r_t = events_in_windows(rng, pop.social[mem] * 1.2 / 365.25, pop.enrol[mem],
                                     pop.active_end[mem])
    r_owner = mem[r_owner]
    # ledger so far, ordered by customer then time: enrol, earn, referral
    owner = np.r_[mem, e_owner, r_owner]
    t = np.r_[pop.enrol[mem], e_t, r_t]
    kind = np.r_[np.full(mem.size, _KIND["enrol"], np.int8),
                 np.full(e_owner.size, _KIND["earn"], np.int8),
                 np.full(r_owner.size, _KIND["referral"], np.int8)]
    pts = np.r_[np.zeros(mem.size, np.int64), e_pts, np.full(r_owner.size, pre.referral_bonus)]
    tid = np.r_[np.full(mem.size, -1), e_tid, np.full(r_owner.size, -1)]
    del e_owner, e_t, e_pts, e_tid, earn, r_owner, r_t
    order = time_order(owner * (pop.days + 400) + t)  # by customer, then time
    owner, t, kind, pts, tid = owner[order], t[order], kind[order], pts[order], tid[order]
    del order

    net = grouped_cumsum(owner, pts)
    lifetime = grouped_cumsum(owner, np.clip(pts, 0, None))
    tier = np.searchsorted(np.asarray(pre.tier_thresholds), lifetime, side="right")
    first = np.r_[True, owner[1:] != owner[:-1]] if owner.size else np.zeros(0, bool)
    prev_tier = np.r_[0, tier[:-1]]
    prev_tier[first] = 0
    up = (tier > prev_tier) & ~first

    # redemptions at a share of earning orders; the unredeemed rest of each window expires
    is_earn = (kind == _KIND["earn"]) & (pts > 0)
    red = np.flatnonzero(is_earn & (rng.random(owner.size) < pre.redeem_rate))
    red_owner = owner[red]
    prev_net = np.r_[0, net[red][:-1]]
    prev_net[np.r_[True, red_owner[1:] != red_owner[:-1]] if red.size else np.zeros(0, bool)] = 0
    window = np.clip(net[red] - prev_net, 0, None)
    redeemed = np.floor(pre.redeem_share * window).astype(np.int64)
    expired = window - redeemed
    t_red = t[red] + 1 / 86400
    t_exp = t[red] + 365
    ok_exp = (t_exp < pop.days) & (expired > 0)
    ok_red = redeemed > 0

    # tier at the time of expiry: last ledger row of that customer before it
    key = owner * (pop.days + 400) + t
    exp_rows = np.searchsorted(key, red_owner * (pop.days + 400) + t_exp, side="right") - 1

    rows_owner = np.r_[owner, owner[up], red_owner[ok_red], red_owner[ok_exp]]
    rows_t = np.r_[t, t[up] + 0.5 / 86400, t_red[ok_red], t_exp[ok_exp]]
    rows_kind = np.r_[kind, np.full(up.sum(), _KIND["tier_change"]),
                      np.full(ok_red.sum(), _KIND["redeem"]), np.full(ok_exp.sum(), _KIND["expire"])]
    rows_pts = np.r_[pts, np.zeros(up.sum(), np.int64), -redeemed[ok_red], -expired[ok_exp]]
    rows_tier = np.r_[tier, tier[up], tier[red][ok_red], tier[exp_rows[ok_exp]]]
    rows_tid = np.r_[tid, np.full(up.sum(), -1), np.full(ok_red.sum(), -1), np.full(ok_exp.sum(), -1)]
    del owner, t, kind, pts, tid, tier, net, lifetime, key, up, red, red_owner, exp_rows
    # by time; orders at the same second tie, and argsort's own order of ties is kept
    order = np.argsort(rows_t)
    n = order.size
    tx_ids = rows.get("ids")
    if tx_ids is None:
        tx_ids = pa.array(tx["transaction_id"])
        tx_ids = tx_ids.combine_chunks() if isinstance(tx_ids, pa.ChunkedArray) else tx_ids
    cols = {"event_id": strings(people.make_ids("L", n, width=max(8, len(str(n)))))}
    # each column in time order, its source dropped as soon as it is gathered
    cols["customer_id"] = pop.customer_ids(rows_owner[order])
    del rows_owner
    cols["timestamp"] = pop.timestamps(rows_t[order], overwrite=True)
    del rows_t
    cols["event_type"] = categorical(rows_kind[order], S.LOYALTY_EVENT_TYPES)
    cols["points"] = rows_pts[order]
    del rows_kind, rows_pts
    cols["tier"] = categorical(rows_tier[order], S.LOYALTY_TIERS)
    link = rows_tid[order]
    del rows_tier, rows_tid, order
    linked = link >= 0
    cols["transaction_id"] = strings(people.take_rows(people.fixed_rows(tx_ids), link, linked)
                                     if len(tx_ids) else tx_ids.take(pa.array(
                                         np.maximum(link, 0), mask=~linked)))
    return frame(cols)
