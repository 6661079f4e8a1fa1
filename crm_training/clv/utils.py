"""From a transaction log to CLV inputs: RFM summaries, a calibration/holdout split, historic
CLV, and the discounted CLV of a fitted model (chapter 2); the holdout check of BG/NBD and
MBG/NBD that chooses the model of the shared CLV forecast (:func:`clv_forecast`).

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
The summaries are one Ibis expression (:mod:`crm_training.engines.rfm`) that runs in memory,
on files with DuckDB or on Spark (``engine=``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .base import unique_rows

__all__ = ["rfm_summary", "rfm_train_test_split", "historic_clv", "customer_lifetime_value",
           "clv_forecast", "CLVForecast", "churn_probability", "holdout_check", "compare_holdout",
           "history_months", "horizon_check", "transaction_model", "TRANSACTION_MODELS",
           "PERIODS_PER_MONTH"]

# Periods of each time unit in one month, as lifetimes and pymc-marketing count them for CLV.
PERIODS_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0, "h": 720.0}
_NS_PER_DAY = 86_400_000_000_000


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


def rfm_summary(transactions: pd.DataFrame, customer_id_col: str = "customer_id",
                datetime_col: str = "timestamp", monetary_value_col: str | None = "amount",
                observation_period_end=None, time_unit: str = "D", time_scaler: float = 1.0,
                returns: str = "net", return_col: str | None = "is_return",
                transaction_id_col: str = "transaction_id",
                original_id_col: str = "original_transaction_id",
                sort: bool = True, engine: str | None = None, spark=None,
                master: str | None = None, memory_limit: str | None = None) -> pd.DataFrame:
    """Summarise a transaction log into one row per customer: frequency, recency, T, monetary.

    One definition (an Ibis expression, :mod:`crm_training.engines.rfm`) runs on every engine.

    Parameters
    ----------
    transactions : one row per order line (returns as negative rows): a DataFrame, a CSV or
        Parquet file (or a folder of Parquet parts, or a checked client folder) or an Ibis table.
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
    sort : sort the result by customer id (else customers come in order of first appearance;
        DataFrames only).
    engine : "pandas" (a DataFrame in memory; the default for one), "duckdb" (files larger than
        memory; the default for a path) or "spark" (PySpark; ``spark=`` a SparkSession, e.g. on a
        cluster, or ``master=`` for a new one). See :mod:`crm_training.engines`.
    memory_limit : DuckDB's memory cap (e.g. "4GB"); beyond it, work spills to a temporary folder.

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
    from ..engines import rfm

    return rfm.rfm_summary(transactions, customer_id_col, datetime_col, monetary_value_col,
                           observation_period_end, time_unit, time_scaler, returns, return_col,
                           transaction_id_col, original_id_col, sort, engine=engine,
                           spark=spark, master=master, memory_limit=memory_limit)


def rfm_train_test_split(transactions: pd.DataFrame, train_period_end, test_period_end=None,
                         customer_id_col: str = "customer_id", datetime_col: str = "timestamp",
                         monetary_value_col: str | None = "amount", time_unit: str = "D",
                         time_scaler: float = 1.0, returns: str = "net",
                         return_col: str | None = "is_return",
                         transaction_id_col: str = "transaction_id",
                         original_id_col: str = "original_transaction_id",
                         engine: str | None = None, spark=None, master: str | None = None,
                         memory_limit: str | None = None) -> pd.DataFrame:
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
    from ..engines import rfm

    return rfm.rfm_train_test_split(
        transactions, train_period_end, test_period_end, customer_id_col, datetime_col,
        monetary_value_col, time_unit, time_scaler, returns, return_col, transaction_id_col,
        original_id_col, engine=engine, spark=spark, master=master, memory_limit=memory_limit)


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
    out = out[seen]
    order = out["customer_id"].argsort(kind="stable").to_numpy()
    return out.iloc[order].reset_index(drop=True)


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


#: the repeat-purchase models the CLV forecast chooses between: key -> name shown in reports
TRANSACTION_MODELS = {"bg_nbd": "BG/NBD", "mbg_nbd": "MBG/NBD"}
#: how :func:`compare_holdout` ranks the models: the smaller per-customer mean absolute error of
#: the holdout repeat purchases ("mae", the default: P(alive), churn and CLV are figures per
#: customer, and a total lets one customer's error cancel another's), or the smaller absolute
#: error of the cohort's total ("total")
CRITERIA = ("mae", "total")
_MONTH_DAYS = 365.25 / 12
_TRACKING_POINTS = 200        # at most this many points on the tracking curve
_FORECAST_EVALUATIONS = 1_000_000  # unique customer rows x holdout points evaluated exactly


def _model_class(key: str):
    from .beta_geo import BetaGeoModel
    from .mbg_nbd import ModifiedBetaGeoModel

    classes = {"bg_nbd": BetaGeoModel, "mbg_nbd": ModifiedBetaGeoModel}
    if key not in classes:
        raise ValueError(f"model must be one of {tuple(classes)}, not {key!r}")
    return classes[key]


def transaction_model(key: str):
    """A new, unfitted repeat-purchase model by key ("bg_nbd" or "mbg_nbd").

    >>> type(transaction_model("mbg_nbd")).__name__
    'ModifiedBetaGeoModel'
    """
    return _model_class(key)()


@dataclass
class CLVForecast:
    """Result of :func:`clv_forecast`. Unpacks as ``table, rfm, model, spend_model``.

    Attributes
    ----------
    table : per customer (index customer_id) ``clv`` and ``p_alive``.
    rfm : the RFM summary (days) the models were fitted on.
    model : the fitted repeat-purchase model (BG/NBD or MBG/NBD), ``spend_model`` Gamma-Gamma.
    selection : which model and why: ``model`` (key), ``name`` ("BG/NBD" / "MBG/NBD"),
        ``basis`` ("holdout": the smaller holdout error, ``criterion`` saying which;
        "likelihood": no holdout check could be made, the larger log-likelihood on all the
        data; "given": asked for), ``scores`` (holdout error of each model), ``checks`` (each
        model's :func:`holdout_check`), ``check`` (the chosen model's, or None), ``failed``.
    horizon : ``horizon_months``, ``history_months`` (first to last purchase in the log) and
        ``warning``: True when the horizon is more than twice the history.
    """

    table: pd.DataFrame
    rfm: pd.DataFrame
    model: object
    spend_model: object
    selection: dict = field(default_factory=dict)
    horizon: dict = field(default_factory=dict)

    def __iter__(self):
        return iter((self.table, self.rfm, self.model, self.spend_model))

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return tuple(self)[i]


def history_months(transactions: pd.DataFrame, datetime_col: str = "timestamp") -> float:
    """Months from the first to the last timestamp of a log (a month is 365.25 / 12 days).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"timestamp": pd.to_datetime(["1997-01-01", "1998-06-30"])})
    >>> round(history_months(log), 1)
    17.9
    """
    ts = pd.to_datetime(transactions[datetime_col])
    return float((ts.max() - ts.min()) / pd.Timedelta(days=1) / _MONTH_DAYS)


def horizon_check(horizon_months: float, history: float) -> dict:
    """The forecast horizon against the observed history: ``warning`` when the horizon is more
    than twice the history (the models then extrapolate beyond what the data show).

    Examples
    --------
    >>> horizon_check(36, 17.9)
    {'horizon_months': 36, 'history_months': 17.9, 'warning': True}
    >>> horizon_check(12, 17.9)["warning"]
    False
    """
    return {"horizon_months": int(horizon_months), "history_months": round(float(history), 1),
            "warning": bool(horizon_months > 2 * history)}


def clv_forecast(transactions: pd.DataFrame, months: int = 36, annual_discount: float = 0.10,
                 margin: float = 1.0, model: str = "auto",
                 criterion: str = "mae") -> CLVForecast:
    """CLV and P(alive) of every customer from a repeat-purchase model x Gamma-Gamma: the
    recipe the case-study report and the workshop share, so one client gets one CLV and one
    P(alive) (and so one churn probability, 1 - P(alive)) wherever it is shown.

    ``model="auto"`` fits BG/NBD and MBG/NBD on the first half of the log and keeps the one
    whose forecast of the second half is closer (:func:`compare_holdout`, ``criterion``);
    when no holdout check can be made, the one with the larger log-likelihood on all the data
    (both have four parameters). ``"bg_nbd"`` or ``"mbg_nbd"`` use that model. The chosen
    model is then fitted on the whole log (time in days).

    Gamma-Gamma is fitted on repeat buyers with a positive mean spend (its model has no room for
    zero or net-negative spend); a customer's spend enters at least at zero; ``margin`` is
    clipped to [0, 1]; the yearly discount is applied monthly.

    Returns
    -------
    :class:`CLVForecast` (unpacks as ``table, rfm, transaction_model, spend_model``):
    ``table`` indexed by customer_id with ``clv`` and ``p_alive``; ``selection`` says which
    model and why; ``horizon`` warns when ``months`` exceeds twice the log's history.

    Examples
    --------
    >>> import crm_training
    >>> tx = crm_training.generate("retail", 800, seed=1).transactions
    >>> table, rfm, model, gg = clv_forecast(tx, months=12, margin=0.3)
    >>> len(table) == len(rfm), bool(table["p_alive"].between(0, 1).all())
    (True, True)
    >>> fc = clv_forecast(tx, months=12, margin=0.3)
    >>> fc.selection["name"] in ("BG/NBD", "MBG/NBD"), fc.selection["basis"]
    (True, 'holdout')
    """
    from .gamma_gamma import GammaGammaModel

    if model != "auto":
        _model_class(model)
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {CRITERIA}, not {criterion!r}")
    rfm = rfm_summary(transactions)
    repeat = rfm[(rfm["frequency"] > 0) & (rfm["monetary_value"] > 0)]
    if len(repeat) < 10:
        raise ValueError(f"CLV needs repeat buyers to fit: only {len(repeat)} with a positive "
                         "mean spend")
    if model == "auto":
        selection = compare_holdout(transactions, criterion=criterion)
        order = [selection["model"]] if selection["model"] else list(TRANSACTION_MODELS)
    else:
        selection = {"model": model, "basis": "given", "criterion": None, "scores": {},
                     "checks": {}, "failed": {}}
        order = [model]
    gg = GammaGammaModel().fit(repeat)
    spend = np.asarray(gg.expected_customer_spend(rfm.assign(
        monetary_value=rfm["monetary_value"].clip(lower=0))))
    fits, problems = {}, {}
    for key in order + [k for k in TRANSACTION_MODELS if k not in order and model == "auto"]:
        fitted = _model_class(key)().fit(rfm)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            p_alive = np.asarray(fitted.expected_probability_alive(rfm))
            value = np.asarray(customer_lifetime_value(
                fitted, rfm.assign(monetary_value=spend), future_t=int(months),
                discount_rate=(1 + annual_discount) ** (1 / 12) - 1,
                margin=float(np.clip(margin, 0.0, 1.0))))
        if np.isfinite(p_alive).all() and np.isfinite(value).all():
            fits[key] = (fitted, p_alive, value)
        else:  # e.g. a and b running to infinity: the data show no dropout to estimate
            shown = ", ".join(f"{k} = {v:.3g}" for k, v in fitted.params_.items())
            problems[key] = f"the {TRANSACTION_MODELS[key]} fit is degenerate ({shown})"
        if selection["model"] is not None and key in fits:
            break
    if not fits:
        raise ValueError(f"{'; '.join(problems.values())}: these data do not show how "
                         "customers drop out, so no lifetime value can be forecast")
    if selection["model"] is None:  # no holdout check: the better fit of the whole log
        selection.update(basis="likelihood", model=max(fits, key=lambda k: fits[k][0].loglik_),
                         loglik={k: f[0].loglik_ for k, f in fits.items()})
    elif selection["model"] not in fits:  # the holdout's choice cannot fit the whole log
        selection["failed"][selection["model"]] = problems[selection["model"]]
        selection.update(basis="fallback", model=next(iter(fits)))
    key = selection["model"]
    selection["name"] = TRANSACTION_MODELS[key]
    selection["check"] = selection["checks"].get(key)
    transaction_model, p_alive, value = fits[key]
    index = pd.Index(rfm["customer_id"].astype(str).to_numpy(), name="customer_id")
    table = pd.DataFrame({"clv": value, "p_alive": p_alive}, index=index)
    return CLVForecast(table, rfm, transaction_model, gg, selection,
                       horizon_check(months, history_months(transactions)))


def churn_probability(table: pd.DataFrame) -> pd.Series:
    """The kit's one churn figure: 1 - P(alive) of the CLV forecast (:func:`clv_forecast`),
    the probability that a customer has already dropped out. The report's "probably lost"
    share is the share with P(alive) below a threshold (0.5) of the same column.

    Examples
    --------
    >>> import pandas as pd
    >>> churn_probability(pd.DataFrame({"p_alive": [0.25, 1.0]}, index=["a", "b"])).tolist()
    [0.75, 0.0]
    """
    return (1.0 - table["p_alive"]).rename("churn_probability")


@dataclass
class _Holdout:
    """A calibration / holdout split of a log, with what the tracking curves need."""

    split: pd.DataFrame
    start: pd.Timestamp
    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp
    time_scaler: float
    cum_actual: np.ndarray       # cohort's repeat purchases up to each day since the start
    first_days: np.ndarray       # distinct first-purchase days of the cohort (since the start)
    first_counts: np.ndarray     # customers per first-purchase day
    cal_day: int                 # calibration end, in days since the start
    grid: np.ndarray             # days since the start at which the curves are drawn


def _holdout_data(transactions, calibration_end, time_scaler) -> _Holdout:
    ts = pd.to_datetime(transactions["timestamp"])
    start, end = ts.min(), ts.max()
    if calibration_end is None:
        calibration_end = start + (end - start) / 2
    calibration_end = pd.Timestamp(calibration_end).normalize()
    if not start < calibration_end < end:
        raise ValueError(f"calibration_end {calibration_end:%Y-%m-%d} must fall inside the log "
                         f"({start:%Y-%m-%d} to {end:%Y-%m-%d})")
    from ..engines.rfm import period_number, tracking_counts

    split, repeats, firsts, train_p, test_p = tracking_counts(
        transactions, calibration_end, end.normalize(), time_scaler)
    start_p = period_number(start, "D")
    n_days = int(test_p - start_p)
    per_day = np.bincount(repeats["p"].to_numpy(np.int64) - start_p,
                          weights=repeats["n"].to_numpy(float), minlength=n_days + 1)
    per_day = per_day.astype(np.int64)
    first_days = firsts["p"].to_numpy(np.int64) - start_p
    first_counts = firsts["n"].to_numpy(np.int64)
    step = max(1, int(np.ceil(n_days / time_scaler / _TRACKING_POINTS)))
    step_days = max(1, int(round(step * time_scaler)))
    cal_day = int(train_p - start_p)
    grid = np.unique(np.r_[np.arange(0, n_days + 1, step_days), cal_day, n_days])
    return _Holdout(split, start.normalize(), calibration_end, end.normalize(),
                    float(time_scaler), np.cumsum(per_day), first_days, first_counts, cal_day,
                    grid)


def _tracking(h: _Holdout, model) -> pd.DataFrame:
    """Cumulative repeat purchases of the cohort since the start of the log: actual, the
    model's expectation from each customer's first purchase day alone (Fader, Hardie & Lee
    2005, figure 3; lifetimes' ``expected_cumulative_transactions``), and, over the holdout,
    the forecast from each customer's calibration history added to the calibration's count."""
    grid, s = h.grid, h.time_scaler
    age = np.clip(grid[:, None] - h.first_days[None, :], 0, None) / s
    expected = np.asarray(model.expected_purchases_new_customer(age)) @ h.first_counts
    forecast = np.full(len(grid), np.nan)
    after = grid >= h.cal_day
    ahead = (grid[after] - h.cal_day) / s
    # Forecast at (up to) enough holdout points to draw the curve, on unique customer rows.
    (ux, ut, uT), (ix, it, iT), weight = unique_rows(
        h.split["frequency"].to_numpy(float), h.split["recency"].to_numpy(float),
        h.split["T"].to_numpy(float))
    n_eval = int(np.clip(_FORECAST_EVALUATIONS // max(len(weight), 1), 2, len(ahead)))
    at = np.unique(np.r_[np.linspace(0, len(ahead) - 1, n_eval).round().astype(int),
                         len(ahead) - 1])
    k = len(weight)
    rows = pd.DataFrame({"customer_id": np.arange(k * len(at)),
                         "frequency": np.tile(ux[ix], len(at)), "recency": np.tile(ut[it], len(at)),
                         "T": np.tile(uT[iT], len(at))})
    with np.errstate(invalid="ignore", over="ignore"):
        values = model.expected_purchases(rows, np.repeat(ahead[at], k)).to_numpy()
    increment = values.reshape(len(at), k) @ weight
    forecast[after] = h.cum_actual[h.cal_day] + np.interp(ahead, ahead[at], increment)
    index = pd.Index(grid / s, name="time")
    return pd.DataFrame({"actual": h.cum_actual[grid].astype(float), "model": expected,
                         "forecast": forecast}, index=index)


def _holdout_fit(h: _Holdout, model: str) -> dict:
    name = TRANSACTION_MODELS[model]
    split = h.split
    fitted = _model_class(model)().fit(split)
    with np.errstate(invalid="ignore", over="ignore"):
        predicted = np.asarray(fitted.expected_purchases(split, split["duration_holdout"]))
    actual = split["frequency_holdout"].to_numpy(float)
    if not np.isfinite(predicted).all():
        raise ValueError(f"the {name} fit of the calibration period is degenerate")
    total_p, total_a = float(predicted.sum()), float(actual.sum())
    error = total_p / total_a - 1 if total_a > 0 else np.nan
    return {"start": h.start, "calibration_end": h.calibration_end,
            "holdout_end": h.holdout_end,
            "calibration_weeks": float((h.calibration_end - h.start).days / h.time_scaler),
            "customers": int(len(split)), "summary": fitted.summary(), "model": fitted,
            "model_key": model, "model_name": name,
            "predicted": total_p, "actual": total_a, "error": error,
            "abs_error": abs(error),
            "weeks": float(split["duration_holdout"].iloc[0]) if len(split) else 0.0,
            "per_customer_mae": float(np.abs(predicted - actual).mean()),
            "calibration_actual": float(h.cum_actual[h.cal_day]),
            "tracking": _tracking(h, fitted),
            "time_scaler": h.time_scaler}


def holdout_check(transactions: pd.DataFrame, calibration_end=None, time_scaler: float = 7.0,
                  model: str = "bg_nbd") -> dict:
    """Fit a repeat-purchase model on a calibration period and compare its forecast with the
    holdout period: the check a reader of a CLV figure should see (Fader, Hardie & Lee 2005,
    section 5).

    Time is counted in days and scaled by ``time_scaler`` (7: weeks, as the CDNOW papers
    report). The calibration ends halfway through the log unless ``calibration_end`` says
    otherwise; customers who first bought later are left out, as in the papers. ``model`` is
    "bg_nbd" (BG/NBD) or "mbg_nbd" (MBG/NBD); :func:`compare_holdout` checks both.

    Returns
    -------
    dict with ``start``, ``calibration_end``, ``holdout_end`` (timestamps),
    ``calibration_weeks`` (its length in time units), ``customers`` (in the
    calibration cohort), ``model`` (the fitted model), ``model_key``, ``model_name``,
    ``summary`` (the fitted parameters with standard errors, time unit ``time_scaler`` days),
    ``predicted`` and ``actual`` (repeat purchases of the cohort in the holdout), ``error``
    (predicted / actual - 1) and ``abs_error``, ``weeks`` (holdout length in time units),
    ``per_customer_mae`` (mean absolute error of the per-customer forecast),
    ``calibration_actual`` (the cohort's repeat purchases in the calibration) and ``tracking``:
    cumulative repeat purchases by time since the start of the log (index ``time``, in time
    units): ``actual``, ``model`` (expected from each customer's first purchase day alone,
    over both periods) and ``forecast`` (over the holdout: the calibration's actual count plus
    the forecast from each customer's history, ending at ``calibration_actual + predicted``),
    the data of :func:`crm_training.clv.plotting.plot_holdout`.

    Examples
    --------
    >>> import crm_training
    >>> tx = crm_training.generate("retail", 3000, seed=1).transactions
    >>> check = holdout_check(tx)
    >>> sorted(check["summary"].index), abs(check["error"]) < 0.2
    (['a', 'alpha', 'b', 'r'], True)
    >>> end = check["tracking"].iloc[-1]
    >>> bool(abs(end["forecast"] - check["calibration_actual"] - check["predicted"]) < 1e-6)
    True
    """
    _model_class(model)
    return _holdout_fit(_holdout_data(transactions, calibration_end, time_scaler), model)


def compare_holdout(transactions: pd.DataFrame, calibration_end=None, time_scaler: float = 7.0,
                    models=tuple(TRANSACTION_MODELS), criterion: str = "mae") -> dict:
    """:func:`holdout_check` of each model on the same split, and the one that forecast the
    holdout best: by ``criterion`` "mae" (the default) the smaller per-customer mean absolute
    error of the holdout repeat purchases (``per_customer_mae``: P(alive), churn and CLV are
    read per customer, and it rewards the model that tells who will buy again from who will
    not), by "total" the smaller absolute error of the cohort's total (``abs_error``, where
    one customer's error can cancel another's). A model whose fit fails is left out
    (``failed``); when none can be checked, ``model`` is None.

    Returns
    -------
    dict with ``model`` (key of the chosen model, or None), ``basis`` ("holdout"),
    ``criterion``, ``scores`` (each model's score, smaller is better), ``checks`` (key ->
    holdout_check result) and ``failed`` (key -> reason).

    Examples
    --------
    >>> import crm_training
    >>> tx = crm_training.generate("retail", 3000, seed=1).transactions
    >>> c = compare_holdout(tx)
    >>> sorted(c["checks"]), c["model"] == min(c["scores"], key=c["scores"].get)
    (['bg_nbd', 'mbg_nbd'], True)
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {CRITERIA}, not {criterion!r}")
    for key in models:
        _model_class(key)
    out = {"model": None, "basis": "holdout", "criterion": criterion, "scores": {},
           "checks": {}, "failed": {}}
    try:
        h = _holdout_data(transactions, calibration_end, time_scaler)
    except (ValueError, KeyError) as e:
        out["failed"] = {k: str(e) for k in models}
        return out
    for key in models:
        try:
            check = _holdout_fit(h, key)
        except (ValueError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError) as e:
            out["failed"][key] = str(e)
            continue
        score = check["abs_error"] if criterion == "total" else check["per_customer_mae"]
        if not np.isfinite(score):  # nothing bought in the holdout: the per-customer error
            score = check["per_customer_mae"]
        out["checks"][key], out["scores"][key] = check, float(score)
    if out["scores"]:
        out["model"] = min(out["scores"], key=out["scores"].get)  # ties: the first listed
    return out
