"""The roster file: its columns, its errors, its join with course grade's rows."""

import pytest

from autograder.roster import RosterError, join, read_roster

HEADER = "student_id,name,email,lms_id,section\n"


def write(tmp_path, text, name="roster.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_reads_students_in_order(tmp_path):
    p = write(tmp_path, HEADER + "alice,Alice Liddell,a@x.org,101,S1\nbob,Bob B,b@x.org,,\n")
    s = read_roster(p)
    assert [x.student_id for x in s] == ["alice", "bob"]
    assert (s[0].name, s[0].email, s[0].lms_id, s[0].section) == \
        ("Alice Liddell", "a@x.org", "101", "S1")
    assert s[1].lms_id == ""


def test_missing_column_names_file_line_and_expected(tmp_path):
    p = write(tmp_path, "student_id,name,email\nalice,A,a@x\n")
    with pytest.raises(RosterError) as err:
        read_roster(p)
    msg = str(err.value)
    assert str(p) in msg and "line 1" in msg and "lms_id" in msg and "\n" not in msg


def test_duplicate_id_names_both_lines(tmp_path):
    p = write(tmp_path, HEADER + "alice,A,a@x,1,\nbob,B,b@x,2,\nalice,A2,a2@x,3,\n")
    with pytest.raises(RosterError, match=r"line 4: student_id 'alice' already on line 2"):
        read_roster(p)


def test_empty_id(tmp_path):
    p = write(tmp_path, HEADER + " ,A,a@x,1,\n")
    with pytest.raises(RosterError, match="line 2: empty student_id"):
        read_roster(p)


def test_unreadable_file(tmp_path):
    with pytest.raises(RosterError, match="nope.csv: cannot read the roster"):
        read_roster(tmp_path / "nope.csv")
    p = tmp_path / "bin.csv"
    p.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(RosterError, match="bin.csv: cannot read"):
        read_roster(p)


def row(student, assignment, score, max_score=4.0):
    return {"student": student, "assignment": assignment, "status": "graded",
            "score": score, "max_score": max_score, "questions": [], "notes": []}


def test_join_adds_missing_and_keeps_strangers(tmp_path):
    students = read_roster(write(tmp_path, HEADER + "alice,A,a@x,1,\nbob,B,b@x,2,\n"))
    rows = [row("alice", "hw1", 3.0), row("zed", "hw1", 2.0)]
    with pytest.warns(UserWarning, match="not on the roster, kept: zed"):
        out = join(rows, students, {"hw1": 4.0, "hw2": 5.0})
    got = {(r["student"], r["assignment"]): (r["status"], r["score"], r["max_score"])
           for r in out}
    assert got == {("alice", "hw1"): ("graded", 3.0, 4.0), ("zed", "hw1"): ("graded", 2.0, 4.0),
                   ("bob", "hw1"): ("missing", 0.0, 4.0), ("alice", "hw2"): ("missing", 0.0, 5.0),
                   ("bob", "hw2"): ("missing", 0.0, 5.0)}


def test_collect_names_canvas_files_through_the_roster(tmp_path, capsys):
    """A Canvas download is named by user id; with a roster, by the roster's student_id
    (an id not on the roster stays the Canvas id); a bad roster is a one-line error."""
    import json
    import zipfile
    from pathlib import Path

    from course.cli import main

    root = Path(__file__).resolve().parents[1]
    a = "03_one_layer_at_a_time"
    nb = (root / "assignments" / a / f"{a}.ipynb").read_text()
    dl = tmp_path / "dl.zip"
    with zipfile.ZipFile(dl, "w") as zf:
        zf.writestr(f"liddell_101_9001_{a}.ipynb", nb)
        zf.writestr(f"stranger_999_9002_{a}.ipynb", nb)
    roster = write(tmp_path, HEADER + "alice,Alice Liddell,a@x.org,101,S1\n")
    out = tmp_path / "submitted"
    assert main(["collect", str(dl), "--out", str(out), "--roster", str(roster)]) == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) \
        == ["999", "alice"]
    assert json.loads((out / "alice" / a / f"{a}.ipynb").read_text())["cells"]
    assert "user id 101 in the roster" in capsys.readouterr().out
    bad = write(tmp_path, "student_id,name\nalice,A\n", "bad.csv")
    assert main(["collect", str(dl), "--out", str(out), "--roster", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.csv" in err and "lms_id" in err
