"""nbgrader on our notebooks, with the repository's ``nbgrader_config.py``.

In a temporary copy of the course layout (``solutions/`` and ``nbgrader_config.py``):

1. ``nbgrader generate_assignment`` builds, for every assignment with sample
   submissions, a release that leaks nothing and matches the committed ``assignments/``
   notebook (``course release`` runs the same preprocessors);
2. the bundled samples (``samples/submitted``: full marks, classic mistakes, the
   untouched release, a broken file and a syntax error) are graded by ``nbgrader
   autograde`` (scores from the sqlite gradebook) and by ``course grade`` (scores from
   ``grades.json``): every question gets the same score from both, partial credit
   included (the hidden test cells end with ``nbgrader_points(...)``, whose value
   nbgrader takes as partial credit, computed on the same cases as ``course grade``).
   Both hidden-case policies are covered: the first assignment is autograded with the
   hidden cases drawn per student (the default), the others with
   ``COURSE_HIDDEN_CASES=assignment``, against ``course grade --hidden-cases
   assignment`` (the policy otter's tests can follow: tests/test_otter.py).

One module-scoped run (nbgrader starts a Jupyter kernel per submission; the assignments
are autograded in parallel, one per core, while ``course grade`` runs).
"""

from __future__ import annotations

import json
import os
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
#: nbgrader calls the ``alembic`` script (next to the interpreter) when it creates a
#: gradebook, and the ``python3`` kernel must be this environment's.
ENV = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def run(cmd, cwd, timeout, ok=(0,)):
    """Run ``cmd``; fail with its output if it exits with a status not in ``ok`` or
    times out."""
    cmd = [str(c) for c in cmd]
    try:
        p = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"{' '.join(cmd)} took more than {timeout} s:\n"
                    f"{(err.stdout or '')[-3000:]}{(err.stderr or '')[-3000:]}")
    if p.returncode not in ok:
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


# ------------------------------------------------------------------------------- the run

SAMPLES = ROOT / "samples" / "submitted"
#: The assignments the samples cover, and the students who submitted them.
SAMPLE_ASSIGNMENTS = sorted({p.parent.name for p in SAMPLES.glob("*/*/*.ipynb")})
STUDENTS = sorted({p.parent.parent.name for p in SAMPLES.glob("*/*/*.ipynb")})
ASSIGNMENT = "03_one_layer_at_a_time"


#: assignment -> the hidden-case policy it is autograded with.
POLICY = {a: "student" if i == 0 else "assignment" for i, a in enumerate(SAMPLE_ASSIGNMENTS)}


#: nbgrader autogrades running at once: one per core (five side by side on 2 cores made
#: kernels late enough for nbgrader to fail honest submissions in CI).
LANES = max(1, min(len(SAMPLE_ASSIGNMENTS), os.cpu_count() or 1))


class _Autogrades:
    """``nbgrader autograde`` of every assignment, ``LANES`` at a time, in the background
    (while ``course grade`` runs); each one's log kept."""

    def __init__(self, assignments, cwd, root_flag, timeout=600):
        from concurrent.futures import ThreadPoolExecutor

        self.cwd, self.root_flag, self.timeout = cwd, root_flag, timeout
        self.procs, self.stopped = {}, False
        self.pool = ThreadPoolExecutor(max_workers=LANES)
        self.futures = {a: self.pool.submit(self._one, a) for a in assignments}

    def _one(self, a):
        if self.stopped:
            return ""
        cmd = nbgrader_cmd("autograde", a, "--force", self.root_flag)
        proc = self.procs[a] = subprocess.Popen(
            [str(c) for c in cmd], cwd=self.cwd, env=dict(ENV, COURSE_HIDDEN_CASES=POLICY[a]),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            return proc.communicate(timeout=self.timeout)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise

    def wait(self):
        """Every assignment's log, once all are done."""
        logs = {}
        for a, future in self.futures.items():
            try:
                logs[a] = future.result()
            except subprocess.TimeoutExpired:
                self.kill()
                pytest.fail(f"nbgrader autograde {a} took more than {self.timeout} s")
        self.pool.shutdown()
        return logs

    def kill(self):
        self.stopped = True
        for proc in list(self.procs.values()):
            if proc.poll() is None:
                proc.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)


def _is_notebook(path):
    try:
        return read(path).get("nbformat") == 4
    except ValueError:
        return False


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Generate, autograde and ``course grade`` the samples once; what the tests compare."""
    tmp = tmp_path_factory.mktemp("nbgrader_course")
    shutil.copytree(ROOT / "solutions", tmp / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(ROOT / "nbgrader_config.py", tmp)
    cfg, ns = load_config(tmp)
    root_flag = f"--CourseDirectory.root={tmp}"
    submitted = tmp / cfg.CourseDirectory.submitted_directory
    shutil.copytree(SAMPLES, submitted)

    releases = {}
    for assignment in SAMPLE_ASSIGNMENTS:
        run(nbgrader_cmd("generate_assignment", assignment, root_flag), cwd=tmp, timeout=180)
        releases[assignment] = read(tmp / cfg.CourseDirectory.release_directory / assignment
                                    / f"{assignment}.ipynb")
    # one nbgrader per assignment, LANES side by side (the gradebook is sqlite: autograde
    # writes it at the end of each submission, and retries are not needed for two)
    autogrades = _Autogrades(SAMPLE_ASSIGNMENTS, tmp, root_flag)
    rows = {}
    try:
        for policy in sorted(set(POLICY.values())):
            out = tmp / f"grades_{policy}"
            grade_cmd = [BIN / "course", "grade", SAMPLES, "--out", out, "--quiet",
                         "--hidden-cases", policy]
            if not isolation_available()[0]:  # no root: the pipeline without the sandbox
                grade_cmd.append("--no-isolation")
            # status 1: a submission could not be graded (dave's broken file), as expected
            run(grade_cmd, cwd=tmp, timeout=180, ok=(0, 1))
            rows[policy] = read(out / "grades.json")["submissions"]
    except BaseException:
        autogrades.kill()
        raise
    ours = {(r["student"], r["assignment"]): {
        q["name"]: (float(q["score"]), float(q["max_score"])) for q in r["questions"]}
        for policy, batch in rows.items() for r in batch if POLICY[r["assignment"]] == policy}
    statuses = {(r["student"], r["assignment"]): r["status"] for r in rows["student"]}

    logs = autogrades.wait()

    from nbgrader.api import Gradebook, MissingEntry

    nbg = {}
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        for student in STUDENTS:
            for assignment in SAMPLE_ASSIGNMENTS:
                try:
                    nb = gb.find_submission_notebook(assignment, assignment, student)
                except MissingEntry:
                    continue  # nbgrader could not read this submission
                nbg[student, assignment] = {
                    g.name.removeprefix("test_"): (float(g.score), float(g.max_score))
                    for g in nb.grades if g.max_score > 0}
    return {"tmp": tmp, "cfg": cfg, "ns": ns, "releases": releases, "nbgrader": nbg,
            "ours": ours, "statuses": statuses, "logs": logs,
            "solution": read(tmp / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")}


def _log_excerpt(log, size=6000):
    """The part of an nbgrader log that says why a submission was not graded: from its
    first traceback on (the tail is the summary, which only says that one was)."""
    start = log.find("Traceback")
    return log[-size:] if start < 0 else log[start:start + size]


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
    assert Execute(config=cfg).iopub_timeout >= 30  # nbgrader's 4 s fails busy machines


def test_generated_release_leaks_nothing(course):
    release, solution = course["releases"][ASSIGNMENT], course["solution"]
    assert leaks(solution, release) == []
    text = "\n".join(source(c) for c in release["cells"])
    for marker in MARKERS:
        assert marker not in text
    assert "nbgrader_points" not in text  # the hidden tests are gone
    stub = {c["metadata"]["nbgrader"]["grade_id"]: source(c) for c in release["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")}["linear_backward"]
    assert "raise NotImplementedError()" in stub and "dW = dZ @ A_prev.T / m" not in stub


@pytest.mark.parametrize("assignment", SAMPLE_ASSIGNMENTS)
def test_generated_release_matches_course_release(course, assignment):
    """``nbgrader generate_assignment`` and ``course release`` give the same notebook."""
    ours = read(ROOT / "assignments" / assignment / f"{assignment}.ipynb")
    theirs = course["releases"][assignment]
    assert len(theirs["cells"]) == len(ours["cells"])
    for i, (a, b) in enumerate(zip(theirs["cells"], ours["cells"], strict=True)):
        assert (a["cell_type"], source(a)) == (b["cell_type"], source(b)), f"cell {i}"
        # same locks and checksums: nbgrader autograde accepts either release
        assert a["metadata"].get("nbgrader") == b["metadata"].get("nbgrader"), f"cell {i}"


def test_samples_cover_every_kind_of_submission(course):
    assert {"alice", "bob", "carol", "dave"} <= set(STUDENTS)
    assert set(POLICY.values()) == {"student", "assignment"}  # both policies are run
    assert ASSIGNMENT in SAMPLE_ASSIGNMENTS
    assert set(course["ours"]) == {(s, a) for s in STUDENTS for a in SAMPLE_ASSIGNMENTS}


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize("assignment", SAMPLE_ASSIGNMENTS)
def test_same_score_for_every_question(course, student, assignment):
    """Both engines give each question of each sample the same points."""
    ours = course["ours"][student, assignment]
    key = (student, assignment)
    path = SAMPLES / student / assignment / f"{assignment}.ipynb"
    if not _is_notebook(path):
        # not a notebook: nbgrader records 0 per question (or nothing), ours an error row
        assert total(course["nbgrader"].get(key, {}))[0] == 0, course["nbgrader"][key]
        assert course["statuses"][key] == "error"
        assert total(ours)[0] == 0
        return
    assert key in course["nbgrader"], _log_excerpt(course["logs"][assignment])
    theirs = course["nbgrader"][key]
    assert set(theirs) == set(ours)
    for name in ours:
        assert theirs[name][1] == ours[name][1], name  # the same points per question
        assert theirs[name][0] == pytest.approx(ours[name][0], abs=1e-6), (
            name, theirs[name], ours[name])


def test_the_samples_span_full_partial_and_zero_scores(course):
    """The agreement above is not vacuous: full marks, partial credit (a question neither
    0 nor full) and zero all occur, in both engines."""
    for engine in ("nbgrader", "ours"):
        pairs = [sm for qs in course[engine].values() for sm in qs.values()]
        assert any(s == m for s, m in pairs), engine
        assert any(0 < s < m for s, m in pairs), engine
        assert any(s == 0 for s, _ in pairs), engine
    assert total(course["ours"]["alice", ASSIGNMENT])[0] == \
        total(course["ours"]["alice", ASSIGNMENT])[1]
    assert total(course["nbgrader"]["carol", ASSIGNMENT])[0] == 0


@pytest.mark.parametrize("name", [p.parent.name
                                  for p in sorted((ROOT / "solutions").glob("*/*.ipynb"))])
def test_solution_metadata_is_valid_for_nbgrader(name):
    """nbgrader's own metadata validation (what ``generate_assignment`` runs first)."""
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator

    nb = nbformat.read(str(ROOT / "solutions" / name / f"{name}.ipynb"), as_version=4)
    MetadataValidator().validate_nb(nb)
