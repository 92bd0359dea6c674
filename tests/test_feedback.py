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


def no_dw_average(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T, np.sum(dZ, axis=1, keepdims=True) / m


def test_the_same_mistake_over_cases_is_listed_once_first_and_left_aligned():
    report = check("linear_backward", no_one_over_m)
    lines = str(report).splitlines()
    assert lines[1].strip() == ("Likely mistake 1: 2 of 3 cases: dW is m times too large: "
                                "divide by m"), lines
    assert lines[2].strip().startswith("Likely mistake 2: 2 of 3 cases: db")
    # said once: the cases' lines name it by its number instead of repeating it
    assert sum("too large" in line for line in lines) == 2, lines
    details = [line for line in lines if line.startswith("      - ")]
    assert len(details) == 4 and all("Likely mistake" not in d for d in details)
    assert [d.endswith(("(likely mistake 1)", "(likely mistake 2)")) for d in details] == \
        [True] * 4
    page = report._repr_html_()
    assert page.count("too large") == 2 and page.count("coursekit-tag") == 4
    assert page.index("Likely mistake 1") < page.index("coursekit-case")
    assert "text-align:left" in page and "<code style='white-space:nowrap'>(3, 5)</code>" in page
    # one likely mistake: no number, and the cases point at it
    single = check("linear_backward", no_dw_average)
    assert str(single).splitlines()[1].strip().startswith("Likely mistake: 2 of 3 cases: dW")
    assert "(the likely mistake above)" in str(single)


def test_the_report_renders_without_a_table_with_one_line_labels_and_theme_colours():
    """JupyterLab's and Notebook 7's CSS right-align and stripe tables: the report uses
    none; a case's label is one unbroken line above its detail; colours are the theme's
    ``--jp-*`` variables (shared by JupyterLab and Notebook 7), with fallbacks for a page
    without them; long formulas such as the tolerance are monospace that does not wrap."""
    import re

    page = check("linear_backward", no_one_over_m)._repr_html_()
    assert "<table" not in page and "<td" not in page
    labels = re.findall(r"<span style='white-space:nowrap;font-weight:600'>([^<]*)</span>",
                        page)
    assert labels == ["3 units, 5 inputs, m = 4", "2 units, 3 inputs, m = 1",
                      "4 units, 4 inputs, m = 6, square W"]
    # the label comes before its detail, which is a list under it
    first = page.index(labels[0])
    assert first < page.index("<ul style='margin:0.1em 0 0 0", first)
    colours = re.findall(r"(?:color|border):[^;']*", page)
    assert colours and all("var(--jp-" in c for c in colours), colours
    for var in re.findall(r"var\((--[\w-]+)", page):
        assert var.startswith("--jp-"), var
    assert all(re.search(r"var\(--jp-[\w-]+, #[0-9a-f]{3,6}\)", c) for c in colours)
    assert ("<code style='white-space:nowrap'>|got - expected| &lt;= 1e-08 + 1e-06 * "
            "|expected|</code>") in page


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


GLOBAL_M = '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    dA_prev = W.T @ dZ
    dW = dZ @ A_prev.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    return dA_prev, dW, db
'''


def test_course_grade_notes_a_graded_function_reading_a_notebook_global(tmp_path):
    """``course grade`` says what the check cell says about a read of the notebook's
    ``m``: a note on the question, in grades.json and in the feedback page; the score is
    what the cases give (the read itself costs nothing), and the other questions have no
    such note."""
    import json
    import re
    from pathlib import Path

    from course.cli import main

    a03 = "03_one_layer_at_a_time"
    released = Path(__file__).resolve().parents[1] / "assignments" / a03 / f"{a03}.ipynb"
    nb = json.loads(released.read_text())
    cells = nb["cells"]
    for i, c in enumerate(cells):
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        if c["cell_type"] == "code" and re.match(r"def linear_backward\(", src):
            c["source"] = GLOBAL_M
            cells.insert(i, {"cell_type": "code", "execution_count": None, "metadata": {},
                             "outputs": [], "source": "m = 5  # examples in the demo\n"})
            break
    else:
        raise AssertionError("no linear_backward cell in the release")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "pat.ipynb").write_text(json.dumps(nb))
    assert main(["grade", str(subs), "--out", str(tmp_path / "g"), "-q"]) in (0, 1)
    (row,) = json.loads((tmp_path / "g" / "grades.json").read_text())["submissions"]
    q = next(q for q in row["questions"] if q["name"] == "linear_backward")
    note = q["feedback"][0]
    assert note.startswith("note: linear_backward reads the notebook's `m` (= 5) instead of "
                           "working from its arguments"), q["feedback"]
    assert "m = A_prev.shape[1]" in note
    assert 0 < q["score"] < q["max_score"]  # right only where m is 5: scored by the cases
    others = [f for o in row["questions"] if o["name"] != "linear_backward"
              for f in o["feedback"]]
    assert not any("reads the notebook" in f for f in others)
    page = next((tmp_path / "g").rglob("pat.html")).read_text()
    assert "reads the notebook&#x27;s `m` (= 5)" in page
    # the same function, reading nothing from the notebook: no note
    fixed = GLOBAL_M.replace("    dA_prev = W.T @ dZ\n",
                             "    m = A_prev.shape[1]\n    dA_prev = W.T @ dZ\n")
    next(c for c in cells if c["source"] == GLOBAL_M)["source"] = fixed
    (subs / "pat.ipynb").write_text(json.dumps(nb))
    assert main(["grade", str(subs), "--out", str(tmp_path / "h"), "-q"]) in (0, 1)
    (row,) = json.loads((tmp_path / "h" / "grades.json").read_text())["submissions"]
    q = next(q for q in row["questions"] if q["name"] == "linear_backward")
    assert q["score"] == q["max_score"] and not any("reads the" in f for f in q["feedback"])
