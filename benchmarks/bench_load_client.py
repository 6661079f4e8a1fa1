"""Benchmark: ``load_client`` on a 5-million-row client export, against DuckDB (and polars).

Writes a transactions export the way a Chinese shop system produces it (GB18030, Chinese
headers, dates like 2024/1/5 13:05:07, amounts like "1,234.50", 是/否 return flags, 2% returns,
a few duplicate lines and unreadable dates so that validation and cleaning have work to do) to a
temporary folder, then measures in separate processes, alternating (kit, peer, kit, peer ...),
and reports the medians:

1. ``crm_training.load_client(path)``: read (pyarrow, streamed), map, parse, validate with
   pandera, clean, build the CRMData;
2. the peer, DuckDB: ``duckdb.read_csv(path, all_varchar=True).to_arrow_table()``, every value read
   as text and materialised into an Arrow table (a full parse, no typing, no validation, no
   cleaning), with all of DuckDB's threads;
3. polars, when installed: ``polars.read_csv(path, infer_schema=False)`` (all text).

DuckDB and polars read UTF-8 only (DuckDB reads GB18030 with its ``encodings`` extension,
which is used when it loads; it is downloaded from the internet, so often it does not): then
the peers read a UTF-8 copy of the same export (same records, transcoded once before timing),
while the kit reads the GB18030 file, decoding included. ``--encoding utf-8`` writes the export
in UTF-8 and every reader reads that one file.

Each process reports its wall time and its own peak memory (max RSS, from the operating
system), so the figures do not disturb each other. Target (issue 15): kit <= 1.5x DuckDB and
<= 2.5 GB peak at 5 million rows.

Run: ``python benchmarks/bench_load_client.py [--rows 5000000] [--repeat 2] [--encoding utf-8]
[--keep DIR] [--no-polars]``
"""
from __future__ import annotations

import argparse
import statistics
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
    """Run in a child process: load the file, print seconds, rows and peak memory."""
    t0 = time.perf_counter()
    extra = ""
    if kind == "kit":
        from crm_training import clients

        res = clients.load_client(path, progress=False)
        rows = len(res.data.transactions)
        extra = f"{len(res.report.issues)} issues, {res.cleaning.dropped()} rows dropped"
    elif kind == "duckdb":
        import duckdb

        con = duckdb.connect()
        opts = {}
        if encoding != "utf-8":
            con.sql("LOAD encodings")
            opts["encoding"] = encoding
        rows = con.read_csv(path, all_varchar=True, **opts).to_arrow_table().num_rows
    elif kind == "polars":
        import polars as pl

        rows = pl.read_csv(path, infer_schema=False).height
    else:
        raise ValueError(kind)
    import resource

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"RESULT {time.perf_counter() - t0:.3f} {rows} {peak_mib:.0f} {extra}", flush=True)


def run_child(kind: str, path: Path, encoding: str) -> tuple[float, int, float, str]:
    out = subprocess.run([sys.executable, __file__, "--measure", kind, str(path), encoding],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    _, secs, rows, mib, *extra = line.split(" ", 4)
    return float(secs), int(rows), float(mib), " ".join(extra)


def duckdb_reads(encoding: str) -> bool:
    """Whether DuckDB reads ``encoding`` here (GB18030 needs its ``encodings`` extension)."""
    if encoding == "utf-8":
        return True
    import duckdb

    try:
        duckdb.connect().sql("LOAD encodings")
        return True
    except duckdb.Error:
        return False


def utf8_copy(path: Path, encoding: str, out: Path) -> None:
    """The export transcoded to UTF-8 (in chunks ending at a line break)."""
    with open(path, "rb") as f, open(out, "wb") as g:
        rest = b""
        while True:
            data = f.read(64 << 20)
            if not data:
                g.write(rest.decode(encoding).encode("utf-8"))
                break
            data = rest + data
            i = data.rfind(b"\n") + 1
            g.write(data[:i].decode(encoding).encode("utf-8"))
            rest = data[i:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each reader (alternated)")
    ap.add_argument("--keep", default=None, help="folder to keep the export in (default: temp)")
    ap.add_argument("--encoding", default="gb18030", choices=("gb18030", "utf-8"),
                    help="encoding of the export (default gb18030, as Chinese systems write)")
    ap.add_argument("--no-polars", action="store_true", help="leave polars out")
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
    print(f"export: {args.rows:,} rows, {args.encoding}, {path.stat().st_size / 2**20:,.0f} MiB, "
          f"written in {time.perf_counter() - t0:.1f} s ({path})")
    peer_path, peer_enc = path, args.encoding
    made = []
    if not duckdb_reads(args.encoding):
        peer_path, peer_enc = folder / "订单导出.utf8.csv", "utf-8"
        utf8_copy(path, args.encoding, peer_path)
        made.append(peer_path)
        print(f"DuckDB cannot read {args.encoding} here (no 'encodings' extension): the peers "
              f"read a UTF-8 copy of the same export ({peer_path.stat().st_size / 2**20:,.0f} "
              "MiB); the kit reads the original, decoding included")
    kinds = ["kit", "duckdb"]
    if not args.no_polars:
        try:
            import polars  # noqa: F401

            kinds.append("polars")
        except ImportError:
            pass
    runs: dict = {k: [] for k in kinds}
    for r in range(args.repeat):
        for kind in kinds:  # alternated: kit, duckdb, polars, kit, duckdb, polars ...
            p, enc = (path, args.encoding) if kind == "kit" else (peer_path, peer_enc)
            res = run_child(kind, p, enc)
            runs[kind].append(res)
            print(f"  run {r + 1} {kind:<7}{res[0]:>8.2f} s {res[2] / 1024:>6.2f} GiB  {res[3]}",
                  flush=True)
    labels = {"kit": "load_client (read+parse+validate+clean)",
              "duckdb": "DuckDB read_csv all_varchar -> Arrow",
              "polars": "polars read_csv infer_schema=False"}
    med = {k: (statistics.median(x[0] for x in v), statistics.median(x[2] for x in v),
               v[0][1]) for k, v in runs.items()}
    print(f"\nmedians of {args.repeat} alternated runs, {args.rows:,} rows")
    print(f"{'':<42}{'seconds':>9}{'peak GiB':>10}{'rows':>12}")
    for k in kinds:
        secs, mib, rows = med[k]
        print(f"{labels[k]:<42}{secs:>9.2f}{mib / 1024:>10.2f}{rows:>12,}")
    ks, km, _ = med["kit"]
    for k in kinds[1:]:
        s, m, _ = med[k]
        print(f"kit / {k}: {ks / s:.2f}x the time, {km / m:.2f}x the peak memory")
    target = "met" if ks / med["duckdb"][0] <= 1.5 and km / 1024 <= 2.5 else "NOT met"
    print(f"target (<= 1.5x DuckDB, <= 2.5 GiB): {target}; kit peak {km / 1024:.2f} GiB")
    if not args.keep:
        for p in [path, *made]:
            p.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
