"""The exercise checks as trainees meet them (issue 14): right answers in their natural forms pass,
hints name a slip only when it reproduces the answer, messages do not give the answer away, and
no answer, whatever its shape, makes a check raise.

The answers and mistakes themselves are in ``exercise_mistakes.py``.
"""
from __future__ import annotations

import dataclasses
import io
import math
import re
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crm_training
import crm_training.exercises
from crm_training.exercises import check
from crm_training.exercises.checks import _REFERENCES, REGISTRY, CheckResult
from exercise_mistakes import HOLDOUT, LATER, NATURAL, NOVEL, data_for

ALL = sorted(REGISTRY)


@pytest.fixture(scope="module")
def cache():
    return {}


@pytest.fixture(autouse=True)
def _not_grading(monkeypatch):  # a failed check raises in grading mode: tested on its own
    monkeypatch.delenv("CRM_GRADING", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def _check(exercise_id, answer, data):
    with redirect_stdout(io.StringIO()):
        return check(exercise_id, answer, data if REGISTRY[exercise_id].needs_data else None)


def _data(exercise_id, cache, label=""):
    return data_for(exercise_id, cache, label) if REGISTRY[exercise_id].needs_data else None


# ---- 1. right answers in natural forms -------------------------------------------------------

@pytest.mark.parametrize("exercise_id, label, answer", NATURAL,
                         ids=[f"{e}-{label}" for e, label, _ in NATURAL])
def test_natural_forms_of_right_answers_pass(cache, exercise_id, label, answer):
    data = data_for(exercise_id, cache, label)
    result = _check(exercise_id, answer(data), data)
    assert result.passed, result.message


def test_natural_forms_cover_every_exercise():
    assert {e for e, _, _ in NATURAL} == set(REGISTRY)
    assert len(NATURAL) >= 105


def test_rounding_passes_down_to_the_floor_only(cache):
    data = data_for("03.1", cache)
    nps = _REFERENCES["03.1"](data)
    assert _check("03.1", nps.round(), data).passed          # whole points: -14 for -13.86
    assert not _check("03.1", (nps / 10).round() * 10, data).passed  # tens: too coarse
    share = _REFERENCES["01.1"](data_for("01.1", cache))
    assert _check("01.1", round(share, 2), data_for("01.1", cache)).passed      # 0.79
    coarse = _check("01.1", round(share, 1), data_for("01.1", cache))           # 0.8
    assert not coarse.passed and coarse.mistake == "rounded_coarsely"
    assert "2 significant digits" in coarse.message
    assert _check("06.3", 111_104, None).passed and _check("06.3", "111,104.05", None).passed
    assert not _check("06.3", 110_000, None).passed  # 111,000 is within 0.1%: passes


def test_percentages_where_a_share_is_asked_get_their_own_hint(cache):
    data = data_for("01.1", cache)
    share = _REFERENCES["01.1"](data)
    for answer in (round(100 * share), f"{100 * share:.1f}%", 100 * share):
        result = _check("01.1", answer, data)
        assert not result.passed and result.mistake == "percent", result.message
        assert "not a percentage" in result.message


def test_sample_size_accepts_every_textbook_method():
    # pooled (Fleiss) 3841, unpooled 3839, Cohen's h 3835, fully pooled 3843; with z rounded
    # to 1.96 and 0.84: 3837, 3834, 3831: any answer from 3830 to 3843 passes
    for n in (3830, 3831, 3834, 3835, 3837, 3839, 3841, 3843):
        assert _check("06.4", n, None).passed, n
    for n in (3800, 3829, 3844, 3900):
        assert not _check("06.4", n, None).passed, n
    assert "textbook" in REGISTRY["06.4"].tolerance
    not_whole = _check("06.4", 3838.1, None)
    assert not not_whole.passed and not_whole.mistake == "not_whole"
    assert _check("06.4", 2 * 3839, None).mistake == "total"  # a slip on another method


def test_labels_fold_case_spaces_and_punctuation(cache):
    data = data_for("01.6", cache)
    best = _REFERENCES["01.6"](data).idxmax()
    why = ("I would put the extra budget there: its customers bring the highest mean profit "
           "each, and a budget buys more of the same customers; I would check the cost per "
           "customer and the channel's size first.")
    assert _check("01.6", (f" {best.upper()}. ", why), data).passed
    assert _check("01.6", (best.title() + "!", why), data).passed


def test_chinese_segment_names_pass(cache):
    data = data_for("02.1", cache)
    assert _check("02.1", crm_training.segmentation.rfm_scores(data)["segment_zh"]
                  .value_counts(), data).passed
    data5 = data_for("02.5", cache)
    stake = _REFERENCES["02.5"](data5)
    from crm_training.segmentation.rfm import RFM_SEGMENT_LABELS_ZH
    assert _check("02.5", stake.rename(RFM_SEGMENT_LABELS_ZH), data5).passed


def test_zero_count_segments_may_be_present_or_absent(cache):
    data = data_for("02.1", cache, "travel")  # the case: the travel data
    counts = crm_training.segmentation.rfm_scores(data)["segment"].value_counts()
    assert (counts == 0).any(), "the travel data should have an empty RFM segment"
    assert _check("02.1", counts, data).passed
    assert _check("02.1", counts[counts > 0], data).passed


# ---- 2. hints diagnose, never guess ----------------------------------------------------------

def _classify(result, expected) -> str:
    if result.passed:
        return "passed"
    if not result.mistakes:
        return "generic"
    return "specific" if set(result.mistakes) <= set(expected) else "wrong"


@pytest.mark.parametrize("exercise_id, label, answer, expected", NOVEL + HOLDOUT,
                         ids=[f"{e}-{label}" for e, label, _, _ in NOVEL + HOLDOUT])
def test_novel_mistakes_get_a_true_hint_or_none(cache, exercise_id, label, answer, expected):
    data = data_for(exercise_id, cache, label)
    result = _check(exercise_id, answer(data), data)
    kind = _classify(result, expected)
    assert kind != "passed", f"not a mistake on these data: {result.message}"
    assert kind != "wrong", f"named {result.mistakes}, the trainee's slip is {expected}: " \
                            f"{result.message}"
    assert kind == ("specific" if expected else "generic"), result.message
    if kind == "generic":  # then it says what differs, and how to compute the answer
        assert "Hint:" in result.message, result.message


def test_diagnosis_figures(cache, capsys):
    """The figures of issue 14's report: how many novel mistakes get a hint naming their slip."""
    figures = {}
    for name, batch in (("novel", NOVEL), ("held-out", HOLDOUT)):
        kinds, before = [], 0
        for exercise_id, label, answer, expected in batch:
            data = data_for(exercise_id, cache, label)
            result = _check(exercise_id, answer(data), data)
            kinds.append(_classify(result, expected))
            later = LATER.get(exercise_id, set())
            if kinds[-1] == "specific" and not any(part in later for m in result.mistakes
                                                   for part in m.split("+")):
                before += 1
        figures[name] = (kinds.count("specific"), kinds.count("generic"), kinds.count("wrong"),
                         len(kinds), before)
    with capsys.disabled():
        for name, (specific, generic, wrong, n, before) in figures.items():
            print(f"\n{name} mistakes: {specific}/{n} specific ({specific / n:.0%}), "
                  f"{generic} generic, {wrong} naming a wrong slip; without the slips "
                  f"catalogued meanwhile: {before}/{n} ({before / n:.0%})")
    specific, generic, wrong, n, before = figures["novel"]
    assert wrong == 0 and n >= 4 * len(REGISTRY) and specific / n >= 0.6
    assert figures["held-out"][2] == 0


def test_several_slips_with_the_same_value_are_all_named():
    result = _check("05.2", 9, None)  # one above the load, or 20 s read as minutes
    assert set(result.mistakes) == {"load_plus_one", "target_units"}
    assert "check which one is yours" in result.message


def test_a_wrong_choice_names_a_slip_only_on_evidence(cache):
    data = data_for("01.6", cache)
    totals = _REFERENCES["01.6"](data) * data.customers["acquisition_channel"].astype(
        str).value_counts()
    chosen = totals.idxmax()
    bare = ("I think this is the best channel for us because the customers there look good "
            "and the team likes working with them; we should try it for a year and see what "
            "happens with profit.")
    plain = _check("01.6", (chosen, bare), data)  # total, median, per line or most customers?
    assert not plain.passed and plain.mistakes == () and "Hint:" in plain.message
    assert "below the best option" in plain.message
    cited = _check("01.6", (chosen, f"{totals.max():,.0f} of profit in total: " + bare), data)
    assert cited.mistakes == ("total",), cited.message
    agents = _check("05.6", ("agents", bare.replace("profit", "cost")), None)
    assert agents.mistakes == (), agents.message  # any route leads to "agents": name none


def test_what_differs_is_said_when_no_slip_matches(cache):
    data = data_for("01.5", cache)
    means = _REFERENCES["01.5"](data)
    result = _check("01.5", means * 1.12, data)
    assert result.mistakes == () and "too high by about 10%" in result.message
    missing = _check("01.5", means.iloc[1:], data)
    assert f"missing {means.index[0]}" in missing.message


# ---- 3. no leak ------------------------------------------------------------------------------

def _wrong_answers(exercise_id, data):
    """A wrong answer of each exercise's shape, far from every slip."""
    ex = REGISTRY[exercise_id]
    ref = _REFERENCES[exercise_id](data, **ex.params)
    if ex.kind == "number":
        return ref * 1.37 + 0.011
    if ex.kind == "integer":
        return int(ref) + 7
    if ex.kind == "pair":
        low, high = ref
        return (low - 0.37 * abs(high - low), high + 0.11 * abs(high - low))
    if ex.kind == "series":
        return ref * 1.37 + 1
    scores = ref.iloc[:, 0] if isinstance(ref, pd.DataFrame) else ref
    best = scores.idxmax() if ex.pick == "max" else scores.idxmin()
    other = next(o for o in scores.index if o != best)
    return (other, "I would choose this one: it grew by 12% last year in the figures, and the "
                   "team thinks it is a safe bet for next year, so we can start there quickly.")


def _shown(value) -> set[str]:
    forms = set()
    for v in np.ravel(np.asarray(value, dtype=float)):
        if not math.isfinite(v) or abs(v) < 1e-12:
            continue
        for f in ("{:.3g}", "{:.4g}", "{:,.4g}", "{:.2f}", "{:,.2f}", "{:,.0f}", "{:.3f}"):
            text = f.format(v).lstrip("-")
            if len(re.sub(r"\D", "", text).lstrip("0")) >= 3:  # short numbers appear anyway
                forms.add(text)
    return forms


@pytest.mark.parametrize("exercise_id", ALL)
def test_failure_messages_do_not_show_the_answer(cache, exercise_id, monkeypatch):
    monkeypatch.delenv("CRM_INSTRUCTOR", raising=False)
    data = _data(exercise_id, cache)
    ex = REGISTRY[exercise_id]
    result = _check(exercise_id, _wrong_answers(exercise_id, data), data)
    assert not result.passed
    ref = _REFERENCES[exercise_id](data, **ex.params)
    if ex.kind == "choice":
        scores = ref.iloc[:, 0] if isinstance(ref, pd.DataFrame) else ref
        best = scores.idxmax() if ex.pick == "max" else scores.idxmin()
        assert repr(str(best)) not in result.message
        figures = np.asarray(ref, dtype=float)
    else:
        figures = np.asarray(list(ref.values) if isinstance(ref, pd.Series) else ref,
                             dtype=float)
    for form in _shown(figures):
        assert form not in result.message, (form, result.message)
    # copying any number of the message does not pass either
    for number in re.findall(r"-?\d[\d,]*\.?\d*", result.message):
        try:
            value = float(number.replace(",", ""))
        except ValueError:
            continue
        if ex.kind in ("number", "integer"):
            assert not _check(exercise_id, value, data).passed, (number, result.message)
    monkeypatch.setenv("CRM_INSTRUCTOR", "1")
    assert "[instructor:" in _check(exercise_id, _wrong_answers(exercise_id, data), data).message


def test_the_reference_is_not_one_step_away():
    assert not hasattr(crm_training.exercises, "REGISTRY")
    assert "REGISTRY" not in crm_training.exercises.__all__
    for ex in REGISTRY.values():
        assert not hasattr(ex, "reference")
        assert all(not n.startswith("ref") for n in vars(ex))


@pytest.mark.parametrize("text, ok", [
    ("x " * 20, False),
    ("word " * 40, False),
    ("a b c d e f g h i j k l m n o p q r s t u v w x y z", False),  # letters are not words
    ("I think it is the best one because the team likes it and it feels right to all of us "
     "here, so we should go ahead with it next year", False),  # no figure, name or criterion
    ("I think it is the best one because the team likes it and it feels right to all of us "
     "here, so we should go ahead with it next year: profit", True),
    ("Its customers bring 161 each, the highest of all channels, so an extra budget that buys "
     "more of the same customers pays back most there", True),
    ("利润最高的渠道是这个，所以预算应该投在这里", False),  # 20 Han characters: about 10 words
    ("这个渠道的客户平均利润最高，每多获取一个客户带来的利润最多，所以增加预算回报最大，但要先检查客户数量和获客成本。",
     True),
    ("好" * 60, False),
])
def test_justifications_need_real_words(cache, text, ok):
    data = data_for("01.6", cache)
    best = _REFERENCES["01.6"](data).idxmax()
    result = _check("01.6", (best, text), data)
    assert result.passed is ok, result.message


# ---- 4. never crashes ------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [
    pd.Series([1.0, 2.0], index=pd.MultiIndex.from_tuples([("a", "x"), ("b", "y")])),
    pd.Series([1.0, 2.0, 3.0], index=["app", "app", "store"]),
    pd.Series([1.0, 2.0], index=["app", np.nan]),
    pd.Series([], dtype=float),
    pd.DataFrame({"a": [1, 2], "b": [3, 4]}),
    None, "seven", [[1, 2], [3]], {"a": {"b": {"c": 1}}}, float("nan"), float("inf"),
    10 ** 400, np.float32(0.5), np.int64(3), True, b"bytes", {1, 2}, object(),
    (None, None), ("store", None), pd.Timestamp("2024-01-01"), complex(1, 2),
])
@pytest.mark.parametrize("exercise_id", ALL)
def test_odd_shapes_get_a_message(small, exercise_id, answer):
    result = _check(exercise_id, answer, small[exercise_id[:2]])
    assert isinstance(result, CheckResult) and not result.passed
    assert result.message.startswith(f"✗ {exercise_id}")


@pytest.fixture(scope="module")
def small():
    industries = {"01": "retail", "02": "bank", "03": "travel", "04": "coffee_chain",
                  "05": "telecom", "06": "manufacturing"}
    return {ch: crm_training.generate(ind, 400, seed=3) for ch, ind in industries.items()}


_labels = st.one_of(st.text(max_size=8), st.integers(-3, 3), st.none(),
                    st.just(float("nan")), st.sampled_from(["app", "App.", "store", "checkout",
                                                            "Champions", "gold", "chatbot"]))
_numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(),
                     st.integers(-10**30, 10**30).map(np.float64), st.booleans(),
                     st.floats(-1e6, 1e6).map(np.float32), st.decimals(allow_nan=False,
                                                                        places=3),
                     st.text(max_size=12))
_scalars = st.one_of(_numbers, _labels, st.binary(max_size=4))


def _series(draw_labels, draw_values):
    return st.builds(lambda pairs: pd.Series([v for _, v in pairs],
                                             index=pd.Index([k for k, _ in pairs],
                                                            dtype=object), dtype=object),
                     st.lists(st.tuples(draw_labels, draw_values), max_size=8))


_answers = st.recursive(
    st.one_of(_scalars, _series(_labels, _numbers),
              st.builds(lambda n, k: pd.DataFrame(np.arange(n * k, dtype=float).reshape(n, k)),
                        st.integers(0, 4), st.integers(1, 4)),
              st.builds(lambda a, b: pd.Series([1.0, 2.0], index=pd.MultiIndex.from_tuples(
                  [(a, b), (b, a)])), _labels, _labels)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=8)


@pytest.mark.parametrize("exercise_id", ALL)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(answer=_answers)
def test_any_answer_gets_a_message(small, exercise_id, answer):
    result = _check(exercise_id, answer, small[exercise_id[:2]])
    assert isinstance(result, CheckResult) and isinstance(result.message, str)
    assert result.message[:1] in ("✗", "✓")


def test_grading_mode_raises_by_design(small, monkeypatch):
    monkeypatch.setenv("CRM_GRADING", "1")
    with pytest.raises(AssertionError, match="01.1"):
        _check("01.1", [[1, 2], [3]], small["01"])
    with pytest.raises(AssertionError):
        _check("06.3", 1.0, None)
    assert _check("06.3", 111_104.05, None).passed  # a pass does not raise


def test_data_that_cannot_give_a_reference_get_a_message():
    result = _check("01.1", 0.5, pd.DataFrame({"x": [1]}))
    assert not result.passed and "cannot compute the reference" in result.message


# ---- 5. per-trainee variants ------------------------------------------------------------------

@pytest.fixture(scope="module")
def variant():
    industries = {"01": "bank", "02": "retail", "03": "telecom", "04": "coffee_chain",
                  "05": "travel", "06": "manufacturing"}
    return {ch: crm_training.generate(ind, 1500, seed=trainee) for (ch, ind), trainee in
            zip(industries.items(), (11, 23, 37, 41, 53, 67))}


@pytest.mark.parametrize("exercise_id, label, answer", NATURAL[::3],
                         ids=[f"{e}-{label}" for e, label, _ in NATURAL[::3]])
def test_natural_answers_pass_on_a_trainee_s_own_data(variant, exercise_id, label, answer):
    data = variant[exercise_id[:2]]
    result = _check(exercise_id, answer(data), data)
    assert result.passed, result.message


def test_slips_about_customers_who_never_bought(cache):
    data = data_for("01.4", cache)
    t = data.transactions
    sleepers = data.customers["customer_id"].iloc[::7]
    thinned = dataclasses.replace(data, transactions=t[~t["customer_id"].isin(sleepers)]
                                  .reset_index(drop=True))
    orders = thinned.transactions.query("~is_return").groupby("customer_id").size()
    all_customers = _check("01.4", (orders >= 2).sum() / len(thinned.customers), thinned)
    assert all_customers.mistake == "all_customers", all_customers.message
    value = crm_training.segmentation.customer_value(thinned, "profit",
                                                     include_non_buyers=False)
    channel = thinned.customers.set_index("customer_id")["acquisition_channel"].astype(str)
    buyers = _check("01.5", value.groupby(channel.reindex(value.index)).mean(), thinned)
    assert buyers.mistake == "buyers_only", buyers.message
