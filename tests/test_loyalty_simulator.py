"""Chapter 4 programme simulator: earn / burn / expiry rules with known outcomes, analytic
retention, common random numbers, the three programme types and bad input."""
import numpy as np
import pytest

import crm_training
from crm_training.loyalty import (KINDS, ProgrammeRules, members_from_data, simulate_programme,
                                  synthetic_members)

FLAT = dict(tier_multipliers=(1, 1, 1, 1), tier_benefit_cost=(0, 0, 0, 0))


@pytest.fixture(scope="module")
def members():
    return synthetic_members(20000, seed=1)


def test_no_burn_no_expiry_keeps_every_point(members):
    rules = ProgrammeRules(redeem_probability=0, expiry_months=None, **FLAT)
    res = simulate_programme(members, rules, months=12, seed=2)
    s, m = res.summary, res.monthly
    assert s["points_redeemed"] == 0 and s["points_expired"] == 0 and s["breakage_rate"] == 0
    assert s["points_outstanding"] == s["points_earned"]
    assert s["liability"] == pytest.approx(s["points_earned"] * rules.point_value)
    # one point per currency unit, rounded down per member and month
    assert m["revenue"].sum() - len(members) * 12 <= s["points_earned"] <= m["revenue"].sum()


@pytest.mark.parametrize("expiry", [1, 3])
def test_expiry_lapses_exactly_the_points_older_than_the_limit(members, expiry):
    res = simulate_programme(members, ProgrammeRules(redeem_probability=0, expiry_months=expiry,
                                                     **FLAT), months=12, seed=2)
    m = res.monthly
    earned = m["points_earned"].to_numpy()
    assert m["points_expired"].to_numpy()[expiry:] == pytest.approx(earned[:-expiry])
    assert m["points_outstanding"].iloc[-1] == pytest.approx(earned[-expiry:].sum())
    assert res.summary["breakage_rate"] == pytest.approx(earned[:-expiry].sum() / earned.sum())


def test_redemptions_come_in_whole_blocks(members):
    res = simulate_programme(members, ProgrammeRules(redeem_probability=1.0, redeem_threshold=500,
                                                     **FLAT), months=12, seed=2)
    assert res.summary["points_redeemed"] > 0
    assert (res.monthly["points_redeemed"] % 500 == 0).all()
    per_member = res.members
    assert (res.summary["points_outstanding"] <= 500 * len(per_member))


def test_a_programme_without_effect_changes_nothing_but_cost(members):
    res = simulate_programme(members, ProgrammeRules(purchase_uplift=0, dropout_cut=0), 24, seed=3)
    s, m = res.summary, res.monthly
    assert (m["orders"] == m["orders_baseline"]).all() and s["orders_uplift"] == 0
    assert s["retention"] == s["retention_baseline"]
    assert s["clv_uplift"] == pytest.approx(-s["programme_cost_pv"] / len(members))
    assert s["roi"] == pytest.approx(-1)


def test_effects_match_the_rules(members):
    # purchase uplift: orders scale by (1 + uplift) while everyone stays (no dropout)
    stay = members.assign(dropout_rate=0.0)
    s = simulate_programme(stay, ProgrammeRules(purchase_uplift=0.2), months=12, seed=4).summary
    assert s["orders_uplift"] == pytest.approx(0.2, abs=0.01)
    assert s["repurchase_rate"] >= s["repurchase_rate_baseline"]
    # retention: survival over 36 months is E[exp(-3 mu)] for mu ~ Gamma(2, scale 0.15),
    # i.e. (1 + 3 * 0.15) ** -2 without, (1 + 3 * 0.15 * 0.5) ** -2 with a 50% dropout cut
    s = simulate_programme(members, ProgrammeRules(dropout_cut=0.5), months=36, seed=4).summary
    assert s["retention_baseline"] == pytest.approx(1.45 ** -2, abs=0.01)
    assert s["retention"] == pytest.approx(1.225 ** -2, abs=0.01)


def test_three_programme_types_share_one_baseline(members):
    res = {k: simulate_programme(members, ProgrammeRules(kind=k, **FLAT), months=12, seed=5)
           for k in KINDS}
    base = res["points"].members["clv_baseline"]
    for k in KINDS:
        assert (res[k].members["clv_baseline"] == base).all(), k
    # rewards: one stamp per order; social: points plus the referral bonus
    r = res["rewards"]
    assert r.summary["points_earned"] == r.members["orders"].sum()
    refs = res["social"].monthly["referrals"].sum()
    assert refs > 0
    assert res["social"].summary["points_earned"] == pytest.approx(
        res["points"].summary["points_earned"] + 200 * refs)
    assert res["social"].summary["clv_uplift"] > res["points"].summary["clv_uplift"]


def test_tiers_and_migration(members):
    res = simulate_programme(members, ProgrammeRules(tier_thresholds=(200, 400, 800)), months=24,
                             seed=6)
    mig = res.tier_migration
    assert list(mig.columns) == ["bronze", "silver", "gold", "platinum", "lapsed"]
    assert mig.to_numpy().sum() == len(members)
    assert mig["lapsed"].sum() == (~res.members["alive"]).sum()
    assert mig.loc["platinum"].sum() > 0 and mig.loc["bronze", "silver"] > 0


def test_seeded(members):
    a = simulate_programme(members.head(500), months=6, seed=9).summary
    assert a == simulate_programme(members.head(500), months=6, seed=9).summary
    assert a != simulate_programme(members.head(500), months=6, seed=10).summary


def test_members_from_generated_data():
    data = crm_training.generate("retail", 3000, seed=51)
    m = members_from_data(data)
    truth = data.truth["customers"].set_index("customer_id").loc[m["customer_id"]]
    assert np.corrcoef(np.log(m["purchase_rate"]), np.log(truth["purchase_rate"]))[0, 1] > 0.5
    assert m["margin"].between(0, 1).all()
    assert len(members_from_data(data, members_only=True)) <= data.customers["loyalty_member"].sum()
    s = simulate_programme(m, months=12, seed=1).summary
    assert s["members"] == len(m)


@pytest.mark.parametrize("kwargs, message", [
    (dict(kind="cashback"), "kind"), (dict(tier_thresholds=(5, 1, 9)), "tier_thresholds"),
    (dict(tier_multipliers=(1, 2)), "tier_multipliers"), (dict(redeem_probability=2), "redeem"),
    (dict(expiry_months=0), "expiry"), (dict(dropout_cut=1.5), "dropout_cut"),
])
def test_bad_rules(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ProgrammeRules(**kwargs)


def test_bad_members():
    good = synthetic_members(10, seed=1)
    with pytest.raises(ValueError, match="missing column"):
        simulate_programme(good.drop(columns="margin"))
    with pytest.raises(ValueError, match="non-negative"):
        simulate_programme(good.assign(purchase_rate=-1.0))
    with pytest.raises(ValueError, match="no members"):
        simulate_programme(good.iloc[:0])
    with pytest.raises(ValueError, match="months"):
        simulate_programme(good, months=0)
    with pytest.raises(TypeError, match="DataFrame"):
        simulate_programme([1, 2])
