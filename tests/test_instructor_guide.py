"""docs/instructor-guide.md, run as written: every ``sh`` block of the guide, in order,
in a fresh course folder, as the user running the tests (no root needed). The guide's
*by hand* steps (``<!-- action: NAME -->``) are done here in Python, and after each step
the test checks what the guide says happened.

The term: one new assignment ``week1`` (three built-in checks, one with other points),
rehearsed (the solution scores full marks, the untouched release 0), released, handed in
through a Canvas-shaped download by three students (right, untouched, late with a
classic mistake), graded, regraded after an extension, an override and a late
resubmission, and exported.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "instructor-guide.md"
BIN = Path(sys.executable).parent

SOLUTIONS = {
    "linear_forward": "    Z = W @ A_prev + b\n    return Z, (A_prev, W, b)\n",
    "linear_backward": "    A_prev, W, b = cache\n    m = A_prev.shape[1]\n"
                       "    return W.T @ dZ, dZ @ A_prev.T / m, "
                       "dZ.sum(axis=1, keepdims=True) / m\n",
    "relu_backward": "    return dA * (cache > 0)\n",
}
#: cat's linear_backward forgets the 1/m
MISTAKE = dict(SOLUTIONS, linear_backward="    A_prev, W, b = cache\n"
               "    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)\n")
CANVAS = {"ann": 1001, "ben": 1002, "cat": 1003}


def _blocks():
    """The guide's steps and actions, in order: ``[("step", name, script) |
    ("action", name, None)]``."""
    text = GUIDE.read_text(encoding="utf-8")
    items = []
    for m in re.finditer(r"<!-- (step|action): ([\w-]+) -->\n(?:```sh\n(.*?)```)?", text,
                         re.S):
        kind, name, script = m.groups()
        if kind == "step":
            assert script, f"step {name}: expected a ```sh block right after its marker"
        items.append((kind, name, script))
    return items


def _fill(nb, sources):
    """The notebook with each graded cell's solution region (or, in a release, its
    stub) replaced by ``sources[grade_id]``."""
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in sources and cell["cell_type"] == "code":
            src = "".join(cell["source"])
            head = src.split("### BEGIN SOLUTION")[0] if "### BEGIN SOLUTION" in src else \
                src.split("    raise NotImplementedError")[0].split("    # YOUR CODE")[0]
            tail = src.split("### END SOLUTION")[1] if "### END SOLUTION" in src else ""
            if "### BEGIN SOLUTION" in src:
                cell["source"] = f"{head}### BEGIN SOLUTION\n{sources[gid]}    " \
                                 f"### END SOLUTION{tail}"
            else:
                cell["source"] = head.rstrip() + "\n" + sources[gid]
    return nb


def _canvas_zip(path, members):
    """A Canvas "Download Submissions" zip: ``members`` is [(student, notebook, when,
    late)]."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for n, (student, nb, when, late) in enumerate(members):
            uid = CANVAS[student]
            name = f"{student}{'_LATE' if late else ''}_{uid}_{5000 + n}_week1.ipynb"
            info = zipfile.ZipInfo(name, date_time=when)
            zf.writestr(info, json.dumps(nb))


class Term:
    def __init__(self, folder):
        self.folder = folder
        self.out = {}

    def release(self):
        return json.loads((self.folder / "assignments" / "week1" / "week1.ipynb").read_text())

    # the guide's actions, done by hand in JupyterLab or the LMS
    def write_solutions(self):
        path = self.folder / "solutions" / "week1" / "week1.ipynb"
        nb = json.loads(path.read_text())
        path.write_text(json.dumps(_fill(nb, SOLUTIONS), indent=1))

    def canvas_download(self):
        release = self.release()
        self.handed = [("ann", _fill(release, SOLUTIONS), (2026, 9, 13, 12, 0, 0), False),
                       ("ben", release, (2026, 9, 14, 10, 0, 0), False),
                       ("cat", _fill(release, MISTAKE), (2026, 9, 16, 12, 0, 0), True)]
        _canvas_zip(self.folder / "inbox" / "week1.zip", self.handed)

    def resubmission(self):
        again = [h for h in self.handed if h[0] != "ben"]
        again.append(("ben", _fill(self.release(), SOLUTIONS), (2026, 9, 17, 12, 0, 0), True))
        _canvas_zip(self.folder / "inbox" / "week1-again.zip", again)

    def rows(self, out="grades"):
        doc = json.loads((self.folder / out / "grades.json").read_text())
        return {r["student"]: r for r in doc["submissions"]}, doc["grader"]

    def changes(self):
        with (self.folder / "grades" / "changes.csv").open(newline="") as fh:
            return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    pytest.importorskip("nbgrader")
    from autograder.sandbox import isolation_available

    if not isolation_available()[0]:
        pytest.skip("no sandbox backend works here: the guide's `course grade` would refuse")
    folder = tmp_path_factory.mktemp("term")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("COURSE_ROOT", None)
    t = Term(folder)
    for kind, name, script in _blocks():
        if kind == "action":
            getattr(t, name.replace("-", "_"))()
            continue
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=folder,
                              env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (f"guide step {name!r} failed ({proc.returncode}):\n"
                                      f"{script}\n--- stdout\n{proc.stdout[-4000:]}\n"
                                      f"--- stderr\n{proc.stderr[-4000:]}")
        t.out[name] = proc.stdout
        t.out[name + ".err"] = proc.stderr
        if name == "grade":
            t.first = t.rows()
        if name == "extension-and-override":
            t.second, t.second_changes = t.rows(), t.changes()
    return t


def test_the_guide_is_the_whole_term_in_order():
    assert [(k, n) for k, n, _ in _blocks()] == [
        ("step", "start"), ("step", "new"), ("action", "write-solutions"),
        ("step", "release"), ("action", "canvas-download"), ("step", "collect"),
        ("step", "grade"), ("step", "extension-and-override"), ("action", "resubmission"),
        ("step", "regrade"), ("step", "export")]


def test_the_rehearsal_gives_the_solution_full_marks_and_the_release_nothing(term):
    rows, _ = term.rows("rehearsal-grades")
    assert rows["solution"]["score"] == rows["solution"]["max_score"] == 4.0
    assert rows["untouched"]["score"] == 0.0
    assert all(r["assignment"] == "week1" for r in rows.values())
    assert list((term.folder / "kit").glob("*.whl"))


def test_collect_names_canvas_files_by_the_rosters_student_id(term):
    for student in ("ann", "ben", "cat"):
        folder = term.folder / "submitted" / student / "week1"
        assert (folder / "timestamp.txt").is_file(), sorted(
            p.relative_to(term.folder) for p in (term.folder / "submitted").rglob("*"))


def test_grading_applies_the_late_policy(term):
    rows, meta = term.first
    assert rows["ann"]["score"] == 4.0 and rows["ann"]["penalty"] == 0.0
    assert rows["ben"]["score"] == 0.0
    cat = rows["cat"]
    lb = next(q for q in cat["questions"] if q["name"] == "linear_backward")
    assert lb["score"] < 2.0  # the missing 1/m loses points
    # 2026-09-16 12:00 UTC is 1 day 8 hours after 23:59 EDT on the 14th: 2 days late,
    # 10 % of 4 points a day
    assert cat["late"]["days_late"] == 2
    assert cat["penalty"] == pytest.approx(0.8)
    assert cat["score"] == pytest.approx(cat["raw_score"] - 0.8)
    assert meta["graded"] == 3 and meta["reused"] == 0


def test_an_extension_and_an_override_regrade_nothing_and_say_why(term):
    rows, meta = term.second
    assert meta["graded"] == 0 and meta["reused"] == 3
    assert rows["cat"]["penalty"] == 0.0
    assert rows["cat"]["late"]["reason"] == "on time (extension of 3 day(s))"
    assert rows["ben"]["score"] == 0.5
    why = {(c["student"], c["question"]): c["reason"] for c in term.second_changes}
    assert why == {("cat", "(final)"): "new late policy",
                   ("ben", "linear_forward"): "override", ("ben", "(final)"): "override"}


def test_a_late_resubmission_is_the_only_one_graded_again(term):
    rows, meta = term.rows()
    assert meta["graded"] == 1 and meta["reused"] == 2
    ben = rows["ben"]
    # 3 days late (2026-09-17 12:00 UTC), 30 % of 4 points; the override still holds
    assert ben["late"]["days_late"] == 3 and ben["penalty"] == pytest.approx(1.2)
    assert ben["raw_score"] == pytest.approx(3.5) and ben["score"] == pytest.approx(2.3)
    changes = term.changes()
    assert {c["reason"] for c in changes if c["question"] not in ("(final)",)} \
        == {"new submission"}
    assert all(c["student"] == "ben" for c in changes)
    assert "student,assignment,question,old,new,reason" in term.out["regrade"]
    assert len(list((term.folder / "grades" / "history").iterdir())) == 3


def test_the_export_reaches_canvas_and_nbgrader(term):
    with (term.folder / "grades" / "canvas.csv").open(newline="") as fh:
        lines = list(csv.reader(fh))
    head, points, *students = lines
    assert head[:2] == ["Student", "ID"] and "week1" in head[5]
    assert points[5] == "4"
    got = {r[0]: (r[1], r[5]) for r in students}
    assert got["Ben Babbage"] == ("1002", "2.3")
    assert got["Ann Ada"] == ("1001", "4")
    from nbgrader.api import Gradebook

    db = f"sqlite:///{term.folder / 'nbgrader' / 'gradebook.db'}"
    with Gradebook(db) as gb:
        assert gb.find_submission("week1", "ann").score == pytest.approx(4.0)
    assert (term.folder / "grades" / "results" / "week1" / "cat" / "results.json").is_file()
