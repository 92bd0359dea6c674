"""The batch grader behind ``course grade``.

Pipeline for one submission, in order (each step uses only what the ones before
produced; a failure at any step costs that submission or that question only):

1. **read**: the code cells of the notebook(s) (:mod:`autograder.notebook`); a broken
   file ends here with ``status = "error"`` and a reason.
2. **plan**: for every question (graded function) of the assignment, the public
   cases and the hidden cases seeded by the student id, built in this trusted process
   with the reference engine (:mod:`autograder.checks`).
3. **run**: the cells and the cases' inputs go to a fresh sandbox
   (:mod:`autograder.sandbox`); its events come back as plain data. A cell that hangs
   or kills the process is skipped on a restart; a case that does is scored 0 for the
   rest of its question, and grading resumes with the next question.
4. **judge**: each outcome is compared with the expected values here, with an
   unmodified numpy; questions get their scores and feedback.

The batch runs submissions in parallel (``jobs``), one sandbox slot (uid) per worker,
and always returns one row per submission.
"""

from __future__ import annotations

import ast
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from coursekit.cells import CellNames, misspelled

from . import plain
from .collect import kit_notes
from .notebook import NotebookError, read_notebook
from .runner import dump_task
from .runner import strip_magics as runner_strip_magics
from .sandbox import Limits, SandboxError, open_zygote, preloads

__all__ = ["BatchInterrupted", "GradeError", "Submission", "discover", "grade_batch"]

#: Outcome statuses a sandbox may report; anything else is a protocol error.
_STATUSES = {"returned", "raised", "missing", "not_callable"}
#: Restarts of the sandbox allowed per submission (each after a hang or a crash).
MAX_RESTARTS = 12


class GradeError(ValueError):
    """Bad arguments to the grader (a missing path, an unknown assignment...)."""


@dataclass
class Submission:
    """One student's work for one assignment: one or more notebook files.

    Attributes
    ----------
    student : str
    assignment : str or None
        The assignment to grade it as, when the instructor said so (``course grade
        --assignment``); ``None``: read from the submission (:mod:`autograder.identify`).
    paths : list of Path
    nbgrader : str or None
        The name of its folder in nbgrader's ``submitted/<student>/<assignment>/``
        (identification's last resort, and the seed of its hidden cases, as nbgrader's
        own hidden cells draw them).
    """

    student: str
    assignment: str | None = None
    paths: list = field(default_factory=list)
    nbgrader: str | None = None


def row_key(student, paths):
    """Which submission a row is: its student and files (a row's ``student`` and
    ``files``, a :class:`Submission`'s ``student`` and ``paths``); unique in a batch."""
    return student, tuple(str(p) for p in paths or ())


# ----------------------------------------------------------------------------- discovery

_SUFFIXES = (".ipynb", ".py")


def _notebooks(folder):
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix in _SUFFIXES and not p.name.startswith("."))


def _check_assignment(assignment):
    from .assignments import ASSIGNMENTS

    if assignment is not None and assignment not in ASSIGNMENTS:
        raise GradeError(f"unknown assignment {assignment!r}; registered: "
                         f"{', '.join(ASSIGNMENTS)}")


def discover(paths, assignment=None):
    """Find the submissions under ``paths``.

    Three layouts are understood:

    * a single notebook file: the student id is the file name without extension;
    * a folder of notebooks, named anything: one submission per file, student id =
      file name;
    * nbgrader's ``submitted/<student>/<assignment>/*.ipynb`` (give the ``submitted``
      folder or its parent): one submission per student and assignment folder, all
      notebooks of the folder together.

    Which assignment each submission is, is read from the submission when it is graded
    (:mod:`autograder.identify`), never from a folder's name, so a folder may mix
    assignments.

    Parameters
    ----------
    paths : list of str or Path
    assignment : str, optional
        A registered assignment to grade every submission as (``--assignment``); in
        nbgrader's layout, only the folders of that name are taken.

    Returns
    -------
    list of Submission
        Sorted by student, then nbgrader folder; student ids are unique per folder.

    Raises
    ------
    GradeError
        For a missing path, a file that is not a notebook, or an unknown ``assignment``.
    """
    _check_assignment(assignment)
    subs = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise GradeError(f"{path}: no such file or folder; expected a notebook, a folder "
                             "of notebooks or nbgrader's submitted/ folder")
        if path.is_file():
            if path.suffix not in _SUFFIXES:
                raise GradeError(f"{path}: not a notebook; expected a .ipynb (or .py) file, "
                                 "a folder of them or nbgrader's submitted/ folder")
            subs.append(Submission(path.stem, assignment, [path]))
            continue
        root = path / "submitted" if (path / "submitted").is_dir() else path
        try:
            # by its shape, not its name: a folder called "submitted" may hold notebooks
            nbgrader = not _notebooks(root) and any(
                d.is_dir() and any(e.is_dir() for e in d.iterdir())
                for d in root.iterdir() if not d.name.startswith("."))
            if nbgrader:
                for sdir in sorted(d for d in root.iterdir() if d.is_dir()
                                   and not d.name.startswith(".")):
                    for adir in sorted(d for d in sdir.iterdir() if d.is_dir()
                                       and not d.name.startswith(".")):
                        if assignment and adir.name != assignment:
                            continue
                        subs.append(Submission(sdir.name, assignment, _notebooks(adir),
                                               nbgrader=adir.name))
            else:
                for nb in _notebooks(root):
                    subs.append(Submission(nb.stem, assignment, [nb]))
        except PermissionError as err:
            raise GradeError(f"{err.filename}: cannot be read (permission denied)") from None
    seen = {}
    for sub in subs:
        key = (sub.student, sub.nbgrader)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            sub.student = f"{sub.student} ({seen[key]})"
    return sorted(subs, key=lambda s: (s.student, s.nbgrader or ""))


# ----------------------------------------------------------------------------- execution


class _Run:
    """What the sandbox reported for one submission, across restarts."""

    def __init__(self, questions):
        self.cell_errors = {}
        self.outcomes = [[None] * len(q["cases"]) for q in questions]
        self.problems = []  # submission-level notes (restarts, protocol errors)


def _validate_event(ev, n_cells, questions):
    if type(ev) is not dict or ev.get("event") not in ("cell", "case", "imports", "done",
                                                          "setup_error"):
        raise plain.PlainDataError("unexpected event")
    kind = ev["event"]
    if kind == "cell":
        if type(ev.get("i")) is not int or not 0 <= ev["i"] < n_cells:
            raise plain.PlainDataError("bad cell index")
    elif kind == "case":
        q, k = ev.get("q"), ev.get("k")
        if type(q) is not int or not 0 <= q < len(questions):
            raise plain.PlainDataError("bad question index")
        if type(k) is not int or not 0 <= k < len(questions[q]["cases"]):
            raise plain.PlainDataError("bad case index")
        if ev.get("phase") == "done":
            out = ev.get("outcome")
            if type(out) is not dict or out.get("status") not in _STATUSES:
                raise plain.PlainDataError("bad outcome")
    return kind


def _steps(n_cells, skip, questions, start):
    """The steps a sandbox runs, in its order: ``("cell", i)`` then ``("case", q, k)``."""
    steps = [("cell", i) for i in range(n_cells) if i not in skip]
    for q, question in enumerate(questions):
        for k in range(len(question["cases"])):
            if (q, k) >= tuple(start):
                steps.append(("case", q, k))
    return steps


def _execute(zygote, slot, cells, questions, limits, mode, first_task=None):
    """Run ``cells`` then the cases of ``questions`` in sandboxes; returns a :class:`_Run`.

    The sandbox reports each finished step; the step under way is the one after the
    last reported (the order is fixed), so a hang or a crash is blamed on it.
    """
    run = _Run(questions)
    skip = set()
    start = (0, 0)
    t_end = time.monotonic() + limits.total_seconds
    restarts = 0
    preload = preloads(cells)
    while True:
        steps = _steps(len(cells), skip, questions, start)
        pos = 0
        sb = zygote.spawn(slot, preload=preload)
        if first_task is not None and not skip and start == (0, 0):
            data = first_task
        else:
            data = dump_task({"cells": cells, "skip_cells": sorted(skip),
                                "start": list(start), "questions": questions, "mode": mode})

        step_end = [time.monotonic() + (limits.cell_seconds if steps and steps[0][0] == "cell"
                                        else limits.case_seconds)]
        try:
            sb.send(data)
            read = sb.reader(lambda se=step_end: min(se[0], t_end))
            while True:
                ev = plain.read_message(read)
                kind = _validate_event(ev, len(cells), questions)
                if kind == "setup_error":
                    raise SandboxError(str(ev.get("error")))
                if kind == "done":
                    if pos != len(steps):
                        raise plain.PlainDataError("'done' before every step was reported")
                    sb.finished = True
                    return run
                if kind == "imports":  # informative only: the penalty is decided statically
                    continue
                step = ("cell", ev["i"]) if kind == "cell" else ("case", ev["q"], ev["k"])
                if pos >= len(steps) or steps[pos] != step:
                    raise plain.PlainDataError(f"step {step} reported out of order")
                if kind == "cell":
                    err = ev.get("error")
                    if err is not None:
                        run.cell_errors[ev["i"]] = str(err)[:500]
                else:
                    run.outcomes[ev["q"]][ev["k"]] = ev["outcome"]
                pos += 1
                nxt = steps[pos] if pos < len(steps) else None
                step_end[0] = time.monotonic() + (
                    limits.cell_seconds if nxt and nxt[0] == "cell" else limits.case_seconds)
        except (TimeoutError, EOFError, plain.PlainDataError) as err:
            timed_out = isinstance(err, TimeoutError)
            if isinstance(err, plain.PlainDataError):
                why = f"its process sent invalid data ({err})"
            elif timed_out:
                why = "timed out"
            else:
                why = "crashed (its process ended)"
        finally:
            sb.close()
        state = steps[pos] if pos < len(steps) else None
        restarts += 1
        if state is None or time.monotonic() >= t_end or restarts > MAX_RESTARTS:
            reason = ("the submission used up its total time limit "
                      f"({limits.total_seconds:g} s)" if time.monotonic() >= t_end
                      else f"the sandbox {why}" if state is None
                      else f"too many restarts after hangs and crashes ({restarts})")
            run.problems.append(reason)
            for outs in run.outcomes:
                for k, o in enumerate(outs):
                    if o is None:
                        outs[k] = {"status": "crashed", "error": reason}
            return run
        if state[0] == "cell":
            i = state[1]
            skip.add(i)
            limit = f" after {limits.cell_seconds:g} s" if timed_out else ""
            run.cell_errors[i] = f"{why}{limit}; it was skipped"  # (the row names the cell)
        else:
            q, k = state[1], state[2]
            status = "timeout" if timed_out else "crashed"
            first = (f"timed out after {limits.case_seconds:g} s" if timed_out
                     else "crashed: its process ended (os._exit, a fatal error or the "
                     "memory limit)" if not why.startswith("its process sent")
                     else f"stopped: {why}")
            for kk in range(k, len(run.outcomes[q])):
                run.outcomes[q][kk] = {
                    "status": status,
                    "error": first if kk == k else f"not run: an earlier case {first}",
                }
            start = (q + 1, 0)
            if start[0] >= len(questions):
                return run


# ------------------------------------------------------------------------------- grading


@dataclass(frozen=True)
class _Graded:
    """One question as the grader runs it: the student's function ``name``, graded by
    ``check`` (an :class:`autograder.checks.Check`) out of ``points``."""

    name: str
    check: object
    points: float


def _questions_for(assignment, names):
    """The questions of ``assignment`` (its notebooks' graded cells), or of the checks
    ``names`` (each grading the function of its own name) when ``names`` is given."""
    from .checks import CHECKS

    if names is None:
        from .assignments import AssignmentError, questions

        try:
            qs = [(q.function, q.check, q.points) for q in questions(assignment)]
        except (KeyError, AssignmentError) as err:
            raise GradeError(err.args[0]) from None
    else:
        qs = [(n, n, None) for n in names]
    unknown = [c for _, c, _ in qs if c not in CHECKS]
    if unknown:
        where = f" (graded in {assignment})" if names is None else ""
        raise GradeError(f"no check for {', '.join(unknown)}{where}; known: "
                         f"{', '.join(sorted(CHECKS))}")
    return [_Graded(f, CHECKS[c], float(CHECKS[c].points if p is None else p))
            for f, c, p in qs]


#: The assignment of a row graded on the checks found in it (``all_checks``).
UNIDENTIFIED = "unidentified"


def _identify(sub, notebooks, names, all_checks):
    """Which checks grade ``sub``, as what: ``(label, checks, identity)``.

    ``checks`` is ``None`` when the submission matches no assignment (the identity's
    ``reason`` says why). ``names`` (``--only``) fixes the checks; the assignment then
    only labels the row. ``all_checks`` grades a submission that matches nothing on
    the checks of the graded functions it defines.
    """
    from .assignments import ASSIGNMENTS
    from .identify import Identity, defined_functions, identify

    override = sub.assignment
    if override is not None and override not in ASSIGNMENTS:
        if names is None:
            return None, None, Identity(None, None, reason=(
                f"unknown assignment {override!r}; registered: {', '.join(ASSIGNMENTS)}"))
        ident = Identity(override, "given", [])
    else:
        ident = identify(notebooks, override=override, nbgrader=sub.nbgrader)
    if names is not None:
        return ident.assignment or "checks given", _questions_for(None, names), ident
    if ident.assignment is not None:
        return ident.assignment, _questions_for(ident.assignment, None), ident
    if all_checks:
        from .checks import CHECKS

        found = defined_functions(notebooks)
        checks = [_Graded(n, c, float(c.points)) for n, c in CHECKS.items() if n in found]
        if checks:
            ident.notes.append(f"{ident.reason}; graded on the {len(checks)} checks of the "
                               "functions it defines (--all-checks)")
            ident.identified_by = "--all-checks"
            return UNIDENTIFIED, checks, ident
    return sub.nbgrader or UNIDENTIFIED, None, ident


def _plan(checks, student, assignment, hidden="student", public_seed=0):
    from .engines import question_cases

    return [(q, question_cases(q.check.name, student, assignment, hidden, public_seed))
            for q in checks]


#: The reference implementation: a submission that imports it scores 0.
REFERENCE = "course.nn"
_REFERENCE_RE = re.compile(r"\bcourse\s*\.\s*nn\b|from\s+course\s+import\s+[^\n#]*\bnn\b")


def reference_imports(cells):
    """The statements of ``cells`` that import the reference implementation ``course.nn``
    (``import course.nn``, ``from course.nn import ...``, ``from course import nn``,
    ``import_module("course.nn")``), as short strings.

    Found statically, in this trusted process; the sandbox refuses the import anyway
    (it withholds the ``course`` and ``autograder`` packages), so this only decides the
    penalty and its message. Importing other parts (``from course import data``, the
    public checks) is not penalised: those imports just fail in the sandbox.
    """
    found = []
    for source in cells:
        if "course" not in source or "nn" not in source:
            # nothing to find (parsing every cell was a fifth of a submission's time);
            # an import spelled to dodge this still fails in the sandbox
            continue
        try:
            tree = ast.parse(runner_strip_magics(source))
        except SyntaxError:
            found += [m.group(0) for m in _REFERENCE_RE.finditer(source)]
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [f"import {a.name}" for a in node.names
                          if a.name == REFERENCE or a.name.startswith(REFERENCE + ".")]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == REFERENCE or node.module.startswith(REFERENCE + "."):
                    found.append(f"from {node.module} import ...")
                elif node.module == "course" and any(a.name == "nn" for a in node.names):
                    found.append("from course import nn")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value == REFERENCE or node.value.startswith(REFERENCE + "."):
                    found.append(repr(node.value))
    return sorted(set(found))


def _restore_args(outcome, case):
    """The outcome as the checks expect it: ``args_after`` given in full."""
    if outcome is None:
        return {"status": "crashed", "error": "not run"}
    if outcome.get("args_after") == "unchanged":
        outcome = dict(outcome, args_after=(tuple(case.args), dict(case.kwargs)))
    return outcome


def _named(outcome, names):
    """The outcome with the cell its error points at named as the student finds it."""
    err = outcome.get("error")
    if isinstance(err, str) and "(cell " in err:
        outcome = dict(outcome, error=names.rewrite(err))
    return outcome


def _zero_questions(checks, reason):
    return [{"name": c.name, "score": 0.0, "max_score": float(c.points),
             "feedback": [reason], "diagnoses": []} for c in checks]


@dataclass
class _Prepared:
    """A submission read and planned, ready for its sandbox (see :func:`_prepare`)."""

    row: dict
    checks: list
    cells: list = field(default_factory=list)
    plan: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    task: bytes = b""
    done: bool = False
    plan_seconds: float = 0.0
    names: CellNames = field(default_factory=CellNames)


def _new_row(sub, max_score=0.0, assignment=None):
    """The row of a submission before grading (every writer relies on these keys)."""
    return {"student": sub.student,
            "assignment": assignment or sub.assignment or sub.nbgrader or UNIDENTIFIED,
            "identified_by": None, "notes": [],
            "files": [str(p) for p in sub.paths], "status": "graded", "error": None,
            "score": 0.0, "max_score": float(max_score), "questions": [], "cells": [],
            "seconds": 0.0}


def _prepare(sub, names=None, mode="definitions", hidden="student", all_checks=False):
    """Steps 1 and 2: read the notebooks, identify the assignment and plan the cases
    (no sandbox needed).

    Runs ahead of the sandboxes in a thread of its own (see :func:`grade_batch`), so
    that planning the next submission overlaps with running this one.
    """
    t0 = time.perf_counter()
    notebooks, unreadable = [], None
    try:
        if not sub.paths:
            raise NotebookError("no notebook (.ipynb) in the submission folder")
        notebooks = [read_notebook(p) for p in sub.paths]
    except NotebookError as err:
        notebooks, unreadable = [], err
    label, checks, ident = _identify(sub, notebooks, names, all_checks)
    row = _new_row(sub, sum(c.points for c in checks or ()), label)
    row.update(identified_by=ident.identified_by, notes=list(ident.notes) + kit_notes(sub.paths))
    prep = _Prepared(row, checks or [])
    if unreadable is not None or checks is None:
        reason = str(unreadable) if unreadable is not None else ident.reason
        row.update(status="error", error=reason,
                   questions=_zero_questions(prep.checks, f"not graded: {reason}"))
        prep.done = True
        prep.plan_seconds = time.perf_counter() - t0
        return prep
    prep.cells = [src for nb in notebooks for src in nb.code]
    # how the feedback names a cell: by what the student sees (coursekit.cells)
    prep.names = CellNames.joined([(nb.path.name, [(c.cell_type, c.source) for c in nb.cells])
                                   for nb in notebooks], [c.name for c in checks])
    # nbgrader's hidden cells seed by the folder's name: the same cases here
    prep.plan = _plan(checks, sub.student, sub.nbgrader or label, hidden)
    prep.questions = [{"name": c.name,
                       "cases": [{"args": cs.args, "kwargs": cs.kwargs, "np_seed": cs.np_seed}
                                 for cs in cases]} for c, cases in prep.plan]
    prep.task = dump_task({"cells": prep.cells, "skip_cells": [], "start": [0, 0],
                             "questions": prep.questions, "mode": mode})
    prep.plan_seconds = time.perf_counter() - t0
    return prep


def _finish_run(prep, zygote, slot, limits, mode):
    """Step 3: run the prepared submission in a sandbox; ``None`` if there is nothing
    to run or the sandbox failed (the row then says why)."""
    if prep.done:
        return None
    try:
        return _execute(zygote, slot, prep.cells, prep.questions, limits, mode, prep.task)
    except SandboxError as err:
        prep.row.update(status="error", error=f"the sandbox failed: {err}",
                        questions=_zero_questions(prep.checks, f"not graded: {err}"))
        prep.done = True
        return None


def _finish_judge(prep, run, t_run):
    """Step 4: judge the outcomes; the finished row."""
    from .checks import grade_question

    row = prep.row
    if run is not None:
        _judge(row, prep, run, grade_question)
    # time spent on this submission: reading and planning, then running and judging
    row["seconds"] = prep.plan_seconds + time.perf_counter() - t_run
    return row


def _finish(prep, zygote, slot, limits, mode):
    """Steps 3 and 4 for one submission."""
    t_run = time.perf_counter()
    return _finish_judge(prep, _finish_run(prep, zygote, slot, limits, mode), t_run)


def _judge(row, prep, run, grade_question):
    names = prep.names
    row["cells"] = [{"cell": i + 1, "where": names.name(i), "error": names.rewrite(e, i)}
                    for i, e in sorted(run.cell_errors.items())]
    if run.problems:
        row["error"] = "; ".join(run.problems)
    reference = reference_imports(prep.cells)
    for (check, cases), outcomes in zip(prep.plan, run.outcomes, strict=True):
        if reference:
            result = {"name": check.name, "score": 0.0, "max_score": check.points,
                      "feedback": [f"your notebook imports the course's reference "
                                   f"implementation ({'; '.join(reference)}): it is not "
                                   "available during grading and using it scores 0; write "
                                   "the function yourself"],
                      "diagnoses": ["imported_reference"]}
        else:
            outcomes = [_named(_restore_args(o, case), names)
                        for o, case in zip(outcomes, cases, strict=True)]
            result = grade_question(check.check.name, cases, outcomes)
            if check.name != check.check.name or check.points != check.check.points:
                # the check reused under another name, or for other points
                scale = check.points / check.check.points
                result.update(name=check.name, max_score=check.points,
                              score=round(result["score"] * scale, 6))
            if result["diagnoses"] == ["missing"]:   # a def under another name?
                close = misspelled(check.name, names.all_defined())
                if close:
                    result["feedback"].append(
                        f"the notebook defines {' and '.join(close)}: a graded function "
                        f"keeps the name the assignment gives it, {check.name}")
        row["questions"].append(result)
    if reference:
        row["error"] = f"imports the reference implementation ({', '.join(reference)})"
    row["score"] = round(sum(q["score"] for q in row["questions"]), 6)


def grade_submission(sub, zygote, slot=0, limits=None, names=None, mode="definitions",
                     hidden="student", all_checks=False):
    """Grade one submission; always returns a row (a dict), never raises for its content."""
    limits = limits or zygote.limits
    return _finish(_prepare(sub, names, mode, hidden, all_checks), zygote, slot, limits,
                   mode)


def _error_row(sub, err):
    row = _new_row(sub)
    row.update(status="error", error=f"internal grader error: {type(err).__name__}: {err}")
    return row


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`grade_batch`: ``rows`` holds the submissions finished so far
    (in the order given), ``total`` how many there were, ``backend`` the isolation."""

    def __init__(self, rows, total, backend):
        super().__init__(f"interrupted after {len(rows)} of {total} submissions")
        self.rows, self.total, self.backend = rows, total, backend


def grade_batch(submissions, jobs=1, limits=None, isolation="auto", hide=(), names=None,
                mode="definitions", progress=None, hidden="student", on_backend=None,
                all_checks=False, keep=True):
    """Grade every submission; one row per submission, in the order given.

    Each submission is graded as the assignment it is identified as
    (:mod:`autograder.identify`; the row's ``identified_by`` and ``notes`` say how), or
    as its ``assignment`` when that is given; one that matches no assignment gets an
    error row saying what it defines.

    With ``jobs`` 1, submissions are read and planned by one thread, a submission or two
    ahead of the thread that runs its sandbox, and judged by a third (the sandboxes run
    in their own processes, so planning overlaps with them). With ``jobs`` >= 2, each of
    ``jobs`` worker processes grades whole submissions with a zygote of its own
    (:mod:`autograder.workers`), so that planning and judging run in parallel too.

    Parameters
    ----------
    submissions : list of Submission
    jobs : int
        Submissions graded at the same time (one sandbox slot each).
    limits : Limits, optional
    isolation : {"auto", "root", "rootless", "container", "none"}
        The sandbox backend (:func:`autograder.sandbox.choose_backend`; ``"full"`` is an
        old name of ``"auto"``).
    hide : iterable of path
        Extra paths the sandboxes must not see (the submissions and output folders).
    names : list of str, optional
        Graded functions to check (default: the assignment's).
    all_checks : bool
        Grade a submission that matches no assignment on the checks of the graded
        functions it defines (default: an error row).
    progress : callable, optional
        Called with each finished row (for a progress bar).
    hidden : {"student", "assignment"}
        Hidden cases drawn per student (default) or per assignment, the same for all
        (:func:`autograder.engines.hidden_cases_seed`; otter can only do the latter).
    on_backend : callable, optional
        Called with the backend's name once it is chosen (before any grading).
    keep : bool
        Keep the rows and return them (default). ``False``: each row is only handed to
        ``progress`` and nothing is kept, so memory stays flat however long the batch
        (``course grade`` journals each row and writes the reports from the journal).

    Returns
    -------
    list of dict
        Empty when ``keep`` is false.

    Raises
    ------
    BatchInterrupted
        On Ctrl-C: the running submissions are stopped, the rows finished so far are
        in the exception.
    """
    if jobs < 1:
        raise GradeError(f"jobs must be at least 1; got {jobs}")
    from .engines import HIDDEN_POLICIES

    if hidden not in HIDDEN_POLICIES:
        raise GradeError(f"hidden must be one of {', '.join(HIDDEN_POLICIES)}; got {hidden!r}")
    if names is not None:
        _questions_for(None, names)  # bad names fail now, before any work
    limits = limits or Limits()
    if jobs >= 2 and len(submissions) >= 2:  # worker processes: see autograder.workers
        from .workers import grade_in_workers

        rows, backend, interrupted = grade_in_workers(
            submissions, jobs, limits, isolation, list(hide), names, mode, progress,
            hidden, all_checks, on_backend, keep)
        for row in rows:
            row["isolation"] = backend
        if interrupted:
            raise BatchInterrupted(rows, len(submissions), backend)
        return rows
    # The zygote starts first: its interpreter and numpy load while this process
    # imports the checks.
    with open_zygote(isolation, hide=list(hide), limits=limits,
                     preload=peek_preloads(submissions)) as zygote:
        if on_backend is not None:
            on_backend(zygote.backend)
        rows, interrupted = _run_batch(submissions, zygote, jobs, limits, names, mode,
                                       progress, hidden, all_checks, keep)
        for row in rows:
            row["isolation"] = zygote.backend
        if interrupted:
            raise BatchInterrupted(rows, len(submissions), zygote.backend)
        return rows


def peek_preloads(submissions, n=3):
    """What the zygote should load as it starts (:func:`autograder.sandbox.preloads`),
    judged from the raw text of the first ``n`` submissions' notebooks, before any is
    read properly: a batch whose notebooks plot gets pyplot loaded while this process
    still imports and plans; one that does not never pays for it."""
    texts = []
    for sub in submissions[:n]:
        for path in sub.paths:
            try:
                texts.append(Path(path).read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
    return preloads(texts)


def _run_batch(submissions, zygote, jobs, limits, names, mode, progress, hidden,
               all_checks=False, keep=True):
    """Three stages overlap: one thread reads and plans submissions a few ahead, ``jobs``
    threads run sandboxes, and one thread judges what comes back.

    Returns the finished rows (in order) and whether Ctrl-C stopped the batch.
    """
    n = len(submissions)
    stop = threading.Event()
    rows = [None] * n
    slots = list(range(jobs))
    lock = threading.Lock()
    futures = {}
    submitted = [0]
    window = 2 * jobs + 1
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan") as planner, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="judge") as judges:

        def plan_ahead(upto):
            with lock:
                while submitted[0] < min(upto, n):
                    j = submitted[0]
                    futures[j] = planner.submit(_prepare, submissions[j], names, mode, hidden,
                                                  all_checks)
                    submitted[0] += 1

        def judge(i, prep, run, t_run):
            try:
                row = _finish_judge(prep, run, t_run)
            except Exception as err:  # noqa: BLE001 - one submission never stops the batch
                row = _error_row(submissions[i], err)
            rows[i] = row if keep else True
            if progress is not None:
                progress(row)

        pending = []

        def work(i):
            if stop.is_set():
                return
            plan_ahead(i + window)
            with lock:
                slot = slots.pop()
                future = futures.pop(i)
            try:
                try:
                    prep = future.result()
                    t_run = time.perf_counter()
                    run = _finish_run(prep, zygote, slot, limits, mode)
                except GradeError:
                    raise
                except Exception as err:  # noqa: BLE001 - one submission never stops the batch
                    row = _error_row(submissions[i], err)
                    rows[i] = row if keep else True
                    if progress is not None:
                        progress(row)
                    return
            finally:
                with lock:
                    slots.append(slot)
            pending.append(judges.submit(judge, i, prep, run, t_run))

        try:
            if jobs == 1:
                for i in range(n):
                    work(i)
            else:
                pool = ThreadPoolExecutor(max_workers=jobs)
                try:
                    list(pool.map(work, range(n)))
                except KeyboardInterrupt:
                    stop.set()
                    raise
                finally:
                    pool.shutdown(wait=True, cancel_futures=True)
        except KeyboardInterrupt:
            # Ctrl-C: the main thread's sandbox is closed by _execute; the other job
            # threads finish the submission they hold and take no new one.
            stop.set()
        for f in pending:
            f.result()
    return ([r for r in rows if r is not None] if keep else []), stop.is_set()
