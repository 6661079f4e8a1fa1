"""Course exercises: checks that teach, and the builder of trainee copies from the solutions.

``check(exercise_id, answer, data)`` compares a trainee's answer with the reference computed on
the same data and prints a pass or a targeted hint (:mod:`.checks`, exercises in
:mod:`.catalogue`). ``build_exercises(src, dst)`` writes ``exercises/`` from ``solutions/``
(:mod:`.build`; command line: ``crm-training build-exercises``, with ``--seed-per-trainee
names.txt`` for one folder per trainee on their own data: :func:`build_personal_exercises`).

Examples
--------
>>> from crm_training.exercises import check
>>> check("06.3", 111_104.05).passed
✓ 06.3 correct: NPV at the given rate = 111,104.05
True
"""
from .build import build_exercises, build_personal_exercises, strip_solutions, trainee_seed
from .checks import CheckResult, Exercise, Mistake, check  # no REGISTRY: references stay apart
from . import catalogue  # noqa: F401  (registers the exercises)

__all__ = ["check", "CheckResult", "Exercise", "Mistake", "build_exercises",
           "build_personal_exercises", "strip_solutions", "trainee_seed"]
