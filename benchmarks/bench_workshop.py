"""Workshop dashboard: how long a control change takes, against rebuilding from scratch.

A control only redoes its own part (features, CLV and churn fits are cached), so a change
should cost a small fraction of the first build. Run: python benchmarks/bench_workshop.py
[--customers 20000]
"""
import argparse
import time

from crm_training.workshop import Dashboard


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, nargs="+", default=[2000, 20000])
    args = ap.parse_args()
    timed(lambda: Dashboard(n_customers=500))  # imports and first-use costs out of the figures
    print(f"{'customers':>10} {'build':>8} {'weights':>8} {'k 4->6':>8} {'k 6->4':>8} "
          f"{'RFM cuts':>9} {'list len':>9} {'build / slowest change':>23}")
    for n in args.customers:
        board = None

        def build():
            nonlocal board
            board = Dashboard(n_customers=n)
        first = timed(build)
        changes = [timed(lambda: setattr(board.weights["financial"], "value", 0.6)),
                   timed(lambda: setattr(board.clusters, "value", 6)),
                   timed(lambda: setattr(board.clusters, "value", 4)),
                   timed(lambda: setattr(board.rfm_bins, "value", "fixed cut points")),
                   timed(lambda: setattr(board.top_n, "value", 25))]
        print(f"{n:>10,} {first:>7.2f}s " + " ".join(f"{c:>7.2f}s" for c in changes[:3])
              + f" {changes[3]:>8.2f}s {changes[4]:>8.2f}s {first / max(changes):>22.1f}x")


if __name__ == "__main__":
    main()
