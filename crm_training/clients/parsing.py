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
  thousands. One separator followed by exactly three digits ("1,234", "250.000") is
  ambiguous: it follows ``decimal``; else the convention of the column's other amounts,
  unless that would give implausibly many amounts with exactly three decimals; else, with
  nothing to decide, it groups thousands ("250.000" is 250000: money rarely has three
  decimals). Never silently: ``ambiguous_decimal`` names the reading and the rule (a
  warning when the column decided, an error when it could not). A column using both marks is
  reported (``mixed_decimal_marks``, a warning: each cell was read by its own mark). Numbers
  a workbook stored (``numeric``) always have a decimal point. A parenthesis without its pair
  ("(12.50") or spaces that do not group thousands ("12 50") make a cell unreadable, and
  Excel's text wrapper ``="128.00"`` is unwrapped.
* **Currency**: the cells' signs and words give the column's currency (¥ is read as the yuan,
  "$" as the US dollar), recorded as a note ``currency:CNY``. A column mixing currencies is an
  error (``mixed_currencies``): its amounts cannot be compared, and the kit never converts.
  (A separate currency column, such as Currency or 币种, is read by :mod:`.validation`.)
* **Dates**: see :mod:`.dates` (ISO, slashes, dots, 年月日, 12-hour clocks with AM/PM or
  上午/下午, day and month order per cell, UTC offsets, Excel serial numbers).

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
from .encoding import _utf8_bytes

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
    column name: the report adds them); ``severity`` overrides the code's (a warning when the
    column decided, an error when it could not).
    """

    code: str
    message: str
    cells: pd.Series
    severity: str | None = None  # None: the code's severity in RULES


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
    # what decided the column's rules ("marks": (comma cells, point cells); "dayorder": (day-
    # first only, month-first only)), which the streamed loader adds up over a file's parts
    evidence: dict = field(default_factory=dict)


class Evidence(tuple):
    """A whole file's evidence for a column rule, given as the ``decimal`` (comma cells,
    point cells) or ``dayfirst`` (day-first only, month-first only) of one part of it: the
    part decides, and words its findings, as the whole file would."""


# What databases and spreadsheets write for "no value" ("NA" is left alone: it is also a code).
NULL_TOKENS = ("null", "none", "nan", "n/a", "#n/a", "nil", "(null)", "空")


def _arrow_text(s: pd.Series) -> pa.Array:
    """The column as an Arrow string array, trimmed, with blanks and NULL tokens as nulls, and
    Excel's text wrapper ``="128.00"`` unwrapped.

    The parsers work on Arrow arrays with pyarrow.compute (vectorised C++ and RE2), several
    times faster than pandas' string methods for patterns that pandas runs in Python.
    """
    a = pa.array(s.astype("str"), from_pandas=True)
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    t = pc.utf8_trim_whitespace(a)
    if pc.any(pc.starts_with(t, '="')).as_py():  # ="0012" is how Excel users force text
        wrapped = pc.fill_null(pc.match_substring_regex(t, r'^="[^"]*"$'), False)
        t = pc.if_else(wrapped, pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(t, 2, -1)), t)
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


def parse_amount(s: pd.Series, decimal: str | None = None, numeric=None) -> Parsed:
    """Read money (or any decimal number) written the way people write it; see module rules.

    ``numeric``: per cell, non-zero where the file stored a number (Excel, Parquet): its dot
    is a decimal point whatever the column's other cells say.
    """
    t = _arrow_text(s)
    # parentheses: "(12.00)" is negative, one alone ("(12.50") is no amount
    neg_paren = no_amount = None
    _, seg, _ = _utf8_bytes(t)
    if seg is not None and ((seg == 0x28) | (seg == 0x29)).any():  # a byte scan, no regex
        has_paren = pc.fill_null(pc.or_(pc.match_substring(t, "("),
                                        pc.match_substring(t, ")")), False)
        neg_paren = pc.and_(pc.starts_with(t, "("), pc.ends_with(t, ")"))
        no_amount = pc.and_(has_paren, pc.invert(pc.fill_null(neg_paren, False)))
    stripped = pc.replace_substring_regex(t, _CURRENCY, "")
    # nothing stripped anywhere (the usual plain numbers): no currency to look for
    named = pc.sum(pc.utf8_length(stripped)).as_py() != pc.sum(pc.utf8_length(t)).as_py()
    if named:  # spaces between digits only group thousands: "1 234,56", never "12 50"
        spaced = pc.fill_null(pc.match_substring_regex(t, _SPACED), False)
        if pc.any(spaced).as_py():
            odd = pc.and_(spaced, pc.invert(pc.fill_null(pc.match_substring_regex(
                t, _GROUPED), False)))
            no_amount = odd if no_amount is None else pc.or_(no_amount, odd)
    core = pc.utf8_trim(stripped, "()")
    # a trailing minus ("12.50-") is an accounting habit
    trail = pc.fill_null(pc.ends_with(core, "-"), False)
    if pc.any(trail).as_py():
        moved = pc.binary_join_element_wise(pa.scalar("-", core.type),
                                            pc.utf8_slice_codeunits(core, 0, -1),
                                            pa.scalar("", core.type))
        core = pc.if_else(trail, moved, core)
    notes, findings, evidence = [], [], {}
    currency = _currencies(t, s.index, findings) if named else ""
    if currency:
        notes.append("currency:" + currency)
    machine = None if numeric is None else np.asarray(numeric) > 0
    if machine is not None and machine.all():
        core = pc.replace_substring(core, ",", "")  # numbers the file stored: "." is decimal
        bad_form, mark = pa.array(np.zeros(len(core), bool)), "."
    else:
        skip = machine if no_amount is None else (
            pc.fill_null(no_amount, False).to_numpy(zero_copy_only=False)
            | (False if machine is None else machine))
        core, bad_form, mark = _decimal_marks(core, t, decimal, s.index, findings, skip,
                                              evidence)
    if mark == ",":
        notes.append("decimal comma")
    if no_amount is not None:
        bad_form = pc.or_(bad_form, no_amount)
    ok_form = pc.and_kleene(pc.match_substring_regex(core, _NUMBER), pc.invert(bad_form))
    num = pc.cast(pc.if_else(ok_form, core, pa.scalar(None, core.type)), pa.float64())
    num = pc.if_else(pc.is_finite(num), num, pa.scalar(None, pa.float64()))
    if neg_paren is not None:
        num = pc.if_else(pc.fill_null(neg_paren, False), pc.negate(pc.abs(num)), num)
    values = _series(num, s.index, "float64")
    bad = _mask(pc.and_(pc.is_valid(t), pc.is_null(num)), s.index)
    return Parsed(values, bad, notes, findings, evidence=evidence)


def _three_after_dot(a: pa.Array) -> bool:
    """Does any value end in a dot and exactly three digits ("250.000")? (a scan of the
    values' last bytes with numpy, no regex)"""
    offsets, seg, lo = _utf8_bytes(a)
    if seg is None:
        return False
    end = offsets[1:] - lo
    end = end[(end - (offsets[:-1] - lo)) >= 5]
    if not len(end):
        return False
    digit = (seg >= 0x30) & (seg <= 0x39)
    return bool(((seg[end - 4] == 0x2E) & digit[end - 3] & digit[end - 2] & digit[end - 1]
                 & digit[end - 5]).any())


_SPACE = r"[\s\x{00a0}\x{202f}\x{3000}']"
_SPACED = r"\d" + _SPACE + r"+\d"
_GROUPED = r"^\D*[+-]?\d{1,3}(?:" + _SPACE + r"\d{3})+(?:[.,]\d+)?\D*$"


def _examples(t: pa.Array, mask: np.ndarray, k: int = 1) -> str:
    vals = pc.filter(t, pa.array(mask))
    vals = (pc.unique(vals.slice(0, 1000)) if k > 1 else vals).slice(0, k).to_pylist()
    return ", ".join(repr(_short(v)) for v in vals)


def _n(k: int, word: str) -> str:
    """``k`` and ``word``, plural when ``k`` is not 1: "1 amount", "1,000 amounts"."""
    return f"{k:,} {word}{'s' * (k != 1)}"


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


def _decimal_marks(core: pa.Array, t: pa.Array, decimal, index, findings, skip=None,
                   evidence=None):
    """Normalise the decimal mark cell by cell: ``(core with "." as the mark, cells whose
    separators fit no convention, the column's mark)``.

    A cell decides for itself when it can: with both separators the last one is the mark;
    one comma followed by one, two or four-plus digits is a decimal comma ("1,5", "9,95",
    "1,2345"), one dot likewise a decimal point; several commas (or several dots in groups of
    three) are thousands separators. Only one separator followed by exactly three digits
    ("1,234", "250.000") is ambiguous; see :func:`_ambiguous`. ``skip``: cells that are no
    evidence for the others (numbers the file stored, whose dot is decimal; cells that are no
    amount at all). ``evidence`` gets
    ``"marks": (comma cells, point cells)`` when the column decides.
    """
    n = len(core)
    whole = decimal if isinstance(decimal, Evidence) else None  # the file's counts
    if whole is not None:
        decimal = None
    no = pa.array(np.zeros(n, bool))
    n_commas = pc.fill_null(pc.count_substring(core, ","), 0)
    has_comma = pc.any(pc.greater(n_commas, 0)).as_py()
    if not has_comma and decimal != "," and (whole is None or whole[0] <= whole[1]):
        # the common case: only dots; several dots are thousands separators only in groups,
        # and one dot followed by exactly three digits ("250.000") may be one too
        many = pc.greater(pc.fill_null(pc.count_substring(core, "."), 0), 1)
        if not pc.any(many).as_py() and (decimal == "." or not _three_after_dot(core)):
            if evidence is not None and decimal is None:
                one = pc.equal(pc.fill_null(pc.count_substring(core, "."), 0), 1)
                evidence["marks"] = (0, pc.sum(pc.cast(one, pa.int64())).as_py() or 0)
            return core, no, "."
    n_dots = pc.fill_null(pc.count_substring(core, "."), 0).to_numpy(zero_copy_only=False)
    n_commas = n_commas.to_numpy(zero_copy_only=False)
    own = np.ones(n, bool) if skip is None else ~skip  # amounts written by people

    def rx(pattern):
        return pc.fill_null(pc.match_substring_regex(core, pattern), False).to_numpy(
            zero_copy_only=False)

    both = (n_commas > 0) & (n_dots > 0)
    comma_last = both & rx(r",\d*$") if both.any() else both
    single = (n_commas + n_dots) == 1
    amb = single & own & rx(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$") if single.any() else single
    one_comma = (n_commas == 1) & (n_dots == 0) & ~amb
    one_dot = (n_dots == 1) & (n_commas == 0) & ~amb
    dot_groups = (n_dots >= 2) & (n_commas == 0)
    if dot_groups.any():
        dot_groups &= rx(r"^[+-]?\d{1,3}(\.\d{3})+$")
    comma_cells = (comma_last | one_comma | dot_groups) & own
    dot_cells = ((both & ~comma_last) | one_dot | ((n_commas >= 2) & (n_dots == 0))) & own
    n_c, n_d = int(comma_cells.sum()), int(dot_cells.sum())
    if evidence is not None and decimal is None:
        evidence["marks"] = (n_c, n_d)
    if whole is not None:
        n_c, n_d = whole
    mark = decimal or ("," if n_c > n_d else ".")
    amb_comma = amb & (n_commas == 1)
    # which ambiguous cells read their separator as the decimal comma (the others: a dot
    # decimal, or a separator of thousands)
    amb_use_comma, amb_finding = _ambiguous(t, amb, amb_comma, n_c, n_d, comma_cells,
                                            dot_cells, decimal, mark, index)
    use_comma = comma_cells | amb_use_comma | (~dot_cells & ~amb & (n_commas + n_dots > 0)
                                               & own & (mark == ","))
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
    if amb_finding is not None:
        findings.append(amb_finding)
    return core, pa.array(bad_form), mark


# an ambiguous separator is read as a decimal mark only when the column's other amounts use it
# so, and not when that would give implausibly many amounts with exactly three decimals: at
# least this many, and this many times the amounts showing the decimal mark
AMBIGUOUS_MIN, AMBIGUOUS_RATIO = 5, 4


def _ambiguous(t, amb, amb_comma, n_c, n_d, comma_cells, dot_cells, decimal, mark, index):
    """How the cells with one separator followed by exactly three digits ("1,234", "250.000")
    are read: ``(mask of those read with a decimal comma, ambiguous_decimal finding or None)``.

    The rule: ``decimal`` when given (no finding); else the convention of the column's other
    amounts (its majority), unless that makes the separator a decimal mark for implausibly
    many of them (:data:`AMBIGUOUS_MIN`, :data:`AMBIGUOUS_RATIO`); else, with nothing in the
    column to decide, a separator of thousands (amounts with exactly three decimals are rare:
    "250.000" is 250000, "1,234" is 1234). A warning names the reading; an error when the
    column uses both marks, when the rule overrode the column's convention, or when the
    cells themselves disagree ("1.234" and "5,678" alone).
    """
    amb_dot = amb & ~amb_comma
    if not amb.any():
        return amb, None
    if decimal is not None:  # the consultant decided
        return (amb if decimal == "," else np.zeros(len(amb), bool)), None
    k_amb = int(amb.sum())
    ex = _examples(t, amb, 2)
    what = "with one separator followed by exactly three digits"
    tail = "say which with decimal=',' or '.' (mapping options: decimal)"
    if n_c and n_d:
        word = "comma" if mark == "," else "point"
        use = amb if mark == "," else np.zeros(len(amb), bool)
        return use, Finding(
            "ambiguous_decimal", f"amounts such as {ex} could be read with a decimal comma or "
            f"a thousands separator, and the column uses both marks; read with a decimal "
            f"{word} (the column's majority); {tail}", pd.Series(amb, index=index))
    if n_c or n_d:
        as_decimal = amb_comma if mark == "," else amb_dot  # what the convention makes decimal
        evidence = n_c if mark == "," else n_d
        k = int(as_decimal.sum())
        if k >= AMBIGUOUS_MIN and k > AMBIGUOUS_RATIO * evidence:
            return amb_dot, Finding(
                "ambiguous_decimal", f"{_n(k_amb, 'amount')} {what} (e.g. {ex}) were read as "
                f"thousands separators: only {evidence:,} other amount"
                f"{'s show' if evidence != 1 else ' shows'} it as the decimal mark (e.g. "
                f"{_examples(t, comma_cells if mark == ',' else dot_cells)})"
                f", and reading it so would give {k:,} amounts with exactly three decimals; "
                f"{tail}", pd.Series(amb, index=index), severity="error")
        use = amb if mark == "," else np.zeros(len(amb), bool)
        reading = ("a decimal comma" if mark == "," else "a decimal point") if as_decimal.any() \
            else "a thousands separator"
        if as_decimal.any() and (amb & ~as_decimal).any():
            reading = f"{reading} (and the other mark as a thousands separator)"
        return use, Finding(
            "ambiguous_decimal", f"{_n(k_amb, 'amount')} {what} (e.g. {ex}) could use it as a "
            f"decimal mark or to group thousands; read as {reading}, the convention of the "
            f"column's {_n(n_c + n_d, 'other amount')} with a separator (e.g. "
            f"{_examples(t, comma_cells | dot_cells)}); {tail}", pd.Series(amb, index=index),
            severity="warning")
    # nothing else decides: thousands separators
    both_kinds = amb_dot.any() and amb_comma.any()
    return amb_dot, Finding(
        "ambiguous_decimal", f"{_n(k_amb, 'amount')} {what} (e.g. {ex}) could use it as a "
        "decimal mark or to group thousands, and nothing else in the column decides; read as "
        "thousands separators (amounts with exactly three decimals are rare)"
        f"{', though the column writes them both ways' if both_kinds else ''}; {tail}",
        pd.Series(amb, index=index), severity="error" if both_kinds else "warning")


def parse_integer(s: pd.Series, decimal: str | None = None, numeric=None) -> Parsed:
    """Whole numbers (quantities, points, scores); a fraction counts as unreadable."""
    p = parse_amount(s, decimal, numeric)
    frac = p.values.notna() & (p.values != np.round(p.values))
    vals = p.values.where(~frac)
    return Parsed(vals, p.bad | frac, p.notes, p.findings, evidence=p.evidence)


def parse_datetime(s: pd.Series, dayfirst: bool | None = None, numeric=None,
                   epoch=None) -> Parsed:
    """Read dates and times in the forms clients use; see module rules and :mod:`.dates`."""
    from .dates import parse_datetime as parse

    return parse(s, dayfirst, numeric, epoch)


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
    "男性": "male", "other": "unknown", "对照": "control", "实验": "treatment",
    "测试组": "treatment",
    "a": "control", "b": "treatment", "chatbot": "bot", "机器人客服": "bot", "人工客服": "human",
    "agent": "human",
}


def parse_code(s: pd.Series, levels, words: dict | None = None,
               other: str | None = None) -> Parsed:
    """Map codes written in English, Chinese or common synonyms onto the model's levels.

    Values are compared without case, spaces, punctuation or full-width forms ("Mobile App",
    "mobile-app", "ＭＯＢＩＬＥ ＡＰＰ"); channel levels also know the names of platforms and
    marketplaces (天猫, 京东, 微信小程序, Amazon, Shopify, POS ...: :mod:`.channels`).
    ``words`` (``{text: level}``, a mapping's ``codes:``) come first. A value the kit does not
    know is blank and ``bad``; with ``other`` (a level, e.g. "other") it becomes that level
    instead, is not bad, and an ``other_channel`` finding counts it.

    Examples
    --------
    >>> parse_code(pd.Series(["门店", "Website", "微信", "fax"]), ("store", "website", "social")
    ...            ).values.tolist()
    ['store', 'website', 'social', nan]
    >>> p = parse_code(pd.Series(["天猫", "Fax", "JD.com"]), ("store", "marketplace", "other"),
    ...                other="other")
    >>> p.values.tolist(), p.bad.tolist()
    (['marketplace', 'other', 'marketplace'], [False, False, False])
    >>> print(p.findings[0].message)
    1 channel value the kit does not know ('Fax')
    """
    from .channels import MARKETPLACE_PREFIXES, channel_key, vocabulary

    levels = tuple(levels)
    table = {}
    for k, v in [*((lv, lv) for lv in levels), *((lv.replace("_", " "), lv) for lv in levels),
                 *((CODE_LABELS_ZH[lv], lv) for lv in levels if lv in CODE_LABELS_ZH),
                 *((k, v) for k, v in _CODE_WORDS.items() if v in levels)]:
        table[channel_key(k)] = v
    table.update(vocabulary(levels))
    table.update({channel_key(k): v for k, v in (words or {}).items() if v in levels})
    prefixes = MARKETPLACE_PREFIXES if "marketplace" in levels else ()

    def find(v):
        key = channel_key(v)
        hit = table.get(key)
        if hit is None and prefixes and key.startswith(prefixes):
            hit = "marketplace"  # a marketplace's name and more: "天猫旗舰店", "Amazon.de"
        return hit

    vals, bad = _map_distinct(s, find, pa.string())
    if other is None or not bad.any():
        return Parsed(vals, bad)
    counts = _text(s)[bad.to_numpy()].value_counts()
    shown = ", ".join(repr(_short(v)) for v in counts.index[:3])
    what = f"e.g. {shown}" if len(counts) > 3 else shown
    finding = Finding("other_channel", f"{_n(len(counts), 'channel value')} the kit does not "
                      f"know ({what})", bad)
    return Parsed(vals.mask(bad, other), pd.Series(False, index=s.index), findings=[finding])


def parse_text(s: pd.Series) -> Parsed:
    """Strip surrounding spaces; blank becomes missing."""
    t = _text(s)
    return Parsed(t, pd.Series(False, index=s.index))


def parse_column(s: pd.Series, dtype: str, levels=None, dayfirst=None, decimal=None,
                 numeric=None, epoch=None, codes=None, other=None) -> Parsed:
    """Parse one column into the model's ``dtype`` (see :data:`crm_training.schema.TABLES`);
    ``numeric`` marks the cells the file stored as numbers, ``epoch`` a workbook's dates;
    ``codes`` and ``other`` are the ``words`` and ``other`` of :func:`parse_code`."""
    if dtype.startswith("datetime"):
        return parse_datetime(s, dayfirst, numeric, epoch)
    if dtype == "float64":
        return parse_amount(s, decimal, numeric)
    if dtype in ("int64", "Int8", "Int16"):
        return parse_integer(s, decimal, numeric)
    if dtype == "bool":
        return parse_bool(s)
    if dtype == "category" and levels:
        return parse_code(s, levels, codes, other)
    return parse_text(s)
