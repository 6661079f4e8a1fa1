"""Checks of the course exercises: compare a trainee's answer with the reference on the same data.

Every exercise of ``solutions/`` and ``exercises/`` ends with a call such as
``check("03.1", answer, data)``. The check computes the reference answer with the package on the
very data the trainee used (so personal variants with another industry or seed work), and prints
either a pass (``✓ ...``) or what is off with a hint. An untouched stub (``answer = ...``) gets
"not answered yet"; no answer, whatever its shape, makes the check raise (grading mode apart, see
:func:`grading`).

What passes
    * numbers within a relative 0.1% (``rtol=1e-3``), or rounded: a value written with d
      decimals (0.79: d = 2) passes within half a unit of its last decimal (± 0.005), down to
      the exercise's floor (``sig`` significant digits or ``decimals`` decimals: 0.79 passes for
      0.7947, 0.8 does not). Numbers may be given as int, float, numpy scalar, a one-value Series
      or array, a text ("0.79", "1,234.5"), a ``Decimal``;
    * percentages (79, "79%") where a share is asked only if the exercise says so
      (``percent_ok``); otherwise they get the hint "you gave a percentage";
    * whole numbers (counts, agents) exactly, unless the question leaves the method open: then
      every textbook method (``variants``) passes, and an answer between them too;
    * per-label answers as a Series, a dict, a one-column DataFrame, a two-column table (labels,
      values) or a list of (label, value) pairs, in any order; labels are compared after
      folding case, spaces and punctuation ("partner." is "Partner"); labels holding 0 or
      nothing (NaN: an empty category) may be present or absent (``optional_zeros`` for counts
      and totals, where 0 means "nobody"); a MultiIndex with one varying level is read by it;
    * intervals as a pair, in either order, or any object with ``.low`` and ``.high``;
    * decisions (kind ``"choice"``) as ``(choice, justification)``: the choice is compared with the
      best option on the data (labels folded as above); the justification needs ``min_words``
      distinct words (Chinese counts half a word per Han character, so 40 characters count as
      20 words) and at least one figure, the option's name or a word of the criterion. Its
      content is for the trainer; the check reads its figures only to diagnose a wrong choice.

Hints diagnose, never guess: a wrong answer is compared with each catalogued mistake computed on
the same data, with generic transformations of the reference (x100, /100, x60, /60, x24, /24,
x7, /7, x12, /12, the sign flipped, 1 - the share, an unrounded count, too coarse a rounding) and
with a transformation of a catalogued mistake; a slip is named only when its value reproduces the
answer within the same tolerance, and when two slips reproduce it both are named. Otherwise the
message says what differs (which labels, the direction and the rough size) and gives the
exercise's method hint. A wrong choice names a slip only when the justification cites a figure
that slip produces (and the right method does not) or its key words.

No leak: messages never show the reference value of a failed answer. ``CRM_INSTRUCTOR=1`` adds it
for trainers. References are kept in a private mapping, not on :class:`Exercise`.

The exercises themselves are defined in :mod:`.catalogue`.

Examples
--------
>>> from crm_training.exercises import check
>>> r = check("06.3", ..., rate=0.08)
… 06.3 not answered yet: replace the ... with your answer, then run the cell again.
>>> r.passed
False
>>> check("06.5", 0.26).passed  # the IRR, 0.2564, rounded to two significant digits
✓ 06.5 correct: internal rate of return = 0.2564 (you rounded it to 0.26)
True
>>> check("06.5", "0.3").passed  # too coarse: 0.3 may come from 0.25 as well as from 0.34
✗ 06.5 Your internal rate of return is 0.3: your value is rounded too coarsely ...
False
"""
from __future__ import annotations

import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import pandas as pd

KINDS = ("number", "integer", "series", "pair", "choice")

# Set to "1" by a trainer to see the reference in the messages of failed checks.
INSTRUCTOR_ENV = "CRM_INSTRUCTOR"


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check: ``passed``, the ``message`` printed, and the recognised mistake
    (``mistakes``: all of them, when several slips reproduce the same answer)."""

    exercise: str
    passed: bool
    message: str
    mistake: str | None = None
    mistakes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:  # short: the message has been printed already
        state = "passed" if self.passed else "not passed"
        return f"<CheckResult {self.exercise}: {state}>"


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: how to compute it from the same data, and the hint it earns.

    ``compute(data, **params)`` gives the wrong answer; a number instead of a function means
    "that multiple of the reference" (100: a percentage where a share is asked, -1: the sign
    flipped), and so does :class:`Times` (a multiple that depends on the given numbers).
    ``scale`` is the wrong answer's unit relative to the reference's (by default the multiple,
    or 1), so that a rounding floor stated in decimals follows it. For a choice,
    ``compute`` may return the option directly or per-option scores (a Series, or a DataFrame
    whose first column is the criterion) of which ``pick`` takes the "max" or the "min";
    ``keywords`` are words of a justification that point to this slip.
    """

    name: str
    compute: Callable[..., Any] | float | Times
    hint: str
    scale: float | None = None
    pick: str = "max"
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variant:
    """Another textbook method the question leaves open: an answer matching it passes."""

    name: str
    compute: Callable[..., Any]
    note: str


@dataclass(frozen=True)
class Exercise:
    """One exercise: what kind of value it is, how it is checked and its typical mistakes.

    The reference (kept apart, see :func:`register`) and each mistake's ``compute(data,
    **params)`` get the data the trainee passed to :func:`check` and the parameters (with
    ``params`` as defaults). ``sig`` / ``decimals``: the coarsest rounding that passes (at least
    ``sig`` significant digits, or ``decimals`` decimals). ``share``: the answer is a share
    (percentages and complements are recognised). ``variants``: other accepted methods, with
    ``tolerance`` the sentence stating it. For a choice the reference gives per-option scores
    (``pick`` the "max" or the "min" of them, ``criterion`` says what they are) and ``terms`` are
    words that show a justification speaks of the criterion. ``aliases``: other names of the
    labels (the Chinese names of the RFM segments) mapped to the reference's. ``money`` /
    ``time_units``: the answer is an amount (thousands are tried) or a time or rate per period
    (seconds, minutes, hours, days, weeks, months, years are tried).
    """

    id: str
    what: str
    kind: str
    hint: str
    mistakes: tuple[Mistake, ...] = ()
    params: dict = field(default_factory=dict)
    needs_data: bool = True
    rtol: float = 1e-3
    atol: float = 1e-9
    fmt: str = "{:,.4g}"
    min_words: int = 20
    sig: int | None = None
    decimals: int | None = None
    share: bool = False
    percent_ok: bool = False
    optional_zeros: bool = False
    variants: tuple[Variant, ...] = ()
    tolerance: str = ""
    duration_unit: str | None = None
    money: bool = False
    time_units: bool = False
    pick: str = "max"
    criterion: str = ""
    terms: tuple[str, ...] = ()
    aliases: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if self.pick not in ("max", "min"):
            raise ValueError(f"pick must be 'max' or 'min', not {self.pick!r}")


class _BadAnswer(Exception):
    """The answer has the wrong shape or type; the message says what was expected."""


REGISTRY: dict[str, Exercise] = {}
_REFERENCES: dict[str, Callable[..., Any]] = {}  # apart from the exercises: not one step away


def register(exercise: Exercise, reference: Callable[..., Any]) -> Exercise:
    """Add an exercise and its reference ``reference(data, **params)`` (ids are unique)."""
    if exercise.id in REGISTRY:
        raise ValueError(f"exercise {exercise.id!r} is registered twice")
    REGISTRY[exercise.id] = exercise
    _REFERENCES[exercise.id] = reference
    return exercise


# ---- reading answers -------------------------------------------------------------------------


@dataclass
class _Values:
    """An answer or a reference as labelled numbers: ``values`` by folded key, the ``names`` to
    show, the ``unit`` of its last written decimal (0: full precision) and a percent sign."""

    values: dict
    names: dict
    unit: float = 0.0
    percent: bool = False

    def scaled(self, factor: float) -> "_Values":
        values = {k: v * factor for k, v in self.values.items()}
        if factor < 0 and set(values) == {"low", "high"}:  # an interval stays (low, high)
            values = {"low": values["high"], "high": values["low"]}
        return _Values(values, self.names, self.unit * abs(factor), False)


_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _unit_of_text(text: str) -> float:
    """10 ** -decimals of a number as written (``"0.79"`` -> 0.01; ``"1.5e3"`` -> 100)."""
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** (int(exponent or 0) - decimals)


def _unit_of_float(x) -> float:
    try:
        text = np.format_float_positional(x, unique=True, trim="-")
    except (TypeError, ValueError):
        return 0.0
    return _unit_of_text(text.lstrip("-"))


def _number(x, what="the answer") -> tuple[float, float, bool]:
    """(value, unit, percent sign) of one number written in any usual way; _BadAnswer if none."""
    if isinstance(x, (pd.Series, pd.Index, np.ndarray, list, tuple)) and np.size(x) == 1:
        x = np.asarray(x, dtype=object).ravel()[0]
    if isinstance(x, pd.DataFrame) and x.size == 1:
        x = x.iloc[0, 0]
    if x is None:
        raise _BadAnswer(f"{what} is None: did a function return nothing (a print instead of a "
                         "return, or an in-place method)?")
    if isinstance(x, (bool, np.bool_)):
        raise _BadAnswer(f"{what} is {x}, a yes/no value: the question asks for a number")
    if isinstance(x, (int, np.integer)):
        try:
            return float(x), 1.0, False
        except OverflowError:
            return math.inf, 0.0, False
    if isinstance(x, (float, np.floating)):
        return float(x), _unit_of_float(x), False
    if isinstance(x, Decimal):
        try:
            return float(x), (10.0 ** x.as_tuple().exponent if x.is_finite() else 0.0), False
        except (OverflowError, TypeError):
            return float(x), 0.0, False
    if isinstance(x, Fraction):
        return float(x), 0.0, False
    if isinstance(x, (str, np.str_)):
        text = unicodedata.normalize("NFKC", str(x)).strip().replace("−", "-")
        percent = text.endswith("%")
        text = re.sub(r"(?<=\d)[,_ '](?=\d{3})", "", text.rstrip("%").strip())
        if _NUMBER_TEXT.match(text):
            return float(text), _unit_of_text(text.lstrip("+-")), percent
        raise _BadAnswer(f"{what} should be one number, not the text {str(x)[:40]!r}")
    if isinstance(x, (pd.Series, pd.DataFrame, np.ndarray, list, tuple, dict)):
        raise _BadAnswer(f"{what} should be one number, not a {type(x).__name__} of "
                         f"{np.size(x) if not isinstance(x, dict) else len(x)} values")
    if isinstance(x, pd.Timedelta):
        raise _BadAnswer(f"{what} is a duration (Timedelta): give a number, e.g. "
                         "duration / pd.Timedelta(hours=1)")
    raise _BadAnswer(f"{what} should be one number, not {type(x).__name__}")


def _read_number(answer, ex: Exercise) -> _Values:
    if ex.duration_unit and isinstance(answer, (pd.Timedelta, np.timedelta64)):
        hours = pd.Timedelta(answer) / pd.Timedelta(1, unit=ex.duration_unit)
        return _Values({"": float(hours)}, {"": ""})
    value, unit, percent = _number(answer)
    if not math.isfinite(value):
        raise _BadAnswer(f"the answer is {value}: check for a division by zero or missing values")
    return _Values({"": value}, {"": ""}, unit, percent)


def _read_pair(answer) -> _Values:
    parts = None
    if hasattr(answer, "low") and hasattr(answer, "high") and not isinstance(answer, dict):
        parts = (answer.low, answer.high)
    elif isinstance(answer, pd.Interval):
        parts = (answer.left, answer.right)
    elif isinstance(answer, dict) and len(answer) == 2:
        parts = tuple(answer.values())
    elif isinstance(answer, (tuple, list, np.ndarray, pd.Series, pd.Index)) and np.size(
            answer) == 2:
        parts = tuple(np.asarray(answer, dtype=object).ravel())
    if parts is None:
        raise _BadAnswer("the answer should be two numbers (low, high), e.g. a tuple")
    try:
        (low, u1, p1), (high, u2, p2) = (_number(p, "each bound") for p in parts)
    except _BadAnswer as e:
        raise _BadAnswer(f"the answer should be two numbers (low, high): {e}") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise _BadAnswer("a bound is not finite: check for a division by zero or missing values")
    low, high = sorted((low, high))
    units = [u for u in (u1, u2) if u > 0]
    return _Values({"low": low, "high": high}, {"low": "low", "high": "high"},
                   min(units) if len(units) == 2 else 0.0, p1 and p2)


def _key(label) -> str:
    """A label folded for comparison: case, spaces and punctuation do not count."""
    if isinstance(label, tuple):
        return " ".join(_key(part) for part in label)
    try:
        if label is None or (np.ndim(label) == 0 and pd.isna(label)):
            return "\x00missing"
    except (TypeError, ValueError):
        pass
    text = unicodedata.normalize("NFKC", str(label)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _show_label(label) -> str:
    try:
        if label is None or (np.ndim(label) == 0 and pd.isna(label)):
            return "NaN (a missing label)"
    except (TypeError, ValueError):
        pass
    return str(label)


def _index_labels(index: pd.Index) -> list:
    if isinstance(index, pd.MultiIndex):
        varying = [i for i in range(index.nlevels)
                   if index.get_level_values(i).nunique(dropna=False) > 1]
        if len(varying) == 1 or not varying:
            return list(index.get_level_values(varying[0] if varying else index.nlevels - 1))
    return list(index)


def _as_series(answer) -> pd.Series:
    if answer is None:
        raise _BadAnswer("the answer is None: did a function return nothing (a print instead "
                         "of a return, or an in-place method)?")
    if isinstance(answer, pd.Series):
        return answer
    if isinstance(answer, pd.DataFrame):
        if answer.shape[1] == 1:
            return answer.iloc[:, 0]
        if answer.shape[1] == 2:
            numeric = [pd.api.types.is_numeric_dtype(answer[c]) and
                       not pd.api.types.is_bool_dtype(answer[c]) for c in answer.columns]
            if sum(numeric) == 1:  # a table (label, value), e.g. after reset_index()
                labels, values = (answer.iloc[:, 1 - numeric.index(True)],
                                  answer.iloc[:, numeric.index(True)])
                return pd.Series(values.to_numpy(), index=pd.Index(labels.to_numpy()))
        columns = ", ".join(map(str, list(answer.columns)[:6]))
        raise _BadAnswer("the answer should be a Series (one value per label), not a DataFrame "
                         f"with the columns {columns}: select the column, e.g. table['nps']")
    if isinstance(answer, dict):
        if len(answer) == 1 and isinstance(next(iter(answer.values())), dict):
            answer = next(iter(answer.values()))  # DataFrame.to_dict() of one column
        if any(isinstance(v, (dict, list, tuple, set, pd.Series, np.ndarray))
               for v in answer.values()):
            raise _BadAnswer("the answer should map each label to one number, not to several")
        return pd.Series(list(answer.values()), index=pd.Index(list(answer.keys()),
                                                                 dtype=object), dtype=object)
    if isinstance(answer, (list, tuple)) and answer and all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in answer):
        return pd.Series([p[1] for p in answer], index=pd.Index([p[0] for p in answer],
                                                                 dtype=object), dtype=object)
    if isinstance(answer, (list, tuple, np.ndarray, pd.Index)):
        raise _BadAnswer("the answer needs its labels: a pandas Series indexed by label (e.g. "
                         "a groupby result), a dict or a list of (label, value) pairs")
    raise _BadAnswer(f"the answer should be a pandas Series, not {type(answer).__name__}")


def _labelled(series: pd.Series, what="the Series") -> _Values:
    values, names, units = {}, {}, []
    for label, raw in zip(_index_labels(series.index), series.to_numpy(dtype=object)):
        if raw is None or (np.ndim(raw) == 0 and not isinstance(raw, str) and pd.isna(raw)):
            value, unit = math.nan, 0.0
        else:
            try:
                value, unit, _ = _number(raw, f"the value of {_show_label(label)!s:.40}")
            except _BadAnswer:
                raise _BadAnswer(f"{what} should hold numbers (found {str(raw)[:30]!r} at "
                                 f"{_show_label(label)!s:.40})") from None
        key = _key(label)
        if key in values and not (values[key] == value or
                                  (math.isnan(values[key]) and math.isnan(value))):
            raise _BadAnswer(f"the label {_show_label(label)!r} appears more than once with "
                             "different values: one row per label")
        values[key], names[key] = value, _show_label(label)
        if unit > 0 and math.isfinite(value) and value != 0:
            units.append(unit)
    return _Values(values, names, min(units) if units else 0.0)


def _read_series(answer) -> _Values:
    return _labelled(_as_series(answer))


def _aliased(ex: Exercise, v: _Values) -> _Values:
    """Labels given under another name (a Chinese segment name) read as the reference's."""
    if not ex.aliases:
        return v
    names = {_key(a): _key(b) for a, b in ex.aliases.items()}
    values, shown = {}, {}
    for k, x in v.values.items():
        key = names.get(k, k)
        if key in values and values[key] != x:
            raise _BadAnswer(f"the label {v.names[k]!r} appears twice (under two names) with "
                             "different values: one row per label")
        values[key], shown[key] = x, v.names[k]
    return _Values(values, shown, v.unit, v.percent)


def _to_values(obj, kind: str) -> _Values:
    """A reference or a mistake's result as labelled numbers (full precision)."""
    if kind in ("number", "integer"):
        return _Values({"": float(_number(obj)[0])}, {"": ""})
    if kind == "pair":
        v = _read_pair(obj)
        return _Values(v.values, v.names)
    v = _labelled(_as_series(obj))
    return _Values(v.values, v.names)


# ---- decisions -------------------------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[^\W\d_]{2,}")
_NUMBER_WORDS = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                           r"twenty|thirty|hundred|thousand|million|half|twice|double|triple|"
                           r"dozen)\b", re.I)
_CITED = re.compile(r"(?<![\w.])([-+−]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*"
                    r"(%|percent|k\b|K\b|m\b|M\b|million|thousand|万|千|亿)?")


def _word_count(text: str) -> int:
    """Distinct words of two letters or more; Han characters count half a word each (but no
    more than the distinct characters: repeating one character is not writing)."""
    han = _HAN.findall(text)
    words = {w.casefold() for w in _WORD.findall(_HAN.sub(" ", text))}
    return len(words) + min(len(han) // 2, len(set(han)))


def _read_choice(answer, ex: Exercise) -> tuple[str, str]:
    if isinstance(answer, dict) and len(answer) == 2:
        answer = tuple(answer.values())
    if isinstance(answer, (pd.Series, np.ndarray)):
        answer = tuple(np.asarray(answer, dtype=object).ravel())
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2
            and isinstance(answer[1], (str, np.str_))):
        raise _BadAnswer('the answer should be two texts: (choice, justification), e.g. '
                         '("north", "I would start there because ...")')
    choice = answer[0]
    if isinstance(choice, (pd.Series, pd.Index, np.ndarray, list, tuple)) and len(choice) == 1:
        choice = choice.iloc[0] if isinstance(choice, pd.Series) else list(choice)[0]
    if not isinstance(choice, (str, np.str_, int, float, np.number)) or isinstance(choice, bool):
        raise _BadAnswer("the choice (first part of the answer) should be the option's name, "
                         f"not a {type(choice).__name__}")
    text = str(answer[1])
    words = _word_count(text)
    if words < ex.min_words:
        raise _BadAnswer(f"write a justification of at least {ex.min_words} words (yours has "
                         f"{words} distinct words; Chinese: about {2 * ex.min_words} characters): "
                         "which figures support your choice, and what would you do")
    folded = _key(text)
    named = _key(choice) and _key(choice) in folded
    terms = any(_key(t) and _key(t) in folded for t in ex.terms)
    if not (re.search(r"\d", text) or _NUMBER_WORDS.search(text) or named or terms):
        raise _BadAnswer("your justification should rest on the data: cite at least one figure, "
                         "or name your choice and the criterion you compared")
    return str(choice).strip(), text


def _says(text: str, words: str) -> bool:
    """Whether ``text`` contains ``words`` as words ("irr" is not in "irregular")."""
    pattern = re.escape(words.casefold())
    if re.search(r"\w", words[:1]):
        pattern = r"(?<!\w)" + pattern
    if re.search(r"\w", words[-1:]):
        pattern += r"(?!\w)"
    if _HAN.search(words):  # Chinese is not written with spaces between words
        pattern = re.escape(words)
    return re.search(pattern, text.casefold()) is not None


def _scores(obj) -> tuple[pd.Series | None, list[float], str | None]:
    """(criterion per option, every figure, the option itself when no scores are given)."""
    if isinstance(obj, pd.DataFrame):
        figures = [float(v) for v in obj.to_numpy(dtype=float).ravel() if math.isfinite(v)]
        return obj.iloc[:, 0].astype(float).dropna(), figures, None
    if isinstance(obj, pd.Series):
        s = obj.astype(float).dropna()
        return s, [float(v) for v in s if math.isfinite(v)], None
    return None, [], str(obj)


def _best(scores: pd.Series, pick: str) -> set[str]:
    if scores is None or scores.empty:
        return set()
    top = scores.max() if pick == "max" else scores.min()
    return {_key(label) for label, v in scores.items() if np.isclose(v, top, rtol=1e-12, atol=0)}


def _cited_numbers(text: str) -> list[tuple[float, float]]:
    """(value, unit) of the figures a justification cites (percentages also as shares)."""
    found = []
    multiplier = {"k": 1e3, "thousand": 1e3, "千": 1e3, "万": 1e4, "m": 1e6, "million": 1e6,
                  "亿": 1e8}
    for sign, whole, decimals, suffix in _CITED.findall(unicodedata.normalize("NFKC", text)):
        value = float(whole.replace(",", "") + (decimals or ""))
        unit = 10.0 ** -(len(decimals) - 1) if decimals else 1.0
        value = -value if sign in ("-", "−") else value
        factor = multiplier.get((suffix or "").lower(), 1.0)
        found.append((value * factor, unit * factor))
        if suffix in ("%", "percent"):
            found.append((value / 100, unit / 100))
    return found


def _cites(number: tuple[float, float], figures: list[float]) -> bool:
    value, unit = number
    return any(abs(value - f) <= max(0.5 * unit * (1 + 1e-9), 1e-3 * abs(f)) for f in figures)


# ---- comparing -------------------------------------------------------------------------------


def _floor_step(ex: Exercise, target: float, scale: float) -> float:
    if ex.decimals is not None:
        return 10.0 ** -ex.decimals * abs(scale)
    if ex.sig is not None and target != 0 and math.isfinite(target):
        return 10.0 ** (math.floor(math.log10(abs(target))) - ex.sig + 1)
    return 0.0


def _tolerance(ex: Exercise, target: float, unit: float, scale: float = 1.0,
               floor: bool = True) -> float:
    rel = ex.rtol * abs(target)
    if getattr(ex, "money", False) and ex.decimals is not None:
        rel = min(rel, 0.5 * 10.0 ** -ex.decimals * abs(scale))  # money: whole units, not 0.1%
    base = rel + ex.atol * abs(scale)
    step = min(unit, _floor_step(ex, target, scale)) if floor else unit
    return max(base, 0.5 * step * (1 + 1e-9) + 1e-12 * abs(target))


def _near(ex: Exercise, a: float, t: float, unit: float, scale: float = 1.0,
          floor: bool = True) -> bool:
    if math.isnan(a) or math.isnan(t):
        return math.isnan(a) and math.isnan(t)
    if math.isinf(a) or math.isinf(t):
        return a == t
    if ex.kind == "integer":
        return abs(a - round(a)) < 1e-9 and round(a) == round(t)
    return abs(a - t) <= _tolerance(ex, t, unit, scale, floor)


@dataclass
class _Comparison:
    ok: bool
    missing: list
    extra: list
    off: list  # (key, answer value, target value)


def _compare(ex: Exercise, ans: _Values, target: _Values, scale: float = 1.0,
             floor: bool = True) -> _Comparison:
    a = {k: v for k, v in ans.values.items()
         if k in target.values or not (v == 0 or math.isnan(v))}
    t = {k: v for k, v in target.values.items() if not math.isnan(v)}
    missing = [k for k in t if k not in a and not (ex.optional_zeros and t[k] == 0)]
    extra = [k for k in a if k not in target.values]
    off = [(k, a[k], t[k]) for k in t if k in a
           and not _near(ex, a[k], t[k], ans.unit, scale, floor)]
    return _Comparison(not (missing or extra or off), missing, extra, off)


def _same(ex: Exercise, x: _Values, y: _Values) -> bool:
    """Two computed results that cannot be told apart (full precision, no rounding)."""
    return _compare(ex, _Values(x.values, x.names), y).ok


# ---- generic transformations -----------------------------------------------------------------

_SCALES = {  # name: (factor, hint); which apply to an exercise: _transforms
    "percent": (100, "your value is 100 times the right one: a percentage where a plain number "
                "is asked, or a unit 100 times smaller?"),
    "hundredth": (0.01, "your value is a hundredth of the right one: a share where a percentage "
                  "or points are asked, or one division by 100 too many?"),
    "sign": (-1, "right size, opposite sign: check the order of the subtraction, or the sign "
             "of rows stored as negative numbers (returns, redemptions, expiries)."),
    "times_1000": (1000, "your value is 1,000 times the right one: check the unit."),
    "per_1000": (1e-3, "your value is a thousandth of the right one: given in thousands?"),
    "times_60": (60, "your value is 60 times the right one: minutes where hours are asked (or "
                 "seconds where minutes are)?"),
    "per_60": (1 / 60, "your value is a sixtieth of the right one: hours where minutes are "
               "asked (or one division by 60 too many)?"),
    "times_3600": (3600, "your value is 3,600 times the right one: seconds where hours are "
                   "asked?"),
    "per_3600": (1 / 3600, "your value is a 3,600th of the right one: hours where seconds are "
                 "asked?"),
    "times_24": (24, "your value is 24 times the right one: hours where days are asked?"),
    "per_24": (1 / 24, "your value is a 24th of the right one: days where hours are asked?"),
    "times_7": (7, "your value is 7 times the right one: days where weeks are asked (or a "
                "weekly figure where a daily one is)?"),
    "per_7": (1 / 7, "your value is a seventh of the right one: weeks where days are asked (or "
              "a daily figure where a weekly one is)?"),
    "times_12": (12, "your value is 12 times the right one: months where years are asked (or a "
                 "yearly figure where a monthly one is)?"),
    "per_12": (1 / 12, "your value is a twelfth of the right one: a monthly figure where a "
               "yearly one is asked?"),
}
_SHARE_PERCENT = ("you gave a percentage; the question asks a share between 0 and 1 (0.25, "
                  "not 25): divide by 100.")
_COMPLEMENT = ("your value is 1 minus the right share: you measured the other side (the share "
               "that did not ..., instead of the share that did).")
_TIME = ("times_60", "per_60", "times_3600", "per_3600", "times_24", "per_24", "times_7", "per_7",
         "times_12", "per_12")


def _transforms(ex: Exercise) -> list[tuple[str, float, str]]:
    """The generic slips worth trying on this exercise: units it can be confused with."""
    names = ["percent", "hundredth", "sign"]
    names += ["times_1000", "per_1000"] if ex.money else []
    names += list(_TIME) if ex.time_units else []
    out = []
    for name in names:
        factor, hint = _SCALES[name]
        if name == "percent" and ex.share:
            hint = _SHARE_PERCENT
        out.append((name, factor, hint))
    return out


@dataclass(frozen=True)
class Times:
    """A mistake that is a multiple of the reference: ``factor`` a number, or a function of the
    exercise's numbers (``lambda point_value, **_: 1 / point_value``: points, not money)."""

    factor: float | Callable[..., float]


def _flat_numbers(obj) -> list[float]:
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _flat_numbers(v)]
    if isinstance(obj, (list, tuple)):
        return [x for v in obj for x in _flat_numbers(v)]
    if isinstance(obj, (int, float, np.number)) and not isinstance(obj, bool):
        return [float(obj)]
    return []


@dataclass
class _Candidate:
    name: str
    hint: str
    value: _Values
    scale: float
    tier: int  # 0: catalogued or one transformation, 1: a transformation of a catalogued one


def _factor(m: Mistake, given: dict) -> float | None:
    if isinstance(m.compute, Times):
        f = m.compute.factor
        return float(f(**given) if callable(f) else f)
    if isinstance(m.compute, (int, float)) and not isinstance(m.compute, bool):
        return float(m.compute)
    return None


def _candidates(ex: Exercise, data, given: dict, expected: _Values,
                accepted: list[_Values]) -> list[_Candidate]:
    out: list[_Candidate] = []

    def add(name, hint, value, scale, tier, generic=True):
        if ex.kind == "integer" and any(abs(v - round(v)) > 1e-9 for v in value.values.values()
                                        if math.isfinite(v)):
            return  # a count is whole: a fractional slip cannot reproduce one
        if any(_same(ex, value, a) for a in accepted):
            return  # on these data the slip changes nothing: it cannot be told apart
        if generic and any(_same(ex, value, c.value) for c in out):
            return  # a catalogued slip gives this value already, with a hint written for it
        out.append(_Candidate(name, hint, value, scale, tier))

    caught, factors = [], []
    for m in ex.mistakes:
        try:
            factor = _factor(m, given)
            if factor is not None:
                value, scale = expected.scaled(factor), factor
                factors.append((m.name, factor, m.hint))
            else:
                value, scale = _to_values(m.compute(data, **given), ex.kind), 1.0
            value.unit = 0.0
        except Exception:  # a mistake that cannot be computed on these data cannot be matched
            continue
        scale = m.scale if m.scale is not None else scale
        caught.append((m, value, scale))
        add(m.name, m.hint, value, scale, 0, generic=False)
    generic = _transforms(ex)
    for name, factor, hint in generic:
        add(name, hint, expected.scaled(factor), factor, 0)
    if ex.share and ex.kind in ("number", "series"):
        complement = _Values({k: 1 - v for k, v in expected.values.items()}, expected.names)
        add("complement", _COMPLEMENT, complement, 1.0, 0)
    # two slips at once: a catalogued one, and a change of unit or sign on top of it
    combining = factors + [g for g in generic if g[0] in ("percent", "hundredth", "sign")]
    for m, value, scale in caught:
        for name, factor, hint in combining:
            if name == m.name:
                continue
            second = hint[0].lower() + hint[1:] if hint[1:2].islower() else hint
            add(f"{m.name}+{name}", f"two slips: {m.hint} And {second}",
                value.scaled(factor), scale * factor, 1)
    return out


# ---- messages --------------------------------------------------------------------------------


def _fmt(ex: Exercise, value: float) -> str:
    try:
        return ex.fmt.format(value)
    except (ValueError, TypeError):
        return f"{value:,.4g}"


def _show(ex: Exercise, v: _Values) -> str:
    if ex.kind == "integer" and abs(v.values[""] - round(v.values[""])) > 1e-9:
        return f"{v.values['']:,.6g}"  # not a whole number: show it as it is
    if ex.kind == "pair":
        return f"({_fmt(ex, v.values['low'])}, {_fmt(ex, v.values['high'])})"
    if ex.kind == "series":
        return ", ".join(f"{v.names[k]}: {_fmt(ex, x)}" for k, x in sorted(v.values.items()))
    return _fmt(ex, v.values[""])


def _about(x: float) -> str:
    """x to two significant digits, written plainly (450, not 4.5e+02)."""
    if not math.isfinite(x) or x == 0:
        return f"{x:g}"
    digits = 1 - math.floor(math.log10(abs(x)))
    return f"{round(x, digits):,.{max(digits, 0)}f}"


def _rough(a: float, t: float) -> str:
    """How far ``a`` is from ``t``, roughly (never precise enough to give ``t`` away)."""
    if t == 0 or not math.isfinite(t):
        return f"{'too high' if a > t else 'too low'} by about {_about(abs(a - t))}"
    if a == 0:
        return "0, where the right value is not"
    if a * t < 0:
        return "of the wrong sign (and of another size)" if abs(abs(a) - abs(t)) > abs(
            t) * 0.1 else "of the wrong sign"
    ratio = a / t
    word = "too high" if abs(a) > abs(t) else "too low"
    r = abs(ratio - 1)
    if r < 0.01:
        return f"{word}, slightly (by less than 1%)"
    if r < 0.1:
        return f"{word} by about {max(1, round(r * 100))}%"
    if ratio >= 1.5:
        return f"about {_about(ratio)} times too high"
    if ratio <= 0.5:
        return f"about {_about(1 / ratio)} times too low"
    return f"{word} by about {5 * round(r * 20)}%"


def _labels(v: _Values, keys: list, names: dict | None = None, limit: int = 5) -> str:
    names = names or v.names
    shown = ", ".join(str(names.get(k, k)) for k in keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def _difference(ex: Exercise, ans: _Values, expected: _Values) -> str:
    c = _compare(ex, ans, expected)
    if ex.kind in ("number", "integer"):
        a, t = ans.values[""], expected.values[""]
        return f"is {_show(ex, ans)}, {_rough(a, t)}"
    if ex.kind == "pair":
        (lo, hi), (tlo, thi) = ((v.values["low"], v.values["high"]) for v in (ans, expected))
        parts = []
        width, twidth = hi - lo, thi - tlo
        if twidth > 0 and abs(width / twidth - 1) > ex.rtol and abs(width - twidth) > 1e-12:
            change = abs(width / twidth - 1)
            parts.append(f"about {change:.0%} {'wider' if width > twidth else 'narrower'}"
                         if change < 1 else f"about {_about(width / twidth)} times as wide")
        mid, tmid = (lo + hi) / 2, (tlo + thi) / 2
        if twidth > 0 and abs(mid - tmid) > 0.05 * twidth:
            parts.append(f"its centre is {'too high' if mid > tmid else 'too low'} by about "
                         f"{_about(abs(mid - tmid) / twidth)} times the interval's width")
        if not parts:
            parts.append("its bounds are off, slightly")
        return f"is {_show(ex, ans)}: " + "; ".join(parts)
    if c.missing or c.extra:
        parts = []
        if c.missing:
            parts.append(f"missing {_labels(expected, c.missing)}")
        if c.extra:
            parts.append(f"unexpected {_labels(ans, c.extra)}")
        head = "the labels differ (" + "; ".join(parts) + ")"
        if not c.off:
            return head
        return head + f"; among the others, {len(c.off)} values differ"
    n = len([k for k in expected.values if not math.isnan(expected.values[k])])
    shown = "; ".join(f"{ans.names.get(k, expected.names.get(k))} {_rough(a, t)}"
                      for k, a, t in c.off[:4])
    more = f" and {len(c.off) - 4} more" if len(c.off) > 4 else ""
    return f"{len(c.off)} of {n} values differ ({shown}{more})"


def _precision(ex: Exercise) -> str:
    if ex.decimals is not None:
        return ("whole numbers" if ex.decimals == 0 else f"at least {ex.decimals} decimals")
    return f"at least {ex.sig} significant digits"


def _instructor(ex: Exercise, expected: _Values) -> str:
    if os.environ.get(INSTRUCTOR_ENV) != "1":
        return ""
    return f" [instructor: the reference is {_show(ex, expected)}]"


# ---- the check -------------------------------------------------------------------------------


def check(exercise_id: str, answer, data=None, **params) -> CheckResult:
    """Check the answer to exercise ``exercise_id`` against the reference on ``data``; print why.

    Parameters
    ----------
    exercise_id : e.g. ``"02.1"`` (chapter 2, exercise 1).
    answer : the trainee's answer (a number, a pair, a per-label Series or a (choice,
        justification) pair, as the exercise asks; the usual other forms pass too, see the module
        docstring); ``...`` (the stub of the exercise notebooks) means "not answered yet".
    data : the :class:`~crm_training.CRMData` the trainee worked on (exercises with given
        numbers only, such as the NPV, do not need it).
    **params : the exercise's given numbers when they differ from its defaults.

    Returns
    -------
    CheckResult with ``passed``, ``message`` (also printed) and ``mistake`` (the name of the
    slip recognised, if any; ``mistakes`` when several reproduce the answer). Whatever the
    answer, the check does not raise, except in grading mode (:func:`grading`), where a failed
    check raises AssertionError with its message.

    Examples
    --------
    >>> from crm_training.exercises import check
    >>> _ = check("06.3", 111_104.05, cash_flows=[-250_000, 90_000, 110_000, 120_000, 120_000],
    ...           rate=0.08)
    ✓ 06.3 correct: NPV at the given rate = 111,104.05
    >>> check("06.3", 102_874.12).mistake
    ✗ 06.3 Your NPV at the given rate is 102,874.12: you discounted the first cash flow too ...
    'discounted_first'
    >>> check("06.3", 150_000).passed
    ✗ 06.3 Your NPV at the given rate is 150,000.00, too high by about 35%. Hint: NPV = sum ...
    False
    """
    if exercise_id not in REGISTRY:
        from . import catalogue  # noqa: F401  (fills the registry on first use)
    try:
        ex = REGISTRY[exercise_id]
    except (KeyError, TypeError):
        raise ValueError(f"unknown exercise {exercise_id!r}; known: "
                         f"{', '.join(sorted(REGISTRY))}") from None
    result = _evaluate(ex, answer, data, params)
    print(result.message)
    if not result.passed and grading():
        raise AssertionError(result.message)  # a grader (nbgrader autograde) counts it as failed
    return result


# Set to "1" while a grader runs the notebooks (``CRM_GRADING=1 nbgrader autograde ...``): a
# check that does not pass then raises AssertionError with its message, so the cell scores 0.
GRADING_ENV = "CRM_GRADING"


def grading() -> bool:
    """True in grading mode: the environment variable :data:`GRADING_ENV` is "1", or nbgrader
    runs the notebook (``nbgrader autograde`` and ``validate`` set ``NBGRADER_EXECUTION``)."""
    import os

    return os.environ.get(GRADING_ENV) == "1" or bool(os.environ.get("NBGRADER_EXECUTION"))


def _evaluate(ex: Exercise, answer, data, params: dict) -> CheckResult:
    unknown = set(params) - set(ex.params)
    if unknown:
        raise TypeError(f"exercise {ex.id} takes no parameter {', '.join(sorted(unknown))}")
    if answer is Ellipsis:
        return CheckResult(ex.id, False, f"… {ex.id} not answered yet: replace the ... with your "
                           "answer, then run the cell again.")
    if ex.needs_data and data is None:
        raise TypeError(f"exercise {ex.id} needs the data: check({ex.id!r}, answer, data)")
    given = {**ex.params, **params}
    try:
        if ex.kind == "choice":
            return _evaluate_choice(ex, answer, data, given)
        return _evaluate_value(ex, answer, data, given)
    except _BadAnswer as e:
        return CheckResult(ex.id, False, f"✗ {ex.id} {e}.")
    except _NoReference as e:
        return CheckResult(ex.id, False, f"✗ {ex.id} {e}")


class _NoReference(Exception):
    """The reference cannot be computed on the data or parameters given."""


def _reference(ex: Exercise, data, given: dict):
    try:
        return _REFERENCES[ex.id](data, **given)
    except Exception as e:
        raise _NoReference(
            f"cannot compute the reference on the data and numbers given "
            f"({type(e).__name__}: {str(e)[:120]}): pass the CRMData you worked on, e.g. "
            f"check({ex.id!r}, answer, data), and the exercise's numbers as they are.") from None


_EXPECTED = {"number": "one number", "integer": "one whole number",
             "pair": "two numbers (low, high)", "series": "a Series with one number per label"}


def _read(ex: Exercise, answer) -> _Values:
    if ex.kind in ("number", "integer"):
        return _read_number(answer, ex)
    if ex.kind == "pair":
        return _read_pair(answer)
    return _read_series(answer)


def _evaluate_value(ex: Exercise, answer, data, given: dict) -> CheckResult:
    try:
        ans = _read(ex, answer)
        if ex.kind == "series":
            ans = _aliased(ex, ans)
    except _BadAnswer:
        raise
    except Exception as e:  # an object that does not behave like a number or a table
        raise _BadAnswer(f"the answer could not be read ({type(e).__name__}): give "
                         f"{_EXPECTED[ex.kind]}") from None
    try:
        expected = _to_values(_reference(ex, data, given), ex.kind)
    except _BadAnswer as e:
        raise _NoReference(f"the reference cannot be computed on these data ({e}).") from None
    variants = []
    for v in ex.variants:
        try:
            variants.append((v, _to_values(v.compute(data, **given), ex.kind)))
        except Exception:
            continue
    shown = _show(ex, expected)
    # --- does it pass?
    readings = [(ans, "")]  # "79%" is 79 here: a percentage, unless the question allows it
    if ex.percent_ok:
        readings.append((ans.scaled(0.01), " (read as a percentage)"))
    for reading, how in readings:
        note = _passes(ex, reading, expected, variants)
        if note is not None:
            return CheckResult(ex.id, True, f"✓ {ex.id} correct: {ex.what} = {shown}{how}{note}")
    # --- which slip reproduces it?
    accepted = [expected] + [v for _, v in variants]
    try:
        found = _diagnose(ex, ans, data, given, expected, accepted)
    except Exception:  # diagnosing is a courtesy: never let it break the check
        found = []
    extra = _instructor(ex, expected)
    if ex.kind == "series":
        head = f"✗ {ex.id} Your {ex.what}"
    else:
        head = f"✗ {ex.id} Your {ex.what} is {_show(ex, ans)}"
    if found:
        names = tuple(c.name for c in found)
        if len(found) == 1:
            return CheckResult(ex.id, False, f"{head}: {found[0].hint}{extra}", names[0], names)
        reasons = " ".join(f"({i}) {c.hint}" for i, c in enumerate(found, 1))
        return CheckResult(ex.id, False, f"{head}. {len(found)} slips give exactly this value; "
                           f"check which one is yours: {reasons}{extra}", names[0], names)
    try:
        difference = _difference(ex, ans, expected)
    except Exception:
        difference = "differs from the right one"
    if ex.kind == "series":
        head = f"✗ {ex.id} Your {ex.what}: {difference}"
    else:
        head = f"✗ {ex.id} Your {ex.what} {difference}"
    stated = f" ({ex.tolerance[0].upper()}{ex.tolerance[1:]}.)" if ex.tolerance else ""
    return CheckResult(ex.id, False, f"{head}. Hint: {ex.hint}{stated}{extra}")


def _passes(ex: Exercise, ans: _Values, expected: _Values, variants) -> str | None:
    """None if the answer fails, else a note for the pass message ("" if nothing to add)."""
    if _compare(ex, ans, expected).ok:
        if ex.kind in ("number", "integer", "pair") and not _compare(
                ex, _Values(ans.values, ans.names), expected).ok:
            return f" (you rounded it to {_show(ex, ans)})"
        return ""
    for variant, value in variants:
        if _compare(ex, ans, value).ok:
            return f" (your value follows {variant.note})"
    if ex.kind == "integer" and variants:
        a = ans.values[""]
        values = [expected.values[""]] + [v.values[""] for _, v in variants]
        if abs(a - round(a)) < 1e-9 and min(values) <= round(a) <= max(values):
            stated = f"; {ex.tolerance}" if ex.tolerance else ""
            return f" (within the range of the textbook methods{stated})"
    return None


def _diagnose(ex: Exercise, ans: _Values, data, given: dict, expected: _Values,
              accepted: list[_Values]) -> list[_Candidate]:
    candidates = _candidates(ex, data, given, expected, accepted)
    band = None
    if ex.kind == "integer" and len(accepted) > 1 and expected.values[""] != 0:
        ratios = [a.values[""] / expected.values[""] for a in accepted]
        band = (min(ratios), max(ratios))  # the methods' spread carries over to their slips

    def reproduces(c: _Candidate) -> bool:
        if _compare(ex, ans, c.value, c.scale).ok:
            return True
        if band is None:
            return False
        a, m = ans.values[""], c.value.values[""]
        low, high = sorted((band[0] * m, band[1] * m))
        return abs(a - round(a)) < 1e-9 and math.floor(low) - 1 <= a <= math.ceil(high) + 1

    matched = [c for c in candidates if reproduces(c)]
    for tier in (0, 1):  # one slip explains it before two slips together do
        found = [c for c in matched if c.tier == tier]
        if found:
            return found[:3]
    special = []
    if ex.kind in ("number", "integer", "pair", "series") and ans.unit > 0 and any(
            _compare(ex, ans, a, floor=False).ok for a in accepted):
        special.append(_Candidate("rounded_coarsely", "your value is rounded too coarsely to "
                                  f"tell whether it is right: give {_precision(ex)}.", expected,
                                  1.0, 0))
    if ex.kind == "integer":
        a = ans.values[""]
        if abs(a - round(a)) > 1e-9:
            values = [x.values[""] for x in accepted]
            for how, rounded in (("rounded up", math.ceil(a)), ("rounded", round(a))):
                if rounded in values:
                    special.append(_Candidate(
                        "not_whole", f"give a whole number: {how}, your value would be right "
                        "(round up, so that the target is met with whole customers or agents).",
                        expected, 1.0, 0))
                    break
    return special


def _evaluate_choice(ex: Exercise, answer, data, given: dict) -> CheckResult:
    choice, text = _read_choice(answer, ex)
    scores, figures, label = _scores(_reference(ex, data, given))
    if scores is None:
        scores = pd.Series({label: 1.0})
    options = {_key(o): str(o) for o in scores.index}
    best = _best(scores, ex.pick)
    key = _key(choice)
    key = {_key(a): _key(b) for a, b in ex.aliases.items()}.get(key, key)
    if key in best:
        shown = ", ".join(repr(options[k]) for k in sorted(best))
        return CheckResult(ex.id, True, f"✓ {ex.id} correct: {ex.what} = {shown} (your "
                           "justification is for your trainer to read: the check does not grade "
                           "it)")
    extra = (f" [instructor: the data support {', '.join(repr(options[k]) for k in best)}]"
             if os.environ.get(INSTRUCTOR_ENV) == "1" else "")
    # slips that lead to this option, and what the justification says about them
    routes, seen = [], dict(options)
    for m in ex.mistakes:
        try:
            m_scores, m_figures, m_label = _scores(m.compute(data, **given))
        except Exception:
            continue
        if m_scores is not None:
            seen.update({_key(o): str(o) for o in m_scores.index})
        picked = _best(m_scores, m.pick) if m_scores is not None else {_key(m_label)}
        if picked & best or key not in picked:
            continue  # the slip changes nothing here, or leads elsewhere
        routes.append((m, m_figures))
    if key not in seen:
        listed = ", ".join(repr(o) for o in sorted(options.values()))
        return CheckResult(ex.id, False, f"✗ {ex.id} {choice!r} is not one of the options "
                           f"({listed}): write one of them.{extra}")
    exclude = set(figures) | set(_flat_numbers(given))
    exclude |= {100 * x for x in _flat_numbers(given)}
    cited = [n for n in _cited_numbers(text) if not _cites(n, list(exclude))
             and (abs(n[0]) >= 10 or n[1] < 1)]  # "0-6", "one of 3": too common to tell
    by_figure = [m for m, f in routes if f and any(_cites(n, f) for n in cited)]
    by_word = [m for m, _ in routes if any(_says(text, w) for w in m.keywords)]
    found = by_figure or by_word
    what = f"{choice!r} is not the best choice on these data ({ex.what})"
    if found:
        names = tuple(m.name for m in found)
        why = "the figures you cite" if by_figure else "your justification"
        if len(found) == 1:
            return CheckResult(ex.id, False, f"✗ {ex.id} {what}; {why} point to a slip: "
                               f"{found[0].hint}{extra}", names[0], names)
        reasons = " ".join(f"({i}) {m.hint}" for i, m in enumerate(found, 1))
        return CheckResult(ex.id, False, f"✗ {ex.id} {what}; {why} point to several slips, "
                           f"check which one is yours: {reasons}{extra}", names[0], names)
    if key not in options:
        listed = ", ".join(repr(o) for o in sorted(options.values()))
        return CheckResult(ex.id, False, f"✗ {ex.id} {what}: it is not among the options the "
                           f"question compares ({listed}). Hint: {ex.hint}{extra}")
    top = scores.max() if ex.pick == "max" else scores.min()
    mine = float(scores[[o for o in scores.index if _key(o) == key][0]])
    gap = ""
    if top != 0 and math.isfinite(top) and math.isfinite(mine):
        size = abs(mine - top) / abs(top)
        size_text = (f"about {max(1, round(size * 100))}%" if size < 0.1 else
                     f"about {5 * round(size * 20)}%" if size < 1 else "more than 100%")
        direction = "below the best option" if ex.pick == "max" else "above the best option"
        gap = (f": by {ex.criterion or 'the criterion the question sets'}, it is {size_text} "
               f"{direction}")
    return CheckResult(ex.id, False, f"✗ {ex.id} {what}{gap}. Hint: {ex.hint}{extra}")
