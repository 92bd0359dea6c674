"""autograder.report: the grade table, the gradebook, the feedback pages, the summary."""

from __future__ import annotations

import csv
import json

from autograder import report


def _row(student, assignment, scores, status="graded", error=None, diagnoses=()):
    questions = [{"name": n, "score": s, "max_score": m, "feedback": [],
                  "diagnoses": list(diagnoses) if s < m else []}
                 for n, (s, m) in scores.items()]
    return {"student": student, "assignment": assignment, "status": status, "error": error,
            "score": sum(s for s, _ in scores.values()),
            "max_score": sum(m for _, m in scores.values()),
            "questions": questions, "cells": [], "seconds": 0.1}


ROWS = [
    _row("alice", "03_layers", {"linear_forward": (1, 1), "linear_backward": (2, 2)}),
    _row("bob", "03_layers", {"linear_forward": (1, 1), "linear_backward": (0.83, 2)},
         diagnoses=["missing_1_over_m"]),
    _row("alice", "05_gradcheck", {"relative_error": (1, 1)}),
    _row("dave", "05_gradcheck", {"relative_error": (0, 1)}, status="error",
         error="05.ipynb is not valid JSON"),
]


def test_one_assignment_one_table_with_a_legend():
    text = report.format_table(ROWS[:2])
    lines = text.splitlines()
    assert lines[0].split() == ["student", "assignment", "score", "Q1", "Q2"]
    assert lines[2].split() == ["alice", "03_layers", "3/3", "1", "2"]
    assert lines[3].split() == ["bob", "03_layers", "1.83/3", "1", "0.83"]
    assert "Q1 linear_forward (/1)   Q2 linear_backward (/2)" in text


def test_several_assignments_one_table_each_with_its_own_questions():
    text = report.format_table(ROWS)
    first, second = text.split("\n\n05_gradcheck")
    assert first.startswith("03_layers (2 submissions)\n")
    assert "relative_error" not in first and "Q3" not in first
    assert second.startswith(" (2 submissions)\n")
    assert "Q1 relative_error (/1)" in second and "linear_forward" not in second
    # the assignment is the block's title, not a column
    assert "assignment" not in first.splitlines()[1]
    dave = [ln for ln in second.splitlines() if ln.startswith("dave")][0]
    assert dave.split()[:3] == ["dave", "0/1", "0"]
    assert dave.endswith("! 05.ipynb is not valid JSON")
    # every line of a block is as wide as its own questions need, not the batch's
    assert max(len(ln) for ln in first.splitlines()) < 60


def test_gradebook_and_json(tmp_path):
    path = report.write_csv(ROWS, tmp_path / "grades.csv")
    with path.open(newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["student"] for r in table] == ["alice", "bob", "alice", "dave"]
    assert table[1]["linear_backward"] == "0.83" and table[2]["linear_backward"] == ""
    assert table[3]["status"] == "error" and "not valid JSON" in table[3]["error"]
    out = report.write_json(ROWS, tmp_path / "grades.json", {"hidden_cases": "student"})
    data = json.loads(out.read_text())
    assert data["grader"]["hidden_cases"] == "student" and len(data["submissions"]) == 4


def test_summary_counts_full_partial_zero_and_mistakes():
    summary = report.summarize(ROWS)
    per = {q["name"]: q for q in summary["questions"]}
    lb = per["linear_backward"]
    assert (lb["full"], lb["partial"], lb["zero"]) == (1, 1, 0)
    assert lb["mistakes"] == {"missing_1_over_m": 1}
    assert sum(lb["histogram"]) == 2 and lb["histogram"][-1] == 1


def test_summary_per_assignment(tmp_path):
    summary = report.summarize(ROWS)
    assert summary["assignments"] == [
        {"name": "03_layers", "submissions": 2, "graded": 2, "mean_score": 2.415,
         "max_score": 3},
        {"name": "05_gradcheck", "submissions": 2, "graded": 1, "mean_score": 0.5,
         "max_score": 1}]
    assert {q["name"]: q["assignment"] for q in summary["questions"]} == {
        "linear_forward": "03_layers", "linear_backward": "03_layers",
        "relative_error": "05_gradcheck"}
    _, page = report.write_summary(summary, tmp_path)
    text = page.read_text()
    assert "<b>03_layers</b>: 2 submissions, 2 graded, mean score 2.42 / 3" in text
    assert "<b>05_gradcheck</b>: 2 submissions, 1 graded, mean score 0.50 / 1" in text


def test_feedback_page_puts_likely_mistakes_first_in_bold_with_code_and_tags():
    """The feedback page renders :meth:`coursekit.judge.Report.feedback_lines`: the
    numbered likely mistakes first with their lead in bold, each case's line with its tag
    as a small label, code and shapes in monospace; a cell error names the cell as the
    student finds it (``where``), an older row's by its number."""
    row = _row("bob", "03_layers", {"linear_backward": (0.5, 2)})
    row["questions"][0]["feedback"] = [
        "note: linear_backward prints (`hello`) in 3 of 3 cases: remove the print",
        "Likely mistake 1: 3 of 4 cases: dW is m times too large: divide by m",
        "Likely mistake 2: 1 of 4 cases: db has shape (…) but b has shape (…)",
        "3 units, 5 inputs, m = 4: dW has the right shape (3, 5) but wrong values "
        "(likely mistake 1)",
        "2 of 4 cases: db has shape (3,); expected shape (3, 1) (likely mistake 2)",
    ]
    row["cells"] = [{"cell": 2, "where": "the cell starting `import nope` (under \"Setup\"; "
                                          "2nd of 9 code cells)", "error": "ImportError: x"},
                    {"cell": 5, "error": "NameError: y"}]
    page = report.feedback_html(row)
    items = page[page.index("<h2><code>linear_backward"):].split("<li")[1:]
    assert items[0].startswith(" class='note'><b>Note</b>: linear_backward prints")
    assert items[1].startswith("><b>Likely mistake 1</b>: 3 of 4 cases: dW is m times too "
                               "large: divide by m")
    assert items[2].startswith("><b>Likely mistake 2</b>: ")
    assert "<code style='white-space:nowrap'>(3, 5)</code>" in items[3]
    assert items[3].rstrip().endswith("<span class='tag'>likely mistake 1</span></li>"), items[3]
    assert "(likely mistake" not in page and page.count("<b>Likely mistake") == 2
    assert ("<li>the cell starting <code style='white-space:nowrap'>import nope</code> "
            "(under &quot;Setup&quot;; 2nd of 9 code cells): <code>ImportError: x</code>") in page
    assert "<li>code cell 5: <code>NameError: y</code>" in page
