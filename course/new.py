"""``course new ASSIGNMENT QUESTION...``: scaffold a solution notebook in the course's format.

Each ``QUESTION`` is ``FUNCTION[=CHECK][:POINTS]``: the graded function the students
write, the check that grades it (default: the check of the same name, from
:data:`autograder.checks.CHECKS`) and its points (default: the check's). For example

    course new week3 linear_forward my_relu_grad=relu_backward:2

writes ``solutions/week3/week3.ipynb``, in the order ``course release``, ``course grade``,
nbgrader and otter read it:

1. a title and a setup cell (``numpy``, ``coursekit``);
2. per question: a Markdown cell to write the task in, the **graded cell** (nbgrader
   ``solution``, ``grade_id`` = the function) holding the signature, a docstring that
   states the contract and a ``### BEGIN SOLUTION`` region (filled with a call of the
   reference, so the notebook passes its own checks at once: replace it with your own
   solution if you like, the release strips it either way), the **check cell** the
   students run (locked) and the **hidden-test cell** (nbgrader ``grade``, ``points``)
   ending with ``nbgrader_points("<check>", <function>)``, the one line that names the
   check and, through its cell's points, what the question is worth.

Nothing else needs registering: the folder of ``solutions/`` is the assignment
(:mod:`autograder.assignments`). Changing a question's points is an edit of its
hidden-test cell's nbgrader ``points`` (JupyterLab's property inspector, or nbgrader's
"Create Assignment" toolbar); grading a function with another built-in check is an edit
of the check's name in that cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NewError", "Spec", "new_assignment", "parse_question", "scaffold"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class NewError(ValueError):
    """A question or assignment name that cannot be scaffolded (the message says why)."""


@dataclass(frozen=True)
class Spec:
    """One question to scaffold: ``function`` graded by ``check`` out of ``points``."""

    function: str
    check: str
    points: float


def parse_question(text):
    """``FUNCTION[=CHECK][:POINTS]`` as a :class:`Spec` (the check must exist)."""
    from autograder.checks import CHECKS

    m = re.fullmatch(r"\s*([^=:\s]+)\s*(?:=\s*([^:\s]+)\s*)?(?::\s*(\S+)\s*)?", text)
    if not m:
        raise NewError(f"{text!r}: expected FUNCTION[=CHECK][:POINTS], e.g. "
                       "linear_forward or my_relu_grad=relu_backward:2")
    function, check, points = m.group(1), m.group(2) or m.group(1), m.group(3)
    for what, name in (("function", function), ("check", check)):
        if not _NAME.match(name):
            raise NewError(f"{text!r}: the {what} {name!r} is not a Python name")
    if check not in CHECKS:
        import difflib

        close = difflib.get_close_matches(check, list(CHECKS), n=4)
        raise NewError(f"{text!r}: no built-in check {check!r}"
                       + (f" (close: {', '.join(close)})" if close else "")
                       + "; `course new --list` lists them, and a check of your own goes "
                       "in solutions/<assignment>/checks.py (docs/authoring.md)")
    try:
        value = float(points) if points is not None else float(CHECKS[check].points)
    except ValueError:
        raise NewError(f"{text!r}: points {points!r} is not a number") from None
    if not value > 0:
        raise NewError(f"{text!r}: points must be more than 0; got {value:g}")
    return Spec(function, check, value)


def _meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    nbg = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
           "solution": solution}
    if points is not None:
        nbg["points"] = int(points) if float(points).is_integer() else points
    meta = {"nbgrader": nbg}
    if locked:
        meta.update(deletable=False, editable=False)
    return meta


def _docstring(check, spec):
    params = "\n".join(f"    {p} : ...\n        Describe {p} (its shape, e.g. (n, m))."
                       for p in check.params)
    return (f'    """Describe what {spec.function} computes.\n\n'
            f"    Parameters\n    ----------\n{params}\n\n"
            f"    Returns\n    -------\n    {check.returns} : ...\n"
            f"        Describe the result (its shape).\n"
            f'    """\n')


def scaffold(name, specs):
    """The solution notebook of assignment ``name`` with the questions ``specs`` (an
    ``nbformat`` notebook node)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from autograder.checks import CHECKS

    cells = [
        new_markdown_cell(
            f"# {name}\n\nWrite the introduction here. Each exercise below has a graded "
            "cell (write your function there), a check cell that runs the public cases "
            "and says which shape or value is wrong, and a locked cell the grader uses.",
            metadata=_meta("intro", locked=True)),
        new_code_cell("import numpy as np\nfrom coursekit import check, grader",
                      metadata=_meta("setup", locked=True)),
    ]
    from autograder.authoring import AUTHORED

    for k, spec in enumerate(specs, 1):
        c = CHECKS[spec.check]
        args = ", ".join(c.params)
        if spec.check in AUTHORED:  # an instructor's check: the solution is theirs to write
            solution = f"    raise NotImplementedError('write the solution of {spec.function}')\n"
        else:
            solution = ("    from course import nn  # the reference; replace with your solution\n"
                        f"\n    return nn.{spec.check}({args})\n")
        body = (f"def {spec.function}({args}):\n{_docstring(c, spec)}"
                f"    ### BEGIN SOLUTION\n{solution}    ### END SOLUTION\n")
        run = (f'grader.check("{spec.function}")' if spec.function == spec.check
               else f'check("{spec.check}", {spec.function})')
        cells += [
            new_markdown_cell(f"## Exercise {k}: `{spec.function}` ({spec.points:g} "
                              f"point{'s' * (spec.points != 1)})\n\nDescribe the task here.",
                              metadata=_meta(f"task_{spec.function}", locked=True)),
            new_code_cell(body, metadata=_meta(spec.function, solution=True)),
            new_code_cell(run, metadata=_meta(f"check_{spec.function}", locked=True)),
            new_code_cell("# Graded by the course's hidden tests (this cell is locked).\n"
                          "### BEGIN HIDDEN TESTS\n"
                          "from autograder.engines import nbgrader_points\n"
                          f'nbgrader_points("{spec.check}", {spec.function})\n'
                          "### END HIDDEN TESTS",
                          metadata=_meta(f"test_{spec.function}", grade=True, locked=True,
                                         points=spec.points)),
        ]
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nb


def new_assignment(name, questions, course=None, force=False):
    """Write ``<course>/solutions/<name>/<name>.ipynb`` for the ``questions`` (strings
    ``FUNCTION[=CHECK][:POINTS]``); returns its path.

    Raises
    ------
    NewError
        For a bad name or question, a function asked for twice, or an assignment that
        exists (unless ``force``).
    """
    import nbformat

    from autograder.assignments import course_root

    if not _FOLDER.match(name):
        raise NewError(f"{name!r} is not a usable assignment name: use letters, digits, "
                       "'_', '-' or '.', starting with a letter or digit")
    if not questions:
        raise NewError("give at least one question: FUNCTION[=CHECK][:POINTS]")
    root = Path(course) if course is not None else course_root()
    from autograder.assignments import AssignmentError, registry

    try:
        registry(root)  # the course's own checks (solutions/*/checks.py) count too
    except AssignmentError as err:
        raise NewError(str(err)) from None
    specs = [parse_question(q) for q in questions]
    twice = sorted({s.function for s in specs if [t.function for t in specs].count(
        s.function) > 1})
    if twice:
        raise NewError(f"{', '.join(twice)} asked for more than once")
    folder = root / "solutions" / name
    path = folder / f"{name}.ipynb"
    if folder.exists() and any(folder.glob("*.ipynb")) and not force:
        raise NewError(f"{folder} already holds notebooks; choose another name or pass "
                       "--force to overwrite")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(scaffold(name, specs), str(path))
    except OSError as err:
        raise NewError(f"{path}: cannot be written ({err.strerror})") from None
    return path
