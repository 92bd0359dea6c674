"""``coursekit``: everything a student's notebook imports, in one place.

::

    from coursekit import check, data, plots, Value

* ``data``: the course's datasets (XOR, flower, moons, spirals, the 8x8 digits);
* ``plots``: its figures (activations, cost curves, decision boundaries, graphs);
* ``Value``: the scalar computational graph with ``backward()``;
* ``check(name, func)``: the public checks of a graded function, with diagnoses.

Notebooks import only this module (never ``course.nn``, the reference implementation:
a graded notebook that imports it scores 0). Today it re-exports the instructor
package; the release work makes it a package of its own that ships without the
reference (docs/student-environment.md), without changing any notebook.
"""

from autograder.checks import check
from course import data, plots
from course.nn.graph import Value

__all__ = ["Value", "check", "data", "plots"]
