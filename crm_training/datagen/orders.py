"""Transactions: first orders, repeat orders, the A/B campaign's extra orders, and returns."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema as S
from . import people
from .core import Population, categorical, labels, pick, pick_rows, strings
from .purchases import sorted_uniform_times


def _business_hours(t: np.ndarray) -> np.ndarray:
    """Squeeze the time of day into 07:00-23:00, keeping order within a day."""
    day = np.floor(t)
    return day + (7 + 16 * (t - day)) / 24


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
    t_r = pop.lam.inverse(pop.signup, h, owner=owner_r)

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
    owner = np.r_[np.arange(n), owner_r, assigned[add]]
    t = np.r_[pop.signup, t_r, t_extra[add]]
    t = _business_hours(t)

    # Amount (Gamma-Gamma), cost from the customer's margin, quantity, category, channel.
    m = owner.size
    _, scale = people.CURRENCY[pop.locale]
    spend_p = np.array([s.spend_p for s in pre.segments])[pop.seg]
    nu = spend_p / pop.extra["spend_mean"]
    amount = np.round(rng.gamma(spend_p[owner], 1.0 / nu[owner]), 2).clip(0.01 * scale)
    margin = np.clip(pop.extra["margin"][owner] + rng.normal(0, 0.03, m), -0.2, 0.95)
    cost = np.round(amount * (1 - margin), 2)
    quantity = 1 + rng.poisson(pre.mean_quantity - 1, m)
    favourite = pick(rng, pre.category_weights, n)
    category = np.where(rng.random(m) < pre.favourite_category_share, favourite[owner],
                        pick(rng, pre.category_weights, m))
    w = np.asarray(pre.sales_channel_weights, float)
    # the weights cover the syllabus channels, never schema.CLIENT_CHANNELS (client data only)
    digital = np.isin(np.array(S.SALES_CHANNELS[:w.size]), ["website", "app", "social"])
    main_w = w * np.where(digital, pop.online[:, None], 1 - pop.online[:, None])
    main_channel = pick_rows(rng, main_w)
    channel = np.where(rng.random(m) < 0.7, main_channel[owner], pick(rng, w, m))

    # Returns: a share of orders comes back in full a few days later.
    ret = np.flatnonzero(rng.random(m) < pre.return_rate)
    t_ret = t[ret] + 1 + rng.exponential(6, ret.size)
    ret, t_ret = ret[t_ret < pop.days], t_ret[t_ret < pop.days]
    src = np.r_[np.arange(m), ret]
    sign = np.r_[np.ones(m), -np.ones(ret.size)]
    all_t = np.r_[t, t_ret]
    order = np.argsort(all_t)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    src, sign, all_t = src[order], sign[order], all_t[order]
    is_return = sign < 0
    ids = people.make_ids("T", order.size, width=max(8, len(str(order.size))))
    # a return row points at the row of its original order
    orig = np.full(order.size, -1, dtype=np.int64)
    orig[is_return] = rank[src[is_return]]
    original = ids.take(pa.array(orig, mask=orig < 0))
    tx = pd.DataFrame({
        "transaction_id": strings(ids),
        "customer_id": pop.customer_ids(owner[src]),
        "timestamp": pop.timestamps(all_t),
        "channel": categorical(channel[src], S.SALES_CHANNELS),
        "category": labels(category[src], pre.categories),
        "quantity": (quantity[src] * sign).astype(np.int64),
        "amount": amount[src] * sign,
        "cost": cost[src] * sign,
        "is_return": is_return,
        "original_transaction_id": strings(original),
    })
    # per row: the customer's position and the time of the order (a return's original order)
    return tx, campaign, {"owner": owner[src], "order_day": t[src]}
