"""Read client dates and times cell by cell (:func:`parse_datetime`, also
:func:`crm_training.clients.parsing.parse_datetime`).

The forms: ISO (2024-01-05 13:05, 2024-01-05T13:05:00Z), slashes, dots or 年月日 (2024/1/5,
2024年1月5日, 05.01.2024), with or without a time, and 12-hour clocks: 1:05 PM, 01:05pm, 下午3:05,
上午11:30; 12:30 AM, 上午12:30, 凌晨12:30, 半夜12:30 and 晚上12:30 are all 00:30 of the date written
(12 at night is midnight: the hour after it is 00, not noon).

Rules, stated once:

* **Day and month order.** When the year comes last, a cell whose first number is above 12 is
  day-first, one whose second is above 12 month-first; the others follow ``dayfirst``, else the
  column's majority, else day-first (05.01.2024 is 5 January), with a note when nothing in the
  column decided. A column with both orders is reported (``mixed_date_order``, and
  ``ambiguous_date_order``, an error, for its cells that could be either). So is a column where
  a few cells decide for many (``ambiguous_date_order``, an error, naming how many cells decided
  and their lines: fewer than :data:`DATE_EVIDENCE_MIN` cells and under
  :data:`DATE_EVIDENCE_SHARE` of the column), and one whose ambiguous cells, read in the order
  the others show, would fall far outside the dates those others span while the other order
  puts them among them (two exports appended: ``mixed_date_order``, an error).
* **Incomplete dates** ("2024", "2024-01") are not dates: unreadable, with their own reason.
* **Time zones.** An offset (Z, UTC, +08:00, -0500, GMT+8) is read: a column whose cells carry
  different offsets is converted to its most common offset (``mixed_time_zones``, a warning
  with the counts); one common offset is kept as written, as wall-clock times at that offset
  (``time_zone_offset``, a warning). Times without an offset are kept as written.
* **Excel serial numbers.** In a column the workbook stored as numbers (``numeric``), a number
  between 20000 and 80000 (1954 to 2119) is a date in Excel's count of days from its
  ``epoch`` (1899-12-30, or 1904-01-01 for workbooks from old Macs), with a note
  (``excel_serial_dates``).
* Dates beyond what datetime64[ns] holds (before 1677-09-21 or after 2262-04-11, e.g.
  9999-12-31) are unreadable cells with their own reason, never an exception.

Examples
--------
>>> import pandas as pd
>>> p = parse_datetime(pd.Series(["2024-01-05T20:00:00Z", "2024-01-06T04:00:00+08:00",
...                               "2024-01-05T15:00:00-05:00", "2024-01"]))
>>> [str(v) for v in p.values], [f.code for f in p.findings]  # doctest: +NORMALIZE_WHITESPACE
(['2024-01-05 20:00:00', '2024-01-05 20:00:00', '2024-01-05 20:00:00', 'NaT'],
 ['mixed_time_zones'])
>>> p.bad.tolist()
[False, False, False, True]
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .parsing import (Evidence, Finding, Parsed, _arrow_text, _examples, _mask, _n,
                      _series, _short)

_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
_ZONE = r"Z|UTC|GMT|(?:UTC|GMT)\s*[+-]\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}"
_TZ_ANY = rf"\d:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?\s*(?:{_ZONE})$"
_TZ_PARTS = rf"^(?P<body>.*{_TIME})\s*(?P<z>{_ZONE})$"
_DATE_FORMATS_YMD = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d",
                     "%Y-%m-%d %H:%M:%S.%f", "%Y%m%d %H:%M:%S")
# 12-hour clocks: "1:05 PM", "01:05pm", "3 p.m.", "下午3:05", "2024/1/5 上午11:30"
_CLOCK_REST = r"(?P<rest>(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)"
_AMPM_EN = (r"^(?P<pre>(?:.*[\sT])?)(?P<h>\d{1,2})" + _CLOCK_REST
            + r"\s*(?P<m>[AaPp])\.?[Mm]\.?$")
_ZH_AM = ["上午", "早上", "凌晨", "半夜"]
_ZH_PM = ["下午", "傍晚", "晚上"]
_AMPM_ZH = (r"^(?P<pre>.*?)\s*(?P<m>" + "|".join(_ZH_AM + _ZH_PM + ["中午"])
            + r")\s*(?P<h>\d{1,2})" + _CLOCK_REST + "$")
_AMPM_ANY = r"(?i)\d\s*[ap]\.?m\.?$|" + "|".join(_ZH_AM + _ZH_PM + ["中午"])
_PARTIAL = r"^\d{4}(?:[-/.]\d{1,2})?$"  # a year, or a year and a month: no day
# the dates a datetime64[ns] column can hold
NS_MIN, NS_MAX = pd.Timestamp.min, pd.Timestamp.max
# Excel serial numbers read as dates in a date column (1954-09-28 to 2119-01-08)
SERIAL_MIN, SERIAL_MAX = 20_000, 80_000
# a few cells deciding the order of many: fewer than this many, and under this share
DATE_EVIDENCE_MIN, DATE_EVIDENCE_SHARE = 20, 0.05


def _twelve_hour(a: pa.Array) -> pa.Array:
    """Rewrite 12-hour times as 24-hour ones (12 AM is 00, 12 PM is 12; 下午/傍晚/晚上 are PM,
    上午/早上/凌晨/半夜 AM, 中午 PM before 11; 12 with 凌晨, 半夜 or 晚上 is 00: midnight); an
    impossible one ("13:05 PM") becomes unreadable."""
    if not pc.any(pc.match_substring_regex(a, _AMPM_ANY)).as_py():
        return a
    for pattern, zh in ((_AMPM_EN, False), (_AMPM_ZH, True)):
        parts = pc.extract_regex(a, pattern)
        matched = pc.fill_null(pc.is_valid(parts), False)
        if not pc.any(matched).as_py():
            continue
        h = pc.cast(pc.if_else(matched, parts.field("h"), "0"), pa.int32())
        m = parts.field("m")
        if zh:
            night = pc.and_(pc.equal(h, 12), pc.is_in(m, value_set=pa.array(["晚上"])))
            pm = pc.and_(pc.or_(pc.is_in(m, value_set=pa.array(_ZH_PM)),
                                pc.and_(pc.equal(m, "中午"), pc.less(h, 11))),
                         pc.invert(night))
            am = pc.or_(pc.is_in(m, value_set=pa.array(_ZH_AM)), night)
            wrong = pc.greater(h, 23)
        else:
            pm = pc.equal(pc.utf8_lower(m), "p")
            am = pc.equal(pc.utf8_lower(m), "a")
            wrong = pc.or_(pc.greater(h, 12), pc.and_(pm, pc.equal(h, 0)))
        new_h = pc.if_else(pc.and_(pm, pc.less(h, 12)), pc.add(h, 12),
                           pc.if_else(pc.and_(am, pc.equal(h, 12)), 0, h))
        pre = parts.field("pre")
        sep = pc.if_else(pc.or_(pc.equal(pre, ""), pc.match_substring_regex(pre, r"[\sT]$")),
                         "", " ")
        rest = parts.field("rest")
        rest = pc.if_else(pc.equal(rest, ""), ":00", rest)
        clock = pc.utf8_lpad(pc.cast(new_h, pa.string()), 2, "0")
        typ = a.type
        rebuilt = pc.binary_join_element_wise(pre.cast(typ), sep.cast(typ), clock.cast(typ),
                                              rest.cast(typ), pa.scalar("", typ))
        rebuilt = pc.if_else(wrong, pa.scalar("not a time", typ), rebuilt)
        a = pc.if_else(matched, rebuilt, a)
    return a


def _to_ns(r: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Datetimes of any unit as datetime64[ns], and the mask of those beyond its range
    (before 1677-09-21 or after 2262-04-11), which become NaT instead of an error."""
    if r.dtype == "datetime64[ns]":
        return r, pd.Series(False, index=r.index)
    per = {"s": 10 ** 9, "ms": 10 ** 6, "us": 10 ** 3}[np.datetime_data(r.dtype)[0]]
    v = r.to_numpy().view("i8")
    lo, hi = -(-NS_MIN.value // per), NS_MAX.value // per  # the ns range in the unit of ``r``
    out = (v != np.iinfo(np.int64).min) & ((v < lo) | (v > hi))  # NaT is the smallest int64
    out = pd.Series(out, index=r.index)
    if out.any():
        r = r.mask(out)
    return r.astype("datetime64[ns]"), out


def _coerce(s: pd.Series, **kw) -> tuple[pd.Series, pd.Series]:
    r = pd.to_datetime(s, errors="coerce", **kw)
    if isinstance(r.dtype, pd.DatetimeTZDtype):  # an offset the zone pass left: wall clock
        r = r.dt.tz_localize(None)
    return _to_ns(r)


def _offset_minutes(z: str) -> int:
    """Minutes east of UTC of a zone suffix: "Z" 0, "+08:00" 480, "-0500" -300, "GMT+8" 480."""
    z = z.upper().replace("UTC", "").replace("GMT", "").replace(" ", "").replace(":", "")
    if z in ("", "Z"):
        return 0
    sign = -1 if z[0] == "-" else 1
    digits = z[1:]
    hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
    return sign * (int(hours) * 60 + int(minutes))


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _zones(a: pa.Array):
    """``(text without the zone suffixes, minutes east of UTC per cell or None)``."""
    has = pc.fill_null(pc.match_substring_regex(a, _TZ_ANY), False)
    if not pc.any(has).as_py():
        return a, None
    parts = pc.extract_regex(a, _TZ_PARTS)
    ok = pc.fill_null(pc.is_valid(parts), False)
    body = pc.if_else(ok, parts.field("body"), a)
    enc = pc.dictionary_encode(pc.if_else(ok, parts.field("z"), pa.scalar(None, pa.string())))
    table = np.array([_offset_minutes(z) for z in enc.dictionary.to_pylist()], np.float64)
    idx = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
    minutes = np.where(idx >= 0, table[np.maximum(idx, 0)] if len(table) else 0, np.nan)
    return body, minutes


def _serials(a: pa.Array, numeric, epoch):
    """``(mask of the cells that are Excel serial numbers, their datetimes)``."""
    num = np.asarray(numeric) > 0
    vals = pc.cast(pc.if_else(pa.array(num), a, pa.scalar(None, a.type)), pa.float64(),
                   safe=False).to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        serial = num & (vals >= SERIAL_MIN) & (vals <= SERIAL_MAX)
    base = pd.Timestamp(epoch if epoch is not None else "1899-12-30")
    ms = np.round(np.where(serial, vals, 0) * 86_400_000).astype(np.int64)
    when = base.to_datetime64().astype("datetime64[ms]") + ms.astype("timedelta64[ms]")
    return serial, when.astype("datetime64[ns]")


def parse_datetime(s: pd.Series, dayfirst: bool | None = None, numeric=None,
                   epoch=None) -> Parsed:
    """Read dates and times in the forms clients use; see the module rules.

    ``numeric``: per cell, non-zero where the file stored a number (an Excel serial number in
    a date column); ``epoch``: the workbook's date epoch.
    """
    notes, findings, evidence = [], [], {}
    a = given = _arrow_text(s)
    serial = None
    if numeric is not None and (np.asarray(numeric) > 0).any():
        serial, serial_at = _serials(a, numeric, epoch)
        if serial.any():
            a = pc.if_else(pa.array(serial), pa.scalar(None, a.type), a)
        else:
            serial = None
    a, minutes = _zones(a)
    t = _series(a, s.index)
    # the common case, ISO-like (also 2024/1/5 13:05), in one fast vectorised pass
    out, out_of_range = _coerce(t, format="ISO8601")
    todo = (t.notna() & out.isna() & ~out_of_range).to_numpy()
    if todo.any():
        orig = pa.array(t[todo], from_pandas=True)
        # 12-hour clocks (the ISO pass leaves them all) as 24-hour ones, then ISO once more
        norm = _twelve_hour(orig)
        if norm is not orig:
            iso, iso_oor = _coerce(_series(norm, None), format="ISO8601")
            out_of_range[todo] = iso_oor.to_numpy()
            done = iso.notna().to_numpy() | iso_oor.to_numpy()
            if done.any():
                vals = out[todo].to_numpy().copy()
                vals[done] = iso.to_numpy()[done]
                out[todo] = vals
                keep = np.flatnonzero(todo)[~done]
                todo = np.zeros(len(t), bool)
                todo[keep] = True
                orig = pc.filter(orig, pa.array(~done))
                norm = pc.filter(norm, pa.array(~done))
    if todo.any():
        for pattern, repl in ((r"\s*(年|月)\s*", "-"), (r"\s*(日|号)\s*", " "), (r"[/.]", "-"),
                              (r"\s*[T\s]\s*", " ")):
            norm = pc.replace_substring_regex(norm, pattern, repl)
        norm = pc.utf8_trim_whitespace(norm)
        year_first = _mask(pc.match_substring_regex(norm, r"^\d{4}-"), None).to_numpy()
        day_month = _mask(pc.match_substring_regex(norm, r"^\d{1,2}-\d{1,2}-\d{4}"),
                          None).to_numpy()
        norm_s = _series(norm, None)
        res = pd.Series(pd.NaT, index=norm_s.index, dtype="datetime64[ns]")
        oor = np.zeros(len(res), bool)

        def fill(rows, fmt, into=res):
            r, o = _coerce(norm_s[rows], format=fmt)
            into[rows] = r.to_numpy()
            oor[rows] |= o.to_numpy()

        for fmt in _DATE_FORMATS_YMD:
            rest = year_first & res.isna().to_numpy() & ~oor
            if not rest.any():
                break
            fill(rest, fmt)
        if day_month.any():
            _day_month(norm, orig, day_month, dayfirst, notes, findings, fill, res, oor,
                       np.flatnonzero(todo), s.index, evidence)
        out[todo] = res.to_numpy()
        out_of_range[todo] = oor
    # a year, or a year and a month, is no date (pandas reads "2024-01" as 1 January)
    no_day = np.zeros(len(t), bool)
    short = pc.fill_null(pc.less_equal(pc.utf8_length(a), 7), False)
    if pc.any(short).as_py():
        no_day = _mask(pc.and_(short, pc.match_substring_regex(a, _PARTIAL)), None).to_numpy()
        if no_day.any():
            out[no_day] = pd.NaT
    if minutes is not None:
        out = _convert_zones(out, minutes, given, s.index, findings)
    if serial is not None:
        out[serial] = serial_at[serial]
        n = int(serial.sum())
        base = pd.Timestamp(epoch if epoch is not None else "1899-12-30")
        when = pd.Timestamp(serial_at[serial][0]).strftime("%Y-%m-%d %H:%M")
        findings.append(Finding(
            "excel_serial_dates", f"Excel serial numbers read as dates in {_n(n, 'cell')} "
            f"(e.g. {_examples(given, serial)} is {when}, counting days from "
            f"{base:%Y-%m-%d}, the workbook's date system); format "
            "the column as dates in Excel to be sure",
            pd.Series(serial, index=s.index)))
    bad = _mask(pc.is_valid(given), s.index) & out.isna()
    return Parsed(out, bad, notes, findings, {"out_of_range": out_of_range & bad,
                                              "no_day": pd.Series(no_day, index=s.index) & bad},
                  evidence)


def _convert_zones(out, minutes, src, index, findings):
    """Times with UTC offsets: all at one offset kept as written (noted); several converted to
    the column's most common offset (reported with the counts)."""
    has = ~np.isnan(minutes) & out.notna().to_numpy()
    if not has.any():
        return out
    values, first, counts = np.unique(minutes[has], return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))  # most common first, then first seen
    target = values[order[0]]
    none = int((out.notna().to_numpy() & ~has).sum())
    plain = (f"; {_n(none, 'time')} without an offset {'were' if none != 1 else 'was'} kept "
             "as written") if none else ""
    if len(values) == 1:
        findings.append(Finding(
            "time_zone_offset", f"{_n(int(has.sum()), 'time')} carry the UTC offset "
            f"{_offset_text(int(target))} (e.g. {_examples(src, has)}): kept as written, as "
            f"wall-clock times at {_offset_text(int(target))}{plain}",
            pd.Series(np.zeros(len(out), bool), index=index), severity="warning"))
        return out
    shift = np.where(has, target - np.nan_to_num(minutes), 0).astype(np.int64)
    moved = has & (shift != 0)
    vals = out.to_numpy().copy()
    vals[moved] = vals[moved] + shift[moved].astype("timedelta64[m]")
    parts = ", ".join(f"{int(counts[k]):,} at {_offset_text(int(values[k]))} (e.g. "
                      f"{_examples(src, has & (minutes == values[k]))})"
                      for k in order[:5])
    more = f" and {len(values) - 5} more offsets" if len(values) > 5 else ""
    findings.append(Finding(
        "mixed_time_zones", f"times with different UTC offsets: {parts}{more}; the column's "
        f"most common offset is {_offset_text(int(target))}{plain}",
        pd.Series(moved, index=index)))
    return pd.Series(vals, index=out.index, dtype="datetime64[ns]")


def _listed(cells) -> str:
    """Cells ``[(text, line)]`` as :func:`.parsing._examples` shows them."""
    return ", ".join(repr(_short(v)) for v, _ in cells)


def _day_month(norm, orig, day_month, dayfirst, notes, findings, fill, res, oor, todo_pos,
               index, evidence):
    """Read the d-m-Y / m-d-Y dates cell by cell: a first number above 12 can only be a day,
    a second above 12 only a month; the others follow ``dayfirst``, else the column's
    majority, else day-first (with an ``ambiguous_dayfirst`` note). Reports a column that uses
    both orders, one where a few cells decide for many, and one whose ambiguous cells look
    like the other order (see the module rules)."""
    whole = dayfirst if isinstance(dayfirst, Evidence) else None  # the file's counts
    if whole is not None:
        dayfirst = None
    dm = pa.array(day_month)
    parts = pc.extract_regex(pc.filter(norm, dm), r"^(?P<a>\d{1,2})-(?P<b>\d{1,2})-")
    first = pc.cast(parts.field("a"), pa.int32()).to_numpy()
    second = pc.cast(parts.field("b"), pa.int32()).to_numpy()
    day_only = (first > 12) & (second <= 12)
    month_only = (second > 12) & (first <= 12)
    amb = (first <= 12) & (second <= 12)
    n_day, n_month = int(day_only.sum()), int(month_only.sum())
    src = pc.filter(orig, dm)
    lines_of = index[todo_pos[pos_all]] if (pos_all := np.flatnonzero(day_month)).size else []

    def first(mask, k):  # the first distinct cells of a mask, with their lines
        at = np.flatnonzero(mask)[:1000]
        seen, out = set(), []
        for j in at:
            v = src[int(j)].as_py()
            if v not in seen:
                seen.add(v)
                out.append((v, int(lines_of[j])))
            if len(out) == k:
                break
        return out

    evidence["dayorder"] = Evidence((n_day, n_month, int(amb.sum()), first(amb, 1),
                                     first(day_only, 3), first(month_only, 3)))
    shown_of = None
    if whole is not None:  # the counts and first cells of the whole file
        n_day, n_month, n_amb, ex_amb, ex_day, ex_month = whole
        shown_of = {"amb": ex_amb, "day": ex_day, "month": ex_month, "n_amb": n_amb}
    col_day = dayfirst if dayfirst is not None else not n_month > n_day
    if dayfirst is None and not n_day and not n_month:
        # the dotted form (05.01.2024) is day-first wherever it is used
        slashed = pc.filter(orig, dm)
        slashed = pc.filter(slashed, pc.match_substring_regex(slashed, r"^\d{1,2}[/-]"))
        if len(slashed):
            notes.append("ambiguous_dayfirst:" + slashed[0].as_py())
    pos = np.flatnonzero(day_month)
    suffixes = (" %H:%M:%S", " %H:%M", " %H:%M:%S.%f", "")
    for cells, order in ((day_only | (amb & col_day), "%d-%m-%Y"),
                         (month_only | (amb & (not col_day)), "%m-%d-%Y")):
        rows = np.zeros(len(day_month), bool)
        rows[pos[cells]] = True
        for suffix in suffixes:
            rest = rows & res.isna().to_numpy() & ~oor
            if not rest.any():
                break
            fill(rest, order + suffix)
    def cells(mask):
        full = np.zeros(len(index), bool)
        full[todo_pos[pos[mask]]] = True
        return pd.Series(full, index=index)

    tail = "say which with dayfirst=True or False (mapping options: dayfirst)"
    disagree = (n_day and n_month) or (dayfirst is True and n_month) or (
        dayfirst is False and n_day)
    if disagree:
        minority = month_only if col_day else day_only
        ex_day, ex_month = _examples(src, day_only), _examples(src, month_only)
        if shown_of is not None:
            ex_day, ex_month = _listed(shown_of["day"][:1]), _listed(shown_of["month"][:1])
        if n_day and n_month:
            text = (f"dates written in both orders: {n_day:,} can only be day-first (e.g. "
                    f"{ex_day}) and {n_month:,} only month-first (e.g. {ex_month}); each was "
                    "read in the order it allows")
        else:
            k = n_month or n_day
            text = (f"dates were set to be {'day' if dayfirst else 'month'}-first, but {k:,} "
                    f"can only be {'month' if dayfirst else 'day'}-first (e.g. "
                    f"{_examples(src, minority)}); each was read in the order it allows")
        findings.append(Finding("mixed_date_order", text, cells(minority)))
        if amb.any() and dayfirst is None:
            ex_amb = _examples(src, amb) if shown_of is None else _listed(shown_of["amb"][:1])
            findings.append(Finding(
                "ambiguous_date_order", f"dates such as {ex_amb} could be "
                "day-first or month-first, and the column uses both orders; read "
                f"{'day' if col_day else 'month'}-first (the column's majority); {tail}",
                cells(amb)))
        return
    if dayfirst is not None or not amb.any() or not (n_day or n_month):
        return
    # one order shown by some cells, the others could be either: do the few decide for many?
    evidence = day_only if n_day else month_only
    ev, k = n_day + n_month, int(amb.sum())
    order = "day" if col_day else "month"
    shown = _examples(src, evidence, 3)
    lines = index[todo_pos[pos[evidence]]][:3]
    ex_amb = _examples(src, amb)
    if shown_of is not None:
        decided = shown_of["day" if n_day else "month"]
        shown, lines, k = _listed(decided), [n for _, n in decided], shown_of["n_amb"]
        ex_amb = _listed(shown_of["amb"][:1])
    where = f"line{'s' * (len(lines) > 1)} {', '.join(str(int(n)) for n in lines)}"
    if ev < DATE_EVIDENCE_MIN and ev < DATE_EVIDENCE_SHARE * (ev + k):
        findings.append(Finding(
            "ambiguous_date_order", f"{_n(k, 'date')} such as {ex_amb} could be "
            f"day-first or month-first, and only {_n(ev, 'cell')} of the column "
            f"decide{'s' * (ev == 1)} it ({shown}, {where}); all were read {order}-first on "
            f"that evidence; {tail}",
            cells(amb), severity="error"))
        return
    # two exports appended? the ambiguous cells read the other way fall among the dates the
    # deciding cells span, read this way far outside them
    if k < DATE_EVIDENCE_MIN:
        return
    span = res.to_numpy()[pos[evidence]]
    span = span[~np.isnat(span)]
    if not len(span):
        return
    lo, hi = span.min() - np.timedelta64(31, "D"), span.max() + np.timedelta64(31, "D")
    mine = res.to_numpy()[pos[amb]]
    other = pd.Series(pd.NaT, index=res.index, dtype="datetime64[ns]")
    rows = np.zeros(len(day_month), bool)
    rows[pos[amb]] = True
    keep = oor.copy()
    for suffix in suffixes:
        rest = rows & other.isna().to_numpy()
        if not rest.any():
            break
        fill(rest, ("%m-%d-%Y" if col_day else "%d-%m-%Y") + suffix, into=other)
    oor[:] = keep  # the other reading is only compared, never used
    theirs = other.to_numpy()[pos[amb]]
    inside_mine = np.mean((mine >= lo) & (mine <= hi))
    inside_theirs = np.mean((theirs >= lo) & (theirs <= hi))
    if inside_mine <= 0.1 and inside_theirs >= 0.9:
        findings.append(Finding(
            "mixed_date_order", f"the column seems to use both orders: {_n(ev, 'date')} can "
            f"only be {order}-first (e.g. {shown}), and the other {_n(k, 'date')} (e.g. "
            f"{_examples(src, amb)}) could be either; read {order}-first they fall far from "
            f"the dates the first ones span ({pd.Timestamp(span.min()):%Y-%m-%d} to "
            f"{pd.Timestamp(span.max()):%Y-%m-%d}), read the other way among them (two exports "
            f"appended?); they were read {order}-first; {tail}", cells(amb), severity="error"))
