"""ROI / NPV: hand-computed NPV, payback and IRR; benefits from measured effects; bad input."""
import math

import numpy as np
import pytest

from crm_training.evaluation import (benefit_from_effect, initiative_cash_flows, initiative_roi,
                                     irr, npv)


def test_npv_by_hand():
    # -1000 + 500/1.1 + 500/1.1^2 + 500/1.1^3 = 243.4260...
    assert npv([-1000, 500, 500, 500], 0.10) == pytest.approx(
        -1000 + 500 / 1.1 + 500 / 1.21 + 500 / 1.331)
    assert npv([-1000, 500, 500, 500], 0.10) == pytest.approx(243.426, abs=1e-3)
    assert npv([100], 0.5) == 100.0
    assert npv([-100, 110], 0.10) == pytest.approx(0.0)


def test_roi_payback_irr_by_hand():
    r = initiative_roi(investment=1000, annual_benefit=600, annual_cost=100, horizon_years=3,
                       discount_rate=0.10)
    assert r["npv"] == pytest.approx(243.426, abs=1e-3)
    pv_cost = 1000 + 100 / 1.1 + 100 / 1.21 + 100 / 1.331
    assert r["pv_cost"] == pytest.approx(pv_cost)
    assert r["roi"] == pytest.approx(243.426 / pv_cost, abs=1e-5)
    # cumulative discounted: -1000, -545.45, -132.23, +243.43 -> payback 2 + 132.23 / 375.66
    assert r["payback_years"] == pytest.approx(2 + (1000 - 500 / 1.1 - 500 / 1.21) / (500 / 1.331))
    assert npv(r["cash_flows"]["net"], r["irr"]) == pytest.approx(0.0, abs=1e-6)
    assert r["irr"] == pytest.approx(0.2338, abs=1e-4)  # solves 1000 = 500 * annuity factor


def test_ramp_up_and_per_year_values():
    t = initiative_cash_flows(500, [100, 200], annual_cost=0, horizon_years=2, discount_rate=0.0,
                              ramp_up=[0.5, 1.0])
    assert t["benefit"].tolist() == [0.0, 50.0, 200.0]
    assert t["cumulative_discounted"].iloc[-1] == -250.0
    r = initiative_roi(500, [100, 200], horizon_years=2, discount_rate=0.0, ramp_up=[0.5, 1.0])
    assert math.isnan(r["payback_years"])  # never pays back within the horizon


def test_benefit_from_a_measured_effect():
    # a conversion uplift of 0.02 on 50,000 customers, 40 profit per extra order
    assert benefit_from_effect(50_000, 0.02, 40) == 40_000.0
    r = initiative_roi(60_000, benefit_from_effect(50_000, 0.02, 40), 5_000, 3, 0.08)
    expected = -60_000 + sum(35_000 / 1.08 ** y for y in (1, 2, 3))
    assert r["npv"] == pytest.approx(expected)


def test_irr_without_a_root_is_nan():
    assert np.isnan(irr([100, 100]))


@pytest.mark.parametrize("call,match", [
    (lambda: npv([], 0.1), "non-empty"),
    (lambda: npv([1, float("inf")], 0.1), "finite"),
    (lambda: npv([1, 2], -1.0), "discount_rate"),
    (lambda: initiative_cash_flows(-1, 100), "investment"),
    (lambda: initiative_cash_flows(1, 100, horizon_years=0), "horizon_years"),
    (lambda: initiative_cash_flows(1, [1, 2], horizon_years=3), "annual_benefit"),
    (lambda: benefit_from_effect(-5, 0.1, 1), "customers"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
