"""``crm-training report``: one case-study report, or a batch of them from a YAML spec.

Exit codes: 0 built, 1 a report failed (nothing written for it), 2 unusable parameters (nothing
run). Errors are one line each, never a traceback. The heavy imports (papermill, nbconvert) wait
until a report is actually built, because the main command line imports this module.
"""
from __future__ import annotations

import sys

from .runner import ReportParams  # standard library only: cheap to import

_DEFAULTS = ReportParams()
_PARAMS = {  # option -> ReportParams name
    "industry": "industry", "company": "company", "language": "language",
    "customers": "n_customers", "seed": "seed", "horizon": "horizon", "data": "data_dir",
    "margin": "margin", "currency": "currency", "paper": "paper",
}


def add_arguments(parser):
    """The options of ``crm-training report`` (defaults are ReportParams' defaults)."""
    parser.add_argument("--industry", help="retail, bank, telecom, coffee_chain, travel or "
                        f"manufacturing (default {_DEFAULTS.industry})")
    parser.add_argument("--company", help="the client's name: the report's title "
                        f"(default {_DEFAULTS.company!r})")
    parser.add_argument("--language", help=f"en or zh (default {_DEFAULTS.language})")
    parser.add_argument("--customers", type=int, help="customers in the synthetic data "
                        f"(default {_DEFAULTS.n_customers})")
    parser.add_argument("--seed", type=int, help=f"random seed (default {_DEFAULTS.seed})")
    parser.add_argument("--horizon", type=int, help="analysis horizon in months "
                        f"(default {_DEFAULTS.horizon})")
    parser.add_argument("--data", metavar="DIR", help="a client's export folder, or the folder "
                        "`crm-training validate ... --out` wrote, instead of synthetic data")
    parser.add_argument("--margin", type=float, metavar="SHARE", help="share of revenue that "
                        "is profit (0.3 = 30%%) for data without costs (default: such data are "
                        "reported as revenue)")
    parser.add_argument("--currency", help="currency of the amounts: USD, EUR, CNY, $, ¥ ... "
                        "(default: detected from the data)")
    parser.add_argument("--assumptions", metavar="FILE_YML", help="YAML file of money "
                        "assumptions (discount_rate, winback_rate, contact_cost, roi_years ...; "
                        "also margin, horizon, currency) that replace the defaults; every one "
                        "is printed in the report")
    parser.add_argument("--paper", help="a4 or letter: the paper the report is typeset for "
                        "(HTML print and PDF; default letter in English, a4 in Chinese)")
    parser.add_argument("--out", help="new or empty folder for report.html and report.ipynb")
    parser.add_argument("--pdf", action="store_true", help="also print report.pdf with headless "
                        "Chromium (Debian: apt-get install chromium)")
    parser.add_argument("--force", action="store_true", help="replace an --out folder that "
                        "crm-training wrote before (never any other, never the --data folder)")
    parser.add_argument("--batch", metavar="SPEC_YML", help="build every report of a YAML spec "
                        "(defaults: + reports: list, each with its out folder)")
    parser.add_argument("--template", metavar="NOTEBOOK", help="another template notebook "
                        "(default: the kit's); for a batch too, which cannot name one itself")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def read_assumptions(path) -> dict:
    """Report parameters from an assumptions file: ``margin``, ``horizon`` and ``currency`` as
    they are, every other key under ``assumptions`` (checked when the report is validated)."""
    import os

    import yaml

    if not os.path.isfile(path):
        raise ValueError(f"no such file: {path}")
    if os.path.getsize(path) > 1 << 20:
        raise ValueError(f"{path} is larger than 1 MiB: not an assumptions file")
    try:
        with open(path, encoding="utf-8-sig") as f:
            spec = yaml.safe_load(f)
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not readable YAML ({str(e).splitlines()[0]})") from None
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise ValueError(f"{path} must map names to values (discount_rate: 0.08 ...)")
    out = {k: spec.pop(k) for k in ("margin", "horizon", "currency") if k in spec}
    if spec:
        out["assumptions"] = {str(k): v for k, v in spec.items()}
    return out


def _fail(message: str, code: int) -> int:
    print(f"crm-training report: {message}", file=sys.stderr)
    return code


def run(args) -> int:
    from .runner import ReportError, ReportParameterError

    given = {name: getattr(args, opt) for opt, name in _PARAMS.items()
             if getattr(args, opt, None) is not None}
    if args.batch:
        if given or args.out or args.pdf:
            options = ", ".join(f"--{o}" for o in [*_PARAMS, "out", "pdf"]
                                if getattr(args, o, None) not in (None, False))
            return _fail(f"--batch takes every parameter from the spec; drop {options}", 2)
        return _run_batch(args)
    if not args.out:
        return _fail("--out is required (the folder to write the report to)", 2)
    if getattr(args, "assumptions", None):
        try:
            given = {**read_assumptions(args.assumptions), **given}  # options win
        except ValueError as e:
            return _fail(f"--assumptions: {e}", 2)
    from .runner import build_report

    params = ReportParams.from_mapping(given)
    try:
        params.validate(out=args.out, force=args.force, pdf=args.pdf,
                        inputs=[args.template] if args.template else ())
        if not args.quiet:
            print(f"Building the report for {params.company} ({params.industry}, "
                  f"{params.language}) ...", file=sys.stderr)
        result = build_report(params, args.out, pdf=args.pdf, force=args.force, checked=True,
                              template=args.template)
    except ReportParameterError as e:
        if len(e.problems) == 1:
            return _fail(e.problems[0], 2)
        return _fail(f"{len(e.problems)} problems, nothing was run:\n  - "
                     + "\n  - ".join(e.problems), 2)
    except ReportError as e:
        return _fail(f"{e} (nothing was written)", 1)
    files = [result.html, result.notebook] + ([result.pdf] if result.pdf else [])
    print(f"Report written in {result.seconds:.1f} s:")
    for path in files:
        print(f"  {path}")
    return 0


def _run_batch(args) -> int:
    from .runner import ReportParameterError, batch_summary, build_batch

    try:
        results = build_batch(args.batch, force=args.force, progress=not args.quiet,
                              template=args.template)
    except ReportParameterError as e:
        return _fail("; ".join(e.problems), 2)
    print(batch_summary(results))
    return 0 if all(r.ok for r in results) else 1
