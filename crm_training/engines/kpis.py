"""The course KPIs of several periods at once, written once as Ibis expressions (definitions in
:mod:`crm_training.evaluation.kpis`).

Each table is read once for all periods (conditional aggregates; the retention figures take one
group-by of the orders by customer), so a before/after comparison costs one pass per table.
Timestamps of DataFrames travel as int64 nanoseconds (exact, and what every engine compares
fast); those of files stay timestamps.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .backend import Source, _quiet, open_source, timestamp_of

NS_PER_HOUR = 3_600_000_000_000
TIME_COLUMNS = {"transactions": ["timestamp"], "surveys": ["timestamp"],
                "web_events": ["timestamp"], "interactions": ["timestamp"],
                "tickets": ["created_at", "resolved_at"], "customers": ["signup_date"]}
USED = {"transactions": ["customer_id", "timestamp", "amount", "cost", "is_return"],
        "surveys": ["customer_id", "timestamp", "csat", "nps"],
        "web_events": ["customer_id", "timestamp", "session_id", "page"],
        "interactions": ["customer_id", "timestamp", "type"],
        "tickets": ["customer_id", "created_at", "resolved_at"],
        "customers": ["customer_id", "signup_date"]}


def _ns_frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """The columns a KPI uses, dates as int64 nanoseconds (NaT as missing)."""
    cols = [c for c in USED[name] if c in df.columns]
    out = {}
    for c in cols:
        s = df[c]
        if c in TIME_COLUMNS[name]:
            s = pd.to_datetime(s)
            if isinstance(s.dtype, pd.DatetimeTZDtype):
                s = s.dt.tz_localize(None)
            nat = s.isna().to_numpy()
            v = s.to_numpy("datetime64[ns]").view("i8")
            s = pd.array(v, dtype="Int64") if not nat.any() else \
                pd.arrays.IntegerArray(v, nat)
        elif s.dtype == object:  # ids and labels as text; categoricals and str stay as they are
            s = s.astype("str")
        out[c] = s.reset_index(drop=True) if isinstance(s, pd.Series) else s
    return pd.DataFrame(out, copy=False)


class _Tables:
    """The tables of a CRMData (or of a checked folder) on one engine."""

    def __init__(self, data, engine, options):
        self.sources, self.tables, self.in_ns = [], {}, False
        if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
            from pathlib import Path

            root = Path(data)
            folder = root / "tables" if (root / "tables").is_dir() else root
            for name in USED:
                path = folder / f"{name}.parquet"
                if not path.exists():
                    continue
                if not self.sources:
                    src = open_source(path, engine or "duckdb", **options)
                    self.sources.append(src)
                else:  # on the same connection, so one engine joins them
                    first = self.sources[0]
                    with _quiet():
                        table = first.backend.read_parquet(str(path))
                    src = Source(table, first.backend, first.engine, owned=False)
                self.tables[name] = _micro(src, name)
            if not self.sources:
                raise ValueError(f"{folder} holds no table of the kit (transactions.parquet, "
                                 "surveys.parquet, ...)")
            return
        self.in_ns = True
        first = None
        for name in USED:
            df = getattr(data, name, None)
            if df is None:
                continue
            frame = _ns_frame(df, name)
            if first is None:
                first = open_source(frame, engine, **options)
                self.sources.append(first)
                self.tables[name] = first
            else:  # the same connection, so one engine joins them
                self.tables[name] = _on(first, frame, name)

    def get(self, name):
        src = self.tables.get(name)
        return None if src is None else src.table

    def execute(self, expr) -> pd.DataFrame:
        return self.sources[0].execute(expr)

    def lit(self, ts: pd.Timestamp):
        import ibis

        if self.in_ns:
            return ibis.literal(int(ts.as_unit("ns").value))
        return ibis.literal(ts.to_pydatetime())

    def close(self):
        for s in self.sources:
            s.close()


def _micro(src, name):
    """Dates of a file as microsecond timestamps (:func:`~.backend.timestamp_of`)."""
    t = src.table
    cols = {c: timestamp_of(t[c]) for c in TIME_COLUMNS[name] if c in t.columns}
    if cols:
        src.table = t.mutate(**cols)
    return src


def _on(first, frame, name):
    """``frame`` as a table on ``first``'s engine (same backend)."""
    if first.engine == "spark":
        from .backend import spark_table

        table = spark_table(first.backend, first.backend._session, frame, f"crm_{name}")
    else:
        import ibis

        with _quiet():
            table = ibis.memtable(frame)
    return Source(table, first.backend, first.engine, owned=False)


def kpi_periods(data, periods, customer_ids=None, engine=None, **options) -> pd.DataFrame:
    """The ten KPIs for each ``(start, end)`` of ``periods``: a DataFrame indexed by KPI with
    one column per period (named ``start..end``)."""

    import ibis

    periods = [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in periods]
    for a, b in periods:
        if not b > a:
            raise ValueError(f"end ({b.date()}) must be after start ({a.date()})")
    tb = _Tables(data, engine, options)
    try:
        ids = None
        if customer_ids is not None:
            uniq = pd.unique(pd.Series(customer_ids).astype(str))
            ids = _on(tb.sources[0], pd.DataFrame({"customer_id": pd.array(uniq, dtype="str")}),
                      "ids").table

        def scoped(name):
            t = tb.get(name)
            if t is None or ids is None:
                return t
            return t.semi_join(ids, t.customer_id.cast("string") == ids.customer_id)

        res = {i: {} for i in range(len(periods))}
        bounds = [(tb.lit(a), tb.lit(b), tb.lit(a - (b - a))) for a, b in periods]

        s = scoped("surveys")
        if s is not None:
            aggs = {}
            for i, (a, b, _) in enumerate(bounds):
                inw = (s.timestamp >= a) & (s.timestamp < b)
                aggs[f"c{i}"] = (inw & s.csat.notnull()).cast("int64").sum()
                aggs[f"h{i}"] = (inw & (s.csat >= 4)).cast("int64").sum()
                aggs[f"n{i}"] = (inw & s.nps.notnull()).cast("int64").sum()
                aggs[f"p{i}"] = (inw & (s.nps >= 9)).cast("int64").sum()
                aggs[f"d{i}"] = (inw & (s.nps <= 6)).cast("int64").sum()
            r = tb.execute(s.aggregate(**aggs)).iloc[0]
            for i in res:
                res[i]["csat"] = _ratio(r[f"h{i}"], r[f"c{i}"])
                res[i]["nps"] = _ratio(100 * (_n(r[f"p{i}"]) - _n(r[f"d{i}"])), r[f"n{i}"])

        t = scoped("transactions")
        c = scoped("customers")
        if t is not None:
            signed = {}
            if c is not None:
                r = tb.execute(c.aggregate(**{f"s{i}": (c.signup_date < b).cast("int64").sum()
                                              for i, (_, b, _) in enumerate(bounds)})).iloc[0]
                signed = {i: int(r[f"s{i}"] or 0) for i in res}
            profit = t.amount.cast("float64") - t.cost.cast("float64") \
                if "cost" in t.columns else t.amount.cast("float64")
            order = ~t.is_return.cast("boolean").fill_null(False) \
                if "is_return" in t.columns else t.amount >= 0
            aggs = {}
            for i, (a, b, _) in enumerate(bounds):
                aggs[f"v{i}"] = profit.sum(where=t.timestamp < b)
                now = order & (t.timestamp >= a) & (t.timestamp < b)
                aggs[f"a{i}"] = t.amount.cast("float64").mean(where=now)
            r = tb.execute(t.aggregate(**aggs)).iloc[0]
            per = {}
            for i, (a, b, prev) in enumerate(bounds):
                per[f"now{i}"] = (order & (t.timestamp >= a) & (t.timestamp < b)).cast(
                    "int64").sum()
                per[f"pre{i}"] = (order & (t.timestamp >= prev) & (t.timestamp < a)).cast(
                    "int64").sum()
            g = t.group_by("customer_id").aggregate(**per)
            agg2 = {}
            for i in res:
                now, pre = g[f"now{i}"], g[f"pre{i}"]
                agg2[f"prev{i}"] = (pre > 0).cast("int64").sum()
                agg2[f"kept{i}"] = ((pre > 0) & (now > 0)).cast("int64").sum()
                agg2[f"buy{i}"] = (now > 0).cast("int64").sum()
                agg2[f"rep{i}"] = (now >= 2).cast("int64").sum()
            r2 = tb.execute(g.aggregate(**agg2)).iloc[0]
            for i in res:
                n_signed = signed.get(i, 0)
                v = r[f"v{i}"]
                res[i]["clv_historic"] = float(0.0 if pd.isna(v) else v) / n_signed \
                    if n_signed else np.nan
                res[i]["retention"] = _ratio(r2[f"kept{i}"], r2[f"prev{i}"])
                res[i]["repurchase_rate"] = _ratio(r2[f"rep{i}"], r2[f"buy{i}"])
                res[i]["churn"] = 1 - res[i]["retention"]
                a = r[f"a{i}"]
                res[i]["aov"] = np.nan if pd.isna(a) else float(a)

        w = scoped("web_events")
        if w is not None:
            per = {}
            for i, (a, b, _) in enumerate(bounds):
                inw = (w.timestamp >= a) & (w.timestamp < b)
                per[f"in{i}"] = inw.cast("int64").sum()
                per[f"ok{i}"] = (inw & (w.page.cast("string") == "confirmation")).cast(
                    "int64").sum()
            g = w.group_by("session_id").aggregate(**per)
            r = tb.execute(g.aggregate(**{k: v for i in res for k, v in (
                (f"s{i}", (g[f"in{i}"] > 0).cast("int64").sum()),
                (f"c{i}", (g[f"ok{i}"] > 0).cast("int64").sum()))})).iloc[0]
            for i in res:
                res[i]["conversion"] = _ratio(r[f"c{i}"], r[f"s{i}"])

        it = scoped("interactions")
        if it is not None:
            aggs = {}
            for i, (a, b, _) in enumerate(bounds):
                inw = (it.timestamp >= a) & (it.timestamp < b)
                aggs[f"n{i}"] = inw.cast("int64").sum()
                aggs[f"k{i}"] = (inw & (it.type.cast("string") == "complaint")).cast(
                    "int64").sum()
            r = tb.execute(it.aggregate(**aggs)).iloc[0]
            for i in res:
                res[i]["complaint_rate"] = _ratio(r[f"k{i}"], r[f"n{i}"])

        k = scoped("tickets")
        if k is not None:
            if tb.in_ns:
                hours = (k.resolved_at - k.created_at).cast("float64") / NS_PER_HOUR
            else:
                hours = (k.resolved_at.epoch_seconds() - k.created_at.epoch_seconds()).cast(
                    "float64") / 3600
            # the median of the period's hours, others null (a `where=` median fails on Spark)
            aggs = {f"m{i}": ((k.created_at >= a) & (k.created_at < b)).ifelse(
                hours, ibis.null("float64")).median() for i, (a, b, _) in enumerate(bounds)}
            r = tb.execute(k.aggregate(**aggs)).iloc[0]
            for i in res:
                m = r[f"m{i}"]
                res[i]["resolution_time_h"] = np.nan if pd.isna(m) else float(m)
    finally:
        tb.close()
    from ..evaluation.kpis import KPIS

    out = pd.DataFrame({f"{a.date()}..{b.date()}": pd.Series(res[i], dtype=float)
                        for i, (a, b) in enumerate(periods)})
    return out.reindex(list(KPIS))


def _n(x) -> float:
    """A count from an engine: an empty table's SUM is NULL."""
    return 0.0 if x is None or pd.isna(x) else float(x)


def _ratio(num, den) -> float:
    num = _n(num)
    return float(num) / float(den) if den and not pd.isna(den) else np.nan
