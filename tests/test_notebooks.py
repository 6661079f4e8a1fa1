"""The course notebooks: structure (parameters cell, cleared outputs, short cells, widgets,
consultant's corner, exercises pointer) and execution on every industry scenario.

Execution at the default parameters is nbval's job (pytest collects notebooks/, solutions/ and
exercises/ with --nbval-lax, each notebook in a fresh kernel). Here papermill runs every chapter
notebook (00-06) on each of the *other* five industries at a small size, alternating en_US and
zh_CN. To keep this within the notebook budget, one kernel serves all five runs of a chapter:
papermill parameterises five copies of the notebook, which run one after the other with the
namespace reset (``%reset -f``, figures and widgets closed) between them, so each run starts
from an empty namespace and only the imported modules are shared.
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
N_CUSTOMERS = 500  # small: the default size is nbval's run
SWEEP_SEED = 11


def sweep_plan(default_industry: str, chapter: int) -> list[tuple[str, str]]:
    """(industry, locale) runs of a chapter: every industry but its default, locales alternating
    (which runs are in Chinese shifts with the chapter, so every industry meets both)."""
    others = [i for i in crm_training.INDUSTRIES if i != default_industry]
    return [(ind, "zh_CN" if (k + chapter) % 2 else "en_US") for k, ind in enumerate(others)]

def _id(path):
    return f"{path.parent.name}/{path.name}"


def _read(path):
    return nbformat.read(path, as_version=4)


def _chapter_number(path):
    return path.name[:2]


def test_sweep_covers_every_industry_and_both_locales():
    seen = set()
    for path in CHAPTERS:
        default = _parameters(_read(path))["industry"]
        plan = sweep_plan(default, int(_chapter_number(path)))
        assert {ind for ind, _ in plan} | {default} == set(crm_training.INDUSTRIES)
        assert {loc for _, loc in plan} == {"en_US", "zh_CN"}
        seen |= set(plan)
    for industry in crm_training.INDUSTRIES:  # across chapters, each industry in both languages
        assert {loc for ind, loc in seen if ind == industry} == {"en_US", "zh_CN"}, industry

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


CHAPTER_ONLY = [p for p in CHAPTERS if _chapter_number(p) != "00"]


@pytest.mark.parametrize("path", CHAPTER_ONLY, ids=_id)
def test_chapter_has_exercises_consultant_and_widget(path):
    nb = _read(path)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    code = "\n".join(c.source for c in _code_cells(nb))
    assert any(re.search(r"exercise", m, re.I) for m in markdown), "no pointer to the exercises"
    assert any("Consultant" in m for m in markdown), "no consultant's corner"
    assert re.search(r"\b(ipywidgets|widgets)\.|\binteract(ive)?\(", code), "no ipywidgets control"
    assert "ipywidgets" in code


RESET = """%reset -f
import matplotlib.pyplot as _plt, ipywidgets as _w
_plt.close("all"); _w.Widget.close_all()
del _plt, _w"""


def _sweep_notebook(path, plan):
    """One notebook holding a parameterised copy of ``path`` per run, resets in between."""
    import papermill.iorw
    import papermill.parameterize as pmp

    nb = papermill.iorw.load_notebook_node(str(path))  # as papermill reads it (tags filled in)
    cells, owner = [], []  # owner[i]: the run a cell belongs to
    for run, (industry, locale) in enumerate(plan):
        copy = pmp.parameterize_notebook(
            nbformat.from_dict(nb), {"industry": industry, "locale": locale,
                                     "n_customers": N_CUSTOMERS, "seed": SWEEP_SEED})
        code = [nbformat.v4.new_code_cell(c.source, metadata=c.metadata)  # fresh cell ids
                for c in copy.cells if c.cell_type == "code"]
        code.append(nbformat.v4.new_code_cell(RESET))
        cells += code
        owner += [run] * len(code)
    return nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata), owner


def _sweep(path, tmp_path):
    """papermill runs ``path`` on every industry of its plan, in one kernel."""
    papermill = pytest.importorskip("papermill")
    from crm_training.nbrun import execute_notebook  # papermill's, without lost wake-ups

    plan = sweep_plan(_parameters(_read(path))["industry"], int(_chapter_number(path)))
    nb, owner = _sweep_notebook(path, plan)
    try:
        execute_notebook(
            nb, str(tmp_path / path.name), kernel_name="python3", progress_bar=False,
            execution_timeout=300,  # a cell never takes this long: a stuck kernel fails, not hangs
            cwd=str(path.parent))
    except papermill.PapermillExecutionError as err:  # which run, which cell, what error
        industry, locale = plan[owner[err.cell_index]]
        pytest.fail(f"{path.name} on {industry}/{locale}: cell {err.exec_count}: "
                    f"{err.ename}: {err.evalue}\n{''.join(err.traceback)[-3000:]}", pytrace=False)


# One class per chapter: pytest-xdist (--dist loadscope) hands each class to a worker as a unit,
# so the seven sweeps spread over the workers while each nbval notebook stays on one.
for _path in CHAPTERS:
    _name = f"TestChapter{_chapter_number(_path)}RunsOnEveryIndustry"
    globals()[_name] = type(_name, (), {
        "__doc__": f"papermill: {_path.name} on each other industry (en_US and zh_CN).",
        "test_sweep": lambda self, tmp_path, _p=_path: _sweep(_p, tmp_path)})
