"""``check``, ``grader`` and ``Grader``: the public checks, called from a notebook.

The checks come from :func:`coursekit.registry.checks` (the frozen public cases in the
student kit, :mod:`autograder.checks` in the instructor's repository) and are judged by
:mod:`coursekit.judge` in both.
"""

from __future__ import annotations

import ast
import difflib
import html
import inspect
import sys
import textwrap

from . import judge, registry
from .cells import misspelled
from .judge import PUBLIC_SEED

__all__ = ["Grader", "NotDefined", "Summary", "Unknown", "check", "grader", "is_stub"]


def _raises_not_implemented(stmt) -> bool:
    if not isinstance(stmt, ast.Raise) or stmt.exc is None:
        return False
    exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def notebook_globals(func) -> dict:
    """The notebook variables ``func`` reads: name -> value for every global name its code
    (nested functions included) loads that is bound, in its module's namespace, to data
    rather than to a module, function or class. Such a read works in the notebook and
    fails when the notebook is graded, where only imports and definitions are kept."""
    import dis
    import types

    names, stack = set(), [getattr(func, "__code__", None)]
    while stack:
        code = stack.pop()
        if code is None:
            continue
        for ins in dis.get_instructions(code):
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                names.add(ins.argval)
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    space = getattr(func, "__globals__", {})
    found = {}
    for name in sorted(names):
        if name in space and not name.startswith("__"):
            value = space[name]
            if not (inspect.ismodule(value) or callable(value)):
                found[name] = value
    return found


def _global_note(name, found):
    """:func:`coursekit.judge.global_note` (``course grade`` says the same) for the
    variables ``found`` (name -> value)."""
    def show(v):
        text = repr(v)
        return text if len(text) <= 40 else f"a {type(v).__name__}"

    return judge.global_note(name, {k: show(v) for k, v in found.items()})


def is_stub(func) -> bool:
    """Whether ``func`` is still a stub: a statement of its body (not nested in a block)
    is ``raise NotImplementedError()``, as in the release's graded and exercise cells.

    Read from the function's source (IPython keeps every cell's source); without a
    source, a function whose code names ``NotImplementedError`` counts as a stub.
    """
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        code = getattr(func, "__code__", None)
        return code is not None and "NotImplementedError" in code.co_names
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return bool(defs) and any(_raises_not_implemented(s) for s in defs[0].body)


def check(name: str, func, seed: int = PUBLIC_SEED):
    """Run the public cases of ``name`` on ``func`` in this process; return a
    :class:`~coursekit.judge.Report` (shown as a table in Jupyter).

    For the student's notebook: ``check("linear_backward", linear_backward)``.
    """
    registry.checks()
    return judge.check(name, func, seed)


#: Why a function is not there, when nothing looks like it (:meth:`Grader._find`).
_NOT_YET = "{name} is not defined yet: run the cell that defines it, then check again"


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
        return (f"<div style='text-align:left'><b style='color:var(--jp-error-color1, "
                f"#b42318)'>{html.escape(self.name)}: 0 / {self.max_score:g} points</b> "
                f"({html.escape(self.reason)})</div>")


class Unknown:
    """What :meth:`Grader.check` returns for a name that no check has (a typo), and
    :meth:`Grader.check_all` for an assignment that the kit does not know: one line with
    the closest names, 0 points out of 0."""

    def __init__(self, name, close, kind="graded function"):
        self.name = name
        self.close = list(close)
        self.kind = kind
        self.results = []
        self.reports = []
        self.score = self.max_score = 0.0
        self.passed = False
        self.diagnoses = ["unknown_name"]

    def __str__(self):
        hint = (f"did you mean {' or '.join(repr(c) for c in self.close)}?" if self.close
                else "check the spelling in the assignment's text")
        return f"no {self.kind} is called {self.name!r}: {hint}"

    __repr__ = __str__

    def _repr_html_(self):
        return (f"<div style='text-align:left'><b style='color:var(--jp-error-color1, "
                f"#b42318)'>{html.escape(str(self))}</b></div>")


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

    def _groups(self):
        """``{report: its group}`` for the reports said together in one line, where the
        first of the group is, instead of once each: functions still the release's
        stub, and functions not defined yet (when there are several of either)."""
        def kind(r):
            if getattr(r, "stub", False):
                return "stub"
            if isinstance(r, NotDefined) and r.reason == _NOT_YET.format(name=r.name):
                return "missing"
            return None

        groups = {}
        for r in self.reports:
            if kind(r):
                groups.setdefault(kind(r), []).append(r)
        return {id(r): (k, g) for k, g in groups.items() if len(g) > 1 for r in g}

    @staticmethod
    def _group_line(kind, group):
        listed = ", ".join(f"{r.name} (0 / {r.max_score:g})" for r in group)
        if kind == "stub":
            return (f"{listed} are still stubs: replace `raise NotImplementedError()` with "
                    "your code, run each one's cell, then check again")
        return f"{listed} are not defined yet: run the cells that define them, then check again"

    def _lines(self):
        """``(report or None, text)``: a report alone, or the line of its group."""
        groups = self._groups()
        out = []
        for r in self.reports:
            kind, group = groups.get(id(r), (None, None))
            if group is None:
                out.append((r, None))
            elif r is group[0]:
                out.append((None, self._group_line(kind, group)))
        return out

    def __str__(self):
        if not self.reports:
            return "No graded function is defined yet: run the cells that define them."
        lines = [text if r is None else str(r).splitlines()[0] for r, text in self._lines()]
        lines.append(f"Total: {self.score:g} / {self.max_score:g} points")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        if not self.reports:
            return f"<div>{html.escape(str(self))}</div>"
        parts = [r._repr_html_() if r is not None else
                 ("<div style='text-align:left'><b style='color:var(--jp-error-color1, "
                  f"#b42318)'>{judge.code_html(text)}</b></div>")
                 for r, text in self._lines()]
        return ("<div>" + "".join(parts)
                + f"<p><b>Total: {self.score:g} / {self.max_score:g} points</b></p></div>")


#: ``Grader.answer``'s "no value given" (``...`` means "not answered yet").
_NOTHING = object()


class Grader:
    """The public checks, called otter-style from a notebook::

        grader.check("linear_backward")   # the report of check("linear_backward", ...)
        grader.check_all()                 # every graded function defined so far
        grader.answer(tensor_entries=...)  # a numeric self-check (no points)

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
        close = misspelled(name, [k for ns in spaces for k, v in ns.items()
                                  if inspect.isfunction(v)])
        if close:
            return None, (f"{name} is not defined, but the notebook defines "
                          f"{' and '.join(close)}: a graded function keeps the name the "
                          f"assignment gives it; rename it to {name} and run its cell")
        return None, _NOT_YET.format(name=name)

    def _run(self, name, spaces):
        checks = registry.checks()
        if callable(name) and isinstance(getattr(name, "__name__", None), str):
            # grader.check(linear_backward), the function itself: checked by its name
            spaces = [{name.__name__: name}, *spaces]
            name = name.__name__
        if not isinstance(name, str) or name not in checks:
            return Unknown(name, difflib.get_close_matches(str(name), list(checks), n=3,
                                                           cutoff=0.6))
        func, reason = self._find(name, spaces)
        if func is None:
            return NotDefined(name, reason)
        report = check(name, func)
        found = notebook_globals(func)
        if found:
            report.notes.insert(0, _global_note(name, found))
        return report

    def ready(self, *names):
        """Whether the notebook's functions ``names`` are all written: defined and no
        longer stubs (:func:`is_stub`). If not, print which ones are still to do and
        return ``False``; for the cells that try out graded functions::

            if grader.ready("linear_forward", "linear_backward"):
                ...   # the demo, run once both are written

        so that "Run All" on a fresh notebook goes on to the end instead of stopping at
        the first stub.
        """
        spaces = self._namespaces(1)
        stubs, missing = [], []
        for name in names:
            func, _ = self._find(name, spaces)
            if func is None:
                missing.append(name)
            elif is_stub(func):
                stubs.append(name)
        if not stubs and not missing:
            return True

        def listed(items):
            items = [f"`{n}`" for n in items]
            return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

        parts = []
        if stubs:
            parts.append(f"{listed(stubs)} {'is' if len(stubs) == 1 else 'are'} still "
                         f"{'a stub' if len(stubs) == 1 else 'stubs'} (replace "
                         "`raise NotImplementedError()` with your code and run the cell)")
        if missing:
            parts.append(f"{listed(missing)} {'is' if len(missing) == 1 else 'are'} not "
                         "defined yet (run the cell that defines it)")
        print(f"Skipped for now: this cell uses {listed(names)}; " + "; ".join(parts)
              + ". Run this cell again once that is done.")
        return False

    def answer(self, name=None, value=_NOTHING, /, **answers):
        """Self-check numeric answers to questions that are not graded (no points):
        ``grader.answer("tensor_entries", 7840000)`` or, for several questions,
        ``grader.answer(tensor_entries=7840000, tensor_megabytes=62.7)``.

        Each answer is compared with the expected value frozen from the solution
        notebook's model answer (:mod:`coursekit.answers`): right, not answered yet
        (``...``), or not right yet with a hint; a misspelt question name gets one line
        with the closest names. Nothing is printed to stderr and nothing reaches a grade.

        Returns
        -------
        coursekit.answers.AnswerReport
            One line per question (``right`` is true when all are right).
        """
        from . import answers as _answers

        results = []
        if name is not None:
            if value is _NOTHING:
                results.append(_answers.Result(
                    str(name), "invalid", f"{name}: give your number too: "
                    f"grader.answer({str(name)!r}, your_number)"))
            else:
                results.append(_answers.check(name, value))
        results += [_answers.check(n, v) for n, v in answers.items()]
        return _answers.AnswerReport(results)

    def check(self, name):
        """The public checks of the function called ``name`` in the notebook: a report
        (``score``, ``max_score``, ``passed``; shown as a table in Jupyter)."""
        return self._run(name, self._namespaces(1))

    def check_all(self, assignment=None):
        """Every graded function of ``assignment`` (a key of
        :func:`coursekit.registry.assignments`, such as ``"03_one_layer_at_a_time"``),
        else this grader's ``names``, else every check whose function the notebook
        defines. With an assignment or names, a function that is missing or not a
        function scores 0 of its points, so the total is the assignment's. A
        :class:`Summary` (an :class:`Unknown`, one line, for a misspelled assignment)."""
        known = registry.assignments()
        if assignment is not None and assignment not in known:
            return Unknown(assignment, difflib.get_close_matches(
                str(assignment), list(known), n=2, cutoff=0.6), "assignment")
        return self._summary_for(assignment, self._namespaces(1))

    def submit(self, path=None, student=None, timeout=None, out=None):
        """Check the saved notebook and write the file to hand in,
        ``<assignment>-<student>.zip`` next to it (the notebook and a manifest of the kit
        version and the public results). Save the notebook first: the saved file is what
        is checked and zipped.

        Parameters
        ----------
        path : str, optional
            The notebook's file name, when it cannot be told from the session.
        student : str, optional
            Your id; default your login name (``getpass.getuser()``).
        timeout : float, optional
            Seconds the notebook may take to run top to bottom in a fresh kernel
            (default :data:`coursekit.submit.DEFAULT_TIMEOUT`).
        out : str, optional
            The folder for the zip, when the notebook's own folder is read-only
            (default: the notebook's folder).

        Returns
        -------
        coursekit.submit.SubmitReport
            Where the zip is, what is missing or failing, what to do next (shown as one
            message; never raises for an ordinary problem).
        """
        from . import submit as _submit

        return _submit.submit(path, student,
                              _submit.DEFAULT_TIMEOUT if timeout is None else timeout,
                              out=out, spaces=self._namespaces(1))

    def _summary_for(self, assignment, spaces):
        if assignment is not None:
            known = registry.assignments()
            if assignment not in known:
                raise KeyError(f"no assignment named {assignment!r}; known: "
                               f"{', '.join(known)}")
            names = known[assignment]
        elif self.names is not None:
            names = self.names
        else:
            names = [n for n in registry.checks() if self._find(n, spaces)[0] is not None]
        return Summary(self._run(n, spaces) for n in names)


#: The notebook's grader: ``grader.check("linear_backward")``, ``grader.check_all()``.
grader = Grader()
