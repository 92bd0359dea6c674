"""Resumable batches (autograder/journal.py): rows journalled as they finish, reused
when the submission, the checks and the options are the same, graded again otherwise."""

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import autograder.grader
from autograder.journal import JOURNAL, Journal, checks_fingerprint, submission_hash
from course.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "submitted"
A03 = "03_one_layer_at_a_time"


def _batch(tmp_path, students=("alice", "bob")):
    sub = tmp_path / "submitted"
    for s in students:
        shutil.copytree(SAMPLES / s / A03, sub / s / A03)
    return sub


@pytest.fixture
def spy(monkeypatch):
    """The students each call of grade_batch was given (cli.run imports it at call time)."""
    real = autograder.grader.grade_batch
    calls = []

    def grade_batch(submissions, **kw):
        calls.append([s.student for s in submissions])
        return real(submissions, **kw)

    monkeypatch.setattr(autograder.grader, "grade_batch", grade_batch)
    return calls


def _rows(out):
    doc = json.loads((out / "grades.json").read_text())
    return {r["student"]: r for r in doc["submissions"]}, doc["grader"]


def test_a_second_run_reuses_every_row_and_grades_nothing(tmp_path, spy, capsys):
    sub, out = _batch(tmp_path), tmp_path / "out"
    assert main(["grade", str(sub), "--out", str(out), "-q"]) == 0
    first, meta = _rows(out)
    assert spy == [["alice", "bob"]] and meta["reused"] == 0 and meta["graded"] == 2
    assert len((out / JOURNAL).read_text().splitlines()) == 2
    assert main(["grade", str(sub), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert spy == [["alice", "bob"]]  # no second grading call
    assert "0 run now" in text and "2 reused from an earlier run" in text
    again, meta = _rows(out)
    assert meta["reused"] == 2 and meta["graded"] == 0
    for s in ("alice", "bob"):
        assert again[s]["score"] == first[s]["score"]
        assert again[s]["questions"] == first[s]["questions"]
        assert again[s]["isolation"] == first[s]["isolation"]
    # the journal is compacted to one line per submission, not appended to
    assert len((out / JOURNAL).read_text().splitlines()) == 2


def test_a_new_submission_options_or_checks_grade_again(tmp_path, spy, monkeypatch):
    sub, out = _batch(tmp_path, ("alice", "bob", "carol")), tmp_path / "out"
    assert main(["grade", str(sub), "--out", str(out), "-q"]) in (0, 1)
    nb = sub / "bob" / A03 / f"{A03}.ipynb"
    doc = json.loads(nb.read_text())
    doc["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "edited"})
    nb.write_text(json.dumps(doc))  # a new hand-in: only bob is graded again
    assert main(["grade", str(sub), "--out", str(out), "-q"]) in (0, 1)
    assert spy[-1] == ["bob"]
    # an option that changes scores grades everyone again
    assert main(["grade", str(sub), "--out", str(out), "-q", "--timeout", "9"]) in (0, 1)
    assert spy[-1] == ["alice", "bob", "carol"]
    # so does a change to the checks (the fingerprint of the grading code and course)
    monkeypatch.setattr("autograder.journal.checks_fingerprint", lambda root=None: "x" * 64)
    assert main(["grade", str(sub), "--out", str(out), "-q", "--timeout", "9"]) in (0, 1)
    assert spy[-1] == ["alice", "bob", "carol"]
    # and --fresh ignores the journal
    assert main(["grade", str(sub), "--out", str(out), "-q", "--timeout", "9",
                 "--fresh"]) in (0, 1)
    assert spy[-1] == ["alice", "bob", "carol"]
    assert len(spy) == 5


def test_a_torn_last_line_is_skipped_and_that_submission_graded_again(tmp_path, spy):
    sub, out = _batch(tmp_path), tmp_path / "out"
    assert main(["grade", str(sub), "--out", str(out), "-q"]) == 0
    lines = (out / JOURNAL).read_text().splitlines()
    bob = next(i for i, line in enumerate(lines) if '"student": "bob"' in line)
    lines[bob] = lines[bob][: len(lines[bob]) // 2]  # power lost mid-write
    (out / JOURNAL).write_text("\n".join(lines))
    assert main(["grade", str(sub), "--out", str(out), "-q"]) == 0
    assert spy[-1] == ["bob"]
    rows, meta = _rows(out)
    assert sorted(rows) == ["alice", "bob"] and meta["reused"] == 1


def test_an_unwritable_journal_warns_and_loses_no_row(tmp_path, capsys):
    sub, out = _batch(tmp_path), tmp_path / "out"
    (out / JOURNAL).mkdir(parents=True)  # cannot be opened as a file, even by root
    assert main(["grade", str(sub), "--out", str(out), "-q"]) == 0
    err = capsys.readouterr().err
    assert "warning: the journal could not be written" in err and JOURNAL in err
    rows, _ = _rows(out)
    assert sorted(rows) == ["alice", "bob"]
    assert rows["alice"]["score"] == rows["alice"]["max_score"] > 0


def test_the_key_covers_the_files_the_checks_and_the_options(tmp_path):
    from autograder.grader import Submission

    nb = tmp_path / "a.ipynb"
    nb.write_text("{}")
    s = Submission("a", None, [nb])
    j = Journal(tmp_path, {"mode": "definitions"}, "f" * 64)
    k = j.key(s)
    assert j.key(s) == k == j.key(s, submission_hash(s))
    assert Journal(tmp_path, {"mode": "all"}, "f" * 64).key(s) != k
    assert Journal(tmp_path, {"mode": "definitions"}, "e" * 64).key(s) != k
    assert j.key(Submission("b", None, [nb])) != k
    assert j.key(Submission("a", None, [nb], nbgrader="other")) != k
    nb.write_text("{ }")
    assert j.key(s) != k
    # the course's checks are part of the fingerprint: a new checks.py changes it
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / A03, course / "solutions" / A03)
    before = checks_fingerprint(course)
    assert checks_fingerprint(course) == before
    (course / "solutions" / A03 / "checks.py").write_text("# an instructor's checks\n")
    assert checks_fingerprint(course) != before


def test_a_batch_stopped_by_ctrl_c_resumes_and_grades_only_the_rest(tmp_path):
    """A real interruption: SIGINT while the second of three submissions runs; the next
    run reuses the first and grades the two others."""
    from autograder.sandbox import isolation_available

    subs = tmp_path / "subs"
    subs.mkdir()
    src = ROOT / "solutions" / A03 / f"{A03}.ipynb"
    (subs / "a_fast.ipynb").write_text(src.read_text())
    slow = json.loads(src.read_text())
    slow["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                          "execution_count": None,
                          "source": "import time\ntime.sleep(4)\n"})
    (subs / "b_slow.ipynb").write_text(json.dumps(slow))
    (subs / "c_after.ipynb").write_text(src.read_text())
    out = tmp_path / "out"
    iso = [] if isolation_available()[0] else ["--isolation", "none"]
    argv = [sys.executable, "-m", "course", "grade", str(subs), "--out", str(out),
            "--timeout", "30", "--mode", "all", *iso]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    journal = out / JOURNAL
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
            journal.is_file() and journal.read_text().count("\n") >= 1):
        time.sleep(0.05)
    time.sleep(0.5)  # b_slow is in its 4 s sleep
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout, stderr)
    assert "run the same command again to grade only the rest" in stderr
    assert [json.loads(x)["row"]["student"] for x in journal.read_text().splitlines()] \
        == ["a_fast"]
    again = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, (again.stdout, again.stderr)
    assert "2 run now" in again.stdout and "1 reused from an earlier run" in again.stdout
    rows, meta = _rows(out)
    assert meta["graded"] == 2 and meta["reused"] == 1 and "interrupted" not in meta
    assert sorted(rows) == ["a_fast", "b_slow", "c_after"]
    assert all(r["score"] == r["max_score"] > 0 for r in rows.values())
