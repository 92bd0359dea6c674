"""``course otter``: an otter-grader autograder built from the same checks, and its parity
with ``course grade`` on every bundled sample (``samples/submitted``).

One module-scoped run: ``course otter ASSIGNMENT --no-wheel`` for each assignment the
samples cover (the local ``otter run`` uses this environment), then ``otter run -a
autograder.zip`` on every sample notebook (otter grades one per call; two at a time)
and ``course grade --hidden-cases assignment`` on the same folder. Every question must
get the same points from both engines, partial credit included: each case of a check
is split into one otter test case per score level (:func:`autograder.engines.case_levels`).
otter's tests are files and ``otter run`` does not know the student, so its hidden cases
are drawn once per assignment; ``--hidden-cases assignment`` makes ``course grade`` draw
the same ones (by default it draws them per student, and a partly wrong function can
then lose a different share: see autograder/engines.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "otter", reason="otter-grader is not importable (pip install -e '.[test]' installs it)")

from autograder.assignments import ASSIGNMENTS  # noqa: E402
from autograder.checks import CHECKS  # noqa: E402
from autograder.sandbox import isolation_available  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLES = ROOT / "samples" / "submitted"
SAMPLE_ASSIGNMENTS = sorted({p.parent.name for p in SAMPLES.glob("*/*/*.ipynb")})
ASSIGNMENT = "03_one_layer_at_a_time"
ENV = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
PARALLEL = 2


def _otter():
    script = BIN / "otter"
    return [script] if script.exists() else [sys.executable, "-m", "otter"]


def _fail(p, cmd):
    pytest.fail(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n"
                f"{p.stdout[-3000:]}\n{p.stderr[-3000:]}")


def _is_notebook(path):
    try:
        return json.loads(path.read_text()).get("nbformat") == 4
    except ValueError:
        return False


#: ``otter run`` calls that hung and were run again (see :func:`_run_all`).
RETRIED = []


def _kill(proc):
    """Kill ``proc`` with its kernel (its own session) and reap it, pipes closed."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


def _run_all(jobs, timeout=240, tries=2):
    """Run ``{key: (cmd, cwd)}``, ``PARALLEL`` at a time; ``{key: CompletedProcess}``.

    A call that outlives ``timeout`` is killed and run once more. ``otter run`` executes
    the notebook through nbconvert with no cell timeout, and now and then (seen on
    2026-12-07 in CI and here, about one call in ten under load, bob's 04 every time,
    ipykernel 6 and 7 alike) it waits forever for a reply its idle kernel has already
    sent: a hang of the tool, not a score. The retry is listed in ``RETRIED``; a call that
    hangs twice fails the test.
    """
    done, running = {}, {}
    todo = [(key, cmd, cwd, 1) for key, (cmd, cwd) in jobs.items()]
    try:
        while todo or running:
            while todo and len(running) < PARALLEL:
                key, cmd, cwd, attempt = todo.pop(0)
                # a session of its own: a kill reaches otter's kernel too
                running[key] = (cmd, cwd, attempt, subprocess.Popen(
                    [str(c) for c in cmd], cwd=cwd, env=ENV, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, text=True, start_new_session=True))
            key = next(iter(running))
            cmd, cwd, attempt, proc = running[key]
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                del running[key]
                _kill(proc)
                if attempt >= tries:
                    pytest.fail(f"{' '.join(map(str, cmd))} took more than {timeout} s, "
                                f"{attempt} times")
                RETRIED.append(key)
                todo.insert(0, (key, cmd, cwd, attempt + 1))
                continue
            del running[key]
            done[key] = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    finally:
        # every process left is killed with its kernel and reaped: nothing leaks into a
        # later test as a ResourceWarning
        for *_, proc in running.values():
            _kill(proc)
    return done


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("otter")
    zips = {}
    for assignment in SAMPLE_ASSIGNMENTS:
        out = tmp / "build" / assignment
        cmd = [BIN / "course", "otter", assignment, "--out", out, "--no-wheel"]
        p = subprocess.run([str(c) for c in cmd], env=ENV, capture_output=True, text=True,
                           timeout=120)
        if p.returncode != 0:
            _fail(p, cmd)
        zips[assignment] = out / "autograder.zip"

    jobs = {}
    for nb in sorted(SAMPLES.glob("*/*/*.ipynb")):
        student, assignment = nb.parent.parent.name, nb.parent.name
        if not _is_notebook(nb):
            continue  # otter cannot run a file that is not a notebook
        res = tmp / "otter_out" / student / assignment
        res.mkdir(parents=True)
        jobs[student, assignment] = (
            [*_otter(), "run", "-a", zips[assignment], "-o", res, "--no-logo", nb], res)

    grade_cmd = [BIN / "course", "grade", SAMPLES, "--out", tmp / "grades", "--quiet",
                 "--hidden-cases", "assignment"]
    if not isolation_available()[0]:  # no root here: the same pipeline without the sandbox
        grade_cmd.append("--no-isolation")
    p = subprocess.run([str(c) for c in grade_cmd], env=ENV, capture_output=True, text=True,
                       timeout=180)
    if p.returncode not in (0, 1):  # 1: dave's broken file is an error row, as expected
        _fail(p, grade_cmd)
    rows = json.loads((tmp / "grades" / "grades.json").read_text())["submissions"]
    ours = {(r["student"], r["assignment"]): {
        q["name"]: (float(q["score"]), float(q["max_score"])) for q in r["questions"]}
        for r in rows}

    theirs = {}
    for key, proc in _run_all(jobs).items():
        if proc.returncode != 0:
            _fail(proc, proc.args)
        data = json.loads((jobs[key][1] / "results.json").read_text())
        per_question = {}
        for t in data["tests"]:
            if t.get("max_score") is None:
                continue
            s, m = per_question.get(t["name"], (0.0, 0.0))
            per_question[t["name"]] = (s + float(t["score"]), m + float(t["max_score"]))
        theirs[key] = per_question
    return {"out": tmp / "build", "otter": theirs, "ours": ours}


def total(scores):
    return sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())


def test_build_writes_one_ok_test_per_graded_function(graded):
    out = graded["out"] / ASSIGNMENT
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
        assert all(p > 0 for p in spec["points"])
        assert any(c["hidden"] for c in cases) and any(not c["hidden"] for c in cases)
        assert all("from course.otter import case" in c["code"] for c in cases)
    assert json.loads((out / "otter_config.json").read_text())["name"] == ASSIGNMENT
    assert (out / "autograder.zip").stat().st_size > 0


def test_every_sample_notebook_was_graded_by_both(graded):
    notebooks = {(p.parent.parent.name, p.parent.name) for p in SAMPLES.glob("*/*/*.ipynb")
                 if _is_notebook(p)}
    assert notebooks and set(graded["otter"]) == notebooks
    assert notebooks <= set(graded["ours"])


@pytest.mark.parametrize("key", sorted((p.parent.parent.name, p.parent.name)
                                       for p in SAMPLES.glob("*/*/*.ipynb")),
                         ids="/".join)
def test_same_score_for_every_question(graded, key):
    ours = graded["ours"][key]
    if key not in graded["otter"]:  # not a notebook: ours reports 0, otter cannot run it
        assert total(ours)[0] == 0
        return
    theirs = graded["otter"][key]
    assert set(theirs) == set(ours)
    for name in ours:
        assert theirs[name][1] == pytest.approx(ours[name][1], abs=1e-9), name
        # otter's results.json rounds each question's score to 5 decimals
        # (otter.test_files.GradingResults.to_gradescope_dict), ours to 6
        assert theirs[name][0] == pytest.approx(ours[name][0], abs=1e-5), (
            name, theirs[name], ours[name])


def test_the_samples_span_full_partial_and_zero_scores(graded):
    pairs = [sm for qs in graded["otter"].values() for sm in qs.values()]
    assert any(abs(s - m) < 1e-9 for s, m in pairs)
    assert any(1e-9 < s < m - 1e-9 for s, m in pairs)
    assert any(s == 0 for s, _ in pairs)


def test_build_refuses_an_unknown_assignment_and_the_repo(tmp_path):
    from course.otter import OtterError, build

    with pytest.raises(OtterError, match="unknown assignment"):
        build("99_nope", tmp_path)
    with pytest.raises(OtterError, match="inside the repository"):
        build(ASSIGNMENT, ROOT / "solutions", wheel=False)
