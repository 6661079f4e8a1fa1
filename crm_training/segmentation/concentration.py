"""Customer concentration: Pareto tables, Lorenz curves, the Gini coefficient (chapter 1).

The course opens with the 80/20 rule ("in 2025, 20% of customers brought 80% of profit"); these
functions measure it on the trainee's or the client's data, for revenue and for profit.

Definitions used throughout:

* customers are ranked by value, largest first, for the Pareto table and the top-x% shares;
* the top x% of ``n`` customers are the ``ceil(x * n)`` most valuable (at least one);
* the Lorenz curve orders customers from the smallest value up and runs from (0, 0) to (1, 1);
* the Gini coefficient is the mean absolute difference over twice the mean,
  ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mean(x))`` (no ``n / (n - 1)`` correction), so equal
  values give 0 and one customer holding everything among ``n`` gives ``1 - 1/n``. It equals one
  minus twice the area under the (piecewise linear) Lorenz curve.

Lorenz and Gini need non-negative values: a customer whose returns exceed purchases has a negative
net value; pass ``negative="clip"`` to count such customers as zero.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .features import customer_features

VALUE_MEASURES = ("revenue", "profit")


def customer_value(data, measure: str = "revenue", as_of=None,
                   include_non_buyers: bool = True, engine=None, **engine_options) -> pd.Series:
    """Net revenue (``amount``) or profit (``amount - cost``) per customer.

    Customers of the customers table without purchases count with value 0 (they are part of the
    customer base the 80/20 rule speaks of); set ``include_non_buyers=False`` to drop them.
    ``data`` may also be a transactions file; ``engine`` and its options (``spark``,
    ``master``, ``memory_limit``) are those of :func:`customer_features`. The concentration
    figures (:func:`top_share`, :func:`gini`, :func:`pareto_table`) take this one value per
    customer, whatever engine made it.

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> v = customer_value(example_data(), "profit")
    >>> v.name, len(v)
    ('profit', 60)
    """
    if measure not in VALUE_MEASURES:
        raise ValueError(f"measure must be one of {VALUE_MEASURES}, not {measure!r}")
    f = customer_features(data, as_of=as_of, include_non_buyers=include_non_buyers,
                          engine=engine, **engine_options)
    col = "monetary" if measure == "revenue" else "profit"
    if measure == "profit" and f["profit"].isna().all() and len(f):
        raise ValueError("transactions has no usable 'cost' column: profit cannot be computed")
    return f[col].fillna(0.0).rename(measure)


def _as_values(values, negative: str = "error", name: str = "values") -> np.ndarray:
    x = np.asarray(pd.Series(values).dropna(), dtype=float)
    if x.size == 0:
        raise ValueError(f"{name} is empty")
    if negative not in ("error", "clip"):
        raise ValueError(f"negative must be 'error' or 'clip', not {negative!r}")
    if (x < 0).any():
        if negative == "error":
            raise ValueError(f"{name} has {int((x < 0).sum())} negative value(s); Lorenz and Gini "
                             "need values >= 0 (pass negative='clip' to count them as 0)")
        x = np.clip(x, 0, None)
    return x


def gini(values, negative: str = "error") -> float:
    """Gini coefficient of customer values: 0 = all equal, towards 1 = one customer has it all.

    Computed as ``sum_i (2 i - n - 1) x_(i) / (n * sum(x))`` over the values sorted ascending,
    which equals the mean-absolute-difference definition in the module docstring.

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> gini([0, 0, 0, 1])
    0.75
    >>> round(gini([1, 2, 3, 4]), 4)
    0.25
    """
    x = np.sort(_as_values(values, negative))
    n = x.size
    total = x.sum()
    if total == 0:
        return 0.0  # nobody has anything: perfectly equal
    i = np.arange(1, n + 1)
    return float(np.sum((2 * i - n - 1) * x) / (n * total))


def lorenz_curve(values, negative: str = "error") -> pd.DataFrame:
    """Points of the Lorenz curve: cumulative share of customers vs cumulative share of value.

    Customers are sorted from the smallest value up; the first point is (0, 0), the last (1, 1).

    Examples
    --------
    >>> lorenz_curve([3, 1, 0, 4])
       customer_share  value_share
    0            0.00        0.000
    1            0.25        0.000
    2            0.50        0.125
    3            0.75        0.500
    4            1.00        1.000
    """
    x = np.sort(_as_values(values, negative))
    n = x.size
    total = x.sum()
    cum = np.concatenate([[0.0], np.cumsum(x)])
    share = cum / total if total > 0 else np.linspace(0, 1, n + 1)
    return pd.DataFrame({"customer_share": np.arange(n + 1) / n, "value_share": share})


def _top_count(n: int, top: float) -> int:
    if not 0 < top <= 1:
        raise ValueError(f"top must be a share in (0, 1], not {top!r}")
    return max(1, int(np.ceil(top * n - 1e-9)))


def top_share(values, top: float = 0.2) -> float:
    """Share of the total value brought by the top ``top`` share of customers.

    With negative values (loss-making customers) the share can exceed 1: the best customers then
    earn more than the whole base.

    Examples
    --------
    >>> top_share([50, 30, 10, 5, 5], top=0.2)
    0.5
    >>> top_share([50, 30, 10, 5, 5], top=0.4)
    0.8
    """
    x = np.sort(np.asarray(pd.Series(values).dropna(), dtype=float))[::-1]
    if x.size == 0:
        raise ValueError("values is empty")
    k = _top_count(x.size, top)
    total = x.sum()
    return float(x[:k].sum() / total) if total != 0 else float("nan")


def pareto_table(values, n_groups: int = 10) -> pd.DataFrame:
    """Customers ranked by value in ``n_groups`` equal-count groups (deciles by default).

    Group 1 holds the most valuable customers. Columns: ``customers``, ``value``, ``value_share``,
    ``customer_share_cum`` and ``value_share_cum`` (cumulative from the top), ``mean_value``.
    Group sizes differ by at most one customer when ``n`` is not a multiple of ``n_groups``.

    Examples
    --------
    >>> t = pareto_table([100, 50, 20, 10, 10, 5, 3, 1, 1, 0], n_groups=5)
    >>> t[["customers", "value", "value_share_cum"]]
           customers  value  value_share_cum
    group
    1              2  150.0            0.750
    2              2   30.0            0.900
    3              2   15.0            0.975
    4              2    4.0            0.995
    5              2    1.0            1.000
    """
    if not isinstance(n_groups, (int, np.integer)) or n_groups < 1:
        raise ValueError(f"n_groups must be a positive integer, not {n_groups!r}")
    x = np.sort(np.asarray(pd.Series(values).dropna(), dtype=float))[::-1]
    n = x.size
    if n == 0:
        raise ValueError("values is empty")
    group = np.floor(np.arange(n) * n_groups / n).astype(int) + 1
    df = pd.DataFrame({"group": group, "value": x})
    t = df.groupby("group").agg(customers=("value", "size"), value=("value", "sum"),
                                mean_value=("value", "mean"))
    total = x.sum()
    t["value_share"] = t["value"] / total if total else np.nan
    t["customer_share_cum"] = t["customers"].cumsum() / n
    t["value_share_cum"] = t["value"].cumsum() / total if total else np.nan
    return t[["customers", "customer_share_cum", "value", "mean_value", "value_share",
              "value_share_cum"]]


def concentration_summary(data, tops=(0.01, 0.05, 0.1, 0.2, 0.5), as_of=None, engine=None,
                          **engine_options) -> pd.DataFrame:
    """Share of revenue and of profit from the top x% of customers, with the Gini of each.

    Profit is ``amount - cost``; without a cost column only revenue is reported. Gini values clip
    negative customer values to 0 (see the module docstring). Customers without a purchase count
    with value 0. ``data`` may be a transactions file; ``engine`` as in :func:`customer_value`.

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> s = concentration_summary(example_data(), tops=(0.2,))
    >>> list(s.columns)
    ['revenue', 'profit']
    >>> list(s.index)
    ['top 20%', 'gini']
    """
    f = customer_features(data, as_of=as_of, include_non_buyers=True, engine=engine,
                          **engine_options)
    return concentration_table(f, tops)


def concentration_table(features: pd.DataFrame, tops=(0.01, 0.05, 0.1, 0.2, 0.5)) -> pd.DataFrame:
    """:func:`concentration_summary` of customer features already computed (one row per
    customer with ``monetary`` and ``profit``, e.g. from :func:`customer_features`, on any
    engine)."""
    measures = {"revenue": features["monetary"].fillna(0.0)}
    if "profit" in features.columns and features["profit"].notna().any():
        measures["profit"] = features["profit"].fillna(0.0)
    rows = {}
    for top in tops:
        rows[f"top {top:.0%}" if top * 100 == round(top * 100) else f"top {top:.1%}"] = {
            m: top_share(v, top) for m, v in measures.items()}
    rows["gini"] = {m: gini(v, negative="clip") for m, v in measures.items()}
    return pd.DataFrame(rows).T[list(measures)]
