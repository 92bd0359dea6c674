""""Do not print" inside graded functions (issue 10 part 3): a note in the check cell and in
``course grade``'s feedback, no points lost (no check asks for silence, so none is taken).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from course.cli import main
from coursekit import check
from coursekit.judge import printed_note

ROOT = Path(__file__).resolve().parents[1]
A03 = "03_one_layer_at_a_time"
RELEASED = ROOT / "assignments" / A03 / f"{A03}.ipynb"

NOISY = '''\
def linear_forward(A_prev, W, b):
    print("shapes:", A_prev.shape, W.shape)
    Z = W @ A_prev + b
    return Z, (A_prev, W, b)
'''


def quiet_linear_forward(A_prev, W, b):
    return W @ A_prev + b, (A_prev, W, b)


def test_a_printing_function_gets_a_note_and_keeps_its_points(capsys):
    ns = {"np": np}
    exec(NOISY, ns)  # noqa: S102
    report = check("linear_forward", ns["linear_forward"])
    assert report.score == report.max_score == 1
    (note,) = [n for n in report.notes if "prints" in n]
    assert note.startswith("linear_forward prints (`shapes: (")
    assert "do not print" in note and "no points are taken off" in note
    assert f"in {len(report.results)} of {len(report.results)} cases" in note
    assert "Note: linear_forward prints" in str(report)
    assert "shapes:" not in capsys.readouterr().out       # the prints are held back
    quiet = check("linear_forward", quiet_linear_forward)
    assert quiet.notes == [] and printed_note("f", [{"status": "returned"}]) is None


def test_course_grade_notes_the_print_without_a_penalty(tmp_path):
    nb = json.loads(RELEASED.read_text())
    for c in nb["cells"]:
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        if c["cell_type"] == "code" and re.match(r"def linear_forward\(", src):
            c["source"] = NOISY
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "pat.ipynb").write_text(json.dumps(nb))
    assert main(["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "g"), "-q"]) in (0, 1)
    (row,) = json.loads((tmp_path / "g" / "grades.json").read_text())["submissions"]
    q = next(q for q in row["questions"] if q["name"] == "linear_forward")
    assert q["score"] == q["max_score"] == 1
    assert q["feedback"][0].startswith("note: linear_forward prints (`shapes: (")
    others = [q for q in row["questions"] if q["name"] != "linear_forward"]
    assert not any("prints" in f for q in others for f in q["feedback"])
