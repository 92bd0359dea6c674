"""Numeric self-checks (``grader.answer``, :mod:`coursekit.answers`) and the pacing lines of
the notebooks (a time estimate on the line below every exercise's heading)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from coursekit import answers, grader
from coursekit.answers import Answer, AnswerError, check, parse_answers

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
#: Notebooks whose every exercise has its time estimate (issue 12 §3): all of them.
PACED = tuple(p.parent.name for p in NOTEBOOKS)
#: Notebooks whose numeric questions that are not graded all have a self-check.
SELF_CHECKED = {
    "01_chain_rule_and_graphs": {"used_twice_grad", "cached_gate_by_gate", "cached_one_gate",
                                 "tensor_entries", "tensor_megabytes", "outer_product_inputs",
                                 "outer_product_result"},
    "02_activations_and_outputs": {"sigmoid_slope_at_0", "tanh_slope_at_0", "relu_slope_at_0",
                                   "softplus_slope_at_0", "sigmoid_shrink_per_layer",
                                   "mse_peak_z", "mse_peak_gradient"},
    "03_one_layer_at_a_time": {"params_341", "forward_numbers_341", "column_loop_calls",
                               "multiply_adds_per_call", "dW1_factor_3_layers",
                               "keepdims_bias_entries", "two_class_probability"},
    "04_deep_networks": {"zero_init_cost", "params_2_16_8_1", "params_64_64_32_10",
                         "seed_graph_dz", "tents_shallow_units"},
    "05_gradient_checking": {"gc_flower_forward_passes", "gc_flower_multiply_adds",
                             "eps_slope_truncation", "eps_slope_roundoff"},
}

KNOWN = {
    "entries": Answer("entries", "a1", 7840000.0, 0.5, "7,840,000", "h x n x h"),
    "slope": Answer("slope", "a1", 0.25, 0.0025, "0.25", None),
    "peak": Answer("peak", "a1", -0.693, 0.005, "-0.693", None),
    "zero": Answer("zero", "a1", 0.0, 1e-12, "0", None),
}


def source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def ids(path):
    return path.parent.name


# --------------------------------------------------------------------------- judging
def test_a_right_answer_within_the_tolerance_is_right():
    assert check("entries", 7840000, KNOWN).right
    assert check("entries", 7840000.0, KNOWN).status == "right"
    assert check("slope", 0.2501, KNOWN).right and check("slope", np.float32(0.25), KNOWN).right
    assert check("slope", np.array([[0.25]]), KNOWN).right      # one number in an array
    assert check("peak", -0.69, KNOWN).right and check("peak", -0.6931, KNOWN).right
    assert check("zero", 0, KNOWN).right
    line = check("slope", 0.25, KNOWN).line
    assert line == "slope: 0.25 is right"


def test_a_wrong_answer_says_so_with_a_hint():
    beyond = check("peak", -0.70, KNOWN)            # 0.007 away, tolerance 0.005
    assert beyond.status == "wrong" and "close" in beyond.line and "0.005" in beyond.line
    sign = check("slope", -0.25, KNOWN)
    assert sign.status == "wrong" and "sign" in sign.line
    tenfold = check("entries", 784000, KNOWN)
    assert tenfold.status == "wrong" and "10 times too small" in tenfold.line
    assert tenfold.line.endswith("h x n x h")       # the author's hint comes last
    assert "twice" in check("slope", 0.5, KNOWN).line
    assert check("zero", 1e-9, KNOWN).status == "wrong"
    far = check("entries", 12, KNOWN)
    assert far.status == "wrong" and far.line == "entries: 12 is not right yet; h x n x h"


@pytest.mark.parametrize("value, expected", [
    (..., "not answered yet"), (True, "truth value"), ("0.25", "not a number"),
    (np.ones(2), "shape (2,)"), (float("nan"), "not a finite number"), (None, "not a number"),
])
def test_no_answer_or_not_a_number(value, expected):
    result = check("slope", value, KNOWN)
    assert not result.right and expected in result.line
    assert result.status == ("unanswered" if value is ... else "invalid")


def test_a_misspelt_name_is_one_line_with_the_close_names():
    result = check("entires", 1, KNOWN)
    assert result.status == "unknown" and "\n" not in result.line
    assert result.line == "no self-check question is called 'entires': did you mean 'entries'?"
    assert "check the spelling" in check("nothing_like_it", 1, KNOWN).line
    nowhere = check("entries", 1, {})      # an installation without kit or solutions
    assert nowhere.status == "unknown" and "no self-check answers are available" in nowhere.line


def test_grader_answer_in_the_notebook_prints_nothing_and_scores_nothing(capsys):
    """``grader.answer`` on the course's own answers (read from the solutions): one line per
    question, nothing on stdout or stderr until shown, no score of any kind."""
    report = grader.answer(tensor_entries=7840000, mse_peak_z=0.5, tensor_entrys=1,
                           used_twice_grad=...)
    assert capsys.readouterr() == ("", "")
    lines = str(report).splitlines()
    assert lines[0] == "tensor_entries: 7,840,000 is right"
    assert lines[1].startswith("mse_peak_z: 0.5 is not right yet")
    assert lines[2].startswith("no self-check question is called 'tensor_entrys': did you "
                               "mean 'tensor_entries'")
    assert "not answered yet" in lines[3] and "no points" in lines[-1]
    assert not report.right and [r.status for r in report.results] == [
        "right", "wrong", "unknown", "unanswered"]
    assert not hasattr(report, "score") and not hasattr(report, "max_score")
    assert "<div" in report._repr_html_() and report["tensor_entries"].right
    assert grader.answer("tensor_entries", 7840000).right
    assert "give your number" in str(grader.answer("tensor_entries"))


# --------------------------------------------------------------------------- the markers
def test_a_marker_takes_the_number_before_it_and_its_options():
    found = parse_answers(
        "about $62.7$<!-- run: mb --><!-- answer: mb --> MB, $7{,}840{,}000$<!-- answer: n -->"
        " and $\\approx -0.693$<!-- answer: z; tol=0.005; hint=turn s back into z -->"
        " and **6**<!-- answer: six --> numbers", "a1")
    got = {a.name: (a.value, a.tol, a.written, a.hint) for a in found}
    assert got == {"mb": (62.7, pytest.approx(0.05), "62.7", None),
                   "n": (7840000.0, 0.5, "7,840,000", None),
                   "z": (-0.693, 0.005, "-0.693", "turn s back into z"),
                   "six": (6.0, pytest.approx(0.06), "6", None)}
    assert all(a.assignment == "a1" for a in found)
    assert parse_answers("<!-- run: x --> 3 <!-- check: y -->") == []   # other markers


@pytest.mark.parametrize("markdown, expected", [
    ("a number<!-- answer: q -->", "no number right before"),
    ("3<!-- answer: not-a-name -->", "Python identifier"),
    ("3<!-- answer: q; tol=abc -->", "tol must be a number"),
    ("3<!-- answer: q; tol=-1 -->", "tol must be >= 0"),
    ("3<!-- answer: q; hint=one; two -->", "unknown option 'two'"),
    ("3<!-- answer: q; rtol=0.1 -->", "unknown option"),
])
def test_a_bad_marker_is_an_error_naming_the_place(markdown, expected):
    with pytest.raises(AnswerError, match=re.escape(expected)) as err:
        parse_answers(markdown, "a1", "nb.ipynb, cell 3")
    assert str(err.value).startswith("nb.ipynb, cell 3")


def test_a_name_answered_twice_in_a_course_is_an_error(tmp_path):
    for a in ("a1", "a2"):
        (tmp_path / a).mkdir()
        (tmp_path / a / f"{a}.ipynb").write_text(json.dumps({"cells": [
            {"cell_type": "markdown", "source": "**3**<!-- answer: q -->", "metadata": {}}]}))
    with pytest.raises(AnswerError, match="already answered in a1"):
        answers._collect(sorted(tmp_path.glob("*/*.ipynb")))


def test_the_kit_freezes_and_thaws_the_answers():
    live = answers.answers()
    assert answers._thaw(answers.freeze(live)) == live
    assert answers._thaw(answers.freeze(KNOWN)) == KNOWN
    with pytest.raises(AnswerError, match="unknown format"):
        answers._thaw(__import__("coursekit.plain").plain.dumps({"format": 9}))


# --------------------------------------------------------------------------- the notebooks
CALL = re.compile(r"grader\.answer\((.*?)\)\s*$", re.S)


def self_check_cells(nb):
    """``(cell, names)`` of every code cell that calls ``grader.answer(name=..., ...)``."""
    out = []
    for cell in nb["cells"]:
        src = source(cell)
        if cell["cell_type"] == "code" and "grader.answer(" in src:
            m = CALL.search(src)
            assert m, f"a self-check cell ends with its grader.answer(...) call: {src[:80]}"
            out.append((cell, re.findall(r"(\w+)\s*=\s*\.\.\.", m[1])))
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_every_self_check_has_its_answer_and_every_answer_its_cell(path):
    nb = json.loads(path.read_text())
    expected = {a.name: a for a in answers.notebook_answers(nb, path.parent.name)}
    cells = self_check_cells(nb)
    asked = [n for _, names in cells for n in names]
    assert len(asked) == len(set(asked)), "a question is self-checked twice"
    assert set(asked) == set(expected), (set(asked) ^ set(expected))
    if path.parent.name in SELF_CHECKED:
        assert set(asked) == SELF_CHECKED[path.parent.name]
    for cell, _ in cells:   # plain cells: the release keeps them as they are, unlocked
        assert "nbgrader" not in cell.get("metadata", {}), source(cell)[:60]
        assert "...," in source(cell) or "=...)" in source(cell)
    for a in expected.values():
        assert check(a.name, a.value, expected).right, a
    # the numbers are stated only in model answers, which the release replaces
    for i, cell in enumerate(nb["cells"]):
        if "<!-- answer:" in source(cell):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            assert meta.get("solution") and meta.get("grade"), f"cell {i} is shown to students"
    released = ROOT / "assignments" / path.parent.name / path.name
    if cells and released.exists():
        text = "\n".join(source(c) for c in json.loads(released.read_text())["cells"])
        assert "<!-- answer:" not in text
        for cell, _ in cells:
            assert source(cell) in text, "the release lost a self-check cell: run course release"


# --------------------------------------------------------------------------- pacing
HEADING = re.compile(r"^#{2,4} (?:\d+(?:\.\d+)* )?"     # 04 numbers some: "10.2 Exercise 9"
                     r"(?:Exercises? \d+|Question \d+|Sheet problems?\b).*"
                     r"\((?:not graded|graded)[^)]*\)")
#: The one form of a time estimate: its own paragraph, right below the exercise's heading.
ESTIMATE = re.compile(r"^\*About (\d+) min\.\*$")
#: Anything that looks like a time estimate, in whatever form.
ESTIMATE_LIKE = re.compile(r"^[*_]*(?:about|approx\w*|time:?)\s*~?\d+\s*(?:min|h\b|hour)", re.I)


def estimates(nb):
    """``(found, stray)``: ``[(heading, minutes or None)]`` for every exercise heading (the
    minutes of the first line that is not blank below it), and the estimate lines that
    stand below no exercise heading."""
    found, stray = [], []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        lines = [ln.strip() for ln in source(cell).split("\n")]
        for k, line in enumerate(lines):
            above = next((ln for ln in reversed(lines[:k]) if ln), "")
            if ESTIMATE.match(line) and not HEADING.match(above):
                stray.append(line)
            if HEADING.match(line):
                below = next((ln for ln in lines[k + 1:] if ln), "")
                m = ESTIMATE.match(below)
                found.append((line, int(m[1]) if m else None))
    return found, stray


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_time_estimates_stand_below_the_exercise_headings(path):
    nb = json.loads(path.read_text())
    found, stray = estimates(nb)
    assert stray == [], "an estimate line that is not right below an exercise heading"
    if path.parent.name in PACED:
        missing = [h for h, minutes in found if minutes is None]
        assert found and missing == [], f"exercises without a time estimate: {missing}"
        total = sum(m for _, m in found if m)
        said = re.search(r"add up to (\d+) hours?(?: (\d+) minutes)?", source(nb["cells"][0]))
        assert said, "the first cell says what the estimates add up to"
        assert 60 * int(said[1]) + int(said[2] or 0) == total, f"they add up to {total} min"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_one_form_for_every_time_estimate(path):
    """Issue 12: one form over the course, ``*About 10 min.*``, so that a student (and this
    test) reads every notebook's pacing alike."""
    nb = json.loads(path.read_text())
    other = [ln.strip() for c in nb["cells"] if c["cell_type"] == "markdown"
             for ln in source(c).split("\n")
             if ESTIMATE_LIKE.match(ln.strip()) and not ESTIMATE.match(ln.strip())]
    assert other == [], f"time estimates in another form than '*About N min.*': {other[:3]}"
