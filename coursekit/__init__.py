"""``coursekit``: everything a student's notebook imports, in one place.

::

    from coursekit import check, data, grader, plots, Value

* ``data``: the course's datasets (XOR, flower, moons, spirals, the 8x8 digits);
* ``plots``: its figures (cost curves, decision boundaries, graphs, activations);
* ``Value``: the scalar computational graph with ``backward()``;
* ``check(name, func)``: the public checks of a graded function, with diagnoses;
* ``grader``: the same checks, otter-style: ``grader.check("linear_backward")`` finds
  the function in the notebook by its name, ``grader.check_all()`` runs them all
  (``Grader(assignment=...)`` or ``Grader(names=[...])`` for one assignment's functions).

Notebooks import only this module (never ``course.nn``, the reference implementation:
a graded notebook that imports it scores 0). Students install it on its own, as the
distribution ``backprop-coursekit`` built by ``course kit``: the same API, judged by
the same code (:mod:`coursekit.judge`, :mod:`coursekit.compare`,
:mod:`coursekit.plain`) on the public cases frozen as plain data, without the
reference and without the code that builds cases (docs/student-environment.md). In
the instructor's repository the same package takes its checks from
:mod:`autograder.checks` (:mod:`coursekit.registry`).

Everything is imported on first use: ``import coursekit.plain`` (which the grader's
sandbox does, as ``autograder.plain``) loads neither matplotlib nor the checks.
"""

from __future__ import annotations

import importlib

__all__ = ["Grader", "Value", "check", "data", "grader", "plots"]

#: public name -> (module, attribute), imported on first use
_LAZY = {
    "Value": ("._nn", "Value"),
    "check": ("._grader", "check"),
    "grader": ("._grader", "grader"),
    "Grader": ("._grader", "Grader"),
    "data": (".data", None),
    "plots": (".plots", None),
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'coursekit' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = importlib.import_module(module, __name__)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
