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
