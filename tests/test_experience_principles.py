"""Chapter 3 five design principles audit (易理解 / 易获取 / 易使用 / 易发现 / 易支付)."""
import numpy as np
import pandas as pd
import pytest

from crm_training.experience import (AUDIT_ITEMS, PRINCIPLES, audit_items, audit_scorecard,
                                     audit_template)


def test_checklist_is_documented_in_both_languages():
    items = audit_items()
    assert list(items["principle"].unique()) == list(PRINCIPLES)
    assert items["item"].is_unique and items["check_zh"].str.len().gt(0).all()
    assert len(items) == sum(len(v) for v in AUDIT_ITEMS.values())


def test_hand_scored_touchpoints():
    form = audit_template(["app", "store"])
    form["score"] = np.where(form["touchpoint"] == "app", 5, 1)
    # the store pays well: 4 on every pay item
    form.loc[(form["touchpoint"] == "store") & (form["principle"] == "pay"), "score"] = 4
    card = audit_scorecard(form)
    assert card.loc["app", "total"] == 100.0
    # store: principle means 1, 1, 1, 1, 4 -> mean 1.6 -> (1.6 - 1) / 4 = 15 of 100
    assert card.loc["store", "total"] == 15.0
    assert card.index[0] == "store"  # weakest first
    assert card.loc["store", "gap_use"] == 3.0 and card.loc["store", "gap_pay"] == 0.0
    assert card.loc["store", "total_gap"] == 12.0
    weighted = audit_scorecard(form, weights={"pay": 4, "use": 0, "find": 0, "understand": 0,
                                              "access": 0})
    assert weighted.loc["store", "total"] == 75.0


def test_blank_items_and_principles_are_skipped():
    a = pd.DataFrame({"touchpoint": "web", "principle": ["use", "use", "pay"],
                      "score": [4, np.nan, 2]})
    card = audit_scorecard(a)
    assert card.loc["web", "use"] == 4 and np.isnan(card.loc["web", "find"])
    assert card.loc["web", "total"] == 50.0  # mean of 4 and 2 only
    assert card.loc["web", "weakest"] == "pay"


@pytest.mark.parametrize("audit, kwargs, message", [
    (pd.DataFrame({"touchpoint": ["a"], "principle": ["fun"], "score": [3]}), {},
     "unknown principle"),
    (pd.DataFrame({"touchpoint": ["a"], "principle": ["pay"], "score": [6]}), {}, "from 1 to 5"),
    (pd.DataFrame({"touchpoint": ["a"], "principle": ["pay"], "score": [np.nan]}), {}, "no scores"),
    (pd.DataFrame({"touchpoint": ["a"], "score": [3]}), {}, "missing column"),
    (pd.DataFrame({"touchpoint": ["a"], "principle": ["pay"], "score": [3]}),
     {"weights": {"pay": -1}}, "weights"),
])
def test_bad_audits(audit, kwargs, message):
    with pytest.raises(ValueError, match=message):
        audit_scorecard(audit, **kwargs)


def test_template_needs_touchpoints():
    with pytest.raises(ValueError, match="touchpoint"):
        audit_template([])
