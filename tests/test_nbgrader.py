"""nbgrader on our notebooks, with the repository's ``nbgrader_config.py``.

In a temporary copy of the course layout (``solutions/`` and ``nbgrader_config.py``):

1. ``nbgrader generate_assignment 03_one_layer_at_a_time`` builds a release that leaks
   nothing and matches the committed ``assignments/`` notebook (``course release`` runs
   the same preprocessors);
2. three submissions (the solution filled in, one with dW missing its 1/m, the untouched
   release) are graded by ``nbgrader autograde`` (scores from the sqlite gradebook) and
   by ``course grade`` (scores from ``grades.json``): full marks and 0 agree exactly; the
   mistake loses points in both, and ours, with partial credit per case, never gives
   less than nbgrader's all-or-nothing test cell.

One module-scoped run (about 30 s: nbgrader starts a Jupyter kernel per submission).
"""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbgrader = pytest.importorskip(
    "nbgrader", reason="nbgrader is not importable (pip install -e '.[test]' installs it)")

from autograder.sandbox import isolation_available  # noqa: E402
from course.release import MARKERS, leaks  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ASSIGNMENT = "03_one_layer_at_a_time"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
STUDENTS = ("honest", "no_1_over_m", "untouched")
#: nbgrader calls the ``alembic`` script (next to the interpreter) when it creates a
#: gradebook, and the ``python3`` kernel must be this environment's.
ENV = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def run(cmd, cwd, timeout):
    """Run ``cmd``; fail with its output if it exits non-zero or times out."""
    cmd = [str(c) for c in cmd]
    try:
        p = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"{' '.join(cmd)} took more than {timeout} s:\n"
                    f"{(err.stdout or '')[-3000:]}{(err.stderr or '')[-3000:]}")
    if p.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {p.returncode}:\n"
                    f"{p.stdout[-3000:]}\n{p.stderr[-5000:]}")
    return p


def nbgrader_cmd(*args):
    script = BIN / "nbgrader"
    return [script, *args] if script.exists() else [sys.executable, "-m", "nbgrader", *args]


def load_config(course):
    """Execute ``course/nbgrader_config.py`` as nbgrader does; ``(Config, namespace)``."""
    from traitlets.config import Config

    cfg = Config()
    ns = runpy.run_path(str(course / "nbgrader_config.py"),
                        init_globals={"get_config": lambda: cfg})
    return cfg, ns


def source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def read(path):
    return json.loads(Path(path).read_text())


# ------------------------------------------------------------------------- the submissions

SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
CORRECT_DW = "dW = dZ @ A_prev.T / m"


def solution_sources(solution):
    """``{grade_id: source}`` of the solution cells, markers removed (what a student who
    got everything right would have typed)."""
    out = {}
    for cell in solution["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            lines = source(cell).splitlines(keepends=True)
            out[meta["grade_id"]] = "".join(ln for ln in lines if not SOLUTION_MARKER.match(ln))
    return out


def filled(release, answers):
    """The release with every solution cell replaced by ``answers[grade_id]``."""
    nb = json.loads(json.dumps(release))
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            cell["source"] = answers[meta["grade_id"]]
    return nb


def write_submissions(submitted, release, solution):
    answers = solution_sources(solution)
    assert CORRECT_DW in answers["linear_backward"], "the solution's dW line moved"
    mistaken = dict(answers, linear_backward=answers["linear_backward"].replace(
        CORRECT_DW, "dW = dZ @ A_prev.T"))
    notebooks = {"honest": filled(release, answers),
                 "no_1_over_m": filled(release, mistaken),
                 "untouched": release}
    for student, nb in notebooks.items():
        path = submitted / student / ASSIGNMENT / NOTEBOOK
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb, indent=1) + "\n")


# ------------------------------------------------------------------------------- the run

@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Generate, autograde and ``course grade`` once; returns what the tests compare."""
    tmp = tmp_path_factory.mktemp("nbgrader_course")
    shutil.copytree(ROOT / "solutions", tmp / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(ROOT / "nbgrader_config.py", tmp)
    cfg, ns = load_config(tmp)
    root_flag = f"--CourseDirectory.root={tmp}"

    run(nbgrader_cmd("generate_assignment", ASSIGNMENT, root_flag), cwd=tmp, timeout=180)
    release_dir = tmp / cfg.CourseDirectory.release_directory / ASSIGNMENT
    release = read(release_dir / NOTEBOOK)
    solution = read(tmp / cfg.CourseDirectory.source_directory / ASSIGNMENT / NOTEBOOK)

    submitted = tmp / cfg.CourseDirectory.submitted_directory
    write_submissions(submitted, release, solution)
    autograde = run(nbgrader_cmd("autograde", ASSIGNMENT, "--force", root_flag), cwd=tmp,
                    timeout=300)

    from nbgrader.api import Gradebook

    nbg = {}
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        for student in STUDENTS:
            nb = gb.find_submission_notebook(NOTEBOOK[:-6], ASSIGNMENT, student)
            nbg[student] = {g.name.removeprefix("test_"): (float(g.score), float(g.max_score))
                            for g in nb.grades if g.max_score > 0}

    isolated, _why = isolation_available()
    grade_cmd = [BIN / "course", "grade", submitted, "--out", tmp / "grades", "--quiet"]
    if not isolated:  # no root here: the same pipeline without the OS sandbox
        grade_cmd.append("--no-isolation")
    run(grade_cmd, cwd=tmp, timeout=120)
    rows = read(tmp / "grades" / "grades.json")["submissions"]
    ours = {r["student"]: {q["name"]: (float(q["score"]), float(q["max_score"]))
                           for q in r["questions"]} for r in rows}
    statuses = {r["student"]: (r["assignment"], r["status"], r.get("error")) for r in rows}
    return {"tmp": tmp, "cfg": cfg, "ns": ns, "release": release, "solution": solution,
            "nbgrader": nbg, "ours": ours, "statuses": statuses,
            "autograde_log": autograde.stdout + autograde.stderr}


def total(scores):
    return sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())


# ------------------------------------------------------------------------------ the tests

def test_config_maps_nbgrader_onto_our_folders(course):
    cfg, ns, tmp = course["cfg"], course["ns"], course["tmp"]
    cd = cfg.CourseDirectory
    assert (cd.source_directory, cd.release_directory) == ("solutions", "assignments")
    work = {cd.submitted_directory, cd.autograded_directory, cd.feedback_directory,
            cd.solution_directory, cd.source_with_tests_directory}
    assert all(d.startswith("nbgrader/") for d in work), work  # one ignored folder
    assert cd.root == str(tmp)
    assert cd.db_url == f"sqlite:///{tmp / 'nbgrader' / 'gradebook.db'}"
    # every folder of solutions/ is an assignment, with no edit of the config
    folders = sorted(p.parent.name for p in (ROOT / "solutions").glob("*/*.ipynb"))
    assert ns["ASSIGNMENTS"] == folders
    assert {"02_activations_and_outputs", ASSIGNMENT, "04_deep_networks"} <= set(folders)
    # the per-cell timeout reaches nbgrader's own Execute preprocessor
    from nbgrader.preprocessors import Execute

    assert Execute(config=cfg).timeout == cfg.ExecutePreprocessor.timeout >= 60


def test_generated_release_leaks_nothing(course):
    release, solution = course["release"], course["solution"]
    assert leaks(solution, release) == []
    text = "\n".join(source(c) for c in release["cells"])
    for marker in MARKERS:
        assert marker not in text
    assert "assert_check" not in text  # the hidden tests are gone
    stub = {c["metadata"]["nbgrader"]["grade_id"]: source(c) for c in release["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")}["linear_backward"]
    assert "raise NotImplementedError()" in stub and CORRECT_DW not in stub


def test_generated_release_matches_course_release(course):
    """``nbgrader generate_assignment`` and ``course release`` give the same notebook."""
    ours = read(ROOT / "assignments" / ASSIGNMENT / NOTEBOOK)
    theirs = course["release"]
    assert len(theirs["cells"]) == len(ours["cells"])
    for i, (a, b) in enumerate(zip(theirs["cells"], ours["cells"], strict=True)):
        assert (a["cell_type"], source(a)) == (b["cell_type"], source(b)), f"cell {i}"
        # same locks and checksums: nbgrader autograde accepts either release
        assert a["metadata"].get("nbgrader") == b["metadata"].get("nbgrader"), f"cell {i}"


def test_every_submission_graded_by_both(course):
    assert set(course["nbgrader"]) == set(STUDENTS)
    assert course["statuses"] == {s: (ASSIGNMENT, "graded", None) for s in STUDENTS}
    # the same questions, with the same points
    for student in STUDENTS:
        assert ({k: m for k, (_, m) in course["nbgrader"][student].items()}
                == {k: m for k, (_, m) in course["ours"][student].items()})


def test_honest_submission_full_marks_in_both(course):
    for engine in ("nbgrader", "ours"):
        score, max_score = total(course[engine]["honest"])
        assert max_score == 6 and score == max_score, (engine, course[engine]["honest"])


def test_untouched_release_scores_zero_in_both(course):
    for engine in ("nbgrader", "ours"):
        score, max_score = total(course[engine]["untouched"])
        assert max_score == 6 and score == 0, (engine, course[engine]["untouched"])


def test_missing_one_over_m_loses_points_on_linear_backward_in_both(course):
    nbg, ours = course["nbgrader"]["no_1_over_m"], course["ours"]["no_1_over_m"]
    s_nbg, m = nbg["linear_backward"]
    s_ours, m_ours = ours["linear_backward"]
    assert m == m_ours == 2
    assert s_nbg < m and s_ours < m
    assert s_ours >= s_nbg  # partial credit per case vs. all-or-nothing per test cell
    for q in ("linear_forward", "linear_activation_forward", "linear_activation_backward"):
        assert nbg[q][0] == nbg[q][1] and ours[q][0] == ours[q][1], q  # nothing else lost
    assert total(ours)[0] >= total(nbg)[0]


@pytest.mark.parametrize("name", [p.parent.name
                                  for p in sorted((ROOT / "solutions").glob("*/*.ipynb"))])
def test_solution_metadata_is_valid_for_nbgrader(name):
    """nbgrader's own metadata validation (what ``generate_assignment`` runs first)."""
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator

    nb = nbformat.read(str(ROOT / "solutions" / name / f"{name}.ipynb"), as_version=4)
    MetadataValidator().validate_nb(nb)
