"""Where a summary runs: the engines and how a source becomes an Ibis table on one of them.

* ``"pandas"`` - a DataFrame in memory. The expression runs in this process on the frame's
  Arrow view (Ibis executes in-memory tables with embedded DuckDB: no copy to disk, no server);
  the result is a pandas DataFrame.
* ``"duckdb"`` - a file (CSV, Parquet, a folder of Parquet parts, or a checked client folder):
  DuckDB scans it in parallel and spills to a temporary folder when the work does not fit in
  memory (``memory_limit``), so logs larger than memory can be summarised.
* ``"spark"`` - PySpark (``pip install crm-training[spark]`` and Java 17): a ``SparkSession``
  passed in (e.g. one on a cluster), or a new one on ``master`` (``"local[*]"`` by default,
  ``"spark://host:7077"``, ``"yarn"`` ...).

The temporary folder DuckDB spills to is made under the system's temp directory, never beside
the input, so a folder holding a client's export is never written into.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd



@contextlib.contextmanager
def _quiet():
    """ibis 12 reads a pandas option that pandas 3 deprecates (a warning per column, nothing to
    act on), ibis calls a DuckDB 2 method by its deprecated name and pyspark passes pandas 3 a
    deprecated keyword: silence only those around the calls that convert frames."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*future.infer_string.*")
        warnings.filterwarnings("ignore", message=r".*fetch_arrow_table\(\) is deprecated.*")
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")  # pyspark
        yield

__all__ = ["ENGINES", "Source", "open_source", "default_engine"]

ENGINES = ("pandas", "duckdb", "spark")
TABLE_FILES = (".parquet", ".pq", ".csv", ".tsv", ".txt", ".csv.gz")


def _ibis():
    try:
        import ibis
    except ImportError as exc:  # pragma: no cover - ibis is a dependency
        raise ImportError("the summaries need ibis-framework[duckdb]: pip install "
                          "'ibis-framework[duckdb]'") from exc
    return ibis


def default_engine(source) -> str:
    """``"pandas"`` for a DataFrame, ``"duckdb"`` for a file or folder."""
    return "pandas" if isinstance(source, pd.DataFrame) else "duckdb"


@dataclass
class Source:
    """A table on an engine: the Ibis table, its backend and what it was made from."""

    table: object
    backend: object
    engine: str
    owned: bool = True  # made here (closed here), not the caller's table
    _tmp: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def execute(self, expr) -> pd.DataFrame:
        """Run ``expr`` on this engine and return a pandas DataFrame."""
        with _quiet():
            return self.backend.execute(expr)

    def close(self) -> None:
        if not self.owned:
            return
        if self.engine in ("duckdb", "pandas"):
            try:
                self.backend.disconnect()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _file_of(source) -> Path:
    """The table file (or folder of Parquet parts) a path names; a checked client folder gives
    its transactions table."""
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_dir():
        for cand in (path / "tables" / "transactions.parquet", path / "transactions.parquet",
                     path / "tables" / "transactions.csv", path / "transactions.csv"):
            if cand.exists():
                return cand
        parts = sorted(path.glob("*.parquet"))
        if parts:
            return path
        raise ValueError(f"{path} holds no transactions table (transactions.parquet or .csv) "
                         "and no Parquet parts")
    return path


def _read(backend, path: Path, engine: str):
    with _quiet():
        return _read_file(backend, path, engine)


def _read_file(backend, path: Path, engine: str):
    name = path.name.lower()
    if path.is_dir() or name.endswith((".parquet", ".pq")):
        target = str(path / "*.parquet") if path.is_dir() else str(path)
        return backend.read_parquet(target)
    if name.endswith((".csv", ".tsv", ".txt", ".csv.gz")):
        if engine == "spark":
            sep = "\t" if name.endswith(".tsv") else ","
            # every column as text: ids keep their leading zeros ("00012"); the summaries cast
            # amounts, flags and timestamps themselves
            return backend.read_csv(str(path), header=True, inferSchema=False, sep=sep)
        # As text, like Spark above: the summaries read ids, amounts and dates themselves, so a
        # bad value is counted and named instead of failing the type guess mid-file. Parsed
        # once into a table (DuckDB spills it under memory_limit): the summaries scan it
        # several times, and DuckDB 2.0.1 would push their TRY_CASTs into the CSV reader,
        # which then fails on the first bad value.
        name = f"csv_{uuid.uuid4().hex[:12]}"
        backend.raw_sql(f"CREATE TEMP TABLE {name} AS SELECT * FROM read_csv("
                        f"'{_sql_text(path)}', all_varchar = true)")
        return backend.table(name)
    raise ValueError(f"{path.name}: summaries read Parquet or CSV files, not {path.suffix!r} "
                     "(check a client export first: crm-training validate EXPORT --out DIR)")


def _sql_text(path) -> str:
    return str(path).replace("'", "''")


def _duckdb(memory_limit: str | None, threads: int | None):
    ibis = _ibis()
    tmp = tempfile.TemporaryDirectory(prefix="crm-duckdb-")
    con = ibis.duckdb.connect()
    con.raw_sql(f"SET temp_directory = '{tmp.name}'")
    con.raw_sql("SET preserve_insertion_order = false")
    if memory_limit:
        con.raw_sql(f"SET memory_limit = '{_size(memory_limit)}'")
    if threads:
        con.raw_sql(f"SET threads = {int(threads)}")
    return con, tmp


def _size(text) -> str:
    """A memory size as DuckDB reads it ("4GB", "512MiB", "2g", "1.5 GB"), at least 64MB."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)(b?)\s*", str(text), re.IGNORECASE)
    if not m or not (m.group(2) or m.group(4)):
        raise ValueError(f"memory limit must look like 4GB or 512MiB, got {text!r}")
    unit = m.group(2).upper()
    factor = {"": 1, "K": 2 ** 10, "M": 2 ** 20, "G": 2 ** 30, "T": 2 ** 40}[unit]
    if float(m.group(1)) * factor < 64 * 2 ** 20:
        raise ValueError(f"memory limit {text!r} is below 64MB: DuckDB cannot work in that")
    return f"{m.group(1)}{unit}{'iB' if m.group(3) else 'B'}" if unit else f"{m.group(1)}B"


def spark_session(master: str | None = None, app_name: str = "crm-training"):
    """A SparkSession on ``master`` (default ``local[*]``) with the settings the summaries need:
    UTC session time (so a timestamp's day is the same as on the other engines), no web UI, and
    Arrow transfers to pandas."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ImportError("engine='spark' needs PySpark: pip install 'crm-training[spark]' "
                          "(and Java 17, e.g. apt-get install openjdk-17-jre-headless)") from exc
    builder = SparkSession.builder.appName(app_name).master(master or "local[*]")
    for key, value in {"spark.sql.session.timeZone": "UTC", "spark.ui.enabled": "false",
                       "spark.sql.execution.arrow.pyspark.enabled": "true",
                       "spark.ui.showConsoleProgress": "false",
                       # pandas writes Parquet timestamps in nanoseconds, which Spark refuses
                       # to read as timestamps; as int64 the summaries convert them
                       "spark.sql.legacy.parquet.nanosAsLong": "true",
                       "spark.sql.shuffle.partitions": str(max(4, 2 * (os.cpu_count() or 2))),
                       }.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def open_source(source, engine: str | None = None, *, spark=None, master: str | None = None,
                memory_limit: str | None = None, threads: int | None = None) -> Source:
    """``source`` (DataFrame, path or Ibis table) as a table on ``engine``.

    Examples
    --------
    >>> import pandas as pd
    >>> with open_source(pd.DataFrame({"x": [1, 2]})) as s:
    ...     int(s.execute(s.table.aggregate(n=s.table.x.sum()))["n"].iloc[0])
    3
    """
    ibis = _ibis()
    engine = engine or default_engine(source)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if not isinstance(source, (pd.DataFrame, str, os.PathLike, ibis.Table, Source)):
        raise TypeError("the log must be a pandas DataFrame, a CSV/Parquet path or an Ibis "
                        f"table, got {type(source).__name__}")
    if isinstance(source, Source):
        return source
    if isinstance(source, ibis.Table):
        backend = source._find_backend()
        return Source(source, backend, engine, owned=False)
    frame = source if isinstance(source, pd.DataFrame) else None
    if engine == "spark":
        session = spark if spark is not None else spark_session(master)
        backend = ibis.pyspark.connect(session)
        if frame is not None:
            table = spark_table(backend, session, frame)
        else:
            table = _read(backend, _file_of(source), engine)
        return Source(table, backend, engine)
    if spark is not None or master is not None:
        raise ValueError("spark= and master= go with engine='spark'")
    if engine == "pandas" and frame is None:
        raise ValueError("engine='pandas' works on a DataFrame in memory; for a file use "
                         "engine='duckdb' (the default for files)")
    con, tmp = _duckdb(memory_limit, threads)
    if frame is not None:
        with _quiet():
            table = ibis.memtable(frame)
    else:
        table = _read(con, _file_of(source), engine)
    return Source(table, con, engine, _tmp=tmp)


def timestamp_of(col):
    """A date-time column of a file as plain microsecond timestamps, whatever its stored type:
    dates, timestamps with or without a zone (local wall time kept), text, or the int64
    nanoseconds Spark reads pandas' Parquet timestamps as (``nanosAsLong``; whole seconds,
    finer than any period or day count here). DuckDB 2.0.1 drops every row of a filter on
    EXTRACT(month ...) of a Parquet nanosecond column; microseconds are safe."""
    import ibis

    kind = col.type()
    if kind.is_timestamp() or kind.is_date():
        return col.cast(ibis.dtype("timestamp(6)"))
    if kind.is_integer():
        return (col // 1_000_000_000).as_timestamp("s").cast(ibis.dtype("timestamp(6)"))
    return col.cast("string").try_cast(ibis.dtype("timestamp(6)"))


def spark_table(backend, session, frame: pd.DataFrame, name: str = "crm"):
    """``frame`` as a temporary view of ``session``, as an Ibis table of ``backend``."""
    view = f"{name}_{uuid.uuid4().hex[:12]}"
    session.createDataFrame(_spark_ready(frame)).createOrReplaceTempView(view)
    return backend.table(view)


def _spark_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Spark's Arrow transfer wants plain NumPy/object columns and naive timestamps."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            s = s.dt.tz_localize(None)
        if pd.api.types.is_datetime64_any_dtype(s):
            s = s.astype("datetime64[us]")
        elif isinstance(s.dtype, pd.BooleanDtype):
            s = s.astype(object).where(s.notna(), None)
        elif pd.api.types.is_string_dtype(s) or isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object).where(s.notna(), None)
        out[col] = s
    return pd.DataFrame(out)
