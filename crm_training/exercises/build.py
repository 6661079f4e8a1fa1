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

No marker ever reaches ``exercises/``. Command line: ``crm-training build-exercises``.

nbgrader: the solution notebooks carry nbgrader cell metadata (schema 3). The cell holding a
region is a solution cell (``answer_01_1``), the ``check(...)`` call below it a locked grade
cell worth one point (``check_01_1``), narrative and set-up cells are read-only
(``question_01_1``, ``setup_01``); the ``parameters`` cell has none, so trainees can change
their data. The copies keep that metadata and get nbgrader's read-only flags (as its
``LockCells`` sets them), so a trainee copy can be collected and autograded as it is. With
:data:`NBGRADER_CONFIG` in the course's ``nbgrader_config.py``, ``nbgrader generate_assignment``
writes the same cells as this builder. Checks raise in grading mode only:
``CRM_GRADING=1 nbgrader autograde <assignment>``.

Personal variants (:func:`build_personal_exercises`, ``crm-training build-exercises
--seed-per-trainee names.txt``): one folder per trainee, ``exercises/<slug>/``, whose notebooks'
``parameters`` cell has ``seed`` set to :func:`trainee_seed` of the name: the first 8 hex digits
of the SHA-256 of the name (stripped, UTF-8) modulo 1,000,000. The seed is stable (same name,
same data, on every machine and run) and differs between trainees, and the checks compute their
reference on whatever data the trainee generated, so answers cannot be copied.

Examples
--------
>>> print(strip_solutions("x = 1\\n### BEGIN SOLUTION\\nanswer = x + 1\\n### END SOLUTION\\n"
...                       "check('01.1', answer)"))
x = 1
answer = ...  # your answer here
check('01.1', answer)
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: nbformat's validator takes seconds to import, and
    import nbformat  # every exercise kernel imports this package for its checks

from ..fileio import atomic_output_dir, check_output_dir

BEGIN = re.compile(r"^\s*#+\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*#+\s*END SOLUTION\s*$")
_ASSIGN = re.compile(r"^(\s*)([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*=(?!=)")
STUB = "...  # your answer here"
MARKDOWN_STUB = "*Your answer here.*"
# nbgrader stubs a region by a fixed text; every region of solutions/ starts ``answer = ...``
# (tests/test_exercises.py), so this text is the stub this builder writes there.
NBGRADER_CONFIG = {"ClearSolutions": {"code_stub": {"python": f"answer = {STUB}"},
                                      "text_stub": MARKDOWN_STUB}}


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
    """The trainee copy of one solution notebook: regions stubbed, outputs cleared, the
    cells nbgrader overwrites when grading made read-only."""
    import nbformat

    nb = nbformat.from_dict(solution)  # a copy: the solution stays as it is
    for index, cell in enumerate(nb.cells):
        cell.source = strip_solutions(cell.source, markdown=cell.cell_type == "markdown",
                                      where=f"{where}, cell {index}")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
        _lock(cell)
    return nb


def _lock(cell) -> None:
    """nbgrader's ``LockCells`` on one cell: a solution cell cannot be deleted, a grade or
    read-only cell can be neither deleted nor edited (autograde restores it anyway)."""
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        cell.metadata["deletable"] = False
    elif meta.get("grade") or meta.get("locked"):
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False


def build_exercises(src: str | os.PathLike = "solutions", dst: str | os.PathLike = "exercises",
                    force: bool = False) -> list[Path]:
    """Write the trainee copy of every notebook in ``src`` to ``dst``; return the files written.

    ``dst`` is written as a whole (atomically) and must be new or empty; ``force`` replaces a
    ``dst`` that this command wrote before, unchanged since (its manifest says so). A folder
    with notebooks edited or added by hand, or any other file, is never replaced, and ``dst``
    may not overlap ``src``.

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
    import nbformat

    src, dst = Path(src), Path(dst)
    sources = sorted(src.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no notebooks in {src}")
    check_output_dir(dst, force=force, inputs=[src])
    written = []
    with atomic_output_dir(dst, force=force, inputs=[src], kind="exercises") as tmp:
        for path in sources:
            nb = exercise_notebook(nbformat.read(path, as_version=4), where=str(path))
            nbformat.write(nb, tmp / path.name)
            written.append(dst / path.name)
    return written


_SEED_LINE = re.compile(r"^seed\s*=\s*\d+", re.MULTILINE)


def trainee_seed(name: str) -> int:
    """Stable data seed of one trainee: SHA-256 of the stripped name, first 8 hex digits mod 1e6.

    Examples
    --------
    >>> trainee_seed("Li Wei") == trainee_seed("  Li Wei ") != trainee_seed("Anna Schmidt")
    True
    """
    digest = hashlib.sha256(name.strip().encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 1_000_000


def trainee_slug(name: str) -> str:
    """Folder name of one trainee: ASCII letters and digits joined by '-', else a hash.

    Examples
    --------
    >>> trainee_slug("Anna Schmidt"), trainee_slug("Zoë O'Neil"), trainee_slug("李伟")[:8]
    ('anna-schmidt', 'zoe-o-neil', 'trainee-')
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or f"trainee-{hashlib.sha256(name.strip().encode('utf-8')).hexdigest()[:8]}"


def _with_seed(nb, seed: int):
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            cell.source, found = _SEED_LINE.subn(f"seed = {seed}", cell.source, count=1)
            if found:
                return nb
    raise ValueError("no parameters cell with a 'seed = <number>' line")


def build_personal_exercises(names, src: str | os.PathLike = "solutions",
                             dst: str | os.PathLike = "exercises",
                             force: bool = False) -> dict[str, Path]:
    """Write ``dst/<slug>/`` for each trainee name: the exercise notebooks on their own seed.

    Returns ``{name: folder}``. ``dst`` is written as a whole (atomically), with the rules of
    :func:`build_exercises`. Blank names and repeats are skipped; two names with the same slug
    are refused.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> src, dst = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp()) / "personal"
    >>> cell = nbformat.v4.new_code_cell("seed = 7")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[cell]), src / "01_exercises.ipynb")
    >>> folders = build_personal_exercises(["Li Wei"], src, dst)
    >>> nbformat.read(folders["Li Wei"] / "01_exercises.ipynb", as_version=4).cells[0].source
    'seed = 271060'
    """
    import nbformat

    src, dst = Path(src), Path(dst)
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not names:
        raise ValueError("no trainee names given")
    slugs: dict[str, str] = {}
    for name in names:
        slug = trainee_slug(name)
        if slug in slugs:
            raise ValueError(f"{name!r} and {slugs[slug]!r} share the folder name {slug!r}")
        slugs[slug] = name
    sources = sorted(src.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no notebooks in {src}")
    check_output_dir(dst, force=force, inputs=[src])
    solutions = [(p.name, nbformat.read(p, as_version=4)) for p in sources]
    folders = {}
    with atomic_output_dir(dst, force=force, inputs=[src], kind="exercises") as tmp:
        for slug, name in slugs.items():
            (tmp / slug).mkdir()
            for filename, solution in solutions:
                nb = _with_seed(exercise_notebook(solution, where=filename), trainee_seed(name))
                nbformat.write(nb, tmp / slug / filename)
            folders[name] = dst / slug
    return folders
