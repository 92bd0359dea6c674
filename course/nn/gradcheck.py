"""Gradient checking by centered finite differences. Returns numbers, never prints.

For a scalar function ``f`` and each entry ``x_i``::

    df/dx_i  ~=  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)        error O(eps^2)

and two gradients are compared with the scale-free relative error::

    rel = ||g_analytic - g_numeric|| / (||g_analytic|| + ||g_numeric||)

In float64 with ``eps = 1e-6`` a correct backward pass gives ``rel`` around 1e-9 or
below; a wrong one typically gives 1e-2 or more. Why not always train with numerical
gradients? A network with P parameters needs 2P forward passes per step instead
of one forward and one backward; use them to *check* backpropagation, once.

Two implementations of the whole-network check are offered: a plain loop (one
forward pass per perturbed copy, easy to read) and a vectorized one that stacks
many perturbed copies of a layer's weights into one batched matmul, in chunks so
that memory stays bounded.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import ShapeError, check_2d
from .activations import get_activation, softmax
from .losses import get_loss
from .model import check_parameters, model_backward, model_forward

__all__ = [
    "GradCheckResult",
    "gradient_check",
    "model_numerical_gradients",
    "numerical_gradient",
    "relative_error",
]


def relative_error(a, b):
    """Relative error ``||a - b|| / (||a|| + ||b||)`` (0 when both are zero).

    Parameters
    ----------
    a, b : array_like of the same shape

    Returns
    -------
    float
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs equal shapes; got {a.shape} and {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)


def numerical_gradient(f, x, eps=1e-6):
    """Centered-difference gradient of a scalar function at ``x``.

    ``f`` is called with a perturbed *copy* of ``x``; ``x`` itself is never changed.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    x : ndarray of any shape
    eps : float

    Returns
    -------
    grad : ndarray, shape of ``x``, float64
    """
    x = np.array(x, dtype=np.float64)  # a private float64 copy
    grad = np.empty_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f(x)
        flat[i] = old - eps
        fm = f(x)
        flat[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return grad


def _targets(Y, n_L, m):
    """``Y`` as float64 of shape ``(n_L, m)``; ``(m,)`` is accepted when ``n_L == 1``.

    Never reshapes anything else: a transposed ``(m, n_L)`` target must be an error,
    not silently scrambled into the right shape.
    """
    Y = np.asarray(Y, dtype=np.float64)
    if Y.shape == (n_L, m):
        return Y
    if n_L == 1 and Y.shape == (m,):
        return Y.reshape(1, m)
    raise ShapeError(f"Y must have shape ({n_L}, {m}), like the network's output; got {Y.shape}")


def _act(name, Z):
    """Apply an activation to ``Z`` of shape ``(..., n, m)`` (a stack of copies)."""
    if name == "softmax":
        return softmax(Z, axis=-2)
    return get_activation(name)[0](Z)[0]


def _stacked_costs(parameters, X, Y, l, key, idx, eps, hidden, output, loss, A_prev):
    """Costs of ``2 * len(idx)`` copies of the network, entry ``idx[k]`` of ``key``
    moved by ``+eps`` (first half) or ``-eps`` (second half)."""
    L = len(parameters) // 2
    P = parameters[key]
    K = len(idx)
    stack = np.broadcast_to(P, (2 * K, *P.shape)).copy()
    flat = stack.reshape(2 * K, -1)
    rows = np.arange(K)
    flat[rows, idx] += eps
    flat[rows + K, idx] -= eps
    W, b = (stack, parameters[f"b{l}"]) if key[0] == "W" else (parameters[f"W{l}"], stack)
    A = W @ A_prev + b  # one batched matmul for all 2K copies: (2K, n_l, m)
    A = _act(output if l == L else hidden, A)
    for j in range(l + 1, L + 1):
        A = _act(output if j == L else hidden, parameters[f"W{j}"] @ A + parameters[f"b{j}"])
    terms = get_loss(loss).terms(A, Y)
    return terms.sum(axis=(-2, -1)) / X.shape[1]


def model_numerical_gradients(
    parameters, X, Y, hidden_activation="relu", output_activation="sigmoid",
    loss="binary_cross_entropy", eps=1e-6, method="vectorized", max_bytes=64 * 2**20,
):
    """Numerical gradient of the network's cost with respect to every parameter.

    Parameters
    ----------
    parameters : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})``, ``b{l}`` of shape ``(n_l, 1)``.
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_L, m)
    hidden_activation, output_activation, loss : str
    eps : float
    method : {"vectorized", "loop"}
        ``"loop"`` runs one forward pass per perturbed copy; ``"vectorized"`` runs
        chunks of copies together, at most ``max_bytes`` of activations at a time.
    max_bytes : int
        Memory bound for one chunk of the vectorized method.

    Returns
    -------
    dict
        ``dW{l}`` and ``db{l}``, float64 arrays of the parameters' shapes.
    """
    X = check_2d(X, "X").astype(np.float64)
    L = check_parameters(parameters, X.shape[0])
    params = {k: np.asarray(v, dtype=np.float64) for k, v in parameters.items()}
    Y = _targets(Y, params[f"W{L}"].shape[0], X.shape[1])
    spec = get_loss(loss)

    def cost(p):
        return spec.cost(model_forward(X, p, hidden_activation, output_activation)[0], Y)

    grads = {}
    if method == "loop":
        for key in params:
            def f(v, key=key):
                return cost({**params, key: v})
            grads[f"d{key}"] = numerical_gradient(f, params[key], eps)
        return grads
    if method != "vectorized":
        raise ValueError(f"method must be 'vectorized' or 'loop'; got {method!r}")

    A_prev = X
    widest = max(params[f"W{j}"].shape[0] for j in range(1, L + 1))
    per_copy = 8 * X.shape[1] * widest * 3 + 8 * max(p.size for p in params.values())
    chunk = max(1, int(max_bytes // (2 * per_copy)))
    for l in range(1, L + 1):
        for key in (f"W{l}", f"b{l}"):
            n = params[key].size
            g = np.empty(n)
            for start in range(0, n, chunk):
                idx = np.arange(start, min(n, start + chunk))
                c = _stacked_costs(params, X, Y, l, key, idx, eps, hidden_activation,
                                   output_activation, loss, A_prev)
                g[idx] = (c[: len(idx)] - c[len(idx):]) / (2 * eps)
            grads[f"d{key}"] = g.reshape(params[key].shape)
        act = output_activation if l == L else hidden_activation
        A_prev = _act(act, params[f"W{l}"] @ A_prev + params[f"b{l}"])
    return grads


class GradCheckResult(NamedTuple):
    """Outcome of :func:`gradient_check`.

    Attributes
    ----------
    relative_error : float
        Over all parameters at once.
    per_parameter : dict
        ``{"dW1": rel, "db1": rel, ...}``.
    numerical, analytic : dict
        The two gradients compared.
    """

    relative_error: float
    per_parameter: dict
    numerical: dict
    analytic: dict

    def passed(self, tol=1e-7):
        """True when the overall relative error is below ``tol``."""
        return self.relative_error < tol


def gradient_check(
    parameters, X, Y, hidden_activation="relu", output_activation="sigmoid",
    loss="binary_cross_entropy", grads=None, eps=1e-6, method="vectorized", *,
    numerical=None,
):
    """Compare backpropagation's gradients with numerical ones for a whole network.

    Parameters
    ----------
    parameters : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})``, ``b{l}`` of shape ``(n_l, 1)``.
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_L, m)
    hidden_activation, output_activation, loss : str
    grads : dict, optional
        The gradients to check (``dW{l}``, ``db{l}``), e.g. from a student's backward
        pass; by default those of :func:`course.nn.model.model_backward`.
    eps : float
    method : {"vectorized", "loop"}
    numerical : dict, optional
        The numerical gradients of these parameters, ``X`` and ``Y`` already computed
        (the ``numerical`` of an earlier result): only the comparison is done again.

    Returns
    -------
    GradCheckResult
    """
    X = check_2d(X, "X").astype(np.float64)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in parameters.items()}
    L = check_parameters(params, X.shape[0])
    Yf = _targets(Y, params[f"W{L}"].shape[0], X.shape[1])
    if grads is None:
        AL, caches = model_forward(X, params, hidden_activation, output_activation)
        grads = model_backward(AL, Yf, caches, hidden_activation, output_activation, loss)
    if numerical is None:
        numerical = model_numerical_gradients(
            params, X, Yf, hidden_activation, output_activation, loss, eps, method
        )
    keys = list(numerical)
    missing = [k for k in keys if k not in grads]
    if missing:
        raise KeyError(f"grads is missing {missing}")
    analytic = {k: np.asarray(grads[k], dtype=np.float64) for k in keys}
    per = {k: relative_error(analytic[k], numerical[k]) for k in keys}
    flat_a = np.concatenate([analytic[k].ravel() for k in keys])
    flat_n = np.concatenate([numerical[k].ravel() for k in keys])
    return GradCheckResult(relative_error(flat_a, flat_n), per, numerical, analytic)
