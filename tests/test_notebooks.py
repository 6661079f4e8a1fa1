"""The course notebooks: structure (parameters cell, cleared outputs, short cells, widgets,
consultant's corner, exercises pointer) and execution on other industries and locales.

Execution at the default parameters is nbval's job (pytest collects notebooks/ and solutions/
with --nbval-lax); here papermill runs every chapter notebook on a *different* industry, rotating
so that every industry appears, two of them in Chinese, at a small size.
"""
import ast
import re
from pathlib import Path

import nbformat
import pytest

import crm_training

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("0[0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
ALL = CHAPTERS + SOLUTIONS
PARAMETERS = {"industry", "n_customers", "seed", "locale"}
MAX_LOGIC_LINES = 15
# every chapter 01-06 on an industry that is not its default; each industry once; two in Chinese
RUNS = {
    "01": ("manufacturing", "zh_CN"),
    "02": ("coffee_chain", "en_US"),
    "03": ("telecom", "en_US"),
    "04": ("retail", "zh_CN"),
    "05": ("bank", "en_US"),
    "06": ("travel", "en_US"),
}
N_CUSTOMERS = 1500


def _id(path):
    return f"{path.parent.name}/{path.name}"


def _read(path):
    return nbformat.read(path, as_version=4)


def _chapter_number(path):
    return path.name[:2]


def test_run_plan_covers_every_industry_off_default():
    assert set(ind for ind, _ in RUNS.values()) == set(crm_training.INDUSTRIES)
    assert sum(loc == "zh_CN" for _, loc in RUNS.values()) >= 2
    for path in CHAPTERS:
        if _chapter_number(path) in RUNS:
            default = _parameters(_read(path))["industry"]
            assert RUNS[_chapter_number(path)][0] != default, path.name


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _parameters(nb):
    cell = _code_cells(nb)[0]
    values = {}
    for node in ast.parse(cell.source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, ast.dump(node)
        values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_parameters_cell(path):
    nb = _read(path)
    cell = _code_cells(nb)[0]
    assert "parameters" in cell.metadata.get("tags", []), "first code cell must be tagged"
    values = _parameters(nb)
    assert set(values) == PARAMETERS, sorted(values)
    assert values["industry"] in crm_training.INDUSTRIES
    assert values["locale"] in ("en_US", "zh_CN")


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_outputs_cleared(path):
    for i, cell in enumerate(_code_cells(_read(path))):
        assert not cell.outputs, f"code cell {i} has outputs"
        assert cell.execution_count is None, f"code cell {i} has an execution count"


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_code_cells_are_short(path):
    for i, cell in enumerate(_code_cells(_read(path))):
        logic = [ln for ln in cell.source.splitlines()
                 if ln.strip() and not ln.strip().startswith("#")]
        assert len(logic) <= MAX_LOGIC_LINES, (
            f"code cell {i} has {len(logic)} lines of logic (max {MAX_LOGIC_LINES}):\n"
            f"{cell.source[:300]}")


CHAPTER_ONLY = [p for p in CHAPTERS if _chapter_number(p) in RUNS]


@pytest.mark.parametrize("path", CHAPTER_ONLY, ids=_id)
def test_chapter_has_exercises_consultant_and_widget(path):
    nb = _read(path)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    code = "\n".join(c.source for c in _code_cells(nb))
    assert any(re.search(r"exercise", m, re.I) for m in markdown), "no pointer to the exercises"
    assert any("Consultant" in m for m in markdown), "no consultant's corner"
    assert re.search(r"\b(ipywidgets|widgets)\.|\binteract(ive)?\(", code), "no ipywidgets control"
    assert "ipywidgets" in code


@pytest.mark.parametrize("path", CHAPTER_ONLY, ids=_id)
def test_chapter_runs_on_another_industry(path, tmp_path):
    papermill = pytest.importorskip("papermill")
    industry, locale = RUNS[_chapter_number(path)]
    try:
        papermill.execute_notebook(
            str(path), str(tmp_path / path.name), kernel_name="python3", progress_bar=False,
            execution_timeout=300,  # a cell never takes this long: a stuck kernel fails, not hangs
            cwd=str(path.parent), parameters={"industry": industry, "locale": locale,
                                              "n_customers": N_CUSTOMERS, "seed": 11})
    except papermill.PapermillExecutionError as err:  # the failing cell and its error
        pytest.fail(f"{path.name} on {industry}/{locale}: cell {err.exec_count}: "
                    f"{err.ename}: {err.evalue}\n{''.join(err.traceback)[-3000:]}", pytrace=False)
