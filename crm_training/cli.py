"""Command line of the kit: ``crm-training generate | validate | ...``.

Every command prints a readable result, returns 0 on success, 1 when the data has blocking
problems and 2 on unusable arguments, and never shows a Python traceback for bad input.
"""
from __future__ import annotations

import argparse
import sys


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit code 2 with a one-line reason, as argparse does
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _cmd_generate(args) -> int:
    from .datagen import generate
    from .fileio import OutputExistsError, check_output_dir

    try:
        check_output_dir(args.out, force=args.force)
    except OutputExistsError as e:
        print(f"crm-training generate: {e}", file=sys.stderr)
        return 2
    try:
        data = generate(args.industry, args.customers, seed=args.seed, locale=args.locale,
                        start=args.start, end=args.end, progress=not args.quiet)
    except (ValueError, TypeError) as e:
        print(f"crm-training generate: {e}", file=sys.stderr)
        return 2
    path = data.save(args.out, format=args.format, overwrite=args.force)
    print(data.summary())
    print(f"\nSaved to {path} ({args.format})")
    return 0


def _cmd_samples(args) -> int:
    from .fileio import OutputExistsError
    from .samples import write_samples

    try:
        path = write_samples(args.out, force=args.force)
    except OutputExistsError as e:
        print(f"crm-training samples: {e}", file=sys.stderr)
        return 2
    print(f"Sample datasets and data dictionary written to {path}")
    return 0


def _cmd_validate(args) -> int:
    from .clients.command import run_validate

    return run_validate(args)


def _cmd_exercises(args) -> int:
    from .exercises import build_exercises, build_personal_exercises
    from .fileio import OutputExistsError

    command = "build-exercises" if args.command == "build-exercises" else "exercises"
    if command == "exercises" and not args.build:
        print("crm-training exercises: nothing to do (use --build, or build-exercises)",
              file=sys.stderr)
        return 2
    try:
        if args.seed_per_trainee:
            with open(args.seed_per_trainee, encoding="utf-8") as f:
                names = f.read().splitlines()
            folders = build_personal_exercises(names, args.src, args.dst, force=args.force)
        else:
            written = build_exercises(args.src, args.dst, force=args.force)
    except (OSError, OutputExistsError, ValueError) as e:
        print(f"crm-training {command}: {e}", file=sys.stderr)
        return 2
    if args.seed_per_trainee:
        print(f"exercise notebooks for {len(folders)} trainees written to {args.dst}/<name>/ "
              "(each on their own seed)")
    else:
        print(f"{len(written)} exercise notebooks written to {args.dst} (solutions stripped, "
              "outputs cleared)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="crm-training", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    g = sub.add_parser("generate", help="generate a synthetic CRM dataset with ground truth")
    g.add_argument("--industry", default="retail", help="retail, bank, telecom, coffee_chain, "
                   "travel or manufacturing (default retail)")
    g.add_argument("--customers", type=int, default=10_000, help="number of customers")
    g.add_argument("--seed", type=int, default=0, help="random seed (same seed, same data)")
    g.add_argument("--locale", default="en_US", help="en_US or zh_CN")
    g.add_argument("--start", default=None, help="first day of the data (YYYY-MM-DD)")
    g.add_argument("--end", default=None, help="last day of the data (YYYY-MM-DD)")
    g.add_argument("--out", required=True, help="new or empty folder to write")
    g.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    g.add_argument("--force", action="store_true", help="replace a non-empty --out folder")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_cmd_generate)

    s = sub.add_parser("samples", help="rebuild the sample datasets and the data dictionary")
    s.add_argument("--out", default="datasets", help="folder to write (default datasets)")
    s.add_argument("--force", action="store_true", help="replace a non-empty --out folder")
    s.set_defaults(func=_cmd_samples)

    v = sub.add_parser("validate", help="check a client's export (file or folder), report every "
                       "problem, optionally write the cleaned data")
    v.add_argument("path", help="client file (CSV, Excel, Parquet) or folder of files")
    v.add_argument("--mapping", default=None, help="YAML file: client column -> model column")
    v.add_argument("--out", default=None, help="new folder for the cleaned data and the report")
    v.add_argument("--anonymise", action="store_true", help="replace personal data in --out "
                   "and redact the report's examples")
    v.add_argument("--table", default=None, help="table of a single file (default: guessed)")
    v.add_argument("--dayfirst", choices=("yes", "no"), default=None,
                   help="05/01/2024 is 5 January (yes) or May 1 (no); default: from the data")
    v.add_argument("--decimal", choices=(",", "."), default=None, metavar="MARK",
                   help="decimal mark of amounts: ',' or '.' (default: from the data)")
    v.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    v.add_argument("--force", action="store_true", help="replace a non-empty --out folder")
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    v.set_defaults(func=_cmd_validate)

    for command in ("build-exercises", "exercises"):  # "exercises --build": the older name
        e = sub.add_parser(command, help="generate the trainee exercise notebooks from the "
                           "solution notebooks" + (" (same as build-exercises with --build)"
                                                   if command == "exercises" else ""))
        if command == "exercises":
            e.add_argument("--build", action="store_true", help="write --dst from --src")
        e.add_argument("--src", default="solutions", help="solution notebooks (default "
                       "solutions)")
        e.add_argument("--dst", default="exercises", help="folder to write (default exercises)")
        e.add_argument("--seed-per-trainee", default=None, metavar="NAMES_TXT",
                       help="file with one trainee name a line: write --dst/<name>/ for each, "
                       "its parameters cell seeded from the name (stable)")
        e.add_argument("--force", action="store_true", help="replace --dst even if it holds "
                       "other files than notebooks")
        e.set_defaults(func=_cmd_exercises)

    # their arguments and work live beside their code (light imports until they run)
    from .report import cli as report_cli
    from .workshop import cli as workshop_cli
    r = sub.add_parser("report", help="build a case-study report (HTML, optionally PDF) for a "
                       "scenario or a client's data, or many from a --batch spec")
    report_cli.add_arguments(r)
    r.set_defaults(func=report_cli.run)
    w = sub.add_parser("workshop", help="start the workshop dashboard as a Voila app on localhost")
    workshop_cli.add_arguments(w)
    w.set_defaults(func=workshop_cli.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
