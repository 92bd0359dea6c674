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
