"""``course.data`` is :mod:`coursekit.data`: the datasets of the course.

Students have them from the student kit (``backprop-coursekit``), which must not ship
``course``; so their single source lives in ``coursekit/data/`` (with the bundled
``digits.npz``) and this package re-exports it for the instructor's code (the demo, the
benchmarks). ``one_hot`` and ``ShapeError`` are still ``course.nn``'s own here.
"""

from coursekit.data import (
    digits,
    flower,
    minibatches,
    moons,
    one_hot,
    spirals,
    standardize,
    to_images,
    train_test_split,
    xor,
    xor_table,
)

__all__ = [
    "digits",
    "flower",
    "minibatches",
    "moons",
    "one_hot",
    "spirals",
    "standardize",
    "to_images",
    "train_test_split",
    "xor",
    "xor_table",
]
