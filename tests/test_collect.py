"""course collect: hand-ins of any shape into nbgrader's submitted/ layout."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from autograder.collect import CollectError, collect, nbgrader_timestamp
from course.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "submitted"
A02, A03 = "02_activations_and_outputs", "03_one_layer_at_a_time"


def _sample(student, assignment):
    return next((SAMPLES / student / assignment).glob("*.ipynb")).read_bytes()


def _zip(path, members, manifest=None, when=(2026, 12, 1, 10, 0, 0)):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=when), data)
        if manifest is not None:
            zf.writestr("manifest.json", json.dumps(manifest))
    return path


def _ts(folder):
    return (folder / "timestamp.txt").read_text().strip()


def test_a_canvas_bulk_download_is_sorted_by_user_id_and_assignment(tmp_path):
    dl = _zip(tmp_path / "submissions.zip", {
        f"doejane_12345_678901_{A03}.ipynb": _sample("alice", A03),
        "smithbob_LATE_222_999_homework two.ipynb": _sample("bob", A02),
    })
    out = tmp_path / "submitted"
    handins = collect([dl], out)
    assert sorted((h.student, h.assignment) for h in handins) == [("12345", A03), ("222", A02)]
    assert (out / "12345" / A03 / f"{A03}.ipynb").read_bytes() == _sample("alice", A03)
    # the LMS prefix is dropped; a file name with a blank is made safe
    assert (out / "222" / A02 / "homework_two.ipynb").is_file()
    assert _ts(out / "222" / A02) == "2026-12-01 10:00:00.000000 UTC"
    bob = next(h for h in handins if h.student == "222")
    assert bob.student_from == "Canvas's file name" and "Canvas marked it late" in bob.notes


def test_folders_named_freely_and_the_assignment_read_from_the_notebook(tmp_path):
    inbox = tmp_path / "inbox"
    for student, assignment, name in [("alice", A03, "my work.ipynb"),
                                      ("bob", A02, "final_FINAL.ipynb")]:
        (inbox / student).mkdir(parents=True)
        (inbox / student / name).write_bytes(_sample(student, assignment))
    out = tmp_path / "submitted"
    collect([inbox], out)
    assert (out / "alice" / A03 / "my_work.ipynb").is_file()
    assert (out / "bob" / A02 / "final_FINAL.ipynb").is_file()
    mtime = datetime.fromtimestamp(os.stat(inbox / "bob" / "final_FINAL.ipynb").st_mtime,
                                   tz=timezone.utc)
    assert _ts(out / "bob" / A02) == nbgrader_timestamp(mtime)


def test_the_newest_hand_in_wins_and_the_older_one_is_reported(tmp_path):
    old = _zip(tmp_path / "a1.zip", {"alice/x.ipynb": _sample("bob", A03)},
               when=(2026, 12, 1, 9, 0, 0))
    new = _zip(tmp_path / "a2.zip", {"alice/y.ipynb": _sample("alice", A03)},
               when=(2026, 12, 2, 9, 0, 0))
    out = tmp_path / "submitted"
    handins = collect([new, old], out)
    assert sorted(p.name for p in (out / "alice" / A03).iterdir()) == ["timestamp.txt",
                                                                       "y.ipynb"]
    skipped = [h for h in handins if h.problem]
    assert len(skipped) == 1 and skipped[0].problem.startswith("superseded")
    # collecting the old one again later does not overwrite the newer submission
    handins = collect([old], out)
    assert handins[0].problem.startswith("older than")
    assert (out / "alice" / A03 / "y.ipynb").is_file()


def test_a_hand_in_zip_with_a_manifest_names_its_student_and_time(tmp_path):
    z = _zip(tmp_path / "handin.zip", {f"{A02}.ipynb": _sample("bob", A02)},
             manifest={"student": "s0042", "created": "2026-12-03T08:30:00+01:00"})
    out = tmp_path / "submitted"
    (h,) = collect([z], out)
    assert (h.student, h.student_from, h.time_from) == ("s0042", "manifest", "the manifest")
    assert _ts(out / "s0042" / A02) == "2026-12-03 07:30:00.000000 UTC"


def test_what_cannot_be_placed_is_kept_with_its_reason(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "broken.ipynb").write_text("{not json")
    (inbox / "notes.ipynb").write_text(json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "source": "x = 1", "metadata": {},
                   "outputs": [], "execution_count": None}]}))
    (inbox / "good.ipynb").write_bytes(_sample("alice", A02))
    out = tmp_path / "submitted"
    handins = collect([inbox], out)
    problems = {h.name: h.problem for h in handins if h.problem}
    assert "not a readable notebook" in problems["broken.ipynb"]
    assert "matches no assignment" in problems["notes.ipynb"]
    readme = (out / ".unsorted" / "README.txt").read_text()
    assert "broken.ipynb" in readme and "notes.ipynb" in readme
    assert len(list((out / ".unsorted").glob("*.ipynb"))) == 2
    assert (out / "good" / A02 / "good.ipynb").is_file()


def test_pattern_and_input_errors_name_what_was_expected(tmp_path):
    with pytest.raises(CollectError, match="no group named student"):
        collect([tmp_path], tmp_path / "o", pattern=r"^(\w+)_")
    with pytest.raises(CollectError, match="not a regular expression"):
        collect([tmp_path], tmp_path / "o", pattern=r"(")
    with pytest.raises(CollectError, match="no such file or folder"):
        collect([tmp_path / "missing"], tmp_path / "o")
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "id-77-week.ipynb").write_bytes(_sample("alice", A02))
    (h,) = collect([inbox / "id-77-week.ipynb"], tmp_path / "o",
                   pattern=r"id-(?P<student>\d+)-")
    assert (h.student, h.student_from) == ("77", "--pattern")


def test_collected_submissions_grade_as_the_originals(tmp_path, capsys):
    """The whole path: a Canvas-shaped download, collected, graded by course grade with
    the scores of the bundled samples graded where they are."""
    members = {}
    for student, canvas_id in (("alice", 1001), ("bob", 1002)):
        for a in (A02, A03):
            members[f"{student}_{canvas_id}_5{canvas_id}_{a}.ipynb"] = _sample(student, a)
    dl = _zip(tmp_path / "dl.zip", members)
    assert main(["collect", str(dl), "--out", str(tmp_path / "submitted")]) == 0
    assert "4 notebooks collected" in capsys.readouterr().out
    # hidden cases per assignment: the students' ids differ between the two runs
    same = ["--hidden-cases", "assignment", "-q"]
    assert main(["grade", str(tmp_path / "submitted"), "--out", str(tmp_path / "g1"),
                 *same]) in (0, 1)
    rows = json.loads((tmp_path / "g1" / "grades.json").read_text())["submissions"]
    got = {(r["student"], r["assignment"]): r["score"] for r in rows}
    expected = {}
    for student in ("alice", "bob"):
        for a in (A02, A03):
            sub = tmp_path / "orig" / student / a
            sub.mkdir(parents=True)
            (sub / f"{a}.ipynb").write_bytes(_sample(student, a))
    assert main(["grade", str(tmp_path / "orig"), "--out", str(tmp_path / "g2"),
                 *same]) in (0, 1)
    names = {"alice": "1001", "bob": "1002"}
    for r in json.loads((tmp_path / "g2" / "grades.json").read_text())["submissions"]:
        expected[(names[r["student"]], r["assignment"])] = r["score"]
    assert got == expected and len(got) == 4
