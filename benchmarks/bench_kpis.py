"""Benchmark: ``kpi_comparison`` and ``rfm_scores`` at a million customers against their peers.

Peers, run in the same process on the same tables (medians of alternated runs):

* ``kpi_comparison`` (ten KPIs for two periods, one Ibis definition run in memory) against
  **one groupby pass**: one pandas ``groupby(customer_id)`` over the transactions (orders and net
  value per customer) - the least work any per-customer KPI needs. Target <= 1.5x.
* ``rfm_scores`` (customer features, R/F/M quintiles, codes, segments) against a pandas
  **groupby + qcut**: recency, frequency and monetary per customer by one groupby, then
  ``pd.qcut`` of each rank into quintiles. Target <= 1.2x.

Data: ``crm_training.generate("retail", N, seed=1)`` (all tables), built once before timing.

Run: ``python benchmarks/bench_kpis.py [--customers 1000000] [--repeat 3]``
"""
from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd

import crm_training
from crm_training.evaluation import kpi_comparison
from crm_training.segmentation import rfm_scores

BEFORE, AFTER = ("2024-01-01", "2025-01-01"), ("2025-01-01", "2026-01-01")


def one_groupby_pass(data) -> pd.DataFrame:
    tx = data.transactions
    return tx.groupby("customer_id", observed=True).agg(orders=("is_return", "size"),
                                                        value=("amount", "sum"))


def groupby_qcut(data) -> pd.DataFrame:
    tx = data.transactions
    as_of = tx["timestamp"].max().normalize() + pd.Timedelta(days=1)
    g = tx.groupby("customer_id", observed=True).agg(last=("timestamp", "max"),
                                                     frequency=("amount", "size"),
                                                     monetary=("amount", "sum"))
    g["recency_days"] = (as_of - g["last"]).dt.days
    for col, asc in (("recency_days", False), ("frequency", True), ("monetary", True)):
        g[col[0].upper()] = pd.qcut(g[col].rank(method="first", ascending=asc), 5,
                                    labels=False) + 1
    return g


def alternate(pairs: dict, repeat: int) -> dict:
    times = {k: [] for k in pairs}
    for _ in range(repeat):
        for name, fn in pairs.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    t = time.perf_counter()
    data = crm_training.generate("retail", args.customers, seed=1, progress=False)
    print(f"data: {args.customers:,} customers, {len(data.transactions):,} transactions "
          f"(generated in {time.perf_counter() - t:.1f} s)")
    m = alternate({
        "kpi_comparison": lambda: kpi_comparison(data, BEFORE, AFTER),
        "one groupby pass": lambda: one_groupby_pass(data),
        "rfm_scores": lambda: rfm_scores(data),
        "groupby + qcut": lambda: groupby_qcut(data),
    }, args.repeat)
    for kit, peer, target in (("kpi_comparison", "one groupby pass", 1.5),
                              ("rfm_scores", "groupby + qcut", 1.2)):
        ratio = m[kit] / m[peer]
        print(f"{kit:16s} {m[kit]:6.2f} s   {peer:17s} {m[peer]:6.2f} s   ratio {ratio:.2f} "
              f"(target <= {target}: {'met' if ratio <= target else 'NOT met'})")


if __name__ == "__main__":
    main()
