"""Activation functions as forward/backward pairs.

Every forward takes ``Z`` of shape ``(n, m)`` (one column per example) and returns
``A, cache`` with ``cache = Z``. Every backward takes the upstream gradient
``dA = dJ/dA`` (same shape as ``Z``) and that cache and returns ``dZ = dJ/dZ``.

For an element-wise activation ``g`` the chain rule is a Hadamard product,
``dZ = dA * g'(Z)``; softmax mixes the entries of a column, so its backward is a
Jacobian-vector product per column (see :func:`softmax_backward`).

None of these functions modifies its arguments, and float32 inputs give float32
outputs. ``ACTIVATIONS`` maps each name to its ``(forward, backward)`` pair.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_2d, check_same_shape

__all__ = [
    "ACTIVATIONS",
    "ELEMENTWISE",
    "derivative",
    "elu_backward",
    "elu_forward",
    "identity_backward",
    "identity_forward",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "relu_backward",
    "relu_forward",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax",
    "softmax_backward",
    "softmax_forward",
    "softplus_backward",
    "softplus_forward",
    "tanh_backward",
    "tanh_forward",
]


def _dz(dA, Z, name="dA"):
    Z = as_array(Z, "cache (Z)")
    dA = check_same_shape(dA, name, Z, "Z (the cache)")
    return dA, Z


# --------------------------------------------------------------------------- sigmoid
def sigmoid(Z):
    """Numerically stable logistic function ``1 / (1 + exp(-Z))``.

    Parameters
    ----------
    Z : ndarray of any shape

    Returns
    -------
    ndarray, same shape and dtype as ``Z``, with values in ``[0, 1]``.

    Notes
    -----
    ``exp`` only ever sees ``-|Z|``, so nothing overflows: for ``Z >= 0`` we use
    ``1 / (1 + e)`` and for ``Z < 0`` the equal form ``e / (1 + e)``, ``e = exp(-|Z|)``.
    """
    Z = as_array(Z, "Z")
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(Z.dtype, copy=False)


def sigmoid_forward(Z):
    """Sigmoid activation.

    Parameters
    ----------
    Z : ndarray, shape (n, m)

    Returns
    -------
    A : ndarray, shape (n, m)
        ``sigmoid(Z)``.
    cache : ndarray, shape (n, m)
        ``Z`` itself.
    """
    Z = as_array(Z, "Z")
    return sigmoid(Z), Z


def sigmoid_backward(dA, cache):
    """Backward pass of the sigmoid: ``dZ = dA * s * (1 - s)`` with ``s = sigmoid(Z)``.

    Parameters
    ----------
    dA : ndarray, shape (n, m)
        Upstream gradient ``dJ/dA``.
    cache : ndarray, shape (n, m)
        ``Z`` from :func:`sigmoid_forward`.

    Returns
    -------
    dZ : ndarray, shape (n, m)
    """
    dA, Z = _dz(dA, cache)
    s = sigmoid(Z)
    return dA * s * (1 - s)  # sigma'(z) = sigma(z) (1 - sigma(z))


# --------------------------------------------------------------------------- tanh
def tanh_forward(Z):
    """Hyperbolic tangent activation.

    Parameters
    ----------
    Z : ndarray, shape (n, m)

    Returns
    -------
    A : ndarray, shape (n, m)
    cache : ndarray, shape (n, m)
        ``Z`` itself.
    """
    Z = as_array(Z, "Z")
    return np.tanh(Z), Z


def tanh_backward(dA, cache):
    """Backward pass of tanh: ``dZ = dA * (1 - tanh(Z)**2)``.

    Parameters
    ----------
    dA : ndarray, shape (n, m)
    cache : ndarray, shape (n, m)
        ``Z`` from :func:`tanh_forward`.

    Returns
    -------
    dZ : ndarray, shape (n, m)
    """
    dA, Z = _dz(dA, cache)
    t = np.tanh(Z)
    return dA * (1 - t * t)  # tanh'(z) = 1 - tanh(z)^2


# --------------------------------------------------------------------------- ReLU
def relu_forward(Z):
    """Rectified linear unit ``max(0, Z)``.

    Parameters
    ----------
    Z : ndarray, shape (n, m)

    Returns
    -------
    A : ndarray, shape (n, m)
    cache : ndarray, shape (n, m)
        ``Z`` itself.
    """
    Z = as_array(Z, "Z")
    return np.maximum(Z, 0).astype(Z.dtype, copy=False), Z


def relu_backward(dA, cache):
    """Backward pass of ReLU: ``dZ = dA * (Z > 0)``.

    The derivative at exactly ``Z == 0`` is taken to be 0 (the course convention).

    Parameters
    ----------
    dA : ndarray, shape (n, m)
    cache : ndarray, shape (n, m)
        ``Z`` from :func:`relu_forward`.

    Returns
    -------
    dZ : ndarray, shape (n, m)
    """
    dA, Z = _dz(dA, cache)
    return np.where(Z > 0, dA, 0).astype(np.result_type(dA, Z), copy=False)


# --------------------------------------------------------------------------- leaky ReLU
def leaky_relu_forward(Z, alpha=0.01):
    """Leaky ReLU: ``Z`` where ``Z > 0``, else ``alpha * Z``.

    Parameters
    ----------
    Z : ndarray, shape (n, m)
    alpha : float
        Slope for non-positive inputs.

    Returns
    -------
    A : ndarray, shape (n, m)
    cache : ndarray, shape (n, m)
        ``Z`` itself.
    """
    Z = as_array(Z, "Z")
    return np.where(Z > 0, Z, alpha * Z).astype(Z.dtype, copy=False), Z


def leaky_relu_backward(dA, cache, alpha=0.01):
    """Backward pass of leaky ReLU: ``dZ = dA * (1 if Z > 0 else alpha)``.

    Like ReLU, the point ``Z == 0`` takes the left slope, ``alpha``.

    Parameters
    ----------
    dA : ndarray, shape (n, m)
    cache : ndarray, shape (n, m)
    alpha : float

    Returns
    -------
    dZ : ndarray, shape (n, m)
    """
    dA, Z = _dz(dA, cache)
    return np.where(Z > 0, dA, alpha * dA).astype(np.result_type(dA, Z), copy=False)


# --------------------------------------------------------------------------- ELU
def elu_forward(Z, alpha=1.0):
    """Exponential linear unit: ``Z`` where ``Z > 0``, else ``alpha * (exp(Z) - 1)``.

    Parameters
    ----------
    Z : ndarray, shape (n, m)
    alpha : float

    Returns
    -------
    A : ndarray, shape (n, m)
    cache : ndarray, shape (n, m)
        ``Z`` itself.
    """
    Z = as_array(Z, "Z")
    neg = alpha * np.expm1(np.minimum(Z, 0))  # minimum() keeps exp from overflowing
    return np.where(Z > 0, Z, neg).astype(Z.dtype, copy=False), Z


def elu_backward(dA, cache, alpha=1.0):
    """Backward pass of ELU: ``dZ = dA * (1 if Z > 0 else alpha * exp(Z))``.

    Parameters
    ----------
    dA : ndarray, shape (n, m)
    cache : ndarray, shape (n, m)
    alpha : float

    Returns
    -------
    dZ : ndarray, shape (n, m)
    """
    dA, Z = _dz(dA, cache)
    slope = np.where(Z > 0, 1, alpha * np.exp(np.minimum(Z, 0)))
    return (dA * slope).astype(np.result_type(dA, Z), copy=False)


# --------------------------------------------------------------------------- softplus
def softplus_forward(Z):
    """Softplus ``log(1 + exp(Z))``, a smooth ReLU, computed without overflow.

    Parameters
    ----------
    Z : ndarray, shape (n, m)

    Returns
    -------
    A : ndarray, shape (n, m)
    cache : ndarray, shape (n, m)
        ``Z`` itself.
    """
    Z = as_array(Z, "Z")
    return np.logaddexp(0, Z).astype(Z.dtype, copy=False), Z


def softplus_backward(dA, cache):
    """Backward pass of softplus, whose derivative is the sigmoid: ``dZ = dA * sigmoid(Z)``.

    Parameters
    ----------
    dA : ndarray, shape (n, m)
    cache : ndarray, shape (n, m)

    Returns
    -------
    dZ : ndarray, shape (n, m)
    """
    dA, Z = _dz(dA, cache)
    return dA * sigmoid(Z)


# --------------------------------------------------------------------------- identity
def identity_forward(Z):
    """Identity ("linear") activation, used for regression outputs.

    Parameters
    ----------
    Z : ndarray, shape (n, m)

    Returns
    -------
    A : ndarray, shape (n, m)
        A copy of ``Z`` (so that changing ``A`` never changes the cache).
    cache : ndarray, shape (n, m)
    """
    Z = as_array(Z, "Z")
    return Z.copy(), Z


def identity_backward(dA, cache):
    """Backward pass of the identity: ``dZ = dA`` (returned as a copy).

    Parameters
    ----------
    dA : ndarray, shape (n, m)
    cache : ndarray, shape (n, m)

    Returns
    -------
    dZ : ndarray, shape (n, m)
    """
    dA, _ = _dz(dA, cache)
    return dA.copy()


# --------------------------------------------------------------------------- softmax
def softmax(Z, axis=0):
    """Softmax over axis 0 (each column is one example's scores), overflow-free.

    Parameters
    ----------
    Z : ndarray, shape (C, m)
    axis : int
        The class axis; ``-2`` serves stacks of shape ``(K, C, m)``.

    Returns
    -------
    ndarray, shape (C, m)
        Each column is positive and sums to 1.

    Notes
    -----
    ``softmax(Z) = softmax(Z - c)`` for any per-column constant ``c``; subtracting the
    column maximum makes every exponent ``<= 0``, so ``exp`` cannot overflow.
    """
    Z = as_array(Z, "Z")
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def softmax_forward(Z):
    """Softmax activation over axis 0.

    Parameters
    ----------
    Z : ndarray, shape (C, m)

    Returns
    -------
    A : ndarray, shape (C, m)
    cache : ndarray, shape (C, m)
        ``Z`` itself.
    """
    Z = check_2d(Z, "Z")
    return softmax(Z), Z


def softmax_backward(dA, cache):
    """Backward pass of softmax, one Jacobian-vector product per column.

    With ``a = softmax(z)`` the Jacobian is ``da_p/dz_j = a_p (delta_pj - a_j)``, so

    ``dz = a * (da - (a . da))``, vectorized as
    ``dZ = A * (dA - sum(dA * A, axis=0))``.

    Parameters
    ----------
    dA : ndarray, shape (C, m)
    cache : ndarray, shape (C, m)
        ``Z`` from :func:`softmax_forward`.

    Returns
    -------
    dZ : ndarray, shape (C, m)
    """
    dA, Z = _dz(dA, cache)
    A = softmax(Z)
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))


#: name -> (forward, backward). Loop over it in models, plots and tests.
ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "elu": (elu_forward, elu_backward),
    "softplus": (softplus_forward, softplus_backward),
    "identity": (identity_forward, identity_backward),
    "softmax": (softmax_forward, softmax_backward),
}

#: The activations that act on each entry independently (all but softmax).
ELEMENTWISE = tuple(name for name in ACTIVATIONS if name != "softmax")


def derivative(name, Z):
    """The element-wise derivative ``g'(Z)`` of an element-wise activation.

    Parameters
    ----------
    name : str
        A key of ``ACTIVATIONS`` other than ``"softmax"`` (whose derivative is a
        Jacobian per column, not an element-wise function).
    Z : ndarray of any shape

    Returns
    -------
    ndarray, same shape as ``Z``
    """
    if name not in ELEMENTWISE:
        raise ValueError(
            f"derivative() needs an element-wise activation, one of {ELEMENTWISE}; got {name!r}"
        )
    Z = as_array(Z, "Z")
    return get_activation(name)[1](np.ones_like(Z), Z)


def get_activation(name):
    """Look up ``(forward, backward)`` by name, with an error that lists the choices."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)}; got {name!r}"
        ) from None
