"""Read one client file as a table of text, whatever its format, without touching the file.

CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030; comma, semicolon, tab or pipe; title
lines above the header), Excel (.xlsx/.xlsm, title rows above the header) and Parquet. Every value
is kept as text here (parsing is :mod:`.parsing`'s job) and the index holds the line number of
each row in the source file (line 1 is the first line; for Excel the sheet's row number; for
Parquet the row number), so every problem can be shown where the client will find it.

CSV is streamed with pyarrow in blocks (constant memory apart from the result, a tqdm progress
bar by bytes). Files are only ever opened for reading.

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
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .report import ClientDataError

TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED = TEXT_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 1 << 20
HEADER_SEARCH_ROWS = 20


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
    if path.stat().st_size == 0:
        return RawTable(path, pd.DataFrame(), "empty")
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, header_hint)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path)
    return _read_text(path, progress, header_hint)


# ---------------------------------------------------------------------- text files
def sniff_encoding(sample: bytes, name: str = "file") -> str:
    """The encoding of a text sample: utf-8(-sig), utf-16 or gb18030 (a superset of GBK).

    Examples
    --------
    >>> sniff_encoding("客户".encode("gbk")), sniff_encoding("\\ufeffa,b".encode("utf-8"))
    ('gb18030', 'utf-8-sig')
    """
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    not_text = ClientDataError(f"{name} is not a text table: it could not be decoded as UTF-8 "
                               "or GBK")
    if b"\x00" in sample:
        raise not_text
    for enc in ("utf-8", "gb18030"):
        # an incremental decoder keeps a multi-byte character cut by the end of the sample
        # pending instead of failing on it
        decoder = codecs.getincrementaldecoder(enc)()
        try:
            text = decoder.decode(sample, final=len(sample) < SAMPLE_BYTES)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
        if controls > max(2, len(text) // 100):
            raise not_text
        return enc
    raise not_text


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
    import pyarrow.csv as pcsv

    size = path.stat().st_size
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    enc = sniff_encoding(sample, path.name)
    text = sample.decode(enc, errors="ignore")
    raw_lines = text.splitlines()
    if size > SAMPLE_BYTES and raw_lines:
        raw_lines = raw_lines[:-1]  # the last sampled line may be cut
    lines = raw_lines[:200]
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonblank:
        return RawTable(path, pd.DataFrame(), "csv", enc)
    delimiter, header_idx = sniff_delimiter(lines)
    # header_idx counts non-blank lines: translate to the physical line
    header_line0 = nonblank[header_idx] if header_idx < len(nonblank) else nonblank[0]
    if header_hint is not None:
        header_line0 = _best_header(
            [(i, next(csv.reader([lines[i]], delimiter=delimiter), [])) for i in nonblank
             [:HEADER_SEARCH_ROWS]], header_hint, default=header_line0)
    header = next(csv.reader([lines[header_line0].lstrip("\ufeff")], delimiter=delimiter))
    names = _unique_names(header)
    malformed = []

    def on_invalid(row):
        if row.text.strip():  # blank lines are not worth a report line
            malformed.append((row.number, row.text[:200]))
        return "skip"

    read_opts = pcsv.ReadOptions(encoding="utf8" if enc == "utf-8" else enc, use_threads=False,
                                 skip_rows=header_line0 + 1, column_names=names,
                                 block_size=8 << 20)
    # quoted values may hold line breaks (comments typed in Excel cells)
    parse_opts = pcsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid,
                                   ignore_empty_lines=False, newlines_in_values=True)
    conv_opts = pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                    strings_can_be_null=True, quoted_strings_can_be_null=True,
                                    null_values=[""])
    bar = _progress(size, path.name) if progress else None
    try:
        with open(path, "rb") as f:
            src = _ProgressFile(f, bar) if bar is not None else f
            reader = pcsv.open_csv(src, read_options=read_opts, parse_options=parse_opts,
                                   convert_options=conv_opts)
            table = reader.read_all()
    except (pa.ArrowInvalid, UnicodeDecodeError, pa.ArrowNotImplementedError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        if "decode" in msg.lower() or isinstance(e, UnicodeDecodeError) or "utf8" in msg.lower():
            raise ClientDataError(f"{path.name} is not a text table: it could not be decoded as "
                                  f"{enc.upper()} beyond its first lines ({msg[:120]})") from None
        raise ClientDataError(f"{path.name} could not be read as a {delimiter!r}-separated "
                              f"table: {msg[:160]}") from None
    finally:
        if bar is not None:
            bar.close()
    frame = table.to_pandas()
    del table
    frame.columns = names
    # physical line numbers: consecutive from the first data line, minus the skipped lines
    first = header_line0 + 2
    skipped = sorted(n for n, _ in malformed if n is not None)
    n_rows = len(frame) + len(skipped)
    line = pd.RangeIndex(first, first + n_rows)
    if skipped:
        line = line.difference(pd.Index(skipped))
    line = line[:len(frame)]
    frame.index = pd.Index(line, name="line")
    # a nameless, empty column is a trailing delimiter, not data
    frame = frame.loc[:, [bool(h.strip()) or frame.iloc[:, i].notna().any()
                          for i, h in enumerate(header)]]
    return RawTable(path, frame, "csv", enc, delimiter, header_line0 + 1, malformed)


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
def _read_excel(path: Path, header_hint) -> RawTable:
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken workbook
        raise ClientDataError(f"{path.name} is not a readable Excel workbook "
                              f"({type(e).__name__}: {str(e)[:100]})") from None
    try:
        ws = next((ws for ws in wb.worksheets if ws.max_row and ws.max_row > 0), wb.worksheets[0])
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        sheet = ws.title
    finally:
        wb.close()
    nonblank = [i for i, r in enumerate(rows) if any(v not in (None, "") for v in r)]
    if not nonblank:
        return RawTable(path, pd.DataFrame(), "excel", sheet=sheet)
    width = max(sum(v not in (None, "") for v in rows[i]) for i in nonblank[:HEADER_SEARCH_ROWS])
    # default header: the first row filled at least half as wide as the widest row
    default = next(i for i in nonblank if sum(v not in (None, "") for v in rows[i]) >= width / 2)
    header_idx = default
    if header_hint is not None:
        header_idx = _best_header([(i, [_cell_text(v) for v in rows[i]])
                                   for i in nonblank[:HEADER_SEARCH_ROWS]], header_hint, default)
    header = [_cell_text(v) for v in rows[header_idx]]
    keep = [j for j, h in enumerate(header) if h]
    body = rows[header_idx + 1:]
    data = {header[j] if header.count(header[j]) == 1 else f"{header[j]}.{j}":
            [_cell_text(r[j]) if j < len(r) else None for r in body] for j in keep}
    frame = pd.DataFrame(data, dtype="str")
    frame.index = pd.Index(range(header_idx + 2, header_idx + 2 + len(body)), name="line")
    return RawTable(path, frame, "excel", header_line=header_idx + 1, sheet=sheet)


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
    try:
        frame = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several types for a broken file
        raise ClientDataError(f"{path.name} is not a readable Parquet file "
                              f"({type(e).__name__}: {str(e)[:100]})") from None
    frame = frame.reset_index(drop=True)
    out = {}
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            s = s.dt.strftime("%Y-%m-%d %H:%M:%S")
        out[str(c)] = s.astype("str").where(s.notna(), None)
    frame = pd.DataFrame(out, dtype="str")
    frame.index = pd.Index(range(1, len(frame) + 1), name="line")
    return RawTable(path, frame, "parquet")


def list_client_files(folder) -> list[Path]:
    """The readable files of a folder (not hidden, not Excel lock files), sorted by name."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith((".", "~$"))
                  and p.suffix.lower() in SUPPORTED + (".xls",))


def file_fingerprint(path) -> tuple[int, int]:
    """(size, modification time in ns): cheap evidence that a source was left untouched."""
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns
