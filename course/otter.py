"""``course otter ASSIGNMENT``: an otter-grader autograder (for Gradescope) built from the
same checks as ``course grade``, ``coursekit.grader`` and nbgrader's test cells.

What it writes under ``--out`` (default ``out/otter/<assignment>``), never in the repo:

* ``tests/<name>.py``: one OK-format test per graded function of the assignment
  (:func:`autograder.assignments.questions`: its check and points), one otter test
  case per check case:
  the public cases (seed :data:`~autograder.checks.PUBLIC_SEED`, shown to students) and
  the hidden ones (a seed fixed per assignment, hidden from students by otter), each
  split into one part per score level of the case. Each doctest calls :func:`case`
  below, which runs that case of the check once and raises ``AssertionError`` with the
  check's feedback unless the case reaches the part's level. otter scores each part all
  or nothing, and the parts of a case add up to its score in ``course grade``, partial
  credit included (a case with ``dW`` wrong and ``db`` right keeps ``db``'s share in
  both engines).
* ``backprop_course-<version>-py3-none-any.whl``: this package, built from a temporary
  copy of the source; ``requirements.txt`` installs it (and its dependencies) into the
  Gradescope environment from ``/autograder/source/files/``.
* ``otter_config.json``: the assignment's name, ``lang: python``.
* ``autograder.zip``: ``otter generate`` run on the above (the file to upload to
  Gradescope). ``otter run -a autograder.zip submission.ipynb`` grades one submission
  locally in the current environment.

See docs/otter.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Where Gradescope unpacks the autograder (otter's default ``autograder_dir``).
GRADESCOPE_DIR = "/autograder"

__all__ = ["OtterError", "build", "case", "hidden_seed_for", "test_spec"]


class OtterError(RuntimeError):
    """A build step failed (unknown assignment, ``otter generate`` failed, ...)."""


def hidden_seed_for(assignment: str) -> int:
    """The seed of the hidden cases in the otter tests of ``assignment``: one per
    assignment (otter's tests are files, and ``otter run`` does not know the student),
    the seed of ``course grade --hidden-cases assignment``."""
    from autograder.engines import hidden_cases_seed

    return hidden_cases_seed(None, assignment, "assignment")


_CASES: dict = {}
_RESULTS: dict = {}


#: The instructor-written checks an autograder carries (see :func:`build`); otter copies
#: them next to the submission, where the tests run.
CHECKS_PREFIX = "course_checks_"


def _check(name):
    """The check ``name``: built in, or an instructor's, from the ``course_checks_*.py``
    files beside the submission (in the autograder) or from the course in use."""
    from autograder.checks import CHECKS

    if name not in CHECKS:
        from autograder.authoring import load_checks

        for path in sorted(Path.cwd().glob(f"{CHECKS_PREFIX}*.py")):
            load_checks(path)
    if name not in CHECKS:
        from autograder.engines import check_named

        return check_named(name)
    return CHECKS[name]


def _cases(name, seed, hidden):
    key = (name, int(seed), bool(hidden))
    if key not in _CASES:
        _CASES[key] = _check(name).cases(int(seed), hidden=bool(hidden))
    return _CASES[key]


def case(name: str, func, index: int, seed: int | None = None, hidden: bool = False,
         part: tuple = ("at_least", 1.0)):
    """Run case ``index`` of the check ``name`` on ``func`` (once per function: the parts
    of a case share the result); raise ``AssertionError`` unless the case's score passes
    ``part`` (:func:`autograder.engines.case_parts`). The first part that fails carries
    the check's feedback. Called by the otter tests' doctests."""
    from autograder.checks import PUBLIC_SEED, run_case
    from autograder.engines import case_parts, part_passes

    seed = PUBLIC_SEED if seed is None else seed
    c = _cases(name, seed, hidden)[index]
    key = (name, int(seed), bool(hidden), int(index))
    cached = _RESULTS.get(key)
    if cached is None or cached[0] is not func:
        cached = _RESULTS[key] = (func, _check(name).judge(c, run_case(func, c)))
    result = cached[1]
    share = result.score / result.max_score if result.max_score else 0.0
    kind, value = part
    if part_passes(kind, value, share):
        return
    head = f"{name}, case {result.label}: {result.score:g} / {result.max_score:g}"
    first = next(p[:2] for p in case_parts(_check(name), c) if not part_passes(*p[:2], share))
    if tuple(first) != (kind, value):
        raise AssertionError(f"{head} (the feedback is on this case's first failing part)")
    raise AssertionError("\n".join([head] + [f"  - {f}" for f in result.feedback]))


def _part_label(kind, value, n_parts):
    if n_parts == 1:
        return ""
    if kind == "at_least":
        return f" [at least {value:.0%}]"
    return " [all of it]" if kind == "all" else f" [part {value}]"


def test_spec(name: str, assignment: str, check: str | None = None,
              points: float | None = None) -> dict:
    """The OK-format test of the graded function ``name`` (a dict for ``test = ...``),
    graded by the check ``check`` (default: the check of the same name) out of
    ``points`` (default: the check's).

    One otter test case per part of each check case (:func:`autograder.engines.case_parts`:
    one per score level, "at least t of this case", or the binary digits of the score
    for a case with many levels), worth the part's weight times the case's share of the
    question. The parts that pass add up to the case's score in ``course grade``,
    partial credit included."""
    from autograder.checks import PUBLIC_SEED
    from autograder.engines import case_parts

    check = check or name
    spec = _check(check)
    total_points = float(spec.points if points is None else points)
    seed = hidden_seed_for(assignment)
    groups = [(False, PUBLIC_SEED, _cases(check, PUBLIC_SEED, False)),
              (True, seed, _cases(check, seed, True))]
    total = sum(float(c.points) for _, _, cases in groups for c in cases)
    entries, weights = [], []
    for hidden, s, cases in groups:
        for i, c in enumerate(cases):
            share = total_points * float(c.points) / total
            parts = case_parts(spec, c)
            for kind, value, weight in parts:
                where = f", seed={s}, hidden=True" if hidden else ""
                bound = "" if (kind, value) == ("at_least", 1.0) else f", part={(kind, value)!r}"
                call = f"case({check!r}, {name}, {i}{where}{bound})"
                entries.append({
                    "name": (f"{name} {'hidden' if hidden else 'public'} {c.label}"
                             f"{_part_label(kind, value, len(parts))}"),
                    "code": f">>> from course.otter import case\n>>> {call}\n",
                    "hidden": hidden, "locked": False})
                weights.append(share * weight)
    weights[-1] = total_points - sum(weights[:-1])  # the total is exact
    return {"name": name, "points": weights,
            "suites": [{"cases": entries, "scored": True, "setup": "", "teardown": "",
                        "type": "doctest"}]}


def _wheel(out: Path) -> Path:
    """Build this package's wheel from a temporary copy of its source (so that no
    ``build/`` folder lands in the repo); return its path in ``out``."""
    from .kit import build_wheel

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for f in ("pyproject.toml", "README.md"):
            shutil.copy(ROOT / f, src / f)
        for pkg in ("course", "autograder", "coursekit"):
            shutil.copytree(ROOT / pkg, src / pkg,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        return build_wheel(src, out, OtterError)  # shared with `course kit`


def _otter_cmd():
    script = Path(sys.executable).parent / "otter"
    return [str(script)] if script.exists() else [sys.executable, "-m", "otter"]


def build(assignment: str, out: str | Path | None = None, wheel: bool = True) -> Path:
    """Write the tests, config and requirements for ``assignment`` under ``out`` and
    zip them with ``otter generate``; return the path of ``autograder.zip``.

    ``wheel=False`` skips building the package's wheel (enough for ``otter run``, which
    uses the current environment; not for Gradescope)."""
    from autograder.assignments import AssignmentError, questions

    try:
        graded = questions(assignment)
    except (KeyError, AssignmentError) as err:
        raise OtterError(err.args[0]) from None
    out = Path(out) if out is not None else ROOT / "out" / "otter" / assignment
    out = out.resolve()
    if out == ROOT or ROOT in out.parents and out.parts[len(ROOT.parts)] != "out":
        raise OtterError(f"{out} is inside the repository; use a folder under out/ or "
                         "outside it")
    tests = out / "tests"
    if tests.exists():
        shutil.rmtree(tests)
    tests.mkdir(parents=True)
    for old in out.glob("backprop_course-*.whl"):
        old.unlink()
    for q in graded:
        spec = test_spec(q.function, assignment, check=q.check, points=q.points)
        (tests / f"{q.function}.py").write_text(f"OK_FORMAT = True\n\ntest = {spec!r}\n")
    (out / "otter_config.json").write_text(json.dumps(
        {"name": assignment, "lang": "python"}, indent=2) + "\n")
    from autograder.authoring import AUTHORED

    extra = []
    for old in out.glob(f"{CHECKS_PREFIX}*.py"):
        old.unlink()
    for src in sorted({AUTHORED[q.check].source for q in graded if q.check in AUTHORED}):
        dest = out / f"{CHECKS_PREFIX}{Path(src).parent.name}.py"
        shutil.copy(src, dest)  # the instructor's checks travel with the autograder
        extra.append(dest.name)
    cmd = [*_otter_cmd(), "generate", "-t", "tests", "-o", "autograder.zip",
           "-c", "otter_config.json", "--no-environment"]
    if wheel:
        whl = _wheel(out)
        (out / "requirements.txt").write_text(
            f"# this course's package: the checks and the reference (course.nn)\n"
            f"{GRADESCOPE_DIR}/source/files/{whl.name}\n")
        cmd += ["-r", "requirements.txt", whl.name]
    else:
        (out / "requirements.txt").unlink(missing_ok=True)
        cmd += ["--no-requirements"]
    cmd += extra
    zip_path = out / "autograder.zip"
    zip_path.unlink(missing_ok=True)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}"
               f"{os.environ.get('PATH', '')}")
    p = subprocess.run(cmd, cwd=out, capture_output=True, text=True, env=env)
    if p.returncode != 0 or not zip_path.exists():
        raise OtterError(f"{' '.join(cmd)} exited {p.returncode}:\n"
                         f"{(p.stdout + p.stderr)[-3000:]}")
    return zip_path
