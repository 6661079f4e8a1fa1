"""Benchmark: a client log larger than memory, validated and cleaned by the streamed loader,
then summarised with DuckDB, within a memory budget (issue 15: 100M rows within 8 GiB).

Writes a UTF-8 transactions export of ``--rows`` rows on disk in chunks (the export of
``bench_load_client.py``: Chinese headers, 2% returns, duplicate lines, unreadable dates), then
runs, each in its own process so that its peak memory (max RSS) is its own:

1. ``crm-training validate LOG --streamed --out DIR`` (``load_client_streamed``, parts of
   ``--chunk-mb``);
2. ``crm-training summarise DIR/tables/transactions.parquet --engine duckdb --out S``;
3. the peer: DuckDB's ``read_csv(all_varchar=True)`` of the same file into a Parquet file (a
   parse without typing, validation or cleaning), with all of DuckDB's threads.

Prints wall time, peak memory, rows kept and the ratio to the peer. At 100M rows the log is
about 6.5 GB and the run takes about an hour on two cores; ``--rows 10000000`` shows the same
bounded memory in minutes.

Run: ``python benchmarks/bench_streamed.py [--rows 100000000] [--chunk-mb 256] [--keep DIR]``
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_load_client import write_export  # noqa: E402

PEER = """
import duckdb, sys
con = duckdb.connect()
con.execute(f"COPY (SELECT * FROM read_csv('{sys.argv[1]}', all_varchar=true)) TO "
            f"'{sys.argv[2]}' (FORMAT parquet)")
"""


# each child reports its own peak memory (max RSS of itself and what it starts) at exit
WRAP = """
import atexit, resource, runpy, sys
atexit.register(lambda: print("PEAK_KB", max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), file=sys.stderr))
mod, sys.argv = sys.argv[1], sys.argv[1:]
if mod == "-c":
    code, sys.argv = sys.argv[1], sys.argv[1:]
    exec(compile(code, "peer", "exec"), {"__name__": "__main__"})
else:
    runpy.run_module(mod, run_name="__main__")
"""


def _child(args: list) -> tuple[float, float, str]:
    """Wall seconds, peak GiB of the child and its "Result:" (or last) output line."""
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", WRAP, *map(str, args)], capture_output=True,
                       text=True)
    wall = time.perf_counter() - t
    if r.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(map(str, args))} failed:\n{r.stderr[-2000:]}")
    peak = max(int(ln.split()[1]) for ln in r.stderr.splitlines() if ln.startswith("PEAK_KB"))
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("Result:")]
    last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    return wall, peak / 2 ** 20, lines[-1] if lines else last


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000_000)
    ap.add_argument("--chunk-mb", type=int, default=256)
    ap.add_argument("--keep", default=None, help="folder for the log and the outputs (kept)")
    a = ap.parse_args()
    root = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="crm-streamed-"))
    root.mkdir(parents=True, exist_ok=True)
    log = root / "orders.csv"
    if not log.exists():
        t = time.perf_counter()
        write_export(log, a.rows, encoding="utf-8")
        print(f"wrote {a.rows:,} rows, {log.stat().st_size / 2**30:.2f} GiB, in "
              f"{time.perf_counter() - t:.0f} s")
    out, summ = root / "checked", root / "summary"
    for p in (out, summ):
        if p.exists():
            import shutil

            shutil.rmtree(p)
    kit = _child(["crm_training.cli", "validate", str(log), "--streamed", "--out",
                  str(out), "--chunk-mb", str(a.chunk_mb), "--quiet"])
    s = _child(["crm_training.cli", "summarise",
                str(out / "tables" / "transactions.parquet"), "--engine", "duckdb", "--out",
                str(summ)])
    peer = _child(["-c", PEER, str(log), str(root / "peer.parquet")])
    print(f"{'step':44s} {'wall s':>8s} {'peak GiB':>9s}")
    print(f"{'kit: validate --streamed':44s} {kit[0]:8.1f} {kit[1]:9.2f}   {kit[2]}")
    print(f"{'kit: summarise --engine duckdb':44s} {s[0]:8.1f} {s[1]:9.2f}")
    print(f"{'DuckDB read_csv all_varchar -> Parquet':44s} {peer[0]:8.1f} {peer[1]:9.2f}")
    print(f"kit / duckdb: {kit[0] / peer[0]:.1f}x the time (the kit parses, types, validates "
          "and cleans; DuckDB reads text)")
    print(json.dumps({"rows": a.rows, "validate_s": round(kit[0], 1),
                      "validate_peak_gib": round(kit[1], 2), "summarise_s": round(s[0], 1),
                      "summarise_peak_gib": round(s[1], 2),
                      "duckdb_s": round(peer[0], 1)}))
    target = max(kit[1], s[1]) <= 8
    print(f"target (<= 8 GiB): {'met' if target else 'NOT met'}")


if __name__ == "__main__":
    main()
