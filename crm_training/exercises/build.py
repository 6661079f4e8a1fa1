"""Trainee copies of the exercise notebooks, generated from the solutions (the single source).

In ``solutions/0N_exercises.ipynb`` each answer sits between a line ``### BEGIN SOLUTION`` and a
line ``### END SOLUTION`` inside a code cell (nbgrader's markers; any number of ``#`` works, so
nbgrader can grade the same notebooks). :func:`build_exercises` writes ``exercises/`` with each
marked region replaced by a stub and every output cleared:

* a region whose first statement assigns a name (``answer = ...``) becomes
  ``answer = ...  # your answer here``, so the check call below it still runs and says
  "not answered yet" (a tuple target ``low, high = ...`` gets ``..., ...``);
* any other region becomes ``...  # your answer here``;
* in markdown cells a region becomes ``*Your answer here.*``.

No marker ever reaches ``exercises/``. Command line: ``crm-training exercises --build``.

Examples
--------
>>> print(strip_solutions("x = 1\\n### BEGIN SOLUTION\\nanswer = x + 1\\n### END SOLUTION\\n"
...                       "check('01.1', answer)"))
x = 1
answer = ...  # your answer here
check('01.1', answer)
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat

from ..fileio import OutputExistsError, atomic_output_dir

BEGIN = re.compile(r"^\s*#+\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*#+\s*END SOLUTION\s*$")
_ASSIGN = re.compile(r"^(\s*)([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*=(?!=)")
STUB = "...  # your answer here"
MARKDOWN_STUB = "*Your answer here.*"


def strip_solutions(source: str, markdown: bool = False, where: str = "cell") -> str:
    """Replace every ``BEGIN SOLUTION`` / ``END SOLUTION`` region of ``source`` by a stub.

    Raises ``ValueError`` naming ``where`` when the markers do not pair up.

    Examples
    --------
    >>> print(strip_solutions("    ### BEGIN SOLUTION\\n    low, high = ci\\n    ### END SOLUTION"))
        low, high = ..., ...  # your answer here
    """
    out, region = [], None
    for number, line in enumerate(source.splitlines(), start=1):
        if BEGIN.match(line):
            if region is not None:
                raise ValueError(f"{where}, line {number}: BEGIN SOLUTION inside a solution region")
            region = {"indent": line[: len(line) - len(line.lstrip())], "lines": []}
        elif END.match(line):
            if region is None:
                raise ValueError(f"{where}, line {number}: END SOLUTION without BEGIN SOLUTION")
            out.append(_stub(region, markdown))
            region = None
        elif region is not None:
            region["lines"].append(line)
        else:
            out.append(line)
    if region is not None:
        raise ValueError(f"{where}: BEGIN SOLUTION without END SOLUTION")
    return "\n".join(out)


def _stub(region: dict, markdown: bool) -> str:
    if markdown:
        return MARKDOWN_STUB
    first = next((line for line in region["lines"]
                  if line.strip() and not line.strip().startswith("#")), "")
    m = _ASSIGN.match(first)
    if m is None:
        return region["indent"] + STUB
    targets = [t.strip() for t in m.group(2).split(",")]
    value = ", ".join(["..."] * len(targets))
    return f"{region['indent']}{', '.join(targets)} = {value}  # your answer here"


def exercise_notebook(solution: nbformat.NotebookNode, where: str = "notebook"):
    """The trainee copy of one solution notebook: regions stubbed, outputs cleared."""
    nb = nbformat.from_dict(solution)  # a copy: the solution stays as it is
    for index, cell in enumerate(nb.cells):
        cell.source = strip_solutions(cell.source, markdown=cell.cell_type == "markdown",
                                      where=f"{where}, cell {index}")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
    return nb


def build_exercises(src: str | os.PathLike = "solutions", dst: str | os.PathLike = "exercises",
                    force: bool = False) -> list[Path]:
    """Write the trainee copy of every notebook in ``src`` to ``dst``; return the files written.

    ``dst`` is replaced as a whole (atomically). It may hold only notebooks (earlier generated
    copies) unless ``force``: anything else in it would be lost.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> src, dst = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp()) / "ex"
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "### BEGIN SOLUTION\\nanswer = 42\\n### END SOLUTION")])
    >>> nbformat.write(nb, src / "01_exercises.ipynb")
    >>> [p.name for p in build_exercises(src, dst)]
    ['01_exercises.ipynb']
    >>> nbformat.read(dst / "01_exercises.ipynb", as_version=4).cells[0].source
    'answer = ...  # your answer here'
    """
    src, dst = Path(src), Path(dst)
    sources = sorted(src.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no notebooks in {src}")
    if dst.is_dir() and not force:
        others = [p.name for p in dst.iterdir() if p.suffix != ".ipynb"]
        if others:
            raise OutputExistsError(f"{dst} holds files that are not notebooks ({others[0]}, "
                                    "...): pass force=True (--force) to replace the folder")
    written = []
    with atomic_output_dir(dst, force=True) as tmp:
        for path in sources:
            nb = exercise_notebook(nbformat.read(path, as_version=4), where=str(path))
            nbformat.write(nb, tmp / path.name)
            written.append(dst / path.name)
    return written
