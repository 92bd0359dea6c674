"""The three phases of a check: build cases, run the student's function, judge the outcome.

Phase 1, :meth:`Check.cases` (trusted side): a list of :class:`Case`, each made only of
plain data (see :mod:`autograder.plain`): the arguments, the expected result computed
with ``course.nn``, and the *known wrong forms* (the results of classic mistakes) that
judging uses to name the mistake. The case builders are the other modules of this
package; this one gives them their seeds (:func:`hidden_seed`, :func:`case_rng`).

Phase 2, :func:`run_case` (untrusted side, or in the notebook): call the function on a
private copy of the arguments and describe what happened as a plain ``dict`` (the
*outcome*): ``status``, ``value``, ``args_after``, ``error``, ``seconds``.

Phase 3, :meth:`Check.judge` (trusted side): turn ``(case, outcome)`` into a
:class:`CaseResult`. Judging reads only the case's data and the outcome; it never calls
``course.nn``, so public cases can be frozen to a file and judged without the reference.

Phases 2 and 3, the data classes, :class:`Report` and the registry :data:`CHECKS` live
in :mod:`coursekit.judge` (the student kit judges with the very same code) and are
re-exported here under their old names.
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np

from coursekit.judge import (
    _STATUS_TEXT,  # noqa: F401 - old private names, still importable from here
    CHECKS,
    MUTATION_KEEPS,
    PUBLIC_SEED,
    STATUSES,
    Case,
    CaseResult,
    Check,
    Report,
    _get,  # noqa: F401
    _outcome,  # noqa: F401
    _safe_roundtrip,  # noqa: F401
    assert_check,
    check,
    dump_cases,
    grade_question,
    load_cases,
    register,
    run_case,
)

__all__ = [
    "CHECKS",
    "MUTATION_KEEPS",
    "PUBLIC_SEED",
    "STATUSES",
    "Case",
    "CaseResult",
    "Check",
    "Report",
    "assert_check",
    "case_rng",
    "check",
    "dump_cases",
    "grade_question",
    "hidden_seed",
    "load_cases",
    "register",
    "run_case",
]


def hidden_seed(student_id: str, assignment: str) -> int:
    """The seed of a student's hidden cases: ``sha256(assignment, student_id)`` as an int.

    The same student and assignment always get the same cases; another student gets
    other inputs, so a hard-coded answer copied from a classmate fails.
    """
    digest = hashlib.sha256(f"{assignment}\x00{student_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # fits in int64, for numpy


def case_rng(name: str, seed: int, hidden: bool) -> np.random.Generator:
    """The generator of a check's inputs: depends on the function name, seed and variant."""
    return np.random.default_rng([zlib.crc32(name.encode()), int(seed), int(hidden)])
