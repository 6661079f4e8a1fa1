"""Customers: latent segments and parameters, profiles, interventions' assignment, and truth."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as S
from . import people
from .core import Population, categorical, frame, labels, pick, pick_rows, strings, time_order
from .purchases import DAYS_PER_YEAR, PiecewiseRate

_NEED_FACTOR = np.array([1.8, 1.0, 0.6])  # contact intensity by schema.SERVICE_NEEDS


def make_population(rng, preset, locale, t0, t1, n, seed):
    """Draw every customer's latent parameters and profile; returns (Population, customers, extra)."""
    days = float((t1 - t0).days + 1)
    segs = preset.segments
    seg = pick(rng, [s.weight for s in segs], n)
    par = {f: np.array([getattr(s, f) for s in segs])[seg] for f in (
        "purchase_rate", "dropout_rate", "spend_mean", "margin", "satisfaction", "rate_shape",
        "dropout_shape", "spend_p", "spend_q", "high_service", "self_service", "online")}
    sat = np.clip(rng.normal(par["satisfaction"], preset.satisfaction_sd), 1.0, 5.0)
    lam_year = rng.gamma(par["rate_shape"], par["purchase_rate"] / par["rate_shape"])
    mu_year = rng.gamma(par["dropout_shape"], par["dropout_rate"] / par["dropout_shape"])
    mu_year *= np.exp(preset.satisfaction_dropout * (3.5 - sat))  # unhappy customers leave sooner
    # Gamma-Gamma spend: nu ~ Gamma(q, rate gamma); mean order value p / nu.
    _, scale = people.CURRENCY[locale]
    p, q = par["spend_p"], par["spend_q"]
    gamma_rate = par["spend_mean"] * scale * (q - 1) / p
    nu = rng.gamma(q, 1.0 / gamma_rate)
    spend_mean = p / nu
    margin = np.clip(rng.normal(par["margin"], 0.04), 0.01, 0.9)
    signup = rng.uniform(0, days - 1, n)
    online = np.clip(rng.normal(par["online"], 0.15), 0.02, 0.98)

    # Loyalty programme: the more a customer buys, the likelier to enrol (self-selection).
    launch = preset.loyalty_launch * days
    eligible_from = np.maximum(signup, launch)
    propensity = 1 / (1 + np.exp(-(np.log(lam_year / np.median(lam_year)))))
    enrol_prob = np.clip(preset.loyalty_enrol_share * propensity / max(propensity.mean(), 1e-9), 0, 1)
    enrol = np.where(rng.random(n) < enrol_prob, eligible_from + rng.exponential(90, n), np.inf)
    enrol[enrol >= days] = np.inf

    # City and region; the pilot region gets the service upgrade.
    cities = people.CITIES[locale]
    city_idx = pick(rng, [c[2] for c in cities], n)
    pilot = np.array([c[1] == people.PILOT_REGION[locale] for c in cities])[city_idx]
    upgrade_day = preset.upgrade_at * days

    # Dropout: exponential lifetime under a hazard that falls after enrolment / the upgrade.
    mu = PiecewiseRate(mu_year / DAYS_PER_YEAR,
                       np.c_[enrol, np.where(pilot, upgrade_day, np.inf)],
                       np.c_[np.full(n, 1 - preset.loyalty_dropout_cut),
                             np.full(n, 1 - preset.upgrade_dropout_cut)])
    e = rng.exponential(1.0, n)
    death = mu.inverse(signup, e)
    # Whoever left before their enrolment date never enrolled: redo the hazard without it.
    lost = death < enrol
    if lost.any():
        enrol[lost] = np.inf
        mu = PiecewiseRate(mu.base, np.c_[enrol, np.where(pilot, upgrade_day, np.inf)],
                           np.c_[np.full(n, 1 - preset.loyalty_dropout_cut),
                                 np.full(n, 1 - preset.upgrade_dropout_cut)])
        death = mu.inverse(signup, e)
    lam = PiecewiseRate(lam_year / DAYS_PER_YEAR, np.c_[enrol], np.c_[np.full(n, 1 + preset.loyalty_rate_uplift)])

    # Profile fields.
    ids = people.make_ids("C", n, width=max(6, len(str(n))))
    gender = rng.choice(2, n) if not preset.b2b else np.full(n, 2)
    pools = people.build_pools(locale, seed, b2b=preset.b2b)
    pii = people.personal_data(rng, pools, locale, gender, ids, b2b=preset.b2b)
    need = np.where(rng.random(n) < par["high_service"], 0,
                    np.where(rng.random(n) < par["self_service"] / (1 - par["high_service"]), 2, 1))
    chan_w = np.array([0.2, 0.2, 0.1, 0.15, 0.15, 0.05, 0.15])  # the syllabus channels only
    digital = np.array([c in ("website", "app", "social", "email", "sms")
                        for c in S.CHANNELS[:chan_w.size]])  # (never schema.CLIENT_CHANNELS)
    # per channel: its weight times the online share (digital) or the offline share, doubled
    offline = 1 - online
    preferred = pick_rows(rng, [chan_w[j] * (online if digital[j] else offline) * 2
                                for j in range(chan_w.size)])
    del offline
    value = lam_year * spend_mean * margin
    rank = np.empty(n, dtype=np.int64)
    rank[time_order(value)] = np.arange(n)  # value.argsort().argsort()
    rank = rank / max(n - 1, 1) + rng.normal(0, 0.08, n)
    strategic = np.where(rank > 0.9, 0, np.where(rank > 0.65, 1, 2))
    income_rank = np.log(spend_mean) + rng.normal(0, 0.5, n)
    income = np.searchsorted(np.quantile(income_rank, [0.3, 0.7, 0.9]), income_rank)
    social = np.clip(rng.beta(1.3, 6.0, n) + 0.15 * (seg == 0), 0, 1).round(3)
    acq_w = {True: [0.05, 0.3, 0.05, 0.05, 0.1, 0.35, 0.1], False: [0.35, 0.25, 0.15, 0.12, 0.1, 0.0, 0.03]}
    acquisition = pick(rng, acq_w[preset.b2b], n)
    consent = rng.random(n) < 0.7
    birth = np.clip(np.round(rng.normal(t0.year - 42, 14, n)), t0.year - 85, t0.year - 18).astype(int)

    extra = {"lam_year": lam_year, "mu_year": mu_year, "spend_mean": spend_mean, "margin": margin}
    pop = Population(preset=preset, locale=locale, start=t0, days=days, ids=ids, seg=seg, sat=sat,
                     lam=lam, mu=mu, signup=signup, death=death, enrol=enrol, pilot=pilot,
                     upgrade_day=upgrade_day, online=online, need=need, preferred=preferred,
                     social=social, emails=pii["email"], phones=pii["phone"], extra=extra)
    signup_date = pop.timestamps(np.floor(signup))
    cust = frame({
        "customer_id": strings(ids),
        "name": strings(pii["name"]),
        "email": strings(pii["email"]),
        "phone": strings(pii["phone"]),
        "gender": categorical(gender, S.GENDERS),
        "birth_year": pd.array(birth, dtype="Int16") if not preset.b2b
        else pd.array(np.full(n, pd.NA), dtype="Int16"),
        "city": labels(city_idx, [c[0] for c in cities]),
        "region": labels(city_idx, [c[1] for c in cities]),
        "income_band": categorical(income, S.INCOME_BANDS),
        "signup_date": signup_date,
        "acquisition_channel": categorical(acquisition, S.ACQUISITION_CHANNELS),
        "preferred_channel": categorical(preferred, S.CHANNELS),
        "service_need": categorical(need, S.SERVICE_NEEDS),
        "strategic_tier": categorical(strategic, S.STRATEGIC_TIERS),
        "social_influence": social,
        "loyalty_member": np.isfinite(enrol),
        "marketing_consent": consent,
    })
    return pop, cust, extra


def truth_table(pop: Population, extra: dict) -> pd.DataFrame:
    """Per-customer truth, including the expected future value from the end of the data."""
    pre = pop.preset
    days = np.full(pop.n, pop.days)
    lam_end = pop.lam.cumulative(days, days + 1.0)  # rate per day in force at the end
    mu_end = pop.mu.cumulative(days, days + 1.0)
    alive = pop.alive
    delta = np.log1p(pre.discount_rate) / DAYS_PER_YEAR
    e1 = lam_end * -np.expm1(-mu_end * 365.0) / mu_end
    horizon = 3 * DAYS_PER_YEAR
    disc = lam_end * -np.expm1(-(mu_end + delta) * horizon) / (mu_end + delta)
    clv = disc * extra["spend_mean"] * extra["margin"]
    return frame({
        "customer_id": strings(pop.ids),
        "segment": labels(pop.seg, [s.name for s in pre.segments]),
        "purchase_rate": extra["lam_year"],
        "dropout_rate": extra["mu_year"],
        "spend_mean": extra["spend_mean"],
        "margin": extra["margin"],
        "satisfaction": pop.sat,
        "alive": alive,
        "dropout_date": np.where(alive, np.datetime64("NaT"),
                                 pop.timestamps(np.floor(np.minimum(pop.death, pop.days)))),
        "expected_purchases_1y": np.where(alive, e1, 0.0),
        "clv_3y": np.where(alive, clv, 0.0),
        "enrol_date": np.where(np.isfinite(pop.enrol),
                               pop.timestamps(np.where(np.isfinite(pop.enrol), pop.enrol, 0)),
                               np.datetime64("NaT")),
    })


def churn_figures(pop: Population) -> dict:
    """Realised yearly churn in the year before the loyalty launch and in the last year."""
    out = {}
    launch = pop.preset.loyalty_launch * pop.days
    for name, (a, b) in {"annual_churn_before_programme": (launch - 365, launch),
                         "annual_churn_last_year": (pop.days - 365, pop.days)}.items():
        cohort = (pop.signup < a) & (pop.death > a)
        out[name] = float(((pop.death[cohort]) <= b).mean()) if a > 0 and cohort.any() else None
    return out


def make_experiments(rng, pop: Population, campaign: dict) -> pd.DataFrame:
    """Who was in the A/B campaign and in the service-upgrade pilot, with start dates."""
    ab = campaign["assigned"]
    eligible = pop.signup < pop.upgrade_day
    pilot_idx = np.flatnonzero(eligible)
    owner = np.r_[ab, pilot_idx]
    group = np.r_[campaign["treated"].astype(int), pop.pilot[pilot_idx].astype(int)]
    name = np.r_[np.zeros(len(ab), int), np.ones(len(pilot_idx), int)]
    start = np.r_[np.full(len(ab), campaign["day"]), np.full(len(pilot_idx), pop.upgrade_day)]
    return frame({
        "experiment_id": labels(name, ["campaign_ab", "service_upgrade_pilot"]),
        "customer_id": pop.customer_ids(owner),
        "group": categorical(group, S.GROUPS),
        "start_date": pop.timestamps(np.floor(start)),
    })


def interventions_table(pop: Population, campaign: dict, csat_effect: float) -> pd.DataFrame:
    """The interventions with their true effects (what an evaluation should recover)."""
    pre = pop.preset
    launch = pop.timestamps(np.array([np.floor(pre.loyalty_launch * pop.days)]))[0]
    upgrade = pop.timestamps(np.array([np.floor(pop.upgrade_day)]))[0]
    camp = pop.timestamps(np.array([np.floor(campaign["day"])]))[0]
    region = people.PILOT_REGION[pop.locale]
    rows = [
        ("loyalty_programme", "loyalty_programme", launch, "members after enrolling (self-selected)",
         "purchase_rate", pre.loyalty_rate_uplift, "relative",
         "Members buy (1 + effect) times as often after they enrol."),
        ("loyalty_programme", "loyalty_programme", launch, "members after enrolling (self-selected)",
         "dropout_rate", -pre.loyalty_dropout_cut, "relative",
         "Members' dropout hazard changes by this share after they enrol."),
        ("service_upgrade_pilot", "service_upgrade", upgrade, f"customers in region {region}",
         "csat", csat_effect, "absolute",
         "Average change of survey CSAT (1-5) in the pilot region after the upgrade (effect on the "
         "treated, from both potential outcomes of every pilot survey)."),
        ("service_upgrade_pilot", "service_upgrade", upgrade, f"customers in region {region}",
         "satisfaction", pre.upgrade_satisfaction, "points",
         "Latent satisfaction gained in the pilot region."),
        ("service_upgrade_pilot", "service_upgrade", upgrade, f"customers in region {region}",
         "first_response_time", pre.upgrade_response - 1, "relative",
         "Ticket first-response times are multiplied by (1 + effect)."),
        ("service_upgrade_pilot", "service_upgrade", upgrade, f"customers in region {region}",
         "resolution_time", pre.upgrade_resolution - 1, "relative",
         "Resolution times are multiplied by (1 + effect)."),
        ("service_upgrade_pilot", "service_upgrade", upgrade, f"customers in region {region}",
         "complaint_rate", pre.upgrade_complaints - 1, "relative",
         "Share of contacts that are complaints is multiplied by (1 + effect)."),
        ("service_upgrade_pilot", "service_upgrade", upgrade, f"customers in region {region}",
         "dropout_rate", -pre.upgrade_dropout_cut, "relative",
         "Dropout hazard in the pilot region changes by this share."),
        ("campaign_ab", "campaign", camp, "random half of the customers assigned",
         "conversion_30d", campaign["sate"], "absolute",
         f"Extra chance of an order within {pre.campaign_window} days of the campaign (sample "
         "average effect over all assigned customers, from both potential outcomes)."),
        ("campaign_ab", "campaign", camp, "active treated customers", "extra_order_probability",
         pre.campaign_uplift, "absolute", "Chance that an active treated customer orders extra."),
    ]
    cols = ["name", "kind", "start_date", "population", "metric", "true_effect", "effect_type",
            "description"]
    return pd.DataFrame(rows, columns=cols)
