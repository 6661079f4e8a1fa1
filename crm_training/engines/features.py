"""Per-customer purchase features, written once as an Ibis expression (see
:func:`crm_training.segmentation.customer_features` for the definitions).

The aggregation over transactions runs on the engine; the few per-customer derived columns
(days since the last purchase, average order value) are computed on the customer-level result.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .backend import open_source, timestamp_of

DAY = pd.Timedelta(days=1)
FEATURE_COLUMNS = ["first_purchase", "last_purchase", "recency_days", "frequency",
                   "gross_sales", "returns", "monetary", "profit", "avg_order_value",
                   "n_categories", "tenure_days"]


RFM_ONLY = ["recency_days", "frequency", "monetary"]


def features_expr(t, as_of: pd.Timestamp, rfm_only: bool = False):
    """Aggregates per customer of the transactions before ``as_of`` (table ``t`` with the kit's
    column names; ``cost``, ``is_return`` and ``category`` optional)."""
    import ibis

    if "ts_ns" in t.columns:  # a DataFrame's nanoseconds, kept exact as integers
        t = t.filter(t.ts_ns < as_of.as_unit("ns").value)
        when = t.ts_ns
    else:
        t = t.mutate(timestamp=timestamp_of(t.timestamp))
        t = t.filter(t.timestamp < ibis.literal(as_of.to_pydatetime()))
        when = t.timestamp
    amount = t.amount.try_cast("float64")
    is_ret = amount < 0
    if "is_return" in t.columns:
        is_ret = t.is_return.try_cast("boolean").fill_null(is_ret)
    sale = ~is_ret
    aggs = {
        "first_purchase": when.min(where=sale),
        "last_purchase": when.max(where=sale),
        "frequency": sale.cast("int64").sum(),
        "gross_sales": amount.sum(where=sale),
        "returns": amount.sum(where=is_ret),
        "monetary": amount.sum(),
    }
    if rfm_only:  # what RFM scoring reads, and nothing more
        aggs = {k: aggs[k] for k in ("last_purchase", "frequency", "monetary")}
    if "cost" in t.columns and not rfm_only:
        aggs["cost"] = t.cost.try_cast("float64").sum()
    if "category" in t.columns and not rfm_only:
        aggs["n_categories"] = t.category.nunique(where=sale)
    g = t.group_by(customer_id=t.customer_id.cast("string")).aggregate(**aggs)
    return g.filter(g.frequency > 0)


def _check_file(src, t):
    """Clear errors for a file's missing ids, unreadable timestamps and missing amounts (never
    rows dropped in silence); the last timestamp."""
    ts = timestamp_of(t.timestamp)
    f = src.execute(t.aggregate(n=t.count(), bad_id=t.customer_id.isnull().sum(),
                                bad_ts=ts.isnull().sum(), last=ts.max(),
                                bad_amount=t.amount.try_cast("float64").isnull().sum())).iloc[0]
    for key, text in (("bad_id", "column 'customer_id' has missing customer ids"),
                      ("bad_ts", "column 'timestamp' has {n} missing or unreadable "
                       "timestamp(s)"),
                      ("bad_amount", "column 'amount' has {n} missing or unreadable amounts")):
        n = 0 if pd.isna(f[key]) else int(f[key])
        if n:
            raise ValueError(text.format(n=n))
    return None if int(f["n"]) == 0 or pd.isna(f["last"]) else f["last"]


def customer_features(source, as_of=None, customers=None, engine=None, spark=None,
                      master=None, memory_limit=None, rfm_only: bool = False) -> pd.DataFrame:
    """:func:`crm_training.segmentation.customer_features` on any engine: ``source`` is the
    transactions (DataFrame, file or Ibis table); ``customers`` a customers table whose buyers
    without a purchase are added (``include_non_buyers``); ``rfm_only`` computes just
    recency_days, frequency and monetary (what RFM scoring reads)."""
    if isinstance(source, pd.DataFrame):
        tx = source
        if not pd.api.types.is_datetime64_any_dtype(tx["timestamp"]):
            raise ValueError("transactions: column 'timestamp' must hold dates (datetime64), "
                             f"found {tx['timestamp'].dtype}; convert it with pd.to_datetime "
                             "first")
        if not pd.api.types.is_numeric_dtype(tx["amount"]):
            raise ValueError("transactions: column 'amount' must be numeric, found "
                             f"{tx['amount'].dtype}")
        keep = [c for c in ("customer_id", "timestamp", "amount", "is_return") +
                (() if rfm_only else ("cost", "category")) if c in tx.columns]
        ts = tx["timestamp"]
        if isinstance(ts.dtype, pd.DatetimeTZDtype):
            ts = ts.dt.tz_localize(None)
        source = tx[keep[:1] + keep[2:]].assign(ts_ns=ts.to_numpy("datetime64[ns]").view("i8"))
        if len(tx) == 0 and as_of is None:
            raise ValueError("transactions is empty: pass as_of or data with at least one "
                             "purchase")
        if as_of is None:
            as_of = ts.max().normalize() + DAY
    with open_source(source, engine, spark=spark, master=master,
                     memory_limit=memory_limit) as src:
        t = src.table
        need = ("customer_id", "ts_ns" if "ts_ns" in t.columns else "timestamp", "amount")
        missing = [c for c in need if c not in t.columns]
        if missing:
            raise ValueError(f"transactions is missing column(s) {missing} (columns present: "
                             f"{list(t.columns)[:12]})")
        if "ts_ns" not in t.columns:  # a file: the checks rfm_summary makes, in one pass
            last = _check_file(src, t)
            if as_of is None:
                if last is None:
                    raise ValueError("transactions is empty: pass as_of or data with at least "
                                     "one purchase")
                as_of = pd.Timestamp(last).normalize() + DAY
        as_of = pd.Timestamp(as_of)
        if as_of.tzinfo is not None:
            as_of = as_of.tz_localize(None)
        out = src.execute(features_expr(t, as_of, rfm_only))
        has_cost, has_cat = "cost" in t.columns, "category" in t.columns
    out = out.set_index("customer_id").sort_index()
    # Money sums to 1e-6: an engine adds in an order of its own (threads, plan), and equal
    # spends must stay equal for ranks and quintiles to be the same on every run and machine.
    for col in ("gross_sales", "returns", "monetary", "cost"):
        if col in out.columns:
            out[col] = out[col].round(6)
    if rfm_only:
        last = out["last_purchase"]
        last = last.astype("int64").astype("datetime64[ns]") \
            if pd.api.types.is_integer_dtype(last) else pd.to_datetime(last)
        out["recency_days"] = (as_of - last) / DAY
        out["frequency"] = out["frequency"].astype(np.int64)
        out.index = out.index.astype(str)
        return out[RFM_ONLY]
    for col in ("first_purchase", "last_purchase"):
        v = out[col]
        out[col] = (v.astype("int64").astype("datetime64[ns]") if pd.api.types.is_integer_dtype(v)
                    else pd.to_datetime(v).astype("datetime64[ns]"))
    for col in ("gross_sales", "returns"):
        out[col] = out[col].fillna(0.0)
    out["frequency"] = out["frequency"].astype(np.int64)
    out["profit"] = out["monetary"] - out["cost"] if has_cost else np.nan
    out["n_categories"] = out["n_categories"].fillna(0).astype(np.int64) if has_cat else 1
    out["recency_days"] = (as_of - out["last_purchase"]) / DAY
    out["tenure_days"] = (as_of - out["first_purchase"]) / DAY
    out["avg_order_value"] = out["gross_sales"] / out["frequency"]
    if customers is not None and len(customers):
        ids = pd.Index(customers["customer_id"].astype(str).unique(), name="customer_id")
        out = out.reindex(out.index.union(ids))
        zero = ["frequency", "gross_sales", "returns", "monetary", "n_categories"]
        out[zero] = out[zero].fillna(0)
        out["frequency"] = out["frequency"].astype("int64")
        out["n_categories"] = out["n_categories"].astype("int64")
    out.index = out.index.astype(str)
    out.index.name = "customer_id"
    return out[FEATURE_COLUMNS]
