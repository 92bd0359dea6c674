"""The three pieces of ``course.nn`` that students may have: ``Value``, ``ShapeError`` and
``one_hot``. None of them is graded.

Their single source is ``course.nn`` (``course/nn/graph.py``, ``_validate.py``,
``losses.py``), which stays pure numpy; here, in the instructor's repository, this
module re-exports those very objects. The student kit replaces this file with verbatim
copies of their source and nothing else of ``course.nn`` (``course kit``,
:func:`course.kit.extract`).
"""

from course.nn._validate import ShapeError
from course.nn.graph import Value
from course.nn.losses import one_hot

__all__ = ["ShapeError", "Value", "one_hot"]
