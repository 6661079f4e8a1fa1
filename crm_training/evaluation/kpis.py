"""The CRM KPI table for a period, and before/after or pilot/control comparisons of it.

Chapter 6 (implementation and evaluation: KPIs before and after, pilot versus control). One
function computes the ten KPIs of the course from a :class:`~crm_training.CRMData` for a period
(optionally for a subset of customers, e.g. a pilot region); another sets two periods side by
side with the change. Every KPI is a vectorised filter or groupby.

KPI definitions (period = ``start <= time < end``):

- ``csat``: share of survey CSAT answers 4-5; ``nps``: % promoters (9-10) - % detractors (0-6);
- ``clv_historic``: profit (amount - cost, returns netted) from the first data up to ``end``
  per customer signed up by ``end`` (historic value, not a forecast);
- ``retention``: share of the customers who ordered in the equally long window before ``start``
  who order again in the period; ``churn`` = 1 - retention;
- ``repurchase_rate``: share of the period's buyers with two or more orders in it;
- ``aov``: average order value (orders, not returns); ``conversion``: share of web sessions that
  reach the confirmation page; ``complaint_rate``: complaints / interactions;
- ``resolution_time_h``: median hours from creation to resolution of the period's tickets.

Examples
--------
>>> import crm_training
>>> data = crm_training.generate("retail", 800, seed=1)
>>> k = kpi_table(data, "2025-01-01", "2026-01-01")
>>> bool(0 <= k["csat"] <= 1 and -100 <= k["nps"] <= 100)
True
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..experience import csat, nps

KPIS = ("csat", "nps", "clv_historic", "retention", "repurchase_rate", "churn", "aov",
        "conversion", "complaint_rate", "resolution_time_h")
KPI_LABELS_ZH = {"csat": "客户满意度", "nps": "净推荐值", "clv_historic": "客户终身价值（历史）",
                 "retention": "客户留存率", "repurchase_rate": "复购率", "churn": "客户流失率",
                 "aov": "平均客单价", "conversion": "转化率", "complaint_rate": "投诉率",
                 "resolution_time_h": "问题解决时长（小时）"}
# For each KPI, is a higher value better? (used to colour changes)
HIGHER_IS_BETTER = {"csat": True, "nps": True, "clv_historic": True, "retention": True,
                    "repurchase_rate": True, "churn": False, "aov": True, "conversion": True,
                    "complaint_rate": False, "resolution_time_h": False}


def _csat_share(scores: pd.Series) -> float:
    s = scores.dropna()
    return csat(s) if len(s) else np.nan


def _nps_points(scores: pd.Series) -> float:
    s = scores.dropna()
    return nps(s) if len(s) else np.nan


def isin_ids(ids: pd.Series, values) -> np.ndarray:
    """``ids.isin(values)`` for string ids, in Arrow's C++ hash set.

    pandas' ``isin`` on Arrow-backed strings walks ``values`` in Python, which takes seconds
    for hundreds of thousands of customer ids; this takes a fraction of a second.
    """
    left = pa.array(ids.astype("str"))
    right = pa.array(pd.Series(values).astype("str")).cast(left.type)
    return np.asarray(pc.is_in(left, value_set=right).to_numpy(zero_copy_only=False), dtype=bool)


def _within(df: pd.DataFrame, column: str, start, end, ids) -> pd.DataFrame:
    t = df[column]
    mask = ((t >= start) & (t < end)).to_numpy()
    if ids is not None:
        mask = mask & isin_ids(df["customer_id"], ids)
    return df.loc[mask]


def kpi_table(data, start, end, customer_ids=None, engine=None, **engine_options) -> pd.Series:
    """The ten course KPIs for the period ``[start, end)`` (see the module docstring).

    Parameters
    ----------
    data : a :class:`~crm_training.CRMData`, or a checked client folder (its Parquet tables).
    start, end : period bounds (anything ``pd.Timestamp`` reads).
    customer_ids : restrict to these customers (e.g. a pilot region), or ``None`` for all.
    engine : "pandas" (in memory, the default for a CRMData), "duckdb" (the default for a
        folder) or "spark" (``spark=`` a SparkSession or ``master=``); the KPIs have one
        definition, :mod:`crm_training.engines.kpis`.

    Returns
    -------
    Series indexed by :data:`KPIS` (NaN where the data has nothing to measure).
    """
    from ..engines.kpis import kpi_periods

    start, end = pd.Timestamp(start), pd.Timestamp(end)
    t = kpi_periods(data, [(start, end)], customer_ids, engine, **engine_options)
    return t.iloc[:, 0].rename(f"{start.date()}..{end.date()}")


def kpi_comparison(data, before: tuple, after: tuple, customer_ids=None,
                   labels=("before", "after"), engine=None, **engine_options) -> pd.DataFrame:
    """Two periods side by side: value, absolute and relative change, and whether it improved.

    Parameters
    ----------
    before, after : ``(start, end)`` of each period.
    customer_ids : restrict both periods to these customers.
    engine : as in :func:`kpi_table`; both periods come from one pass over each table.

    Examples
    --------
    >>> import crm_training
    >>> data = crm_training.generate("retail", 600, seed=2)
    >>> t = kpi_comparison(data, ("2024-01-01", "2025-01-01"), ("2025-01-01", "2026-01-01"))
    >>> list(t.columns)
    ['label_zh', 'before', 'after', 'change', 'relative_change', 'improved']
    """
    if len(before) != 2 or len(after) != 2:
        raise ValueError("before and after must each be a (start, end) pair")
    from ..engines.kpis import kpi_periods

    t = kpi_periods(data, [before, after], customer_ids, engine, **engine_options)
    return _compare(t.iloc[:, 0], t.iloc[:, 1], labels)


def kpi_pilot_control(data, pilot_ids, control_ids, start, end) -> pd.DataFrame:
    """KPIs of a pilot group next to a control group over the same period."""
    a = kpi_table(data, start, end, customer_ids=control_ids)
    b = kpi_table(data, start, end, customer_ids=pilot_ids)
    return _compare(a, b, ("control", "pilot"))


def _compare(a: pd.Series, b: pd.Series, labels) -> pd.DataFrame:
    change = b - a
    better = pd.Series(HIGHER_IS_BETTER).reindex(a.index)
    improved = np.where(change.isna(), None, np.where(better, change > 0, change < 0))
    out = pd.DataFrame({"label_zh": pd.Series(KPI_LABELS_ZH).reindex(a.index),
                        labels[0]: a, labels[1]: b, "change": change,
                        "relative_change": change / a.abs().replace(0, np.nan),
                        "improved": improved})
    out.index.name = "kpi"
    return out
