"""`generate()`: a whole synthetic company, every table consistent, with its ground truth.

The stages (customers, purchases, contacts, loyalty, web) each draw from their own child of one
``numpy.random.SeedSequence(seed)``, so the same arguments give the same data, and changing one
stage's parameters leaves the other stages' draws untouched.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
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
        """The customer_id strings of customer positions ``owner`` (built, not looked up)."""
        return strings(people.format_ids("C", np.asarray(owner) + 1, self.id_width))

    @property
    def id_width(self) -> int:
        return len(self.ids[0].as_py()) - 1

    def after_upgrade(self, owner: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self.pilot[owner] & (t >= self.upgrade_day)

    def timestamps(self, t: np.ndarray) -> np.ndarray:
        """Days from start (float) to datetime64[ns], rounded to the second."""
        sec = np.round(t * 86400.0).astype(np.int64)
        return (np.datetime64(self.start.to_datetime64(), "s") + sec.astype("timedelta64[s]")).astype(
            "datetime64[ns]")


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

    pop, cust_df, truth_c = customers.make_population(rngs["customers"], preset, locale, t0, t1, n,
                                                      seed)
    bar.update()

    def done(future):
        bar.update()

    # Stages that need only the population run beside the order stage on the second core (numpy
    # and Arrow release the GIL); each stage has its own random stream, so results do not depend
    # on the interleaving.
    with ThreadPoolExecutor(max_workers=1) as pool:
        web_job = pool.submit(web.make_web_events, rngs["web"], pop)
        web_job.add_done_callback(done)
        tx, campaign, tx_rows = orders.make_transactions(rngs["purchases"], pop)
        bar.update()
        loyalty_job = pool.submit(loyalty.make_loyalty_events, rngs["loyalty"], pop, tx, tx_rows)
        loyalty_job.add_done_callback(done)
        interactions = contacts.make_interactions(rngs["contacts"], pop)
        tickets, ticket_labels = contacts.make_tickets(rngs["contacts"], pop)
        surveys, survey_labels, csat_effect = contacts.make_surveys(rngs["contacts"], pop, tx,
                                                                    tx_rows["owner"])
        bar.update()
        experiments = customers.make_experiments(rngs["experiments"], pop, campaign)
        bar.update()
        web_events, loyalty_events = web_job.result(), loyalty_job.result()
    bar.close()

    truth = {
        "customers": customers.truth_table(pop, truth_c),
        "text_labels": pd.concat([survey_labels, ticket_labels], ignore_index=True),
        "interventions": customers.interventions_table(pop, campaign, csat_effect),
        "params": {"industry": industry, "seed": int(seed), "locale": locale,
                   "n_customers": n, "start": f"{t0:%Y-%m-%d}", "end": f"{t1:%Y-%m-%d}",
                   "preset": asdict(preset), "pilot_region": people.PILOT_REGION[locale],
                   **customers.churn_figures(pop), **web.FUNNEL_TRUTH},
    }
    currency, _ = people.CURRENCY[locale]
    meta = {"industry": industry, "case": preset.case, "seed": int(seed), "locale": locale,
            "currency": currency, "n_customers": n, "start": f"{t0:%Y-%m-%d}",
            "end": f"{t1:%Y-%m-%d}", "source": "synthetic", "generator": "crm_training.generate"}
    return CRMData(customers=cust_df, transactions=tx, interactions=interactions, tickets=tickets,
                   surveys=surveys, loyalty_events=loyalty_events, web_events=web_events,
                   experiments=experiments, truth=truth, meta=meta)


def categorical(codes: np.ndarray, levels) -> pd.Categorical:
    """A pandas Categorical straight from integer codes (no string work)."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int16 if len(levels) < 30000
                                                else np.int32), categories=list(levels))


def labels(codes: np.ndarray, levels) -> pd.Series:
    """A ``str`` Series of ``levels[codes]``, built in Arrow (no Python objects)."""
    return strings(pa.array(list(levels), pa.string()).take(pa.array(np.asarray(codes))))


def strings(arr: pa.Array) -> pd.Series:
    """Arrow strings as a pandas ``str`` Series without copying through Python objects."""
    return pd.Series(arr, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def pick(rng, weights, size) -> np.ndarray:
    """Vectorised categorical draws: codes 0..k-1 with the given weights."""
    w = np.asarray(weights, dtype=float)
    return np.searchsorted(np.cumsum(w / w.sum()), rng.random(size), side="right").clip(max=len(w) - 1)


def pick_rows(rng, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (m, k) probability matrix."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return (rng.random((len(probs), 1)) > cum).sum(axis=1).clip(max=probs.shape[1] - 1)


def events_in_windows(rng, rate_per_day: np.ndarray, t0: np.ndarray, t1: np.ndarray):
    """Poisson events at the given rates between t0 and t1: (owner, times), grouped by owner."""
    length = np.clip(t1 - t0, 0, None)
    counts = rng.poisson(rate_per_day * length)
    owner, u = sorted_uniform_times(rng, counts, length)
    return owner, t0[owner] + u


def years(days):
    return np.asarray(days) / DAYS_PER_YEAR


__all__ = ["generate", "INDUSTRIES", "PRESETS", "S"]
