"""Benchmark: RFM scores and clustering on many customers against naive baselines.

Prints figures and ratios measured in the same run (no assertions: timings belong here, not in
tests). Baselines:

* RFM: a per-customer Python loop (group the rows, then for each customer compute recency,
  frequency and monetary in Python) - the pattern the kit forbids - timed on a subsample and
  compared per customer with the vectorised :func:`rfm_scores` on all customers;
* choice of k: the silhouette on all points (quadratic) against the seeded sample
  :func:`choose_k` uses, both on the same subsample.

Run: ``python benchmarks/bench_segmentation.py --customers 1000000``
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.metrics import silhouette_score

from crm_training.segmentation.clustering import CustomerSegmenter, clustering_features
from crm_training.segmentation.rfm import rfm_scores


def synthetic_transactions(n_customers: int, seed: int = 0) -> pd.DataFrame:
    """Poisson purchase counts, uniform times over two years, gamma amounts (vectorised)."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(1.2, 3.0, n_customers)
    n_tx = rng.poisson(rate) + 1
    cust = np.repeat(np.arange(n_customers), n_tx)
    start = np.datetime64("2024-01-01T00:00:00")
    secs = rng.integers(0, 730 * 86400, cust.size)
    amount = np.round(rng.gamma(2.0, 30.0, cust.size), 2)
    ids = np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), 7))
    return pd.DataFrame({"customer_id": ids[cust], "timestamp": start + secs.astype("timedelta64[s]"),
                         "amount": amount, "cost": np.round(amount * 0.7, 2),
                         "category": rng.choice(np.array(["a", "b", "c", "d"]), cust.size)})


def naive_rfm(tx: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The loop a spreadsheet user writes first: one customer at a time."""
    rows = []
    for cid, g in tx.groupby("customer_id"):
        last = g["timestamp"].max()
        rows.append((cid, (as_of - last).days, len(g), g["amount"].sum()))
    f = pd.DataFrame(rows, columns=["customer_id", "recency_days", "frequency", "monetary"])
    f = f.set_index("customer_id")
    for col, asc in (("recency_days", False), ("frequency", True), ("monetary", True)):
        f[col[0].upper()] = pd.qcut(f[col].rank(method="first", ascending=asc), 5,
                                    labels=[1, 2, 3, 4, 5]).astype(int)
    return f


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--baseline-customers", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)

    tx, t_gen = timed(synthetic_transactions, a.customers, a.seed)
    print(f"data: {a.customers:,} customers, {len(tx):,} transactions (built in {t_gen:.1f} s)")
    as_of = tx["timestamp"].max().normalize() + pd.Timedelta(days=1)

    scores, t_fast = timed(rfm_scores, tx, as_of=as_of)
    sub_ids = tx["customer_id"].drop_duplicates().iloc[:a.baseline_customers]
    sub = tx.loc[tx["customer_id"].isin(sub_ids)]
    _, t_naive = timed(naive_rfm, sub, as_of)
    per_fast = t_fast / len(scores)
    per_naive = t_naive / len(sub_ids)
    print(f"RFM scores, vectorised:  {t_fast:8.2f} s for {len(scores):,} customers "
          f"({1e6 * per_fast:.2f} us/customer)")
    print(f"RFM scores, naive loop:  {t_naive:8.2f} s for {len(sub_ids):,} customers "
          f"({1e6 * per_naive:.2f} us/customer; {per_naive * len(scores):.0f} s extrapolated)")
    print(f"speed-up per customer:   {per_naive / per_fast:8.1f} x")

    X, t_feat = timed(clustering_features, tx, as_of=as_of)
    seg, t_km = timed(CustomerSegmenter("kmeans", 5, n_init=3, n_threads=None).fit, X)
    print(f"clustering features:     {t_feat:8.2f} s")
    print(f"k-means (k=5, 3 inits):  {t_km:8.2f} s on {len(X):,} customers")

    n = min(a.baseline_customers, len(X))
    Z = seg.transform_features(X.iloc[:n])
    lab = seg.labels_[:n]
    full, t_full = timed(silhouette_score, Z, lab)
    rng = np.random.default_rng(a.seed)
    idx = rng.choice(n, size=min(3000, n), replace=False)
    samp, t_samp = timed(silhouette_score, Z[idx], lab[idx])
    print(f"silhouette on {n:,} points: {t_full:6.2f} s (value {full:.3f}); on a 3,000 sample: "
          f"{t_samp:.2f} s (value {samp:.3f}); ratio {t_full / max(t_samp, 1e-9):.0f} x")


if __name__ == "__main__":
    main()
