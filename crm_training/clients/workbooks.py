"""Read Excel workbooks and Parquet files as tables of text (the text readers are in
:mod:`.reading`, which calls these).

**Excel** (.xlsx/.xlsm): every visible worksheet holding rows is read (:func:`read_sheets`), each
as its own :class:`~.reading.RawTable` whose ``sheet`` names it and whose index holds the sheet's
row numbers; :func:`crm_training.load_client` then keeps the sheets that hold a table (sheets with
the same table are added up, each row shown as ``book.xlsx!sheet`` line ``row``). Hidden and very
hidden sheets, chart sheets and empty sheets are not read, and are listed with the reason. A
title row above the header is skipped; a header naming a column twice keeps both (the later
ones as ``name.1``, ``name.2`` ..., reported). Cells hold what Excel saved: numbers are kept as
text (integral ones as integers, "13812345678", not "1.3812345678e+10") and remembered as numbers
(:attr:`~.reading.RawTable.numeric`: their dot is always a decimal point; in a date column a
serial number such as 45296 is a date), and a formula without a saved value is remembered too
(:attr:`~.reading.RawTable.formulas`: Excel never calculated it, so it is blank, and the report
says to open and save the workbook). An .xlsx is checked from its zip directory before openpyxl
opens it (:func:`check_xlsx_size`), so a zip bomb is refused at once.

**Parquet**: every column as text; integral floats as integers (ids and phones stored as
floats); numbers are remembered as numbers; binary columns as text where they are valid UTF-8;
nested, map or duration columns are reported and ignored.

Limits are those of :mod:`.reading` (``MAX_ROWS``, ``MAX_COLUMNS``, ``MAX_UNCOMPRESSED_BYTES``,
``MAX_COMPRESSION_RATIO``), read when a file is opened.

Examples
--------
>>> import tempfile, pathlib, openpyxl
>>> p = pathlib.Path(tempfile.mkdtemp()) / "book.xlsx"
>>> wb = openpyxl.Workbook(); wb.active.title = "1月"; wb.active.append(["订单编号", "金额"])
>>> wb.active.append(["A1", 13812345678.0]); hidden = wb.create_sheet("配置")
>>> hidden.append(["x"]); hidden.sheet_state = "hidden"; wb.save(p)
>>> tables, skipped = read_sheets(p)
>>> [(t.sheet, t.frame["金额"].tolist(), t.numeric["金额"].tolist()) for t in tables], skipped
([('1月', ['13812345678'], [1])], [('配置', 'hidden')])
"""
from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import reading as _r
from .reading import RawTable, _best_header, _duplicates, _mb, _short, _unique_names
from .report import ClientDataError

# what a cell of :attr:`RawTable.numeric` says
TEXT, NUMBER, LOSSY = 0, 1, 2  # LOSSY: a float beyond 2**53, whose last digits may be lost
_EXACT = 2 ** 53


class _NoValue:
    """A formula cell without a saved value (the workbook was never calculated)."""

    def __repr__(self):
        return "<formula without a saved value>"


NO_VALUE = _NoValue()


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
             f"{_mb(_r.MAX_UNCOMPRESSED_BYTES)})")
    if total > _r.MAX_UNCOMPRESSED_BYTES:
        raise ClientDataError(f"{path.name} would decompress to {_mb(total)}, more than {limit}; "
                              "save it as CSV or split it")
    for i in infos:
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > _r.ZIP_RATIO_MIN_BYTES and ratio > _r.MAX_COMPRESSION_RATIO:
            raise ClientDataError(
                f"{path.name} is not read: its part {_short(i.filename, 60)!r} is compressed "
                f"{ratio:,.0f} to 1 ({_mb(i.compress_size)} holding {_mb(i.file_size)}), far "
                f"beyond real spreadsheets (limit {_r.MAX_COMPRESSION_RATIO} to 1, "
                "crm_training.clients.reading.MAX_COMPRESSION_RATIO): it may be a zip bomb")


def _broken(path, e) -> ClientDataError:
    return ClientDataError(f"{path.name} is not a readable Excel workbook "
                           f"({type(e).__name__}: {str(e)[:100]})")


def read_sheets(path, header_hint=None) -> tuple[list, list]:
    """Every visible worksheet of a workbook that holds rows, as :class:`~.reading.RawTable`
    (``sheet`` set), and the sheets left out as ``(sheet name, reason)`` ("hidden", "very
    hidden", "a chart, not a table", "empty"). Raises :class:`ClientDataError` for a workbook
    that cannot be read at all."""
    path = Path(path)
    check_xlsx_size(path)
    try:
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken workbook
        raise _broken(path, e) from None
    tables, skipped, total = [], [], 0
    try:
        for ws in wb.worksheets:
            state = getattr(ws, "sheet_state", "visible") or "visible"
            if state != "visible":
                skipped.append((ws.title, "very hidden" if state == "veryHidden" else "hidden"))
                continue
            with warnings.catch_warnings():  # e.g. one warning per date cell out of range
                warnings.simplefilter("ignore")
                rows = list(_sheet_rows(wb, ws, path.name))
            rows = [(n, r) for n, r in rows if any(_cell_text(v) is not None or v is NO_VALUE
                                                   for v in r.values())]
            total += len(rows)
            if total > _r.MAX_ROWS:
                raise _too_many_rows(path.name)
            if not rows:
                skipped.append((ws.title, "empty"))
                continue
            tables.append(_sheet_table(path, ws.title, rows, header_hint, wb.epoch))
        skipped += [(cs.title, "a chart, not a table") for cs in getattr(wb, "chartsheets", ())]
    except ClientDataError:
        raise
    except Exception as e:  # a broken sheet
        raise _broken(path, e) from None
    finally:
        wb.close()
    return tables, skipped


def read_excel(path, header_hint=None) -> RawTable:
    """One table of a workbook (:func:`~.reading.read_raw` of an .xlsx): its first visible
    sheet holding rows (:func:`read_sheets` reads them all)."""
    path = Path(path)
    tables, _ = read_sheets(path, header_hint)
    if not tables:
        return RawTable(path, pd.DataFrame(), "excel", records=0)
    return tables[0]


def _sheet_table(path, sheet, rows, header_hint, epoch) -> RawTable:
    """A sheet's rows ``(row number, {column number: value})`` as a RawTable."""
    head = rows[:_r.HEADER_SEARCH_ROWS]
    width = max(len(r) for _, r in head)
    # default header: the first row filled at least half as wide as the widest row
    default = next(k for k, (_, r) in enumerate(head) if len(r) >= width / 2)
    header_k = default
    if header_hint is not None:
        header_k = _best_header([(k, _row_texts(r)) for k, (_, r) in enumerate(head)],
                                header_hint, default)
    header_row, hdr = rows[header_k]
    header = {j: _short(_cell_text(v), _r.MAX_NAME_CHARS) for j, v in sorted(hdr.items())
              if _cell_text(v) is not None}
    body = rows[header_k + 1:]
    keys = _unique_names(list(header.values()))
    data, numeric, formulas = {}, {}, {}
    for (j, h), key in zip(header.items(), keys):
        values = [r.get(j) for _, r in body]
        data[key] = [_cell_text(v) for v in values]
        kind = np.array([_number_kind(v) for v in values], np.int8)
        if kind.any():
            numeric[key] = kind
        blank = np.array([v is NO_VALUE for v in values], bool)
        if blank.any():
            formulas[key] = blank
    frame = pd.DataFrame(data, dtype="str")
    # the sheet's row numbers; rows without any value hold nothing and are not records
    frame.index = pd.Index([n for n, _ in body], name="line", dtype="int64")
    from openpyxl.utils import get_column_letter

    dups = _duplicates(list(header.values()), keys,
                       [get_column_letter(j) for j in header])
    return RawTable(path, frame, "excel", header_line=header_row, sheet=sheet,
                    records=len(body), numeric=numeric, formulas=formulas, epoch=epoch,
                    header_dups=dups)


def _number_kind(v) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return TEXT
    if isinstance(v, float) and math.isfinite(v) and abs(v) >= _EXACT:
        return LOSSY
    return NUMBER


def _row_texts(r: dict) -> list:
    if not r:
        return []
    return [_cell_text(r.get(j)) for j in range(1, max(r) + 1)]


def _sheet_rows(wb, ws, name):
    """(row number, {column: value}) of each row of a read-only sheet holding a value.

    openpyxl pads every row to the sheet's declared width and fills gaps in the row numbers
    with empty rows (a few hundred KB of XML can declare a million rows of 16,384 columns);
    reading the parser's cells directly keeps only what is there, and the limits on rows and
    columns stop a sheet early. A formula cell without a saved value is :data:`NO_VALUE`.
    """
    max_row = max(_r.MAX_ROWS, 1_048_576)
    try:
        from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

        src = ws._get_source()
    except (ImportError, AttributeError):  # another openpyxl: its public reader, also limited
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if n > max_row:
                raise _too_many_rows(name)
            if len(row) > _r.MAX_COLUMNS and any(v is not None for v in row[_r.MAX_COLUMNS:]):
                raise _too_many_columns(name)
            vals = {j: v for j, v in enumerate(row[:_r.MAX_COLUMNS], start=1) if v is not None}
            if vals:
                yield n, vals
        return

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            try:
                c = super().parse_cell(element)
            except (ValueError, TypeError, KeyError, IndexError):
                # one cell openpyxl cannot read ("12abc" stored as a number): its text
                c = {"row": self.row_counter, "column": self.col_counter,
                     "value": element.findtext(VALUE_TAG, None) or None, "data_type": "s",
                     "style_id": 0}
                coordinate = element.get("r")
                if coordinate:
                    from openpyxl.utils.cell import coordinate_to_tuple

                    c["row"], c["column"] = coordinate_to_tuple(coordinate)
            if c["value"] is None and element.find(FORMULA_TAG) is not None:
                c["value"] = NO_VALUE
            return c

    with src:
        parser = Parser(src, ws._shared_strings, data_only=wb.data_only, epoch=wb.epoch,
                        date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        count = 0
        for n, cells in parser.parse():
            if n > max_row:
                raise _too_many_rows(name)
            vals = {}
            for c in cells:
                v = c["value"]
                if v is None:
                    continue
                if c["column"] > _r.MAX_COLUMNS:
                    raise _too_many_columns(name)
                vals[c["column"]] = v
            if vals:
                count += 1
                if count > _r.MAX_ROWS:
                    raise _too_many_rows(name)
                yield n, vals


def _too_many_rows(name) -> ClientDataError:
    return ClientDataError(f"{name} has more than {_r.MAX_ROWS:,} rows, the most the kit reads "
                           "from one file (crm_training.clients.reading.MAX_ROWS); split the "
                           "export")


def _too_many_columns(name) -> ClientDataError:
    return ClientDataError(f"{name} has values beyond column {_r.MAX_COLUMNS:,}, the most the "
                           "kit reads from one file (crm_training.clients.reading.MAX_COLUMNS)")


def _cell_text(v):
    if v is None or v is NO_VALUE:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat()
    s = str(v).strip()
    return s or None


# ---------------------------------------------------------------------- Parquet
def read_parquet(path) -> RawTable:
    """Every column as text: strings as they are, integral floats as integers, other numbers,
    decimals, dates and flags by pyarrow's casts, timestamps as wall-clock times (tz-aware ones
    in their own zone, any year); binary columns as text where they are valid UTF-8 (the other
    cells are reported); nested, map or other columns that hold no single value are reported
    and ignored."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from .encoding import utf8_valid

    path = Path(path)
    try:
        pf = pq.ParquetFile(path)
        meta = pf.metadata
    except Exception as e:  # pyarrow raises several types for a broken file
        raise ClientDataError(f"{path.name} is not a readable Parquet file "
                              f"({type(e).__name__}: {str(e)[:100]})") from None
    if meta.num_rows > _r.MAX_ROWS:
        raise _too_many_rows(path.name)
    if meta.num_columns > _r.MAX_COLUMNS:
        raise ClientDataError(f"{path.name} has {meta.num_columns:,} columns, more than the "
                              f"{_r.MAX_COLUMNS:,} the kit reads from one file "
                              "(crm_training.clients.reading.MAX_COLUMNS)")
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > _r.MAX_UNCOMPRESSED_BYTES:
        raise ClientDataError(f"{path.name} holds {_mb(size)} once decompressed, more than the "
                              "kit's limit (crm_training.clients.reading.MAX_UNCOMPRESSED_BYTES "
                              f"= {_mb(_r.MAX_UNCOMPRESSED_BYTES)}); save a smaller extract")
    try:
        table = pf.read(use_pandas_metadata=False)
    except Exception as e:
        raise ClientDataError(f"{path.name} is not a readable Parquet file "
                              f"({type(e).__name__}: {str(e)[:100]})") from None
    n = table.num_rows
    out, problems, numeric = {}, [], {}
    lines = np.arange(1, n + 1)
    # an unnamed pandas index (row numbers, not data) is left out
    at = [i for i, c in enumerate(table.column_names)
          if not re.fullmatch(r"__index_level_\d+__", c)]
    names = [table.column_names[i] for i in at]
    keys = _unique_names([_short(c, _r.MAX_NAME_CHARS) for c in names])
    for i, name, key in zip(at, names, keys):
        col = table.column(i)
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
        elif pa.types.is_floating(typ):
            text, numeric[key] = _float_text(col)
        else:
            try:
                text = col.cast(pa.string())
            except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
                why = f"has the type {typ}, which the kit cannot read as text"
            else:
                if pa.types.is_integer(typ) or pa.types.is_decimal(typ):
                    numeric[key] = pc.is_valid(col).to_numpy(zero_copy_only=False).astype(
                        np.int8)
        if why is not None:
            problems.append({"code": "unsupported_column", "count": 0,
                             "message": f"column {_short(name, 60)!r} {why}; it was ignored"})
            continue
        out[key] = text
    frame = pa.table(out).to_pandas() if out else pd.DataFrame(index=range(n))
    frame = frame.astype("str").where(frame.notna(), None) if len(frame.columns) else frame
    frame.index = pd.RangeIndex(1, n + 1, name="line")
    return RawTable(path, frame, "parquet", problems=problems, records=n,
                    numeric={k: v for k, v in numeric.items() if v.any()},
                    header_dups=_duplicates([_short(c, _r.MAX_NAME_CHARS) for c in names], keys,
                                            range(1, len(names) + 1)))


def _float_text(col):
    """A float column as text (integral values as integers: 13812345678, not
    1.3812345678e+10; NaN and infinities blank) and the kind of each cell (TEXT for blanks,
    NUMBER, LOSSY beyond 2**53)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    f = pc.cast(col, pa.float64())
    finite = pc.fill_null(pc.is_finite(f), False)
    integral = pc.and_(finite, pc.and_(pc.equal(pc.floor(f), f),
                                       pc.less(pc.abs(f), 9.2e18)))
    integral = pc.fill_null(integral, False)
    as_int = pc.cast(pc.cast(pc.if_else(integral, f, 0.0), pa.int64()), pa.string())
    text = pc.if_else(integral, as_int, pc.if_else(finite, pc.cast(f, pa.string()),
                                                   pa.scalar(None, pa.string())))
    kind = finite.to_numpy(zero_copy_only=False).astype(np.int8)
    lossy = pc.fill_null(pc.greater_equal(pc.abs(f), float(_EXACT)), False).to_numpy(
        zero_copy_only=False)
    kind[lossy & (kind > 0)] = LOSSY
    return text, kind
