"""The chapter-2 classifications: hand cases, parameters, strategies and synthetic truth."""
import numpy as np
import pandas as pd
import pytest

import crm_training
from crm_training.segmentation.classes import (CLASS_LEVELS, LABELS_ZH, all_classes,
                                               behaviour_classes, customer_pyramid,
                                               lifecycle_stages, needs_classes,
                                               strategic_classes, tier_strategies, value_tiers,
                                               vast_scores)


@pytest.fixture(scope="module")
def data():
    return crm_training.generate("retail", 3000, seed=21)


@pytest.fixture(scope="module")
def truth(data):
    return data.truth["customers"].set_index("customer_id")


def test_every_class_has_chinese_label_and_strategy():
    for kind, levels in CLASS_LEVELS.items():
        t = tier_strategies(kind)
        assert list(t.index) == list(levels)
        assert t["label_zh"].str.len().gt(0).all() and t["strategy_zh"].str.len().gt(0).all()
        assert set(LABELS_ZH[kind]) == set(levels)
    high = tier_strategies("value_tier").loc["high", "strategy"]
    assert "account manager" in high and "priority service" in high
    assert "cross-selling" in tier_strategies("value_tier").loc["medium", "strategy"]
    assert "first-purchase" in tier_strategies("value_tier").loc["potential", "strategy"]
    with pytest.raises(ValueError, match="kind"):
        tier_strategies("colour")


def test_value_tiers_by_rank_with_ties():
    v = pd.Series([100, 80, 60, 40, 30, 20, 10, 5, 2, 1], index=list("abcdefghij"))
    t = value_tiers(v, high=0.2, medium=0.3)
    assert t["value_tier"].value_counts()[["high", "medium", "potential"]].tolist() == [2, 3, 5]
    assert t["value_tier_zh"].iloc[0] == "高价值客户"
    # equal values are never split: the tie at the edge goes to the better tier
    tied = value_tiers(pd.Series([9, 5, 5, 5, 1], index=list("abcde")), high=0.4, medium=0.2)
    assert tied["value_tier"].astype(str).tolist() == ["high", "high", "high", "high", "potential"]
    with pytest.raises(ValueError, match="shares"):
        value_tiers(v, high=0.8, medium=0.5)


def test_behaviour_rhythm_rules():
    f = pd.DataFrame({"frequency": [10, 2, 6, 1, 1],
                      "tenure_days": [300.0, 200, 300, 20, 400],
                      "recency_days": [10.0, 30, 200, 10, 400]}, index=list("abcde"))
    b = behaviour_classes(f)
    # gaps: a 29.0, b 170, c 20 -> median gap 29 for one-order customers d and e
    assert b["expected_gap_days"].round(1).tolist() == [32.2, 170.0, 20.0, 32.2, 32.2]
    assert b["behaviour"].astype(str).tolist() == ["loyal", "intermittent", "churn_risk",
                                                   "intermittent", "churn_risk"]
    lenient = behaviour_classes(f, risk_factor=20)
    assert lenient.loc["c", "behaviour"] == "loyal"
    with pytest.raises(ValueError, match="risk_factor"):
        behaviour_classes(f, risk_factor=0)


def test_needs_from_contacts_by_hand():
    tx = pd.DataFrame({"customer_id": list("abcde"), "amount": 10.0,
                       "timestamp": pd.Timestamp("2024-01-01")})
    inter = pd.DataFrame({
        "customer_id": ["a"] * 6 + ["b", "b", "c", "c"],
        "timestamp": pd.Timestamp("2024-06-01"),
        "channel": ["phone"] * 6 + ["website", "app", "phone", "app"],
        "type": "inquiry"})
    data = {"transactions": tx, "interactions": inter,
            "customers": pd.DataFrame({"customer_id": list("abcde")})}
    n = needs_classes(data, source="contacts", as_of="2025-01-01")
    assert n.loc["a", "needs"] == "high_service"
    assert n.loc["b", "needs"] == "self_service"  # all contacts self-service
    assert n.loc["c", "needs"] == "self_service"  # half of them: >= 50 %
    assert n.loc["d", "needs"] == "self_service"  # no contact at all
    n2 = needs_classes(data, source="contacts", as_of="2025-01-01", self_share=0.6)
    assert n2.loc["c", "needs"] == "standard"
    with pytest.raises(ValueError, match="service_need"):
        needs_classes(data, source="column")
    with pytest.raises(ValueError, match="source"):
        needs_classes(data, source="survey")


def test_needs_from_contacts_agree_with_the_true_service_need(data):
    col = needs_classes(data, source="column")["needs"].astype(str)
    derived = needs_classes(data, source="contacts")["needs"].astype(str).reindex(col.index)
    # customers flagged high-service by their contacts are far more often truly high-service
    truly_high = col == "high_service"
    assert truly_high[derived == "high_service"].mean() > 1.5 * truly_high.mean()


def test_strategic_column_and_score(data, truth):
    s = strategic_classes(data)  # column present -> used as is
    assert s["strategic"].astype(str).tolist() == data.customers["strategic_tier"].astype(str).tolist()
    sc = strategic_classes(data, source="score")
    counts = sc["strategic"].value_counts()
    n = len(sc)
    assert counts["core"] == int(np.ceil(0.1 * n)) and counts["important"] == int(np.ceil(0.4 * n)) - counts["core"]
    with pytest.raises(ValueError, match="value_weight"):
        strategic_classes(data, source="score", value_weight=1.5)


def test_vast_scores_range_and_ordering(data, truth):
    v = vast_scores(data)
    assert set(v["V"].unique()) == {1, 2, 3, 4, 5}
    assert set(v["T"].unique()) <= {1, 3, 5}
    assert v["vast_score"].between(1, 5).all()
    mean = v[["V", "A", "S", "T"]].astype(float).mean(axis=1)
    assert np.allclose(v["vast_score"], mean)
    is_vip = truth["segment"].reindex(v.index).astype(str) == "vip"
    assert is_vip[v["vast"] == "key"].mean() > 3 * is_vip.mean()
    assert is_vip[v["vast"] == "low"].mean() < 0.5 * is_vip.mean()
    only_value = vast_scores(data, weights={"V": 1, "A": 0, "S": 0, "T": 0})
    assert np.allclose(only_value["vast_score"], only_value["V"].astype(float))
    with pytest.raises(ValueError, match="weights"):
        vast_scores(data, weights={"V": -1})
    with pytest.raises(ValueError, match="weights keys"):
        vast_scores(data, weights={"Q": 1})


def test_vast_without_social_column_scores_the_middle():
    tx = pd.DataFrame({"customer_id": list("abcd"), "amount": [1.0, 2, 3, 4],
                       "timestamp": pd.Timestamp("2025-01-01")})
    v = vast_scores(tx)
    assert v["S"].tolist() == [3, 3, 3, 3]


def test_pyramid_shares_inactive_and_prospects(data, truth):
    p = customer_pyramid(data)
    active = p["pyramid"].isin(["top", "large", "medium", "small"])
    n = int(active.sum())
    counts = p["pyramid"].value_counts()
    assert counts["top"] == int(np.ceil(0.01 * n))
    assert counts["top"] + counts["large"] == int(np.ceil(0.05 * n))
    # inactive customers (no order in the last year) are mostly truly gone
    alive = truth["alive"].reindex(p.index)
    assert alive[p["pyramid"] == "inactive"].mean() < 0.3
    assert alive[p["pyramid"] == "top"].mean() > 0.9
    tx = pd.DataFrame({"customer_id": ["a"], "amount": [5.0], "timestamp": pd.Timestamp("2025-01-01")})
    small = customer_pyramid({"transactions": tx,
                              "customers": pd.DataFrame({"customer_id": ["a", "z"]})})
    assert small["pyramid"].astype(str).to_dict() == {"a": "top", "z": "prospect"}


def test_lifecycle_hand_cases():
    d = pd.to_datetime
    tx = pd.DataFrame({
        "customer_id": ["new"] + ["up"] * 5 + ["flat"] * 4 + ["down"] * 4 + ["gone"] * 2,
        "timestamp": d(["2025-12-01", "2025-01-01", "2025-08-01", "2025-09-01", "2025-10-01",
                        "2025-11-01", "2025-02-01", "2025-05-01", "2025-08-01", "2025-11-01",
                        "2025-01-10", "2025-02-10", "2025-03-10", "2025-08-01",
                        "2024-01-01", "2024-03-01"]),
        "amount": 10.0})
    lc = lifecycle_stages(tx, as_of="2025-12-31")
    assert lc["lifecycle"].astype(str).to_dict() == {
        "down": "decline", "flat": "maturity", "gone": "decline", "new": "introduction",
        "up": "growth"}
    assert lc.loc["up", "orders_recent"] == 4 and lc.loc["up", "orders_previous"] == 0
    assert lifecycle_stages(tx, as_of="2025-12-31", intro_days=400)["lifecycle"].eq(
        "introduction").sum() == 4
    with pytest.raises(ValueError, match="growth_ratio"):
        lifecycle_stages(tx, growth_ratio=0.9)


def test_lifecycle_on_generated_data(data, truth):
    lc = lifecycle_stages(data)
    alive = truth["alive"].reindex(lc.index)
    assert alive[lc["lifecycle"] == "decline"].mean() < alive[lc["lifecycle"] == "maturity"].mean()
    tenure = lc.loc[lc["lifecycle"] == "introduction", "tenure_days"]
    assert (tenure < 90).all() and len(tenure) > 0


def test_all_classes_one_row_per_buyer(data):
    a = all_classes(data)
    assert a.index.is_unique and a.notna().all().all()
    assert list(a.columns) == list(CLASS_LEVELS)


def test_missing_values_get_no_tier():
    t = value_tiers(pd.Series([5.0, np.nan, 1.0, 3.0], index=list("abcd")), high=1 / 3, medium=1 / 3)
    assert t["value_tier"].isna().tolist() == [False, True, False, False]
    assert t.loc["a", "value_tier"] == "high" and t.loc["c", "value_tier"] == "potential"
