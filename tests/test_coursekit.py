"""``coursekit``: the student-facing module gives the helpers and the public checks."""

from __future__ import annotations

import numpy as np
import pytest


def test_student_imports_and_a_public_check():
    from coursekit import Value, check, data, plots

    X, y = data.xor_table()
    assert X.shape == (2, 4) and hasattr(plots, "plot_cost")
    v = Value(3.0) * Value(-2.0)
    v.backward()
    assert v.data == -6.0

    def relu_backward(dA, cache):
        return dA * (cache > 0)

    report = check("relu_backward", relu_backward)
    assert report.score == report.max_score > 0

    def wrong(dA, cache):
        return dA * (cache >= 0)

    bad = check("relu_backward", wrong)
    assert bad.score < bad.max_score
    assert "relu_grad_at_zero" in bad.diagnoses
    assert np.isfinite(bad.score)


# ------------------------------------------------------------------ grader.check (otter-style)

def linear_backward(dZ, cache):  # found by name in this module's globals
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


def test_grader_check_finds_the_function_in_the_callers_globals():
    from coursekit import check, grader

    report = grader.check("linear_backward")
    assert report.passed and report.score == report.max_score > 0
    same = check("linear_backward", linear_backward)
    assert (report.score, report.max_score) == (same.score, same.max_score)
    assert "linear_backward" in str(report) and "coursekit-case" in report._repr_html_()


def test_grader_check_uses_main_as_fallback(monkeypatch):
    import __main__
    from coursekit import Grader

    def relu_backward(dA, cache):
        return dA * (cache >= 0)  # wrong at 0

    monkeypatch.setattr(__main__, "relu_backward", relu_backward, raising=False)
    report = Grader().check("relu_backward")
    assert not report.passed and "relu_grad_at_zero" in report.diagnoses


def test_grader_check_explains_a_missing_function():
    from coursekit import grader

    report = grader.check("L_model_backward")
    assert report.score == 0 and report.max_score > 0 and not report.passed
    assert "not defined yet" in str(report) and "not defined yet" in report._repr_html_()


def test_grader_check_rejects_an_unknown_name():
    from coursekit import grader

    # a typo gets one line with the closest names, not a traceback (issue 10 part 2)
    out = grader.check("linear_backwards")
    assert out.score == 0 and "\n" not in str(out)
    assert "no graded function is called 'linear_backwards'" in str(out)
    assert "'linear_backward'" in str(out)


def test_check_all_with_names_and_without():
    from coursekit import Grader

    summary = Grader(assignment="03_one_layer_at_a_time").check_all()
    names = [r.name for r in summary.reports]
    from coursekit import registry

    assert names == registry.assignments()["03_one_layer_at_a_time"]
    assert names[:4] == ["linear_forward", "linear_backward", "linear_activation_forward",
                         "linear_activation_backward"]
    assert summary["linear_backward"].passed
    assert summary["linear_forward"].score == 0 and "not defined yet" in str(summary)
    assert 0 < summary.score < summary.max_score and "Total:" in summary._repr_html_()

    found = Grader().check_all()  # only the graded functions this module defines
    assert [r.name for r in found.reports] == ["linear_backward"] and found.passed
    assert Grader(names=["relu_backward"]).check_all().score == 0


# ------------------------------------------------------------------ one source, two packages

def test_the_old_modules_are_the_coursekit_ones():
    import autograder.checks.compare
    import autograder.checks.core
    import autograder.plain
    import coursekit.compare
    import coursekit.data
    import coursekit.judge
    import coursekit.plain
    import coursekit.plots
    from course import data, nn, plots

    assert autograder.plain is coursekit.plain
    assert autograder.checks.compare is coursekit.compare
    assert autograder.checks.core.Check is coursekit.judge.Check
    assert autograder.checks.core.CHECKS is coursekit.judge.CHECKS
    assert data.digits is coursekit.data.digits and data.one_hot is nn.one_hot
    assert plots.plot_cost is coursekit.plots.plot_cost
    from coursekit import Value

    assert Value is nn.Value


def test_in_the_repository_coursekit_uses_the_instructors_checks():
    from autograder.assignments import ASSIGNMENTS
    from autograder.checks import CHECKS
    from coursekit import registry

    assert registry.frozen() is False
    assert registry.checks() is CHECKS and registry.assignments() is ASSIGNMENTS


def test_import_coursekit_is_lazy():
    import json
    import subprocess
    import sys

    code = ("import sys, json, coursekit, coursekit.plain; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('course', 'autograder', 'coursekit', 'matplotlib'))))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == ["coursekit", "coursekit.plain"]


def test_freeze_and_thaw_judge_like_the_live_checks():
    import types

    from autograder.assignments import ASSIGNMENTS
    from autograder.checks import CHECKS, check
    from coursekit import registry
    from coursekit.judge import run_case

    names = ["linear_backward", "L_model_forward", "count_parameters", "relu_backward"]
    files = registry.freeze({n: CHECKS[n] for n in names}, ASSIGNMENTS, lambda f: f.__name__)
    leaves = types.SimpleNamespace(**{c._leaf_checker.__name__: c._leaf_checker
                                      for c in CHECKS.values() if c._leaf_checker})
    thawed, assignments = registry.thaw(files["index.plain"],
                                        lambda n: files[f"{n}.plain"], leaves)
    assert list(thawed) == names and assignments == ASSIGNMENTS
    assert callable(CHECKS["L_model_forward"].aliases)
    assert isinstance(thawed["L_model_forward"].aliases, dict)

    def count_parameters(layer_dims):
        return sum(layer_dims[l] * layer_dims[l - 1] for l in range(1, len(layer_dims)))

    def relu_backward(dA, cache):
        dA *= cache > 0  # mutates its input
        return dA

    for name, func in (("linear_backward", linear_backward),
                       ("count_parameters", count_parameters),
                       ("relu_backward", relu_backward)):
        live = check(name, func)
        frozen = [thawed[name].judge(c, run_case(func, c)) for c in thawed[name].cases()]
        assert [r.feedback for r in live.results] == [r.feedback for r in frozen]
        assert [r.score for r in live.results] == [r.score for r in frozen]
    assert "forgot_biases" in check("count_parameters", count_parameters).diagnoses
    with pytest.raises(ValueError, match="only the public cases"):
        thawed["linear_backward"].cases(seed=7, hidden=True)


def test_plot_activations_takes_the_students_functions():
    from course import nn
    from course import plots as course_plots
    from coursekit import plots

    def relu_forward(Z):
        return np.maximum(Z, 0), Z

    def relu_backward(dA, cache):
        return dA * (cache > 0)

    mine = plots.plot_activations({"relu": (relu_forward, relu_backward)})
    ref = course_plots.plot_activations(["relu"])
    for a, b in zip(mine.get_axes()[0].get_lines(), ref.get_axes()[0].get_lines(), strict=True):
        np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())
    assert mine.get_axes()[0].get_title() == "relu" and nn.ELEMENTWISE
    with pytest.raises(TypeError, match="your functions"):
        plots.plot_activations(["relu"])
    with pytest.raises(TypeError, match="pair"):
        plots.plot_activations({"relu": relu_forward})
