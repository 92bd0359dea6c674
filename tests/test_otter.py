"""``course otter``: an otter-grader autograder built from the same checks, and its parity
with ``course grade`` on the committed samples of 03_one_layer_at_a_time.

One module-scoped run: ``course otter 03_one_layer_at_a_time --no-wheel`` (the local
``otter run`` uses this environment), then ``otter run -a autograder.zip`` on alice
(honest), bob (classic mistakes) and carol (the untouched release), one call per
submission (otter grades one per call), the three in parallel; and ``course grade`` on
the same three files. About 30 s, most of it otter executing the notebooks.

otter-grader is in the ``grading`` extra, not ``test`` (its install pulls in nbconvert's
webpdf, sphinx and more: about two minutes), so this module skips without it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "otter", reason="otter-grader is not importable (pip install -e '.[grading]' installs it)")

from autograder.assignments import ASSIGNMENTS  # noqa: E402
from autograder.checks import CHECKS  # noqa: E402
from autograder.sandbox import isolation_available  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ASSIGNMENT = "03_one_layer_at_a_time"
STUDENTS = ("alice", "bob", "carol")
ENV = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def _otter():
    script = BIN / "otter"
    return [script] if script.exists() else [sys.executable, "-m", "otter"]


def _fail(p, cmd):
    pytest.fail(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n"
                f"{p.stdout[-3000:]}\n{p.stderr[-3000:]}")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("otter")
    out = tmp / "build"
    cmd = [BIN / "course", "otter", ASSIGNMENT, "--out", out, "--no-wheel"]
    p = subprocess.run([str(c) for c in cmd], env=ENV, capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        _fail(p, cmd)
    zip_path = out / "autograder.zip"

    submitted = tmp / "submitted"
    procs = {}
    for student in STUDENTS:
        nb = ROOT / "samples" / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        (submitted / student / ASSIGNMENT).mkdir(parents=True)
        shutil.copy(nb, submitted / student / ASSIGNMENT)
        res = tmp / "otter_out" / student
        res.mkdir(parents=True)
        cmd = [*_otter(), "run", "-a", zip_path, "-o", res, "--no-logo", nb]
        procs[student] = (cmd, res, subprocess.Popen(
            [str(c) for c in cmd], cwd=res, env=ENV, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True))

    grade_cmd = [BIN / "course", "grade", submitted, "--out", tmp / "grades", "--quiet"]
    if not isolation_available()[0]:  # no root here: the same pipeline without the sandbox
        grade_cmd.append("--no-isolation")
    p = subprocess.run([str(c) for c in grade_cmd], env=ENV, capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        _fail(p, grade_cmd)
    rows = json.loads((tmp / "grades" / "grades.json").read_text())["submissions"]
    ours = {r["student"]: {q["name"]: (float(q["score"]), float(q["max_score"]))
                           for q in r["questions"]} for r in rows}

    theirs = {}
    for student, (cmd, res, proc) in procs.items():
        try:
            stdout, stderr = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"{' '.join(map(str, cmd))} took more than 180 s")
        if proc.returncode != 0:
            _fail(subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), cmd)
        data = json.loads((res / "results.json").read_text())
        theirs[student] = {t["name"]: (float(t["score"]), float(t["max_score"]))
                           for t in data["tests"] if t.get("max_score") is not None}
    return {"out": out, "otter": theirs, "ours": ours}


def total(scores):
    return sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())


def test_build_writes_one_ok_test_per_graded_function(graded):
    out = graded["out"]
    names = ASSIGNMENTS[ASSIGNMENT]
    assert sorted(p.stem for p in (out / "tests").glob("*.py")) == sorted(names)
    for name in names:
        ns = {}
        exec((out / "tests" / f"{name}.py").read_text(), ns)
        spec = ns["test"]
        assert ns["OK_FORMAT"] is True and spec["name"] == name
        assert sum(spec["points"]) == pytest.approx(CHECKS[name].points, abs=1e-9)
        cases = spec["suites"][0]["cases"]
        assert len(cases) == len(spec["points"])
        assert any(c["hidden"] for c in cases) and any(not c["hidden"] for c in cases)
        assert all("from course.otter import case" in c["code"] for c in cases)
    assert json.loads((out / "otter_config.json").read_text())["name"] == ASSIGNMENT
    assert (out / "autograder.zip").stat().st_size > 0


def test_question_weights_are_the_same(graded):
    for student in STUDENTS:
        assert {n: m for n, (_, m) in graded["otter"][student].items()} == \
            {n: m for n, (_, m) in graded["ours"][student].items()}


def test_honest_full_marks_and_untouched_zero_in_both(graded):
    for engine in ("otter", "ours"):
        score, max_score = total(graded[engine]["alice"])
        assert max_score == sum(CHECKS[n].points for n in ASSIGNMENTS[ASSIGNMENT])
        assert score == pytest.approx(max_score, abs=1e-6), (engine, graded[engine]["alice"])
        assert total(graded[engine]["carol"])[0] == 0, (engine, graded[engine]["carol"])


def test_bob_loses_points_on_linear_backward_in_both(graded):
    otter_s, otter_m = graded["otter"]["bob"]["linear_backward"]
    ours_s, ours_m = graded["ours"]["bob"]["linear_backward"]
    assert otter_s < otter_m and ours_s < ours_m
    # otter scores a case all or nothing; ours keeps the right items' share of a case
    assert otter_s <= ours_s + 1e-9
    for name, (s, m) in graded["otter"]["bob"].items():
        if s < m - 1e-9:
            assert graded["ours"]["bob"][name][0] < m, name  # the same questions lose


def test_build_refuses_an_unknown_assignment_and_the_repo(tmp_path):
    from course.otter import OtterError, build

    with pytest.raises(OtterError, match="no assignment named"):
        build("99_nope", tmp_path)
    with pytest.raises(OtterError, match="inside the repository"):
        build(ASSIGNMENT, ROOT / "solutions", wheel=False)
