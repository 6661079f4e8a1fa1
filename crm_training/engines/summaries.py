"""``crm-training summarise LOG --engine ... --out DIR``: the customer-level summaries of a
transaction log as Parquet files, on the engine that fits the log.

Writes into a new folder (the output may not overlap the input, nor sit inside the checked
client folder a table file belongs to):

* ``rfm_summary.parquet`` - frequency, recency, T, monetary_value per customer (the CLV
  models' input, lifetimes / pymc-marketing definition);
* ``customer_features.parquet`` - recency in days, orders, gross sales, returns, net value,
  profit, average order value, categories, tenure (what RFM scoring and clustering start from);
* ``concentration.parquet`` - the share of net revenue (and profit, with costs) of the top 1, 5,
  10, 20 and 50% of customers and the Gini coefficient;
* ``summary.json`` - what was summarised, how, with which engine, and the row counts.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd

from .backend import ENGINES

WHAT = ("rfm", "features", "concentration")


def summarise(log, out, engine: str = "duckdb", what=WHAT, time_unit: str = "D",
              observation_period_end=None, force: bool = False, spark=None,
              master: str | None = None, memory_limit: str | None = None,
              progress: bool = True, source=None) -> Path:
    """Write the summaries of ``log`` (a DataFrame, CSV/Parquet file, folder of Parquet parts
    or checked client folder) to the new folder ``out``; return its path. ``source``: the file
    a DataFrame ``log`` was read from (protected like ``log``, named in summary.json).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, 20.0, 5.0],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15"])})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = summarise(log, Path(d) / "s", engine="pandas", progress=False)
    ...     sorted(f.name for f in p.iterdir() if f.suffix == ".parquet")
    ['concentration.parquet', 'customer_features.parquet', 'rfm_summary.parquet']
    """
    from .. import __version__
    from ..clv.utils import rfm_summary
    from ..fileio import atomic_output_dir
    from ..report.text import build_date
    from ..segmentation.concentration import concentration_table
    from ..segmentation.features import customer_features

    unknown = set(what) - set(WHAT)
    if unknown or not what:
        raise ValueError(f"what must be some of {WHAT}, got {sorted(unknown) or 'nothing'}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    inputs = _protected(log, source)
    opts = {"engine": engine, "spark": spark, "master": master, "memory_limit": memory_limit}
    record = {"kit": f"crm-training {__version__}", "made": build_date().isoformat(),
              "source": "DataFrame" if source is None and isinstance(log, pd.DataFrame)
              else str(Path(source if source is not None else log).resolve()),
              "engine": engine, "what": list(what), "time_unit": time_unit,
              "observation_period_end": None if observation_period_end is None
              else str(pd.Timestamp(observation_period_end).date()),
              "memory_limit": memory_limit, "files": {}}
    say = _say(progress)
    with atomic_output_dir(out, force=force, inputs=inputs, kind="summary") as tmp:
        features = None
        if "rfm" in what:
            say("RFM summary (frequency, recency, T, monetary value)")
            t0 = time.perf_counter()
            rfm = rfm_summary(log, observation_period_end=observation_period_end,
                              time_unit=time_unit, **opts)
            if len(rfm) == 0:
                raise ValueError("no purchase on or before the end of observation "
                                 f"({record['observation_period_end'] or 'the last row'}): "
                                 "the RFM summary would be empty")
            rfm.to_parquet(tmp / "rfm_summary.parquet", index=False)
            record["files"]["rfm_summary.parquet"] = _count(rfm, t0)
            del rfm
        if "features" in what or "concentration" in what:
            say("customer features (recency days, orders, value, profit ...)")
            t0 = time.perf_counter()
            features = customer_features(log, **opts)
            if "features" in what:
                features.to_parquet(tmp / "customer_features.parquet")
                record["files"]["customer_features.parquet"] = _count(features, t0)
        if "concentration" in what:
            say("concentration (top-x% shares, Gini)")
            t0 = time.perf_counter()
            table = concentration_table(features)
            table.to_parquet(tmp / "concentration.parquet")
            record["files"]["concentration.parquet"] = _count(table, t0)
        (tmp / "summary.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    if progress:
        print(f"  written to {out}", file=sys.stderr, flush=True)
    return Path(out)


def _protected(log, source) -> list:
    """What the output may not overlap: the input, and the checked client folder around a
    table file in its tables/ (so no summary lands inside a client's data)."""
    out = []
    for item in (log, source):
        if item is None or isinstance(item, pd.DataFrame):
            continue
        path = Path(item)
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
        out.append(path)
        if path.is_file() and path.parent.name == "tables":
            out.append(path.parent.parent)
    return out


def _count(frame, t0) -> dict:
    return {"rows": int(len(frame)), "seconds": round(time.perf_counter() - t0, 2)}


def _say(progress: bool):
    def say(text):
        if progress:
            print(f"  {text} ...", file=sys.stderr, flush=True)
    return say


def add_arguments(p) -> None:
    p.add_argument("log", help="transactions: CSV or Parquet file, folder of Parquet parts, or "
                   "the folder `crm-training validate --out` wrote")
    p.add_argument("--out", required=True, help="new folder for the Parquet summaries")
    p.add_argument("--engine", choices=ENGINES, default="duckdb",
                   help="duckdb (default: files larger than memory), pandas (read the log into "
                   "memory) or spark (PySpark; see --master)")
    p.add_argument("--master", default=None, help="with --engine spark: the Spark master, e.g. "
                   "local[4], spark://host:7077 or yarn (default local[*])")
    p.add_argument("--memory-limit", default=None, metavar="SIZE",
                   help="with --engine duckdb: memory cap such as 4GB; beyond it DuckDB spills "
                   "to a temporary folder (default: 80%% of the machine's memory)")
    p.add_argument("--what", default=",".join(WHAT),
                   help=f"comma-separated summaries to write (default {','.join(WHAT)})")
    p.add_argument("--time-unit", choices=("D", "W", "M", "h"), default="D",
                   help="period of the RFM summary (default D, a day)")
    p.add_argument("--end", default=None, help="end of observation for the RFM summary "
                   "(default: the last timestamp)")
    p.add_argument("--force", action="store_true", help="replace an --out folder that "
                   "crm-training wrote before (never any other)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args) -> int:
    from ..fileio import OutputError
    from .backend import _size

    def fail(text, code=2):
        print(f"crm-training summarise: {text} (nothing was written)", file=sys.stderr)
        return code

    what = tuple(w.strip() for w in args.what.split(",") if w.strip())
    if args.master and args.engine != "spark":
        return fail("--master goes with --engine spark")
    if args.memory_limit is not None:
        if args.engine != "duckdb":
            return fail("--memory-limit caps DuckDB: it goes with --engine duckdb")
        try:
            _size(args.memory_limit)
        except ValueError as e:
            return fail(f"--memory-limit: {e}")
    if args.end is not None:
        try:
            pd.Timestamp(args.end)
        except (ValueError, TypeError):
            return fail(f"--end: {args.end!r} is not a date (use YYYY-MM-DD)")
    try:
        log, source = args.log, None
        if args.engine == "pandas":
            log, source = _read_into_memory(args.log), args.log
        summarise(log, args.out, engine=args.engine, what=what, time_unit=args.time_unit,
                  observation_period_end=args.end, force=args.force, master=args.master,
                  memory_limit=args.memory_limit, progress=not args.quiet, source=source)
    except OutputError as e:
        return fail(str(e))
    except (ValueError, TypeError, FileNotFoundError, ImportError) as e:
        return fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    except Exception as e:  # noqa: BLE001 - an engine's own error, in one line
        text = str(e).splitlines()[0] if str(e) else ""
        if type(e).__module__.startswith(("duckdb", "_duckdb")) and "interrupt" not in \
                text.lower():  # the file itself: DuckDB names the line
            return fail(f"{args.log} cannot be read: {text}")
        if "interrupt" in text.lower():  # Ctrl-C inside DuckDB or Spark
            print("interrupted: nothing was written", file=sys.stderr)
            return 130
        return fail(f"the {args.engine} engine failed: {type(e).__name__}: {text}", 1)
    print(f"Summaries of {args.log} written to {args.out} ({args.engine})")
    return 0


def _read_into_memory(path) -> pd.DataFrame:
    """The log as a DataFrame for --engine pandas, read as the DuckDB engine reads it (same
    CSV dialect detection), ids as text."""
    import duckdb

    from .backend import _file_of

    f = _file_of(path)
    name = f.name.lower()
    con = duckdb.connect()
    try:
        if f.is_dir():
            rel = con.read_parquet(str(f / "*.parquet"))
        elif name.endswith((".parquet", ".pq")):
            rel = con.read_parquet(str(f))
        elif name.endswith((".csv", ".tsv", ".txt", ".csv.gz")):
            rel = con.read_csv(str(f))
        else:
            raise ValueError(f"{f.name}: summaries read Parquet or CSV files, not {f.suffix!r}")
        df = rel.df()
    except duckdb.Error as e:
        raise ValueError(f"{f.name} cannot be read: {str(e).splitlines()[0]}") from e
    finally:
        con.close()
    for col in ("customer_id", "transaction_id", "original_transaction_id"):
        if col in df.columns:
            df[col] = df[col].astype("str").where(df[col].notna())
    if "timestamp" in df.columns and not pd.api.types.is_datetime64_any_dtype(df["timestamp"]):
        df["timestamp"] = pd.to_datetime(df["timestamp"], errors="coerce")  # unreadable: NaT
    return df
