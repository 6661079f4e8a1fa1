"""Erlang C staffing: probability of waiting, service level, speed of answer, agents needed.

Chapter 5 (customer service upgrade): how many agents a contact centre needs so that, say, 80%
of contacts are answered within 20 seconds. The model is the M/M/N queue (Poisson arrivals,
exponential handling times, N agents, nobody hangs up). All rates and times must be in one time
unit (e.g. calls per second and seconds, or calls per hour and hours).

Erlang C is computed from the Erlang B recursion ``B(k) = A B(k-1) / (k + A B(k-1))``, which
stays between 0 and 1 and so never overflows, unlike the textbook ``A**N / N!`` form (that fails
beyond about 170 agents in floating point). An unstable queue (traffic ``A >= N``) waits forever:
P(wait) is 1, the service level 0 and the average speed of answer infinite.

Examples
--------
>>> round(erlang_c(arrival_rate=200 / 3600, aht=180, agents=14), 4)
0.1741
>>> agents_needed(200 / 3600, 180, target_service_level=0.8, target_time=20)
14
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd


def _positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def _agents(value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"agents must be a whole number, got {value!r}")
    if value <= 0:
        raise ValueError(f"agents must be at least 1, got {value}")
    return int(value)


def _target_time(value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"target_time must be a number, not {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"target_time must be zero or a positive finite number, got {value!r}")
    return value


def traffic_intensity(arrival_rate: float, aht: float) -> float:
    """Offered load in Erlangs: arrival rate times average handling time (same time unit).

    Examples
    --------
    >>> traffic_intensity(200, 3 / 60)  # 200 calls an hour of 3 minutes each
    10.0
    """
    return _positive("arrival_rate", arrival_rate) * _positive("aht", aht)


def erlang_b(traffic: float, agents: int) -> float:
    """Erlang B: probability that a contact finds all ``agents`` busy when nobody can queue.

    Parameters
    ----------
    traffic : offered load A in Erlangs (> 0).
    agents : number of servers N (>= 1).

    Examples
    --------
    >>> round(erlang_b(10, 14), 4)
    0.0568
    """
    a = _positive("traffic", traffic)
    n = _agents(agents)
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def _erlang_c_from_b(a: float, n: int, b: float) -> float:
    if a >= n:
        return 1.0
    return float(min(1.0, n * b / (n - a * (1.0 - b))))


def erlang_c(arrival_rate: float, aht: float, agents: int) -> float:
    """Probability that a contact has to wait (Erlang C), between 0 and 1.

    Parameters
    ----------
    arrival_rate : contacts per time unit (> 0).
    aht : average handling time in the same time unit (> 0).
    agents : agents answering (whole number >= 1).

    Returns
    -------
    float : P(wait > 0); 1.0 when the queue is unstable (traffic >= agents).

    Examples
    --------
    >>> round(erlang_c(100 / 1800, 180, 14), 4)  # 100 calls per half hour, 3-minute calls
    0.1741
    >>> erlang_c(1, 20, 15)  # 20 Erlangs on 15 agents: everybody waits
    1.0
    """
    a = traffic_intensity(arrival_rate, aht)
    n = _agents(agents)
    if a >= n:
        return 1.0
    return _erlang_c_from_b(a, n, erlang_b(a, n))


def service_level(arrival_rate: float, aht: float, agents: int, target_time: float) -> float:
    """Share of contacts answered within ``target_time``: ``1 - C * exp(-(N - A) t / aht)``.

    Returns 0.0 for an unstable queue (traffic >= agents).

    Examples
    --------
    >>> round(service_level(100 / 1800, 180, 14, 20), 3)
    0.888
    """
    t = _target_time(target_time)
    a = traffic_intensity(arrival_rate, aht)
    n = _agents(agents)
    if a >= n:
        return 0.0
    c = erlang_c(arrival_rate, aht, n)
    return float(max(0.0, 1.0 - c * math.exp(-(n - a) * t / aht)))


def average_speed_of_answer(arrival_rate: float, aht: float, agents: int) -> float:
    """Average speed of answer (mean wait, ASA) ``C * aht / (N - A)``, in the time unit of aht.

    Returns ``inf`` for an unstable queue.

    Examples
    --------
    >>> round(average_speed_of_answer(100 / 1800, 180, 14), 1)  # seconds
    7.8
    """
    a = traffic_intensity(arrival_rate, aht)
    n = _agents(agents)
    if a >= n:
        return math.inf
    return erlang_c(arrival_rate, aht, n) * aht / (n - a)


def agents_needed(arrival_rate: float, aht: float, target_service_level: float,
                  target_time: float, max_agents: int | None = None) -> int:
    """Smallest number of agents whose service level reaches ``target_service_level``.

    One pass of the Erlang B recursion serves every candidate N, so the search costs O(N) even at
    thousands of Erlangs.

    Parameters
    ----------
    arrival_rate, aht : contacts per time unit and average handling time (same unit).
    target_service_level : share to answer within ``target_time``, strictly between 0 and 1.
    target_time : answer-time target in the same time unit (>= 0).
    max_agents : give up above this (default ``10 * A + 100``) with a ``ValueError``.

    Examples
    --------
    >>> agents_needed(100 / 1800, 180, 0.8, 20)
    14
    >>> agents_needed(1000, 1, 0.8, 0.05)  # 1000 Erlangs
    1018
    """
    a = traffic_intensity(arrival_rate, aht)
    t = _target_time(target_time)
    if isinstance(target_service_level, bool) or not isinstance(target_service_level, numbers.Real):
        raise TypeError("target_service_level must be a number between 0 and 1")
    if not 0 < float(target_service_level) < 1:
        raise ValueError("target_service_level must be strictly between 0 and 1 (e.g. 0.8), "
                         f"got {target_service_level!r}")
    limit = int(10 * a + 100) if max_agents is None else _agents(max_agents)
    b = 1.0
    for n in range(1, limit + 1):
        b = a * b / (n + a * b)
        if n <= a:
            continue
        c = _erlang_c_from_b(a, n, b)
        if 1.0 - c * math.exp(-(n - a) * t / aht) >= target_service_level:
            return n
    raise ValueError(f"no staffing up to max_agents={limit} reaches service level "
                     f"{target_service_level} within {target_time}")


def staffing_table(arrival_rate: float, aht: float, target_time: float,
                   agents=None) -> pd.DataFrame:
    """Queue figures for a range of staffing levels: occupancy, P(wait), service level, ASA.

    Parameters
    ----------
    agents : agent counts to tabulate (default: from the first stable count to 1.5 A + 5).

    Examples
    --------
    >>> t = staffing_table(100 / 1800, 180, 20, agents=[13, 14])
    >>> t["service_level"].round(3).tolist()
    [0.796, 0.888]
    """
    a = traffic_intensity(arrival_rate, aht)
    if agents is None:
        agents = range(int(math.floor(a)) + 1, int(math.ceil(1.5 * a)) + 6)
    agents = [_agents(n) for n in agents]
    if not agents:
        raise ValueError("agents must not be empty")
    rows = [{"agents": n, "traffic": a, "occupancy": min(1.0, a / n),
             "p_wait": erlang_c(arrival_rate, aht, n),
             "service_level": service_level(arrival_rate, aht, n, target_time),
             "asa": average_speed_of_answer(arrival_rate, aht, n)} for n in agents]
    return pd.DataFrame(rows)


def simulate_queue(arrival_rate: float, aht: float, agents: int, n_contacts: int = 20_000,
                   seed: int = 0, target_time: float = 0.0, warmup: float = 0.1) -> dict:
    """Simulate an M/M/N first-come-first-served queue; waits of the contacts, seeded.

    A discrete-event simulation (each contact takes the agent who is free first), used to check
    Erlang C and to show what the formula assumes. The loop runs once per simulated contact, not
    per customer of a data set.

    Parameters
    ----------
    n_contacts : contacts to simulate; the first ``warmup`` share is dropped (empty start).
    target_time : answer-time target for the simulated service level.

    Returns
    -------
    dict with ``p_wait``, ``service_level``, ``asa``, ``occupancy`` and ``waits`` (array).

    Examples
    --------
    >>> sim = simulate_queue(100 / 1800, 180, 14, n_contacts=5000, seed=1, target_time=20)
    >>> 0.1 < sim["p_wait"] < 0.25
    True
    """
    import heapq

    lam = _positive("arrival_rate", arrival_rate)
    h = _positive("aht", aht)
    n = _agents(agents)
    t_target = _target_time(target_time)
    if int(n_contacts) < 10:
        raise ValueError("n_contacts must be at least 10")
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, int(n_contacts)))
    service = rng.exponential(h, int(n_contacts))
    free = [0.0] * n  # time each agent becomes free (a heap)
    waits = np.empty(arrivals.size)
    for i in range(arrivals.size):
        start = max(arrivals[i], free[0])
        waits[i] = start - arrivals[i]
        heapq.heapreplace(free, start + service[i])
    keep = slice(int(warmup * arrivals.size), None)
    w = waits[keep]
    span = arrivals[-1] - arrivals[keep.start]
    return {"p_wait": float((w > 1e-12).mean()), "service_level": float((w <= t_target).mean()),
            "asa": float(w.mean()), "occupancy": float(min(1.0, service[keep].sum() / (n * span))),
            "waits": w}
