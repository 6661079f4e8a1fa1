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
    from .fileio import OutputError, check_output_dir

    try:
        check_output_dir(args.out, force=args.force)
    except OutputError as e:
        print(f"crm-training generate: {e}", file=sys.stderr)
        return 2
    try:
        data = generate(args.industry, args.customers, seed=args.seed, locale=args.locale,
                        start=args.start, end=args.end, progress=not args.quiet)
    except (ValueError, TypeError, OverflowError) as e:
        print(f"crm-training generate: {e}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"crm-training generate: not enough memory for {args.customers:,} customers",
              file=sys.stderr)
        return 2
    try:
        path = data.save(args.out, format=args.format, overwrite=args.force)
    except OutputError as e:
        print(f"crm-training generate: {e} (nothing was written)", file=sys.stderr)
        return 2
    print(data.summary())
    print(f"\nSaved to {path} ({args.format})")
    return 0


def _cmd_samples(args) -> int:
    from .fileio import OutputError
    from .samples import write_samples

    try:
        path = write_samples(args.out, force=args.force)
    except OutputError as e:
        print(f"crm-training samples: {e}", file=sys.stderr)
        return 2
    print(f"Sample datasets and data dictionary written to {path}")
    return 0


def _cmd_validate(args) -> int:
    from .clients.command import run_validate

    return run_validate(args)


def _cmd_reidentify(args) -> int:
    from .clients.reidentify import run_reidentify

    return run_reidentify(args)


def _cmd_exercises(args) -> int:
    from .exercises import build_exercises, build_personal_exercises
    from .fileio import OutputError, check_output_dir

    command = "build-exercises" if args.command == "build-exercises" else "exercises"
    if command == "exercises" and not args.build:
        print("crm-training exercises: nothing to do (use --build, or build-exercises)",
              file=sys.stderr)
        return 2
    try:
        # the solutions and the list of names are inputs: never written over
        check_output_dir(args.dst, force=args.force,
                         inputs=[args.src] + [args.seed_per_trainee] * bool(args.seed_per_trainee))
        if args.seed_per_trainee:
            names = _read_names(args.seed_per_trainee)
            folders = build_personal_exercises(names, args.src, args.dst, force=args.force)
        else:
            written = build_exercises(args.src, args.dst, force=args.force)
    except UnicodeDecodeError:
        print(f"crm-training {command}: {args.seed_per_trainee} is not a UTF-8 text file of "
              "names", file=sys.stderr)
        return 2
    except (OutputError, OSError, ValueError) as e:
        message = str(e) if isinstance(e, OutputError) or not getattr(e, "strerror", None) \
            else f"{e.filename or ''}: {e.strerror}".lstrip(": ")
        print(f"crm-training {command}: {message}", file=sys.stderr)
        return 2
    if args.seed_per_trainee:
        print(f"exercise notebooks for {len(folders)} trainees written to {args.dst}/<name>/ "
              "(each on their own seed)")
    else:
        print(f"{len(written)} exercise notebooks written to {args.dst} (solutions stripped, "
              "outputs cleared)")
    return 0


MAX_NAMES_BYTES = 1 << 20  # a list of trainees, not a data file


def _read_names(path) -> list[str]:
    """The trainee names of a text file (one a line); a clear error for anything else."""
    import os
    import stat

    try:
        st = os.stat(path)
    except OSError as e:
        raise ValueError(f"{path}: {e.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{path} is not a file of trainee names (one name a line)")
    if st.st_size > MAX_NAMES_BYTES:
        raise ValueError(f"{path} is {st.st_size:,} bytes: too big for a list of trainee names")
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


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
    g.add_argument("--force", action="store_true", help="replace an --out folder that "
                   "crm-training wrote before (never any other)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_cmd_generate)

    s = sub.add_parser("samples", help="rebuild the sample datasets and the data dictionary")
    s.add_argument("--out", default="datasets", help="folder to write (default datasets)")
    s.add_argument("--force", action="store_true", help="replace an --out folder that "
                   "crm-training wrote before (never any other)")
    s.set_defaults(func=_cmd_samples)

    v = sub.add_parser("validate", help="check a client's export (file or folder), report every "
                       "problem, optionally write the cleaned data")
    v.add_argument("path", help="client file (CSV, Excel, Parquet) or folder of files")
    v.add_argument("--mapping", default=None, help="YAML file: client column -> model column")
    v.add_argument("--out", default=None, help="new folder for the cleaned data and the report")
    v.add_argument("--anonymise", action="store_true", help="replace personal data in --out "
                   "by pseudonyms and keep it out of everything printed or written")
    salt = v.add_mutually_exclusive_group()
    salt.add_argument("--salt-file", default=None, metavar="FILE",
                      help="with --anonymise: file holding the secret salt (16+ characters) of "
                      "the pseudonyms, so that several exports of one client get the same "
                      "pseudonyms; or set CRM_SALT (default: a random salt)")
    salt.add_argument("--salt", default=None, metavar="S",
                      help="the salt itself (visible to other users in `ps`: prefer "
                      "--salt-file or CRM_SALT)")
    v.add_argument("--table", default=None, help="table of a single file (default: guessed)")
    v.add_argument("--dayfirst", choices=("yes", "no"), default=None,
                   help="05/01/2024 is 5 January (yes) or May 1 (no); default: from the data")
    v.add_argument("--decimal", choices=(",", "."), default=None, metavar="MARK",
                   help="decimal mark of amounts: ',' or '.' (default: from the data)")
    v.add_argument("--max-bad-rows", default=None, metavar="SHARE",
                   help="share of a file's rows that may be unreadable (dropped, warned) "
                   "before the file is blocked: 0.05 or 5%% (default 5%%)")
    v.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    v.add_argument("--force", action="store_true", help="replace an --out folder that "
                   "crm-training wrote before (never any other)")
    v.add_argument("--streamed", action="store_true", help="for exports larger than memory: "
                   "check and clean the files part by part into --out (Parquet; same checks, "
                   "messages and cleaning log; one file per table, no --anonymise)")
    v.add_argument("--chunk-mb", type=int, default=256, metavar="MB",
                   help="with --streamed: the size of a part of a CSV (default 256 MB, about "
                   "2.5 GB of memory)")
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    v.set_defaults(func=_cmd_validate)

    k = sub.add_parser("reidentify", help="on the client's side: trace the pseudonyms of a list "
                       "(e.g. the workshop's action list) back to customer ids, into a key file "
                       "kept apart")
    k.add_argument("list", help="the list (CSV or XLSX) with a column of pseudonyms")
    k.add_argument("--exports", required=True, help="the client's original exports (file or "
                   "folder) that were anonymised")
    k.add_argument("--mapping", default=None, help="the YAML column mapping used to validate")
    ksalt = k.add_mutually_exclusive_group()
    ksalt.add_argument("--salt-file", default=None, metavar="FILE",
                       help="file holding the salt of the anonymisation (or set CRM_SALT)")
    ksalt.add_argument("--salt", default=None, metavar="S", help="the salt itself (visible in "
                       "`ps`: prefer --salt-file)")
    k.add_argument("--column", default=None, help="the list's column of pseudonyms (default: "
                   "the first that holds only pseudonyms)")
    k.add_argument("--out", required=True, help="the key file to write (CSV, or .xlsx)")
    k.add_argument("--force", action="store_true", help="replace an existing --out file")
    k.set_defaults(func=_cmd_reidentify)

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
        e.add_argument("--force", action="store_true", help="replace a --dst that this "
                       "command wrote before (never a folder with other or edited files)")
        e.set_defaults(func=_cmd_exercises)

    # their arguments and work live beside their code (light imports until they run)
    from .report import cli as report_cli
    from .workshop import cli as workshop_cli
    r = sub.add_parser("report", help="build a case-study report (HTML, optionally PDF) for a "
                       "scenario or a client's data, or many from a --batch spec")
    report_cli.add_arguments(r)
    r.set_defaults(func=report_cli.run)
    from .engines import summaries as summarise_cli
    m = sub.add_parser("summarise", help="customer-level summaries (RFM, features, concentration) "
                       "of a transaction log as Parquet, on DuckDB (files larger than memory), "
                       "pandas or Spark")
    summarise_cli.add_arguments(m)
    m.set_defaults(func=summarise_cli.run)
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
    except BrokenPipeError:  # `crm-training validate ... | head`: the reader has gone
        import os

        # no more output can reach the pipe: point stdout at /dev/null so that Python's
        # flush at exit does not fail a second time (the documented recipe)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports it


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
