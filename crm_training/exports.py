"""Injection-safe exports: tables the kit writes for spreadsheets, and text it puts into HTML.

A client's export can hold cells such as ``=HYPERLINK("http://evil", "click")`` or ``@SUM(...)``:
written as they are into a CSV or an XLSX file, a spreadsheet runs them as formulas when the
file is opened (CSV injection). Every CSV and XLSX file the kit writes goes through
:func:`neutralise_formulas`, which follows the OWASP rule: a text cell that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return (or their full-width forms) gets a leading
apostrophe, so a spreadsheet shows it as text. A text cell that already starts with an
apostrophe gets one more, so :func:`restore_formulas` gives back exactly what was written
(the kit reads its own CSV datasets through it). Numbers are never touched: a negative amount
stays a number.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"note": ["=HYPERLINK(1)", "ok", None, "+86 138", "'quoted"],
...                    "amount": [-5.0, 1.0, 2.0, 3.0, 4.0]})
>>> safe = neutralise_formulas(df)
>>> safe["note"].tolist(), safe["amount"].tolist()[:1]
(["'=HYPERLINK(1)", 'ok', nan, "'+86 138", "''quoted"], [-5.0])
>>> restore_formulas(safe)["note"].equals(df["note"])
True
"""
from __future__ import annotations

import io
import os

import pandas as pd

# first characters that make a spreadsheet read a cell as a formula (OWASP), their full-width
# forms, and the apostrophe itself (escaped too, so that the escaping can be undone exactly)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠", "'")


def _is_text(s: pd.Series) -> bool:
    return (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)
            or isinstance(s.dtype, pd.CategoricalDtype))


def neutralise_text(value):
    """One cell: a leading apostrophe where a spreadsheet would see a formula."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def _neutralise_series(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        if pd.api.types.is_object_dtype(cats) or pd.api.types.is_string_dtype(cats):
            new = [neutralise_text(c) for c in cats]  # a loop over the few categories only
            if list(new) != list(cats):
                return s.cat.rename_categories(new)
        return s
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return s
    text = s
    if pd.api.types.is_object_dtype(s) and pd.api.types.infer_dtype(s, skipna=True) != "string":
        # mixed objects (numbers among texts): only the texts are candidates
        text = s.where(s.map(lambda v: isinstance(v, str), na_action="ignore")
                       .fillna(False).astype(bool))
    hit = text.astype("str").str.startswith(TRIGGERS).fillna(False).to_numpy(bool)
    if not hit.any():
        return s
    out = s.copy()
    if pd.api.types.is_object_dtype(out):
        out = out.astype(object)
    out[hit] = "'" + s[hit].astype("str")
    return out


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` safe to open in a spreadsheet: text cells, column names and index
    labels that start like a formula get a leading apostrophe (vectorised per column)."""
    out = df.copy()
    for c in out.columns:
        if _is_text(out[c]):
            out[c] = _neutralise_series(out[c])
    out.columns = [neutralise_text(c) if isinstance(c, str) else c for c in out.columns]
    if isinstance(out.index, pd.MultiIndex):
        out.index = out.index.set_levels([
            pd.Index([neutralise_text(v) for v in lv]) if lv.dtype == object else lv
            for lv in out.index.levels])
    elif _is_text(out.index.to_series()):
        out.index = pd.Index(_neutralise_series(out.index.to_series()).to_numpy(),
                             name=neutralise_text(out.index.name) if out.index.name else None)
    return out


def restore_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_formulas` (for CSV files the kit itself wrote)."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            continue
        t = s.astype("str")
        hit = t.str.startswith("'").fillna(False).to_numpy(bool)
        if hit.any():
            s = s.copy()
            s[hit] = t[hit].str.slice(1)
            out[c] = s
    out.columns = [c[1:] if isinstance(c, str) and c.startswith("'") else c for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, path=None, **kwargs):
    """``df.to_csv`` with formula cells neutralised; ``path=None`` returns the text.

    Lines end with ``\n``; a text holding a carriage return would then not be quoted (the
    csv module quotes only the line terminator's characters), so such a table is written
    with every text quoted.
    """
    import csv

    kwargs.setdefault("lineterminator", "\n")
    safe = neutralise_formulas(df)
    if "quoting" not in kwargs and any(
            safe[c].astype("str").str.contains("\r", regex=False).any()
            for c in safe.columns if _is_text(safe[c])):
        kwargs["quoting"] = csv.QUOTE_NONNUMERIC
    return safe.to_csv(path, **kwargs)


def csv_bytes(df: pd.DataFrame, **kwargs) -> bytes:
    """Neutralised CSV as UTF-8 bytes with a byte-order mark (Excel then reads Chinese right)."""
    return write_csv(df, None, **kwargs).encode("utf-8-sig")


def write_xlsx(df: pd.DataFrame, path, sheet_name: str = "Sheet1", index: bool = False):
    """An XLSX file whose text cells are stored as text, never as formulas.

    Besides the leading apostrophe, every string cell is written with openpyxl's string data
    type, so not even a cell the rule above missed can become a formula.
    """
    import openpyxl

    safe = neutralise_formulas(df.reset_index() if index else df)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title=str(sheet_name)[:31] or "Sheet1")
    from openpyxl.cell import WriteOnlyCell

    def cell(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        c = WriteOnlyCell(ws, value=str(v) if isinstance(v, str) else v)
        if isinstance(v, str):
            c.data_type = "s"
        return c

    ws.append([cell(str(c)) for c in safe.columns])
    for row in safe.itertuples(index=False, name=None):  # the rows of an export
        ws.append([cell(v.item() if hasattr(v, "item") else v) for v in row])
    target = path if isinstance(path, io.IOBase) else os.fspath(path)
    wb.save(target)
    return path
