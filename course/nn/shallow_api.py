"""The two small networks of assignment 3, trained end to end.

**The two-layer sigmoid network** (section 8): ``n_x`` inputs, ``n_h`` sigmoid units, one
sigmoid output, binary cross-entropy. Its training loop ``two_layer_model`` and its
``predict_two_layer`` are graded and are built from the layer functions of
:mod:`course.nn.layers` (``linear_activation_forward``, ``linear_backward``,
``linear_activation_backward``); its initialisation ``init_two_layer`` and cost
``two_layer_cost`` are given. The output layer's gradient is the fused
``dZ2 = A2 - Y`` (sigmoid + cross-entropy); the averaging happens in ``linear_backward``::

    A1 = sigmoid(W1 @ X + b1)     (n_h, m)      dZ2 = A2 - Y
    A2 = sigmoid(W2 @ A1 + b2)    (1, m)        dA1, dW2, db2 = linear_backward(dZ2, ...)
                                                _, dW1, db1 = linear_activation_backward(
                                                    dA1, cache1, "sigmoid")

**The tanh + softmax network** (section 9, seed 001): its backward pass, its training
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
from .layers import linear_activation_backward, linear_activation_forward, linear_backward

__all__ = [
    "init_tanh_softmax",
    "init_two_layer",
    "predict_tanh_softmax",
    "predict_two_layer",
    "tanh_softmax_backward",
    "tanh_softmax_cost",
    "tanh_softmax_forward",
    "train_tanh_softmax",
    "two_layer_cost",
    "two_layer_model",
]

_KEYS = ("W1", "b1", "W2", "b2")

#: The functions the notebook gives (read-only code, in the release too): not secrets,
#: so the release's leak check (``course.release.reference_bodies``) skips them.
GIVEN = ("init_tanh_softmax", "tanh_softmax_forward", "tanh_softmax_cost",
         "init_two_layer", "two_layer_cost")

#: The clip of the two-layer network's output inside its cost (the notebook's too).
EPS = 1e-12


def init_two_layer(n_x, n_h, n_y=1, seed=0):
    """Xavier-scaled random weights (variance 1 / fan-in) and zero biases (given code).

    Parameters
    ----------
    n_x, n_h, n_y : int
        Input features, hidden units, output units.
    seed : int
        Seed of ``np.random.default_rng``; the draws are ``W1`` then ``W2``.

    Returns
    -------
    parameters : dict
        ``W1`` (n_h, n_x), ``b1`` (n_h, 1), ``W2`` (n_y, n_h), ``b2`` (n_y, 1).
    """
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((n_h, n_x)) / np.sqrt(n_x), "b1": np.zeros((n_h, 1)),
            "W2": rng.standard_normal((n_y, n_h)) / np.sqrt(n_h), "b2": np.zeros((n_y, 1))}


def two_layer_cost(A2, Y):
    """Average binary cross-entropy as a Python float, ``A2`` clipped to
    ``[EPS, 1 - EPS]`` first so that a saturated output costs a large finite number
    (given code).

    Parameters
    ----------
    A2 : ndarray, shape (1, m)
        Predicted probabilities of class 1.
    Y : ndarray, shape (1, m)
        Labels 0 or 1.

    Returns
    -------
    float
    """
    A = np.clip(A2, EPS, 1 - EPS)
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / Y.shape[1])


def two_layer_model(X, Y, n_h, learning_rate=0.5, num_iterations=1000, seed=0,
                    parameters=None):
    """Full-batch gradient descent on the n_x-n_h-1 sigmoid network.

    Each step: ``linear_activation_forward`` twice (sigmoid, sigmoid), the cost of that
    forward pass, ``dZ2 = A2 - Y``, ``linear_backward`` for the output layer,
    ``linear_activation_backward(..., "sigmoid")`` for the hidden one, and
    ``p := p - learning_rate * dp`` for every parameter.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (1, m)
        Labels 0 or 1.
    n_h : int
        Hidden units.
    learning_rate : float
    num_iterations : int
        Gradient steps.
    seed : int
        The initialisation is ``init_two_layer(n_x, n_h, 1, seed)`` (ignored when
        ``parameters`` is given).
    parameters : dict, optional
        Starting parameters instead of the seeded initialisation; not modified.

    Returns
    -------
    parameters : dict
        ``W1`` (n_h, n_x), ``b1`` (n_h, 1), ``W2`` (1, n_h), ``b2`` (1, 1) after
        ``num_iterations`` updates.
    costs : list of float
        ``num_iterations`` entries: entry ``i`` is the cost of the parameters step ``i``
        starts from (before its update).
    """
    if parameters is None:
        parameters = init_two_layer(X.shape[0], n_h, Y.shape[0], seed)
    costs = []
    for _ in range(int(num_iterations)):
        A1, cache1 = linear_activation_forward(X, parameters["W1"], parameters["b1"],
                                               "sigmoid")
        A2, cache2 = linear_activation_forward(A1, parameters["W2"], parameters["b2"],
                                               "sigmoid")
        costs.append(two_layer_cost(A2, Y))
        dA1, dW2, db2 = linear_backward(A2 - Y, cache2[0])      # fused: dZ2 = A2 - Y
        _, dW1, db1 = linear_activation_backward(dA1, cache1, "sigmoid")
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        parameters = {k: parameters[k] - learning_rate * grads["d" + k] for k in _KEYS}
    return parameters, costs


def predict_two_layer(X, parameters):
    """0/1 predictions of the two-layer sigmoid network.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    parameters : dict
        ``W1``, ``b1``, ``W2``, ``b2``.

    Returns
    -------
    predictions : ndarray of int64, shape (1, m)
        1 where the output ``A2`` is above 0.5, else 0 (an output of exactly 0.5 is 0).
    """
    A1, _ = linear_activation_forward(X, parameters["W1"], parameters["b1"], "sigmoid")
    A2, _ = linear_activation_forward(A1, parameters["W2"], parameters["b2"], "sigmoid")
    return (A2 > 0.5).astype(np.int64)


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
