"""The appendix of a report on a client's data, in the report's language.

Three parts, each a heading and a table: the files read and how their columns were mapped to
the kit's fields, the validation report, and the cleaning log. Headings, table headers and
every fixed word (severity, action, table and field names, "line 12") are in the report's
language (:data:`~crm_training.report.text.TEXT`, keys ``dq_*``; tables and fields by their
labels in :data:`crm_training.schema.TABLES`). What the client wrote (file names, column
headers, example values) is shown as it is and marked ``translate="no"``; the checker's
messages (:mod:`crm_training.clients`) are English sentences: a Chinese report shows them as
they are, marked ``lang="en"``, and says so.

A folder that ``crm-training validate --out`` wrote holds tables, not the client's files: how
they were read and mapped is read back from the record saved beside the tables
(``validation/sources.json``, loaded into ``data.meta["sources"]`` by
:func:`~crm_training.clients.loader.load_saved`; its schema is
:data:`~crm_training.clients.loader.SOURCES_FILE`), as it was written (redacted when the folder
was anonymised). A folder written before that record existed has its mapping parsed from the
sources section of its ``validation/report.html``, as earlier versions did; when that cannot be
read either, the appendix lists the folder's tables and says that the mapping is not recorded.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from ..schema import TABLES
from .text import fmt_num, t


@dataclass
class _Source:
    """One file read, as the appendix shows it."""

    file: str
    table: str | None = None
    rows: int | None = None
    kind: str = ""
    encoding: str = ""
    delimiter: str = ""
    header_line: int = 0
    columns: list = field(default_factory=list)  # (client header, field[, how[, rule]])
    ignored: list = field(default_factory=list)
    status: str = "ok"  # "ok", "not_read", "not_used"
    kept: int | None = None  # rows left after the cleaning, when known
    derived: list = field(default_factory=list)  # fields the kit made
    codes: dict = field(default_factory=dict)  # field -> {client text: code}
    sheet: str = ""


# Words of the appendix that :data:`~crm_training.report.text.TEXT` does not hold yet (a key
# there wins): the mapping's provenance and the rows kept.
def _t(key: str, language: str, **figures) -> str:
    return t(key, language, **figures)


def data_quality_html(loaded, language: str = "en") -> str:
    """The appendix of a report on client data (see the module's docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> from crm_training.clients import load_client
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = pd.DataFrame({"Kunde": ["a", "b", "a"], "Datum": ["2024-01-02"] * 3,
    ...                   "Betrag": [10, 20, 30], "customer_id": ["a", "b", "a"]}).to_csv(
    ...     folder / "orders.csv", index=False)
    >>> page = data_quality_html(load_client(folder, progress=False), "zh")
    >>> "读取的文件与列映射" in page and "数据校验" in page and "清洗记录" in page
    True
    """
    report, cleaning, _ = loaded.reports()
    parts = [_h(t("dq_sources", language))]
    sources, saved = _sources(loaded)
    if saved:
        parts.append(f"<p>{html.escape(t('dq_saved', language))}</p>")
    elif getattr(loaded, "saved", None) is not None:
        parts.append(f"<p>{html.escape(_t('dq_not_recorded', language))}</p>")
    parts.append(_sources_table(sources, language))
    e, w = len(report.errors), len(report.warnings)
    parts.append(_h(t("dq_validation", language,
                      errors=t("dq_errors", language, n=e, s="s" * (e != 1)),
                      warnings=t("dq_warnings", language, n=w, s="s" * (w != 1)))))
    if language != "en" and (report.issues or cleaning.steps):
        parts.append(f"<p>{html.escape(t('dq_original_text', language))}</p>")
    issues = sorted(report.issues, key=lambda i: i.severity != "error")
    parts.append(_table(
        language, ["dq_severity", "dq_file", "dq_table", "dq_column", "dq_rows", "dq_problem",
                   "dq_examples"],
        [[_word(f"dq_{i.severity}", language, i.severity), _client(i.file),
          _table_name(i.table, language), _column(i.table, i.column, language),
          _number(i.count), _checker(i.message, language),
          _client(_examples(i.examples, language))] for i in issues],
        t("dq_no_issues", language)))
    n = len(cleaning.steps)
    parts.append(_h(t("dq_cleaning", language, n=n, s="s" * (n != 1))))
    parts.append(_table(
        language, ["dq_action", "dq_rows", "dq_table", "dq_column", "dq_reason", "dq_file"],
        [[_word(f"dq_{s.action}", language, s.action), _number(s.count),
          _table_name(s.table, language), _column(s.table, s.column, language),
          _checker(s.reason, language),
          _word("dq_derived", language) if s.file == "derived" else _client(s.file)]
         for s in cleaning.steps],
        t("dq_no_cleaning", language)))
    return '<div class="report-appendix">\n' + "\n".join(parts) + "\n</div>\n"


# ----------------------------------------------------------------------------- the sources
def _sources(loaded) -> tuple[list[_Source], bool]:
    """The files of the export (and whether they were read back from a saved check: its
    ``sources.json``, else the sources section of its report.html)."""
    if getattr(loaded, "saved", None) is not None:
        data = getattr(loaded, "_data", None)
        meta = getattr(data, "meta", None) or {}
        saved = _recorded_sources(meta.get("sources"))
        if saved is None:  # a folder written before sources.json
            saved = _saved_sources(loaded.saved)
        if saved:
            return saved, True
    out = []
    for s in loaded.sources:
        status = "not_read" if not s.kind else ("ok" if s.used else "not_used")
        how = getattr(s, "how", {})
        rows = s.records if getattr(s, "records", None) is not None else s.rows
        out.append(_Source(s.file, s.table, rows, s.kind, s.encoding, s.delimiter,
                           s.header_line, [(k, v, how.get(k, "")) for k, v in s.columns.items()],
                           list(s.ignored), status, getattr(s, "kept", None),
                           list(getattr(s, "derived", ())), dict(getattr(s, "codes", {})),
                           getattr(s, "sheet", "")))
    return out, False


def _recorded_sources(record) -> list[_Source] | None:
    """The sources of a ``sources.json`` record (see
    :data:`~crm_training.clients.loader.SOURCES_FILE`); None when there is no record (or not
    one of this version). Values of the wrong type are left out, never trusted.

    >>> [s.columns for s in _recorded_sources({"version": 1, "sources": [{"file": "a.csv",
    ...     "columns": [{"client": "Kunde", "kit": "customer_id", "how": "mapping"}]}]})]
    [[('Kunde', 'customer_id', 'mapping', '')]]
    """
    from ..clients.loader import SOURCES_VERSION

    if not isinstance(record, dict) or record.get("version") != SOURCES_VERSION or \
            not isinstance(record.get("sources"), list):
        return None

    def text(v) -> str:
        return v if isinstance(v, str) else ""

    def count(v):
        return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None

    def texts(v) -> list:
        return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []

    out = []
    for r in record["sources"]:
        if not isinstance(r, dict):
            continue
        status = r.get("status") if r.get("status") in ("ok", "not_read", "not_used") else "ok"
        columns = [(text(c.get("client")), text(c.get("kit")), text(c.get("how")),
                    text(c.get("rule"))) for c in r.get("columns") or []
                   if isinstance(c, dict)] if isinstance(r.get("columns"), list) else []
        codes = r.get("codes") if isinstance(r.get("codes"), dict) else {}
        out.append(_Source(
            text(r.get("file")), text(r.get("table")) or None, count(r.get("rows_read")),
            text(r.get("format")), text(r.get("encoding")), text(r.get("delimiter")),
            count(r.get("header_line")) or 0, columns, texts(r.get("ignored")), status,
            count(r.get("rows_kept")), texts(r.get("derived")),
            {str(k): {str(a): str(b) for a, b in v.items()} for k, v in codes.items()
             if isinstance(v, dict)}, text(r.get("sheet"))))
    return out


_SAVED_PRE = re.compile(r"<h2>Sources</h2>\s*<pre>(.*?)</pre>", re.S)
_LINE = re.compile(r"(?P<file>.+?) -> (?P<table>[^:]+): (?P<rows>[\d,]+) rows \((?P<how>.*)\)$")
_PAIR = re.compile(r"(.+?) -> ([a-z_][a-z0-9_]*)(?:, |$)")


def _saved_sources(root) -> list[_Source]:
    """The sources of the client's export, from the check ``validate --out`` saved (the lines
    :meth:`~crm_training.clients.loader.SourceInfo.describe` wrote); [] when there is none."""
    from ..clients.loader import VALIDATION_DIR

    path = root / VALIDATION_DIR / "report.html"
    try:
        page = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    m = _SAVED_PRE.search(page)
    if m is None:
        return []
    out = []
    for line in html.unescape(m.group(1)).splitlines():
        if not line.startswith(" "):
            out.append(_parse_source_line(line))
        elif out and line.strip().startswith("columns: "):
            out[-1].columns = _PAIR.findall(line.strip()[len("columns: "):])
        elif out and line.strip().startswith("ignored: "):
            out[-1].ignored = line.strip()[len("ignored: "):].split(", ")
    return out


def _parse_source_line(line: str) -> _Source:
    if line.endswith(": not read"):
        return _Source(line[:-len(": not read")], status="not_read")
    if line.endswith(": not used (see the errors)"):
        file, _, table = line[:-len(": not used (see the errors)")].rpartition(" -> ")
        return _Source(file, table, status="not_used")
    m = _LINE.match(line)
    if m is None:  # a line this version does not know: shown whole, as the client's
        return _Source(line, status="ok")
    src = _Source(m["file"], m["table"], int(m["rows"].replace(",", "")))
    for part in m["how"].split(", "):
        if part.startswith("delimiter "):
            src.delimiter = part[len("delimiter "):].strip("'")
        elif part.startswith("header on line "):
            src.header_line = int(part[len("header on line "):] or 0)
        elif not src.kind:
            src.kind = part
        else:
            src.encoding = part
    return src


def _sources_table(sources: list[_Source], language: str) -> str:
    rows = []
    for s in sources:
        if s.status != "ok":
            how = _word(f"dq_{s.status}", language)
        else:
            how = ", " if language == "en" else "，"
            bits = [_client({"csv": "CSV", "excel": "Excel", "parquet": "Parquet"}.get(
                s.kind, s.kind))]
            bits += [_client(s.encoding.upper())] if s.encoding else []
            if s.delimiter:
                bits.append(_esc(t("dq_delimiter", language, d="")) + _client(
                    repr(s.delimiter) if language == "en" else f"“{s.delimiter}”"))
            if s.header_line > 1:
                bits.append(_esc(t("dq_header_line", language, n=s.header_line)))
            if s.sheet and "!" not in s.file:  # (a file of several sheets names it)
                bits.append(_esc(_t("dq_sheet", language, s="")) + _client(s.sheet))
            how = how.join(b for b in bits if b)
        sep = "; " if language == "en" else "；"
        colon, comma = (": ", ", ") if language == "en" else ("：", "，")
        mapping = [_pair(s.table, c, language) for c in s.columns]
        mapping += [_field(s.table, k, language) + colon + _word("dq_derived", language)
                    for k in s.derived]  # made by the kit (an id per row)
        mapping += [_field(s.table, k, language) + colon + comma.join(
            f"{_client(a)} → {_client(b)}" for a, b in words.items())
            for k, words in s.codes.items() if words]  # the mapping's codes
        n = _number(s.rows) if s.rows is not None else ""
        if n and s.status == "ok" and s.kept is not None and s.kept != s.rows:
            n = _Number(f"{n}{' (' if language == 'en' else '（'}"
                        f"{_esc(_t('dq_kept', language, n=fmt_num(s.kept)))}"
                        f"{')' if language == 'en' else '）'}")
        rows.append([_client(s.file), _table_name(s.table, language), n, how,
                     sep.join(mapping), sep.join(_client(c) for c in s.ignored)])
    return _table(language, ["dq_file", "dq_table", "dq_rows", "dq_read_as", "dq_mapping",
                             "dq_ignored"], rows, t("dq_no_sources", language))


def _pair(table, column: tuple, language: str) -> str:
    """``client header → field`` (a tuple of the header, the field, how it was decided and the
    rule of a field made from the column's content), marked when a mapping file decided."""
    src, dst, how, rule = (tuple(column) + ("", ""))[:4]
    left, right = (" (", ")") if language == "en" else ("（", "）")
    if how == "content" and rule:  # no field of its own: the rule says what it gives
        target = _field(table, dst, language) if dst in _names(table) else ""
        target += f"{left if target else left.lstrip()}{_checker(rule, language)}{right}"
    else:
        target = _field(table, dst, language)
    if how == "mapping":
        target += f"{left}{_esc(_t('dq_by_mapping', language))}{right}"
    return f"{_client(src)} → {target}"


def _names(table) -> tuple:
    spec = TABLES.get(str(table or ""))
    return tuple(spec.names) if spec else ()


# ----------------------------------------------------------------------------- cells
def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _h(text: str) -> str:
    return f"<h3>{_esc(text)}</h3>"


def _client(value) -> str:
    """What the client wrote: shown as it is, never translated."""
    value = "" if value is None else str(value)
    return f'<span translate="no">{_esc(value)}</span>' if value else ""


def _checker(message: str, language: str) -> str:
    """A message of the checker (English): as it is, marked as English in another report."""
    if language == "en":
        return _esc(message)
    return f'<span lang="en" translate="no">{_esc(message)}</span>'


def _word(key: str, language: str, fallback: str = "") -> str:
    try:
        return _esc(t(key, language))
    except KeyError:  # a code this version does not know
        return _client(fallback)


class _Number(str):
    """A cell that holds a number (right-aligned)."""


def _number(n) -> str:
    return _Number(_esc(fmt_num(n))) if n else ""


def _table_name(table, language: str) -> str:
    if not table:
        return ""
    spec = TABLES.get(str(table))
    if spec is None:
        return _client(table)
    return _esc(spec.name if language == "en" else spec.label_zh)


def _field(table, column, language: str) -> str:
    """A field of the kit's model by its name (English) or its Chinese label."""
    spec = TABLES.get(str(table or ""))
    col = next((c for c in spec.columns if c.name == column), None) if spec else None
    if col is None:
        return _client(column)
    return _esc(col.name if language == "en" else col.label_zh)


def _column(table, column, language: str) -> str:
    """A column of an issue or a cleaning step: a field of the model, else a client header."""
    return _field(table, column, language) if column else ""


_LINE_WORD = re.compile(r"\bline (\d+)")


def _examples(examples, language: str) -> str:
    from ..clients.report import _example_text

    text = ("; " if language == "en" else "；").join(_example_text(e) for e in examples)
    if language != "en":
        text = text.replace("; ", "；")  # examples saved as one text
        text = _LINE_WORD.sub(lambda m: t("dq_line", language, n=m.group(1)), text)
    return text


def _table(language: str, headers: list[str], rows: list[list[str]], empty: str) -> str:
    """An HTML table of cells already escaped; ``empty`` when there is no row."""
    if not rows:
        return f"<p>{_esc(empty)}</p>"
    head = "".join(f"<th>{_esc(t(h, language))}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(
        f'<td class="num">{c}</td>' if isinstance(c, _Number) else f"<td>{c}</td>" for c in row)
        + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>"
