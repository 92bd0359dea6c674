"""Preparing data: train/test split, standardisation and mini-batches, column by column."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._nn import ShapeError
from ._checks import check_count, make_rng

__all__ = ["minibatches", "standardize", "train_test_split"]


def _check_xy(X, Y):
    """``X`` as a 2-D array and ``Y`` as an array with one entry (column) per example."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ShapeError(
            f"X must be a 2-D array of shape (n_features, m), one column per example; "
            f"got shape {X.shape}"
        )
    m = X.shape[1]
    Y = np.asarray(Y)
    if Y.ndim not in (1, 2) or Y.shape[-1] != m:
        raise ShapeError(
            f"Y must have shape (n_out, m) or (m,) with m = {m} (the columns of X); "
            f"got shape {Y.shape}"
        )
    return X, Y


def _class_labels(Y):
    if Y.ndim == 1:
        return Y
    if Y.shape[0] == 1:
        return Y[0]
    return np.argmax(Y, axis=0)


def _n_test(test_size, m):
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(
            f"test_size must be a fraction in (0, 1) or a number of examples; got {test_size!r}"
        )
    if isinstance(test_size, numbers.Integral):
        n = int(test_size)
        if not 1 <= n <= m - 1:
            raise ValueError(
                f"test_size as a count must be between 1 and m - 1 = {m - 1}; got {n}"
            )
        return n
    frac = float(test_size)
    if not 0 < frac < 1:
        raise ValueError(f"test_size as a fraction must lie strictly between 0 and 1; got {frac}")
    return min(max(math.ceil(frac * m), 1), m - 1)


def train_test_split(X, Y, test_size=0.2, seed=0, stratify=False):
    """Split the examples (columns) at random into a training and a test set.

    Parameters
    ----------
    X : array_like, shape (n_features, m)
    Y : array_like, shape (n_out, m) or (m,)
        Labels or targets of the same ``m`` examples.
    test_size : float or int
        Fraction of the examples in the test set (rounded up), or their number.
        Both sets always get at least one example.
    seed : int, numpy.random.Generator or None
        Passed to ``np.random.default_rng``; the same seed gives the same split.
    stratify : bool
        Split each class separately so that both sets keep the class proportions: each
        class puts within one example of its proportional share into the test set, and
        the test set has the same size as without ``stratify``. Classes are read from
        ``Y``: integer labels ``(m,)``, a binary row ``(1, m)`` or one-hot columns
        ``(C, m)``.

    Returns
    -------
    X_train : ndarray, shape (n_features, m_train)
    X_test : ndarray, shape (n_features, m_test)
    Y_train : ndarray, shape (n_out, m_train) or (m_train,)
    Y_test : ndarray, shape (n_out, m_test) or (m_test,)
        ``m_train + m_test = m``; every example is in exactly one set.

    Examples
    --------
    >>> X, Y = np.zeros((2, 10)), np.arange(10)
    >>> X_tr, X_te, Y_tr, Y_te = train_test_split(X, Y, test_size=0.3)
    >>> X_tr.shape, X_te.shape, Y_te.shape
    ((2, 7), (2, 3), (3,))
    """
    X, Y = _check_xy(X, Y)
    m = X.shape[1]
    if m < 2:
        raise ValueError(f"train_test_split needs at least 2 examples (columns of X); got {m}")
    n_test = _n_test(test_size, m)
    rng = make_rng(seed)
    if stratify:
        labels = _class_labels(Y)
        classes, counts = np.unique(labels, return_counts=True)
        # largest remainders: per-class sizes within 1 of the proportional share that add
        # up to exactly n_test
        quota = n_test * counts / m
        sizes = np.floor(quota).astype(np.int64)
        extra = np.argsort(-(quota - sizes), kind="stable")[: n_test - int(sizes.sum())]
        sizes[extra] += 1
        test = []
        for c, k in zip(classes, sizes, strict=True):
            idx = rng.permutation(np.flatnonzero(labels == c))
            test.append(idx[:k])
        test = np.concatenate(test)
        if test.size == 0 or test.size == m:
            raise ValueError(
                f"stratified split with test_size={test_size!r} leaves a set empty; "
                "use a larger test_size or stratify=False"
            )
        test = rng.permutation(test)
        mask = np.ones(m, dtype=bool)
        mask[test] = False
        train = rng.permutation(np.flatnonzero(mask))
    else:
        order = rng.permutation(m)
        test, train = order[:n_test], order[n_test:]
    return X[:, train], X[:, test], Y[..., train], Y[..., test]


def standardize(X, mean=None, std=None):
    """Shift and scale each feature (row) to mean 0 and standard deviation 1.

    Compute the statistics on the training set and reuse them on the test set::

        X_train_s, mu, sigma = standardize(X_train)
        X_test_s, _, _ = standardize(X_test, mu, sigma)

    Parameters
    ----------
    X : array_like, shape (n_features, m)
    mean, std : array_like, shape (n_features, 1), optional
        Statistics to use; by default those of ``X`` (over its columns). A feature
        whose standard deviation is 0 (a pixel that is always blank) is divided by 1.

    Returns
    -------
    X_std : ndarray, shape (n_features, m)
        ``(X - mean) / std``; float32 stays float32, other inputs become float64.
    mean : ndarray, shape (n_features, 1)
    std : ndarray, shape (n_features, 1)
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ShapeError(
            f"X must be a 2-D array of shape (n_features, m), one column per example; "
            f"got shape {X.shape}"
        )
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must be a numeric array; got dtype {X.dtype}")
    dt = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    X = X.astype(dt, copy=False)
    n = X.shape[0]
    if (mean is None) != (std is None):
        raise ValueError("give both mean and std (from a previous standardize call) or neither")
    if mean is None:
        if X.shape[1] == 0:
            raise ValueError("X has no columns: cannot compute a mean and standard deviation")
        mean = X.mean(axis=1, keepdims=True)
        std = X.std(axis=1, keepdims=True)
        std = np.where(std > 0, std, 1).astype(dt)
    else:
        mean, std = np.asarray(mean), np.asarray(std)
        for name, arr in (("mean", mean), ("std", std)):
            if arr.shape != (n, 1):
                raise ShapeError(f"{name} must have shape ({n}, 1), one row per feature; "
                                 f"got {arr.shape}")
        if np.any(std <= 0):
            raise ValueError("std must be positive everywhere")
    return ((X - mean) / std).astype(dt, copy=False), mean, std


def minibatches(X, Y, batch_size=64, seed=0, shuffle=True):
    """Yield ``(X_batch, Y_batch)`` pairs that together cover every example once.

    Parameters
    ----------
    X : array_like, shape (n_features, m)
    Y : array_like, shape (n_out, m) or (m,)
    batch_size : int
        Examples per batch; the last batch holds the ``m % batch_size`` left over.
    seed : int, numpy.random.Generator or None
        Seeds the shuffle.
    shuffle : bool
        Visit the examples in random order (else in their order).

    Returns
    -------
    iterator of (X_batch, Y_batch)
        ``X_batch`` of shape ``(n_features, k)``, ``Y_batch`` of shape ``(n_out, k)``
        or ``(k,)``.
    """
    X, Y = _check_xy(X, Y)  # checked now, not at the first next()
    batch_size = check_count(batch_size, "batch_size", 1)
    m = X.shape[1]
    order = make_rng(seed).permutation(m) if shuffle else np.arange(m)
    return _batches(X, Y, order, batch_size)


def _batches(X, Y, order, batch_size):
    for start in range(0, order.size, batch_size):
        idx = order[start : start + batch_size]
        yield X[:, idx], Y[..., idx]
