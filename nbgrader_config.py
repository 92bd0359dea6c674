"""nbgrader's configuration for this course (read by every ``nbgrader`` command run from
the repository root; see docs/nbgrader.md).

nbgrader's steps map onto our folders:

    source             solutions/<assignment>/          (in git)
    release            assignments/<assignment>/        (in git; `course release` writes
                                                         the same files)
    submitted          nbgrader/submitted/<student>/<assignment>/
    autograded         nbgrader/autograded/...
    feedback           nbgrader/feedback/...
    solution           nbgrader/solution/...
    source_with_tests  nbgrader/source_with_tests/...
    gradebook (sqlite) nbgrader/gradebook.db

Everything under nbgrader/ is generated: .gitignore it (one entry, ``/nbgrader/``).

The course root is the folder of this file, so a copy of the layout elsewhere (as the
tests make) is a course of its own. If you override ``--CourseDirectory.root`` on the
command line, override ``--CourseDirectory.db_url`` too (it is computed here, from the
folder of this file).

The assignments are the folders of ``solutions/`` that hold a notebook
(:data:`ASSIGNMENTS`): a new folder is a new assignment, with no edit here. nbgrader
0.9 has no configuration list of assignments (``db_assignments`` was removed in
0.6): formgrader lists the folders of the source directory, and ``nbgrader
generate_assignment`` records an assignment in the gradebook the first time it
builds it (``GenerateAssignment.create_assignment``, on below), which ``nbgrader
autograde`` then requires.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

ROOT = Path(__file__).resolve().parent
#: Where everything nbgrader writes and git must not track lives (one .gitignore entry).
WORK = "nbgrader"

#: The assignments: every folder of solutions/ that holds a notebook, in name order.
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir()
                     if p.is_dir() and any(p.glob("*.ipynb"))) \
    if (ROOT / "solutions").is_dir() else []

# -- the course directory ------------------------------------------------------------------
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.course_id = os.environ.get("NBGRADER_COURSE_ID", "backprop")
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = f"{WORK}/submitted"
c.CourseDirectory.autograded_directory = f"{WORK}/autograded"
c.CourseDirectory.feedback_directory = f"{WORK}/feedback"
c.CourseDirectory.solution_directory = f"{WORK}/solution"
c.CourseDirectory.source_with_tests_directory = f"{WORK}/source_with_tests"
# An assignment's own checks (solutions/<assignment>/checks.py: references and case
# builders, autograder.authoring) are the instructor's: never copied to the release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "checks.py"]
# sqlite does not create folders: make the (ignored) work folder so the gradebook can live
# there from the first command on. (A folder without __init__.py does not shadow the
# nbgrader package, even though nbgrader puts the current folder on sys.path.)
try:
    (ROOT / WORK).mkdir(exist_ok=True)
except OSError:  # a read-only checkout: nbgrader reports the unusable gradebook itself
    pass
c.CourseDirectory.db_url = f"sqlite:///{ROOT / WORK / 'gradebook.db'}"

# -- the assignments and students ----------------------------------------------------------
c.GenerateAssignment.create_assignment = True   # record new assignments in the gradebook
c.Autograde.create_student = True                # a student is created at first autograde

# -- release: the same stubs and markers as `course release` (course/release.py runs these
#    preprocessors with their defaults; tests/test_nbgrader.py checks the two agree) -----
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.enforce_metadata = True
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
c.ClearHiddenTests.enforce_metadata = True

# -- autograde: running a whole notebook in a kernel -----------------------------------------
# Seconds per cell. Our longest cells (training on spirals or digits) take up to ~25 s on
# a slow shared machine; nbgrader's default of 30 s is too tight for them, so allow 120 s.
# A cell that loops forever costs a submission 120 s and is then interrupted (the rest of
# the notebook still runs; the test cells that depend on it score 0).
c.ExecutePreprocessor.timeout = 120
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# Seconds to wait for a cell's last output messages after its reply. nbgrader raises
# when they are late (raise_on_iopub_timeout), and its default of 4 s fails a whole
# submission ("Timeout waiting for IOPub output", jupyter/nbgrader#1230) when the
# grading machine is busy and the cell's output is large: our notebooks' figures make
# an executed notebook of about 1 MB. Waiting longer costs nothing when they are on time.
c.Execute.iopub_timeout = 30
