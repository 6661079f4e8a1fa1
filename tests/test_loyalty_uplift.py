"""Chapter 4 measured uplift of membership: recovers the generator's true effect on the purchase
rate, and shows the naive member / non-member comparison is biased by self-selection."""
import pandas as pd
import pytest

import crm_training
from crm_training.loyalty import enrolment_dates, enrolment_uplift, naive_member_uplift


@pytest.fixture(scope="module")
def coffee():
    # over seeds 1-5 of this set-up every 95% interval covered the truth (estimates 0.25-0.35)
    return crm_training.generate("coffee_chain", 6000, seed=4)


@pytest.fixture(scope="module")
def truth(coffee):
    iv = coffee.truth["interventions"]
    row = iv[(iv["name"] == "loyalty_programme") & (iv["metric"] == "purchase_rate")].iloc[0]
    assert row["effect_type"] == "relative"
    return float(row["true_effect"])


def test_matched_uplift_covers_the_true_effect(coffee, truth):
    res = enrolment_uplift(coffee, seed=0)
    assert res["ci_low"] <= truth <= res["ci_high"], res
    assert res["ci_high"] - res["ci_low"] < 0.2
    assert res["members"] > 500
    # the counterfactual is built from controls with the members' pre-enrolment behaviour
    assert res["member_post"] / res["counterfactual_post"] - 1 == pytest.approx(res["effect"])


def test_naive_comparison_is_biased_by_self_selection(coffee, truth):
    naive = naive_member_uplift(coffee)
    assert naive["effect"] > 3 * truth  # heavier buyers enrol: members bought more anyway
    assert naive["member_rate"] > naive["non_member_rate"]
    # matching non-members on pre-enrolment purchases removes much, not all, of the bias
    nm = enrolment_uplift(coffee, controls="non_members", n_boot=100)
    assert truth < nm["ci_low"] and nm["effect"] < naive["effect"]


def test_no_effect_gives_no_uplift():
    data = crm_training.generate("coffee_chain", 4000, seed=7, loyalty_rate_uplift=0.0,
                                 loyalty_dropout_cut=0.0)
    res = enrolment_uplift(data, n_boot=150)
    assert res["ci_low"] <= 0 <= res["ci_high"], res
    assert naive_member_uplift(data)["effect"] > 1  # selection alone makes members look better


def test_seeded_and_reproducible(coffee):
    a = enrolment_uplift(coffee, n_boot=50, seed=3)
    assert a == enrolment_uplift(coffee, n_boot=50, seed=3)


def test_enrolment_dates_come_from_the_ledger(coffee):
    dates = enrolment_dates(coffee)
    truth = coffee.truth["customers"].set_index("customer_id")["enrol_date"].dropna()
    assert set(dates.index) == set(truth.index.astype(str))
    assert (abs(dates - truth.reindex(dates.index)) < pd.Timedelta(days=1)).all()


def test_bad_input(coffee):
    with pytest.raises(ValueError, match="controls"):
        enrolment_uplift(coffee, controls="everyone")
    with pytest.raises(ValueError, match="positive"):
        enrolment_uplift(coffee, window_days=0)
    with pytest.raises(ValueError, match="history"):
        enrolment_uplift(coffee, window_days=2000)
    no_enrol = coffee.loyalty_events[coffee.loyalty_events["event_type"] != "enrol"]
    from types import SimpleNamespace
    with pytest.raises(ValueError, match="no 'enrol' events"):
        enrolment_dates(SimpleNamespace(loyalty_events=no_enrol))
    with pytest.raises(ValueError, match="missing column"):
        enrolment_dates(SimpleNamespace(loyalty_events=no_enrol.drop(columns="event_type")))
