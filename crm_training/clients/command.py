"""``crm-training validate PATH [--mapping map.yml] [--out cleaned/] [--anonymise
[--salt-file FILE]]``.

Prints the report of a client export in the terminal and, with ``--out``, writes the cleaned
data, the report (Markdown and HTML), the cleaning log and how each file was read and mapped
(``validation/sources.json``, see :data:`.loader.SOURCES_FILE`) to a new folder. With
``--anonymise`` the written data hold pseudonyms and nothing printed or written shows personal
data; the salt of the pseudonyms comes from ``--salt-file FILE``, ``$CRM_SALT`` or ``--salt S``
(visible to other users in ``ps``: avoid), at least 16 characters, and is never written; without
one a random salt is used and the pseudonyms match no other export. Exit codes: 0 when
the data are usable, 1 when errors block (including files that cannot be read), 2 on unusable
arguments (missing path, bad mapping file, occupied output folder). Bad data never ends in a
Python traceback: a one-line reason instead.

Examples
--------
>>> import tempfile, pathlib
>>> from crm_training.cli import main
>>> p = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
>>> _ = p.write_text("Order ID,Customer ID,Order Date,Net Amount\\nA1,C1,2024-01-05,9.5\\n")
>>> main(["validate", str(p), "--quiet"])  # doctest: +ELLIPSIS
Sources:
...
USABLE
0
"""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from ..fileio import OutputError, check_output_dir
from ..schema import TABLES
from .anonymise import resolve_salt, scrub_text
from .loader import check_share, load_client
from .mapping import load_mapping
from .report import ClientDataError

PROG = "crm-training validate"


def _fail(message: str, code: int, redact=None) -> int:
    print(f"{PROG}: {redact(message) if redact else message}", file=sys.stderr)
    return code


def _redaction(path: Path):
    """For ``--anonymise``: a function that hides the client's file and folder names (labelled
    as in the report, see :meth:`ClientLoad.redactor`) and personal data in what is printed."""
    from .anonymise import file_labels
    from .reading import list_client_files

    folder = path.is_dir()
    try:
        labels = file_labels([f.name for f in list_client_files(path)] if folder else
                             [path.name])
    except Exception:  # an unreadable folder: its own name is still hidden
        labels = {}
    if folder and file_labels([path.name])[path.name] != path.name:
        labels[path.name] = "(the client's folder)"
    labels[str(path)] = labels.get(path.name, path.name)  # the path as it was given
    order = sorted((k for k, v in labels.items() if k != v), key=len, reverse=True)

    def redact(text: str) -> str:
        for name in order:
            text = text.replace(name, labels[name])
        return scrub_text(text)

    return redact


class _RedactedStream:
    """A text stream that redacts what is written to it (progress bars name the files)."""

    def __init__(self, stream, redact):
        self.stream, self.redact = stream, redact

    def write(self, text):
        return self.stream.write(self.redact(text) if text.strip() else text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


def run_validate(args) -> int:
    """Run the ``validate`` subcommand from parsed arguments; return the exit code."""
    path = Path(args.path)
    anonymise = getattr(args, "anonymise", False)
    if not path.exists():
        return _fail(f"{path} does not exist", 2, scrub_text if anonymise else None)
    redact = _redaction(path) if anonymise else None  # nothing printed shows a client's name
    try:
        load_mapping(args.mapping)  # a bad mapping file is an argument problem: exit 2
    except ClientDataError as e:
        return _fail(str(e), 2, redact)
    if args.table is not None and args.table not in TABLES:
        return _fail(f"--table must be one of {', '.join(TABLES)}, not {args.table!r}", 2)
    salt_arg, salt_file = getattr(args, "salt", None), getattr(args, "salt_file", None)
    salt, salt_from = None, "random"
    if anonymise:
        try:
            salt, salt_from = resolve_salt(salt_arg, salt_file)
        except ClientDataError as e:
            return _fail(str(e), 2, redact)
    elif salt_arg is not None or salt_file is not None:
        return _fail("--salt and --salt-file only apply with --anonymise", 2)
    inputs = [path] + [f for f in (args.mapping, salt_file) if f]  # never written over
    if args.out is not None:
        try:  # never where the client's files are, never a folder the kit did not write
            check_output_dir(args.out, force=args.force, inputs=inputs)
        except OutputError as e:
            return _fail(str(e), 2, redact)
    dayfirst = None if args.dayfirst is None else args.dayfirst == "yes"
    max_bad = getattr(args, "max_bad_rows", None)
    if max_bad is not None:
        try:
            max_bad = check_share(max_bad, "--max-bad-rows")
        except ClientDataError as e:
            return _fail(str(e), 2, redact)
    if getattr(args, "streamed", False):
        return _run_streamed(args, path, dayfirst, max_bad, inputs)
    quiet = contextlib.nullcontext() if redact is None else \
        contextlib.redirect_stderr(_RedactedStream(sys.stderr, redact))  # progress bars
    try:
        with quiet:
            res = load_client(path, args.mapping, table=args.table, dayfirst=dayfirst,
                              decimal=args.decimal, progress=not args.quiet,
                              max_bad_rows=max_bad)
    except ClientDataError as e:
        return _fail(str(e), 1, redact)
    except Exception as e:  # a bug must not look like a crash on the client's data
        detail = str(e).splitlines()[0] if str(e) and not args.anonymise else ""
        # (anonymised: the error's text may quote a value of the client's data)
        return _fail(f"could not check {path.name}: unexpected {type(e).__name__}"
                     f"{': ' + detail if detail else ''} (please report this)", 1, redact)
    print(res.to_text(redact=args.anonymise))
    if len(res.sources) == 1 and res.report.errors and res._data is None:
        # a single unusable file: also say why on stderr, in one line
        report = res.reports(redact=args.anonymise)[0]
        print(f"{PROG}: {report.errors[0].message}", file=sys.stderr)
    if args.out is not None:
        try:
            written = res.save(args.out, format=args.format, anonymise=args.anonymise,
                               salt=salt, force=args.force, inputs=inputs)
        except (ClientDataError, OutputError) as e:
            return _fail(str(e), 2, redact)
        print(f"\nReport{' and cleaned data' if res._data is not None else ''} written to "
              f"{written}")
        if args.anonymise and res._data is not None:
            print(f"Pseudonyms keyed with the salt from {salt_from} (not written anywhere): the "
                  "same salt gives the same pseudonyms in other exports" if salt is not None else
                  "Pseudonyms keyed with a random salt: they match no other export (give "
                  "--salt-file FILE or CRM_SALT to anonymise several exports consistently)")
    return 0 if res.ok else 1


def _run_streamed(args, path: Path, dayfirst, max_bad, inputs) -> int:
    """``validate --streamed``: the export checked and cleaned part by part into ``--out``."""
    from .streamed import load_client_streamed

    if args.out is None:
        return _fail("--streamed writes the cleaned tables as it goes: give --out DIR", 2)
    if args.anonymise:
        return _fail("--streamed does not anonymise (pseudonyms are made in memory): drop "
                     "--streamed, or anonymise the folder it writes in a second step", 2)
    if args.format != "parquet":
        return _fail("--streamed writes Parquet only (drop --format csv)", 2)
    if args.chunk_mb < 1:
        return _fail(f"--chunk-mb must be at least 1, not {args.chunk_mb}", 2)
    try:
        res = load_client_streamed(path, args.out, args.mapping, table=args.table,
                                   dayfirst=dayfirst, decimal=args.decimal,
                                   progress=not args.quiet, max_bad_rows=max_bad,
                                   chunk_bytes=args.chunk_mb << 20, force=args.force,
                                   inputs=inputs)
    except (ClientDataError, OutputError) as e:
        return _fail(str(e), 1 if isinstance(e, ClientDataError) else 2)
    except Exception as e:  # a bug must not look like a crash on the client's data
        detail = str(e).splitlines()[0] if str(e) else ""
        return _fail(f"could not check {path.name}: unexpected {type(e).__name__}"
                     f"{': ' + detail if detail else ''} (please report this)", 1)
    print(res.to_text())
    print(f"\nReport{' and cleaned data' if res.built else ''} written to {args.out}")
    return 0 if res.ok else 1
