"""Benchmark: a client's export from file to report - ``validate --out`` then ``report --data``.

Two exports, each as a consultant receives it:

* the real CDNOW master log (69,659 lines, 23,570 customers; read from the lifetimes wheel, as
  the tests do) written as "Customer ID, Order Date, Qty, Sales" with US dates and "$" amounts:
  no order ids, no customers file (target: validate + report <= 30 s on a 2-core machine);
* with ``--rows N`` also a synthetic Chinese shop export of N lines (GB18030, see
  ``bench_load_client.write_export``), e.g. ``--rows 5000000``.

For each: the seconds of ``load_client`` (read, parse, validate, clean), of ``save`` (tables
and validation), and of the report with its own breakdown (kernel, data + findings, charts,
HTML), then the peers measured in the same process on the same file: DuckDB reading the CSV and
computing one summary per customer (count, sum, first and last date), and the report runner
on a one-cell notebook (the fixed cost of a kernel and papermill).

    python benchmarks/bench_client_pipeline.py               # CDNOW only
    python benchmarks/bench_client_pipeline.py --rows 5000000
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 30.0


def duckdb_seconds(path: Path, customer: str, date: str, amount: str, encoding: str) -> float:
    """DuckDB: read the CSV (all text) and summarise per customer - what any engine must do."""
    import duckdb

    con = duckdb.connect()
    t = time.perf_counter()
    src = path
    if encoding != "utf-8":  # DuckDB reads UTF-8 only: re-encoding is part of its cost
        src = path.with_suffix(".utf8.csv")
        with open(path, encoding=encoding) as f, open(src, "w", encoding="utf-8") as g:
            for block in iter(lambda: f.read(1 << 24), ""):
                g.write(block)
    con.execute(f"""
        SELECT "{customer}" AS c, count(*) AS n, sum(TRY_CAST(regexp_replace("{amount}",
               '[^0-9.-]', '', 'g') AS DOUBLE)) AS s, min("{date}"), max("{date}")
        FROM read_csv('{src}', all_varchar = true, header = true, quote = '"')
        GROUP BY 1""").fetchall()
    secs = time.perf_counter() - t
    if src != path:
        src.unlink()
    return secs


def pipeline(src: Path, work: Path, label: str, margin: float) -> dict:
    from crm_training.clients import load_client
    from crm_training.report.runner import ReportParams, build_report

    out, rep = work / f"{label}_checked", work / f"{label}_report"
    t = time.perf_counter()
    res = load_client(src, progress=False)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    res.save(out, inputs=[src])
    t_save = time.perf_counter() - t
    t = time.perf_counter()
    result = build_report(ReportParams(company=label, data_dir=str(out), margin=margin), rep)
    t_report = time.perf_counter() - t
    return {"rows": sum(s.rows for s in res.sources), "customers": len(res.data.customers),
            "ok": res.ok, "load": t_load, "save": t_save, "report": t_report,
            "timings": result.timings}


def kernel_seconds(work: Path) -> float:
    sys.path.insert(0, str(HERE))
    from bench_report import baseline_seconds

    return baseline_seconds(work)


def show(label: str, r: dict, duck: float, kernel: float) -> None:
    total = r["load"] + r["save"] + r["report"]
    print(f"\n{label}: {r['rows']:,} lines, {r['customers']:,} customers, "
          f"{'usable' if r['ok'] else 'NOT usable'}")
    print(f"  validate (load_client)   {r['load']:8.1f} s   DuckDB read + per-customer "
          f"summary {duck:.1f} s: {r['load'] / duck:.1f}x")
    print(f"  save tables/ validation/ {r['save']:8.1f} s")
    print(f"  report --data            {r['report']:8.1f} s   of which a bare kernel + "
          f"papermill {kernel:.1f} s")
    for k, v in r["timings"].items():
        if isinstance(v, (int, float)):
            print(f"      {k:<28}{v:6.1f} s")
    print(f"  total                    {total:8.1f} s" +
          (f"   (target <= {TARGET:.0f} s: {'met' if total <= TARGET else 'MISSED'})"
           if label == "CDNOW" else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=0, help="also a synthetic export of N lines")
    ap.add_argument("--margin", type=float, default=0.3)
    args = ap.parse_args()
    sys.path.insert(0, str(HERE.parent / "tests"))
    from clv_data import cdnow_export

    with tempfile.TemporaryDirectory(prefix="bench_pipeline_") as tmp:
        work = Path(tmp)
        kernel = kernel_seconds(work)
        src = cdnow_export(work / "cdnow_export")
        r = pipeline(src, work, "CDNOW", args.margin)
        duck = duckdb_seconds(src, "Customer ID", "Order Date", "Sales", "utf-8")
        show("CDNOW", r, duck, kernel)
        if args.rows:
            sys.path.insert(0, str(HERE))
            from bench_load_client import write_export

            (work / "shop").mkdir()
            path = work / "shop" / "订单导出.csv"
            t = time.perf_counter()
            write_export(path, args.rows)
            print(f"\nsynthetic export written in {time.perf_counter() - t:.1f} s "
                  f"({path.stat().st_size / 2**20:,.0f} MiB)")
            r = pipeline(path, work, "shop", args.margin)
            duck = duckdb_seconds(path, "客户编号", "下单时间", "实付金额", "gb18030")
            show(f"synthetic export, {args.rows:,} lines", r, duck, kernel)


if __name__ == "__main__":
    main()
