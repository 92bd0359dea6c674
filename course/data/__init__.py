"""``course.data`` is :mod:`coursekit.data`: the datasets of the course.

Students have them from the student kit (``backprop-coursekit``), which must not ship
``course``; so their single source lives in ``coursekit/data/`` (with the bundled
``digits.npz``) and this package re-exports it for the instructor's code (the demo, the
benchmarks). ``one_hot`` and ``ShapeError`` are still ``course.nn``'s own here.
"""

from coursekit.data import *  # noqa: F403  (the same names, one list: coursekit.data's)
from coursekit.data import __all__  # noqa: F401
