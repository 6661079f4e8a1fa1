"""Client exports larger than memory: validated and cleaned part by part, written as Parquet.

:func:`load_client_streamed` gives what :func:`~.loader.load_client` gives, with the same
checks, messages and cleaning log, for files that do not fit in memory: a CSV is cut at line
breaks outside quoted values (a Parquet file by row batches) into parts of ``chunk_bytes``;
each part is read by the same reader (its lines numbered as in the whole file), parsed,
checked and cleaned by the same functions, and appended to ``out/tables/<table>.parquet``.
What depends on the whole file is decided over the whole file:

- the day order of dates and the decimal mark of amounts: from the evidence of every part
  added up; a part that alone would decide otherwise is parsed again with the file's choice;
- repeated rows, repeated ids (and the -2, -3 suffix of each), rows that differ only in the
  ids the kit made: from two independent 64-bit hashes of every typed row (128 bits, kept on
  disk), ranked with DuckDB window functions in the order of the file;
- returns linked to their orders: one as-of join over the returns and the sales of the same
  customer and amount, in the order of the file;
- the customers table: from the customers file and, for ids only seen in other tables, their
  first date (DuckDB over the written tables).

Memory is bounded by a part (about ten times ``chunk_bytes``) plus the hashes of the rows
that repeat; disk holds the output, the hashes (16 bytes a row) and one part at a time.
Issues of the parts are merged into one per code, file and column (counts added, rows joined,
the first five examples); a few column-level findings word their figures per part (mixed
decimal marks, garbled lines): those keep the first part's words and say so.

Limits: one file per table (several overlapping exports of one table are compared in memory
by :func:`~.loader.load_client`); UTF-16 text is read whole; ``--anonymise`` is not offered
(the pseudonyms are made in memory).
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..exports import write_csv
from ..fileio import atomic_output_dir
from ..schema import TABLES
from . import mapping as mp
from .channels import column_words
from .cleaning import _REASONS, _asof_links, build_customers, clean_table
from .csvblocks import _quote_message
from .loader import (SOURCES_FILE, TABLES_DIR, VALIDATION_DIR, ClientLoad, SourceInfo,
                     _bad_rows, _derived, _origin, _records, _resolve, _single_table,
                     options, to_crmdata)
from .reading import (EXCEL_SUFFIXES, PARQUET_SUFFIXES, SAMPLE_BYTES, ClientDataError,
                      RawTable, _BREAK, _decode_sample, _header_record, _split_lines, read_raw,
                      skipped_client_files, sniff_delimiter)
from .parsing import Evidence
from .report import CleaningLog, Issue, ValidationReport
from .validation import ROW_KEYS, check_rules, names_list, parse_table

CHUNK_BYTES = 256 << 20  # a part of a CSV: about 2.5 GiB in memory while it is checked
_SCAN_BYTES = 16 << 20  # read at a time while looking for the cuts


# ---------------------------------------------------------------------- cutting a file
@dataclass
class Part:
    """Bytes ``start:end`` of a text file (lines from ``first_line``), or rows ``start:end``
    of a Parquet file (``first_line`` = start + 1)."""

    start: int
    end: int
    first_line: int


def text_parts(path: Path, chunk_bytes: int = CHUNK_BYTES) -> tuple:
    """``(prefix bytes, prefix lines, parts, delimiter)`` of a CSV: the prefix runs to the end
    of the header record (title rows included); each part ends at a line break outside quoted values
    (the parity of the quotes, counted from the part's start), at least ``chunk_bytes`` after
    its start. Raises :class:`ClientDataError` for UTF-16 text (read it whole)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    enc, text, _ = _decode_sample(sample, size <= len(sample), path.name)
    if enc == "utf-16":
        raise ClientDataError(f"{path.name} is UTF-16 text, which the kit reads whole, not in "
                              "parts: save it as UTF-8")
    lines = _split_lines(text)[:200]
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonblank:
        return size, 0, [], None
    delimiter, header_idx = sniff_delimiter(lines)
    header0 = nonblank[header_idx] if header_idx < len(nonblank) else nonblank[0]
    _, header_last0, _ = _header_record(lines, nonblank, delimiter, header0, mp.header_score)
    # the prefix: the bytes of physical lines 0 .. header_last0 and their breaks
    breaks = [m.end() for m in _BREAK.finditer(sample.decode("latin-1"))]
    if header_last0 >= len(breaks):
        return size, header_last0 + 1, [], delimiter  # the header is all there is
    prefix = breaks[header_last0]
    cut = b"\r" if (b"\n" not in sample and b"\r" in sample) else b"\n"
    parts, start, line = [], prefix, header_last0 + 2
    with open(path, "rb") as f:
        while start < size:
            end, nlines = _next_cut(f, start, size, chunk_bytes, cut)
            parts.append(Part(start, end, line))
            start, line = end, line + nlines
    return prefix, header_last0 + 1, parts, delimiter


def _next_cut(f, start: int, size: int, chunk_bytes: int, cut: bytes) -> tuple[int, int]:
    """End of the part starting at ``start`` and the line breaks in it (the quotes before
    each break counted by a search among the quotes' positions: memory of the breaks only)."""
    quotes, breaks, pos = 0, 0, start
    target = start + chunk_bytes
    while pos < size:
        f.seek(pos)
        b = np.frombuffer(f.read(_SCAN_BYTES), np.uint8)
        q = np.flatnonzero(b == ord('"'))
        at = np.flatnonzero(b == ord(cut))
        if pos + len(b) >= target:
            late = at[pos + at >= target - 1]
            even = (quotes + np.searchsorted(q, late)) % 2 == 0
            if even.any():
                k = int(late[np.argmax(even)])
                return pos + k + 1, breaks + int(np.count_nonzero(at <= k))
        quotes, breaks, pos = quotes + len(q), breaks + len(at), pos + len(b)
    return size, breaks


def _part_file(path: Path, prefix: int, part: Part, scratch: Path) -> Path:
    """The part as a file of its own: the file's prefix (title rows, header) and its lines."""
    out = scratch / f"part{path.suffix or '.csv'}"
    with open(path, "rb") as src, open(out, "wb") as dst:
        dst.write(src.read(prefix))
        src.seek(part.start)
        left = part.end - part.start
        while left > 0:
            block = src.read(min(left, _SCAN_BYTES))
            if not block:
                break
            dst.write(block)
            left -= len(block)
    return out


def read_parts(path: Path, chunk_bytes: int, scratch: Path, progress=None):
    """Yield ``(k, RawTable)`` for each part of ``path``, numbered as lines of the whole file
    and named as the file (a workbook, or a small file, is one part)."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES or path.stat().st_size <= chunk_bytes:
        raw = read_raw(path, progress=False, header_hint=mp.header_score)
        if progress is not None:
            progress.update(path.stat().st_size)
        yield 0, raw
        return
    if suffix in PARQUET_SUFFIXES:
        yield from _parquet_parts(path, chunk_bytes, scratch, progress)
        return
    prefix, plines, parts, delimiter = text_parts(path, chunk_bytes)
    if not parts:
        yield 0, read_raw(path, progress=False, header_hint=mp.header_score)
        return
    for k, part in enumerate(parts):
        tmp = _part_file(path, prefix, part, scratch)
        try:  # the file's delimiter: a part's few lines may not show it
            raw = read_raw(tmp, progress=False, header_hint=mp.header_score,
                           delimiter=delimiter)
        finally:
            tmp.unlink()
        raw.path = path
        _shift(raw, part.first_line - plines - 1, plines, k)
        if progress is not None:
            progress.update(part.end - part.start + (prefix if k == 0 else 0))
        yield k, raw


def _parquet_parts(path: Path, chunk_bytes: int, scratch: Path, progress):
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    n = pf.metadata.num_rows
    per_row = max(1, path.stat().st_size // max(n, 1))
    rows = max(1, chunk_bytes // (4 * per_row))  # Parquet holds ~4x its size as text
    done = 0
    for k, batch in enumerate(pf.iter_batches(batch_size=rows)):
        tmp = scratch / "part.parquet"
        pq.write_table(__import__("pyarrow").Table.from_batches([batch]), tmp)
        try:
            raw = read_raw(tmp, progress=False)
        finally:
            tmp.unlink()
        raw.path = path
        _shift(raw, done, 0, k)
        done += batch.num_rows
        if progress is not None:
            progress.update(path.stat().st_size * batch.num_rows // max(n, 1))
        yield k, raw


def _shift(raw: RawTable, shift: int, plines: int, k: int) -> None:
    """Number the lines of a part as lines of the whole file; the header's own problems are
    kept for the first part only."""
    if shift:
        raw.frame.index = raw.frame.index + shift
        raw.malformed = [(None if n is None else n + shift, t) for n, t in raw.malformed]
        raw.blank_lines = [n + shift for n in raw.blank_lines]
    kept = []
    for prob in raw.problems:
        lines = prob.get("lines")
        if k and lines is not None and len(lines) and max(lines) <= plines:
            continue  # a problem of the header, said by the first part
        if shift:
            prob = dict(prob)
            if lines is not None:
                prob["lines"] = [int(n) + shift for n in lines]
            prob["examples"] = [{**e, "line": e["line"] + shift} if "line" in e else e
                                for e in prob.get("examples", ())]
            if "values" in prob:
                prob["values"] = [(n + shift, v, fix) for n, v, fix in prob["values"]]
            if prob["code"] == "unclosed_quote" and prob.get("drop"):
                prob["message"] = _quote_message([(n, 0) for n in prob["lines"]])
        kept.append(prob)
    raw.problems = kept


# ---------------------------------------------------------------------- whole-file hashes
def typed_hashes(typed: pd.DataFrame, groups: dict) -> pd.DataFrame:
    """Two independent 64-bit hashes (``<name>_a``, ``<name>_b``) of each group of columns of
    ``typed`` per row, equal for rows whose values are equal whatever part they are in (each
    value as text with its length, a blank as a mark no text gives; NaN is blank, -0.0 is 0)."""
    import duckdb
    import pyarrow as pa

    cols = list(dict.fromkeys(c for g in groups.values() for c in g))
    name = {c: f"c{i}" for i, c in enumerate(cols)}
    data = {}
    for c in cols:
        s = typed[c]
        if s.dtype.kind == "f":
            x = s.to_numpy(np.float64, copy=True)
            x[x == 0] = 0.0
            data[name[c]] = pa.array(x, mask=np.isnan(x))
        elif isinstance(s.dtype, pd.CategoricalDtype):
            data[name[c]] = pa.array(s.astype(object).where(s.notna(), None).astype("str"),
                                     pa.string(), from_pandas=True)
        else:
            data[name[c]] = pa.array(s, from_pandas=True)
    text = {c: f"coalesce(length(CAST({name[c]} AS VARCHAR)) || ':' || CAST({name[c]} AS "
               f"VARCHAR), '~')" for c in cols}
    sel = []
    for g, members in groups.items():
        joined = " || '|' || ".join(text[c] for c in members) or "''"
        sel.append(f"hash({joined}) AS {g}_a, hash('#' || {joined}) AS {g}_b")
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")
        con.register("t", pa.table(data) if data else pa.table({"x": np.zeros(len(typed))}))
        out = con.sql(f"SELECT {', '.join(sel)} FROM t").df()
    finally:
        con.close()
    return out


DUCKDB_MEMORY = "2GB"  # what DuckDB may hold of the whole-file steps (it spills beyond)


def _duck():
    """A DuckDB connection held to :data:`DUCKDB_MEMORY`, spilling to the system's temporary
    folder beyond it (the ranks and joins over every row of a file)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    con.execute("SET preserve_insertion_order = false")
    return con


# ---------------------------------------------------------------------- merging reports
# The order of the checks (parse_table's, then cleaning's), for issues and steps that no part
# holds together: those that one part holds keep its order.
_PARSE_ORDER = ("unclosed_quote", "mixed_encoding", "mojibake", "nul_bytes",
                "mapping_column_not_found", "duplicate_headers", "ambiguous_columns",
                "missing_columns", "malformed_lines", "blank_rows", "empty_file")


# within a column, as parse_table reports: findings, then unreadable and blank values
_COLUMN_ORDER = ("mixed_decimal_marks", "ambiguous_decimal", "mixed_currencies",
                 "mixed_date_order", "ambiguous_date_order", "time_zone_offset",
                 "mixed_time_zones", "excel_serial_dates", "numeric_id", "formula_without_value",
                 "ambiguous_dates", "blank_required_value", "unknown_code",
                 "bad_required_value", "bad_value")
# codes a column may have several of, each with its own words (no counts in them)
_WORDED = {"bad_value", "bad_required_value", "blank_required_value", "formula_without_value",
           "unknown_code"}


def _issue_key(i) -> tuple:
    return (i.code, i.file, i.table, i.column, i.severity,
            i.message if i.code in _WORDED else "")


def _rank_issue(key, columns):
    code, column, words = key[0], key[3], key[5]
    if code in _PARSE_ORDER and not column:
        return (0, _PARSE_ORDER.index(code), 0, 0)
    where = columns.index(column) if column in columns else len(columns)
    what = _COLUMN_ORDER.index(code) if code in _COLUMN_ORDER else len(_COLUMN_ORDER)
    return (1, where, what, 0 if words.startswith("dates without a day") else
            2 if words.startswith("dates before 1677") else 1)


def _rank_step(key, columns):
    from .cleaning import _DROP_ORDER, _READ_DROPS

    reason = key[3]
    known = list(_READ_DROPS.values()) + [_REASONS[c] for c in _DROP_ORDER]
    if reason in known:
        return (0, known.index(reason), 0, 0)
    return (1, 0, 0, 0)


def _merged_order(chains: list, rank) -> list:
    """The keys of every part's list in one order: each part's order kept (a topological sort
    of their chains); keys no part orders by ``rank``, then by the part they first appear in."""
    import heapq

    first, after, before = {}, {}, {}
    for p, chain in enumerate(chains):
        for j, key in enumerate(chain):
            first.setdefault(key, (p, j))
            after.setdefault(key, set())
            before.setdefault(key, set())
            if j:
                prev = chain[j - 1]
                if key not in after[prev] and prev != key:
                    after[prev].add(key)
                    before[key].add(prev)
    heap = [(rank(k), first[k], k) for k in first if not before[k]]
    heapq.heapify(heap)
    out, left = [], {k: len(v) for k, v in before.items()}
    while heap:
        _, _, k = heapq.heappop(heap)
        out.append(k)
        for n in after[k]:
            left[n] -= 1
            if not left[n]:
                heapq.heappush(heap, (rank(n), first[n], n))
    out += [k for k in sorted(first, key=lambda k: first[k]) if k not in out]  # a cycle
    return out


def merge_reports(reports: list[ValidationReport], parts: int, columns=()) -> ValidationReport:
    """One report from the reports of a file's parts: one issue per code, file, table, column
    and severity, in the order the checks run (each part's list is a run of that order);
    counts added, rows joined, the first five examples. A message that starts with its count
    ("13 rows repeat ...") gets the file's."""
    merged: dict = {}  # key -> [issue, its words without the count, varied]
    columns = list(columns)
    order = _merged_order([[_issue_key(i) for i in rep.issues] for rep in reports],
                          lambda k: _rank_issue(k, columns))
    for rep in reports:
        for i in rep.issues:
            key = _issue_key(i)
            stem = _stem(i.message, i.count)
            if key not in merged:
                merged[key] = [Issue(i.code, i.severity, i.file, i.message, i.count, i.table,
                                     i.column, list(i.examples), i.rows), stem, False]
                continue
            m = merged[key][0]
            if not m.count and i.count:  # a part without such cells words it without the
                m.message, merged[key][1] = i.message, stem  # remedy: take one with them
            elif i.count and stem != merged[key][1]:
                merged[key][2] = True
            m.count += i.count
            m.examples = (m.examples + list(i.examples))[:5]
            if i.rows is not None and len(i.rows):
                m.rows = i.rows if m.rows is None or not len(m.rows) else \
                    m.rows.append(pd.Index(i.rows))
    out = ValidationReport()
    for key in order:
        m, stem, varied = merged[key]
        if varied:
            m.message += (f" (the figures of the first of the {parts} parts the file was "
                          f"checked in; {m.count:,} in all)")
        elif stem != m.message:
            m.message = f"{m.count:,}{stem}"
        out.issues.append(m)
    return out


def _stem(message: str, count: int) -> str:
    """A message without its leading count ("13 rows repeat ..." -> " rows repeat ..."), or
    the message itself when it does not start with the count."""
    lead = f"{count:,}"
    return message[len(lead):] if message.startswith(lead + " ") else message


def merge_logs(logs: list[CleaningLog]) -> CleaningLog:
    """One cleaning log from the logs of a file's parts: counts of the same step added, in the
    order the steps are taken."""
    merged: dict = {}
    drops = set(_REASONS.values())

    def key(st):  # the rows a code drops are one step, its columns those of every part
        return (st.file, st.table, st.action, st.reason,
                "" if st.action == "dropped" and st.reason in drops else st.column)

    order = _merged_order([[key(st) for st in log.steps] for log in logs],
                          lambda k: _rank_step(k, ()))
    for log in logs:
        for st in log.steps:
            k = key(st)
            if k not in merged:
                merged[k] = dataclasses.replace(st, examples=list(st.examples))
            else:
                m = merged[k]
                m.count += st.count
                m.examples = (list(m.examples) + list(st.examples))[:5]
                if m.column != st.column:
                    m.column = ", ".join(sorted({c for x in (m.column, st.column)
                                                 for c in x.split(", ") if c}))
    out = CleaningLog()
    out.steps = [merged[k] for k in order]
    return out


# ---------------------------------------------------------------------- the loader
@dataclass
class _FileRun:
    """What the passes over one file share."""

    path: Path
    name: str
    table: str
    explicit: dict
    prefix: str
    info: SourceInfo
    options: dict = field(default_factory=dict)  # "dayfirst", "decimal": the file's choices
    hashes: Path | None = None  # the row hashes of the first pass
    records: int = 0
    rows: int = 0
    parse_issues: list = field(default_factory=list)  # the parse-phase issues, merged
    currencies: dict = field(default_factory=dict)  # model column -> currency code
    columns: list = field(default_factory=list)  # the model columns, in the file's order


class StreamedLoad(ClientLoad):
    """Result of :func:`load_client_streamed`: the report, the cleaning log and the sources;
    the tables are on disk (``folder/tables``), not in memory (``rows``: rows per table)."""

    def __init__(self, report, cleaning, sources, rows, folder, origin=(), built=True):
        super().__init__(report, cleaning, sources, None, origin=origin)
        self.rows, self.folder, self.built = rows, folder, built

    @property
    def ok(self) -> bool:
        return self.report.ok and self.built

    @property
    def data(self):
        from ..data import load

        return load(self.folder)

    def redactor(self):  # names are not kept in memory: the reports are not redacted
        raise ClientDataError("a streamed import is not anonymised: load it in memory")

    def to_text(self, redact: bool = False) -> str:
        text = super().to_text(False)
        if not self.built:  # no table was built: as load_client says it
            return text
        head, verdict = text.rsplit("\n\n", 1)
        result = ", ".join(f"{k} {n:,}" for k, n in self.rows.items() if n) or "no rows left"
        return f"{head}\n\nResult: {result}\n\n{verdict}"


def load_client_streamed(source, out, mapping=None, *, table: str | None = None,
                         dayfirst: bool | None = None, decimal: str | None = None, today=None,
                         progress: bool = True, max_bad_rows: float | None = None,
                         chunk_bytes: int = CHUNK_BYTES, force: bool = False,
                         inputs=()) -> StreamedLoad:
    """:func:`~.loader.load_client` for exports larger than memory, writing the folder that
    :meth:`ClientLoad.save` writes (``out/tables`` as Parquet, ``out/validation``) part by
    part (see the module). Same parameters, plus ``out`` (a new folder; ``force`` replaces
    one the kit wrote) and ``chunk_bytes`` (the size of a part of a CSV)."""
    from tqdm.auto import tqdm

    m = mp.load_mapping(mapping)
    max_bad_rows, dayfirst, decimal, table, today = options(m, max_bad_rows, dayfirst, decimal,
                                                            table, today)
    if int(chunk_bytes) < 1:
        raise ClientDataError(f"chunk_bytes must be a positive number, not {chunk_bytes!r}")
    files = _resolve(source, m["files"], table)
    head = ValidationReport()
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        for p, why in skipped_client_files(source):
            head.add("skipped_file", "warning", p.name, f"{p.name} {why}")
    inputs = [*inputs, *(p for p, _ in files)]
    if isinstance(source, (str, os.PathLike)):
        inputs.append(Path(source))
    size = sum(p.stat().st_size for p, _ in files if p.is_file())
    bar = tqdm(total=3 * size, unit="B", unit_scale=True, disable=not progress,
               desc="checking")
    with atomic_output_dir(out, force=force, inputs=inputs, kind="client") as tmp:
        scratch = tmp / ".scratch"
        scratch.mkdir()
        try:
            res = _run(files, m, head, dayfirst, decimal, today, max_bad_rows,
                       int(chunk_bytes), tmp, scratch, bar, source)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            bar.close()
        _write_reports(res, tmp)
    res.folder = Path(out)
    return res


def _run(files, m, report, dayfirst, decimal, today, max_bad_rows, chunk_bytes, tmp, scratch,
         bar, source) -> StreamedLoad:
    tables_dir = tmp / TABLES_DIR
    tables_dir.mkdir()
    runs: list[_FileRun] = []
    sources, log = [], CleaningLog()
    for path, tname in files:
        r = _first_pass(path, tname, m, dayfirst, decimal, chunk_bytes, scratch, bar, report,
                        sources, log)
        if r is not None:
            runs.append(r)
    by_table: dict = {}
    for r in runs:
        by_table.setdefault(r.table, []).append(r.name)
    for t, names in by_table.items():
        if len(names) > 1:
            raise ClientDataError(f"{len(names)} files hold {t} ({', '.join(names)}): the "
                                  "streamed loader reads one file per table (load overlapping "
                                  "exports in memory, or put them in one file)")
    rows: dict = {}
    customer_ids = None
    rules, logs = [], []
    for r in sorted(runs, key=lambda r: r.table != "customers"):
        rep, lg, ids, n, staged, links = _clean_file(r, m, today, chunk_bytes, scratch, bar,
                                                     customer_ids, max_bad_rows)
        _append(staged, tables_dir / f"{r.table}.parquet", links)
        shutil.rmtree(staged)
        rules.append(rep)
        logs.append(lg)
        rows[r.table] = n
        if r.table == "customers":
            customer_ids = ids
    issues = list(report.issues) + [i for r in runs for i in r.parse_issues]
    report = ValidationReport(issues)
    cols = [c for s in sources for c in s.columns_found]
    for k in m["columns"].get("*", {}):
        if k not in cols and any(s.kind for s in sources):
            report.add("mapping_column_not_found", "error", "mapping",
                       f"the mapping names column {k!r}, which no file has; found: "
                       + "; ".join(f"{s.file}: {names_list(s.columns_found)}"
                                   for s in sources if s.kind))
    report.issues += [i for rep in rules for i in rep.issues]
    log.steps += [st for lg in logs for st in lg.steps]
    if rows:
        rows["customers"] = _customers(tables_dir, rows, runs, log, report)
    found = {c for r in runs for c in r.currencies.values()}
    meta = {"source": "client", "industry": "client",
            "path": str(source) if not isinstance(source, dict) else
            {k: str(v) for k, v in source.items()},
            "files": {s.file: s.table for s in sources},
            "currency": found.pop() if len(found) == 1 and "+" not in next(iter(found)) else "",
            "format": "parquet", "streamed": True}
    if rows:
        for name, df in to_crmdata({}).tables.items():
            if not (tables_dir / f"{name}.parquet").exists():
                df.to_parquet(tables_dir / f"{name}.parquet", index=False)
        (tables_dir / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True,
                                                         default=str), encoding="utf-8")
    else:
        tables_dir.rmdir()
    counts = {t: rows[t] for t in TABLES if rows.get(t)}
    return StreamedLoad(report, log, sources, counts, tables_dir, origin=_origin(source),
                        built=bool(rows))


def _first_pass(path, tname, m, dayfirst, decimal, chunk_bytes, scratch, bar, report,
                sources, log):
    """Pass 1 over a file: parse every part for the evidence of its column rules (day order,
    decimal mark) and write the hashes of its rows (``scratch/<n>.hashes/``). A file in
    several parts is then read as the whole file would be (:class:`.parsing.Evidence`); the
    hashes of a part that alone decided otherwise are made again."""
    info = SourceInfo(path.name, None, file_path=str(path))
    sources.append(info)
    evidence, own_of = {}, []
    run = None
    hashes = scratch / f"{len(sources)}.hashes"
    try:
        for k, raw in read_parts(path, chunk_bytes, scratch, bar):
            if k == 0:
                run = _describe(raw, path, tname, m, info, report, log)
                if run is None:
                    return None
            rep = ValidationReport()
            pt = parse_table(raw, run.table, rep, run.explicit, dayfirst, decimal,
                             id_prefix=run.prefix, codes=m["codes"])
            if pt is None and k == 0:  # the file cannot be used: said as load_client says it
                report.issues.extend(rep.issues)
                log.add(run.name, run.table, "dropped", _records(raw),
                        "the file was not used (see the report)")
                return None
            own = {}
            if pt is not None:
                if k == 0:
                    info.columns, info.ignored = pt.columns, pt.ignored
                    info.derived = list(pt.derived)
                for col, (_, ev) in pt.notes.items():
                    for what, v in ev.items():
                        key = (col, what)
                        evidence[key] = _add(evidence.get(key), v)
                        own[key] = v
                _write_hashes(pt, k, hashes)
            own_of.append(own)
    except ClientDataError as e:
        report.add("unreadable_file", "error", path.name, str(e))
        return None
    if run is None:
        return None
    run.hashes = hashes
    run.options = {"dayfirst": dayfirst, "decimal": decimal}
    if len(own_of) < 2:
        return run
    day = {c: Evidence(v) for (c, w), v in evidence.items() if w == "dayorder"}
    dec = {c: Evidence(v) for (c, w), v in evidence.items() if w == "marks"}
    run.options = {"dayfirst": day if dayfirst is None and day else dayfirst,
                   "decimal": dec if decimal is None and dec else decimal}
    again = [k for k, own in enumerate(own_of) if any(
        _decides(w, own[(c, w)]) != _decides(w, evidence[(c, w)]) for c, w in own)]
    if again:
        for k, raw in read_parts(path, chunk_bytes, scratch, None):
            if k in again:
                pt = _parse(raw, run, m, ValidationReport())
                if pt is not None:
                    _write_hashes(pt, k, hashes)
    return run


def _add(total, part):
    """The evidence of a file so far and of one more part: counts added, the first cells
    kept (at most three, distinct: as the reports show them)."""
    if total is None:
        return tuple(part)
    out = []
    for t, p in zip(total, part):
        if isinstance(t, list):
            seen = {v for v, _ in t}
            out.append((t + [c for c in p if c[0] not in seen])[:3])
        else:
            out.append(t + p)
    return tuple(out)


def _decides(what: str, counts) -> object:
    """What counts decide: the day order (and whether they decide it) or the decimal mark."""
    a, b = counts[:2]
    return (not b > a, a == b == 0) if what == "dayorder" else ("," if a > b else ".")


def _describe(raw, path, tname, m, info, report, log):
    """Which table the file holds and how its columns map (as load_client decides)."""
    cols = list(raw.frame.columns)
    info.kind, info.encoding, info.delimiter = raw.kind, raw.encoding, raw.delimiter
    info.header_line, info.sheet = raw.header_line, raw.sheet or ""
    info.columns_found = [str(c) for c in cols]
    if tname == "?single":
        tname = _single_table(path.name, cols)
    elif tname is None:
        tname = mp.guess_table(path.name, cols)
        if tname is None:
            report.add("unknown_table", "warning", path.name,
                       "could not tell which table this file holds (name it after the "
                       "table or add it under 'files:' in the mapping); the file was "
                       "skipped")
            log.add(path.name, "(no table)", "dropped", _records(raw),
                    "the file was not used (see the report)")
            return None
    info.table = tname
    loose = {k: v for k, v in m["columns"].get("*", {}).items()
             if k in cols and v in TABLES[tname].names}
    explicit = {**loose, **m["columns"].get(tname, {})}
    return _FileRun(path, path.name, tname, explicit, "T1.", info)


def _parse(raw, run, m, rep):
    """Parse a part as the whole file is parsed (its column rules decided over the file)."""
    return parse_table(raw, run.table, rep, run.explicit, run.options["dayfirst"],
                       run.options["decimal"], id_prefix=run.prefix, codes=m["codes"])


def _groups(pt) -> dict:
    key = TABLES[pt.table].key
    row_key = ROW_KEYS.get(pt.table, [key])
    cols = list(pt.typed.columns)
    groups = {"row": cols}
    if set(row_key) <= set(cols):
        groups["key"] = row_key
    if pt.derived:
        groups["same"] = [c for c in cols if c not in pt.derived]
    return groups


def _write_hashes(pt, k: int, folder: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(exist_ok=True)
    h = typed_hashes(pt.typed, _groups(pt))
    h.insert(0, "part", np.int32(k))
    h.insert(1, "pos", np.arange(len(h), dtype=np.int64))
    key = TABLES[pt.table].key
    row_key = ROW_KEYS.get(pt.table, [key])
    if set(row_key) <= set(pt.typed.columns):
        h["has_key"] = pt.typed[row_key].notna().all(axis=1).to_numpy()
        h["blank_id"] = pt.typed[key].isna().to_numpy()
    pq.write_table(pa.Table.from_pandas(h, preserve_index=False), folder / f"{k:06d}.parquet")


def _flags(run) -> tuple[dict, bool]:
    """Per part, the rows that repeat an earlier row of the file, whose id an earlier row
    used, and how many rows of earlier parts used it; whether any id is blank."""

    con = _duck()
    try:
        src = f"read_parquet('{run.hashes.as_posix()}/*.parquet')"
        cols = {r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {src}").fetchall()}
        keyed = "key_a" in cols
        same = "same_a" in cols
        sel = ["part", "pos",
               "row_number() OVER (PARTITION BY row_a, row_b ORDER BY part, pos) > 1 AS dup"]
        if keyed:
            sel += ["row_number() OVER (PARTITION BY key_a, key_b ORDER BY part, pos) > 1 "
                    "AS kdup",
                    "row_number() OVER (PARTITION BY key_a, key_b ORDER BY part, pos) - "
                    "row_number() OVER (PARTITION BY key_a, key_b, part ORDER BY pos) AS prior",
                    "has_key"]
        if same:
            sel.append("row_number() OVER (PARTITION BY same_a, same_b ORDER BY part, pos) > 1 "
                       "AS same")
        cond = "dup" + (" OR (kdup AND has_key) OR (prior > 0 AND has_key)" if keyed else "") \
            + (" OR same" if same else "")
        df = con.sql(f"SELECT * FROM (SELECT {', '.join(sel)} FROM {src}) WHERE {cond} "
                     "ORDER BY part, pos").df()
        blank = bool(con.sql(f"SELECT bool_or(blank_id) FROM {src}").fetchall()[0][0]) \
            if keyed else False
    finally:
        con.close()
    return {k: g for k, g in df.groupby("part", sort=True)}, blank


def _clean_file(run, m, today, chunk_bytes, scratch, bar, customer_ids, max_bad_rows):
    """Pass 2 over a file: check and clean each part with the file's duplicates, stage it as
    Parquet; then link the returns over the whole file. ``(rules report, log, customer ids,
    rows kept, staged folder, links)``; the parse-phase issues go to ``run.parse_issues``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    flags, blank = _flags(run)
    parsed, rules, logs = [], [], []
    kept, ids = 0, []
    staged = scratch / f"{run.name}.staged"
    staged.mkdir()
    for k, raw in read_parts(run.path, chunk_bytes, scratch, bar):
        rep, log = ValidationReport(), CleaningLog()
        pt = _parse(raw, run, m, rep)
        if pt is None:  # a part of blank lines only: its lines are empty rows
            rows = [i for i in rep.issues if i.code == "blank_rows"]
            parsed.append(ValidationReport(rows))
            run.records += _records(raw)
            for i in rows:
                log.add(run.name, run.table, "dropped", i.count, _REASONS["blank_rows"], "",
                        [{"line": int(r)} for r in i.rows[:5]])
            logs.append(log)
            continue
        parsed.append(ValidationReport(rep.issues))
        rep = ValidationReport()
        run.columns = run.columns or list(pt.raw.columns)
        run.records += pt.records
        run.rows += len(pt.typed)
        n = len(pt.typed)
        f = flags.get(k)
        fixed = {"rows": np.zeros(n, bool), "keys": np.zeros(n, bool)}
        same = np.zeros(n, bool)
        prior = np.zeros(n, np.int64)
        if f is not None:
            pos = f["pos"].to_numpy(np.int64)
            fixed["rows"][pos] = f["dup"].to_numpy(bool)
            if "kdup" in f:
                fixed["keys"][pos] = f["kdup"].fillna(False).to_numpy(bool)
                prior[pos] = f["prior"].to_numpy(np.int64)
            if "same" in f:
                same[pos] = f["same"].fillna(False).to_numpy(bool)
        pt.prior = pd.Series(prior, index=pt.typed.index) if prior.any() else None
        pt.blank_keys = blank
        # the parse-phase issues of the part are its own; the rules see a report of them
        both = ValidationReport(parsed[-1].issues + rep.issues)
        check_rules(pt, both, customer_ids if pt.table != "customers" else None, today,
                    fixed=fixed)
        df = clean_table(pt, both, log, link=False)
        if pt.derived:
            _derived(pt, both, log, same=same)
        rules.append(ValidationReport(both.issues[len(parsed[-1].issues):]))
        for c, v in pt.currencies.items():
            run.currencies[c] = v
        logs.append(log)
        kept += len(df)
        if pt.table == "customers":
            ids.append(df["customer_id"].dropna())
        part = to_crmdata({pt.table: df}).tables[pt.table]
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False),
                       staged / f"{k:06d}.parquet")
        del pt, df, part, raw
    run.parse_issues = merge_reports(parsed, len(parsed), run.columns).issues
    rep = merge_reports(rules, len(rules), run.columns)
    log = merge_logs(logs)
    links = _link_returns(staged, run.name, log) if run.table == "transactions" else None
    log.steps = [st for st in log.steps if st.count]  # the place of links there were none of
    info = run.info
    info.used, info.rows, info.kept, info.records = True, run.rows, kept, run.records
    info.how = {src: "mapping" if run.explicit.get(src) == dst else
                "name" if dst in TABLES[run.table].names else "content"
                for src, dst in info.columns.items()}
    info.codes = {c: w for c in info.columns.values() if c in TABLES[run.table].names
                  for w in [column_words(m["codes"], run.table, c)] if w}
    # the bad rows against the limit, and every record kept or logged as dropped
    both = ValidationReport(run.parse_issues + rep.issues)
    n_rules = len(both.issues)
    _bad_rows(SimpleNamespace(file=run.name, table=run.table, records=run.records),
              range(kept), both, max_bad_rows)
    dropped = sum(st.count for st in log.steps if st.file == run.name and st.table == run.table
                  and st.action == "dropped")
    if kept + dropped != run.records:
        both.add("unreadable_file", "error", run.name,
                 f"{run.name}: {run.records:,} records were read but {kept:,} kept and "
                 f"{dropped:,} dropped: a fault in the kit, please report it")
    rep = ValidationReport(rep.issues + both.issues[n_rules:])
    return rep, log, (pd.concat(ids) if ids else None), kept, staged, links


def _link_returns(staged: Path, name: str, log: CleaningLog):
    """The returns of the file linked to the latest earlier order of the same customer with
    the same amount (as :func:`.cleaning.link_returns`, over the whole file): a frame of
    ``part``, ``pos`` and ``original`` (transaction id)."""

    con = _duck()
    try:
        src = (f"read_parquet('{staged.as_posix()}/*.parquet', filename = true, "
               "file_row_number = true)")
        base = (f"SELECT filename, file_row_number AS pos, customer_id, timestamp, "
                f"CAST(round_even(abs(amount) * 100, 0) AS BIGINT) AS cents, "
                f"coalesce(is_return, false) AS ret, original_transaction_id IS NULL AS open, "
                f"transaction_id FROM {src} WHERE timestamp IS NOT NULL AND amount IS NOT NULL "
                f"AND customer_id IS NOT NULL")
        con.execute(f"CREATE TEMP VIEW b AS {base}")
        cand = con.sql("SELECT * FROM b WHERE (ret AND open) OR (NOT ret AND (customer_id, "
                       "cents) IN (SELECT (customer_id, cents) FROM b WHERE ret AND open)) "
                       "ORDER BY filename, pos").df()
        # in link_returns a sale needs only a date and an amount (its customer id may be blank
        # only for rows that no return can match): the rows left out here match none
    finally:
        con.close()
    if not len(cand) or not cand["ret"].any():
        return None
    cust = pd.factorize(cand["customer_id"])[0]
    ts = cand["timestamp"].to_numpy("datetime64[ns]")
    cents = cand["cents"].to_numpy(np.int64)
    ret = cand["ret"].to_numpy(bool)
    todo = ret & cand["open"].to_numpy(bool)
    got = _asof_links(cust, ts, cents, todo, ~ret)
    if not len(got):
        return None
    rows = got["row"].to_numpy(np.int64)
    out = pd.DataFrame({"filename": cand["filename"].to_numpy()[rows],
                        "pos": cand["pos"].to_numpy(np.int64)[rows],
                        "original": cand["transaction_id"].to_numpy()[
                            got["original_row"].to_numpy(np.int64)]})
    for st in log.steps:
        if st.action == "linked" and st.count == 0:
            st.count = len(out)
    return out


def _append(staged: Path, target: Path, links) -> None:
    """The staged parts, in order, into one Parquet file (the links filled in)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    by_file = {} if links is None else {Path(f).name: g for f, g in links.groupby("filename")}
    writer = None
    try:
        for p in sorted(staged.glob("*.parquet")):
            t = pq.read_table(p)
            g = by_file.get(p.name)
            if g is not None:
                i = t.schema.get_field_index("original_transaction_id")
                col = t.column(i).to_pandas().astype(object)
                col.iloc[g["pos"].to_numpy(np.int64)] = g["original"].to_numpy()
                t = t.set_column(i, t.schema.field(i),
                                 pa.array(col, t.schema.field(i).type, from_pandas=True))
            if writer is None:
                writer = pq.ParquetWriter(target, t.schema)
            writer.write_table(t.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()


def _customers(tables_dir: Path, rows: dict, runs, log, report) -> int:
    """Write ``customers.parquet``: the client's customers plus the ids only seen in other
    tables (signed up at their first record), or one per id found (no customers file)."""

    parts = []
    con = _duck()
    try:
        for name in rows:
            if name == "customers":
                continue
            p = (tables_dir / f"{name}.parquet").as_posix()
            cols = {r[0] for r in con.sql(f"DESCRIBE SELECT * FROM '{p}'").fetchall()}
            when = ("timestamp" if "timestamp" in cols else
                    "created_at" if "created_at" in cols else None)
            if "customer_id" in cols:
                parts.append(f"SELECT customer_id, {when or 'NULL::TIMESTAMP'} AS first FROM "
                             f"'{p}' WHERE customer_id IS NOT NULL")
        union = " UNION ALL ".join(parts)
        seen = (con.sql(f"SELECT customer_id, min(first) AS first FROM ({union}) "
                        "GROUP BY customer_id ORDER BY customer_id").df() if parts else
                pd.DataFrame({"customer_id": pd.Series([], dtype="str"),
                              "first": pd.Series([], dtype="datetime64[ns]")}))
    finally:
        con.close()
    seen["customer_id"] = seen["customer_id"].astype("str")
    seen["first"] = seen["first"].astype("datetime64[ns]")
    path = tables_dir / "customers.parquet"
    own = pd.read_parquet(path) if "customers" in rows else None
    first_file = next((r.name for r in runs if r.table == "customers"), "derived")
    tables = {"_seen": pd.DataFrame({"customer_id": seen["customer_id"],
                                     "timestamp": seen["first"]})}
    out = build_customers(own, tables, log, report, first_file)
    out = to_crmdata({"customers": out}).customers
    out.to_parquet(path, index=False)
    return len(out)


def _write_reports(res: StreamedLoad, tmp: Path) -> None:
    v = tmp / VALIDATION_DIR
    v.mkdir()
    (v / "report.md").write_text(res.to_markdown(), encoding="utf-8")
    (v / "report.html").write_text(res.to_html(), encoding="utf-8")
    write_csv(res.cleaning.to_frame(), v / "cleaning.csv", index=False)
    write_csv(res.report.to_frame(), v / "validation.csv", index=False)
    (v / SOURCES_FILE).write_text(json.dumps(res.sources_record(False), indent=1,
                                             ensure_ascii=False) + "\n", encoding="utf-8")


__all__ = ["load_client_streamed", "StreamedLoad", "text_parts", "merge_reports", "merge_logs",
           "typed_hashes", "CHUNK_BYTES"]
