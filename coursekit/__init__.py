"""``coursekit``: everything a student's notebook imports, in one place.

::

    from coursekit import check, data, grader, plots, Value
    from coursekit import centered_difference, numerical_gradient, rel_error

* ``data``: the course's datasets (XOR, flower, moons, spirals, the 8x8 digits);
* ``plots``: its figures (cost curves, decision boundaries, graphs, activations);
* ``Value``: the scalar computational graph with ``backward()``;
* ``centered_difference``, ``numerical_gradient``, ``rel_error``: the measuring
  instruments of the cells that are not graded (:mod:`coursekit.tools`; assignment 5 has
  students build their own);
* ``check(name, func)``: the public checks of a graded function, with diagnoses;
* ``grader``: the same checks, otter-style: ``grader.check("linear_backward")`` finds
  the function in the notebook by its name, ``grader.check_all()`` runs them all
  (``Grader(assignment=...)`` or ``Grader(names=[...])`` for one assignment's functions),
  ``grader.submit()`` checks the saved notebook and writes the zip to hand in
  (:mod:`coursekit.submit`), ``grader.answer(name=number)`` self-checks the numeric
  answer of a question that is not graded (no points; :mod:`coursekit.answers`);
* ``__version__``: the kit's version, recorded in every hand-in's manifest.

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

__all__ = ["Grader", "Value", "__version__", "centered_difference", "check", "data", "grader",
           "numerical_gradient", "plots", "rel_error"]

#: public name -> (module, attribute), imported on first use
_LAZY = {
    "Value": ("._nn", "Value"),
    "check": ("._grader", "check"),
    "grader": ("._grader", "grader"),
    "Grader": ("._grader", "Grader"),
    "data": (".data", None),
    "plots": (".plots", None),
    "centered_difference": (".tools", "centered_difference"),
    "numerical_gradient": (".tools", "numerical_gradient"),
    "rel_error": (".tools", "rel_error"),
}


def _version() -> str:
    """The kit's version: ``coursekit/_version.py``, which ``course kit`` writes into the
    wheel from pyproject.toml's version; in the repository, that pyproject.toml itself
    (one source), else the installed distribution's metadata."""
    try:
        from ._version import VERSION

        return VERSION
    except ImportError:
        pass
    import re
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if pyproject.is_file():
        found = re.search(r'^version\s*=\s*"([^"]+)"', pyproject.read_text(), re.M)
        if found:
            return found[1]
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("backprop-coursekit", "backprop-course"):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return "unknown"


def __getattr__(name):
    if name == "__version__":
        globals()[name] = value = _version()
        return value
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
