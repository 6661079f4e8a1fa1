"""Speed of the chapter 5-6 analyses on one large synthetic company.

Generates ``retail`` with N customers (default 1,000,000, seed 1) once, then times each service
and evaluation function on it. Each figure is also given as a ratio to a baseline measured in the
same run: one pandas pass over the same table (``groupby(...).size()``), i.e. the least any
analysis of that table costs.

    python benchmarks/bench_service_evaluation.py            # 1,000,000 customers
    python benchmarks/bench_service_evaluation.py 100000     # smaller
"""
from __future__ import annotations

import sys
import time

import pandas as pd

import crm_training
from crm_training.evaluation import ab_test, kpi_comparison, kpi_table, pilot_did
from crm_training.service import (TicketRouter, agents_needed, backlog, chatbot_deflection,
                                  ticket_channel_consistency, ticket_kpis)


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t


def main(n: int = 1_000_000) -> None:
    t0 = time.perf_counter()
    data = crm_training.generate("retail", n, seed=1)
    print(f"generate('retail', {n:,}, seed=1): {time.perf_counter() - t0:.1f} s; "
          f"{len(data.transactions):,} transactions, {len(data.tickets):,} tickets, "
          f"{len(data.surveys):,} surveys, {len(data.web_events):,} web events")

    base_tickets = timed(lambda: data.tickets.groupby("channel", observed=True).size())
    base_tx = timed(lambda: data.transactions.groupby("customer_id").size())
    end = pd.Timestamp(data.meta["end"]) + pd.Timedelta(days=1)
    year = (end - pd.Timedelta(days=365), end)
    prev = (end - pd.Timedelta(days=730), end - pd.Timedelta(days=365))
    train = data.tickets.sample(20_000, random_state=0)
    router = TicketRouter().fit(train)
    rows = [
        ("ticket_kpis by channel", timed(ticket_kpis, data.tickets, by="channel"), base_tickets),
        ("ticket_kpis by channel x priority",
         timed(ticket_kpis, data.tickets, by=["channel", "priority"]), base_tickets),
        ("backlog daily", timed(backlog, data.tickets), base_tickets),
        ("ticket_channel_consistency first_response_h",
         timed(ticket_channel_consistency, data.tickets, "first_response_h"), base_tickets),
        ("TicketRouter.fit on 20,000 tickets", timed(TicketRouter().fit, train), base_tickets),
        ("TicketRouter.predict all tickets", timed(router.predict, data.tickets["text"]),
         base_tickets),
        ("kpi_table last year", timed(kpi_table, data, *year), base_tx),
        ("kpi_comparison two years", timed(kpi_comparison, data, prev, year), base_tx),
        ("ab_test campaign_ab", timed(ab_test, data), base_tx),
        ("pilot_did service_upgrade_pilot (customer effects)", timed(pilot_did, data), base_tx),
        ("agents_needed at 1000 Erlangs", timed(agents_needed, 1000, 1.0, 0.8, 0.05), None),
        ("chatbot_deflection with 3 x 20,000 simulated contacts",
         timed(chatbot_deflection, 100 / 1800, 180, 20, 0.5, 0.6), None),
    ]
    print(f"baseline: tickets groupby size {base_tickets * 1e3:.0f} ms, "
          f"transactions groupby size {base_tx * 1e3:.0f} ms")
    print(f"{'function':55s} {'seconds':>8s} {'x baseline':>10s}")
    for name, sec, base in rows:
        ratio = f"{sec / base:10.1f}" if base else f"{'-':>10s}"
        print(f"{name:55s} {sec:8.2f} {ratio}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
