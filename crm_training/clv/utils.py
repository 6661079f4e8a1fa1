"""From a transaction log to CLV inputs: RFM summaries, a calibration/holdout split, historic
CLV, and the discounted CLV of a fitted model (chapter 2).

Conventions are those of lifetimes and pymc-marketing, so skills transfer:

* purchases are counted per period (``time_unit``, a day by default): several orders by one
  customer in the same period make one purchase, whose value is their sum;
* ``frequency`` is the number of repeat purchase periods (the first purchase is not counted),
  ``recency`` the time from the first to the last purchase, ``T`` the time from the first
  purchase to the end of observation, all in periods divided by ``time_scaler``;
* ``monetary_value`` is the mean value of the repeat purchases (0 when there is none).

Returns (refunds): a row is a return when its ``is_return`` column is True or its amount is
negative. With ``returns="net"`` (the default) a return never counts as a purchase; its (negative)
amount is netted into the period of the order it refunds, found through
``original_transaction_id`` -> ``transaction_id`` when the log has them (a refund of an order
outside the window, e.g. before the log or before a calibration cut, is left out of the window).
A return without that link goes to the customer's latest purchase period on or before it. A
purchase period refunded in full (net value 0 or less) no longer counts as a purchase: nothing was
kept, and a spend of 0 has no place in the Gamma-Gamma model (the kit's generator returns whole
orders; counted as zero-value purchases they pull its p from 4 to about 1.3). A customer with no
kept purchase is left out. ``returns="exclude"`` drops return rows altogether (gross values).
All of it is vectorised: one sort of a packed (customer, period) integer key instead of a
groupby over strings.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["rfm_summary", "rfm_train_test_split", "historic_clv", "customer_lifetime_value",
           "PERIODS_PER_MONTH"]

TIME_UNITS = ("D", "W", "M", "h")
# Periods of each time unit in one month, as lifetimes and pymc-marketing count them for CLV.
PERIODS_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0, "h": 720.0}
_NS_PER_DAY = 86_400_000_000_000


def _periods(ns: np.ndarray, time_unit: str) -> np.ndarray:
    """Index of the period (day, week starting Monday, month, hour) of int64 nanoseconds."""
    if time_unit == "D":
        return ns // _NS_PER_DAY
    if time_unit == "h":
        return ns // (_NS_PER_DAY // 24)
    if time_unit == "W":  # 1970-01-01 was a Thursday; weeks run Monday to Sunday
        return (ns // _NS_PER_DAY + 3) // 7
    if time_unit == "M":
        return ns.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    raise ValueError(f"time_unit must be one of {TIME_UNITS}, got {time_unit!r}")


def _timestamps(df: pd.DataFrame, col: str) -> np.ndarray:
    s = df[col]
    if not pd.api.types.is_datetime64_any_dtype(s):
        try:
            s = pd.to_datetime(s)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"column {col!r} cannot be read as dates: {exc}") from exc
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)  # local wall time: purchase days are the customer's days
    if s.isna().any():
        raise ValueError(f"column {col!r} has {int(s.isna().sum())} missing timestamp(s)")
    return s.to_numpy(dtype="datetime64[ns]").view(np.int64)


def _end_period(end, default_ns: int, time_unit: str) -> int:
    ns = default_ns if end is None else pd.Timestamp(end).as_unit("ns").value
    return int(_periods(np.array([ns], dtype=np.int64), time_unit)[0])


class _Log:
    """A transaction log reduced to integer arrays: customer code, period, amount, return flag."""

    def __init__(self, transactions, customer_id_col, datetime_col, monetary_value_col,
                 time_unit, returns, return_col, transaction_id_col=None, original_id_col=None):
        if not isinstance(transactions, pd.DataFrame):
            raise TypeError("transactions must be a pandas DataFrame, got "
                            f"{type(transactions).__name__}")
        need = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col
                                                  else [])
        missing = [c for c in need if c not in transactions.columns]
        if missing:
            raise ValueError(f"transactions is missing column(s) {missing} (columns present: "
                             f"{list(transactions.columns)[:12]})")
        if returns not in ("net", "exclude"):
            raise ValueError(f"returns must be 'net' or 'exclude', got {returns!r}")
        if time_unit not in TIME_UNITS:
            raise ValueError(f"time_unit must be one of {TIME_UNITS}, got {time_unit!r}")
        self.codes, self.ids = pd.factorize(transactions[customer_id_col])
        if len(self.codes) and self.codes.min() < 0:
            raise ValueError(f"column {customer_id_col!r} has missing customer ids")
        self.ns = _timestamps(transactions, datetime_col)
        self.period = _periods(self.ns, time_unit)
        self.time_unit = time_unit
        self.returns = returns
        if monetary_value_col:
            amount = transactions[monetary_value_col].to_numpy(dtype=float, na_value=np.nan)
            if np.isnan(amount).any():
                raise ValueError(f"column {monetary_value_col!r} has missing amounts")
            self.amount = amount
            is_ret = amount < 0
        else:
            self.amount = None
            is_ret = np.zeros(len(self.codes), dtype=bool)
        if return_col and return_col in transactions.columns:
            is_ret = is_ret | transactions[return_col].fillna(False).to_numpy(dtype=bool)
        self.is_return = is_ret
        # Returns linked to the order they refund: row of that order (-1 where unknown).
        self.orig_row = None
        cols = transactions.columns
        if (returns == "net" and self.amount is not None and is_ret.any()
                and transaction_id_col in cols and original_id_col in cols):
            ret_rows = np.flatnonzero(is_ret)
            buy_rows = np.flatnonzero(~is_ret)
            orders = pd.Index(transactions[transaction_id_col].iloc[buy_rows])
            if not orders.is_unique:  # duplicate order ids: link to the first such row
                first_of_id = ~orders.duplicated()
                orders, buy_rows = orders[first_of_id], buy_rows[first_of_id]
            pos = orders.get_indexer(transactions[original_id_col].iloc[ret_rows])
            self.orig_row = np.full(len(is_ret), -1, dtype=np.int64)
            self.orig_row[ret_rows[pos >= 0]] = buy_rows[pos[pos >= 0]]

    def window(self, lo: int | None, hi: int) -> dict:
        """Per-customer purchase periods and amounts for periods in (lo, hi]."""
        n_cust = len(self.ids)
        inside = self.period <= hi
        if lo is not None:
            inside &= self.period > lo
        buy = inside & ~self.is_return
        if buy.all():  # the common case: no returns, nothing outside the window - no copies
            pc, pp = self.codes, self.period
        else:
            pc, pp = self.codes[buy], self.period[buy]
        out = {"n": np.zeros(n_cust, dtype=np.int64), "first": np.zeros(n_cust, dtype=np.int64),
               "last": np.zeros(n_cust, dtype=np.int64), "total": np.zeros(n_cust),
               "first_amount": np.zeros(n_cust)}
        if len(pc) == 0:
            return out
        pmin = int(pp.min())
        span = int(pp.max()) - pmin + 1
        if float(n_cust) * span >= 2.0 ** 62:
            raise ValueError("too many customers x periods to pack into one key; use a coarser "
                             "time_unit")
        # Distinct (customer, period) pairs: sort one packed int64 key (much faster than a
        # groupby or a hash of 10 million pairs).
        rowkey = pc.astype(np.int64)  # a copy, so the in-place steps below are safe
        rowkey *= span
        rowkey += pp
        rowkey -= pmin
        nets = self.returns == "net" and self.amount is not None and \
            bool((inside & self.is_return).any())
        key = rowkey.copy() if nets else rowkey
        key.sort()
        new = np.empty(len(key), dtype=bool)
        new[0] = True
        np.not_equal(key[1:], key[:-1], out=new[1:])
        ukey = key[new]
        del key, new
        amt = None if self.amount is None else (
            self.amount if pc is self.codes else self.amount[buy])
        refunds = None
        if nets:
            rc, rkey, ramt = self._attribute_returns(inside, lo, hi, ukey, span, pmin)
            ukey, rc, rkey, ramt, cancel_c, cancel_gross = _cancel_refunded(
                ukey, rowkey, amt, rc, rkey, ramt, span)
            refunds = (rc, rkey % span + pmin, ramt, cancel_c, cancel_gross)
        del rowkey
        ucust = ukey // span
        change = np.flatnonzero(ucust[1:] != ucust[:-1])
        start = np.r_[0, change + 1]
        end = np.r_[change, len(ukey) - 1]
        out["n"] = np.bincount(ucust, minlength=n_cust)
        if len(ukey):
            out["first"][ucust[start]] = ukey[start] % span + pmin
            out["last"][ucust[end]] = ukey[end] % span + pmin
        if amt is None:
            return out
        out["total"] = np.bincount(pc, weights=amt, minlength=n_cust)
        in_first = pp == out["first"][pc]
        out["first_amount"] = np.bincount(pc[in_first], weights=amt[in_first], minlength=n_cust)
        if refunds is not None:
            rc, rp, ramt, cancel_c, cancel_gross = refunds
            out["total"] += np.bincount(rc, weights=ramt, minlength=n_cust)
            out["total"] -= np.bincount(cancel_c, weights=cancel_gross, minlength=n_cust)
            out["first_amount"] += np.bincount(rc, weights=ramt * (rp == out["first"][rc]),
                                               minlength=n_cust)
        return out

    def _attribute_returns(self, inside, lo, hi, ukey, span, pmin):
        """Customer, packed (customer, period) key and amount of the purchase each return in
        the window refunds (see the module docstring)."""
        ret = np.flatnonzero(inside & self.is_return)
        linked = np.zeros(len(ret), dtype=bool) if self.orig_row is None else \
            self.orig_row[ret] >= 0
        # Linked: the refunded order's customer and period, if that order is in the window
        # (a refund of an order from before the window does not touch this window).
        orig = self.orig_row[ret[linked]] if linked.any() else np.zeros(0, dtype=np.int64)
        op = self.period[orig]
        in_win = op <= hi if lo is None else (op <= hi) & (op > lo)
        codes = [self.codes[orig[in_win]]]
        keys = [codes[0].astype(np.int64) * span + (op[in_win] - pmin)]
        amounts = [self.amount[ret[linked]][in_win]]
        # Not linked: the customer's latest purchase period on or before the return.
        free = ret[~linked]
        rc, rp = self.codes[free], self.period[free]
        rkey = rc.astype(np.int64) * span + (np.clip(rp, pmin, pmin + span - 1) - pmin)
        idx = np.searchsorted(ukey, rkey, side="right") - 1
        ok = (rp >= pmin) & (idx >= 0)
        ok[ok] = ukey[idx[ok]] // span == rc[ok]
        codes.append(rc[ok])
        keys.append(ukey[idx[ok]])
        amounts.append(self.amount[free][ok])
        return tuple(np.concatenate(v) for v in (codes, keys, amounts))


def _cancel_refunded(ukey, rowkey, amt, rc, rkey, ramt, span):
    """Drop purchase periods that returns refund in full (net value <= 0): no purchase kept.

    Returns the remaining period keys, the returns on them, and per cancelled period its
    customer and gross value (to take back out of the customer's total)."""
    touched, tidx = np.unique(rkey, return_inverse=True)
    pos = pd.Index(touched).get_indexer(rowkey)
    hit = pos >= 0
    gross = np.bincount(pos[hit], weights=amt[hit], minlength=len(touched))
    net = gross + np.bincount(tidx, weights=ramt, minlength=len(touched))
    cancelled = net <= 1e-9 * np.abs(gross)
    if not cancelled.any():
        return ukey, rc, rkey, ramt, np.zeros(0, dtype=np.int64), np.zeros(0)
    gone = touched[cancelled]
    kept = np.ones(len(ukey), dtype=bool)
    kept[np.searchsorted(ukey, gone)] = False  # every touched key is one of ukey
    ukey = ukey[kept]
    keep = ~cancelled[tidx]
    return (ukey, rc[keep], rkey[keep], ramt[keep], gone // span, gross[cancelled])


def _summary(log: _Log, stats: dict, end_p: int, time_scaler: float) -> pd.DataFrame:
    keep = np.flatnonzero(stats["n"] > 0)
    freq = stats["n"][keep] - 1
    first = stats["first"][keep]
    out = pd.DataFrame({
        "customer_id": log.ids[keep],
        "frequency": freq,
        "recency": (stats["last"][keep] - first) / time_scaler,
        "T": (end_p - first) / time_scaler,
    })
    if log.amount is not None:
        repeat = stats["total"][keep] - stats["first_amount"][keep]
        out["monetary_value"] = np.divide(repeat, freq, out=np.zeros(len(keep)), where=freq > 0)
    return out


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    # Series.argsort uses pyarrow's sort for arrow-backed strings (2x faster than numpy objects).
    order = df["customer_id"].argsort(kind="stable").to_numpy()
    return df.iloc[order].reset_index(drop=True)


def _open_log(transactions, customer_id_col, datetime_col, monetary_value_col, time_unit, returns,
              return_col, transaction_id_col, original_id_col, time_scaler):
    """The checked log and its last timestamp (ns), shared by rfm_summary and the split."""
    log = _Log(transactions, customer_id_col, datetime_col, monetary_value_col, time_unit,
               returns, return_col, transaction_id_col, original_id_col)
    if time_scaler <= 0:
        raise ValueError(f"time_scaler must be positive, got {time_scaler}")
    return log, (int(log.ns.max()) if len(log.ns) else 0)


def rfm_summary(transactions: pd.DataFrame, customer_id_col: str = "customer_id",
                datetime_col: str = "timestamp", monetary_value_col: str | None = "amount",
                observation_period_end=None, time_unit: str = "D", time_scaler: float = 1.0,
                returns: str = "net", return_col: str | None = "is_return",
                transaction_id_col: str = "transaction_id",
                original_id_col: str = "original_transaction_id",
                sort: bool = True) -> pd.DataFrame:
    """Summarise a transaction log into one row per customer: frequency, recency, T, monetary.

    Parameters
    ----------
    transactions : one row per order line (returns as negative rows).
    customer_id_col, datetime_col, monetary_value_col : column names; ``monetary_value_col=None``
        leaves out monetary_value.
    observation_period_end : end of observation (date-like); default the last timestamp. Rows
        after it are ignored.
    time_unit : period in which purchases are merged and times counted: "D" (day), "W" (week,
        Monday to Sunday), "M" (month) or "h" (hour).
    time_scaler : recency and T are divided by it (e.g. time_unit="D", time_scaler=7 gives weeks
        counted from whole days, as in the CDNOW data).
    returns : "net" (returns netted into the purchase they follow, never counted as purchases)
        or "exclude" (return rows dropped); see the module docstring.
    return_col : boolean column marking returns (also any negative amount is a return).
    transaction_id_col, original_id_col : order id, and for a return the id of the order it
        refunds; when both columns exist, returns are netted into exactly that order's period.
    sort : sort the result by customer id (else customers come in order of first appearance).

    Returns
    -------
    DataFrame with customer_id, frequency (int), recency, T and monetary_value, one row per
    customer with at least one purchase in the window.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b", "a"],
    ...     "timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 17:00", "2024-01-05 00:00",
    ...                                  "2024-01-03 00:00", "2024-01-08 00:00"]),
    ...     "amount": [10.0, 5.0, 20.0, 7.0, 40.0]})
    >>> rfm_summary(log, observation_period_end="2024-01-10")
      customer_id  frequency  recency    T  monetary_value
    0           a          2      7.0  9.0            30.0
    1           b          0      0.0  7.0             0.0
    """
    log, default_end = _open_log(transactions, customer_id_col, datetime_col, monetary_value_col,
                                 time_unit, returns, return_col, transaction_id_col,
                                 original_id_col, time_scaler)
    end_p = _end_period(observation_period_end, default_end, time_unit)
    out = _summary(log, log.window(None, end_p), end_p, time_scaler)
    return _sorted(out) if sort else out


def rfm_train_test_split(transactions: pd.DataFrame, train_period_end, test_period_end=None,
                         customer_id_col: str = "customer_id", datetime_col: str = "timestamp",
                         monetary_value_col: str | None = "amount", time_unit: str = "D",
                         time_scaler: float = 1.0, returns: str = "net",
                         return_col: str | None = "is_return",
                         transaction_id_col: str = "transaction_id",
                         original_id_col: str = "original_transaction_id") -> pd.DataFrame:
    """Split a log at ``train_period_end`` into a calibration summary and holdout outcomes.

    Like lifetimes' ``calibration_and_holdout_data``, but the calibration columns keep the plain
    names (customer_id, frequency, recency, T, monetary_value), so a model can be fitted on the
    result directly. Customers who first bought after ``train_period_end`` are left out.

    Parameters
    ----------
    transactions : the transaction log.
    train_period_end : last date of the calibration period.
    test_period_end : last date of the holdout period (default: the last timestamp).
    Other parameters : as in :func:`rfm_summary`.

    Returns
    -------
    DataFrame with the calibration summary plus ``frequency_holdout`` (number of purchase periods
    in the holdout, all counted), ``monetary_value_holdout`` (their mean value, 0 when none) and
    ``duration_holdout`` (holdout length). Returns count in the window where they happen.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b", "a", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-04", "2024-01-02",
    ...                                  "2024-01-12", "2024-01-15"]),
    ...     "amount": [10.0, 20.0, 5.0, 30.0, 8.0]})
    >>> split = rfm_train_test_split(log, "2024-01-10", "2024-01-20")
    >>> split[["customer_id", "frequency", "T", "frequency_holdout", "duration_holdout"]]
      customer_id  frequency    T  frequency_holdout  duration_holdout
    0           a          1  9.0                  1              10.0
    1           b          0  8.0                  0              10.0
    """
    log, default_end = _open_log(transactions, customer_id_col, datetime_col, monetary_value_col,
                                 time_unit, returns, return_col, transaction_id_col,
                                 original_id_col, time_scaler)
    train_p = _end_period(train_period_end, default_end, time_unit)
    test_p = _end_period(test_period_end, default_end, time_unit)
    if test_p <= train_p:
        raise ValueError(f"test_period_end ({test_period_end}) must be after train_period_end "
                         f"({train_period_end})")
    cal = log.window(None, train_p)
    hold = log.window(train_p, test_p)
    keep = np.flatnonzero(cal["n"] > 0)
    if len(keep) == 0:
        raise ValueError(f"no purchase on or before train_period_end ({train_period_end})")
    out = _summary(log, cal, train_p, time_scaler)
    n_hold = hold["n"][keep]
    out["frequency_holdout"] = n_hold
    if log.amount is not None:
        out["monetary_value_holdout"] = np.divide(hold["total"][keep], n_hold,
                                                  out=np.zeros(len(keep)), where=n_hold > 0)
    out["duration_holdout"] = (test_p - train_p) / time_scaler
    return _sorted(out)


def historic_clv(transactions: pd.DataFrame, customer_id_col: str = "customer_id",
                 datetime_col: str = "timestamp", monetary_value_col: str = "amount",
                 cost_col: str | None = "cost", observation_period_end=None,
                 annual_rate: float = 0.0, return_col: str | None = "is_return") -> pd.DataFrame:
    """Historic CLV: what each customer has brought in so far, net of returns.

    Parameters
    ----------
    transactions : the transaction log (returns as negative rows).
    customer_id_col, datetime_col, monetary_value_col : column names.
    cost_col : cost column; profit is amount - cost. ``None`` (or a missing column) values
        revenue only and sets profit equal to revenue.
    observation_period_end : rows after it are ignored (default: the last timestamp).
    annual_rate : yearly rate to compound past profits to their value at the end of observation
        (money earned earlier is worth more today); 0 gives the plain sum.
    return_col : boolean column marking returns (also any negative amount is a return).

    Returns
    -------
    DataFrame with customer_id, orders, returns (counts), revenue, cost, profit (net of returns),
    first_purchase, last_purchase and historic_clv (compounded profit), sorted by customer id.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b", "a"],
    ...     "timestamp": pd.to_datetime(["2023-01-01", "2023-06-01", "2023-03-01", "2023-07-01"]),
    ...     "amount": [100.0, 50.0, 80.0, -50.0], "cost": [60.0, 30.0, 40.0, -30.0]})
    >>> historic_clv(log)[["customer_id", "orders", "returns", "revenue", "profit"]]
      customer_id  orders  returns  revenue  profit
    0           a       2        1    100.0    40.0
    1           b       1        0     80.0    40.0
    """
    need = [customer_id_col, datetime_col, monetary_value_col]
    missing = [c for c in need if c not in transactions.columns]
    if missing:
        raise ValueError(f"transactions is missing column(s) {missing}")
    codes, ids = pd.factorize(transactions[customer_id_col])
    if len(codes) and codes.min() < 0:
        raise ValueError(f"column {customer_id_col!r} has missing customer ids")
    ns = _timestamps(transactions, datetime_col)
    end = int(ns.max()) if observation_period_end is None else \
        pd.Timestamp(observation_period_end).as_unit("ns").value
    amount = transactions[monetary_value_col].to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(amount).any():
        raise ValueError(f"column {monetary_value_col!r} has missing amounts")
    if cost_col and cost_col in transactions.columns:
        cost = transactions[cost_col].to_numpy(dtype=float, na_value=0.0)
    else:
        cost = np.zeros(len(amount))
    is_ret = amount < 0
    if return_col and return_col in transactions.columns:
        is_ret |= transactions[return_col].fillna(False).to_numpy(dtype=bool)
    keep = ns <= end
    codes, ns, amount, cost, is_ret = codes[keep], ns[keep], amount[keep], cost[keep], is_ret[keep]
    n = len(ids)
    profit = amount - cost
    years = (end - ns) / (_NS_PER_DAY * 365.25)
    out = pd.DataFrame({
        "customer_id": ids,
        "orders": np.bincount(codes, weights=~is_ret, minlength=n).astype(np.int64),
        "returns": np.bincount(codes, weights=is_ret, minlength=n).astype(np.int64),
        "revenue": np.bincount(codes, weights=amount, minlength=n),
        "cost": np.bincount(codes, weights=cost, minlength=n),
        "profit": np.bincount(codes, weights=profit, minlength=n),
    })
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, codes, ns)
    np.maximum.at(last, codes, ns)
    seen = np.bincount(codes, minlength=n) > 0
    out["first_purchase"] = pd.to_datetime(np.where(seen, first, np.iinfo(np.int64).min))
    out["last_purchase"] = pd.to_datetime(np.where(seen, last, np.iinfo(np.int64).min))
    out["historic_clv"] = np.bincount(codes, weights=profit * (1 + annual_rate) ** years,
                                      minlength=n)
    return _sorted(out[seen].reset_index(drop=True))


def customer_lifetime_value(transaction_model, data: pd.DataFrame, future_t: int = 12,
                            discount_rate: float = 0.0, time_unit: str = "D",
                            spend="monetary_value", margin: float = 1.0) -> pd.Series:
    """Discounted CLV of each customer over the next ``future_t`` months.

    Sums, month by month, expected purchases in the month (from a fitted BG/NBD or Pareto/NBD
    model) x expected spend per purchase x margin, discounted by ``(1 + discount_rate) ** month``.

    Parameters
    ----------
    transaction_model : fitted :class:`BetaGeoModel` or :class:`ParetoNBDModel`.
    data : RFM frame the model understands (customer_id, frequency, recency, T).
    future_t : horizon in months.
    discount_rate : monthly discount rate (e.g. 0.01 for about 12.7% a year).
    time_unit : unit of recency and T in ``data`` ("D", "W", "M" or "h"); a month is 30 days,
        4.345 weeks or 720 hours, as in lifetimes and pymc-marketing.
    spend : expected spend per purchase: a column of ``data`` (default "monetary_value") or
        one value per customer, e.g. ``GammaGammaModel.expected_customer_spend(data)``.
    margin : profit share of spend (1.0 values revenue).

    Returns
    -------
    Series of CLV indexed by customer_id.

    Examples
    --------
    >>> import pandas as pd
    >>> from crm_training.clv import BetaGeoModel
    >>> m = BetaGeoModel()
    >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> df = pd.DataFrame({"customer_id": ["c1"], "frequency": [2], "recency": [30.43],
    ...                    "T": [38.86], "monetary_value": [20.0]})
    >>> round(float(customer_lifetime_value(m, df, future_t=9, time_unit="W").iloc[0]), 2)
    24.58
    """
    if time_unit not in PERIODS_PER_MONTH:
        raise ValueError(f"time_unit must be one of {tuple(PERIODS_PER_MONTH)}, got {time_unit!r}")
    if future_t < 1 or int(future_t) != future_t:
        raise ValueError(f"future_t must be a whole number of months >= 1, got {future_t}")
    if discount_rate <= -1:
        raise ValueError(f"discount_rate must be above -1, got {discount_rate}")
    if isinstance(spend, str):
        if spend not in data.columns:
            raise ValueError(f"data has no column {spend!r} for spend per purchase")
        spend = data[spend]
    spend = np.asarray(spend, dtype=float)
    if spend.shape != (len(data),):
        raise ValueError(f"spend must have one value per customer ({len(data)}), got shape "
                         f"{spend.shape}")
    factor = PERIODS_PER_MONTH[time_unit]
    value = np.zeros(len(data))
    previous = np.zeros(len(data))
    for month in range(1, int(future_t) + 1):  # a loop over months, vectorised over customers
        cumulative = transaction_model.expected_purchases(data, month * factor).to_numpy()
        value += (cumulative - previous) * spend * margin / (1 + discount_rate) ** month
        previous = cumulative
    return pd.Series(value, index=pd.Index(data["customer_id"].to_numpy(), name="customer_id"),
                     name="clv")


def clv_forecast(transactions: pd.DataFrame, months: int = 36, annual_discount: float = 0.10,
                 margin: float = 1.0):
    """BG/NBD x Gamma-Gamma CLV and P(alive) of every customer: the recipe the case-study
    report and the workshop share, so one client gets one CLV wherever it is shown.

    Gamma-Gamma is fitted on repeat buyers with a positive mean spend (its model has no room for
    zero or net-negative spend); a customer's spend enters at least at zero; ``margin`` is
    clipped to [0, 1]; the yearly discount is applied monthly.

    Returns
    -------
    (table, rfm, transaction_model, spend_model): ``table`` indexed by customer_id with ``clv``
    and ``p_alive``; ``rfm`` the summary the models were fitted on.

    Examples
    --------
    >>> import crm_training
    >>> tx = crm_training.generate("retail", 800, seed=1).transactions
    >>> table, rfm, bgnbd, gg = clv_forecast(tx, months=12, margin=0.3)
    >>> len(table) == len(rfm), bool(table["p_alive"].between(0, 1).all())
    (True, True)
    """
    from .beta_geo import BetaGeoModel
    from .gamma_gamma import GammaGammaModel

    rfm = rfm_summary(transactions)
    repeat = rfm[(rfm["frequency"] > 0) & (rfm["monetary_value"] > 0)]
    if len(repeat) < 10:
        raise ValueError(f"CLV needs repeat buyers to fit: only {len(repeat)} with a positive "
                         "mean spend")
    bgnbd = BetaGeoModel().fit(rfm)
    gg = GammaGammaModel().fit(repeat)
    spend = gg.expected_customer_spend(rfm.assign(monetary_value=rfm["monetary_value"].clip(lower=0)))
    value = customer_lifetime_value(
        bgnbd, rfm.assign(monetary_value=np.asarray(spend)), future_t=int(months),
        discount_rate=(1 + annual_discount) ** (1 / 12) - 1,
        margin=float(np.clip(margin, 0.0, 1.0)))
    index = pd.Index(rfm["customer_id"].astype(str).to_numpy(), name="customer_id")
    with np.errstate(invalid="ignore", over="ignore"):
        p_alive = np.asarray(bgnbd.expected_probability_alive(rfm))
    table = pd.DataFrame({"clv": np.asarray(value), "p_alive": p_alive}, index=index)
    if not np.isfinite(table.to_numpy()).all():
        # e.g. a and b running to infinity: the data show no dropout to estimate
        shown = ", ".join(f"{k} = {v:.3g}" for k, v in bgnbd.params_.items())
        raise ValueError(f"the BG/NBD fit is degenerate ({shown}): these data do not show "
                         "how customers drop out, so no lifetime value can be forecast")
    return table, rfm, bgnbd, gg


def holdout_check(transactions: pd.DataFrame, calibration_end=None, time_scaler: float = 7.0):
    """Fit BG/NBD on a calibration period and compare its forecast with the holdout period:
    the check a reader of a CLV figure should see (Fader, Hardie & Lee 2005, section 5).

    Time is counted in days and scaled by ``time_scaler`` (7: weeks, as the CDNOW papers
    report). The calibration ends halfway through the log unless ``calibration_end`` says
    otherwise; customers who first bought later are left out, as in the papers.

    Returns
    -------
    dict with ``start``, ``calibration_end``, ``holdout_end`` (timestamps),
    ``calibration_weeks`` (its length in time units), ``customers`` (in the
    calibration cohort), ``summary`` (the fitted parameters with standard errors, time unit
    ``time_scaler`` days), ``predicted`` and ``actual`` (repeat purchases of the cohort in the
    holdout), ``error`` (predicted / actual - 1), ``weeks`` (holdout length in time units) and
    ``per_customer_mae`` (mean absolute error of the per-customer forecast).

    Examples
    --------
    >>> import crm_training
    >>> tx = crm_training.generate("retail", 3000, seed=1).transactions
    >>> check = holdout_check(tx)
    >>> sorted(check["summary"].index), abs(check["error"]) < 0.2
    (['a', 'alpha', 'b', 'r'], True)
    """
    from .beta_geo import BetaGeoModel

    ts = pd.to_datetime(transactions["timestamp"])
    start, end = ts.min(), ts.max()
    if calibration_end is None:
        calibration_end = start + (end - start) / 2
    calibration_end = pd.Timestamp(calibration_end).normalize()
    if not start < calibration_end < end:
        raise ValueError(f"calibration_end {calibration_end:%Y-%m-%d} must fall inside the log "
                         f"({start:%Y-%m-%d} to {end:%Y-%m-%d})")
    split = rfm_train_test_split(transactions, calibration_end, end.normalize(), time_unit="D",
                                 time_scaler=time_scaler)
    model = BetaGeoModel().fit(split)
    with np.errstate(invalid="ignore", over="ignore"):
        predicted = np.asarray(model.expected_purchases(split, split["duration_holdout"]))
    actual = split["frequency_holdout"].to_numpy(float)
    if not np.isfinite(predicted).all():
        raise ValueError("the BG/NBD fit of the calibration period is degenerate")
    total_p, total_a = float(predicted.sum()), float(actual.sum())
    return {"start": start.normalize(), "calibration_end": calibration_end,
            "holdout_end": end.normalize(),
            "calibration_weeks": float((calibration_end - start.normalize()).days / time_scaler),
            "customers": int(len(split)), "summary": model.summary(), "model": model,
            "predicted": total_p, "actual": total_a,
            "error": total_p / total_a - 1 if total_a > 0 else np.nan,
            "weeks": float(split["duration_holdout"].iloc[0]) if len(split) else 0.0,
            "per_customer_mae": float(np.abs(predicted - actual).mean()),
            "time_scaler": float(time_scaler)}
