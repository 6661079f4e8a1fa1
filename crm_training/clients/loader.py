"""``load_client``: a client's own exports in, the kit's data model out, with every problem named.

Steps, each in its own module: read the files as text (:mod:`.reading`), map their columns and
guess their tables (:mod:`.mapping`), parse and validate (:mod:`.parsing`, :mod:`.validation`),
clean with a log (:mod:`.cleaning`), and build a :class:`crm_training.CRMData`. The client's files
are only ever read; :meth:`ClientLoad.save` writes to a new folder, atomically. Each sheet of a
workbook that holds a table is a source of its own (``book.xlsx!2月`` when several are read);
files of one table are checked against each other (overlapping exports); a file reached twice
(a link, a hard link) is read once.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "orders.csv").write_text(
...     "订单编号,客户编号,下单时间,实付金额\\nA1,C1,2024/1/5 13:05,\\"￥1,234.50\\"\\n"
...     "A2,C2,2024年1月6日,88\\nA2,C2,2024年1月6日,88\\n", encoding="utf-8")
>>> res = load_client(folder / "orders.csv", progress=False)
>>> res.ok, len(res.data.transactions), res.data.transactions["amount"].tolist()
(True, 2, [1234.5, 88.0])
>>> [i.code for i in res.report.issues], res.cleaning.dropped()
(['duplicate_row'], 1)
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..exports import write_csv
from ..fileio import atomic_output_dir
from ..schema import TABLES
from . import mapping as mp
from .channels import column_words
from .cleaning import build_customers, check_across_files, clean_table
from .reading import (EXCEL_SUFFIXES, SUPPORTED, ClientDataError, RawTable,
                      list_client_files, read_raw, skipped_client_files)
from .report import CleaningLog, ValidationReport
from .validation import (BAD_ROW_CODES, MAX_BAD_ROWS, RULES, check_rules, issue_rows,
                         map_columns, names_list, parse_table)


@dataclass
class SourceInfo:
    """How one client file was read and mapped (shown in the report)."""

    file: str
    table: str | None
    kind: str = ""
    encoding: str = ""
    delimiter: str = ""
    header_line: int = 0
    rows: int = 0
    columns: dict = field(default_factory=dict)
    ignored: list = field(default_factory=list)
    file_path: str = field(default="", repr=False)
    used: bool = False
    columns_found: list = field(default_factory=list, repr=False)
    sheet: str = ""  # the sheet of a workbook
    how: dict = field(default_factory=dict, repr=False)  # client column -> HOW_MAPPED key
    derived: list = field(default_factory=list, repr=False)  # model columns the kit made
    codes: dict = field(default_factory=dict, repr=False)  # column -> {client text: code}
    records: int | None = field(default=None, repr=False)  # data records the file holds
    kept: int | None = field(default=None, repr=False)  # rows left after the cleaning

    def record(self, redactor=None) -> dict:
        """How the file was read and mapped, as data (one entry of ``sources.json``, see
        :data:`SOURCES_FILE`); with a :class:`~.anonymise.Redactor` the file name, header
        cells and the client's code words are what a redacted report shows (as
        :meth:`describe` does), and a sheet name not made of known words is "[redacted]".

        Examples
        --------
        >>> s = SourceInfo("orders.csv", "transactions", "csv", "utf-8", ",", 1, 2,
        ...                {"Kunde": "customer_id"}, used=True, how={"Kunde": "mapping"})
        >>> r = s.record()
        >>> r["status"], r["columns"], r["rows_read"]
        ('ok', [{'client': 'Kunde', 'kit': 'customer_id', 'how': 'mapping'}], 2)
        """
        from .anonymise import file_labels

        h = (lambda c: redactor.header(str(c), self.file)) if redactor else str
        sheet = self.sheet or None
        if sheet and redactor and file_labels([sheet])[sheet] != sheet:
            sheet = "[redacted]"
        columns = []
        for src, dst in self.columns.items():
            entry = {"client": h(src), "kit": dst, "how": self.how.get(src, "name")}
            if entry["how"] == "content":  # "cost (cost = amount - profit)", "(the currency…)"
                m = _CONTENT_TARGET.match(str(dst))
                entry.update(kit=(m["kit"] if m else "") or "currency",
                             rule=m["rule"] if m else str(dst))
            columns.append(entry)
        value = (lambda v: redactor.value(str(v), self.file)) if redactor else str
        return {
            "file": redactor.file(self.file) if redactor else self.file,
            "table": self.table,
            "status": "not_read" if not self.kind else "ok" if self.used else "not_used",
            "format": self.kind or None, "encoding": self.encoding or None,
            "delimiter": self.delimiter or None, "sheet": sheet,
            "header_line": self.header_line or None,
            "rows_read": self.records if self.records is not None else
            (self.rows if self.used else None),
            "rows_kept": self.kept if self.kept is not None else (0 if self.kind else None),
            "columns": columns, "derived": list(self.derived),
            "ignored": [h(c) for c in self.ignored],
            "codes": {col: {value(k): v for k, v in words.items()}
                      for col, words in self.codes.items() if words},
        }

    def describe(self, redactor=None) -> str:
        """How the file was read and mapped; with a :class:`~.anonymise.Redactor`, header cells
        that are not known column names are shown as "column 3" and a file name that is not
        made of known words as "file 2.csv". Control characters are escaped."""
        from .report import printable

        h = (lambda c: printable(redactor.header(str(c), self.file))) if redactor else printable
        file = printable(redactor.file(self.file) if redactor else self.file)
        if not self.kind:
            return f"{file}: not read"
        if not self.used:
            return f"{file} -> {self.table or '?'}: not used (see the errors)"
        how = self.kind + (f", {self.encoding}" if self.encoding else "")
        if self.delimiter:
            how += f", delimiter {self.delimiter!r}"
        if self.header_line > 1:
            how += f", header on line {self.header_line}"
        cols = ", ".join(f"{h(k)} -> {v}" for k, v in self.columns.items())
        out = f"{file} -> {self.table or '(not used)'}: {self.rows:,} rows ({how})"
        if cols:
            out += f"\n    columns: {cols}"
        if self.ignored:
            out += f"\n    ignored: {', '.join(h(c) for c in self.ignored)}"
        return out


@dataclass
class ClientLoad:
    """Result of :func:`load_client`: the data, the validation report and the cleaning log.

    ``data`` raises :class:`ClientDataError` when no usable table could be built; ``ok`` is
    False when the report holds errors (the data is then incomplete: rows or files were dropped).
    """

    report: ValidationReport
    cleaning: CleaningLog
    sources: list
    _data: object = None
    origin: tuple = ()  # what load_client was given (files, folders): never written to
    saved: Path | None = None  # a folder the kit wrote, loaded as it is (see load_saved)

    @property
    def data(self):
        if self._data is None:
            first = self.report.errors[0].message if self.report.errors else "nothing was read"
            raise ClientDataError(f"no usable client data: {first}")
        return self._data

    @property
    def ok(self) -> bool:
        return self.report.ok and self._data is not None

    def pii_columns(self) -> set:
        """Columns whose values a redacted report never shows: the model's personal columns
        (schema ``pii``) and ``customer_id`` (often a phone or card number)."""
        return {c.name for t in TABLES.values() for c in t.columns if c.pii} | {"customer_id"}

    def redactor(self):
        """What redacted output hides (:class:`~.anonymise.Redactor`): the examples of
        :meth:`pii_columns`, header cells that are not known column names (see
        :func:`~.anonymise.header_labels`), file names that are not made of known words (see
        :func:`~.anonymise.file_labels`: numbered in the order of the sources, then of the
        report), and personal data and the customers' names in every message."""
        from .anonymise import NameSet, Redactor, file_labels, header_labels

        cust = self._data.customers if self._data is not None else None
        names = NameSet(cust["name"] if cust is not None and "name" in cust.columns else ())
        headers = {s.file: header_labels(s.columns_found, names) for s in self.sources
                   if s.columns_found}
        files = file_labels([s.file for s in self.sources] + [i.file for i in self.report.issues]
                            + [s.file for s in self.cleaning.steps])
        files.update({s.file_path: files[s.file] for s in self.sources if s.file_path})
        return Redactor(self.pii_columns(), headers, names, files)

    def reports(self, redact: bool = False):
        """``(report, cleaning log, source descriptions)``, redacted or as they are."""
        if not redact:
            return self.report, self.cleaning, [s.describe() for s in self.sources]
        key = (id(self._data), len(self.sources), len(self.report.issues),
               len(self.cleaning.steps))
        cached = self.__dict__.get("_redacted")
        if cached is None or cached[0] != key:
            r = self.redactor()
            cached = (key, (self.report.redacted(r), self.cleaning.redacted(r),
                            [s.describe(r) for s in self.sources]))
            self.__dict__["_redacted"] = cached
        return cached[1]

    def to_text(self, redact: bool = False) -> str:
        rep, log, described = self.reports(redact)
        parts = ([f"Checked and saved by crm-training: the report below is the one saved "
                  f"with the tables, in {VALIDATION_DIR}/", ""]
                 if self.saved is not None else [])
        parts += ["Sources:"] + ["  " + d for d in described]
        parts += ["", rep.to_text(), "", log.to_text()]
        if self._data is not None:
            parts += ["", "Result: " + (", ".join(f"{k} {len(v):,}" for k, v in
                                                  self._data.tables.items() if len(v))
                                        or "no rows left")]
        parts.append("")
        parts.append("USABLE" if self.ok else "NOT USABLE AS IS: fix the errors above")
        return "\n".join(parts)

    def to_markdown(self, redact: bool = False) -> str:
        from .report import _md

        rep, log, described = self.reports(redact)
        src = "\n".join(("- " if k == 0 else "  - ") + _md(line.strip())
                        for d in described for k, line in enumerate(d.split("\n")))
        verdict = "**Usable.**" if self.ok else "**Not usable as is: fix the errors below.**"
        return (f"# Client data check\n\n{verdict}\n\n## Sources\n\n{src}\n\n"
                f"{rep.to_markdown()}\n{log.to_markdown()}")

    def to_html(self, redact: bool = False) -> str:
        import html

        rep, log, described = self.reports(redact)
        src = html.escape("\n".join(described))
        verdict = "Usable." if self.ok else "Not usable as is: fix the errors below."
        return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Client data check"
                "</title></head><body>\n<h1>Client data check</h1>\n"
                f"<p><b>{verdict}</b></p>\n<h2>Sources</h2>\n<pre>{src}</pre>\n"
                f"{rep.to_html()}{log.to_html()}</body></html>\n")

    def save(self, out, format: str = "parquet", anonymise: bool = False, salt=None,
             force: bool = False, inputs=()) -> Path:
        """Write the cleaned data and the check to a new folder, atomically: the tables in
        ``out/tables`` (as :meth:`crm_training.CRMData.save` writes them), the report
        (``report.md``, ``report.html``, ``validation.csv``), the cleaning log
        (``cleaning.csv``) and how each file was read and mapped (``sources.json``, see
        :data:`SOURCES_FILE`) in ``out/validation``, so nothing is mistaken for a table. The
        folder is what ``report --data``, ``workshop --data``, :func:`crm_training.load` and
        :func:`load_client` take as it is.

        With ``anonymise`` the data are anonymised (:func:`.anonymise.anonymise`, with
        ``salt``: at least 16 characters; None draws a random one, and the pseudonyms then
        match no other export) and the reports redacted (:meth:`redactor`), so no personal data
        reaches any written file. The salt is never written.
        """
        out = Path(out)
        # never where the client's files are (nor their folder), whatever ``force`` says
        inputs = [*inputs, *self.origin,
                  *(Path(s.file_path) for s in self.sources if s.file_path)]
        data = self._data
        if data is not None and "sources" in data.meta:  # in sources.json, not meta.json
            data = dataclasses.replace(data, meta={k: v for k, v in data.meta.items()
                                                   if k != "sources"})
        if anonymise:
            from .anonymise import anonymise as _anon, check_salt

            if salt is not None:
                check_salt(salt)  # a weak salt fails before anything is written
            if data is not None:
                data = _anon(data, salt=salt)
        with atomic_output_dir(out, force=force, inputs=inputs, kind="client") as tmp:
            if data is not None:  # an unusable import still gets its report
                data.save(tmp / TABLES_DIR, format=format)
            v = tmp / VALIDATION_DIR
            v.mkdir()
            (v / "report.md").write_text(self.to_markdown(redact=anonymise), encoding="utf-8")
            (v / "report.html").write_text(self.to_html(redact=anonymise), encoding="utf-8")
            rep, log, _ = self.reports(anonymise)
            write_csv(log.to_frame(), v / "cleaning.csv", index=False)
            write_csv(rep.to_frame(), v / "validation.csv", index=False)
            (v / SOURCES_FILE).write_text(json.dumps(self.sources_record(anonymise),
                                                     indent=1, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
        return out

    def sources_record(self, redact: bool = False) -> dict:
        """What ``validation/sources.json`` holds (see :data:`SOURCES_FILE`): how each file
        was read and mapped, redacted as the reports are. A folder the kit wrote
        (:attr:`saved`) passes on the record it was loaded with (``data.meta["sources"]``)
        unless that one names what ``redact`` hides.

        >>> ClientLoad(ValidationReport(), CleaningLog(), []).sources_record()
        {'version': 1, 'anonymised': False, 'sources': []}
        """
        kept = (self._data.meta.get("sources") if self.saved is not None
                and self._data is not None else None)
        if isinstance(kept, dict) and (kept.get("anonymised") or not redact):
            return kept
        r = self.redactor() if redact else None
        return {"version": SOURCES_VERSION, "anonymised": bool(redact),
                "sources": [s.record(r) for s in self.sources]}


# What ClientLoad.save writes: the tables apart from the check of them.
TABLES_DIR, VALIDATION_DIR = "tables", "validation"

# ``validation/sources.json``: how each of the client's files was read and its columns mapped,
# as data (what the report's appendix shows; report.html says it for people). Schema::
#
#   {"version": 1, "anonymised": bool, "sources": [
#     {"file": "orders.csv",            # as the reports name it (redacted: "file 2.csv")
#      "table": "transactions" | null,  # null: not read, or its table not known
#      "status": "ok" | "not_read" | "not_used",
#      "format": "csv" | "excel" | "parquet" | "empty" | null, "encoding": "utf-8" | null,
#      "delimiter": "," | null, "sheet": "2月" | null, "header_line": 1 | null,
#      "rows_read": 6919 | null,        # data records of the file (rows + lines left out)
#      "rows_kept": 6919 | null,        # rows of the file left after the cleaning
#      "columns": [{"client": "Customer ID", "kit": "customer_id", "how": "name"}, ...],
#      "derived": ["transaction_id"],   # model columns the kit made (not in the export)
#      "ignored": ["Remarks"],          # client columns not used
#      "codes": {"channel": {"Kiosk": "store"}}}]}   # the mapping's codes: for its columns
#
# "how" (HOW_MAPPED): "mapping" (the mapping file or dict named the column), "name" (its header
# is a name the kit knows for the field), "content" (no field of its own: its values give
# one, said by "rule": "kit": "cost" with "rule": "cost = amount - profit", or "kit":
# "currency" for a column that gives the currency of the amounts, ``meta["currency"]``).
# With --anonymise the names and values are those report.html shows (see SourceInfo.record).
SOURCES_FILE, SOURCES_VERSION = "sources.json", 1
HOW_MAPPED = ("mapping", "name", "content")
_CONTENT_TARGET = re.compile(r"^(?P<kit>[a-z_]*) ?\((?P<rule>.*)\)$", re.S)


def _is_dataset(folder: Path) -> bool:
    """A folder that CRMData.save wrote (its manifest, or a meta.json naming the format)."""
    from ..fileio import read_manifest

    m = read_manifest(folder)
    if m is not None:
        return m.get("kind") == "dataset"
    meta = folder / "meta.json"
    if not meta.is_file() or meta.is_symlink() or meta.stat().st_size > 1 << 20:
        return False
    try:
        return "format" in json.loads(meta.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False


def saved_folder(source) -> Path | None:
    """The folder of tables when ``source`` is output of the kit (what
    :meth:`ClientLoad.save` or :meth:`crm_training.CRMData.save` wrote), else None; a
    checked folder whose data were unusable gives the folder itself."""
    from ..fileio import read_manifest

    if isinstance(source, dict) or not Path(source).is_dir():
        return None
    p = Path(source)
    m = read_manifest(p)
    if (m or {}).get("kind") == "client" or (p / VALIDATION_DIR / "validation.csv").is_file():
        for sub in (TABLES_DIR, "data"):  # "data": folders written before tables/ existed
            if (p / sub).is_dir() and _is_dataset(p / sub):
                return p / sub
        return p if m is not None else None
    return p if _is_dataset(p) else None


def _read_saved_csv(path: Path, columns) -> pd.DataFrame:
    from ..exports import restore_formulas

    if not path.is_file():
        return pd.DataFrame(columns=columns)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return restore_formulas(df)


def read_sources_record(folder) -> dict | None:
    """The record of how the client's files were read (``sources.json`` in ``folder``, see
    :data:`SOURCES_FILE`), or None when there is none (a folder written before it existed) or
    it is not one this version reads (another version, not JSON, not a plain file)."""
    path = Path(folder) / SOURCES_FILE
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > 16 << 20:
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    ok = (isinstance(record, dict) and record.get("version") == SOURCES_VERSION
          and isinstance(record.get("sources"), list)
          and all(isinstance(s, dict) for s in record["sources"]))
    return record if ok else None


def load_saved(tables: Path, source=None) -> ClientLoad:
    """Load a folder the kit wrote (see :func:`saved_folder`) with the report and cleaning
    log saved beside it (none for a generated dataset); the record of how the client's files
    were read (``validation/sources.json``) goes to ``data.meta["sources"]``."""
    from ..data import load
    from .report import CleaningStep, Issue

    tables = Path(tables)
    root = tables.parent if tables.name in (TABLES_DIR, "data") else tables
    vdir = root / VALIDATION_DIR if (root / VALIDATION_DIR).is_dir() else root
    rep = _read_saved_csv(vdir / "validation.csv", [])
    issues = [Issue(r["code"], r["severity"], r["file"], r["message"],
                    int(r["count"] or 0), r["table"], r["column"],
                    [r["examples"]] if r["examples"] else [])
              for r in rep.to_dict("records")] if len(rep) else []
    steps = _read_saved_csv(vdir / "cleaning.csv", [])
    log = CleaningLog([CleaningStep(r["file"], r["table"], r["action"], int(r["count"] or 0),
                                    r["reason"], r["column"],
                                    [r["examples"]] if r["examples"] else [])
                       for r in steps.to_dict("records")] if len(steps) else [])
    report = ValidationReport(issues)
    if tables == root and not _is_dataset(tables):  # checked, but no table was usable
        return ClientLoad(report, log, [], None, origin=_origin(source or root))
    data = load(tables)
    recorded = read_sources_record(vdir)
    if recorded is not None:
        data.meta["sources"] = recorded
    fmt = data.meta.get("format", "parquet")
    sources = [SourceInfo(f"{tables.name}/{name}.{fmt}", name, kind=fmt, rows=len(df), used=True,
                          file_path=str(tables / f"{name}.{fmt}"), records=len(df), kept=len(df))
               for name, df in data.tables.items() if df is not None and len(df)]
    return ClientLoad(report, log, sources, data, origin=_origin(source or root), saved=root)


def _origin(source) -> tuple:
    """The paths a load was given (a folder, a file, or the files of a dict)."""
    if isinstance(source, dict):
        return tuple(Path(v) if k in TABLES else Path(k) for k, v in source.items())
    return (Path(source),)


def _resolve(source, mapping_files: dict, table: str | None) -> list[tuple[Path, str | None]]:
    if isinstance(source, dict):
        out = []
        for k, v in source.items():
            if k in TABLES:
                out.append((Path(v), k))
            elif v in TABLES:
                out.append((Path(k), v))
            else:
                raise ClientDataError(f"source dict must map table names ({', '.join(TABLES)}) "
                                      f"to files; got {k!r}: {v!r}")
        return out
    if not isinstance(source, (str, os.PathLike)):
        raise ClientDataError(f"source must be a file, a folder or a dict of files, not "
                              f"{type(source).__name__}")
    path = Path(source)
    if not path.exists():
        raise ClientDataError(f"{path} does not exist")
    if path.is_dir():
        files = list_client_files(path)
        if not files:
            raise ClientDataError(f"{path} holds no client files ({', '.join(SUPPORTED)})")
        return [(f, mapping_files.get(f.name)) for f in files]
    return [(path, table or mapping_files.get(path.name) or "?single")]


def load_client(source, mapping=None, *, table: str | None = None, dayfirst: bool | None = None,
                decimal: str | None = None, today=None, progress: bool = True,
                max_bad_rows: float | None = None) -> ClientLoad:
    """Load a client's exports into the kit's data model, with a validation report and a
    cleaning log.

    Parameters
    ----------
    source : a file (read as a transactions export unless its name or columns say otherwise,
        or ``table`` does), a folder of files (each file's table guessed from its name and
        columns; links leading out of the folder are not followed, and are reported as
        skipped with sub-folders and anything else that is not a regular file), or a dict
        ``{table: file}``. A workbook gives every visible sheet that holds a table (hidden,
        empty and other sheets are noted); a file reached twice is read once (noted); a row
        that an earlier file of the same table holds exactly is dropped (logged with the file
        and line it copies), and an id an earlier file used for another row is reported.
    mapping : dict or YAML file: ``{client column: model column}``, optionally per table, plus
        ``files:`` and ``options:`` (see :mod:`.mapping`). Wins over guessing.
    table : the table of a single file.
    dayfirst : read 05/01/2024 as 5 January (True) or May 1 (False); None decides from the data
        (day-first when nothing decides, with a warning; an error when a few dates decide for
        many, see :mod:`.dates`). A date that allows only one order (13/01/2024) is always
        read in that order, and reported when it disagrees.
    decimal : "," or "." for amounts that could be either ("1,234", "250.000"); None: the
        column decides (see :mod:`.parsing`), and says how. An amount whose mark is plain
        ("1,5", "9.5") is always read by it.
    today : dates after this are reported as future dates (default: now).
    progress : progress bars while reading large files.
    max_bad_rows : the share of a file's rows that may be lost to unreadable or blank required
        values (dropped, with counts and examples, as warnings) before the file is an error
        (``too_many_bad_rows``): 0.05 unless the mapping's ``options:`` say otherwise.

    A folder that :meth:`ClientLoad.save` wrote (``tables/`` beside ``validation/``), or a
    dataset folder of :meth:`crm_training.CRMData.save`, is taken as it is: its tables are
    loaded, and its report and cleaning log are those saved with it (see :func:`load_saved`).

    Minimal exports work: a transactions export with customer id, date and amount only gets
    a ``transaction_id`` per row (``T<file>.<line>``: the file's number among the
    transactions files and the row's line; logged), a quantity of 1 and customers derived
    from the ids.

    Returns
    -------
    ClientLoad with ``data`` (CRMData; ``meta["source"] == "client"``, ``meta["currency"]`` the
    currency written on the amounts or given by a currency column, such as "CNY", when they
    name one), ``report``,
    ``cleaning``, ``sources`` and ``ok``. A file that cannot be read (or that trips a fault of
    the kit) is one error of the report; the other files are still loaded. For every file used,
    its rows kept plus the rows dropped in the cleaning log equal the records it holds.

    Raises
    ------
    ClientDataError
        For a source that does not exist or an invalid mapping; problems of the data itself
        are reported, not raised.
    """
    saved = saved_folder(source)
    if saved is not None:
        return load_saved(saved, source)
    m = mp.load_mapping(mapping)
    max_bad_rows, dayfirst, decimal, table, today = options(m, max_bad_rows, dayfirst, decimal,
                                                            table, today)
    report, log = ValidationReport(), CleaningLog()
    sources, parsed = [], []
    loose_found = set()
    files = _resolve(source, m["files"], table)
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        for p, why in skipped_client_files(source):
            report.add("skipped_file", "warning", p.name, f"{p.name} {why}")
    stages = _stage_bar(progress, files)
    seen: dict = {}
    numbers: dict = {}  # table -> how many of its files were parsed (for derived ids)
    info_of: dict = {}  # id of a ParsedTable -> its SourceInfo (for the rows kept)
    for path, tname in files:
        stages.set_description(f"reading {path.name}")
        stages.update()
        same = _same_file(path, seen)
        if same is not None:  # a link, a hard link, the same file named twice: read once
            report.add("same_file", "warning", path.name,
                       f"{path.name} is the same file as {same} (a link to it or another name "
                       f"for it); {RULES['same_file'][2]}")
            continue
        try:
            raws = _read_file(path, progress, tname, m, report, log)
        except ClientDataError as e:
            sources.append(SourceInfo(path.name, None, file_path=str(path)))
            report.add("unreadable_file", "error", path.name, str(e))
            continue
        except Exception as e:  # a fault of the kit must cost this file only, not the folder
            sources.append(SourceInfo(path.name, None, file_path=str(path)))
            report.add("unreadable_file", "error", path.name, _fault(path.name, "read", e))
            continue
        for raw, tname in raws:
            name = raw.name
            info = SourceInfo(name, None, file_path=str(path))
            sources.append(info)
            info.kind, info.encoding, info.delimiter = raw.kind, raw.encoding, raw.delimiter
            info.header_line, info.sheet = raw.header_line, raw.sheet or ""
            info.records = _records(raw)
            cols = list(raw.frame.columns)
            info.columns_found = [str(c) for c in cols]
            if tname == "?single":
                tname = _single_table(name, cols)
            elif tname is None:
                tname = mp.guess_table(name, cols)
                if tname is None:
                    report.add("unknown_table", "warning", name,
                               "could not tell which table this file holds (name it after the "
                               "table or add it under 'files:' in the mapping); the file was "
                               "skipped")
                    log.add(name, "(no table)", "dropped", _records(raw),
                            "the file was not used (see the report)")
                    continue
            info.table = tname
            # entries for every file apply where the column exists; for a table must match
            loose = {k: v for k, v in m["columns"].get("*", {}).items()
                     if k in cols and v in TABLES[tname].names}
            loose_found.update(k for k in m["columns"].get("*", {}) if k in cols)
            explicit = {**loose, **m["columns"].get(tname, {})}
            numbers[tname] = numbers.get(tname, 0) + 1
            try:
                pt = parse_table(raw, tname, report, explicit, dayfirst, decimal,
                                 id_prefix=f"T{numbers[tname]}.", codes=m["codes"])
            except Exception as e:
                report.add("unreadable_file", "error", name, _fault(name, "check", e))
                pt = None
            if pt is None:
                log.add(name, tname, "dropped", _records(raw),
                        "the file was not used (see the report)")
                continue
            info.rows, info.columns, info.ignored = len(pt.typed), pt.columns, pt.ignored
            info.used, info.derived, info.records = True, list(pt.derived), pt.records
            names = TABLES[tname].names
            info.how = {src: "mapping" if explicit.get(src) == dst else
                        "name" if dst in names else "content" for src, dst in pt.columns.items()}
            info.codes = {c: w for c in pt.columns.values() if c in names
                          for w in [column_words(m["codes"], tname, c)] if w}
            info_of[id(pt)] = info
            parsed.append(pt)
        del raws
    try:  # rows that several files of one table hold (overlapping exports)
        check_across_files(parsed, report)
    except Exception as e:
        report.add("unreadable_file", "error", "(all files)", _fault("the comparison of the "
                                                                     "files", "check", e))

    for k in m["columns"].get("*", {}):
        if k not in loose_found and any(s.kind for s in sources):
            report.add("mapping_column_not_found", "error", "mapping",
                       f"the mapping names column {k!r}, which no file has; found: "
                       + "; ".join(f"{s.file}: {names_list(s.columns_found)}"
                                   for s in sources if s.kind))
    cleaned: dict[str, list] = {}
    customer_ids = None
    for pt in sorted(parsed, key=lambda p: p.table != "customers"):  # customers first
        stages.set_description(f"validating {pt.file}")
        try:
            check_rules(pt, report, customer_ids if pt.table != "customers" else None, today)
            stages.update()
            stages.set_description(f"cleaning {pt.file}")
            df = clean_table(pt, report, log)
        except Exception as e:
            report.add("unreadable_file", "error", pt.file, _fault(pt.file, "check", e))
            log.add(pt.file, pt.table, "dropped", pt.records or len(pt.typed),
                    "the file was not used (see the report)")
            continue
        stages.update()
        if id(pt) in info_of:
            info_of[id(pt)].kept = len(df)
        if pt.derived:
            _derived(pt, report, log)
        _bad_rows(pt, df, report, max_bad_rows)
        # what was read must add up: every record of the file is kept or logged as dropped
        dropped = sum(st.count for st in log.steps if st.file == pt.file and
                      st.table == pt.table and st.action == "dropped")
        if pt.records is not None and len(df) + dropped != pt.records:
            report.add("unreadable_file", "error", pt.file,
                       f"{pt.file}: {pt.records:,} records were read but {len(df):,} kept and "
                       f"{dropped:,} dropped: a fault in the kit, please report it")
        cleaned.setdefault(pt.table, []).append(df)
        if pt.table == "customers":
            ids = df["customer_id"].dropna()
            customer_ids = ids if customer_ids is None else pd.concat([customer_ids, ids])
    if not cleaned:
        stages.close()
        return ClientLoad(report, log, sources, origin=_origin(source))
    tables = {k: pd.concat(v, ignore_index=True) if len(v) > 1 else v[0].reset_index(drop=True)
              for k, v in cleaned.items()}
    first_file = next((p.file for p in parsed if p.table == "customers"), "derived")
    tables["customers"] = build_customers(tables.get("customers"), tables, log, report,
                                          first_file)
    meta = {"source": "client", "industry": "client", "path": str(source) if not isinstance(
        source, dict) else {k: str(v) for k, v in source.items()},
            "files": {s.file: s.table for s in sources}, "currency": _currency(parsed)}
    stages.set_description("building the data model")
    data = to_crmdata(tables, meta)
    stages.update()
    stages.close()
    return ClientLoad(report, log, sources, data, origin=_origin(source))


def options(m: dict, max_bad_rows, dayfirst, decimal, table, today) -> tuple:
    """The loader's options: given ones, else the mapping's ``options:``, checked; ``(max_bad_rows,
    dayfirst, decimal, table, today)``."""
    opts = m["options"]
    if max_bad_rows is None:
        max_bad_rows = opts.get("max_bad_rows", MAX_BAD_ROWS)
    max_bad_rows = check_share(max_bad_rows, "max_bad_rows")
    dayfirst = opts.get("dayfirst", dayfirst) if dayfirst is None else dayfirst
    decimal = opts.get("decimal", decimal) if decimal is None else decimal
    table = table or opts.get("table")
    if table is not None and table not in TABLES:
        raise ClientDataError(f"table must be one of {', '.join(TABLES)}, not {table!r}")
    if decimal not in (None, ",", "."):
        raise ClientDataError(f"decimal must be ',' or '.', not {decimal!r}")
    today = pd.Timestamp.now() if today is None else pd.Timestamp(today)
    return max_bad_rows, dayfirst, decimal, table, today


def check_share(value, name: str = "max_bad_rows") -> float:
    """A share between 0 and 1, given as 0.05 or "5%".

    >>> check_share("5%"), check_share(0.1)
    (0.05, 0.1)
    """
    v = value
    try:
        if isinstance(v, str):
            v = v.strip()
            v = float(v[:-1]) / 100 if v.endswith("%") else float(v)
        v = float(v)
    except (TypeError, ValueError):
        raise ClientDataError(f"{name} must be a share such as 0.05 or 5%, not {value!r}")
    if not 0 <= v <= 1:
        raise ClientDataError(f"{name} must be between 0 and 1 (or 0% and 100%), not {value!r}")
    return v


def _derived(pt, report, log, same=None) -> None:
    """Log the ids the kit made for a file, and report rows it can no longer tell apart
    (``same``: their mask, decided over the whole file for a part of it)."""
    for k in pt.derived:
        log.add(pt.file, pt.table, "changed", len(pt.typed),
                f"no {k} in the export: one made per row, "
                f"{pt.typed[k].iloc[0].rsplit('.', 1)[0]}.<line of the row> (each row is "
                "taken as one order)", k)
    if same is None:
        same = pt.typed.drop(columns=pt.derived).duplicated(keep="first").to_numpy()
    if same.any():
        rows = pt.typed.index[same]
        report.add("identical_rows", "warning", pt.file,
                   f"{len(rows):,} rows repeat an earlier row on every column; without order "
                   "ids the kit cannot tell a second purchase of the same kind on the same day "
                   "from a line exported twice, so they were kept (map an order id column if "
                   "the export has one)", count=len(rows), table=pt.table,
                   examples=[{"line": int(n)} for n in rows[:5]], rows=rows)


def _bad_rows(pt, df, report, max_bad_rows: float) -> None:
    """Decide whether the rows a file lost block it: only when more than ``max_bad_rows`` of
    its records could not be used (or none is left); below that they are warnings."""
    if len(df) == 0:
        report.add("no_usable_rows", "error", pt.file,
                   f"no usable row is left of the {pt.records or 0:,} records of {pt.file} "
                   "(see the problems above)", table=pt.table)
        return
    issues = [i for i in report.issues if i.file == pt.file and i.code in BAD_ROW_CODES
              and i.count]
    if not issues:
        return
    rows = issue_rows(report, pt.file, BAD_ROW_CODES[0])
    for code in BAD_ROW_CODES[1:4]:
        rows = rows.union(issue_rows(report, pt.file, code))
    bad = len(rows) + sum(i.count for i in issues if i.code in BAD_ROW_CODES[4:])
    records = max(pt.records or 0, len(df) + bad)
    share = bad / records
    if share <= max_bad_rows:
        for i in issues:
            i.severity = "warning"
        return
    report.add("too_many_bad_rows", "error", pt.file,
               f"{bad:,} of the {records:,} records of {pt.file} ({share:.1%}) could not be "
               f"used, more than the {max_bad_rows:.0%} allowed (--max-bad-rows): an analysis "
               "of the rest would not be trustworthy; fix the export, or raise the limit if "
               "the loss is understood", count=bad, table=pt.table)


def _fault(name: str, what: str, e: Exception) -> str:
    first = str(e).splitlines()[0][:120] if str(e) else ""
    done = {"read": "read", "check": "checked"}.get(what, what + "ed")
    return (f"{name} could not be {done} because of a fault in the kit ({type(e).__name__}"
            f"{': ' + first if first else ''}); the other files were still read, please "
            "report this one")


def _same_file(path: Path, seen: dict):
    """The name of a file read before that is the same file as ``path`` (a symbolic or hard
    link, the same file named twice), or None; records ``path`` in ``seen``."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (st.st_dev, st.st_ino)
    if key in seen:
        return seen[key]
    seen[key] = path.name
    return None


def _single_table(name, cols) -> str:
    """The table of a file given alone: the one its name and columns say, if its required
    columns are there, else transactions."""
    guess = mp.guess_table(name, cols, default="transactions")
    ok = all(c in mp.guess_columns(cols, guess).values() for c in TABLES[guess].required)
    return guess if ok else "transactions"


def _read_file(path: Path, progress: bool, tname, m, report, log) -> list:
    """``[(RawTable, table or None or "?single")]`` of a file: one, or for a workbook one per
    sheet that holds a table (the others, and hidden, empty and chart sheets, noted)."""
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return [(read_raw(path, progress=progress, header_hint=mp.header_score), tname)]
    from .workbooks import read_sheets

    raws, skipped = read_sheets(path, header_hint=mp.header_score)
    if not raws:
        import pandas as pd

        empty = RawTable(path, pd.DataFrame(), "excel", records=0)
        raws = [empty]
    picked = []
    for raw in raws:
        t = m["files"].get(f"{path.name}!{raw.sheet}", tname)
        cols = list(raw.frame.columns)
        if t == "?single":
            t = _single_table(f"{path.stem} {raw.sheet}", cols)
        elif t is None:
            t = mp.guess_table(f"{path.stem} {raw.sheet}", cols)
        explicit = {**m["columns"].get("*", {}), **m["columns"].get(t, {})} if t else {}
        holds = t is not None and all(
            c in map_columns(cols, t, explicit)[0].values() for c in TABLES[t].required)
        picked.append((raw, t, holds))
    if len(picked) > 1:
        use = [p for p in picked if p[2]] or picked[:1]
        for raw, t, holds in picked:
            if not any(raw is u[0] for u in use):
                skipped.append((raw.sheet, "its columns are not those of a table"))
                log.add(f"{path.name}!{raw.sheet}", t or "(no table)", "dropped", _records(raw),
                        "the sheet was not used (see the report)")
        picked = use
    if skipped:
        read = [repr(r.sheet) for r, _, _ in picked if r.sheet]
        left = ", ".join(f"{n!r} ({why})" for n, why in skipped)
        report.add("skipped_sheets", "warning", path.name,
                   f"{path.name}: read sheet{'s' * (len(read) > 1)} {', '.join(read) or 'none'}"
                   f"; not read: {left}", count=0)
    if len(picked) > 1:
        for raw, _, _ in picked:
            raw.label = f"{path.name}!{raw.sheet}"
    return [(raw, t) for raw, t, _ in picked]


def _records(raw) -> int:
    """The data records of a file that was read (rows, plus lines left out reading it)."""
    if getattr(raw, "records", None) is not None:
        return raw.records
    return len(raw.frame) + len(raw.malformed)


def _currency(parsed: list) -> str:
    """The currency of the amounts (from their signs: ¥, €, $ ...), "" when none was written
    or when files or columns disagree (reported as mixed_currencies where they do)."""
    found = {c for pt in parsed for c in pt.currencies.values()}
    return found.pop() if len(found) == 1 and "+" not in next(iter(found)) else ""


def _stage_bar(progress: bool, files: list):
    """A progress bar over the steps of an import (parse, validate and clean each file, build),
    shown for large imports only (reading a large CSV has its own bar by bytes)."""
    from tqdm.auto import tqdm

    size = sum(p.stat().st_size for p, _ in files if p.is_file())
    return tqdm(total=3 * len(files) + 1, disable=not progress or size < (32 << 20),
                unit="step", desc="checking")


def complete(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Add the model's columns missing from ``df`` as blanks of the right type (so that
    :func:`crm_training.schema.conform` can cast every column)."""
    df = df.reset_index(drop=True)
    for c in TABLES[table].columns:
        if c.name in df.columns:
            continue
        if c.dtype == "bool":
            df[c.name] = False
        elif c.dtype.startswith("datetime"):
            df[c.name] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
        elif c.dtype in ("float64",):
            df[c.name] = float("nan")
        elif c.dtype == "int64":
            df[c.name] = 0
        elif c.dtype in ("Int8", "Int16"):
            df[c.name] = pd.array([pd.NA] * len(df), dtype=c.dtype)
        else:
            df[c.name] = pd.Series(pd.NA, index=df.index, dtype="object").astype("str")
    for c in TABLES[table].columns:  # nullable integers may arrive as float with NaN
        if c.dtype in ("Int8", "Int16") and df[c.name].dtype != c.dtype:
            df[c.name] = df[c.name].astype("Float64").astype(c.dtype)
        elif c.dtype == "bool":
            df[c.name] = df[c.name].fillna(False).astype(bool)
    return df


def to_crmdata(tables: dict, meta: dict | None = None):
    """Build a :class:`crm_training.CRMData` from partial tables (missing columns blank).

    Examples
    --------
    >>> import pandas as pd
    >>> d = to_crmdata({"transactions": pd.DataFrame({"transaction_id": ["t1"],
    ...     "customer_id": ["c1"], "timestamp": pd.to_datetime(["2024-01-01"]), "amount": [5.0]})})
    >>> d.customers.shape, d.transactions["is_return"].tolist()
    ((0, 17), [False])
    """
    from ..data import CRMData

    fields = {f.name for f in dataclasses.fields(CRMData)}
    full = {name: complete(tables[name] if tables.get(name) is not None
                           else pd.DataFrame({"customer_id": pd.Series([], dtype="str")}), name)
            for name in TABLES if name in fields}
    return CRMData(**full, meta=dict(meta or {}))
