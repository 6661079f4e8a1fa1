"""Customer-level summaries with one definition and several engines (pandas in memory, DuckDB
on files larger than memory, Spark on a cluster).

Each summary is one Ibis expression (:mod:`crm_training.engines.rfm` and its neighbours); the
engine only decides where it runs (:mod:`crm_training.engines.backend`). The analyses above take
the summary, whichever engine made it.
"""
from .backend import ENGINES, Source, open_source, spark_session
from .features import customer_features
from .kpis import kpi_periods
from .rfm import rfm_summary, rfm_train_test_split
from .summaries import summarise

__all__ = ["ENGINES", "Source", "open_source", "spark_session", "rfm_summary",
           "rfm_train_test_split", "customer_features", "kpi_periods", "summarise"]
