"""Judging a graded function: run it on a case, judge the outcome, sum up a report.

A check has three phases; this module holds phases 2 and 3 and the registry of checks,
everything that judging needs and nothing that builds cases:

Phase 1, ``Check.cases`` (trusted side): a list of :class:`Case`, each made only of
plain data (see :mod:`coursekit.plain`): the arguments, the expected result and the
*known wrong forms* (the results of classic mistakes) that judging uses to name the
mistake. The instructor's package computes them with ``course.nn``
(:mod:`autograder.checks`, whose case builders never ship to students); the student
kit reads the public ones, frozen (:mod:`coursekit.registry`).

Phase 2, :func:`run_case` (untrusted side, or in the notebook): call the function on a
private copy of the arguments and describe what happened as a plain ``dict`` (the
*outcome*): ``status``, ``value``, ``args_after``, ``error``, ``seconds``.

Phase 3, :meth:`Check.judge` (trusted side): turn ``(case, outcome)`` into a
:class:`CaseResult`. Judging reads only the case's data, the check's metadata and the
outcome; it never calls ``course.nn``, so public cases can be frozen to a file and
judged without the reference.

``autograder.checks.core`` re-exports all of this (one source for both packages).
"""

from __future__ import annotations

import contextlib
import copy
import html
import io
import re
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import compare, own_work, plain
from .plain import Opaque

__all__ = [
    "CHECKS",
    "PUBLIC_SEED",
    "MUTATION_KEEPS",
    "STATUSES",
    "Case",
    "CaseResult",
    "Check",
    "Report",
    "assert_check",
    "check",
    "dump_cases",
    "grade_question",
    "load_cases",
    "register",
    "run_case",
]

#: The seed of the public cases (the ones a student sees in the notebook).
PUBLIC_SEED = 0

#: Every status an outcome may have.
STATUSES = ("returned", "raised", "timeout", "crashed", "missing", "not_callable")

#: Share of a case's points kept when the values are right but an input was changed.
MUTATION_KEEPS = 0.5


# --------------------------------------------------------------------------- data classes
@dataclass
class Case:
    """One call of the graded function, with everything needed to judge it.

    Every field is plain data (``to_plain``/``from_plain`` turn a case into a plain
    ``dict`` and back, so that cases can be written to a file with :func:`dump_cases`).

    ``wrong_forms`` is a list of ``{"code", "message", "leaves"}`` dicts: ``leaves`` maps
    the name of a returned value (``"dW"``, ``"cache[0]"``, ``"W2"``) to what a classic
    mistake returns there, either a value or ``{"shape": [...]}`` (any value of that
    shape). ``extra`` holds check-specific data.
    """

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    points: float = 1.0
    np_seed: int | None = None
    expected: Any = None
    wrong_forms: list = field(default_factory=list)
    hidden: bool = False
    extra: dict = field(default_factory=dict)

    def to_plain(self) -> dict:
        return {
            "label": self.label, "args": tuple(self.args), "kwargs": dict(self.kwargs),
            "points": float(self.points), "np_seed": self.np_seed, "expected": self.expected,
            "wrong_forms": list(self.wrong_forms), "hidden": bool(self.hidden),
            "extra": dict(self.extra),
        }

    @classmethod
    def from_plain(cls, d: dict) -> Case:
        return cls(**d)


@dataclass
class CaseResult:
    """The verdict on one case. ``diagnosis`` is the first mistake's code (or ``None``);
    ``diagnoses`` lists every code found in this case."""

    label: str
    score: float
    max_score: float
    passed: bool
    feedback: list = field(default_factory=list)
    diagnosis: str | None = None
    diagnoses: list = field(default_factory=list)


def dump_cases(cases) -> bytes:
    """Cases as one plain-data message (no pickle): freeze public cases to a file."""
    return plain.dumps([c.to_plain() for c in cases])


def load_cases(data: bytes) -> list:
    """Inverse of :func:`dump_cases`."""
    return [Case.from_plain(d) for d in plain.loads(data)]


# --------------------------------------------------------------------------- phase 2: run
def _outcome(status, value=None, args_after=None, error=None, seconds=0.0):
    return {"status": status, "value": value, "args_after": args_after, "error": error,
            "seconds": float(seconds)}


def _safe_roundtrip(obj):
    try:
        return plain.roundtrip(obj)
    except Exception as err:  # too big, too deep...: the value cannot be judged
        return Opaque(f"unreadable value ({type(err).__name__})")


def run_case(func, case: Case) -> dict:
    """Call ``func`` on a private copy of the case's arguments; return the outcome dict.

    Sets ``np.random.seed(case.np_seed)`` first when the case asks for it (and restores
    numpy's global random state afterwards), records numpy floating-point warnings
    (:data:`FP_RECORD`; the outcome's ``fp_warnings``) and silences Python warnings
    during the call (nothing reaches stderr), catches ``Exception``
    (never ``BaseException``) and rebuilds the value and the arguments through
    :func:`coursekit.plain.roundtrip`, exactly as the batch grader's sandbox does.
    """
    if func is None:
        return _outcome("missing", error="the function is not defined")
    if not callable(func):
        return _outcome("not_callable", error=f"it is a {type(func).__name__}, not a function")
    args = copy.deepcopy(tuple(case.args))
    kwargs = copy.deepcopy(dict(case.kwargs))
    state = np.random.get_state()
    if case.np_seed is not None:
        np.random.seed(case.np_seed)
    start = time.perf_counter()
    printed = Printed()
    warned = set()
    try:
        with np.errstate(**FP_RECORD, call=lambda kind, _flag: warned.add(kind)), \
                warnings.catch_warnings(), contextlib.redirect_stdout(printed):
            warnings.simplefilter("ignore")
            value = func(*args, **kwargs)
    except Exception as err:
        seconds = time.perf_counter() - start
        message = f"{type(err).__name__}: {err}"
        return _printed(_outcome("raised", None, _safe_roundtrip((args, kwargs)),
                                 message[:2000], seconds), printed, warned, func)
    finally:
        np.random.set_state(state)
    seconds = time.perf_counter() - start
    return _printed(_outcome("returned", _safe_roundtrip(value), _safe_roundtrip((args, kwargs)),
                             None, seconds), printed, warned, func)


#: The ``np.errstate`` under which a graded function runs: the floating-point errors that
#: numpy warns about by default (overflow, division by zero, invalid value) go to a
#: callback that records them, so nothing reaches stderr and the outcome's
#: ``fp_warnings`` lists them; underflow (harmless: exp(-1000) is 0) is ignored, as
#: numpy's default does. ``autograder.runner`` uses the same setting.
FP_RECORD = {"over": "call", "divide": "call", "invalid": "call", "under": "ignore"}


class Printed(io.TextIOBase):
    """Where a graded function's ``print`` goes while a case runs: the first
    :data:`PRINTED_KEPT` characters are kept (for the note), the rest only counted.
    ``autograder.runner`` has its own copy (the sandbox imports no checks)."""

    def __init__(self):
        super().__init__()
        self.head, self.total = "", 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        self.total += len(text)
        if len(self.head) < PRINTED_KEPT:
            self.head += text[:PRINTED_KEPT - len(self.head)]
        return len(text)


#: How much of what a graded function prints an outcome keeps.
PRINTED_KEPT = 200


def _printed(outcome, printed, warned=(), func=None):
    """The outcome with ``printed``, the start of what the call printed,
    ``fp_warnings``, the sorted kinds of numpy floating-point warning it raised
    (``"overflow"``, ``"divide by zero"``, ``"invalid value"``), and ``course_tools``,
    the course's own tools ``func`` uses (:func:`coursekit.own_work.course_tools`, as
    ``course grade``'s sandbox reports them); each only if any."""
    if printed.total:
        outcome["printed"] = printed.head
    if warned:
        outcome["fp_warnings"] = sorted(warned)
    if func is not None:
        try:
            tools = own_work.course_tools(func)
        except Exception:  # noqa: BLE001 - a strange function object: nothing to report
            tools = None
        if tools:
            outcome["course_tools"] = tools
    return outcome


def printed_note(name, outcomes):
    """The note for a graded function that printed while its cases ran, or ``None``.

    "Do not print" is one of the notebooks' rules for graded functions; printing costs no
    points (no check asks for it), but the note asks for the print to go. ``outcomes``
    are the cases' outcome dicts (an outcome's ``printed`` is set by :func:`run_case` and
    by the grader's sandbox)."""
    shown = [o["printed"] for o in outcomes if isinstance(o, dict)
             and isinstance(o.get("printed"), str)]
    if not shown:
        return None
    first = next((ln.strip() for ln in shown[0].splitlines() if ln.strip()), "")
    first = first if len(first) <= 60 else first[:57] + "..."
    what = f" (`{first}`)" if first else ""
    return (f"{name} prints{what} in {len(shown)} of {len(outcomes)} cases: graded functions "
            "return their results and do not print; remove the print (no points are taken "
            "off for it)")


def global_note(name, shown):
    """The note for a graded function that reads notebook variables, or ``None``.

    ``shown`` maps each variable's name to a short text of its value (``{"m": "5"}``).
    The check cell (:meth:`coursekit._grader.Grader.check`) and ``course grade`` (from
    the outcomes' ``reads_globals``, see :func:`reads_globals_note`) say the same. No
    points are taken for the read itself: where it gives wrong values, the cases say so."""
    if not shown:
        return None
    listed = ", ".join(f"`{k}` (= {v})" for k, v in shown.items())
    return (f"{name} reads the notebook's {listed} instead of working from its arguments: "
            "compute it inside the function (for instance `m = A_prev.shape[1]`); a "
            "graded function is called on other inputs, and when the notebook is graded "
            "only imports, definitions and constants are kept, so such a value is wrong "
            "there or missing")


def reads_globals_note(name, outcomes):
    """:func:`global_note` from the sandbox's outcomes (``reads_globals``: a list of
    ``[name, value shown]`` the runner attaches to each case of a function that reads
    notebook globals), or ``None``. The data comes from the sandbox: only short strings
    are used."""
    for o in outcomes:
        reads = o.get("reads_globals") if isinstance(o, dict) else None
        if not isinstance(reads, (list, tuple)) or not reads:
            continue
        shown = {}
        for item in list(reads)[:5]:
            if (isinstance(item, (list, tuple)) and len(item) == 2
                    and all(isinstance(x, str) for x in item)
                    and item[0].isidentifier()):
                shown[item[0][:40]] = item[1][:40]
        return global_note(name, shown)
    return None


# --------------------------------------------------------------------------- phase 3: judge
_STATUS_TEXT = {
    "raised": "your function raised an exception",
    "timeout": "your function did not finish in time (an infinite loop?)",
    "crashed": "your function crashed the process running it",
    "missing": "the function is not defined (run its cell, and keep its name)",
    "not_callable": "the name does not refer to a function",
}


#: What numpy's floating-point warning kinds mean, for the messages.
_FP_TEXT = {"overflow": "overflow encountered", "divide by zero": "divide by zero encountered",
            "invalid value": "invalid value encountered"}


def _case_input(case, info):
    """The input of large magnitude that a stability case names (``extra["overflow"]``:
    ``value``, or ``z``, a path into the args or the expected values), as an array, or
    ``None``."""
    z = info.get("value")
    path = info.get("z")
    if path:
        z = case.args if path[0] == "args" else case.expected
        for step in path[1:]:
            z = z[step]
    if z is None:
        return None
    z = np.asarray(z, dtype=np.float64)
    return z if z.size else None


def _warning_verdict(check, case, outcome):
    """``(code, message)`` for a case of a function whose text promises numerical
    stability (``case.extra["overflow"]``) that returned right values but made numpy
    warn (the outcome's ``fp_warnings``): the case is lost, since "without overflow or
    warnings" is part of the exercise. ``None`` otherwise.

    The code is ``overflow_warning`` when an overflow was among the warnings, else
    ``numpy_warning``. The message puts what is case-specific (the range of the input)
    before ``Likely mistake:`` and the advice after it, so that a report lists the
    advice once for every case that warned."""
    kinds = outcome.get("fp_warnings")
    extra = case.extra if isinstance(case.extra, dict) else {}
    info = extra.get("overflow")
    if not kinds or not isinstance(info, dict) or not isinstance(kinds, (list, tuple)):
        return None
    kinds = [str(k) for k in kinds][:3]
    said = " and ".join(f"'{_FP_TEXT.get(k, k)}'" for k in kinds)
    zname = str(info.get("name", "z"))
    try:
        z = _case_input(case, info)
    except (KeyError, IndexError, TypeError, ValueError):
        z = None
    if z is None:
        on = ""
    elif z.size == 1:
        on = f" at {zname} = {float(z.flat[0]):g}"
    else:
        on = f" on {zname} from {float(z.min()):g} to {float(z.max()):g}"
    over = "overflow" in kinds
    code = "overflow_warning" if over else "numpy_warning"
    lead = "overflow" if over else "numpy warning"
    what = ("an exp (or a power) overflows for large |" + zname + "|" if over
            else "a division by zero or an invalid operation (inf - inf, 0 * inf)")
    hint = info.get("hint") or "never exponentiate a large positive number"
    return code, (
        f"{lead}: numpy warned {said}{on}, although the values returned are right: the "
        f"function must run without overflow or warnings for |{zname}| in the hundreds "
        f"(0 points for this case){LIKELY}{what}; compute it in a numerically stable "
        f"way: {hint}")


class Check:
    """The check of one graded function.

    Subclasses (or instances) provide ``make_cases(check, seed, hidden) -> list[Case]``.
    Judging is generic: the result is walked alongside ``case.expected``; each leaf is
    checked in the order type, dtype, shape, values, then the inputs are compared with
    ``outcome["args_after"]``.

    Parameters
    ----------
    name : str
        The graded function's name.
    params : tuple of str
        Names of the positional parameters (for messages about mutated inputs).
    returns : str or tuple of str
        Name of the returned value, or names of the items of the returned tuple.
    make_cases : callable
    points : float
        The question's weight in a grade.
    weights : tuple of float, optional
        Share of a case's points for each item of a returned tuple (default: equal).
    aliases : dict or callable, optional
        Prettier names for some values or arguments, e.g. ``{"cache[0]": "cache[0] (A_prev)"}``.
    leaf_checker : callable, optional
        ``(check, case, name, expected, got) -> (ok, code, message)`` replacing
        :func:`compare.check_leaf` (``initialize_parameters_deep`` accepts any small random W).
    """

    def __init__(self, name, params, returns, make_cases, points=1.0, weights=None,
                 aliases=None, leaf_checker=None):
        self.name = name
        self.params = tuple(params)
        self.returns = returns
        self._make_cases = make_cases
        self.points = float(points)
        self.weights = weights
        self.aliases = aliases if callable(aliases) else dict(aliases or {})
        self._leaf_checker = leaf_checker

    def __repr__(self):
        return f"<Check {self.name} ({self.points:g} points)>"

    # ---------------------------------------------------------------- phase 1
    def cases(self, seed: int = PUBLIC_SEED, hidden: bool = False) -> list:
        """The cases for ``seed``: public ones (``hidden=False``) or hidden ones."""
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cases = self._make_cases(self, int(seed), bool(hidden))
        for c in cases:
            c.hidden = bool(hidden)
        return cases

    # ---------------------------------------------------------------- names
    def value_name(self, path) -> str:
        """Raw name of a returned value: ``"dW"``, ``"cache[0]"``, ``"W2"``, ``"caches[1][1]"``."""
        if not path:
            return self.returns if isinstance(self.returns, str) else "the result"
        head, rest = path[0], path[1:]
        if isinstance(head, str):
            name = head
        elif isinstance(self.returns, tuple):
            name = self.returns[head]
        else:
            name = f"{self.returns}[{head}]"
        for p in rest:
            name += f"[{p!r}]" if isinstance(p, str) else f"[{p}]"
        return name

    def arg_name(self, path) -> str:
        head, rest = path[0], path[1:]
        if isinstance(head, str):
            name = head
        else:
            name = self.params[head] if head < len(self.params) else f"argument {head + 1}"
        for p in rest:
            name += f"[{p!r}]" if isinstance(p, str) else f"[{p}]"
        return name

    def pretty(self, name: str) -> str:
        """The name used in messages (``aliases`` may add what a cache entry holds)."""
        if callable(self.aliases):
            return self.aliases(name) or name
        return self.aliases.get(name, name)

    # ---------------------------------------------------------------- phase 3
    def judge(self, case: Case, outcome: dict) -> CaseResult:
        """Judge one outcome (see the module docstring). Never raises for a bad outcome."""
        return self.judge_all([case], [outcome])[0]

    def judge_all(self, cases, outcomes) -> list:
        """:meth:`judge` for each case and its outcome, in order, with numpy's errors and
        Python's warnings silenced once for all of them (entering those contexts per
        case was a tenth of judging a submission)."""
        results = []
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for case, outcome in zip(cases, outcomes, strict=True):
                try:
                    results.append(self._judge(case, outcome))
                except Exception as err:  # a bug here must not stop a batch; reported
                    results.append(CaseResult(
                        case.label, 0.0, float(case.points), False,
                        [f"{self.name}: the result could not be judged "
                         f"({type(err).__name__}: {err}); please report this to the "
                         "course staff"], "judge_error", ["judge_error"]))
        return results

    def _judge(self, case, outcome):
        pts = float(case.points)
        banned = own_work.verdict(self.name, outcome)
        if banned:  # the course's own tool for what the exercise asks (coursekit.own_work)
            return CaseResult(case.label, 0.0, pts, False, [banned], own_work.CODE,
                              [own_work.CODE])
        status = outcome.get("status") if isinstance(outcome, dict) else None
        if status != "returned":
            code = status if status in STATUSES else "crashed"
            text = _STATUS_TEXT.get(code, "no result was produced")
            err = outcome.get("error") if isinstance(outcome, dict) else None
            msg = f"{self.name}: {text}" + (f": {err}" if err else "")
            if code == "raised" and err:
                hint = compare.hint_for_error(str(err))
                if hint:
                    msg += f". Hint: {hint}"
            return CaseResult(case.label, 0.0, pts, False, [msg + " (0 points)"], code, [code])

        verdicts = []
        self._walk(case, case.expected, outcome.get("value"), (), 1.0, verdicts)
        score = sum(w for w, ok, _, _ in verdicts if ok)
        feedback = [msg for _, ok, _, msg in verdicts if not ok and msg]
        codes = [code for _, ok, code, _ in verdicts if not ok and code]
        notes = [msg for _, ok, _, msg in verdicts if ok and msg]

        warned = _warning_verdict(self, case, outcome) if not codes else None
        if warned:  # right values, but computed with an overflow: the case is lost
            score = 0.0
            codes.append(warned[0])
            feedback.append(warned[1])

        mutated = compare.find_mutation(self, (tuple(case.args), dict(case.kwargs)),
                                        outcome.get("args_after"))
        if mutated:
            score *= MUTATION_KEEPS
            codes.append("mutated_input")
            feedback.append(
                f"your function changed its input {self.pretty(mutated)} in place: build new "
                f"arrays (x = x * y, not x *= y or x[mask] = 0) or work on a copy "
                f"(only {MUTATION_KEEPS:.0%} of this case's points kept)"
            )
        score = round(pts * score, 10)
        passed = not codes and score >= pts - 1e-9
        unique = list(dict.fromkeys(codes))
        return CaseResult(case.label, score, pts, passed, feedback + notes,
                          unique[0] if unique else None, unique)

    def _split(self, exp, path, weight):
        n = len(exp)
        if not path and isinstance(exp, (tuple, list)) and self.weights:
            return [weight * w for w in self.weights]
        return [weight / n] * n

    def _walk(self, case, exp, got, path, weight, out):
        name = self.value_name(path)
        if isinstance(exp, (tuple, list, dict)) and len(exp) > 0:
            items = None
            if not path and isinstance(self.returns, tuple):
                items = "(" + ", ".join(self.returns) + ")"
            label = f"{self.name} must return" if not path else self.pretty(name)
            problem = compare.structure_problem(label, exp, got, items)
            if not path and problem:
                problem = problem.replace(f"{label} must be", label, 1)
            if problem is not None:
                diag = compare.match_forms(case, name, got)
                generic = "not_plain_data" if isinstance(got, Opaque) else "wrong_structure"
                code, hint = diag if diag else (generic, None)
                # the whole weight of this part is lost (only passing leaves score)
                out.append((weight, False, code, problem + (f". {hint}" if hint else "")))
                return
            if isinstance(exp, dict):
                weights = [weight / len(exp)] * len(exp)
                for (k, e), w in zip(exp.items(), weights, strict=True):
                    if k not in got:
                        sub = self.value_name(path + (k,))
                        diag = compare.match_forms(case, sub, compare.MISSING)
                        code, hint = diag if diag else ("missing_key", None)
                        keys = ", ".join(repr(x) for x in exp)
                        msg = f"{self.pretty(name)} has no key {k!r} (expected the keys {keys})"
                        out.append((w, False, code, msg + (f". {hint}" if hint else "")))
                    else:
                        self._walk(case, e, got[k], path + (k,), w, out)
                extra = [k for k in got if k not in exp]
                if extra:
                    out.append((0.0, True, None,
                                f"note: {self.pretty(name)} has unexpected keys {extra[:5]}"))
                return
            for i, (e, w) in enumerate(zip(exp, self._split(exp, path, weight), strict=True)):
                self._walk(case, e, got[i], path + (i,), w, out)
            return
        checker = self._leaf_checker or compare.check_leaf
        ok, code, msg = checker(self, case, name, exp, got)
        out.append((weight, ok, code, msg))


# --------------------------------------------------------------------------- registry
#: name -> :class:`Check`, for every graded function.
CHECKS: dict = {}


def register(check_obj: Check) -> Check:
    CHECKS[check_obj.name] = check_obj
    return check_obj


def _get(name):
    try:
        return CHECKS[name]
    except KeyError:
        raise KeyError(f"no check named {name!r}; known: {', '.join(CHECKS)}") from None


# --------------------------------------------------------------------------- reports
class Report:
    """The result of :func:`check`: ``score`` out of ``max_score``, the question's points
    (``CHECKS[name].points``, as in the assignment and in ``course grade``), earned in the
    same share as the public cases' points; ``results`` holds the cases' own
    :class:`CaseResult` (case points, unscaled). Without ``points`` the scores are the
    cases' points summed."""

    def __init__(self, name, results, points=None):
        self.name = name
        self.results = list(results)
        earned = sum(r.score for r in self.results)
        total = sum(r.max_score for r in self.results)
        self._scale = points / total if points is not None and total else 1.0
        self.score = round(earned * self._scale, 10)
        self.max_score = round(total * self._scale, 10)
        #: what is said before the cases (``Grader.check`` adds a global read here)
        self.notes = []

    @property
    def passed(self):
        return all(r.passed for r in self.results)

    @property
    def diagnoses(self):
        return list(dict.fromkeys(c for r in self.results for c in r.diagnoses))

    def _points(self, r):
        return f"{r.score * self._scale:.3g} / {r.max_score * self._scale:.3g}"

    @property
    def stub(self):
        """Whether every case raised ``NotImplementedError``: the function is still the
        release's stub."""
        return bool(self.results) and all(
            r.diagnosis == "raised" and any("NotImplementedError" in f for f in r.feedback)
            for r in self.results)

    def summary(self):
        """The failures across cases, most frequent first: ``[(text, cases, likely)]``.
        A message's "Likely mistake" is its key, so that the same mistake on cases of
        different shapes is listed once ("2 of 3 cases: ..."); ``likely`` says whether
        ``text`` is one. A stub is one line."""
        if self.stub:
            return [(STUB_TEXT, len(self.results), False)]
        groups, texts = {}, {}
        for r in self.results:
            for f in r.feedback:
                if f.startswith("note:"):
                    continue
                detail, sep, likely = f.partition(LIKELY)
                key = (_likely_key(likely), True) if sep else (detail.strip(), False)
                groups.setdefault(key, []).append(r.label)
                texts.setdefault(key, set()).add(likely.strip() if sep else key[0])
        order = sorted(groups.items(), key=lambda kv: (not kv[0][1], -len(set(kv[1]))))
        # a likely mistake said with each case's shapes is shown once, its shapes "(…)"
        return [(next(iter(texts[key])) if len(texts[key]) == 1 else key[0],
                 len(set(labels)), key[1]) for key, labels in order]

    def _numbers(self, summary):
        """``{likely mistake's key: its number}`` (1, 2, ... in the summary's order)."""
        likely = [text for text, _, is_likely in summary if is_likely]
        return {_likely_key(text): i + 1 for i, text in enumerate(likely)}

    @staticmethod
    def _lead(number, numbers):
        """How a summary line introduces likely mistake ``number``: numbered only when
        there are several, so that a case's tag can say which."""
        return "Likely mistake" + (f" {number}" if len(numbers) > 1 else "")

    @staticmethod
    def _detail(feedback, numbers):
        """``(detail, tag)``: a case's message without its likely mistake, which the
        summary lists once, first; ``tag`` says which one it is (``None`` if the message
        names none)."""
        detail, sep, likely = feedback.partition(LIKELY)
        number = numbers.get(_likely_key(likely)) if sep else None
        if number is None:
            return feedback, None
        return detail, (f"likely mistake {number}" if len(numbers) > 1
                        else "the likely mistake above")

    def _summary_lines(self):
        n = len(self.results)
        summary = self.summary()
        numbers = self._numbers(summary)
        out = []
        for text, cases, likely in summary:
            where = f"{cases} of {n} cases: " if n > 1 and not self.stub else ""
            lead = f"{self._lead(numbers[_likely_key(text)], numbers)}: " if likely else ""
            out.append(lead + where + text)
        return out

    def feedback_lines(self):
        """The report as a grader's feedback (``course grade``'s pages and rows, the
        nbgrader and Gradescope outputs): plain lines, in order

        1. each likely mistake once, numbered, with how many cases show it (the lines of
           the check cell's summary: ``Likely mistake 1: 3 of 4 cases: dW is m times too
           large: divide by m``);
        2. what failed, each message once with the cases that share it (``2 of 4
           cases: ...``, first), or the case's label when it is one case's, tagged with
           the likely mistake it shows (``(likely mistake 1)``) instead of repeating it.

        Passed cases are not listed; a stub is one line (:data:`STUB_GRADED`), and so is
        a function the notebook does not define."""
        n = len(self.results)
        if self.stub:
            return [STUB_GRADED]
        if self.results and all(r.diagnoses == ["missing"] for r in self.results):
            return [f"{self.name} is not defined in the notebook: write it in its own cell, "
                    "under this name (0 points)"]
        summary = self.summary()
        numbers = self._numbers(summary)
        lines = [line for line, (_, _, likely) in zip(self._summary_lines(), summary,
                                                      strict=True) if likely]
        groups = {}
        for r in self.results:
            if r.passed:
                continue
            for f in r.feedback:
                labels = groups.setdefault(self._detail(f, numbers), [])
                if r.label not in labels:
                    labels.append(r.label)
        # what several cases share first (after the likely mistakes), then case by case
        shared = sorted(groups.items(), key=lambda kv: len(kv[1]) == 1)
        for (detail, tag), labels in shared:
            where = labels[0] if len(labels) == 1 or n == 1 else f"{len(labels)} of {n} cases"
            lines.append(f"{where}: {detail}" + (f" ({tag})" if tag else ""))
        return lines

    def __str__(self):
        verdict = "all checks passed" if self.passed else "some checks failed"
        lines = [f"{self.name}: {self.score:.3g} / {self.max_score:g} points on the public "
                 f"cases ({verdict})"]
        if self.stub:
            return f"{self.name}: 0 / {self.max_score:g} points: {STUB_TEXT}"
        numbers = self._numbers(self.summary())
        lines.extend(f"  Note: {n}" for n in self.notes)
        lines.extend(f"  {line}" for line in self._summary_lines())
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"  [{mark}] {r.label}: {self._points(r)}")
            for f in r.feedback:
                detail, tag = self._detail(f, numbers)
                lines.append(f"      - {detail}" + (f" ({tag})" if tag else ""))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        """The report as HTML for JupyterLab and Notebook 7 (and any page that lacks their
        CSS): block elements only (no table, which JupyterLab's CSS right-aligns and
        stripes), colours from JupyterLab's theme variables (``--jp-*``, the same in
        Notebook 7) with fallbacks, each case's label on one line above its detail, code
        and shapes in monospace."""
        color = ("var(--jp-success-color1, #1a7f37)" if self.passed
                 else "var(--jp-error-color1, #b42318)")
        head = (f"<div class='coursekit-report' style='text-align:left'>"
                f"<b style='color:{color}'>{html.escape(self.name)}: {self.score:.3g} / "
                f"{self.max_score:g} points on the public cases</b>")
        if self.stub:
            return head + f": {code_html(STUB_TEXT)}</div>"
        summary_items = self.summary()
        numbers = self._numbers(summary_items)
        items = [f"<li><b>Note</b>: {code_html(n)}</li>" for n in self.notes]
        n = len(self.results)
        for text, cases, likely in summary_items:
            where = f"{cases} of {n} cases: " if n > 1 else ""
            lead = (f"<b>{self._lead(numbers[_likely_key(text)], numbers)}</b>: " if likely
                    else "")
            items.append(f"<li>{lead}{where}{code_html(text)}</li>")
        summary = (f"<ul style='text-align:left;margin:0.3em 0'>{''.join(items)}</ul>"
                   if items else "")
        cases = []
        for r in self.results:
            mark = ("<span style='color:var(--jp-success-color1, #1a7f37)'>&#10004;</span>"
                    if r.passed else
                    "<span style='color:var(--jp-error-color1, #b42318)'>&#10008;</span>")
            fb = []
            for f in r.feedback:
                detail, tag = self._detail(f, numbers)
                fb.append(f"<li>{code_html(detail)}"
                          + (f" <span class='coursekit-tag' style='{_TAG_STYLE}'>"
                             f"{html.escape(tag)}</span>" if tag else "") + "</li>")
            detail = (f"<ul style='margin:0.1em 0 0 0;padding-left:2.6em'>{''.join(fb)}</ul>"
                      if fb else "")
            cases.append(
                f"<div class='coursekit-case' style='margin:0.35em 0'>{mark} "
                f"<span style='white-space:nowrap;font-weight:600'>{html.escape(r.label)}"
                f"</span> <span style='white-space:nowrap;{_MUTED}'>{self._points(r)}</span>"
                f"{detail}</div>")
        return (head + summary
                + f"<div class='coursekit-cases' style='margin-top:0.4em'>{''.join(cases)}"
                "</div></div>")


#: Secondary text (a case's points, a tag): the theme's second font colour.
_MUTED = "color:var(--jp-content-font-color2, #555)"
#: A case's tag naming the likely mistake listed at the top.
_TAG_STYLE = (f"{_MUTED};font-size:85%;white-space:nowrap;border:1px solid "
              "var(--jp-border-color2, #ccc);border-radius:3px;padding:0 0.3em")


#: What a report says, once, about a function that is still the release's stub.
STUB_TEXT = ("still a stub: replace `raise NotImplementedError()` with your code, run its "
             "cell, then check again")
#: A shape in a message: ``(3, 5)``, ``(4,)``.
_SHAPE = re.compile(r"\((?:-?\d+, )*-?\d+,?\)")


def _likely_key(text):
    """What identifies a likely mistake across cases: its text with the shapes it names
    left out (``dW has shape (5, 3) but W has shape (3, 5)`` is the same mistake on every
    case of another shape)."""
    return _SHAPE.sub("(…)", text.strip())


#: What a grader's feedback says, once, about a function still the release's stub.
STUB_GRADED = ("still a stub: `raise NotImplementedError()` was not replaced with your code "
               "(0 points)")
#: How a feedback message introduces the likely mistake.
LIKELY = ". Likely mistake: "

_CODE = re.compile(
    r"`([^`]+)`"                                   # `code`
    r"|(\|got - expected\| <= \S+ \+ \S+ \* \|expected\|)"  # a tolerance (compare.fmt_tol)
    r"|(\((?:-?\d+, )*-?\d+,?\))"                   # a shape (3, 5) or (4,)
    r"|(\b[A-Za-z_][A-Za-z_0-9]*(?:\[[^\]]*\])+)"     # dW[0, 0], cache[0]
    r"|(\b[A-Za-z_][\w.]*(?: ?(?:@|\*|/) ?[A-Za-z_0-9][\w.]*)+)")  # A_prev @ dZ.T


def code_html(text):
    """``text`` escaped, with code and shapes in monospace that does not wrap (the check
    cell's report and ``course grade``'s feedback pages)."""
    out, pos = [], 0
    for m in _CODE.finditer(text):
        out.append(html.escape(text[pos:m.start()]))
        code = next(g for g in m.groups() if g is not None)
        out.append(f"<code style='white-space:nowrap'>{html.escape(code)}</code>")
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def check(name: str, func, seed: int = PUBLIC_SEED) -> Report:
    """Run the public cases of ``name`` on ``func`` in this process; return a :class:`Report`.

    For the student's notebook: ``check("linear_backward", linear_backward)``.
    """
    c = _get(name)
    cases = c.cases(seed, hidden=False)
    outcomes = [run_case(func, case) for case in cases]
    report = Report(name, c.judge_all(cases, outcomes),
                    c.points)
    note = printed_note(name, outcomes)
    if note:
        report.notes.append(note)
    return report


def assert_check(name: str, func, seed: int = PUBLIC_SEED) -> Report:
    """Like :func:`check`, but raise ``AssertionError`` (with the feedback) unless full marks.

    For nbgrader test cells and otter tests.
    """
    report = check(name, func, seed)
    if not report.passed:
        raise AssertionError(str(report))
    return report


def grade_question(name: str, cases, outcomes) -> dict:
    """Judge ``outcomes`` (one per case, in order) and sum up one question.

    Returns ``{"name", "score", "max_score", "feedback", "diagnoses"}`` where
    ``max_score`` is the question's weight (``CHECKS[name].points``) and ``score`` the
    same share of it as the points earned over all cases. A missing outcome counts as
    status ``"missing"``.
    """
    c = _get(name)
    cases = list(cases)
    outcomes = list(outcomes)
    padded = [outcomes[i] if i < len(outcomes) else _outcome("missing", error="no outcome")
              for i in range(len(cases))]
    results = c.judge_all(cases, padded)
    earned = sum(r.score for r in results)
    total = sum(r.max_score for r in results)
    score = round(c.points * earned / total, 6) if total else 0.0
    feedback = []
    for note in (reads_globals_note(name, outcomes), printed_note(name, outcomes)):
        if note:
            feedback.append(f"note: {note}")
    # the check cell's rules: each likely mistake once, numbered, first; cases tagged
    feedback += Report(name, results).feedback_lines()
    return {
        "name": name,
        "score": score,
        "max_score": c.points,
        "feedback": feedback,
        "diagnoses": list(dict.fromkeys(code for r in results for code in r.diagnoses)),
    }
