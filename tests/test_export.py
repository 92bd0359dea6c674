"""Exports of course grade's rows: nbgrader's gradebook (read back through nbgrader's
API), the Canvas gradebook CSV and Gradescope's results.json; on hand-made rows and on a
real ``course grade`` run of two samples."""

import csv
import json
import shutil
from pathlib import Path

import pytest

from autograder.assignments import questions
from autograder.export import (
    assignment_points,
    grade_cells,
    results_json,
    to_nbgrader,
    write_canvas,
    write_results,
)
from autograder.roster import join, read_roster

ROOT = Path(__file__).resolve().parents[1]
A = "01_chain_rule_and_graphs"
ROSTER = ("student_id,name,email,lms_id,section\n"
          "alice,Alice Liddell,alice@x.org,1001,S1\n"
          "bob,Bob Babbage,bob@x.org,1002,S1\n"
          "erin,Erin Noether,erin@x.org,1005,S2\n")


@pytest.fixture
def students(tmp_path):
    p = tmp_path / "roster.csv"
    p.write_text(ROSTER, encoding="utf-8")
    return read_roster(p)


def hand_rows():
    """alice: full marks but one question half, 1 point late penalty; bob: an error."""
    qs = questions(A, ROOT)
    full = sum(q.points for q in qs)
    alice = [{"name": q.function, "score": q.points / (2 if i == 0 else 1),
              "max_score": q.points, "feedback": [f"{q.function} ok"], "diagnoses": []}
             for i, q in enumerate(qs)]
    raw = sum(q["score"] for q in alice)
    return [
        {"student": "alice", "assignment": A, "status": "graded", "error": None,
         "score": raw - 1.0, "raw_score": raw, "penalty": 1.0, "late": {"reason": "1 day"},
         "max_score": full, "questions": alice, "notes": [], "seconds": 0.5},
        {"student": "bob", "assignment": A, "status": "error",
         "error": "syntax error in cell 3", "score": 0.0, "max_score": full,
         "questions": [], "notes": [], "seconds": 0.1},
    ]


def test_grade_cells_map_every_question_to_its_hidden_test_cell():
    cells = grade_cells(A, ROOT)
    by_fn = {fn: (gid, pts) for _, gid, pts, _, fn in cells if fn}
    qs = questions(A, ROOT)
    assert list(by_fn) == [q.function for q in qs]
    for q in qs:
        assert by_fn[q.function] == (f"test_{q.function}", q.points)


def test_canvas_csv_columns_and_values(tmp_path, students):
    rows = hand_rows()
    with pytest.warns(UserWarning, match="kept: zed"):
        rows = join(rows + [dict(rows[1], student="zed", status="graded", score=2.0)],
                    students, {**assignment_points(rows, ROOT), "hw9": 10.0})
    points = {**assignment_points(rows, ROOT), "hw9": 10.0}
    p = write_canvas(rows, students, tmp_path / "canvas.csv", points, {A: "4242"})
    with p.open(encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                        f"{A} (4242)", "hw9"]
    full = sum(q.points for q in questions(A, ROOT))
    assert lines[1][0].strip() == "Points Possible" and lines[1][1:5] == [""] * 4
    assert [float(x) for x in lines[1][5:]] == [full, 10.0]
    body = {line[2]: line for line in lines[2:]}
    assert body["alice"][:5] == ["Alice Liddell", "1001", "alice", "alice@x.org", "S1"]
    assert float(body["alice"][5]) == pytest.approx(rows[0]["score"])  # final score
    assert float(body["bob"][5]) == 0.0
    assert body["erin"][1] == "1005" and float(body["erin"][5]) == 0.0  # missing: 0
    assert float(body["zed"][5]) == 2.0  # not on the roster, kept
    assert [float(body[s][6]) for s in ("alice", "bob", "erin")] == [0.0, 0.0, 0.0]


def test_results_json_schema(tmp_path):
    rows = hand_rows()
    doc = results_json(rows[0])
    assert set(doc) >= {"score", "execution_time", "tests", "output", "visibility"}
    assert doc["score"] == rows[0]["score"] and doc["execution_time"] == 0.5
    assert "Late penalty: -1" in doc["output"]
    assert [t["name"] for t in doc["tests"]] == [q["name"] for q in rows[0]["questions"]]
    for t, q in zip(doc["tests"], rows[0]["questions"], strict=True):
        assert set(t) == {"name", "score", "max_score", "output", "visibility"}
        assert (t["score"], t["max_score"], t["visibility"]) == \
            (q["score"], q["max_score"], "visible")
        assert t["output"] == f"{q['name']} ok"
    err = results_json(rows[1])
    assert err["score"] == 0.0 and err["tests"] == [] and "syntax error" in err["output"]
    paths = write_results(rows, tmp_path)
    assert paths[0] == tmp_path / A / "alice" / "results.json"
    assert json.loads(paths[0].read_text()) == doc


def read_back(db):
    from nbgrader.api import Gradebook, MissingEntry

    got = {}
    with Gradebook(db) as gb:
        for s in gb.students:
            try:
                sub = gb.find_submission(A, s.id)
            except MissingEntry:
                got[s.id] = None
                continue
            per = {}
            for _, gid, _, _, fn in grade_cells(A, ROOT):
                if fn:
                    g = gb.find_grade(gid, A, A, s.id)
                    per[fn] = (g.score, g.max_score)
            got[s.id] = (sub.score, sub.max_score, sub.late_submission_penalty, per)
    return got


def test_nbgrader_gradebook_read_back(tmp_path, students):
    pytest.importorskip("nbgrader")
    rows = join(hand_rows(), students, assignment_points(hand_rows(), ROOT))
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    assert to_nbgrader(rows, db, students, ROOT) == 2
    assert to_nbgrader(rows, db, students, ROOT) == 2  # a second import updates
    got = read_back(db)
    assert set(got) == {"alice", "bob", "erin"} and got["erin"] is None
    alice = rows[0]
    score, max_score, penalty, per = got["alice"]
    assert score == pytest.approx(alice["raw_score"])
    assert max_score == pytest.approx(alice["max_score"]) and penalty == 1.0
    assert per == {q["name"]: (q["score"], q["max_score"]) for q in alice["questions"]}
    assert got["bob"][0] == 0.0 and all(s == 0.0 for s, _ in got["bob"][3].values())
    from nbgrader.api import Gradebook

    with Gradebook(db) as gb:
        s = gb.find_student("alice")
        assert (s.first_name, s.last_name, s.email, s.lms_user_id) == \
            ("Alice", "Liddell", "alice@x.org", "1001")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """``course grade`` on alice's and bob's samples of assignment 01 (a real run)."""
    from course.cli import main

    tmp = tmp_path_factory.mktemp("grade")
    for who in ("alice", "bob"):
        shutil.copytree(ROOT / "samples" / "submitted" / who / A, tmp / "submitted" / who / A)
    assert main(["grade", str(tmp / "submitted"), "--out", str(tmp / "out"),
                 "--course", str(ROOT)]) in (0, 1)
    (tmp / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return tmp


def test_real_run_exports_agree_with_rows(graded, capsys):
    from course.cli import main

    rows = json.loads((graded / "out" / "grades.json").read_text())["submissions"]
    assert sorted(r["student"] for r in rows) == ["alice", "bob"]
    db = f"sqlite:///{graded / 'gb.db'}"
    assert main(["export", "all", "--grades", str(graded / "out" / "grades.json"),
                 "--roster", str(graded / "roster.csv"), "--course", str(ROOT),
                 "--db", db]) == 0
    got = read_back(db)
    with (graded / "out" / "canvas.csv").open(encoding="utf-8") as fh:
        canvas = {line[2]: line for line in csv.reader(fh)}
    for r in rows:
        score, max_score, _, per = got[r["student"]]
        assert score == pytest.approx(r["score"]) and max_score == pytest.approx(r["max_score"])
        assert {k: v[0] for k, v in per.items()} == pytest.approx(
            {q["name"]: q["score"] for q in r["questions"]})
        assert float(canvas[r["student"]][5]) == pytest.approx(r["score"], abs=0.005)
        res = json.loads((graded / "out" / "results" / A / r["student"] /
                          "results.json").read_text())
        assert res["score"] == r["score"]
        assert sum(t["score"] for t in res["tests"]) == pytest.approx(r["score"])
    assert got["erin"] is None and float(canvas["erin"][5]) == 0.0
    assert (graded / "out" / "results" / A / "erin" / "results.json").exists()
    assert any(r["score"] > 0 for r in rows)


def test_export_bad_roster_is_one_line(graded, tmp_path, capsys):
    from course.cli import main

    bad = tmp_path / "r.csv"
    bad.write_text("student_id,name\nalice,A\n", encoding="utf-8")
    assert main(["export", "canvas", "--grades", str(graded / "out" / "grades.json"),
                 "--roster", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "r.csv, line 1" in err and "email, lms_id" in err


def test_nbgrader_export_csv_shows_final_scores(tmp_path, students):
    """``nbgrader export`` (nbgrader's own command) on the imported gradebook."""
    import os
    import subprocess
    import sys

    pytest.importorskip("nbgrader")
    rows = join(hand_rows(), students, assignment_points(hand_rows(), ROOT))
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    to_nbgrader(rows, db, students, ROOT)
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    p = subprocess.run([sys.executable, "-m", "nbgrader", "export",
                        f"--CourseDirectory.db_url={db}", f"--CourseDirectory.root={tmp_path}",
                        "--CourseDirectory.course_id=backprop"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    with (tmp_path / "grades.csv").open(encoding="utf-8") as fh:
        got = {r["student_id"]: r for r in csv.DictReader(fh)}
    alice = rows[0]
    assert float(got["alice"]["raw_score"]) == pytest.approx(alice["raw_score"])
    assert float(got["alice"]["late_submission_penalty"]) == 1.0
    assert float(got["alice"]["score"]) == pytest.approx(alice["score"])
    assert float(got["bob"]["score"]) == 0.0 and float(got["erin"]["score"]) == 0.0
    assert {r["max_score"] for r in got.values()} == {str(alice["max_score"])}


def test_without_nbgrader_the_export_says_so_in_one_line(graded, tmp_path, capsys,
                                                          monkeypatch):
    """nbgrader is optional: asked for, it is one line and exit 2; in ``all`` the other
    exports are still written, with a warning and exit 1."""
    import importlib.util

    from course.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "nbgrader" else real(name, *a))
    grades = str(graded / "out" / "grades.json")
    assert main(["export", "nbgrader", "--grades", grades, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nbgrader is not installed" in err
    assert main(["export", "all", "--grades", grades, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "warning: nbgrader is not installed" in err and "Traceback" not in err
    assert (tmp_path / "canvas.csv").is_file() and (tmp_path / "results").is_dir()
    assert main(["export", "canvas", "--grades", grades, "--out", str(tmp_path),
                 "--canvas-id", "01_chain_rule_and_graphs"]) == 2
    assert "expected ASSIGNMENT=ID" in capsys.readouterr().err
