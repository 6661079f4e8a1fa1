"""Per-customer purchase features shared by the segmentation modules (chapter 2).

Every segmentation starts from the same few facts per customer: when they first and last bought,
how often, how much (net of returns) and with what profit. :func:`customer_features` computes them
in one vectorised pass over the transactions, for synthetic and client data alike. The CLV models
of :mod:`crm_training.clv` use their own ``rfm_summary`` (repeat purchases, age at last purchase);
here *recency* is the plain "days since the last purchase" that RFM scoring uses.

Inputs are a :class:`~crm_training.CRMData`, a dict of tables, or a transactions DataFrame.
"""
from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..schema import require_columns  # noqa: F401 (re-exported for the chapter modules)

DAY = pd.Timedelta(days=1)

FEATURE_LABELS_ZH = {
    "recency_days": "最近购买距今天数", "frequency": "购买次数", "monetary": "净消费金额",
    "profit": "利润", "avg_order_value": "平均订单金额", "n_categories": "购买品类数",
    "tenure_days": "客户在网天数", "first_purchase": "首次购买日期", "last_purchase": "最近购买日期",
    "gross_sales": "销售额", "returns": "退货金额",
}


def tables(data, **extra) -> SimpleNamespace:
    """The tables of ``data`` as attributes (``None`` where absent).

    ``data`` may be a CRMData, a dict of DataFrames or a transactions DataFrame; keyword
    arguments add or replace tables.
    """
    names = ("customers", "transactions", "interactions", "tickets", "surveys", "loyalty_events",
             "web_events", "experiments")
    if isinstance(data, pd.DataFrame):
        found = {"transactions": data}
    elif isinstance(data, dict):
        found = dict(data)
    elif hasattr(data, "transactions"):
        found = {n: getattr(data, n, None) for n in names}
        found["truth"] = getattr(data, "truth", None)
    elif data is None:
        found = {}
    else:
        raise TypeError("data must be a CRMData, a dict of tables or a transactions DataFrame, "
                        f"not {type(data).__name__}")
    found.update({k: v for k, v in extra.items() if v is not None})
    out = {n: found.get(n) for n in names}
    out["truth"] = found.get("truth")
    return SimpleNamespace(**out)


def data_years(transactions: pd.DataFrame) -> float:
    """Years the transactions span (first to last, at least a month): what the report and the
    workshop divide summed values by to state them per year.

    Examples
    --------
    >>> import pandas as pd
    >>> round(data_years(pd.DataFrame({"timestamp": pd.to_datetime(["2024-01-01",
    ...                                                          "2025-07-02"])})), 2)
    1.5
    """
    ts = transactions["timestamp"]
    return max((ts.max() - ts.min()).days / 365.25, 1 / 12)


def resolve_as_of(transactions: pd.DataFrame, as_of=None) -> pd.Timestamp:
    """The analysis date: ``as_of`` if given, else the day after the last transaction.

    Taking the day after the last order makes the most recent buyer's recency 1 day, not 0,
    whatever the time of day of their purchase.
    """
    if as_of is not None:
        return pd.Timestamp(as_of)
    if len(transactions) == 0:
        raise ValueError("transactions is empty: pass as_of or data with at least one purchase")
    return pd.Timestamp(transactions["timestamp"].max()).normalize() + DAY


def customer_features(data, as_of=None, include_non_buyers: bool = False, engine=None,
                      spark=None, master=None, memory_limit=None) -> pd.DataFrame:
    """Recency, frequency, monetary value, profit and related facts per customer.

    Parameters
    ----------
    data : CRMData, dict of tables or transactions DataFrame (columns ``customer_id``,
        ``timestamp``, ``amount``; optional ``cost``, ``is_return``, ``category``); or a
        transactions file (CSV, Parquet, a checked client folder) or an Ibis table.
    as_of : analysis date; transactions at or after it are ignored (so features can be computed
        at a past cut-off). Default: the day after the last transaction.
    include_non_buyers : also list customers of the customers table without a purchase before
        ``as_of`` (frequency 0, monetary 0, recency NaN).
    engine : where the aggregation runs: "pandas" (in memory, the default for tables),
        "duckdb" (files larger than memory, the default for a path) or "spark" (``spark=`` a
        SparkSession or ``master=``); one definition, :mod:`crm_training.engines.features`.

    Returns
    -------
    DataFrame indexed by ``customer_id`` with ``first_purchase``, ``last_purchase``,
    ``recency_days`` (days from the last purchase to ``as_of``), ``frequency`` (orders, returns
    excluded), ``gross_sales``, ``returns`` (negative), ``monetary`` (net amount), ``profit`` (net
    amount minus net cost; NaN without a cost column), ``avg_order_value`` (gross sales per
    order), ``n_categories`` (distinct categories bought) and ``tenure_days`` (days since the
    first purchase).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "timestamp": pd.to_datetime(["2025-01-01", "2025-01-31", "2025-01-21"]),
    ...                    "amount": [10.0, 30.0, 5.0]})
    >>> f = customer_features(tx, as_of="2025-02-01")
    >>> f[["recency_days", "frequency", "monetary"]]
                 recency_days  frequency  monetary
    customer_id
    a                     1.0          2      40.0
    b                    11.0          1       5.0
    """
    from ..engines.features import customer_features as run

    if isinstance(data, (str, os.PathLike)) or type(data).__module__.startswith("ibis"):
        return run(data, as_of, None, engine, spark, master, memory_limit)
    t = tables(data)
    tx = t.transactions
    require_columns(tx, ["customer_id", "timestamp", "amount"], "transactions")
    customers = t.customers if include_non_buyers else None
    return run(tx, as_of, customers, engine, spark, master, memory_limit)


def percentile_scores(values, q: int = 5, ties: str = "average", higher_is_better: bool = True,
                      name: str = "values") -> pd.Series:
    """Scores 1..q from the rank of each value (quantile binning), with stated tie handling.

    Parameters
    ----------
    values : Series of numbers (NaN gets a missing score).
    q : number of scores (5 gives quintiles).
    ties : ``"average"`` (default) - equal values share a score: a value's score comes from its
        mid-rank percentile, ``floor(q * (average_rank - 0.5) / n) + 1``; bins are equal-sized when
        values are distinct, and all-equal values (or a single customer) get the middle score.
        ``"first"`` - equal-sized bins whatever the ties (``rank(method="first")`` in index order,
        then equal-count bins, the ``pd.qcut(x.rank(method="first"), q)`` recipe): equal values
        may get neighbouring scores.
    higher_is_better : if False (e.g. recency in days) the smallest value gets score q.

    Examples
    --------
    >>> import pandas as pd
    >>> percentile_scores(pd.Series([10, 20, 30, 40, 50])).tolist()
    [1, 2, 3, 4, 5]
    >>> percentile_scores(pd.Series([1, 1, 1, 1])).tolist()
    [3, 3, 3, 3]
    >>> percentile_scores(pd.Series([1, 1, 1, 1]), ties="first").tolist()
    [1, 2, 3, 4]
    """
    if ties not in ("average", "first"):
        raise ValueError(f"ties must be 'average' or 'first', not {ties!r}")
    if not isinstance(q, (int, np.integer)) or q < 2:
        raise ValueError(f"q must be an integer >= 2, not {q!r}")
    s = pd.Series(values, dtype=float)
    if not higher_is_better:
        s = -s
    n = s.notna().sum()
    if n == 0:
        return pd.Series(pd.array([pd.NA] * len(s), dtype="Int64"), index=s.index, name=name)
    rank = s.rank(method=ties, na_option="keep")
    if ties == "average":
        score = np.floor(q * (rank - 0.5) / n) + 1
    else:
        score = np.floor(q * (rank - 1) / n) + 1
    return score.clip(1, q).astype("Int64").rename(name)
