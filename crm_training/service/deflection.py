"""Chatbot deflection: what a bot answering FAQ-type contacts does to waits, staffing and CSAT.

Chapter 5 (smart service technology: an AI chatbot answers FAQs around the clock). The bot
resolves a share of the FAQ-type contacts, so fewer reach the agents; the queue is recomputed
with Erlang C and cross-checked by a seeded simulation. Two "after" scenarios are shown: the same
agents (shorter waits) and re-staffed to the same target (fewer agents).

CSAT (share of scores 4-5) after the change mixes the bot's and the agents' CSAT by who answers;
``csat_wait_penalty`` lets agent CSAT fall with the average speed of answer.

Examples
--------
>>> t = chatbot_deflection(100 / 1800, 180, target_time=20, faq_share=0.5, bot_resolution=0.6,
...                        simulate=False)
>>> t["agents"].tolist()
[14, 14, 10]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .erlang import (_positive, agents_needed, average_speed_of_answer, erlang_c,
                     service_level, simulate_queue, traffic_intensity)

# Ticket categories a bot can answer (simple, repetitive questions), as in the generator.
FAQ_CATEGORIES = ("account", "billing", "order")


def _share(name, value, upper_inclusive=True):
    value = float(value)
    if not (0 <= value <= 1 if upper_inclusive else 0 <= value < 1):
        raise ValueError(f"{name} must be a share between 0 and 1, got {value!r}")
    return value


def deflection_inputs(tickets: pd.DataFrame, faq_categories=FAQ_CATEGORIES) -> dict:
    """Measured inputs for :func:`chatbot_deflection` from a ``tickets`` table.

    Returns the FAQ share of tickets, the bot's current share of them, and CSAT (share of 4-5)
    of bot-handled and human-handled tickets.

    Examples
    --------
    >>> import crm_training
    >>> d = deflection_inputs(crm_training.generate("telecom", 1000, seed=3).tickets)
    >>> 0.4 < d["faq_share"] < 0.8
    True
    """
    need = ["category", "handled_by", "csat"]
    missing = [c for c in need if c not in tickets.columns]
    if missing:
        raise ValueError(f"tickets: missing column(s) {missing}")
    if tickets.empty:
        raise ValueError("tickets is empty")
    faq = tickets["category"].astype("str").isin(list(faq_categories))
    bot = tickets["handled_by"].astype("str") == "bot"
    score = pd.to_numeric(tickets["csat"], errors="coerce")
    sat = (score >= 4).where(score.notna())
    return {"faq_share": float(faq.mean()),
            "bot_share_of_faq": float(bot[faq].mean()) if faq.any() else 0.0,
            "csat_bot": float(sat[bot].mean()) if sat[bot].notna().any() else np.nan,
            "csat_human": float(sat[~bot].mean()) if sat[~bot].notna().any() else np.nan}


def chatbot_deflection(arrival_rate: float, aht: float, target_time: float, faq_share: float,
                       bot_resolution: float, target_service_level: float = 0.8,
                       agents: int | None = None, csat_human: float = 0.75,
                       csat_bot: float = 0.7, csat_wait_penalty: float = 0.0,
                       simulate: bool = True, n_contacts: int = 20_000,
                       seed: int = 0) -> pd.DataFrame:
    """Before/after table of a chatbot that resolves ``faq_share * bot_resolution`` of contacts.

    Parameters
    ----------
    arrival_rate, aht, target_time : contacts per time unit, handling time and answer-time
        target, all in one time unit (see :mod:`.erlang`).
    faq_share : share of contacts that are FAQ-type (see :func:`deflection_inputs`).
    bot_resolution : share of FAQ contacts the bot resolves without an agent.
    target_service_level : service-level target used for staffing.
    agents : agents today (default: what Erlang C needs for the target before the bot).
    csat_human, csat_bot : CSAT (share 4-5) of agent- and bot-handled contacts.
    csat_wait_penalty : CSAT points lost per time unit of average speed of answer (0 = none).
    simulate : also run :func:`simulate_queue` for each scenario (columns ``*_sim``).

    Returns
    -------
    DataFrame indexed by scenario (``before``, ``after_same_agents``, ``after_restaffed``) with
    ``deflected_share``, ``arrival_rate_agents``, ``traffic``, ``agents``, ``occupancy``,
    ``p_wait``, ``service_level``, ``asa``, ``csat`` (and ``p_wait_sim``, ``service_level_sim``,
    ``asa_sim`` when simulated).

    Examples
    --------
    >>> t = chatbot_deflection(100 / 1800, 180, 20, faq_share=0.5, bot_resolution=0.6,
    ...                        simulate=False)
    >>> bool(t.loc["after_same_agents", "asa"] < t.loc["before", "asa"])
    True
    """
    lam = _positive("arrival_rate", arrival_rate)
    _positive("aht", aht)
    deflected = _share("faq_share", faq_share) * _share("bot_resolution", bot_resolution)
    if deflected >= 1:
        raise ValueError("faq_share * bot_resolution must be below 1: someone must reach an agent")
    for name, v in (("csat_human", csat_human), ("csat_bot", csat_bot)):
        _share(name, v)
    if csat_wait_penalty < 0:
        raise ValueError("csat_wait_penalty must be >= 0")
    base_agents = agents_needed(lam, aht, target_service_level, target_time) if agents is None \
        else agents
    lam_after = lam * (1 - deflected)
    scenarios = {
        "before": (0.0, lam, base_agents),
        "after_same_agents": (deflected, lam_after, base_agents),
        "after_restaffed": (deflected, lam_after,
                            agents_needed(lam_after, aht, target_service_level, target_time)),
    }
    rows = {}
    for i, (name, (d, rate, n)) in enumerate(scenarios.items()):
        asa = average_speed_of_answer(rate, aht, n)
        human = max(0.0, csat_human - csat_wait_penalty * asa) if np.isfinite(asa) else 0.0
        row = {"deflected_share": d, "arrival_rate_agents": rate,
               "traffic": traffic_intensity(rate, aht), "agents": int(n),
               "occupancy": min(1.0, traffic_intensity(rate, aht) / n),
               "p_wait": erlang_c(rate, aht, n),
               "service_level": service_level(rate, aht, n, target_time), "asa": asa,
               "csat": d * csat_bot + (1 - d) * human}
        if simulate:
            sim = simulate_queue(rate, aht, n, n_contacts=n_contacts, seed=seed + i,
                                 target_time=target_time)
            row.update(p_wait_sim=sim["p_wait"], service_level_sim=sim["service_level"],
                       asa_sim=sim["asa"])
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "scenario"
    return out
