"""What ``course grade --executor dask`` costs over ``--jobs 2`` on one machine.

The bundled samples are copied for ``--n`` submissions (nbgrader's layout, five
assignments per student, as :mod:`bench_scale` does) and the same batch is graded, in
one run, four ways:

1. ``course grade --jobs 2`` as a subprocess (wall clock, start-up and reports included);
2. ``course grade --executor dask --scheduler local:2`` as a subprocess (the same, plus
   starting a LocalCluster of two worker processes and their zygotes);
3. in this process, :func:`autograder.grader.grade_batch` with ``jobs=2``;
4. in this process, :func:`autograder.distributed.grade_batch_dask` on a LocalCluster of
   two one-thread worker processes started beforehand (the steady cost per submission:
   sending the notebooks, the task round trips, the rows coming back).

Scores must agree; it prints a Markdown table of seconds per submission and the
overhead of the Dask path per submission.

    .venv/bin/python benchmarks/bench_dask.py [--n 40] [--rounds 3] [--write FILE]

Needs a sandbox backend (root, rootless or container) and ``distributed``; not part of
``make test`` (``make bench-dask``).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from bench_isolation import make_batch  # noqa: E402


def cli(batch, out, *extra):
    """Wall seconds of one ``course grade`` subprocess."""
    argv = [sys.executable, "-m", "course", "grade", str(batch), "--out", str(out), "-q",
            "--fresh", *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"course grade {' '.join(extra)} failed ({proc.returncode}):\n"
                         f"{proc.stderr}")
    return wall


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="submissions (default 40)")
    ap.add_argument("--rounds", type=int, default=3, help="median of this many rounds")
    ap.add_argument("--isolation", default="auto")
    ap.add_argument("--write", help="append the results to this Markdown file")
    args = ap.parse_args(argv)

    import distributed

    from autograder.distributed import grade_batch_dask
    from autograder.grader import discover, grade_batch

    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "submitted"
        batch.mkdir()
        n = make_batch(batch, -(-args.n // 5))
        subs = discover([batch])
        times = {k: [] for k in ("cli_jobs2", "cli_dask", "jobs2", "dask")}
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None,
                                      silence_logs=logging.ERROR) as cluster:
            address = cluster.scheduler_address
            for r in range(args.rounds):
                times["cli_jobs2"].append(cli(batch, Path(tmp) / f"a{r}", "--jobs", "2",
                                              "--isolation", args.isolation))
                times["cli_dask"].append(cli(batch, Path(tmp) / f"b{r}", "--executor",
                                             "dask", "--scheduler", "local:2",
                                             "--isolation", args.isolation))
                t0 = time.perf_counter()
                local = grade_batch(subs, jobs=2, isolation=args.isolation)
                times["jobs2"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                remote = grade_batch_dask(subs, address, isolation=args.isolation)
                times["dask"].append(time.perf_counter() - t0)
                same = [x["score"] for x in local] == [x["score"] for x in remote]
                if not same:
                    raise SystemExit("the Dask path's scores differ from the local run's")
    med = {k: statistics.median(v) for k, v in times.items()}
    per = {k: v / n for k, v in med.items()}
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        f"### Dask LocalCluster vs --jobs 2 ({when}, {os.cpu_count()} cores, "
        f"{platform.python_version()}, {n} submissions, median of {args.rounds})",
        "",
        "| path | s total | s per submission |",
        "|---|---:|---:|",
        f"| `course grade --jobs 2` (subprocess) | {med['cli_jobs2']:.2f} | "
        f"{per['cli_jobs2']:.3f} |",
        f"| `course grade --executor dask --scheduler local:2` (subprocess) | "
        f"{med['cli_dask']:.2f} | {per['cli_dask']:.3f} |",
        f"| `grade_batch(jobs=2)` (in process) | {med['jobs2']:.2f} | {per['jobs2']:.3f} |",
        f"| `grade_batch_dask` on a running LocalCluster of 2 (in process) | "
        f"{med['dask']:.2f} | {per['dask']:.3f} |",
        "",
        f"Overhead of the Dask path: {per['dask'] - per['jobs2']:+.3f} s per submission "
        f"on a running cluster ({med['dask'] / med['jobs2']:.2f}x); "
        f"{med['cli_dask'] - med['cli_jobs2']:+.2f} s per batch from the command line "
        "(cluster start-up included). Scores identical.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        with open(args.write, "a") as fh:
            fh.write("\n" + text + "\n")


if __name__ == "__main__":
    main()
