"""``coursekit``: the student-facing module gives the helpers and the public checks."""

from __future__ import annotations

import numpy as np


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
    assert "linear_backward" in str(report) and "<table>" in report._repr_html_()


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
    import pytest

    from coursekit import grader

    with pytest.raises(KeyError, match="no check named"):
        grader.check("linear_backwards")


def test_check_all_with_names_and_without():
    from coursekit import Grader

    summary = Grader(assignment="03_one_layer_at_a_time").check_all()
    names = [r.name for r in summary.reports]
    assert names == ["linear_forward", "linear_backward", "linear_activation_forward",
                     "linear_activation_backward"]
    assert summary["linear_backward"].passed
    assert summary["linear_forward"].score == 0 and "not defined yet" in str(summary)
    assert 0 < summary.score < summary.max_score and "Total:" in summary._repr_html_()

    found = Grader().check_all()  # only the graded functions this module defines
    assert [r.name for r in found.reports] == ["linear_backward"] and found.passed
    assert Grader(names=["relu_backward"]).check_all().score == 0
