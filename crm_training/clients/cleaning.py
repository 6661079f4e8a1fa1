"""Clean a validated client table: explicit remedies, every row counted in the cleaning log.

Each problem code of :data:`.validation.RULES` has one remedy (drop the rows, blank the value,
suffix a duplicate id, mark a return, make a return negative) and each remedy is logged with the
number of rows it touched and the reason; lines dropped while reading (a wrong number of
fields, a quote never closed, empty lines) are logged too, so the rows kept plus the rows dropped
always add up to the records of the file. Several files of one table (overlapping exports,
the sheets of a workbook) are checked together (:func:`check_across_files`): a row copied from
an earlier file is dropped and logged with the file and line it copies. Returns stay in the
data as negative rows, and are
linked to the order they refund when the export does not say it: the latest earlier order of the
same customer with the same amount (a vectorised as-of join, no loop per row).

Examples
--------
>>> import pandas as pd
>>> from crm_training.clients.report import CleaningLog
>>> tx = pd.DataFrame({"transaction_id": ["A", "B", "R"], "customer_id": ["c", "c", "c"],
...     "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
...     "amount": [20.0, 35.0, -20.0]})
>>> log = CleaningLog()
>>> out = fix_returns(tx, "orders.csv", log)
>>> out[["is_return", "original_transaction_id"]].values.tolist()
[[False, nan], [False, nan], [True, 'A']]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import TABLES
from .report import CleaningLog, CleaningStep, ValidationReport
from .validation import (_FOLD, ROW_KEYS, RULES, ParsedTable, _issue, issue_rows,
                         row_hashes)

# lines dropped while reading the file (never rows of the parsed table)
_READ_DROPS = {"malformed_lines": "line has a different number of fields than the header",
               "unclosed_quote": "line opens a quoted value that is never closed"}
_DROP_ORDER = ("blank_rows", "bad_required_value", "blank_required_value", "blank_id",
               "blank_customer_id", "duplicate_row", "overlapping_rows", "duplicate_customer",
               "duplicate_assignment")
_REASONS = {
    "blank_rows": "empty row",
    "bad_required_value": "a required value could not be read",
    "blank_required_value": "a required value is blank",
    "blank_id": "blank id",
    "blank_customer_id": "blank customer id",
    "duplicate_row": "exact copy of an earlier row",
    "overlapping_rows": "exact copy of a row of an earlier file (overlapping exports)",
    "duplicate_customer": "customer id already listed earlier",
    "duplicate_assignment": "customer already assigned to this experiment earlier",
}


def clean_table(pt: ParsedTable, report: ValidationReport, log: CleaningLog,
                link: bool = True) -> pd.DataFrame:
    """Apply the remedies of every issue of ``pt``'s file and return the cleaned typed frame
    (``link=False``: returns are not linked to their orders, see :func:`link_returns`)."""
    typed = pt.typed
    file, table = pt.file, pt.table
    key = TABLES[table].key
    for issue in report.issues:
        if issue.file == file and issue.code in _READ_DROPS:
            log.add(file, table, "dropped", issue.count, _READ_DROPS[issue.code], "",
                    [{"line": int(r)} for r in (issue.rows if issue.rows is not None
                                                else [])[:5]])
    # the rows dropped are marked first and taken out at once (one copy of the frame, not one
    # per code); the line numbers of the index are unique
    unique = typed.index.is_unique
    alive = np.ones(len(typed), bool)
    df = typed if unique else _owned(typed)
    for code in _DROP_ORDER:
        found = issue_rows(report, file, code)
        if not len(found):
            continue
        rows = found.intersection(typed.index[alive] if unique else df.index)
        # lines left out before parsing (empty rows, lines of spaces) are dropped as well
        gone = found.difference(typed.index) if code == "blank_rows" else found[:0]
        if len(rows) or len(gone):
            cols = sorted({i.column for i in report.issues
                           if i.file == file and i.code == code and i.column})
            copy_of = {e["line"]: e["copy_of"] for i in report.issues if i.file == file
                       and i.code == code for e in i.examples if "copy_of" in e}
            log.add(file, table, "dropped", len(rows) + len(gone), _REASONS[code],
                    ", ".join(cols), [{"line": int(r), **({"copy_of": copy_of[int(r)]}
                                                          if int(r) in copy_of else {})}
                                      for r in rows.union(gone)[:5]])
            if unique:
                alive[typed.index.get_indexer(rows)] = False
            else:
                df = df.drop(rows)
    if unique:
        df = _owned(typed) if alive.all() else typed.iloc[np.flatnonzero(alive)]
    for code in ("bad_value", "unknown_code", "out_of_range"):
        for issue in report.issues:
            if issue.file != file or issue.code != code or not issue.column:
                continue
            rows = issue.rows.intersection(df.index)
            if len(rows):
                df.loc[rows, issue.column] = pd.NA
                what = {"bad_value": "unreadable value", "unknown_code": "unknown code",
                        "out_of_range": "value out of range"}[code]
                log.add(file, table, "changed", len(rows), f"{what} set to blank", issue.column)
    rows = issue_rows(report, file, "duplicate_id").intersection(df.index)
    if len(rows):
        occurrence = _occurrence(pt, key, rows)
        new = df.loc[rows, key].astype("str") + "-" + occurrence.loc[rows].astype("str")
        df.loc[rows, key] = new
        log.add(file, table, "changed", len(rows), f"{key} repeated with different content: "
                "suffixed -2, -3 ... to keep ids unique", key)
    if table == "transactions":
        # a purchase after the export cannot have happened: kept, it would move "today" and
        # with it every customer's recency, churn probability and CLV
        rows = issue_rows(report, file, "future_date", "timestamp").intersection(df.index)
        if len(rows):
            log.add(file, table, "dropped", len(rows), "purchase dated after the export",
                    "timestamp", [{"line": int(r)} for r in rows[:5]])
            df = df.drop(rows)
        df = fix_returns(df, file, log, marked=issue_rows(report, file, "negative_not_return"),
                         negated=issue_rows(report, file, "positive_return"), link=link)
    return fill_defaults(df, table, file, log)


def _owned(df: pd.DataFrame) -> pd.DataFrame:
    """A frame that can be changed without changing ``df``: under copy-on-write (always in
    pandas 3) a shallow copy, whose columns are copied only when changed; else a copy."""
    cow = int(pd.__version__.split(".")[0]) >= 3 or pd.options.mode.copy_on_write is True
    return df.copy(deep=not cow)


def _occurrence(pt: ParsedTable, key: str, rows) -> pd.Series:
    """The occurrence number (1, 2, 3 ...) of the id of each of ``rows`` in the export, counted
    before any row was dropped and after the uses of earlier files (``pt.prior``); counted
    among the rows holding those ids only (the same numbers as over the whole export)."""
    ids = pt.typed[key]
    wanted = ids.loc[rows]
    sub = ids[ids.isin(wanted.dropna().unique()).to_numpy(bool)]
    occurrence = sub.groupby(sub, sort=False).cumcount() + 1
    if ids.isna().any() or pt.blank_keys:  # as over the export: blank ids make counts float
        occurrence = occurrence.astype("float64")
    if getattr(pt, "prior", None) is not None:
        occurrence = occurrence + pt.prior.reindex(occurrence.index).fillna(0).astype(int)
    return occurrence


def fix_returns(df: pd.DataFrame, file: str, log: CleaningLog, marked=None,
                negated=None, link: bool = True) -> pd.DataFrame:
    """Make returns consistent: flagged, negative, and (``link``) linked to their original
    order."""
    df = _owned(df)
    if "is_return" not in df.columns:
        df["is_return"] = (df["amount"] < 0).astype("boolean")
        log.add(file, "transactions", "changed", int(df["is_return"].sum()),
                "no return column: negative amounts marked as returns", "is_return")
    else:
        flag = df["is_return"]
        if not (pd.api.types.is_bool_dtype(flag) or isinstance(flag.dtype, pd.BooleanDtype)):
            from .parsing import parse_bool  # text or numbers: 是/否, yes/no, 1/0

            flag = parse_bool(flag.astype("str").where(flag.notna(), None)).values
        df["is_return"] = flag.astype("boolean")
        blank = df["is_return"].isna().to_numpy()
        # a blank flag follows the sign of the amount (a blank amount: not a return)
        df.loc[blank, "is_return"] = (df.loc[blank, "amount"] < 0).to_numpy(bool)
        log.add(file, "transactions", "changed", int(blank.sum()),
                "blank return flag set from the sign of the amount", "is_return")
        if marked is not None:
            rows = pd.Index(marked).intersection(df.index)
            df.loc[rows, "is_return"] = True
            log.add(file, "transactions", "changed", len(rows),
                    "negative amount not flagged as a return: marked as return", "is_return")
        if negated is not None:
            rows = pd.Index(negated).intersection(df.index)
            df.loc[rows, "amount"] = -df.loc[rows, "amount"].abs()
            log.add(file, "transactions", "changed", len(rows),
                    "return with a positive amount: made negative", "amount")
    is_ret = df["is_return"].fillna(False).to_numpy(bool)
    for col in ("quantity", "cost"):
        if col in df.columns:
            wrong = is_ret & (df[col] > 0).fillna(False).to_numpy(bool)
            df.loc[wrong, col] = -df.loc[wrong, col]
            log.add(file, "transactions", "changed", int(wrong.sum()),
                    f"return with a positive {col}: made negative", col)
    if not link:  # linked later, over the whole file: its step goes here (count to come)
        if "original_transaction_id" not in df.columns:
            df["original_transaction_id"] = pd.Series(pd.NA, index=df.index, dtype="str")
        log.steps.append(CleaningStep(file, "transactions", "linked", 0, LINKED,
                                      "original_transaction_id"))
        return df
    return link_returns(df, file, log)


def link_returns(df: pd.DataFrame, file: str, log: CleaningLog) -> pd.DataFrame:
    """Fill ``original_transaction_id`` of returns from the latest earlier order of the same
    customer with the same absolute amount (to the cent)."""
    if "original_transaction_id" not in df.columns:
        df["original_transaction_id"] = pd.Series(pd.NA, index=df.index, dtype="str")
    is_ret = df["is_return"].fillna(False).to_numpy(bool)
    todo = is_ret & df["original_transaction_id"].isna().to_numpy()
    todo &= df["timestamp"].notna().to_numpy() & df["customer_id"].notna().to_numpy()
    todo &= df["amount"].notna().to_numpy()
    if not todo.any():
        return df
    cents = (df["amount"].abs() * 100).round().fillna(-1).to_numpy(np.int64)
    ts = df["timestamp"].to_numpy()
    sale = ~is_ret & df["timestamp"].notna().to_numpy() & df["amount"].notna().to_numpy()
    customers = df["customer_id"]
    # integer codes for the customers: the as-of join then compares numbers, not strings.
    # A 64-bit hash of the id first (one pass); a hash shared by two customers could link a
    # return to the other one's order, so every link is checked and, if any is wrong, the
    # join is made again on exact codes
    m = _asof_links(row_hashes(df, ["customer_id"]), ts, cents, todo, sale)
    if len(m):
        mine = customers.iloc[m["row"].to_numpy()].reset_index(drop=True)
        theirs = customers.iloc[m["original_row"].to_numpy(np.int64)].reset_index(drop=True)
        if not (mine == theirs).fillna(False).to_numpy(bool).all():
            m = _asof_links(pd.factorize(customers)[0], ts, cents, todo, sale)
    m["original"] = df["transaction_id"].iloc[m["original_row"].to_numpy(np.int64)].to_numpy()
    col = df.columns.get_loc("original_transaction_id")
    df.iloc[m["row"].to_numpy(), col] = m["original"].to_numpy()
    log.add(file, "transactions", "linked", len(m), LINKED, "original_transaction_id")
    return df


def _asof_links(cust, ts, cents, todo, sale) -> pd.DataFrame:
    """For each return (``todo``), the latest sale (``sale``) of the same customer code and
    cents at or before it: ``row``, ``original_row`` (positions), returns without one left
    out. Ties (several such sales at the same time) go to the last of them in row order: the
    sorts are stable, so a subset of the rows in the same order gets the same links."""
    # only the sales of a customer and amount that some return has can be linked: the others
    # are left out before sorting (by a hash of the pair, a superset; the order is kept)
    pair = np.asarray(cust).astype(np.int64, copy=False).view(np.uint64) * _FOLD
    pair ^= cents.view(np.uint64)
    wanted = np.unique(pair[todo])
    at = np.searchsorted(wanted, pair[sale]).clip(max=len(wanted) - 1)
    sale = sale.copy()
    sale[sale] = wanted[at] == pair[sale]
    ret = pd.DataFrame({"row": np.flatnonzero(todo), "timestamp": ts[todo],
                        "cust": cust[todo], "cents": cents[todo]})
    sales = pd.DataFrame({"timestamp": ts[sale], "cust": cust[sale], "cents": cents[sale],
                          "original_row": np.flatnonzero(sale)})
    m = pd.merge_asof(ret.sort_values("timestamp", kind="stable"),
                      sales.sort_values("timestamp", kind="stable"),
                      on="timestamp", by=["cust", "cents"], direction="backward")
    return m[m["original_row"].notna()]


LINKED = "return linked to the latest earlier order of the same customer with the same amount"

# Columns an export may leave out because another column already says it.
_DERIVED = {
    "resolved": ("resolved_at", lambda s: s.notna(),
                 "derived from resolved_at (closed = resolved)"),
}


def fill_defaults(df: pd.DataFrame, table: str, file: str, log: CleaningLog) -> pd.DataFrame:
    """Give blank yes/no flags and counts the model's default (False, 1 unit, 0), logged."""
    df = _owned(df)
    for c in TABLES[table].columns:
        if c.dtype == "bool":
            default = False
        elif c.dtype == "int64":
            default = 1 if c.name == "quantity" else 0
        else:
            continue
        if c.name not in df.columns and c.name in _DERIVED and _DERIVED[c.name][0] in df.columns:
            source_col, rule, how = _DERIVED[c.name]
            df[c.name] = rule(df[source_col])
            if len(df):
                log.add(file, table, "changed", len(df), f"column not in the export: {how}", c.name)
            continue
        if c.name not in df.columns:
            if len(df):
                log.add(file, table, "changed", len(df),
                        f"column not in the export: set to {default} for every row", c.name)
            values = pd.Series(default, index=df.index)
            if c.name == "quantity" and "is_return" in df.columns:
                values = values.where(~df["is_return"].fillna(False).astype(bool), -1)
            df[c.name] = values
            continue
        blank = df[c.name].isna()
        if blank.any():
            fill = default
            if c.name == "quantity" and "is_return" in df.columns:
                fill = pd.Series(1, index=df.index).where(
                    ~df["is_return"].fillna(False).astype(bool), -1)[blank]
            df.loc[blank, c.name] = fill
            log.add(file, table, "changed", int(blank.sum()), f"blank value set to {default}",
                    c.name)
        df[c.name] = df[c.name].astype(c.dtype if c.dtype != "bool" else bool)
    return df


def build_customers(customers: pd.DataFrame | None, tables: dict, log: CleaningLog,
                    report: ValidationReport, source: str = "") -> pd.DataFrame:
    """The customers table: the client's (plus customers only seen in other tables, logged) or,
    without a customers file, one row per customer id found, signed up at their first date."""
    ids, first = [], []
    for name, df in tables.items():
        if df is None or "customer_id" not in df.columns or not len(df):
            continue
        time_col = "timestamp" if "timestamp" in df.columns else (
            "created_at" if "created_at" in df.columns else None)
        part = pd.DataFrame({"customer_id": df["customer_id"],
                             "first": df[time_col] if time_col else pd.NaT})
        ids.append(part)
    seen = pd.concat(ids, ignore_index=True) if ids else pd.DataFrame(
        {"customer_id": pd.Series([], dtype="str"), "first": pd.Series([], dtype="datetime64[ns]")})
    seen = seen.dropna(subset=["customer_id"])
    first = _first_dates(seen)
    if customers is None:
        out = pd.DataFrame({"customer_id": first.index.astype("str"),
                            "signup_date": first.to_numpy()})
        log.add(source or "derived", "customers", "added", len(out),
                "no customers file: one customer per id found in the other tables, signed up "
                "at their first record", "customer_id")
        return fill_defaults(out, "customers", source or "derived", log)
    extra = first.index.difference(pd.Index(customers["customer_id"].dropna()))
    if len(extra):
        add = pd.DataFrame({"customer_id": extra.astype("str"),
                            "signup_date": first.loc[extra].to_numpy()})
        add = fill_defaults(add, "customers", source, log.__class__())  # defaults, not re-logged
        log.add(source or "derived", "customers", "added", len(add),
                "customer ids found in other tables but not in the customers file "
                f"({RULES['orphan_customer'][2]})", "customer_id")
        customers = pd.concat([customers, add], ignore_index=True)
    return customers


def _first_dates(seen: pd.DataFrame) -> pd.Series:
    """``seen.groupby("customer_id", sort=True)["first"].min()``: for text ids, with DuckDB
    (parallel), sorted by id as pandas sorts them (by their UTF-8 bytes, code point order);
    with pandas' groupby otherwise."""
    from .validation import _is_arrow_text

    ids, when = seen["customer_id"], seen["first"]
    if not (_is_arrow_text(ids) and when.dtype == "datetime64[ns]") or not len(seen):
        return seen.groupby("customer_id", sort=True)["first"].min()
    try:
        import duckdb
    except ImportError:  # pragma: no cover - duckdb is a dependency
        return seen.groupby("customer_id", sort=True)["first"].min()
    import pyarrow as pa

    con = duckdb.connect()
    try:
        con.register("seen", pa.table({"customer_id": ids.array._pa_array,
                                       "first": pa.array(when.to_numpy(), from_pandas=True)}))
        g = con.sql('SELECT customer_id, min("first") AS "first" FROM seen GROUP BY customer_id '
                    'ORDER BY customer_id').to_arrow_table()
    finally:
        con.close()
    index = pd.Index(pd.array(g.column("customer_id"), dtype=ids.dtype), name="customer_id")
    values = g.column("first").to_numpy(zero_copy_only=False).astype(when.dtype)
    return pd.Series(values, index=index, name="first")


def check_across_files(parsed: list, report: ValidationReport) -> None:
    """Rows of one table that several files hold (overlapping exports: January 1-20 and
    January 11-30; the sheets of one workbook): an exact copy of a row of an earlier file (on
    the columns both have) is an ``overlapping_rows`` warning, and cleaning drops it, logging
    the file and line it copies; an id an earlier file used for a different row is reported
    like a repeated id within a file (``duplicate_id``: suffixed; ``duplicate_customer``:
    dropped). Hashes of the rows and ids, no loop per row."""
    groups: dict = {}
    for pt in parsed:
        groups.setdefault(pt.table, []).append(pt)
    for table, pts in groups.items():
        if len(pts) < 2:
            continue
        # ids the kit made (one per line) say nothing about whether two rows are the same
        made = {c for p in pts for c in getattr(p, "derived", ())}
        common = [c for c in pts[0].typed.columns
                  if c not in made and all(c in p.typed.columns for p in pts)]
        key = TABLES[table].key
        row_key = ROW_KEYS.get(table, [key])
        keyed = all(c in common for c in row_key)
        earlier = []
        for k, pt in enumerate(pts):
            typed = pt.typed
            row_hash = pd.util.hash_pandas_object(typed[common], index=False).to_numpy()
            key_hash = (pd.util.hash_pandas_object(typed[row_key], index=False).to_numpy()
                        if keyed else None)
            has_key = typed[row_key].notna().all(axis=1).to_numpy() if keyed else None
            here = pd.DataFrame({"row": row_hash, "file": pt.file,
                                 "line": typed.index.to_numpy()})
            if keyed:
                here["key"] = np.where(has_key, key_hash, 0)
                here["has_key"] = has_key
            if k and len(typed):
                _overlaps(report, pt, table, key, row_key, here, pd.concat(earlier), typed)
            earlier.append(here)


def _overlaps(report, pt, table, key, row_key, here, before, typed) -> None:
    first_row = before.drop_duplicates("row")
    same = here["row"].isin(first_row["row"]).to_numpy() & ~typed.duplicated(keep="first") \
        .to_numpy()
    if same.any():
        where = first_row.set_index("row").loc[here["row"].to_numpy()[same]]
        copies = [f"{f}:{int(n)}" for f, n in zip(where["file"], where["line"])]
        rows = typed.index[same]
        shown = [key] + [c for c in ("customer_id", "timestamp", "amount") if c in pt.raw.columns
                         and c != key]
        _issue(report, "overlapping_rows", pt.file, table,
               f"rows that repeat exactly a row of an earlier file "
               f"({', '.join(sorted(set(where['file'])))}): overlapping exports", rows, pt.raw,
               shown)
        issue = report.issues[-1]
        for e, c in zip(issue.examples, copies):
            e["copy_of"] = c
    if "key" not in here:
        return
    keyed = before[before["has_key"]]
    counts = keyed["key"].value_counts()
    again = here["has_key"].to_numpy() & here["key"].isin(counts.index).to_numpy()
    if not again.any():
        return
    pt.prior = pd.Series(here["key"].map(counts).fillna(0).to_numpy(np.int64), index=typed.index)
    first_key = keyed.drop_duplicates("key").set_index("key")
    later_here = typed.duplicated(row_key, keep="first").to_numpy()  # reported within the file
    differ = again & ~same & ~later_here
    if not differ.any():
        return
    where = first_key.loc[here["key"].to_numpy()[differ]]
    code = ("duplicate_customer" if key == "customer_id" and row_key == [key] else
            "duplicate_assignment" if len(row_key) > 1 else "duplicate_id")
    what = {"duplicate_customer": "customer ids already listed in an earlier file with "
                                  "different details",
            "duplicate_assignment": "customers already assigned to the same experiment in an "
                                    "earlier file",
            "duplicate_id": f"{key} values already used by a different row of an earlier "
                            "file"}[code]
    _issue(report, code, pt.file, table, f"{what} ({', '.join(sorted(set(where['file'])))})",
           typed.index[differ], pt.raw, row_key + (["customer_id"] if code == "duplicate_id"
                                                   and "customer_id" in pt.raw.columns else []))
    for e, f, n in zip(report.issues[-1].examples, where["file"], where["line"]):
        e["earlier"] = f"{f}:{int(n)}"
