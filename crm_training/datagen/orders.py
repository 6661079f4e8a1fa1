"""Transactions: first orders, repeat orders, the A/B campaign's extra orders, and returns."""
from __future__ import annotations

import numpy as np

from .. import schema as S
from . import people
from .core import (Population, blank_strings, categorical, frame, labels, pick, pick_rows,
                   strings, time_order)
from .purchases import sorted_uniform_times


def _business_hours(t: np.ndarray) -> np.ndarray:
    """Squeeze the time of day into 07:00-23:00, keeping order within a day (overwrites t)."""
    day = np.floor(t)
    out = np.subtract(t, day, out=t)  # day + (7 + 16 * (t - day)) / 24, in t's buffer
    out *= 16
    out += 7
    out /= 24
    out += day
    return out


def make_transactions(rng, pop: Population):
    """All orders and returns sorted by time, the campaign's assignment and true effect, and
    per-row positions (customer, day of the order a row belongs to) for the later stages."""
    pre = pop.preset
    n = pop.n
    end = pop.active_end
    # Repeat orders: Poisson process in "operational time" (integrated rate), mapped back.
    total = pop.lam.cumulative(pop.signup, end)
    counts = rng.poisson(total)
    owner_r, h = sorted_uniform_times(rng, counts, total)
    t_r = pop.lam.inverse(pop.signup, h, owner=owner_r, counts=counts)
    del h

    # A/B campaign on a random share of customers signed up before it.
    day = pre.campaign_at * pop.days
    window = float(pre.campaign_window)
    eligible = np.flatnonzero(pop.signup < day)
    k = int(round(pre.campaign_share * len(eligible)))
    assigned = np.sort(rng.choice(eligible, size=k, replace=False)) if k else eligible[:0]
    treated = rng.random(len(assigned)) < 0.5
    natural = np.zeros(n, bool)
    in_window = (t_r >= day) & (t_r < day + window)
    natural[owner_r[in_window]] = True
    t_extra = day + rng.uniform(0, window, len(assigned))
    extra = (rng.random(len(assigned)) < pre.campaign_uplift) & (t_extra < pop.death[assigned]) & (
        t_extra < pop.days)
    y0 = natural[assigned]
    y1 = y0 | extra
    campaign = {"day": day, "assigned": assigned, "treated": treated,
                "sate": float((y1.astype(int) - y0).mean()) if len(assigned) else 0.0}
    add = treated & extra
    owner = np.concatenate([np.arange(n), owner_r, assigned[add]]).astype(
        np.int32 if n < 2**31 else np.int64, copy=False)
    t = _business_hours(np.r_[pop.signup, t_r, t_extra[add]])
    del owner_r, t_r, in_window

    # Amount (Gamma-Gamma), cost from the customer's margin, quantity, category, channel.
    m = owner.size
    _, scale = people.CURRENCY[pop.locale]
    spend_p = np.array([s.spend_p for s in pre.segments])[pop.seg]
    nu = spend_p / pop.extra["spend_mean"]
    amount = rng.gamma(spend_p[owner], (1.0 / nu)[owner])
    np.round(amount, 2, out=amount)
    np.maximum(amount, 0.01 * scale, out=amount)
    cost = pop.extra["margin"][owner]  # margin, then cost = amount * (1 - margin), in place
    cost += rng.normal(0, 0.03, m)
    np.clip(cost, -0.2, 0.95, out=cost)
    np.subtract(1, cost, out=cost)
    np.multiply(amount, cost, out=cost)
    np.round(cost, 2, out=cost)
    quantity = rng.poisson(pre.mean_quantity - 1, m)
    quantity += 1
    favourite = pick(rng, pre.category_weights, n)
    category = np.where(rng.random(m) < pre.favourite_category_share, favourite[owner],
                        pick(rng, pre.category_weights, m))
    w = np.asarray(pre.sales_channel_weights, float)
    # the weights cover the syllabus channels, never schema.CLIENT_CHANNELS (client data only)
    digital = np.isin(np.array(S.SALES_CHANNELS[:w.size]), ["website", "app", "social"])
    main_channel = pick_rows(rng, [w[j] * (pop.online if digital[j] else 1 - pop.online)
                                   for j in range(w.size)])
    channel = np.where(rng.random(m) < 0.7, main_channel[owner], pick(rng, w, m))

    # Returns: a share of orders comes back in full a few days later.
    # orders placed once the customer was a member (for the loyalty ledger)
    after_enrol = t >= pop.enrol[owner]
    ret = np.flatnonzero(rng.random(m) < pre.return_rate)
    t_ret = t[ret] + 1 + rng.exponential(6, ret.size)
    ret, t_ret = ret[t_ret < pop.days], t_ret[t_ret < pop.days]
    all_t = np.r_[t, t_ret]
    order = time_order(all_t)
    size = order.size
    all_t = all_t[order]
    is_return = order >= m
    # the order row of every row: itself, or a return's original order
    src = order
    src[is_return] = ret[src[is_return] - m]
    del order
    ids = people.make_ids("T", size, width=max(8, len(str(size))))
    # a return row points at the row of its original order, found by its time (times are
    # distinct: the order came from a sort without ties; else by the inverse permutation)
    orig_at = src[is_return]
    orig = np.searchsorted(all_t, t[orig_at])
    if not (all_t[orig] == t[orig_at]).all() or (all_t[1:] <= all_t[:-1]).any():
        rank = np.empty(size, dtype=np.int64)
        rank[time_order(np.r_[t, t_ret])] = np.arange(size)
        orig = rank[orig_at]
        del rank
    full = np.zeros(size, dtype=np.int64)
    full[is_return] = orig
    original = people.take_rows(people.fixed_rows(ids), full, valid=is_return)
    del full, orig, orig_at, t_ret, ret
    timestamp = pop.timestamps(all_t, overwrite=True)
    del all_t
    # every column gathered in time order, each source dropped once gathered
    owner_s = owner[src]
    del owner, t
    after_enrol = after_enrol[src]
    returns = np.flatnonzero(is_return)
    cols, sources = {}, [("quantity", quantity), ("amount", amount), ("cost", cost)]
    del quantity, amount, cost
    while sources:
        name, values = sources.pop(0)
        signed = values[src]
        del values
        signed[returns] = -signed[returns]  # returns as negative rows (x * -1 is exactly -x)
        cols[name] = signed
    tx = frame({
        "transaction_id": strings(ids),
        "customer_id": pop.customer_ids(owner_s),
        "timestamp": timestamp,
        "channel": categorical(channel[src], S.SALES_CHANNELS),
        "channel_raw": blank_strings(size),
        "category": labels(category[src], pre.categories),
        **cols,
        "is_return": is_return,
        "original_transaction_id": strings(original),
    })
    # per row: the customer's position, whether the order (a return's original order) came on or
    # after the customer's enrolment, and the transaction ids
    return tx, campaign, {"owner": owner_s, "after_enrol": after_enrol, "ids": ids}
