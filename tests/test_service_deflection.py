"""Chatbot deflection: the before/after table against Erlang C by hand, the simulation check,
inputs measured from tickets, and bad input."""
import pytest

import crm_training
from crm_training.service import (agents_needed, average_speed_of_answer, chatbot_deflection,
                                  deflection_inputs, erlang_c)

RATE, AHT = 100 / 1800, 180  # the textbook example: 10 Erlangs


def test_table_by_hand():
    t = chatbot_deflection(RATE, AHT, 20, faq_share=0.5, bot_resolution=0.6, simulate=False,
                           csat_human=0.8, csat_bot=0.6)
    assert list(t.index) == ["before", "after_same_agents", "after_restaffed"]
    assert t.loc["before", "agents"] == 14  # the textbook staffing for 80/20
    assert t.loc["after_same_agents", "deflected_share"] == pytest.approx(0.3)
    assert t.loc["after_same_agents", "traffic"] == pytest.approx(7.0)
    assert t.loc["after_same_agents", "p_wait"] == pytest.approx(erlang_c(0.7 * RATE, AHT, 14))
    assert t.loc["after_restaffed", "agents"] == agents_needed(0.7 * RATE, AHT, 0.8, 20) == 10
    assert t.loc["after_restaffed", "service_level"] >= 0.8
    assert t.loc["after_same_agents", "asa"] < t.loc["before", "asa"]
    # CSAT mixes bot and agent answers by who answers: 0.3 * 0.6 + 0.7 * 0.8
    assert t.loc["after_same_agents", "csat"] == pytest.approx(0.74)
    assert t.loc["before", "csat"] == pytest.approx(0.8)


def test_wait_penalty_links_csat_to_the_queue():
    t = chatbot_deflection(RATE, AHT, 20, 0.5, 0.6, agents=12, simulate=False, csat_human=0.8,
                           csat_bot=0.8, csat_wait_penalty=0.001)
    asa = average_speed_of_answer(RATE, AHT, 12)
    assert t.loc["before", "csat"] == pytest.approx(0.8 - 0.001 * asa)
    assert t.loc["after_same_agents", "csat"] > t.loc["before", "csat"]


def test_simulation_agrees_with_the_formula():
    t = chatbot_deflection(RATE, AHT, 20, 0.5, 0.6, n_contacts=150_000, seed=2)
    for scenario in t.index:
        assert t.loc[scenario, "p_wait_sim"] == pytest.approx(t.loc[scenario, "p_wait"], abs=0.025)
        assert t.loc[scenario, "service_level_sim"] == pytest.approx(
            t.loc[scenario, "service_level"], abs=0.025)


def test_unstable_before_is_reported_not_a_crash():
    t = chatbot_deflection(RATE, AHT, 20, 0.5, 0.6, agents=9, simulate=False)
    assert t.loc["before", "p_wait"] == 1.0 and t.loc["before", "service_level"] == 0.0
    assert t.loc["after_same_agents", "p_wait"] < 1.0


def test_inputs_from_generated_tickets():
    tickets = crm_training.generate("telecom", 3000, seed=2).tickets
    d = deflection_inputs(tickets)
    faq = tickets["category"].isin(["account", "billing", "order"])
    assert d["faq_share"] == pytest.approx(faq.mean())
    assert 0 < d["bot_share_of_faq"] < 0.5
    assert 0 <= d["csat_bot"] <= 1 and 0 <= d["csat_human"] <= 1


@pytest.mark.parametrize("kwargs,match", [
    (dict(faq_share=1.5, bot_resolution=0.5), "faq_share"),
    (dict(faq_share=0.5, bot_resolution=-0.1), "bot_resolution"),
    (dict(faq_share=1.0, bot_resolution=1.0), "below 1"),
    (dict(faq_share=0.5, bot_resolution=0.5, csat_bot=2), "csat_bot"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        chatbot_deflection(RATE, AHT, 20, simulate=False, **kwargs)


def test_inputs_need_the_columns():
    with pytest.raises(ValueError, match="missing column"):
        deflection_inputs(crm_training.generate("retail", 200, seed=1).tickets[["category"]])
