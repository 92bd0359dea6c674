"""Small 2-D datasets for seeing what a network learns: XOR, flower, moons, spirals.

Every function returns ``X`` of shape ``(2, m)``, one column per example, and the
labels; the examples come in random order. The same ``seed`` gives the same data.
"""

from __future__ import annotations

import numpy as np

from .._nn import one_hot as _one_hot
from ._checks import check_count, check_dtype, check_noise, make_rng

__all__ = ["flower", "moons", "spirals", "xor", "xor_table"]


def _split_sizes(m, k):
    """``k`` group sizes that add up to ``m`` and differ by at most one."""
    return [m // k + (1 if j < m % k else 0) for j in range(k)]


def _finish(X, y, rng, dtype):
    """Shuffle the columns of ``X`` and the labels ``y`` together; cast ``X``."""
    order = rng.permutation(X.shape[1])
    return X[:, order].astype(dtype), y[order].astype(np.int64)


def xor_table(dtype=np.float64):
    """The truth table of XOR: four examples, one per column.

    Parameters
    ----------
    dtype : {np.float64, np.float32}
        dtype of ``X``.

    Returns
    -------
    X : ndarray, shape (2, 4)
        ``[[0, 0, 1, 1], [0, 1, 0, 1]]``.
    Y : ndarray of int64, shape (1, 4)
        ``[[0, 1, 1, 0]]``: 1 when exactly one input is 1.

    Examples
    --------
    >>> X, Y = xor_table()
    >>> X.shape, Y.tolist()
    ((2, 4), [[0, 1, 1, 0]])
    """
    dt = check_dtype(dtype)
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=dt)
    Y = np.array([[0, 1, 1, 0]], dtype=np.int64)
    return X, Y


def xor(m=200, noise=0.15, seed=0, dtype=np.float64):
    """Noisy XOR: points scattered around the four corners of the unit square.

    Each example sits near one corner ``(a, b)`` with ``a, b`` in ``{0, 1}`` (the
    corners are used equally often) and its label is ``a XOR b``. No straight line
    separates the classes, one hidden layer does.

    Parameters
    ----------
    m : int
        Number of examples, at least 4.
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate
        (0 gives the four corners only).
    seed : int, numpy.random.Generator or None
        Passed to ``np.random.default_rng``; ``None`` gives different data each call.
    dtype : {np.float64, np.float32}
        dtype of ``X``.

    Returns
    -------
    X : ndarray, shape (2, m)
    Y : ndarray of int64, shape (1, m)
        0 or 1.

    See Also
    --------
    xor_table : the four noiseless examples in order.
    """
    m = check_count(m, "m", 4)
    noise = check_noise(noise)
    dt = check_dtype(dtype)
    rng = make_rng(seed)
    corners = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=np.float64)
    which = np.arange(m) % 4
    X = corners[:, which] + noise * rng.standard_normal((2, m))
    y = np.array([0, 1, 1, 0])[which]
    X, y = _finish(X, y, rng, dt)
    return X, y.reshape(1, m)


def flower(m=400, petals=8, noise=0.2, radius=4.0, seed=0, dtype=np.float64):
    """The planar "flower": two classes of points on the petals of a rose curve.

    Points follow the rose ``r = radius * sin(k * t)`` with ``k = petals / 2``,
    plotted at ``(r sin t, r cos t)``. Class 0 takes ``t`` in ``[0, pi)``, class 1
    ``t`` in ``[pi, 2 pi)``; Gaussian noise is added to both ``t`` and ``r``. The
    petals of each class come in adjacent pairs, so a linear classifier does little
    better than chance while a small hidden layer separates them.

    Parameters
    ----------
    m : int
        Number of examples, at least 2; the classes get ``m - m // 2`` and ``m // 2``.
    petals : int
        Number of petals, a positive multiple of 4 (8 gives the classic picture).
    noise : float
        Standard deviation of the noise on the angle ``t`` and on the radius ``r``.
    radius : float
        Length of the petals.
    seed : int, numpy.random.Generator or None
        Passed to ``np.random.default_rng``.
    dtype : {np.float64, np.float32}
        dtype of ``X``.

    Returns
    -------
    X : ndarray, shape (2, m)
    Y : ndarray of int64, shape (1, m)
        0 or 1.
    """
    m = check_count(m, "m", 2)
    petals = check_count(petals, "petals", 4)
    if petals % 4:
        raise ValueError(
            f"petals must be a multiple of 4 (4, 8, 12, ...) so that the two classes "
            f"get separate petals; got {petals}"
        )
    noise = check_noise(noise)
    radius = check_noise(radius, "radius")
    dt = check_dtype(dtype)
    rng = make_rng(seed)
    k = petals // 2
    parts, labels = [], []
    for j, n in enumerate(_split_sizes(m, 2)):
        t = np.linspace(j * np.pi, (j + 1) * np.pi, n, endpoint=False)
        t = t + noise * rng.standard_normal(n)
        r = radius * np.sin(k * t) + noise * rng.standard_normal(n)
        parts.append(np.stack([r * np.sin(t), r * np.cos(t)]))
        labels.append(np.full(n, j))
    X, y = _finish(np.concatenate(parts, axis=1), np.concatenate(labels), rng, dt)
    return X, y.reshape(1, m)


def moons(m=200, noise=0.1, seed=0, dtype=np.float64):
    """Two interleaving half circles.

    Class 0 lies on the upper half of the unit circle, class 1 on a lower half
    circle shifted right by 1 and down by 0.5, each with Gaussian noise.

    Parameters
    ----------
    m : int
        Number of examples, at least 2; the classes get ``m - m // 2`` and ``m // 2``.
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int, numpy.random.Generator or None
        Passed to ``np.random.default_rng``.
    dtype : {np.float64, np.float32}
        dtype of ``X``.

    Returns
    -------
    X : ndarray, shape (2, m)
    Y : ndarray of int64, shape (1, m)
        0 or 1.
    """
    m = check_count(m, "m", 2)
    noise = check_noise(noise)
    dt = check_dtype(dtype)
    rng = make_rng(seed)
    n0, n1 = _split_sizes(m, 2)
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)])
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.concatenate([upper, lower], axis=1) + noise * rng.standard_normal((2, m))
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    X, y = _finish(X, y, rng, dt)
    return X, y.reshape(1, m)


def spirals(m=300, classes=3, noise=0.2, seed=0, one_hot=False, dtype=np.float64):
    """Spiral arms, one per class, winding out from the origin.

    The arm of class ``j`` starts at the origin and turns through 4 radians from
    the angle ``2 pi j / classes`` while its radius grows from 0 to 1; Gaussian
    noise of standard deviation ``noise`` is added to the angle.

    Parameters
    ----------
    m : int
        Number of examples, at least ``classes``, shared as evenly as possible.
    classes : int
        Number of classes (arms), at least 2.
    noise : float
        Standard deviation of the noise on the angle, in radians.
    seed : int, numpy.random.Generator or None
        Passed to ``np.random.default_rng``.
    one_hot : bool
        Return one-hot columns instead of integer labels.
    dtype : {np.float64, np.float32}
        dtype of ``X`` (and of ``Y`` when ``one_hot``).

    Returns
    -------
    X : ndarray, shape (2, m)
    Y : ndarray of int64, shape (m,), or ndarray of dtype, shape (classes, m)
        Integer labels in ``0 .. classes - 1``, or their one-hot columns.
    """
    classes = check_count(classes, "classes", 2)
    m = check_count(m, "m", classes)
    noise = check_noise(noise)
    dt = check_dtype(dtype)
    rng = make_rng(seed)
    parts, labels = [], []
    for j, n in enumerate(_split_sizes(m, classes)):
        r = np.linspace(0.0, 1.0, n)
        start = 2 * np.pi * j / classes
        t = np.linspace(start, start + 4.0, n) + noise * rng.standard_normal(n)
        parts.append(np.stack([r * np.sin(t), r * np.cos(t)]))
        labels.append(np.full(n, j))
    X, y = _finish(np.concatenate(parts, axis=1), np.concatenate(labels), rng, dt)
    if one_hot:
        return X, _one_hot(y, classes, dtype=dt)
    return X, y
