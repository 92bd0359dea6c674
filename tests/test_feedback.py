"""The student's feedback at the coursekit level (issue 10, parts 2 and 3): a stub is
said once, the same likely mistake over several cases is listed once with its count, a
misspelled name gets one line with the closest names, a graded function reading a
notebook global is diagnosed, the HTML is left-aligned with code in monospace, and
``check_all(assignment)`` totals that assignment."""

from __future__ import annotations

import numpy as np

from coursekit import check
from coursekit._grader import Grader, is_stub


def stub(dZ, cache):
    """Docstring."""
    # YOUR CODE HERE
    raise NotImplementedError()


def no_one_over_m(dZ, cache):
    A_prev, W, b = cache
    return W.T @ dZ, dZ @ A_prev.T, np.sum(dZ, axis=1, keepdims=True)


def test_a_stub_is_said_once():
    assert is_stub(stub) and not is_stub(no_one_over_m)
    report = check("linear_backward", stub)
    text, page = str(report), report._repr_html_()
    assert report.stub and report.score == 0
    assert text.count("still a stub") == 1 and "NotImplementedError: ." not in text, text
    assert page.count("still a stub") == 1 and "<code" in page, page


def test_the_same_mistake_over_cases_is_listed_once_first_and_left_aligned():
    report = check("linear_backward", no_one_over_m)
    lines = str(report).splitlines()
    assert lines[1].strip() == ("Likely mistake: 2 of 3 cases: dW is m times too large: "
                                "divide by m"), lines
    assert sum("Likely mistake: 2 of 3 cases: db" in line for line in lines) == 1
    page = report._repr_html_()
    assert page.index("Likely mistake") < page.index("<table")
    assert "text-align:left" in page and "<code style='white-space:nowrap'>(3, 5)</code>" in page


def test_a_misspelled_name_gets_one_line_with_the_closest_names():
    out = Grader().check("relu_backwards")
    assert out.score == 0 and "\n" not in str(out)
    assert "'relu_backward'" in str(out) and "did you mean" in str(out)


m = 5  # a notebook global, as in assignment 3's demo cells


def reads_global_m(dZ, cache):
    A_prev, W, b = cache
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


def test_a_function_reading_a_notebook_global_is_diagnosed():
    ns = {"linear_backward": reads_global_m}
    got = Grader()._run("linear_backward", [ns])
    assert "reads the notebook's `m` (= 5)" in str(got), str(got)
    assert "m = A_prev.shape[1]" in got._repr_html_()
    honest = Grader()._run("linear_backward", [{"linear_backward": no_one_over_m}])
    assert "reads the notebook" not in str(honest)


def test_check_all_totals_the_assignment_with_missing_functions_at_zero():
    ns = {"linear_backward": no_one_over_m, "relu_forward": lambda Z: (np.maximum(Z, 0), Z)}
    g = Grader()
    summary = g._summary_for("03_one_layer_at_a_time", [ns])
    assert summary.max_score == 6 and 0 < summary.score < 2
    assert [r.name for r in summary.reports] == ["linear_forward", "linear_backward",
                                                "linear_activation_forward",
                                                "linear_activation_backward"]
