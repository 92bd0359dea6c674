"""``course release``: build the student notebooks (``assignments/``) from ``solutions/``.

The steps are nbgrader's own preprocessors, in the order ``nbgrader
generate_assignment`` applies them; the order matters:

1. ``ClearHiddenTests``: drop the ``### BEGIN HIDDEN TESTS`` regions (they live in test
   cells, which the next step leaves alone);
2. ``ClearSolutions``: replace each ``### BEGIN SOLUTION`` region by a stub that raises
   ``NotImplementedError`` (the signature and docstring, outside the region, stay);
3. ``ClearOutput``: no outputs or execution counts;
4. ``LockCells``: lock the check and test cells;
5. ``ComputeChecksums``: record each graded cell's checksum, so that ``nbgrader
   autograde`` notices a student who edits a locked cell;
6. the **stamp**: ``metadata.course = {"assignment", "release", "version"}``, the
   assignment (the solution's folder name), a release id (the first 12 hex digits of
   the SHA-256 of the solution notebook's cell sources: the same solutions give the
   same id) and the package version. ``course grade`` reads it to know which
   assignment a submission is (:mod:`autograder.identify`), whatever its folder or
   file is named. It comes last: the checksums do not cover notebook metadata.

Before the steps, every ``### BEGIN ...`` marker must have its ``### END ...`` (and
the other way round) in the same cell: a broken region is a one-line error naming the
notebook and the cell.

Then the **leak check** reads every released notebook and fails if it still holds a
solution or hidden-test marker, a line of a solution or of a hidden test (lines that the
solution notebook also shows outside those regions, say a formula in the text, are
allowed), or three consecutive lines of the body of a reference function of
``course.nn``.

``course release --check`` builds into a temporary folder and fails when the result
differs from the committed ``assignments/`` (run in CI: the release is never stale).
"""

from __future__ import annotations

import filecmp
import inspect
import json
import sys
import tempfile
from pathlib import Path

__all__ = ["MARKERS", "ReleaseError", "build", "check_in_sync", "check_markers", "leaks",
           "release_id", "release_notebook", "stamp"]

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


class ReleaseError(RuntimeError):
    """The release could not be built, leaks, or is out of date."""


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _preprocessors():
    """nbgrader's preprocessors, in release order (imported here: nbgrader is slow)."""
    from nbgrader.preprocessors import (
        ClearHiddenTests,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    return [ClearHiddenTests(), ClearSolutions(), ClearOutput(),
            LockCells(lock_grade_cells=True, lock_readonly_cells=True),
            ComputeChecksums()]


def check_markers(nb):
    """Problems with the solution and hidden-test regions of ``nb`` (a list of str): a
    ``### BEGIN`` without its ``### END`` in the same cell, an ``END`` without a
    ``BEGIN``, or a region opened twice."""
    problems = []
    for i, cell in enumerate(nb["cells"]):
        open_ = None
        for n, line in enumerate(_source(cell).splitlines(), 1):
            s = line.strip()
            if not s.startswith("###"):
                continue
            for kind in ("SOLUTION", "HIDDEN TESTS"):
                if s == f"### BEGIN {kind}" or s.startswith(f"### BEGIN {kind} "):
                    if open_:
                        problems.append(f"cell {i + 1}, line {n}: '### BEGIN {kind}' inside "
                                        f"an open '### BEGIN {open_[0]}' (line {open_[1]})")
                    open_ = (kind, n)
                elif s == f"### END {kind}" or s.startswith(f"### END {kind} "):
                    if not open_ or open_[0] != kind:
                        problems.append(f"cell {i + 1}, line {n}: '### END {kind}' without "
                                        f"its '### BEGIN {kind}'")
                    open_ = None
        if open_:
            problems.append(f"cell {i + 1}, line {open_[1]}: '### BEGIN {open_[0]}' without "
                            f"its '### END {open_[0]}'")
    return problems


def release_id(nb):
    """The release id of a solution notebook: 12 hex digits of the SHA-256 of its cell
    sources, in order (outputs and metadata do not count)."""
    import hashlib

    h = hashlib.sha256()
    for cell in nb["cells"]:
        h.update(cell.get("cell_type", "").encode() + b"\0" + _source(cell).encode() + b"\0")
    return h.hexdigest()[:12]


def stamp(nb, assignment, release):
    """Write ``metadata.course`` (see the module's step 6) into ``nb``, in place."""
    from course import __version__

    nb.setdefault("metadata", {})["course"] = {"assignment": assignment, "release": release,
                                               "version": __version__}
    return nb


def release_notebook(nb, assignment=None):
    """The student version of one solution notebook (an ``nbformat`` node, copied),
    stamped with ``assignment`` when it is given."""
    import copy

    problems = check_markers(nb)
    if problems:
        raise ReleaseError("; ".join(problems))
    rid = release_id(nb)
    nb = copy.deepcopy(nb)
    resources = {}
    for pre in _preprocessors():
        nb, resources = pre.preprocess(nb, resources)
    if assignment is not None:
        stamp(nb, assignment, rid)
    return nb


def _regions(text, begin, end):
    """Lines strictly inside ``### BEGIN ...`` / ``### END ...`` regions of ``text``."""
    inside, out = False, []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("###") and begin in s:
            inside = True
        elif s.startswith("###") and end in s:
            inside = False
        elif inside:
            out.append(s)
    return out


def _meaningful(line):
    s = line.strip()
    return len(s) >= 6 and not s.startswith("#") and s not in ('"""', "'''", "pass")


def body_lines(func):
    """The stripped lines of ``func``'s body that the leak check compares: the signature,
    docstrings, comments, blank and short lines dropped."""
    lines, in_doc = [], False
    for line in inspect.getsource(func).splitlines()[1:]:
        s = line.strip()
        if s.startswith(('"""', "'''")):
            if not (len(s) > 3 and s.endswith(('"""', "'''"))):
                in_doc = not in_doc
            continue
        if not in_doc and _meaningful(s):
            lines.append(s)
    return lines


def _code_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _code_names(const)
    return names


def _callees(func):
    """The functions of ``course.nn`` that ``func``'s code names: its globals, and the
    attributes it names of the ``course.nn`` modules among them (``_gc.gradient_check``)."""
    names = _code_names(func.__code__)
    found = []
    for name in sorted(names):
        obj = func.__globals__.get(name)
        if inspect.ismodule(obj) and obj.__name__.startswith("course.nn"):
            found += [getattr(obj, a) for a in sorted(names) if hasattr(obj, a)]
        else:
            found.append(obj)
    return [f for f in found if inspect.isfunction(f) and f.__module__.startswith("course.nn")]


def _is_given(func):
    """Whether ``func`` is given code that a notebook hands out on purpose: named in the
    ``GIVEN`` tuple of its ``course.nn`` module (``shallow_api.GIVEN``, the initialisation,
    forward pass and cost of assignment 3's tanh + softmax network)."""
    module = sys.modules.get(func.__module__)
    return func.__name__ in getattr(module, "GIVEN", ())


def reference_bodies():
    """Qualified name -> body lines of every reference of a graded function, and of every
    function of ``course.nn`` they call, transitively: graded references are often thin
    wrappers (``L_model_backward`` calls ``model_backward``). The references are the
    functions named like a check in ``course.nn`` and in the curriculum modules the checks
    call (``chain_api``, ``gradcheck_api``: its ``gradient_check`` is not
    ``course.nn.gradient_check``)."""
    from autograder.checks import CHECKS
    from course import nn
    from course.nn import chain_api, gradcheck_api

    todo = [f for mod in (nn, chain_api, gradcheck_api) for name in sorted(CHECKS)
            if inspect.isfunction(f := getattr(mod, name, None))]
    bodies, seen = {}, set()
    while todo:
        func = todo.pop()
        if func in seen or _is_given(func):
            continue
        seen.add(func)
        bodies[f"{func.__module__}.{func.__qualname__}"] = body_lines(func)
        todo.extend(_callees(func))
    return bodies


def reference_leaks(text, bodies=None):
    """The references (of :func:`reference_bodies`) of which ``text`` holds three
    consecutive body lines. Lines are compared stripped, skipping the lines skipped in
    bodies (blank, comments, short ones), so that reformatting does not hide a copy."""
    bodies = reference_bodies() if bodies is None else bodies
    lines = [s for s in (ln.strip() for ln in text.splitlines()) if _meaningful(s)]
    windows = {tuple(lines[k:k + 3]) for k in range(len(lines) - 2)}
    return [f"three lines of {name}'s body" for name, body in sorted(bodies.items())
            if any(tuple(body[j:j + 3]) in windows for j in range(len(body) - 2))]


def leaks(solution, released):
    """What of ``solution`` reaches ``released`` (two notebook dicts); empty if nothing.

    Returns
    -------
    list of str
        One line per problem, naming the cell and what leaked.
    """
    problems = []
    shown, secret = set(), []
    for cell in solution["cells"]:
        text = _source(cell)
        hidden = set(_regions(text, "BEGIN SOLUTION", "END SOLUTION")) | set(
            _regions(text, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
        secret += [s for s in hidden if _meaningful(s)]
        shown |= {ln.strip() for ln in text.splitlines()} - hidden
    secret = {s for s in secret if s not in shown}
    bodies = reference_bodies()
    for i, cell in enumerate(released["cells"]):
        text = _source(cell)
        lines = [ln.strip() for ln in text.splitlines()]
        for marker in MARKERS:
            if marker in text:
                problems.append(f"cell {i + 1}: marker '{marker}' left in the release")
        for s in lines:
            if s in secret:
                problems.append(f"cell {i + 1}: solution or hidden-test line {s!r}")
        problems += [f"cell {i + 1}: {leak}" for leak in reference_leaks(text, bodies)]
    return problems


def unproven(solutions="solutions"):
    """Warnings (a list of str) about the instructor-written checks that the notebooks of
    ``solutions`` grade with and nothing proves: no mistakes (nothing shows the check
    catches a wrong answer) or no correct variants (nothing shows it accepts another
    right one). See :func:`autograder.authoring.prove` and ``course check-checks``."""
    from autograder.assignments import AssignmentError, registry
    from autograder.authoring import AUTHORED, gaps

    try:
        reg = registry(Path(solutions).resolve().parent)
    except AssignmentError as err:
        raise ReleaseError(str(err)) from None
    used = sorted({q.check for qs in reg.values() for q in qs if q.check in AUTHORED})
    return [f"{name} has {gap} (in {AUTHORED[name].source}): nothing proves the check "
            + ("catches a wrong answer" if "mistakes" in gap else "accepts another right one")
            + "; add some and run `course check-checks`"
            for name in used for gap in gaps(name)]


def build(solutions="solutions", out="assignments"):
    """Release every ``solutions/<assignment>/*.ipynb`` into ``out/<assignment>/``.

    Returns the written paths; raises :class:`ReleaseError` (and writes nothing more)
    when a notebook leaks or a graded cell does not say what it grades. Only notebooks
    are released: an assignment's ``checks.py`` (its instructor-written checks, with
    their references) never reaches ``out``.
    """
    import warnings

    import nbformat
    from nbformat.warnings import MissingIDFieldWarning

    solutions, out = Path(solutions), Path(out)
    if not solutions.is_dir():
        raise ReleaseError(f"{solutions}: no such folder; expected the solution notebooks "
                           "in <folder>/<assignment>/*.ipynb")
    sources = sorted(solutions.glob("*/*.ipynb"))
    if not sources:
        raise ReleaseError(f"no notebooks in {solutions}/<assignment>/*.ipynb")
    written = []
    for src in sources:
        try:
            with warnings.catch_warnings():  # cells without ids get them (nbformat 5.1)
                warnings.simplefilter("ignore", MissingIDFieldWarning)
                nb = nbformat.read(str(src), as_version=4)
        except Exception as err:  # noqa: BLE001 - nbformat raises many kinds
            raise ReleaseError(f"{src}: not a readable notebook ({type(err).__name__}: "
                               f"{str(err).splitlines()[0] if str(err) else ''})") from None
        try:
            student = release_notebook(nb, src.parent.name)
        except Exception as err:  # nbgrader raises RuntimeError for malformed markup
            raise ReleaseError(f"{src}: {err}") from None
        from autograder.assignments import AssignmentError, questions_in

        try:  # the graded cells must say what they grade (autograder.assignments)
            questions_in(json.loads(nbformat.writes(nb)), str(src))
        except AssignmentError as err:
            raise ReleaseError(str(err)) from None
        problems = leaks(json.loads(nbformat.writes(nb)), json.loads(nbformat.writes(student)))
        if problems:
            raise ReleaseError(f"{src}: the release would leak:\n  " + "\n  ".join(problems))
        dest = out / src.parent.name / src.name
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(student, str(dest))
        except OSError as err:
            raise ReleaseError(f"{dest}: cannot be written ({err.strerror})") from None
        written.append(dest)
    return written


def check_in_sync(solutions="solutions", out="assignments"):
    """Problems (a list of str) if ``out`` is not exactly what :func:`build` makes."""
    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = build(solutions, tmp)
        problems = []
        expected = {p.relative_to(tmp) for p in fresh}
        present = {p.relative_to(out) for p in out.glob("*/*.ipynb")} if out.exists() else set()
        for rel in sorted(expected - present):
            problems.append(f"{out / rel} is missing: run `course release`")
        for rel in sorted(present - expected):
            problems.append(f"{out / rel} has no solution notebook: remove it")
        for rel in sorted(expected & present):
            if not filecmp.cmp(Path(tmp) / rel, out / rel, shallow=False):
                problems.append(f"{out / rel} is out of date: run `course release`")
    return problems
