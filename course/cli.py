"""The ``course`` command line.

Each subcommand imports its module only when it runs, so that ``course --help`` stays
instant and the grading path stays lean.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _demo(args):
    from .demo import run

    return run(out=args.out, epochs=args.epochs, seed=args.seed)


def _int_at_least(minimum, what):
    """An argparse type: an integer ``>= minimum``, with an error that says so."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value

    return parse


_positive_int = _int_at_least(1, "a positive integer")
_seed = _int_at_least(0, "an integer >= 0")


def _release(args):
    from .release import ReleaseError, build, check_in_sync, unproven

    try:
        if args.check:
            problems = check_in_sync(args.solutions, args.out)
            for p in problems:
                print(p, file=sys.stderr)
            if not problems:
                print(f"{args.out}/ is up to date with {args.solutions}/ and leaks nothing")
            return 1 if problems else 0
        written = build(args.solutions, args.out)
        warnings = unproven(args.solutions)
    except ReleaseError as err:
        print(f"course release: {err}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    for w in warnings:
        print(f"course release: warning: {w}", file=sys.stderr)
    return 0


def _collect(args):
    from autograder.assignments import choose_course
    from autograder.collect import CollectError, collect

    why = choose_course(args.course) if args.course else None
    if why:
        print(f"course collect: {why}", file=sys.stderr)
        return 2
    from autograder.assignments import course_root
    from autograder.roster import RosterError, default_roster, lms_ids, read_roster

    roster = args.roster or default_roster(course_root())
    try:
        ids = lms_ids(read_roster(roster)) if args.roster or Path(roster).is_file() else None
    except RosterError as err:
        print(f"course collect: {err}", file=sys.stderr)
        return 2
    try:
        handins = collect(args.inputs, args.out, args.pattern, lms_ids=ids)
    except CollectError as err:
        print(f"course collect: {err}", file=sys.stderr)
        return 2
    placed = [h for h in handins if h.problem is None]
    for h in placed:
        print(f"{h.student}/{h.assignment}/{h.name}  ({h.identified_by}; student from "
              f"{h.student_from}; time from {h.time_from})"
              + "".join(f"; {n}" for n in h.notes))
    superseded = [h for h in handins if h.problem and h.problem.startswith(
        ("superseded", "older than"))]
    unsorted = [h for h in handins if h.problem and h not in superseded]
    for h in superseded:
        print(f"skipped {h.source}: {h.problem}")
    for h in unsorted:
        print(f"course collect: {h.source}: {h.problem} (kept in {args.out}/.unsorted/)",
              file=sys.stderr)
    print(f"{len(placed)} notebooks collected into {args.out}/, {len(superseded)} older "
          f"hand-ins skipped, {len(unsorted)} not placed")
    return 1 if unsorted else 0


def _check_checks(args):
    from autograder.assignments import AssignmentError, registry, use_course
    from autograder.authoring import AUTHORED, gaps, prove

    if args.course:
        use_course(args.course)
    try:
        registry()
    except AssignmentError as err:
        print(f"course check-checks: {err}", file=sys.stderr)
        return 2
    names = args.names or sorted(AUTHORED)
    unknown = [n for n in names if n not in AUTHORED]
    if unknown:
        print(f"course check-checks: not an instructor's check: {', '.join(unknown)}; "
              f"defined: {', '.join(sorted(AUTHORED)) or 'none'}", file=sys.stderr)
        return 2
    if not names:
        print("no instructor-written checks in this course (solutions/*/checks.py)")
        return 0
    bad = 0
    for name in names:
        results = prove(name)
        print(f"{name} ({AUTHORED[name].source}):")
        for r in results:
            bad += not r["ok"]
            mark = "ok  " if r["ok"] else "FAIL"
            print(f"  {mark} {r['kind']:<9} {r['id']:<24} {r['score']:g} / {r['max_score']:g}"
                  + (f"  {r['problem']}" if r["problem"] else ""))
        for gap in gaps(name):
            print(f"  warn {gap}")
    print(f"{len(names)} checks, {bad} problem(s)")
    return 1 if bad else 0


def _new(args):
    from .new import NewError, new_assignment

    if args.list:
        from autograder.checks import CHECKS

        for name, c in CHECKS.items():
            print(f"{name}({', '.join(c.params)}) -> {c.returns}   {c.points:g} points")
        return 0
    if not args.assignment:
        print("course new: give the assignment's name and its questions, e.g. "
              "`course new week3 linear_forward relu_backward:2`", file=sys.stderr)
        return 2
    course = args.course
    if course is None:
        from autograder.assignments import PACKAGE_COURSE, course_root

        root = course_root()
        course = root if root != PACKAGE_COURSE or (Path.cwd() / "solutions").is_dir() \
            else Path.cwd()
    try:
        path = new_assignment(args.assignment, args.questions, course, force=args.force)
    except NewError as err:
        print(f"course new: {err}", file=sys.stderr)
        return 2
    print(f"wrote {path}\nnext: write the tasks and solutions, then `course release`")
    return 0


def _otter(args):
    from .otter import OtterError, build

    try:
        zip_path = build(args.assignment, args.out, wheel=not args.no_wheel)
    except OtterError as err:
        print(f"course otter: {err}", file=sys.stderr)
        return 1
    print(f"wrote {zip_path} (upload it to Gradescope; grade one notebook locally with "
          f"`otter run -a {zip_path} NOTEBOOK`)")
    return 0


def _kit(args):
    from .kit import main

    return main(args.out)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="course",
        description="A Jupyter course that teaches backpropagation through auto-graded exercises.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    demo = sub.add_parser(
        "demo",
        help="train a network on the 8x8 digits, gradient-check it and save the plots",
        description=(
            "Train a network with the reference engine on the bundled 8x8 handwritten "
            "digits, print its accuracy and gradient-check figures, and save the plots."
        ),
    )
    demo.add_argument("--out", default="out", help="folder for the plots (default: out)")
    demo.add_argument("--epochs", type=_positive_int, default=60,
                      help="training epochs (default: 60)")
    demo.add_argument("--seed", type=_seed, default=0, help="random seed (default: 0)")
    demo.set_defaults(func=_demo)

    release = sub.add_parser(
        "release",
        help="build the student notebooks (assignments/) from solutions/ and check for leaks",
        description="Strip solutions, hidden tests and outputs from every "
        "solutions/<assignment>/*.ipynb with nbgrader's preprocessors, write "
        "assignments/<assignment>/, and fail if a solution line, a marker, a hidden test or "
        "a reference function body reaches the student side.",
    )
    release.add_argument("--solutions", default="solutions", help="default: solutions")
    release.add_argument("--out", default="assignments", help="default: assignments")
    release.add_argument("--check", action="store_true",
                         help="write nothing; fail if OUT is not what the release would be")
    release.set_defaults(func=_release)

    otter = sub.add_parser(
        "otter",
        help="build an otter-grader autograder (Gradescope) for one assignment",
        description="Write OK-format otter tests that call the same checks as `course "
        "grade` (each check case split into otter test cases that add up to its partial "
        "credit), the "
        "package's wheel and requirements.txt, otter_config.json, and autograder.zip "
        "via `otter generate`.",
    )
    otter.add_argument("assignment", help="a folder of solutions/, e.g. 03_one_layer_at_a_time")
    otter.add_argument("--out", default=None,
                       help="output folder (default: out/otter/ASSIGNMENT)")
    otter.add_argument("--no-wheel", action="store_true",
                       help="do not bundle the package (enough for local `otter run`)")
    otter.set_defaults(func=_otter)

    kit = sub.add_parser(
        "kit",
        help="build the student distribution backprop-coursekit (a wheel of coursekit only)",
        description="Build backprop_coursekit-<version>-py3-none-any.whl: the package "
        "coursekit with the public checks frozen as plain data, the datasets, the figures "
        "and Value; no reference implementation and no case-building code. Students (or a "
        "JupyterHub image) install it with pip.",
    )
    kit.add_argument("--out", default=None, help="output folder (default: out/kit)")
    kit.set_defaults(func=_kit)

    new = sub.add_parser(
        "new", help="scaffold solutions/ASSIGNMENT/ASSIGNMENT.ipynb for new questions",
        description="Write a solution notebook in the course's format: per question a "
        "graded cell, a check cell and a hidden-test cell with its points. The folder is "
        "the assignment: course release, course grade, nbgrader and otter find it with no "
        "other step. QUESTION is FUNCTION[=CHECK][:POINTS], e.g. linear_forward or "
        "my_relu_grad=relu_backward:2.")
    new.add_argument("assignment", nargs="?", help="the new assignment's folder name")
    new.add_argument("questions", nargs="*", metavar="QUESTION",
                     help="FUNCTION[=CHECK][:POINTS]")
    new.add_argument("--course", default=None,
                     help="the course folder (default: the nearest with solutions/, else "
                     "the current folder)")
    new.add_argument("--force", action="store_true", help="overwrite an existing notebook")
    new.add_argument("--list", action="store_true", help="list the built-in checks")
    new.set_defaults(func=_new)

    cc = sub.add_parser(
        "check-checks", help="prove the instructor-written checks with their mistakes and "
        "correct variants",
        description="For every check of solutions/*/checks.py (or those named): the "
        "reference and every correct variant must get full marks, every mistake must lose "
        "points and be named in the feedback, on the public cases and hidden cases of "
        "three seeds. Exit 1 if any does not.")
    cc.add_argument("names", nargs="*", help="checks to prove (default: all of the course's)")
    cc.add_argument("--course", default=None, help="the course folder (default: the nearest "
                    "with solutions/)")
    cc.set_defaults(func=_check_checks)

    col = sub.add_parser(
        "collect", help="sort handed-in notebooks (LMS downloads, zips, folders) into "
        "nbgrader's submitted/<student>/<assignment>/",
        description="Read notebooks, zips of them (a Canvas bulk download, grader.submit()'s "
        "hand-in zips) and folders; find each one's student (--pattern, the zip's manifest, "
        "Canvas's file name, its folder, its name) and its assignment (from the notebook "
        "itself), keep the newest per student and assignment, and write OUT/<student>/"
        "<assignment>/ with nbgrader's timestamp.txt. What cannot be placed goes to "
        "OUT/.unsorted/ with the reason.")
    col.add_argument("inputs", nargs="+", help="notebooks, zips or folders")
    col.add_argument("--out", default="submitted", help="the submitted/ folder to write "
                     "(default: submitted)")
    col.add_argument("--pattern", default=None, help="a regular expression with a group "
                     "named student, searched in each file's name")
    col.add_argument("--course", default=None, help="the course folder (default: the "
                     "nearest with solutions/)")
    col.add_argument("--roster", default=None, help="roster CSV whose lms_id names Canvas "
                     "files by student_id (default: COURSE/roster.csv if it exists)")
    col.set_defaults(func=_collect)

    from .doctor import DESCRIPTION as doctor_description
    from .doctor import add_arguments as doctor_arguments

    doctor_arguments(sub.add_parser(
        "doctor", help="check that this machine can run the course (run this first)",
        description=doctor_description))

    from autograder.cli import add_parser as add_grade  # argparse only: cheap to import

    add_grade(sub)
    from autograder.export import add_parser as add_export

    add_export(sub)
    return parser


def _stdout_closed():
    """The reader of our output went away (``course grade ... | head``): point stdout at
    /dev/null so that the interpreter's final flush cannot raise again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return 141  # 128 + SIGPIPE, as a shell reports a process a closed pipe stopped


def main(argv=None):
    """Entry point of the ``course`` console script; returns the exit status.

    Bad arguments and bad input end in one line on stderr and a non-zero status, never
    a traceback: 2 for a bad argument, 1 for input that cannot be used, 130 after Ctrl-C,
    141 when the reader of the output closed it (``| head``).
    """
    try:
        args = build_parser().parse_args(argv)
        status = int(args.func(args) or 0)
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _stdout_closed()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
