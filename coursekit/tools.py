"""Measuring instruments for the cells that are not graded: centered differences and a
scale-free distance between arrays.

Assignment 1 uses them to check its answers; assignment 5 has students build their own
versions (``numerical_gradient``, ``relative_error``) and study their errors. Plain numpy,
so that the student kit (``course kit``) ships them as they are.
"""

from __future__ import annotations

import numpy as np

__all__ = ["centered_difference", "numerical_gradient", "rel_error"]


def centered_difference(f, x, eps=1e-6):
    """The centered difference ``(f(x + eps) - f(x - eps)) / (2 eps)`` of a function of one
    number, an estimate of ``f'(x)`` with an error of order ``eps**2``.

    Parameters
    ----------
    f : callable
        A function of one number (or applied elementwise to an array).
    x : float or ndarray, shape (n, m)
        Where to estimate the derivative.
    eps : float, optional
        The step.

    Returns
    -------
    slope : float or ndarray, shape (n, m)
        The estimate, elementwise when ``f`` is elementwise.
    """
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def numerical_gradient(f, x, eps=1e-6):
    """The gradient of a scalar function of an array by centered differences, one entry at a
    time.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a number for an array of the shape of ``x``.
    x : array_like, shape (n, m)
        Where to estimate the gradient (any shape); it is not modified.
    eps : float, optional
        The step.

    Returns
    -------
    grad : ndarray, shape (n, m)
        Float64, the shape of ``x``: entry ``i`` is
        ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``.
    """
    x = np.array(x, dtype=np.float64)  # a copy: the caller's array stays as it is
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = f(x)
        x[idx] = old - eps
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a, b):
    """A scale-free distance between two arrays, ``||a - b|| / (||a|| + ||b||)``.

    Parameters
    ----------
    a, b : array_like, shape (n, m)
        Two arrays of one shape (or numbers).

    Returns
    -------
    err : float
        In ``[0, 1]``; 0.0 when both are zero.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)
