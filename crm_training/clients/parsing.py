"""Turn the text of client columns into numbers, dates, flags and codes, vectorised.

Every parser returns a :class:`Parsed`: the values, a mask of the cells that had text but could
not be read (so the validation report can show them), notes on rules applied (for example the
day-first rule, the currency) and findings on cells that disagree within the column. Blank
cells (and NULL, None, NaN, N/A, #N/A) are simply missing, never an error here. Values are
parsed cell by cell, never by a rule decided once for the whole column.

Rules, stated once:

* **Amounts** may carry currency signs and words (￥ ¥ $ € £ 元 RMB CNY ...), spaces, thousands
  separators and a decimal comma: "￥1,234.50", "1.234,50", "1,234.50元", "(12.00)" (negative).
  The decimal mark is decided per cell: with both "," and "." the last one is the mark; one
  comma followed by one, two or four-plus digits is a decimal comma ("1,5", "9,95", "1,2345"),
  a dot likewise a decimal point; several commas, or dots in groups of three, separate
  thousands. Only "1,234" or "1.234" alone are ambiguous: they follow ``decimal``, else the
  column's majority, else the point. A column using both marks is reported
  (``mixed_decimal_marks``, a warning: each cell was read by its own mark) and its ambiguous
  cells too (``ambiguous_decimal``, an error until ``decimal`` decides).
* **Currency**: the cells' signs and words give the column's currency (¥ is read as the yuan,
  "$" as the US dollar), recorded as a note ``currency:CNY``. A column mixing currencies is an
  error (``mixed_currencies``): its amounts cannot be compared, and the kit never converts.
* **Dates** in ISO form, with slashes, dots or 年月日, with or without a time: 2024/1/5 13:05,
  2024-01-05, 2024年1月5日, 05.01.2024, and 12-hour clocks: 1:05 PM, 01:05pm, 下午3:05,
  上午11:30 (12:30 AM is 00:30). When the year comes last, a cell whose first number is above
  12 is day-first, one whose second is above 12 month-first; the others follow ``dayfirst``,
  else the column's majority, else day-first (05.01.2024 is 5 January), with a note when
  nothing in the column decided. A column with both orders is reported (``mixed_date_order``;
  ``ambiguous_date_order``, an error, for its cells that could be either). Dates beyond what
  datetime64[ns] holds (before 1677-09-21 or after 2262-04-11, e.g. 9999-12-31) are unreadable
  cells with their own reason, never an exception.

Examples
--------
>>> import pandas as pd
>>> parse_amount(pd.Series(["￥1,234.50", "1,234.50元", "-3", "x", None])).values.tolist()
[1234.5, 1234.5, -3.0, nan, nan]
>>> parse_amount(pd.Series(["1.234,50", "2,5"])).values.tolist()
[1234.5, 2.5]
>>> d = parse_datetime(pd.Series(["2024/1/5 13:05", "2024年1月5日", "05.01.2024", "soon"]))
>>> d.values.dt.strftime("%Y-%m-%d %H:%M").tolist(), d.bad.tolist()
(['2024-01-05 13:05', '2024-01-05 00:00', '2024-01-05 00:00', nan], [False, False, False, True])
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import CODE_LABELS_ZH

# RE2 syntax (pyarrow compute): currency signs and words, spaces, apostrophes (1'234.50)
_CURRENCY = (r"(?i)(us\$|hk\$|rmb|cny|usd|eur|gbp|hkd|yuan|元|块|[￥¥$€£]|\s|\x{00a0}|\x{3000}"
             r"|')")
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
# the currency of a cell, by its signs and words (¥ is read as the yuan: the kit's clients are
# Chinese; "$" alone as the US dollar)
_CURRENCY_TOKEN = r"(?P<c>(?i:us\$|hk\$|hkd|usd|rmb|cny|yuan|eur|gbp)|元|块|[￥¥$€£])"
CURRENCIES = {"CNY": ("rmb", "cny", "yuan", "元", "块", "￥", "¥"), "HKD": ("hk$", "hkd"),
              "USD": ("us$", "usd", "$"), "EUR": ("eur", "€"), "GBP": ("gbp", "£")}
_TOKEN_CODE = {tok: code for code, toks in CURRENCIES.items() for tok in toks}


def _token_regex(codes) -> str:
    words = [re.escape(t) for c in codes for t in CURRENCIES[c] if t.isascii() and t != "$"]
    signs = [t for c in codes for t in CURRENCIES[c] if not t.isascii()]
    parts = ([f"(?i:{'|'.join(words)})"] if words else []) + signs
    if "USD" in codes:
        parts.append(r"(?:^|[^kKsS])\$")  # a dollar sign not part of HK$ (US$ is a word)
    return "|".join(parts)


@dataclass
class Finding:
    """Something the parser saw in some cells of a column that the report must show.

    ``code`` is an issue code of :data:`crm_training.clients.validation.RULES`; ``cells`` the
    mask of the cells to count and show as examples; ``message`` plain words (no file or
    column name: the report adds them).
    """

    code: str
    message: str
    cells: pd.Series


@dataclass
class Parsed:
    """Result of parsing one column: values, unreadable cells and notes on the rules applied.

    ``bad_reasons`` splits ``bad`` by a reason other than "could not be read" (for dates:
    ``"out_of_range"``, beyond the years pandas can hold); ``findings`` are column-level
    problems (mixed decimal marks, currencies or date orders); notes such as ``"decimal comma"``
    or ``"currency:CNY"`` record the rules applied and what was detected.
    """

    values: pd.Series
    bad: pd.Series
    notes: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    bad_reasons: dict = field(default_factory=dict)


# What databases and spreadsheets write for "no value" ("NA" is left alone: it is also a code).
NULL_TOKENS = ("null", "none", "nan", "n/a", "#n/a", "nil", "(null)", "空")


def _arrow_text(s: pd.Series) -> pa.Array:
    """The column as an Arrow string array, trimmed, with blanks and NULL tokens as nulls.

    The parsers work on Arrow arrays with pyarrow.compute (vectorised C++ and RE2), several
    times faster than pandas' string methods for patterns that pandas runs in Python.
    """
    a = pa.array(s.astype("str"), from_pandas=True)
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    t = pc.utf8_trim_whitespace(a)
    blank = pc.or_(pc.equal(t, ""), pc.is_in(pc.utf8_lower(t), value_set=pa.array(NULL_TOKENS)))
    return pc.if_else(blank, pa.scalar(None, t.type), t)


def _series(a, index, dtype=None) -> pd.Series:
    if isinstance(a, (pa.Array, pa.ChunkedArray)):
        if pa.types.is_string(a.type) or pa.types.is_large_string(a.type):
            # .array: a Series built from a Series would align on the index instead
            return pd.Series(a.to_pandas().array, index=index, dtype="str")
        return pd.Series(a.to_numpy(zero_copy_only=False), index=index, dtype=dtype)
    return pd.Series(a, index=index, dtype=dtype)


def _mask(a, index) -> pd.Series:
    return pd.Series(pc.fill_null(a, False).to_numpy(zero_copy_only=False), index=index,
                     dtype=bool)


def _text(s: pd.Series) -> pd.Series:
    return _series(_arrow_text(s), s.index)


def parse_amount(s: pd.Series, decimal: str | None = None) -> Parsed:
    """Read money (or any decimal number) written the way people write it; see module rules."""
    t = _arrow_text(s)
    neg_paren = pc.match_substring_regex(t, r"^\(.*\)$")
    stripped = pc.replace_substring_regex(t, _CURRENCY, "")
    # nothing stripped anywhere (the usual plain numbers): no currency to look for
    named = pc.sum(pc.utf8_length(stripped)).as_py() != pc.sum(pc.utf8_length(t)).as_py()
    core = pc.utf8_trim(stripped, "()")
    # a trailing minus ("12.50-") is an accounting habit
    trail = pc.fill_null(pc.ends_with(core, "-"), False)
    if pc.any(trail).as_py():
        moved = pc.binary_join_element_wise(pa.scalar("-", core.type),
                                            pc.utf8_slice_codeunits(core, 0, -1),
                                            pa.scalar("", core.type))
        core = pc.if_else(trail, moved, core)
    notes, findings = [], []
    currency = _currencies(t, s.index, findings) if named else ""
    if currency:
        notes.append("currency:" + currency)
    core, bad_form, mark = _decimal_marks(core, t, decimal, s.index, findings)
    if mark == ",":
        notes.append("decimal comma")
    ok_form = pc.and_kleene(pc.match_substring_regex(core, _NUMBER), pc.invert(bad_form))
    num = pc.cast(pc.if_else(ok_form, core, pa.scalar(None, core.type)), pa.float64())
    num = pc.if_else(pc.is_finite(num), num, pa.scalar(None, pa.float64()))
    num = pc.if_else(pc.fill_null(neg_paren, False), pc.negate(pc.abs(num)), num)
    values = _series(num, s.index, "float64")
    bad = _mask(pc.and_(pc.is_valid(t), pc.is_null(num)), s.index)
    return Parsed(values, bad, notes, findings)


def _examples(t: pa.Array, mask: np.ndarray, k: int = 1) -> str:
    vals = pc.filter(t, pa.array(mask)).slice(0, k).to_pylist()
    return ", ".join(repr(_short(v)) for v in vals)


def _short(v, limit: int = 40) -> str:
    v = str(v)
    return v if len(v) <= limit else v[:limit - 1] + "…"


def _currencies(t: pa.Array, index, findings) -> str:
    """The currency of the column (from its signs and words), or ""; a column mixing
    currencies gets a ``mixed_currencies`` finding (its amounts are not comparable) and the
    codes joined by "+", most used first ("CNY+EUR")."""
    has = pc.fill_null(pc.match_substring_regex(t, _token_regex(CURRENCIES)), False)
    if not pc.any(has).as_py():
        return ""
    # the usual case, one currency: its code from the first cell naming one, then one pass to
    # see that no cell names another
    first = pc.extract_regex(pc.filter(t, has).slice(0, 1), _CURRENCY_TOKEN)
    code = _TOKEN_CODE[pc.utf8_lower(pc.struct_field(first, "c"))[0].as_py()]
    others = [c for c in CURRENCIES if c != code]
    if not pc.any(pc.match_substring_regex(t, _token_regex(others))).as_py():
        return code
    tok = pc.extract_regex(t, _CURRENCY_TOKEN)  # the first currency sign or word of a cell
    tok = pc.utf8_lower(pc.struct_field(tok, "c"))  # null where the cell names none
    found = [v for v in pc.unique(tok).to_pylist() if v]
    codes = {}
    for v in found:
        codes.setdefault(_TOKEN_CODE[v], []).append(v)
    if len(codes) == 1:
        return next(iter(codes))
    used = {k: pc.fill_null(pc.is_in(tok, value_set=pa.array(v, tok.type)), False).to_numpy(
        zero_copy_only=False) for k, v in codes.items()}
    counts = {k: int(m.sum()) for k, m in used.items()}
    main = max(counts, key=counts.get)
    others = np.zeros(len(t), bool)
    for k, m in used.items():
        if k != main:
            others |= m & ~used[main]
    parts = ", ".join(f"{counts[k]:,} in {k} (e.g. {_examples(t, used[k])})"
                      for k in sorted(counts, key=counts.get, reverse=True))
    findings.append(Finding(
        "mixed_currencies", f"amounts in different currencies: {parts}; they cannot be added "
        "up or compared, and the kit does not convert them (split the file by currency or "
        "convert it first)", pd.Series(others, index=index)))
    return "+".join(sorted(counts, key=counts.get, reverse=True))


def _decimal_marks(core: pa.Array, t: pa.Array, decimal, index, findings):
    """Normalise the decimal mark cell by cell: ``(core with "." as the mark, cells whose
    separators fit no convention, the column's mark)``.

    A cell decides for itself when it can: with both separators the last one is the mark;
    one comma followed by one, two or four-plus digits is a decimal comma ("1,5", "9,95",
    "1,2345"), one dot likewise a decimal point; several commas (or several dots in groups of
    three) are thousands separators. Only "1,234" and "1.234" (one separator, three digits)
    are ambiguous: they follow ``decimal`` when given, else the column's majority, else the
    dot. A column whose cells disagree gets a ``mixed_decimal_marks`` finding, and its
    ambiguous cells an ``ambiguous_decimal`` one (unless ``decimal`` decides them).
    """
    n = len(core)
    no = pa.array(np.zeros(n, bool))
    n_commas = pc.fill_null(pc.count_substring(core, ","), 0)
    has_comma = pc.any(pc.greater(n_commas, 0)).as_py()
    if not has_comma and decimal != ",":
        # the common case: only dots; several dots are thousands separators only in groups
        many = pc.greater(pc.fill_null(pc.count_substring(core, "."), 0), 1)
        if not pc.any(many).as_py():
            return core, no, "."
    n_dots = pc.fill_null(pc.count_substring(core, "."), 0).to_numpy(zero_copy_only=False)
    n_commas = n_commas.to_numpy(zero_copy_only=False)

    def rx(pattern):
        return pc.fill_null(pc.match_substring_regex(core, pattern), False).to_numpy(
            zero_copy_only=False)

    both = (n_commas > 0) & (n_dots > 0)
    comma_last = both & rx(r",\d*$") if both.any() else both
    single = (n_commas + n_dots) == 1
    amb = single & rx(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$") if single.any() else single
    one_comma = (n_commas == 1) & (n_dots == 0) & ~amb
    one_dot = (n_dots == 1) & (n_commas == 0) & ~amb
    dot_groups = (n_dots >= 2) & (n_commas == 0)
    if dot_groups.any():
        dot_groups &= rx(r"^[+-]?\d{1,3}(\.\d{3})+$")
    comma_cells = comma_last | one_comma | dot_groups
    dot_cells = (both & ~comma_last) | one_dot | ((n_commas >= 2) & (n_dots == 0))
    n_c, n_d = int(comma_cells.sum()), int(dot_cells.sum())
    mark = decimal or ("," if n_c > n_d else ".")
    use_comma = comma_cells | (~dot_cells & (n_commas + n_dots > 0) & (mark == ","))
    # under the comma convention dots may only group thousands
    bad_form = use_comma & (n_dots > 0)
    if bad_form.any():
        bad_form &= ~rx(r"^[+-]?\d{1,3}(\.\d{3})*(,\d*)?$")
    conv_dot = pc.replace_substring(core, ",", "")
    if use_comma.any():
        conv_comma = pc.replace_substring(pc.replace_substring(core, ".", ""), ",", ".")
        core = pc.if_else(pa.array(use_comma), conv_comma, conv_dot)
    else:
        core = conv_dot
    disagree = (n_c and n_d) or (decimal == "," and n_d) or (decimal == "." and n_c)
    if disagree:
        minority = dot_cells if mark == "," else comma_cells
        if n_c and n_d:
            text = (f"amounts written with both decimal marks: {n_d:,} with a decimal point "
                    f"(e.g. {_examples(t, dot_cells)}) and {n_c:,} with a decimal comma (e.g. "
                    f"{_examples(t, comma_cells)}); each was read by its own mark")
        else:
            said, other, k = (("comma", "point", n_d) if decimal == "," else
                              ("point", "comma", n_c))
            text = (f"the decimal mark was set to a {said}, but {k:,} amount"
                    f"{'s have' if k != 1 else ' has'} a decimal {other} (e.g. "
                    f"{_examples(t, minority)}); each was read by its own mark")
        findings.append(Finding("mixed_decimal_marks", text, pd.Series(minority, index=index)))
        if amb.any() and decimal is None:
            word = "comma" if mark == "," else "point"
            findings.append(Finding(
                "ambiguous_decimal", f"amounts such as {_examples(t, amb)} could be read with "
                f"a decimal comma or a thousands separator, and the column uses both marks; "
                f"read with a decimal {word} (the column's majority); say which with "
                "decimal=',' or '.' (mapping options: decimal)", pd.Series(amb, index=index)))
    return core, pa.array(bad_form), mark


def parse_integer(s: pd.Series, decimal: str | None = None) -> Parsed:
    """Whole numbers (quantities, points, scores); a fraction counts as unreadable."""
    p = parse_amount(s, decimal)
    frac = p.values.notna() & (p.values != np.round(p.values))
    vals = p.values.where(~frac)
    return Parsed(vals, p.bad | frac, p.notes)


_TZ_SUFFIX = r"(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$"
_DATE_FORMATS_YMD = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d",
                     "%Y-%m-%d %H:%M:%S.%f", "%Y%m%d %H:%M:%S")
# 12-hour clocks: "1:05 PM", "01:05pm", "3 p.m.", "下午3:05", "2024/1/5 上午11:30"
_CLOCK_REST = r"(?P<rest>(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)"
_AMPM_EN = (r"^(?P<pre>(?:.*[\sT])?)(?P<h>\d{1,2})" + _CLOCK_REST
            + r"\s*(?P<m>[AaPp])\.?[Mm]\.?$")
_AMPM_ZH = (r"^(?P<pre>.*?)\s*(?P<m>上午|早上|凌晨|中午|下午|晚上)\s*(?P<h>\d{1,2})" + _CLOCK_REST
            + "$")
_AMPM_ANY = r"(?i)\d\s*[ap]\.?m\.?$|上午|早上|凌晨|中午|下午|晚上"
# the dates a datetime64[ns] column can hold
NS_MIN, NS_MAX = pd.Timestamp.min, pd.Timestamp.max


def _twelve_hour(a: pa.Array) -> pa.Array:
    """Rewrite 12-hour times as 24-hour ones (12 AM is 00, 12 PM is 12; 下午/晚上 are PM,
    上午/早上/凌晨 AM, 中午 PM before 11); an impossible one ("13:05 PM") becomes unreadable."""
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
            pm = pc.or_(pc.is_in(m, value_set=pa.array(["下午", "晚上"])),
                        pc.and_(pc.equal(m, "中午"), pc.less(h, 11)))
            am = pc.is_in(m, value_set=pa.array(["上午", "早上", "凌晨"]))
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
    return _to_ns(pd.to_datetime(s, errors="coerce", **kw))


def parse_datetime(s: pd.Series, dayfirst: bool | None = None) -> Parsed:
    """Read dates and times in the forms clients use; see module rules (day-first by default)."""
    # a time-zone suffix (Z, +08:00) is dropped: times stay as written, naive, like the model's
    a = pc.replace_substring_regex(_arrow_text(s), _TZ_SUFFIX, r"\1")
    t = _series(a, s.index)
    # the common case, ISO-like (also 2024/1/5 13:05), in one fast vectorised pass
    out, out_of_range = _coerce(t, format="ISO8601")
    todo = (t.notna() & out.isna() & ~out_of_range).to_numpy()
    notes, findings = [], []
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

        def fill(rows, fmt):
            r, o = _coerce(norm_s[rows], format=fmt)
            res[rows] = r.to_numpy()
            oor[rows] |= o.to_numpy()

        for fmt in _DATE_FORMATS_YMD:
            rest = year_first & res.isna().to_numpy() & ~oor
            if not rest.any():
                break
            fill(rest, fmt)
        if day_month.any():
            _day_month(norm, orig, day_month, dayfirst, notes, findings, fill, res, oor,
                       np.flatnonzero(todo), s.index)
        out[todo] = res.to_numpy()
        out_of_range[todo] = oor
    bad = t.notna() & out.isna()
    return Parsed(out, bad, notes, findings, {"out_of_range": out_of_range & bad})


def _day_month(norm, orig, day_month, dayfirst, notes, findings, fill, res, oor, todo_pos,
               index):
    """Read the d-m-Y / m-d-Y dates cell by cell: a first number above 12 can only be a day,
    a second above 12 only a month; the others follow ``dayfirst``, else the column's
    majority, else day-first (with an ``ambiguous_dayfirst`` note)."""
    dm = pa.array(day_month)
    parts = pc.extract_regex(pc.filter(norm, dm), r"^(?P<a>\d{1,2})-(?P<b>\d{1,2})-")
    first = pc.cast(parts.field("a"), pa.int32()).to_numpy()
    second = pc.cast(parts.field("b"), pa.int32()).to_numpy()
    day_only = (first > 12) & (second <= 12)
    month_only = (second > 12) & (first <= 12)
    amb = (first <= 12) & (second <= 12)
    n_day, n_month = int(day_only.sum()), int(month_only.sum())
    col_day = dayfirst if dayfirst is not None else not n_month > n_day
    if dayfirst is None and not n_day and not n_month:
        # the dotted form (05.01.2024) is day-first wherever it is used
        slashed = pc.filter(orig, dm)
        slashed = pc.filter(slashed, pc.match_substring_regex(slashed, r"^\d{1,2}[/-]"))
        if len(slashed):
            notes.append("ambiguous_dayfirst:" + slashed[0].as_py())
    pos = np.flatnonzero(day_month)
    for cells, order in ((day_only | (amb & col_day), "%d-%m-%Y"),
                         (month_only | (amb & (not col_day)), "%m-%d-%Y")):
        rows = np.zeros(len(day_month), bool)
        rows[pos[cells]] = True
        for suffix in (" %H:%M:%S", " %H:%M", " %H:%M:%S.%f", ""):
            rest = rows & res.isna().to_numpy() & ~oor
            if not rest.any():
                break
            fill(rest, order + suffix)
    disagree = (n_day and n_month) or (dayfirst is True and n_month) or (
        dayfirst is False and n_day)
    if disagree:
        src = pc.filter(orig, dm)

        def cells(mask):
            full = np.zeros(len(index), bool)
            full[todo_pos[pos[mask]]] = True
            return pd.Series(full, index=index)

        minority = month_only if col_day else day_only
        ex_day, ex_month = _examples(src, day_only), _examples(src, month_only)
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
            findings.append(Finding(
                "ambiguous_date_order", f"dates such as {_examples(src, amb)} could be "
                "day-first or month-first, and the column uses both orders; read "
                f"{'day' if col_day else 'month'}-first (the column's majority); say which with "
                "dayfirst=True or False (mapping options: dayfirst)", cells(amb)))


_TRUE = {"true", "t", "yes", "y", "1", "1.0", "是", "有", "对", "√", "✓", "x", "退货", "退款",
         "return", "returned"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", "否", "无", "不", "×", "✗", "-", "正常", "normal"}


def parse_bool(s: pd.Series) -> Parsed:
    """Yes/no flags: true/false, yes/no, y/n, 1/0, 是/否, 有/无, √/× (blank is missing).

    Examples
    --------
    >>> parse_bool(pd.Series(["是", "否", "Y", "maybe"])).values.tolist()
    [True, False, True, <NA>]
    """
    table = {**{k: True for k in _TRUE}, **{k: False for k in _FALSE}}
    vals, bad = _map_distinct(s, lambda v: table.get(v.lower()), pa.bool_())
    return Parsed(vals.astype("boolean"), bad)


def _map_distinct(s: pd.Series, func, type_) -> tuple[pd.Series, pd.Series]:
    """Apply ``func`` to each distinct text of ``s`` (few for flags and codes), then spread the
    results back with one vectorised take: no Python call per row."""
    t = _arrow_text(s)
    enc = pc.dictionary_encode(t)
    mapped = pa.array([func(v) for v in enc.dictionary.to_pylist()], type=type_)
    out = pc.take(mapped, enc.indices)
    bad = _mask(pc.and_(pc.is_valid(t), pc.is_null(out)), s.index)
    if pa.types.is_boolean(type_):
        out = out.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
        return pd.Series(out.array, index=s.index), bad
    return _series(out, s.index), bad


# Everyday words clients use for the model's codes (besides the English codes and their
# Chinese labels from the schema).
_CODE_WORDS = {
    "线下": "store", "门店": "store", "实体店": "store", "店铺": "store", "offline": "store",
    "in store": "store", "shop": "store", "官网": "website", "线上": "website", "网店": "website",
    "online": "website", "web": "website", "电商": "website", "小程序": "app", "app": "app",
    "mobile app": "app", "微信": "social", "微博": "social", "抖音": "social", "小红书": "social",
    "social media": "social", "wechat": "social", "电话": "phone", "热线": "phone",
    "call center": "phone", "telephone": "phone", "e-mail": "email", "mail": "email",
    "邮件": "email", "text": "sms", "f": "female", "m": "male", "女性": "female",
    "男性": "male", "other": "unknown", "对照": "control", "实验": "treatment", "测试组": "treatment",
    "a": "control", "b": "treatment", "chatbot": "bot", "机器人客服": "bot", "人工客服": "human",
    "agent": "human",
}


def parse_code(s: pd.Series, levels) -> Parsed:
    """Map codes written in English, Chinese or common synonyms onto the model's levels.

    Examples
    --------
    >>> parse_code(pd.Series(["门店", "Website", "微信", "fax"]), ("store", "website", "social")
    ...            ).values.tolist()
    ['store', 'website', 'social', nan]
    """
    table = {lv: lv for lv in levels}
    table.update({lv.replace("_", " "): lv for lv in levels})
    table.update({CODE_LABELS_ZH[lv]: lv for lv in levels if lv in CODE_LABELS_ZH})
    table.update({k: v for k, v in _CODE_WORDS.items() if v in levels})
    vals, bad = _map_distinct(s, lambda v: table.get(re.sub(r"[\s_]+", " ", v.lower())),
                              pa.string())
    return Parsed(vals, bad)


def parse_text(s: pd.Series) -> Parsed:
    """Strip surrounding spaces; blank becomes missing."""
    t = _text(s)
    return Parsed(t, pd.Series(False, index=s.index))


def parse_column(s: pd.Series, dtype: str, levels=None, dayfirst=None, decimal=None) -> Parsed:
    """Parse one column into the model's ``dtype`` (see :data:`crm_training.schema.TABLES`)."""
    if dtype.startswith("datetime"):
        return parse_datetime(s, dayfirst)
    if dtype == "float64":
        return parse_amount(s, decimal)
    if dtype in ("int64", "Int8", "Int16"):
        return parse_integer(s, decimal)
    if dtype == "bool":
        return parse_bool(s)
    if dtype == "category" and levels:
        return parse_code(s, levels)
    return parse_text(s)
