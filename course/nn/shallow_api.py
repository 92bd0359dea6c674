"""The tanh + softmax network of assignment 3 (seed 001): its backward pass, its training
loop and its predictions, graded; its initialisation, forward pass and cost, given.

One hidden layer of ``N`` tanh units and a softmax output over ``C`` classes, trained
with the average cross-entropy, one column per example::

    Z1 = W1 @ X + b1      A1 = tanh(Z1)        (N, m)
    Z2 = W2 @ A1 + b2     A2 = softmax(Z2)     (C, m)
    J  = -sum(Y * log(A2)) / m

Backward, with the fused softmax + cross-entropy seed (the softmax Jacobian
``A2_k (delta_ki - A2_i)`` times ``-Y_k / A2_k``, summed over ``k``, is ``A2 - Y`` for a
one-hot ``Y``) and ``tanh'(Z1) = 1 - A1**2``::

    dZ2 = A2 - Y                        dW2 = dZ2 @ A1.T / m   db2 = dZ2.sum(axis=1) / m
    dZ1 = (W2.T @ dZ2) * (1 - A1**2)    dW1 = dZ1 @ X.T / m    db1 = dZ1.sum(axis=1) / m

The training loop is full-batch gradient descent that records the cost of every step
*before* its update (``costs[0]`` is the cost of the initial parameters).
"""

from __future__ import annotations

import numpy as np

from .activations import softmax

__all__ = [
    "init_tanh_softmax",
    "predict_tanh_softmax",
    "tanh_softmax_backward",
    "tanh_softmax_cost",
    "tanh_softmax_forward",
    "train_tanh_softmax",
]

_KEYS = ("W1", "b1", "W2", "b2")

#: The functions the notebook gives (read-only code, in the release too): not secrets,
#: so the release's leak check (``course.release.reference_bodies``) skips them.
GIVEN = ("init_tanh_softmax", "tanh_softmax_forward", "tanh_softmax_cost")


def init_tanh_softmax(p, N, C, seed=0):
    """Xavier-scaled random weights (variance 1 / fan-in) and zero biases (given code).

    Parameters
    ----------
    p, N, C : int
        Input features, hidden units, classes.
    seed : int
        Seed of ``np.random.default_rng``; the draws are ``W1`` then ``W2``.

    Returns
    -------
    parameters : dict
        ``W1`` (N, p), ``b1`` (N, 1), ``W2`` (C, N), ``b2`` (C, 1).
    """
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((N, p)) / np.sqrt(p), "b1": np.zeros((N, 1)),
            "W2": rng.standard_normal((C, N)) / np.sqrt(N), "b2": np.zeros((C, 1))}


def tanh_softmax_forward(X, parameters):
    """Forward pass of the p-N-C tanh + softmax network (given code).

    Parameters
    ----------
    X : ndarray, shape (p, m)
    parameters : dict
        ``W1`` (N, p), ``b1`` (N, 1), ``W2`` (C, N), ``b2`` (C, 1).

    Returns
    -------
    A2 : ndarray, shape (C, m)
        The class probabilities of every example (each column sums to 1).
    cache : dict
        ``Z1``, ``A1`` (N, m) and ``Z2``, ``A2`` (C, m).
    """
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = softmax(Z2, axis=0)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def tanh_softmax_cost(A2, Y):
    """Average cross-entropy ``-sum(Y * log(A2)) / m`` as a Python float (given code).

    Parameters
    ----------
    A2 : ndarray, shape (C, m)
    Y : ndarray, shape (C, m)
        One-hot labels.

    Returns
    -------
    float
    """
    return float(-np.sum(Y * np.log(A2)) / Y.shape[1])


def tanh_softmax_backward(X, Y, cache, parameters):
    """Gradients of the average cross-entropy of the tanh + softmax network.

    Parameters
    ----------
    X : ndarray, shape (p, m)
        The inputs, one column per example.
    Y : ndarray, shape (C, m)
        One-hot labels.
    cache : dict
        From :func:`tanh_softmax_forward`: ``Z1``, ``A1`` of shape (N, m) and ``Z2``,
        ``A2`` of shape (C, m).
    parameters : dict
        ``W1`` (N, p), ``b1`` (N, 1), ``W2`` (C, N), ``b2`` (C, 1).

    Returns
    -------
    grads : dict
        ``dW1`` (N, p), ``db1`` (N, 1), ``dW2`` (C, N), ``db2`` (C, 1): the gradients of
        ``J = -sum(Y * log(A2)) / m``, each of the shape of its parameter.
    """
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y                                        # fused softmax + cross-entropy
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - A1 ** 2)    # tanh'(Z1) = 1 - tanh(Z1)**2
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def train_tanh_softmax(X, Y, n_h, learning_rate, num_iterations, seed=0, parameters=None):
    """Full-batch gradient descent on the p-n_h-C tanh + softmax network.

    Parameters
    ----------
    X : ndarray, shape (p, m)
    Y : ndarray, shape (C, m)
        One-hot labels.
    n_h : int
        Hidden units N.
    learning_rate : float
    num_iterations : int
        Gradient steps.
    seed : int
        The initialisation is ``init_tanh_softmax(p, n_h, C, seed)`` (ignored when
        ``parameters`` is given).
    parameters : dict, optional
        Starting parameters instead of the seeded initialisation; not modified.

    Returns
    -------
    parameters : dict
        ``W1``, ``b1``, ``W2``, ``b2`` after ``num_iterations`` updates.
    costs : list of float
        ``num_iterations`` entries: entry ``i`` is the cost of the parameters step ``i``
        starts from (before its update).
    """
    if parameters is None:
        parameters = init_tanh_softmax(X.shape[0], n_h, Y.shape[0], seed)
    costs = []
    for _ in range(int(num_iterations)):
        A2, cache = tanh_softmax_forward(X, parameters)
        costs.append(tanh_softmax_cost(A2, Y))
        grads = tanh_softmax_backward(X, Y, cache, parameters)
        parameters = {k: parameters[k] - learning_rate * grads["d" + k] for k in _KEYS}
    return parameters, costs


def predict_tanh_softmax(X, parameters):
    """The most probable class of each example.

    Parameters
    ----------
    X : ndarray, shape (p, m)
    parameters : dict
        ``W1``, ``b1``, ``W2``, ``b2``.

    Returns
    -------
    labels : ndarray of int64, shape (m,)
        ``argmax`` over the classes (axis 0) of the output, a class index in
        ``0, ..., C-1`` per example.
    """
    A2, _ = tanh_softmax_forward(X, parameters)
    return np.argmax(A2, axis=0).astype(np.int64)
