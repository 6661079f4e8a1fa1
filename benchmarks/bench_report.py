"""Benchmark of one case-study report at the default size (issue 7: a report takes <= 30 s).

Builds the default report (the template's default size) in English and in Chinese with
:func:`crm_training.report.build_report` and prints where the time goes: kernel start, the
imports cell, the data + findings cell (with data generation alone timed apart in this process),
the other cells (charts, tables, text), the HTML export and, with --pdf, the Chromium print. The
baseline, measured in the same run, is a one-cell notebook through the same runner: the fixed
cost of papermill and a kernel, which no template can go below.

    python benchmarks/bench_report.py                  # en and zh at the default size
    python benchmarks/bench_report.py --pdf --customers 20000
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nbformat

from crm_training.report.runner import ReportParams, build_report, execute_template

TARGET = 30.0


def baseline_seconds(workdir: Path) -> float:
    """A parameters cell and one trivial cell through the runner: kernel + papermill cost."""
    params = nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in
                                                 ReportParams().to_papermill().items()))
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = workdir / "trivial.ipynb"
    nbformat.write(nb, path)
    t = time.perf_counter()
    execute_template(ReportParams(), workdir / "trivial-out.ipynb", template=path)
    return time.perf_counter() - t


def generation_seconds(params: ReportParams) -> float:
    import crm_training

    t = time.perf_counter()
    crm_training.generate(params.industry, params.n_customers, seed=params.seed,
                          locale="zh_CN" if params.language == "zh" else "en_US",
                          progress=False)
    return time.perf_counter() - t


def breakdown(timings: dict) -> dict:
    """Group the template's cells: imports, data + findings, the rest."""
    groups = {"imports": 0.0, "data + findings": 0.0, "other cells": 0.0}
    seen_imports = False
    for _, first_line, seconds in timings["cells"]:
        if not seen_imports and first_line.startswith(("import ", "from ")):
            groups["imports"] += seconds
            seen_imports = True
        elif "report_data(" in first_line or "generate(" in first_line:
            groups["data + findings"] += seconds
        else:
            groups["other cells"] += seconds
    return groups


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=ReportParams().n_customers)
    ap.add_argument("--industry", default=ReportParams().industry)
    ap.add_argument("--languages", nargs="+", default=["en", "zh"])
    ap.add_argument("--pdf", action="store_true", help="print the PDF too (needs chromium)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = baseline_seconds(tmp)
        print(f"baseline (one-cell notebook through papermill): {base:5.1f} s")
        print(f"report: {args.industry}, {args.customers:,} customers, target <= {TARGET:.0f} s\n")
        header = ("lang", "total", "kernel", "imports", "data+find", "(gen)", "other", "html",
                  "pdf", "x base", "target")
        print("  ".join(f"{h:>9}" for h in header))
        for language in args.languages:
            params = ReportParams(industry=args.industry, n_customers=args.customers,
                                  language=language, company="Benchmark Co.")
            gen = generation_seconds(params)
            result = build_report(params, tmp / f"report-{language}", pdf=args.pdf)
            t = result.timings
            g = breakdown(t)
            row = (language, f"{result.seconds:.1f}", f"{t['kernel_start']:.1f}",
                   f"{g['imports']:.1f}", f"{g['data + findings']:.1f}", f"({gen:.1f})",
                   f"{g['other cells']:.1f}", f"{t['html']:.1f}",
                   f"{t['pdf']:.1f}" if "pdf" in t else "-", f"{result.seconds / base:.1f}",
                   "ok" if result.seconds <= TARGET else "OVER")
            print("  ".join(f"{v:>9}" for v in row))
            slowest = sorted(t["cells"], key=lambda c: -c[2])[:3]
            print("           slowest cells: " + "; ".join(
                f"#{i} {s:.1f} s {line[:40]!r}" for i, line, s in slowest))
    print("\nseconds are wall time; (gen) is data generation alone, timed in this process "
          "(it is part of data+find); 'x base' is total / baseline")


if __name__ == "__main__":
    main()
