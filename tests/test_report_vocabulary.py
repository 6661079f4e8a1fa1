"""Each industry in its own words; the top tier served as far as it is worth."""
from __future__ import annotations

import re

import pytest

import crm_training
from crm_training.report import text, vocabulary
from crm_training.report.findings import compute_findings
from crm_training.report.recommendations import recommend, not_worth
from crm_training.schema import TOUCHPOINTS


@pytest.fixture(scope="module")
def bank():
    return compute_findings(crm_training.generate("bank", 1500, seed=3), horizon_months=12)


def test_a_bank_has_branches_and_account_opening_not_a_checkout(bank):
    for lang in ("en", "zh"):
        shown = text.report_table(bank, "touchpoints", lang).data.index.tolist()
        assert len(shown) == len(TOUCHPOINTS)
        joined = " ".join(shown)
        assert not re.search(r"checkout|delivery|结账|配送", joined), joined
    assert "branch" in text.report_table(bank, "touchpoints", "en").data.index
    worst = bank.experience["worst_touchpoint"]
    sentence = " ".join(text.section_text("experience", bank, "en"))
    assert vocabulary.touchpoint_label(worst, "bank", "en") in sentence


@pytest.mark.parametrize("value, currency, level", [
    (241.0, "USD", "light"),          # CDNOW's top tier: no dedicated manager
    (834.0, "USD", "team"),
    (26_000.0, "USD", "person"),
    (1_000.0, "CNY", "light"),        # the same rule in each currency's person cost
    (5_000.0, "CNY", "person"),
])
def test_service_of_the_top_tier_is_scaled_to_its_value(value, currency, level):
    assert vocabulary.high_tier_level(value, currency) == level
    s = vocabulary.tier_strategy("high", "manufacturing", value, currency, "en")
    assert ("dedicated" in s) == (level == "person")


def test_tier_strategies_differ_by_industry_and_are_chinese_in_zh():
    seen = set()
    for ind in crm_training.INDUSTRIES:
        for tier in ("medium", "potential"):
            s = vocabulary.tier_strategy(tier, ind, 100.0, "USD", "en")
            assert s not in seen
            seen.add(s)
            zh = vocabulary.tier_strategy(tier, ind, 100.0, "USD", "zh")
            assert not set(re.findall(r"[A-Za-z]+", zh)) - {"APP", "SIM"}, zh
        for code in TOUCHPOINTS:
            zh = vocabulary.touchpoint_label(code, ind, "zh")
            assert not set(re.findall(r"[A-Za-z]+", zh)) - {"APP", "SIM"}, zh


def test_the_protect_action_says_what_the_tier_is_worth():
    data = crm_training.generate("manufacturing", 1500, seed=3)
    f = compute_findings(data, horizon_months=12)
    value = f.segments["tier_table"].loc["high", "value_per_customer_year"]
    assert vocabulary.high_tier_level(value, f.meta["currency"]) == "person"
    recs = recommend(f)
    considered = list(recs.loc[recs["action"] == "protect_top_tier", "title"])
    rejected = not_worth(f)
    assert considered or "protect_top_tier" in set(rejected["action"])
    for title in considered:
        assert "dedicated account manager" in title
    strategies = text.report_table(f, "tiers", "en").data.iloc[:, -1].tolist()
    assert strategies[0].startswith("A dedicated account manager")
