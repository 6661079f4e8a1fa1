"""Benchmark: ``load_client`` on a 10-million-row client export, against ``pandas.read_csv``.

Writes a transactions export the way a Chinese shop system produces it (GB18030, Chinese
headers, dates like 2024/1/5 13:05:07, amounts like "1,234.50", 是/否 return flags, 2% returns,
a few duplicate lines and unreadable dates so that validation and cleaning have work to do) to a
temporary folder, then measures in separate processes, one after the other:

1. ``crm_training.load_client(path)``: read (pyarrow, streamed, progress bar), map, parse,
   validate with pandera, clean, build the CRMData;
2. the baseline ``pandas.read_csv(path, encoding=...)`` of the same file: reading only,
   values left as text and numbers as pandas guesses them (no parsing of the dates, amounts or
   flags, no validation, no cleaning).

Each process reports its wall time and its own peak memory (max RSS, from the operating
system), so the two figures do not disturb each other. Target: (1) under 8 GiB of memory for
10 million rows.

Run: ``python benchmarks/bench_load_client.py [--rows 10000000] [--encoding utf-8] [--keep DIR]``
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _prefixed(prefix: str, numbers: np.ndarray):
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(numbers), pa.string()), "")


def write_export(path: Path, rows: int, seed: int = 0, chunk: int = 1_000_000,
                 encoding: str = "gb18030") -> None:
    """Write the export in chunks (vectorised; constant memory)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(seed)
    start = np.datetime64("2023-01-01T00:00:00")
    header = "订单编号,客户编号,下单时间,实付金额,渠道,是否退货\n"
    channels = np.array(["门店", "线上", "小程序", "电话", "微信"])
    with open(path, "wb") as f:
        f.write(header.encode(encoding))
        for lo in range(0, rows, chunk):
            n = min(chunk, rows - lo)
            ids = np.arange(lo, lo + n)
            ret = rng.random(n) < 0.02
            amount = np.round(rng.gamma(2.0, 60.0, n), 2) * np.where(ret, -1, 1)
            ts = start + rng.integers(0, 3 * 365 * 86400, n).astype("timedelta64[s]")
            table = pa.table({
                "a": _prefixed("T", ids),
                "b": _prefixed("C", rng.integers(0, rows // 8 + 1, n)),
                "c": pc.strftime(pa.array(ts), format="%Y/%m/%d %H:%M:%S"),
                "d": pc.cast(pa.array(amount), pa.string()),
                "e": pa.array(channels[rng.integers(0, len(channels), n)]),
                "f": pa.array(np.where(ret, "是", "否")),
            })
            if lo == 0:  # a few problems for validation and cleaning to handle
                table = pa.concat_tables([table, table.slice(0, 5)])
                c = table.column("c").to_pylist()
                c[10:15] = ["2024/13/45 00:00:00"] * 5
                table = table.set_column(2, "c", pa.array(c))
            buf = pa.BufferOutputStream()
            pcsv.write_csv(table, buf, pcsv.WriteOptions(include_header=False,
                                                         quoting_style="none"))
            data = buf.getvalue().to_pybytes()
            f.write(data if encoding == "utf-8" else data.decode("utf-8").encode(encoding))


def measure(kind: str, path: str, encoding: str) -> None:
    """Run in a child process: load the file, print seconds and rows."""
    t0 = time.perf_counter()
    if kind == "load_client":
        from crm_training import clients

        res = clients.load_client(path, progress=True)
        rows = len(res.data.transactions)
        extra = f"{len(res.report.issues)} issues, {res.cleaning.dropped()} rows dropped"
    else:
        import pandas as pd

        rows = len(pd.read_csv(path, encoding=encoding))
        extra = ""
    import resource

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"RESULT {time.perf_counter() - t0:.3f} {rows} {peak_mib:.0f} {extra}", flush=True)


def run_child(kind: str, path: Path, encoding: str) -> tuple[float, int, float, str]:
    out = subprocess.run([sys.executable, __file__, "--measure", kind, str(path), encoding],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    _, secs, rows, mib, *extra = line.split(" ", 4)
    return float(secs), int(rows), float(mib), " ".join(extra)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--keep", default=None, help="folder to keep the export in (default: temp)")
    ap.add_argument("--encoding", default="gb18030", choices=("gb18030", "utf-8"),
                    help="encoding of the export (default gb18030, as Chinese systems write)")
    ap.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench_load_client_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "订单导出.csv"
    t0 = time.perf_counter()
    write_export(path, args.rows, encoding=args.encoding)
    print(f"export: {args.rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB, written in "
          f"{time.perf_counter() - t0:.1f} s ({path})")
    results = {}
    for kind in ("read_csv", "load_client"):
        results[kind] = run_child(kind, path, args.encoding)
    print(f"\n{'':<34}{'seconds':>9}{'rows/s':>14}{'peak MiB':>11}")
    for kind, label in (("read_csv", "pandas.read_csv (text only)"),
                        ("load_client", "load_client (parse+validate+clean)")):
        secs, rows, mib, extra = results[kind]
        print(f"{label:<34}{secs:>9.1f}{rows / secs:>14,.0f}{mib:>11,.0f}  {extra}")
    (b, _, bm, _), (c, _, cm, _) = results["read_csv"], results["load_client"]
    print(f"\nload_client / read_csv: {c / b:.2f}x the time, {cm / bm:.2f}x the peak memory; "
          f"peak {cm / 1024:.2f} GiB (target < 8 GiB)")
    if not args.keep:
        path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
