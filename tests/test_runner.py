"""What runs inside the sandbox: which statements of a cell run, and the events."""

from __future__ import annotations

import ast

import numpy as np

from autograder.runner import filter_source, in_process


def kept(source, mode="definitions"):
    module, n_kept, n_dropped, error = filter_source(source, mode)
    return [type(s).__name__ for s in module.body], n_dropped, error


def test_definitions_mode_keeps_imports_defs_and_constants_only():
    src = """
import numpy as np
from math import exp
ALPHA = 0.01
SHAPE = (3, 4)
DT = np.float32
EPS = np.sqrt(2.0)
def f(x):
    return x
class C:
    pass
X = np.random.randn(1000, 1000)
for i in range(10**9):
    pass
f(3)
import sys; sys.exit(1)
"""
    names, dropped, error = kept(src)
    assert names == ["Import", "ImportFrom", "Assign", "Assign", "Assign", "Assign",
                     "FunctionDef", "ClassDef", "Import"]
    assert dropped == 4 and error is None


def test_all_mode_keeps_everything():
    names, dropped, _ = kept("x = f(1)\nprint(x)\n", mode="all")
    assert names == ["Assign", "Expr"] and dropped == 0


def test_magics_are_ignored():
    names, _, error = kept("%matplotlib inline\n!pip install x\ndef f():\n    return 1\n")
    assert names == ["FunctionDef"] and error is None


def test_syntax_error_keeps_the_definitions_that_parse():
    src = ("def good(x):\n    return x + 1\n\ndef bad(x:\n    return x\n\n"
           "def also(y):\n    return y\n")
    module, n_kept, _, error = filter_source(src)
    assert "SyntaxError" in error
    assert [s.name for s in module.body if isinstance(s, ast.FunctionDef)] == ["good", "also"]


def test_definitions_mode_expects_what_grading_leaves_out():
    """A notebook's helper import and an assignment that reads a dropped name are not
    errors in definitions mode; a real error is, and it does not lose the definitions
    after it in the same cell."""
    cells = ["import numpy as np\nfrom coursekit import grader, plots\n",
             "X = np.ones(3)\nn = X.shape[0] * 2\ndef f(a):\n    return a + 1\n",
             "from my_utils import timer\ndef g(a):\n    return a * 3\n",
             "SCALE = 2\nTOTAL = SCALE * undefined_name + 1\ndef h(a):\n    return a * SCALE\n"]
    task = {"cells": cells, "mode": "definitions",
            "questions": [{"name": n, "cases": [{"args": (2.0,), "kwargs": {}}]}
                          for n in ("f", "g", "h")]}
    events = in_process(task)
    done = {e["i"]: e for e in events if e["event"] == "cell" and e["phase"] == "done"}
    assert done[0]["error"] is None and done[0]["dropped"] == 1  # the coursekit import
    assert done[1]["error"] is None  # n = X.shape...: X was left out
    assert "No module named 'my_utils'" in done[2]["error"]  # a real problem, reported
    assert done[3]["error"] is None
    values = [e["outcome"]["value"] for e in events if e["event"] == "case"]
    assert values == [3.0, 6.0, 4.0]  # f, then g despite the failed import, then h
    assert {"event": "imports", "blocked": ["coursekit"]} in events


def test_events_in_process():
    task = {"cells": ["def f(a):\n    return a * 2\n", "raise ValueError('boom')\n",
                      "import course.nn\n"],
            "questions": [{"name": "f", "cases": [{"args": (np.ones(2),), "kwargs": {}}]},
                          {"name": "g", "cases": [{"args": (), "kwargs": {}}]}],
            "mode": "all"}
    events = in_process(task)
    done = [e for e in events if e["event"] == "cell" and e["phase"] == "done"]
    assert [e["error"] is None for e in done] == [True, False, False]
    assert "ValueError: boom" in done[1]["error"]
    assert "not available while your notebook is graded" in done[2]["error"]
    outcomes = [e["outcome"] for e in events if e["event"] == "case" and e["phase"] == "done"]
    np.testing.assert_array_equal(outcomes[0]["value"], [2.0, 2.0])
    assert outcomes[1]["status"] == "missing"
    assert {"event": "imports", "blocked": ["course"]} in events
    assert events[-1]["event"] == "done" and events[-1]["seconds"] >= 0
    import course.nn  # noqa: F401 - the in-process run restored the import system
