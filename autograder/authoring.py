"""Checks written by instructors: a graded function with no built-in check.

A course keeps them next to the notebook that grades them, in
``solutions/<assignment>/checks.py``, a plain Python file that calls
:func:`define_check` once per function::

    import numpy as np
    from autograder.authoring import define_check

    def reference(Z, lo):                       # the right answer, as a plain function
        return np.maximum(Z, lo)

    def cases(rng, hidden):                     # seeded inputs: public, then hidden
        shapes = [(3, 4), (1, 1)] if not hidden else [(int(rng.integers(1, 6)), 5)] * 4
        for shape in shapes:
            yield f"shape {shape}", (rng.standard_normal(shape), -0.5)

    define_check(
        "clip_below", params=("Z", "lo"), returns="A", reference=reference,
        cases=cases, points=2, tolerance=(1e-6, 1e-8),
        mistakes={"no_clip": ("A equals Z: nothing was clipped below lo", lambda Z, lo: Z),
                  "clip_above": ("you clipped from above: np.minimum", np.minimum)},
        correct=[lambda Z, lo: np.where(Z > lo, Z, lo)],
    )

and grades it in the notebook with ``nbgrader_points("clip_below", clip_below)`` (the
hidden-test cell ``course new`` writes). What each part is for:

* ``reference(*args)`` computes the expected value of every case, in the grader's
  process only. ``cases(rng, hidden)`` yields ``(label, args)`` or ``(label, args,
  kwargs)``: ``rng`` is a :class:`numpy.random.Generator` seeded by the check's name and
  the public seed (``hidden=False``, the cases students see) or by the student and the
  assignment (``hidden=True``, different for each student). Neither reaches the student
  release or the kit: the release holds notebooks only, and the kit holds the public
  cases *frozen* as plain data.
* ``tolerance=(rtol, atol)``: values pass when ``|got - expected| <= atol + rtol *
  |expected|`` (default by dtype: ``(1e-6, 1e-8)`` for float64). The dtype and shape
  of every returned array are checked first, then its values, then that no input was
  changed, as for the built-in checks (:mod:`coursekit.judge`).
* ``mistakes``: ``{code: (message, function)}``, classic wrong answers. When a
  student's result matches what ``function`` returns on a case, the feedback names the
  mistake with ``message`` ("Likely mistake: ...") and the row's diagnoses list ``code``.
* ``correct``: other right ways to write the function. ``course check-checks`` proves
  the check with both lists: every mistake must lose points *and* be named, every
  correct variant (and the reference) must get full marks. ``course release`` warns
  about a check with no mistakes or no correct variants ("clip_below has 0 mistakes"):
  nothing shows yet that it catches anything, or that it accepts other right answers.

A check's ``returns`` is one name (``"A"``) or a tuple of names (``("dZ", "db")``) when
the function returns a tuple; ``weights`` then shares each case's points among the items
(default: equally).
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["AUTHORED", "Authored", "CheckFileError", "define_check", "gaps", "load_checks",
           "prove"]


class CheckFileError(ValueError):
    """An instructor's ``checks.py`` that cannot be loaded, or a bad :func:`define_check`."""


@dataclass
class Authored:
    """An instructor's check and what proves it (see :func:`prove`)."""

    check: object
    reference: object
    mistakes: dict = field(default_factory=dict)
    correct: list = field(default_factory=list)
    source: str | None = None


#: Check name -> :class:`Authored`, for every check defined with :func:`define_check`.
AUTHORED: dict = {}
_loading = []


def _names(returns):
    return (returns,) if isinstance(returns, str) else tuple(returns)


def _leaves(returns, value):
    """``{returned name: value}`` of a function's result, for a mistake's wrong form."""
    names = _names(returns)
    if isinstance(returns, str):
        return {names[0]: value}
    if not isinstance(value, tuple) or len(value) != len(names):
        raise ValueError("a mistake must return what the function returns")
    return dict(zip(names, value, strict=True))


def define_check(name, *, params, returns, reference, cases, points=1.0, tolerance=None,
                 mistakes=None, correct=(), weights=None):
    """Define and register the check of the graded function ``name``.

    Parameters
    ----------
    name : str
        The check's name (the graded function's usual name), not a built-in one.
    params : tuple of str
        The function's positional parameters, in order.
    returns : str or tuple of str
        The name of its result, or of each item of the tuple it returns.
    reference : callable
        ``reference(*args, **kwargs)``: the right result of a case.
    cases : callable
        ``cases(rng, hidden)`` yielding ``(label, args)`` or ``(label, args, kwargs)``.
    points : float
        The check's default points (a notebook's hidden-test cell may give others).
    tolerance : (float, float), optional
        ``(rtol, atol)`` for every value of every case.
    mistakes : dict, optional
        ``{code: (message, function)}``: classic wrong answers, named in feedback.
    correct : sequence of callable
        Other right implementations (for :func:`prove`).
    weights : tuple of float, optional
        Share of each case's points per returned item (tuples only).

    Returns
    -------
    autograder.checks.Check
        The registered check.

    Raises
    ------
    CheckFileError
        For a built-in name, a non-callable reference or case builder, or a malformed
        mistake.
    """
    from .checks._build import Forms, case
    from .checks.core import Check, case_rng, register

    if name in _builtin_names():
        raise CheckFileError(f"{name} is a built-in check: use it as it is (nbgrader_points"
                             f"(\"{name}\", your_function)) or give yours another name")
    if not callable(reference) or not callable(cases):
        raise CheckFileError(f"{name}: reference and cases must be functions")
    mistakes = dict(mistakes or {})
    for code, item in mistakes.items():
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
                and callable(item[1])):
            raise CheckFileError(f"{name}: mistake {code!r} must be (message, function)")
    tol = None if tolerance is None else [float(tolerance[0]), float(tolerance[1])]

    def make_cases(check, seed, hidden):
        import copy

        rng = case_rng(name, seed, hidden)
        out = []
        for k, item in enumerate(cases(rng, hidden)):
            if not isinstance(item, tuple) or len(item) not in (2, 3):
                raise CheckFileError(f"{name}: case {k + 1} must be (label, args) or "
                                     "(label, args, kwargs)")
            label, args, kwargs = (*item, {}) if len(item) == 2 else item
            args = tuple(args)
            expected = reference(*copy.deepcopy(args), **copy.deepcopy(kwargs))
            forms = Forms()
            for code, (message, wrong) in mistakes.items():
                forms.add(code, message, lambda w=wrong, a=args, kw=kwargs: _leaves(
                    returns, w(*copy.deepcopy(a), **copy.deepcopy(kw))))
            extra = {"tol": tol} if tol else {}
            out.append(case(str(label), args, expected, forms, kwargs=kwargs, **extra))
        if not out:
            raise CheckFileError(f"{name}: cases() gave no case (hidden={hidden})")
        return out

    check = Check(name, params, returns, make_cases, points=points, weights=weights)
    register(check)
    AUTHORED[name] = Authored(check, reference, mistakes, list(correct),
                              _loading[-1] if _loading else None)
    return check


def _builtin_names():
    from .checks import CHECKS

    return {n for n in CHECKS if n not in AUTHORED}


def load_checks(path):
    """Run an instructor's ``checks.py`` (trusted: the course's own file); returns the
    names of the checks it defined.

    Raises
    ------
    CheckFileError
        Naming the file and what went wrong, when it cannot be run.
    """
    path = Path(path)
    before = set(AUTHORED)
    spec = importlib.util.spec_from_file_location(
        f"_course_checks.{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    _loading.append(str(path))
    try:
        spec.loader.exec_module(module)
    except CheckFileError as err:
        raise CheckFileError(f"{path}: {err}") from None
    except Exception as err:  # noqa: BLE001 - an instructor's file: report, do not crash
        line = next((f.lineno for f in reversed(_tb(err)) if f.filename == str(path)), None)
        raise CheckFileError(f"{path}{f', line {line}' if line else ''}: "
                             f"{type(err).__name__}: {err}") from None
    finally:
        _loading.pop()
    sys.modules.pop(spec.name, None)
    return sorted(set(AUTHORED) - before) or sorted(
        n for n, a in AUTHORED.items() if a.source == str(path))


def _tb(err):
    import traceback

    return traceback.extract_tb(err.__traceback__)


def gaps(name):
    """What is missing to prove the instructor's check ``name``: ``"0 mistakes"`` (nothing
    shows it catches a wrong answer), ``"0 correct variants"`` (nothing shows it accepts
    another right one); empty when it has both."""
    a = AUTHORED[name]
    return [f"0 {what}" for what, n in (("mistakes", len(a.mistakes)),
                                        ("correct variants", len(a.correct))) if n == 0]


def prove(name, seeds=(0, 1, 2)):
    """Run the reference, every correct variant and every mistake of the instructor's
    check ``name`` through it, on the public cases and the hidden cases of a few seeds.

    Returns
    -------
    list of dict
        One per implementation: ``{"kind": "reference" | "correct" | "mistake", "id",
        "score", "max_score", "named": bool (a mistake's code among the diagnoses),
        "ok": bool, "problem": str}``. A mistake is ok when it loses points and is named;
        the reference and a correct variant when they get full marks.
    """
    from .checks import grade_question, run_case

    a = AUTHORED[name]
    cases = list(a.check.cases(0, False))
    for s in seeds:
        cases += a.check.cases(1000 + s, True)
    impls = [("reference", "reference", a.reference, None)]
    impls += [("correct", getattr(f, "__name__", f"variant {i + 1}"), f, None)
              for i, f in enumerate(a.correct)]
    impls += [("mistake", code, f, code) for code, (_, f) in a.mistakes.items()]
    out = []
    for kind, ident, func, code in impls:
        result = grade_question(name, cases, [run_case(func, c) for c in cases])
        full = result["score"] >= result["max_score"] - 1e-9
        named = code is not None and code in result["diagnoses"]
        if kind == "mistake":
            ok = not full and named
            problem = ("" if ok else "gets full marks: no case tells it apart" if full
                       else f"loses points but is not named (diagnoses: "
                            f"{', '.join(result['diagnoses']) or 'none'})")
        else:
            ok = full
            problem = "" if ok else "; ".join(result["feedback"][:2])
        out.append({"kind": kind, "id": ident, "score": result["score"],
                    "max_score": result["max_score"], "named": named, "ok": ok,
                    "problem": problem})
    return out
