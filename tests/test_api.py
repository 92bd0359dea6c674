"""The graded API is a contract with the notebooks and the autograder: exact names and
signatures (DESIGN.md), numpydoc docstrings that give shapes, and a numpy-only import."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import course.nn as nn

# The graded-API table of DESIGN.md, parameter names and defaults exactly.
SIGNATURES = {
    "linear_forward": "(A_prev, W, b)",
    "linear_backward": "(dZ, cache)",
    "relu_forward": "(Z)",
    "relu_backward": "(dA, cache)",
    "sigmoid_forward": "(Z)",
    "sigmoid_backward": "(dA, cache)",
    "tanh_forward": "(Z)",
    "tanh_backward": "(dA, cache)",
    "leaky_relu_forward": "(Z, alpha=0.01)",
    "leaky_relu_backward": "(dA, cache, alpha=0.01)",
    "softmax_forward": "(Z)",
    "softmax_backward": "(dA, cache)",
    "linear_activation_forward": "(A_prev, W, b, activation)",
    "linear_activation_backward": "(dA, cache, activation)",
    "initialize_parameters_deep": "(layer_dims)",
    "L_model_forward": "(X, parameters)",
    "compute_cost": "(AL, Y)",
    "L_model_backward": "(AL, Y, caches)",
    "update_parameters": "(parameters, grads, learning_rate)",
}

REPO = Path(__file__).resolve().parents[1]


def test_graded_api_is_exactly_the_design_table():
    assert len(nn.GRADED_API) == len(set(nn.GRADED_API))
    assert set(nn.GRADED_API) == set(SIGNATURES)


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature(name):
    func = getattr(nn, name)
    assert inspect.isfunction(func), f"{name} must be a plain function"
    sig = inspect.signature(func)
    assert str(sig) == SIGNATURES[name]
    for p in sig.parameters.values():
        assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, f"{name}({p.name})"
    assert name in nn.__all__


def test_every_exported_name_exists():
    for name in nn.__all__:
        assert hasattr(nn, name), name


# ----------------------------------------------------------------------- docstrings
def _sections(doc):
    """numpydoc sections of a docstring: {header: [lines]} (a header is underlined by ---)."""
    lines = inspect.cleandoc(doc).splitlines()
    sections, current = {}, None
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"-{3,}", nxt.strip()) and len(nxt.strip()) >= len(
            line.strip()
        ):
            current = line.strip()
            sections[current] = []
        elif current is not None and not re.fullmatch(r"-{3,}", line.strip()):
            sections[current].append(line)
    return sections


def _entries(lines):
    """``[(names, type, text)]`` for the entries of a Parameters/Returns section."""
    entries = []
    for line in lines:
        if line and not line[0].isspace():
            names, _, typ = line.partition(" : ")
            entries.append(([n.strip() for n in names.split(",")], typ.strip(), [line]))
        elif entries:
            entries[-1][2].append(line)
    return [(names, typ, "\n".join(text)) for names, typ, text in entries]


def test_the_docstring_parser_on_a_known_example():
    doc = """Summary.

    Parameters
    ----------
    A, B : ndarray, shape (n, m)
        Inputs.

    Returns
    -------
    C : float
    """
    sec = _sections(doc)
    assert set(sec) == {"Parameters", "Returns"}
    assert _entries(sec["Parameters"])[0][:2] == (["A", "B"], "ndarray, shape (n, m)")
    assert _entries(sec["Returns"])[0][:2] == (["C"], "float")


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_numpydoc_docstring_with_shapes(name):
    func = getattr(nn, name)
    doc = inspect.getdoc(func)
    assert doc and len(doc.splitlines()[0]) > 10, f"{name} needs a one-line summary"
    sections = _sections(doc)
    assert "Parameters" in sections and "Returns" in sections, f"{name}: {sorted(sections)}"

    params = _entries(sections["Parameters"])
    documented = {n for names, _, _ in params for n in names}
    for p in inspect.signature(func).parameters:
        assert p in documented, f"{name}: parameter {p} is not documented"

    returns = _entries(sections["Returns"])
    assert returns, f"{name}: empty Returns section"
    for names, typ, text in params + returns:
        if "ndarray" in typ or typ.startswith("dict"):
            assert "shape" in text, f"{name}: {', '.join(names)} must give its shape"
    # every array result gives its shape; a scalar cost is documented as a float
    if not all(typ == "float" for _, typ, _ in returns):
        assert "shape" in "\n".join(sections["Returns"]), f"{name}: Returns gives no shape"
    assert re.search(r"\([\w\[\]{}\- ]+, [\w\[\]{}\- ]+\)", doc), f"{name}: no (rows, cols) shape"


# ----------------------------------------------------------------------- imports
_PROBE = (
    "import sys, json; before = set(sys.modules); import course.nn; "
    "print(json.dumps(sorted(set(sys.modules) - before)))"
)
FORBIDDEN = ("matplotlib", "nbformat", "nbclient", "nbgrader", "otter", "autograder",
             "course.data", "course.cli", "course.demo", "course.plots", "IPython", "pandas",
             "scipy", "torch")


def test_course_nn_imports_only_numpy():
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=REPO, capture_output=True, text=True, timeout=60,
        check=True,
    ).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    assert "numpy" in loaded and "course.nn" in loaded  # the probe does see imports
    for mod in loaded:
        for bad in FORBIDDEN:
            assert mod != bad and not mod.startswith(bad + "."), f"course.nn imported {mod}"
    third_party = {
        m.split(".")[0] for m in loaded
        if m.split(".")[0] not in sys.stdlib_module_names and not m.startswith("_")
    }
    assert third_party <= {"numpy", "course"}, f"unexpected imports: {sorted(third_party)}"
    course_mods = {m for m in loaded if m.split(".")[0] == "course"}
    assert all(m in ("course", "course.nn") or m.startswith("course.nn.") for m in course_mods)
