"""A large batch: does ``course grade`` keep a steady rate and flat memory?

The bundled samples are copied for as many students as it takes to reach ``--n``
submissions (nbgrader's layout, five assignments per student), and the batch is graded
by ``course grade`` itself (:func:`autograder.cli.run`, in this process: journal,
late policy, reports), whose progress hook records, for every finished row, the time
and the resident memory (RSS) of this process and of its sandbox processes (the zygote
and its children, or the worker processes and theirs with ``--jobs 2``, read from
``/proc``). The reports are written from the journal, as ``course grade`` writes them.
The table gives submissions per hour for each tenth of the batch (a steady rate
keeps them level), the peak RSS of the grader and of the whole process tree, and the
grader's RSS growth per 1,000 submissions over the second half of the batch (after
warm-up), which is what "flat memory" means here.

    .venv/bin/python benchmarks/bench_scale.py --n 2000 [--jobs 2] [--write FILE]

Needs a sandbox backend (root, rootless or container); not part of ``make test``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from bench_isolation import SAMPLES, make_batch  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss(pid):
    """Resident bytes of process ``pid`` (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _children():
    """``{pid: [child pids]}`` of every process on the machine (from ``/proc``)."""
    tree = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_rss(pid):
    """RSS of ``pid`` and all its descendants, in bytes."""
    tree, total, stack = _children(), 0, [pid]
    while stack:
        p = stack.pop()
        total += _rss(p)
        stack.extend(tree.get(p, ()))
    return total


def run(n, jobs, isolation):
    """``course grade`` (its ``run``, in this process) on ``n`` submissions; the time and
    RSS at every finished row come from its progress hook."""
    import argparse as _argparse

    from autograder import cli

    tmp = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    os.chmod(tmp, 0o755)
    per_student = sum(1 for _ in (SAMPLES / sorted(
        d.name for d in SAMPLES.iterdir() if d.is_dir())[0]).glob("*/*.ipynb"))
    batch = tmp / "submitted"
    batch.mkdir()
    made = make_batch(batch, -(-n // per_student))
    # exactly n submissions: drop the extra assignment folders of the last student
    from autograder.grader import discover

    for extra in discover([str(batch)])[n:]:
        for p in extra.paths:
            Path(p).unlink()
    samples = []  # (seconds since start, grader RSS, tree RSS) per row
    t0 = [None]
    me = os.getpid()

    def progress(total, quiet):
        def update(row):
            k = len(samples)
            # the whole tree every 25 rows (a walk of /proc), the grader's own RSS each row
            tree = tree_rss(me) if k % 25 == 0 else None
            samples.append((time.perf_counter() - t0[0], _rss(me), tree))
        return update, lambda: None

    cli._progress = progress
    parser = _argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli.add_parser(sub)
    out = tmp / "out"
    args = parser.parse_args(["grade", str(batch), "--out", str(out), "-q", "--jobs",
                              str(jobs), "--isolation", isolation])
    t0[0] = time.perf_counter()
    status = cli.run(args, stream=open(os.devnull, "w"))  # noqa: SIM115
    wall = time.perf_counter() - t0[0]
    if status not in (0, 1):
        raise SystemExit(f"course grade failed with status {status}")
    after = _rss(me)  # before this script reads grades.json back
    import json

    with (out / "grades.json").open() as fh:
        doc = json.load(fh)
    meta, rows = doc["grader"], doc["submissions"]
    seconds = samples[-1][0]
    errors = sum(r["status"] != "graded" for r in rows)
    return dict(n=len(rows), made=made, seconds=seconds, reports=wall - seconds,
                samples=samples, errors=errors, rss_after_reports=after,
                isolation=meta["isolation"])


def table(res, jobs):
    samples, n = res["samples"], res["n"]
    lines = [f"Date: {datetime.now().isoformat(timespec='seconds')}; machine: "
             f"{os.cpu_count()} cores, {platform.platform()}; isolation "
             f"{res['isolation']}; --jobs {jobs}; submissions: {n} "
             f"({res['errors']} not graded).", "",
             "| tenth of the batch | submissions | submissions / hour "
             "| grader RSS at its end (MB) |",
             "|---:|---:|---:|---:|"]
    prev_t, prev_k = 0.0, 0
    for tenth in range(1, 11):
        k = max(1, round(n * tenth / 10))
        t = samples[k - 1][0]
        rate = (k - prev_k) / (t - prev_t) * 3600 if t > prev_t else float("inf")
        lines.append(f"| {tenth} | {k - prev_k} | {rate:,.0f} | {samples[k - 1][1] / 2**20:.0f} |")
        prev_t, prev_k = t, k
    half = samples[n // 2:]
    growth = (half[-1][1] - half[0][1]) / max(1, len(half) - 1) * 1000 / 2**20
    peak_tree = max(s[2] for s in samples if s[2] is not None)
    peak = max(s[1] for s in samples)
    lines += ["",
              f"Overall: {n / res['seconds'] * 3600:,.0f} submissions per hour "
              f"({res['seconds']:.1f} s grading, {res['seconds'] / n * 1000:.1f} ms "
              f"each); reports written in {res['reports']:.1f} s.",
              f"Peak RSS: grader {peak / 2**20:.0f} MB, grader with its sandboxes "
              f"{peak_tree / 2**20:.0f} MB; grader after writing the reports "
              f"{res['rss_after_reports'] / 2**20:.0f} MB.",
              f"Grader RSS growth over the second half: {growth:.1f} MB per 1,000 "
              "submissions."]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="submissions (default 2000)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--isolation", default="auto")
    ap.add_argument("--write", help="append the results to this Markdown file")
    args = ap.parse_args(argv)
    res = run(args.n, args.jobs, args.isolation)
    text = table(res, args.jobs)
    print(text)
    if args.write:
        with open(args.write, "a", encoding="utf-8") as fh:
            fh.write("\n" + text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
