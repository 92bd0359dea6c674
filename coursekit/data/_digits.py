"""The 8x8 handwritten digits bundled with the package (UCI, CC BY 4.0)."""

from __future__ import annotations

import functools
import numbers
from importlib import resources

import numpy as np

from .._nn import one_hot as _one_hot
from ._checks import check_dtype

__all__ = ["DIGITS_FILE", "digits", "to_images"]

#: Name of the bundled file, inside the ``coursekit.data`` package.
DIGITS_FILE = "digits.npz"


@functools.lru_cache(maxsize=1)
def _load():
    """Read the bundled file once: images ``(1797, 64)`` uint8 in 0..16, targets ``(1797,)``."""
    ref = resources.files(__package__).joinpath(DIGITS_FILE)
    with ref.open("rb") as fh, np.load(fh, allow_pickle=False) as z:
        images, target = z["images"], z["target"]
    images.setflags(write=False)
    target.setflags(write=False)
    return images, target


def _check_classes(classes):
    if classes is None:
        return None
    if isinstance(classes, str | bytes) or not hasattr(classes, "__iter__"):
        raise TypeError(
            f"classes must be a sequence of distinct digits 0..9, such as (0, 1); got {classes!r}"
        )
    out = []
    for c in classes:
        if isinstance(c, bool) or not isinstance(c, numbers.Integral) or not 0 <= c <= 9:
            raise ValueError(f"classes must contain digits 0..9; got {c!r} in {classes!r}")
        out.append(int(c))
    if len(out) < 2 or len(set(out)) != len(out):
        raise ValueError(f"classes must list at least 2 distinct digits; got {classes!r}")
    return tuple(out)


def digits(classes=None, one_hot=False, dtype=np.float64):
    """The real 8x8 handwritten digits: 1797 images, one column per image.

    These are the 1797 images of the test part of the UCI "Optical Recognition of
    Handwritten Digits" data (E. Alpaydin and C. Kaynak, 1998, CC BY 4.0), the same
    images as ``sklearn.datasets.load_digits``, read from a file bundled with this
    package (no network, no scikit-learn). Each image has 8x8 pixels counting ink
    from 0 to 16; they are divided by 16 so ``X`` lies in ``[0, 1]``. Pixel ``(i, j)``
    of an image is row ``8 * i + j`` of its column; see :func:`to_images`.

    Parameters
    ----------
    classes : sequence of int, optional
        Keep only these digits, e.g. ``(0, 1)`` or ``(3, 5, 8)``, with labels renumbered
        in that order: label ``k`` means digit ``classes[k]``. With exactly two
        classes the labels are a binary row, 1 meaning ``classes[1]``.
    one_hot : bool
        Return one-hot columns instead of integer labels.
    dtype : {np.float64, np.float32}
        dtype of ``X`` (and of ``Y`` when ``one_hot``).

    Returns
    -------
    X : ndarray, shape (64, m)
        Pixel intensities in ``[0, 1]``; ``m = 1797`` for all ten digits.
    Y : ndarray
        * all digits or 3+ classes: int64 labels of shape ``(m,)``
          (one-hot: shape ``(C, m)``, ``C`` = 10 or ``len(classes)``);
        * two classes: int64 row of shape ``(1, m)`` with 0 for ``classes[0]`` and 1 for
          ``classes[1]`` (one-hot: shape ``(2, m)``).

    Examples
    --------
    >>> X, y = digits()
    >>> X.shape, y.shape, int(y.max())
    ((64, 1797), (1797,), 9)
    >>> X, Y = digits(classes=(0, 1))
    >>> X.shape, Y.shape
    ((64, 360), (1, 360))
    """
    classes = _check_classes(classes)
    dt = check_dtype(dtype)
    images, target = _load()
    labels = target.astype(np.int64)
    if classes is not None:
        keep = np.isin(labels, classes)
        images, labels = images[keep], labels[keep]
        renumber = np.full(10, -1, dtype=np.int64)
        renumber[list(classes)] = np.arange(len(classes))
        labels = renumber[labels]
    X = images.T.astype(dt) / dt.type(16)
    C = 10 if classes is None else len(classes)
    if one_hot:
        return X, _one_hot(labels, C, dtype=dt)
    if C == 2:
        return X, labels.reshape(1, -1)
    return X, labels


def to_images(X):
    """Turn digit columns back into 8x8 images, for plotting.

    Parameters
    ----------
    X : array_like, shape (64, m) or (64,)
        Columns as returned by :func:`digits`.

    Returns
    -------
    ndarray, shape (m, 8, 8) or (8, 8)
    """
    X = np.asarray(X)
    if X.ndim not in (1, 2) or X.shape[0] != 64:
        raise ValueError(
            f"X must have shape (64, m) or (64,), one 8x8 image per column; got {X.shape}"
        )
    if X.ndim == 1:
        return X.reshape(8, 8)
    return X.T.reshape(-1, 8, 8)
