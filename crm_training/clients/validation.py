"""Validate a client table against the data model and list every problem at once.

Two stages, both feeding one :class:`~.report.ValidationReport`:

1. **Structure and parsing** (:func:`parse_table`): empty files, missing required columns
   (naming the columns that were found), what reading found in the file itself (lines with a
   wrong number of fields, a quote that is never closed, lines in another text encoding,
   garbled text, binary or nested Parquet columns), every cell that could not be read as the
   model's type (dates, amounts, numbers, flags, codes; dates beyond 1677-2262 are named as
   such), shown with its original text, and columns whose cells disagree: amounts with both
   decimal marks or in several currencies, dates in both day and month order (a warning when
   each cell decided for itself, an error when some cells could be read either way, or when
   currencies are mixed: those amounts cannot be compared; a currency column such as
   Currency or 币种 gives the amounts' currency, and several in it are that error too), times
   at different UTC offsets, a header naming a column twice, formulas Excel never calculated,
   ids a workbook stored as numbers. Empty rows are reported and left out before the rules
   run. The column lists of messages are cut after :data:`MAX_NAMES` names.
2. **Rules** (:func:`check_rules`) on the parsed table, declared as a pandera schema: blank
   ids, duplicate rows and ids, customer ids unknown to the customers table, dates in the
   future, negative amounts not flagged as returns, values out of range.

Why pandera: its lazy validation runs every check and collects every failure with the failing
index in one pass, where hand-written checks tend to stop at the first problem; the rules read
as a declarative schema next to :mod:`crm_training.schema`; and because the index of the
parsed table holds the source line numbers, each failure points to a line the client can open.
Every check is vectorised (one pass per rule over the column), so millions of rows are fine.

Each problem has a code; :data:`RULES` gives its severity and what cleaning does about it.

Examples
--------
>>> import pandas as pd
>>> from crm_training.clients.reading import RawTable
>>> from crm_training.clients.report import ValidationReport
>>> raw = RawTable(path=__import__("pathlib").Path("orders.csv"), kind="csv",
...     frame=pd.DataFrame({"订单编号": ["A1", "A1", "A2"], "客户编号": ["C1", "C1", None],
...                         "下单时间": ["2024-01-05", "2024-01-05", "2024/1/6"],
...                         "金额": ["10", "10", "-5"]}, index=pd.Index([2, 3, 4], name="line")))
>>> rep = ValidationReport()
>>> t = parse_table(raw, "transactions", rep)
>>> check_rules(t, rep, today=pd.Timestamp("2025-01-01"))
>>> sorted(rep.codes())
['blank_customer_id', 'duplicate_row']
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..schema import TABLES
from . import mapping as mp
from .channels import add_raw_columns, column_words, keep_unknown
from .parsing import parse_column
from .report import MAX_EXAMPLES, ValidationReport

# Example values in messages are cut to this many characters (with "…"), so a huge cell can
# never flood a report or a terminal.
MAX_EXAMPLE_CHARS = 80

# code: (severity, remedy, what cleaning does)
RULES = {
    "unreadable_file": ("error", "skip", "the file was skipped"),
    "skipped_file": ("warning", "skip", "the file was not read"),
    "same_file": ("warning", "skip", "it was read once"),
    "skipped_sheets": ("warning", "skip", "those sheets were not read"),
    "mixed_encoding": ("warning", "none", "each line was decoded in its own encoding"),
    "nul_bytes": ("warning", "none", "the NUL bytes were removed from the values"),
    "mojibake": ("warning", "none", "the text was kept as written"),
    "unclosed_quote": ("error", "drop", "the lines opening the quotes were dropped"),
    "binary_column": ("warning", "blank", "those cells were left blank"),
    "unsupported_column": ("warning", "skip", "the column was ignored"),
    "mixed_decimal_marks": ("warning", "none", "the amounts were kept"),
    "ambiguous_decimal": ("error", "none", "check those amounts"),
    "mixed_currencies": ("error", "none", "the amounts were kept as written, not converted"),
    "mixed_date_order": ("warning", "none", "the dates were kept"),
    "ambiguous_date_order": ("error", "none", "check those dates"),
    "mixed_time_zones": ("warning", "none",
                         "the other times were converted to it, so that all compare right"),
    "time_zone_offset": ("warning", "none", "the times were kept as written"),
    "excel_serial_dates": ("warning", "none", "they were read as dates"),
    "duplicate_headers": ("warning", "none", "check that the right column was used"),
    "formula_without_value": ("warning", "blank", "the values are blank"),
    "numeric_id": ("warning", "none", "the ids were kept as written"),
    "empty_file": ("error", "skip", "the file was skipped"),
    "missing_columns": ("error", "skip", "the file was skipped"),
    "mapping_column_not_found": ("error", "none", "the mapping entry was ignored"),
    "unknown_table": ("warning", "skip", "the file was skipped"),
    "ambiguous_columns": ("warning", "none", "the first matching column was used"),
    "malformed_lines": ("warning", "drop", "the lines were dropped"),
    "ambiguous_dates": ("warning", "none", "dates were read day-first"),
    "blank_rows": ("warning", "drop", "the rows were dropped"),
    "bad_required_value": ("error", "drop", "the rows were dropped"),
    "blank_required_value": ("error", "drop", "the rows were dropped"),
    "bad_value": ("warning", "blank", "the values were set to blank"),
    "unknown_code": ("warning", "blank", "the values were set to blank"),
    "blank_id": ("error", "drop", "the rows were dropped"),
    "blank_customer_id": ("error", "drop", "the rows were dropped"),
    "duplicate_row": ("warning", "drop", "later copies were dropped"),
    "overlapping_rows": ("warning", "drop", "the later copies were dropped"),
    "duplicate_id": ("warning", "suffix",
                     "later rows got the suffix -2, -3 ... to keep ids unique"),
    "duplicate_customer": ("warning", "drop", "later rows of the customer were dropped"),
    "duplicate_assignment": ("warning", "drop", "later rows were dropped"),
    "orphan_customer": ("warning", "add_customer", "the customers were added with only an id"),
    "future_date": ("warning", "drop", "transactions were dropped (a purchase after the "
                    "export would move every customer's recency); other rows were kept"),
    "negative_not_return": ("warning", "mark_return", "the rows were marked as returns"),
    "positive_return": ("warning", "negate", "amount, cost and quantity were made negative"),
    "out_of_range": ("warning", "blank", "the values were set to blank"),
    "other_channel": ("warning", "none", "kept as other, the original in channel_raw"),
    "identical_rows": ("warning", "none", "they were kept"),
    "too_many_bad_rows": ("error", "none", "the rows were dropped, but too many for the "
                          "analysis to be trusted"),
    "no_usable_rows": ("error", "skip", "nothing of the file is left"),
}

# Problems that cost a row (it is dropped): errors only when more rows of a file than
# ``max_bad_rows`` (a share, 5% by default) are lost, else warnings with counts and examples.
BAD_ROW_CODES = ("bad_required_value", "blank_required_value", "blank_id", "blank_customer_id",
                 "unclosed_quote", "malformed_lines")
MAX_BAD_ROWS = 0.05

# Required columns an export may lack, made by the kit from the columns it needs: a
# transactions export without order ids gets one per row (file number and line).
DERIVABLE = {"transactions": {"transaction_id": ("customer_id", "timestamp")}}

# Tables whose rows are identified by more than their key column (one row per experiment and
# customer): a repeated pair is a conflicting assignment, not a line of the same order.
ROW_KEYS = {"experiments": ["experiment_id", "customer_id"]}

# Plausible ranges of scored columns.
RANGES = {"nps": (0, 10), "csat": (1, 5), "effort": (1, 7), "social_influence": (0, 1),
          "x": (0, 1), "y": (0, 1), "birth_year": (1900, 2030), "funnel_step": (1, 6)}


@dataclass
class ParsedTable:
    """One client file mapped and parsed: text (``raw``) and typed (``typed``) frames, both
    with model column names and the source line numbers as index."""

    file: str
    table: str
    raw: pd.DataFrame
    typed: pd.DataFrame
    columns: dict = field(default_factory=dict)  # client column -> model column
    ignored: list = field(default_factory=list)  # client columns not used
    records: int | None = None  # data records of the file (rows + lines left out reading it)
    currencies: dict = field(default_factory=dict)  # model column -> currency code (CNY, EUR)
    prior: object = None  # per row: how often earlier files of the table used its id
    derived: list = field(default_factory=list)  # model columns the export lacks, made by the kit
    notes: dict = field(default_factory=dict)  # model column -> (notes, evidence) of Parsed
    blank_keys: bool = False  # the export holds blank ids where this part has none (streamed)


def _issue(report, code, file, table, message, rows=None, raw=None, columns=(), column="",
           count=None, severity=None):
    severity = severity or RULES[code][0]
    rows = pd.Index([] if rows is None else rows)
    examples = []
    if raw is not None and len(rows):
        cols = [c for c in dict.fromkeys(columns) if c in raw.columns]
        shown = rows[:MAX_EXAMPLES]
        ex = raw.loc[shown[shown.isin(raw.index)], cols]
        found = {int(i): {c: (None if pd.isna(v) else short(v)) for c, v in r.items()}
                 for i, r in zip(ex.index, ex.to_dict("records"))}
        examples = [{"line": int(i), **found.get(int(i), {})} for i in shown]
    n = len(rows) if count is None else count
    report.add(code, severity, file, f"{message}; {RULES[code][2]}" if n else message, count=n,
               table=table, column=column, examples=examples, rows=rows)


def short(value, limit: int = MAX_EXAMPLE_CHARS):
    """An example value as shown in a report: cut to ``limit`` characters with "…"."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit - 1] + "…"
    return value


MAX_NAMES = 20  # column names listed in one message ("… and 1,980 more")


def names_list(columns, limit: int = MAX_NAMES) -> str:
    """Column names for a message: the first ``limit`` (as read: each cut to 200 characters,
    so that a redacted report still recognises them), then how many more."""
    cols = [str(c) for c in list(columns)[:limit]]
    more = len(columns) - limit
    return ", ".join(cols) + (f" … and {more:,} more" if more > 0 else "")


def _aligned(values, index, rows):
    """A per-row array of the read file (``index``) for the rows kept (``rows``), or None."""
    if values is None:
        return None
    return pd.Series(values, index=index).reindex(rows).fillna(0).to_numpy().astype(
        values.dtype)


def _id_columns(table: str) -> set:
    t = TABLES[table]
    return {t.key, "customer_id", "original_transaction_id", *ROW_KEYS.get(table, ())}


def _numeric_ids(report, name, table, col, rawm, kind) -> None:
    """Ids the file stored as numbers: with decimals, or beyond 15 digits (digits lost)."""
    from .workbooks import LOSSY

    text = rawm[col]
    number = (kind > 0) & text.notna().to_numpy()
    frac = number & text.str.contains(r"[.eE]", regex=True, na=False).to_numpy()
    lossy = (kind == LOSSY) & ~frac
    if frac.any():
        _issue(report, "numeric_id", name, table, f"{col} values stored as decimal numbers "
               "(an id is a name, not a number: an export that stores it as one may have "
               "rounded it); export the column as text", rawm.index[frac], rawm, [col],
               column=col)
    if lossy.any():
        _issue(report, "numeric_id", name, table, f"{col} values stored as numbers of more "
               "than 15 digits, beyond what a spreadsheet number keeps exactly: their last "
               "digits may be wrong; export the column as text", rawm.index[lossy], rawm,
               [col], column=col)


# Names of a column giving the currency of the amounts (normalised, see mapping.normalise).
CURRENCY_COLUMNS = {"currency", "currencycode", "currencyiso", "curr", "ccy", "币种", "货币",
                    "币别", "币制", "货币代码", "币种代码", "货币类型", "交易币种", "结算币种",
                    "支付币种"}
_CURRENCY_WORDS = {"人民币": "CNY", "元": "CNY", "rmb": "CNY", "¥": "CNY", "￥": "CNY",
                   "美元": "USD", "$": "USD", "us$": "USD", "欧元": "EUR", "€": "EUR",
                   "英镑": "GBP", "£": "GBP", "港币": "HKD", "港元": "HKD", "hk$": "HKD",
                   "日元": "JPY", "新台币": "TWD", "台币": "TWD", "澳元": "AUD", "加元": "CAD"}


def _currency_code(value: str) -> str:
    v = str(value).strip()
    code = _CURRENCY_WORDS.get(v.lower())
    if code:
        return code
    return v.upper() if len(v) == 3 and v.isascii() and v.isalpha() else short(v, 20)


def _currency_column(report, name, table, frame, colmap, rawm, currencies):
    """A column giving the currency of each row (Currency, 币种 ...) that is not mapped: its one
    currency becomes the amounts' currency; several are a ``mixed_currencies`` error (amounts
    in several currencies cannot be added up). Returns the column used, or None."""
    money = [c.name for c in TABLES[table].columns
             if c.unit == "currency" and c.name in rawm.columns]
    found = [c for c in frame.columns if c not in colmap and mp.normalise(c) in CURRENCY_COLUMNS]
    if not money or not found:
        return None
    col = found[0]
    values = frame[col].reindex(rawm.index)
    values = values.where(values.notna() & (values.astype("str").str.strip() != ""))
    codes = pd.Series(values.dropna().unique(), dtype="str")
    code_of = dict(zip(codes, codes.map(_currency_code)))
    per_row = values.map(code_of)
    counts = per_row.value_counts()
    if counts.empty:
        return col
    written = {currencies[m] for m in money if m in currencies}
    if len(counts) == 1 and (not written or written == set(counts.index)):
        for m in money:
            currencies[m] = counts.index[0]
        return col
    main = counts.index[0]
    rows = rawm.index[(per_row.notna() & (per_row != main)).to_numpy()]
    parts = ", ".join(f"{int(n):,} in {k}" for k, n in counts.head(5).items())
    more = f" and {len(counts) - 5} more" if len(counts) > 5 else ""
    signs = (f"; the amounts themselves are written in {', '.join(sorted(written))}"
             if written and written != set(counts.index) else "")
    for m in money:
        _issue(report, "mixed_currencies", name, table,
               f"the column {str(col)!r} gives the currency of {m}: {parts}{more}"
               f"{signs}; they cannot be added up or compared, and the kit does not convert "
               "them (split the file by currency or convert it first)", rows, rawm,
               [TABLES[table].key, m], column=m)
        currencies[m] = "+".join(list(counts.index[:5]))
    return col


def map_columns(columns, table: str, explicit: dict | None = None):
    """Client column -> model column: the explicit entries first, then guessing for the rest.

    Returns ``(colmap, not_found)``: explicit entries naming a column the file lacks go to
    ``not_found``.
    """
    explicit = dict(explicit or {})
    present = [c for c in explicit if c in columns]
    not_found = [c for c in explicit if c not in columns]
    colmap = {c: explicit[c] for c in present}
    rest = [c for c in columns if c not in colmap]
    colmap.update(mp.guess_columns(rest, table, skip=set(colmap.values())))
    return colmap, not_found


def parse_table(raw, table: str, report: ValidationReport, explicit: dict | None = None,
                dayfirst: bool | None = None, decimal: str | None = None,
                id_prefix: str = "T1.", codes: dict | None = None) -> ParsedTable | None:
    """Map and parse one :class:`~.reading.RawTable`; report structure and parsing problems.

    ``codes``: a mapping's own words for coded columns (``load_mapping(...)["codes"]``). A
    channel the kit does not know becomes ``other`` (an ``other_channel`` warning, no row
    lost) and ``channel_raw`` keeps the client's text of every channel (:mod:`.channels`).

    A transactions export without an order id (the smallest useful export is customer id,
    date and amount) gets one per row, ``id_prefix`` + its line (:data:`DERIVABLE`).
    ``dayfirst`` and ``decimal`` may also be dicts ``{model column: value}`` (other columns:
    None), as the streamed loader pins them where parts of a file would decide differently.

    Returns None when the file cannot be used at all (empty, required columns missing).
    """
    name = raw.name
    explicit = dict(explicit or {})
    t = TABLES[table]
    frame = raw.frame
    if raw.kind == "empty":
        _issue(report, "empty_file", name, table, "the file is empty (0 bytes)")
        return None
    problems = list(getattr(raw, "problems", ()))
    for prob in problems:
        if "source" not in prob:  # problems of a column are reported once it is mapped
            _report_problem(report, prob, name, table)
    if frame.shape[1] == 0:
        _issue(report, "empty_file", name, table, "the file has no header and no data")
        return None
    colmap, not_found = map_columns(list(frame.columns), table, explicit)
    for prob in problems:
        if "source" in prob:
            col = colmap.get(prob["source"], "")
            # the examples go under the model column, so a redacted report hides personal data
            ex = [{"line": n, **({col: f"{short(v, 40)} (probably {short(fix, 40)})"}
                                 if col else {})} for n, v, fix in prob.get("values", ())]
            _report_problem(report, {**prob, "examples": ex, "column": col}, name, table)
    for c in not_found:
        _issue(report, "mapping_column_not_found", name, table,
               f"the mapping names column {c!r}, which the file does not have; found: "
               f"{names_list(frame.columns)}")
    for h, group in getattr(raw, "header_dups", ()):
        used = [(w, colmap[k]) for w, k in group if k in colmap]
        how = (f"column {used[0][0]} was used as {used[0][1]}" if used else
               "none of them is used")
        _issue(report, "duplicate_headers", name, table,
               f"the header names {str(h)!r} {len(group)} times (columns "
               f"{', '.join(w for w, _ in group)}): {how}, the others were read as "
               f"{', '.join(repr(k) for _, k in group[1:])} (a mapping can choose "
               "another)", column=used[0][1] if used else "")
    mapped_srcs = set(colmap)
    for col, srcs in mp.ambiguous_columns([c for c in frame.columns if c not in explicit], table,
                                          skip={colmap[c] for c in explicit if c in colmap}
                                          ).items():
        used = next(s for s in srcs if s in mapped_srcs)
        _issue(report, "ambiguous_columns", name, table,
               f"columns {', '.join(map(repr, srcs))} all look like {col}; used {used!r} "
               "(a mapping can choose another)", column=col)
    derived = [k for k, needs in DERIVABLE.get(table, {}).items()
               if k not in colmap.values() and set(needs) <= set(colmap.values())]
    missing = [c for c in t.required if c not in colmap.values() and c not in derived]
    if missing:
        _issue(report, "missing_columns", name, table,
               f"required column(s) missing for {table}: {', '.join(missing)}; columns found: "
               f"{names_list(frame.columns)}")
        return None
    if raw.malformed:
        lines = [n for n, _ in raw.malformed]
        report.add("malformed_lines", "warning", name,
                   "lines with a different number of fields than the header; "
                   f"{RULES['malformed_lines'][2]}", count=len(lines), table=table,
                   examples=[{"line": n, "text_of_line": short(txt)}
                             for n, txt in raw.malformed[:MAX_EXAMPLES]],
                   rows=pd.Index([n for n in lines if n is not None]))
    blank_lines = list(getattr(raw, "blank_lines", ()))
    if len(frame) == 0:
        if blank_lines:
            _issue(report, "blank_rows", name, table, "empty rows", rows=blank_lines)
        _issue(report, "empty_file", name, table, "the file has a header but no data rows")
        return None
    rawm = pd.DataFrame({dst: frame[src] for src, dst in colmap.items()}, index=frame.index)
    blank = rawm.isna().all(axis=1)
    if blank.any() or blank_lines:
        rows = rawm.index[blank]
        if blank_lines:
            rows = rows.append(pd.Index(blank_lines)).sort_values()
        _issue(report, "blank_rows", name, table, "empty rows", rows=rows, raw=rawm)
    if bool(blank.all()):
        _issue(report, "empty_file", name, table, "the file has no rows with data")
        return None
    if blank.any():  # empty rows are dropped before anything else looks at them
        rawm = rawm.loc[~blank.to_numpy()]
        blank = blank.loc[~blank.to_numpy()]
    for k in derived:  # one id per row: its file and line (the rows of one order unknown)
        rawm.insert(0, k, pd.Series(id_prefix + rawm.index.astype("str"), index=rawm.index,
                                    dtype=object))
    currencies = {}
    typed, notes = {}, {}
    src_of = {dst: src for src, dst in colmap.items()}
    numeric = {dst: _aligned(raw.numeric.get(src), frame.index, rawm.index)
               for dst, src in src_of.items()} if getattr(raw, "numeric", None) else {}
    formulas = {dst: _aligned(raw.formulas.get(src), frame.index, rawm.index)
                for dst, src in src_of.items()} if getattr(raw, "formulas", None) else {}
    for col in rawm.columns:
        c = t[col]
        kind = numeric.get(col)
        keep = keep_unknown(t, col) if c.levels else None
        p = parse_column(rawm[col], c.dtype, c.levels, _per_column(dayfirst, col),
                         _per_column(decimal, col), kind, getattr(raw, "epoch", None),
                         column_words(codes, table, col), keep[0] if keep else None)
        typed[col], notes[col] = p.values, (p.notes, p.evidence)
        for f in p.findings:
            _issue(report, f.code, name, table, f.message, rawm.index[f.cells.to_numpy()], rawm,
                   [col], column=col, severity=f.severity)
        if kind is not None and col in _id_columns(table):
            _numeric_ids(report, name, table, col, rawm, kind)
        formula = formulas.get(col)
        if formula is not None and formula.any():
            rows = rawm.index[formula & p.values.isna().to_numpy()]
            _issue(report, "blank_required_value" if c.required else "formula_without_value",
                   name, table, f"{col} holds formulas without a saved value (the workbook was "
                   "never calculated): open and save the workbook in Excel, then export it "
                   "again", rows, rawm, [t.key, col], column=col)
        cur = [n.split(":", 1)[1] for n in p.notes if n.startswith("currency:")]
        if cur:
            currencies[col] = cur[0]
        bad = p.bad.to_numpy() & ~blank.to_numpy()
        out_of_range = p.bad_reasons.get("out_of_range")
        oor_rows = []
        if out_of_range is not None and out_of_range.any():
            oor = out_of_range.to_numpy() & bad
            bad = bad & ~oor
            oor_rows = rawm.index[oor]
        no_day = p.bad_reasons.get("no_day")
        if no_day is not None and no_day.any():
            part = no_day.to_numpy() & bad
            bad = bad & ~part
            _issue(report, "bad_required_value" if c.required else "bad_value", name, table,
                   "dates without a day (a year or a month alone, such as '2024-01'), which "
                   "are not dates", rawm.index[part], rawm, [col], column=col)
        bad_rows = rawm.index[bad]
        amb = [n for n in p.notes if n.startswith("ambiguous_dayfirst")]
        if amb:
            _issue(report, "ambiguous_dates", name, table,
                   f"dates such as {short(amb[0].split(':', 1)[1], 40)!r} could be day-first or "
                   "month-first and nothing in the column decides; read day-first "
                   "(pass dayfirst=False or options: {dayfirst: false} to change)", column=col)
        ids = (t.key, "customer_id") + tuple(ROW_KEYS.get(table, ()))
        if c.required and col not in ids:  # blank ids are a rule of check_rules
            blank_rows = rawm.index[p.values.isna().to_numpy() & ~p.bad.to_numpy()
                                    & ~blank.to_numpy()
                                    & ~(formula if formula is not None else
                                        np.zeros(len(rawm), bool))]
            if len(blank_rows):
                _issue(report, "blank_required_value", name, table, f"blank {col}", blank_rows,
                       rawm, [t.key, col], column=col)
        if len(bad_rows):
            what = {"datetime64[ns]": "dates", "float64": "amounts" if c.unit else "numbers",
                    "bool": "yes/no values", "category": "codes"}.get(c.dtype, "numbers")
            if c.dtype == "category":
                _issue(report, "unknown_code", name, table,
                       f"values that are not known {col} codes "
                       f"({', '.join(c.levels)})", bad_rows, rawm, [col], column=col)
            elif c.required:
                _issue(report, "bad_required_value", name, table,
                       f"{what} that could not be read", bad_rows, rawm, [col], column=col)
            else:
                _issue(report, "bad_value", name, table,
                       f"{what} that could not be read", bad_rows, rawm, [col], column=col)
        if len(oor_rows):
            _issue(report, "bad_required_value" if c.required else "bad_value", name, table,
                   "dates before 1677 or after 2262, beyond the dates the kit can hold",
                   oor_rows, rawm, [col], column=col)
    typed = pd.DataFrame(typed, index=rawm.index)
    add_raw_columns(typed, rawm, t)  # channel_raw: the client's text of every channel
    cur = _currency_column(report, name, table, frame, colmap, rawm, currencies)
    costed = _cost_from_profit(report, name, table, frame, colmap, rawm, typed,
                               _per_column(decimal, "cost"))
    ignored = [str(c) for c in frame.columns if c not in colmap and c != cur
               and c != (costed or ("",))[0]]
    records = getattr(raw, "records", None)
    if records is None:
        records = len(frame) + len(raw.malformed) + len(blank_lines)
    columns = {**colmap, **({cur: "(the currency of the amounts)"} if cur else {}),
               **({costed[0]: costed[1]} if costed else {})}
    return ParsedTable(name, table, rawm, typed, columns, ignored, records, currencies,
                       derived=derived, notes=notes)


def _per_column(option, col):
    """A parsing option for one column: the dict's entry for it, or the option itself."""
    return option.get(col) if isinstance(option, dict) else option


# Headers (normalised, see mapping.normalise) of a profit or a margin column: a transactions
# export without costs that gives either has its cost made from it (money then means profit).
PROFIT_HEADERS = ("profit", "grossprofit", "margin amount", "毛利", "毛利额", "毛利润", "利润",
                  "利润额")
MARGIN_HEADERS = ("margin", "margin%", "marginrate", "grossmargin", "grossmargin%", "毛利率",
                  "利润率")


def _cost_from_profit(report, name, table, frame, colmap, rawm, typed, decimal):
    """``cost`` from a profit column (amount - profit) or a margin column (amount x (1 -
    margin); "30%", "30" and "0.3" alike), when the export has no cost column. Returns
    ``(client column, how)`` or None; unreadable cells are bad values of ``cost``."""
    if table != "transactions" or "cost" in typed.columns or "amount" not in typed.columns:
        return None
    found = {mp.normalise(c): c for c in frame.columns if c not in colmap}
    src = next((found[h] for h in map(mp.normalise, PROFIT_HEADERS) if h in found), None)
    kind = "profit"
    if src is None:
        src = next((found[h] for h in map(mp.normalise, MARGIN_HEADERS) if h in found), None)
        kind = "margin"
    if src is None:
        return None
    text = frame.loc[rawm.index, src]
    rawm["cost"] = text
    amount = typed["amount"].astype("float64")
    if kind == "profit":
        p = parse_column(text, "float64", decimal=decimal)
        cost = amount - p.values.astype("float64")
        how = "cost = amount - profit"
    else:
        t = text.astype("string").str.strip()
        pct = t.str.endswith("%").fillna(False).to_numpy(bool)
        p = parse_column(t.str.rstrip("%"), "float64", decimal=decimal)
        rate = p.values.astype("float64").to_numpy()
        plain = ~pct & ~np.isnan(rate)
        as_percent = pct | (plain & bool((rate[plain] > 1).any()))  # "30" in a column of 30s
        rate = np.where(as_percent, rate / 100, rate)
        bad = ~np.isnan(rate) & ((rate < -1) | (rate > 1))
        rate[bad] = np.nan
        p.bad[bad] = True
        cost = amount * (1 - rate)
        how = "cost = amount x (1 - margin)"
    typed["cost"] = pd.Series(np.asarray(cost, dtype="float64"), index=typed.index)
    bad_rows = rawm.index[(p.bad.to_numpy() & text.notna().to_numpy())]
    if len(bad_rows):
        _issue(report, "bad_value", name, table, f"{kind} values that could not be read",
               bad_rows, rawm, [TABLES[table].key, "cost"], column="cost")
    return src, f"cost ({how})"


def _report_problem(report, prob: dict, file: str, table: str) -> None:
    """Add a problem found while reading the file (see ``RawTable.problems``)."""
    code = prob["code"]
    lines = prob.get("lines")
    rows = pd.Index([] if lines is None else np.asarray(lines), dtype=np.int64)
    n = prob.get("count", len(rows))
    message = prob["message"]
    examples = [{k: (v if k == "line" else short(v)) for k, v in e.items()}
                for e in prob.get("examples", ())[:MAX_EXAMPLES]]
    report.add(code, RULES[code][0], file, f"{message}; {RULES[code][2]}" if n else message,
               count=n, table=table, column=prob.get("column", ""), examples=examples,
               rows=rows)


# ---------------------------------------------------------------------- row hashes
# Duplicate rows and ids are found in two steps: a 64-bit hash of every row (one pass over
# each column: DuckDB's hash for text, bit mixing for numbers and dates, pandas' own codes for
# anything else), then pandas' exact ``duplicated`` on the few rows whose hash repeats. Equal
# rows always have equal hashes, so no duplicate is missed; a hash shared by different rows
# (a collision) only adds a row to the exact check, so no false duplicate is ever reported.
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_NULL_HASH = np.uint64(0x9E3779B97F4A7C15)
_FOLD = np.uint64(0x100000001B3)
_HASH_PIECE = 1 << 20  # strings hashed at a time without DuckDB (bounded memory)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on a uint64 array (a new array)."""
    x = x ^ (x >> np.uint64(30))
    x *= _M1
    x ^= x >> np.uint64(27)
    x *= _M2
    x ^= x >> np.uint64(31)
    return x


def _is_arrow_text(s: pd.Series) -> bool:
    import pyarrow as pa

    arr = s.array
    if not hasattr(arr, "_pa_array"):
        return False
    t = arr._pa_array.type
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _duckdb_hashes(d: pd.DataFrame, groups: list) -> list | None:
    """DuckDB's ``hash(c1, c2, ...)`` of each group of columns of ``d`` (parallel, one scan):
    text as it is, other columns as 64-bit words equal for values pandas takes as equal
    (:func:`_value_words`). None without DuckDB."""
    try:
        import duckdb
    except ImportError:  # pragma: no cover - duckdb is a dependency
        return None
    import pyarrow as pa

    cols = list(dict.fromkeys(c for g in groups for c in g))
    name = {c: f"c{i}" for i, c in enumerate(cols)}
    data = {name[c]: (pa.chunked_array(d[c].array._pa_array) if _is_arrow_text(d[c]) else
                      pa.array(_value_words(d[c]))) for c in cols}
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")  # rows come back in their order
        con.register("tbl", pa.table(data))
        sel = ", ".join(f"hash({', '.join(name[c] for c in g)}) AS h{k}"
                        for k, g in enumerate(groups))
        out = con.sql(f"SELECT {sel} FROM tbl").to_arrow_table()
    finally:
        con.close()
    return [out.column(f"h{k}").to_numpy().astype(np.uint64, copy=False)
            for k in range(len(groups))]


def _text_hash_numpy(ca) -> np.ndarray:
    """A polynomial hash of the bytes of each string of an Arrow column (numpy only)."""
    import pyarrow as pa

    out = np.empty(len(ca), np.uint64)
    at = 0
    for chunk in ca.chunks:
        for lo in range(0, len(chunk), _HASH_PIECE):
            c = chunk.slice(lo, _HASH_PIECE)
            n = len(c)
            _, obuf, dbuf = c.buffers()
            odt = np.dtype(np.int64 if pa.types.is_large_string(c.type) else np.int32)
            offs = np.frombuffer(obuf, odt, n + 1, c.offset * odt.itemsize).astype(np.int64)
            lens = np.diff(offs)
            a0, a1 = int(offs[0]), int(offs[-1])
            h = np.zeros(n, np.uint64)
            if a1 > a0:
                b = np.frombuffer(dbuf, np.uint8, a1 - a0, a0).astype(np.uint64)
                starts = offs[:-1] - a0
                pos = np.arange(a1 - a0, dtype=np.int64) - np.repeat(starts, lens)
                powers = np.cumprod(np.full(int(lens.max()), _FOLD, np.uint64))
                cs = np.concatenate([np.zeros(1, np.uint64),
                                     np.cumsum((b + np.uint64(1)) * powers[pos])])
                h = cs[offs[1:] - a0] - cs[starts]
            h = _mix(h ^ _mix(lens.astype(np.uint64)))
            if c.null_count:
                h[c.is_null().to_numpy(zero_copy_only=False)] = _NULL_HASH
            out[at:at + n] = h
            at += n
    return out


def _value_words(s: pd.Series) -> np.ndarray:
    """A uint64 word per value of a non-text column, equal for values pandas' ``duplicated``
    takes as equal (NaN and NaN, 0.0 and -0.0, NA and NA)."""
    dt = s.dtype
    if dt.kind == "f" and isinstance(dt, np.dtype):
        x = s.to_numpy(dtype=np.float64, copy=True)
        x[x == 0] = 0.0
        bits = x.view(np.uint64)
        bits[np.isnan(x)] = _NULL_HASH
        return bits
    if isinstance(dt, np.dtype) and dt.kind in "iumMb":
        v = s.to_numpy()
        return v.view(np.uint64) if dt.itemsize == 8 else v.astype(np.int64).view(np.uint64)
    # categories, nullable flags and numbers, objects: pandas' own codes (exact)
    return pd.factorize(s, use_na_sentinel=True)[0].astype(np.int64).view(np.uint64)


def _value_hash(s: pd.Series) -> np.ndarray:
    return _mix(_value_words(s))


def row_hashes(d: pd.DataFrame, columns, *more) -> np.ndarray | list:
    """One uint64 hash per row of ``d[columns]``: equal rows have equal hashes. With ``more``
    groups of columns, a list of the hashes of each group (one scan)."""
    groups = [list(columns)] + [list(g) for g in more]
    out = _duckdb_hashes(d, groups) if len(d) else None
    if out is None:
        out = []
        for g in groups:
            h = np.zeros(len(d), np.uint64)
            for c in g:
                hc = (_text_hash_numpy(pa_column(d[c])) if _is_arrow_text(d[c]) else
                      _value_hash(d[c]))
                h = _mix(h * _FOLD + hc)
            out.append(h)
    return out if more else out[0]


def pa_column(s: pd.Series):
    import pyarrow as pa

    return pa.chunked_array(s.array._pa_array)


def repeated(h: np.ndarray) -> np.ndarray:
    """Mask of the values of ``h`` (uint64) that occur more than once."""
    if len(h) < 2:
        return np.zeros(len(h), bool)
    s = np.sort(h)
    again = np.unique(s[1:][s[1:] == s[:-1]])
    if not len(again):
        return np.zeros(len(h), bool)
    at = np.searchsorted(again, h).clip(max=len(again) - 1)
    return again[at] == h


def duplicated_rows(d: pd.DataFrame, columns=None, hashes=None) -> np.ndarray:
    """``d.duplicated(columns, keep="first").to_numpy()``, exactly, from row hashes: pandas
    compares only the rows whose hash repeats."""
    cols = list(d.columns) if columns is None else list(columns)
    h = row_hashes(d, cols) if hashes is None else hashes
    cand = np.flatnonzero(repeated(h))
    out = np.zeros(len(d), bool)
    if len(cand):
        sub = d.iloc[cand]
        out[cand] = (sub.duplicated(keep="first") if columns is None else
                     sub.duplicated(cols, keep="first")).to_numpy()
    return out


def rule_schema(table: str, columns, customer_ids=None, today=None, cache=None, fixed=None):
    """The pandera schema of the rules of one table (only for the columns present).

    Check names are the issue codes of :data:`RULES`. ``cache`` (a dict the caller clears
    after validating) shares the duplicate-row mask between checks. ``fixed``: the masks of
    repeated rows (``"rows"``) and ids (``"keys"``) decided over a whole file, for a part of it
    (the streamed loader): used instead of the part's own.
    """
    import pandera.pandas as pa

    t = TABLES[table]
    cols = {}
    frame_checks = []
    present = set(columns)

    def col(name, *checks):
        cols.setdefault(name, []).extend(checks)

    key = t.key
    if key in present:
        code = "blank_customer_id" if key == "customer_id" else "blank_id"
        col(key, pa.Check(lambda s: s.notna(), name=code, ignore_na=False, element_wise=False))
    if "customer_id" in present and key != "customer_id":
        col("customer_id", pa.Check(lambda s: s.notna(), name="blank_customer_id",
                                    ignore_na=False))
        if customer_ids is not None:
            known = pd.Index(customer_ids)
            col("customer_id", pa.Check(lambda s: s.isna() | s.isin(known),
                                        name="orphan_customer", ignore_na=False))
    data_cols = list(columns)
    # the duplicate masks are computed once per frame (hashing millions of rows is the
    # costliest rule) and shared by the two duplicate checks
    cache = {} if cache is None else cache

    row_key = ROW_KEYS.get(table, [key])

    def dup_rows(d):
        if fixed is not None:
            return fixed["rows"]
        # keyed by id, never holding the frame: pandera keeps the schema alive with the frame
        if cache.get("id") != id(d):
            cache.clear()
            keyed = set(row_key) <= set(d.columns)
            hashes = row_hashes(d, d.columns, *([row_key] if keyed else []))
            if keyed:
                hashes, cache["key_hashes"] = hashes
            cache["id"], cache["rows"] = id(d), duplicated_rows(d, hashes=hashes)
        return cache["rows"]

    frame_checks.append(pa.Check(lambda d: pd.Series(~dup_rows(d), index=d.index),
                                 name="duplicate_row"))
    if set(row_key) <= present:
        dup_code = ("duplicate_customer" if key == "customer_id" else
                    "duplicate_assignment" if len(row_key) > 1 else "duplicate_id")

        def dup_key(d):
            rows = dup_rows(d)
            has = d[row_key].notna().all(axis=1).to_numpy()
            dup = (fixed["keys"] if fixed is not None else
                   duplicated_rows(d, row_key, hashes=cache.get("key_hashes")))
            return pd.Series(~(has & dup & ~rows), index=d.index)

        frame_checks.append(pa.Check(dup_key, name=dup_code))
    if today is not None:
        for c in t.columns:
            if c.dtype.startswith("datetime") and c.name in present:
                col(c.name, pa.Check(lambda s: s <= today, name="future_date"))
    for c, (lo, hi) in RANGES.items():
        if c in present:
            col(c, pa.Check(lambda s, lo=lo, hi=hi: (s >= lo) & (s <= hi), name="out_of_range"))
    if table == "transactions" and "is_return" in present:
        # a blank flag or amount is not a contradiction (cleaning sets blank flags from the
        # sign): NA counts as passing, so a check never yields NA (pandera would fail on it)
        def flag(d, value):
            return (d["is_return"] == value).fillna(False).to_numpy(bool)

        frame_checks.append(pa.Check(
            lambda d: pd.Series(~((d["amount"] < 0).to_numpy(bool) & flag(d, False)),
                                index=d.index),
            name="negative_not_return"))
        frame_checks.append(pa.Check(
            lambda d: pd.Series(~((d["amount"] > 0).to_numpy(bool) & flag(d, True)),
                                index=d.index),
            name="positive_return"))
    schema = pa.DataFrameSchema(
        {c: pa.Column(nullable=True, checks=cols.get(c, []), required=False) for c in data_cols},
        checks=frame_checks, coerce=False)
    return schema


_RULE_TEXT = {
    "blank_id": "blank {column}",
    "blank_customer_id": "blank customer ids",
    "orphan_customer": "customer ids not found in the customers table",
    "duplicate_row": "rows that repeat an earlier row exactly",
    "duplicate_id": "{column} values used by an earlier, different row",
    "duplicate_customer": "customer ids listed more than once with different details",
    "duplicate_assignment": "customers assigned more than once to the same experiment",
    "future_date": "{column} after {today:%Y-%m-%d %H:%M}",
    "out_of_range": "{column} outside {lo} to {hi}",
    "negative_not_return": "negative amounts not flagged as returns",
    "positive_return": "returns with a positive amount",
}


def check_rules(pt: ParsedTable, report: ValidationReport, customer_ids=None,
                today=None, fixed=None) -> None:
    """Run the pandera rule schema on a parsed table and add every failure to ``report``
    (``fixed``: see :func:`rule_schema`)."""
    import pandera.pandas as pa

    typed = pt.typed
    cache = {}
    schema = rule_schema(pt.table, typed.columns, customer_ids, today, cache, fixed)
    try:
        schema.validate(typed, lazy=True, inplace=True)
        return
    except pa.errors.SchemaErrors as e:
        fc = e.failure_cases
    finally:
        cache.clear()
    fc = fc[fc["check"].isin(list(_RULE_TEXT)) & fc["index"].notna()]
    key = TABLES[pt.table].key
    frame_level = fc["check"].isin(_FRAME_RULES)
    fc = fc.assign(column=fc["column"].where(~frame_level, ""))
    for (code, column), grp in fc.groupby(["check", "column"], sort=False):
        rows = pd.Index(pd.unique(grp["index"].to_numpy())).sort_values()
        lo, hi = RANGES.get(column, (None, None))
        text = _RULE_TEXT[code].format(column=column or key, today=today or pd.Timestamp.now(),
                                       lo=lo, hi=hi)
        show = {"duplicate_row": [key] + [c for c in ("customer_id", "timestamp", "amount")
                                          if c in pt.raw.columns],
                "duplicate_id": [key, "customer_id"],
                "duplicate_customer": [key],
                "duplicate_assignment": [key, "customer_id", "group"],
                "negative_not_return": [key, "amount", "is_return"],
                "positive_return": [key, "amount", "is_return"]}.get(code, [key, column])
        _issue(report, code, pt.file, pt.table, text, rows, pt.raw, show,
               column=column)


_FRAME_RULES = ["duplicate_row", "duplicate_id", "duplicate_customer", "duplicate_assignment",
                "negative_not_return", "positive_return"]


def issue_rows(report: ValidationReport, file: str, code: str, column: str | None = None):
    """The source lines of every issue with ``code`` for ``file`` (optionally one column)."""
    idx = [i.rows for i in report.issues if i.code == code and i.file == file
           and (column is None or i.column == column) and i.rows is not None]
    if not idx:
        return pd.Index([], dtype=np.int64)
    out = idx[0]
    for x in idx[1:]:
        out = out.union(x)
    return out
