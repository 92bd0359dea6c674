"""No credit for calling the course's own tool for what an exercise asks you to build
(:mod:`coursekit.own_work`): the same verdict in ``course grade``'s sandbox, the check
cell, nbgrader's hidden tests and otter's, and nothing for an honest function."""

from __future__ import annotations

import json

import pytest

import coursekit
from autograder import runner
from autograder.checks import CHECKS, grade_question
from autograder.sandbox import isolation_available
from course.samples import ROOT, build
from coursekit import own_work

CODE = own_work.CODE
HONEST_REL = ("def relative_error(a, b):\n"
              "    d = np.linalg.norm(a) + np.linalg.norm(b)\n"
              "    return 0.0 if d == 0 else float(np.linalg.norm(a - b) / d)\n")
#: label -> the cells of a notebook whose relative_error is coursekit's rel_error
CHEATS = {
    "a global": ["import numpy as np\nfrom coursekit import grader, rel_error",
                 "def relative_error(a, b):\n    return rel_error(a, b)\n"],
    "an alias": ["import numpy as np\nfrom coursekit.tools import rel_error as dist",
                 "def relative_error(a, b):\n    return dist(a, b)\n"],
    "the module": ["import numpy as np\nimport coursekit as ck",
                   "def relative_error(a, b):\n    return ck.tools.rel_error(a, b)\n"],
    "a star import": ["import numpy as np\nfrom coursekit.tools import *",
                      "def relative_error(a, b):\n    return rel_error(a, b)\n"],
    "an import inside": ["import numpy as np",
                         "def relative_error(a, b):\n    from coursekit import rel_error\n"
                         "    return rel_error(a, b)\n"],
    "a helper": ["import numpy as np\nfrom coursekit import rel_error",
                 "def norm_distance(a, b):\n    return rel_error(a, b)\n",
                 "def relative_error(a, b):\n    return norm_distance(a, b)\n"],
    "the tool itself": ["import numpy as np\nfrom coursekit import rel_error as relative_error"],
}
HONEST = {
    "written out": ["import numpy as np\nfrom coursekit import grader, data, plots", HONEST_REL],
    # coursekit's rel_error imported, then replaced by the student's own
    "shadowed": ["import numpy as np\nfrom coursekit import rel_error",
                 HONEST_REL.replace("relative_error", "rel_error"),
                 "def relative_error(a, b):\n    return rel_error(a, b)\n"],
}


def _sandbox(cells, name="relative_error"):
    """grade_question on the outcomes of ``course grade``'s runner (in this process)."""
    cases = CHECKS[name].cases(0, False)
    task = {"cells": cells, "questions": [{"name": name, "cases": [
        {"args": c.args, "kwargs": c.kwargs} for c in cases]}]}
    outcomes = [e["outcome"] for e in runner.in_process(task) if e.get("event") == "case"]
    return grade_question(name, cases, outcomes)


def _kernel(cells):
    """The namespace the cells leave in a notebook's kernel."""
    ns = {"__name__": "__main__"}
    for cell in cells:
        exec(compile(cell, "<cell>", "exec"), ns)
    return ns


def test_the_rule_table_names_real_assignments_and_tools():
    from autograder.assignments import ASSIGNMENTS

    assert set(own_work.RULES) <= set(ASSIGNMENTS)
    for names in own_work.RULES.values():
        for n in names:
            assert hasattr(coursekit, n), n
    assert own_work.forbidden_for("relative_error").keys() == own_work.RULES[
        "05_gradient_checking"].keys()
    assert set(own_work.forbidden_for("micrograd_grads")) == {"Value"}
    assert own_work.forbidden_for("linear_backward") == {}
    from coursekit.judge import LIKELY

    assert own_work._LIKELY == LIKELY  # the advice is listed once per report


@pytest.mark.parametrize("label", sorted(CHEATS))
def test_every_engine_gives_nothing_for_coursekits_rel_error(label, capsys):
    from autograder.engines import nbgrader_points
    from course import otter

    cells = CHEATS[label]
    graded = _sandbox(cells)
    assert graded["score"] == 0 and graded["diagnoses"] == [CODE], graded
    assert any("relative_error " in f and "coursekit.rel_error" in f
               for f in graded["feedback"]), graded["feedback"]
    assert any("assignment 5 asks you to write it" in f for f in graded["feedback"])
    ns = _kernel(cells)
    func = ns["relative_error"]
    report = coursekit.grader._run("relative_error", [ns])
    assert report.score == 0 and report.diagnoses == [CODE], str(report)
    assert "coursekit.rel_error" in str(report)
    assert nbgrader_points("relative_error", func) == 0.0
    assert "coursekit.rel_error" in capsys.readouterr().out
    from autograder.engines import case_parts

    first = case_parts(CHECKS["relative_error"], CHECKS["relative_error"].cases(0, False)[0])[0]
    with pytest.raises(AssertionError, match="coursekit.rel_error"):
        otter.case("relative_error", func, 0, part=tuple(first[:2]))
    if label == "a helper":
        assert any("through norm_distance" in f for f in graded["feedback"])


@pytest.mark.parametrize("label", sorted(HONEST))
def test_an_honest_relative_error_keeps_its_points(label):
    cells = HONEST[label]
    graded = _sandbox(cells)
    assert graded["score"] == graded["max_score"] and not graded["diagnoses"], graded
    report = coursekit.grader._run("relative_error", [_kernel(cells)])
    assert report.score == report.max_score and report.passed, str(report)


def test_a_micrograd_on_coursekits_value_gets_nothing():
    micro = ("def micrograd_grads(expr, inputs):\n"
             "    leaves = {n: Value(v) for n, v in inputs.items()}\n"
             "    built = {}\n"
             "    def node(e):\n"
             "        if isinstance(e, str):\n            return leaves[e]\n"
             "        if not isinstance(e, tuple):\n            return Value(e)\n"
             "        if e not in built:\n"
             "            a = [node(x) for x in e[1:]]\n"
             "            built[e] = (a[0] + a[1] if e[0] == 'add' else a[0] * a[1]\n"
             "                        if e[0] == 'mul' else getattr(a[0], e[0])())\n"
             "        return built[e]\n"
             "    node(expr).backward()\n"
             "    return {n: leaf.grad for n, leaf in leaves.items()}\n")
    cells = ["import math\nfrom coursekit import grader, plots, Value", micro]
    graded = _sandbox(cells, "micrograd_grads")
    assert graded["score"] == 0 and graded["diagnoses"] == [CODE]
    assert any("micrograd_grads calls coursekit.Value" in f for f in graded["feedback"])
    report = coursekit.grader._run("micrograd_grads", [_kernel(cells)])
    assert report.score == 0 and report.diagnoses == [CODE], str(report)
    # without the rule its values would be right: the rule is what takes the points
    ns = _kernel(cells)
    c = CHECKS["micrograd_grads"]
    from autograder.checks import run_case

    for k in c.cases(0, False):
        outcome = run_case(ns["micrograd_grads"], k)
        assert outcome.pop("course_tools") == [["coursekit.Value", ""]]
        assert c.judge(k, outcome).passed


ISOLATED, WHY = isolation_available()


@pytest.mark.skipif(not ISOLATED, reason=WHY)
def test_course_grade_names_the_tool_and_what_calls_it(tmp_path):
    """alice's 05 with relative_error handed to coursekit.rel_error: that question and
    those that call it score 0 with the tool named; the others keep their points."""
    from autograder.grader import discover, grade_batch

    build(ROOT, tmp_path / "samples")
    path = tmp_path / "samples" / "alice" / "05_gradient_checking" / "05_gradient_checking.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and src.startswith("def relative_error("):
            cell["source"] = ("from coursekit import rel_error\n\n\n"
                              "def relative_error(a, b):\n    return rel_error(a, b)\n")
        if cell["cell_type"] == "code" and src.startswith("import numpy"):
            assert "rel_error" not in src
    sub = tmp_path / "submitted" / "eve" / "05_gradient_checking"
    sub.mkdir(parents=True)
    (sub / path.name).write_text(json.dumps(nb))
    row = grade_batch(discover([tmp_path / "submitted"]), hide=[tmp_path / "submitted"])[0]
    per = {q["name"]: q for q in row["questions"]}
    assert per["relative_error"]["score"] == 0
    assert per["relative_error"]["diagnoses"] == [CODE]
    for caller in ("gradient_check", "find_buggy_gradients", "multilabel_gradient_check"):
        assert per[caller]["score"] == 0 and per[caller]["diagnoses"] == [CODE], caller
        assert any("calls coursekit.rel_error (through " in f and "relative_error)" in f
                   for f in per[caller]["feedback"]), per[caller]["feedback"]
    for other in ("count_parameters", "params_to_vector", "vector_to_params",
                  "numerical_gradients"):
        assert per[other]["score"] == per[other]["max_score"], other
