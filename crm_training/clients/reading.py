"""Read one client file as a table of text, whatever its format, without touching the file.

CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030, Big5, Windows-1252; comma, semicolon,
tab or pipe; title lines above the header, a header cell typed on two lines), Excel
(.xlsx/.xlsm, every visible sheet) and Parquet (both in :mod:`.workbooks`). Every value is kept
as text here (parsing is :mod:`.parsing`'s job) and the index holds the line number of each row
in the source file (line 1 is the first line; a row whose quoted values span several lines is
numbered by its first line; for Excel the sheet's row number; for Parquet the row number), so
every problem can be shown where the client will find it.

CSV is streamed with pyarrow in blocks (:mod:`.csvblocks`: constant memory apart from the
result, a tqdm progress bar by bytes). Text is decoded line by line (:mod:`.encoding`): a file
mixing encodings is read right and reported with its lines, garbled text (mojibake) is
reported. A quote that is never
closed where its value ends would swallow the rest of the file into one value: its line is
reported and dropped, and the swallowed lines are read again as rows. What the file held adds
up: :attr:`RawTable.records` counts the rows plus every line left out (wrong field count,
unclosed quote, spaces only). A value of any length is read (up to the limits below). A NUL
byte is a problem of its line (removed from the value, reported), not of the file, unless
there are many (a binary file). A header naming a column twice keeps both (the later ones as
``name.1``, reported by validation).

Limits (module constants): :data:`MAX_ROWS`, :data:`MAX_COLUMNS`, :data:`MAX_UNCOMPRESSED_BYTES`
and :data:`MAX_COMPRESSION_RATIO` (an .xlsx is checked from its zip directory before openpyxl
opens it, so a zip bomb is refused at once). A file beyond them, or one that cannot be opened,
raises :class:`ClientDataError` with a one-line reason. Files are only ever opened for reading,
and :func:`list_client_files` never follows a link out of the client's folder.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
>>> _ = p.write_bytes("订单编号;金额\\nA1;1,5\\n".encode("gbk"))
>>> raw = read_raw(p, progress=False)
>>> raw.encoding, raw.delimiter, list(raw.frame.columns), raw.frame.index.tolist()
('gb18030', ';', ['订单编号', '金额'], [2])
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .encoding import LineDecoder, describe_mix, mojibake_cells, unmojibake
from .report import ClientDataError

TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED = TEXT_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 1 << 20
HEADER_SEARCH_ROWS = 20

# Limits: a file beyond them is refused with a one-line reason before it can exhaust the
# machine (module constants, so a test or an unusual client can change them).
MAX_ROWS = 20_000_000  # data rows of one file
MAX_COLUMNS = 2_000  # columns of one file (of an Excel row, of a Parquet schema)
MAX_UNCOMPRESSED_BYTES = 1 << 30  # what an .xlsx or .parquet file holds once decompressed
MAX_COMPRESSION_RATIO = 200  # of one zip member of an .xlsx larger than ZIP_RATIO_MIN_BYTES
ZIP_RATIO_MIN_BYTES = 16 << 20
MAX_NAME_CHARS = 200  # a longer header is cut (with "…")
MAX_LINE_CHARS = 200  # the text of a malformed line kept for the report
MAX_QUOTE_CHECKS = 10_000  # multi-line records checked for a quote that swallowed lines
MAX_HEADER_LINES = 3  # physical lines one header record may span (a cell typed with Alt+Enter)

# Python's csv module refuses fields above 131,072 characters by default; the kit's own limits
# (rows, decompressed bytes) bound what a line can hold, so a long comment is just a value.
csv.field_size_limit(max(csv.field_size_limit(), MAX_UNCOMPRESSED_BYTES))


@dataclass
class RawTable:
    """A client file read as text: ``frame`` (str columns, index = source line numbers)."""

    path: Path
    frame: pd.DataFrame
    kind: str  # "csv", "excel" or "parquet"
    encoding: str = ""
    delimiter: str = ""
    header_line: int = 1
    malformed: list = field(default_factory=list)  # (line, text) of rows with a wrong field count
    sheet: str = ""
    # problems of the file itself, reported by validation.parse_table: dicts with code,
    # message, lines (source lines), count, examples (and drop=True when the lines were lost)
    problems: list = field(default_factory=list)
    blank_lines: list = field(default_factory=list)  # lines holding only spaces (not rows)
    records: int | None = None  # data records of the file: rows + every line left out
    # column -> int8 array per row: 1 where the file stored a number (Excel, Parquet: its dot
    # is a decimal point, in a date column an Excel serial), 2 for a float beyond 2**53
    numeric: dict = field(default_factory=dict)
    formulas: dict = field(default_factory=dict)  # column -> mask: formula without a value
    epoch: object = None  # an Excel workbook's date epoch (1899-12-30 or 1904-01-01)
    # names the header holds more than once: [(name, [(position, column key), ...])]
    header_dups: list = field(default_factory=list)
    label: str = ""  # how the report names it ("book.xlsx!2月" for one sheet of several)

    @property
    def name(self) -> str:
        return self.label or self.path.name


def read_raw(path, progress: bool = True, header_hint=None, delimiter=None) -> RawTable:
    """Read ``path`` as text; raise :class:`ClientDataError` with a one-line reason if impossible.

    Parameters
    ----------
    path : CSV/TXT/TSV, XLSX/XLSM or Parquet file.
    progress : show a tqdm progress bar while reading large CSV files.
    header_hint : optional callable ``(list of cell texts) -> int`` scoring how much a row looks
        like a header (the mapping's known column names); used to skip title rows.
    delimiter : the delimiter of a text file, when known (a part of a file, whose few lines
        may not show it); default: sniffed.
    """
    path = Path(path)
    if not path.exists():
        raise ClientDataError(f"{path} does not exist")
    if path.is_dir():
        raise ClientDataError(f"{path} is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ClientDataError(f"{path.name} is an old Excel 97 file (.xls): save it as .xlsx "
                              "or CSV first")
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a pipe or a device would block or never end
            raise ClientDataError(f"{path.name} is not a regular file (a pipe, socket or "
                                  "device); copy the export to a file first")
        if st.st_size == 0:
            return RawTable(path, pd.DataFrame(), "empty", records=0)
        if suffix in EXCEL_SUFFIXES:
            from .workbooks import read_excel

            return read_excel(path, header_hint)
        if suffix in PARQUET_SUFFIXES:
            from .workbooks import read_parquet

            return read_parquet(path)
        return _read_text(path, progress, header_hint, delimiter)
    except OSError as e:  # no permission, a disk error, a file removed while reading
        reason = e.strerror or str(e) or type(e).__name__
        raise ClientDataError(f"{path.name} could not be read ({type(e).__name__}: "
                              f"{reason[:120]})") from None


def _open(path: Path):
    """Open a client file for reading (binary): the one place the kit opens one."""
    return open(path, "rb")


# ---------------------------------------------------------------------- text files
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BREAK = re.compile(r"\r\n|\r|\n")


def _not_text(name: str) -> ClientDataError:
    return ClientDataError(f"{name} is not a text table: it could not be decoded as UTF-8 or GBK "
                           "(nor as Western European text)")


def _decode_sample(sample: bytes, final: bool, name: str):
    """Decode the first bytes of a text file line by line: ``(encoding, text, decoder)``.

    ``encoding`` is "utf-16", "utf-8-sig", "utf-8", "gb18030" or "cp1252" (the encoding of most
    non-ASCII lines); ``decoder`` is the :class:`~.encoding.LineDecoder` (None for UTF-16).
    """
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = codecs.getincrementaldecoder("utf-16")().decode(sample, final=final)
        return "utf-16", text, None
    bom = sample.startswith(b"\xef\xbb\xbf")
    body = sample[3:] if bom else sample
    if body.count(b"\x00") > max(8, len(body) // 1000):  # NUL bytes: a binary file, unless a
        raise _not_text(name)  # few (each one a problem of its line, see _nul_cells)
    if not final:
        cut = max(body.rfind(b"\n"), body.rfind(b"\r"))
        if cut >= 0:
            body = body[:cut + 1]  # the last sampled line may be cut
        else:  # one long line: drop a multi-byte character cut by the end of the sample
            for k in range(4):
                part = body[:len(body) - k]
                if any(_decodes(part, enc) for enc in ("utf-8", "gb18030")):
                    body = part
                    break
    decoder = LineDecoder()
    text = decoder.decode(body)
    if len(_CONTROLS.findall(text)) - text.count("\x00") > max(2, len(text) // 100):
        raise _not_text(name)
    lines = decoder.lines()
    main = max(lines, key=lambda k: (len(lines[k]), k == "utf-8")) if lines else "utf-8"
    if main == "utf-8" and bom:
        main = "utf-8-sig"
    return main, text, decoder


def _decodes(data: bytes, enc: str) -> bool:
    try:
        data.decode(enc)
        return True
    except UnicodeDecodeError:
        return False


def sniff_encoding(sample: bytes, name: str = "file") -> str:
    """The encoding of most lines of a text sample: utf-8(-sig), utf-16, gb18030 (a superset of
    GBK) or cp1252 (Western European); each line is checked on its own (see :mod:`.encoding`).

    Examples
    --------
    >>> sniff_encoding("客户".encode("gbk")), sniff_encoding("\\ufeffa,b".encode("utf-8"))
    ('gb18030', 'utf-8-sig')
    >>> sniff_encoding("José Müller".encode("cp1252"))
    'cp1252'
    """
    return _decode_sample(sample, len(sample) < SAMPLE_BYTES, name)[0]


def _split_lines(text: str) -> list[str]:
    """Physical lines the way pyarrow's CSV reader breaks them (\\n, \\r\\n or \\r)."""
    return _BREAK.split(text)


def sniff_delimiter(lines: list[str]) -> tuple[str, int]:
    """Pick the delimiter and the header line (0-based) from the first lines of a file.

    The delimiter is the candidate whose count per line is the same on most lines (and > 0);
    the header is the first line that has that many delimiters, so title lines are skipped.

    Examples
    --------
    >>> sniff_delimiter(["Sales report 2024", "id;amount", "1;2,5", "2;3"])
    (';', 1)
    """
    lines = [ln for ln in lines if ln.strip()]
    best, best_score, best_count = ",", -1.0, 0
    for d in DELIMITERS:
        counts = [_field_count(ln, d) - 1 for ln in lines]
        if not counts or max(counts) == 0:
            continue
        tail = counts[len(counts) // 2:] or counts
        mode = max(set(tail), key=tail.count)
        if mode == 0:
            continue
        score = sum(c == mode for c in counts) / len(counts) + mode / 1000
        if score > best_score:
            best, best_score, best_count = d, score, mode
    if best_score < 0:
        return ",", 0
    header = next((i for i, ln in enumerate(lines) if _field_count(ln, best) - 1 == best_count), 0)
    return best, header


def _field_count(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter)))
    except (csv.Error, StopIteration):
        return line.count(delimiter) + 1


def _read_text(path: Path, progress: bool, header_hint, known=None) -> RawTable:
    import pyarrow as pa

    from .csvblocks import _Block, _parse_file, _progress, _quote_message, _TooManyRows

    size = path.stat().st_size
    with _open(path) as f:
        sample = f.read(SAMPLE_BYTES)
    enc, text, sample_decoder = _decode_sample(sample, size <= len(sample), path.name)
    lines = _split_lines(text)[:200]
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonblank:
        return RawTable(path, pd.DataFrame(), "csv", enc, records=0)
    delimiter, header_idx = sniff_delimiter(lines)
    if known and known != delimiter:
        delimiter = known
        header_idx = next((i for i, k in enumerate(nonblank) if known in lines[k]), 0)
    # header_idx counts non-blank lines: translate to the physical line
    header_line0 = nonblank[header_idx] if header_idx < len(nonblank) else nonblank[0]
    header_line0, header_last0, header = _header_record(lines, nonblank, delimiter,
                                                        header_line0, header_hint)
    problems = []
    if header_last0 == header_line0 and '"' in lines[header_line0] and \
            not _closes_properly(lines[header_line0], delimiter):
        problems.append({"code": "unclosed_quote", "lines": [header_line0 + 1], "count": 0,
                         "message": f"the header (line {header_line0 + 1}) opens a quoted "
                                    "value (\") that is never closed; the header was read "
                                    "without it (fix the quote in the export)",
                         "examples": [{"line": header_line0 + 1, "text_of_line":
                                       _short(lines[header_line0], MAX_LINE_CHARS)}]})
    if header:
        header[0] = header[0].lstrip("\ufeff")
    if len(header) > MAX_COLUMNS:
        raise ClientDataError(f"{path.name} has {len(header):,} columns, more than the "
                              f"{MAX_COLUMNS:,} the kit reads from one file "
                              "(crm_training.clients.reading.MAX_COLUMNS)")
    # a header cell typed on two lines ("实付金额\n(元)") is one name, on one line
    header = [_short(re.sub(r"\s*[\r\n]+\s*", " ", h.replace("\x00", "")), MAX_NAME_CHARS)
              for h in header]
    names = _unique_names(header)
    cut = b"\r" if (b"\n" not in sample and b"\r" in sample) else b"\n"
    # valid UTF-8 goes to pyarrow as it is; anything else through the line-by-line decoder
    decoder = None
    if enc == "utf-16" or sample_decoder.legacy is not None:
        decoder = LineDecoder(sample_decoder.legacy) if enc != "utf-16" else None
        mode = enc if enc == "utf-16" else "lines"
    else:
        mode = "utf-8"
    bar = _progress(size, path.name) if progress else None
    block_size = 8 << 20
    try:
        while True:
            try:
                block = _parse_file(path, mode, decoder, cut, bar, names, delimiter,
                                    header_last0, block_size)
                break
            except pa.ArrowInvalid as e:
                msg = str(e)
                if mode == "utf-8" and "utf8" in msg.lower().replace("-", ""):
                    # invalid UTF-8 beyond the sample: decode line by line after all
                    mode, decoder = "lines", LineDecoder()
                elif "straddl" in msg and block_size < max(size + 1, 64 << 20) and \
                        size <= MAX_UNCOMPRESSED_BYTES:
                    # one value larger than a block (usually a quote that is never closed)
                    block_size = max(size + 1, 64 << 20)
                elif "Could not skip initial" in msg and block_size > size:
                    # nothing after the header (a header without a final line break)
                    block = _Block(pa.table({n: pa.array([], pa.string()) for n in names}),
                                   np.zeros(0, np.int64), [], [], [], [])
                    break
                elif "Could not skip initial" in msg and size <= MAX_UNCOMPRESSED_BYTES:
                    block_size = size + 1  # a header longer than a block
                else:
                    raise
                if bar is not None:
                    bar.reset()
    except (pa.ArrowInvalid, UnicodeDecodeError, pa.ArrowNotImplementedError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        if "decode" in msg.lower() or isinstance(e, UnicodeDecodeError) or "utf8" in msg.lower():
            raise ClientDataError(f"{path.name} is not a text table: it could not be decoded as "
                                  f"{enc.upper()} beyond its first lines ({msg[:120]})") from None
        raise ClientDataError(f"{path.name} could not be read as a {delimiter!r}-separated "
                              f"table: {msg[:160]}") from None
    except _TooManyRows:
        raise ClientDataError(f"{path.name} has more than {MAX_ROWS:,} rows, the most the kit "
                              "reads from one file (crm_training.clients.reading.MAX_ROWS); "
                              "split the export") from None
    finally:
        if bar is not None:
            bar.close()
    table = block.table
    if decoder is not None:
        mix = describe_mix(decoder.lines())
        if mix is not None:
            main, sentence, other = mix
            enc = " + ".join([main] + [k for k in decoder.lines() if k != main])
            problems.append({"code": "mixed_encoding", "message": sentence, "lines": other,
                             "count": len(other), "examples": [{"line": int(n)}
                                                               for n in other[:5]]})
        else:
            enc = next(iter(decoder.lines()), enc)
        garbled = decoder.garbled
        if len(garbled):
            problems.append({
                "code": "mojibake", "lines": garbled, "count": len(garbled),
                "examples": [{"line": int(n)} for n in garbled[:5]],
                "message": f"{_count(len(garbled), 'line')} look garbled in every text encoding "
                           "the kit reads (UTF-8, GBK, Big5, Windows-1252); check them in the "
                           "client's system and re-export as UTF-8"})
    if block.quote_open:
        opened = [n for n, _ in block.quote_open]
        lost = sum(k for _, k in block.quote_open)
        problems.append({"code": "unclosed_quote", "drop": True, "lines": opened, "count": lost,
                         "message": _quote_message(block.quote_open),
                         "examples": [{"line": n, "text_of_line": t}
                                      for n, t in block.quote_text[:5]]})
    row_lines = block.lines
    table, nul = _drop_nul(table)
    if nul is not None:
        where = row_lines[nul]
        problems.append({"code": "nul_bytes", "lines": where, "count": len(where),
                         "examples": [{"line": int(n)} for n in where[:5]],
                         "message": f"{_count(len(where), 'line')} "
                                    f"{'hold' if len(where) != 1 else 'holds'} NUL bytes "
                                    "(character 0), which a text export never holds (a "
                                    "damaged file?)"})
    for i, name in enumerate(names):
        col = table.column(i)
        if not pa.types.is_string(col.type) or col.null_count == len(col):
            continue
        bad = mojibake_cells(col)
        if bad.any():
            where = row_lines[bad]
            values = col.filter(pa.array(bad)).slice(0, 5).to_pylist()
            # no value in the message: it may be personal data (validation shows the examples
            # under the model column, which a redacted report hides)
            problems.append({
                "code": "mojibake", "lines": where, "count": int(bad.sum()), "source": name,
                "message": f"column {_short(name, 60)!r} holds text that looks garbled by a "
                           "wrong encoding (UTF-8 once read as GBK or Latin-1, then saved "
                           "again); re-export the file as UTF-8 if the client's system shows "
                           "it right",
                "values": [(int(n), v, unmojibake(v)) for n, v in zip(where[:5], values)]})
    frame = table.to_pandas()
    del table
    frame.columns = names
    if len(row_lines) and row_lines[-1] - row_lines[0] == len(row_lines) - 1:
        frame.index = pd.RangeIndex(int(row_lines[0]), int(row_lines[-1]) + 1, name="line")
    else:
        frame.index = pd.Index(row_lines, name="line")
    # a nameless, empty column is a trailing delimiter, not data
    frame = frame.loc[:, [bool(h.strip()) or frame.iloc[:, i].notna().any()
                          for i, h in enumerate(header)]]
    return RawTable(path, frame, "csv", enc, delimiter, header_line0 + 1, block.malformed,
                    problems=problems, blank_lines=block.blank, records=block.records,
                    header_dups=_duplicates(header, names, range(1, len(names) + 1)))


def _header_record(lines, nonblank, delimiter, default, header_hint):
    """``(first line, last line, cells)`` of the header (0-based physical lines of the sample).

    The sample is read as CSV records, so a quoted header cell holding a line break is one
    name: the header is the first record (of at most :data:`MAX_HEADER_LINES` lines) with as
    many fields as most later records, or the one most like a header (``header_hint``) among
    the first ones. Without such a record (a quote that never closes), the physical ``default``
    line is the header."""
    recs = []
    reader = csv.reader(io.StringIO("\n".join(lines), newline=""), delimiter=delimiter)
    prev = 0
    try:
        for cells in reader:
            first, prev = prev, reader.line_num
            if len(cells) > 1 or (cells and cells[0].strip()):
                recs.append((first, prev - 1, cells))
    except csv.Error:
        recs = []
    if recs:
        counts = [len(c) for _, _, c in recs]
        tail = counts[len(counts) // 2:]
        mode = max(set(tail), key=tail.count)
        # a header cell on two lines is a name typed with Alt+Enter, unless it holds the
        # delimiter too: then a quote left open swallowed the next lines
        cands = [r for r in recs[:HEADER_SEARCH_ROWS] if r[1] - r[0] < MAX_HEADER_LINES and
                 (r[1] == r[0] or not any("\n" in c and delimiter in c for c in r[2]))]
        fit = [r for r in cands if len(r[2]) == mode]
        if fit:
            best = fit[0]
            if header_hint is not None:
                at = _best_header([(a, c) for a, _, c in cands], header_hint, default=best[0])
                best = next(r for r in cands if r[0] == at)
            return best[0], best[1], list(best[2])
    first = default
    if header_hint is not None:
        first = _best_header([(i, _line_cells(lines[i], delimiter))
                              for i in nonblank[:HEADER_SEARCH_ROWS]], header_hint, default)
    return first, first, _line_cells(lines[first], delimiter)


def _line_cells(line: str, delimiter: str) -> list:
    """The cells of one physical line (a quote never closed is left out)."""
    if '"' in line and not _closes_properly(line, delimiter):
        line = line.replace('"', "")
    return next(csv.reader([line], delimiter=delimiter), [])


def _duplicates(header, keys, where) -> list:
    """``[(name, [(position, column key), ...])]`` of the names a header holds more than once
    (the first keeps the name, the others are read as ``name.1``, ``name.2`` ...)."""
    groups: dict = {}
    for h, k, w in zip(header, keys, where):
        groups.setdefault(h, []).append((str(w), k))
    return [(h, g) for h, g in groups.items() if len(g) > 1 and str(h).strip()]


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


def _drop_nul(table):
    """``table`` without NUL characters in its values, and the mask of the rows that held
    any (None when none did: one scan of the bytes of each column)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .encoding import _utf8_bytes

    mask = None
    for i in range(table.num_columns):
        col = table.column(i)
        if not pa.types.is_string(col.type) or col.null_count == len(col):
            continue
        if not any(seg is not None and not seg.all() for seg in
                   (_utf8_bytes(c)[1] for c in col.chunks)):
            continue  # no byte 0 in the column
        has = pc.fill_null(pc.match_substring(col, "\x00"), False).to_numpy(zero_copy_only=False)
        mask = has if mask is None else mask | has
        table = table.set_column(i, table.field(i), pc.replace_substring(col, "\x00", ""))
    return table, mask


def _closes_properly(text: str, delimiter: str) -> bool:
    """True when ``text`` is exactly one CSV record whose quotes open and close properly."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return len(rows) == 1


def _short(text, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with "…" when it was longer."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _unique_names(header: list[str]) -> list[str]:
    out, seen = [], {}
    for h in header:
        h = h or "column"
        k = seen.get(h, 0)
        seen[h] = k + 1
        out.append(h if k == 0 else f"{h}.{k}")
    return out


def _best_header(rows, header_hint, default):
    """The row (physical index) that looks most like a header: most known names, then first."""
    scored = [(header_hint(cells), i) for i, cells in rows]
    best = max(scored, key=lambda t: (t[0], -t[1]), default=(0, default))
    return best[1] if best[0] > 0 else default


# ---------------------------------------------------------------------- Excel, Parquet
def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB" if n >= (1 << 20) else f"{n / 1024:,.0f} KB"


def check_xlsx_size(path: Path) -> None:
    """See :func:`.workbooks.check_xlsx_size` (the Excel and Parquet readers live there)."""
    from .workbooks import check_xlsx_size as check

    check(Path(path))


def list_client_files(folder, skipped: list | None = None) -> list[Path]:
    """The readable files of a folder (not hidden, not Excel lock files), sorted by name.

    Sub-folders are not read (each is its own source); with ``skipped`` they are listed.

    A link that leads out of the folder is never followed (a client folder must not read files
    elsewhere on the machine); entries with a client file's name that are not regular files (a
    folder named ``x.csv``, a pipe, a broken link) are left out too. With ``skipped`` (a list),
    each left-out entry is appended as ``(path, one-line reason)``.
    """
    folder = Path(folder)
    root = folder.resolve()
    out = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith((".", "~$")):
            continue
        if p.suffix.lower() not in SUPPORTED + (".xls",):
            if skipped is not None and p.is_dir():
                skipped.append((p, "is a sub-folder, not read: give it as its own source"))
            continue
        reason = _skip_reason(p, root)
        if reason is None:
            out.append(p)
        elif skipped is not None:
            skipped.append((p, reason))
    return out


def skipped_client_files(folder) -> list[tuple[Path, str]]:
    """The entries of a client folder that :func:`list_client_files` leaves out, with why."""
    skipped: list = []
    list_client_files(folder, skipped)
    return skipped


def _skip_reason(p: Path, root: Path) -> str | None:
    try:
        if p.is_symlink():
            try:
                target = p.resolve(strict=True)
            except (OSError, RuntimeError):
                return "is a link to a file that does not exist; skipped"
            if target != root and root not in target.parents:
                return ("is a link to a file outside the client folder; links out of the "
                        "folder are not followed")
        if p.is_dir():
            return "is a folder, not a file; skipped"
        if not p.is_file():
            return "is not a regular file (a pipe, socket or device); skipped"
    except OSError as e:
        return f"could not be checked ({e.strerror or type(e).__name__}); skipped"
    return None


def file_fingerprint(path) -> tuple[int, int]:
    """(size, modification time in ns): cheap evidence that a source was left untouched."""
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns
