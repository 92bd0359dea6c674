"""L-layer networks: forward and backward through every layer, updates, training.

The graded functions follow the course's running example, ReLU hidden layers and
one sigmoid output unit trained with binary cross-entropy::

    X = A0 -> [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID -> AL -> J

Backward starts from the seed ``dAL = -(Y / AL - (1 - Y) / (1 - AL))`` and walks
the caches in reverse, each layer handing ``dA[l-1]`` to the one before::

    dZ[l] = dA[l] * g'(Z[l]);  dW[l] = dZ[l] @ A[l-1].T / m
    db[l] = dZ[l].sum(axis=1, keepdims=True) / m;  dA[l-1] = W[l].T @ dZ[l]

:class:`NeuralNetwork` generalises the hidden and output activations and the loss,
and trains by batch or mini-batch gradient descent.
"""

from __future__ import annotations

import numpy as np

from ._validate import ShapeError, as_array, check_2d
from .activations import get_activation
from .init import initialize_parameters
from .layers import linear_activation_backward, linear_activation_forward, linear_backward
from .losses import LOSSES, fused_output_grad, get_loss, one_hot

__all__ = [
    "L_model_backward",
    "L_model_forward",
    "NeuralNetwork",
    "check_parameters",
    "model_backward",
    "model_forward",
    "update_parameters",
]


def check_parameters(parameters, n_x=None):
    """Check that ``parameters`` describe a chain of layers; return the number of layers L.

    Parameters
    ----------
    parameters : dict
        ``"W{l}"`` of shape ``(n_l, n_{l-1})`` and ``"b{l}"`` of shape ``(n_l, 1)``.
    n_x : int, optional
        Number of input features, ``X.shape[0]``, which ``W1`` must match.

    Returns
    -------
    L : int

    Raises
    ------
    ShapeError
        For example ``W2 must have shape (4, 5); got (5, 4)``.
    """
    if not isinstance(parameters, dict):
        raise TypeError(
            f"parameters must be a dict of W1, b1, ...; got {type(parameters).__name__}"
        )
    L = 0
    while f"W{L + 1}" in parameters:
        L += 1
    if L == 0:
        raise KeyError("parameters has no 'W1': expected keys W1, b1, ..., WL, bL")
    extra = sorted(set(parameters) - {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"})
    if extra:
        raise KeyError(f"parameters has unexpected keys {extra}; expected W1, b1, ..., W{L}, b{L}")
    n_prev = n_x
    for l in range(1, L + 1):
        if f"b{l}" not in parameters:
            raise KeyError(f"parameters has W{l} but no b{l}")
        W = check_2d(parameters[f"W{l}"], f"W{l}")
        b = as_array(parameters[f"b{l}"], f"b{l}")
        n = b.shape[0] if b.ndim == 2 and b.shape[1] == 1 else W.shape[0]
        if n_prev is not None and W.shape != (n, n_prev):
            raise ShapeError(f"W{l} must have shape ({n}, {n_prev}); got {W.shape}")
        if b.shape != (W.shape[0], 1):
            raise ShapeError(f"b{l} must have shape ({W.shape[0]}, 1); got {b.shape}")
        n_prev = W.shape[0]
    return L


def _blame_x(X, parameters, err):
    """Raise a message about ``X`` when ``W1`` fits the rest of the network and only ``X``
    disagrees with it (typically ``X`` given batch-first, shape ``(m, n_x)``)."""
    W1 = np.asarray(parameters["W1"])
    if W1.ndim != 2 or X.shape[0] == W1.shape[1]:
        return
    try:
        check_parameters(parameters, W1.shape[1])
    except (ShapeError, KeyError, TypeError):
        return  # the parameters themselves are inconsistent: keep the original message
    hint = ""
    if X.shape[1] == W1.shape[1]:
        hint = " (it looks transposed: examples go in columns, X.T)"
    raise ShapeError(
        f"X must have shape ({W1.shape[1]}, m) because W1 has shape {W1.shape}; "
        f"got {X.shape}{hint}"
    ) from err


def model_forward(X, parameters, hidden_activation="relu", output_activation="sigmoid"):
    """Forward pass through an L-layer network.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    parameters : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})``, ``b{l}`` of shape ``(n_l, 1)``.
    hidden_activation, output_activation : str
        Keys of ``course.nn.ACTIVATIONS``.

    Returns
    -------
    AL : ndarray, shape (n_L, m)
    caches : list of L tuples
        ``caches[l-1] = ((A_prev, W_l, b_l), Z_l)`` for ``l = 1, ..., L``.
    """
    X = check_2d(X, "X")
    try:
        L = check_parameters(parameters, X.shape[0])
    except ShapeError as err:
        _blame_x(X, parameters, err)
        raise
    A, caches = X, []
    for l in range(1, L + 1):
        act = output_activation if l == L else hidden_activation
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], act)
        caches.append(cache)
    return A, caches


def model_backward(
    AL, Y, caches, hidden_activation="relu", output_activation="sigmoid",
    loss="binary_cross_entropy", fused=True,
):
    """Backward pass through an L-layer network.

    Parameters
    ----------
    AL : ndarray, shape (n_L, m)
        Output of :func:`model_forward`.
    Y : ndarray, shape (n_L, m)
        Targets.
    caches : list of L tuples
        From :func:`model_forward`.
    hidden_activation, output_activation : str
    loss : str
        A key of ``course.nn.LOSSES``.
    fused : bool
        When the loss's natural output activation is ``output_activation``, start from
        ``dZL = AL - Y`` (exact, and stable when the output saturates) instead of
        pushing ``dAL`` through the output activation.

    Returns
    -------
    grads : dict
        ``dA{l-1}`` of shape ``(n_{l-1}, m)``, ``dW{l}`` of shape ``(n_l, n_{l-1})`` and
        ``db{l}`` of shape ``(n_l, 1)`` for ``l = 1, ..., L``.
    """
    spec = get_loss(loss)
    L = len(caches)
    if L == 0:
        raise ValueError("caches is empty: pass the caches returned by the forward pass")
    grads = {}
    if fused and spec.output_activation == output_activation:
        linear_cache, _ = caches[L - 1]
        dA_prev, dW, db = linear_backward(fused_output_grad(AL, Y), linear_cache)
    else:
        dAL = spec.grad(AL, Y)
        dA_prev, dW, db = linear_activation_backward(dAL, caches[L - 1], output_activation)
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = dA_prev, dW, db
    for l in range(L - 1, 0, -1):
        dA_prev, dW, db = linear_activation_backward(dA_prev, caches[l - 1], hidden_activation)
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA_prev, dW, db
    return grads


def L_model_forward(X, parameters):
    """Forward pass: ``[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID``.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
        Inputs, one column per example.
    parameters : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})`` and ``b{l}`` of shape ``(n_l, 1)``, l = 1..L.

    Returns
    -------
    AL : ndarray, shape (1, m)
        The sigmoid output (for a binary classifier, ``n_L = 1``).
    caches : list of L tuples
        ``caches[l-1] = (linear_cache, Z_l)`` for layer ``l``.
    """
    return model_forward(X, parameters, "relu", "sigmoid")


def L_model_backward(AL, Y, caches):
    """Backward pass for :func:`L_model_forward` with the binary cross-entropy cost.

    Starts from ``dAL = -(Y / AL - (1 - Y) / (1 - AL))``, goes through the sigmoid
    output layer, then through each ReLU layer in reverse.

    Parameters
    ----------
    AL : ndarray, shape (1, m)
        Output of :func:`L_model_forward`.
    Y : ndarray, shape (1, m)
        Labels, 0 or 1.
    caches : list of L tuples
        From :func:`L_model_forward`.

    Returns
    -------
    grads : dict
        ``dA{l-1}`` of shape ``(n_{l-1}, m)``, ``dW{l}`` of shape ``(n_l, n_{l-1})``,
        ``db{l}`` of shape ``(n_l, 1)`` for ``l = 1, ..., L``.
    """
    return model_backward(AL, Y, caches, "relu", "sigmoid", "binary_cross_entropy", fused=False)


def update_parameters(parameters, grads, learning_rate):
    """One step of gradient descent, ``W[l] -= learning_rate * dW[l]`` (same for ``b``).

    The input dict and its arrays are left unchanged; a new dict is returned.

    Parameters
    ----------
    parameters : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})``, ``b{l}`` of shape ``(n_l, 1)``.
    grads : dict
        ``dW{l}`` and ``db{l}`` of the same shapes (``dA`` entries are ignored).
    learning_rate : float

    Returns
    -------
    parameters : dict
        The updated parameters: ``W{l}`` of shape ``(n_l, n_{l-1})`` and ``b{l}`` of shape
        ``(n_l, 1)``, with the shapes and dtypes of the input parameters.
    """
    L = check_parameters(parameters)
    new = {}
    for l in range(1, L + 1):
        for p in "Wb":
            key, gkey = f"{p}{l}", f"d{p}{l}"
            if gkey not in grads:
                raise KeyError(f"grads has no {gkey!r}: expected dW1, db1, ..., dW{L}, db{L}")
            P = parameters[key]
            G = as_array(grads[gkey], gkey)
            if G.shape != P.shape:
                raise ShapeError(f"{gkey} must have shape {P.shape}, like {key}; got {G.shape}")
            new[key] = (P - learning_rate * G).astype(P.dtype, copy=False)
    return new


def _default_loss(output_activation, n_out):
    if output_activation == "softmax":
        return "cross_entropy"
    if output_activation == "sigmoid":
        return "binary_cross_entropy" if n_out == 1 else "multilabel_cross_entropy"
    return "mse"


class NeuralNetwork:
    """A fully connected network trained by (mini-)batch gradient descent.

    Parameters
    ----------
    layer_dims : list of int
        ``[n_x, n_1, ..., n_L]``.
    hidden_activation : str
        Activation of every hidden layer (a key of ``ACTIVATIONS``, not softmax).
    output_activation : {"sigmoid", "softmax", "identity"}
    loss : str, optional
        A key of ``LOSSES``; by default the one that fuses with the output activation
        (sigmoid: binary or multilabel cross-entropy; softmax: cross-entropy;
        identity: mean squared error).
    init : {"he", "xavier", "small", "zeros"}
    seed : int or numpy.random.Generator, optional
        Seeds initialisation and mini-batch shuffling.
    dtype : numpy dtype
        ``np.float64`` or ``np.float32``; inputs are cast to it.

    Attributes
    ----------
    parameters : dict
    history : list of float
        Training cost after each epoch (mean over its mini-batches).
    grad_norms : list of dict
        Per epoch, ``{"dW1": ||dW1||, ...}`` from the last step (for plots of vanishing or
        exploding gradients).

    Examples
    --------
    >>> net = NeuralNetwork([2, 8, 1], seed=0)
    >>> X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], float); Y = np.array([[0, 1, 1, 0]])
    >>> net.fit(X, Y, learning_rate=0.5, epochs=3000).accuracy(X, Y)
    1.0
    """

    def __init__(
        self, layer_dims, hidden_activation="relu", output_activation="sigmoid", loss=None,
        init="he", seed=None, dtype=np.float64,
    ):
        get_activation(hidden_activation)
        if hidden_activation == "softmax":
            raise ValueError("hidden_activation cannot be 'softmax'")
        if output_activation not in ("sigmoid", "softmax", "identity"):
            raise ValueError(
                "output_activation must be 'sigmoid', 'softmax' or 'identity'; "
                f"got {output_activation!r}"
            )
        self.layer_dims = list(layer_dims)
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.loss = loss or _default_loss(output_activation, self.layer_dims[-1])
        get_loss(self.loss)
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(seed)
        self.parameters = initialize_parameters(self.layer_dims, init, self.rng, self.dtype)
        self.history = []
        self.grad_norms = []

    # -- one pass ---------------------------------------------------------------------
    def forward(self, X):
        """``AL, caches`` for inputs ``X`` of shape ``(n_x, m)``."""
        X = check_2d(X, "X").astype(self.dtype, copy=False)
        return model_forward(X, self.parameters, self.hidden_activation, self.output_activation)

    def backward(self, AL, Y, caches):
        """Gradients dict for the output of :meth:`forward`."""
        return model_backward(
            AL, Y, caches, self.hidden_activation, self.output_activation, self.loss
        )

    def cost(self, X, Y):
        """The loss on ``(X, Y)`` as a float."""
        return LOSSES[self.loss].cost(self.forward(X)[0], self._targets(Y))

    def step(self, X, Y, learning_rate):
        """One gradient-descent step on a batch; returns the batch's cost before the step."""
        AL, caches = self.forward(X)
        Y = self._targets(Y)
        cost = LOSSES[self.loss].cost(AL, Y)
        grads = self.backward(AL, Y, caches)
        self.parameters = update_parameters(self.parameters, grads, learning_rate)
        self._last_grads = grads
        return cost

    # -- training ---------------------------------------------------------------------
    def fit(self, X, Y, learning_rate=0.1, epochs=100, batch_size=None, shuffle=True):
        """Train by gradient descent.

        Parameters
        ----------
        X : ndarray, shape (n_x, m)
        Y : ndarray, shape (n_L, m)
            Targets; for a softmax output, one-hot columns or integer labels of shape (m,).
        learning_rate : float
        epochs : int
            Passes over the training set.
        batch_size : int, optional
            ``None`` for full-batch gradient descent, else the mini-batch size.
        shuffle : bool
            Reshuffle the examples every epoch (mini-batch only).

        Returns
        -------
        self
        """
        X = check_2d(X, "X").astype(self.dtype, copy=False)
        Y = self._targets(Y)
        m = X.shape[1]
        if Y.shape[1] != m:
            raise ShapeError(f"Y must have {m} columns, one per example of X; got {Y.shape}")
        bs = m if batch_size is None else int(batch_size)
        if bs < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        for _ in range(int(epochs)):
            order = self.rng.permutation(m) if (shuffle and bs < m) else None
            total = 0.0
            for start in range(0, m, bs):
                idx = slice(start, start + bs) if order is None else order[start:start + bs]
                Xb, Yb = X[:, idx], Y[:, idx]
                total += self.step(Xb, Yb, learning_rate) * Xb.shape[1]
            self.history.append(total / m)
            self.grad_norms.append(
                {k: float(np.linalg.norm(v)) for k, v in self._last_grads.items() if k[1] == "W"}
            )
        return self

    # -- using the trained network -----------------------------------------------------
    def predict_proba(self, X):
        """The network's output ``AL``, shape ``(n_L, m)``."""
        return self.forward(X)[0]

    def predict(self, X):
        """Predictions: class indices of shape ``(m,)`` for softmax, 0/1 of shape
        ``(n_L, m)`` for sigmoid, raw outputs for identity."""
        AL = self.predict_proba(X)
        if self.output_activation == "softmax":
            return np.argmax(AL, axis=0)
        if self.output_activation == "sigmoid":
            return (AL > 0.5).astype(int)
        return AL

    def accuracy(self, X, Y):
        """Fraction of examples predicted right (every output right, for multilabel)."""
        pred = self.predict(X)
        if self.output_activation == "softmax":
            Y = np.asarray(Y)
            labels = Y if Y.ndim == 1 else np.argmax(Y, axis=0)
            return float(np.mean(pred == labels))
        if self.output_activation == "identity":
            raise ValueError("accuracy is for classifiers; use cost() for regression")
        Y = self._targets(Y)
        return float(np.mean(np.all(pred == Y, axis=0)))

    def _targets(self, Y):
        Y = np.asarray(Y)
        n_out = self.layer_dims[-1]
        if self.output_activation == "softmax" and Y.ndim == 1:
            Y = one_hot(Y, n_out)
        elif Y.ndim == 1:
            Y = Y.reshape(1, -1)
        if Y.shape[0] != n_out:
            raise ShapeError(f"Y must have shape ({n_out}, m); got {Y.shape}")
        return Y.astype(self.dtype, copy=False)
