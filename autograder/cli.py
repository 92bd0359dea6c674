"""``course grade``: grade submissions out of process and write every report.

Steps, in order: find the submissions, grade them in sandboxes (in parallel with
``--jobs``), then write the JSON, the CSV gradebook, one HTML feedback page per
submission and the class summary, and print the grade table. The reports are
written even when some submissions could not be graded (each gets a row and a
reason); the exit status is 0 when every submission was graded, 1 when some ended
in an error, 2 for bad arguments, 130 after Ctrl-C (the reports then hold the
submissions finished so far).

Each submission is graded as the assignment read from it (its release stamp, its
nbgrader cells or the functions it defines: :mod:`autograder.identify`), so folders
may be named anything and may mix assignments. The sandbox backend is the first of
root namespaces, rootless user namespaces and containers that works here
(``--isolation``); the one used is printed under the table and kept in every report.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Register ``grade`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "grade",
        help="grade notebooks in sandboxes and write JSON, CSV, HTML feedback and a summary",
        description="Grade one notebook, a folder of notebooks (student id = file name) or "
        "nbgrader's submitted/<student>/<assignment>/ folder. Each submission runs in its "
        "own sandbox (no network, no other files, time and memory limits); results are "
        "compared with the reference engine in this process.",
    )
    p.add_argument("paths", nargs="+", help="notebook files or folders")
    p.add_argument("--assignment", help="grade every submission as this registered "
                   "assignment (default: the one each submission's stamp, nbgrader cells or "
                   "functions identify; a row notes any disagreement)")
    p.add_argument("--all-checks", action="store_true",
                   help="grade a submission that matches no assignment on the checks of the "
                   "graded functions it defines (default: an error row saying what it "
                   "defines)")
    p.add_argument("--course", help="the course folder whose solutions/ define the "
                   "assignments (default: the nearest folder with solutions/ above the "
                   "current one, else the bundled course)")
    p.add_argument("--out", default="grades", help="folder for the reports (default: grades)")
    p.add_argument("--json", dest="json_path", help="JSON results (default: OUT/grades.json)")
    p.add_argument("--csv", dest="csv_path", help="CSV gradebook (default: OUT/grades.csv)")
    p.add_argument("--jobs", "-j", type=int, default=1, help="submissions graded in parallel")
    p.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="grade here (default) or on a Dask distributed cluster: each worker "
                   "keeps its own warm sandbox zygote (needs --scheduler; docs/grading.md)")
    p.add_argument("--scheduler", help="with --executor dask: the scheduler's address "
                   "(tcp://host:8786), its scheduler file (.json), or local:N to start N "
                   "worker processes on this machine")
    p.add_argument("--only", help="comma-separated graded functions to check (default: all "
                   "of the assignment's)")
    p.add_argument("--mode", choices=["definitions", "all"], default="definitions",
                   help="run only imports, defs and constants of each cell (default), or "
                   "every statement")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds allowed per cell and per check case (default 10)")
    p.add_argument("--hidden-cases", choices=["student", "assignment"], default="student",
                   help="draw the hidden cases per student (default: a copied answer "
                        "fails) or per assignment (the same for all, as otter's tests)")
    p.add_argument("--isolation", choices=["auto", "root", "rootless", "container", "none"],
                   default="auto",
                   help="sandbox backend: auto (default) takes the first that works of root "
                   "namespaces, rootless user namespaces and a container; none runs "
                   "submissions WITHOUT protection (`course doctor` says which work here)")
    p.add_argument("--no-isolation", action="store_const", const="none", dest="isolation",
                   help="the same as --isolation none (unsafe)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
    p.set_defaults(func=run)
    return p


def _progress(total, quiet):
    """A tqdm bar with ETA on a terminal; nothing when quiet or not on a terminal."""
    if quiet or not sys.stderr.isatty():
        return None, lambda: None
    try:
        from tqdm import tqdm
    except ImportError:
        return None, lambda: None
    bar = tqdm(total=total, unit="sub", desc="grading", file=sys.stderr)

    def update(row):
        bar.set_postfix_str(row["student"][:20], refresh=False)
        bar.update(1)

    return update, bar.close


_UNSAFE = ("WARNING: graded WITHOUT isolation (--isolation none): every submission ran as "
           "you, with your files and the network")


def _writable(folder):
    """``None`` if reports can be written into ``folder``, else why not."""
    folder = Path(folder)
    probe = folder
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is a file; expected a folder for the reports"
    import os

    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable; choose another --out"
    return None


def run(args, stream=None):
    """Run ``course grade`` with parsed ``args``; returns the exit status."""
    from . import report
    from .grader import BatchInterrupted, GradeError, discover, grade_batch
    from .sandbox import Limits, SandboxError

    stream = stream or sys.stdout
    out = Path(args.out)
    if getattr(args, "course", None):
        from .assignments import choose_course

        why = choose_course(args.course)
        if why:
            print(f"course grade: {why}", file=sys.stderr)
            return 2
    try:
        subs = discover(args.paths, args.assignment)
    except GradeError as err:
        print(f"course grade: {err}", file=sys.stderr)
        return 2
    if not subs:
        print(f"course grade: no notebooks (.ipynb) found in {' '.join(args.paths)}; "
              "expected notebooks, a folder of them or nbgrader's submitted/ folder",
              file=sys.stderr)
        return 2
    for folder in (out, *(Path(x).parent for x in (args.json_path, args.csv_path) if x)):
        why = _writable(folder)
        if why:
            print(f"course grade: {why}", file=sys.stderr)
            return 2
    limits = Limits(cell_seconds=args.timeout, case_seconds=args.timeout)
    names = [n.strip() for n in args.only.split(",")] if args.only else None
    isolation = getattr(args, "isolation", "auto")
    if isolation == "none":
        print(_UNSAFE, file=sys.stderr)
    update, close = _progress(len(subs), args.quiet)
    hide = [Path(p).resolve() for p in args.paths] + [out.resolve()]
    for extra in (args.json_path, args.csv_path):
        if extra:
            hide.append(Path(extra).resolve().parent)
    backend = [isolation]
    t0 = time.perf_counter()
    interrupted = None
    grade = grade_batch
    if getattr(args, "executor", "local") == "dask":  # Dask only imported here
        from functools import partial

        from .distributed import grade_batch_dask

        grade = partial(grade_batch_dask, scheduler=args.scheduler)
    elif getattr(args, "scheduler", None):
        print("course grade: --scheduler is for --executor dask; expected --executor dask "
              "--scheduler ADDRESS, or neither", file=sys.stderr)
        close()
        return 2
    try:
        rows = grade(subs, jobs=args.jobs, limits=limits, isolation=isolation,
                     hide=hide, names=names, mode=args.mode, progress=update,
                     hidden=args.hidden_cases, on_backend=lambda b: backend.__setitem__(0, b),
                     all_checks=getattr(args, "all_checks", False))
    except BatchInterrupted as stop:
        rows, interrupted = stop.rows, stop
    except (GradeError, SandboxError) as err:
        print(f"course grade: {err}", file=sys.stderr)
        return 2
    finally:
        close()
    seconds = time.perf_counter() - t0
    meta = {"isolation": backend[0], "mode": args.mode, "hidden_cases": args.hidden_cases,
            "jobs": args.jobs, "seconds": round(seconds, 3), "limits": limits.__dict__}
    if getattr(args, "executor", "local") == "dask":
        meta["executor"] = f"dask {args.scheduler}"
    if interrupted:
        meta["interrupted"] = f"{len(rows)} of {interrupted.total} submissions graded"
    json_path = report.write_json(rows, args.json_path or out / "grades.json", meta)
    csv_path = report.write_csv(rows, args.csv_path or out / "grades.csv")
    pages = report.write_feedback(rows, out / "feedback")
    summary = report.summarize(rows) if rows else {"questions": [], "assignments": []}
    report.write_summary(summary, out)
    errors = [r for r in rows if r["status"] != "graded"]
    if interrupted:
        print(f"course grade: interrupted (Ctrl-C) after {len(rows)} of {interrupted.total} "
              f"submissions; their results are in {json_path} and {csv_path}",
              file=sys.stderr)
        return 130
    if not args.quiet:
        print(report.format_table(rows), file=stream)
        print(f"\n{len(rows)} submissions in {seconds:.2f} s ({seconds / len(rows):.3f} s "
              f"each, {args.jobs} job(s)): {len(rows) - len(errors)} graded, "
              f"{len(errors)} could not be graded", file=stream)
        print(f"isolation {backend[0]}", file=stream)
        if backend[0] == "none":
            print(_UNSAFE, file=stream)
        print(f"results   {json_path}\ngradebook {csv_path}\nfeedback  "
              f"{pages[0].parent.parent if pages else out}/<assignment>/<student>.html\n"
              f"summary   {out / 'summary.html'}", file=stream)
    return 1 if errors else 0
