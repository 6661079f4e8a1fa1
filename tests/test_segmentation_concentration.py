"""Concentration: Gini, Lorenz, Pareto table and top-x% shares on hand-computed cases."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_training.segmentation.concentration import (concentration_summary, customer_value, gini,
                                                      lorenz_curve, pareto_table, top_share)


def test_gini_known_values():
    assert gini([1, 1, 1, 1]) == 0.0
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)
    # mean absolute difference of 1..4 is 20/16 = 1.25, mean 2.5 -> 1.25 / 5 = 0.25
    assert gini([4, 3, 2, 1]) == pytest.approx(0.25)
    assert gini([5]) == 0.0  # one customer: nothing to be unequal about
    assert gini([0, 0]) == 0.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=40))
def test_gini_equals_mean_absolute_difference_and_lorenz_area(x):
    x = np.asarray(x)
    if x.sum() == 0:
        return
    g = gini(x)
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size ** 2 * x.mean())
    assert g == pytest.approx(mad, abs=1e-9)
    lc = lorenz_curve(x)
    area = np.trapezoid(lc["value_share"], lc["customer_share"])
    assert g == pytest.approx(1 - 2 * area, abs=1e-9)


def test_gini_negative_values_need_a_decision():
    with pytest.raises(ValueError, match="negative"):
        gini([5, -1, 3])
    assert gini([-1, 0, 0, 1], negative="clip") == pytest.approx(0.75)
    with pytest.raises(ValueError, match="negative must be"):
        gini([1], negative="drop")
    with pytest.raises(ValueError, match="empty"):
        gini([])


def test_lorenz_points_by_hand():
    lc = lorenz_curve([3, 1, 0, 4])  # sorted 0, 1, 3, 4; total 8
    assert lc["customer_share"].tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert lc["value_share"].tolist() == [0, 0, 1 / 8, 4 / 8, 1]


def test_top_share_and_rounding_rule():
    v = [50, 30, 10, 5, 5]
    assert top_share(v, 0.2) == 0.5
    assert top_share(v, 0.4) == 0.8
    # 0.3 of 5 customers = 1.5 -> the top 2 (ceil)
    assert top_share(v, 0.3) == 0.8
    assert top_share([7], 0.2) == 1.0
    with pytest.raises(ValueError, match="top must be"):
        top_share(v, 0)
    # a loss-making customer: the best customers earn more than the whole base
    assert top_share([100, 10, -30], 1 / 3) == pytest.approx(100 / 80)


def test_pareto_table_deciles():
    v = np.arange(1, 101)  # 1..100, total 5050
    t = pareto_table(v)
    assert t["customers"].tolist() == [10] * 10
    assert t.loc[1, "value"] == sum(range(91, 101))
    assert t["value_share_cum"].iloc[-1] == pytest.approx(1.0)
    assert t["customer_share_cum"].tolist() == pytest.approx(np.arange(1, 11) / 10)
    assert t["value_share"].is_monotonic_decreasing
    uneven = pareto_table(np.ones(13), n_groups=4)
    assert sorted(uneven["customers"].tolist()) == [3, 3, 3, 4]
    with pytest.raises(ValueError, match="n_groups"):
        pareto_table(v, n_groups=0)


def test_customer_value_from_transactions_with_returns_and_non_buyers():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b", "b"],
        "timestamp": pd.to_datetime(["2025-01-01", "2025-01-05", "2025-01-02", "2025-01-03"]),
        "amount": [100.0, -20.0, 50.0, 10.0], "cost": [60.0, -12.0, 40.0, 5.0],
        "is_return": [False, True, False, False]})
    data = {"transactions": tx, "customers": pd.DataFrame({"customer_id": ["a", "b", "c"]})}
    rev = customer_value(data, "revenue")
    assert rev.to_dict() == {"a": 80.0, "b": 60.0, "c": 0.0}
    prof = customer_value(data, "profit")
    assert prof.to_dict() == {"a": 32.0, "b": 15.0, "c": 0.0}
    with pytest.raises(ValueError, match="measure"):
        customer_value(data, "margin")
    with pytest.raises(ValueError, match="cost"):
        customer_value(tx.drop(columns="cost"), "profit")
    with pytest.raises(ValueError, match="missing column"):
        customer_value(tx.drop(columns="amount"))


def test_concentration_summary_on_generated_data():
    import crm_training
    data = crm_training.generate("retail", 3000, seed=11)
    s = concentration_summary(data)
    assert list(s.columns) == ["revenue", "profit"]
    # shares grow with x and the 80/20 pattern of the syllabus shows up in profit
    assert s.loc[["top 1%", "top 5%", "top 10%", "top 20%", "top 50%"], "profit"].is_monotonic_increasing
    assert 0.6 < s.loc["top 20%", "profit"] < 0.95
    assert 0.4 < s.loc["gini", "revenue"] < 0.95
    # the summary agrees with the parts
    rev = customer_value(data, "revenue")
    assert s.loc["top 20%", "revenue"] == pytest.approx(top_share(rev, 0.2))
