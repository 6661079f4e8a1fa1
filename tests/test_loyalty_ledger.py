"""Chapter 4 ledger analytics: points liability, breakage, tier distribution and migration."""
import numpy as np
import pandas as pd
import pytest

import crm_training
from crm_training.loyalty import (breakage_rate, points_balance, points_liability, points_summary,
                                  tier_distribution, tier_migration)


def _ledger():
    t = pd.to_datetime
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b", "b", "b", "c"],
        "timestamp": t(["2024-01-01", "2024-02-01", "2024-03-01", "2025-02-01", "2024-01-05",
                        "2024-02-05", "2024-06-01", "2025-01-01"]),
        "event_type": ["enrol", "earn", "redeem", "expire", "enrol", "earn", "tier_change",
                       "enrol"],
        "points": [0, 1000, -600, -400, 0, 2000, 0, 0],
        "tier": ["bronze", "silver", "silver", "silver", "bronze", "silver", "gold", "bronze"]})


def test_hand_computed_ledger():
    ev = _ledger()
    assert points_summary(ev) == {"earned": 3000, "redeemed": 600, "expired": 400,
                                  "outstanding": 2000}
    assert breakage_rate(ev) == pytest.approx(400 / 3000)
    liab = points_liability(ev, point_value=0.01)
    assert liab["liability"] == pytest.approx(20.0)
    assert liab["net_liability"] == pytest.approx(20.0 * (1 - 400 / 3000))
    assert points_liability(ev, 0.01, expected_breakage=0.5)["net_liability"] == pytest.approx(10)
    # at the end of 2024: a holds 400 (not yet expired), b 2000
    at = points_liability(ev, 0.01, at="2024-12-31")
    assert at["outstanding_points"] == 2400 and at["breakage_rate"] == 0
    bal = points_balance(ev)
    assert bal.loc["a", "balance"] == 0 and bal.loc["b", "tier"] == "gold"
    assert tier_distribution(ev)["members"].to_dict() == {"bronze": 1, "silver": 1, "gold": 1,
                                                          "platinum": 0}
    mig = tier_migration(ev, "2024-03-31", "2025-12-31")
    assert mig.loc["silver", "silver"] == 1 and mig.loc["silver", "gold"] == 1
    assert mig.loc["not_enrolled", "bronze"] == 1 and mig.to_numpy().sum() == 3
    assert tier_migration(ev, "2024-03-31", "2025-12-31", normalise=True).loc["silver"].sum() == 1


@pytest.fixture(scope="module")
def retail():
    return crm_training.generate("retail", 4000, seed=41)


def test_generated_ledger_balances(retail):
    ev = retail.loyalty_events
    s = points_summary(ev)
    assert s["earned"] - s["redeemed"] - s["expired"] == s["outstanding"]
    bal = points_balance(ev)
    assert bal["balance"].sum() == s["outstanding"]
    # a return of an order placed before enrolling takes points back: a few small negatives
    assert (bal["balance"] >= 0).mean() > 0.98
    assert len(bal) == retail.customers["loyalty_member"].sum()
    # generator rule: each redemption takes 80% of the points since the previous one, the rest
    # expires a year later - so breakage over the data stays below a fifth of points earned
    assert 0 < breakage_rate(ev) < 0.2


def test_generated_tiers_follow_lifetime_points(retail):
    ev = retail.loyalty_events
    pts = ev["points"].where(ev["event_type"].isin(["earn", "referral"]), 0)
    lifetime = pts.clip(lower=0).groupby(ev["customer_id"].astype(str)).sum()
    thresholds = retail.truth["params"]["preset"]["tier_thresholds"]
    expected = np.asarray(["bronze", "silver", "gold", "platinum"])[
        np.searchsorted(thresholds, lifetime.to_numpy(), side="right")]
    got = points_balance(ev)["tier"].reindex(lifetime.index).astype(str).to_numpy()
    assert (got == expected).mean() > 0.99
    # generator tiers never fall: the migration matrix has nothing below the diagonal
    mig = tier_migration(ev, "2024-12-31", "2025-12-31").drop(index="not_enrolled")
    assert np.tril(mig.to_numpy(), k=-1).sum() == 0
    dist = tier_distribution(ev)
    assert dist["members"].sum() == len(points_balance(ev))
    assert dist["share"].sum() == pytest.approx(1)


def test_bad_input():
    ev = _ledger()
    with pytest.raises(ValueError, match="missing column"):
        points_summary(ev.drop(columns="points"))
    with pytest.raises(ValueError, match="no events"):
        points_summary(ev.iloc[:0])
    with pytest.raises(ValueError, match="unknown event_type"):
        points_summary(ev.assign(event_type="gift"))
    with pytest.raises(ValueError, match="point_value"):
        points_liability(ev, -1)
    with pytest.raises(ValueError, match="expected_breakage"):
        points_liability(ev, 0.01, expected_breakage=2)
    with pytest.raises(ValueError, match="before start"):
        tier_migration(ev, "2025-01-01", "2024-01-01")
    with pytest.raises(TypeError, match="DataFrame"):
        breakage_rate([1, 2])
