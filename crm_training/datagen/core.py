"""`generate()`: a whole synthetic company, every table consistent, with its ground truth.

The stages (customers, purchases, contacts, loyalty, web) each draw from their own child of one
``numpy.random.SeedSequence(seed)``, so the same arguments give the same data, and changing one
stage's parameters leaves the other stages' draws untouched.
"""
from __future__ import annotations

import sys
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from .. import schema as S
from ..data import CRMData
from . import people
from .presets import INDUSTRIES, PRESETS, Preset
from .purchases import DAYS_PER_YEAR, PiecewiseRate, sorted_uniform_times

STAGES = ("customers", "purchases", "contacts", "loyalty", "web", "experiments")


def _find_malloc_trim():
    try:
        import ctypes
        import ctypes.util

        if sys.platform.startswith("linux"):
            return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        pass
    return None


_MALLOC_TRIM = _find_malloc_trim()


def release_memory() -> None:
    """Give the scratch memory of a finished stage back to the operating system.

    Both allocators keep freed memory for reuse: Arrow's pool, and glibc's heap for arrays
    under 32 MB. The next stage's large arrays are mapped afresh and cannot use it, so without
    this it would sit on top of them at the peak.
    """
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


@dataclass
class Population:
    """Latent state of every customer, shared by the stages (arrays of length n, days from start)."""

    preset: Preset
    locale: str
    start: pd.Timestamp
    days: float  # length of the period in days
    ids: pa.Array
    seg: np.ndarray
    sat: np.ndarray
    lam: PiecewiseRate  # purchases per day
    mu: PiecewiseRate  # dropout hazard per day
    signup: np.ndarray
    death: np.ndarray  # day of dropout (>= days when still active)
    enrol: np.ndarray  # day of loyalty enrolment (inf if never)
    pilot: np.ndarray  # lives in the service-upgrade pilot region
    upgrade_day: float
    online: np.ndarray
    need: np.ndarray  # codes of schema.SERVICE_NEEDS
    preferred: np.ndarray  # codes of schema.CHANNELS
    social: np.ndarray
    emails: pa.Array
    phones: pa.Array
    extra: dict  # spend_mean, margin, lam_year, mu_year per customer

    @property
    def n(self) -> int:
        return len(self.seg)

    @property
    def active_end(self) -> np.ndarray:
        return np.minimum(self.death, self.days)

    @property
    def alive(self) -> np.ndarray:
        return self.death >= self.days

    def customer_ids(self, owner: np.ndarray) -> pd.Series:
        """The customer_id strings of customer positions ``owner`` (their bytes gathered)."""
        return strings(people.take_rows(people.fixed_rows(self.ids), owner))

    @property
    def id_width(self) -> int:
        return len(self.ids[0].as_py()) - 1

    def after_upgrade(self, owner: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self.pilot[owner] & (t >= self.upgrade_day)

    def timestamps(self, t: np.ndarray, overwrite: bool = False) -> np.ndarray:
        """Days from start (float) to datetime64[ns], rounded to the second.

        With ``overwrite`` the float64 array ``t`` is used up: the datetimes are written into its
        buffer (no second array of the same size).
        """
        sec = np.multiply(t, 86400.0, out=t if overwrite and t.dtype == np.float64 else None)
        np.round(sec, out=sec)
        start = np.datetime64(self.start.to_datetime64(), "s")
        if sec.size and not np.isfinite(sec).all():  # NaN -> NaT as numpy's casts make it
            return (start + sec.astype(np.int64).astype("timedelta64[s]")).astype(
                "datetime64[ns]")
        out = sec.view(np.int64)
        step = 1 << 20
        for i in range(0, sec.size, step):  # float -> int in place, a block at a time
            out[i: i + step] = sec[i: i + step].copy()
        out += start.astype(np.int64)
        out *= 1_000_000_000
        return out.view("datetime64[ns]")


MAX_CUSTOMERS = 10_000_000
# every timestamp (birth years a century before, tickets days after) stays inside pandas'
# datetime64[ns] range (1677-2262)
DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2200-12-31"))


def _validate(industry, n_customers, seed, locale, start, end, preset_start, preset_end):
    if industry not in PRESETS:
        raise ValueError(f"unknown industry {industry!r}; choose one of {', '.join(INDUSTRIES)}")
    if isinstance(n_customers, bool) or not isinstance(n_customers, (int, np.integer)):
        raise TypeError(f"n_customers must be a whole number, not {n_customers!r}")
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, not {n_customers}")
    if n_customers > MAX_CUSTOMERS:
        raise ValueError(f"n_customers must be at most {MAX_CUSTOMERS:,} (about 35 GB of "
                         f"memory), not {n_customers:,}; generate larger populations in parts "
                         "with different seeds")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, not {seed!r}")
    if locale not in people.LOCALES:
        raise ValueError(f"unknown locale {locale!r}; choose one of {', '.join(people.LOCALES)}")
    try:
        t0 = pd.Timestamp(start if start is not None else preset_start)
        t1 = pd.Timestamp(end if end is not None else preset_end)
    except (ValueError, TypeError, OverflowError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ValueError(f"start and end must be dates like 2024-01-31: {first}") from None
    for name, value, given in (("start", t0, start), ("end", t1, end)):
        if pd.isna(value):
            raise ValueError(f"{name} must be a date like 2024-01-31, not {given!r}")
        if not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
            raise ValueError(f"{name} must be between {DATE_RANGE[0]:%Y-%m-%d} and "
                             f"{DATE_RANGE[1]:%Y-%m-%d}, not {value:%Y-%m-%d}")
    t0, t1 = t0.normalize(), t1.normalize()
    if t1 <= t0:
        raise ValueError(f"end ({t1:%Y-%m-%d}) must be after start ({t0:%Y-%m-%d})")
    if (t1 - t0).days < 60:
        raise ValueError(f"the period must span at least 60 days, not {(t1 - t0).days}")
    return t0, t1


def generate(industry: str = "retail", n_customers: int = 10_000, seed: int = 0,
             locale: str = "en_US", start=None, end=None, progress: bool | None = None,
             **overrides) -> CRMData:
    """Generate a synthetic company's CRM data, with the ground truth in ``data.truth``.

    Parameters
    ----------
    industry : one of :data:`INDUSTRIES` (retail, bank, telecom, coffee_chain, travel,
        manufacturing), each a preset tied to a case of the course (see ``PRESETS``).
    n_customers : number of customers (each has at least one order, at sign-up).
    seed : random seed; the same arguments and seed give identical tables.
    locale : ``"en_US"`` or ``"zh_CN"``: names, cities, texts and currency (USD or CNY).
    start, end : first and last day of the data (default 2023-01-01 to 2025-12-31).
    progress : show a progress bar (default: only for 200,000 customers or more).
    **overrides : any field of :class:`~crm_training.datagen.presets.Preset`, e.g.
        ``return_rate=0.1`` or ``campaign_uplift=0.15``.

    Examples
    --------
    >>> data = generate("coffee_chain", n_customers=500, seed=42, locale="zh_CN")
    >>> data.meta["currency"], len(data.customers)
    ('CNY', 500)
    >>> bool((data.tickets["first_response_at"] >= data.tickets["created_at"]).all())
    True
    """
    if industry in PRESETS:
        base = PRESETS[industry]
        preset = base.with_overrides(**overrides)
    else:
        preset = None
    t0, t1 = _validate(industry, n_customers, seed, locale, start, end,
                       *(("2023-01-01", "2025-12-31") if preset is None else (preset.start,
                                                                              preset.end)))
    n = int(n_customers)
    if progress is None:
        progress = n >= 200_000
    streams = dict(zip(STAGES, np.random.SeedSequence(int(seed)).spawn(len(STAGES))))
    rngs = {k: np.random.default_rng(v) for k, v in streams.items()}
    bar = tqdm(total=len(STAGES), desc=f"{industry} x {n:,}", disable=not progress, unit="stage")

    from . import contacts, customers, loyalty, orders, web  # noqa: E402 (stage modules)

    def conformed(name, df):  # CRMData's own conform, done as soon as the table is made
        release_memory()  # the stage's scratch goes before conform copies the numeric columns
        return S.conform(df, S.TABLES[name])

    pop, cust_df, truth_c = customers.make_population(rngs["customers"], preset, locale, t0, t1, n,
                                                      seed)
    tables = {"customers": conformed("customers", cust_df)}
    truth_customers = customers.truth_table(pop, truth_c)
    pop.mu = None  # the dropout hazard is in the truth now: not needed by any later stage
    del cust_df, truth_c
    release_memory()
    bar.update()

    # One stage after the other, the one with the largest scratch memory first; each table is
    # conformed to the data model (which copies its numeric columns) as soon as it is made, and
    # every stage's scratch is freed before the next starts: so peak memory is the tables made so
    # far plus one stage's scratch (each stage has its own random stream: the order of the
    # stages does not change the data).
    tx, campaign, tx_rows = orders.make_transactions(rngs["purchases"], pop)
    tx = tables["transactions"] = conformed("transactions", tx)
    pop.lam = None  # the purchase rate is used up (and in the truth)
    release_memory()
    bar.update()
    tables["loyalty_events"] = conformed(
        "loyalty_events", loyalty.make_loyalty_events(rngs["loyalty"], pop, tx, tx_rows))
    release_memory()
    bar.update()
    tables["interactions"] = conformed("interactions",
                                       contacts.make_interactions(rngs["contacts"], pop))
    tickets, ticket_labels = contacts.make_tickets(rngs["contacts"], pop)
    tables["tickets"] = conformed("tickets", tickets)
    del tickets
    surveys, survey_labels, csat_effect = contacts.make_surveys(rngs["contacts"], pop, tx,
                                                                tx_rows["owner"])
    tables["surveys"] = conformed("surveys", surveys)
    del tx, tx_rows, surveys
    release_memory()
    bar.update()
    tables["web_events"] = conformed("web_events", web.make_web_events(rngs["web"], pop))
    release_memory()
    bar.update()
    tables["experiments"] = conformed("experiments",
                                      customers.make_experiments(rngs["experiments"], pop,
                                                                 campaign))
    bar.update()
    bar.close()

    truth = {
        "customers": truth_customers,
        "text_labels": pd.concat([survey_labels, ticket_labels], ignore_index=True),
        "interventions": customers.interventions_table(pop, campaign, csat_effect),
        "params": {"industry": industry, "seed": int(seed), "locale": locale,
                   "n_customers": n, "start": f"{t0:%Y-%m-%d}", "end": f"{t1:%Y-%m-%d}",
                   "preset": asdict(preset), "pilot_region": people.PILOT_REGION[locale],
                   **customers.churn_figures(pop), **web.FUNNEL_TRUTH},
    }
    del pop, truth_customers, survey_labels, ticket_labels
    currency, _ = people.CURRENCY[locale]
    meta = {"industry": industry, "case": preset.case, "seed": int(seed), "locale": locale,
            "currency": currency, "n_customers": n, "start": f"{t0:%Y-%m-%d}",
            "end": f"{t1:%Y-%m-%d}", "source": "synthetic", "generator": "crm_training.generate"}
    release_memory()
    # the tables, each conformed when it was made, into the container
    data = CRMData(customers=None, transactions=None, truth=truth, meta=meta)
    for name in S.TABLES:
        setattr(data, name, tables.pop(name))
    return data


def categorical(codes: np.ndarray, levels) -> pd.Categorical:
    """A pandas Categorical straight from integer codes (no string work)."""
    codes = np.asarray(codes)
    small = np.int8 if len(levels) < 127 else np.int16 if len(levels) < 30000 else np.int32
    if codes.dtype != small:
        codes = codes.astype(small)
    return pd.Categorical.from_codes(codes, categories=list(levels))


def labels(codes: np.ndarray, levels) -> pd.Series:
    """A ``str`` Series of ``levels[codes]``, built in Arrow (no Python objects)."""
    return strings(pa.array(list(levels), pa.large_string()).take(pa.array(np.asarray(codes))))


_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def strings(arr: pa.Array) -> pd.Series:
    """Arrow strings as a pandas ``str`` Series without copying through Python objects.

    pandas keeps its strings as Arrow ``large_string``: arrays made that way are wrapped as they
    are, others are cast once.
    """
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    return pd.Series(arr, dtype=_STR, copy=False)


def blank_strings(m: int) -> pd.Series:
    """A ``str`` Series of ``m`` blanks (all missing), from zeroed buffers the OS gives lazily."""
    arr = pa.LargeStringArray.from_buffers(m, pa.py_buffer(np.zeros(m + 1, np.int64)),
                                           pa.py_buffer(b""),
                                           pa.py_buffer(np.zeros(-(-m // 8), np.uint8)), m)
    return strings(arr)


def frame(columns: dict) -> pd.DataFrame:
    """A DataFrame of freshly made columns, without pandas' defensive copy of each of them."""
    return pd.DataFrame(columns, copy=False)


def _count_at_or_above(u: np.ndarray, edges: np.ndarray, strict: bool = False) -> np.ndarray:
    """Per value of ``u``: how many of the (sorted) ``edges`` lie at or below it (below if
    ``strict``), as small integers; one cheap pass per edge, or one bucket look-up for many."""
    k = len(edges)
    dtype = np.int8 if k < 127 else np.int16 if k < 32000 else np.int64
    if k <= 16 or strict:
        out = np.zeros(u.shape, dtype)
        for e in edges:
            out += (u > e) if strict else (u >= e)
        return out
    # many edges: u is uniform on [0, 1), so a table of 4096 buckets gives the count, plus one
    # comparison with the single edge inside the bucket (exact: u * 4096 is exact in binary)
    L = 4096
    grid = np.arange(L + 1) / L
    lo = np.searchsorted(edges, grid[:-1], side="right")  # edges <= b / L: always counted
    hi = np.searchsorted(edges, grid[1:], side="left")  # edges < (b + 1) / L
    if (hi - lo).max() > 1 or u.size and (u.min() < 0 or u.max() >= 1):
        return np.searchsorted(edges, u, side="right").astype(dtype)
    inside = np.full(L, np.inf)
    one = hi > lo
    inside[one] = edges[lo[one]]
    b = (u * L).astype(np.int16)
    out = lo.astype(dtype)[b]
    out += u >= inside[b]
    return out


def pick(rng, weights, size) -> np.ndarray:
    """Vectorised categorical draws: codes 0..k-1 with the given weights (small integers)."""
    w = np.asarray(weights, dtype=float)
    cum = np.cumsum(w / w.sum())
    u = rng.random(size)
    if not (np.isfinite(cum).all() and (w >= 0).all()):
        return np.searchsorted(cum, u, side="right").clip(max=len(w) - 1)
    # searchsorted(cum, u, side="right") clipped to k - 1 counts the first k - 1 edges <= u
    return _count_at_or_above(u, cum[:-1])


def pick_rows(rng, probs) -> np.ndarray:
    """One categorical draw per row of a (m, k) probability matrix.

    ``probs`` may also be a list of the k columns (arrays of length m, or numbers), which saves
    building the matrix; the arithmetic is the same as on the matrix, value for value.
    """
    if isinstance(probs, np.ndarray):
        cols = [probs[:, j] for j in range(probs.shape[1])]
        m = len(probs)
    else:
        m = max((np.size(c) for c in probs if np.ndim(c)), default=1)
        cols = [np.broadcast_to(np.asarray(c, float), (m,)) for c in probs]
    k = len(cols)
    if k >= 8:  # numpy sums 8 or more columns pairwise: keep its exact arithmetic
        mat = np.stack(cols, axis=1)
        cum = np.cumsum(mat / mat.sum(axis=1, keepdims=True), axis=1)
        return (rng.random((m, 1)) > cum).sum(axis=1).clip(max=k - 1)
    total = cols[0] + cols[1] if k > 1 else cols[0] + 0.0
    for c in cols[2:]:
        total += c  # row sums of fewer than 8 columns are sequential in numpy too
    u = rng.random(m)
    out = np.zeros(m, np.int8)
    cum = None
    for j, c in enumerate(cols):
        q = c / total
        cum = q if cum is None else np.add(cum, q, out=cum)
        if j < k - 1:
            out += u > cum
        else:  # the last cumulative share (about 1) as in ``(u > cum).sum()``, then the clip
            over = u > cum
            out += over
            np.minimum(out, k - 1, out=out)
    return out


def time_order(t: np.ndarray) -> np.ndarray:
    """The permutation that sorts ``t``: identical to ``np.argsort(t)``.

    When the values are finite and all distinct the sorted order is unique, and a sort of packed
    integer keys (quantised time in the high bits, position in the low bits) finds it about three
    times faster than ``argsort``; the rare keys that quantise alike are put in order by their
    exact values. With repeated values (whose order is argsort's own choice) it is ``argsort``.
    """
    t = np.asarray(t)
    m = t.size
    if m < 50_000 or t.dtype != np.float64:
        return np.argsort(t)
    lo, hi = t.min(), t.max()
    bits = int(m - 1).bit_length()
    qbits = 63 - bits
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo or qbits < 24:
        return np.argsort(t)
    scale = float(2 ** qbits) / (hi - lo) * (1 - 2.0 ** -40)
    key = np.empty(m, dtype=np.uint64)
    step = 1 << 20
    pos = np.arange(step, dtype=np.uint64)
    scratch = np.empty(step)
    for i in range(0, m, step):  # in blocks: no full-size scratch arrays
        j = min(i + step, m)
        q = np.subtract(t[i:j], lo, out=scratch[: j - i])
        q *= scale
        k = key[i:j]
        k[:] = q  # quantised time, truncated: monotone in t
        k <<= np.uint64(bits)
        k |= pos[: j - i]
        k += np.uint64(i)  # the position (low bits are free: they were zero)
    del scratch, pos
    key.sort()
    order = (key & np.uint64((1 << bits) - 1)).view(np.int64)
    key >>= np.uint64(bits)
    same = key[1:] == key[:-1]
    del key
    if same.any():
        pos = np.flatnonzero(same)
        run = np.unique(np.r_[pos, pos + 1])
        start = np.r_[True, np.diff(run) > 1]
        group = np.cumsum(start)
        vals = t[order[run]]
        fix = np.lexsort((vals, group))
        vals = vals[fix]
        if ((vals[1:] == vals[:-1]) & (group[1:] == group[:-1])).any():
            return np.argsort(t)  # exact ties: only argsort knows its order
        order[run] = order[run][fix]
    return order


def events_in_windows(rng, rate_per_day: np.ndarray, t0: np.ndarray, t1: np.ndarray):
    """Poisson events at the given rates between t0 and t1: (owner, times), grouped by owner."""
    length = np.clip(t1 - t0, 0, None)
    counts = rng.poisson(rate_per_day * length)
    owner, u = sorted_uniform_times(rng, counts, length)
    u += np.repeat(t0, counts)  # t0[owner] + u, owner being grouped
    return owner, u


def years(days):
    return np.asarray(days) / DAYS_PER_YEAR


__all__ = ["generate", "INDUSTRIES", "PRESETS", "S"]
