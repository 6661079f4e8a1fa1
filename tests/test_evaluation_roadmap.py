"""Roadmap tracker, key success factors and the maturity scorecard."""
import pandas as pd
import pytest

from crm_training.evaluation import (MATURITY_DIMENSIONS, PHASES, SUCCESS_FACTORS,
                                     maturity_scorecard, roadmap_plan, roadmap_status,
                                     update_phase)

FACTORS_OK = {"leadership_support": 5, "cross_department_collaboration": 4, "data": 4,
              "training": 3}


def test_six_phases_in_the_course_order():
    assert PHASES["phase_zh"].tolist() == ["现状评估", "需求分析", "系统选型", "定制开发", "试点运行",
                                           "全面推广"]
    assert set(SUCCESS_FACTORS["factor"]) == {"leadership_support",
                                              "cross_department_collaboration", "data", "training"}


def test_plan_dates_are_back_to_back():
    plan = roadmap_plan("2025-01-06")
    assert (plan["planned_start"].iloc[1:].to_numpy() == plan["planned_end"].iloc[:-1].to_numpy()).all()
    assert plan["planned_end"].iloc[-1] == pd.Timestamp("2025-01-06") + pd.Timedelta(weeks=46)
    with pytest.raises(ValueError, match="unknown phase"):
        roadmap_plan("2025-01-06", weeks={"testing": 3})


def test_tracker_progress_and_order_rule():
    plan = roadmap_plan("2025-01-06")
    plan = update_phase(plan, "assessment", progress=1.0)
    plan = update_phase(plan, "requirements", progress=0.5)
    assert plan.loc[1, "status"] == "in_progress"
    s = roadmap_status(plan, "2025-02-03", FACTORS_OK)  # 4 weeks in: assessment due
    assert s["progress"] == pytest.approx((4 * 1 + 4 * 0.5) / 46)
    assert s["expected_progress"] == pytest.approx(4 / 46)
    assert s["current_phase"] == "requirements" and s["late"] == []
    with pytest.raises(ValueError, match="before earlier phase"):
        update_phase(plan, "rollout", status="done")
    with pytest.raises(ValueError, match="progress"):
        update_phase(plan, "pilot", progress=1.5)
    with pytest.raises(ValueError, match="status"):
        update_phase(plan, "pilot", status="paused")


def test_ready_for_rollout_needs_pilot_and_factors():
    plan = roadmap_plan("2025-01-06")
    for phase in ["assessment", "requirements", "selection", "customisation", "pilot"]:
        plan = update_phase(plan, phase, progress=1.0)
    assert roadmap_status(plan, "2025-09-01", FACTORS_OK)["ready_for_rollout"]
    weak = dict(FACTORS_OK, training=2)
    s = roadmap_status(plan, "2025-09-01", weak)
    assert not s["ready_for_rollout"] and s["factors"].loc["training", "risk"]
    assert not roadmap_status(plan, "2025-09-01", {})["ready_for_rollout"]  # unassessed = risk
    with pytest.raises(ValueError, match="unknown success factor"):
        roadmap_status(plan, "2025-09-01", {"budget": 4})
    with pytest.raises(ValueError, match="between 1 and 5"):
        roadmap_status(plan, "2025-09-01", {"data": 7})


def test_late_phases():
    plan = roadmap_plan("2025-01-06")
    s = roadmap_status(plan, "2025-06-01", FACTORS_OK)
    assert s["late"] == ["assessment", "requirements", "selection"]


def test_maturity_scorecard_by_hand():
    scores = {"strategy": 3, "data": 2, "process": 3.5, "technology": 4, "people": 2,
              "experience": 3, "analytics": 1}
    card = maturity_scorecard(scores, targets=4)
    assert list(card.index) == MATURITY_DIMENSIONS["dimension"].tolist()
    assert card.attrs["overall"] == pytest.approx(round(18.5 / 7, 2))
    assert card.attrs["level"] == "repeatable"
    assert card.loc["technology", "gap"] == 0 and card.loc["analytics", "gap"] == 3
    assert card.loc["process", "level"] == "defined" and card.loc["analytics", "level_zh"] == "初始级"
    weighted = maturity_scorecard(scores, weights={"analytics": 1, "technology": 3})
    assert weighted.attrs["overall"] == pytest.approx((1 + 12) / 4)


@pytest.mark.parametrize("scores,match", [
    ({"strategy": 3}, "missing"),
    ({**dict.fromkeys(MATURITY_DIMENSIONS["dimension"], 3), "budget": 3}, "unknown"),
    (dict.fromkeys(MATURITY_DIMENSIONS["dimension"], 6), "1 to 5"),
])
def test_maturity_bad_input(scores, match):
    with pytest.raises(ValueError, match=match):
        maturity_scorecard(scores)
