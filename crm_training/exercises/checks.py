"""Checks of the course exercises: compare a trainee's answer with the reference on the same data.

Every exercise of ``solutions/`` and ``exercises/`` ends with a call such as
``check("03.1", answer, data)``. The check computes the reference answer with the package on the
very data the trainee used (so personal variants with another industry or seed work), and prints
either a pass (``✓ ...``) or what is off with a hint. Each exercise lists the typical wrong
answers trainees give (revenue instead of profit, promoters counted from 7, a percentage where a
share was asked ...): each is computed on the same data, and an answer matching one of them gets
the hint written for that mistake. An untouched stub (``answer = ...``) gets "not answered yet",
without raising, so an exercise notebook runs top to bottom.

Tolerances: numbers pass within a relative 0.1% (``rtol=1e-3``) plus an absolute 1e-9 unless the
exercise states otherwise (the 95% interval of 06.2 allows 1e-4 absolute, so that z = 1.96 and
z = 1.959964 both pass); whole numbers (counts, agents) must be exact; a Series must have the
same labels (order ignored) and every value within the tolerance.

Decisions (kind ``"choice"``): the answer is a pair ``(choice, justification)``. The choice (a
label such as a segment or a channel) is compared, ignoring case, with the one the data support
(the reference computes it, and each typical mistake computes the choice a wrong criterion would
lead to); the justification must be a text of at least ``min_words`` words (20 by default). Its
content is not graded: it is for the trainer to read and discuss.

The exercises themselves are defined in :mod:`.catalogue`.

Examples
--------
>>> from crm_training.exercises import check
>>> r = check("06.3", ..., rate=0.08)
… 06.3 not answered yet: replace the ... with your answer, then run the cell again.
>>> r.passed
False
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

KINDS = ("number", "integer", "series", "pair", "choice")


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check: ``passed``, the ``message`` printed, and the recognised mistake
    (``mistakes``: all of them, when several slips lead to the same wrong choice)."""

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
    """A typical wrong answer: how to compute it from the same data, and the hint it earns."""

    name: str
    compute: Callable[..., Any]
    hint: str


@dataclass(frozen=True)
class Exercise:
    """One exercise: its reference answer, what kind of value it is, and its typical mistakes.

    ``reference(data, **params)`` and each mistake's ``compute(data, **params)`` get the data the
    trainee passed to :func:`check` and the parameters (with ``params`` as defaults).
    """

    id: str
    what: str
    kind: str
    reference: Callable[..., Any]
    hint: str
    mistakes: tuple[Mistake, ...] = ()
    params: dict = field(default_factory=dict)
    needs_data: bool = True
    rtol: float = 1e-3
    atol: float = 1e-9
    fmt: str = "{:,.4g}"
    min_words: int = 20

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")


class _BadAnswer(Exception):
    """The answer has the wrong shape or type; the message says what was expected."""


REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry :func:`check` looks up (ids are unique)."""
    if exercise.id in REGISTRY:
        raise ValueError(f"exercise {exercise.id!r} is registered twice")
    REGISTRY[exercise.id] = exercise
    return exercise


def _coerce(answer, kind: str):
    if kind == "choice":  # a reference or a mistake: the label only
        return str(answer).strip()
    if kind in ("number", "integer"):
        if isinstance(answer, (pd.Series, np.ndarray)) and np.size(answer) == 1:
            answer = np.asarray(answer).ravel()[0]
        if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.number)):
            raise _BadAnswer(f"the answer should be one number, not {type(answer).__name__}")
        value = float(answer)
        if not np.isfinite(value):
            raise _BadAnswer(f"the answer is {value}: check for a division by zero or missing "
                             "values")
        return value
    if kind == "pair":
        try:
            low, high = (float(v) for v in answer)
        except (TypeError, ValueError):
            raise _BadAnswer("the answer should be two numbers (low, high), e.g. a tuple") from None
        return (low, high)
    if isinstance(answer, pd.DataFrame):
        raise _BadAnswer("the answer should be a Series (one value per label), not a DataFrame: "
                         "select the column, e.g. table['nps']")
    if isinstance(answer, dict):
        answer = pd.Series(answer)
    if not isinstance(answer, pd.Series):
        raise _BadAnswer(f"the answer should be a pandas Series, not {type(answer).__name__}")
    try:
        values = answer.astype(float)
    except (TypeError, ValueError):
        raise _BadAnswer("the Series should hold numbers") from None
    values.index = values.index.astype(str)
    return values


def _decision(answer, min_words: int) -> str:
    """The choice of a ``(choice, justification)`` answer, once the justification is long enough."""
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2
            and all(isinstance(part, str) for part in answer)):
        raise _BadAnswer('the answer should be two texts: (choice, justification), e.g. '
                         '("north", "I would start there because ...")')
    words = len(answer[1].split())
    if words < min_words:
        raise _BadAnswer(f"write a justification of at least {min_words} words (yours has "
                         f"{words}): which figures support your choice, and what would you do")
    return answer[0].strip()


def _close(a, b, kind: str, rtol: float, atol: float) -> bool:
    if kind == "choice":
        return a.casefold() == b.casefold()
    if kind == "integer":
        return round(a) == round(b) and abs(a - round(a)) < 1e-9
    if kind == "number":
        return bool(np.isclose(a, b, rtol=rtol, atol=atol))
    if kind == "pair":
        return bool(np.allclose(a, b, rtol=rtol, atol=atol))
    if set(a.index) != set(b.index):
        return False
    return bool(np.allclose(a.sort_index().to_numpy(), b.sort_index().to_numpy(),
                            rtol=rtol, atol=atol, equal_nan=True))


def _show(value, kind: str, fmt: str) -> str:
    if kind == "choice":
        return repr(value)
    if kind == "pair":
        return "(" + ", ".join(fmt.format(v) for v in value) + ")"
    if kind == "series":
        return ", ".join(f"{k}: {fmt.format(v)}" for k, v in value.sort_index().items())
    return fmt.format(value)


def _series_difference(answer: pd.Series, expected: pd.Series, fmt: str) -> str:
    missing = sorted(set(expected.index) - set(answer.index))
    extra = sorted(set(answer.index) - set(expected.index))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected {', '.join(extra)}")
        return "the labels differ (" + "; ".join(parts) + ")"
    joined = pd.concat([answer.rename("yours"), expected.rename("answer")], axis=1)
    off = joined[~np.isclose(joined["yours"], joined["answer"], rtol=1e-3, atol=1e-9)]
    shown = "; ".join(f"{k}: yours {fmt.format(r.yours)}, answer {fmt.format(r.answer)}"
                      for k, r in off.head(3).iterrows())
    return f"{len(off)} of {len(joined)} values differ ({shown})"


def check(exercise_id: str, answer, data=None, **params) -> CheckResult:
    """Check the answer to exercise ``exercise_id`` against the reference on ``data``; print why.

    Parameters
    ----------
    exercise_id : e.g. ``"02.1"`` (chapter 2, exercise 1); see :data:`REGISTRY`.
    answer : the trainee's answer (a number, a pair or a Series, as the exercise asks);
        ``...`` (the stub of the exercise notebooks) means "not answered yet".
    data : the :class:`~crm_training.CRMData` the trainee worked on (exercises with given
        numbers only, such as the NPV, do not need it).
    **params : the exercise's given numbers when they differ from its defaults.

    Returns
    -------
    CheckResult with ``passed``, ``message`` (also printed) and ``mistake`` (the name of the
    typical mistake recognised, if any).

    Examples
    --------
    >>> from crm_training.exercises import check
    >>> _ = check("06.3", 111_104.05, cash_flows=[-250_000, 90_000, 110_000, 120_000, 120_000],
    ...           rate=0.08)
    ✓ 06.3 correct: NPV at the given rate = 111,104.05
    >>> check("06.3", 102_874.12).mistake
    ✗ 06.3 Your NPV at the given rate is 102,874.12 but the answer is 111,104.05: you ...
    'discounted_first'
    """
    if exercise_id not in REGISTRY:
        from . import catalogue  # noqa: F401  (fills the registry on first use)
    try:
        ex = REGISTRY[exercise_id]
    except KeyError:
        raise ValueError(f"unknown exercise {exercise_id!r}; known: "
                         f"{', '.join(sorted(REGISTRY))}") from None
    result = _evaluate(ex, answer, data, params)
    print(result.message)
    return result


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
    expected = _coerce(ex.reference(data, **given), ex.kind)
    try:
        value = (_decision(answer, ex.min_words) if ex.kind == "choice"
                 else _coerce(answer, ex.kind))
    except _BadAnswer as e:
        return CheckResult(ex.id, False, f"✗ {ex.id} {e}.")
    if _close(value, expected, ex.kind, ex.rtol, ex.atol):
        note = (" (your justification is for your trainer to read: the check does not grade "
                "it)" if ex.kind == "choice" else "")
        return CheckResult(ex.id, True, f"✓ {ex.id} correct: {ex.what} = "
                           f"{_show(expected, ex.kind, ex.fmt)}{note}")
    head = (f"✗ {ex.id} Your {ex.what} is {_show(value, ex.kind, ex.fmt)} but the answer is "
            f"{_show(expected, ex.kind, ex.fmt)}")
    if ex.kind == "series":
        head = f"✗ {ex.id} Your {ex.what}: {_series_difference(value, expected, ex.fmt)}"
    matched = []
    for mistake in ex.mistakes:
        try:
            wrong = _coerce(mistake.compute(data, **given), ex.kind)
        except Exception:  # a mistake that cannot be computed on these data cannot be matched
            continue
        if _close(wrong, expected, ex.kind, ex.rtol, ex.atol):
            continue  # on these data the mistake changes nothing: it cannot be told apart
        if _close(value, wrong, ex.kind, ex.rtol, ex.atol):
            matched.append(mistake)
            if ex.kind != "choice":  # a number matches one slip; a choice may follow from several
                break
    names = tuple(m.name for m in matched)
    if len(matched) == 1:
        return CheckResult(ex.id, False, f"{head}: {matched[0].hint}", names[0], names)
    if matched:
        reasons = " ".join(f"({i}) {m.hint}" for i, m in enumerate(matched, 1))
        return CheckResult(ex.id, False, f"{head}. Several slips lead to this choice; check "
                           f"which one is yours: {reasons}", names[0], names)
    return CheckResult(ex.id, False, f"{head}. Hint: {ex.hint}")
