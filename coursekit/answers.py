"""Numeric self-checks: ``grader.answer(...)`` for the questions that are not graded and
whose answer is a number.

A student types a number into a self-check cell of the notebook::

    grader.answer(tensor_entries=..., tensor_megabytes=...)   # replace each ... by a number

and gets one line per question: right, not answered yet, or not right yet with a hint.
A self-check costs and gives no points (nothing of it reaches a grade) and prints nothing
to stderr.

Where the expected values come from
-----------------------------------
The expected value of a question is the number that the solution notebook's model answer
states, marked by an HTML comment right after it (the rendered notebook does not show it,
and the release replaces the whole model answer by YOUR ANSWER HERE)::

    $h^2 n = 7{,}840{,}000$<!-- run: entries --><!-- answer: tensor_entries -->

* ``answer: NAME`` makes the number before it the expected value of the self-check
  ``NAME`` (a Python identifier, unique over the course);
* ``; tol=T`` (optional) is an absolute tolerance; without it an answer is right when it
  rounds to the number as written and is within 1 % of it (``62.7`` accepts 62.66 to
  62.74, ``0.25`` 0.2475 to 0.2525, a count such as ``7{,}840{,}000`` only itself, ``0``
  only 0);
* ``; hint=TEXT`` (optional) is shown after a wrong answer (TEXT without ``;``).

When the number comes from a computation of the notebook, the same number carries a
``run:`` marker too, so that ``tests/test_prose_numbers.py`` ties it to the solution's
run: the value is typed once, in the model answer, and checked against the run there.

In the instructor's repository the answers are read from the solution notebooks of the
course (:func:`autograder.assignments.course_root`) when first needed; in the student
kit ``course kit`` freezes them into ``coursekit/cases/_answers.plain``
(:func:`freeze`), so that the kit needs neither ``course`` nor the solutions.
"""

from __future__ import annotations

import difflib
import html
import json
import math
import numbers
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["ANSWERS_FILE", "Answer", "AnswerError", "AnswerReport", "answers", "check",
           "freeze", "notebook_answers", "parse_answers"]

#: The frozen answers inside the student kit's ``coursekit/cases/``.
ANSWERS_FILE = "_answers.plain"
#: Largest relative tolerance when a marker states none (with half a unit of the last
#: digit written).
DEFAULT_RTOL = 0.01

#: An HTML comment of a Markdown cell (where the markers stand).
COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_MARKER = re.compile(r"^\s*answer\s*:\s*(.+?)\s*$", re.S)
#: The number that ends the text before a marker, and what may stand after it (also the
#: matcher of tests/test_prose_numbers.py).
NUMBER = re.compile(
    r"(?P<sign>[-\u2212]?)"
    r"(?P<int>\d{1,3}(?:(?:,|\{,\})\d{3})+|\d+)"
    r"(?P<frac>\.\d+)?"
    r"(?:[eE](?P<exp>[-+]?\d+))?"
    r"(?:\s|\$|%|\\%|\*|\)|\}|\]|\\,)*$")
_NAME = re.compile(r"^[A-Za-z_]\w*$")


class AnswerError(ValueError):
    """A malformed ``answer:`` marker (names the notebook, the cell and what is wrong)."""


@dataclass(frozen=True)
class Answer:
    """The expected answer of one self-check question.

    Attributes
    ----------
    name : str
    assignment : str
        The solution folder the model answer is in.
    value : float
    tol : float
        Absolute tolerance: an answer ``v`` is right when ``|v - value| <= tol``.
    written : str
        The number as the model answer writes it (LaTeX thousands separators removed).
    hint : str or None
        What a wrong answer is told, after the automatic hints.
    """

    name: str
    assignment: str
    value: float
    tol: float
    written: str
    hint: str | None = None


def written_number(text):
    """``(value, written, half_unit)`` of the number that ends ``text`` (``half_unit``:
    half a unit of its last digit), or ``None``."""
    m = NUMBER.search(text)
    if m is None:
        return None
    digits = m["int"].replace("{,}", "").replace(",", "")
    frac = m["frac"] or ""
    exp = int(m["exp"]) if m["exp"] else 0
    value = float(digits + frac) * 10.0 ** exp
    if m["sign"]:
        value = -value
    written = m[0].strip(" \t\n$%*)}]\\,").replace("{,}", ",").replace("\u2212", "-")
    return value, written, 0.5 * 10.0 ** (exp - (len(frac) - 1 if frac else 0))


def parse_answers(markdown, assignment="", where=""):
    """The :class:`Answer` of every ``answer:`` marker of one Markdown source (a list).
    Raises :class:`AnswerError` for a marker without a number before it, a bad name or
    an unknown option."""
    found = []
    for m in COMMENT.finditer(markdown):
        marker = _MARKER.match(m[1])
        if marker is None:
            continue
        parts = [p.strip() for p in marker[1].split(";")]
        name, options = parts[0], parts[1:]
        if not _NAME.match(name):
            raise AnswerError(f"{where}: <!-- answer: {marker[1]} -->: the name must be a "
                              f"Python identifier; got {name!r}")
        before = COMMENT.sub("", markdown[:m.start()])
        number = written_number(before)
        if number is None:
            context = " ".join(before[-60:].split())
            raise AnswerError(f"{where}: no number right before <!-- answer: {name} --> "
                              f"('...{context}')")
        value, written, half = number
        tol, hint = max(min(DEFAULT_RTOL * abs(value), half), 1e-12), None
        for opt in options:
            key, sep, text = (s.strip() for s in opt.partition("="))
            if key == "tol" and sep:
                try:
                    tol = float(text)
                except ValueError:
                    raise AnswerError(f"{where}: answer {name}: tol must be a number; got "
                                      f"{text!r}") from None
                if not tol >= 0:
                    raise AnswerError(f"{where}: answer {name}: tol must be >= 0; got {text}")
            elif key == "hint" and sep and text:
                hint = text
            else:
                raise AnswerError(f"{where}: answer {name}: unknown option {opt!r}; expected "
                                  "'tol=NUMBER' or 'hint=TEXT'")
        found.append(Answer(name, assignment, value, tol, written, hint))
    return found


def notebook_answers(nb, assignment="", where=""):
    """Every :class:`Answer` of a notebook (a dict loaded from JSON), in cell order."""
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        found += parse_answers(src, assignment, f"{where}, cell {i}" if where else f"cell {i}")
    return found


def _collect(paths):
    """name -> :class:`Answer` over the notebooks ``paths``; a name twice is an error."""
    out = {}
    for path in paths:
        path = Path(path)
        nb = json.loads(path.read_text(encoding="utf-8"))
        for a in notebook_answers(nb, path.parent.name, str(path)):
            if a.name in out:
                raise AnswerError(f"{path}: the self-check {a.name!r} is already answered in "
                                  f"{out[a.name].assignment}; names are unique over the course")
            out[a.name] = a
    return out


def _solution_paths(root):
    return sorted(Path(root).glob("solutions/*/*.ipynb"))


_cache: dict = {}


def _frozen_bytes():
    """The frozen answers (bytes) in the student kit, ``b""`` for a kit frozen without
    them, ``None`` in the instructor's repository (no frozen cases at all)."""
    from . import registry

    if not registry.frozen():
        return None
    entry = resources.files(__package__).joinpath(registry.CASES_DIR, ANSWERS_FILE)
    return entry.read_bytes() if entry.is_file() else b""


def freeze(found) -> bytes:
    """The kit's ``cases/_answers.plain`` for ``found`` (name -> :class:`Answer`)."""
    from . import plain

    return plain.dumps({"format": 1, "answers": [
        {"name": a.name, "assignment": a.assignment, "value": float(a.value),
         "tol": float(a.tol), "written": a.written, "hint": a.hint} for a in found.values()]})


def _thaw(data):
    from . import plain

    index = plain.loads(data)
    if not isinstance(index, dict) or index.get("format") != 1:
        raise AnswerError("frozen self-check answers of an unknown format; expected format 1")
    return {d["name"]: Answer(d["name"], d["assignment"], d["value"], d["tol"], d["written"],
                              d["hint"]) for d in index["answers"]}


def answers() -> dict:
    """Every self-check answer of the course: name -> :class:`Answer`.

    Frozen in the student kit; in the instructor's repository read from the solution
    notebooks of :func:`autograder.assignments.course_root` (again when one changes).
    """
    data = _cache.get("frozen", False)
    if data is False:
        data = _cache["frozen"] = _frozen_bytes()
    if data is not None:
        if "thawed" not in _cache:
            _cache["thawed"] = _thaw(data) if data else {}
        return _cache["thawed"]
    from autograder.assignments import course_root

    paths = _solution_paths(course_root())
    key = tuple((str(p), p.stat().st_mtime_ns) for p in paths)
    if _cache.get("key") != key:
        _cache["live"], _cache["key"] = _collect(paths), key
    return _cache["live"]


# --------------------------------------------------------------------------- judging
def _show(v):
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:.6g}"


def _hints(v, a):
    """Automatic hints for a wrong answer ``v`` to ``a`` (a list of str)."""
    e, tol = a.value, a.tol
    if e != 0 and abs(v + e) <= tol:
        return ["the size is right but the sign is not"]
    if e != 0 and v != 0 and (v > 0) == (e > 0):
        ratio = v / e
        k = round(math.log10(abs(ratio)))
        if k != 0 and abs(ratio / 10.0 ** k - 1) <= max(tol / abs(e), 1e-9):
            return [f"it is {'10' if abs(k) == 1 else f'10^{abs(k)}'} times too "
                    f"{'large' if k > 0 else 'small'}: check the units or a power of ten"]
        for factor, word in ((2, "twice"), (0.5, "half")):
            if abs(ratio / factor - 1) <= max(tol / abs(e), 1e-9):
                return [f"it is {word} the expected value: a factor of 2 went missing"]
    if abs(v - e) <= 10 * tol:
        return [f"close, but not within {_show(tol)} of the answer: check the rounding "
                "and the last steps"]
    return []


@dataclass(frozen=True)
class Result:
    """The verdict on one answer: ``status`` is ``"right"``, ``"wrong"``,
    ``"unanswered"``, ``"invalid"`` or ``"unknown"``; ``line`` says it in one line."""

    name: str
    status: str
    line: str

    @property
    def right(self):
        return self.status == "right"


def _number(value):
    """``(float, None)`` or ``(None, why)`` for what a student typed."""
    import numpy as np

    if isinstance(value, (bool, np.bool_)):
        return None, f"{value!r} is a truth value, not a number"
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return None, f"got an array of shape {value.shape}; give one number"
        value = value.reshape(()).item()
    if isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            return None, f"{v} is not a finite number"
        return v, None
    text = repr(value)
    return None, (f"got {text if len(text) <= 30 else 'a ' + type(value).__name__}, "
                  "which is not a number")


def check(name, value, known=None) -> Result:
    """Judge ``value`` as the answer to the self-check ``name`` (``known``: name ->
    :class:`Answer`, default :func:`answers`)."""
    known = answers() if known is None else known
    if not known:
        return Result(str(name), "unknown", f"{name}: no self-check answers are available "
                      "here (they come with the student kit, or with the course's solutions)")
    if name not in known:
        close = difflib.get_close_matches(str(name), list(known), n=3, cutoff=0.6)
        hint = (f"did you mean {' or '.join(repr(c) for c in close)}?" if close
                else "check the spelling in the cell you were given")
        return Result(str(name), "unknown", f"no self-check question is called {name!r}: {hint}")
    a = known[name]
    if value is Ellipsis:
        return Result(name, "unanswered", f"{name}: not answered yet (replace ... by your "
                                          "number and run the cell again)")
    v, why = _number(value)
    if v is None:
        return Result(name, "invalid", f"{name}: expects one number; {why}")
    if abs(v - a.value) <= a.tol + 1e-12 * abs(a.value):
        return Result(name, "right", f"{name}: {_show(v)} is right")
    hints = _hints(v, a) + ([a.hint] if a.hint else [])
    return Result(name, "wrong", f"{name}: {_show(v)} is not right yet"
                  + (f"; {'; '.join(hints)}" if hints else ""))


class AnswerReport:
    """What ``grader.answer(...)`` returns: one :class:`Result` per question, shown as one
    line each (a table in Jupyter). ``right`` is true when every answer is right."""

    def __init__(self, results):
        self.results = list(results)
        self.right = bool(self.results) and all(r.right for r in self.results)

    def __getitem__(self, name):
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def __str__(self):
        if not self.results:
            return "no answer given: write grader.answer(name=your_number)"
        return "\n".join(r.line for r in self.results) + "\n(a self-check: no points)"

    __repr__ = __str__

    def _repr_html_(self):
        colors = {"right": "var(--jp-success-color1, #067647)",
                  "wrong": "var(--jp-error-color1, #b42318)",
                  "unknown": "var(--jp-error-color1, #b42318)",
                  "invalid": "var(--jp-error-color1, #b42318)",
                  "unanswered": "var(--jp-ui-font-color2, #666)"}
        rows = "".join(f"<div style='color:{colors[r.status]}'>{html.escape(r.line)}</div>"
                       for r in self.results)
        return (f"<div style='text-align:left'>{rows or html.escape(str(self))}"
                "<div style='color:var(--jp-ui-font-color2, #666)'>(a self-check: no "
                "points)</div></div>")
