"""Does the loyalty programme make members buy more? (chapter 4: "validate with data").

Members are self-selected: heavy buyers enrol more often, so simply comparing members with
non-members (:func:`naive_member_uplift`) credits the programme with a difference that existed
before anyone enrolled. :func:`enrolment_uplift` compares like with like (a staggered
difference-in-differences with matching):

1. every member's purchases in a window of ``window_days`` before and after their enrolment;
2. controls: by default ``n_controls`` random *members who enrol only after that member's
   post-window* ("not yet enrolled"), given the member's enrolment date as a pseudo date. They
   went through the same self-selection and are, like the member, active up to that date (they
   enrol later). ``controls="non_members"`` draws non-members instead: they differ in who they
   are and may have lapsed already, and the estimate stays biased upwards - a teaching point;
3. matching on pre-enrolment behaviour: members and controls go into strata of their pre-window
   purchase count (coarsened exact matching); a member's counterfactual post-window purchases
   are the controls' mean in the same stratum, so the pre-period levels are equal by
   construction;
4. effect = members' post-window purchases / their counterfactual - 1, with a seeded Poisson
   bootstrap interval (resampling members and controls).

The effect sought is on the purchase rate *while a customer is active*. Members who lapse
after enrolling would dilute the post-window (the controls, who enrol later, are active by
construction) and pull the estimate down; so by default (``still_buying=True``) both members and
controls must buy again after the post-window, and the window is short (60 days).
``active_days`` optionally keeps only customers who bought in the last ``active_days`` before
the (pseudo) date.

Everything is sorted arrays and ``searchsorted``: no loop over customers.

Examples
--------
>>> import crm_training
>>> data = crm_training.generate("coffee_chain", 2000, seed=1)
>>> res = enrolment_uplift(data, n_boot=50)
>>> sorted(res)[:3]
['ci_high', 'ci_low', 'controls']
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _lookup(ids, values) -> np.ndarray:
    """Position of each of ``values`` in the unique ``ids`` (-1 if absent), by one hash pass
    (``factorize`` over both), which is much faster than an Index lookup of millions of strings."""
    if not isinstance(ids, pd.Series):
        ids = pd.Series(np.asarray(ids, dtype=object))
    values = pd.Series(values, copy=False)
    codes, _ = pd.factorize(pd.concat([ids.astype("str"), values.astype("str")], ignore_index=True))
    out = codes[len(ids):].copy()
    out[out >= len(ids)] = -1
    return out


def _purchase_index(data):
    """Purchase times (days since the first purchase) sorted by customer code, with the codes."""
    cust = data.customers
    ids = cust["customer_id"].astype("str").to_numpy()
    code_of = pd.Index(ids)
    tx = data.transactions
    if len(tx) == 0:
        raise ValueError("transactions: no purchases")
    if "is_return" in tx.columns:
        tx = tx[~tx["is_return"].fillna(False).astype(bool).to_numpy()]
    origin = tx["timestamp"].min()
    code = _lookup(cust["customer_id"], tx["customer_id"])
    if (code < 0).any():
        raise ValueError("transactions: customer_id values not in customers")
    t = ((tx["timestamp"] - origin) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    end = float(t.max())
    span = end + 10.0  # key = code * span + t keeps customers apart in one sorted array
    key = np.sort(code * span + t)
    return code_of, origin, span, end, key


def _count(key, span, code, a, b):
    """Purchases of customers ``code`` with time in [a, b) (vectorised over all arguments)."""
    base = code * span
    return (np.searchsorted(key, base + b, side="left")
            - np.searchsorted(key, base + a, side="left"))


def _last_before(key, span, code, t):
    """Days since the customer's last purchase strictly before t (inf if none)."""
    base = code * span
    i = np.searchsorted(key, base + t, side="left") - 1
    ok = (i >= 0) & (key[np.maximum(i, 0)] >= base)
    return np.where(ok, t - (key[np.maximum(i, 0)] - base), np.inf)


def enrolment_dates(data) -> pd.Series:
    """Each member's enrolment time from the ledger (first ``enrol`` event), by customer_id.

    Examples
    --------
    >>> import crm_training
    >>> d = crm_training.generate("retail", 300, seed=1)
    >>> enrolment_dates(d).index.is_unique
    True
    """
    ev = data.loyalty_events
    for c in ("customer_id", "event_type", "timestamp"):
        if c not in ev.columns:
            raise ValueError(f"loyalty_events: missing column {c!r}")
    enrol = ev[(ev["event_type"] == "enrol").to_numpy()]
    if len(enrol) == 0:
        raise ValueError("loyalty_events: no 'enrol' events, so no members to evaluate")
    return enrol.groupby(enrol["customer_id"].astype("str"))["timestamp"].min()


def naive_member_uplift(data, since=None) -> dict:
    """Members' purchase rate against non-members' over the same period: biased by self-selection.

    Rates are purchases per customer-day from ``since`` (default: the first enrolment) or the
    customer's sign-up, whichever is later, to the end of the data.

    Returns
    -------
    dict with ``member_rate``, ``non_member_rate`` (per year) and ``effect`` (relative difference).

    Examples
    --------
    >>> import crm_training
    >>> res = naive_member_uplift(crm_training.generate("coffee_chain", 1500, seed=1))
    >>> res["effect"] > 0
    True
    """
    code_of, origin, span, end, key = _purchase_index(data)
    enrol = enrolment_dates(data)
    since = enrol.min() if since is None else pd.Timestamp(since)
    s = (since - origin) / pd.Timedelta(days=1)
    signup = ((data.customers["signup_date"] - origin) / pd.Timedelta(days=1)).to_numpy(float)
    a = np.maximum(signup, s)
    code = np.arange(len(code_of))
    ok = a < end
    counts = _count(key, span, code[ok], a[ok], np.full(ok.sum(), end + 1))
    # a customer's first purchase is their sign-up, not a repeat: drop it when it falls inside
    counts = counts - (signup[ok] >= s)
    is_member = np.zeros(len(code_of), bool)
    m = _lookup(code_of, enrol.index)
    is_member[m[m >= 0]] = True
    member = is_member[ok]
    exposure = end - a[ok]
    m = counts[member].sum() / exposure[member].sum() * 365.25
    n = counts[~member].sum() / exposure[~member].sum() * 365.25
    return {"member_rate": float(m), "non_member_rate": float(n), "effect": float(m / n - 1),
            "members": int(member.sum()), "non_members": int((~member).sum())}


def enrolment_uplift(data, window_days: float = 60, n_controls: int = 5, n_strata: int = 30,
                     controls: str = "not_yet_enrolled", active_days: float | None = None,
                     still_buying: bool = True,
                     n_boot: int = 200,
                     confidence: float = 0.95, seed: int = 0) -> dict:
    """Relative change of members' purchase rate caused by enrolling, against matched non-members.

    Parameters
    ----------
    data : a :class:`~crm_training.CRMData` with customers, transactions and loyalty_events.
    window_days : length of the pre- and post-enrolment windows.
    n_controls : non-members drawn per member.
    n_strata : at most this many strata of pre-window purchase counts.
    controls : "not_yet_enrolled" (members enrolling after the post-window; default) or
        "non_members" (biased: shown for teaching).
    active_days : if given, keep only members and controls with a purchase in the last
        ``active_days`` before the (pseudo) enrolment date.
    still_buying : keep only members and controls who buy again after the post-window (active
        throughout it).
    n_boot, confidence, seed : Poisson bootstrap interval.

    Returns
    -------
    dict with ``effect`` (relative, e.g. 0.25 = +25%), ``ci_low``, ``ci_high``, ``members`` and
    ``controls`` used, ``member_pre``, ``member_post`` and ``counterfactual_post`` (mean
    purchases per member in the windows) and ``naive_effect`` (members vs all controls without
    matching, post window only).
    """
    if window_days <= 0 or n_controls < 1 or n_strata < 1:
        raise ValueError("window_days, n_controls and n_strata must be positive")
    code_of, origin, span, end, key = _purchase_index(data)
    enrol = enrolment_dates(data)
    W = float(window_days)
    e = ((enrol - origin) / pd.Timedelta(days=1)).to_numpy(float)
    m_code = _lookup(code_of, enrol.index)
    m_code_all = m_code.copy()
    signup = ((data.customers["signup_date"] - origin) / pd.Timedelta(days=1)).to_numpy(float)
    ok = (m_code >= 0) & (signup[np.maximum(m_code, 0)] < e - W) & (e + W <= end)
    m_code, e = m_code[ok], e[ok]
    if m_code.size == 0:
        raise ValueError(f"no member has {window_days:g} days of history before and after "
                         "enrolling")
    rng = np.random.default_rng(seed)
    c_of = np.repeat(np.arange(m_code.size), n_controls)
    if controls == "not_yet_enrolled":
        # members who enrol only after the post-window: same self-selection, still untreated,
        # and active throughout the windows (they enrol later)
        all_code = m_code_all
        all_e = ((enrol - origin) / pd.Timedelta(days=1)).to_numpy(float)[all_code >= 0]
        pool = all_code[all_code >= 0]
        order = np.argsort(all_e, kind="stable")
        pool, pool_e = pool[order], all_e[order]
        first = np.searchsorted(pool_e, e + W, side="right")
        n_elig = pool.size - first
        draw = first[c_of] + (rng.random(c_of.size) * n_elig[c_of]).astype(np.int64)
        has = n_elig[c_of] > 0
        c_code = pool[np.minimum(draw, pool.size - 1)]
        has &= signup[c_code] < e[c_of] - W
    elif controls == "non_members":
        is_member = np.zeros(len(code_of), bool)
        idx = m_code_all
        is_member[idx[idx >= 0]] = True
        nm = np.flatnonzero(~is_member)
        nm = nm[np.argsort(signup[nm], kind="stable")]
        n_elig = np.searchsorted(signup[nm], e - W, side="left")
        draw = (rng.random(c_of.size) * n_elig[c_of]).astype(np.int64)
        has = n_elig[c_of] > 0
        c_code = nm[np.minimum(draw, max(nm.size - 1, 0))] if nm.size else np.zeros_like(c_of)
    else:
        raise ValueError(f"controls must be 'not_yet_enrolled' or 'non_members', not {controls!r}")
    c_of, c_code = c_of[has], c_code[has]
    if c_of.size == 0:
        raise ValueError(f"no {controls.replace('_', ' ')} controls with {window_days:g} days of "
                         "history around the members' enrolment dates")
    c_e = e[c_of]
    m_pre = _count(key, span, m_code, e - W, e)
    m_post = _count(key, span, m_code, e, e + W)
    c_pre = _count(key, span, c_code, c_e - W, c_e)
    c_post = _count(key, span, c_code, c_e, c_e + W)
    if active_days is not None:
        keep_m = _last_before(key, span, m_code, e) <= active_days
        keep_c = (_last_before(key, span, c_code, c_e) <= active_days)
        m_code, e, m_pre, m_post = m_code[keep_m], e[keep_m], m_pre[keep_m], m_post[keep_m]
        c_pre, c_post, c_code, c_e = c_pre[keep_c], c_post[keep_c], c_code[keep_c], c_e[keep_c]
    if still_buying:
        keep_m = _count(key, span, m_code, e + W, np.full(m_code.size, end + 1)) > 0
        keep_c = _count(key, span, c_code, c_e + W, np.full(c_code.size, end + 1)) > 0
        m_code, e, m_pre, m_post = m_code[keep_m], e[keep_m], m_pre[keep_m], m_post[keep_m]
        c_pre, c_post, c_code, c_e = c_pre[keep_c], c_post[keep_c], c_code[keep_c], c_e[keep_c]
    # strata of pre-window counts: exact for small counts, quantile bins for the long tail
    qs = np.unique(np.quantile(m_pre, np.linspace(0, 1, n_strata + 1)[1:-1]))
    edges = np.unique(np.r_[np.arange(0, min(n_strata // 2, int(m_pre.max()) + 1)), qs])
    m_s = np.searchsorted(edges, m_pre, side="right")
    c_s = np.searchsorted(edges, c_pre, side="right")
    n_s = edges.size + 1
    naive = m_post.mean() / max(c_post.mean(), 1e-12) - 1

    def estimate(wm, wc):
        cs_n = np.bincount(c_s, wc, n_s)
        cs_post = np.bincount(c_s, wc * c_post, n_s)
        cf_per = np.divide(cs_post, cs_n, out=np.full(n_s, np.nan), where=cs_n > 0)
        usable = cs_n[m_s] > 0
        w = wm * usable
        cf = (w * np.nan_to_num(cf_per[m_s])).sum()
        return (w * m_post).sum() / cf - 1 if cf > 0 else np.nan, w, cf

    effect, w_used, cf = estimate(np.ones(m_s.size), np.ones(c_s.size))
    boot = np.array([estimate(rng.poisson(1.0, m_s.size).astype(float),
                              rng.poisson(1.0, c_s.size).astype(float))[0] for _ in range(n_boot)])
    boot = boot[np.isfinite(boot)]
    lo, hi = (np.quantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2]) if boot.size
              else (np.nan, np.nan))
    used = w_used > 0
    return {"effect": float(effect), "ci_low": float(lo), "ci_high": float(hi),
            "members": int(used.sum()), "controls": int(c_s.size),
            "member_pre": float(m_pre[used].mean()), "member_post": float(m_post[used].mean()),
            "counterfactual_post": float(cf / used.sum()), "naive_effect": float(naive),
            "window_days": W}
