"""The ``course`` command line.

Each subcommand imports its module only when it runs, so that ``course --help`` stays
instant and the grading path stays lean.
"""

from __future__ import annotations

import argparse
import sys


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
    from .release import ReleaseError, build, check_in_sync

    try:
        if args.check:
            problems = check_in_sync(args.solutions, args.out)
            for p in problems:
                print(p, file=sys.stderr)
            if not problems:
                print(f"{args.out}/ is up to date with {args.solutions}/ and leaks nothing")
            return 1 if problems else 0
        written = build(args.solutions, args.out)
    except ReleaseError as err:
        print(f"course release: {err}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
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

    from .doctor import DESCRIPTION as doctor_description
    from .doctor import add_arguments as doctor_arguments

    doctor_arguments(sub.add_parser(
        "doctor", help="check that this machine can run the course (run this first)",
        description=doctor_description))

    from autograder.cli import add_parser as add_grade  # argparse only: cheap to import

    add_grade(sub)
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
