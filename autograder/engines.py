"""nbgrader and otter-grader scoring with our checks, to the same points as ``course grade``.

``course grade`` scores a question as the share of the points earned over its cases:
the public cases (seed :data:`~autograder.checks.PUBLIC_SEED`) and the hidden ones
(seed ``hidden_seed(student, assignment)``), with partial credit inside a case (the right
items of a tuple keep their share; a changed input halves the case). The other two
engines reach the same numbers this way:

* **nbgrader** reads a test cell whose output is a number as *partial credit*
  (``nbgrader.utils.determine_grade``). Our hidden test cells therefore end with
  ``nbgrader_points("linear_backward", linear_backward)``: the cell's value is the
  question's score, computed by :func:`question_score` on the same cases as ``course
  grade`` (under ``nbgrader autograde`` the notebook runs in
  ``<autograded>/<student>/<assignment>/``, which names the student; anywhere else the
  public cases only). A cell that raises (the function is not defined) scores 0.
* **otter** scores each test case all or nothing. :func:`case_levels` lists the scores
  a case can take (its items' shares, each whole or halved), and the otter test of a
  case has one part per level: the part for level ``t`` passes when the case scores at
  least ``t`` of its points and is worth the step from the level below. The parts that
  pass add up to exactly the case's score (see ``course/otter.py``). A case with more
  than 20 levels (a list of caches has many items of unequal shares) is split into the
  binary digits of its score instead (:func:`case_parts`).

**Hidden cases: per student or per assignment.** ``course grade`` draws each student's
hidden cases from ``hidden_seed(student, assignment)`` (policy ``"student"``, the
default): a hard-coded answer copied from a classmate fails. otter's tests are files,
the same for everybody, and ``otter run`` does not know who submitted, so otter can only
use one seed per assignment (policy ``"assignment"``). The two policies draw different
inputs, and a partly wrong function can fail a different share of them (ReLU'(0) = 1
loses points only where some ``Z`` is exactly 0). So: nbgrader and ``course grade``
agree exactly under either policy (``COURSE_HIDDEN_CASES=assignment nbgrader autograde``
and ``course grade --hidden-cases assignment``), and all three engines agree exactly
under ``"assignment"``.

Nothing here imports ``course.nn``; building cases does (lazily, in the checks).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

__all__ = ["HIDDEN_POLICIES", "case_levels", "case_parts", "hidden_cases_seed",
           "nbgrader_identity", "nbgrader_points", "part_passes", "question_cases",
           "question_score"]

#: How hidden cases are drawn: one seed per (student, assignment), or per assignment.
HIDDEN_POLICIES = ("student", "assignment")
#: The environment variable that sets the policy of nbgrader's hidden test cells.
HIDDEN_ENV = "COURSE_HIDDEN_CASES"


def hidden_cases_seed(student, assignment, policy="student"):
    """The seed of the hidden cases of ``student`` in ``assignment`` under ``policy``."""
    from .checks import hidden_seed

    if policy == "student":
        return hidden_seed(student, assignment)
    if policy == "assignment":
        return hidden_seed("", assignment)  # no student id is empty: the same for all
    raise ValueError(f"policy must be one of {', '.join(HIDDEN_POLICIES)}; got {policy!r}")


def check_named(name):
    """The check ``name``: built in, or an instructor's from the course in use (its
    ``solutions/*/checks.py`` are loaded the first time one is asked for).

    Raises
    ------
    KeyError
        If no such check exists (the message says where it was looked for).
    """
    from .checks import CHECKS

    if name not in CHECKS:
        from .assignments import course_root, registry

        registry()  # loads the course's own checks
        if name not in CHECKS:
            raise KeyError(f"no check named {name!r}: not built in, and not defined in "
                           f"{course_root()}/solutions/*/checks.py")
    return CHECKS[name]


@functools.lru_cache(maxsize=256)
def _public_cases(name, seed):
    """The public cases of a check: the same for every student, built once per process."""
    return tuple(check_named(name).cases(seed, False))


def question_cases(name, student=None, assignment=None, policy="student", public_seed=None):
    """The cases ``course grade`` judges question ``name`` on: the public cases, then, when
    the ``assignment`` (and, under policy ``"student"``, the ``student``) is known, the
    hidden cases. ``course grade``'s planner and nbgrader's test cells both call this."""
    from .checks import PUBLIC_SEED

    seed = PUBLIC_SEED if public_seed is None else public_seed
    cases = list(_public_cases(name, seed))
    if assignment is not None and (student is not None or policy == "assignment"):
        seed = hidden_cases_seed(student, assignment, policy)
        cases += list(check_named(name).cases(seed, True))
    return cases


def question_score(name, func, cases):
    """Run ``func`` on ``cases`` in this process and score question ``name`` as ``course
    grade`` does: the dict of :func:`autograder.checks.grade_question`."""
    from .checks import grade_question, run_case

    return grade_question(name, cases, [run_case(func, c) for c in cases])


def nbgrader_identity(cwd=None, environ=None):
    """``(student, assignment)`` when running under ``nbgrader autograde``, else ``None``.

    nbgrader sets ``NBGRADER_EXECUTION=autograde`` and executes the notebook in its
    ``<autograded>/<student>/<assignment>/`` folder (the layout ``course grade`` reads
    from ``submitted/``).
    """
    environ = os.environ if environ is None else environ
    if environ.get("NBGRADER_EXECUTION") != "autograde":
        return None
    here = Path(os.getcwd() if cwd is None else cwd)
    student, assignment = here.parent.name, here.name
    if not student or not assignment:
        return None
    return student, assignment


def nbgrader_points(name, func):
    """The score of question ``name`` for ``func``, as a float: the last line of an
    nbgrader hidden test cell, whose value nbgrader takes as the cell's partial credit.

    ``name`` is the check; ``func`` the student's function (of any name: a built-in
    check may grade a function of another name). Under ``nbgrader autograde`` the score
    is on the scale of the question's points in the course's notebook
    (:func:`autograder.assignments.questions`), so a cell whose points an instructor
    changed still gets them all for a right answer.

    The hidden cases follow the policy in the environment variable
    ``COURSE_HIDDEN_CASES`` (``student``, the default, or ``assignment``). Prints what
    was lost (stdout, which nbgrader shows in the feedback and does not count as an
    error); never raises for a wrong or crashing function.
    """
    who = nbgrader_identity()
    policy = os.environ.get(HIDDEN_ENV) or "student"
    cases = question_cases(name, *(who or (None, None)), policy=policy)
    result = question_score(name, func, cases)
    points = _points_in_course(name, func, who[1] if who else None)
    if points is not None and points != result["max_score"]:
        # the question's points in its notebook differ from the check's
        result = dict(result, max_score=points,
                      score=round(result["score"] * points / result["max_score"], 6))
    if result["feedback"]:
        print(f"{name}: {result['score']:g} / {result['max_score']:g} points")
        for line in result["feedback"]:
            print(f"  - {line}")
    return float(result["score"])


def _points_in_course(check, func, assignment):
    """The points of the question graded by ``check`` (the function ``func``) in
    ``assignment`` of the course in use, or ``None`` when that is not known."""
    if assignment is None:
        return None
    from .assignments import AssignmentError, questions

    try:
        qs = [q for q in questions(assignment) if q.check == check]
    except (KeyError, AssignmentError):
        return None
    if len(qs) > 1:  # one check grading several functions: the function's name decides
        qs = [q for q in qs if q.function == getattr(func, "__name__", None)]
    return qs[0].points if len(qs) == 1 else None


def _leaf_weights(check, case):
    """The weights of the items of a case's expected value: the judge's own walk
    (:meth:`Check.judge`) over the expected value compared with itself."""
    verdicts = []
    check._walk(case, case.expected, case.expected, (), 1.0, verdicts)
    return [w for w, _, _, _ in verdicts if w > 0]


def case_levels(check, case, limit=4096):
    """The shares of its points a case can score, ascending, without 0: every sum of its
    items' weights, whole or multiplied by the share kept after a changed input."""
    from .checks.core import MUTATION_KEEPS

    sums = {0: 0.0}  # rounded key -> exact sum (rounding only to merge equal sums)
    for w in _leaf_weights(check, case):
        for v in list(sums.values()):
            sums.setdefault(round((v + w) * 1e9), v + w)
        if len(sums) > limit:
            raise ValueError(f"{check.name}: a case with more than {limit} score levels")
    levels = dict(sums)
    for v in sums.values():
        levels.setdefault(round(v * MUTATION_KEEPS * 1e9), v * MUTATION_KEEPS)
    out = sorted(v for k, v in levels.items() if k > 0)
    out[-1] = 1.0  # the whole case (the float sum of the weights may be off by an ulp)
    return out


#: The most otter test cases a check case is split into (see :func:`case_parts`).
MAX_PARTS = 20


def case_parts(check, case, max_parts=MAX_PARTS):
    """How the otter test of one case is split: a list of ``(kind, value, weight)``
    whose weights add up to 1 and whose passing parts add up to the case's share.

    * ``("at_least", t, t - t_below)`` for each score level ``t`` of the case when it
      has at most ``max_parts`` levels: the part passes when the case scores at least
      ``t`` (exact, and readable: "at least 50 % of this case");
    * otherwise ``max_parts - 1`` binary digits of the share, ``("bit", k, 2**-k)``,
      passing when digit ``k`` of ``round(share * 2**K)`` is 1, and ``("all", 1, 2**-K)``
      for the whole case (``K = max_parts - 1``): exact to ``2**-K`` of the case
      (2e-6 for 20 parts), whatever the structure of the returned value.
    """
    try:
        levels = case_levels(check, case)
    except ValueError:
        levels = None
    if levels is not None and len(levels) <= max_parts:
        below, parts = 0.0, []
        for t in levels:
            parts.append(("at_least", t, t - below))
            below = t
        return parts
    k_max = max_parts - 1
    return ([("bit", k, 2.0 ** -k) for k in range(1, k_max + 1)]
            + [("all", 1, 2.0 ** -k_max)])


def part_passes(kind, value, share, max_parts=MAX_PARTS):
    """Whether the part ``(kind, value)`` of :func:`case_parts` passes for a case that
    scored ``share`` of its points."""
    if kind == "at_least":
        return share >= value - 1e-9
    k_max = max_parts - 1
    n = round(share * 2 ** k_max)
    if kind == "all":
        return n >= 2 ** k_max
    n = min(n, 2 ** k_max - 1)
    return bool(n >> (k_max - value) & 1)
