"""The graded functions of assignment 5 (gradient checking), as the curriculum names them.

Thin wrappers around :mod:`course.nn.gradcheck` with plain-data arguments and results
(the grader cannot carry callables or NamedTuples). The network is the one of the graded
API: ReLU hidden layers, a sigmoid output and the binary cross-entropy, float64.

:func:`gradient_check` here differs from :func:`course.nn.gradient_check`: ``grads`` is
a required fourth argument and the result is a plain ``(relative_error, per_parameter)``
tuple. It is therefore not exported under that name from :mod:`course.nn`; use
``course.nn.gradcheck_api.gradient_check``.
"""

from __future__ import annotations

import numpy as np

from . import gradcheck as _gc

__all__ = [
    "count_parameters",
    "find_buggy_gradients",
    "gradient_check",
    "multilabel_gradient_check",
    "multilabel_loss",
    "numerical_gradients",
    "params_to_vector",
    "relative_error",
    "vector_to_params",
]

relative_error = _gc.relative_error


def _layers(parameters):
    return len(parameters) // 2


def params_to_vector(parameters):
    """All parameters as one vector, in the order ``W1, b1, W2, b2, ...`` (row-major).

    The order is the layer order whatever the order of the dict's keys.

    Parameters
    ----------
    parameters : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})`` and ``b{l}`` of shape ``(n_l, 1)``.

    Returns
    -------
    theta : ndarray, shape (P,)
        float64, ``P = sum_l n_l (n_{l-1} + 1)``.
    """
    parts = []
    for l in range(1, _layers(parameters) + 1):
        parts.append(np.asarray(parameters[f"W{l}"], dtype=np.float64).ravel())
        parts.append(np.asarray(parameters[f"b{l}"], dtype=np.float64).ravel())
    return np.concatenate(parts)


def vector_to_params(theta, layer_dims):
    """Inverse of :func:`params_to_vector`: a vector back into ``W{l}``, ``b{l}``.

    Parameters
    ----------
    theta : ndarray, shape (P,)
    layer_dims : list of int
        ``[n_0, n_1, ..., n_L]``.

    Returns
    -------
    parameters : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})`` and ``b{l}`` of shape ``(n_l, 1)``, new arrays.
    """
    theta = np.asarray(theta)
    out, start = {}, 0
    for l in range(1, len(layer_dims)):
        n, n_prev = int(layer_dims[l]), int(layer_dims[l - 1])
        out[f"W{l}"] = theta[start:start + n * n_prev].reshape(n, n_prev).copy()
        start += n * n_prev
        out[f"b{l}"] = theta[start:start + n].reshape(n, 1).copy()
        start += n
    if start != theta.size:
        raise ValueError(f"theta has {theta.size} entries; layer_dims {list(layer_dims)} "
                         f"need {start}")
    return out


def numerical_gradients(parameters, X, Y, eps=1e-6):
    """Centered differences of the network's cost with respect to every parameter.

    Parameters
    ----------
    parameters : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})``, ``b{l}`` of shape ``(n_l, 1)``.
    X : ndarray, shape (n_0, m)
    Y : ndarray, shape (1, m)
    eps : float

    Returns
    -------
    grads : dict
        ``dW{l}``, ``db{l}``: float64 arrays of the parameters' shapes.
    """
    return _gc.model_numerical_gradients(parameters, X, Y, eps=eps, method="loop")


def gradient_check(parameters, X, Y, grads, eps=1e-6):
    """Relative error between ``grads`` and centered differences, overall and per parameter.

    Parameters
    ----------
    parameters : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})``, ``b{l}`` of shape ``(n_l, 1)``.
    X : ndarray, shape (n_0, m)
    Y : ndarray, shape (1, m)
    grads : dict
        ``dW{l}``, ``db{l}`` (other keys such as ``dA{l}`` are ignored).
    eps : float

    Returns
    -------
    rel_error : float
        Over all parameters at once (one vector).
    per_parameter : dict
        ``{"dW1": float, "db1": float, ...}``.
    """
    r = _gc.gradient_check(parameters, X, Y, grads=grads, eps=eps, method="loop")
    return float(r.relative_error), {k: float(v) for k, v in r.per_parameter.items()}


def find_buggy_gradients(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    """The names of the gradients that disagree with centered differences.

    For each parameter ``p`` the relative error
    ``||grads["dp"] - num_p|| / (||grads["dp"]|| + ||num_p||)`` of :func:`gradient_check`
    is compared with ``threshold``; a key is returned when its error is *above* it.

    A ReLU kink makes this answer ambiguous: where some ``Z`` is exactly 0 the cost is
    not differentiable and the centered difference returns the mean of the two one-sided
    slopes, halfway between the ``Z > 0`` convention (derivative 0) and the ``Z >= 0``
    mask (derivative 1). Both backwards then show the same absolute disagreement on the
    parameters that move that ``Z`` (always the bias of its layer), so a kink is flagged
    for a correct backward too; without exact zeros the two masks are identical.

    Parameters
    ----------
    parameters : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})``, ``b{l}`` of shape ``(n_l, 1)``.
    X : ndarray, shape (n_0, m)
    Y : ndarray, shape (1, m)
    grads : dict
        ``dW{l}``, ``db{l}`` of the parameters' shapes, as some backward pass returned
        them (other keys such as ``dA{l}`` are ignored).
    eps : float
        The step of the centered differences.
    threshold : float
        Relative errors above it count as a bug (1e-7, the course's bar, by default).

    Returns
    -------
    keys : list of str
        ``"dW1"``, ``"db2"``, ... sorted as Python sorts strings (``"dW2"`` before
        ``"db1"``); empty when every gradient agrees.
    """
    _, per = gradient_check(parameters, X, Y, grads, eps=eps)
    return sorted(k for k, v in per.items() if v > threshold)


def count_parameters(layer_dims):
    """Number of weights and biases of a network, ``sum_l n_l (n_{l-1} + 1)``.

    Parameters
    ----------
    layer_dims : list of int
        ``[n_0, n_1, ..., n_L]``.

    Returns
    -------
    count : int
    """
    return int(sum(int(layer_dims[l]) * (int(layer_dims[l - 1]) + 1)
                   for l in range(1, len(layer_dims))))


def multilabel_loss(Z, Y):
    """The multilabel cross-entropy of sigmoid outputs, *summed* over labels and examples.

    ``L = -sum_{c,i} (Y log s(Z) + (1 - Y) log(1 - s(Z)))`` with ``s`` the logistic function:
    one independent binary problem per label (row). Summed, not averaged, so that its
    gradient is the per-example ``dZ = s(Z) - Y`` of the course's convention (the ``1/m``
    comes later, in ``linear_backward``). Computed stably, ``log s(z) = -log(1 + e^{-z})``.

    Parameters
    ----------
    Z : ndarray, shape (C, m)
        The output layer's pre-activations, one row per label.
    Y : ndarray, shape (C, m)
        Labels in {0, 1}, any number of ones per column.

    Returns
    -------
    float
    """
    Z = np.asarray(Z, dtype=np.float64)
    # -log s(z) = logaddexp(0, -z) and -log(1 - s(z)) = logaddexp(0, z)
    return float(np.sum(Y * np.logaddexp(0.0, -Z) + (1 - Y) * np.logaddexp(0.0, Z)))


def multilabel_gradient_check(Z, Y, dZ, eps=1e-6):
    """Centered differences of :func:`multilabel_loss` in ``Z``, and how far ``dZ`` is
    from them, label by label.

    Parameters
    ----------
    Z : ndarray, shape (C, m)
    Y : ndarray, shape (C, m)
        Labels in {0, 1}.
    dZ : ndarray, shape (C, m)
        An analytic gradient to test (``s(Z) - Y`` is the right one).
    eps : float

    Returns
    -------
    dZ_numerical : ndarray, shape (C, m)
        ``(L(Z + eps e_ci) - L(Z - eps e_ci)) / (2 eps)`` for every entry, float64.
    per_label : ndarray, shape (C,)
        ``relative_error(dZ[c], dZ_numerical[c])`` for each label ``c``.
    """
    Z = np.array(Z, dtype=np.float64)
    num = np.empty_like(Z)
    for idx in np.ndindex(*Z.shape):
        old = Z[idx]
        Z[idx] = old + eps
        plus = multilabel_loss(Z, Y)
        Z[idx] = old - eps
        minus = multilabel_loss(Z, Y)
        Z[idx] = old
        num[idx] = (plus - minus) / (2 * eps)
    dZ = np.asarray(dZ, dtype=np.float64)
    per_label = np.array([relative_error(dZ[c], num[c]) for c in range(Z.shape[0])])
    return num, per_label
