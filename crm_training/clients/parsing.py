"""Turn the text of client columns into numbers, dates, flags and codes, vectorised.

Every parser returns a :class:`Parsed`: the values, a mask of the cells that had text but could
not be read (so the validation report can show them), and notes on rules applied (for example
the day-first rule). Blank cells (and NULL, None, NaN, N/A, #N/A) are simply missing, never an
error here.

Rules, stated once:

* **Amounts** may carry currency signs and words (￥ ¥ $ € £ 元 RMB CNY ...), spaces, thousands
  separators and a decimal comma: "￥1,234.50", "1.234,50", "1,234.50元", "(12.00)" (negative).
  The decimal mark is decided per column: the last separator of a value with both "," and "."
  decides; otherwise a comma followed by one, two or four-plus digits is a decimal comma;
  "1,234" alone is read as a thousands separator unless ``decimal=","``.
* **Dates** in ISO form, with slashes, dots or 年月日, with or without a time: 2024/1/5 13:05,
  2024-01-05, 2024年1月5日, 05.01.2024. When the year comes last the day comes first
  (05.01.2024 is 5 January), unless the column shows otherwise (a second number above 12 means
  month first) or ``dayfirst`` says so; a note is made when nothing in the column decided.

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
_CURRENCY = r"(?i)(rmb|cny|usd|eur|gbp|hkd|yuan|元|块|[￥¥$€£]|\s|\x{00a0}|\x{3000}|')"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


@dataclass
class Parsed:
    """Result of parsing one column: values, unreadable cells and notes on the rules applied."""

    values: pd.Series
    bad: pd.Series
    notes: list = field(default_factory=list)


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
    core = pc.utf8_trim(pc.replace_substring_regex(t, _CURRENCY, ""), "()")
    # a trailing minus ("12.50-") is an accounting habit
    trail = pc.fill_null(pc.ends_with(core, "-"), False)
    if pc.any(trail).as_py():
        moved = pc.binary_join_element_wise(pa.scalar("-", core.type),
                                            pc.utf8_slice_codeunits(core, 0, -1),
                                            pa.scalar("", core.type))
        core = pc.if_else(trail, moved, core)
    notes = []
    if decimal is None:
        decimal = _decimal_mark(core)
    if decimal == ",":
        core = pc.replace_substring(pc.replace_substring(core, ".", ""), ",", ".")
        notes.append("decimal comma")
    else:
        core = pc.replace_substring(core, ",", "")
    ok_form = pc.match_substring_regex(core, _NUMBER)
    num = pc.cast(pc.if_else(ok_form, core, pa.scalar(None, core.type)), pa.float64())
    num = pc.if_else(pc.is_finite(num), num, pa.scalar(None, pa.float64()))
    num = pc.if_else(pc.fill_null(neg_paren, False), pc.negate(pc.abs(num)), num)
    values = _series(num, s.index, "float64")
    bad = _mask(pc.and_(pc.is_valid(t), pc.is_null(num)), s.index)
    return Parsed(values, bad, notes)


def _decimal_mark(core: pa.Array) -> str:
    comma = pc.fill_null(pc.match_substring(core, ","), False)
    dot = pc.fill_null(pc.match_substring(core, "."), False)
    both = pc.and_(comma, dot)
    n_both = pc.sum(both).as_py() or 0
    if n_both:
        last_comma = pc.match_substring_regex(pc.filter(core, both), r",[0-9]*$")
        return "," if (pc.sum(last_comma).as_py() or 0) > n_both / 2 else "."
    only_comma = pc.filter(core, comma)
    if len(only_comma) and pc.any(pc.match_substring_regex(only_comma,
                                                           r",(\d{1,2}|\d{4,})$")).as_py():
        return ","
    return "."


def parse_integer(s: pd.Series, decimal: str | None = None) -> Parsed:
    """Whole numbers (quantities, points, scores); a fraction counts as unreadable."""
    p = parse_amount(s, decimal)
    frac = p.values.notna() & (p.values != np.round(p.values))
    vals = p.values.where(~frac)
    return Parsed(vals, p.bad | frac, p.notes)


_TZ_SUFFIX = r"(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$"
_DATE_FORMATS_YMD = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d",
                     "%Y-%m-%d %H:%M:%S.%f", "%Y%m%d %H:%M:%S")


def parse_datetime(s: pd.Series, dayfirst: bool | None = None) -> Parsed:
    """Read dates and times in the forms clients use; see module rules (day-first by default)."""
    # a time-zone suffix (Z, +08:00) is dropped: times stay as written, naive, like the model's
    a = pc.replace_substring_regex(_arrow_text(s), _TZ_SUFFIX, r"\1")
    t = _series(a, s.index)
    # the common case, ISO-like (also 2024/1/5 13:05), in one fast vectorised pass
    out = pd.to_datetime(t, format="ISO8601", errors="coerce").astype("datetime64[ns]")
    todo = (t.notna() & out.isna()).to_numpy()
    notes = []
    if todo.any():
        orig = pa.array(t[todo], from_pandas=True)
        norm = orig
        for pattern, repl in ((r"\s*(年|月)\s*", "-"), (r"\s*(日|号)\s*", " "), (r"[/.]", "-"),
                              (r"(上午|下午|(?i:am|pm))", ""), (r"\s*[T\s]\s*", " ")):
            norm = pc.replace_substring_regex(norm, pattern, repl)
        norm = pc.utf8_trim_whitespace(norm)
        year_first = _mask(pc.match_substring_regex(norm, r"^\d{4}-"), None).to_numpy()
        day_month = _mask(pc.match_substring_regex(norm, r"^\d{1,2}-\d{1,2}-\d{4}"),
                          None).to_numpy()
        norm_s = _series(norm, None)
        res = pd.Series(pd.NaT, index=norm_s.index, dtype="datetime64[ns]")
        for fmt in _DATE_FORMATS_YMD:
            rest = year_first & res.isna().to_numpy()
            if not rest.any():
                break
            res[rest] = pd.to_datetime(norm_s[rest], format=fmt, errors="coerce")
        if day_month.any():
            parts = pc.extract_regex(pc.filter(norm, pa.array(day_month)),
                                     r"^(?P<a>\d{1,2})-(?P<b>\d{1,2})-")
            first = pc.cast(parts.field("a"), pa.int32())
            second = pc.cast(parts.field("b"), pa.int32())
            says_day = pc.any(pc.greater(first, 12)).as_py()
            says_month = pc.any(pc.greater(second, 12)).as_py()
            if dayfirst is None:
                if says_month and not says_day:
                    dayfirst = False
                else:
                    dayfirst = True
                    # the dotted form (05.01.2024) is day-first wherever it is used
                    slashed = pc.filter(orig, pa.array(day_month))
                    slashed = pc.filter(slashed, pc.match_substring_regex(slashed,
                                                                          r"^\d{1,2}[/-]"))
                    if not says_day and len(slashed):
                        notes.append("ambiguous_dayfirst:" + slashed[0].as_py())
            order = "%d-%m-%Y" if dayfirst else "%m-%d-%Y"
            for suffix in (" %H:%M:%S", " %H:%M", ""):
                rest = day_month & res.isna().to_numpy()
                if not rest.any():
                    break
                res[rest] = pd.to_datetime(norm_s[rest], format=order + suffix, errors="coerce")
        out[todo] = res.to_numpy()
    bad = t.notna() & out.isna()
    return Parsed(out, bad, notes)


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
