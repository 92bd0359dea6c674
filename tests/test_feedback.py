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
    # the function itself instead of its name: checked as that name
    got = Grader().check(no_one_over_m)
    assert "no graded function is called 'no_one_over_m'" in str(got)

    def linear_backward(dZ, cache):
        return no_one_over_m(dZ, cache)
    report = Grader().check(linear_backward)
    assert report.name == "linear_backward" and 0 < report.score < report.max_score


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
    # the assignment's own functions and points (not relu_forward, a given helper)
    from coursekit import registry

    names = registry.assignments()["03_one_layer_at_a_time"]
    assert names[:4] == ["linear_forward", "linear_backward", "linear_activation_forward",
                         "linear_activation_backward"]
    assert [r.name for r in summary.reports] == names
    assert summary.max_score == sum(registry.checks()[n].points for n in names) >= 6
    assert 0 < summary.score < 2


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
    # (code in monospace, as in the check cell's report)
    assert ("<b>Note</b>: linear_backward reads the notebook&#x27;s <code style='white-space:"
            "nowrap'>m</code> (= 5)") in page
    # the same function, reading nothing from the notebook: no note
    fixed = GLOBAL_M.replace("    dA_prev = W.T @ dZ\n",
                             "    m = A_prev.shape[1]\n    dA_prev = W.T @ dZ\n")
    next(c for c in cells if c["source"] == GLOBAL_M)["source"] = fixed
    (subs / "pat.ipynb").write_text(json.dumps(nb))
    assert main(["grade", str(subs), "--out", str(tmp_path / "h"), "-q"]) in (0, 1)
    (row,) = json.loads((tmp_path / "h" / "grades.json").read_text())["submissions"]
    q = next(q for q in row["questions"] if q["name"] == "linear_backward")
    assert q["score"] == q["max_score"] and not any("reads the" in f for f in q["feedback"])


# ------------------------------------------------------------ course grade's feedback lines
def _graded_feedback(func, name="linear_backward"):
    """``grade_question``'s feedback for ``func`` on a student's hidden cases (what
    ``course grade`` writes), and the number of cases."""
    from autograder.checks import CHECKS, grade_question, hidden_seed, run_case

    cases = CHECKS[name].cases(hidden_seed("s1", "backprop"), hidden=True)
    return grade_question(name, cases, [run_case(func, c) for c in cases])["feedback"], \
        len(cases)


def test_course_grade_lists_each_likely_mistake_once_numbered_first_and_tags_the_cases():
    lines, n = _graded_feedback(no_one_over_m)
    # first, each likely mistake once, numbered, with its count (as in the check cell)
    likely = [line for line in lines if "Likely mistake" in line]
    assert len(likely) == 2 and lines[:2] == likely, lines
    assert lines[0].startswith("Likely mistake 1: ") and " of 5 cases: " in lines[0]
    assert lines[0].endswith("dW is m times too large: divide by m"), lines[0]
    assert lines[1].startswith("Likely mistake 2: ") and lines[1].endswith(
        "db is m times too large: divide by m")
    # then each case's detail, tagged with the mistake's number instead of repeating it
    details = lines[2:]
    assert details and all(d.endswith(("(likely mistake 1)", "(likely mistake 2)"))
                           for d in details), details
    assert sum("too large" in line for line in lines) == 2


def test_course_grade_collapses_a_message_shared_by_several_cases():
    def reads_undefined(dZ, cache):
        return undefined_in_the_notebook  # noqa: F821 - the student's NameError

    lines, n = _graded_feedback(reads_undefined)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{n} of {n} cases: linear_backward: your function raised an "
                               "exception: NameError"), lines[0]
    # a stub is one line, not one per case; so is a function the notebook does not define
    lines, _ = _graded_feedback(stub)
    assert lines == ["still a stub: `raise NotImplementedError()` was not replaced with your "
                     "code (0 points)"]
    lines, _ = _graded_feedback(None)
    assert lines == ["linear_backward is not defined in the notebook: write it in its own "
                     "cell, under this name (0 points)"]


def transposed_dw(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, A_prev @ dZ.T / m, np.sum(dZ, axis=1, keepdims=True) / m


def test_a_likely_mistake_said_with_each_cases_shapes_is_listed_once():
    """"dW has shape (5, 3) but W has shape (3, 5)" and "... (7, 6) ... (6, 7)" are one
    mistake: listed once with its shapes left out, in the check cell and in ``course
    grade``; each case's own line keeps its shapes."""
    lines, _ = _graded_feedback(transposed_dw)
    shape = [line for line in lines if "but W has shape" in line]
    assert len(shape) == 1 and "dW has shape (…) but W has shape (…)" in shape[0], lines
    assert shape[0].startswith("Likely mistake") and " of 5 cases" in shape[0]
    report = check("linear_backward", transposed_dw)
    assert sum("but W has shape" in line for line in str(report).splitlines()) == 1
    assert "dW has shape (5, 3); expected shape (3, 5)" in str(report)


# ------------------------------------------------------------------ naming a cell
def _nb(*cells):
    return [("markdown" if src.startswith("#") else "code", src) for src in cells]


def test_a_cell_is_named_by_what_it_defines_the_heading_above_and_its_place():
    from coursekit.cells import CellNames, ordinal

    names = CellNames(_nb("# Assignment 3", "import numpy as np",
                          "## 4. The linear step\n\n### Exercise 4 (graded, 2 points): `x`",
                          "def helper(a):\n    return a\n\ndef linear_backward(dZ, cache):\n"
                          "    raise NotImplementedError()",
                          "grader.check('linear_backward')", ""),
                      graded=["linear_backward"])
    assert len(names) == 4
    assert names.name(1) == ('the cell that defines linear_backward (under "Exercise 4"; '
                             "2nd of 4 code cells)")
    assert names.name(0) == ('the cell starting `import numpy as np` (under "Assignment 3"; '
                             "1st of 4 code cells)")
    assert names.what(2) == "the cell starting `grader.check('linear_backward')`"
    assert names.what(3) == "an empty cell"
    assert names.name(99) == "code cell 100"            # a bad number never fails
    # the sandbox's "(cell 2, line 5)" counts code cells from 1
    assert names.rewrite("NameError: x (cell 2, line 5)") == (
        'NameError: x (the cell that defines linear_backward, line 5; under "Exercise 4"; '
        "2nd of 4 code cells)")
    assert names.rewrite("SyntaxError (cell 2, line 5)", 1) == "SyntaxError (line 5)"
    assert [ordinal(k) for k in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st"]
    # without a graded function: the others it defines; several notebooks: which one
    both = CellNames.joined([("a.ipynb", _nb("def f():\n    pass")),
                             ("b.ipynb", _nb("## Setup", "x = 1"))])
    assert both.name(0) == "the cell that defines f (the only code cell of a.ipynb)"
    assert both.name(1) == ('the cell starting `x = 1` (under "Setup"; the only code cell '
                            "of b.ipynb)")


RAISES_INSIDE = '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    return W.T @ dZ, dZ @ A_prev.T / m_typo, dZ.sum(axis=1, keepdims=True)
'''


def test_course_grade_names_cells_as_the_student_finds_them(tmp_path):
    """The sandbox's errors name the cell by what it defines or starts with, the heading
    above it and its place among the code cells, in grades.json and the feedback page;
    never "cell 17" alone. A graded function under a misspelled name is pointed out."""
    import json
    import re
    from pathlib import Path

    from course.cli import main
    from coursekit.cells import ordinal

    a03 = "03_one_layer_at_a_time"
    released = Path(__file__).resolve().parents[1] / "assignments" / a03 / f"{a03}.ipynb"
    nb = json.loads(released.read_text())
    cells = nb["cells"]
    first = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    cells.insert(first + 1, {"cell_type": "code", "execution_count": None, "metadata": {},
                             "outputs": [], "source": "import not_a_module_xyz\n"})
    at = next(i for i, c in enumerate(cells) if c["cell_type"] == "code"
              and re.match(r"def linear_backward\(", "".join(c["source"])))
    cells[at]["source"] = RAISES_INSIDE
    # and a graded function under a misspelled name
    lf = next(c for c in cells if c["cell_type"] == "code"
              and "".join(c["source"]).startswith("def linear_forward("))
    lf["source"] = "".join(lf["source"]).replace("def linear_forward(", "def linear_forwrd(")
    n_code = sum(c["cell_type"] == "code" for c in cells)
    k = sum(c["cell_type"] == "code" for c in cells[:at]) + 1
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "kim.ipynb").write_text(json.dumps(nb))
    assert main(["grade", str(subs), "--out", str(tmp_path / "g"), "-q"]) in (0, 1)
    (row,) = json.loads((tmp_path / "g" / "grades.json").read_text())["submissions"]
    (bad,) = row["cells"]
    assert bad["where"] == ('the cell starting `import not_a_module_xyz` (under "Assignment '
                            f'3: One layer at a time"; 2nd of {n_code} code cells)'), bad
    assert bad["error"].startswith("ModuleNotFoundError") and "(cell " not in bad["error"]
    q = next(q for q in row["questions"] if q["name"] == "linear_backward")
    (line,) = q["feedback"]                    # the same error on every case: said once
    assert "NameError: name 'm_typo' is not defined (the cell that defines linear_backward, "\
           f'line 3; under "Exercise 4"; {ordinal(k)} of {n_code} code cells)' in line, line
    q = next(q for q in row["questions"] if q["name"] == "linear_forward")
    assert q["feedback"][-1] == ("the notebook defines linear_forwrd: a graded function "
                                 "keeps the name the assignment gives it, linear_forward")
    page = next((tmp_path / "g").rglob("kim.html")).read_text()
    assert "the cell starting <code" in page or "the cell starting `import" in page
    assert "Exercise 4" in page and "cell 2:" not in page


def test_a_misspelled_def_is_told_from_the_notebooks_other_functions():
    from coursekit.cells import misspelled

    assert misspelled("linear_backward", ["linear_backwards", "Linear_backward",
                                          "linear_forward", "_linear_backwardx"]) == [
        "linear_backwards", "Linear_backward"]
    # other functions of a notebook are not misspellings of each other
    assert misspelled("train_tanh_softmax", ["init_tanh_softmax"]) == []
    assert misspelled("tanh_softmax_backward", ["softmax_backward"]) == []
    assert misspelled("relu_backward", ["relu_forward"]) == []
    assert misspelled("predict", ["predicts", "predicted"]) == ["predicts"]


def test_a_cell_that_hangs_while_the_notebook_is_loaded_is_named(tmp_path):
    """The sandbox skips a cell that runs out of time at load (a class body with an
    endless loop runs when the class is defined); the row names it as the student finds
    it, and the other functions are still graded."""
    import json
    from pathlib import Path

    from course.cli import main
    from coursekit.cells import ordinal

    a03 = "03_one_layer_at_a_time"
    solved = Path(__file__).resolve().parents[1] / "solutions" / a03 / f"{a03}.ipynb"
    nb = json.loads(solved.read_text())
    nb["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {},
                        "outputs": [], "source": "class Forever:\n    while True:\n"
                                                 "        pass\n"})
    n_code = sum(c["cell_type"] == "code" for c in nb["cells"])
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "hal.ipynb").write_text(json.dumps(nb))
    assert main(["grade", str(subs), "--out", str(tmp_path / "g"), "-q", "--timeout",
                 "2"]) in (0, 1)
    (row,) = json.loads((tmp_path / "g" / "grades.json").read_text())["submissions"]
    (bad,) = row["cells"]
    assert bad["where"].startswith("the cell that defines Forever (under ")
    assert bad["where"].endswith(f"; {ordinal(n_code)} of {n_code} code cells)"), bad
    assert bad["error"] == "timed out after 2 s; it was skipped", bad
    assert row["score"] == row["max_score"] > 0


def test_what_several_cases_share_comes_before_the_single_cases():
    def batch_first(A_prev, W, b):
        return A_prev.T @ W.T + b.T, (A_prev, W, b)

    lines, n = _graded_feedback(batch_first, "linear_forward")
    assert lines[0].startswith("Likely mistake: ") and "batch first" in lines[0], lines
    # the echoed cache, said once for every case, right after the likely mistake
    assert lines[1].startswith(f"{n} of {n} cases: cache[0] (A_prev) is right"), lines
    assert all(" of " not in line.split(":")[0] for line in lines[2:]), lines
    assert all(line.endswith("(the likely mistake above)") for line in lines[2:]), lines


def test_check_all_says_the_stubs_and_the_missing_functions_once_each():
    """The last cell of an untouched notebook: one line for every stub, one for every
    function not defined yet, not one each (a lone stub keeps its own line)."""
    def any_stub(*args):
        raise NotImplementedError()

    ns = {"linear_forward": any_stub, "linear_activation_forward": any_stub,
          "linear_backward": no_one_over_m}
    summary = Grader()._summary_for("03_one_layer_at_a_time", [ns])
    lines = str(summary).splitlines()
    stubs = [line for line in lines if "stub" in line]
    assert stubs == ["linear_forward (0 / 1), linear_activation_forward (0 / 1) are still "
                     "stubs: replace `raise NotImplementedError()` with your code, run each "
                     "one's cell, then check again"], lines
    missing = [line for line in lines if "not defined" in line]
    assert len(missing) == 1 and missing[0].startswith("linear_activation_backward (0 / 2), ")
    assert missing[0].endswith(" are not defined yet: run the cells that define them, then "
                               "check again")
    assert lines[1].startswith("linear_backward: ") and lines[-1].startswith("Total: ")
    page = summary._repr_html_()
    assert page.count("are still stubs") == 1 and page.count("coursekit-report") == 1
    lone = Grader()._summary_for("03_one_layer_at_a_time", [{"linear_forward": any_stub}])
    assert str(lone).splitlines()[0].startswith("linear_forward: 0 / 1 points: still a stub")
