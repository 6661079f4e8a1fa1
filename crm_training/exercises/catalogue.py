"""The exercises of chapters 1-6: reference answers and the typical mistakes each check recognises.

Each reference calls the package (never a re-implementation), so the check is right exactly when
the package is; each mistake computes what a trainee who made it would get on the same data, so
the check can answer with the hint written for that mistake (a number instead of a function: that
multiple of the reference). The questions themselves are in ``solutions/0N_exercises.ipynb``.

Precision floors (the coarsest rounding that passes): shares, rates and ratios two significant
digits (0.79 for 0.7947, 0.053 for 0.0533); money, NPS points and counts whole units (133 for
133.17, NPS -14 for -13.86); the confidence interval of a difference of shares three decimals.
Percentages where a share is asked never pass: every question asks a share (0 to 1), and the
check answers "you gave a percentage". Decisions are given with per-option scores, so that a
wrong choice can be compared with the figures its justification cites.

Examples
--------
>>> from crm_training.exercises.checks import REGISTRY
>>> sorted(REGISTRY)[:2], REGISTRY["01.6"].kind
(['01.1', '01.2'], 'choice')
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..clv import historic_clv
from ..evaluation import ab_test, campaign_conversion, irr, npv, sample_size_proportions
from ..experience import funnel, nps_interval, satisfaction_table
from ..loyalty import (breakage_rate, naive_member_uplift, points_balance, points_liability,
                       points_summary)
from ..segmentation import customer_value, gini, rfm_scores, top_share, value_tiers
from ..segmentation.rfm import RFM_SEGMENT_LABELS_ZH
from ..service import (agents_needed, erlang_c, service_level, ticket_kpis, ticket_times,
                       traffic_intensity)
from .checks import Exercise, Mistake, Times, Variant, register

PERCENT = "Give a share between 0 and 1, not a percentage (0.25, not 25)."
SHARE = {"sig": 2, "share": True}  # a share: two significant digits at least
SEGMENTS_ZH = {zh: en for en, zh in RFM_SEGMENT_LABELS_ZH.items()}  # 冠军客户 -> Champions
MONEY = {"decimals": 0, "fmt": "{:,.2f}", "money": True}  # currency: whole units at least


def _exercise(exercise_id, what, kind, reference, hint, mistakes=(), **options):
    """Register one exercise; its reference is kept apart from it (see checks.register)."""
    return register(Exercise(exercise_id, what, kind, hint, mistakes, **options), reference)


def _gross(data):
    """The transactions without their return rows: what forgetting returns amounts to."""
    t = data.transactions
    return t[~t["is_return"] & (t["amount"] >= 0)]


def _gross_value(d, measure="profit") -> pd.Series:
    """Profit (or revenue) per customer with the returns left out, 0 for non-buyers."""
    t = _gross(d)
    value = t["amount"] - (t["cost"] if measure == "profit" else 0)
    return value.groupby(t["customer_id"]).sum().reindex(d.customers["customer_id"],
                                                         fill_value=0.0)


def _ranked_share(d, rank_by="revenue", add_up="profit", top=0.2) -> float:
    """Share of ``add_up`` held by the top customers ranked by ``rank_by``."""
    ranked, added = customer_value(d, rank_by), customer_value(d, add_up)
    best = ranked.sort_values(ascending=False).index[: int(np.ceil(top * len(ranked)))]
    return float(added[best].sum() / added.sum())


# ---- chapter 1: why CRM matters (retail) -----------------------------------------------------

_exercise(
    "01.1", "share of profit from the top 20% of customers", "number",
    lambda d: top_share(customer_value(d, "profit"), 0.2),
    "value each customer by profit (amount - cost, returns included), rank, and divide the top "
    "20%'s profit by the total: crm_training.segmentation.top_share.",
    (Mistake("revenue", lambda d: top_share(customer_value(d, "revenue"), 0.2),
             "that is the share of revenue. The question asks for profit: amount - cost per line, "
             "and a big spender with thin margins is not a top-profit customer."),
     Mistake("percent", 100, PERCENT),
     Mistake("per_transaction", lambda d: top_share(
         d.transactions["amount"] - d.transactions["cost"], 0.2),
         "you ranked order lines. The 80/20 rule is about customers: sum profit per customer "
         "first (customer_value), then take the top 20% of customers."),
     Mistake("top_10", lambda d: top_share(customer_value(d, "profit"), 0.1),
             "that is the share of the top 10% of customers; the question asks for the top 20% "
             "(top=0.2)."),
     Mistake("ranked_by_revenue", lambda d: _ranked_share(d, "revenue", "profit"),
             "you ranked customers by revenue and added up their profit: rank them by profit "
             "itself (the most profitable 20%)."),
     Mistake("revenue_of_profit_tier", lambda d: _ranked_share(d, "profit", "revenue"),
             "that is the revenue share of the most profitable 20%; the question asks for their "
             "share of profit.")),
    **SHARE,
)

_exercise(
    "01.2", "Gini coefficient of net revenue per customer", "number",
    lambda d: gini(customer_value(d, "revenue"), negative="clip"),
    "one value per customer (net revenue: amount summed, returns included), then "
    "crm_training.segmentation.gini; 0 means everybody spends the same, 1 one customer has it all.",
    (Mistake("per_transaction", lambda d: gini(d.transactions["amount"], negative="clip"),
             "that is the Gini of single order lines. Concentration is about customers: sum the "
             "amounts per customer first (customer_value), then take the Gini."),
     Mistake("profit", lambda d: gini(customer_value(d, "profit"), negative="clip"),
             "that is the Gini of profit; the question asks for net revenue (amount)."),
     Mistake("percent", 100, "the Gini coefficient runs from 0 to 1, not 0 to 100."),
     Mistake("orders", lambda d: gini(_gross(d).groupby("customer_id").size()),
             "that is the Gini of the number of orders per customer; the question asks how "
             "concentrated net revenue (amount) is."),
     Mistake("no_returns", lambda d: gini(_gross_value(d, "revenue"), negative="clip"),
             "you left out the returns: net revenue is the amounts summed with the (negative) "
             "return rows.")),
    sig=2,
)

def _returned_share(d, denominator="gross") -> float:
    t = d.transactions
    returned = -t.loc[t["is_return"], "amount"].sum()
    base = _gross(d)["amount"].sum() if denominator == "gross" else t["amount"].sum()
    return float(returned / base)


_exercise(
    "01.3", "share of sales value returned", "number", lambda d: _returned_share(d),
    "returned value (the return rows' amounts, made positive) / gross sales (the amounts of the "
    "purchase rows, returns left out).",
    (Mistake("rows", lambda d: float(d.transactions["is_return"].mean()),
             "that is the share of rows that are returns. The question asks for a share of "
             "value: sum the returned amounts, not the number of return lines."),
     Mistake("net_denominator", lambda d: _returned_share(d, denominator="net"),
             "you divided by net sales (returns already subtracted). Divide by gross sales: the "
             "purchase rows only."),
     Mistake("percent", 100, PERCENT),
     Mistake("row_ratio", lambda d: float(d.transactions["is_return"].sum()
                                          / (~d.transactions["is_return"]).sum()),
             "that compares numbers of rows (return lines per purchase line); the question asks "
             "for a share of value: sum the amounts."),
     Mistake("customers", lambda d: float(
         d.transactions.loc[d.transactions["is_return"], "customer_id"].nunique()
         / _gross(d)["customer_id"].nunique()),
         "that is the share of buyers who returned something; the question asks for the share "
         "of sales value returned."),
     Mistake("quantity", lambda d: float(
         d.transactions.loc[d.transactions["is_return"], "quantity"].abs().sum()
         / _gross(d)["quantity"].sum()),
         "that is a share of units (quantity); the question asks for the share of value "
         "(amount).")),
    **SHARE,
)


def _orders_per_buyer(d, with_returns=False) -> pd.Series:
    t = d.transactions if with_returns else _gross(d)
    return t.groupby("customer_id").size()


def _repeat_rate(d, with_returns=False, at_least=2) -> float:
    orders = _orders_per_buyer(d, with_returns)
    return float((orders >= at_least).sum() / (orders >= 1).sum())


_exercise(
    "01.4", "repeat-purchase rate", "number", lambda d: _repeat_rate(d),
    "among customers with at least one purchase (return rows are not purchases), the share with "
    "two purchases or more.",
    (Mistake("off_by_one", lambda d: _repeat_rate(d, at_least=3),
             "you counted customers with more than two purchases. A repeat buyer has two "
             "purchases or more (>= 2, not > 2)."),
     Mistake("with_returns", lambda d: _repeat_rate(d, with_returns=True),
             "you counted return rows as purchases (a purchase and its return is not a repeat "
             "purchase): leave out rows with is_return."),
     Mistake("percent", 100, PERCENT),
     Mistake("exactly_two", lambda d: float((_orders_per_buyer(d) == 2).mean()),
             "you counted customers with exactly two purchases; a repeat buyer has two or "
             "more."),
     Mistake("all_customers", lambda d: float(
         (_orders_per_buyer(d) >= 2).sum() / len(d.customers)),
         "you divided by every customer, including those who never bought; the rate is among "
         "the customers who bought at least once.")),
    **SHARE,
)


def _line_profit_by_acquisition(d) -> pd.Series:
    t = d.transactions
    channel = d.customers.set_index("customer_id")["acquisition_channel"].astype(str)
    return (t["amount"] - t["cost"]).groupby(t["customer_id"].map(channel)).mean()


def _by_acquisition_buyers(d) -> pd.Series:
    value = customer_value(d, "profit", include_non_buyers=False)
    channel = d.customers.set_index("customer_id")["acquisition_channel"].astype(str)
    return value.groupby(channel.reindex(value.index)).mean()


def _by_acquisition(d, measure="profit", how="mean") -> pd.Series:
    value = customer_value(d, measure)
    channel = d.customers.set_index("customer_id")["acquisition_channel"].astype(str)
    return value.groupby(channel.reindex(value.index)).agg(how)


_exercise(
    "01.5", "mean profit per customer by acquisition channel", "series",
    lambda d: _by_acquisition(d),
    "profit per customer with customer_value(data, 'profit') (every customer, 0 for those who "
    "never bought), then the mean per customers['acquisition_channel'].",
    (Mistake("median", lambda d: _by_acquisition(d, how="median"),
             "those are medians; the question asks for the mean profit per customer (what an "
             "extra customer from the channel brings on average)."),
     Mistake("revenue", lambda d: _by_acquisition(d, measure="revenue"),
             "that is revenue per customer; the question asks for profit (amount - cost)."),
     Mistake("total", lambda d: _by_acquisition(d, how="sum"),
             "that is the total profit per channel; the question asks for the mean per "
             "customer (a big channel has a big total even with poor customers)."),
     Mistake("per_line", lambda d: _line_profit_by_acquisition(d),
             "those are means per order line. Sum the profit per customer first "
             "(customer_value), then take the mean per channel."),
     Mistake("no_returns", lambda d: _gross_value(d).groupby(
         d.customers.set_index("customer_id")["acquisition_channel"].astype(str)).mean(),
         "you left out the returns: profit is net of what customers sent back."),
     Mistake("buyers_only", lambda d: _by_acquisition_buyers(d),
             "you left out the customers who never bought; they count, with a profit of 0 "
             "(the budget bought them too).")),
    **MONEY,
)

_exercise(
    "01.6", "acquisition channel to invest in", "choice", lambda d: _by_acquisition(d),
    "the channel whose acquired customers bring the highest mean profit per customer "
    "(exercise 01.5).",
    (Mistake("total", lambda d: _by_acquisition(d, how="sum"),
             "that channel has the largest total profit because it brings the most customers. "
             "An extra budget buys extra customers: compare the profit per acquired customer "
             "(the mean).", keywords=("total", "in sum", "总利润", "利润总额")),
     Mistake("median", lambda d: _by_acquisition(d, how="median"),
             "you compared medians. Profit is concentrated in a few customers (the 80/20 rule of "
             "01.1), and they are the point of acquiring customers: compare means, which count "
             "them.", keywords=("median", "typical customer", "中位")),
     Mistake("per_line", lambda d: _line_profit_by_acquisition(d),
             "you averaged the profit of order lines. A budget buys customers, not lines: sum "
             "the profit per customer first, then take the mean per channel.",
             keywords=("per order", "per line", "per transaction", "每笔", "每单")),
     Mistake("most_customers", lambda d: d.customers["acquisition_channel"].astype(str)
             .value_counts(),
             "that channel brought the most customers, which says nothing of what each one is "
             "worth: compare the mean profit per acquired customer.",
             keywords=("most customers", "largest number of customers", "biggest channel",
                       "客户最多", "客户数量最多"))),
    criterion="mean profit per acquired customer", terms=("profit", "利润", "margin", "毛利"),
)

# ---- chapter 2: segmentation and value tiers (bank) ------------------------------------------


def _segment_counts(d) -> pd.Series:
    counts = rfm_scores(d)["segment"].astype(str).value_counts()
    return counts[counts > 0]


def _segment_transactions(d) -> pd.Series:
    seg = rfm_scores(d)["segment"].astype(str)
    return d.transactions["customer_id"].map(seg).value_counts()


_exercise(
    "02.1", "customers per RFM segment", "series", lambda d: _segment_counts(d),
    "score every customer with crm_training.segmentation.rfm_scores(data) and count the rows per "
    "'segment' (value_counts): one row per customer.",
    (Mistake("shares", lambda d: _segment_counts(d) / _segment_counts(d).sum(),
             "those are shares of customers; the question asks for counts (numbers of customers)."),
     Mistake("transactions", _segment_transactions,
             "you counted transaction rows per segment. Count customers: one row per customer "
             "in the scores table.")),
    fmt="{:,.6g}", decimals=0, optional_zeros=True, aliases=SEGMENTS_ZH,
)

_exercise(
    "02.2", "median historic CLV (profit net of returns) per customer", "number",
    lambda d: historic_clv(d.transactions)["profit"].median(),
    "crm_training.clv.historic_clv(data.transactions) gives one row per customer with 'profit' "
    "net of returns; take its median.",
    (Mistake("revenue", lambda d: historic_clv(d.transactions)["revenue"].median(),
             "that is the median revenue. Historic CLV counts profit (amount - cost): revenue "
             "overstates what a customer is worth to the firm."),
     Mistake("mean", lambda d: historic_clv(d.transactions)["profit"].mean(),
             "that is the mean. The question asks for the median: with a few very valuable "
             "customers the mean is pulled far above the typical customer."),
     Mistake("no_returns", lambda d: historic_clv(_gross(d))["profit"].median(),
             "you left out the returns (negative rows); profit must be net of what was sent "
             "back."),
     Mistake("per_line", lambda d: float((d.transactions["amount"]
                                          - d.transactions["cost"]).median()),
             "that is the median profit of one order line. Historic CLV is per customer: sum "
             "each customer's profit first (historic_clv), then take the median.")),
    variants=(Variant("every_customer", lambda d: customer_value(d, "profit").median(),
                      "the median over every customer of data.customers (0 for those who never "
                      "bought), which the question allows"),),
    **MONEY,
)

AT_RISK = ("At risk", "Cannot lose them")
LAPSING = ("About to sleep", "At risk", "Cannot lose them", "Hibernating")


def _valuable_at_risk(d, measure="profit", segments=AT_RISK, tier=True,
                      tiers=("high",)) -> int:
    seg = rfm_scores(d)["segment"].astype(str).isin(segments)
    high = value_tiers(d, measure=measure)["value_tier"].astype(str).isin(tiers)
    return int((seg & high.reindex(seg.index, fill_value=False)).sum() if tier else seg.sum())


_exercise(
    "02.3", "number of high-value customers at risk", "integer", lambda d: _valuable_at_risk(d),
    "take the high tier of value_tiers(data, measure='profit') (top 20% by profit) and the RFM "
    "segments 'At risk' and 'Cannot lose them' from rfm_scores(data); count customers in both.",
    (Mistake("revenue_tiers", lambda d: _valuable_at_risk(d, measure="revenue"),
             "your high tier is by revenue; the question ranks customers by profit "
             "(value_tiers(..., measure='profit'))."),
     Mistake("at_risk_only", lambda d: _valuable_at_risk(d, segments=("At risk",)),
             "'Cannot lose them' (big past buyers gone quiet) are at risk too: count both "
             "segments."),
     Mistake("high_and_medium", lambda d: _valuable_at_risk(d, tiers=("high", "medium")),
             "you counted the medium tier too; the high tier is the top 20% by profit only."),
     Mistake("all_tiers", lambda d: _valuable_at_risk(d, tier=False),
             "you counted every customer at risk; keep only those in the high value tier."),
     Mistake("cannot_lose_only", lambda d: _valuable_at_risk(d, segments=("Cannot lose them",)),
             "'At risk' counts too: take both segments, At risk and Cannot lose them."),
     Mistake("medium_tier", lambda d: _valuable_at_risk(d, tiers=("medium",)),
             "that is the medium tier; the question asks for the high tier (the top 20% by "
             "profit).")),
)

def _tier_revenue_share(d) -> float:
    revenue = customer_value(d, "revenue")
    high = value_tiers(d, measure="profit")["value_tier"].astype(str).eq("high")
    return float(revenue[high.reindex(revenue.index, fill_value=False)].sum() / revenue.sum())


def _tier_share(d, measure="profit") -> float:
    value = customer_value(d, measure)
    high = value_tiers(d, measure=measure)["value_tier"].astype(str).eq("high")
    return float(value[high.reindex(value.index, fill_value=False)].sum() / value.sum())


_exercise(
    "02.4", "share of profit from the high value tier", "number", lambda d: _tier_share(d),
    "value_tiers(data, measure='profit') puts the top 20% by profit in the 'high' tier; add up "
    "their profit (customer_value(data, 'profit')) and divide by the total profit.",
    (Mistake("customer_share", lambda d: float(value_tiers(d, measure="profit")["value_tier"]
                                               .astype(str).eq("high").mean()),
             "that is the share of customers in the high tier (20% by construction); the "
             "question asks for their share of profit."),
     Mistake("revenue", lambda d: _tier_share(d, "revenue"),
             "that is the high revenue tier's share of revenue; the question ranks and adds up "
             "profit."),
     Mistake("percent", 100, PERCENT),
     Mistake("revenue_of_profit_tier", lambda d: _tier_revenue_share(d),
             "that is the revenue share of the high profit tier; add up their profit, not their "
             "revenue."),
     Mistake("top_10", lambda d: top_share(customer_value(d, "profit"), 0.1),
             "that is the share of the top 10% of customers; the high tier is the top 20% by "
             "profit.")),
    **SHARE,
)

def _at_stake(d, measure="profit", how="sum", segments=LAPSING) -> pd.Series:
    seg = rfm_scores(d)["segment"].astype(str)
    value = customer_value(d, measure).reindex(seg.index, fill_value=0.0)
    keep = seg.isin(segments) if segments else seg.notna()
    return value[keep].groupby(seg[keep]).agg(how)


_exercise(
    "02.5", "historic profit of the lapsing RFM segments", "series", lambda d: _at_stake(d),
    "keep the customers of the segments About to sleep, At risk, Cannot lose them and "
    "Hibernating (rfm_scores(data)['segment']), and add up their profit "
    "(customer_value(data, 'profit')) per segment.",
    (Mistake("revenue", lambda d: _at_stake(d, measure="revenue"),
             "that is revenue; the question asks for profit (amount - cost)."),
     Mistake("mean", lambda d: _at_stake(d, how="mean"),
             "those are means per customer; the question asks for the total profit of each "
             "segment (what the firm stands to lose if the whole segment lapses)."),
     Mistake("all_segments", lambda d: _at_stake(d, segments=None),
             "you kept every segment. Only the lapsing ones count here: About to sleep, At "
             "risk, Cannot lose them and Hibernating."),
     Mistake("counts", lambda d: _at_stake(d, how="size"),
             "those are numbers of customers; the question asks for their total profit."),
     Mistake("median", lambda d: _at_stake(d, how="median"),
             "those are medians per customer; the question asks for the total profit of each "
             "segment.")),
    optional_zeros=True, aliases=SEGMENTS_ZH, **MONEY,
)

_exercise(
    "02.6", "lapsing segment to win back first", "choice", lambda d: _at_stake(d),
    "among the lapsing segments, the one holding the most historic profit (exercise 02.5).",
    (Mistake("most_customers", lambda d: rfm_scores(d)["segment"].astype(str)
             .loc[lambda s: s.isin(LAPSING)].value_counts(),
             "that segment has the most customers, but a win-back campaign costs per customer "
             "contacted: go where the most profit is at stake (the total of 02.5).",
             keywords=("most customers", "largest segment", "biggest segment", "客户最多",
                       "人数最多")),
     Mistake("all_segments", lambda d: _at_stake(d, segments=None),
             "that segment holds the most profit but is not lapsing: its customers bought "
             "recently. Choose among About to sleep, At risk, Cannot lose them and Hibernating.")),
    criterion="total historic profit at stake", terms=("profit", "利润", "value", "价值"),
    aliases=SEGMENTS_ZH,
)

# ---- chapter 3: customer experience design (travel) ------------------------------------------


def _nps_by(d, promoter=9, detractor=6) -> pd.Series:
    s = d.surveys.dropna(subset=["nps"])
    score = s["nps"].astype(float)
    net = (score >= promoter).astype(float) - (score <= detractor).astype(float)
    return 100 * net.groupby(s["touchpoint"].astype(str)).mean()


def _score_by(d, column, how) -> pd.Series:
    s = d.surveys.dropna(subset=[column])
    score = s[column].astype(float)
    return (how(score)).groupby(s["touchpoint"].astype(str)).mean()


def _by_touchpoint(d, column) -> pd.Series:
    t = satisfaction_table(d.surveys, by="touchpoint")[column]
    return t.set_axis(t.index.astype(str))


def _nps_reference(d) -> pd.Series:
    return _by_touchpoint(d, "nps")


_exercise(
    "03.1", "NPS per touchpoint", "series", _nps_reference,
    "NPS = % promoters (9-10) minus % detractors (0-6), in points from -100 to 100, per "
    "touchpoint: crm_training.experience.satisfaction_table(data.surveys)['nps'].",
    (Mistake("promoters_from_7", lambda d: _nps_by(d, promoter=7),
             "you counted 7-8 as promoters. Promoters answer 9-10; 7-8 are passives (neither "
             "promoters nor detractors); detractors are 0-6."),
     Mistake("promoters_from_8", lambda d: _nps_by(d, promoter=8),
             "you counted 8 as a promoter. Promoters answer 9 or 10 only."),
     Mistake("detractors_to_5", lambda d: _nps_by(d, detractor=5),
             "detractors are 0-6 (you stopped at 5)."),
     Mistake("mean_score", lambda d: _score_by(d, "nps", lambda x: x),
             "that is the mean score on the 0-10 scale. NPS is not an average: it is % promoters "
             "(9-10) minus % detractors (0-6)."),
     Mistake("share", 0.01,
             "NPS is given in points from -100 to 100 (a difference of percentages), not as a "
             "share."),
     Mistake("promoters_only", lambda d: _score_by(d, "nps", lambda x: 100 * (x >= 9)),
             "that is the % of promoters only; NPS subtracts the % of detractors (0-6) from "
             "it.")),
    fmt="{:.2f}", decimals=0,
)


def _csat_reference(d) -> pd.Series:
    return _by_touchpoint(d, "csat")


_exercise(
    "03.2", "CSAT per touchpoint", "series", _csat_reference,
    "CSAT is the share of answers 4 or 5 on the 1-5 scale, per touchpoint: "
    "crm_training.experience.satisfaction_table(data.surveys)['csat'].",
    (Mistake("mean_score", lambda d: _score_by(d, "csat", lambda x: x),
             "that is the mean score (1-5). CSAT is the share of satisfied answers: 4 or 5."),
     Mistake("three_satisfied", lambda d: _score_by(d, "csat", lambda x: x >= 3),
             "you counted 3 as satisfied. 3 is neutral: only 4 and 5 count."),
     Mistake("percent", 100, PERCENT),
     Mistake("five_only", lambda d: _score_by(d, "csat", lambda x: x >= 5),
             "you counted only 5 as satisfied; 4 and 5 both count."),
     Mistake("mean_over_5", lambda d: _score_by(d, "csat", lambda x: x / 5),
             "that is the mean score divided by 5; CSAT is the share of answers 4 or 5.")),
    fmt="{:.3f}", **SHARE,
)


_exercise(
    "03.3", "overall conversion from home page to confirmation", "number",
    lambda d: funnel(d.web_events)["overall_conversion"].iloc[-1],
    "crm_training.experience.funnel(data.web_events) counts sessions per step; the overall "
    "conversion of the last step is confirmed sessions / sessions that started.",
    (Mistake("last_step", lambda d: funnel(d.web_events)["step_conversion"].iloc[-1],
             "that is the conversion of the last step only (checkout to confirmation). The "
             "question asks for the whole funnel: confirmations / sessions at the first step."),
     Mistake("drop_off", lambda d: 1 - funnel(d.web_events)["overall_conversion"].iloc[-1],
             "that is the share of sessions lost on the way (the drop-off); the conversion is "
             "the share that reached the confirmation."),
     Mistake("percent", 100, PERCENT),
     Mistake("checkout_step", lambda d: funnel(d.web_events)["overall_conversion"].iloc[-2],
             "you stopped at the checkout step; the question asks for the sessions that reach "
             "the confirmation page."),
     Mistake("mean_step", lambda d: funnel(d.web_events)["step_conversion"].iloc[1:].mean(),
             "that is the mean of the step conversions. The overall conversion multiplies them "
             "(or divides the confirmed sessions by the sessions at the first step).")),
    **SHARE,
)

def _detractors(d, below=6, how="sum") -> pd.Series:
    s = d.surveys.dropna(subset=["nps"])
    return (s["nps"].astype(float) <= below).groupby(s["touchpoint"].astype(str)).agg(how)


_exercise(
    "03.4", "detractors per touchpoint", "series", lambda d: _detractors(d),
    "a detractor answers 0 to 6 on the 0-10 recommendation question: count those answers per "
    "touchpoint.",
    (Mistake("from_7", lambda d: _detractors(d, below=7),
             "you counted 7 as a detractor; 7-8 are passives. Detractors answer 0-6."),
     Mistake("below_6", lambda d: _detractors(d, below=5),
             "you stopped at 5 (< 6 instead of <= 6): an answer of 6 is a detractor too."),
     Mistake("share", lambda d: _detractors(d, how="mean"),
             "those are shares of answers; the question asks for the number of detractors."),
     Mistake("promoters", lambda d: _score_by(d, "nps", lambda x: x >= 9).mul(
         d.surveys.dropna(subset=["nps"]).groupby(
             d.surveys.dropna(subset=["nps"])["touchpoint"].astype(str)).size()),
         "those are promoters (9-10); detractors answer 0-6."),
     Mistake("not_detractors", lambda d: _detractors(d, below=10) - _detractors(d),
             "you counted the answers 7-10, the non-detractors; detractors answer 0-6.")),
    fmt="{:,.0f}", decimals=0, optional_zeros=True,
)


def _nps_ci(d, touchpoint, confidence=0.95, everywhere=False, z=None):
    s = d.surveys.dropna(subset=["nps"])
    scores = s["nps"] if everywhere else s.loc[s["touchpoint"].astype(str) == touchpoint, "nps"]
    e = nps_interval(scores.astype(float), confidence=confidence)
    if z is not None:  # value +- z standard errors (the 95% half width is 1.96 of them)
        half = (e.high - e.low) / 2 / 1.959963984540054 * z
        return (e.value - half, e.value + half)
    return (e.low, e.high)


_exercise(
    "03.5", "95% confidence interval of the touchpoint's NPS", "pair",
    lambda d, touchpoint: _nps_ci(d, touchpoint),
    "keep the answers of that touchpoint and call crm_training.experience.nps_interval(scores) "
    "(normal approximation, 95%): its .low and .high, in NPS points.",
    (Mistake("ninety", lambda d, touchpoint: _nps_ci(d, touchpoint, confidence=0.90),
             "that is a 90% interval; the question asks for 95% (z = 1.96)."),
     Mistake("share", 0.01, "NPS and its bounds are in points from -100 to 100, not shares."),
     Mistake("all_touchpoints", lambda d, touchpoint: _nps_ci(d, touchpoint, everywhere=True),
             "that is the interval of every answer; keep only the answers about this "
             "touchpoint (fewer answers: a wider interval)."),
     Mistake("ninety_nine", lambda d, touchpoint: _nps_ci(d, touchpoint, confidence=0.99),
             "that is a 99% interval; the question asks for 95% (z = 1.96)."),
     Mistake("one_se", lambda d, touchpoint: _nps_ci(d, touchpoint, z=1.0),
             "that is the NPS plus or minus one standard error; a 95% interval is 1.96 standard "
             "errors on each side.")),
    params={"touchpoint": "checkout"}, atol=1e-2, fmt="{:.2f}", decimals=0,
)

_exercise(
    "03.6", "touchpoint to fix first", "choice", lambda d: _detractors(d),
    "the touchpoint that makes the most detractors (exercise 03.4): where most customers leave "
    "unwilling to recommend.",
    (Mistake("lowest_nps", lambda d: _nps_reference(d),
             "that touchpoint has the lowest NPS, but another one makes more detractors because "
             "more customers pass through it. Fix first where the most customers are hurt: "
             "count detractors (03.4).", pick="min",
             keywords=("lowest nps", "worst nps", "nps is the lowest", "净推荐值最低", "NPS最低")),
     Mistake("mean_score", lambda d: _score_by(d, "nps", lambda x: x),
             "you compared mean scores. NPS counts people, not points: a touchpoint with a "
             "middling average can still send the most customers away as detractors (0-6).",
             pick="min", keywords=("mean score", "average score", "lowest average", "平均分")),
     Mistake("from_7", lambda d: _detractors(d, below=7),
             "you counted 7 as a detractor; 7-8 are passives. Count answers 0-6.",
             keywords=("0-7", "0 to 7", "7 or below", "7 or less", "<= 7", "0–7"))),
    criterion="number of detractors", terms=("detractor", "贬损", "NPS", "推荐"),
)

# ---- chapter 4: loyalty programmes (coffee chain) --------------------------------------------


def _earned_points(d) -> float:
    return points_summary(d.loyalty_events)["earned"]


def _ledger_points(d, *types) -> float:
    """Points of some event types, as the ledger stores them (redeem and expire negative)."""
    ev = d.loyalty_events
    return float(ev.loc[ev["event_type"].astype(str).isin(types), "points"].sum())


def _member_values(d, measure="revenue") -> tuple[pd.Series, pd.Series]:
    value = customer_value(d, measure)
    member = d.customers.set_index("customer_id")["loyalty_member"].reindex(value.index)
    return value, member.fillna(False).astype(bool)


_exercise(
    "04.1", "points liability (currency)", "number",
    lambda d, point_value: points_liability(d.loyalty_events, point_value)["liability"],
    "outstanding points = earned - redeemed - expired (the sum of the ledger's points), times "
    "the value of a point: crm_training.loyalty.points_liability(events, point_value).",
    (Mistake("points", Times(lambda point_value: 1 / point_value),
             "that is a number of points; the liability is money: multiply by the point value."),
     Mistake("earned_only", lambda d, point_value: _earned_points(d) * point_value,
             "you valued every point ever earned. Redeemed and expired points are no longer "
             "owed: subtract them (they are negative rows in the ledger)."),
     Mistake("no_expiry", lambda d, point_value: (points_summary(d.loyalty_events)["earned"]
                                                 - points_summary(d.loyalty_events)["redeemed"])
             * point_value,
             "expired points are no longer owed either: subtract them too."),
     Mistake("net_of_breakage", lambda d, point_value: points_liability(
         d.loyalty_events, point_value)["net_liability"],
         "you applied the breakage rate; the question asks for the gross liability (every "
         "outstanding point at its value)."),
     Mistake("redeemed_value", lambda d, point_value: points_summary(
         d.loyalty_events)["redeemed"] * point_value,
         "that is the value of the points redeemed so far; the liability is what is still owed: "
         "points earned and not yet redeemed or expired."),
     Mistake("no_redemptions", lambda d, point_value: (
         _earned_points(d) - points_summary(d.loyalty_events)["expired"]) * point_value,
         "redeemed points are no longer owed: subtract them too (negative rows in the "
         "ledger).")),
    params={"point_value": 0.01}, **MONEY,
)


def _expired_over_redeemed(d) -> float:
    s = points_summary(d.loyalty_events)
    return s["expired"] / s["redeemed"]


_exercise(
    "04.2", "breakage rate", "number", lambda d: breakage_rate(d.loyalty_events),
    "breakage = points expired unused / points earned (earn and referral rows): "
    "crm_training.loyalty.breakage_rate.",
    (Mistake("sign", -1,
             "expired points are stored as negative numbers in the ledger: the rate is positive "
             "(take the absolute value of the expired points)."),
     Mistake("over_redeemed", _expired_over_redeemed,
             "you divided by the redeemed points; breakage is a share of the points earned."),
     Mistake("no_referrals", lambda d: -_ledger_points(d, "expire") / _ledger_points(d, "earn"),
             "referral points are earned too: divide by the points of the earn and referral "
             "rows."),
     Mistake("over_outstanding", lambda d: -_ledger_points(d, "expire")
             / points_summary(d.loyalty_events)["outstanding"],
             "you divided by the outstanding points; breakage is a share of the points "
             "earned."),
     Mistake("percent", 100, PERCENT)),
    **SHARE,
)


def _orders_ratio(d) -> float:
    t = _gross(d)
    orders = t.groupby("customer_id").size().reindex(d.customers["customer_id"], fill_value=0)
    member = d.customers["loyalty_member"].astype(bool).to_numpy()
    return float(orders[member].mean() / orders[~member].mean() - 1)


def _uplift(d, how) -> float:
    r = naive_member_uplift(d)
    return how(r["member_rate"], r["non_member_rate"])


_exercise(
    "04.3", "naive member uplift (relative)", "number",
    lambda d: naive_member_uplift(d)["effect"],
    "members' purchase rate / non-members' rate - 1: crm_training.loyalty.naive_member_uplift.",
    (Mistake("ratio", lambda d: _uplift(d, lambda m, n: m / n),
             "that is the ratio of the rates; the uplift is the ratio minus 1 (a ratio of 1.3 is "
             "+30%)."),
     Mistake("absolute", lambda d: _uplift(d, lambda m, n: m - n),
             "that is the difference in purchases per year; the question asks for the relative "
             "uplift (difference / non-members' rate)."),
     Mistake("percent", 100, "give the uplift as a share (0.3 for +30%), not a percentage."),
     Mistake("inverted", lambda d: _uplift(d, lambda m, n: n / m - 1),
             "you divided the other way round (non-members over members): the uplift is members' "
             "rate / non-members' rate - 1."),
     Mistake("per_customer", lambda d: _orders_ratio(d),
             "you compared orders per customer over the whole data. Customers joined at "
             "different dates: compare purchases per customer-year over the same period (from "
             "the first enrolment, naive_member_uplift).")),
    sig=2,
)

def _redemption(d, with_expired=False) -> float:
    s = points_summary(d.loyalty_events)
    used = s["redeemed"] + (s["expired"] if with_expired else 0)
    return float(used / s["earned"])


_exercise(
    "04.4", "redemption rate", "number", lambda d: _redemption(d),
    "points redeemed / points earned (earn and referral rows); redeemed points are negative in "
    "the ledger: crm_training.loyalty.points_summary gives both as positive totals.",
    (Mistake("with_expired", lambda d: _redemption(d, with_expired=True),
             "you counted expired points as used. Expired points were never redeemed: that is "
             "breakage (04.2). Count redeem rows only."),
     Mistake("sign", -1,
             "redeemed points are stored as negative numbers in the ledger: the rate is "
             "positive."),
     Mistake("percent", 100, PERCENT),
     Mistake("no_referrals", lambda d: -_ledger_points(d, "redeem") / _ledger_points(d, "earn"),
             "referral points are earned too: divide by the points of the earn and referral "
             "rows."),
     Mistake("rows", lambda d: float((d.loyalty_events["event_type"].astype(str) == "redeem")
                                     .sum() / (d.loyalty_events["event_type"].astype(str)
                                               == "earn").sum()),
             "that compares numbers of rows (redemptions per earning); the question asks for a "
             "share of points.")),
    **SHARE,
)


def _member_share(d) -> float:
    value = customer_value(d, "revenue")
    member = d.customers.set_index("customer_id")["loyalty_member"].reindex(value.index)
    return float(value[member.fillna(False).astype(bool)].sum() / value.sum())


_exercise(
    "04.5", "members' share of net revenue", "number", lambda d: _member_share(d),
    "net revenue per customer (customer_value(data, 'revenue'), returns included), then the "
    "members' total (customers['loyalty_member']) over everybody's total.",
    (Mistake("customer_share", lambda d: float(d.customers["loyalty_member"].mean()),
             "that is the share of customers who are members; the question asks for their "
             "share of revenue."),
     Mistake("percent", 100, PERCENT),
     Mistake("profit", lambda d: (lambda v, m: float(v[m].sum() / v.sum()))(
         *_member_values(d, "profit")),
         "that is the members' share of profit; the question asks for their share of net "
         "revenue (amount)."),
     Mistake("over_non_members", lambda d: (lambda v, m: float(v[m].sum() / v[~m].sum()))(
         *_member_values(d)),
         "you divided the members' revenue by the non-members'; divide by everybody's revenue "
         "(members and non-members).")),
    **SHARE,
)


def _by_tier(d, how="sum") -> pd.Series:
    tier = points_balance(d.loyalty_events)["tier"].astype(str)
    profit = customer_value(d, "profit").reindex(tier.index, fill_value=0.0)
    return profit.groupby(tier).agg(how)


_exercise(
    "04.6", "tier to protect first", "choice", lambda d: _by_tier(d),
    "each member's current tier (crm_training.loyalty.points_balance(data.loyalty_events)"
    "['tier']); the tier whose members bring the most profit in total.",
    (Mistake("most_members", lambda d: _by_tier(d, how="size"),
             "that tier has the most members, but not the most profit: weigh members by what "
             "they bring (total profit per tier).",
             keywords=("most members", "largest tier", "biggest tier", "会员最多", "人数最多")),
     Mistake("mean", lambda d: _by_tier(d, how="mean"),
             "its members are the most valuable one by one, but there are few of them: another "
             "tier holds more profit in total, and a retention offer protects a total.",
             keywords=("per member", "each member", "on average", "average profit", "mean profit",
                       "人均", "平均"))),
    criterion="total profit of the tier's members", terms=("profit", "利润"),
)

# ---- chapter 5: customer service upgrade (telecom) -------------------------------------------


_exercise(
    "05.1", "median first response time (hours)", "number",
    lambda d: ticket_times(d.tickets)["first_response_h"].median(),
    "first response time = first_response_at - created_at, in hours, per ticket "
    "(crm_training.service.ticket_times); then the median over all tickets.",
    (Mistake("mean", lambda d: ticket_times(d.tickets)["first_response_h"].mean(),
             "that is the mean. Response times are skewed (a few tickets wait days), so service "
             "teams report the median: use .median()."),
     Mistake("minutes", 60,
             "that looks like minutes; give hours (divide a Timedelta by pd.Timedelta(hours=1))."),
     Mistake("resolution", lambda d: ticket_times(d.tickets)["resolution_h"].median(),
             "that is the resolution time (created to resolved); the question asks for the time "
             "to the first response.")),
    fmt="{:.4g}", sig=2, duration_unit="h", time_units=True,
)


def _agents(d, calls_per_hour, aht_minutes, service_level, answer_seconds):
    return agents_needed(calls_per_hour, aht_minutes / 60, service_level, answer_seconds / 3600)


_exercise(
    "05.2", "number of agents needed", "integer", _agents,
    "Erlang C: crm_training.service.agents_needed(arrival_rate, aht, target_service_level, "
    "target_time) with every time in the same unit (hours here).",
    (Mistake("load_only", lambda d, calls_per_hour, aht_minutes, **_: int(np.ceil(
        traffic_intensity(calls_per_hour, aht_minutes / 60))),
        "that only carries the load (traffic intensity in Erlangs): with so few agents almost "
        "every caller waits. Add agents until the service level target is met (agents_needed)."),
     Mistake("load_plus_one", lambda d, calls_per_hour, aht_minutes, **_: int(np.ceil(
         traffic_intensity(calls_per_hour, aht_minutes / 60))) + 1,
         "one agent above the load keeps the queue stable but does not reach the service level "
         "target: use Erlang C (agents_needed)."),
     Mistake("aht_minutes", lambda d, calls_per_hour, aht_minutes, service_level,
             answer_seconds: agents_needed(calls_per_hour, aht_minutes, service_level,
                                           answer_seconds / 3600),
             "the handling time is in minutes but the calls are per hour: convert the handling "
             "time to hours (minutes / 60) so that both use the same unit."),
     Mistake("target_units", lambda d, calls_per_hour, aht_minutes, service_level,
             answer_seconds: agents_needed(calls_per_hour, aht_minutes / 60, service_level,
                                           answer_seconds / 60),
             "the target time is 20 seconds: in hours that is answer_seconds / 3600. Divided by "
             "60 only (or not converted), the target becomes minutes or hours long and fewer "
             "agents seem to reach it.")),
    params={"calls_per_hour": 120, "aht_minutes": 4, "service_level": 0.8, "answer_seconds": 20},
    needs_data=False, fmt="{:.0f}",
)


def _sla(d, sla_on="first_response") -> float:
    return float(ticket_times(d.tickets, sla_on=sla_on)["sla_met"].mean())


_exercise(
    "05.3", "share of tickets answered within their SLA", "number", lambda d: _sla(d),
    "each priority has its own first-response target (crm_training.service.DEFAULT_SLA_HOURS: "
    "urgent 1 h, high 4 h, medium 8 h, low 24 h); ticket_times(data.tickets)['sla_met'].mean().",
    (Mistake("resolution", lambda d: _sla(d, "resolution"),
             "you measured the resolution time against the targets; the SLA here is on the "
             "first response (first_response_at - created_at)."),
     Mistake("missed", lambda d: 1 - _sla(d),
             "that is the share of tickets that missed the target; the question asks for the "
             "share that met it."),
     Mistake("percent", 100, PERCENT),
     Mistake("single_target", lambda d: float((ticket_times(d.tickets)["first_response_h"]
                                               <= 4).mean()),
             "you used one target (4 h) for every ticket; each priority has its own: urgent "
             "1 h, high 4 h, medium 8 h, low 24 h.")),
    **SHARE,
)

def _fcr(d, among_resolved=True) -> float:
    t = d.tickets
    if among_resolved:
        return float(ticket_kpis(t, by=None)["fcr_rate"].iloc[0])
    return float(t["first_contact_resolution"].astype(bool).mean())


_exercise(
    "05.4", "first contact resolution rate", "number", lambda d: _fcr(d),
    "among resolved tickets, the share resolved at the first contact "
    "(first_contact_resolution): crm_training.service.ticket_kpis(tickets, by=None)['fcr_rate'].",
    (Mistake("all_tickets", lambda d: _fcr(d, among_resolved=False),
             "you divided by every ticket, including those not resolved yet. FCR is a share of "
             "resolved tickets: an open ticket has not had its chance to be resolved."),
     Mistake("not_fcr", lambda d: 1 - _fcr(d),
             "that is the share that needed more than one contact; the question asks for the "
             "share resolved at the first contact."),
     Mistake("percent", 100, PERCENT),
     Mistake("not_reopened", lambda d: float((~d.tickets.loc[d.tickets["resolved"].astype(bool),
                                                             "reopened"].astype(bool)).mean()),
             "that is the share of resolved tickets not reopened; FCR is the share resolved at "
             "the first contact (first_contact_resolution)."),
     Mistake("resolved_share", lambda d: float(d.tickets["resolved"].astype(bool).mean()),
             "that is the share of tickets resolved; the question asks, among them, for the "
             "share resolved at the first contact.")),
    **SHARE,
)


def _sl(d, calls_per_hour, aht_minutes, agents, answer_seconds):
    return service_level(calls_per_hour, aht_minutes / 60, agents, answer_seconds / 3600)


_exercise(
    "05.5", "service level with the given agents", "number", _sl,
    "Erlang C: crm_training.service.service_level(arrival_rate, aht, agents, target_time), the "
    "share of calls answered within the target time, every time in hours.",
    (Mistake("wait_prob", lambda d, calls_per_hour, aht_minutes, agents, **_: erlang_c(
        calls_per_hour, aht_minutes / 60, agents),
        "that is the probability that a caller waits at all (Erlang C); the service level is "
        "the share answered within the target time."),
     Mistake("no_wait", lambda d, calls_per_hour, aht_minutes, agents, **_: 1 - erlang_c(
         calls_per_hour, aht_minutes / 60, agents),
         "that is the share answered without any wait; callers who wait less than the target "
         "time count as answered in time too."),
     Mistake("percent", 100, PERCENT),
     Mistake("target_units", lambda d, calls_per_hour, aht_minutes, agents, answer_seconds:
             service_level(calls_per_hour, aht_minutes / 60, agents, answer_seconds / 60),
             "the target time is 20 seconds: in hours that is answer_seconds / 3600, not / 60."),
     Mistake("occupancy", lambda d, calls_per_hour, aht_minutes, agents, **_: traffic_intensity(
         calls_per_hour, aht_minutes / 60) / agents,
         "that is the occupancy (load / agents: how busy each agent is); the service level is "
         "the share of calls answered within the target time (Erlang C).")),
    params={"calls_per_hour": 120, "aht_minutes": 4, "agents": 10, "answer_seconds": 20},
    needs_data=False, **SHARE,
)


def _staffing_cost(calls_per_hour, aht_minutes, deflection, agent_cost, bot_cost, staff):
    """Cost per hour of each option (the criterion) and the agents each one needs."""
    agents = pd.Series({"agents": staff(calls_per_hour),
                        "chatbot": staff(calls_per_hour * (1 - deflection))}, dtype=float)
    cost = agents * agent_cost + pd.Series({"agents": 0.0, "chatbot": bot_cost})
    return pd.DataFrame({"cost_per_hour": cost, "agents": agents})


def _staff_erlang(aht_minutes):
    return lambda calls: agents_needed(calls, aht_minutes / 60, 0.8, 20 / 3600)


_exercise(
    "05.6", "cheaper way to meet the 80/20 target", "choice",
    lambda d, calls_per_hour, aht_minutes, deflection, agent_cost, bot_cost: _staffing_cost(
        calls_per_hour, aht_minutes, deflection, agent_cost, bot_cost, _staff_erlang(aht_minutes)),
    "staff each option with Erlang C (agents_needed, 80% within 20 s), and compare the cost "
    "per hour: agents only, or a chatbot that takes `deflection` of the calls plus the agents "
    "for the rest.",
    (Mistake("load_only", lambda d, calls_per_hour, aht_minutes, deflection, agent_cost,
             bot_cost: _staffing_cost(calls_per_hour, aht_minutes, deflection, agent_cost,
                                      bot_cost, lambda c: int(np.ceil(traffic_intensity(
                                          c, aht_minutes / 60)))),
             "you staffed both options at the traffic load (Erlangs). Queues need agents above "
             "the load, and the saving of the chatbot is in those agents: staff with Erlang C "
             "(agents_needed).", pick="min",
             keywords=("traffic load", "erlangs of load", "load of 8", "traffic intensity")),),
    params={"calls_per_hour": 120, "aht_minutes": 4, "deflection": 0.35, "agent_cost": 25,
            "bot_cost": 60},
    needs_data=False, pick="min", criterion="cost per hour",
    terms=("cost", "Erlang", "agent", "成本", "坐席", "费用"),
)

# ---- chapter 6: implementation and evaluation (manufacturing) --------------------------------


def _ci(d, z=None, pooled=False):
    r = ab_test(d)
    if pooled:
        c = campaign_conversion(d).groupby("group", observed=True)["converted"].agg(
            ["sum", "size"])
        p = c["sum"].sum() / c["size"].sum()
        se = float(np.sqrt(p * (1 - p) * (1 / c["size"]).sum()))
        return (r["difference"] - 1.959963984540054 * se, r["difference"] + 1.959963984540054 * se)
    return (r["ci_low"], r["ci_high"]) if z is None else (
        r["difference"] - z * r["se"], r["difference"] + z * r["se"])


_exercise(
    "06.1", "difference in 30-day conversion (treatment - control)", "number",
    lambda d: ab_test(d)["difference"],
    "per group, the share of assigned customers who ordered within 30 days of the start "
    "(crm_training.evaluation.campaign_conversion); treatment minus control.",
    (Mistake("sign", -1, "wrong sign: the effect is treatment minus control."),
     Mistake("points", 100,
             "give the difference as a share (0.05 for 5 percentage points), not in points."),
     Mistake("relative", lambda d: ab_test(d)["relative_lift"],
             "that is the relative lift (difference / control rate); the question asks for the "
             "absolute difference of the two conversion rates."),
     Mistake("ratio", lambda d: ab_test(d)["p_b"] / ab_test(d)["p_a"],
             "that is the ratio of the two rates; the question asks for their difference "
             "(treatment minus control)."),
     Mistake("treatment_rate", lambda d: ab_test(d)["p_b"],
             "that is the treatment group's conversion alone; subtract the control group's.")),
    sig=2,
)

_exercise(
    "06.2", "95% confidence interval of the difference", "pair", lambda d: _ci(d),
    "difference ± 1.96 × standard error, with the unpooled standard error "
    "sqrt(p_c (1 - p_c) / n_c + p_t (1 - p_t) / n_t): crm_training.evaluation.ab_test.",
    (Mistake("ninety", lambda d: _ci(d, z=1.6448536269514722),
             "that is a 90% interval (z = 1.645); a 95% interval uses z = 1.96."),
     Mistake("sign", -1,
             "that is the interval of control minus treatment; the difference is treatment minus "
             "control."),
     Mistake("points", 100, "give the bounds as shares, not percentage points."),
     Mistake("pooled", lambda d: _ci(d, pooled=True),
             "that interval uses the pooled standard error (one rate for both groups, as in the "
             "test's z); the question asks for the unpooled one: each group's own rate."),
     Mistake("ninety_nine", lambda d: _ci(d, z=2.5758293035489004),
             "that is a 99% interval (z = 2.576); a 95% interval uses z = 1.96."),
     Mistake("one_se", lambda d: _ci(d, z=1.0),
             "that is the difference plus or minus one standard error; a 95% interval is 1.96 "
             "standard errors on each side.")),
    atol=1e-4,  # bounds near 0: 0.01 percentage point absolute, so z = 1.96 or 1.959964 both pass
    decimals=3,  # bounds to 0.1 percentage point at least
)


def _sample_size(p_control, mde, variance="pooled", z="exact", rounding="up") -> int:
    """Customers per group by the textbook formulas (for the variants 06.4 accepts)."""
    p1, p2 = p_control, p_control + mde
    za, zb = (1.96, 0.84) if z == "rounded" else (1.959963984540054, 0.8416212335729143)
    pbar = (p1 + p2) / 2
    if variance == "arcsine":  # Cohen's h
        n = 2 * (za + zb) ** 2 / (2 * np.arcsin(np.sqrt(p2)) - 2 * np.arcsin(np.sqrt(p1))) ** 2
    else:
        spread = {"pooled": np.sqrt(2 * pbar * (1 - pbar)), "all_pooled": np.sqrt(
            2 * pbar * (1 - pbar)), "unpooled": np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))}[variance]
        power = spread if variance == "all_pooled" else np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
        n = (za * spread + zb * power) ** 2 / mde ** 2
    return int(np.ceil(n - 1e-9) if rounding == "up" else np.round(n))


SAMPLE_SIZE_METHODS = tuple(
    Variant(f"{variance}_{z}_{rounding}",
            lambda d, p_control, mde, v=variance, z=z, r=rounding: _sample_size(
                p_control, mde, v, z, r),
            f"the {label} formula, z {z}, rounded {'up' if rounding == 'up' else 'to nearest'}")
    for variance, label in (("pooled", "pooled-variance (Fleiss)"), ("unpooled",
                                                                      "unpooled-variance"),
                            ("all_pooled", "fully pooled variance"), ("arcsine", "Cohen's h"))
    for z in ("exact", "rounded") for rounding in ("up", "nearest"))

_exercise(
    "06.4", "customers needed per group", "integer",
    lambda d, p_control, mde: sample_size_proportions(p_control, mde),
    "crm_training.evaluation.sample_size_proportions(p_control, mde) with the lift mde as an "
    "absolute difference of rates, 5% two-sided significance and 80% power: customers per group.",
    (Mistake("total", lambda d, p_control, mde: 2 * sample_size_proportions(p_control, mde),
             "that is both groups together; the question asks for customers per group."),
     Mistake("one_sided", lambda d, p_control, mde: sample_size_proportions(
         p_control, mde, alpha=0.10),
         "that is a one-sided test (or alpha = 0.10). Use 5% two-sided: z = 1.96."),
     Mistake("relative_lift", lambda d, p_control, mde: sample_size_proportions(
         p_control, mde * p_control),
         "you read the lift as relative (2% of the rate). The lift is 2 percentage points: "
         "from 10% to 12%, mde = 0.02."),
     Mistake("power_90", lambda d, p_control, mde: sample_size_proportions(
         p_control, mde, power=0.9),
         "that is for 90% power; the question asks for 80% (z = 0.84).")),
    params={"p_control": 0.10, "mde": 0.02}, needs_data=False, fmt="{:,.0f}",
    variants=SAMPLE_SIZE_METHODS,
    tolerance="any textbook formula passes: pooled or unpooled variance or Cohen's h, z exact "
    "or rounded to 1.96 and 0.84, rounded up or to the nearest customer, and any whole number "
    "between them",
)


def _npv_first_discounted(d, cash_flows, rate):
    return npv(cash_flows, rate) / (1 + rate)


_exercise(
    "06.3", "NPV at the given rate", "number",
    lambda d, cash_flows, rate: npv(cash_flows, rate),
    "NPV = sum of cash_flow_t / (1 + rate)^t with t = 0 for the investment (not discounted): "
    "crm_training.evaluation.npv.",
    (Mistake("discounted_first", _npv_first_discounted,
             "you discounted the first cash flow too (Excel's NPV() does that). The investment "
             "is paid today, at t = 0: it is not discounted."),
     Mistake("undiscounted", lambda d, cash_flows, rate: float(np.sum(cash_flows)),
             "that is the plain sum: money received in later years is worth less today, divide "
             "each year's cash flow by (1 + rate)^t."),
     Mistake("rate_percent", lambda d, cash_flows, rate: npv(cash_flows, rate * 100),
             "the rate is a share: 8% is 0.08, not 8."),
     Mistake("rate_tenfold", lambda d, cash_flows, rate: npv(cash_flows, rate * 10),
             "that NPV uses ten times the rate (0.8 for 8%): 8% is 0.08."),
     Mistake("no_investment", lambda d, cash_flows, rate: npv(cash_flows, rate) - cash_flows[0],
             "you left out the investment (the first cash flow, today): NPV counts it, "
             "undiscounted."),
     Mistake("late_returns", lambda d, cash_flows, rate: cash_flows[0] + (
         npv(cash_flows, rate) - cash_flows[0]) / (1 + rate),
         "you discounted every yearly cash flow one period too many: the first return comes at "
         "t = 1, divided by (1 + rate) once."),
     Mistake("missing_year", lambda d, cash_flows, rate: npv(cash_flows[:-1], rate),
             "the last year's cash flow is missing: sum over every cash flow, t = 0 to the "
             "last.")),
    params={"cash_flows": (-250_000, 90_000, 110_000, 120_000, 120_000), "rate": 0.08},
    needs_data=False, **MONEY,
)


def _simple_roi(d, cash_flows):
    return float(np.sum(cash_flows[1:]) / -cash_flows[0] - 1)


_exercise(
    "06.5", "internal rate of return", "number", lambda d, cash_flows: irr(cash_flows),
    "the IRR is the yearly rate at which the NPV is 0: crm_training.evaluation.irr(cash_flows) "
    "(or try rates until npv(cash_flows, rate) crosses 0).",
    (Mistake("simple_roi", _simple_roi,
             "that is the simple return over the whole project (gains / investment - 1), "
             "neither yearly nor discounted. The IRR is the rate r with NPV(r) = 0."),
     Mistake("percent", 100, "give the rate as a share (0.25 for 25%), not a percentage."),
     Mistake("simple_yearly", lambda d, cash_flows: _simple_roi(d, cash_flows)
             / (len(cash_flows) - 1),
             "that is the simple return divided by the years: not discounted. The IRR is the "
             "rate r with NPV(r) = 0.")),
    params={"cash_flows": (-250_000, 90_000, 110_000, 120_000, 120_000)},
    needs_data=False, sig=2, time_units=True,
)

PROJECTS = {"loyalty app": (-100_000, 40_000, 40_000, 40_000, 40_000),
            "email automation": (-20_000, 10_000, 10_000, 10_000, 10_000),
            "data platform": (-150_000, 0, 0, 0, 230_000)}


def _projects(projects, value) -> pd.Series:
    return pd.Series({name: float(value(flows)) for name, flows in projects.items()})


_exercise(
    "06.6", "project to fund", "choice",
    lambda d, projects, rate: _projects(projects, lambda cf: npv(cf, rate)),
    "only one project can be funded: the one adding the most value today, the highest NPV at "
    "the given rate (crm_training.evaluation.npv).",
    (Mistake("irr", lambda d, projects, rate: _projects(projects, irr),
             "that project has the highest IRR, but it is small: a high rate on a small sum "
             "adds less value than a lower rate on a large one. With one project to fund, "
             "compare NPVs.", keywords=("irr", "internal rate", "rate of return", "内部收益率")),
     Mistake("undiscounted", lambda d, projects, rate: _projects(projects, sum),
             "that project has the largest plain sum of cash flows, but its money comes late: "
             "discount each year's cash flow (NPV) before comparing.",
             keywords=("plain sum", "total cash", "sum of the cash", "undiscounted", "总现金流",
                       "现金流总和"))),
    params={"projects": PROJECTS, "rate": 0.08}, needs_data=False,
    criterion="NPV at the given rate", terms=("NPV", "net present value", "净现值", "IRR",
                                              "discount", "折现"),
)
