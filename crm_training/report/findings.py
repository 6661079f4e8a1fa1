"""The figures of a case-study report: one client's data through the engines of every chapter.

:func:`compute_findings` runs the kit's tested engines (segmentation, CLV, experience, loyalty,
service, evaluation) on a :class:`~crm_training.CRMData` and returns a :class:`Findings`: plain
numbers and small tables, nothing drawn and no text, so that the report template
(``template.ipynb``), the rules of :mod:`.recommend` and the sentences of :mod:`.text` all read
the same figures. A section whose table is missing from the data (a client without surveys, say)
is ``None``; the report then says so instead of failing.

The money figures of candidate actions rest on stated assumptions (:data:`DEFAULT_ASSUMPTIONS`):
effects and costs are shares of the data's own figures (order value, yearly profit), so they hold
in any currency; only an agent's yearly cost needs a currency (:data:`AGENT_COST`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import clv, evaluation, experience, loyalty, service
from .. import segmentation as seg
from ..money import currency_code, detected_currency, value_basis, with_margin
# one definition of the limits: those the runner validates before a report runs
from .runner import HORIZON_RANGE, LANGUAGES, N_CUSTOMERS_RANGE  # noqa: F401

SECTIONS = ("concentration", "segments", "clv", "experience", "loyalty", "service")

#: yearly cost of one service agent (salary and overheads), by currency; an assumption to replace
AGENT_COST = {"USD": 45_000.0, "EUR": 42_000.0, "GBP": 38_000.0, "CNY": 150_000.0}

DEFAULT_ASSUMPTIONS = {
    "discount_rate": 0.10,          # yearly, for CLV and NPV
    "roi_years": 3,                 # horizon of each action's cash flows
    "p_alive_risk": 0.5,            # below this P(alive) a customer counts as at risk
    "retention_save": 0.25,         # share of at-risk top-tier customers a retention plan keeps
    "winback_rate": 0.10,           # share of lapsing RFM customers a win-back campaign brings back
    "detractor_fix": 0.20,          # share of detractors turned by fixing their journeys
    "detractor_value_gain": 0.30,   # profit a turned detractor adds, as a share of a yearly profit
    "contact_cost": 0.05,           # cost of one targeted contact, as a share of the mean order value
    "setup_share": 0.01,            # set-up cost of one action, as a share of the yearly profit
    "service_target": 0.80,         # target share answered within the target time
    "service_target_seconds": 20.0,
    "aht_minutes": 6.0,             # average handling time of a live contact
    "opening_hours": 12.0,          # per day, 365 days
    "peak_factor": 2.0,             # busiest hour against the average hour
    "sla_target": 0.90,             # share of tickets answered within their SLA
    "sla_value": 0.5,               # profit lost per breached ticket, share of a yearly profit
    "fcr_target": 0.70,             # first-contact resolution a good service desk reaches
    "point_value": 0.01,            # value of one loyalty point in the data's currency (1% back)
}


# Assumptions that are not shares between 0 and 1: their bounds.
_ASSUMPTION_BOUNDS = {"roi_years": (1, 20), "service_target_seconds": (1, 3600),
                      "aht_minutes": (0.1, 240), "opening_hours": (1, 24), "peak_factor": (1, 10),
                      "point_value": (0, 1e6)}


def assumption_problems(assumptions) -> list[str]:
    """What is wrong with user assumptions (a dict of :data:`DEFAULT_ASSUMPTIONS` keys):
    unknown names, values that are not numbers, out of their bounds (shares 0-1).

    >>> for p in assumption_problems({"discount_rate": 0.08, "winback_rate": 2, "discount": 1}):
    ...     print(p)
    winback_rate must be between 0 and 1, not 2
    unknown assumption 'discount' (did you mean 'discount_rate'?)
    """
    import difflib
    import numbers

    if not isinstance(assumptions, dict):
        return [f"assumptions must be a mapping of names to numbers, not {assumptions!r}"]
    found = []
    for k, v in assumptions.items():
        if k not in DEFAULT_ASSUMPTIONS:
            close = difflib.get_close_matches(str(k), list(DEFAULT_ASSUMPTIONS), n=1)
            found.append(f"unknown assumption {k!r}" + (f" (did you mean {close[0]!r}?)" if close
                                                        else f" (known: "
                                                        f"{', '.join(DEFAULT_ASSUMPTIONS)})"))
            continue
        lo, hi = _ASSUMPTION_BOUNDS.get(k, (0, 1))
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            found.append(f"{k} must be a number, not {v!r}")
        elif not lo <= v <= hi:
            found.append(f"{k} must be between {lo:g} and {hi:g}, not {v!r}")
        elif k == "roi_years" and int(v) != v:
            found.append(f"roi_years must be a whole number of years, not {v!r}")
    return found


@dataclass
class Findings:
    """The computed figures of one report, section by section.

    Each section is a dict of numbers and DataFrames, or ``None`` when the data lack its table
    (see :meth:`available`). ``actions`` holds the economics of every candidate action (benefit,
    cost, NPV, ROI), whether or not a rule recommends it.
    """

    meta: dict
    concentration: dict | None = None
    segments: dict | None = None
    clv: dict | None = None
    experience: dict | None = None
    loyalty: dict | None = None
    service: dict | None = None
    actions: pd.DataFrame = field(default_factory=pd.DataFrame)
    assumptions: dict = field(default_factory=dict)

    def available(self, section: str) -> bool:
        """True when ``section`` could be computed from the data."""
        if section not in SECTIONS:
            raise ValueError(f"section must be one of {SECTIONS}, not {section!r}")
        return getattr(self, section) is not None


def _has(df) -> bool:
    return df is not None and len(df) > 0


def _years(data) -> float:
    return seg.data_years(data.transactions)


def _concentration(data, measure):
    values = seg.customer_value(data, measure)
    table = seg.concentration_summary(data)
    return {
        "measure": measure,
        "values": values,
        "table": table,
        "top20_share": float(table.loc["top 20%", measure]),
        "top20_revenue_share": float(table.loc["top 20%", "revenue"]),
        "top1_share": float(table.loc["top 1%", measure]),
        "gini": float(table.loc["gini", measure]),
        "customers": len(values),
        "loss_making_share": float((values < 0).mean()),
    }


def _segments(feats, values, years):
    tiers = seg.value_tiers(values)
    strategies = seg.tier_strategies("value_tier")
    table = seg.tier_summary(values, tiers["value_tier"], years).join(
        strategies[["label_zh", "strategy", "strategy_zh"]])
    scores = seg.rfm_scores(feats)
    rfm = seg.rfm_segment_summary(scores)
    lapsing = ["At risk", "Cannot lose them", "About to sleep", "Need attention"]
    lapsing_ids = scores.index[scores["segment"].isin(lapsing)]
    lapsing_value = values.reindex(lapsing_ids).fillna(0)
    return {
        "values": values,
        "tiers": tiers["value_tier"],
        "tier_table": table,
        "rfm_scores": scores,
        "rfm_table": rfm,
        "lapsing_segments": lapsing,
        "lapsing_ids": lapsing_ids,
        "lapsing_customers": len(lapsing_ids),
        "lapsing_share": float(len(lapsing_ids) / max(len(scores), 1)),
        "lapsing_value_year": float(lapsing_value.clip(lower=0).sum() / years),
        "high_tier_value_share": float(table.loc["high", "value_share"]),
        "potential_share": float(table.loc["potential", "customer_share"]),
    }


def _clv(data, feats, horizon, measure, tiers, a):
    margin = 1.0
    if measure == "profit" and feats["monetary"].sum() > 0:
        margin = float(np.clip(feats["profit"].sum() / feats["monetary"].sum(), 0.0, 1.0))
    # BG/NBD or MBG/NBD, whichever forecast the second half of the log better from the first
    # (clv.compare_holdout): the workshop calls the same function, so it shows the same figures
    forecast = clv.clv_forecast(data.transactions, months=horizon,
                                annual_discount=a["discount_rate"], margin=margin)
    table, rfm, model, gg = forecast
    selection, check = forecast.selection, forecast.selection["check"]
    value, p_alive = table["clv"], table["p_alive"]
    table["churn_probability"] = clv.churn_probability(table)  # 1 - P(alive), as the workshop
    table["value_tier"] = (tiers.reindex(table.index).astype("string").fillna("potential")
                           if tiers is not None else pd.Series("potential", index=table.index,
                                                               dtype="string"))
    at_risk = table["p_alive"] < a["p_alive_risk"]
    high = table["value_tier"] == "high"
    top = table.sort_values("clv", ascending=False)
    one_time = (rfm["frequency"] == 0).to_numpy()
    names = clv.TRANSACTION_MODELS
    checks = {names[k]: c for k, c in selection["checks"].items()}
    # what the other model would say of the same customers (fitted on the same log): the
    # "probably lost" share depends on the model when many customers never bought again
    other_key = next(k for k in names if k != selection["model"])
    try:
        with np.errstate(invalid="ignore", over="ignore"):
            other_alive = np.asarray(clv.transaction_model(other_key).fit(rfm)
                                     .expected_probability_alive(rfm))
        other = ({"model_name": names[other_key],
                  "at_risk_share": float((other_alive < a["p_alive_risk"]).mean()),
                  "mean_p_alive": float(other_alive.mean()),
                  "one_time_mean_p_alive": float(other_alive[one_time].mean())
                  if one_time.any() else np.nan}
                 if np.isfinite(other_alive).all() else None)
    except (ValueError, np.linalg.LinAlgError, ZeroDivisionError):
        other = None
    horizon_info = forecast.horizon
    return {
        "model": model,
        "model_name": selection["name"],
        # which model and why: basis "holdout" (criterion "mae": the smaller per-customer mean
        # absolute error of the holdout repeat purchases), "likelihood" (no holdout check
        # possible: the larger log-likelihood on the whole log) or "fallback" (the holdout's
        # choice could not fit the whole log)
        "model_choice": {"model_name": selection["name"], "basis": selection["basis"],
                         "criterion": selection.get("criterion"),
                         "errors": {n: c["error"] for n, c in checks.items()},
                         "per_customer_mae": {n: c["per_customer_mae"] for n, c in checks.items()},
                         "failed": {names[k]: v for k, v in selection["failed"].items()}},
        "checks": checks,
        "alternative": other,
        "one_time_share": float(one_time.mean()),
        "one_time_mean_p_alive": float(p_alive.to_numpy()[one_time].mean())
        if one_time.any() else np.nan,
        "history_months": horizon_info["history_months"],
        # set when the horizon is more than twice the observed history (the report warns)
        "horizon_warning": ({"horizon_months": horizon_info["horizon_months"],
                             "history_months": horizon_info["history_months"]}
                            if horizon_info["warning"] else None),
        "rfm": rfm,
        # the P(alive) chart stops at the 99th percentile: a few heavy buyers would squash it
        "chart_max_frequency": int(max(rfm["frequency"].quantile(0.99), 1)),
        "horizon_months": int(horizon),
        "margin": margin,
        "params": {**model.params_, **gg.params_},
        "summary": model.summary(),  # per day; "check" holds the calibration fit in weeks
        "check": check,  # the chosen model's holdout check (None when none could be made)
        "table": table,
        "top_customers": top.head(10),
        "total": float(value.sum()),
        "mean": float(value.mean()),
        "top20_share": float(seg.top_share(value.clip(lower=0), 0.2)),
        "mean_p_alive": float(p_alive.mean()),
        "at_risk_share": float(at_risk.mean()),
        "high_tier_at_risk": int((at_risk & high).sum()),
        "high_tier_at_risk_share": float((at_risk & high).sum() / max(high.sum(), 1)),
    }


def _experience(surveys):
    nps = experience.nps_interval(surveys["nps"])
    out = {"nps": nps.value, "nps_low": nps.low, "nps_high": nps.high, "responses": int(nps.n)}
    scores = pd.to_numeric(surveys["nps"], errors="coerce").dropna()
    out["promoter_share"] = float((scores >= 9).mean())
    out["detractor_share"] = float((scores <= 6).mean())
    for name, fn in (("csat", experience.csat_interval), ("effort", experience.effort_interval)):
        col = surveys[name].dropna() if name in surveys else []
        est = fn(col) if len(col) else None
        out[name] = est.value if est else np.nan
        out[f"{name}_low"] = est.low if est else np.nan
        out[f"{name}_high"] = est.high if est else np.nan
    by_tp = experience.satisfaction_table(surveys, by="touchpoint", min_answers=20)
    out["touchpoints"] = by_tp
    out["worst_touchpoint"] = str(by_tp["nps"].idxmin()) if "nps" in by_tp and len(by_tp) else None
    out["worst_touchpoint_nps"] = float(by_tp["nps"].min()) if out["worst_touchpoint"] else np.nan
    if "channel" in surveys and surveys["channel"].notna().any():
        cons = experience.channel_consistency(surveys, metric="csat", by="channel")
        out.update(channel_table=cons.table, channel_spread=float(cons.spread),
                   channel_p=float(cons.chi2_p), channel_consistent=bool(cons.consistent))
    else:
        out.update(channel_table=None, channel_spread=np.nan, channel_p=np.nan,
                   channel_consistent=True)
    return out


def _loyalty(data, aov, seed, a):
    events = data.loyalty_events
    members = data.customers["loyalty_member"].astype("boolean").fillna(False)
    point_value = a["point_value"]
    liability = loyalty.points_liability(events, point_value=point_value)
    out = {
        "naive": None, "matched": None,
        "members": int(members.sum()),
        "member_share": float(members.mean()),
        "point_value": point_value,
        "points": loyalty.points_summary(events),
        "liability": float(liability["liability"]),
        "net_liability": float(liability["net_liability"]),
        "breakage": float(liability["breakage_rate"]),
        "tiers": loyalty.tier_distribution(events),
    }
    try:
        naive = loyalty.naive_member_uplift(data)
        out["naive"], out["naive_uplift"] = naive, float(naive["effect"])
    except (ValueError, KeyError):
        out["naive_uplift"] = np.nan
    try:
        matched = loyalty.enrolment_uplift(data, seed=seed, n_boot=100)
        out.update(matched=matched, matched_uplift=float(matched["effect"]), matched_low=float(matched["ci_low"]),
                   matched_high=float(matched["ci_high"]), matched_members=int(matched["members"]))
    except (ValueError, KeyError, ZeroDivisionError):
        out.update(matched_uplift=np.nan, matched_low=np.nan, matched_high=np.nan,
                   matched_members=0)
    return out


def _service(tickets, a):
    overall = service.ticket_kpis(tickets, by=None).iloc[0]
    by_channel = service.ticket_kpis(tickets, by="channel")
    end = tickets["created_at"].max()
    last_year = tickets[tickets["created_at"] > end - pd.Timedelta(days=365)]
    per_hour = len(last_year) / (365 * a["opening_hours"]) * a["peak_factor"]
    aht = a["aht_minutes"] * 60
    rate = max(per_hour, 1e-6) / 3600           # contacts per second
    target_t = a["service_target_seconds"]
    needed = service.agents_needed(rate, aht, a["service_target"], target_t)
    staffing = service.staffing_table(rate, aht, target_t, agents=range(1, needed + 4))
    return {
        "kpis": overall,
        "by_channel": by_channel,
        "tickets": len(tickets),
        "tickets_year": len(last_year),
        # without response times the SLA cannot be measured (ticket_kpis would count 0)
        "sla_attainment": (float(overall["sla_attainment"])
                           if tickets["first_response_at"].notna().any() else np.nan),
        "fcr_rate": float(overall["fcr_rate"]),
        "first_response_h": float(overall["first_response_h_median"]),
        "resolution_h": float(overall["resolution_h_median"]),
        "csat": float(overall["csat"]),
        "bot_share": float(overall["bot_share"]),
        "peak_contacts_per_hour": per_hour,
        "agents_needed": int(needed),
        "service_level_at_needed": float(service.service_level(rate, aht, needed, target_t)),
        "staffing": staffing,
    }


def _action(key, customers, effect, value_per_unit, investment, yearly_cost, a):
    """One candidate action and its economics, every figure a yearly cash flow.

    The targeted group is ``customers`` worth ``value_per_unit`` each a year (their own value,
    annualised: ``own_value`` is the group's yearly value); the benefit is the share ``effect``
    of it (``annual_benefit = customers x effect x value``, never more than ``own_value``),
    ramped up over ``roi_years`` and discounted with the running cost (``annual_cost``) after
    the ``investment``. ``break_even_effect`` is the effect at which the NPV is zero;
    ``npv_low`` / ``npv_high`` the NPV at half and one and a half times the assumed effect.
    ``effect=None`` marks a governance action whose benefit is not measured in money.
    """
    row = {"action": key, "customers": float(customers), "investment": float(investment),
           "annual_cost": float(yearly_cost), "value_per_customer_year": float(value_per_unit),
           "own_value": float(customers) * float(value_per_unit)}
    nan = {"effect": np.nan, "annual_benefit": np.nan, "npv": np.nan, "roi": np.nan,
           "payback_years": np.nan, "break_even_effect": np.nan, "npv_low": np.nan,
           "npv_high": np.nan}
    if effect is None or not np.isfinite(float(effect) * float(value_per_unit) * float(customers)):
        return {**row, **nan}
    effect = float(np.clip(effect, 0.0, 1.0))
    years = int(a["roi_years"])
    ramp = [0.5] + [1] * (years - 1)

    def npv_at(e):
        b = evaluation.benefit_from_effect(customers, e, value_per_unit)
        return evaluation.initiative_roi(investment, b, yearly_cost, years, a["discount_rate"],
                                         ramp_up=ramp)

    benefit = evaluation.benefit_from_effect(customers, effect, value_per_unit)
    roi = npv_at(effect)
    loss = -float(npv_at(0.0)["npv"])  # the NPV of the costs alone
    per_effect = float(npv_at(1.0)["npv"]) + loss  # what each unit of effect adds to the NPV
    even = loss / per_effect if per_effect > 0 else np.inf
    return {**row, "effect": effect, "annual_benefit": float(benefit), "npv": float(roi["npv"]),
            "roi": float(roi["roi"]), "payback_years": float(roi["payback_years"]),
            "break_even_effect": float(even),
            "npv_low": float(per_effect * effect * 0.5 - loss),
            "npv_high": float(per_effect * min(effect * 1.5, 1.0) - loss)}


def _yearly_value(values, ids, years) -> float:
    """Mean yearly value of a group of customers: their own past value, annualised."""
    v = values.reindex(ids).fillna(0.0).clip(lower=0)
    return float(v.mean() / years) if len(v) else 0.0


def _actions(f: Findings, aov, profit_year, a) -> pd.DataFrame:
    """Economics of each candidate action from the figures (assumptions in ``a``).

    Each action targets a group of customers and is worth a share of that group's own yearly
    value (its past value per year: never a multi-year CLV counted as a year, never the mean of
    other customers): a retention plan keeps ``retention_save`` of the at-risk customers it
    contacts, a win-back brings back ``winback_rate`` of the lapsing ones, a better experience
    or service is worth a share of the yearly value per customer.
    """
    contact = a["contact_cost"] * aov
    setup = a["setup_share"] * max(profit_year, 0.0)
    n = f.meta["n_customers"]
    years = f.meta["years"]
    per_customer_year = max(profit_year, 0.0) / max(n, 1)
    rows = []
    if f.segments is not None and f.clv is not None:
        table = f.clv["table"]
        values = f.segments["values"]
        at_risk = table["p_alive"] < a["p_alive_risk"]
        high_risk = table.index[at_risk & (table["value_tier"] == "high")]
        rows.append(_action("protect_top_tier", len(high_risk), a["retention_save"],
                            _yearly_value(values, high_risk, years), 3 * setup,
                            len(high_risk) * contact * 2, a))
        risky = table.index[at_risk]
        rows.append(_action("churn_early_warning", len(risky), a["retention_save"] * 0.5,
                            _yearly_value(values, risky, years), 2 * setup,
                            len(risky) * contact, a))
        lapsing = f.segments["lapsing_ids"]
        rows.append(_action("win_back", len(lapsing), a["winback_rate"],
                            _yearly_value(values, lapsing, years), setup,
                            len(lapsing) * contact * 2, a))
        potential = f.segments["tiers"].index[f.segments["tiers"].astype("string") == "potential"]
        rows.append(_action("nurture_potential", len(potential), 0.05,
                            _yearly_value(values, potential, years), setup,
                            len(potential) * contact, a))
    if f.experience is not None:
        det_n = f.experience["detractor_share"] * n
        rows.append(_action("fix_detractor_journeys", det_n,
                            a["detractor_fix"] * a["detractor_value_gain"], per_customer_year,
                            2 * setup, 0.5 * setup, a))
        rows.append(_action("unify_channels", n, max(f.experience["channel_spread"], 0) * 0.1,
                            per_customer_year, 2 * setup, 0.5 * setup, a))
    if f.service is not None:
        s = f.service
        breaches = s["tickets_year"] * max(a["sla_target"] - s["sla_attainment"], 0.0)
        agent_cost = AGENT_COST.get(f.meta.get("currency"), AGENT_COST["USD"])
        extra_agents = max(1, int(np.ceil(0.2 * s["agents_needed"])))
        # a breached ticket costs sla_value of a customer's yearly value
        rows.append(_action("staff_to_erlang", breaches, a["sla_value"], per_customer_year,
                            0.5 * setup, extra_agents * agent_cost, a))
        rows.append(_action("first_contact_resolution", s["tickets_year"],
                            max(a["fcr_target"] - s["fcr_rate"], 0.0) * a["sla_value"],
                            per_customer_year, setup, 0.5 * setup, a))
    if f.loyalty is not None:
        rows.append(_action("measure_loyalty_uplift", f.loyalty["members"], None, 0.0,
                            0.2 * setup, 0.0, a))
        rows.append(_action("review_points_expiry", f.loyalty["members"], None, 0.0,
                            0.2 * setup, 0.0, a))
    cols = ["action", "customers", "effect", "value_per_customer_year", "own_value",
            "annual_benefit", "investment", "annual_cost", "npv", "roi", "payback_years",
            "break_even_effect", "npv_low", "npv_high"]
    return pd.DataFrame(rows, columns=cols).set_index("action")


def compute_findings(data, horizon_months: int = 36, company: str = "Example Co.",
                     seed: int = 0, assumptions: dict | None = None, margin: float | None = None,
                     currency: str | None = None) -> Findings:
    """Every figure of a case-study report, from one :class:`~crm_training.CRMData`.

    Parameters
    ----------
    data : CRMData with at least customers and transactions; surveys, tickets and the loyalty
        ledger are optional: a section whose table is missing, or too incomplete to compute, is
        ``None`` and ``meta["skipped"]`` says why. Without a ``cost`` column the value measure
        is revenue instead of profit (``meta["measure"]``).
    horizon_months : horizon of the CLV forecast, within :data:`HORIZON_RANGE`.
    company : name shown in the report.
    seed : seed of the bootstrap of the matched loyalty uplift.
    assumptions : overrides of :data:`DEFAULT_ASSUMPTIONS` (unknown keys raise).
    margin : share of revenue that is profit, for data without costs (0 < margin <= 1): every
        figure is then profit at this margin (``meta["value_basis"] == "margin"``). Ignored
        when the data have costs; without both the figures are revenue (``"revenue"``).
    currency : ISO code or symbol of the amounts; default the data's (``meta["currency"]``,
        detected from the export's symbols), else none stated.

    Returns
    -------
    Findings

    Examples
    --------
    >>> import crm_training
    >>> f = compute_findings(crm_training.generate("retail", 600, seed=1), horizon_months=12)
    >>> 0 < f.concentration["top20_share"] <= 1, f.available("experience")
    (True, True)
    """
    lo, hi = HORIZON_RANGE
    if not lo <= int(horizon_months) <= hi:
        raise ValueError(f"horizon_months must be between {lo} and {hi}, not {horizon_months!r}")
    unknown = set(assumptions or {}) - set(DEFAULT_ASSUMPTIONS)
    if unknown:
        raise ValueError(f"unknown assumptions: {sorted(unknown)}; "
                         f"known: {sorted(DEFAULT_ASSUMPTIONS)}")
    problems = assumption_problems(dict(assumptions or {}))
    if problems:
        raise ValueError("; ".join(problems))
    a = {**DEFAULT_ASSUMPTIONS, **(assumptions or {})}
    a["roi_years"] = int(a["roi_years"])
    if not _has(data.transactions):
        raise ValueError("data.transactions is empty: a report needs the customers' purchases")
    tx = data.transactions
    basis = value_basis(tx, margin)
    if basis == "margin":
        data = with_margin(data, float(margin))
        tx = data.transactions
    measure = "revenue" if basis == "revenue" else "profit"
    years = _years(data)
    meta = dict(data.meta or {})
    ts = tx["timestamp"]
    meta.update(company=company, n_customers=len(data.customers), measure=measure,
                start=ts.min(), end=ts.max(), years=years, value_basis=basis,
                margin=float(margin) if basis == "margin" else None,
                currency=currency_code(currency) or detected_currency(meta.get("currency")),
                transactions=len(tx))
    f = Findings(meta=meta, assumptions=a)
    skipped = meta.setdefault("skipped", {})
    customers = int(tx["customer_id"].nunique())
    repeat = int((tx.loc[tx["amount"] > 0].groupby("customer_id")["timestamp"].nunique()
                  > 1).sum())
    f.concentration = _section(skipped, "concentration", lambda: _concentration(data, measure),
                               few=customers < MIN_CUSTOMERS["concentration"], n=customers)
    feats = seg.customer_features(data)  # once: RFM scores and the CLV margin share it
    if f.concentration is not None:
        f.segments = _section(skipped, "segments",
                              lambda: _segments(feats, f.concentration["values"], years),
                              few=customers < MIN_CUSTOMERS["segments"], n=customers)
    else:
        skipped["segments"] = skipped["concentration"]
    tiers = f.segments["tiers"] if f.segments is not None else None
    f.clv = _section(skipped, "clv", lambda: _clv(data, feats, horizon_months, measure, tiers, a),
                     few=repeat < MIN_REPEAT_BUYERS, n=repeat, code="few_repeat_buyers")
    sales = tx.loc[tx["amount"] > 0, "amount"]
    aov = float(sales.mean()) if len(sales) else 0.0
    last = tx[ts > ts.max() - pd.Timedelta(days=365)]
    profit_year = float((last["amount"] - last["cost"].fillna(0)).sum() if measure == "profit"
                        else last["amount"].sum())
    meta.update(avg_order_value=aov, profit_year=profit_year)
    optional = (("experience", data.surveys, "nps", lambda: _experience(data.surveys)),
                ("loyalty", data.loyalty_events, "points", lambda: _loyalty(data, aov, seed, a)),
                ("service", data.tickets, "created_at", lambda: _service(data.tickets, a)))
    for section, table, column, compute in optional:
        if not _has(table):
            skipped[section] = {"code": "no_table", "table": SECTION_TABLES[section]}
            continue
        if table[column].isna().all():
            skipped[section] = {"code": "no_values", "table": SECTION_TABLES[section],
                                "column": column}
            continue
        setattr(f, section, _section(skipped, section, compute))
    f.actions = _actions(f, aov, profit_year, a)
    return f


#: the fewest customers (with a purchase) a section is computed for, and the fewest repeat
#: buyers (customers with purchases on two days or more) a BG/NBD + Gamma-Gamma fit needs
MIN_CUSTOMERS = {"concentration": 1, "segments": 10}
MIN_REPEAT_BUYERS = 20
SECTION_TABLES = {"concentration": "transactions", "segments": "transactions",
                  "clv": "transactions", "experience": "surveys", "loyalty": "loyalty_events",
                  "service": "tickets"}


def _section(skipped: dict, section: str, compute, few: bool = False, n: int = 0,
             code: str = "few_customers"):
    """``compute()``, or None with the reason in ``skipped[section]`` (a code and its figures,
    which :mod:`.text` turns into a sentence in the report's language): too little data, or
    data the section's engine cannot use."""
    if few:
        need = MIN_REPEAT_BUYERS if code == "few_repeat_buyers" else MIN_CUSTOMERS[section]
        skipped[section] = {"code": code, "n": int(n), "need": int(need)}
        return None
    try:
        return compute()
    except (KeyError, ValueError, TypeError, ZeroDivisionError, np.linalg.LinAlgError) as e:
        # a client's table too incomplete for this section: the report says so
        detail = str(e).splitlines()[0][:300] if str(e) else type(e).__name__
        skipped[section] = {"code": "failed", "detail": detail}
        return None


def report_data(industry: str = "retail", n_customers: int = 5000, seed: int = 7,
                language: str = "en", data_dir=None):
    """The data of a report and, for a client's folder, its load result (validation report).

    With ``data_dir`` the client's exports are loaded with
    :func:`crm_training.load_client`; otherwise the built-in generator makes ``n_customers``
    customers of ``industry`` (Chinese names and CNY for a Chinese report).

    Returns
    -------
    (CRMData, ClientLoad or None)

    Examples
    --------
    >>> data, loaded = report_data("bank", 300, seed=1)
    >>> len(data.customers), loaded is None
    (300, True)
    """
    if data_dir:
        from ..clients import load_client
        loaded = load_client(data_dir, progress=False)
        return loaded.data, loaded
    from ..datagen import generate
    locale = "zh_CN" if language == "zh" else "en_US"
    return generate(industry, int(n_customers), seed=int(seed), locale=locale), None
