"""What runs inside the sandbox: which statements of a cell run, and the events."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from autograder import plain
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


#: right values computed through an overflow ("without overflow or warnings")
OVERFLOWING = {
    "activation_prime": "def activation_prime(z, activation):\n"
                        "    if activation == 'relu':\n        return np.heaviside(z, 0.0)\n"
                        "    s = 1 / (1 + np.exp(-z))\n    return s * (1 - s)\n",
    "sigmoid_forward": "def sigmoid_forward(Z):\n    return 1 / (1 + np.exp(-Z)), Z\n",
    "elu_forward": "def elu_forward(Z, alpha=1.0):\n"
                   "    return np.where(Z > 0, Z, alpha * np.expm1(Z)), Z\n",
}


@pytest.mark.parametrize("name", sorted(OVERFLOWING))
def test_the_sandbox_records_numpy_warnings_as_the_kit_does(name, capfd):
    """The runner's outcomes carry ``fp_warnings`` exactly as :func:`run_case` does, so
    ``course grade`` and the kit (and nbgrader and otter, which use run_case) judge an
    overflowing function alike: each case that warned is lost as ``overflow_warning``."""
    from autograder.checks import CHECKS, hidden_seed, run_case

    check = CHECKS[name]
    cases = check.cases(0, False) + check.cases(hidden_seed("ann", "a02"), True)
    task = {"cells": ["import numpy as np\n", OVERFLOWING[name]],
            "questions": [{"name": name, "cases": [
                {"args": c.args, "kwargs": c.kwargs, "np_seed": c.np_seed} for c in cases]}]}
    events = in_process(plain.loads(plain.dumps(task)))
    outcomes = [e["outcome"] for e in events if e["event"] == "case"]
    assert capfd.readouterr().err == ""  # nothing printed for the warnings
    ns = {"np": np}
    exec(OVERFLOWING[name], ns)  # noqa: S102
    kit = [run_case(ns[name], c) for c in cases]
    assert [o.get("fp_warnings") for o in outcomes] == [o.get("fp_warnings") for o in kit]
    assert any(o.get("fp_warnings") == ["overflow"] for o in outcomes)
    sandbox = []
    for c, o in zip(cases, outcomes, strict=True):
        if o.get("args_after") == "unchanged":
            o = dict(o, args_after=(tuple(c.args), dict(c.kwargs)))
        sandbox.append(check.judge(c, o))
    judged = [check.judge(c, o) for c, o in zip(cases, kit, strict=True)]
    assert [(r.score, r.diagnoses) for r in sandbox] == [(r.score, r.diagnoses) for r in judged]
    lost = [r for r in sandbox if "overflow_warning" in r.diagnoses]
    assert lost and all(r.score == 0 for r in lost)
    assert all(r.passed for r in sandbox if not r.diagnoses)  # the other cases pass


def test_the_notebook_globals_a_graded_function_reads_are_named():
    """``reads_globals`` names the notebook's top-level numbers and arrays a graded
    function loads as globals (nested code too), not attribute names that happen to match
    a global (``A.T`` with ``T = 100``), modules, functions, flags or its own locals."""
    cells = ["import numpy as np\nm = 5\nT = 100\nDEBUG = True\nEPS = 1e-12\n",
             "def helper(x):\n    return x\n",
             "def f(A):\n    k = A.shape[1]\n    g = lambda v: v / m\n"
             "    return helper(g(A.T @ A)) + EPS * k if not DEBUG else A\n",
             "def quiet(A):\n    T = 3\n    return A.T * T\n"]
    task = {"cells": cells, "questions": [
        {"name": n, "cases": [{"args": (np.ones((2, 2)),), "kwargs": {}}]}
        for n in ("f", "quiet")]}
    events = in_process(plain.loads(plain.dumps(task)))
    reads, quiet = [e["outcome"] for e in events if e["event"] == "case"]
    assert reads["reads_globals"] == [["EPS", "1e-12"], ["m", "5"]]
    assert "reads_globals" not in quiet
    from coursekit.judge import reads_globals_note

    note = reads_globals_note("f", [reads])
    assert note.startswith("f reads the notebook's `EPS` (= 1e-12), `m` (= 5) instead of")
    assert reads_globals_note("f", [quiet]) is None
    assert reads_globals_note("f", [{"reads_globals": [["<b>", 1], "x"]}]) is None


def test_a_task_is_read_in_either_format_and_a_torn_one_is_an_eof():
    """The grader sends tasks as pickles (``dump_task``); tests and older graders send
    plain data: the sandbox reads both, and a stream that ends early is an EOFError."""
    import io

    import numpy as np

    from autograder import plain
    from autograder.runner import dump_task, read_task

    task = {"cells": ["x = 1\n"], "questions": [
        {"name": "f", "cases": [{"args": (np.arange(6.0).reshape(2, 3),), "kwargs": {}}]}]}
    for data in (dump_task(task), plain.dumps(task)):
        got = read_task(io.BytesIO(data).read)
        assert got["cells"] == task["cells"]
        arr = got["questions"][0]["cases"][0]["args"][0]
        np.testing.assert_array_equal(arr, task["questions"][0]["cases"][0]["args"][0])
        arr[0, 0] = 5.0  # the sandbox's inputs are its own, writable arrays
        with pytest.raises(EOFError):
            read_task(io.BytesIO(data[: len(data) // 2]).read)
    with pytest.raises(EOFError):
        read_task(io.BytesIO(b"").read)
