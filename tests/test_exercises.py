"""Exercises: checks accept right answers and name typical mistakes; exercises/ is generated.

The wrong answers below are written the way a trainee would write them (plain pandas on the
tables), not with the catalogue's own functions, so a check that recognised only its own
formulas would fail here. The solutions themselves are executed by nbval (pytest config).
"""
from __future__ import annotations

import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

import crm_training
from crm_training.cli import main
from crm_training.exercises import build_exercises, check, strip_solutions
from crm_training.exercises.checks import REGISTRY
from crm_training.exercises.build import exercise_notebook
from exercise_mistakes import _ledger, _sessions  # the trainee's ways of computing them

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_INDUSTRY = {"01": "retail", "02": "bank", "03": "travel", "04": "coffee_chain",
                    "05": "telecom", "06": "manufacturing"}


@pytest.fixture(scope="module")
def datasets():
    cache = {}

    def get(exercise_id):
        industry = CHAPTER_INDUSTRY[exercise_id[:2]]
        if industry not in cache:  # the notebooks' defaults: the same data as the solutions
            cache[industry] = crm_training.generate(industry, 3000, seed=7)
        return cache[industry]
    return get


# ---- trainee-style answers -------------------------------------------------------------------

def _per_customer(d, values):
    t = d.transactions
    return values.groupby(t["customer_id"]).sum().reindex(d.customers["customer_id"],
                                                         fill_value=0.0)


def _top_share(values, top=0.2):
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    return v[: math.ceil(top * len(v))].sum() / v.sum()


def _gini(values):
    x = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    n = len(x)
    return float(((2 * np.arange(1, n + 1) - n - 1) * x).sum() / (n * x.sum()))


def _nps(d, promoter=9, detractor=6):
    s = d.surveys.dropna(subset=["nps"])
    g = s.groupby(s["touchpoint"].astype(str))["nps"]
    return 100 * (g.apply(lambda x: (x >= promoter).mean() - (x <= detractor).mean()))


def _csat(d, satisfied=4):
    s = d.surveys.dropna(subset=["csat"])
    return s.groupby(s["touchpoint"].astype(str))["csat"].apply(lambda x: (x >= satisfied).mean())


def _hours(d, end):
    t = d.tickets
    return (t[end] - t["created_at"]) / pd.Timedelta(hours=1)


def _conversion(d):
    from crm_training.evaluation import campaign_conversion
    rates = campaign_conversion(d).groupby("group", observed=True)["converted"].agg(["mean",
                                                                                     "size"])
    return rates.loc["control"], rates.loc["treatment"]


def _ci(d, z=1.959963984540054):
    c, t = _conversion(d)
    diff = t["mean"] - c["mean"]
    se = math.sqrt(c["mean"] * (1 - c["mean"]) / c["size"]
                   + t["mean"] * (1 - t["mean"]) / t["size"])
    return diff - z * se, diff + z * se


def _at_risk(d, measure="profit", segments=("At risk", "Cannot lose them"), tiers=("high",)):
    from crm_training.segmentation import rfm_scores, value_tiers
    seg = rfm_scores(d)["segment"].astype(str)
    tier = value_tiers(d, measure=measure)["value_tier"].astype(str).reindex(seg.index)
    return int((seg.isin(segments) & tier.isin(tiers)).sum())


def _profit(d):
    t = d.transactions
    return t["amount"] - t["cost"]


def _returned(d):
    t = d.transactions
    return -t.loc[t["is_return"], "amount"].sum()


def _purchases(d, with_returns=False):
    t = d.transactions
    return (t if with_returns else t[~t["is_return"]]).groupby("customer_id").size()


def _by_channel(d, values, how="mean"):
    channel = d.customers.set_index("customer_id")["acquisition_channel"]
    per_customer = _per_customer(d, values)
    return per_customer.groupby(per_customer.index.map(channel)).agg(how)


LAPSING = ["About to sleep", "At risk", "Cannot lose them", "Hibernating"]


def _segment_profit(d, values=None, how="sum", lapsing=True):
    seg = crm_training.segmentation.rfm_scores(d)["segment"]
    per_customer = _per_customer(d, _profit(d) if values is None else values)
    table = pd.DataFrame({"segment": seg, "profit": per_customer.reindex(seg.index)})
    if lapsing:
        table = table[table["segment"].isin(LAPSING)]
    return table.groupby("segment", observed=True)["profit"].agg(how)


def _tier_profit_share(d, by="profit"):
    values = _per_customer(d, _profit(d) if by == "profit" else d.transactions["amount"])
    top = values.sort_values(ascending=False).iloc[: math.ceil(0.2 * len(values))]
    return top.sum() / values.sum()


def _detractor_count(d, cut=6, how="sum"):
    s = d.surveys.dropna(subset=["nps"])
    return s.groupby(s["touchpoint"].astype(str))["nps"].apply(lambda x: (x <= cut).agg(how))


def _nps_bounds(d, touchpoint="checkout", z=1.959963984540054, scale=1):
    s = d.surveys.dropna(subset=["nps"])
    x = s.loc[s["touchpoint"] == touchpoint, "nps"] if touchpoint else s["nps"]
    p, q = (x >= 9).mean(), (x <= 6).mean()
    se = math.sqrt((p + q - (p - q) ** 2) / len(x))
    return (scale * 100 * (p - q - z * se), scale * 100 * (p - q + z * se))


def _tier_profit(d, how="sum"):
    ev = d.loyalty_events.sort_values("timestamp")
    tier = ev.dropna(subset=["tier"]).groupby("customer_id")["tier"].last().astype(str)
    return _per_customer(d, _profit(d)).reindex(tier.index).groupby(tier).agg(how)


def _member_revenue_share(d):
    t = d.transactions
    members = set(d.customers.loc[d.customers["loyalty_member"], "customer_id"])
    return t.loc[t["customer_id"].isin(members), "amount"].sum() / t["amount"].sum()


def _erlang_c(calls, aht_h, n):
    a = calls * aht_h
    top = a ** n / math.factorial(n) * n / (n - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(n)) + top)


def _sl_by_hand(calls=120, aht_h=4 / 60, n=10, t_h=20 / 3600):
    return 1 - _erlang_c(calls, aht_h, n) * math.exp(-(n - calls * aht_h) * t_h / aht_h)


def _resolved(d):
    return d.tickets[d.tickets["resolved"]]


FLOWS, RATE = [-250_000, 90_000, 110_000, 120_000, 120_000], 0.08
PROJECTS = {"loyalty app": [-100_000, 40_000, 40_000, 40_000, 40_000],
            "email automation": [-20_000, 10_000, 10_000, 10_000, 10_000],
            "data platform": [-150_000, 0, 0, 0, 230_000]}


def _npv(flows, rate=RATE):
    return sum(cf / (1 + rate) ** t for t, cf in enumerate(flows))


def _irr(flows):
    low, high = 0.0, 1.0
    for _ in range(100):  # bisection: NPV falls as the rate rises
        mid = (low + high) / 2
        low, high = (mid, high) if _npv(flows, mid) > 0 else (low, mid)
    return mid


def _decide(choice):
    """A right choice, justified by naming it (a justification must name a figure, the choice or
    the criterion)."""
    return (choice, f"I would choose {choice}. " + WHY)


def _cite(scores, pick="max"):
    """A choice made on ``scores`` (the wrong criterion of a slip), citing its figure: what a
    trainee who made the slip writes, and what lets the check name the slip."""
    s = pd.Series(scores).astype(float)
    choice = s.idxmax() if pick == "max" else s.idxmin()
    return (choice, f"I would choose {choice}: it stands at {s[choice]:,.2f}, better than the "
            "others on this figure. " + WHY)


WHY = ("Customers from this channel bring the most profit each on average, so every extra "
       "customer we buy there pays back more; I would shift budget step by step and watch "
       "the next cohort.")


# exercise -> right answers (several ways a trainee may get there)
RIGHT = {
    "01.1": [lambda d: _top_share(_per_customer(d, _profit(d)))],
    "01.2": [lambda d: _gini(_per_customer(d, d.transactions["amount"]))],
    "01.3": [lambda d: _returned(d) / d.transactions.query("~is_return")["amount"].sum()],
    "01.4": [lambda d: (_purchases(d) >= 2).mean()],
    "01.5": [lambda d: _by_channel(d, _profit(d))],
    "01.6": [lambda d: (_by_channel(d, _profit(d)).idxmax(), WHY),  # WHY says "profit"
             lambda d: [_by_channel(d, _profit(d)).idxmax().upper(), WHY]],
    "02.4": [_tier_profit_share, lambda d: (lambda v, t: v[t == "high"].sum() / v.sum())(
        _per_customer(d, _profit(d)),
        crm_training.segmentation.value_tiers(d, measure="profit")["value_tier"])],
    "02.5": [_segment_profit],
    "02.6": [lambda d: (_segment_profit(d).idxmax(), WHY)],
    "03.4": [_detractor_count],
    "03.5": [_nps_bounds, lambda d: (lambda e: (e.low, e.high))(
        crm_training.experience.nps_interval(d.surveys.query("touchpoint == 'checkout'")["nps"]))],
    "03.6": [lambda d: _decide(_detractor_count(d).idxmax())],
    "04.4": [lambda d: -_ledger(d, "redeem") / _ledger(d, "earn", "referral")],
    "04.5": [_member_revenue_share],
    "04.6": [lambda d: (_tier_profit(d).idxmax(), WHY)],
    "05.4": [lambda d: _resolved(d)["first_contact_resolution"].mean()],
    "05.5": [lambda d: _sl_by_hand()],
    "05.6": [lambda d: _decide("chatbot"), lambda d: ("Chatbot ", "Chatbot: " + WHY)],
    "06.5": [lambda d: _irr(FLOWS)],
    "06.6": [lambda d: _decide(max(PROJECTS, key=lambda p: _npv(PROJECTS[p])))],
    "02.1": [lambda d: crm_training.segmentation.rfm_scores(d)["segment"].value_counts(),
             lambda d: crm_training.segmentation.rfm_scores(d).groupby(
                 "segment", observed=True).size().to_dict()],
    "02.2": [lambda d: _profit(d).groupby(d.transactions["customer_id"]).sum().median()],
    "02.3": [lambda d: _at_risk(d)],
    "03.1": [_nps],
    "03.2": [_csat],
    "03.3": [lambda d: _sessions(d, 6) / _sessions(d, 1)],
    "04.1": [lambda d: d.loyalty_events["points"].sum() * 0.01],
    "04.2": [lambda d: -_ledger(d, "expire") / _ledger(d, "earn", "referral")],
    "04.3": [lambda d: crm_training.loyalty.naive_member_uplift(d)["effect"]],
    "05.1": [lambda d: _hours(d, "first_response_at").median()],
    "05.2": [lambda d: 11],
    "05.3": [lambda d: (_hours(d, "first_response_at") <= d.tickets["priority"].astype(str).map(
        crm_training.service.DEFAULT_SLA_HOURS)).mean()],
    "06.4": [lambda d: 3841],
    "06.1": [lambda d: _conversion(d)[1]["mean"] - _conversion(d)[0]["mean"]],
    "06.2": [_ci, lambda d: list(_ci(d))],
    "06.3": [lambda d: sum(cf / (1 + RATE) ** t for t, cf in enumerate(FLOWS))],
}

# (exercise, wrong answer, mistake the check must name, words of the hint it must give)
WRONG = [
    ("01.1", lambda d: _top_share(_per_customer(d, d.transactions["amount"])), "revenue",
     "share of revenue"),
    ("01.1", lambda d: 100 * _top_share(_per_customer(d, _profit(d))), "percent",
     "not a percentage"),
    ("01.1", lambda d: _top_share(_profit(d)), "per_transaction", "order lines"),
    ("01.2", lambda d: _gini(d.transactions["amount"]), "per_transaction", "single order lines"),
    ("01.2", lambda d: _gini(_per_customer(d, _profit(d))), "profit", "Gini of profit"),
    ("01.2", lambda d: 100 * _gini(_per_customer(d, d.transactions["amount"])), "percent",
     "0 to 1"),
    ("01.3", lambda d: d.transactions["is_return"].mean(), "rows", "share of rows"),
    ("01.3", lambda d: _returned(d) / d.transactions["amount"].sum(), "net_denominator",
     "net sales"),
    ("01.3", lambda d: 100 * _returned(d) / d.transactions.query("~is_return")["amount"].sum(),
     "percent", "not a percentage"),
    ("01.4", lambda d: (_purchases(d) > 2).mean(), "off_by_one", ">= 2"),
    ("01.4", lambda d: (_purchases(d, with_returns=True) >= 2).mean(), "with_returns",
     "return rows"),
    ("01.4", lambda d: 100 * (_purchases(d) >= 2).mean(), "percent", "not a percentage"),
    ("01.5", lambda d: _by_channel(d, _profit(d), "median"), "median", "those are medians"),
    ("01.5", lambda d: _by_channel(d, d.transactions["amount"]), "revenue", "revenue per"),
    ("01.5", lambda d: _by_channel(d, _profit(d), "sum"), "total", "total profit"),
    ("01.6", lambda d: _cite(_by_channel(d, _profit(d), "sum")), "total",
     "largest total"),
    ("01.6", lambda d: _cite(_by_channel(d, _profit(d), "median")), "median",
     "compared medians"),
    ("01.6", lambda d: _cite((d.transactions["amount"] - d.transactions["cost"]).groupby(
        d.transactions["customer_id"].map(d.customers.set_index("customer_id")[
            "acquisition_channel"])).mean()), "per_line", "order lines"),
    ("01.6", lambda d: _cite(d.customers["acquisition_channel"].value_counts()),
     "most_customers", "the most customers"),
    ("02.4", lambda d: 0.2, "customer_share", "share of customers"),
    ("02.4", lambda d: _tier_profit_share(d, by="revenue"), "revenue", "share of revenue"),
    ("02.4", lambda d: 100 * _tier_profit_share(d), "percent", "not a percentage"),
    ("02.5", lambda d: _segment_profit(d, d.transactions["amount"]), "revenue", "that is revenue"),
    ("02.5", lambda d: _segment_profit(d, how="mean"), "mean", "means per customer"),
    ("02.5", lambda d: _segment_profit(d, lapsing=False), "all_segments", "every segment"),
    ("02.6", lambda d: _cite(crm_training.segmentation.rfm_scores(d).query(
        "segment in @LAPSING")["segment"].value_counts()), "most_customers", "the most customers"),
    ("02.6", lambda d: _cite(_segment_profit(d, lapsing=False)), "all_segments",
     "not lapsing"),
    ("03.4", lambda d: _detractor_count(d, cut=7), "from_7", "7 as a detractor"),
    ("03.4", lambda d: _detractor_count(d, cut=5), "below_6", "<= 6"),
    ("03.4", lambda d: _detractor_count(d, how="mean"), "share", "shares of answers"),
    ("03.5", lambda d: _nps_bounds(d, z=1.645), "ninety", "90% interval"),
    ("03.5", lambda d: _nps_bounds(d, scale=0.01), "share", "not shares"),
    ("03.5", lambda d: _nps_bounds(d, touchpoint=None), "all_touchpoints", "every answer"),
    ("03.6", lambda d: _cite(_nps(d), "min"), "lowest_nps", "lowest NPS"),
    ("03.6", lambda d: _cite(d.surveys.groupby("touchpoint", observed=True)["nps"].mean(), "min"),
     "mean_score", "mean scores"),
    ("03.6", lambda d: _cite(_detractor_count(d, cut=7)), "from_7", "7 as a detractor"),
    ("04.4", lambda d: -_ledger(d, "redeem", "expire") / _ledger(d, "earn", "referral"),
     "with_expired", "expired points as used"),
    ("04.4", lambda d: _ledger(d, "redeem") / _ledger(d, "earn", "referral"), "sign",
     "negative numbers"),
    ("04.4", lambda d: -100 * _ledger(d, "redeem") / _ledger(d, "earn", "referral"), "percent",
     "not a percentage"),
    ("04.5", lambda d: d.customers["loyalty_member"].mean(), "customer_share",
     "share of customers"),
    ("04.5", lambda d: 100 * _member_revenue_share(d), "percent", "not a percentage"),
    ("04.6", lambda d: _cite(_tier_profit(d, "size")), "most_members", "most members"),
    ("04.6", lambda d: _cite(_tier_profit(d, "mean")), "mean", "few of them"),
    ("05.4", lambda d: d.tickets["first_contact_resolution"].mean(), "all_tickets",
     "every ticket"),
    ("05.4", lambda d: 1 - _resolved(d)["first_contact_resolution"].mean(), "not_fcr",
     "more than one contact"),
    ("05.4", lambda d: 100 * _resolved(d)["first_contact_resolution"].mean(), "percent",
     "not a percentage"),
    ("05.5", lambda d: _erlang_c(120, 4 / 60, 10), "wait_prob", "waits at all"),
    ("05.5", lambda d: 1 - _erlang_c(120, 4 / 60, 10), "no_wait", "without any wait"),
    ("05.5", lambda d: 100 * _sl_by_hand(), "percent", "not a percentage"),
    ("05.6", lambda d: ("agents", "At the traffic load, 8 agents cost 200 an hour, while the "
                        "chatbot and 6 agents cost 210: " + WHY), "load_only", "traffic load"),
    ("06.5", lambda d: sum(FLOWS[1:]) / -FLOWS[0] - 1, "simple_roi", "simple return"),
    ("06.5", lambda d: 100 * _irr(FLOWS), "percent", "as a share"),
    ("06.6", lambda d: _cite({p: _irr(f) for p, f in PROJECTS.items()}), "irr",
     "highest IRR"),
    ("06.6", lambda d: _cite({p: sum(f) for p, f in PROJECTS.items()}), "undiscounted",
     "plain sum"),
    ("02.1", lambda d: crm_training.segmentation.rfm_scores(d)["segment"].value_counts(
        normalize=True), "shares", "shares of customers"),
    ("02.1", lambda d: d.transactions["customer_id"].map(
        crm_training.segmentation.rfm_scores(d)["segment"]).value_counts(), "transactions",
     "transaction rows"),
    ("02.2", lambda d: d.transactions.groupby("customer_id")["amount"].sum().median(),
     "revenue", "median revenue"),
    ("02.2", lambda d: _profit(d).groupby(d.transactions["customer_id"]).sum().mean(), "mean",
     "that is the mean"),
    ("02.2", lambda d: _profit(d)[~d.transactions["is_return"]].groupby(
        d.transactions["customer_id"]).sum().median(), "no_returns", "left out the returns"),
    ("02.3", lambda d: _at_risk(d, measure="revenue"), "revenue_tiers", "by revenue"),
    ("02.3", lambda d: _at_risk(d, segments=("At risk",)), "at_risk_only", "Cannot lose them"),
    ("02.3", lambda d: _at_risk(d, tiers=("high", "medium")), "high_and_medium",
     "medium tier"),
    ("02.3", lambda d: _at_risk(d, tiers=("high", "medium", "potential")), "all_tiers",
     "every customer at risk"),
    ("03.1", lambda d: _nps(d, promoter=7), "promoters_from_7", "counted 7-8 as promoters"),
    ("03.1", lambda d: _nps(d, promoter=8), "promoters_from_8", "8 as a promoter"),
    ("03.1", lambda d: _nps(d, detractor=5), "detractors_to_5", "detractors are 0-6"),
    ("03.1", lambda d: d.surveys.groupby("touchpoint", observed=True)["nps"].mean(),
     "mean_score", "not an average"),
    ("03.1", lambda d: _nps(d) / 100, "share", "-100 to 100"),
    ("03.2", lambda d: d.surveys.groupby("touchpoint", observed=True)["csat"].mean(),
     "mean_score", "mean score"),
    ("03.2", lambda d: _csat(d, satisfied=3), "three_satisfied", "3 is neutral"),
    ("03.2", lambda d: 100 * _csat(d), "percent", "not a percentage"),
    ("03.3", lambda d: _sessions(d, 6) / _sessions(d, 5), "last_step", "last step only"),
    ("03.3", lambda d: 1 - _sessions(d, 6) / _sessions(d, 1), "drop_off", "drop-off"),
    ("03.3", lambda d: 100 * _sessions(d, 6) / _sessions(d, 1), "percent", "not a percentage"),
    ("04.1", lambda d: d.loyalty_events["points"].sum(), "points", "multiply by the point value"),
    ("04.1", lambda d: _ledger(d, "earn", "referral") * 0.01, "earned_only",
     "every point ever earned"),
    ("04.1", lambda d: _ledger(d, "earn", "referral", "redeem") * 0.01, "no_expiry",
     "expired points"),
    ("04.1", lambda d: d.loyalty_events["points"].sum() * 0.01 * (
        1 + _ledger(d, "expire") / _ledger(d, "earn", "referral")), "net_of_breakage",
     "gross liability"),
    ("04.2", lambda d: _ledger(d, "expire") / _ledger(d, "earn", "referral"), "sign",
     "negative numbers"),
    ("04.2", lambda d: _ledger(d, "expire") / _ledger(d, "redeem"), "over_redeemed",
     "redeemed points"),
    ("04.2", lambda d: -100 * _ledger(d, "expire") / _ledger(d, "earn", "referral"), "percent",
     "not a percentage"),
    ("04.3", lambda d: 1 + crm_training.loyalty.naive_member_uplift(d)["effect"], "ratio",
     "ratio minus 1"),
    ("04.3", lambda d: (lambda r: r["member_rate"] - r["non_member_rate"])(
        crm_training.loyalty.naive_member_uplift(d)), "absolute", "relative uplift"),
    ("04.3", lambda d: 100 * crm_training.loyalty.naive_member_uplift(d)["effect"], "percent",
     "not a percentage"),
    ("05.1", lambda d: _hours(d, "first_response_at").mean(), "mean", "use .median()"),
    ("05.1", lambda d: 60 * _hours(d, "first_response_at").median(), "minutes", "minutes"),
    ("05.1", lambda d: _hours(d, "resolved_at").median(), "resolution", "resolution time"),
    ("05.2", lambda d: math.ceil(120 * 4 / 60), "load_only", "traffic intensity"),
    ("05.2", lambda d: math.ceil(120 * 4 / 60) + 1, "load_plus_one", "Erlang C"),
    ("05.2", lambda d: crm_training.service.agents_needed(120, 4, 0.8, 20 / 3600), "aht_minutes",
     "minutes / 60"),
    ("05.2", lambda d: crm_training.service.agents_needed(120, 4 / 60, 0.8, 20 / 60),
     "target_units", "answer_seconds / 3600"),
    ("05.3", lambda d: (_hours(d, "resolved_at") <= d.tickets["priority"].astype(str).map(
        crm_training.service.DEFAULT_SLA_HOURS)).mean(), "resolution", "resolution time"),
    ("05.3", lambda d: (_hours(d, "first_response_at") > d.tickets["priority"].astype(str).map(
        crm_training.service.DEFAULT_SLA_HOURS)).mean(), "missed", "missed the target"),
    ("05.3", lambda d: 100 * crm_training.service.ticket_times(d.tickets)["sla_met"].mean(),
     "percent", "not a percentage"),
    ("06.4", lambda d: 2 * 3841, "total", "both groups"),
    ("06.4", lambda d: crm_training.evaluation.sample_size_proportions(0.10, 0.02, alpha=0.1),
     "one_sided", "two-sided"),
    ("06.4", lambda d: crm_training.evaluation.sample_size_proportions(0.10, 0.002),
     "relative_lift", "percentage points"),
    ("06.1", lambda d: _conversion(d)[0]["mean"] - _conversion(d)[1]["mean"], "sign",
     "treatment minus control"),
    ("06.1", lambda d: 100 * (_conversion(d)[1]["mean"] - _conversion(d)[0]["mean"]), "points",
     "as a share"),
    ("06.1", lambda d: _conversion(d)[1]["mean"] / _conversion(d)[0]["mean"] - 1, "relative",
     "relative lift"),
    ("06.2", lambda d: _ci(d, z=1.645), "ninety", "90% interval"),
    ("06.2", lambda d: tuple(-v for v in _ci(d)[::-1]), "sign", "control minus treatment"),
    ("06.2", lambda d: tuple(100 * v for v in _ci(d)), "points", "as shares"),
    ("06.3", lambda d: sum(cf / (1 + RATE) ** (t + 1) for t, cf in enumerate(FLOWS)),
     "discounted_first", "first cash flow"),
    ("06.3", lambda d: sum(FLOWS), "undiscounted", "plain sum"),
    ("06.3", lambda d: sum(cf / (1 + 8) ** t for t, cf in enumerate(FLOWS)), "rate_percent",
     "0.08"),
]


def _call(exercise_id, answer, data):
    ex = REGISTRY[exercise_id]
    return check(exercise_id, answer, data if ex.needs_data else None)


@pytest.mark.parametrize("exercise_id, i", [(e, i) for e, fs in RIGHT.items()
                                            for i in range(len(fs))])
def test_right_answers_pass(datasets, exercise_id, i, capsys):
    data = datasets(exercise_id)
    result = _call(exercise_id, RIGHT[exercise_id][i](data), data)
    assert result.passed, result.message
    assert capsys.readouterr().out.startswith(f"✓ {exercise_id}")


@pytest.mark.parametrize("exercise_id, wrong, mistake, words", WRONG,
                         ids=[f"{w[0]}-{w[2]}" for w in WRONG])
def test_typical_mistakes_get_their_hint(datasets, exercise_id, wrong, mistake, words):
    data = datasets(exercise_id)
    result = _call(exercise_id, wrong(data), data)
    assert not result.passed
    if REGISTRY[exercise_id].kind == "choice":  # several slips may pick the same option
        assert mistake in result.mistakes, result.message
    else:  # a slip is named alone, or with the others that give exactly the same value
        assert mistake in result.mistakes, result.message
        assert result.mistake == mistake or len(result.mistakes) > 1, result.message
    assert words in result.message
    assert result.message.startswith(f"✗ {exercise_id}")


def test_every_anticipated_mistake_is_tested():
    from exercise_mistakes import HOLDOUT, NOVEL, ON_OTHER_DATA
    tested = {(w[0], w[2]) for w in WRONG} | ON_OTHER_DATA | {
        (e, part) for e, _, _, slips in NOVEL + HOLDOUT for s in slips for part in s.split("+")}
    declared = {(e, m.name) for e, ex in REGISTRY.items() for m in ex.mistakes}
    assert declared <= tested, declared - tested
    assert set(RIGHT) == set(REGISTRY)


def test_an_unknown_wrong_answer_gets_the_general_hint(datasets):
    data = datasets("03.1")
    result = check("03.3", 0.5, data)
    assert not result.passed and result.mistake is None
    assert "Hint:" in result.message and "too high" in result.message
    assert "0.067" not in result.message and "0.0674" not in result.message  # no leak


@pytest.mark.parametrize("exercise_id", sorted(REGISTRY))
def test_the_stub_says_not_answered_without_raising(exercise_id):
    result = check(exercise_id, ..., None)  # no data needed to say "not answered"
    assert not result.passed and "not answered yet" in result.message


def test_answers_of_the_wrong_shape_are_explained(datasets):
    data = datasets("03.1")
    table = crm_training.experience.satisfaction_table(data.surveys)
    assert "select the column" in check("03.1", table, data).message
    assert "one number" in check("03.3", "seven percent", data).message
    assert "two numbers" in check("06.2", 0.05, datasets("06.2")).message
    assert "the labels differ" in check("03.1", _nps(data).iloc[1:], data).message
    assert "division by zero" in check("06.3", float("nan")).message


def test_decisions_need_a_choice_and_a_justification(datasets):
    data = datasets("01.6")
    best = _by_channel(data, _profit(data)).idxmax()
    assert "two texts" in check("01.6", best, data).message
    short = check("01.6", (best, "highest mean profit"), data)
    assert not short.passed and "at least 20 words" in short.message and "has 3" in short.message
    assert check("01.6", (f"  {best} ", WHY), data).passed
    wrong = check("01.6", ("nowhere", WHY), data)
    assert not wrong.passed and wrong.mistake is None and "not one of the options" in wrong.message
    other = next(c for c in _by_channel(data, _profit(data)).index if c != best)
    wrong = check("01.6", (other, WHY), data)  # no figure: no slip is named, the method hint is
    assert not wrong.passed and wrong.mistake is None and "Hint:" in wrong.message


def test_tolerance_and_integer_answers():
    ref = _npv(FLOWS)
    # money: to the whole unit (half a unit either way), not within 0.1% (±111 here)
    assert check("06.3", ref + 0.49).passed and check("06.3", round(ref)).passed
    assert not check("06.3", ref * (1 + 5e-4)).passed   # 56 off: not whole units
    assert not check("06.3", 111_000).passed and not check("06.3", 111_200).passed
    assert check("05.2", 11.0).passed and not check("05.2", 11.4).passed
    assert check("06.3", 111_104.05).passed  # given numbers are the defaults


def test_check_arguments_are_validated(datasets):
    with pytest.raises(ValueError, match="unknown exercise '9.9'"):
        check("9.9", 1.0)
    with pytest.raises(TypeError, match="needs the data"):
        check("01.1", 0.8)
    with pytest.raises(TypeError, match="no parameter"):
        check("06.3", 1.0, discount=0.1)


def test_given_numbers_change_the_reference():
    assert check("06.3", 190_000.0, rate=0.0).passed
    assert check("05.2", 2, calls_per_hour=10, aht_minutes=3).passed


# ---- the notebooks ---------------------------------------------------------------------------

def _sources(folder: Path):
    return {p.name: [(c.cell_type, c.source) for c in nbformat.read(p, as_version=4).cells]
            for p in sorted(folder.glob("*.ipynb"))}


def test_solution_regions_assign_the_answer_first():
    # the stub keeps the first assignment's target: it must be the name the check is given, or
    # the check would be handed the previous exercise's answer
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "BEGIN SOLUTION" in cell.source:
                body = cell.source.split("BEGIN SOLUTION\n", 1)[1]
                assert body.startswith("answer = "), (path.name, body.splitlines()[0])


def test_exercises_folder_is_not_stale(tmp_path):
    build_exercises(ROOT / "solutions", tmp_path / "exercises")
    assert _sources(ROOT / "exercises") == _sources(tmp_path / "exercises"), (
        "exercises/ is stale: run `crm-training build-exercises --force`")
    # byte for byte, manifest included: `build-exercises --force` may replace the folder
    for path in sorted((tmp_path / "exercises").iterdir()):
        assert path.read_bytes() == (ROOT / "exercises" / path.name).read_bytes(), (
            f"exercises/{path.name} differs: run `crm-training build-exercises --force`")
    assert sorted(_sources(ROOT / "exercises")) == [f"0{n}_exercises.ipynb" for n in range(1, 7)]


def test_no_solution_in_the_exercises():
    for path in (ROOT / "exercises").glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, path.name
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


def test_solutions_check_every_registered_exercise_once():
    calls = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[1].metadata.get("tags") == ["parameters"]
        assert nb.cells[1].source.splitlines()[1:3] == ["n_customers = 3000", "seed = 7"]
        assert nb.cells[1].source.startswith(
            f'industry = "{CHAPTER_INDUSTRY[path.name[:2]]}"')
        calls += [c.source.split('"')[1] for c in nb.cells
                  if c.cell_type == "code" and c.source.startswith("check(")]
        for cell in nb.cells:
            assert "BEGIN SOLUTION" not in cell.source or "END SOLUTION" in cell.source
            assert cell.get("outputs", []) == []
    assert sorted(calls) == sorted(REGISTRY)


# ---- the builder -----------------------------------------------------------------------------

def _tiny_notebook():
    v4 = nbformat.v4
    given = v4.new_code_cell("x = 2\n### BEGIN SOLUTION\nanswer = (x\n          + 1)\n"
                             "### END SOLUTION\ncheck('01.1', answer)")
    given.outputs = [v4.new_output("stream", text="✓ 01.1")]
    given.execution_count = 3
    return v4.new_notebook(cells=[
        v4.new_markdown_cell("Question\n### BEGIN SOLUTION\nBecause members self-select.\n"
                             "### END SOLUTION"),
        given,
        v4.new_code_cell("def f():\n    # BEGIN SOLUTION\n    low, high = 1, 2\n"
                         "    # END SOLUTION\n    return low"),
        v4.new_code_cell("### BEGIN SOLUTION\nprint('no assignment')\n### END SOLUTION"),
        v4.new_code_cell("### BEGIN SOLUTION\n# a comment first\nresult == 3\n"
                         "### END SOLUTION"),
        v4.new_code_cell("untouched = 1"),
    ])


def test_builder_strips_markers_on_a_tiny_notebook(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    solution = _tiny_notebook()
    nbformat.write(solution, src / "01_exercises.ipynb")
    build_exercises(src, tmp_path / "dst")
    cells = nbformat.read(tmp_path / "dst" / "01_exercises.ipynb", as_version=4).cells
    assert [c.source for c in cells] == [
        "Question\n*Your answer here.*",
        "x = 2\nanswer = ...  # your answer here\ncheck('01.1', answer)",
        "def f():\n    low, high = ..., ...  # your answer here\n    return low",
        "...  # your answer here",
        "...  # your answer here",  # '==' is a comparison, not an assignment
        "untouched = 1",
    ]
    assert cells[1].outputs == [] and cells[1].execution_count is None
    assert solution.cells[1].outputs  # the solution itself is left as it was
    assert exercise_notebook(solution).cells[1].source == cells[1].source


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\na = 1", "without END"),
    ("a = 1\n### END SOLUTION", "END SOLUTION without BEGIN"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside a solution region"),
])
def test_unpaired_markers_are_refused(source, message):
    with pytest.raises(ValueError, match=message):
        strip_solutions(source, where="nb.ipynb, cell 2")


def test_cli_builds_and_refuses_bad_folders(tmp_path, capsys):
    src = tmp_path / "solutions"
    src.mkdir()
    nbformat.write(_tiny_notebook(), src / "01_exercises.ipynb")
    dst = tmp_path / "exercises"
    assert main(["exercises", "--build", "--src", str(src), "--dst", str(dst)]) == 0
    assert "1 exercise notebooks written" in capsys.readouterr().out
    # a rebuild replaces the folder only with --force, and only while nobody changed it
    assert main(["exercises", "--build", "--src", str(src), "--dst", str(dst)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["exercises", "--build", "--src", str(src), "--dst", str(dst), "--force"]) == 0
    (dst / "notes.txt").write_text("mine")
    assert main(["exercises", "--build", "--src", str(src), "--dst", str(dst), "--force"]) == 2
    assert "notes.txt (added after" in capsys.readouterr().err
    (dst / "notes.txt").unlink()
    edited = dst / "01_exercises.ipynb"
    work = edited.read_bytes().replace(b"your answer here", b"my answer 42")
    edited.write_bytes(work)  # a trainee's work in the generated folder
    assert main(["exercises", "--build", "--src", str(src), "--dst", str(dst), "--force"]) == 2
    assert "01_exercises.ipynb (changed after" in capsys.readouterr().err
    assert edited.read_bytes() == work
    assert main(["exercises", "--build", "--src", str(src), "--dst", str(src), "--force"]) == 2
    assert "is the input" in capsys.readouterr().err
    assert main(["exercises", "--build", "--src", str(tmp_path / "none"), "--dst",
                 str(dst)]) == 2
    assert main(["exercises"]) == 2


def test_build_exercises_command_and_seed_per_trainee(tmp_path, capsys):
    names = tmp_path / "names.txt"
    names.write_text("Anna Schmidt\n\n李伟\nAnna Schmidt\n", encoding="utf-8")
    dst = tmp_path / "personal"
    sol = str(ROOT / "solutions")
    assert main(["build-exercises", "--seed-per-trainee", str(names), "--src", sol,
                 "--dst", str(dst)]) == 0
    assert "2 trainees" in capsys.readouterr().out
    folders = sorted(p for p in dst.iterdir() if p.is_dir())
    assert [p.name for p in folders][0] == "anna-schmidt" and len(folders) == 2
    seeds, sources = [], []
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            p.name for p in (ROOT / "exercises").glob("*.ipynb"))
        cells = nbformat.read(folder / "01_exercises.ipynb", as_version=4).cells
        params = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
        seeds.append(int(params.source.split("seed = ")[1].split()[0]))
        sources.append([c.source for c in cells if c is not params])
        for path in folder.glob("*.ipynb"):
            assert "SOLUTION" not in path.read_text(encoding="utf-8")
    assert seeds[0] != seeds[1] and 7 not in seeds
    assert sources[0] == sources[1]  # the same exercises, only the data differ
    assert sources[0] == [c.source for c in nbformat.read(
        ROOT / "exercises" / "01_exercises.ipynb", as_version=4).cells
        if "parameters" not in c.metadata.get("tags", [])]
    assert crm_training.exercises.trainee_seed("Anna Schmidt") in seeds  # stable, documented
    assert main(["build-exercises", "--src", sol, "--dst", str(tmp_path / "ex")]) == 0  # plain build
    (names).write_text("Anna Schmidt\nanna  schmidt\n", encoding="utf-8")
    assert main(["build-exercises", "--seed-per-trainee", str(names), "--src", sol, "--dst",
                 str(tmp_path / "x")]) == 2
    assert "share the folder name" in capsys.readouterr().err
