"""The course's assignments, read from its solution notebooks: no table to keep in sync.

An assignment is a folder ``solutions/<assignment>/`` of the course holding one or more
notebooks in nbgrader's format. Its questions, in notebook order, are its graded
hidden-test cells (``nbgrader`` metadata ``grade: true`` and ``points`` > 0) that call

    nbgrader_points("<check>", <function>)

which says everything the three engines need: the graded function the student writes
(``<function>``, found by name), the check that grades it (``<check>``, a key of
:data:`autograder.checks.CHECKS`: the function's own name, or a built-in check reused
under another name) and its points (the cell's nbgrader ``points``, the one number
nbgrader, ``course grade`` and otter all use). A new folder is a new assignment;
changing a question's points, or grading a function with another check, is a one-line
edit of its notebook, and no Python file of the package changes. A function with no
built-in check gets one written by the instructor in ``solutions/<assignment>/checks.py``
(:mod:`autograder.authoring`), loaded with the notebooks.

The course is the folder given by ``--course`` (:func:`use_course`), else the
environment variable ``COURSE_ROOT``, else the nearest of the current folder and its
parents that has a ``solutions/`` folder (``nbgrader autograde`` runs notebooks in
``<course>/nbgrader/autograded/<student>/<assignment>/``), else the course bundled
with this package (the repository).
``course grade`` grades every submission as the assignment it identifies
(:mod:`autograder.identify`), against these questions.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ASSIGNMENTS", "PACKAGE_COURSE", "AssignmentError", "Question", "course_root",
           "questions", "questions_for", "questions_in", "registry", "use_course"]

#: The course bundled with the package: the repository holding ``autograder/``.
PACKAGE_COURSE = Path(__file__).resolve().parent.parent
#: The call a graded hidden-test cell ends with.
CALL = "nbgrader_points"
#: An assignment's own checks (:mod:`autograder.authoring`), beside its notebook.
CHECKS_FILE = "checks.py"

_chosen = None


class AssignmentError(ValueError):
    """A solution notebook whose graded cells cannot be read as questions."""


@dataclass(frozen=True)
class Question:
    """One graded function of an assignment.

    Attributes
    ----------
    function : str
        The name the student's function has (and the question's name in every report).
    check : str
        The check that grades it (a key of :data:`autograder.checks.CHECKS`).
    points : float
        Its points (the nbgrader ``points`` of its hidden-test cell).
    """

    function: str
    check: str
    points: float


def use_course(root):
    """Make ``root`` (a folder with ``solutions/``) the course for this process
    (``None``: back to the default of :func:`course_root`)."""
    global _chosen
    _chosen = None if root is None else Path(root).resolve()


def choose_course(root):
    """:func:`use_course` for a folder given on the command line (``--course DIR``);
    the reason it cannot be the course, or ``None`` when it is now in use."""
    if not (Path(root) / "solutions").is_dir():
        return (f"{root} has no solutions/ folder; expected the course folder (the one "
                "holding solutions/<assignment>/)")
    use_course(root)
    return None


def course_root():
    """The course folder in use (see the module's docstring for the order)."""
    if _chosen is not None:
        return _chosen
    env = os.environ.get("COURSE_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):  # nbgrader autograde runs in a subfolder
        if (folder / "solutions").is_dir():
            return folder
    return PACKAGE_COURSE


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _calls(source):
    """``(check, function)`` of every ``nbgrader_points("check", function)`` call."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
                node.func, "attr", None)) == CALL):
            args = node.args
            if (len(args) >= 2 and isinstance(args[0], ast.Constant)
                    and isinstance(args[0].value, str) and isinstance(args[1], ast.Name)):
                found.append((args[0].value, args[1].id))
            else:
                found.append(None)
    return found


def questions_in(nb, where="notebook"):
    """The questions of one solution notebook (a notebook dict), in cell order.

    Raises
    ------
    AssignmentError
        For a graded cell whose ``nbgrader_points`` call is not ``("check", function)``,
        that does not parse, or that calls it more than once; or a function graded twice.
    """
    out = []
    for i, cell in enumerate(nb.get("cells", [])):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        source = _source(cell)
        if CALL not in source:
            continue
        calls = _calls(source)
        cid = meta.get("grade_id", f"cell {i + 1}")
        if calls is None:
            raise AssignmentError(f"{where}: cell {cid} does not parse as Python")
        if len(calls) != 1 or calls[0] is None:
            raise AssignmentError(
                f"{where}: cell {cid} must call {CALL}(\"<check>\", <function>) once, with "
                "the check's name as a string and the function's name")
        check, function = calls[0]
        try:
            points = float(meta.get("points", 0))
        except (TypeError, ValueError):
            raise AssignmentError(f"{where}: cell {cid} has points {meta.get('points')!r}; "
                                  "expected a number") from None
        if points <= 0:
            raise AssignmentError(f"{where}: cell {cid} grades {function} with "
                                  f"{points:g} points; expected more than 0")
        if any(q.function == function for q in out):
            raise AssignmentError(f"{where}: {function} is graded twice")
        out.append(Question(function, check, points))
    return out


def _signature(root):
    solutions = Path(root) / "solutions"
    if not solutions.is_dir():
        return ()
    return tuple(sorted((str(p), p.stat().st_mtime_ns)
                        for pattern in ("*/*.ipynb", "*/" + CHECKS_FILE)
                        for p in solutions.glob(pattern)))


_cache = {}


def registry(root=None):
    """Assignment name -> list of :class:`Question`, for every folder of
    ``<root>/solutions/`` (default :func:`course_root`) whose notebooks grade something;
    re-read when a notebook changes."""
    root = Path(root).resolve() if root is not None else course_root()
    sig = _signature(root)
    hit = _cache.get(root)
    if hit is not None and hit[0] == sig:
        return hit[1]
    found = {}
    for path, _ in sig:  # the instructors' checks first: the notebooks may use them
        if path.endswith("/" + CHECKS_FILE):
            from .authoring import CheckFileError, load_checks

            try:
                load_checks(path)
            except CheckFileError as err:
                raise AssignmentError(str(err)) from None
    for name in sorted({Path(p).parent.name for p, _ in sig}):
        qs = []
        for path in sorted((root / "solutions" / name).glob("*.ipynb")):
            try:
                nb = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise AssignmentError(f"{path}: not a readable notebook ({err})") from None
            qs += questions_in(nb, str(path))
        if qs:
            found[name] = qs
    _cache[root] = (sig, found)
    return found


def questions(assignment, root=None):
    """The :class:`Question` list of ``assignment``.

    Raises
    ------
    KeyError
        If ``assignment`` is not an assignment of the course (the message lists those
        that are).
    """
    reg = registry(root)
    if assignment not in reg:
        raise KeyError(f"unknown assignment {assignment!r}; registered: {', '.join(reg)}"
                       + ("" if reg else f" (none: no solutions/ in {course_root()})"))
    return list(reg[assignment])


def questions_for(assignment):
    """The graded function names of ``assignment``, in order (see :func:`questions`)."""
    return [q.function for q in questions(assignment)]


class _Assignments(Mapping):
    """Assignment name -> graded function names, of the course in use (read lazily)."""

    def _data(self):
        return {a: [q.function for q in qs] for a, qs in registry().items()}

    def __getitem__(self, name):
        return self._data()[name]

    def __iter__(self):
        return iter(self._data())

    def __len__(self):
        return len(self._data())

    def __repr__(self):
        return f"ASSIGNMENTS({self._data()!r})"


#: Assignment name -> graded function names, in the order of its notebook.
ASSIGNMENTS = _Assignments()
