"""Trainee answers beyond the planted list of test_exercises.py: right answers in the other forms
trainees naturally write, and plausible mistakes, each computed from the data in plain pandas.

``NATURAL``: (exercise, what the trainee did, answer(data)): every one must pass.
``NOVEL``: (exercise, what the trainee did, answer(data), slips): a mistake; ``slips`` are the
names of the slips a check may name for it (the catalogued mistake, generic transformation or
combination of two that reproduces what the trainee did), or ``()`` when no catalogued or generic
slip is the trainee's: then the check must give its method hint and name nothing. ``LATER``
lists the slips catalogued while this list was measured (issue 14): before them, the entries that
name them got the method hint.

The data are the notebooks' defaults: ``crm_training.generate(industry, 3000, seed=7)`` with the
industry of the chapter.
"""
from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd

import crm_training
from crm_training.evaluation import ab_test, campaign_conversion, irr, npv
from crm_training.experience import funnel, nps_interval, satisfaction_table
from crm_training.loyalty import naive_member_uplift, points_balance, points_summary
from crm_training.segmentation import customer_value, rfm_scores, value_tiers
from crm_training.service import agents_needed, service_level, ticket_times

CHAPTER_INDUSTRY = {"01": "retail", "02": "bank", "03": "travel", "04": "coffee_chain",
                    "05": "telecom", "06": "manufacturing"}
LAPSING = ["About to sleep", "At risk", "Cannot lose them", "Hibernating"]
FLOWS, RATE = [-250_000, 90_000, 110_000, 120_000, 120_000], 0.08
PROJECTS = {"loyalty app": [-100_000, 40_000, 40_000, 40_000, 40_000],
            "email automation": [-20_000, 10_000, 10_000, 10_000, 10_000],
            "data platform": [-150_000, 0, 0, 0, 230_000]}
LATER = {  # slips catalogued while this list was measured: before, they got the method hint
    "01.1": {"ranked_by_revenue", "revenue_of_profit_tier", "top_10"},
    "01.2": {"no_returns", "orders"},
    "01.3": {"customers", "quantity", "row_ratio"},
    "01.4": {"all_customers", "exactly_two"},
    "01.5": {"buyers_only", "no_returns", "per_line"},
    "02.2": {"per_line"},
    "02.3": {"cannot_lose_only", "medium_tier"},
    "02.4": {"revenue_of_profit_tier", "top_10"},
    "02.5": {"counts", "median"},
    "03.1": {"promoters_only"},
    "03.2": {"five_only", "mean_over_5"},
    "03.3": {"checkout_step", "mean_step"},
    "03.4": {"not_detractors", "promoters"},
    "03.5": {"ninety_nine", "one_se"},
    "04.1": {"no_redemptions", "redeemed_value"},
    "04.2": {"no_referrals", "over_outstanding"},
    "04.3": {"inverted", "per_customer"},
    "04.4": {"no_referrals", "rows"},
    "04.5": {"over_non_members", "profit"},
    "05.3": {"single_target"},
    "05.4": {"not_reopened", "resolved_share"},
    "05.5": {"occupancy", "target_units"},
    "06.1": {"ratio", "treatment_rate"},
    "06.2": {"ninety_nine", "one_se", "pooled"},
    "06.3": {"late_returns", "missing_year", "no_investment", "rate_tenfold"},
    "06.4": {"power_90"},
    "06.5": {"simple_yearly"},
}


# ---- what trainees compute -------------------------------------------------------------------

def _profit_lines(d):
    t = d.transactions
    return t["amount"] - t["cost"]


def _per_customer(d, values, buyers_only=False):
    t = d.transactions
    summed = values.groupby(t.loc[values.index, "customer_id"]).sum()
    return summed if buyers_only else summed.reindex(d.customers["customer_id"], fill_value=0.0)


def _top(values, top=0.2, how=math.ceil):
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    return v[: how(top * len(v))].sum() / v.sum()


def _gini(values, clip=True):
    x = np.sort(np.asarray(values, dtype=float))
    x = np.clip(x, 0, None) if clip else x
    n = len(x)
    return float(((2 * np.arange(1, n + 1) - n - 1) * x).sum() / (n * x.sum()))


def _gross(d):
    t = d.transactions
    return t[~t["is_return"]]


def _returns(d):
    t = d.transactions
    return t[t["is_return"]]


def _orders(d, rows=None):
    rows = _gross(d) if rows is None else rows
    return rows.groupby("customer_id").size()


def _channel(d):
    return d.customers.set_index("customer_id")["acquisition_channel"].astype(str)


def _by_channel(d, per_customer, how="mean"):
    return per_customer.groupby(per_customer.index.map(_channel(d))).agg(how)


def _segments(d):
    return rfm_scores(d)["segment"].astype(str)


def _high(d, measure="profit"):
    return value_tiers(d, measure=measure)["value_tier"].astype(str).eq("high")


def _lapsing_profit(d, values=None, how="sum", segments=LAPSING):
    seg = _segments(d)
    per_customer = (customer_value(d, "profit") if values is None else values)
    per_customer = per_customer.reindex(seg.index, fill_value=0.0)
    keep = seg.isin(segments)
    return per_customer[keep].groupby(seg[keep]).agg(how)


def _surveys(d, column="nps"):
    return d.surveys.dropna(subset=[column])


def _nps(d, promoter=9, detractor=6, by="touchpoint"):
    s = _surveys(d)
    g = s.groupby(s[by].astype(str))["nps"]
    return 100 * g.apply(lambda x: (x >= promoter).mean() - (x <= detractor).mean())


def _csat(d, satisfied=4):
    s = _surveys(d, "csat")
    return s.groupby(s["touchpoint"].astype(str))["csat"].apply(lambda x: (x >= satisfied).mean())


def _detractors(d, cut=6):
    s = _surveys(d)
    return (s["nps"] <= cut).groupby(s["touchpoint"].astype(str)).sum()


def _sessions(d, step):
    w = d.web_events
    return w.loc[w["funnel_step"] == step, "session_id"].nunique()


def _ledger(d, *types):
    ev = d.loyalty_events
    return float(ev.loc[ev["event_type"].isin(types), "points"].sum())


def _hours(d, end="first_response_at"):
    t = d.tickets
    return (t[end] - t["created_at"]) / pd.Timedelta(hours=1)


def _sla_hours(d):
    return d.tickets["priority"].astype(str).map(crm_training.service.DEFAULT_SLA_HOURS)


def _resolved(d):
    return d.tickets[d.tickets["resolved"]]


def _rates(d):
    c = campaign_conversion(d)
    return c.groupby("group", observed=True)["converted"].agg(["mean", "size", "sum"])


def _diff_ci(d, z=1.959963984540054, pooled=False):
    r = _rates(d)
    pc, pt, nc, nt = r.loc["control", "mean"], r.loc["treatment", "mean"], r.loc[
        "control", "size"], r.loc["treatment", "size"]
    if pooled:
        p = (r["sum"].sum()) / (nc + nt)
        se = math.sqrt(p * (1 - p) * (1 / nc + 1 / nt))
    else:
        se = math.sqrt(pc * (1 - pc) / nc + pt * (1 - pt) / nt)
    return (pt - pc - z * se, pt - pc + z * se)


def _npv(flows, rate=RATE, start=0):
    return sum(cf / (1 + rate) ** (t + start) for t, cf in enumerate(flows))


def _tier(d):
    return points_balance(d.loyalty_events)["tier"].astype(str)


def _tier_profit(d, how="sum", measure="profit"):
    tier = _tier(d)
    return customer_value(d, measure).reindex(tier.index, fill_value=0.0).groupby(tier).agg(how)


def _erlang_agents(calls, aht_h, target_h, level=0.8):
    return agents_needed(calls, aht_h, level, target_h)


WHY = ("because it brings the most value to the firm on the figures I computed, so every unit "
       "of budget spent there pays back more; I would still test it first on a small scale and "
       "watch the next results closely before moving everything.")
WHY_ZH = ("这个选项在我计算的数据上表现最好，所以每一份预算在这里回报更多；"
          "我会先小规模测试，观察下一批结果，再决定是否全面推广并调整资源分配方案。")


def _say(choice, figure=None, words=WHY):
    """A justification as a trainee writes it: the choice, the figure they compared, a reason."""
    cited = f" ({figure})" if figure is not None else ""
    return (choice, f"I pick {choice}{cited} {words}")


def _by_figure(scores, pick="max", fmt="{:,.2f}", words=WHY):
    s = pd.Series(scores).astype(float)
    choice = s.idxmax() if pick == "max" else s.idxmin()
    return _say(choice, fmt.format(s[choice]), words)


def _cost(calls, aht_h, deflection=0.35, agent_cost=25, bot_cost=60, staff=None):
    staff = staff or (lambda c: _erlang_agents(c, aht_h, 20 / 3600))
    return {"agents": staff(calls) * agent_cost,
            "chatbot": staff(calls * (1 - deflection)) * agent_cost + bot_cost}


# ---- right answers in natural forms ----------------------------------------------------------

def _mean_profit_by_channel(d):
    return _by_channel(d, _per_customer(d, _profit_lines(d)))


def _categorical_by_channel(d):  # observed=False: unused channels come out as NaN
    value = customer_value(d, "profit")
    channel = d.customers.set_index("customer_id")["acquisition_channel"].reindex(value.index)
    return value.groupby(channel, observed=False).mean()


def _lapsing_categorical(d):  # every segment of the categorical, 0 for the others
    seg = rfm_scores(d)["segment"]
    profit = customer_value(d, "profit").reindex(seg.index, fill_value=0.0)
    return profit[seg.isin(LAPSING)].groupby(seg[seg.isin(LAPSING)], observed=False).sum()


NATURAL = [
    # 01.1
    ("01.1", "rounded to 2 decimals", lambda d: round(_top(_per_customer(d, _profit_lines(d))), 2)),
    ("01.1", "rounded to 3 decimals", lambda d: round(_top(_per_customer(d, _profit_lines(d))), 3)),
    ("01.1", "formatted text", lambda d: f"{_top(_per_customer(d, _profit_lines(d))):.3f}"),
    ("01.1", "numpy float32", lambda d: np.float32(_top(_per_customer(d, _profit_lines(d))))),
    ("01.1", "top customers by quantile", lambda d: (lambda v: v[v >= v.quantile(0.8)].sum()
                                                     / v.sum())(customer_value(d, "profit"))),
    # 01.2
    ("01.2", "rounded to 2 decimals", lambda d: round(_gini(_per_customer(
        d, d.transactions["amount"])), 2)),
    ("01.2", "n / (n - 1) corrected", lambda d: (lambda v: _gini(v) * len(v) / (len(v) - 1))(
        _per_customer(d, d.transactions["amount"]))),
    ("01.2", "Decimal", lambda d: Decimal(str(round(_gini(_per_customer(
        d, d.transactions["amount"])), 3)))),
    # 01.3
    ("01.3", "rounded to 3 decimals", lambda d: round(-_returns(d)["amount"].sum()
                                                      / _gross(d)["amount"].sum(), 3)),
    ("01.3", "abs of the returns", lambda d: _returns(d)["amount"].abs().sum()
     / _gross(d)["amount"].sum()),
    ("01.3", "a one-value Series", lambda d: pd.Series([-_returns(d)["amount"].sum()
                                                       / _gross(d)["amount"].sum()])),
    # 01.4
    ("01.4", "rounded to 2 decimals", lambda d: round((_orders(d) >= 2).mean(), 2)),
    ("01.4", "counted via nunique", lambda d: (_gross(d).groupby("customer_id")[
        "transaction_id"].nunique() > 1).mean()),
    ("01.4", "numpy bool mean", lambda d: np.mean((_orders(d) >= 2).to_numpy())),
    # 01.5
    ("01.5", "rounded to whole currency", lambda d: _mean_profit_by_channel(d).round(0)),
    ("01.5", "a dict rounded to cents", lambda d: _mean_profit_by_channel(d).round(2).to_dict()),
    ("01.5", "a list of pairs, sorted", lambda d: sorted(_mean_profit_by_channel(d).items(),
                                                         key=lambda p: -p[1])),
    ("01.5", "reset_index() table", lambda d: _mean_profit_by_channel(d).reset_index()),
    ("01.5", "to_frame()", lambda d: _mean_profit_by_channel(d).to_frame("profit")),
    ("01.5", "labels capitalised with a period", lambda d: _mean_profit_by_channel(d).rename(
        lambda c: c.capitalize() + ".")),
    ("01.5", "categorical groupby: empty channels NaN", _categorical_by_channel),
    ("01.5", "groupby on two keys (MultiIndex)", lambda d: customer_value(d, "profit").groupby(
        [pd.Series("all", index=d.customers["customer_id"]), _channel(d)]).mean()),
    # 01.6
    ("01.6", "label with a period", lambda d: _say(_mean_profit_by_channel(d).idxmax().title()
                                                   + ".", words="mean profit " + WHY)),
    ("01.6", "citing the figure", lambda d: _by_figure(_mean_profit_by_channel(d))),
    ("01.6", "in Chinese", lambda d: (_mean_profit_by_channel(d).idxmax(),
                                      f"{_mean_profit_by_channel(d).max():.0f}元，" + WHY_ZH)),
    # 02.1
    ("02.1", "value_counts of the categorical", lambda d: rfm_scores(d)["segment"]
     .value_counts()),
    ("02.1", "groupby size observed=False", lambda d: rfm_scores(d).groupby(
        "segment", observed=False).size()),
    ("02.1", "reset_index() table", lambda d: rfm_scores(d)["segment"].value_counts()
     .reset_index()),
    ("02.1", "dict with lower-case labels", lambda d: {k.lower(): v for k, v in _segments(d)
                                                       .value_counts().items()}),
    ("02.1", "travel data (zero-count segments)", lambda d: rfm_scores(d)["segment"]
     .value_counts()),
    # 02.2
    ("02.2", "rounded to whole currency", lambda d: round(_per_customer(
        d, _profit_lines(d), buyers_only=True).median())),
    ("02.2", "rounded to 1 decimal", lambda d: round(customer_value(d, "profit").median(), 1)),
    ("02.2", "numpy median", lambda d: np.median(_per_customer(d, _profit_lines(d)))),
    # 02.3
    ("02.3", "numpy integer", lambda d: np.int64((_segments(d).isin(["At risk",
                                                                     "Cannot lose them"])
                                                  & _high(d)).sum())),
    ("02.3", "a float", lambda d: float((_segments(d).isin(["At risk", "Cannot lose them"])
                                         & _high(d)).sum())),
    ("02.3", "len of the filtered table", lambda d: len(rfm_scores(d)[
        _segments(d).isin(["At risk", "Cannot lose them"]) & _high(d)])),
    # 02.4
    ("02.4", "rounded to 2 decimals", lambda d: round((lambda v: v[_high(d).reindex(
        v.index)].sum() / v.sum())(customer_value(d, "profit")), 2)),
    ("02.4", "text", lambda d: "{:.3f}".format((lambda v: v[_high(d).reindex(
        v.index)].sum() / v.sum())(customer_value(d, "profit")))),
    # 02.5
    ("02.5", "rounded to whole currency", lambda d: _lapsing_profit(d).round()),
    ("02.5", "categorical: the other segments at 0", _lapsing_categorical),
    ("02.5", "dict with labels in upper case", lambda d: {k.upper(): v for k, v in
                                                          _lapsing_profit(d).items()}),
    ("02.5", "descending, to_frame()", lambda d: _lapsing_profit(d).sort_values(
        ascending=False).to_frame()),
    # 02.6
    ("02.6", "lower case, figure cited", lambda d: (lambda s: _say(
        s.idxmax().lower(), f"{s.max():,.0f}"))(_lapsing_profit(d))),
    ("02.6", "in Chinese", lambda d: (_lapsing_profit(d).idxmax(), "流失利润最高，" + WHY_ZH)),
    # 03.1
    ("03.1", "rounded to whole points", lambda d: _nps(d).round()),
    ("03.1", "rounded to 1 decimal", lambda d: _nps(d).round(1)),
    ("03.1", "one-column table", lambda d: satisfaction_table(d.surveys, by="touchpoint")[
        ["nps"]]),
    ("03.1", "labels spelled with spaces, Title case", lambda d: _nps(d).rename(
        lambda t: t.replace("_", " ").title())),
    ("03.1", "dict", lambda d: _nps(d).to_dict()),
    # 03.2
    ("03.2", "rounded to 2 decimals", lambda d: _csat(d).round(2)),
    ("03.2", "rounded to 3 decimals", lambda d: _csat(d).round(3)),
    ("03.2", "a list of pairs", lambda d: list(_csat(d).items())),
    # 03.3
    ("03.3", "rounded to 3 decimals", lambda d: round(_sessions(d, 6) / _sessions(d, 1), 3)),
    ("03.3", "sessions by page name", lambda d: (lambda w: w.loc[w["page"] == "confirmation",
                                                                "session_id"].nunique()
                                                 / w.loc[w["page"] == "home", "session_id"]
                                                 .nunique())(d.web_events)),
    ("03.3", "text with 4 decimals", lambda d: f"{_sessions(d, 6) / _sessions(d, 1):.4f}"),
    # 03.4
    ("03.4", "ints", lambda d: _detractors(d).astype(int)),
    ("03.4", "query and value_counts", lambda d: _surveys(d).query("nps <= 6")["touchpoint"]
     .value_counts()),
    ("03.4", "dict", lambda d: _detractors(d).to_dict()),
    # 03.5
    ("03.5", "rounded to 1 decimal", lambda d: tuple(round(x, 1) for x in (lambda e: (
        e.low, e.high))(nps_interval(_surveys(d).query("touchpoint == 'checkout'")["nps"])))),
    ("03.5", "the Estimate itself", lambda d: nps_interval(
        _surveys(d).query("touchpoint == 'checkout'")["nps"])),
    ("03.5", "(high, low)", lambda d: (lambda e: (e.high, e.low))(nps_interval(
        _surveys(d).query("touchpoint == 'checkout'")["nps"]))),
    ("03.5", "rounded to whole points", lambda d: [round(x) for x in (lambda e: (
        e.low, e.high))(nps_interval(_surveys(d).query("touchpoint == 'checkout'")["nps"]))]),
    # 03.6
    ("03.6", "title case, count cited", lambda d: _by_figure(_detractors(d), fmt="{:.0f}")),
    ("03.6", "in Chinese", lambda d: (_detractors(d).idxmax(), "贬损者最多，" + WHY_ZH)),
    # 04.1
    ("04.1", "rounded to whole currency", lambda d: round(d.loyalty_events["points"].sum()
                                                          * 0.01)),
    ("04.1", "text with thousands separator",
     lambda d: f"{d.loyalty_events['points'].sum() * 0.01:,.2f}"),
    ("04.1", "earned - redeemed - expired", lambda d: 0.01 * (
        points_summary(d.loyalty_events)["earned"] - points_summary(d.loyalty_events)["redeemed"]
        - points_summary(d.loyalty_events)["expired"])),
    # 04.2
    ("04.2", "rounded to 3 decimals", lambda d: round(-_ledger(d, "expire") / _ledger(
        d, "earn", "referral"), 3)),
    ("04.2", "abs of the expired", lambda d: abs(_ledger(d, "expire")) / _ledger(
        d, "earn", "referral")),
    # 04.3
    ("04.3", "rounded to 2 decimals", lambda d: round(naive_member_uplift(d)["effect"], 2)),
    ("04.3", "rounded to 1 decimal", lambda d: round(naive_member_uplift(d)["effect"], 1)),
    ("04.3", "from the rates", lambda d: (lambda r: r["member_rate"] / r["non_member_rate"] - 1)(
        naive_member_uplift(d))),
    # 04.4
    ("04.4", "rounded to 2 decimals", lambda d: round(-_ledger(d, "redeem") / _ledger(
        d, "earn", "referral"), 2)),
    ("04.4", "rounded to 3 decimals", lambda d: round(-_ledger(d, "redeem") / _ledger(
        d, "earn", "referral"), 3)),
    # 04.5
    ("04.5", "rounded to 2 decimals", lambda d: round((lambda v, m: v[m].sum() / v.sum())(
        customer_value(d, "revenue"), d.customers.set_index("customer_id")["loyalty_member"]
        .reindex(customer_value(d, "revenue").index)), 2)),
    ("04.5", "from transactions", lambda d: (lambda t, m: t.loc[t["customer_id"].isin(m),
                                                                 "amount"].sum()
                                             / t["amount"].sum())(
        d.transactions, set(d.customers.loc[d.customers["loyalty_member"], "customer_id"]))),
    # 04.6
    ("04.6", "capitalised, total cited", lambda d: (lambda s: _say(s.idxmax().capitalize(),
                                                                   f"{s.max():,.0f}"))(
        _tier_profit(d))),
    ("04.6", "in Chinese", lambda d: (_tier_profit(d).idxmax(), "利润总额最高，" + WHY_ZH)),
    # 05.1
    ("05.1", "rounded to 2 decimals", lambda d: round(_hours(d).median(), 2)),
    ("05.1", "a Timedelta", lambda d: (d.tickets["first_response_at"] - d.tickets[
        "created_at"]).median()),
    ("05.1", "from seconds", lambda d: (d.tickets["first_response_at"] - d.tickets[
        "created_at"]).dt.total_seconds().median() / 3600),
    # 05.2
    ("05.2", "a float", lambda d: float(_erlang_agents(120, 4 / 60, 20 / 3600))),
    ("05.2", "in minutes throughout", lambda d: _erlang_agents(2, 4, 20 / 60)),
    ("05.2", "text", lambda d: "11"),
    # 05.3
    ("05.3", "rounded to 2 decimals", lambda d: round((_hours(d) <= _sla_hours(d)).mean(), 2)),
    ("05.3", "rounded to 3 decimals", lambda d: round(ticket_times(d.tickets)["sla_met"].mean(),
                                                      3)),
    # 05.4
    ("05.4", "rounded to 2 decimals", lambda d: round(_resolved(d)[
        "first_contact_resolution"].mean(), 2)),
    ("05.4", "sum over count", lambda d: _resolved(d)["first_contact_resolution"].sum()
     / len(_resolved(d))),
    # 05.5
    ("05.5", "rounded to 2 decimals", lambda d: round(service_level(120, 4 / 60, 10, 20 / 3600),
                                                      2)),
    ("05.5", "in minutes throughout", lambda d: service_level(2, 4, 10, 20 / 60)),
    # 05.6
    ("05.6", "label with a period", lambda d: _say("Chatbot.", "saves 3 agents")),
    ("05.6", "costs cited", lambda d: _by_figure(_cost(120, 4 / 60), pick="min", fmt="{:.0f}")),
    ("05.6", "in Chinese", lambda d: ("chatbot", "智能客服加八名坐席每小时二百六十元，" + WHY_ZH)),
    # 06.1
    ("06.1", "rounded to 3 decimals", lambda d: round(_rates(d).loc["treatment", "mean"]
                                                      - _rates(d).loc["control", "mean"], 3)),
    ("06.1", "from ab_test, as text", lambda d: f"{ab_test(d)['difference']:.4f}"),
    # 06.2
    ("06.2", "rounded to 3 decimals", lambda d: tuple(round(x, 3) for x in _diff_ci(d))),
    ("06.2", "z = 1.96, numpy array", lambda d: np.array(_diff_ci(d, z=1.96))),
    ("06.2", "(high, low) list", lambda d: list(_diff_ci(d))[::-1]),
    # 06.3
    ("06.3", "rounded to whole currency", lambda d: round(_npv(FLOWS))),
    ("06.3", "numpy", lambda d: np.sum(np.array(FLOWS) / (1 + RATE) ** np.arange(5))),
    ("06.3", "text", lambda d: f"{_npv(FLOWS):,.2f}"),
    # 06.4
    ("06.4", "unpooled variance", lambda d: math.ceil(
        (1.959963984540054 + 0.8416212335729143) ** 2 * (0.1 * 0.9 + 0.12 * 0.88) / 0.02 ** 2)),
    ("06.4", "Cohen's h", lambda d: math.ceil(2 * (1.959963984540054 + 0.8416212335729143) ** 2
                                              / (2 * math.asin(math.sqrt(0.12))
                                                 - 2 * math.asin(math.sqrt(0.1))) ** 2)),
    ("06.4", "z rounded to 1.96 and 0.84", lambda d: math.ceil(
        (1.96 * math.sqrt(2 * 0.11 * 0.89) + 0.84 * math.sqrt(0.1 * 0.9 + 0.12 * 0.88)) ** 2
        / 0.02 ** 2)),
    ("06.4", "the kit's function", lambda d: crm_training.evaluation.sample_size_proportions(
        0.10, 0.02)),
    # 06.5
    ("06.5", "rounded to 2 decimals", lambda d: round(irr(FLOWS), 2)),
    ("06.5", "rounded to 3 decimals", lambda d: round(irr(FLOWS), 3)),
    # 06.6
    ("06.6", "title case, NPV cited", lambda d: (lambda s: _say(s.idxmax().title(),
                                                               f"NPV {s.max():,.0f}"))(
        pd.Series({p: _npv(f) for p, f in PROJECTS.items()}))),
    ("06.6", "in Chinese", lambda d: ("loyalty app", "净现值最高，" + WHY_ZH)),
]


# ---- plausible mistakes not in the planted list ----------------------------------------------

def _x(*names):
    return tuple(names)


NOVEL = [
    # 01.1 share of profit from the top 20%
    ("01.1", "ranked by revenue, profit summed", lambda d: (lambda p, r: p[r.sort_values(
        ascending=False).index[:600]].sum() / p.sum())(customer_value(d, "profit"),
                                                        customer_value(d, "revenue")),
     _x('ranked_by_revenue')),
    ("01.1", "top 10%", lambda d: _top(customer_value(d, "profit"), 0.1), _x('top_10')),
    ("01.1", "profit tier's share of revenue", lambda d: (lambda p, r: r[p.sort_values(
        ascending=False).index[:600]].sum() / r.sum())(customer_value(d, "profit"),
                                                        customer_value(d, "revenue")),
     _x('revenue_of_profit_tier')),
    ("01.1", "revenue share as a percentage", lambda d: 100 * _top(_per_customer(
        d, d.transactions["amount"])), _x("revenue+percent")),
    ("01.1", "rounded to one decimal", lambda d: round(_top(customer_value(d, "profit")), 1),
     _x("rounded_coarsely")),
    ("01.1", "revenue share rounded", lambda d: round(_top(customer_value(d, "revenue")), 2),
     _x("revenue")),
    # 01.2 Gini of net revenue per customer
    ("01.2", "Gini of order counts", lambda d: _gini(_orders(d)), _x('orders')),
    ("01.2", "Lorenz curve on deciles only", lambda d: (lambda v: 1 - 2 * np.trapezoid(
        np.r_[0, np.cumsum(np.sort(v))[len(v) // 10 - 1::len(v) // 10] / v.sum()], dx=0.1))(
        np.clip(customer_value(d, "revenue").to_numpy(), 0, None)), _x()),
    ("01.2", "profit Gini as a percentage", lambda d: 100 * _gini(customer_value(d, "profit")),
     _x("profit+percent")),
    ("01.2", "one minus the Gini", lambda d: 1 - _gini(customer_value(d, "revenue")), _x()),
    ("01.2", "gross revenue (returns left out)", lambda d: _gini(_per_customer(
        d, _gross(d)["amount"])), _x('no_returns')),
    # 01.3 share of sales value returned
    ("01.3", "returned amount left negative", lambda d: _returns(d)["amount"].sum()
     / _gross(d)["amount"].sum(), _x("sign")),
    ("01.3", "return rows over purchase rows", lambda d: len(_returns(d)) / len(_gross(d)),
     _x('row_ratio')),
    ("01.3", "share of rows as a percentage", lambda d: 100 * d.transactions["is_return"].mean(),
     _x("rows+percent")),
    ("01.3", "share of buyers who returned", lambda d: _returns(d)["customer_id"].nunique()
     / _gross(d)["customer_id"].nunique(), _x('customers')),
    ("01.3", "returned quantity over sold quantity", lambda d: _returns(d)["quantity"].abs().sum()
     / _gross(d)["quantity"].sum(), _x('quantity')),
    # 01.4 repeat-purchase rate
    ("01.4", "exactly two orders", lambda d: (_orders(d) == 2).mean(), _x('exactly_two')),
    ("01.4", "mean orders per buyer", lambda d: _orders(d).mean(), _x()),
    ("01.4", "one-time buyers' share", lambda d: (_orders(d) == 1).mean(), _x("complement")),
    ("01.4", "> 2 as a percentage", lambda d: 100 * (_orders(d) > 2).mean(),
     _x("off_by_one+percent")),
    ("01.4", "repeat = bought on two different days", lambda d: (_gross(d).groupby(
        "customer_id")["timestamp"].apply(lambda t: t.dt.normalize().nunique()) >= 2).mean(), _x()),
    ("01.4", "customers with a return among buyers", lambda d: _returns(d)["customer_id"]
     .nunique() / _gross(d)["customer_id"].nunique(), _x()),
    # 01.5 mean profit per customer by channel
    ("01.5", "mean profit per order line", lambda d: _profit_lines(d).groupby(
        d.transactions["customer_id"].map(_channel(d))).mean(), _x('per_line')),
    ("01.5", "revenue, rounded", lambda d: _by_channel(d, customer_value(d, "revenue")).round(),
     _x("revenue")),
    ("01.5", "returns left out", lambda d: _by_channel(d, _per_customer(
        d, _profit_lines(d)[~d.transactions["is_return"]])), _x('no_returns')),
    ("01.5", "one channel dropped", lambda d: _mean_profit_by_channel(d).iloc[1:], _x()),
    ("01.5", "median, rounded", lambda d: _by_channel(d, customer_value(d, "profit"),
                                                      "median").round(), _x("median")),
    ("01.5", "margin (profit / revenue) per channel", lambda d: _by_channel(
        d, customer_value(d, "profit"), "sum") / _by_channel(d, customer_value(d, "revenue"),
                                                             "sum"), _x()),
    # 01.6 channel to invest in
    ("01.6", "largest total, cited", lambda d: _by_figure(_by_channel(
        d, customer_value(d, "profit"), "sum"), fmt="{:,.0f}"), _x("total")),
    ("01.6", "most customers, said", lambda d: _say(_channel(d).value_counts().idxmax(),
                                                    "it has the most customers"),
     _x("most_customers")),
    ("01.6", "median, cited", lambda d: _by_figure(_by_channel(d, customer_value(d, "profit"),
                                                               "median")), _x("median")),
    ("01.6", "a wrong channel without figures", lambda d: _say(
        _mean_profit_by_channel(d).idxmin()), _x()),
    ("01.6", "highest total revenue, cited", lambda d: _by_figure(_by_channel(
        d, customer_value(d, "revenue"), "sum"), fmt="{:,.0f}"), _x()),
    # 02.1 customers per segment
    ("02.1", "counted transactions per segment, rounded", lambda d: d.transactions[
        "customer_id"].map(_segments(d)).value_counts(), _x("transactions")),
    ("02.1", "shares in percent", lambda d: 100 * _segments(d).value_counts(normalize=True),
     _x("shares+percent")),
    ("02.1", "shares, rounded", lambda d: _segments(d).value_counts(normalize=True).round(2),
     _x("shares")),
    ("02.1", "one segment forgotten", lambda d: _segments(d).value_counts().iloc[:-1], _x()),
    ("02.1", "counted R scores instead of segments", lambda d: rfm_scores(d)["R"].value_counts()
     if "R" in rfm_scores(d) else rfm_scores(d).iloc[:, 0].value_counts(), _x()),
    # 02.2 median historic CLV
    ("02.2", "mean, rounded", lambda d: round(customer_value(d, "profit").mean()), _x("mean")),
    ("02.2", "median order profit", lambda d: _profit_lines(d).median(), _x('per_line')),
    ("02.2", "median over order lines of gross", lambda d: _per_customer(
        d, _profit_lines(d)[~d.transactions["is_return"]]).median(), _x("no_returns")),
    ("02.2", "median revenue, rounded", lambda d: round(customer_value(d, "revenue").median()),
     _x("revenue")),
    ("02.2", "median profit margin", lambda d: (customer_value(d, "profit")
                                                / customer_value(d, "revenue")).median(), _x()),
    # 02.3 high-value customers at risk
    ("02.3", "At risk or Hibernating", lambda d: int((_segments(d).isin(
        ["At risk", "Hibernating"]) & _high(d)).sum()), _x("at_risk_only")),
    ("02.3", "high tier only", lambda d: int(_high(d).sum()), _x()),
    ("02.3", "medium tier instead of high", lambda d: int((_segments(d).isin(
        ["At risk", "Cannot lose them"]) & value_tiers(d, measure="profit")["value_tier"]
        .astype(str).eq("medium")).sum()), _x('medium_tier')),
    ("02.3", "Cannot lose them only", lambda d: int((_segments(d).eq("Cannot lose them")
                                                     & _high(d)).sum()), _x('cannot_lose_only')),
    ("02.3", "share instead of count", lambda d: float((_segments(d).isin(
        ["At risk", "Cannot lose them"]) & _high(d)).mean()), _x()),
    # 02.4 profit share of the high tier
    ("02.4", "customer share as a percent", lambda d: 100 * _high(d).mean(),
     _x("customer_share+percent")),
    ("02.4", "revenue of the profit tier", lambda d: (lambda v: v[_high(d).reindex(
        v.index)].sum() / v.sum())(customer_value(d, "revenue")), _x('revenue_of_profit_tier')),
    ("02.4", "rest of the customers' share", lambda d: 1 - (lambda v: v[_high(d).reindex(
        v.index)].sum() / v.sum())(customer_value(d, "profit")), _x("complement")),
    ("02.4", "top 10% instead", lambda d: _top(customer_value(d, "profit"), 0.1), _x('top_10')),
    ("02.4", "rounded to one decimal", lambda d: round((lambda v: v[_high(d).reindex(
        v.index)].sum() / v.sum())(customer_value(d, "profit")), 1), _x("rounded_coarsely")),
    # 02.5 profit at stake per lapsing segment
    ("02.5", "revenue, rounded", lambda d: _lapsing_profit(d, customer_value(d, "revenue"))
     .round(), _x("revenue")),
    ("02.5", "At risk forgotten", lambda d: _lapsing_profit(d).drop("At risk"), _x()),
    ("02.5", "in thousands", lambda d: _lapsing_profit(d) / 1000, _x("per_1000")),
    ("02.5", "median per customer", lambda d: _lapsing_profit(d, how="median"), _x('median')),
    ("02.5", "customer counts", lambda d: _lapsing_profit(d, how="size"), _x('counts')),
    # 02.6 segment to win back
    ("02.6", "most customers, cited", lambda d: _by_figure(_segments(d)[_segments(d).isin(
        LAPSING)].value_counts(), fmt="{:.0f}"), _x("most_customers")),
    ("02.6", "most recent leavers, said", lambda d: _say("About to sleep",
                                                        "they left most recently"), _x()),
    ("02.6", "a non-lapsing segment, said", lambda d: _say("Champions", "most profit overall"),
     _x()),  # told it is not among the lapsing segments, which is what all_segments would say
    ("02.6", "a wrong lapsing segment, no figure", lambda d: _say("Hibernating"), _x()),
    # 03.1 NPS per touchpoint
    ("03.1", "promoters 9-10 minus detractors 0-5, rounded", lambda d: _nps(d, detractor=5)
     .round(), _x("detractors_to_5")),
    ("03.1", "% promoters only", lambda d: 100 * _surveys(d).groupby(_surveys(d)[
        "touchpoint"].astype(str))["nps"].apply(lambda x: (x >= 9).mean()), _x('promoters_only')),
    ("03.1", "detractors minus promoters", lambda d: -_nps(d), _x("sign")),
    ("03.1", "per channel instead of touchpoint", lambda d: _nps(d, by="channel"), _x()),
    ("03.1", "CSAT-style: share of 9-10 as a share", lambda d: _surveys(d).groupby(_surveys(d)[
        "touchpoint"].astype(str))["nps"].apply(lambda x: (x >= 9).mean()),
     _x('promoters_only+share')),
    ("03.1", "mean score x 10", lambda d: 10 * _surveys(d).groupby(_surveys(d)[
        "touchpoint"].astype(str))["nps"].mean(), _x()),
    # 03.2 CSAT per touchpoint
    ("03.2", "only 5 counts as satisfied", lambda d: _csat(d, 5), _x('five_only')),
    ("03.2", "share of dissatisfied (1-2)", lambda d: _surveys(d, "csat").groupby(
        _surveys(d, "csat")["touchpoint"].astype(str))["csat"].apply(lambda x: (x <= 2).mean()),
     _x()),
    ("03.2", "unsatisfied share (1 - CSAT)", lambda d: 1 - _csat(d), _x("complement")),
    ("03.2", "mean score / 5", lambda d: _surveys(d, "csat").groupby(_surveys(d, "csat")[
        "touchpoint"].astype(str))["csat"].mean() / 5, _x('mean_over_5')),
    ("03.2", "percent, rounded", lambda d: (100 * _csat(d)).round(), _x("percent")),
    # 03.3 funnel conversion
    ("03.3", "over the sessions that saw a product", lambda d: _sessions(d, 6)
     / _sessions(d, 3), _x()),
    ("03.3", "mean of the step conversions", lambda d: funnel(d.web_events)[
        "step_conversion"].iloc[1:].mean(), _x('mean_step')),
    ("03.3", "checkout over home", lambda d: _sessions(d, 5) / _sessions(d, 1),
     _x('checkout_step')),
    ("03.3", "confirmation over cart", lambda d: _sessions(d, 6) / _sessions(d, 4), _x()),
    ("03.3", "rounded to one decimal", lambda d: round(_sessions(d, 6) / _sessions(d, 1), 1),
     _x("rounded_coarsely")),
    # 03.4 detractors per touchpoint
    ("03.4", "promoters counted", lambda d: (_surveys(d)["nps"] >= 9).groupby(_surveys(d)[
        "touchpoint"].astype(str)).sum(), _x('promoters')),
    ("03.4", "detractors as a percent", lambda d: 100 * (_surveys(d)["nps"] <= 6).groupby(
        _surveys(d)["touchpoint"].astype(str)).mean(), _x("share+percent")),
    ("03.4", "per channel", lambda d: (_surveys(d)["nps"] <= 6).groupby(_surveys(d)[
        "channel"].astype(str)).sum(), _x()),
    ("03.4", "CSAT 1-2 counted", lambda d: (_surveys(d, "csat")["csat"] <= 2).groupby(
        _surveys(d, "csat")["touchpoint"].astype(str)).sum(), _x()),
    ("03.4", "non-detractors counted", lambda d: (_surveys(d)["nps"] > 6).groupby(_surveys(d)[
        "touchpoint"].astype(str)).sum(), _x('not_detractors')),
    # 03.5 interval of the checkout NPS
    ("03.5", "90% interval, rounded", lambda d: tuple(round(x) for x in (lambda e: (e.low, e.high))(
        nps_interval(_surveys(d).query("touchpoint == 'checkout'")["nps"], confidence=0.9))),
     _x("ninety")),
    ("03.5", "binomial se of the promoter share", lambda d: (lambda x: (lambda p, q, n: (
        100 * (p - q) - 196 * math.sqrt(p * (1 - p) / n), 100 * (p - q) + 196 * math.sqrt(
            p * (1 - p) / n)))((x >= 9).mean(), (x <= 6).mean(), len(x)))(
        _surveys(d).query("touchpoint == 'checkout'")["nps"]), _x()),
    ("03.5", "the website's interval", lambda d: (lambda e: (e.low, e.high))(nps_interval(
        _surveys(d).query("touchpoint == 'website'")["nps"])), _x()),
    ("03.5", "99% interval", lambda d: (lambda e: (e.low, e.high))(nps_interval(
        _surveys(d).query("touchpoint == 'checkout'")["nps"], confidence=0.99)), _x('ninety_nine')),
    ("03.5", "standard error instead of 1.96 se", lambda d: (lambda e: (
        (e.low + e.high) / 2 - (e.high - e.low) / 3.92, (e.low + e.high) / 2
        + (e.high - e.low) / 3.92))(nps_interval(
            _surveys(d).query("touchpoint == 'checkout'")["nps"])), _x('one_se')),
    # 03.6 touchpoint to fix
    ("03.6", "lowest NPS, cited", lambda d: _by_figure(_nps(d), pick="min"), _x("lowest_nps")),
    ("03.6", "0-7 counted, cited", lambda d: _by_figure(_detractors(d, 7), fmt="{:.0f}"),
     _x("from_7")),
    ("03.6", "lowest CSAT, cited", lambda d: _by_figure(_csat(d), pick="min", fmt="{:.3f}"),
     _x()),
    ("03.6", "a wrong touchpoint, no figure", lambda d: _say("website"), _x()),
    ("03.6", "a wrong one citing its detractors", lambda d: _say(
        "checkout", f"{_detractors(d)['checkout']:.0f} detractors"), _x()),
    # 04.1 points liability
    ("04.1", "earned - redeemed, in points", lambda d: _ledger(d, "earn", "referral", "redeem"),
     _x("no_expiry+points")),
    ("04.1", "earned - expired (redemptions forgotten)", lambda d: 0.01 * _ledger(
        d, "earn", "referral", "expire"), _x('no_redemptions')),
    ("04.1", "redeemed value", lambda d: -_ledger(d, "redeem") * 0.01, _x('redeemed_value')),
    ("04.1", "point value 0.1", lambda d: d.loyalty_events["points"].sum() * 0.1, _x()),
    ("04.1", "signs ignored (absolute points summed)", lambda d: d.loyalty_events["points"].abs()
     .sum() * 0.01, _x()),
    # 04.2 breakage
    ("04.2", "expired over outstanding", lambda d: -_ledger(d, "expire") / d.loyalty_events[
        "points"].sum(), _x('over_outstanding')),
    ("04.2", "earn rows only (referrals left out)", lambda d: -_ledger(d, "expire")
     / _ledger(d, "earn"), _x('no_referrals')),
    ("04.2", "unused share (outstanding / earned)", lambda d: d.loyalty_events["points"].sum()
     / _ledger(d, "earn", "referral"), _x()),
    ("04.2", "expire rows over all rows", lambda d: (d.loyalty_events["event_type"] == "expire")
     .mean(), _x()),
    ("04.2", "percent with the sign", lambda d: 100 * _ledger(d, "expire") / _ledger(
        d, "earn", "referral"), _x("sign+percent", "percent+sign")),
    # 04.3 naive uplift
    ("04.3", "orders per customer over the whole data", lambda d: (lambda o, m: o[m].mean()
                                                                   / o[~m].mean() - 1)(
        _orders(d).reindex(d.customers["customer_id"], fill_value=0).to_numpy(),
        d.customers["loyalty_member"].to_numpy()), _x('per_customer')),
    ("04.3", "non-members over members - 1", lambda d: (lambda r: r["non_member_rate"]
                                                        / r["member_rate"] - 1)(
        naive_member_uplift(d)), _x('inverted')),
    ("04.3", "revenue per customer ratio - 1", lambda d: (lambda v, m: v[m].mean() / v[~m].mean()
                                                          - 1)(
        customer_value(d, "revenue").to_numpy(), d.customers.set_index("customer_id")[
            "loyalty_member"].reindex(customer_value(d, "revenue").index).to_numpy()), _x()),
    ("04.3", "ratio, as a percent", lambda d: 100 * (1 + naive_member_uplift(d)["effect"]),
     _x("ratio+percent")),
    ("04.3", "monthly rates' difference", lambda d: (lambda r: (r["member_rate"]
                                                                - r["non_member_rate"]) / 12)(
        naive_member_uplift(d)), _x()),
    # 04.4 redemption rate
    ("04.4", "redeem rows over earn rows", lambda d: (d.loyalty_events["event_type"] == "redeem")
     .sum() / (d.loyalty_events["event_type"] == "earn").sum(), _x('rows')),
    ("04.4", "outstanding over earned", lambda d: d.loyalty_events["points"].sum()
     / _ledger(d, "earn", "referral"), _x()),
    ("04.4", "earn rows only", lambda d: -_ledger(d, "redeem") / _ledger(d, "earn"),
     _x('no_referrals')),
    ("04.4", "unredeemed share", lambda d: 1 + _ledger(d, "redeem") / _ledger(
        d, "earn", "referral"), _x("complement")),
    ("04.4", "percent, rounded", lambda d: round(-100 * _ledger(d, "redeem") / _ledger(
        d, "earn", "referral")), _x("percent")),
    # 04.5 members' revenue share
    ("04.5", "members' mean revenue over everyone's", lambda d: (lambda v, m: v[m].mean()
                                                                  / v.mean())(
        *(lambda v: (v, d.customers.set_index("customer_id")["loyalty_member"].reindex(
            v.index).to_numpy()))(customer_value(d, "revenue"))), _x()),
    ("04.5", "members' share of orders", lambda d: d.transactions["customer_id"].isin(set(
        d.customers.loc[d.customers["loyalty_member"], "customer_id"])).mean(), _x()),
    ("04.5", "members' over non-members' revenue", lambda d: (lambda v, m: v[m].sum()
                                                              / v[~m].sum())(
        customer_value(d, "revenue").to_numpy(), d.customers.set_index("customer_id")[
            "loyalty_member"].reindex(customer_value(d, "revenue").index).to_numpy()),
     _x('over_non_members')),
    ("04.5", "non-members' share", lambda d: 1 - (lambda t, m: t.loc[t["customer_id"].isin(m),
                                                                     "amount"].sum()
                                                 / t["amount"].sum())(
        d.transactions, set(d.customers.loc[d.customers["loyalty_member"], "customer_id"])),
     _x("complement")),
    ("04.5", "members' profit share", lambda d: (lambda v, m: v[m].sum() / v.sum())(
        customer_value(d, "profit"), d.customers.set_index("customer_id")["loyalty_member"]
        .reindex(customer_value(d, "profit").index)), _x('profit')),
    # 04.6 tier to protect
    ("04.6", "most members, cited", lambda d: _by_figure(_tier(d).value_counts(), fmt="{:.0f}"),
     _x("most_members")),
    ("04.6", "highest mean profit, said", lambda d: _say(_tier_profit(d, "mean").idxmax(),
                                                         "the highest profit per member"),
     _x("mean")),
    ("04.6", "the top tier, said 'best customers'", lambda d: _say(
        "platinum", "our best customers"), _x()),
    ("04.6", "a wrong tier, no figure", lambda d: _say("bronze"), _x()),
    # 05.1 median first response (hours)
    ("05.1", "minutes, rounded", lambda d: round(60 * _hours(d).median()), _x("minutes")),
    ("05.1", "in seconds", lambda d: 3600 * _hours(d).median(), _x('times_3600')),
    ("05.1", "in days", lambda d: _hours(d).median() / 24, _x("per_24")),
    ("05.1", "median resolution in minutes", lambda d: 60 * _hours(d, "resolved_at").median(),
     _x("resolution+minutes")),
    ("05.1", "median of answered tickets' waits over 1 h", lambda d: _hours(d)[_hours(d) > 1]
     .median(), _x()),
    ("05.1", "90th percentile", lambda d: _hours(d).quantile(0.9), _x()),
    # 05.2 agents needed
    ("05.2", "target in minutes (20 / 60 h)", lambda d: _erlang_agents(120, 4 / 60, 20 / 60),
     _x("target_units", "load_plus_one")),
    ("05.2", "service level 0.9", lambda d: _erlang_agents(120, 4 / 60, 20 / 3600, 0.9), _x()),
    ("05.2", "calls per minute with hours", lambda d: _erlang_agents(2, 4 / 60, 20 / 3600), _x()),
    ("05.2", "load rounded down", lambda d: math.floor(120 * 4 / 60), _x("load_only")),
    ("05.2", "load + 2", lambda d: 120 * 4 // 60 + 2, _x()),
    # 05.3 SLA attainment
    ("05.3", "one 4 h target for all", lambda d: (_hours(d) <= 4).mean(), _x('single_target')),
    ("05.3", "answered within 1 hour", lambda d: (_hours(d) <= 1).mean(), _x()),
    ("05.3", "targets read in minutes", lambda d: (_hours(d) * 60 <= _sla_hours(d)).mean(),
     _x()),
    ("05.3", "missed, as a percent", lambda d: 100 * (_hours(d) > _sla_hours(d)).mean(),
     _x("missed+percent")),
    ("05.3", "rounded to one decimal", lambda d: round((_hours(d) <= _sla_hours(d)).mean(), 1),
     _x("rounded_coarsely")),
    # 05.4 first contact resolution
    ("05.4", "bot-handled tickets only", lambda d: _resolved(d).query("handled_by == 'bot'")[
        "first_contact_resolution"].mean(), _x()),
    ("05.4", "not reopened among resolved", lambda d: (~_resolved(d)["reopened"]).mean(),
     _x('not_reopened')),
    ("05.4", "percent over every ticket", lambda d: 100 * d.tickets[
        "first_contact_resolution"].mean(), _x("all_tickets+percent")),
    ("05.4", "resolved share", lambda d: d.tickets["resolved"].mean(), _x('resolved_share')),
    ("05.4", "FCR count", lambda d: float(_resolved(d)["first_contact_resolution"].sum()), _x()),
    # 05.5 service level with 10 agents
    ("05.5", "target in minutes", lambda d: service_level(120, 4 / 60, 10, 20 / 60),
     _x('target_units')),
    ("05.5", "11 agents", lambda d: service_level(120, 4 / 60, 11, 20 / 3600), _x()),
    ("05.5", "occupancy (load / agents)", lambda d: 120 * 4 / 60 / 10, _x('occupancy')),
    ("05.5", "share waiting longer", lambda d: 1 - service_level(120, 4 / 60, 10, 20 / 3600),
     _x("complement")),
    ("05.5", "no-wait share in percent", lambda d: 100 * (1 - _erlang_c_test(120, 4 / 60, 10)),
     _x("no_wait+percent")),
    # 05.6 agents or chatbot
    ("05.6", "bot cost forgotten?", lambda d: _say("agents", "11 agents cost 275 an hour"), _x()),
    ("05.6", "at the load, cited", lambda d: _by_figure(_cost(
        120, 4 / 60, staff=lambda c: math.ceil(c * 4 / 60)), pick="min", fmt="{:.0f}"),
     _x("load_only")),
    ("05.6", "agents, no figure", lambda d: _say("agents"), _x()),
    ("05.6", "agents, said 'traffic intensity'", lambda d: _say(
        "agents", "staffed at the traffic intensity of 8 Erlangs"), _x("load_only")),
    # 06.1 difference in conversion
    ("06.1", "relative lift in percent", lambda d: 100 * ab_test(d)["relative_lift"],
     _x("relative+points")),
    ("06.1", "treatment rate only", lambda d: _rates(d).loc["treatment", "mean"],
     _x('treatment_rate')),
    ("06.1", "ratio of the rates", lambda d: _rates(d).loc["treatment", "mean"]
     / _rates(d).loc["control", "mean"], _x('ratio')),
    ("06.1", "difference of converted counts", lambda d: float(
        _rates(d).loc["treatment", "sum"] - _rates(d).loc["control", "sum"]), _x()),
    ("06.1", "rounded to one decimal", lambda d: round(ab_test(d)["difference"], 1),
     _x("rounded_coarsely")),
    # 06.2 95% interval of the difference
    ("06.2", "pooled standard error", lambda d: _diff_ci(d, pooled=True), _x('pooled')),
    ("06.2", "99% interval", lambda d: _diff_ci(d, z=2.5758293035489), _x('ninety_nine')),
    ("06.2", "plus or minus one se", lambda d: _diff_ci(d, z=1.0), _x('one_se')),
    ("06.2", "points with the sign flipped", lambda d: tuple(-100 * x for x in _diff_ci(d)),
     _x("sign+points", "points+sign")),
    ("06.2", "interval of the treatment rate", lambda d: (lambda r: (
        r.loc["treatment", "mean"] - 1.96 * math.sqrt(r.loc["treatment", "mean"] * (
            1 - r.loc["treatment", "mean"]) / r.loc["treatment", "size"]),
        r.loc["treatment", "mean"] + 1.96 * math.sqrt(r.loc["treatment", "mean"] * (
            1 - r.loc["treatment", "mean"]) / r.loc["treatment", "size"])))(_rates(d)), _x()),
    # 06.3 NPV
    ("06.3", "investment left out", lambda d: _npv(FLOWS[1:], start=1), _x('no_investment')),
    ("06.3", "last year forgotten", lambda d: _npv(FLOWS[:-1]), _x('missing_year')),
    ("06.3", "rate 0.8", lambda d: _npv(FLOWS, 0.8), _x('rate_tenfold')),
    ("06.3", "returns one period late", lambda d: FLOWS[0] + _npv(FLOWS[1:], start=2),
     _x('late_returns')),
    ("06.3", "in thousands", lambda d: _npv(FLOWS) / 1000, _x("per_1000")),
    # 06.4 sample size
    ("06.4", "alpha 0.10 and both groups", lambda d: 2 * crm_training.evaluation
     .sample_size_proportions(0.10, 0.02, alpha=0.10), _x()),
    ("06.4", "power 90%", lambda d: crm_training.evaluation.sample_size_proportions(
        0.10, 0.02, power=0.9), _x('power_90')),
    ("06.4", "z of 1.645 for 95%", lambda d: math.ceil((1.6448536269514722 + 0.8416212335729143)
                                                        ** 2 * (0.09 + 0.1056) / 0.0004), _x(
        "one_sided")),
    ("06.4", "unpooled, both groups", lambda d: 2 * math.ceil(
        (1.959963984540054 + 0.8416212335729143) ** 2 * (0.09 + 0.1056) / 0.0004), _x("total")),
    ("06.4", "mde 2 (percentage points)", lambda d: math.ceil(
        (1.959963984540054 + 0.8416212335729143) ** 2 * (0.09 + 0.1056) / 4), _x()),
    # 06.5 IRR
    ("06.5", "NPV at 25% instead", lambda d: npv(FLOWS, 0.25), _x()),
    ("06.5", "mean yearly simple return", lambda d: (sum(FLOWS[1:]) / -FLOWS[0] - 1) / 4,
     _x('simple_yearly')),
    ("06.5", "rounded to one decimal", lambda d: round(irr(FLOWS), 1), _x("rounded_coarsely")),
    ("06.5", "monthly rate", lambda d: irr(FLOWS) / 12, _x("per_12")),
    ("06.5", "IRR of the returns only, first one as investment", lambda d: irr(
        [-90_000, 110_000, 120_000, 120_000]), _x()),
    # 06.6 project to fund
    ("06.6", "highest IRR, said", lambda d: _say("email automation", "it has the highest IRR"),
     _x("irr")),
    ("06.6", "plain sum, cited", lambda d: _by_figure({p: sum(f) for p, f in PROJECTS.items()},
                                                      fmt="{:,.0f}"), _x("undiscounted")),
    ("06.6", "smallest investment, no figure", lambda d: _say("email automation"), _x()),
    ("06.6", "highest NPV at 0%, cited", lambda d: _by_figure(
        {p: npv(f, 0.0) for p, f in PROJECTS.items()}, fmt="{:,.0f}"), _x("undiscounted")),
    ("06.6", "highest benefit-cost ratio, cited", lambda d: _by_figure(
        {p: sum(f[1:]) / -f[0] for p, f in PROJECTS.items()}, fmt="{:.2f}"), _x()),
]


# slips that the default data cannot show (every customer bought): tested on thinned data in
# test_exercise_checks.py
ON_OTHER_DATA = {("01.4", "all_customers"), ("01.5", "buyers_only")}


def _erlang_c_test(calls, aht_h, n):
    a = calls * aht_h
    top = a ** n / math.factorial(n) * n / (n - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(n)) + top)


def data_for(exercise_id: str, cache: dict, label: str = ""):
    """The notebook's default data of an exercise (the travel data for the 02.1 case of the
    issue: zero-count segments)."""
    industry = "travel" if "travel" in label else CHAPTER_INDUSTRY[exercise_id[:2]]
    if industry not in cache:
        cache[industry] = crm_training.generate(industry, 3000, seed=7)
    return cache[industry]


# ---- a held-out batch: written after the catalogue was complete, and not catalogued ----------
# (the figure it gives is the checks' diagnosis on slips nobody tuned them for)

HOLDOUT = [
    ("01.1", "top 20% of order lines by amount, profit share", lambda d: (lambda t: (
        t["amount"] - t["cost"])[t["amount"].rank(ascending=False) <= 0.2 * len(t)].sum()
        / (t["amount"] - t["cost"]).sum())(d.transactions), _x()),
    ("01.2", "Gini of the mean order value per buyer", lambda d: _gini(
        _gross(d).groupby("customer_id")["amount"].mean()), _x()),
    ("01.3", "returned cost over sold cost", lambda d: -_returns(d)["cost"].sum()
     / _gross(d)["cost"].sum(), _x()),
    ("01.4", "returns counted, as a percent", lambda d: 100 * (_orders(
        d, d.transactions) >= 2).mean(), _x("with_returns+percent")),
    ("01.5", "median revenue per customer", lambda d: _by_channel(
        d, customer_value(d, "revenue"), "median"), _x()),
    ("01.6", "highest mean order value, cited", lambda d: _by_figure(_gross(d).groupby(
        _gross(d)["customer_id"].map(_channel(d)))["amount"].mean()), _x()),
    ("02.1", "customers per F score", lambda d: rfm_scores(d)["F"].value_counts(), _x()),
    ("02.2", "in thousands", lambda d: customer_value(d, "profit").median() / 1000,
     _x("per_1000")),
    ("02.3", "revenue tier, At risk only", lambda d: int((_segments(d).eq("At risk")
                                                          & _high(d, "revenue")).sum()), _x()),
    ("02.4", "percent, rounded", lambda d: round(100 * (lambda v: v[_high(d).reindex(
        v.index)].sum() / v.sum())(customer_value(d, "profit"))), _x("percent")),
    ("02.5", "percent of the total profit", lambda d: 100 * _lapsing_profit(d)
     / customer_value(d, "profit").sum(), _x()),
    ("02.6", "most customers, cited", lambda d: _by_figure(_segments(d)[_segments(d).isin(
        LAPSING)].value_counts(), fmt="{:,.0f} customers"), _x("most_customers")),
    ("03.1", "passives counted as detractors", lambda d: _nps(d, detractor=8), _x()),
    ("03.2", "share of 4s only", lambda d: _surveys(d, "csat").groupby(_surveys(d, "csat")[
        "touchpoint"].astype(str))["csat"].apply(lambda x: (x == 4).mean()), _x()),
    ("03.3", "percent with one decimal", lambda d: round(100 * _sessions(d, 6)
                                                         / _sessions(d, 1), 1), _x("percent")),
    ("03.4", "detractors minus promoters", lambda d: _detractors(d) - (_surveys(d)["nps"] >= 9)
     .groupby(_surveys(d)["touchpoint"].astype(str)).sum(), _x()),
    ("03.5", "bootstrap interval", lambda d: (lambda e: (e.low, e.high))(nps_interval(
        _surveys(d).query("touchpoint == 'checkout'")["nps"], method="bootstrap")), _x()),
    ("03.6", "lowest mean CSAT, cited", lambda d: _by_figure(_surveys(d, "csat").groupby(
        _surveys(d, "csat")["touchpoint"].astype(str))["csat"].mean(), pick="min"), _x()),
    ("04.1", "divided by 100 again", lambda d: d.loyalty_events["points"].sum() * 0.01 / 100,
     _x("hundredth")),
    ("04.2", "expired over earned minus redeemed", lambda d: -_ledger(d, "expire") / (
        _ledger(d, "earn", "referral") + _ledger(d, "redeem")), _x()),
    ("04.3", "revenue per member-year ratio - 1", lambda d: (lambda v, m: v[m].mean()
                                                             / v[~m].mean() - 1)(
        customer_value(d, "revenue").to_numpy(), d.customers.set_index("customer_id")[
            "loyalty_member"].reindex(customer_value(d, "revenue").index).to_numpy()) / 2,
     _x()),
    ("04.4", "ledger signs kept, percent", lambda d: 100 * _ledger(d, "redeem") / _ledger(
        d, "earn", "referral"), _x("sign+percent", "percent+sign")),
    ("04.5", "members among repeat buyers", lambda d: d.customers.set_index("customer_id")[
        "loyalty_member"].reindex(_orders(d)[_orders(d) >= 2].index).mean(), _x()),
    ("04.6", "largest tier, said", lambda d: _say(_tier(d).value_counts().idxmax(),
                                                  "it is the largest tier"), _x("most_members")),
    ("05.1", "minutes, unrounded", lambda d: 60 * _hours(d).median(), _x("minutes")),
    ("05.2", "load over the service level", lambda d: math.ceil(120 * 4 / 60 / 0.8), _x()),
    ("05.3", "missed in percent, rounded", lambda d: round(100 * (_hours(d) > _sla_hours(d))
                                                           .mean()), _x("missed+percent")),
    ("05.4", "all tickets, percent rounded", lambda d: round(100 * d.tickets[
        "first_contact_resolution"].mean(), 1), _x("all_tickets+percent")),
    ("05.5", "target of 20 / 360 h", lambda d: service_level(120, 4 / 60, 10, 20 / 360), _x()),
    ("05.6", "agents, citing the right costs", lambda d: _say(
        "agents", "275 for agents against 260 with the bot, close enough"), _x()),
    ("06.1", "points with one decimal", lambda d: round(100 * ab_test(d)["difference"], 1),
     _x("points")),
    ("06.2", "z = 2", lambda d: _diff_ci(d, z=2.0), _x()),
    ("06.3", "rate typed as 0.008", lambda d: _npv(FLOWS, 0.008), _x()),
    ("06.4", "a lift of one point", lambda d: crm_training.evaluation.sample_size_proportions(
        0.10, 0.01), _x()),
    ("06.5", "percent with one decimal", lambda d: round(100 * irr(FLOWS), 1), _x("percent")),
    ("06.6", "largest plain sum, cited", lambda d: _by_figure(
        {p: sum(f) for p, f in PROJECTS.items()}, fmt="{:,.0f}"), _x("undiscounted")),
]
