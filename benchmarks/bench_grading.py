"""Benchmark: one batch of submissions graded by ``course grade``, ``nbgrader autograde``
and ``otter run``, in one run, on this machine.

Run with ``make bench-grading`` (installs the ``grading`` extra first) or
``.venv/bin/python benchmarks/bench_grading.py [--n 20] [--rounds 1] [--write PATH]``.

What it does, in a temporary directory:

1. generates one assignment: a source notebook with one solution cell per graded
   function (the correct code of ``tests/fixtures/student_correct.py`` between nbgrader's
   ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers), a locked cell with the
   fixture's helpers, and after each function an autograded test cell
   ``nbgrader_points("<name>", <name>)`` worth the check's points, as in the course's
   notebooks (its value is nbgrader's partial credit);
   ``nbgrader generate_assignment`` makes the release, and ``--n`` submissions are
   written from it: honest ones (the full solution) and, every fifth, one with a
   classic mistake;
2. nbgrader: a course directory with a sqlite gradebook; ``nbgrader autograde
   <assignment> --force`` grades the whole batch; scores come from the gradebook;
3. otter: the course's OK-format tests (``course.otter.test_spec``: each check case in
   parts that add up to its partial credit), ``otter generate`` builds
   ``autograder.zip``, and ``otter run -a autograder.zip`` grades each
   submission (it takes one submission per call; the times are summed);
4. ``course grade submitted --quiet --jobs 1`` and ``--jobs 2`` as subprocesses
   (wall clock including start-up and reports);
5. a floor: a bare ``python -c "import numpy"``.

Engines run one after the other within each round (``course grade`` ``--repeat`` times,
median); ``--rounds`` repeats the round and the median is reported. It prints a
markdown table: seconds per submission, the throughput ratios, and the score
agreement (honest submissions must get full marks from all three; mistaken ones are
listed per engine: nbgrader scores the same cases as ``course grade``, otter draws its
hidden cases once per assignment), then where ``course grade``'s time goes.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
FIXTURE = ROOT / "tests" / "fixtures" / "student_correct.py"
BIN = Path(sys.executable).parent
ASSIGNMENT = "backprop"
NOTEBOOK = "backprop.ipynb"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
#: Targets from the issue: our throughput over theirs, for a full assignment.
TARGETS = {"nbgrader": 40.0, "otter": 100.0}
#: ``--jobs 2`` over ``--jobs 1``, on 2 cores (issue 11).
JOBS2_TARGET = 1.7

#: Classic mistakes: label -> (function, wrong source). Every fifth submission has one.
MISTAKES = {
    "dW_without_1/m": ("linear_backward", (
        "def linear_backward(dZ, cache):\n"
        "    A_prev, W, b = cache\n"
        "    dW = dZ @ A_prev.T\n"
        "    db = np.sum(dZ, axis=1, keepdims=True)\n"
        "    dA_prev = W.T @ dZ\n"
        "    return dA_prev, dW, db\n")),
    "relu'(0)=1": ("relu_backward", (
        "def relu_backward(dA, cache):\n"
        "    Z = cache\n"
        "    return dA * (Z >= 0)\n")),
    "sigmoid'(A) of the output": ("sigmoid_backward", (
        "def sigmoid_backward(dA, cache):\n"
        "    s = cache\n"
        "    return dA * s * (1 - s)\n")),
    "cost_without_mean": ("compute_cost", (
        "def compute_cost(AL, Y):\n"
        "    eps = np.finfo(AL.dtype).eps\n"
        "    P = np.clip(AL, eps, 1 - eps)\n"
        "    return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)))\n")),
}


# ------------------------------------------------------------------------------ helpers

def run(cmd, cwd=None, log=None, check=True, env=None):
    """Run ``cmd``; return (seconds, CompletedProcess). Output goes to ``log``."""
    t0 = time.perf_counter()
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                       text=True)
    dt = time.perf_counter() - t0
    if log is not None:
        with open(log, "a") as f:
            f.write(f"$ {' '.join(map(str, cmd))}  # {dt:.3f} s, rc {p.returncode}\n")
            f.write(p.stdout + p.stderr + "\n")
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n"
                           f"{(p.stdout + p.stderr)[-3000:]}")
    return dt, p


def functions():
    """``{name: (full source, header lines, body lines)}`` of the correct fixture."""
    src = FIXTURE.read_text()
    lines = src.splitlines()
    out = {}
    for node in ast.parse(src).body:
        if isinstance(node, ast.FunctionDef):
            start, first, end = node.lineno, node.body[0].lineno, node.end_lineno
            out[node.name] = ("\n".join(lines[start - 1:end]) + "\n",
                              lines[start - 1:first - 1], lines[first - 1:end])
    return out


def points():
    from autograder.checks import CHECKS

    return {name: float(c.points) for name, c in CHECKS.items()}


def helper_source():
    """The fixture's functions without a check (``model_cost``, which the gradient
    checking functions call): one locked cell of the notebook, given to students."""
    pts = points()
    return "\n\n".join(src.rstrip() for name, (src, _, _) in functions().items()
                         if name not in pts) + "\n"


def graded_functions():
    """The fixture's functions that have a check (the assignment's questions)."""
    pts = points()
    return {k: v for k, v in functions().items() if k in pts}, pts


def plan(n):
    """``[(student, mistake label or None)]``: every fifth submission has a mistake."""
    labels = list(MISTAKES)
    subs = []
    for i in range(n):
        mistake = labels[(i // 5) % len(labels)] if i % 5 == 4 else None
        subs.append((f"s{i:03d}", mistake))
    return subs


# ------------------------------------------------------------------------- the assignment

def test_source(name, hidden):
    """An autograded test cell, as in the course's notebooks: its value is the question's
    score on the same cases as ``course grade`` (nbgrader's partial credit). Hidden:
    nbgrader strips it from the release and restores it at autograde, so submissions
    never import ``autograder`` (see ``--visible``)."""
    body = (f'from autograder.engines import nbgrader_points\n'
            f'nbgrader_points("{name}", {name})')
    return f"### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS" if hidden else body


def source_notebook(path, funcs, pts):
    """The instructor's notebook, with nbgrader's markup."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    def meta(grade_id, grade=False, solution=False, locked=False, p=None):
        m = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
             "schema_version": 3, "task": False}
        if grade:
            m["points"] = p
        return {"nbgrader": m}

    cells = [new_markdown_cell("# Backpropagation, the whole graded API",
                               metadata=meta("intro", locked=True)),
             new_code_cell("import numpy as np", metadata=meta("imports", locked=True)),
             new_code_cell(helper_source(), metadata=meta("helpers", locked=True))]
    for name, (_, header, body) in funcs.items():
        indent = body[0][:len(body[0]) - len(body[0].lstrip())]
        src = "\n".join([*header, f"{indent}### BEGIN SOLUTION", *body,
                         f"{indent}### END SOLUTION"])
        cells.append(new_code_cell(src, metadata=meta(name, solution=True)))
        cells.append(new_code_cell(test_source(name, hidden=True),
                                   metadata=meta(f"test_{name}", grade=True, locked=True,
                                                 p=pts[name])))
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC,
                                             "language_info": {"name": "python"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def write_submissions(release, submitted, subs, funcs, visible=False):
    """Each student's notebook: the release with the solution cells filled in (and, if
    ``visible``, the test cells showing their ``assert_check`` import and call)."""
    import nbformat

    for student, mistake in subs:
        nb = nbformat.read(str(release), as_version=4)
        wrong = MISTAKES[mistake] if mistake else (None, None)
        for cell in nb.cells:
            md = cell.metadata.get("nbgrader", {})
            if md.get("solution") and md.get("grade_id") in funcs:
                name = md["grade_id"]
                cell.source = wrong[1] if name == wrong[0] else funcs[name][0]
            elif visible and md.get("grade") and md.get("grade_id", "").startswith("test_"):
                cell.source = test_source(md["grade_id"][5:], hidden=False)
        out = submitted / student / ASSIGNMENT / NOTEBOOK
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(out))


def setup_nbgrader(course, funcs, pts, log):
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course / 'gradebook.db'}'\n"
        "c.CourseDirectory.course_id = 'bench'\n"
        "c.Autograde.create_student = True\n"
        "c.ExecutePreprocessor.timeout = 120\n"
        "c.Exchange.root = " + repr(str(course / 'exchange')) + "\n")
    source_notebook(course / "source" / ASSIGNMENT / NOTEBOOK, funcs, pts)
    run([BIN / "nbgrader", "generate_assignment", ASSIGNMENT, "--force"], cwd=course,
        log=log, env=ENV)
    return course / "release" / ASSIGNMENT / NOTEBOOK


def add_students(course, subs, log):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, _ in subs:
            gb.update_or_create_student(student)


def nbgrader_scores(course, subs):
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, _ in subs:
            nb = gb.find_submission_notebook(NOTEBOOK[:-6], ASSIGNMENT, student)
            q = {g.name.removeprefix("test_"): (float(g.score), float(g.max_score))
                 for g in nb.grades}
            scores[student] = q
    return scores


def setup_otter(root, funcs, pts, log):
    """The course's otter tests (``course.otter.test_spec``: each check case split into
    parts that add up to its partial credit), zipped by ``otter generate``."""
    from course.otter import test_spec

    tests = root / "tests"
    tests.mkdir(parents=True)
    for name in funcs:
        (tests / f"{name}.py").write_text(
            f"OK_FORMAT = True\n\ntest = {test_spec(name, ASSIGNMENT)!r}\n")
    zip_path = root / "autograder.zip"
    run([BIN / "otter", "generate", "-t", tests, "-o", zip_path, "--no-config",
         "--no-requirements", "--no-environment"], cwd=root, log=log, env=ENV)
    return zip_path


def otter_scores(out):
    data = json.loads((out / "results.json").read_text())
    return {t["name"]: (float(t["score"]), float(t["max_score"])) for t in data["tests"]
            if "score" in t and "max_score" in t}


def course_scores(path):
    rows = json.loads(path.read_text())
    subs = rows["submissions"]
    scores = {r["student"]: {q["name"]: (float(q["score"]), float(q["max_score"]))
                             for q in r["questions"]} for r in subs}
    return scores, rows.get("grader", rows.get("meta", {}))


# ------------------------------------------------------------------------------ the rounds

ENV = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           PYTHONDONTWRITEBYTECODE="0")


def cpu_jiffies():
    """``(busy, total)`` clock ticks of all cores since boot, from ``/proc/stat``
    (``None`` where there is no such file)."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def cores_busy(before, after):
    """How many cores were busy on average between two :func:`cpu_jiffies` readings
    (machine-wide: the grader, its workers and every sandbox, but also anything else
    running, hence the load average in the report)."""
    if before is None or after is None or after[1] == before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1]) * (os.cpu_count() or 1)


def one_round(tmp, course, zip_path, subs, log, jobs_list, only, repeat=3):
    """Time every engine once on the whole batch; returns (times, scores, extra)."""
    times, scores, extra = {}, {}, {}
    # floor: a bare interpreter that imports numpy (best of 5)
    times["floor"] = min(run([sys.executable, "-c", "import numpy"], env=ENV)[0]
                         for _ in range(5))
    times["floor_x_n"] = times["floor"] * len(subs)

    for _ in range(repeat):  # course grade is cheap: median of `repeat`, interleaved
        for jobs in jobs_list:
            out = tmp / f"course_j{jobs}"
            shutil.rmtree(out, ignore_errors=True)
            peak = tmp / f"peak_j{jobs}.json"
            before = cpu_jiffies()
            dt, _ = run([sys.executable, HERE / "_maxrss.py", peak, "grade",
                         course / "submitted", "--out", out, "--quiet", "--jobs", jobs,
                         "--only", only], log=log, env=ENV, check=False)
            busy = cores_busy(before, cpu_jiffies())
            if busy is not None:
                extra.setdefault(f"course_j{jobs}_cores", []).append(busy)
                extra.setdefault(f"course_j{jobs}_cpu", []).append(busy * dt)  # core-s
            times.setdefault(f"course_j{jobs}", []).append(dt)
            extra.setdefault(f"course_j{jobs}_peak", []).append(json.loads(peak.read_text()))
            scores[f"course_j{jobs}"], meta = course_scores(out / "grades.json")
            extra.setdefault(f"course_j{jobs}_inner", []).append(meta.get("seconds"))
    for jobs in jobs_list:
        times[f"course_j{jobs}"] = statistics.median(times[f"course_j{jobs}"])
        inner = [x for x in extra[f"course_j{jobs}_inner"] if x is not None]
        extra[f"course_j{jobs}_inner"] = statistics.median(inner) if inner else None
        for what in ("cores", "cpu"):
            vals = extra.get(f"course_j{jobs}_{what}")
            extra[f"course_j{jobs}_{what}"] = statistics.median(vals) if vals else None
        peaks = extra[f"course_j{jobs}_peak"]
        extra[f"course_j{jobs}_peak"] = {k: max(p[k] for p in peaks) for k in peaks[0]}

    shutil.rmtree(course / "autograded", ignore_errors=True)
    dt, _ = run([BIN / "nbgrader", "autograde", ASSIGNMENT, "--force"], cwd=course, log=log,
                env=ENV)
    times["nbgrader"] = dt
    scores["nbgrader"] = nbgrader_scores(course, subs)

    total, per = 0.0, {}
    otter_out = tmp / "otter_out"
    shutil.rmtree(otter_out, ignore_errors=True)
    for student, _ in subs:
        out = otter_out / student
        out.mkdir(parents=True)
        nb = course / "submitted" / student / ASSIGNMENT / NOTEBOOK
        dt, _ = run([BIN / "otter", "run", "-a", zip_path, "-o", out, "--no-logo", nb],
                    cwd=out, log=log, env=ENV)
        total += dt
        per[student] = otter_scores(out)
    times["otter"] = total
    scores["otter"] = per
    return times, scores, extra


# ------------------------------------------------------------------------------ reporting

def versions():
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("numpy", "nbgrader", "otter-grader", "nbclient", "ipykernel",
                "jupyter_client", "backprop-course"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def total(q):
    return sum(s for s, _ in q.values()), sum(m for _, m in q.values())


def agreement(subs, scores, engines):
    """Markdown lines comparing the totals; returns (lines, honest_ok)."""
    lines = ["| student | mistake | " + " | ".join(engines) + " |",
             "|---|---|" + "---:|" * len(engines)]
    honest_ok = True
    for student, mistake in subs:
        cells = []
        for e in engines:
            s, m = total(scores[e][student])
            cells.append(f"{s:g} / {m:g}")
            if mistake is None and (m <= 0 or abs(s - m) > 1e-9):
                honest_ok = False
        if mistake is not None:
            lines.append(f"| {student} | {mistake} | " + " | ".join(cells) + " |")
    n_honest = sum(1 for _, m in subs if m is None)
    ex = subs[0][0]
    lines.insert(0, f"Honest submissions ({n_honest}): "
                 + ("**all engines give full marks** "
                    if honest_ok else "**DISAGREEMENT: not all full marks** ")
                 + "(e.g. " + ", ".join(
                     f"{e} {total(scores[e][ex])[0]:g}/{total(scores[e][ex])[1]:g}"
                     for e in engines) + f" for {ex}).\n\nMistaken submissions (totals):\n")
    return lines, honest_ok


def per_question(subs, scores, engines):
    """For each mistaken submission, the questions where any engine gave less than full."""
    lines = ["| student | question | " + " | ".join(engines) + " |",
             "|---|---|" + "---:|" * len(engines)]
    for student, mistake in subs:
        if mistake is None:
            continue
        names = sorted({n for e in engines for n, (s, m) in scores[e][student].items()
                        if s < m})
        for n in names:
            cells = []
            for e in engines:
                s, m = scores[e][student].get(n, (float("nan"), float("nan")))
                cells.append(f"{s:g}/{m:g}")
            lines.append(f"| {student} | {n} | " + " | ".join(cells) + " |")
    return lines


def report(args, subs, rounds, scores, extras):
    n = len(subs)
    keys = rounds[0].keys()
    med = {k: statistics.median(r[k] for r in rounds) for k in keys}
    jobs = [k for k in keys if k.startswith("course_j")]
    rows = [("`python -c \"import numpy\"` (floor, x N)", med["floor_x_n"])]
    rows += [(f"`course grade --jobs {k[8:]}`", med[k]) for k in jobs]
    rows += [("`nbgrader autograde` (one call, whole batch)", med["nbgrader"]),
             ("`otter run` (one call per submission, summed)", med["otter"])]
    load = os.getloadavg()
    v = versions()
    out = [f"Date: {datetime.datetime.now().isoformat(timespec='seconds')}; machine: "
           f"{os.cpu_count()} cores, {platform.platform()}; load average before/after: "
           f"{LOAD0[0]:.2f} / {load[0]:.2f} (1 min); rounds: {len(rounds)} (median), "
           f"course grade runs per round: {args.repeat} (median); "
           f"submissions: {n} ({sum(1 for _, m in subs if m is None)} honest).",
           "", "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".", "",
           "| engine | total s | s / submission | submissions / s |",
           "|---|---:|---:|---:|"]
    for label, t in rows:
        out.append(f"| {label} | {t:.2f} | {t / n:.3f} | {n / t:.2f} |")
    out += ["", "Throughput of `course grade` relative to the others (higher is better; "
            f"target: {TARGETS['nbgrader']:g}x nbgrader, {TARGETS['otter']:g}x otter):", "",
            "| | vs nbgrader | vs otter | vs the floor (floor / ours) |", "|---|---:|---:|---:|"]
    for k in jobs:
        r_nb, r_ot = med["nbgrader"] / med[k], med["otter"] / med[k]
        ok = lambda r, e: "" if r >= TARGETS[e] else " (below target)"  # noqa: E731
        out.append(f"| `--jobs {k[8:]}` | {r_nb:.1f}x{ok(r_nb, 'nbgrader')} | "
                   f"{r_ot:.1f}x{ok(r_ot, 'otter')} | {med['floor_x_n'] / med[k]:.2f} |")
    if "course_j1" in med and "course_j2" in med:
        r = med["course_j1"] / med["course_j2"]
        out += ["", f"`--jobs 2` over `--jobs 1`: {r:.2f}x (target {JOBS2_TARGET:g}x on "
                f"2 cores{'' if r >= JOBS2_TARGET else ': below target'}; this machine has "
                f"{os.cpu_count()})."]
    busy = {k: statistics.median(e[k + "_cores"] for e in extras)
            for k in jobs if all(e.get(k + "_cores") is not None for e in extras)}
    if busy:
        out += ["", "Cores kept busy while `course grade` ran (machine-wide, from /proc/stat: "
                "the grader, its workers and the sandboxes): " + ", ".join(
                    f"`--jobs {k[8:]}` {v:.2f} of {os.cpu_count()}" for k, v in busy.items())
                + "."]
        if "course_j1" in busy:
            cap = (os.cpu_count() or 1) / busy["course_j1"]
            out[-1] += (f" `--jobs 1` already overlaps planning and judging (its threads) "
                        f"with the sandbox (a process), so no `--jobs` can beat it by more "
                        f"than {os.cpu_count()} / {busy['course_j1']:.2f} = {cap:.2f}x "
                        "on this machine.")
    out += cpu_bound_text(med, extras, jobs, n)
    peaks = [(k, max((e[k + "_peak"] for e in extras if e.get(k + "_peak")),
                     key=lambda p: p["self_mb"], default=None)) for k in jobs]
    if any(p for _, p in peaks):
        out += ["", "Peak memory (maxrss): " + "; ".join(
            f"`--jobs {k[8:]}` grader process {p['self_mb']:.0f} MB, largest child process "
            f"{p['children_mb']:.0f} MB" for k, p in peaks if p) + "."]
    inner = [f"`--jobs {k[8:]}` {statistics.median(e[k + '_inner'] for e in extras):.2f} s"
             for k in jobs if extras[0].get(k + "_inner") is not None]
    if inner:
        out += ["", "Of which inside `grade_batch` (grades.json `grader.seconds`, i.e. without "
                "interpreter start-up, imports and report writing): " + ", ".join(inner) + "."]
    engines = [*jobs, "nbgrader", "otter"]
    lines, ok = agreement(subs, scores, engines)
    out += ["", "### Score agreement", "", *lines, "",
            "Questions that lost points on the mistaken submissions (nbgrader's cells give "
            "partial credit on the same cases as `course grade`; otter's parts give it on "
            "hidden cases drawn once per assignment, `course grade` per student, so a "
            "mistake can lose a different share there):", "",
            *per_question(subs, scores, engines)]
    return "\n".join(out) + "\n", ok


def cpu_bound_text(med, extras, jobs, n):
    """Lines on the CPU one submission costs and the time it bounds: with ``c`` core-seconds
    of CPU per submission (machine-wide: grader, workers, sandboxes), ``k`` cores cannot
    grade faster than ``c / k`` seconds per submission, whatever the ``--jobs``."""
    cores = os.cpu_count() or 1
    parts, best = [], None
    for k in jobs:
        cpu = [e.get(k + "_cpu") for e in extras]
        if any(c is None for c in cpu):
            continue
        c = statistics.median(cpu) / n
        own = [e[k + "_peak"].get("self_cpu_s") for e in extras if e.get(k + "_peak")]
        own_text = (f" (the grader process itself {1000 * statistics.median(own) / n:.0f} ms, "
                    "its threads sharing one GIL)" if own and None not in own else "")
        parts.append(f"`--jobs {k[8:]}` {1000 * c:.0f} core-ms{own_text}")
        best = c if best is None else min(best, c)
    if best is None:
        return []
    bound = best / cores
    return ["", "CPU per submission (machine-wide core-seconds while `course grade` ran, "
            "start-up included, / N): " + ", ".join(parts) + f". At {1000 * best:.0f} "
            f"core-ms per submission, {cores} cores cannot grade faster than "
            f"{1000 * bound:.0f} ms per submission: at most {med['nbgrader'] / n / bound:.1f}x "
            f"nbgrader and {med['otter'] / n / bound:.1f}x otter on this machine until the CPU "
            "per submission falls."]


def visible_layout(tmp, release, subs, funcs, log, only):
    """``course grade --jobs 1`` on the same submissions with *visible* test cells
    (``from autograder.checks import assert_check`` in the student's notebook)."""
    out = tmp / "course_visible"
    dt, _ = run([BIN / "course", "grade", tmp / "visible" / "submitted", "--out", out,
                 "--quiet", "--jobs", 1, "--only", only], log=log, env=ENV, check=False)
    rows = json.loads((out / "grades.json").read_text())["submissions"]
    honest = {student for student, m in subs if m is None}
    totals = sorted({(r["score"], r["max_score"]) for r in rows if r["student"] in honest})
    errors = sorted({str(r.get("error")) for r in rows if r["student"] in honest})
    return ("\n### Visible test cells\n\nThe same submissions with nbgrader's test cells "
            "visible (`from autograder.checks import assert_check` + `assert_check(...)` in "
            "the student's notebook, as a student who runs the checks has it): "
            f"`course grade --jobs 1` took {dt:.2f} s ({dt / len(subs):.3f} s / submission); "
            "honest submissions got " + ", ".join(f"{a:g} / {b:g}" for a, b in totals)
            + (("; reason: " + "; ".join(f"`{e}`" for e in errors if e != "None"))
               if errors != ["None"] else "") + ".\n")


FIRST_SPAWN = "  of which the first spawn (waits for the zygote's start-up and warm-up)"


def phase_breakdown(submitted, names, hide, jobs=1):
    """Where ``course grade``'s time goes, measured in this process with timers wrapped
    around the grader's phases (``grade_batch`` with ``jobs``, full isolation)."""
    import autograder.checks as checks_mod
    from autograder import grader, plain, report, sandbox

    acc = {}

    def wrap(obj, attr, key):
        orig = getattr(obj, attr)

        def timed(*a, **k):
            t0 = time.perf_counter()
            try:
                return orig(*a, **k)
            finally:
                k = key
                if key.startswith("  of which spawn") and FIRST_SPAWN not in acc:
                    k = FIRST_SPAWN
                acc[k] = acc.get(k, 0.0) + time.perf_counter() - t0

        setattr(obj, attr, timed)
        return orig

    def read_message(read, _orig=plain.read_message):
        ev = _orig(read)
        if isinstance(ev, dict) and ev.get("event") == "done" and "seconds" in ev:
            acc["in sandbox: cells + cases (child's own clock)"] = acc.get(
                "in sandbox: cells + cases (child's own clock)", 0.0) + float(ev["seconds"])
        return ev

    patches = [(grader, "read_notebook", "read notebooks"), (grader, "_plan", "plan: build cases"),
               (grader, "_execute", "run: sandbox spawn + cells + cases + IPC"),
               (sandbox.Zygote, "spawn", "  of which spawn (fork from zygote)"),
               (checks_mod, "grade_question", "judge: compare in the trusted process"),
               (sandbox.Zygote, "__post_init__", "zygote launch (once per batch)")]
    saved = [(obj, attr, wrap(obj, attr, key)) for obj, attr, key in patches]
    saved_read = grader.plain.read_message
    grader.plain.read_message = read_message
    try:
        subs = grader.discover([submitted])
        t0 = time.perf_counter()
        rows = grader.grade_batch(subs, jobs=jobs, hide=hide, names=names)
        acc["grade_batch total"] = time.perf_counter() - t0
        out = Path(hide[0]) / "course_profile"
        t0 = time.perf_counter()
        report.write_json(rows, out / "grades.json", {})
        report.write_csv(rows, out / "grades.csv")
        report.write_feedback(rows, out / "feedback")
        report.write_summary(report.summarize(rows), out)
        acc["write reports"] = time.perf_counter() - t0
    finally:
        for obj, attr, orig in saved:
            setattr(obj, attr, orig)
        grader.plain.read_message = saved_read
    return acc, len(subs)


def imports_seconds():
    """Wall clock of a bare interpreter, of one importing numpy, and of one importing the
    grading path (best of 5 each)."""
    cmds = {"python -c pass": "pass", "python -c 'import numpy'": "import numpy",
            "import the grading path (cli, grader, checks, report)":
            "import course.cli, autograder.cli, autograder.grader, autograder.checks, "
            "autograder.report"}
    return {k: min(run([sys.executable, "-c", c], env=ENV)[0] for _ in range(5))
            for k, c in cmds.items()}


def breakdown_text(acc, n, imports, wall):
    lines = ["", "### Where `course grade --jobs 1` spends its time", "",
             f"In-process timers around the grader's phases, one batch of {n} (this run's "
             f"`course grade --jobs 1` subprocess took {wall:.2f} s wall clock):", "",
             "| phase | total s | s / submission |", "|---|---:|---:|"]
    order = ["zygote launch (once per batch)", "read notebooks", "plan: build cases",
             "run: sandbox spawn + cells + cases + IPC", FIRST_SPAWN,
             "  of which spawn (fork from zygote)",
             "in sandbox: cells + cases (child's own clock)",
             "judge: compare in the trusted process", "grade_batch total", "write reports"]
    for k in order:
        if k in acc:
            lines.append(f"| {k} | {acc[k]:.3f} | {acc[k] / n:.4f} |")
    lines += ["", "Start-up (best of 5, wall clock of a fresh interpreter):", "",
              "| command | s |", "|---|---:|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in imports.items()]
    return "\n".join(lines) + "\n"


def cprofile_phases(submitted, names, top=12):
    """cProfile of the plan (trusted side) and of the sandbox's ``run_task`` run in this
    process (no sandbox), for one batch; prints the top functions of each."""
    import cProfile
    import io
    import pstats

    from autograder import grader, plain, runner
    from autograder.notebook import code_cells

    subs = grader.discover([submitted])
    checks = grader._questions_for(subs[0].nbgrader, names)
    grader._plan(checks, "warm-up", "x")  # lazy imports, public cases

    def show(pr, label, seconds, key):
        st = io.StringIO()
        pstats.Stats(pr, stream=st).sort_stats(key).print_stats(top)
        print(f"\n## {label}: {seconds:.4f} s per submission\n{st.getvalue()}")

    pr = cProfile.Profile()
    t0 = time.perf_counter()
    pr.enable()
    plans = [grader._plan(checks, s.student, s.nbgrader) for s in subs]
    pr.disable()
    show(pr, f"plan ({sum(len(c) for _, c in plans[0])} cases per submission)",
         (time.perf_counter() - t0) / len(subs), "cumulative")
    pr = cProfile.Profile()
    t0 = time.perf_counter()
    for sub, plan_ in zip(subs, plans, strict=True):
        task = {"cells": code_cells(sub.paths[0]), "skip_cells": [], "start": [0, 0],
                "mode": "definitions",
                "questions": [{"name": c.name, "cases": [
                    {"args": cs.args, "kwargs": cs.kwargs, "np_seed": cs.np_seed}
                    for cs in cases]} for c, cases in plan_]}
        pr.enable()
        runner.run_task(task, plain.dumps)
        pr.disable()
    show(pr, "run_task in process (what the sandbox runs; emit = plain.dumps)",
         (time.perf_counter() - t0) / len(subs), "tottime")


LOAD0 = os.getloadavg()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="submissions (default 20)")
    ap.add_argument("--rounds", type=int, default=1, help="repeat every engine (median)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="course grade runs per round (median; default 3)")
    ap.add_argument("--jobs", default="1,2", help="course grade --jobs values (default 1,2)")
    ap.add_argument("--write", help="also write the table into this markdown file, between "
                    "the BEGIN/END RESULTS markers (created if missing)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--cprofile", action="store_true", help="only build the batch and print "
                    "cProfile tables of course grade's plan and in-sandbox run")
    args = ap.parse_args(argv)
    from autograder.sandbox import choose_backend

    print(f"course grade's isolation here: {choose_backend('auto')}", file=sys.stderr)
    tmp = Path(tempfile.mkdtemp(prefix="bench_grading_"))
    log = tmp / "commands.log"
    try:
        funcs, pts = graded_functions()
        only = ",".join(funcs)
        subs = plan(args.n)
        course = tmp / "course"
        course.mkdir()
        release = setup_nbgrader(course, funcs, pts, log)
        write_submissions(release, course / "submitted", subs, funcs)
        write_submissions(release, tmp / "visible" / "submitted", subs, funcs, visible=True)
        add_students(course, subs, log)
        if args.cprofile:
            cprofile_phases(course / "submitted", list(funcs))
            return 0
        zip_path = setup_otter(tmp / "otter", funcs, pts, log)
        jobs_list = [int(j) for j in args.jobs.split(",")]
        rounds, extras, scores = [], [], None
        for i in range(args.rounds):
            print(f"round {i + 1}/{args.rounds} ...", file=sys.stderr, flush=True)
            t, s, e = one_round(tmp, course, zip_path, subs, log, jobs_list, only,
                                args.repeat)
            print("  " + ", ".join(f"{k} {v:.2f} s" for k, v in t.items()), file=sys.stderr)
            rounds.append(t)
            extras.append(e)
            scores = s
        visible = visible_layout(tmp, release, subs, funcs, log, only)
        acc, n = phase_breakdown(course / "submitted", list(funcs), [tmp])
        visible += breakdown_text(acc, n, imports_seconds(),
                                  statistics.median(r["course_j1"] for r in rounds)
                                  if "course_j1" in rounds[0] else float("nan"))
        text, ok = report(args, subs, rounds, scores, extras)
        text += visible
        print(text)
        if args.write:
            write_doc(Path(args.write), text)
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


BEGIN, END = "<!-- BEGIN RESULTS -->", "<!-- END RESULTS -->"


def write_doc(path, text):
    """Replace the text between the markers of ``path`` (or create a minimal doc)."""
    block = f"{BEGIN}\n{text}{END}"
    if path.exists() and BEGIN in path.read_text():
        old = path.read_text()
        head, _, rest = old.partition(BEGIN)
        _, _, tail = rest.partition(END)
        path.write_text(head + block + tail)
    else:
        path.write_text("# Grading benchmark\n\n" + block + "\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
