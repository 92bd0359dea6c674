"""``coursekit.data`` (also ``course.data``): datasets for the course, one column per example.

Every function returns ``X`` of shape ``(n_features, m)`` and labels ``Y`` for the
same ``m`` examples: a row ``(1, m)`` of 0/1 for two classes, integer labels
``(m,)`` or one-hot columns ``(C, m)`` for more. Random datasets take a ``seed``
(an int, a ``numpy.random.Generator`` or ``None``, passed to
``np.random.default_rng``) and default to ``seed=0``, so that the same call gives the
same data in every notebook run.

==========================  ====================  =========================================
function                    X                     Y
==========================  ====================  =========================================
``xor_table()``             (2, 4)                (1, 4)
``xor(m)``                  (2, m)                (1, m)
``flower(m)``               (2, m)                (1, m)
``moons(m)``                (2, m)                (1, m)
``spirals(m, classes)``     (2, m)                (m,) or one-hot (classes, m)
``digits()``                (64, 1797) in [0, 1]  (1797,) or one-hot (10, 1797)
``digits(classes=(0, 1))``  (64, 360)             (1, 360)
==========================  ====================  =========================================

Helpers: :func:`train_test_split`, :func:`standardize`, :func:`minibatches`,
:func:`to_images` and :func:`one_hot` (the one of :mod:`course.nn`, not graded).

This package imports numpy and ``coursekit._nn`` (``one_hot`` and ``ShapeError``,
``course.nn``'s own in the repository, verbatim copies in the student kit) only.
``course.data`` re-exports it.

Data attribution
----------------
``digits()`` reads ``coursekit/data/digits.npz``: the 1797 images of the test part
(``optdigits.tes``) of *Optical Recognition of Handwritten Digits* by E. Alpaydin and
C. Kaynak (1998), UCI Machine Learning Repository, https://doi.org/10.24432/C50P49,
licensed under Creative Commons Attribution 4.0 International (CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/). The images are unchanged (8x8 pixels,
integers 0..16); they were taken from the copy that scikit-learn ships as
``load_digits`` and stored as uint8 arrays. ``digits()`` divides them by 16.
"""

from .._nn import one_hot
from ._digits import digits, to_images
from ._prep import minibatches, standardize, train_test_split
from ._synthetic import flower, moons, spirals, xor, xor_table

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
