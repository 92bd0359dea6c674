"""Regrades (autograder/regrade.py) and the late policy in ``course grade``: each run
keeps a copy in OUT/history/, writes what changed against the previous one and why,
and every report shows the raw score, the penalty, the final score and the reason."""

import csv
import json
import shutil
from pathlib import Path

from autograder.regrade import FINAL, diff, previous_run
from course.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "submitted"
A03 = "03_one_layer_at_a_time"


def _row(student="s", score=1.0, questions=(("f", 1.0),), **kw):
    row = {"student": student, "assignment": "a", "score": score, "max_score": 2.0,
           "status": "graded", "questions": [{"name": n, "score": v, "max_score": 1.0,
                                              "feedback": []} for n, v in questions],
           "graded_with": {"submission": "s1", "checks": "c1"}, "penalty": 0.0,
           "policy": "p1", "late": {"submitted_at": "t1", "reason": "on time"}}
    row.update(kw)
    return row


def _reasons(changes):
    return {(c["student"], c["question"]): c["reason"] for c in changes}


def test_each_changed_question_says_why():
    old = [_row("new_sub"), _row("new_check"), _row("same"), _row("gone")]
    new = [_row("new_sub", 2.0, (("f", 2.0),), graded_with={"submission": "s2",
                                                             "checks": "c1"}),
           _row("new_check", 0.5, (("f", 0.5),), graded_with={"submission": "s1",
                                                               "checks": "c2"}),
           _row("same", 0.0, (("f", 0.0),)), _row("first")]
    got = _reasons(diff(old, new))
    assert got == {("new_sub", "f"): "new submission", ("new_sub", FINAL): "new submission",
                   ("new_check", "f"): "new check", ("new_check", FINAL): "new check",
                   ("same", "f"): "same submission and checks",
                   ("same", FINAL): "same submission and checks",
                   ("first", FINAL): "first graded", ("gone", FINAL): "not in this run"}
    assert diff(old, old) == []


def test_penalties_and_overrides_are_reasons_of_their_own():
    late = _row("late", 0.5, penalty=0.5, policy="p2",
                late={"submitted_at": "t1", "reason": "1 day(s) late x 0.5 points per day"})
    moved = _row("moved", 0.5, penalty=0.5,
                 late={"submitted_at": "t2", "reason": "1 day(s) late"})
    q = {"name": "f", "score": 0.25, "max_score": 1.0, "feedback": [],
         "override": {"score": 0.25, "reason": "asked for it", "who": "ta"}}
    over = _row("over", 0.25, questions=())
    over["questions"] = [q]
    total = _row("total", 2.0, overrides=[{"question": "total", "score": 2.0, "was": 1.0,
                                           "reason": "medical", "who": "prof"}])
    changes = diff([_row("late"), _row("moved"), _row("over"), _row("total")],
                   [late, moved, over, total])
    got = _reasons(changes)
    assert got[("late", FINAL)] == "new late policy"
    assert got[("moved", FINAL)] == "new submission time"
    assert got[("over", "f")] == "override" and got[("over", FINAL)] == "override"
    assert got[("total", FINAL)] == "override"
    detail = {c["student"]: c["detail"] for c in changes if c["question"] == "f"}
    assert detail["over"] == "ta: asked for it"


def _timestamp(folder, when):
    (folder / "timestamp.txt").write_text(when)


def _csv(path):
    with path.open(newline="") as fh:
        return {r["student"]: r for r in csv.DictReader(fh)}


def test_a_term_of_regrades_late_policy_extension_override_new_submission(tmp_path, capsys):
    sub = tmp_path / "submitted"
    for s in ("alice", "bob"):
        shutil.copytree(SAMPLES / s / A03, sub / s / A03)
    _timestamp(sub / "alice" / A03, "2026-03-09 12:00:00.000000 UTC")  # 3 days late
    _timestamp(sub / "bob" / A03, "2026-03-08 12:00:00.000000 UTC")  # 2 days late
    out = tmp_path / "out"
    grade = ["grade", str(sub), "--out", str(out), "-q"]

    # 1. no course config: nothing is late, no earlier run to compare with
    assert main(grade) == 0
    rows = {r["student"]: r for r in json.loads((out / "grades.json").read_text())
            ["submissions"]}
    raw_bob = rows["bob"]["score"]
    assert 0 < raw_bob < rows["bob"]["max_score"]
    assert rows["bob"]["penalty"] == 0.0 and rows["bob"]["raw_score"] == raw_bob
    assert rows["bob"]["late"]["reason"] == "no deadline set"
    assert not (out / "changes.csv").exists() and previous_run(out) is not None

    # 2. a deadline, a point a day, an extension for alice
    config = tmp_path / "course.toml"
    config.write_text(f'[assignments."{A03}"]\ndeadline = "2026-03-06T12:00:00+00:00"\n'
                      "penalty_per_day_points = 1\n"
                      f'[assignments."{A03}".extensions]\nalice = 4\n')
    assert main([*grade, "--config", str(config)]) == 0
    got = _csv(out / "grades.csv")
    assert float(got["bob"]["penalty"]) == 2.0
    assert abs(float(got["bob"]["raw_score"]) - raw_bob) < 0.006  # 2 decimals in the CSV
    assert abs(float(got["bob"]["score"]) - (raw_bob - 2)) < 0.006
    assert got["bob"]["late"] == "2 day(s) late x 1 points per day"
    assert float(got["alice"]["penalty"]) == 0.0
    assert got["alice"]["late"] == "on time (extension of 4 day(s))"
    changes = _csv_rows(out / "changes.csv")
    assert [(c["student"], c["question"], c["reason"]) for c in changes] \
        == [("bob", FINAL, "new late policy")]
    page = (out / "feedback" / A03 / "bob.html").read_text()
    assert "late penalty -2: raw score" in page and "2 day(s) late" in page

    # 3. an override of one question, by a TA
    (tmp_path / "overrides.csv").write_text(
        "student,assignment,question,score,reason,who\n"
        f"bob,{A03},linear_backward,2,regrade request: shapes were right,ta-kim\n")
    assert main([*grade, "--config", str(config)]) == 0
    changes = _csv_rows(out / "changes.csv")
    assert {(c["question"], c["reason"]) for c in changes} \
        == {("linear_backward", "override"), (FINAL, "override")}
    assert next(c for c in changes if c["question"] == "linear_backward")["detail"] \
        == "ta-kim: regrade request: shapes were right"
    got = _csv(out / "grades.csv")
    assert float(got["bob"]["linear_backward"]) == 2.0
    assert "linear_backward set to 2" in got["bob"]["overrides"]
    assert "ta-kim" in got["bob"]["overrides"]

    # 4. bob hands in again (alice's work, full marks): only bob is graded, and the
    # questions that moved say "new submission" (the override still wins its question)
    shutil.copy(SAMPLES / "alice" / A03 / f"{A03}.ipynb", sub / "bob" / A03 / f"{A03}.ipynb")
    capsys.readouterr()
    assert main([*grade[:-1], "--config", str(config)]) == 0
    text = capsys.readouterr().out
    assert "1 run now" in text and "1 reused" in text and "changes" in text
    changes = _csv_rows(out / "changes.csv")
    assert changes and all(c["student"] == "bob" for c in changes)
    assert {c["reason"] for c in changes if c["question"] != FINAL} == {"new submission"}
    assert "linear_backward" not in {c["question"] for c in changes}
    final = next(c for c in changes if c["question"] == FINAL)
    assert float(final["new"]) == float(got["alice"]["max_score"]) - 2  # still late
    # every complete run kept its copy
    assert len(list((out / "history").iterdir())) == 4


def _csv_rows(path):
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_bad_config_or_overrides_file_stops_before_grading(tmp_path, capsys):
    sub = tmp_path / "submitted"
    shutil.copytree(SAMPLES / "alice" / A03, sub / "alice" / A03)
    bad = tmp_path / "course.toml"
    bad.write_text('[assignments.x]\ndeadline = "2026-03-06T12:00:00"\n')
    assert main(["grade", str(sub), "--out", str(tmp_path / "o"), "-q", "--config",
                 str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "time zone" in err and "course.toml" in err
    assert not (tmp_path / "o" / "grades.json").exists()
    bad.write_text("")
    (tmp_path / "overrides.csv").write_text("student,score\nalice,x\n")
    assert main(["grade", str(sub), "--out", str(tmp_path / "o"), "-q", "--config",
                 str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "overrides.csv" in err and "column" in err
