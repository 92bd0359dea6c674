"""Cost functions, their gradients, and the fused output-layer gradient.

``AL`` (the network's output) and ``Y`` (the targets) have shape ``(n_L, m)``.
Each cost is an average over the ``m`` examples. Each gradient is the
**per-example** seed ``dAL = dL/dAL`` *without* the ``1/m``: the average is taken
once, in :func:`course.nn.layers.linear_backward` (``dW = dZ @ A_prev.T / m``).

.. note::
   The notes also show the other, equivalent convention, where the ``1/m`` is
   part of ``dJ/dA[L]`` and ``linear_backward`` then sums instead of averaging.
   The two must not be mixed: doing both divides by ``m`` twice.

For each cross-entropy the output activation is chosen so that the chain rule
collapses to ``dZL = AL - Y`` (the "fused" form):

=========================== ============ =========================================
loss                        output       per-example ``dAL``
=========================== ============ =========================================
``binary_cross_entropy``    sigmoid      ``-(Y / AL - (1 - Y) / (1 - AL))``
``cross_entropy``           softmax      ``-Y / AL``
``multilabel_cross_entropy`` sigmoid     ``-(Y / AL - (1 - Y) / (1 - AL))`` per output
``mse``                     identity     ``AL - Y``  (with ``J = sum((AL - Y)**2) / (2m)``)
=========================== ============ =========================================

Probabilities of exactly 0 or 1 are clipped to ``[eps, 1 - eps]`` (``eps`` the
dtype's machine epsilon) so that costs and gradients stay finite and no numpy
warning is raised: a graded cell prints nothing to stderr.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import ShapeError, as_array

__all__ = [
    "LOSSES",
    "Loss",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "compute_cost",
    "compute_cost_multiclass",
    "cross_entropy",
    "cross_entropy_grad",
    "fused_output_grad",
    "mse",
    "mse_grad",
    "multilabel_cross_entropy",
    "multilabel_cross_entropy_grad",
    "one_hot",
]


def _pair(AL, Y):
    """Validate ``AL`` and ``Y``; ``Y`` is cast to ``AL``'s dtype (a float64 label must not
    silently turn a float32 network into float64)."""
    AL = as_array(AL, "AL")
    Y = np.asarray(Y)
    if Y.shape != AL.shape:
        if AL.ndim == 2 and AL.shape[0] == 1 and Y.shape == (AL.shape[1],):
            Y = Y.reshape(AL.shape)
        else:
            raise ShapeError(f"Y must have the shape of AL, {AL.shape}; got {Y.shape}")
    return AL, Y.astype(AL.dtype, copy=False)


def _clip(AL):
    eps = np.finfo(AL.dtype).eps
    return np.clip(AL, eps, 1 - eps)


# --------------------------------------------------------------------------- binary
def _bce_terms(AL, Y):
    P = _clip(AL)
    return -(Y * np.log(P) + (1 - Y) * np.log1p(-P))


def _ce_terms(AL, Y):
    return -Y * np.log(_clip(AL))


def _mse_terms(AL, Y):
    D = AL - Y
    return 0.5 * D * D


def _average(terms, AL, Y):
    """``sum(terms(AL, Y)) / m`` computed in float64, returned as a Python float."""
    AL, Y = _pair(AL, Y)
    return float(np.sum(terms(AL.astype(np.float64), Y.astype(np.float64))) / AL.shape[-1])


def binary_cross_entropy(AL, Y):
    """Binary cross-entropy ``J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL))``.

    Parameters
    ----------
    AL : ndarray, shape (1, m)
        Predicted probabilities (sigmoid outputs).
    Y : ndarray, shape (1, m)
        Labels in {0, 1}.

    Returns
    -------
    float
    """
    return _average(_bce_terms, AL, Y)


def binary_cross_entropy_grad(AL, Y):
    """Per-example ``dAL = -(Y / AL - (1 - Y) / (1 - AL))``.

    Parameters
    ----------
    AL, Y : ndarray, shape (1, m)

    Returns
    -------
    dAL : ndarray, shape (1, m), dtype of ``AL``
    """
    AL, Y = _pair(AL, Y)
    P = _clip(AL)
    return -(Y / P - (1 - Y) / (1 - P))


def compute_cost(AL, Y):
    """Binary cross-entropy cost of the network's output, as a Python float.

    Parameters
    ----------
    AL : ndarray, shape (1, m)
        Output of the sigmoid unit: the probability that each example is a 1.
    Y : ndarray, shape (1, m)
        True labels, 0 or 1.

    Returns
    -------
    cost : float
        ``-(1/m) * sum(Y * log(AL) + (1 - Y) * log(1 - AL))``.
    """
    return binary_cross_entropy(AL, Y)


# --------------------------------------------------------------------------- multiclass
def cross_entropy(AL, Y):
    """Multiclass cross-entropy ``J = -(1/m) sum(Y * log AL)`` for softmax outputs.

    Parameters
    ----------
    AL : ndarray, shape (C, m)
        Class probabilities; each column sums to 1.
    Y : ndarray, shape (C, m)
        One-hot labels.

    Returns
    -------
    float
    """
    return _average(_ce_terms, AL, Y)


def compute_cost_multiclass(AL, Y):
    """Categorical cross-entropy of softmax outputs, averaged over the examples.

    .. math::

        J = -\\frac{1}{m} \\sum_{i=1}^{m} \\sum_{c=1}^{C} y_{ci} \\log a_{ci}

    Each column of ``Y`` is one-hot, so each example adds ``-log`` of the probability its
    own class received; the sum runs over both axes but the average is over ``m`` only
    (not over ``C * m``). Entries where ``Y`` is 0 contribute exactly 0, whatever ``AL``
    holds there, also an ``AL`` of exactly 0 (``0 * log 0`` is taken as its limit, 0,
    never ``nan``). An ``AL`` of exactly 0 where ``Y`` is 1 is clipped to the machine
    epsilon of ``AL``'s dtype, so the cost stays finite (``-log(2.2e-16)``, about 36.04,
    for that example in float64).

    Parameters
    ----------
    AL : ndarray, shape (C, m)
        Class probabilities (softmax outputs); each column sums to 1.
    Y : ndarray, shape (C, m)
        One-hot labels.

    Returns
    -------
    cost : float
        A Python float.
    """
    return cross_entropy(AL, Y)


def cross_entropy_grad(AL, Y):
    """Per-example ``dAL = -Y / AL``.

    Parameters
    ----------
    AL, Y : ndarray, shape (C, m)

    Returns
    -------
    dAL : ndarray, shape (C, m)
    """
    AL, Y = _pair(AL, Y)
    return -Y / _clip(AL)


# --------------------------------------------------------------------------- multilabel
def multilabel_cross_entropy(AL, Y):
    """Multilabel cross-entropy: one binary problem per output row, summed over rows.

    ``J = -(1/m) sum_{j,i} (Y log AL + (1 - Y) log(1 - AL))``

    Parameters
    ----------
    AL : ndarray, shape (K, m)
        Independent sigmoid probabilities.
    Y : ndarray, shape (K, m)
        Labels in {0, 1}; any number of ones per column.

    Returns
    -------
    float
    """
    return binary_cross_entropy(AL, Y)  # the same sum, taken over every entry


def multilabel_cross_entropy_grad(AL, Y):
    """Per-example ``dAL = -(Y / AL - (1 - Y) / (1 - AL))``, entry by entry.

    Parameters
    ----------
    AL, Y : ndarray, shape (K, m)

    Returns
    -------
    dAL : ndarray, shape (K, m)
    """
    return binary_cross_entropy_grad(AL, Y)


# --------------------------------------------------------------------------- MSE
def mse(AL, Y):
    """Mean squared error ``J = (1 / (2m)) sum((AL - Y)**2)`` (the 1/2 cancels the 2).

    Parameters
    ----------
    AL, Y : ndarray, shape (n_L, m)

    Returns
    -------
    float
    """
    return _average(_mse_terms, AL, Y)


def mse_grad(AL, Y):
    """Per-example ``dAL = AL - Y``.

    Parameters
    ----------
    AL, Y : ndarray, shape (n_L, m)

    Returns
    -------
    dAL : ndarray, shape (n_L, m)
    """
    AL, Y = _pair(AL, Y)
    return AL - Y


def fused_output_grad(AL, Y):
    """``dZL = AL - Y``: the output layer's gradient when the loss matches its activation
    (sigmoid + binary/multilabel cross-entropy, softmax + cross-entropy, identity + MSE).

    Parameters
    ----------
    AL, Y : ndarray, shape (n_L, m)

    Returns
    -------
    dZL : ndarray, shape (n_L, m)
        Per example; ``linear_backward`` divides by ``m``.
    """
    AL, Y = _pair(AL, Y)
    return AL - Y


class Loss(NamedTuple):
    """A cost, its per-example gradient, the output activation it fuses with, and its
    element-wise terms (``cost = terms.sum() / m``; used to cost many copies at once)."""

    cost: object
    grad: object
    output_activation: str
    terms: object


#: name -> Loss(cost, grad, output_activation, terms). With that output activation the
#: output layer's gradient is ``fused_output_grad(AL, Y) = AL - Y``.
LOSSES = {
    "binary_cross_entropy": Loss(
        binary_cross_entropy, binary_cross_entropy_grad, "sigmoid", _bce_terms
    ),
    "cross_entropy": Loss(cross_entropy, cross_entropy_grad, "softmax", _ce_terms),
    "multilabel_cross_entropy": Loss(
        multilabel_cross_entropy, multilabel_cross_entropy_grad, "sigmoid", _bce_terms
    ),
    "mse": Loss(mse, mse_grad, "identity", _mse_terms),
}


def get_loss(name):
    """Look up a :class:`Loss` by name, with an error that lists the choices."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {name!r}") from None


def one_hot(labels, num_classes=None, dtype=np.float64):
    """One-hot columns for integer class labels.

    Parameters
    ----------
    labels : array_like of int, shape (m,)
        Class indices in ``0 .. num_classes - 1``.
    num_classes : int, optional
        Number of classes ``C``; by default ``labels.max() + 1``.
    dtype : numpy dtype

    Returns
    -------
    Y : ndarray, shape (C, m)
        ``Y[labels[i], i] = 1`` and zeros elsewhere.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(
            "labels must be a 1-D array of integers; "
            f"got shape {labels.shape}, dtype {labels.dtype}"
        )
    C = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= C):
        raise ValueError(
            f"labels must lie in 0..{C - 1}; got values from {labels.min()} to {labels.max()}"
        )
    Y = np.zeros((C, labels.size), dtype=dtype)
    Y[labels, np.arange(labels.size)] = 1
    return Y
