"""Chapter 3 satisfaction metrics: NPS, CSAT, effort, intervals, tables and channel consistency."""
import numpy as np
import pandas as pd
import pytest

import crm_training
from crm_training.experience import (channel_consistency, csat, csat_interval,
                                     customer_effort_score, effort_interval, nps, nps_interval,
                                     satisfaction_table, wilson_interval)


@pytest.fixture(scope="module")
def retail():
    return crm_training.generate("retail", 5000, seed=11)


# ------------------------------------------------------------------ known values
def test_nps_known_values():
    assert nps([10, 9, 8, 0]) == 25.0
    assert nps([10] * 3) == 100.0
    assert nps([0, 6, 5]) == -100.0
    assert nps([7, 8]) == 0.0
    assert nps(pd.Series([10, None, 0, 9], dtype="Int8")) == pytest.approx(100 / 3)
    assert nps(np.array([9.0, np.nan, 6.0])) == 0.0


def test_csat_and_effort_known_values():
    assert csat([5, 4, 3, 1]) == 0.5
    assert csat(pd.Series([5, pd.NA, 2], dtype="Int8")) == 0.5
    assert customer_effort_score([1, 2, 3, 6]) == 3.0


def test_nps_interval_matches_the_multinomial_variance():
    # 50 promoters, 30 passives, 20 detractors: Var = (.5 + .2 - .3^2) / 100 -> se 7.81 points
    e = nps_interval([10] * 50 + [7] * 30 + [3] * 20)
    assert e.value == 30.0
    assert e.high - e.value == pytest.approx(1.959964 * 100 * np.sqrt(0.61 / 100), rel=1e-6)
    boot = nps_interval([10] * 50 + [7] * 30 + [3] * 20, method="bootstrap", seed=3)
    assert boot.low == pytest.approx(e.low, abs=3) and boot.high == pytest.approx(e.high, abs=3)
    assert boot == nps_interval([10] * 50 + [7] * 30 + [3] * 20, method="bootstrap", seed=3)
    assert nps_interval([10, 10]).high == 100  # clipped


def test_wilson_interval_known_value_and_coverage():
    # Wilson (1927) score interval for 8 successes in 10: (0.490, 0.943)
    low, high = wilson_interval(8, 10)
    assert (round(float(low), 3), round(float(high), 3)) == (0.49, 0.943)
    e = csat_interval([5, 4, 4, 4, 5, 3, 5, 4, 2, 5])
    assert (e.value, e.n) == (0.8, 10)
    # coverage near 95% for p = 0.85, n = 60, over 20000 seeded samples
    rng = np.random.default_rng(0)
    k = rng.binomial(60, 0.85, 20000)
    lo, hi = wilson_interval(k, np.full(k.size, 60))
    assert 0.93 < ((lo <= 0.85) & (0.85 <= hi)).mean() < 0.97


def test_effort_interval():
    e = effort_interval([2, 3, 4])
    assert e.value == 3.0
    assert e.high - e.value == pytest.approx(4.302653 * 1 / np.sqrt(3), rel=1e-6)
    value, low, high, n = e
    assert n == 3


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("scores, message", [
    ([], "no scores"), ([None, np.nan], "no scores"), ([11, 5], "0 to 10"), ([-1], "0 to 10"),
    ([8.5], "whole numbers"), (["great"], "numbers"), ("9", "list"), ([True, True], "numbers"),
    (pd.Series([True]), "numbers"), (7, "list"),
])
def test_nps_bad_input(scores, message):
    with pytest.raises((ValueError, TypeError), match=message):
        nps(scores)


@pytest.mark.parametrize("scores", [[0, 4], [6], [True, False]])
def test_csat_out_of_range(scores):
    with pytest.raises(ValueError, match="csat"):
        csat(scores)


def test_table_errors():
    with pytest.raises(ValueError, match="missing column"):
        satisfaction_table(pd.DataFrame({"csat": [5]}), by="channel")
    with pytest.raises(ValueError, match="method"):
        nps_interval([9], method="magic")
    with pytest.raises(ValueError, match="confidence"):
        csat_interval([5], confidence=95)


# ------------------------------------------------------------------ tables
def test_satisfaction_table_matches_the_scalar_functions(retail):
    s = retail.surveys
    t = satisfaction_table(s, by="touchpoint")
    for tp, g in s.groupby("touchpoint", observed=True):
        assert t.loc[tp, "nps"] == pytest.approx(nps(g["nps"]))
        assert t.loc[tp, "csat"] == pytest.approx(csat(g["csat"]))
        assert t.loc[tp, "effort"] == pytest.approx(customer_effort_score(g["effort"]))
        e = csat_interval(g["csat"])
        assert (t.loc[tp, "csat_low"], t.loc[tp, "csat_high"]) == pytest.approx((e.low, e.high))
        n = nps_interval(g["nps"])
        assert (t.loc[tp, "nps_low"], t.loc[tp, "nps_high"]) == pytest.approx((n.low, n.high))
    both = satisfaction_table(s, by=["touchpoint", "channel"], min_answers=30)
    assert both.index.nlevels == 2 and (both["n"] >= 30).all()


def test_touchpoint_ranking_follows_the_generator(retail):
    # generator: store +0.2, checkout -0.3 on latent satisfaction (schema.TOUCHPOINTS order)
    t = satisfaction_table(retail.surveys, by="touchpoint")
    assert t.loc["store", "csat_low"] > t.loc["checkout", "csat_high"]
    assert t["csat"].idxmax() == "store" and t["csat"].idxmin() == "checkout"


def test_channel_consistency_detects_differences_and_their_absence(retail):
    differ = channel_consistency(retail.surveys, "csat", by="touchpoint")
    assert not differ.consistent and differ.chi2_p < 1e-3 and differ.kruskal_p < 1e-3
    assert differ.spread == pytest.approx(differ.table["csat"].max() - differ.table["csat"].min())
    rng = np.random.default_rng(5)
    same = pd.DataFrame({"channel": rng.choice(["app", "store", "phone"], 3000),
                         "csat": rng.integers(1, 6, 3000)})
    r = channel_consistency(same)
    assert r.consistent and r.spread < 0.06
    by_nps = channel_consistency(retail.surveys, "nps", by="touchpoint")
    assert by_nps.table["nps"].between(-100, 100).all()
    with pytest.raises(ValueError, match="two"):
        channel_consistency(same.assign(channel="app"))
