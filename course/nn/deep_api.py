"""The training loop and the predictions of assignment 4 (deep networks), graded.

DLAI's names and the notebook's conventions: full-batch gradient descent on the graded
network (ReLU hidden layers, one sigmoid output unit, binary cross-entropy)::

    np.random.seed(seed); parameters = initialize_parameters_deep(layers_dims)
    for i in range(num_iterations):
        AL = clip(L_model_forward(X, parameters)[0], EPS, 1 - EPS)
        record J(AL, Y) if i % record_every == 0 or i == num_iterations - 1
        parameters = parameters - learning_rate * gradients(AL, Y)

The cost is recorded *before* the update of step ``i``: the first entry is the cost of
the initial parameters. The output is clipped to ``[EPS, 1 - EPS]`` (``EPS = 1e-12``)
before the cost and the backward pass: a saturated float64 sigmoid rounds to exactly
1.0, and the seed ``(1 - Y) / (1 - AL)`` would then be ``0 / 0``.
"""

from __future__ import annotations

import numpy as np

from .init import initialize_parameters_deep
from .losses import compute_cost
from .model import L_model_backward, L_model_forward, update_parameters

__all__ = ["EPS", "L_layer_model", "predict", "recorded_steps"]

#: The clip of the output before the cost and the backward pass.
EPS = 1e-12


def recorded_steps(num_iterations, record_every=100):
    """The steps at which :func:`L_layer_model` records the cost.

    Parameters
    ----------
    num_iterations : int
    record_every : int

    Returns
    -------
    steps : list of int
        ``i`` in ``0, ..., num_iterations - 1`` with ``i % record_every == 0``, and the
        last step ``num_iterations - 1``.
    """
    n, k = int(num_iterations), int(record_every)
    return [i for i in range(n) if i % k == 0 or i == n - 1]


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, seed=1,
                  record_every=100, parameters=None):
    """Train ``[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID`` by full-batch gradient descent.

    Parameters
    ----------
    X : ndarray, shape (n_0, m)
        Inputs, one column per example.
    Y : ndarray, shape (1, m)
        Labels, 0 or 1.
    layers_dims : list of int
        ``[n_0, n_1, ..., n_L]``.
    learning_rate : float
        The step size alpha.
    num_iterations : int
        Number of gradient steps.
    seed : int
        ``np.random.seed(seed)`` right before ``initialize_parameters_deep(layers_dims)``
        (ignored when ``parameters`` is given).
    record_every : int
        The cost is recorded at the steps of :func:`recorded_steps`.
    parameters : dict, optional
        Starting parameters ``W{l}`` of shape ``(n_l, n_{l-1})``, ``b{l}`` of shape
        ``(n_l, 1)``, instead of the seeded initialisation; not modified.

    Returns
    -------
    parameters : dict
        The parameters after ``num_iterations`` updates.
    costs : list of float
        The cost before the update of every recorded step (the first entry is the cost of
        the starting parameters), ``len(recorded_steps(num_iterations, record_every))``
        entries.
    """
    if parameters is None:
        np.random.seed(seed)
        parameters = initialize_parameters_deep(layers_dims)
    costs = []
    for i in range(int(num_iterations)):
        AL, caches = L_model_forward(X, parameters)
        AL = np.clip(AL, EPS, 1 - EPS)
        if i % record_every == 0 or i == num_iterations - 1:
            costs.append(float(compute_cost(AL, Y)))
        grads = L_model_backward(AL, Y, caches)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def predict(X, parameters):
    """0/1 predictions of the trained network: 1 where its output is above 0.5.

    Parameters
    ----------
    X : ndarray, shape (n_0, m)
    parameters : dict
        ``W{l}``, ``b{l}`` for ``l = 1, ..., L`` (one output unit).

    Returns
    -------
    predictions : ndarray of int64, shape (1, m)
        ``1`` where ``AL > 0.5``, ``0`` elsewhere (an output of exactly 0.5 is class 0).
    """
    AL, _ = L_model_forward(X, parameters)
    return (AL > 0.5).astype(np.int64)
