"""Erlang C staffing: textbook values, stability at large traffic, edge cases and bad input."""
import math

import numpy as np
import pytest
from scipy import stats

from crm_training.service import (agents_needed, average_speed_of_answer, erlang_b, erlang_c,
                                  service_level, simulate_queue, staffing_table, traffic_intensity)

# Worked example: Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked
# Example" (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm):
# 100 calls per 30 minutes, average handling time 180 s, target 80% answered within 20 s.
# Published: traffic intensity 10 Erlangs; with 14 agents P(wait) = 0.1741, service level 88.8%,
# ASA 7.8 s, 82.6% answered immediately, occupancy 71.4%; 14 agents are needed for 80/20.
CALLS_PER_SECOND = 100 / (30 * 60)
AHT_S = 180


def test_published_worked_example():
    assert traffic_intensity(CALLS_PER_SECOND, AHT_S) == pytest.approx(10.0)
    pw = erlang_c(CALLS_PER_SECOND, AHT_S, 14)
    assert round(pw, 4) == 0.1741
    assert round(100 * service_level(CALLS_PER_SECOND, AHT_S, 14, 20), 1) == 88.8
    assert round(average_speed_of_answer(CALLS_PER_SECOND, AHT_S, 14), 1) == 7.8
    assert round(100 * (1 - pw), 1) == 82.6
    table = staffing_table(CALLS_PER_SECOND, AHT_S, 20, agents=[14])
    assert round(100 * table["occupancy"].item(), 1) == 71.4
    assert agents_needed(CALLS_PER_SECOND, AHT_S, 0.8, 20) == 14


def test_time_unit_does_not_matter():
    # same example per hour: 200 calls an hour, 0.05 h, 20 s = 1/180 h
    assert erlang_c(200, 0.05, 14) == pytest.approx(erlang_c(CALLS_PER_SECOND, AHT_S, 14))
    assert service_level(200, 0.05, 14, 20 / 3600) == pytest.approx(
        service_level(CALLS_PER_SECOND, AHT_S, 14, 20))
    assert agents_needed(200, 0.05, 0.8, 20 / 3600) == 14


def _erlang_c_poisson(a, n):
    """Independent route: Erlang B as a truncated Poisson ratio (scipy, log-space inside)."""
    b = stats.poisson.pmf(n, a) / stats.poisson.cdf(n, a)
    return n * b / (n - a * (1 - b))


@pytest.mark.parametrize("a,n", [(0.5, 1), (2.0, 3), (10.0, 11), (48.0, 55), (300.0, 320),
                                 (1000.0, 1018), (1000.0, 1100)])
def test_matches_independent_formula_including_large_traffic(a, n):
    assert erlang_c(a, 1.0, n) == pytest.approx(_erlang_c_poisson(a, n), rel=1e-9)
    assert 0 <= erlang_b(a, n) <= 1


def test_single_agent_is_mm1():
    # M/M/1: P(wait) = rho, ASA = rho / (mu - lambda)
    assert erlang_c(0.5, 1.0, 1) == pytest.approx(0.5)
    assert average_speed_of_answer(0.5, 1.0, 1) == pytest.approx(1.0)
    assert service_level(0.5, 1.0, 1, 2.0) == pytest.approx(1 - 0.5 * math.exp(-0.5 * 2))


def test_large_traffic_staffing_is_stable_and_minimal():
    n = agents_needed(1000, 1.0, 0.8, 0.05)
    assert n == 1018
    assert service_level(1000, 1.0, n, 0.05) >= 0.8 > service_level(1000, 1.0, n - 1, 0.05)
    assert np.isfinite(erlang_c(5000, 1.0, 5100))


@pytest.mark.parametrize("agents", [5, 10])
def test_unstable_queue_waits_for_ever(agents):
    # 10 Erlangs on 10 or fewer agents
    assert erlang_c(10, 1.0, agents) == 1.0
    assert service_level(10, 1.0, agents, 5) == 0.0
    assert average_speed_of_answer(10, 1.0, agents) == math.inf


def test_monotone_in_agents():
    t = staffing_table(CALLS_PER_SECOND, AHT_S, 20)
    assert t["p_wait"].is_monotonic_decreasing
    assert t["service_level"].is_monotonic_increasing
    assert (t["p_wait"].between(0, 1)).all()


def test_zero_target_time_is_share_answered_immediately():
    assert service_level(CALLS_PER_SECOND, AHT_S, 14, 0) == pytest.approx(
        1 - erlang_c(CALLS_PER_SECOND, AHT_S, 14))


@pytest.mark.parametrize("kwargs,err", [
    (dict(arrival_rate=0, aht=1, agents=2), ValueError),
    (dict(arrival_rate=-1, aht=1, agents=2), ValueError),
    (dict(arrival_rate=1, aht=0, agents=2), ValueError),
    (dict(arrival_rate=1, aht=float("nan"), agents=2), ValueError),
    (dict(arrival_rate=1, aht=1, agents=0), ValueError),
    (dict(arrival_rate=1, aht=1, agents=2.5), TypeError),
    (dict(arrival_rate="3", aht=1, agents=2), TypeError),
])
def test_bad_input_is_a_clear_error(kwargs, err):
    with pytest.raises(err, match="arrival_rate|aht|agents"):
        erlang_c(**kwargs)


def test_bad_targets():
    with pytest.raises(ValueError, match="target_service_level"):
        agents_needed(1, 1, 1.0, 1)
    with pytest.raises(ValueError, match="target_service_level"):
        agents_needed(1, 1, 0, 1)
    with pytest.raises(ValueError, match="target_time"):
        service_level(1, 1, 3, -1)
    with pytest.raises(ValueError, match="max_agents"):
        agents_needed(100, 1, 0.99, 0.001, max_agents=101)


def test_simulation_agrees_with_erlang_c():
    # waits are strongly autocorrelated: 200,000 contacts give P(wait) within about +-0.01
    # (seeds 0-5 gave 0.170-0.180 against 0.1741)
    sim = simulate_queue(CALLS_PER_SECOND, AHT_S, 14, n_contacts=200_000, seed=3, target_time=20)
    assert sim["p_wait"] == pytest.approx(erlang_c(CALLS_PER_SECOND, AHT_S, 14), abs=0.015)
    assert sim["service_level"] == pytest.approx(
        service_level(CALLS_PER_SECOND, AHT_S, 14, 20), abs=0.015)
    assert sim["asa"] == pytest.approx(average_speed_of_answer(CALLS_PER_SECOND, AHT_S, 14),
                                       rel=0.15)
    assert sim["occupancy"] == pytest.approx(10 / 14, abs=0.02)


def test_simulation_is_seeded():
    a = simulate_queue(1.0, 0.8, 1, n_contacts=500, seed=5)
    b = simulate_queue(1.0, 0.8, 1, n_contacts=500, seed=5)
    assert np.array_equal(a["waits"], b["waits"])
