"""Grading time per submission on each isolation backend, in one run, on the same batch.

``course grade`` grades the same batch (the bundled samples, copied for ``--students``
students) once per backend that works here, as a separate process each time, and the
table gives seconds per submission (the grader's own clock, from ``grades.json``, and
the wall clock of the whole command, start-up included) and the ratio to the first
backend measured. As root, the rootless backend runs as an unprivileged user
(``--user``; it needs the checkout and the Python installation to be traversable). The
scores of every backend must be identical, or the benchmark fails.

    .venv/bin/python benchmarks/bench_isolation.py --students 8 [--user instructor]
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "submitted"


def make_batch(folder, students):
    """``students`` copies of the samples in nbgrader's layout; returns the count."""
    names = sorted(d.name for d in SAMPLES.iterdir() if d.is_dir())
    n = 0
    for i in range(students):
        src = SAMPLES / names[i % len(names)]
        dest = folder / f"{names[i % len(names)]}{i:03d}"
        shutil.copytree(src, dest)
        n += sum(1 for _ in dest.glob("*/*.ipynb"))
    return n


def grade(batch, out, backend, jobs, user=None):
    """Run ``course grade`` with ``--isolation backend``; ``(wall seconds, grades doc)``."""
    argv = [sys.executable, "-m", "course", "grade", str(batch), "--out", str(out),
            "--isolation", backend, "--jobs", str(jobs), "-q"]
    if user:
        argv = ["su", user, "-c", f"cd {shlex.quote(str(ROOT))} && {shlex.join(argv)}"]
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{backend}: course grade failed ({proc.returncode}):\n{proc.stderr}")
    return wall, json.loads((out / "grades.json").read_text())


def unprivileged(name):
    for candidate in [name] if name else ["ci-instructor", "instructor", "nobody"]:
        try:
            pwd.getpwnam(candidate)
            return candidate
        except KeyError:
            continue
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=8, help="copies of the sample "
                    "students (default 8: about 40 submissions)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--user", help="unprivileged user for the rootless backend when run as "
                    "root (default: ci-instructor or instructor, if present)")
    args = ap.parse_args(argv)
    from autograder.sandbox import BACKENDS, backend_status

    status = {b["name"]: b for b in backend_status()}
    tmp = Path(tempfile.mkdtemp(prefix="bench_isolation_"))
    os.chmod(tmp, 0o755)
    try:
        batch = tmp / "submitted"
        n = make_batch(batch, args.students)
        for path in [batch, *batch.rglob("*")]:  # readable by the unprivileged user
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        plan = []
        for name in BACKENDS:
            if status[name]["ok"]:
                plan.append((name, None))
            elif name == "rootless" and os.geteuid() == 0 and unprivileged(args.user):
                plan.append((name, unprivileged(args.user)))
            else:
                print(f"skipped {name}: {status[name]['why']}", file=sys.stderr)
        rows, scores = [], None
        for name, user in plan:
            out = tmp / f"out-{name}"
            out.mkdir()
            if user:
                shutil.chown(out, user)
            wall, doc = grade(batch, out, name, args.jobs, user)
            got = {(r["student"], r["assignment"]): r["score"] for r in doc["submissions"]}
            if scores is not None and got != scores:
                diff = {k: (scores.get(k), v) for k, v in got.items() if scores.get(k) != v}
                raise SystemExit(f"{name} gives other scores than {plan[0][0]}: {diff}")
            scores = got
            assert doc["grader"]["isolation"] == name, doc["grader"]
            rows.append((name, user, doc["grader"]["seconds"] / n, wall / n))
        print(f"{n} submissions ({args.students} students x the samples' assignments), "
              f"--jobs {args.jobs}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}\n")
        print("| backend | run as | s / submission (grader) | s / submission (wall) | "
              f"vs {rows[0][0]} |")
        print("|---|---|---|---|---|")
        for name, user, per, wall in rows:
            print(f"| {name} | {user or pwd.getpwuid(os.geteuid()).pw_name} | {per:.3f} | "
                  f"{wall:.3f} | {per / rows[0][2]:.2f}x |")
        print("\nscores identical on every backend")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
