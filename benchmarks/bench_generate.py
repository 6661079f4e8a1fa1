"""Benchmark of the synthetic generator (issue: Foundation).

Prints, for 10,000 and 1,000,000 customers: wall time, customers/s, rows of all tables and peak
memory (each size in a fresh process; CPU seconds too, as wall time suffers on a busy machine), and the speed-up of pooled personal data over one Faker
call per customer for name, e-mail and phone, both measured in this run.

    python benchmarks/bench_generate.py            # 10k and 1M customers
    python benchmarks/bench_generate.py --sizes 10000 --baseline 5000
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def child(n: int, industry: str) -> None:
    import crm_training

    t, c = time.perf_counter(), time.process_time()
    data = crm_training.generate(industry, n, seed=1, progress=False)
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    rows = sum(len(df) for df in data.tables.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": rows, "peak_mib": peak}))


def personal_data_ratio(n_baseline: int, n_pooled: int) -> tuple[float, float]:
    import numpy as np

    from crm_training.datagen import people

    t = time.perf_counter()
    people.faker_per_row("en_US", n_baseline, seed=1)
    per_row = (time.perf_counter() - t) / n_baseline
    t = time.perf_counter()
    rng = np.random.default_rng(1)
    pools = people.build_pools("en_US", 1)
    ids = people.make_ids("C", n_pooled, 7)
    people.personal_data(rng, pools, "en_US", rng.integers(0, 2, n_pooled), ids)
    pooled = (time.perf_counter() - t) / n_pooled
    return per_row, pooled


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    ap.add_argument("--industry", default="retail")
    ap.add_argument("--baseline", type=int, default=20_000,
                    help="customers for the one-Faker-call-per-row baseline (its rate is per row)")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.industry)
        return
    print(f"{'customers':>10} {'seconds':>8} {'cpu s':>7} {'customers/s':>12} {'rows':>12} "
          f"{'peak MiB':>9}")
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--child", str(n), "--industry",
                              args.industry], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        print(f"{n:>10,} {r['seconds']:>8.2f} {r['cpu']:>7.2f} {n / r['seconds']:>12,.0f} {r['rows']:>12,} "
              f"{r['peak_mib']:>9,.0f}")
    per_row, pooled = personal_data_ratio(args.baseline, max(args.sizes))
    print(f"\nname + e-mail + phone: one Faker call per row {1 / per_row:,.0f} customers/s "
          f"(measured on {args.baseline:,}); pooled {1 / pooled:,.0f} customers/s "
          f"(on {max(args.sizes):,}); pooled is {per_row / pooled:,.0f}x faster")
    print(f"one Faker call per row for {max(args.sizes):,} customers would take "
          f"{per_row * max(args.sizes):,.0f} s")


if __name__ == "__main__":
    main()
