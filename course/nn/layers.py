"""Fully connected layers: forward and backward passes that hand each other a cache.

Shapes (one column per example, ``m`` examples)::

    A_prev (n_prev, m)   W (n, n_prev)   b (n, 1)   Z, A, dZ, dA (n, m)

Forward:  ``Z = W @ A_prev + b``           (``b`` is broadcast across the m columns)

Backward (``dZ = dJ/dZ`` already holds the per-example gradients, without ``1/m``)::

    dW      = dZ @ A_prev.T / m            same shape as W
    db      = dZ.sum(axis=1, keepdims=True) / m   same shape as b
    dA_prev = W.T @ dZ                     same shape as A_prev (no 1/m: it is per example)

Caches: the linear cache is ``(A_prev, W, b)``; the activation cache is ``Z``; the
layer cache of :func:`linear_activation_forward` is ``(linear_cache, Z)``.
"""

from __future__ import annotations

import numpy as np

from ._validate import ShapeError, as_array, check_2d
from .activations import get_activation

__all__ = [
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
]


def _check_linear(A_prev, W, b, suffix=""):
    """Validate a layer's inputs; returns them as arrays. ``suffix`` is the layer number."""
    Wn, bn = f"W{suffix}", f"b{suffix}"
    W = check_2d(W, Wn)
    A_prev = check_2d(A_prev, "A_prev")
    n, n_prev = W.shape
    b = as_array(b, bn)
    if (
        b.shape != (n, 1) and b.ndim == 2 and b.shape[1] == 1
        and W.shape == (A_prev.shape[0], b.shape[0])
    ):  # W.T fits both b and A_prev: blame W, not A_prev
        raise ShapeError(
            f"{Wn} must have shape ({b.shape[0]}, {A_prev.shape[0]}) to fit {bn} {b.shape} "
            f"and A_prev {A_prev.shape}; got {W.shape} (it looks transposed)"
        )
    if A_prev.shape[0] != n_prev:
        hint = ""
        if A_prev.shape[1] == n_prev:
            hint = " (it looks transposed: examples go in columns, A_prev.T)"
        raise ShapeError(
            f"A_prev must have shape ({n_prev}, m) because {Wn} has shape {W.shape}; "
            f"got {A_prev.shape}{hint}"
        )
    if b.shape != (n, 1):
        hint = ""
        if b.shape == (n,):
            hint = f"; keep it a column with {bn}.reshape(-1, 1)"
        raise ShapeError(f"{bn} must have shape ({n}, 1); got {b.shape}{hint}")
    return A_prev, W, b


def linear_forward(A_prev, W, b):
    """Linear part of a layer's forward pass, ``Z = W @ A_prev + b``.

    Parameters
    ----------
    A_prev : ndarray, shape (n_prev, m)
        Activations of the previous layer (or the input ``X``), one column per example.
    W : ndarray, shape (n, n_prev)
        Weights.
    b : ndarray, shape (n, 1)
        Biases, broadcast across the ``m`` columns.

    Returns
    -------
    Z : ndarray, shape (n, m)
        Pre-activations.
    cache : tuple
        ``(A_prev, W, b)``, the inputs, for :func:`linear_backward`.

    Raises
    ------
    ShapeError
        If the shapes do not chain, with the expected and the actual shape.
    """
    A_prev, W, b = _check_linear(A_prev, W, b)
    Z = W @ A_prev + b
    return Z, (A_prev, W, b)


def linear_backward(dZ, cache):
    """Linear part of a layer's backward pass.

    Parameters
    ----------
    dZ : ndarray, shape (n, m)
        Gradient of the cost with respect to ``Z`` for each example (no ``1/m`` yet).
    cache : tuple
        ``(A_prev, W, b)`` from :func:`linear_forward`; ``A_prev`` has shape
        ``(n_prev, m)``, ``W`` ``(n, n_prev)``, ``b`` ``(n, 1)``.

    Returns
    -------
    dA_prev : ndarray, shape (n_prev, m)
        ``W.T @ dZ``.
    dW : ndarray, shape (n, n_prev)
        ``dZ @ A_prev.T / m``, the average over the batch.
    db : ndarray, shape (n, 1)
        ``dZ.sum(axis=1, keepdims=True) / m``.
    """
    try:
        A_prev, W, b = cache
    except (TypeError, ValueError):
        raise TypeError(
            "cache must be the tuple (A_prev, W, b) returned by linear_forward"
        ) from None
    A_prev, W, b = _check_linear(A_prev, W, b)
    dZ = check_2d(dZ, "dZ")
    n, m = W.shape[0], A_prev.shape[1]
    if dZ.shape != (n, m):
        raise ShapeError(
            f"dZ must have shape ({n}, {m}), like Z = W @ A_prev + b; got {dZ.shape}"
        )
    dW = dZ @ A_prev.T / m  # sum over examples of the outer products dz a_prev^T, averaged
    db = np.sum(dZ, axis=1, keepdims=True) / m  # b is added to every column
    dA_prev = W.T @ dZ  # each a_prev feeds every z through W
    return dA_prev, dW, db


def linear_activation_forward(A_prev, W, b, activation):
    """One whole layer forward: ``A = g(W @ A_prev + b)``.

    Parameters
    ----------
    A_prev : ndarray, shape (n_prev, m)
    W : ndarray, shape (n, n_prev)
    b : ndarray, shape (n, 1)
    activation : str
        ``"relu"``, ``"sigmoid"`` or ``"tanh"`` (any key of ``ACTIVATIONS`` works).

    Returns
    -------
    A : ndarray, shape (n, m)
    cache : tuple
        ``(linear_cache, Z)`` with ``linear_cache = (A_prev, W, b)``.
    """
    forward, _ = get_activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = forward(Z)
    return A, (linear_cache, activation_cache)


def linear_activation_backward(dA, cache, activation):
    """One whole layer backward: activation backward, then linear backward.

    Parameters
    ----------
    dA : ndarray, shape (n, m)
        Gradient of the cost with respect to this layer's output ``A``.
    cache : tuple
        ``(linear_cache, Z)`` from :func:`linear_activation_forward`.
    activation : str
        The activation used in the forward pass.

    Returns
    -------
    dA_prev : ndarray, shape (n_prev, m)
    dW : ndarray, shape (n, n_prev)
    db : ndarray, shape (n, 1)
    """
    _, backward = get_activation(activation)
    try:
        linear_cache, activation_cache = cache
    except (TypeError, ValueError):
        raise TypeError(
            "cache must be the tuple (linear_cache, Z) returned by linear_activation_forward"
        ) from None
    dZ = backward(dA, activation_cache)  # dZ = dA * g'(Z)
    return linear_backward(dZ, linear_cache)
