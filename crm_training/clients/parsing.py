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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..schema import CODE_LABELS_ZH

_CURRENCY = r"(?i)(rmb|cny|usd|eur|gbp|hkd|yuan|元|块|[￥¥$€£]|\s|\u00a0|\u3000|')"


@dataclass
class Parsed:
    """Result of parsing one column: values, unreadable cells and notes on the rules applied."""

    values: pd.Series
    bad: pd.Series
    notes: list = field(default_factory=list)


# What databases and spreadsheets write for "no value" ("NA" is left alone: it is also a code).
NULL_TOKENS = ("null", "none", "nan", "n/a", "#n/a", "nil", "(null)", "空")


def _text(s: pd.Series) -> pd.Series:
    s = s.astype("str")
    t = s.str.strip()
    return t.where(s.notna() & (t != "") & ~t.str.lower().isin(NULL_TOKENS))


def parse_amount(s: pd.Series, decimal: str | None = None) -> Parsed:
    """Read money (or any decimal number) written the way people write it; see module rules."""
    t = _text(s)
    neg_paren = t.str.match(r"^\(.*\)$", na=False)
    core = t.str.replace(_CURRENCY, "", regex=True).str.strip("()")
    # a trailing minus ("12.50-") is an accounting habit
    trail = core.str.endswith("-", na=False)
    core = core.where(~trail, "-" + core.str[:-1])
    notes = []
    if decimal is None:
        decimal = _decimal_mark(core)
    if decimal == ",":
        core = core.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        core = core.str.replace(",", "", regex=False)
    ok_form = core.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", na=False)
    num = pd.to_numeric(core.where(ok_form), errors="coerce").astype("float64")
    num = num.where(~neg_paren, -num.abs())
    bad = t.notna() & num.isna()
    if decimal == ",":
        notes.append("decimal comma")
    return Parsed(num, bad, notes)


def _decimal_mark(core: pd.Series) -> str:
    both = core[core.str.contains(",", na=False, regex=False)
                & core.str.contains(".", na=False, regex=False)]
    if len(both):
        last_comma = both.str.rfind(",") > both.str.rfind(".")
        return "," if last_comma.mean() > 0.5 else "."
    comma = core[core.str.contains(",", na=False, regex=False)]
    if len(comma) and comma.str.contains(r",(?:\d{1,2}|\d{4,})$", na=False, regex=True).any():
        return ","
    return "."


def parse_integer(s: pd.Series, decimal: str | None = None) -> Parsed:
    """Whole numbers (quantities, points, scores); a fraction counts as unreadable."""
    p = parse_amount(s, decimal)
    frac = p.values.notna() & (p.values != np.round(p.values))
    vals = p.values.where(~frac)
    return Parsed(vals, p.bad | frac, p.notes)


_DATE_FORMATS_YMD = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d",
                     "%Y-%m-%d %H:%M:%S.%f", "%Y%m%d %H:%M:%S")


def parse_datetime(s: pd.Series, dayfirst: bool | None = None) -> Parsed:
    """Read dates and times in the forms clients use; see module rules (day-first by default)."""
    t = _text(s)
    out = pd.to_datetime(t, format="ISO8601", errors="coerce")
    todo = t.notna() & out.isna()
    notes = []
    if todo.any():
        norm = (t[todo]
                .str.replace(r"\s*(年|月)\s*", "-", regex=True)
                .str.replace(r"\s*(日|号)\s*", " ", regex=True)
                .str.replace(r"[/.]", "-", regex=True)
                .str.replace(r"\s*(T|\s)\s*", " ", regex=True)
                .str.replace(r"(上午|下午|am|pm|AM|PM)", "", regex=True)
                .str.strip())
        year_first = norm.str.match(r"^\d{4}-", na=False)
        day_month = norm.str.match(r"^\d{1,2}-\d{1,2}-\d{4}", na=False)
        res = pd.Series(pd.NaT, index=norm.index, dtype="datetime64[ns]")
        for fmt in _DATE_FORMATS_YMD:
            rest = year_first & res.isna()
            if not rest.any():
                break
            res[rest] = pd.to_datetime(norm[rest], format=fmt, errors="coerce")
        if day_month.any():
            first = norm[day_month].str.extract(r"^(\d{1,2})-(\d{1,2})-").astype(float)
            says_day = (first[0] > 12).any()
            says_month = (first[1] > 12).any()
            if dayfirst is None:
                if says_month and not says_day:
                    dayfirst = False
                else:
                    dayfirst = True
                    # the dotted form (05.01.2024) is day-first wherever it is used
                    orig = t[todo][day_month]
                    slashed = orig[orig.str.contains(r"^\d{1,2}[/-]", regex=True)]
                    if not says_day and len(slashed):
                        notes.append("ambiguous_dayfirst:" + slashed.iloc[0])
            order = "%d-%m-%Y" if dayfirst else "%m-%d-%Y"
            for suffix in (" %H:%M:%S", " %H:%M", ""):
                rest = day_month & res.isna()
                if not rest.any():
                    break
                res[rest] = pd.to_datetime(norm[rest], format=order + suffix, errors="coerce")
        out = out.astype("datetime64[ns]")
        out[todo] = res
    out = out.astype("datetime64[ns]")
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
    t = _text(s).str.lower()
    vals = pd.Series(pd.NA, index=s.index, dtype="boolean")
    vals[t.isin(_TRUE)] = True
    vals[t.isin(_FALSE)] = False
    bad = t.notna() & vals.isna()
    return Parsed(vals, bad)


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
    t = _text(s)
    key = t.str.lower().str.replace(r"[\s_]+", " ", regex=True)
    table = {lv: lv for lv in levels}
    table.update({lv.replace("_", " "): lv for lv in levels})
    table.update({CODE_LABELS_ZH[lv]: lv for lv in levels if lv in CODE_LABELS_ZH})
    table.update({k: v for k, v in _CODE_WORDS.items() if v in levels})
    vals = key.map(table)
    vals = vals.astype("str").where(vals.notna())
    bad = t.notna() & vals.isna()
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
