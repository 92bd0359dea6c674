"""``check``, ``grader`` and ``Grader``: the public checks, called from a notebook.

The checks come from :func:`coursekit.registry.checks` (the frozen public cases in the
student kit, :mod:`autograder.checks` in the instructor's repository) and are judged by
:mod:`coursekit.judge` in both.
"""

from __future__ import annotations

import html
import sys

from . import judge, registry
from .judge import PUBLIC_SEED

__all__ = ["Grader", "NotDefined", "Summary", "check", "grader"]


def check(name: str, func, seed: int = PUBLIC_SEED):
    """Run the public cases of ``name`` on ``func`` in this process; return a
    :class:`~coursekit.judge.Report` (shown as a table in Jupyter).

    For the student's notebook: ``check("linear_backward", linear_backward)``.
    """
    registry.checks()
    return judge.check(name, func, seed)


class NotDefined:
    """What :meth:`Grader.check` returns for a function the notebook does not define (yet):
    0 points, with a message saying what to do. Same attributes as a check report."""

    def __init__(self, name, reason):
        self.name = name
        self.reason = reason
        self.results = []
        self.score = 0.0
        self.max_score = float(registry.checks()[name].points)
        self.passed = False
        self.diagnoses = []

    def __str__(self):
        return f"{self.name}: 0 / {self.max_score:g} points ({self.reason})"

    __repr__ = __str__

    def _repr_html_(self):
        return (f"<div><b style='color:#b42318'>{html.escape(self.name)}: 0 / "
                f"{self.max_score:g} points</b> ({html.escape(self.reason)})</div>")


class Summary:
    """What :meth:`Grader.check_all` returns: one report per function, and the totals."""

    def __init__(self, reports):
        self.reports = list(reports)
        self.score = round(sum(r.score for r in self.reports), 10)
        self.max_score = round(sum(r.max_score for r in self.reports), 10)
        self.passed = bool(self.reports) and all(r.passed for r in self.reports)

    def __getitem__(self, name):
        for r in self.reports:
            if r.name == name:
                return r
        raise KeyError(name)

    def __str__(self):
        if not self.reports:
            return "No graded function is defined yet: run the cells that define them."
        lines = [str(r).splitlines()[0] for r in self.reports]
        lines.append(f"Total: {self.score:g} / {self.max_score:g} points")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        if not self.reports:
            return f"<div>{html.escape(str(self))}</div>"
        return ("<div>" + "".join(r._repr_html_() for r in self.reports)
                + f"<p><b>Total: {self.score:g} / {self.max_score:g} points</b></p></div>")


class Grader:
    """The public checks, called otter-style from a notebook::

        grader.check("linear_backward")   # the report of check("linear_backward", ...)
        grader.check_all()                 # every graded function defined so far

    The function is looked up by its name in the caller's global namespace (the
    notebook's), then in ``__main__``. ``names`` (or ``assignment``, a key of
    :func:`coursekit.registry.assignments`) fixes the functions ``check_all`` runs;
    without them it runs every check whose function is defined.
    """

    def __init__(self, names=None, assignment=None):
        if assignment is not None and names is None:
            assignments = registry.assignments()
            if assignment not in assignments:
                raise KeyError(f"no assignment named {assignment!r}; known: "
                               f"{', '.join(assignments)}")
            names = assignments[assignment]
        self.names = list(names) if names is not None else None
        for name in self.names or ():
            self._known(name)

    def __repr__(self):
        return f"Grader(names={self.names!r})"

    @staticmethod
    def _known(name):
        checks = registry.checks()
        if name not in checks:
            raise KeyError(f"no check named {name!r}; the graded functions are: "
                           f"{', '.join(checks)}")

    @staticmethod
    def _namespaces(depth):
        spaces = [sys._getframe(depth + 1).f_globals]
        main = sys.modules.get("__main__")
        if main is not None and vars(main) is not spaces[0]:
            spaces.append(vars(main))
        return spaces

    @staticmethod
    def _find(name, spaces):
        """``(function, None)`` or ``(None, reason)``."""
        for ns in spaces:
            if name in ns:
                func = ns[name]
                if callable(func):
                    return func, None
                return None, (f"{name} is a {type(func).__name__}, not a function: define "
                              f"`def {name}(...)` and run its cell")
        return None, (f"{name} is not defined yet: run the cell that defines it, "
                      "then check again")

    def _run(self, name, spaces):
        self._known(name)
        func, reason = self._find(name, spaces)
        return check(name, func) if func is not None else NotDefined(name, reason)

    def check(self, name):
        """The public checks of the function called ``name`` in the notebook: a report
        (``score``, ``max_score``, ``passed``; shown as a table in Jupyter)."""
        return self._run(name, self._namespaces(1))

    def check_all(self):
        """Every graded function: this grader's ``names`` (missing ones score 0), or
        else every check whose function the notebook defines. A :class:`Summary`."""
        spaces = self._namespaces(1)
        if self.names is not None:
            names = self.names
        else:
            names = [n for n in registry.checks() if self._find(n, spaces)[0] is not None]
        return Summary(self._run(n, spaces) for n in names)


#: The notebook's grader: ``grader.check("linear_backward")``, ``grader.check_all()``.
grader = Grader()
