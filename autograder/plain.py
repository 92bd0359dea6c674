"""``autograder.plain`` is :mod:`coursekit.plain` under its old name.

Plain data is what crosses from a student's code to the grader, and what the student
kit's frozen public cases are made of, so its single source lives in ``coursekit``
(the package that students install: docs/student-environment.md). This module makes
``import autograder.plain`` and ``from autograder import plain`` return that very
module (same classes, same constants), so nothing here is written twice.
"""

import sys

from coursekit import plain as _plain

sys.modules[__name__] = _plain
