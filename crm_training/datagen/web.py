"""Web sessions through the purchase funnel, with click coordinates for heat maps.

Each session starts on the home page and moves one funnel step further with a known probability
(lower at checkout on mobile: paying on a phone is harder); every page view records one click,
drawn around the page's hot spots (menu, search, banner, buttons). Customers about to leave visit
less often in their last four months.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as S
from . import people
from .core import Population, categorical, events_in_windows, pick, strings
from .purchases import grouped_cumsum, within_group_rank

# Probability of moving on from each page to the next (home->category ... checkout->confirmation).
CONTINUE = {"desktop": (0.75, 0.7, 0.35, 0.65, 0.8), "mobile": (0.72, 0.68, 0.3, 0.55, 0.6),
            "tablet": (0.74, 0.7, 0.33, 0.6, 0.72)}
FUNNEL_TRUTH = {"funnel_continue_probability": CONTINUE}

# Hot spots per page: (x, y, spread, weight), coordinates as shares of the page.
HOTSPOTS = {
    "home": [(0.5, 0.05, 0.15, 3), (0.3, 0.09, 0.05, 2), (0.5, 0.35, 0.12, 3), (0.2, 0.7, 0.08, 1)],
    "category": [(0.15, 0.4, 0.06, 2), (0.55, 0.35, 0.15, 4), (0.55, 0.7, 0.15, 2)],
    "product": [(0.3, 0.35, 0.1, 2), (0.78, 0.42, 0.04, 4), (0.75, 0.7, 0.1, 1)],
    "cart": [(0.8, 0.75, 0.04, 4), (0.4, 0.4, 0.15, 2)],
    "checkout": [(0.5, 0.3, 0.1, 2), (0.5, 0.55, 0.1, 2), (0.8, 0.88, 0.04, 4)],
    "confirmation": [(0.5, 0.3, 0.12, 2), (0.5, 0.8, 0.1, 1)],
}


def make_web_events(rng, pop: Population) -> pd.DataFrame:
    pre = pop.preset
    rate = pre.web_rate / 365.25 * pop.online
    owner, t = events_in_windows(rng, rate, pop.signup, pop.active_end)
    # falling engagement before dropout: 60% of the last 120 days' visits never happen
    fading = ~pop.alive[owner] & (t > pop.death[owner] - 120)
    keep = ~fading | (rng.random(owner.size) < 0.4)
    owner, t = owner[keep], t[keep]
    n_sessions = owner.size
    w = np.array([1 - pre.mobile_share - 0.08, pre.mobile_share, 0.08])
    device = pick(rng, w, n_sessions)
    cont = np.array([CONTINUE[d] for d in S.DEVICES])[device]  # (sessions, 5)
    moves = np.cumprod(rng.random((n_sessions, 5)) < cont, axis=1)
    depth = 1 + moves.sum(axis=1)
    session = np.repeat(np.arange(n_sessions), depth)
    step = within_group_rank(session)
    gaps = rng.exponential(45.0, session.size) / 86400
    gaps[step == 0] = 0
    ts = t[session] + grouped_cumsum(session, gaps)
    ts = np.minimum(ts, pop.days - 1e-6)
    # clicks around the page's hot spots, 10% anywhere
    x = rng.random(session.size)
    y = rng.random(session.size)
    for p, page in enumerate(S.FUNNEL_PAGES):
        rows = np.flatnonzero(step == p)
        spots = np.array(HOTSPOTS[page])
        k = pick(rng, spots[:, 3], rows.size)
        aimed = rng.random(rows.size) < 0.9
        r = rows[aimed]
        x[r] = rng.normal(spots[k[aimed], 0], spots[k[aimed], 2])
        y[r] = rng.normal(spots[k[aimed], 1], spots[k[aimed], 2] * 0.6)
    n = session.size
    sess_ids = people.make_ids("W", max(n_sessions, 1), width=max(8, len(str(n_sessions))))
    return pd.DataFrame({
        "event_id": strings(people.make_ids("E", n, width=max(9, len(str(n))))),
        "session_id": strings(sess_ids.take(session)),
        "customer_id": pop.customer_ids(owner[session]),
        "timestamp": pop.timestamps(ts),
        "device": categorical(device[session], S.DEVICES),
        "page": categorical(step, S.FUNNEL_PAGES),
        "funnel_step": (step + 1).astype(np.int64),
        "x": np.clip(x, 0, 1).round(4),
        "y": np.clip(y, 0, 1).round(4),
    })
