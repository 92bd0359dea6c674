"""Checks of the graded functions: one :class:`Check` per function of the graded API.

The same checks serve the student's notebook (:func:`check`), nbgrader test cells and
otter tests (:func:`assert_check`) and the batch grader (:meth:`Check.cases`,
:func:`run_case` in the sandbox, :meth:`Check.judge` and :func:`grade_question`).
See ``docs/checks.md``.

Importing this package does not import ``course.nn``: the reference is only loaded when
cases are built (phase 1), never when an outcome is judged.
"""

from . import activations as _activations  # noqa: F401  (registers the checks)
from . import chain as _chain  # noqa: F401
from . import deep_model as _deep_model  # noqa: F401
from . import gradcheck as _gradcheck  # noqa: F401
from . import layers as _layers  # noqa: F401
from . import model as _model  # noqa: F401
from . import shallow as _shallow  # noqa: F401
from .core import (
    CHECKS,
    PUBLIC_SEED,
    STATUSES,
    Case,
    CaseResult,
    Check,
    Report,
    assert_check,
    check,
    dump_cases,
    grade_question,
    hidden_seed,
    load_cases,
    run_case,
)

__all__ = [
    "CHECKS",
    "PUBLIC_SEED",
    "STATUSES",
    "Case",
    "CaseResult",
    "Check",
    "Report",
    "assert_check",
    "check",
    "dump_cases",
    "grade_question",
    "hidden_seed",
    "load_cases",
    "run_case",
]
