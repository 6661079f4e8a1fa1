"""nbgrader grades the exercise notebooks: the real ``nbgrader generate_assignment`` and
``nbgrader autograde`` on two chapters, in a course folder of its own.

Three trainees hand in each notebook: the student version with every answer right (the
solutions' code) gets every point; the untouched student version gets 0; and a copy of
``exercises/`` (what ``crm-training build-exercises`` writes) with wrong answers to exercises 1,
3 and 5 and right ones to 2, 4 and 6 gets 0 on exactly those three checks and the points of the
others, so the trainee copies are gradable as they are (and their cells are nbgrader's).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from crm_training.exercises.build import BEGIN, END, NBGRADER_CONFIG

pytest.importorskip("nbgrader")

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "crm"
CHAPTERS = ["01_exercises", "06_exercises"]  # short ones: data once, checks in under a second
GRADED = [f"check_{c[:2]}_{k}" for c in CHAPTERS for k in range(1, 7)]

# a trainee's slips (revenue for profit, returns in the base, the wrong sign, the wrong pick)
WRONG = {
    "01_1": 'answer = top_share(customer_value(data, measure="revenue"), top=0.2)',
    "01_3": 'answer = -t.loc[t["is_return"], "amount"].sum() / t["amount"].sum()',
    "01_5": 'answer = customer_value(data, measure="revenue").groupby(channel).mean()',
    "06_1": 'answer = 100 * ab_test(data)["difference"]',  # points, not a share
    "06_3": "answer = sum(cash_flows)",
    "06_5": "answer = irr(cash_flows) * 100",
}


def _region(source: str) -> str:
    """The code between the BEGIN / END SOLUTION lines of a solution cell."""
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if BEGIN.match(line))
    end = next(i for i, line in enumerate(lines) if END.match(line))
    return "\n".join(lines[start + 1:end])


def _answers(chapter: str) -> dict[str, str]:
    """grade_id of each solution cell -> the solution's code."""
    nb = nbformat.read(ROOT / "solutions" / f"{chapter}.ipynb", as_version=4)
    return {c.metadata.nbgrader["grade_id"]: _region(c.source) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def _fill(nb, answers: dict[str, str]):
    """The student version with the stub line of each answered cell replaced."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            stub = "answer = ...  # your answer here"
            assert cell.source.count(stub) == 1, cell.source
            cell.source = cell.source.replace(stub, answers[grade_id])
    return nb


def _nbgrader(course: Path, *args: str, grading: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(course / ".jupyter")}  # no user config
    env.pop("CRM_GRADING", None)
    if grading:
        env["CRM_GRADING"] = "1"
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"nbgrader {' '.join(args)}:\n{run.stdout}\n{run.stderr}"
    return run


def _config(course: Path) -> str:
    lines = ["c = get_config()",
             f"c.CourseDirectory.root = {str(course)!r}",
             f"c.CourseDirectory.db_url = {'sqlite:///' + str(course / 'gradebook.db')!r}",
             "c.Execute.timeout = 300  # per cell: a slow machine fails no check"]
    for section, values in NBGRADER_CONFIG.items():
        lines += [f"c.{section}.{key} = {value!r}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The course folder after generate_assignment and autograde; {student: {cell: score}}."""
    from nbgrader.api import Gradebook

    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text(_config(course), encoding="utf-8")
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for chapter in CHAPTERS:
        shutil.copy(ROOT / "solutions" / f"{chapter}.ipynb", source)
    _nbgrader(course, "generate_assignment", ASSIGNMENT)

    release = course / "release" / ASSIGNMENT
    submissions = {}
    for chapter in CHAPTERS:
        student_nb = nbformat.read(release / f"{chapter}.ipynb", as_version=4)
        trainee_nb = nbformat.read(ROOT / "exercises" / f"{chapter}.ipynb", as_version=4)
        right = _answers(chapter)
        wrong = {**right, **{f"answer_{k}": v for k, v in WRONG.items()}}
        submissions[chapter] = {"right": _fill(student_nb, right), "stub": student_nb,
                                "wrong": _fill(trainee_nb, wrong)}
    for chapter, students in submissions.items():
        for student, nb in students.items():
            folder = course / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / f"{chapter}.ipynb")
    # no CRM_GRADING: nbgrader's own NBGRADER_EXECUTION puts the checks in grading mode
    _nbgrader(course, "autograde", ASSIGNMENT, grading=False)

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ("right", "stub", "wrong"):
            scores[student] = {}
            for chapter in CHAPTERS:
                nb = gb.find_submission_notebook(chapter, ASSIGNMENT, student)
                scores[student].update({g.name: g.score for g in nb.grades})
    return {"course": course, "scores": scores}


def test_solutions_carry_nbgrader_metadata():
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        chapter = path.name[:2]
        nb = nbformat.read(path, as_version=4)
        ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
        assert len(ids) == len(set(ids)), path.name
        points = 0
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if "parameters" in cell.metadata.get("tags", []):
                assert meta is None  # trainees may change their data
                continue
            assert meta is not None and meta["schema_version"] == 3, cell.source[:60]
            if "BEGIN SOLUTION" in cell.source:
                assert meta["solution"] and not meta["grade"] and not meta["locked"]
                assert re.fullmatch(rf"answer_{chapter}_\d", meta["grade_id"])
            elif cell.source.startswith("check("):
                exercise = cell.source.split('"')[1].replace(".", "_")
                assert meta["grade"] and meta["locked"] and not meta["solution"]
                assert meta["grade_id"] == f"check_{exercise}" and meta["points"] == 1
                assert cell.source.rstrip().endswith(";")  # no Out[]: nbgrader reads it
                points += meta["points"]
            else:  # narrative and the set-up cell: read-only
                assert meta["locked"] and not meta["grade"] and not meta["solution"]
        assert points == 6, path.name


def test_exercises_keep_the_metadata_and_locks():
    for path in sorted((ROOT / "exercises").glob("*.ipynb")):
        solution = nbformat.read(ROOT / "solutions" / path.name, as_version=4)
        cells = nbformat.read(path, as_version=4).cells
        assert [c.metadata.get("nbgrader") for c in cells] == [
            c.metadata.get("nbgrader") for c in solution.cells]
        for cell in cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution"):
                assert cell.metadata["deletable"] is False and "editable" not in cell.metadata
            elif meta.get("locked") or meta.get("grade"):
                assert cell.metadata["deletable"] is cell.metadata["editable"] is False


def test_release_is_the_exercise_notebook(graded):
    for chapter in CHAPTERS:
        release = nbformat.read(graded["course"] / "release" / ASSIGNMENT / f"{chapter}.ipynb",
                                as_version=4)
        trainee = nbformat.read(ROOT / "exercises" / f"{chapter}.ipynb", as_version=4)
        assert [(c.cell_type, c.source) for c in release.cells] == [
            (c.cell_type, c.source) for c in trainee.cells]
        assert "SOLUTION" not in json.dumps(release.dict())


def test_right_answers_get_full_marks(graded):
    assert graded["scores"]["right"] == dict.fromkeys(GRADED, 1.0)


def test_the_untouched_student_version_gets_nothing(graded):
    assert graded["scores"]["stub"] == dict.fromkeys(GRADED, 0.0)


def test_wrong_answers_get_nothing_for_those_cells(graded):
    # handed in on the copy build-exercises wrote: it is graded like nbgrader's own release
    expected = {g: 0.0 if g.replace("check_", "") in WRONG else 1.0 for g in GRADED}
    assert graded["scores"]["wrong"] == expected
