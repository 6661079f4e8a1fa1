"""The six-phase CRM implementation roadmap as a tracker, key success factors, and a CRM
maturity self-assessment scorecard.

Chapter 6 (implementation and evaluation). The roadmap of the course runs current-state
assessment, requirements analysis, system selection, customisation, pilot and full rollout
(现状评估 / 需求分析 / 系统选型 / 定制开发 / 试点运行 / 全面推广). A plan is a DataFrame (one row per
phase) that :func:`update_phase` returns updated copies of; :func:`roadmap_status` reports
progress, late phases and the readiness of the key success factors (leadership support,
cross-department collaboration, data, training).

Examples
--------
>>> plan = roadmap_plan("2025-01-06")
>>> plan["phase_zh"].tolist()
['现状评估', '需求分析', '系统选型', '定制开发', '试点运行', '全面推广']
"""
from __future__ import annotations

import numpy as np
import pandas as pd

PHASES = pd.DataFrame([
    ("assessment", "Current-state assessment", "现状评估", 4,
     "Map customers, processes, systems and data; baseline KPIs (kpi_table)."),
    ("requirements", "Requirements analysis", "需求分析", 4,
     "Goals per department, use cases, KPIs to move, data and privacy needs."),
    ("selection", "System selection", "系统选型", 6,
     "Shortlist, demos and scoring of vendors; total cost and fit."),
    ("customisation", "Customisation", "定制开发", 12,
     "Configure and build; integrate data (CRM, ERP, social); migrate and test."),
    ("pilot", "Pilot", "试点运行", 8,
     "One region or team; measure against control (difference-in-differences)."),
    ("rollout", "Full rollout", "全面推广", 12,
     "Roll out by wave, train staff, monitor KPIs, improve continuously."),
], columns=["phase", "phase_en", "phase_zh", "weeks", "deliverable"])

SUCCESS_FACTORS = pd.DataFrame([
    ("leadership_support", "Leadership support", "领导支持",
     "A sponsor in top management owns the goals and the budget."),
    ("cross_department_collaboration", "Cross-department collaboration", "跨部门协作",
     "Sales, marketing, service and IT share processes and customer data."),
    ("data", "Data quality and integration", "数据质量与整合",
     "One customer view; data quality and privacy rules in place."),
    ("training", "Training", "员工培训", "Staff trained on the system and the new processes."),
], columns=["factor", "factor_en", "factor_zh", "meaning"])

STATUSES = ("not_started", "in_progress", "done")


def roadmap_plan(start, weeks: dict | None = None) -> pd.DataFrame:
    """A fresh plan: the six phases back to back from ``start``, all not started.

    Parameters
    ----------
    start : start date of the assessment.
    weeks : planned weeks per phase key (defaults in :data:`PHASES`).

    Examples
    --------
    >>> plan = roadmap_plan("2025-01-06", weeks={"pilot": 10})
    >>> str(plan.loc[plan["phase"] == "rollout", "planned_end"].item().date())
    '2025-12-08'
    """
    w = PHASES.set_index("phase")["weeks"].astype(int).copy()
    for key, value in (weeks or {}).items():
        if key not in w.index:
            raise ValueError(f"unknown phase {key!r}; phases: {list(w.index)}")
        if not value > 0:
            raise ValueError(f"weeks for {key!r} must be positive")
        w[key] = int(value)
    ends = pd.Timestamp(start) + pd.to_timedelta(w.cumsum().to_numpy() * 7, unit="D")
    starts = ends - pd.to_timedelta(w.to_numpy() * 7, unit="D")
    plan = PHASES[["phase", "phase_en", "phase_zh", "deliverable"]].copy()
    plan["weeks"] = w.to_numpy()
    plan["planned_start"] = starts
    plan["planned_end"] = ends
    plan["status"] = "not_started"
    plan["progress"] = 0.0
    plan["actual_end"] = pd.NaT
    return plan


def update_phase(plan: pd.DataFrame, phase: str, progress: float | None = None,
                 status: str | None = None, actual_end=None) -> pd.DataFrame:
    """Return a copy of the plan with one phase updated.

    A phase is ``done`` at progress 1 and can only be done once every earlier phase is done
    (no rollout before the pilot is finished).

    Examples
    --------
    >>> plan = update_phase(roadmap_plan("2025-01-06"), "assessment", progress=1.0)
    >>> plan.loc[0, "status"]
    'done'
    >>> update_phase(plan, "pilot", progress=1.0)
    Traceback (most recent call last):
    ...
    ValueError: cannot finish 'pilot' before earlier phase(s) ['requirements', 'selection', 'customisation'] are done
    """
    plan = plan.copy()
    idx = plan.index[plan["phase"] == phase]
    if len(idx) != 1:
        raise ValueError(f"unknown phase {phase!r}; phases: {plan['phase'].tolist()}")
    i = idx[0]
    if progress is not None:
        if not 0 <= progress <= 1:
            raise ValueError(f"progress must be between 0 and 1, got {progress!r}")
        plan.loc[i, "progress"] = float(progress)
        if status is None:
            status = "done" if progress == 1 else "in_progress" if progress > 0 else "not_started"
    if status is not None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        if status == "done":
            pos = plan.index.get_loc(i)
            open_before = plan.iloc[:pos].loc[lambda d: d["status"] != "done", "phase"].tolist()
            if open_before:
                raise ValueError(f"cannot finish {phase!r} before earlier phase(s) "
                                 f"{open_before} are done")
            plan.loc[i, "progress"] = 1.0
        plan.loc[i, "status"] = status
    if actual_end is not None:
        plan.loc[i, "actual_end"] = pd.Timestamp(actual_end)
    return plan


def roadmap_status(plan: pd.DataFrame, today, success_factors: dict | None = None,
                   threshold: float = 3.0) -> dict:
    """Where the roadmap stands on ``today``: progress, current phase, late phases, readiness.

    Parameters
    ----------
    success_factors : score 1-5 per key of :data:`SUCCESS_FACTORS` (self-assessed).
    threshold : a factor scoring below this is a risk.

    Returns
    -------
    dict with ``progress`` (weighted by planned weeks), ``expected_progress`` (by the calendar),
    ``current_phase``, ``late`` (phases past their planned end and not done), ``factors``
    (table with scores and risk flags) and ``ready_for_rollout`` (pilot done and no factor risk).

    Examples
    --------
    >>> plan = update_phase(roadmap_plan("2025-01-06"), "assessment", progress=1.0)
    >>> s = roadmap_status(plan, "2025-03-10", {"leadership_support": 4, "data": 2,
    ...                     "training": 3, "cross_department_collaboration": 4})
    >>> s["late"], bool(s["factors"].loc["data", "risk"])
    (['requirements'], True)
    """
    today = pd.Timestamp(today)
    w = plan["weeks"].to_numpy(float)
    progress = float((plan["progress"].to_numpy(float) * w).sum() / w.sum())
    span = (plan["planned_end"] - plan["planned_start"]).dt.total_seconds().to_numpy()
    elapsed = np.clip((today - plan["planned_start"]).dt.total_seconds().to_numpy() / span, 0, 1)
    expected = float((elapsed * w).sum() / w.sum())
    not_done = plan["status"] != "done"
    late = plan.loc[not_done & (plan["planned_end"] < today), "phase"].tolist()
    current = plan.loc[not_done, "phase"].iloc[0] if not_done.any() else None
    factors = SUCCESS_FACTORS.set_index("factor")[["factor_en", "factor_zh"]].copy()
    scores = pd.Series(success_factors or {}, dtype=float)
    unknown = sorted(set(scores.index) - set(factors.index))
    if unknown:
        raise ValueError(f"unknown success factor(s) {unknown}; known: {list(factors.index)}")
    if ((scores < 1) | (scores > 5)).any():
        raise ValueError("success factor scores must be between 1 and 5")
    factors["score"] = scores.reindex(factors.index)
    factors["risk"] = factors["score"].isna() | (factors["score"] < threshold)
    pilot_done = bool((plan.loc[plan["phase"] == "pilot", "status"] == "done").all())
    return {"progress": progress, "expected_progress": expected, "current_phase": current,
            "late": late, "factors": factors,
            "ready_for_rollout": pilot_done and not bool(factors["risk"].any())}


# --------------------------------------------------------------------------- maturity scorecard
MATURITY_LEVELS = ("initial", "repeatable", "defined", "managed", "optimising")
MATURITY_LEVELS_ZH = ("初始级", "可重复级", "已定义级", "已管理级", "持续优化级")
MATURITY_DIMENSIONS = pd.DataFrame([
    ("strategy", "Customer strategy", "客户战略",
     "Are customer goals, segments and value tiers set and owned by management?"),
    ("data", "Customer data", "客户数据",
     "Is there one clean, consented customer view shared across channels?"),
    ("process", "Processes", "业务流程",
     "Are marketing, sales and service processes defined and measured end to end?"),
    ("technology", "Technology", "技术系统",
     "Do the CRM and connected systems support the processes and integrate the data?"),
    ("people", "People and organisation", "组织与人员",
     "Are roles, incentives and training aligned with customer goals?"),
    ("experience", "Customer experience", "客户体验",
     "Are journeys designed, touchpoints scored and experience improved from feedback?"),
    ("analytics", "Analytics and evaluation", "分析与评估",
     "Are CLV, churn and experiments used to decide and to evaluate initiatives?"),
], columns=["dimension", "dimension_en", "dimension_zh", "question"])


def maturity_scorecard(scores: dict, targets: dict | float = 4.0,
                       weights: dict | None = None) -> pd.DataFrame:
    """CRM maturity self-assessment: score 1-5 per dimension, target, gap and level.

    Parameters
    ----------
    scores : score 1-5 for every dimension of :data:`MATURITY_DIMENSIONS` (ask its question).
    targets : one target for all dimensions or one per dimension.
    weights : relative weight per dimension for the overall score (default equal).

    Returns
    -------
    DataFrame indexed by dimension with ``score``, ``target``, ``gap`` (target - score, >= 0),
    ``level`` and ``level_zh``; the weighted overall score and its level are in ``attrs``.

    Examples
    --------
    >>> card = maturity_scorecard({"strategy": 3, "data": 2, "process": 3, "technology": 4,
    ...                            "people": 2, "experience": 3, "analytics": 1})
    >>> card.attrs["overall"], card.attrs["level"], float(card.loc["analytics", "gap"])
    (2.57, 'repeatable', 3.0)
    """
    dims = MATURITY_DIMENSIONS.set_index("dimension")
    s = pd.Series(scores, dtype=float)
    missing = [d for d in dims.index if d not in s.index]
    unknown = sorted(set(s.index) - set(dims.index))
    if missing or unknown:
        raise ValueError(f"scores need exactly the dimensions {list(dims.index)}; "
                         f"missing {missing}, unknown {unknown}")
    s = s.reindex(dims.index)
    if s.isna().any() or ((s < 1) | (s > 5)).any():
        raise ValueError("maturity scores must be numbers from 1 to 5")
    t = pd.Series(targets, dtype=float).reindex(dims.index) if isinstance(targets, dict) \
        else pd.Series(float(targets), index=dims.index)
    if t.isna().any():
        raise ValueError("targets must give a value for every dimension")
    w = pd.Series(weights, dtype=float).reindex(dims.index).fillna(0) if weights else \
        pd.Series(1.0, index=dims.index)
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    level_idx = np.clip(np.floor(s.to_numpy()).astype(int), 1, 5) - 1
    card = pd.DataFrame({"dimension_zh": dims["dimension_zh"], "score": s, "target": t,
                         "gap": (t - s).clip(lower=0),
                         "level": np.array(MATURITY_LEVELS)[level_idx],
                         "level_zh": np.array(MATURITY_LEVELS_ZH)[level_idx]})
    overall = round(float((s * w).sum() / w.sum()), 2)
    card.attrs["overall"] = overall
    card.attrs["level"] = MATURITY_LEVELS[int(np.clip(np.floor(overall), 1, 5)) - 1]
    return card
