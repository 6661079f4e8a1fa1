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
from .core import (Population, categorical, events_in_windows, frame, pick, release_memory,
                   strings)
from .purchases import grouped_cumsum

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
    owner, t = owner[keep].astype(np.int32 if pop.n < 2**31 else np.int64), t[keep]
    del fading, keep
    n_sessions = owner.size
    w = np.array([1 - pre.mobile_share - 0.08, pre.mobile_share, 0.08])
    device = pick(rng, w, n_sessions)
    cont = np.array([CONTINUE[d] for d in S.DEVICES])  # (devices, 5)
    u = rng.random((n_sessions, 5))
    # depth = 1 + number of steps taken before the first one not taken (a running "and")
    going = u[:, 0] < cont[:, 0][device]
    depth = 1 + going.astype(np.int64)
    for j in range(1, 5):
        going &= u[:, j] < cont[:, j][device]
        depth += going
    del u, going
    first = np.cumsum(depth) - depth  # each session's first page view
    n = int(depth.sum())
    step = np.arange(n) - np.repeat(first, depth)
    step = step.astype(np.int8)
    gaps = rng.exponential(45.0, n)
    gaps /= 86400
    gaps[first] = 0
    ts = grouped_cumsum(None, gaps, counts=depth)  # page views are grouped by session
    del gaps
    ts += np.repeat(t, depth)
    del t
    np.minimum(ts, pop.days - 1e-6, out=ts)
    # clicks around the page's hot spots, 10% anywhere
    x = rng.random(n)
    y = rng.random(n)
    for p, page in enumerate(S.FUNNEL_PAGES):
        rows = first[depth > p] + p  # the page views of step p, in order
        spots = np.array(HOTSPOTS[page])
        k = pick(rng, spots[:, 3], rows.size)
        aimed = rng.random(rows.size) < 0.9
        r = rows[aimed]
        x[r] = rng.normal(spots[k[aimed], 0], spots[k[aimed], 2])
        y[r] = rng.normal(spots[k[aimed], 1], spots[k[aimed], 2] * 0.6)
    np.clip(x, 0, 1, out=x)
    np.round(x, 4, out=x)
    np.clip(y, 0, 1, out=y)
    np.round(y, 4, out=y)
    release_memory()  # the scratch above, before the columns of the table take their room
    sess_ids = people.make_ids("W", max(n_sessions, 1), width=max(8, len(str(n_sessions))))
    cols = {"event_id": strings(people.make_ids("E", n, width=max(9, len(str(n)))))}
    cols["session_id"] = strings(people.repeat_rows(people.fixed_rows(sess_ids), depth))
    del sess_ids
    cols["customer_id"] = pop.customer_ids(np.repeat(owner, depth))
    cols["timestamp"] = pop.timestamps(ts, overwrite=True)
    del ts
    cols["device"] = categorical(np.repeat(device, depth), S.DEVICES)
    cols["page"] = categorical(step, S.FUNNEL_PAGES)
    cols["funnel_step"] = step + np.int64(1)
    cols["x"], cols["y"] = x, y
    return frame(cols)
