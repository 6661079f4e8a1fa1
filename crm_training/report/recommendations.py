"""Recommendations derived by rules from a report's figures, with a roadmap and expected ROI.

Each rule of :data:`RULES` reads one figure of the :class:`~.findings.Findings`, compares it with
a threshold and, when the condition holds, recommends one action whose money figures (yearly
benefit, investment, running cost, NPV, ROI) come from ``findings.actions``. Different data
therefore give different lists: a telecom whose value is spread evenly is told to grow its middle
tiers, a bank whose top 20% bring 85% of profit to protect them. :func:`roadmap` orders the
actions into quarters (quick wins, pilots, rollouts, reviews) and :func:`expected_return` sums
their cash flows into one NPV and ROI (chapter 6's :func:`~crm_training.evaluation.initiative_roi`).
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import evaluation
from . import text as _text


@dataclass(frozen=True)
class Rule:
    """If ``section.metric`` ``op`` ``threshold`` then recommend ``action``."""

    name: str
    section: str
    metric: str
    op: str
    threshold: float
    action: str


RULES = (
    Rule("value_concentrated", "concentration", "top20_share", ">", 0.70, "protect_top_tier"),
    Rule("value_spread", "concentration", "top20_share", "<=", 0.70, "nurture_potential"),
    Rule("many_lapsing", "segments", "lapsing_share", ">", 0.20, "win_back"),
    Rule("many_probably_lost", "clv", "at_risk_share", ">", 0.15, "churn_early_warning"),
    Rule("low_nps", "experience", "nps", "<", 20.0, "fix_detractor_journeys"),
    Rule("channels_inconsistent", "experience", "channel_p", "<", 0.05, "unify_channels"),
    Rule("sla_below_target", "service", "sla_attainment", "<", 0.90, "staff_to_erlang"),
    Rule("low_first_contact_resolution", "service", "fcr_rate", "<", 0.70,
         "first_contact_resolution"),
    Rule("loyalty_over_credited", "loyalty", "naive_to_matched", ">", 2.0,
         "measure_loyalty_uplift"),
    Rule("large_points_liability", "loyalty", "liability_share", ">", 0.02,
         "review_points_expiry"),
)

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
_COLUMNS = ["rule", "section", "metric", "value", "op", "threshold", "fired", "action"]
_MONEY = ["customers", "effect", "value_per_customer_year", "own_value", "annual_benefit",
          "investment", "annual_cost", "npv", "roi", "payback_years", "break_even_effect",
          "npv_low", "npv_high"]


def rule_value(findings, rule: Rule) -> float:
    """The figure a rule reads (NaN when its section is not available)."""
    section = getattr(findings, rule.section)
    if section is None:
        return np.nan
    if rule.metric == "naive_to_matched":
        naive, matched = section["naive_uplift"], section["matched_uplift"]
        if not (np.isfinite(naive) and np.isfinite(matched)) or naive <= 0:
            return np.nan
        return float(naive / max(matched, 1e-9)) if matched > 0 else np.inf
    if rule.metric == "liability_share":
        year = findings.meta.get("profit_year", np.nan)
        return float(section["net_liability"] / year) if year and year > 0 else np.nan
    return float(section[rule.metric])


def evaluate_rules(findings, rules=RULES) -> pd.DataFrame:
    """Every rule with the figure it read and whether it fired (NaN figures never fire).

    Examples
    --------
    >>> import crm_training
    >>> from crm_training.report.findings import compute_findings
    >>> f = compute_findings(crm_training.generate("retail", 600, seed=2), horizon_months=12)
    >>> table = evaluate_rules(f)
    >>> bool(table.loc["value_concentrated", "fired"]) == (f.concentration["top20_share"] > 0.7)
    True
    """
    rows = []
    for r in rules:
        value = rule_value(findings, r)
        fired = bool(not np.isnan(value) and _OPS[r.op](value, r.threshold))
        rows.append((r.name, r.section, r.metric, value, r.op, r.threshold, fired, r.action))
    return pd.DataFrame(rows, columns=_COLUMNS).set_index("rule")


def _priority_level(roi) -> str:
    if not np.isfinite(roi):
        return "medium"            # governance: cheap and protects later decisions
    return "high" if roi >= 1 else "medium" if roi >= 0 else "low"


def recommend(findings, language: str = "en", rules=RULES) -> pd.DataFrame:
    """The prioritised recommendation list: one row per fired rule, best first.

    Only actions worth funding: a positive NPV at the stated assumptions, by ROI (most return
    per unit spent first: the order in which a limited budget should fund them), then
    governance actions without a money figure. What a rule calls for but loses money is never
    here: :func:`not_worth` lists it with the effect it would need. Columns: ``priority`` (1 =
    first), ``priority_level`` (high: ROI >= 1, medium: ROI >= 0 or not in money), the ``rule``,
    the figure that
    triggered it (``metric``, ``value``, ``op``, ``threshold``), the ``action`` key and its money
    figures (``annual_benefit``, ``investment``, ``annual_cost``, ``npv``, ``roi``,
    ``payback_years``), and in ``language`` the texts ``title``, ``trigger``, ``impact`` and
    ``cost_basis``.

    Examples
    --------
    >>> import crm_training
    >>> from crm_training.report.findings import compute_findings
    >>> f = compute_findings(crm_training.generate("telecom", 600, seed=2), horizon_months=12)
    >>> recs = recommend(f)
    >>> recs["priority"].tolist() == list(range(1, len(recs) + 1))
    True
    """
    recs = _fired(findings, rules)
    recs = recs[~(recs["npv"] <= 0)]  # never what loses money: see not_worth()
    # positive NPV first (most return per unit spent first), then unpriced governance actions
    npv = recs["npv"]
    recs = recs.assign(_order=np.where(npv > 0, 0, 1), _rank=np.where(npv > 0, -recs["roi"], 0))
    recs = recs.sort_values(["_order", "_rank"], kind="stable")
    recs = recs.drop(columns=["_order", "_rank"]).reset_index(drop=True)
    recs.insert(0, "priority", np.arange(1, len(recs) + 1))
    recs.insert(1, "priority_level", [_priority_level(r) for r in recs["roi"]])
    _add_text(recs, findings, language)
    return recs


def _fired(findings, rules) -> pd.DataFrame:
    table = evaluate_rules(findings, rules)
    fired = table[table["fired"]].reset_index()
    fired = fired.drop_duplicates("action")
    money = findings.actions.reindex(fired["action"])[_MONEY].reset_index(drop=True)
    return pd.concat([fired.drop(columns="fired"), money], axis=1)


def not_worth(findings, language: str = "en", rules=RULES) -> pd.DataFrame:
    """The actions a rule calls for whose NPV is not positive at the stated assumptions: never
    recommended nor scheduled, listed with the effect they would need (``break_even_effect``,
    beside the assumed ``effect``) and a ``text`` in ``language``: "not worth it unless ...".

    Examples
    --------
    >>> import crm_training
    >>> from crm_training.report.findings import compute_findings
    >>> f = compute_findings(crm_training.generate("bank", 600, seed=3), horizon_months=12)
    >>> out = not_worth(f)
    >>> bool((out["npv"] <= 0).all()) and set(out["action"]).isdisjoint(recommend(f)["action"])
    True
    """
    fired = _fired(findings, rules)
    out = fired[fired["npv"] <= 0].sort_values("npv", ascending=False).reset_index(drop=True)
    cur = findings.meta.get("currency", "")
    texts = []
    for _, r in out.iterrows():
        spec = _text.ACTIONS[r["action"]]
        even = r["break_even_effect"]
        key = "s_not_worth" if np.isfinite(even) and even <= 1 else "s_never_worth"
        texts.append(_text.t(key, language, action=spec[f"short_{language}"],
                             trigger=_trigger(r, language),
                             npv=_text.fmt_money(r["npv"], cur),
                             effect=_text.fmt_pct(r["effect"], 1),
                             even=_text.fmt_pct(even, 1) if np.isfinite(even) else "",
                             customers=_text.fmt_num(r["customers"]),
                             unit=_text.UNITS[spec["unit"]][0 if language == "en" else 1],
                             years=findings.assumptions["roi_years"]))
    return out.assign(text=texts)


def _trigger(row, language):
    label = _text.METRICS[row["metric"]][0 if language == "en" else 1]
    v, th = row["value"], row["threshold"]
    if row["metric"] == "nps":
        shown, limit = _text.fmt_points(v), _text.fmt_points(th)
    elif row["metric"] in ("naive_to_matched",):
        shown, limit = ("∞" if v == np.inf else f"{v:.1f}"), f"{th:.1f}"
    elif row["metric"] == "channel_p":
        shown, limit = ("< 0.001" if v < 0.001 else f"{v:.3f}"), f"{th:.2f}"
    else:
        shown, limit = _text.fmt_pct(v, 1), _text.fmt_pct(th)
    op = {"<=": "≤", ">=": "≥"}.get(row["op"], row["op"])
    return f"{label} {shown} {op} {limit}"


def _add_text(recs, findings, language):
    from .findings import AGENT_COST
    cur = findings.meta.get("currency", "")
    a = findings.assumptions
    setup = _text.fmt_money(a["setup_share"] * max(findings.meta.get("profit_year", 0.0), 0.0), cur)
    agent = _text.fmt_money(AGENT_COST.get(cur, AGENT_COST["USD"]), cur)
    suffix = "" if language == "en" else "_zh"
    titles, triggers, impacts, costs = [], [], [], []
    from .vocabulary import tier_strategy

    high = (findings.segments["tier_table"].loc["high", "value_per_customer_year"]
            if findings.segments is not None else np.nan)
    for _, row in recs.iterrows():
        spec = _text.ACTIONS[row["action"]]
        if row["action"] == "protect_top_tier":  # what the tier is worth decides how
            titles.append(spec[f"short_{language}"] + (": " if language == "en" else "：")
                          + tier_strategy("high", findings.meta.get("industry"), high, cur,
                                          language).rstrip("."))
        else:
            titles.append(spec[language])
        triggers.append(_trigger(row, language))
        if np.isfinite(row["annual_benefit"]):
            impacts.append(_text.IMPACT["money"][language].format(
                benefit=_text.fmt_money(row["annual_benefit"], cur),
                customers=_text.fmt_num(row["customers"]), npv=_text.fmt_money(row["npv"], cur),
                unit=_text.UNITS[spec["unit"]][0 if language == "en" else 1],
                roi=_text.fmt_pct(row["roi"])))
        else:
            impacts.append(_text.IMPACT["governance"][language])
        costs.append(spec[f"cost{suffix or '_en'}"].format(setup=setup, agent_cost=agent))
    recs["title"], recs["trigger"], recs["impact"], recs["cost_basis"] = (
        titles, triggers, impacts, costs)


def roadmap(recs: pd.DataFrame) -> pd.DataFrame:
    """The recommended actions laid out over four quarters.

    * quick win (Q1): pays back within a year, or a governance action (no money figure);
    * pilot (Q2) then full rollout (Q3-Q4): positive NPV but a longer payback;
    * review (Q2): negative NPV on the stated assumptions (only if such rows are passed in:
      :func:`recommend` never returns them).

    Returns one row per action and phase with ``quarter`` (1-4), ``phase``, ``action``,
    ``investment`` (spent in the first quarter of the action) and ``npv``.

    Examples
    --------
    >>> recs = pd.DataFrame({"action": ["a", "b", "c"], "npv": [5.0, 2.0, -1.0],
    ...                      "payback_years": [0.8, 2.0, np.nan], "investment": [1.0, 2.0, 3.0]})
    >>> roadmap(recs)[["quarter", "phase", "action"]].values.tolist()
    [[1, 'quick_win', 'a'], [2, 'pilot', 'b'], [2, 'review', 'c'], [3, 'rollout', 'b'], [4, 'rollout', 'b']]
    """
    rows = []
    for _, r in recs.iterrows():
        npv, payback = r["npv"], r["payback_years"]
        if not np.isfinite(npv) or (npv > 0 and np.isfinite(payback) and payback <= 1):
            rows.append((1, "quick_win", r["action"], r["investment"], npv))
        elif npv > 0:
            rows.append((2, "pilot", r["action"], r["investment"], npv))
            rows += [(q, "rollout", r["action"], 0.0, np.nan) for q in (3, 4)]
        else:
            rows.append((2, "review", r["action"], r["investment"], npv))
    out = pd.DataFrame(rows, columns=["quarter", "phase", "action", "investment", "npv"])
    return out.sort_values(["quarter", "phase"], kind="stable").reset_index(drop=True)


def roadmap_table(recs: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The roadmap as a table in ``language``: one row per quarter, with its phases and their
    actions; consecutive quarters with the same phases and actions share one row ("Q3–Q4").

    Examples
    --------
    >>> recs = pd.DataFrame({"action": ["win_back", "first_contact_resolution"],
    ...                      "npv": [5.0, 2.0], "payback_years": [0.8, 2.0],
    ...                      "investment": [1.0, 2.0]})
    >>> for row in roadmap_table(recs).values.tolist():
    ...     print(" | ".join(row))
    Q1 | Quick win | Win back lapsing customers
    Q2 | Pilot against a control group | Raise first-contact resolution
    Q3–Q4 | Full rollout | Raise first-contact resolution
    >>> roadmap_table(recs, "zh")["quarter"].tolist()
    ['第1季度', '第2季度', '第3–4季度']
    """
    plan = roadmap(recs)
    if plan.empty:
        return pd.DataFrame(columns=["quarter", "phase", "actions"])
    i = 0 if language == "en" else 1
    sep, stop, colon = ("; ", ". ", ": ") if language == "en" else ("；", "。", "：")
    rows = []
    for q, part in plan.groupby("quarter", sort=True):
        phases = list(dict.fromkeys(part["phase"]))
        names = {ph: sep.join(_text.ACTIONS[a][f"short_{language}"]
                              for a in part.loc[part["phase"] == ph, "action"]) for ph in phases}
        actions = names[phases[0]] if len(phases) == 1 else stop.join(
            _text.PHASES[ph][i] + colon + names[ph] for ph in phases)
        phase = sep.join(_text.PHASES[ph][i] for ph in phases)
        if rows and rows[-1][1:] == [phase, actions] and rows[-1][0][1] == q - 1:
            rows[-1][0] = (rows[-1][0][0], q)  # the same work goes on: one row for both
        else:
            rows.append([(q, q), phase, actions])

    def quarter(first, last):
        span = f"{first}" if first == last else f"{first}–{last}"
        return (f"Q{span}" if first == last else f"Q{first}–Q{last}") if language == "en" \
            else f"第{span}季度"

    return pd.DataFrame([[quarter(*q), phase, actions] for q, phase, actions in rows],
                        columns=["quarter", "phase", "actions"])


def expected_return(recs: pd.DataFrame, findings) -> dict:
    """Combined cash flows of the recommended actions worth funding (positive NPV).

    Actions with a negative NPV go to review (see :func:`roadmap`), governance actions have no
    money figure: neither counts here.

    Returns ``investment``, ``annual_benefit``, ``annual_cost``, ``npv``, ``roi``,
    ``payback_years`` (from :func:`~crm_training.evaluation.initiative_roi` on the summed
    flows, with the same ramp-up as each action) and ``cash_flows`` (the yearly table).
    """
    a = findings.assumptions
    years = int(a["roi_years"])
    ramp = [0.5] + [1] * (years - 1)
    priced = recs[recs["npv"] > 0] if len(recs) else recs
    inv = float(priced["investment"].sum()) if len(priced) else 0.0
    ben = float(priced["annual_benefit"].sum()) if len(priced) else 0.0
    cost = float(priced["annual_cost"].sum()) if len(priced) else 0.0
    out = {"investment": inv, "annual_benefit": ben, "annual_cost": cost, "actions": len(priced)}
    if inv + ben + cost == 0:
        return {**out, "npv": 0.0, "roi": np.nan, "payback_years": np.nan,
                "cash_flows": pd.DataFrame()}
    res = evaluation.initiative_roi(inv, ben, cost, years, a["discount_rate"], ramp_up=ramp)
    flows = evaluation.initiative_cash_flows(inv, ben, cost, years, a["discount_rate"], ramp_up=ramp)
    return {**out, "npv": float(res["npv"]), "roi": float(res["roi"]),
            "payback_years": float(res["payback_years"]), "cash_flows": flows}
