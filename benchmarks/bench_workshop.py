"""Workshop dashboard: how long each control takes to redraw its tab, against a peer.

Each control recomputes only its own part (the CLV models, the clustering features and the
value indicators are cached; the CLV horizon re-sums the fitted forecast) and only the open tab
is drawn. The peer is the least any dashboard pays for a redraw: one pandas groupby of the same
customers into three tiers plus one matplotlib bar chart rendered to PNG, in the same process.
Goal: every control within 1 s at 50,000 customers.

Run: python benchmarks/bench_workshop.py [--customers 20000 50000]
"""
import argparse
import io
import time

import numpy as np
import pandas as pd

import crm_training
from crm_training.workshop.dashboard import TABS, Dashboard

CONTROLS = (  # (tab, control, two values to move between)
    ("segments", "clusters", (6, 4)), ("segments", "rfm_bins", ("fixed", "quantiles")),
    ("tiers", "high_share", (10, 20)), ("tiers", "tier_basis", ("score", "value")),
    ("clv", "horizon", (12, 36)), ("actions", "top_n", (50, 20)),
    ("actions", "churn_rank", ("churn_probability", "value_at_risk")),
)


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def peer(values: pd.Series) -> float:
    """A groupby into three tiers and one bar chart to PNG: the floor of any redraw."""
    import matplotlib.pyplot as plt

    def run():
        tiers = pd.qcut(values.rank(method="first"), [0, 0.5, 0.8, 1.0],
                        labels=["potential", "medium", "high"])
        table = values.groupby(tiers, observed=True).agg(["size", "sum"])
        fig, ax = plt.subplots(figsize=(6, 3.6))
        ax.bar(table.index.astype(str), table["sum"].to_numpy())
        fig.savefig(io.BytesIO(), format="png", dpi=72)
        plt.close(fig)
    run()
    return float(np.median([timed(run) for _ in range(5)]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, nargs="+", default=[20000, 50000])
    args = ap.parse_args()
    Dashboard(n_customers=500, warm_up=False).draw_all()  # imports and first use out of it
    for n in args.customers:
        data = crm_training.generate("retail", n, seed=1)
        build = timed(lambda: Dashboard(data=data, warm_up=False))
        board = Dashboard(data=data, warm_up=False)
        first_all = timed(board.draw_all)
        base = peer(board.work.values)
        print(f"\n{n:,} customers: first page (data tab) {build:.2f} s; every tab drawn once "
              f"{first_all:.2f} s; peer redraw {base * 1000:.0f} ms")
        print(f"{'tab':>10} {'control':>12} {'median':>8} {'worst':>8} {'x peer':>7}")
        for tab, name, values in CONTROLS:
            board.tabs.selected_index = TABS.index(tab)
            widget = getattr(board, name)
            times = []
            for _ in range(3):  # there and back: the second visit of a value is memoised
                for v in values:
                    times.append(timed(lambda: setattr(widget, "value", v)))
            print(f"{tab:>10} {name:>12} {np.median(times):>7.2f}s {max(times):>7.2f}s "
                  f"{np.median(times) / base:>6.1f}x")
        board.tabs.selected_index = TABS.index("tiers")
        lang = [timed(lambda: setattr(board.language, "value", v)) for v in ("zh", "en")]
        print(f"{'tiers':>10} {'language':>12} {np.median(lang):>7.2f}s {max(lang):>7.2f}s "
              f"{np.median(lang) / base:>6.1f}x")


if __name__ == "__main__":
    main()
