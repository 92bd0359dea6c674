"""Which graded functions each assignment asks for, and in what order.

``course grade`` scores an assignment's questions in this order; an assignment it
does not know is graded on every check in :data:`autograder.checks.CHECKS`.
The curriculum notebooks register their assignments here.
"""

from __future__ import annotations

__all__ = ["ASSIGNMENTS", "questions_for"]

#: assignment name -> graded function names, in the order of the notebook.
ASSIGNMENTS: dict[str, list[str]] = {}


def questions_for(assignment):
    """The graded function names of ``assignment`` (all checks if it is not registered)."""
    if assignment in ASSIGNMENTS:
        return list(ASSIGNMENTS[assignment])
    from .checks import CHECKS

    return list(CHECKS)
