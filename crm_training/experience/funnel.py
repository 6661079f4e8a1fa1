"""Funnels and customer journeys (chapter 3): where visitors drop out, and which paths convert.

- :func:`funnel` counts the sessions that reach each funnel step (a session reaches step ``s``
  when its deepest page is ``s`` or further), step-to-step conversion and drop-off, overall or by
  device (or any other column of the web events).
- :func:`journeys` builds each customer's ordered path of touchpoints (contact channels, and web
  sessions as ``web``) and reports the most common paths with the share that converted: bought
  within ``window_days`` after the last step of the path.

Everything is one sort plus groupby, so it runs on millions of rows.

Examples
--------
>>> web = pd.DataFrame({"session_id": ["a", "a", "a", "b", "c", "c"],
...                     "funnel_step": [1, 2, 3, 1, 1, 2]})
>>> funnel(web)["sessions"].tolist()
[3, 2, 1, 0, 0, 0]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as S
from ..schema import require_columns


def funnel(web_events: pd.DataFrame, by=None, steps=S.FUNNEL_PAGES) -> pd.DataFrame:
    """Sessions reaching each funnel step, with step and overall conversion and drop-off.

    Parameters
    ----------
    web_events : page views with ``session_id`` and ``funnel_step`` (1 = first step).
    by : optional column (or list) to split by, e.g. ``"device"``; taken from the session's
        first page view.
    steps : names of the steps in order (default: the schema's funnel pages).

    Returns
    -------
    Tidy DataFrame, one row per (group,) step: ``step``, ``page``, ``sessions``,
    ``step_conversion`` (share of the previous step's sessions that reached this one),
    ``overall_conversion`` (share of step-1 sessions), ``drop_off`` (sessions lost after the
    previous step) and ``drop_off_rate``.

    Examples
    --------
    >>> web = pd.DataFrame({"session_id": ["a", "a", "a", "b", "c", "c"],
    ...                     "funnel_step": [1, 2, 3, 1, 1, 2]})
    >>> funnel(web, steps=("home", "category", "product"))[["page", "sessions", "step_conversion"]]
           page  sessions  step_conversion
    0      home         3         1.000000
    1  category         2         0.666667
    2   product         1         0.500000
    """
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    require_columns(web_events, ["session_id", "funnel_step"] + by, "web_events")
    if len(web_events) == 0:
        raise ValueError("web_events: no page views")
    step = pd.to_numeric(web_events["funnel_step"], errors="coerce")
    n_steps = len(steps)
    if step.isna().any() or (step < 1).any() or (step > n_steps).any():
        raise ValueError(f"web_events: funnel_step must be whole numbers from 1 to {n_steps}")
    frame = pd.DataFrame({"session_id": web_events["session_id"], "step": step.astype(np.int64)})
    for c in by:
        frame[c] = web_events[c]
    agg = {"step": "max", **{c: "first" for c in by}}
    depth = frame.groupby("session_id", sort=False, observed=True).agg(agg)
    # sessions reaching step s = sessions whose deepest step >= s: reverse cumulative counts
    keys = by + ["step"]
    counts = depth.groupby(keys, observed=True).size()
    full = pd.MultiIndex.from_product(
        [sorted(depth[c].dropna().unique()) for c in by] + [range(1, n_steps + 1)], names=keys) \
        if by else pd.Index(range(1, n_steps + 1), name="step")
    counts = counts.reindex(full, fill_value=0)
    mat = counts.to_numpy().reshape(-1, n_steps)
    reached = np.cumsum(mat[:, ::-1], axis=1)[:, ::-1]
    prev = np.c_[reached[:, :1], reached[:, :-1]]
    out = pd.DataFrame(counts.index.to_frame(index=False)) if by else pd.DataFrame(
        {"step": np.arange(1, n_steps + 1)})
    out["page"] = np.tile(np.asarray(steps, dtype=object), mat.shape[0])
    out["sessions"] = reached.ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["step_conversion"] = (reached / prev).ravel()
        out["overall_conversion"] = (reached / reached[:, :1]).ravel()
        out["drop_off"] = (prev - reached).ravel()
        out["drop_off_rate"] = 1 - out["step_conversion"]
    return out


def journeys(data, max_steps: int = 4, window_days: float = 30, include_web: bool = True,
             top: int | None = 10, min_customers: int = 1) -> pd.DataFrame:
    """Most common customer journeys (ordered touchpoint paths) and their conversion.

    A customer's journey is the sequence of channels of their contacts (interactions) and web
    sessions (``web``) in time order, repeats of the same channel in a row merged, cut after
    ``max_steps`` steps. It converted when the customer bought within ``window_days`` after the
    journey's last step (a purchase-timestamp lookup with ``merge_asof``, not a loop).

    Parameters
    ----------
    data : a :class:`~crm_training.CRMData` (uses interactions, web_events, transactions).
    max_steps : truncate paths after this many steps.
    window_days : conversion window after the last step.
    include_web : count web sessions as ``web`` touchpoints.
    top : keep the ``top`` most common paths (None for all).
    min_customers : drop paths with fewer customers.

    Returns
    -------
    DataFrame with ``path`` ("email > web > store"), ``steps``, ``customers``, ``share``,
    ``converted``, ``conversion``, sorted by customers.

    Examples
    --------
    >>> import crm_training
    >>> j = journeys(crm_training.generate("retail", 300, seed=1), top=3)
    >>> list(j.columns)
    ['path', 'steps', 'customers', 'share', 'converted', 'conversion']
    """
    if max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, not {max_steps}")
    inter = data.interactions
    require_columns(inter, ["customer_id", "timestamp", "channel"], "interactions")
    tx = data.transactions
    require_columns(tx, ["customer_id", "timestamp"], "transactions")
    ids = [inter["customer_id"]]
    times = [inter["timestamp"].to_numpy("datetime64[ns]")]
    touch = [inter["channel"].astype("str")]
    if include_web and len(data.web_events):
        first = data.web_events.drop_duplicates("session_id")
        ids.append(first["customer_id"])
        times.append(first["timestamp"].to_numpy("datetime64[ns]"))
        touch.append(pd.Series("web", index=first.index))
    # integer codes for customers and touchpoints: sorting and grouping on numbers, not strings
    cust_codes, cust_names = pd.factorize(pd.concat(ids + [tx["customer_id"]], ignore_index=True))
    n_ev = sum(len(i) for i in ids)
    cust = cust_codes[:n_ev]
    t = np.concatenate(times).astype("int64")
    tcode, tnames = pd.factorize(pd.concat(touch, ignore_index=True))
    ok = (cust >= 0) & (tcode >= 0) & (t != np.iinfo(np.int64).min)
    cust, t, tcode = cust[ok], t[ok], tcode[ok]
    if cust.size == 0:
        raise ValueError("journeys: no interactions or web sessions to build paths from")
    order = np.lexsort((t, cust))
    cust, t, tcode = cust[order], t[order], tcode[order]
    new_cust = np.r_[True, cust[1:] != cust[:-1]]
    keep = new_cust | np.r_[True, tcode[1:] != tcode[:-1]]  # merge repeats in a row
    cust, t, tcode, new_cust = cust[keep], t[keep], tcode[keep], new_cust[keep]
    start = np.flatnonzero(new_cust)
    rank = np.arange(cust.size) - np.repeat(start, np.diff(np.r_[start, cust.size]))
    keep = rank < max_steps
    cust, t, tcode, rank = cust[keep], t[keep], tcode[keep], rank[keep]
    # a path as one integer: digits in base (touchpoints + 1), 0 = no step
    base = len(tnames) + 1
    first_row = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
    owners = cust[first_row]
    seg = np.repeat(np.arange(first_row.size), np.diff(np.r_[first_row, cust.size]))
    path_id = np.zeros(first_row.size, np.int64)
    np.add.at(path_id, seg, (tcode + 1) * base ** (max_steps - 1 - rank))
    steps = np.bincount(seg, minlength=first_row.size)
    last_t = t[np.r_[first_row[1:], cust.size] - 1]
    # converted: a purchase within window_days after the journey's last step
    if "is_return" in tx.columns:
        buy = ~tx["is_return"].fillna(False).astype(bool).to_numpy()
    else:
        buy = np.ones(len(tx), bool)
    b_cust = cust_codes[n_ev:][buy]
    b_t = tx["timestamp"].to_numpy("datetime64[ns]").astype("int64")[buy]
    # one sorted key per purchase: customer * span + seconds since the earliest time seen
    t0 = min(t.min(), b_t.min()) if b_t.size else t.min()
    span = np.int64(2) ** 62 // max(len(cust_names), 1)
    b_key = np.sort(b_cust.astype(np.int64) * span + (b_t - t0) // 10**9)
    lo = owners.astype(np.int64) * span + (last_t - t0) // 10**9
    window = np.int64(window_days * 86_400)
    # first purchase strictly after the last step, then within the window
    i = np.searchsorted(b_key, lo, side="right")
    nxt = b_key[np.minimum(i, max(b_key.size - 1, 0))] if b_key.size else np.zeros_like(lo)
    converted = (i < b_key.size) & (nxt - lo <= window) & (nxt // span == owners) if b_key.size \
        else np.zeros(lo.size, bool)
    table = pd.DataFrame({"path_id": path_id, "steps": steps, "converted": converted})
    out = table.groupby(["path_id", "steps"]).agg(customers=("converted", "size"),
                                                  converted=("converted", "sum")).reset_index()
    digits = (out["path_id"].to_numpy()[:, None] // base ** np.arange(max_steps - 1, -1, -1)) % base
    labels = np.asarray(tnames, dtype=object)
    out["path"] = [" > ".join(labels[d - 1] for d in row if d) for row in digits]  # per path
    out["share"] = out["customers"] / out["customers"].sum()
    out["conversion"] = out["converted"] / out["customers"]
    out = out[out["customers"] >= min_customers].sort_values(
        ["customers", "path"], ascending=[False, True], ignore_index=True)
    if top is not None:
        out = out.head(top)
    return out[["path", "steps", "customers", "share", "converted", "conversion"]]
