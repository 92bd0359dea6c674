"""``course grade`` end to end: real notebooks, real sandboxes, real checks.

Honest submissions get full marks; every exploit gets nothing for what it touches and
never stops the batch; broken files get a reason; the reports are written.
"""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path

import pytest

from autograder.grader import GradeError, Submission, discover, grade_batch
from autograder.sandbox import Limits, isolation_available

ISOLATED, WHY = isolation_available()
pytestmark = pytest.mark.skipif(not ISOLATED, reason=WHY)

FIXTURE = Path(__file__).parent / "fixtures" / "student_correct.py"
FAST = Limits(cell_seconds=3, case_seconds=2, total_seconds=40)
#: A subset of questions keeps these tests quick; the full set is graded once.
SOME = ["linear_forward", "linear_backward", "relu_backward", "tanh_backward"]


def solution_cells():
    """``{name: source}`` for every function of the correct fixture, plus ``"imports"``."""
    src = FIXTURE.read_text()
    tree = ast.parse(src)
    cells = {"imports": "import numpy as np\n"}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            cells[node.name] = ast.get_source_segment(src, node) + "\n"
    return cells


def notebook(path, sources):
    """Write a minimal nbformat-4 notebook whose code cells are ``sources``."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Assignment"}]
    for s in sources:
        cells.append({"cell_type": "code", "execution_count": None, "metadata": {},
                      "outputs": [], "source": s})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                "cells": cells}))
    return path


def honest(path, replace=None, extra=()):
    cells = solution_cells()
    cells.update(replace or {})
    return notebook(path, [*cells.values(), *extra])


def by_student(rows):
    return {r["student"]: r for r in rows}


def qscores(row):
    return {q["name"]: (q["score"], q["max_score"]) for q in row["questions"]}


def full(row, name):
    s, m = qscores(row)[name]
    return m > 0 and s == m


def test_full_marks_for_a_correct_submission_on_every_check(tmp_path):
    honest(tmp_path / "subs" / "alice.ipynb")
    (row,) = grade_batch(discover([tmp_path / "subs"]), limits=FAST, hide=[tmp_path],
                         all_checks=True)
    assert row["status"] == "graded" and row["error"] is None, row
    bad = {q["name"]: q["feedback"] for q in row["questions"] if q["score"] < q["max_score"]}
    assert bad == {}
    assert row["score"] == row["max_score"] > 0
    assert len(row["questions"]) >= 13


def test_untouched_release_scores_zero_without_crashing(tmp_path):
    stubs = []
    for name in solution_cells():
        if name != "imports":
            stubs.append(f"def {name}(*args, **kwargs):\n    # YOUR CODE HERE\n"
                         "    raise NotImplementedError()\n")
    notebook(tmp_path / "subs" / "blank.ipynb", ["import numpy as np\n", *stubs])
    (row,) = grade_batch(discover([tmp_path / "subs"]), limits=FAST, hide=[tmp_path],
                         all_checks=True)
    assert row["status"] == "graded"
    assert row["score"] == 0 and row["max_score"] > 0
    assert all("NotImplementedError" in " ".join(q["feedback"]) for q in row["questions"])


EXPLOITS = {
    # wrong linear_backward (no 1/m) + numpy's comparison functions overridden
    "patch_numpy": {"linear_backward": (
        "def linear_backward(dZ, cache):\n"
        "    A_prev, W, b = cache\n"
        "    np.allclose = lambda *a, **k: True\n"
        "    np.testing.assert_allclose = lambda *a, **k: None\n"
        "    np.array_equal = lambda *a, **k: True\n"
        "    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)\n")},
    "always_equal": {"linear_forward": (
        "class Yes:\n"
        "    shape = property(lambda self: (3, 4))\n"
        "    dtype = np.dtype('float64')\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __array__(self, *a, **k):\n        return np.zeros((3, 4))\n"
        "    def __iter__(self):\n        return iter((Yes(), Yes()))\n"
        "    def __len__(self):\n        return 2\n"
        "def linear_forward(A_prev, W, b):\n    return Yes()\n")},
    "ndarray_subclass": {"relu_backward": (
        "class Arr(np.ndarray):\n"
        "    def __eq__(self, other):\n        return np.ones(self.shape, bool)\n"
        "def relu_backward(dA, cache):\n    return np.zeros_like(dA).view(Arr)\n")},
    "sys_exit": {"linear_forward": "import sys\ndef linear_forward(A_prev, W, b):\n"
                                   "    sys.exit(0)\n"},
    "os_exit": {"relu_backward": "import os\ndef relu_backward(dA, cache):\n    os._exit(0)\n"},
    "infinite_loop": {"linear_backward": "def linear_backward(dZ, cache):\n"
                                         "    while True:\n        pass\n"},
    "huge_allocation": {"tanh_backward": "def tanh_backward(dA, cache):\n"
                                         "    return np.ones((10**6, 10**6)) * dA.sum()\n"},
    "keyboard_interrupt": {"tanh_backward": "def tanh_backward(dA, cache):\n"
                                            "    raise KeyboardInterrupt\n"},
    "import_reference": {"linear_forward": "from course.nn import linear_forward\n"},
}


@pytest.fixture(scope="module")
def exploit_batch(tmp_path_factory):
    """One batch: an honest submission, a classmate to copy from, and every exploit."""
    root = tmp_path_factory.mktemp("batch")
    subs = root / "subs"
    out = root / "out"
    out.mkdir()
    (out / "grades.json").write_text('{"untouched": true}')
    honest(subs / "honest.ipynb")
    honest(subs / "classmate.ipynb")
    # the wrong linear_backward of patch_numpy, without the patching: the control
    honest(subs / "control.ipynb", {"linear_backward": (
        "def linear_backward(dZ, cache):\n"
        "    A_prev, W, b = cache\n"
        "    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)\n")})
    for name, replace in EXPLOITS.items():
        honest(subs / f"{name}.ipynb", replace)
    # copy a classmate's notebook from disk, and try to overwrite the results file
    honest(subs / "copycat.ipynb", {"relu_backward": (
        "import json\n"
        "def relu_backward(dA, cache):\n"
        f"    nb = json.load(open({str(subs / 'classmate.ipynb')!r}))\n"
        "    src = [''.join(c['source']) for c in nb['cells'] if 'def relu_backward' "
        "in ''.join(c['source'])][0]\n"
        "    ns = {'np': np}\n    exec(src, ns)\n"
        "    return ns['relu_backward'](dA, cache)\n")})
    honest(subs / "vandal.ipynb", {"tanh_backward": (
        "def tanh_backward(dA, cache):\n"
        f"    open({str(out / 'grades.json')!r}, 'w').write('{{}}')\n"
        "    return dA * (1 - np.tanh(cache) ** 2) + 1\n")})
    rows = grade_batch(discover([subs]), limits=FAST, hide=[subs, out], names=SOME)
    return by_student(rows), out


def test_batch_finishes_with_a_row_for_every_submission(exploit_batch):
    rows, _ = exploit_batch
    assert set(rows) == {"honest", "classmate", "control", "copycat", "vandal", *EXPLOITS}
    assert rows["honest"]["score"] == rows["honest"]["max_score"]
    assert rows["classmate"]["score"] == rows["classmate"]["max_score"]


@pytest.mark.parametrize(
    ("student", "question"),
    [("patch_numpy", "linear_backward"), ("always_equal", "linear_forward"),
     ("ndarray_subclass", "relu_backward"), ("sys_exit", "linear_forward"),
     ("os_exit", "relu_backward"), ("infinite_loop", "linear_backward"),
     ("huge_allocation", "tanh_backward"), ("keyboard_interrupt", "tanh_backward"),
     ("copycat", "relu_backward"), ("vandal", "tanh_backward")],
)
def test_an_exploit_scores_nothing_for_what_it_touches(exploit_batch, student, question):
    rows, _ = exploit_batch
    row = rows[student]
    assert row["status"] == "graded"
    score, max_score = qscores(row)[question]
    if student == "patch_numpy":  # no more than the same wrong code earns without patching
        assert score == qscores(rows["control"])[question][0] < max_score
    else:
        assert score == 0 and max_score > 0, row
    others = [n for n in SOME if n != question]
    assert all(full(row, n) for n in others), qscores(row)  # costs only that question


def test_hang_and_crash_are_reported_as_such(exploit_batch):
    rows, _ = exploit_batch

    def feedback(student, name):
        return " ".join(f for q in rows[student]["questions"] if q["name"] == name
                        for f in q["feedback"])

    assert "timed out" in feedback("infinite_loop", "linear_backward")
    assert "crashed" in feedback("os_exit", "relu_backward")


def test_importing_the_reference_scores_zero_with_a_reason(exploit_batch):
    rows, _ = exploit_batch
    row = rows["import_reference"]
    assert row["score"] == 0
    assert "reference implementation" in row["error"]
    assert all("imported_reference" in q["diagnoses"] for q in row["questions"])


def test_results_file_cannot_be_overwritten_by_a_submission(exploit_batch):
    _, out = exploit_batch
    assert json.loads((out / "grades.json").read_text()) == {"untouched": True}


def test_broken_inputs_get_a_clear_reason_and_cost_nothing_else(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "notjson.ipynb").write_text("{oops")
    (subs / "empty.ipynb").write_text("")
    (subs / "old.ipynb").write_text('{"nbformat": 3, "worksheets": []}')
    cells = solution_cells()
    del cells["linear_backward"]
    notebook(subs / "missing.ipynb", list(cells.values()))
    honest(subs / "syntax.ipynb",
           {"relu_backward": "def relu_backward(dA, cache)\n    return dA\n"})
    honest(subs / "fine.ipynb")
    rows = by_student(grade_batch(discover([subs]), limits=FAST, hide=[tmp_path], names=SOME))
    assert "not valid JSON" in rows["notjson"]["error"]
    assert "is empty" in rows["empty"]["error"]
    assert "expected nbformat 4; got nbformat 3" in rows["old"]["error"]
    for s in ("notjson", "empty", "old"):
        assert rows[s]["status"] == "error" and rows[s]["score"] == 0
        assert len(rows[s]["questions"]) == len(SOME)
    missing = rows["missing"]
    assert missing["status"] == "graded" and qscores(missing)["linear_backward"][0] == 0
    assert any("linear_backward" in f and "not" in f for q in missing["questions"]
               for f in q["feedback"] if q["name"] == "linear_backward")
    assert full(missing, "linear_forward")
    syntax = rows["syntax"]
    assert qscores(syntax)["relu_backward"][0] == 0
    assert any("SyntaxError" in c["error"] for c in syntax["cells"])
    assert full(syntax, "linear_backward")
    assert rows["fine"]["score"] == rows["fine"]["max_score"]


def test_three_layouts(tmp_path):
    single = honest(tmp_path / "one" / "zoe.ipynb")
    honest(tmp_path / "folder" / "amy.ipynb")
    honest(tmp_path / "folder" / "bob.ipynb")
    honest(tmp_path / "course" / "submitted" / "carl" / "ps1" / "layers.ipynb")
    honest(tmp_path / "course" / "submitted" / "dana" / "ps1" / "layers.ipynb")
    # the assignment is read from each submission when it is graded, not from folders
    assert [(s.student, s.assignment) for s in discover([single])] == [("zoe", None)]
    assert [s.student for s in discover([tmp_path / "folder"])] == ["amy", "bob"]
    nbg = discover([tmp_path / "course"])
    assert [(s.student, s.nbgrader) for s in nbg] == [("carl", "ps1"), ("dana", "ps1")]
    assert discover([tmp_path / "course" / "submitted"]) == nbg
    with pytest.raises(GradeError, match="no such file or folder"):
        discover([tmp_path / "nowhere"])


def test_same_submission_twice_same_scores_and_jobs_agree(tmp_path):
    honest(tmp_path / "s" / "a.ipynb")
    honest(tmp_path / "s" / "b.ipynb", {"linear_backward": (
        "def linear_backward(dZ, cache):\n    A_prev, W, b = cache\n"
        "    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)\n")})
    subs = discover([tmp_path / "s"])
    one = grade_batch(subs, jobs=1, limits=FAST, hide=[tmp_path], names=SOME)
    two = grade_batch(subs, jobs=2, limits=FAST, hide=[tmp_path], names=SOME)
    again = grade_batch(subs, jobs=1, limits=FAST, hide=[tmp_path], names=SOME)
    strip = [[(q["name"], q["score"], q["feedback"]) for q in r["questions"]] for r in one]
    assert strip == [[(q["name"], q["score"], q["feedback"]) for q in r["questions"]]
                     for r in two]
    assert strip == [[(q["name"], q["score"], q["feedback"]) for q in r["questions"]]
                     for r in again]
    assert one[1]["score"] < one[1]["max_score"]


def test_hidden_cases_defeat_hard_coded_answers(tmp_path):
    from autograder.checks import CHECKS

    cases = CHECKS["relu_backward"].cases(0, False)
    table = [(c.args[0].tolist(), c.args[1].tolist(), c.expected.tolist()) for c in cases]
    hard = ("import numpy as np\n"
            f"TABLE = {table!r}\n"
            "def relu_backward(dA, cache):\n"
            "    for a, z, out in TABLE:\n"
            "        if np.array_equal(dA, a) and np.array_equal(cache, z):\n"
            "            return np.array(out)\n"
            "    return dA\n")
    honest(tmp_path / "s" / "hard.ipynb", {"relu_backward": hard})
    (row,) = grade_batch(discover([tmp_path / "s"]), limits=FAST, hide=[tmp_path],
                         names=["relu_backward"])
    score, max_score = qscores(row)["relu_backward"]
    assert 0 < score < max_score  # the public cases pass, the hidden ones do not


def test_cli_writes_json_csv_feedback_and_summary(tmp_path, capsys):
    from course.cli import main

    honest(tmp_path / "subs" / "ann.ipynb")
    honest(tmp_path / "subs" / "ben.ipynb", {"relu_backward": (
        "def relu_backward(dA, cache):\n    return dA * (cache >= 0)\n")})
    (tmp_path / "subs" / "cat.ipynb").write_text("not a notebook")
    out = tmp_path / "out"
    status = main(["grade", str(tmp_path / "subs"), "--out", str(out), "--only",
                   ",".join(SOME), "--jobs", "2", "--timeout", "3"])
    assert status == 1  # one submission could not be graded
    printed = capsys.readouterr().out
    assert "ann" in printed and "cat" in printed and "not valid JSON" in printed
    doc = json.loads((out / "grades.json").read_text())
    rows = by_student(doc["submissions"])
    assert set(rows) == {"ann", "ben", "cat"}
    for row in rows.values():
        assert {"student", "assignment", "status", "error", "score", "max_score",
                "questions"} <= set(row)
        for q in row["questions"]:
            assert {"name", "score", "max_score", "feedback"} <= set(q)
    with (out / "grades.csv").open() as fh:
        table = list(csv.DictReader(fh))
    assert [r["student"] for r in table] == ["ann", "ben", "cat"]
    assert float(table[0]["score"]) == rows["ann"]["max_score"]
    (page,) = [p.read_text() for p in (out / "feedback").glob("*/ben.html")]
    assert "relu_backward" in page and "Z == 0" in page
    assert "def " not in page and "course.nn" not in page  # no check code, no reference
    summary = json.loads((out / "summary.json").read_text())
    relu = next(q for q in summary["questions"] if q["name"] == "relu_backward")
    assert relu["full"] == 1 and relu["zero"] + relu["partial"] == 2
    assert relu["mistakes"].get("relu_grad_at_zero") == 1
    assert (out / "summary.html").exists()


def test_submission_object_paths():
    s = Submission("x", "a", [])
    assert s.paths == []


def test_cells_found_by_name_whatever_their_order_copies_or_metadata(tmp_path):
    cells = solution_cells()
    wrong = ("def linear_forward(A_prev, W, b):\n"
             "    return A_prev.T @ W.T, (A_prev, W, b)\n")
    order = [cells[n] for n in reversed(SOME)]  # reordered
    # an earlier wrong copy, then the right one: the last definition wins, as in Jupyter
    sources = [cells["imports"], wrong, *order, cells["linear_forward"]]
    path = notebook(tmp_path / "s" / "shuffled.ipynb", sources)
    nb = json.loads(path.read_text())
    for c in nb["cells"]:
        c.pop("metadata", None)  # no metadata at all
    path.write_text(json.dumps(nb))
    (row,) = grade_batch(discover([tmp_path / "s"]), limits=FAST, hide=[tmp_path], names=SOME)
    assert row["score"] == row["max_score"], row


def test_check_cells_and_helper_imports_are_not_penalised(tmp_path):
    """Student notebooks hold check cells and import the course's helpers: in the
    sandbox those imports fail, which costs nothing; only the reference is penalised."""
    extra = ["from course import data, plots\nX, y = data.digits()\n",
             "from autograder.checks import check\ncheck('linear_forward', linear_forward)\n"]
    honest(tmp_path / "s" / "helpers.ipynb", extra=extra)
    honest(tmp_path / "s" / "sneaky.ipynb", extra=["from course import data, nn\n"])
    rows = by_student(grade_batch(discover([tmp_path / "s"]), limits=FAST, hide=[tmp_path],
                                  names=SOME))
    ok = rows["helpers"]
    assert ok["score"] == ok["max_score"] and ok["error"] is None
    # the helper imports and what reads them (X, y = data.digits()) fail quietly: an
    # honest student's feedback lists no cell error
    assert not any(c["error"] for c in ok["cells"]), ok["cells"]
    assert rows["sneaky"]["score"] == 0
    assert "from course import nn" in rows["sneaky"]["error"]


def test_in_place_mutation_is_seen_through_the_sandbox(tmp_path):
    honest(tmp_path / "s" / "inplace.ipynb", {"relu_backward": (
        "def relu_backward(dA, cache):\n    dA[cache <= 0] = 0\n    return dA\n")})
    (row,) = grade_batch(discover([tmp_path / "s"]), limits=FAST, hide=[tmp_path],
                         names=["relu_backward"])
    (q,) = row["questions"]
    assert 0 < q["score"] < q["max_score"]  # right values, but the input was changed
    assert "mutated_input" in q["diagnoses"]
    assert any("in place" in f for f in q["feedback"])


# ------------------------------------------------------- which assignment each row is

ROOT = Path(__file__).resolve().parent.parent


def _copy(src_folder, dest):
    (src,) = (ROOT / src_folder).glob("*.ipynb")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(src.read_text())
    return dest


def test_a_neutral_folder_mixing_assignments_grades_each_as_its_own(tmp_path, capsys):
    from autograder.assignments import ASSIGNMENTS
    from autograder.checks import CHECKS
    from course.cli import main

    subs = tmp_path / "subs"
    _copy("solutions/03_one_layer_at_a_time", subs / "alice.ipynb")
    _copy("solutions/04_deep_networks", subs / "bob.ipynb")
    _copy("assignments/02_activations_and_outputs", subs / "carol.ipynb")  # untouched
    notebook(subs / "dan.ipynb", ["def linear_backward(dZ, cache):\n    return 0\n",
                                  "def relu_backward(dA, Z):\n    return 0\n"])
    out = tmp_path / "out"
    assert main(["grade", str(subs), "--out", str(out), "-j", "2", "-q"]) == 1
    rows = by_student(json.loads((out / "grades.json").read_text())["submissions"])

    def max_of(name):
        return float(sum(CHECKS[n].points for n in ASSIGNMENTS[name]))

    alice, bob, carol, dan = (rows[s] for s in ("alice", "bob", "carol", "dan"))
    assert alice["assignment"] == "03_one_layer_at_a_time"
    assert alice["score"] == alice["max_score"] == max_of("03_one_layer_at_a_time")
    assert [q["name"] for q in alice["questions"]] == ASSIGNMENTS["03_one_layer_at_a_time"]
    assert bob["assignment"] == "04_deep_networks"
    assert bob["score"] == bob["max_score"] == max_of("04_deep_networks")
    assert alice["identified_by"].startswith("nbgrader grade_ids")
    assert (carol["assignment"], carol["identified_by"]) == ("02_activations_and_outputs",
                                                             "stamp")
    assert carol["score"] == 0 and carol["max_score"] == max_of("02_activations_and_outputs")
    assert dan["status"] == "error" and dan["max_score"] == 0 and dan["questions"] == []
    assert dan["error"] == ("matches no assignment: it defines linear_backward, "
                            "relu_backward; registered: " + ", ".join(ASSIGNMENTS))
    with (out / "grades.csv").open() as fh:
        table = {r["student"]: r for r in csv.DictReader(fh)}
    assert table["carol"]["identified_by"] == "stamp"
    backend = json.loads((out / "grades.json").read_text())["grader"]["isolation"]
    assert backend in ("root", "rootless", "container")  # auto: never "none" silently
    assert {r["isolation"] for r in rows.values()} == {backend}
    assert table["bob"]["isolation"] == backend
    assert json.loads((out / "summary.json").read_text())["isolation"] == [backend]
    assert f"({backend} isolation)" in (out / "summary.html").read_text()
    assert f"({backend} isolation)" in (out / "feedback" / "04_deep_networks" /
                                        "bob.html").read_text()
    assert f"isolation {backend}" not in capsys.readouterr().out  # -q: no table


def test_an_override_grades_as_told_and_the_row_says_it_disagrees(tmp_path, capsys):
    from course.cli import main

    subs = tmp_path / "anything"
    _copy("assignments/03_one_layer_at_a_time", subs / "erin.ipynb")
    out = tmp_path / "out"
    assert main(["grade", str(subs), "--out", str(out), "--assignment",
                 "04_deep_networks"]) == 0
    printed = capsys.readouterr().out
    (row,) = json.loads((out / "grades.json").read_text())["submissions"]
    assert (row["assignment"], row["identified_by"]) == ("04_deep_networks", "--assignment")
    assert row["notes"] == ["graded as 04_deep_networks (--assignment); its stamp says "
                            "03_one_layer_at_a_time"]
    assert "note: graded as 04_deep_networks" in printed
    assert "its stamp says" in (out / "feedback" / "04_deep_networks" / "erin.html").read_text()


def test_an_unknown_assignment_is_a_bad_argument(tmp_path, capsys):
    from course.cli import main

    _copy("assignments/03_one_layer_at_a_time", tmp_path / "s" / "x.ipynb")
    assert main(["grade", str(tmp_path / "s"), "--out", str(tmp_path / "o"),
                 "--assignment", "week3"]) == 2
    err = capsys.readouterr().err
    assert "unknown assignment 'week3'; registered: 01_chain_rule_and_graphs" in err
    assert not (tmp_path / "o").exists()


def test_every_check_found_only_when_asked(tmp_path):
    honest(tmp_path / "s" / "all.ipynb")  # defines all graded functions: no one assignment
    (row,) = grade_batch(discover([tmp_path / "s"]), limits=FAST, hide=[tmp_path])
    assert row["status"] == "error" and row["max_score"] == 0
    assert row["error"].startswith("matches no assignment: it defines ")
    (row,) = grade_batch(discover([tmp_path / "s"]), limits=FAST, hide=[tmp_path],
                         names=None, all_checks=True)
    assert row["status"] == "graded" and row["identified_by"] == "--all-checks"
    assert row["score"] == row["max_score"] > 0
    assert "graded on the" in row["notes"][0] and "(--all-checks)" in row["notes"][0]
