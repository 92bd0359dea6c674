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
    p.add_argument("--config", help="the course config with deadlines, late policy, "
                   "extensions and overrides (default: COURSE/course.toml if there; "
                   "docs/course-config.md)")
    p.add_argument("--no-late", action="store_true", help="ignore the deadlines: no late "
                   "penalty (a rehearsal, a look at work before it is due); overrides "
                   "still apply")
    p.add_argument("--fresh", action="store_true", help="grade every submission again, "
                   "ignoring the rows an earlier run of this --out journalled (by default "
                   "a submission already graded with the same files, checks and options "
                   "is not graded again)")
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


def _load_policy(args):
    """The course config and its overrides, or the one-line reason they cannot be read."""
    from .config import ConfigError, load_config
    from .policy import OverrideError, load_overrides

    try:
        config = load_config(getattr(args, "config", None))
        overrides = load_overrides(config.overrides) if config.overrides else []
    except (ConfigError, OverrideError) as err:
        return None, None, str(err)
    if getattr(args, "no_late", False):
        from .config import CourseConfig

        config = CourseConfig(overrides=config.overrides,
                              missing_timestamp=config.missing_timestamp)
    return config, overrides, None


def run(args, stream=None):
    """Run ``course grade`` with parsed ``args``; returns the exit status.

    Steps, in order (each needs the one before):

    1. choose the course, find the submissions, check the output folders;
    2. read the course config and the overrides (before any grading: a bad file stops
       the run at once);
    3. look each submission up in the journal (:mod:`autograder.journal`): rows graded
       before with the same files, checks and options are reused;
    4. grade the rest, journalling each row as it finishes;
    5. apply the late policy and the overrides to every row (:mod:`autograder.policy`);
    6. write the reports; after a complete run, the changes against the previous run
       and a copy in ``OUT/history/`` (:mod:`autograder.regrade`).
    """
    from . import regrade, report
    from .grader import BatchInterrupted, GradeError, discover, grade_batch, row_key
    from .journal import Journal, checks_fingerprint, submission_hash
    from .policy import apply_policy, submission_time
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
    config, overrides, why = _load_policy(args)
    if why:
        print(f"course grade: {why}", file=sys.stderr)
        return 2
    limits = Limits(cell_seconds=args.timeout, case_seconds=args.timeout)
    names = [n.strip() for n in args.only.split(",")] if args.only else None
    isolation = getattr(args, "isolation", "auto")
    if isolation == "none":
        print(_UNSAFE, file=sys.stderr)
    grade = grade_batch
    if getattr(args, "executor", "local") == "dask":  # Dask only imported here
        from functools import partial

        from .distributed import grade_batch_dask

        grade = partial(grade_batch_dask, scheduler=args.scheduler)
    elif getattr(args, "scheduler", None):
        print("course grade: --scheduler is for --executor dask; expected --executor dask "
              "--scheduler ADDRESS, or neither", file=sys.stderr)
        return 2

    # 3. the journal: what an earlier run already graded. Only compact rows stay in
    # memory (report.compact); the full rows are read back from the journal when the
    # reports are written, so memory stays flat however long the batch.
    try:
        fingerprint = checks_fingerprint()
    except Exception as err:  # noqa: BLE001 - a course whose checks cannot be read
        print(f"course grade: {err}", file=sys.stderr)
        return 2
    options = {"mode": args.mode, "hidden": args.hidden_cases, "only": names,
               "assignment": args.assignment, "all_checks": getattr(args, "all_checks", False),
               "limits": limits.__dict__}
    journal = Journal(out, options, fingerprint, fresh=getattr(args, "fresh", False))
    digests = [submission_hash(s) for s in subs]
    keys = [journal.key(s, d) for s, d in zip(subs, digests, strict=True)]
    done = set()
    backend = [isolation]
    for i, k in enumerate(keys):
        row = journal.reuse(k)
        if row is not None:
            done.add(i)
            if backend[0] == isolation and row.get("isolation"):
                backend[0] = row["isolation"]
    todo = [i for i in range(len(subs)) if i not in done]
    index = {row_key(subs[i].student, subs[i].paths): i for i in todo}

    # 4. grade the rest, journalling each row as it finishes
    update, close = _progress(len(todo), args.quiet)
    graded = [0]

    def finished(row):
        i = index.get(row_key(row["student"], row.get("files")))
        if i is not None:
            journal.record(keys[i], row, backend[0])
            done.add(i)
            graded[0] += 1
        if update is not None:
            update(row)

    hide = [Path(p).resolve() for p in args.paths] + [out.resolve()]
    for extra in (args.json_path, args.csv_path):
        if extra:
            hide.append(Path(extra).resolve().parent)
    t0 = time.perf_counter()
    interrupted = False
    try:
        if todo:
            grade([subs[i] for i in todo], jobs=args.jobs, limits=limits,
                  isolation=isolation, hide=hide, names=names, mode=args.mode,
                  progress=finished, hidden=args.hidden_cases,
                  on_backend=lambda b: backend.__setitem__(0, b),
                  all_checks=getattr(args, "all_checks", False), keep=False)
    except BatchInterrupted:
        interrupted = True
    except (GradeError, SandboxError) as err:
        print(f"course grade: {err}", file=sys.stderr)
        return 2
    finally:
        close()
    seconds = time.perf_counter() - t0
    n_graded = graded[0]

    # 5. late policy and overrides, on each row read back (the journal keeps the
    # grader's rows), as the reports are written
    order = sorted(done)
    total = len(subs)
    meta = {"isolation": backend[0], "mode": args.mode, "hidden_cases": args.hidden_cases,
            "jobs": args.jobs, "seconds": round(seconds, 3), "limits": limits.__dict__,
            "graded": n_graded, "reused": len(order) - n_graded,
            "checks": fingerprint, "config": str(config.path) if config.path else None,
            "overrides": str(config.overrides) if config.overrides else None}
    if getattr(args, "executor", "local") == "dask":
        meta["executor"] = f"dask {args.scheduler}"
    if interrupted:
        meta["interrupted"] = f"{len(order)} of {total} submissions graded"

    def final_rows():
        for i in order:
            row = journal.row(keys[i])
            if not row.get("isolation"):
                row["isolation"] = backend[0]
            row["graded_with"] = {"submission": digests[i], "checks": fingerprint}
            yield apply_policy(row, config, overrides,
                               submission_time(subs[i].paths, config.missing_timestamp))

    # 6. reports (one pass over the rows: JSON, feedback, then the CSV from the compact
    # rows); after a complete run, the regrade diff and the history copy
    rows = []  # compact

    def streamed():
        for row in final_rows():
            rows.append(report.compact(row))
            report.write_feedback([row], out / "feedback")
            yield row

    json_path = report.write_json(streamed(), args.json_path or out / "grades.json", meta)
    journal.close(complete=not interrupted)
    csv_path = report.write_csv(rows, args.csv_path or out / "grades.csv")
    summary = report.summarize(rows) if rows else {"questions": [], "assignments": []}
    report.write_summary(summary, out)
    errors = [r for r in rows if r["status"] != "graded"]
    if journal.failed:
        print(f"course grade: warning: the journal could not be written ({journal.failed}); "
              "an interrupted run will grade everything again", file=sys.stderr)
    if interrupted:
        print(f"course grade: interrupted (Ctrl-C) after {len(rows)} of {total} "
              f"submissions; their results are in {json_path} and {csv_path}; run the same "
              "command again to grade only the rest", file=sys.stderr)
        return 130
    previous = regrade.previous_run(out)
    changes = None
    if previous is not None:
        changes = regrade.diff(previous[0], rows)
        regrade.write_changes(changes, out, against=str(previous[2]))
    kept = regrade.archive(out, [json_path, csv_path,
                                 out / "changes.csv" if changes is not None else None],
                           rows, meta)
    if not args.quiet:
        print(report.format_table(rows), file=stream)
        each = f", {seconds / n_graded:.3f} s each" if n_graded else ""
        reused = (f"; {total - len(todo)} reused from an earlier run (same files, checks "
                  "and options; --fresh grades them again)" if len(todo) < total else "")
        print(f"\n{len(rows)} submissions: {len(rows) - len(errors)} graded, {len(errors)} "
              f"could not be graded; {n_graded} run now in {seconds:.2f} s{each} "
              f"({args.jobs} job(s)){reused}", file=stream)
        late = [r for r in rows if r.get("penalty")]
        if late or overrides:
            print(f"late policy: {len(late)} submission(s) penalised"
                  + (f"; {len(overrides)} override(s) from {config.overrides}"
                     if overrides else ""), file=stream)
        print(f"isolation {backend[0]}", file=stream)
        if backend[0] == "none":
            print(_UNSAFE, file=stream)
        print(f"results   {json_path}\ngradebook {csv_path}\nfeedback  "
              f"{out / 'feedback'}/<assignment>/<student>.html\n"
              f"summary   {out / 'summary.html'}", file=stream)
        if changes is not None:
            moved = sum(c["question"] == regrade.FINAL for c in changes)
            print(f"changes   {out / 'changes.csv'} ({moved} final score(s) changed since "
                  f"{previous[2].name})", file=stream)
        print(f"history   {kept}", file=stream)
    return 1 if errors else 0
