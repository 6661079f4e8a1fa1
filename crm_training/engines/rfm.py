"""The RFM summary of the CLV models, written once as an Ibis expression.

The definition is that of lifetimes and pymc-marketing (see :mod:`crm_training.clv.utils` for
the conventions and the handling of returns): purchases are counted per period, ``frequency`` is
the number of repeat purchase periods, ``recency`` and ``T`` are counted from the first purchase
period, ``monetary_value`` is the mean value of the repeat periods. Returns are netted into the
period of the order they refund (through ``original_transaction_id`` when the log has it, else
into the customer's latest purchase period on or before the return); a period refunded in full
is no purchase.

The same expression runs on a DataFrame in memory, on files with DuckDB and on Spark
(:mod:`crm_training.engines.backend`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .backend import Source, open_source, timestamp_of

TIME_UNITS = ("D", "W", "M", "h")
_REFUNDED = 1e-9  # a period whose net value is at most this share of its gross is refunded


def _ibis():
    import ibis

    return ibis


def period_of(ts, time_unit: str):
    """Integer index of the period (day, week from Monday, month, hour) of a timestamp column."""
    ibis = _ibis()
    day = ts.date().delta(ibis.date("1970-01-01"), unit="day").cast("int64")
    if time_unit == "D":
        return day
    if time_unit == "h":
        return day * 24 + ts.hour().cast("int64")
    if time_unit == "W":  # 1970-01-01 was a Thursday
        return (day + 3) // 7
    if time_unit == "M":
        return (ts.year().cast("int64") - 1970) * 12 + ts.month().cast("int64") - 1
    raise ValueError(f"time_unit must be one of {TIME_UNITS}, got {time_unit!r}")


def period_number(value, time_unit: str) -> int:
    """The period index of one date-like value, as :func:`period_of` counts it."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    day = (ts.normalize() - pd.Timestamp("1970-01-01")).days
    if time_unit == "D":
        return day
    if time_unit == "h":
        return day * 24 + ts.hour
    if time_unit == "W":
        return (day + 3) // 7
    if time_unit == "M":
        return (ts.year - 1970) * 12 + ts.month - 1
    raise ValueError(f"time_unit must be one of {TIME_UNITS}, got {time_unit!r}")


class Log:
    """A transaction log on an engine, with the canonical columns the summaries use:
    ``cid``, ``ts``, ``p`` (period), ``is_ret`` and, where present, ``amount``, ``tid``, ``orig``
    (and ``row``, the row number, for a DataFrame when ``first_row``).
    """

    def __init__(self, source, *, engine=None, customer_id_col="customer_id",
                 datetime_col="timestamp", monetary_value_col="amount", time_unit="D",
                 returns="net", return_col="is_return", transaction_id_col="transaction_id",
                 original_id_col="original_transaction_id", first_row: bool = False,
                 spark=None, master=None, memory_limit=None):
        if returns not in ("net", "exclude"):
            raise ValueError(f"returns must be 'net' or 'exclude', got {returns!r}")
        if time_unit not in TIME_UNITS:
            raise ValueError(f"time_unit must be one of {TIME_UNITS}, got {time_unit!r}")
        self.time_unit, self.returns = time_unit, returns
        self.has_amount = bool(monetary_value_col)
        if isinstance(source, pd.DataFrame):
            frame, self.linked, self.any_return = _frame(
                source, customer_id_col, datetime_col, monetary_value_col, return_col,
                transaction_id_col, original_id_col, returns, first_row)
            self.src = open_source(frame, engine, spark=spark, master=master,
                                   memory_limit=memory_limit)
            self.max_ts = frame["ts"].max() if len(frame) else None
            self.id_dtype = source[customer_id_col].dtype
            t = self.src.table
        else:
            if first_row:
                raise ValueError("sort=False (customers in order of first appearance) needs "
                                 "a DataFrame; a file has no row order every engine keeps")
            self.src = open_source(
                source, engine, spark=spark, master=master, memory_limit=memory_limit)
            t = _canonical(self.src, customer_id_col, datetime_col, monetary_value_col,
                           return_col, transaction_id_col, original_id_col, returns)
            self.linked = "tid" in t.columns
            self.max_ts, self.any_return = self._facts(t, customer_id_col, datetime_col,
                                                       monetary_value_col)
            self.id_dtype = None
        self.table = t.mutate(p=period_of(t.ts, time_unit))

    def _facts(self, t, id_col, ts_col, amount_col):
        """One pass over a file: missing values (clear errors), the last timestamp, returns."""
        aggs = {"n": t.count(), "bad_id": t.cid.isnull().sum(), "bad_ts": t.ts.isnull().sum(),
                "max_ts": t.ts.max(), "n_ret": t.is_ret.cast("int64").sum()}
        if self.has_amount:
            aggs["bad_amount"] = t.amount.isnull().sum()
        f = self.src.execute(t.aggregate(**aggs)).iloc[0]
        if f["bad_id"]:
            raise ValueError(f"column {id_col!r} has missing customer ids")
        if f["bad_ts"]:
            raise ValueError(f"column {ts_col!r} has {int(f['bad_ts'])} missing or unreadable "
                             "timestamp(s)")
        if self.has_amount and f["bad_amount"]:
            raise ValueError(f"column {amount_col!r} has {int(f['bad_amount'])} missing or "
                             "unreadable amounts")
        n_ret = 0 if pd.isna(f["n_ret"]) else int(f["n_ret"])
        return (pd.Timestamp(f["max_ts"]) if int(f["n"]) else None), n_ret > 0

    def end_period(self, end) -> int:
        """The period of ``end`` (default: of the last timestamp)."""
        if end is None:
            return period_number(self.max_ts, self.time_unit) if self.max_ts is not None else 0
        return period_number(end, self.time_unit)

    def periods(self, lo: int | None, hi: int):
        """Kept purchase periods in ``(lo, hi]``: one row per (customer, period) with ``gross``
        and ``net`` (the period's value after the returns netted into it)."""
        ibis = _ibis()
        t = self.table
        inside = t.p <= hi if lo is None else (t.p <= hi) & (t.p > lo)
        buys = t.filter(inside & ~t.is_ret)
        if not self.has_amount:
            per = buys.group_by(["cid", "p"]).aggregate(gross=buys.p.count().cast("float64"))
            return per.mutate(net=per.gross)
        per = buys.group_by(["cid", "p"]).aggregate(gross=buys.amount.sum())
        if self.returns != "net" or not self.any_return:
            return per.mutate(net=per.gross)
        rets = t.filter(inside & t.is_ret)
        pieces = []
        if self.linked:
            # The order a return refunds: the first purchase row with that order id (earliest
            # period, then customer id), wherever it is; counted only if inside the window.
            orders = t.filter(~t.is_ret & t.tid.notnull())
            w = ibis.window(group_by=orders.tid, order_by=[orders.p, orders.cid])
            orders = orders.mutate(rank=ibis.row_number().over(w))
            orders = orders.filter(orders.rank == 0).select(
                otid=orders.tid, ocid=orders.cid, o_p=orders.p)
            j = rets.left_join(orders, rets.orig == orders.otid)
            j = j.select("cid", "p", "amount", "ocid", "o_p")
            found = j.filter(j.ocid.notnull())
            ok = found.o_p <= hi if lo is None else (found.o_p <= hi) & (found.o_p > lo)
            found = found.filter(ok)
            pieces.append(found.select(cid=found.ocid, p=found.o_p, amount=found.amount))
            free = j.filter(j.ocid.isnull()).select("cid", "p", "amount")
        else:
            free = rets.select("cid", "p", "amount")
        # Not linked: the customer's latest purchase period on or before the return.
        both = per.select("cid", "p", kind=ibis.literal(0), amount=ibis.null("float64")).union(
            free.select("cid", "p", kind=ibis.literal(1), amount=free.amount.cast("float64")))
        cw = ibis.cumulative_window(group_by=both.cid, order_by=[both.p, both.kind])
        both = both.mutate(bp=(both.kind == 0).ifelse(both.p, ibis.null("int64")).max().over(cw))
        hit = both.filter((both.kind == 1) & both.bp.notnull())
        pieces.append(hit.select(cid=hit.cid, p=hit.bp, amount=hit.amount))
        att = pieces[0] if len(pieces) == 1 else pieces[0].union(pieces[1])
        att = att.group_by(["cid", "p"]).aggregate(ret=att.amount.sum())
        j = per.left_join(att, ["cid", "p"]).select(per.cid, per.p, per.gross, att.ret)
        j = j.mutate(net=j.gross + j.ret.fill_null(0.0))
        return j.filter(j.ret.isnull() | (j.net > _REFUNDED * j.gross.abs())).drop("ret")

    def close(self):
        self.src.close()


def _frame(df, id_col, ts_col, amount_col, return_col, tid_col, orig_col, returns, first_row):
    """The canonical columns of a DataFrame log, checked with the kit's messages; and whether
    returns are linked to orders and whether there is any return."""
    from ..clv.utils import _timestamps

    need = [id_col, ts_col] + ([amount_col] if amount_col else [])
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValueError(f"transactions is missing column(s) {missing} (columns present: "
                         f"{list(df.columns)[:12]})")
    ids = df[id_col]
    if ids.isna().any():
        raise ValueError(f"column {id_col!r} has missing customer ids")
    out = {"cid": ids.reset_index(drop=True),
           # microseconds: what Ibis moves; a day or an hour never ends inside one
           "ts": _timestamps(df, ts_col).view("datetime64[ns]").astype("datetime64[us]")}
    if amount_col:
        amount = df[amount_col].to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(amount).any():
            raise ValueError(f"column {amount_col!r} has missing amounts")
        out["amount"] = amount
        is_ret = amount < 0
    else:
        is_ret = np.zeros(len(df), dtype=bool)
    if return_col and return_col in df.columns:
        is_ret = is_ret | df[return_col].fillna(False).to_numpy(dtype=bool)
    any_return = bool(is_ret.any())
    linked = (returns == "net" and bool(amount_col) and any_return and tid_col in df.columns
              and orig_col in df.columns)
    if linked:
        tid, orig = _plain(df[tid_col]), _plain(df[orig_col])
        if not (pd.api.types.is_numeric_dtype(tid) and pd.api.types.is_numeric_dtype(orig)):
            tid, orig = (v.astype(str).where(v.notna()) for v in (tid, orig))
        out["tid"], out["orig"] = tid, orig
    if first_row:
        out["row"] = np.arange(len(df), dtype=np.int64)
    out["is_ret"] = is_ret
    # returns="exclude": return rows stay (customers keep their order of first appearance);
    # periods() counts purchases only and nets nothing
    return pd.DataFrame(out, copy=False), linked, any_return


def _plain(s: pd.Series) -> pd.Series:
    """Order ids as one comparable type: whole floats (ids read with a missing value) as ints."""
    s = s.reset_index(drop=True)
    if pd.api.types.is_float_dtype(s) and (s.dropna() % 1 == 0).all():
        return s.astype("Int64")
    return s


def _canonical(src: Source, id_col, ts_col, amount_col, return_col, tid_col, orig_col, returns):
    """The canonical columns of a table on an engine (a file or an Ibis table)."""
    ibis = _ibis()
    t = src.table
    need = [id_col, ts_col] + ([amount_col] if amount_col else [])
    missing = [c for c in need if c not in t.columns]
    if missing:
        raise ValueError(f"transactions is missing column(s) {missing} (columns present: "
                         f"{list(t.columns)[:12]})")
    ts = timestamp_of(t[ts_col])
    cols = {"cid": t[id_col].cast("string"), "ts": ts}  # a file's ids are text on every engine
    is_ret = ibis.literal(False)
    if amount_col:
        cols["amount"] = t[amount_col].try_cast("float64")  # unreadable: counted, refused
        is_ret = cols["amount"] < 0
    if return_col and return_col in t.columns:
        is_ret = is_ret | t[return_col].try_cast("boolean").fill_null(False)
    cols["is_ret"] = is_ret
    if returns == "net" and amount_col and tid_col in t.columns and orig_col in t.columns:
        cols["tid"] = t[tid_col].cast("string")
        cols["orig"] = t[orig_col].cast("string")
    # returns="exclude" keeps the rows too (periods() counts purchases only): the default end
    # of observation is the last row of the log on every engine
    return t.select(**cols)


def summary_expr(log: Log, end_p: int, time_scaler: float, lo: int | None = None):
    """Per customer with a kept purchase in ``(lo, end_p]``: frequency, recency, T and, with
    amounts, monetary_value (the expression of :func:`rfm_summary`)."""
    ibis = _ibis()
    per = log.periods(lo, end_p)
    aggs = {"n": per.count(), "first": per.p.min(), "last": per.p.max()}
    if log.has_amount:
        aggs["total"] = per.net.sum()
        aggs["first_amount"] = per.net.argmin(per.p)
    s = per.group_by("cid").aggregate(**aggs)
    freq = s.n - 1
    cols = {"customer_id": s.cid, "frequency": freq,
            "recency": (s["last"] - s["first"]).cast("float64") / time_scaler,
            "T": (ibis.literal(end_p) - s["first"]).cast("float64") / time_scaler}
    if log.has_amount:
        cols["monetary_value"] = (freq > 0).ifelse(
            (s.total - s.first_amount) / freq.cast("float64"), 0.0)
    return s.select(**cols)


def _order(log: Log, expr, sort: bool):
    if sort:
        return expr.order_by("customer_id")
    t = log.table
    first = t.group_by("cid").aggregate(row=t.row.min())
    j = expr.left_join(first, expr.customer_id == first.cid)
    return j.order_by(j.row).drop("cid", "row")


def finish(log: Log, frame: pd.DataFrame) -> pd.DataFrame:
    """Column types as the kit has always returned them (ids in their own dtype)."""
    frame = frame.reset_index(drop=True)
    for col in ("frequency", "frequency_holdout"):
        if col in frame.columns:
            frame[col] = frame[col].astype(np.int64)
    for col in ("recency", "T", "monetary_value", "monetary_value_holdout", "duration_holdout"):
        if col in frame.columns:
            frame[col] = frame[col].astype(float)
    if log.id_dtype is not None and frame["customer_id"].dtype != log.id_dtype:
        try:
            frame["customer_id"] = frame["customer_id"].astype(log.id_dtype)
        except (TypeError, ValueError):
            pass
    return frame


_LOG_ARGS = ("engine", "customer_id_col", "datetime_col", "monetary_value_col", "time_unit",
             "returns", "return_col", "transaction_id_col", "original_id_col", "spark", "master",
             "memory_limit")


def _checked_log(transactions, time_scaler, args: dict, first_row: bool = False) -> Log:
    """The :class:`Log` of a public function's arguments (``args``: its ``locals()``)."""
    if time_scaler <= 0:
        raise ValueError(f"time_scaler must be positive, got {time_scaler}")
    return Log(transactions, first_row=first_row, **{k: args[k] for k in _LOG_ARGS})


def rfm_summary(transactions, customer_id_col="customer_id", datetime_col="timestamp",
                monetary_value_col="amount", observation_period_end=None, time_unit="D",
                time_scaler=1.0, returns="net", return_col="is_return",
                transaction_id_col="transaction_id", original_id_col="original_transaction_id",
                sort=True, engine=None, spark=None, master=None, memory_limit=None):
    """RFM summary of a log on any engine; see :func:`crm_training.clv.rfm_summary`.

    ``transactions`` is a DataFrame, a CSV/Parquet path (or a checked client folder) or an Ibis
    table; ``engine`` is "pandas" (default for a DataFrame), "duckdb" (default for files) or
    "spark".

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-03"]),
    ...     "amount": [10.0, 20.0, 7.0]})
    >>> rfm_summary(log, observation_period_end="2024-01-10")
      customer_id  frequency  recency    T  monetary_value
    0           a          1      4.0  9.0            20.0
    1           b          0      0.0  7.0             0.0
    """
    log = _checked_log(transactions, time_scaler, locals(), first_row=not sort)
    try:
        end_p = log.end_period(observation_period_end)
        expr = _order(log, summary_expr(log, end_p, time_scaler), sort)
        return finish(log, log.src.execute(expr))
    finally:
        log.close()


def rfm_train_test_split(transactions, train_period_end, test_period_end=None,
                         customer_id_col="customer_id", datetime_col="timestamp",
                         monetary_value_col="amount", time_unit="D", time_scaler=1.0,
                         returns="net", return_col="is_return",
                         transaction_id_col="transaction_id",
                         original_id_col="original_transaction_id", engine=None, spark=None,
                         master=None, memory_limit=None):
    """Calibration summary and holdout outcomes on any engine; see
    :func:`crm_training.clv.rfm_train_test_split`."""
    log = _checked_log(transactions, time_scaler, locals())
    try:
        train_p = log.end_period(train_period_end)
        test_p = log.end_period(test_period_end)
        if test_p <= train_p:
            raise ValueError(f"test_period_end ({test_period_end}) must be after "
                             f"train_period_end ({train_period_end})")
        return _split(log, train_p, test_p, time_scaler, train_period_end)
    finally:
        log.close()


def _split(log, train_p, test_p, time_scaler, train_period_end=None):
    """The split frame of an open log (see :func:`rfm_train_test_split`)."""
    ibis = _ibis()
    cal = summary_expr(log, train_p, time_scaler)
    hold = log.periods(train_p, test_p)
    hold = hold.group_by("cid").aggregate(nh=hold.count(), th=hold.net.sum())
    j = cal.left_join(hold, cal.customer_id == hold.cid)
    nh = j.nh.fill_null(0)
    cols = {c: j[c] for c in cal.columns}
    cols["frequency_holdout"] = nh
    if log.has_amount:
        cols["monetary_value_holdout"] = (nh > 0).ifelse(
            j.th.fill_null(0.0) / nh.cast("float64"), 0.0)
    cols["duration_holdout"] = ibis.literal((test_p - train_p) / time_scaler)
    out = log.src.execute(j.select(**cols).order_by("customer_id"))
    if len(out) == 0:
        raise ValueError(f"no purchase on or before train_period_end ({train_period_end})")
    return finish(log, out)


def tracking_counts(transactions, train_period_end, test_period_end, time_scaler=1.0):
    """What the holdout tracking curves need, on a DataFrame log with the kit's column names
    (daily periods): the split, the cohort's repeat purchases per day (calibration days after
    each customer's first, every holdout day) and its customers per first-purchase day.

    Returns ``(split, repeats, firsts, train_p, test_p)`` with ``repeats`` and ``firsts``
    DataFrames of ``p`` (day number) and ``n``.
    """
    amount = "amount" if "amount" in transactions.columns else None
    log = Log(transactions, monetary_value_col=amount)
    try:
        train_p, test_p = log.end_period(train_period_end), log.end_period(test_period_end)
        split = _split(log, train_p, test_p, time_scaler)
        cal = log.periods(None, train_p)
        first = cal.group_by("cid").aggregate(first=cal.p.min())
        c = cal.join(first, "cid")
        rep_cal = c.filter(c.p != c["first"]).select("p")
        hold = log.periods(train_p, test_p)
        rep_hold = hold.semi_join(first, "cid").select("p")
        reps = rep_cal.union(rep_hold, distinct=False)
        repeats = log.src.execute(reps.group_by("p").aggregate(n=reps.count()).order_by("p"))
        firsts = log.src.execute(first.group_by("first").aggregate(n=first.count())
                                 .rename(p="first").order_by("p"))
        return split, repeats, firsts, train_p, test_p
    finally:
        log.close()
