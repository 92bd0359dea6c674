"""``course new``: a brand-new assignment, scaffolded, released and graded by all three
engines with the same scores, with no file of the package edited.

The course is a temporary folder of its own (``solutions/`` and the repository's
``nbgrader_config.py``); its one assignment ``week3`` grades ``linear_forward`` with its
own check and a function of another name, ``my_relu``, with the built-in
``relu_backward`` check for 3 points instead of 1: both edits an instructor makes in a
notebook. Three submissions (right, untouched, the ReLU'(0) = 1 mistake) are graded by
``course grade``, ``nbgrader autograde`` and ``otter run``, under the hidden-case policy
all three can follow (one seed per assignment).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox import isolation_available
from course.new import NewError, new_assignment, parse_question, scaffold

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
ENV.pop("COURSE_ROOT", None)

RIGHT = {"linear_forward": "def linear_forward(A_prev, W, b):\n"
                           "    return W @ A_prev + b, (A_prev, W, b)\n",
         "my_relu": "def my_relu(dA, cache):\n    return dA * (cache > 0)\n",
         "clip_below": "def clip_below(Z, lo):\n    return np.where(Z < lo, lo, Z)\n"}
MISTAKE = dict(RIGHT, my_relu="def my_relu(dA, cache):\n    return dA * (cache >= 0)\n",
               clip_below="def clip_below(Z, lo):\n    return np.minimum(Z, lo)\n")
#: An instructor's own check, beside the notebook (autograder.authoring).
CHECKS_PY = """
import numpy as np
from autograder.authoring import define_check


def reference(Z, lo):
    return np.maximum(Z, lo)


def cases(rng, hidden):
    shapes = [(3, 4), (1, 1)] if not hidden else [(int(rng.integers(1, 6)), 5)] * 3
    for shape in shapes:
        yield f"shape {shape}", (rng.standard_normal(shape), -0.5)


define_check(
    "clip_below", params=("Z", "lo"), returns="A", reference=reference, cases=cases,
    points=2, tolerance=(1e-9, 1e-12),
    mistakes={"clip_above": ("you clipped from above: use np.maximum, not np.minimum",
                             lambda Z, lo: np.minimum(Z, lo))},
    correct=[lambda Z, lo: np.where(Z > lo, Z, lo)],
)
"""


# ----------------------------------------------------------------------------- unit


def test_a_question_is_function_check_and_points():
    from course.new import Spec

    assert parse_question("linear_forward") == Spec("linear_forward", "linear_forward", 1.0)
    spec = parse_question("my_relu=relu_backward:3")
    assert (spec.function, spec.check, spec.points) == ("my_relu", "relu_backward", 3.0)
    assert parse_question("linear_backward:0.5").points == 0.5


@pytest.mark.parametrize("text, message", [
    ("relu_backwards", "no built-in check 'relu_backwards' (close: relu_backward"),
    ("my-relu=relu_backward", "the function 'my-relu' is not a Python name"),
    ("f=relu_backward:two", "points 'two' is not a number"),
    ("f=relu_backward:0", "points must be more than 0"),
    ("a=b=c", "the check 'b=c' is not a Python name"),
    ("  ", "expected FUNCTION[=CHECK][:POINTS]"),
])
def test_a_bad_question_says_what_is_wrong(text, message):
    with pytest.raises(NewError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_question(text)


def test_the_scaffold_is_a_valid_nbgrader_notebook_with_three_cells_per_question():
    from autograder.assignments import Question, questions_in

    nb = json.loads(json.dumps(scaffold("w", [parse_question("linear_forward"),
                                              parse_question("g=relu_backward:2")])))
    assert questions_in(nb) == [Question("linear_forward", "linear_forward", 1.0),
                                Question("g", "relu_backward", 2.0)]
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    assert ids[2:] == ["task_linear_forward", "linear_forward", "check_linear_forward",
                       "test_linear_forward", "task_g", "g", "check_g", "test_g"]
    graded = nb["cells"][7]["source"]
    assert graded.startswith("def g(dA, cache):") and "### BEGIN SOLUTION" in graded
    assert nb["cells"][8]["source"] == 'check("relu_backward", g)'
    assert nb["cells"][9]["metadata"]["nbgrader"]["points"] == 2


def test_new_refuses_bad_names_duplicates_and_overwriting(tmp_path):
    with pytest.raises(NewError, match="not a usable assignment name"):
        new_assignment("../up", ["linear_forward"], tmp_path)
    with pytest.raises(NewError, match="at least one question"):
        new_assignment("w", [], tmp_path)
    with pytest.raises(NewError, match="f asked for more than once"):
        new_assignment("w", ["f=relu_backward", "f=relu_forward"], tmp_path)
    path = new_assignment("w", ["linear_forward"], tmp_path)
    assert path == tmp_path / "solutions" / "w" / "w.ipynb"
    with pytest.raises(NewError, match="already holds notebooks"):
        new_assignment("w", ["linear_forward"], tmp_path)
    assert new_assignment("w", ["relu_backward"], tmp_path, force=True) == path


def test_the_command_line(tmp_path, capsys):
    from course.cli import main

    assert main(["new", "--list"]) == 0
    assert "relu_backward(dA, cache) -> dZ   1 points" in capsys.readouterr().out
    assert main(["new", "w", "nope", "--course", str(tmp_path)]) == 2
    assert "course new: 'nope': no built-in check" in capsys.readouterr().err
    assert main(["new", "w", "linear_forward", "--course", str(tmp_path)]) == 0
    assert (tmp_path / "solutions" / "w" / "w.ipynb").exists()


# ----------------------------------------------------------------- three engines, end to end


def _run(cmd, cwd, timeout=300, ok=(0,), env=None):
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env or ENV, capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode not in ok:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stdout[-3000:]}"
                    f"\n{p.stderr[-3000:]}")
    return p


def _fill(release, sources):
    nb = json.loads(json.dumps(release))
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in sources:
            cell["source"] = sources[gid]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    pytest.importorskip("nbgrader")
    pytest.importorskip("otter")
    from traitlets.config import Config

    tmp = tmp_path_factory.mktemp("new_course")
    shutil.copy(ROOT / "nbgrader_config.py", tmp)
    (tmp / "solutions" / "week3").mkdir(parents=True)
    (tmp / "solutions" / "week3" / "checks.py").write_text(CHECKS_PY)
    _run([BIN / "course", "new", "week3", "linear_forward", "my_relu=relu_backward:3",
          "clip_below"], tmp)
    released = _run([BIN / "course", "release"], tmp)
    checked = _run([BIN / "course", "check-checks"], tmp)
    _run([BIN / "course", "kit", "--out", tmp / "kit"], tmp, timeout=600)
    release = json.loads((tmp / "assignments" / "week3" / "week3.ipynb").read_text())
    assert release["metadata"]["course"]["assignment"] == "week3"
    submitted = tmp / "nbgrader" / "submitted"
    for student, nb in (("ann", _fill(release, RIGHT)), ("ben", release),
                        ("cat", _fill(release, MISTAKE))):
        (submitted / student / "week3").mkdir(parents=True)
        (submitted / student / "week3" / "week3.ipynb").write_text(json.dumps(nb))

    flag = f"--CourseDirectory.root={tmp}"
    nbg = [BIN / "nbgrader"]
    _run([*nbg, "generate_assignment", "week3", "--force", flag], tmp)
    for student in ("ann", "ben", "cat"):
        _run([*nbg, "db", "student", "add", student, flag], tmp)
    _run([*nbg, "autograde", "week3", "--force", flag], tmp, timeout=600,
         env=dict(ENV, COURSE_HIDDEN_CASES="assignment"))
    cfg = Config()
    exec(compile((tmp / "nbgrader_config.py").read_text(), "nbgrader_config.py", "exec"),
         {"get_config": lambda: cfg, "__file__": str(tmp / "nbgrader_config.py")})
    from nbgrader.api import Gradebook

    theirs = {}
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        for student in ("ann", "ben", "cat"):
            nb = gb.find_submission_notebook("week3", "week3", student)
            theirs[student] = {g.name.removeprefix("test_"): (g.score, g.max_score)
                               for g in nb.grades if g.max_score > 0}

    grade = [BIN / "course", "grade", submitted, "--out", tmp / "grades", "-q",
             "--hidden-cases", "assignment"]
    if not isolation_available()[0]:
        grade += ["--isolation", "none"]
    _run(grade, tmp)
    rows = json.loads((tmp / "grades" / "grades.json").read_text())["submissions"]
    ours = {r["student"]: {q["name"]: (q["score"], q["max_score"]) for q in r["questions"]}
            for r in rows}

    _run([BIN / "course", "otter", "week3", "--out", tmp / "otter", "--no-wheel"], tmp)
    otter = {}
    for student in ("ann", "ben", "cat"):
        res = tmp / "otter_out" / student
        res.mkdir(parents=True)
        _run([BIN / "otter", "run", "-a", tmp / "otter" / "autograder.zip", "-o", res,
              "--no-logo", submitted / student / "week3" / "week3.ipynb"], tmp)
        per = {}
        for t in json.loads((res / "results.json").read_text())["tests"]:
            if t.get("max_score") is not None:
                s, m = per.get(t["name"], (0.0, 0.0))
                per[t["name"]] = (s + float(t["score"]), m + float(t["max_score"]))
        otter[student] = per
    return {"rows": rows, "ours": ours, "nbgrader": theirs, "otter": otter, "tmp": tmp,
            "release_log": released.stderr, "check_checks": checked.stdout}


def test_the_instructors_check_is_proven_and_never_released(course):
    tmp = course["tmp"]
    assert "warning" not in course["release_log"]  # it has mistakes and correct variants
    assert "ok   mistake   clip_above" in course["check_checks"]
    assert "1 checks, 0 problem(s)" in course["check_checks"]
    assert sorted(p.name for p in (tmp / "assignments" / "week3").iterdir()) == ["week3.ipynb"]
    import zipfile

    (wheel,) = (tmp / "kit").glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        text = "".join(zf.read(n).decode("utf-8", "replace") for n in names
                       if n.endswith(".py"))
    assert "coursekit/cases/clip_below.plain" in names  # public cases, frozen
    assert "define_check" not in text and "np.maximum(Z, lo)" not in text


def test_the_new_assignment_is_identified_and_graded_as_its_notebook_says(course):
    for row in course["rows"]:
        assert (row["assignment"], row["identified_by"]) == ("week3", "stamp")
        assert row["max_score"] == 6.0
    ours = course["ours"]
    assert ours["ann"] == {"linear_forward": (1.0, 1.0), "my_relu": (3.0, 3.0),
                           "clip_below": (2.0, 2.0)}
    assert ours["ben"] == {"linear_forward": (0.0, 1.0), "my_relu": (0.0, 3.0),
                           "clip_below": (0.0, 2.0)}
    assert ours["cat"]["linear_forward"] == (1.0, 1.0)
    assert ours["cat"]["my_relu"][0] < 3.0  # the ReLU'(0) = 1 mistake loses points
    cat = {q["name"]: q for q in next(r for r in course["rows"] if r["student"] == "cat")
           ["questions"]}
    assert cat["clip_below"]["score"] == 0 and "clip_above" in cat["clip_below"]["diagnoses"]


@pytest.mark.parametrize("engine", ["nbgrader", "otter"])
def test_three_engines_give_the_same_score_to_every_question(course, engine):
    for student, ours in course["ours"].items():
        theirs = course[engine][student]
        assert set(theirs) == set(ours), (engine, student)
        for name, (score, max_score) in ours.items():
            assert theirs[name][1] == pytest.approx(max_score, abs=1e-9), (engine, name)
            # otter's results.json rounds each question's score to 5 decimals, ours to 6
            assert theirs[name][0] == pytest.approx(score, abs=1e-5), (
                engine, student, name, theirs[name], score)
