"""Parameter initialisation.

``parameters`` is a dict ``{"W1": (n1, n0), "b1": (n1, 1), ..., "WL": ..., "bL": ...}``
built from ``layer_dims = [n0, n1, ..., nL]`` (``n0`` is the number of input features).

Why not zeros? With every weight equal, every unit of a layer computes the same
function and receives the same gradient, so they stay equal for ever (the
symmetry problem). Random weights break the tie; their scale decides whether
signals shrink or blow up with depth:

============ ======================================= ===============================
method       ``W[l]`` drawn from                      suits
============ ======================================= ===============================
``zeros``    0                                        demonstrating the symmetry problem
``small``    ``N(0, 1) * 0.01``                       shallow networks (the notes' choice)
``he``       ``N(0, 1) * sqrt(2 / n_prev)``           ReLU-family hidden layers
``xavier``   ``N(0, 1) * sqrt(2 / (n_prev + n))``     tanh / sigmoid hidden layers
============ ======================================= ===============================

Biases start at zero in every method.
"""

from __future__ import annotations

import numpy as np

__all__ = ["INITIALIZERS", "initialize_parameters", "initialize_parameters_deep"]


def _check_dims(layer_dims):
    dims = list(layer_dims)
    if len(dims) < 2 or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0 for d in dims
    ):
        raise ValueError(
            "layer_dims must list at least two positive integers [n_x, n_1, ..., n_L]; "
            f"got {layer_dims!r}"
        )
    return [int(d) for d in dims]


def initialize_parameters_deep(layer_dims):
    """Small random weights and zero biases for an L-layer network.

    Uses numpy's global random state (call ``np.random.seed(...)`` first for
    reproducible values): ``W[l] = np.random.randn(n_l, n_{l-1}) * 0.01``,
    ``b[l] = np.zeros((n_l, 1))``, for ``l = 1, ..., L`` in that order.

    Parameters
    ----------
    layer_dims : list of int
        ``[n_x, n_1, ..., n_L]``, the size of each layer, input first.

    Returns
    -------
    parameters : dict
        ``"W{l}"`` of shape ``(layer_dims[l], layer_dims[l-1])`` and ``"b{l}"`` of shape
        ``(layer_dims[l], 1)`` for ``l = 1, ..., L``.
    """
    dims = _check_dims(layer_dims)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) * 0.01
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def _scale(method, n_prev, n):
    if method == "small":
        return 0.01
    if method == "he":
        return np.sqrt(2.0 / n_prev)
    if method == "xavier":
        return np.sqrt(2.0 / (n_prev + n))
    return 0.0


#: The methods :func:`initialize_parameters` accepts.
INITIALIZERS = ("zeros", "small", "he", "xavier")


def initialize_parameters(layer_dims, method="he", seed=None, dtype=np.float64):
    """Initialise an L-layer network's parameters, reproducibly.

    Parameters
    ----------
    layer_dims : list of int
        ``[n_x, n_1, ..., n_L]``.
    method : {"zeros", "small", "he", "xavier"}
        See the module docstring.
    seed : None, int or numpy.random.Generator
        The same int gives the same parameters on every machine.
    dtype : numpy dtype
        ``np.float64`` (default) or ``np.float32``.

    Returns
    -------
    parameters : dict
        ``"W{l}"`` of shape ``(n_l, n_{l-1})``, ``"b{l}"`` of shape ``(n_l, 1)``.
    """
    if method not in INITIALIZERS:
        raise ValueError(f"method must be one of {INITIALIZERS}; got {method!r}")
    dims = _check_dims(layer_dims)
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(dims)):
        n, n_prev = dims[l], dims[l - 1]
        W = rng.standard_normal((n, n_prev)) * _scale(method, n_prev, n)
        parameters[f"W{l}"] = W.astype(dtype, copy=False)
        parameters[f"b{l}"] = np.zeros((n, 1), dtype=dtype)
    return parameters
