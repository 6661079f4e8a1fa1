"""Read one client file as a table of text, whatever its format, without touching the file.

CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030, Windows-1252; comma, semicolon, tab
or pipe; title lines above the header), Excel (.xlsx/.xlsm, title rows above the header) and
Parquet. Every value is kept as text here (parsing is :mod:`.parsing`'s job) and the index holds
the line number of each row in the source file (line 1 is the first line; a row whose quoted
values span several lines is numbered by its first line; for Excel the sheet's row number; for
Parquet the row number), so every problem can be shown where the client will find it.

CSV is streamed with pyarrow in blocks (constant memory apart from the result, a tqdm progress
bar by bytes). Text is decoded line by line (:mod:`.encoding`): a file mixing encodings is read
right and reported with its lines, garbled text (mojibake) is reported. A quote that is never
closed where its value ends would swallow the rest of the file into one value: its line is
reported and dropped, and the swallowed lines are read again as rows. What the file held adds
up: :attr:`RawTable.records` counts the rows plus every line left out (wrong field count,
unclosed quote, spaces only).

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
import warnings
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

    @property
    def name(self) -> str:
        return self.path.name


def read_raw(path, progress: bool = True, header_hint=None) -> RawTable:
    """Read ``path`` as text; raise :class:`ClientDataError` with a one-line reason if impossible.

    Parameters
    ----------
    path : CSV/TXT/TSV, XLSX/XLSM or Parquet file.
    progress : show a tqdm progress bar while reading large CSV files.
    header_hint : optional callable ``(list of cell texts) -> int`` scoring how much a row looks
        like a header (the mapping's known column names); used to skip title rows.
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
            return _read_excel(path, header_hint)
        if suffix in PARQUET_SUFFIXES:
            return _read_parquet(path)
        return _read_text(path, progress, header_hint)
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
    if b"\x00" in body:
        raise _not_text(name)
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
    if len(_CONTROLS.findall(text)) > max(2, len(text) // 100):
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


def _read_text(path: Path, progress: bool, header_hint) -> RawTable:
    import pyarrow as pa

    size = path.stat().st_size
    with _open(path) as f:
        sample = f.read(SAMPLE_BYTES)
    enc, text, sample_decoder = _decode_sample(sample, size <= len(sample), path.name)
    lines = _split_lines(text)[:200]
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonblank:
        return RawTable(path, pd.DataFrame(), "csv", enc, records=0)
    delimiter, header_idx = sniff_delimiter(lines)
    # header_idx counts non-blank lines: translate to the physical line
    header_line0 = nonblank[header_idx] if header_idx < len(nonblank) else nonblank[0]
    if header_hint is not None:
        header_line0 = _best_header(
            [(i, next(csv.reader([lines[i]], delimiter=delimiter), [])) for i in nonblank
             [:HEADER_SEARCH_ROWS]], header_hint, default=header_line0)
    header = next(csv.reader([lines[header_line0].lstrip("\ufeff")], delimiter=delimiter))
    if len(header) > MAX_COLUMNS:
        raise ClientDataError(f"{path.name} has {len(header):,} columns, more than the "
                              f"{MAX_COLUMNS:,} the kit reads from one file "
                              "(crm_training.clients.reading.MAX_COLUMNS)")
    header = [_short(h, MAX_NAME_CHARS) for h in header]
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
                                    header_line0, block_size)
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
    problems = []
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
    if block.quote_open:
        opened = [n for n, _ in block.quote_open]
        lost = sum(k for _, k in block.quote_open)
        problems.append({"code": "unclosed_quote", "drop": True, "lines": opened, "count": lost,
                         "message": _quote_message(block.quote_open),
                         "examples": [{"line": n, "text_of_line": t}
                                      for n, t in block.quote_text[:5]]})
    row_lines = block.lines
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
                    problems=problems, blank_lines=block.blank, records=block.records)


class _TooManyRows(Exception):
    pass


@dataclass
class _Block:
    """Rows parsed from (part of) a text file, with the physical line of each row."""

    table: object
    lines: object  # numpy array: first physical line of each row of ``table``
    malformed: list  # (line, text)
    blank: list  # lines holding only spaces
    quote_open: list  # (line where an unclosed quote opened, lines lost with it)
    quote_text: list  # (line, text) of those lines

    @property
    def records(self) -> int:
        return (self.table.num_rows + len(self.malformed) + len(self.blank)
                + sum(k for _, k in self.quote_open))


def _quote_message(opened) -> str:
    """``opened``: (line where the quote opened, lines lost) of each unclosed quote."""
    if len(opened) == 1:
        return (f"line {opened[0][0]} opens a quoted value (\") that is not closed where the "
                "value ends; the lines it swallowed, if any, were read again as rows (fix the "
                "quote in the export)")
    lines = ", ".join(str(n) for n, _ in opened[:5]) + (" …" if len(opened) > 5 else "")
    return (f"lines {lines} open quoted values (\") that are not closed where the value ends; "
            "the lines they swallowed were read again as rows (fix the quotes in the export)")


def _parse_file(path, mode, decoder, cut, bar, names, delimiter, header_line0, block_size):
    with _open(path) as f:
        src = _ProgressFile(f, bar) if bar is not None else f
        stream = _BreakCounter(_utf8_stream(src, mode, decoder, cut), lone_cr=cut == b"\r")

        def fetch(ranges):
            return _fetch_lines(path, mode, decoder.legacy if decoder else None, cut, ranges)

        return _parse_block(stream, names, delimiter, header_line0 + 1, header_line0 + 2, fetch,
                            block_size)


def _utf8_stream(f, mode, decoder, cut):
    """The file as UTF-8 bytes for pyarrow: as is, or decoded line by line, or from UTF-16."""
    if mode == "utf-8":
        return f  # pyarrow skips a UTF-8 byte order mark
    if mode == "utf-16":
        inc = codecs.getincrementaldecoder("utf-16")()
        return _Utf8Stream(f, inc.decode, None)
    return _Utf8Stream(f, lambda data, final: decoder.decode(data), cut)


class _BreakCounter(io.RawIOBase):
    """Pass-through stream counting the line breaks (\n, \r\n, lone \r) it hands out: when
    they match the records read, no value holds a line break and no per-column check is due."""

    TAIL = 1 << 20

    def __init__(self, f, lone_cr: bool = True):
        self._f, self.breaks, self.ends_with_break, self._cr = f, 0, True, False
        self.tail = b""  # the last bytes handed out (the end of the last record)
        self._lone_cr = lone_cr  # False: the file breaks lines with \n (a lone \r found later
        # only makes the count differ, and the exact per-column count runs)

    def readable(self):
        return True

    def _count(self, data):
        if data:
            self.breaks += data.count(b"\n")
            if self._lone_cr:
                self.breaks += data.count(b"\r") - data.count(b"\r\n")
                if self._cr and data[:1] == b"\n":
                    self.breaks -= 1  # a \r\n cut between two reads
                self._cr = data[-1:] == b"\r"
            self.ends_with_break = data[-1:] in (b"\n", b"\r")
            self.tail = (self.tail + data)[-self.TAIL:] if len(data) < self.TAIL else \
                data[-self.TAIL:]
        return data

    def read(self, n=-1):
        return self._count(self._f.read(n))

    def readinto(self, b):
        data = self._f.read(len(b))
        b[:len(data)] = data
        self._count(data)
        return len(data)


class _Utf8Stream(io.RawIOBase):
    """A read-only stream of UTF-8 bytes decoded from ``f`` in chunks ending at a line break
    (``cut``; None: any chunk, for a decoder that keeps partial characters itself)."""

    CHUNK = 8 << 20

    def __init__(self, f, decode, cut):
        self._f, self._decode, self._cut = f, decode, cut
        self._buf, self._pos, self._rest, self._eof, self._first = b"", 0, b"", False, True

    def readable(self):
        return True

    def _produce(self) -> bytes | None:
        """The next decoded chunk as UTF-8 (None at the end)."""
        while not self._eof:
            raw = self._f.read(self.CHUNK)
            final = not raw
            data = self._rest + raw
            if self._first and self._cut is not None and data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            self._first = False
            if final:
                self._eof, self._rest = True, b""
            elif self._cut is not None:
                i = data.rfind(self._cut)
                if i < 0:
                    self._rest = data
                    continue
                data, self._rest = data[:i + 1], data[i + 1:]
            return self._decode(data, final).encode("utf-8")
        return None

    def _fill(self):
        while self._pos >= len(self._buf):
            chunk = self._produce()
            if chunk is None:
                self._buf, self._pos = b"", 0
                return
            self._buf, self._pos = chunk, 0

    def readinto(self, b):
        self._fill()
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos:self._pos + n]
        self._pos += n
        return n


def _fetch_lines(path, mode, legacy, cut, ranges) -> dict:
    """The text of physical line ranges ``[(first, last), ...]`` (1-based) of a text file,
    decoded as when it was read: ``{first: text}`` (one more pass over the file)."""
    import numpy as np

    from .encoding import line_breaks

    out: dict = {}
    starts = np.array([a for a, _ in ranges], np.int64)
    ends = np.array([b for _, b in ranges], np.int64)
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    parts: dict = {int(a): [] for a in starts}
    line, carry = 1, b""
    with _open(path) as f:
        stream = _utf8_stream(f, mode, LineDecoder(legacy) if mode == "lines" else None, cut)
        while True:
            chunk = stream.read(8 << 20)
            data = carry + (chunk or b"")
            if chunk and data.endswith(b"\r"):
                data, carry = data[:-1], b"\r"  # \r\n must not be split
            else:
                carry = b""
            if not data:
                break
            b = np.frombuffer(data, np.uint8)
            br = line_breaks(b)
            n_br = len(br)
            # line L of the file starts in this chunk at line_start(L)
            lo, hi = line, line + n_br  # lines starting in (or continuing into) this chunk
            touching = np.flatnonzero((starts <= hi) & (ends >= lo))
            for k in touching:
                a, z = int(starts[k]), int(ends[k])
                s0 = 0 if a <= lo else int(br[a - lo - 1]) + 1
                e0 = len(data) if z >= hi else int(br[z - lo]) + 1
                parts[a].append(data[s0:e0])
            line += n_br
            if not chunk:
                break
    for a, z in zip(starts, ends):
        out[int(a)] = b"".join(parts[int(a)]).decode("utf-8", errors="replace")
    return out


def _closes_properly(text: str, delimiter: str) -> bool:
    """True when ``text`` is exactly one CSV record whose quotes open and close properly."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return len(rows) == 1


def _parse_block(stream, names, delimiter, skip_rows, first_line, fetch, block_size=8 << 20,
                 depth=0) -> _Block:
    """Parse CSV text (UTF-8) with pyarrow; give every row its physical line; find quotes
    that swallowed the following lines and read those lines again (recursively)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    malformed = []  # (record number, line breaks inside, text or None)

    def on_invalid(row):
        text = row.text or ""
        breaks = len(_BREAK.findall(text))
        keep = text if breaks or len(malformed) < 1000 or not text.strip() else None
        malformed.append((row.number, breaks, keep))
        return "skip"

    read_opts = pcsv.ReadOptions(encoding="utf8", use_threads=False, skip_rows=skip_rows,
                                 column_names=names, block_size=block_size)
    # quoted values may hold line breaks (comments typed in Excel cells)
    parse_opts = pcsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid,
                                   ignore_empty_lines=False, newlines_in_values=True)
    conv_opts = pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                    strings_can_be_null=True, quoted_strings_can_be_null=True,
                                    null_values=[""])
    reader = pcsv.open_csv(stream, read_options=read_opts, parse_options=parse_opts,
                           convert_options=conv_opts)
    batches, n = [], 0
    for batch in reader:
        n += batch.num_rows
        if n + len(malformed) > MAX_ROWS:
            raise _TooManyRows()
        batches.append(batch)
    table = pa.Table.from_batches(batches, schema=reader.schema)
    del batches
    n_good = table.num_rows
    # line breaks inside the values of each row
    extra = np.zeros(n_good, np.int64)
    multi_cols = []
    counted = getattr(stream, "breaks", None)
    single = False
    if counted is not None:  # as many physical lines as records: no value spans lines
        data_lines = counted - skip_rows + (0 if stream.ends_with_break else 1)
        single = data_lines == n_good + len(malformed) and not any(m[1] for m in malformed)
        if single and n_good:  # a quote left open on the last line ends the file inside it
            last = table.slice(n_good - 1)
            single = not any(pc.any(pc.match_substring_regex(c, "[\r\n]")).as_py()
                             for c in last.columns if c.null_count < len(c))
    for col in ([] if single else table.columns):
        if col.null_count == len(col):
            continue
        has_n = pc.any(pc.match_substring(col, "\n")).as_py()
        has_r = pc.any(pc.match_substring(col, "\r")).as_py()
        if has_n:
            extra += pc.fill_null(pc.count_substring(col, "\n"), 0).to_numpy()
        if has_r:
            extra += pc.fill_null(pc.count_substring(col, "\r"), 0).to_numpy()
            extra -= pc.fill_null(pc.count_substring(col, "\r\n"), 0).to_numpy()
        if has_n or has_r:
            multi_cols.append(col)
    n_rec = n_good + len(malformed)
    rec = np.array([(m[0] if m[0] is not None else -1) for m in malformed], np.int64)
    rec = rec - skip_rows - 1
    if len(rec) and (rec.min() < 0 or rec.max() >= n_rec or (np.diff(rec) <= 0).any()):
        rec = np.arange(n_good, n_rec)  # positions unknown: put them last
    is_mal = np.zeros(n_rec, bool)
    is_mal[rec] = True
    spans = np.ones(n_rec, np.int64)
    spans[~is_mal] += extra
    spans[rec] += np.array([m[1] for m in malformed], np.int64)
    start = first_line + np.concatenate([[0], np.cumsum(spans)[:-1]]).astype(np.int64)
    lines = start[~is_mal]
    mal_lines = start[rec]

    # quotes that swallowed lines: multi-line records that are not one proper CSV record
    flagged = []  # (line, span, text, good-row index or None)
    cand = np.flatnonzero(extra > 0)
    if len(cand) > MAX_QUOTE_CHECKS:
        k = min(max(len(names) - 1, 1), 50)
        d = re.escape(delimiter)
        pattern = rf"[\r\n][^\r\n]*(?:{d}[^\r\n]*){{{k}}}"
        looks = np.zeros(n_good, bool)
        for col in multi_cols:
            looks |= pc.fill_null(pc.match_substring_regex(col, pattern), False).to_numpy(
                zero_copy_only=False)
        cand = np.flatnonzero(looks)[:MAX_QUOTE_CHECKS]
    if len(cand):
        texts = fetch([(int(lines[i]), int(lines[i] + extra[i])) for i in cand])
        for i in cand:
            t = texts.get(int(lines[i]), "")
            if not _closes_properly(t, delimiter):
                flagged.append((int(lines[i]), int(extra[i]) + 1, t, int(i)))
    # a file ending without a line break may end inside a quote that pyarrow closed for it
    tail = getattr(stream, "tail", b"")
    if n_good and tail and not stream.ends_with_break and (not len(rec) or
                                                           rec[-1] != n_rec - 1):
        last = _BREAK.split(tail.decode("utf-8", errors="replace"))
        k = int(extra[-1]) + 1
        if len(last) > k and not any(f[3] == n_good - 1 for f in flagged):
            text = "\n".join(last[-k:])
            if not _closes_properly(text, delimiter):
                flagged.append((int(lines[-1]), k, text, n_good - 1))
    keep_mal = []
    for (num, breaks, text), line in zip(malformed, mal_lines):
        if breaks and text is not None and not _closes_properly(text, delimiter):
            flagged.append((int(line), breaks + 1, text, None))
        else:
            keep_mal.append((int(line), breaks, text))
    blank = [ln for ln, b, t in keep_mal if not b and t is not None and not t.strip()]
    bad = [(ln, _short(t or "", MAX_LINE_CHARS)) for ln, b, t in keep_mal
           if b or t is None or t.strip()]
    quote_open, quote_text, subs = [], [], []
    for line, _, text, row in sorted(flagged):
        first, *rest = _BREAK.split(text)
        if rest and rest[-1] == "":
            rest.pop()  # the file's last line break, not a line
        quote_text.append((line, _short(first, MAX_LINE_CHARS)))
        if depth >= 20 or not "".join(rest).strip():
            quote_open.append((line, 1 + len(rest)))  # nothing (or nothing more) to read again
            continue
        quote_open.append((line, 1))
        body = "\n".join(rest)
        sub_lines = body.split("\n")

        def sub_fetch(ranges, sub_lines=sub_lines, base=line + 1):
            return {a: "\n".join(sub_lines[a - base:b - base + 1]) for a, b in ranges}

        subs.append(_parse_block(io.BytesIO(body.encode("utf-8")), names, delimiter, 0, line + 1,
                                 sub_fetch, block_size, depth + 1))
    drop = [row for *_, row in flagged if row is not None]
    if drop:
        keep = np.ones(n_good, bool)
        keep[drop] = False
        table, lines = table.filter(pa.array(keep)), lines[keep]
    if subs:
        table = pa.concat_tables([table] + [s.table for s in subs])
        lines = np.concatenate([lines] + [s.lines for s in subs])
        order = np.argsort(lines, kind="stable")
        table, lines = table.take(pa.array(order)), lines[order]
        for s in subs:
            bad += s.malformed
            blank += s.blank
            quote_open += s.quote_open
            quote_text += s.quote_text
        bad.sort()
        blank.sort()
        quote_open.sort()
        quote_text.sort()
    return _Block(table, lines, bad, blank, quote_open, quote_text)


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


def _progress(total: int, name: str):
    if total < (32 << 20):  # a bar for a small file is noise
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=f"reading {name}")


class _ProgressFile(io.RawIOBase):
    """A read-only file wrapper that advances a progress bar by the bytes read."""

    def __init__(self, f, bar):
        self._f, self._bar = f, bar

    def readable(self):
        return True

    def readinto(self, b):
        n = self._f.readinto(b)
        if n:
            self._bar.update(n)
        return n

    def read(self, n=-1):
        data = self._f.read(n)
        self._bar.update(len(data))
        return data


# ---------------------------------------------------------------------- Excel, Parquet
def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB" if n >= (1 << 20) else f"{n / 1024:,.0f} KB"


def check_xlsx_size(path: Path) -> None:
    """Refuse an .xlsx (a zip archive) that would decompress beyond the limits, from the sizes
    its zip directory declares, before anything is decompressed (a zip bomb of a few hundred
    KB can hold gigabytes of sheet XML). Python's zip reader never returns more bytes than a
    member declares, so the declared sizes bound what openpyxl can read."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise ClientDataError(f"{path.name} is not a readable Excel workbook "
                              f"({type(e).__name__}: {str(e)[:100]})") from None
    total = sum(i.file_size for i in infos)
    limit = (f"the kit's limit (crm_training.clients.reading.MAX_UNCOMPRESSED_BYTES = "
             f"{_mb(MAX_UNCOMPRESSED_BYTES)})")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ClientDataError(f"{path.name} would decompress to {_mb(total)}, more than {limit}; "
                              "save it as CSV or split it")
    for i in infos:
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > ZIP_RATIO_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise ClientDataError(
                f"{path.name} is not read: its part {_short(i.filename, 60)!r} is compressed "
                f"{ratio:,.0f} to 1 ({_mb(i.compress_size)} holding {_mb(i.file_size)}), far "
                f"beyond real spreadsheets (limit {MAX_COMPRESSION_RATIO} to 1, "
                "crm_training.clients.reading.MAX_COMPRESSION_RATIO): it may be a zip bomb")


def _read_excel(path: Path, header_hint) -> RawTable:
    check_xlsx_size(path)
    try:
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken workbook
        raise ClientDataError(f"{path.name} is not a readable Excel workbook "
                              f"({type(e).__name__}: {str(e)[:100]})") from None
    try:
        ws = next((ws for ws in wb.worksheets if ws.max_row and ws.max_row > 0), wb.worksheets[0])
        sheet = ws.title
        with warnings.catch_warnings():  # e.g. one warning per date cell out of range
            warnings.simplefilter("ignore")
            rows = list(_sheet_rows(wb, ws, path.name))
    except ClientDataError:
        raise
    except Exception as e:  # a broken sheet
        raise ClientDataError(f"{path.name} is not a readable Excel workbook "
                              f"({type(e).__name__}: {str(e)[:100]})") from None
    finally:
        wb.close()
    # rows: (sheet row number, {column number: value}) of the rows holding a value
    rows = [(n, r) for n, r in rows if any(_cell_text(v) is not None for v in r.values())]
    if not rows:
        return RawTable(path, pd.DataFrame(), "excel", sheet=sheet, records=0)
    head = rows[:HEADER_SEARCH_ROWS]
    width = max(len(r) for _, r in head)
    # default header: the first row filled at least half as wide as the widest row
    default = next(k for k, (_, r) in enumerate(head) if len(r) >= width / 2)
    header_k = default
    if header_hint is not None:
        header_k = _best_header([(k, _row_texts(r)) for k, (_, r) in enumerate(head)],
                                header_hint, default)
    header_row, hdr = rows[header_k]
    header = {j: _short(_cell_text(v), MAX_NAME_CHARS) for j, v in hdr.items()
              if _cell_text(v) is not None}
    body = rows[header_k + 1:]
    texts = [h for _, h in sorted(header.items())]
    data = {}
    for j, h in sorted(header.items()):
        key = h if texts.count(h) == 1 else f"{h}.{j}"
        data[key] = [_cell_text(r.get(j)) for _, r in body]
    frame = pd.DataFrame(data, dtype="str")
    # the sheet's row numbers; rows without any value hold nothing and are not records
    frame.index = pd.Index([n for n, _ in body], name="line", dtype="int64")
    return RawTable(path, frame, "excel", header_line=header_row, sheet=sheet,
                    records=len(body))


def _row_texts(r: dict) -> list:
    if not r:
        return []
    return [_cell_text(r.get(j)) for j in range(1, max(r) + 1)]


def _sheet_rows(wb, ws, name):
    """(row number, {column: value}) of each row of a read-only sheet holding a value.

    openpyxl pads every row to the sheet's declared width and fills gaps in the row numbers
    with empty rows (a few hundred KB of XML can declare a million rows of 16,384 columns);
    reading the parser's cells directly keeps only what is there, and the limits on rows and
    columns stop a sheet early.
    """
    max_row = max(MAX_ROWS, 1_048_576)
    try:
        from openpyxl.worksheet._reader import WorkSheetParser

        src = ws._get_source()
    except (ImportError, AttributeError):  # another openpyxl: its public reader, also limited
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if n > max_row:
                raise _too_many_rows(name)
            if len(row) > MAX_COLUMNS and any(v is not None for v in row[MAX_COLUMNS:]):
                raise _too_many_columns(name)
            vals = {j: v for j, v in enumerate(row[:MAX_COLUMNS], start=1) if v is not None}
            if vals:
                yield n, vals
        return
    with src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=wb.data_only,
                                 epoch=wb.epoch, date_formats=wb._date_formats,
                                 timedelta_formats=wb._timedelta_formats)
        count = 0
        for n, cells in parser.parse():
            if n > max_row:
                raise _too_many_rows(name)
            vals = {}
            for c in cells:
                v = c["value"]
                if v is None:
                    continue
                if c["column"] > MAX_COLUMNS:
                    raise _too_many_columns(name)
                vals[c["column"]] = v
            if vals:
                count += 1
                if count > MAX_ROWS:
                    raise _too_many_rows(name)
                yield n, vals


def _too_many_rows(name) -> ClientDataError:
    return ClientDataError(f"{name} has more than {MAX_ROWS:,} rows, the most the kit reads from "
                           "one file (crm_training.clients.reading.MAX_ROWS); split the export")


def _too_many_columns(name) -> ClientDataError:
    return ClientDataError(f"{name} has values beyond column {MAX_COLUMNS:,}, the most the kit "
                           "reads from one file (crm_training.clients.reading.MAX_COLUMNS)")


def _cell_text(v):
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat()
    s = str(v).strip()
    return s or None


def _read_parquet(path: Path) -> RawTable:
    """Every column as text: strings as they are, numbers, decimals, dates and flags by
    pyarrow's casts, timestamps as wall-clock times (tz-aware ones in their own zone, any
    year); binary columns as text where they are valid UTF-8 (the other cells are reported);
    nested, map or other columns that hold no single value are reported and ignored."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from .encoding import utf8_valid

    try:
        pf = pq.ParquetFile(path)
        meta = pf.metadata
    except Exception as e:  # pyarrow raises several types for a broken file
        raise ClientDataError(f"{path.name} is not a readable Parquet file "
                              f"({type(e).__name__}: {str(e)[:100]})") from None
    if meta.num_rows > MAX_ROWS:
        raise _too_many_rows(path.name)
    if meta.num_columns > MAX_COLUMNS:
        raise ClientDataError(f"{path.name} has {meta.num_columns:,} columns, more than the "
                              f"{MAX_COLUMNS:,} the kit reads from one file "
                              "(crm_training.clients.reading.MAX_COLUMNS)")
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > MAX_UNCOMPRESSED_BYTES:
        raise ClientDataError(f"{path.name} holds {_mb(size)} once decompressed, more than the "
                              "kit's limit (crm_training.clients.reading.MAX_UNCOMPRESSED_BYTES "
                              f"= {_mb(MAX_UNCOMPRESSED_BYTES)}); save a smaller extract")
    try:
        table = pf.read(use_pandas_metadata=False)
    except Exception as e:
        raise ClientDataError(f"{path.name} is not a readable Parquet file "
                              f"({type(e).__name__}: {str(e)[:100]})") from None
    n = table.num_rows
    out, problems, names = {}, [], []
    lines = np.arange(1, n + 1)
    for name, col in zip(table.column_names, table.columns):
        if re.fullmatch(r"__index_level_\d+__", name):
            continue  # an unnamed pandas index: row numbers, not data
        key = _short(name, MAX_NAME_CHARS)
        typ = col.type
        if pa.types.is_dictionary(typ):
            col = col.cast(typ.value_type)
            typ = col.type
        text, why = None, None
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            text = col
        elif pa.types.is_binary(typ) or pa.types.is_large_binary(typ) or \
                pa.types.is_fixed_size_binary(typ):
            b = col.cast(pa.large_binary()) if not pa.types.is_large_binary(typ) else col
            ok = np.concatenate([utf8_valid(c) for c in b.chunks]) if b.num_chunks else \
                np.zeros(0, bool)
            bad = ~ok
            if bad.any() and bad.sum() == n - b.null_count:  # no cell is text
                why = "holds binary data (not text)"
            else:
                text = pc.if_else(pa.array(ok), b, pa.scalar(None, b.type)).cast(
                    pa.large_string())
                if bad.any():
                    problems.append({
                        "code": "binary_column", "lines": lines[bad], "count": int(bad.sum()),
                        "message": f"column {_short(name, 60)!r} holds binary data that is not "
                                   f"text in {int(bad.sum()):,} of its {n:,} rows"})
        elif pa.types.is_timestamp(typ):
            text = pc.strftime(col, "%Y-%m-%d %H:%M:%S")  # wall clock, also with a time zone
        elif pa.types.is_duration(typ) or pa.types.is_interval(typ):
            why = f"holds durations ({typ}), not values the data model reads"
        elif pa.types.is_nested(typ) or pa.types.is_map(typ) or pa.types.is_union(typ):
            why = f"holds lists or records ({typ}), not single values"
        else:
            try:
                text = col.cast(pa.string())
            except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
                why = f"has the type {typ}, which the kit cannot read as text"
        if why is not None:
            problems.append({"code": "unsupported_column", "count": 0,
                             "message": f"column {_short(name, 60)!r} {why}; it was ignored"})
            continue
        out[key] = text
        names.append(key)
    frame = pa.table(out).to_pandas() if out else pd.DataFrame(index=range(n))
    frame = frame.astype("str").where(frame.notna(), None) if len(frame.columns) else frame
    frame.index = pd.RangeIndex(1, n + 1, name="line")
    return RawTable(path, frame, "parquet", problems=problems, records=n)


def list_client_files(folder, skipped: list | None = None) -> list[Path]:
    """The readable files of a folder (not hidden, not Excel lock files), sorted by name.

    A link that leads out of the folder is never followed (a client folder must not read files
    elsewhere on the machine); entries with a client file's name that are not regular files (a
    folder named ``x.csv``, a pipe, a broken link) are left out too. With ``skipped`` (a list),
    each left-out entry is appended as ``(path, one-line reason)``.
    """
    folder = Path(folder)
    root = folder.resolve()
    out = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith((".", "~$")) or p.suffix.lower() not in SUPPORTED + (".xls",):
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
