"""A fused, allocation-free training step for ReLU networks (the fast path).

The graded functions of :mod:`course.nn` are written to be read: every layer returns
fresh arrays, every cache is a tuple, ``1/m`` is applied in :func:`linear_backward`
and :func:`update_parameters` builds a new dict. This module computes **the same
step** (same parameters after it, up to rounding) with the bookkeeping a library
would do instead. Nothing here is graded; read it after the course, as an example of
how the clear version turns into a fast one.

The network and the conventions are those of the rest of the package (one column
per example)::

    A0 = X                    (n_0, m)
    Z[l] = W[l] @ A[l-1] + b[l],   A[l] = relu(Z[l])       l = 1 .. L-1
    ZL   = W[L] @ A[L-1] + b[L],   AL   = g(ZL)            g = sigmoid, softmax or identity

with the loss that fuses with ``g`` (binary/multilabel cross-entropy, cross-entropy,
mean squared error), so that the output gradient per example is ``dZL = AL - Y``.

What makes it fast
------------------
1. **Preallocated buffers, reused every step.** ``np.matmul(W, A, out=Z)`` and in-place
   ufuncs (``np.maximum(Z, 0, out=Z)``) allocate nothing; the buffers for a batch size
   ``m`` are made on its first step and kept.
2. **One buffer per layer for Z, A, dA and dZ.** ``relu`` is applied in place, so
   ``Z[l]`` is overwritten by ``A[l]``; the ReLU mask ``Z > 0`` is the same as ``A > 0``
   and is kept as booleans (a quarter of the size in float32). In the backward pass,
   once ``dW[l+1]`` (the last use of ``A[l]``) is done, ``dA[l] = W[l+1].T @ dZ[l+1]``
   is written over ``A[l]`` and multiplied by the mask in place to give ``dZ[l]``.
3. **1/m and the learning rate folded into the output gradient.** Every gradient is
   linear in ``dZL``, so scaling it once by ``alpha / m``,
   ``G = (alpha / m) (AL - Y)``, makes every later product an update that is already
   scaled: ``W[l] -= G[l] @ A[l-1].T`` and ``b[l] -= G[l].sum(axis=1)`` (computed as
   ``G[l] @ ones``, a BLAS matrix-vector product). No ``/ m`` on
   the big ``dW`` arrays, no ``alpha * dW`` temporary.
4. **One scratch buffer for all ``dW``**, sized for the largest layer and viewed at each
   layer's shape (numpy's matmul cannot accumulate into ``W``, so ``G @ A.T`` needs a
   place before ``W -= ...``; a library calling BLAS ``gemm`` with ``beta = 1`` would not).
5. **The dtype is kept.** float32 parameters, inputs and labels stay float32 (a float64
   label would silently turn every product into float64 and cost 2-3x).

Parameters are updated in place, in the trainer's **own** copies: the dict passed in
is never modified.
"""

from __future__ import annotations

import numpy as np

from ._validate import ShapeError
from .model import check_parameters

__all__ = ["FusedTrainer", "OUTPUTS"]

#: Output activation -> the loss whose gradient with it is ``dZL = AL - Y``.
OUTPUTS = {
    "sigmoid": "binary_cross_entropy",  # or multilabel_cross_entropy when n_L > 1
    "softmax": "cross_entropy",
    "identity": "mse",
}


class _Buffers:
    """Work arrays for one batch size ``m`` (made once, reused by every step).

    Attributes
    ----------
    A : list of ndarray
        ``A[l]`` of shape ``(n_l, m)`` for ``l = 1 .. L`` (``A[0]`` is unused: it is X).
        Holds ``Z[l]``, then ``A[l]``, then (backward) ``dZ[l]``.
    mask : ndarray of bool, shape (max n_l for l < L, m), flat
        Scratch for the ReLU mask ``A[l] > 0``.
    ones : ndarray, shape (m, 1)
        For the bias gradients, ``G @ ones``.
    col, col2 : ndarray, shape (1, m)
        Per-example scratch (softmax: column max, sum, log of the sum).
    out64 : ndarray, shape (2, n_L, m), float64
        Scratch for the binary cross-entropy's element-wise terms.
    """

    def __init__(self, dims, m, dtype):
        L = len(dims) - 1
        self.m = m
        self.A = [None] + [np.empty((dims[l], m), dtype) for l in range(1, L + 1)]
        self.mask = np.empty(max(dims[1:L], default=0) * m, bool)
        self.ones = np.ones((m, 1), dtype)
        self.col = np.empty((1, m), dtype)
        self.col2 = np.empty((1, m), dtype)
        self.out64 = np.empty((2, dims[L], m), np.float64)


class FusedTrainer:
    """Gradient descent on a ReLU network with fused, in-place steps.

    Parameters
    ----------
    parameters : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})`` and ``b{l}`` of shape ``(n_l, 1)``, as made by
        :func:`course.nn.initialize_parameters`. They are **copied** (and cast to
        ``dtype``); the caller's arrays are never modified.
    output_activation : {"sigmoid", "softmax", "identity"}
        The output unit; the loss is the one that fuses with it (see ``OUTPUTS``):
        binary (or, for several outputs, multilabel) cross-entropy for sigmoid,
        cross-entropy for softmax, ``J = sum((AL - Y)**2) / (2m)`` for identity.
        Hidden layers are always ReLU (derivative 0 at 0, as in :mod:`course.nn`).
    dtype : numpy dtype, optional
        ``np.float32`` or ``np.float64``; by default the dtype of ``W1`` (float64 if
        ``W1`` is not a floating-point array). Every step casts ``X`` and ``Y`` to it,
        so a float64 label cannot turn a float32 network into float64.

    Attributes
    ----------
    L : int
        Number of layers.
    layer_dims : list of int
        ``[n_0, n_1, ..., n_L]``.
    dtype : numpy.dtype

    Notes
    -----
    One step on a batch ``(X, Y)`` of ``m`` columns computes, with ``alpha`` the learning
    rate and ``G[l]`` the gradient already scaled by ``alpha / m``::

        forward    Z[l] = W[l] @ A[l-1] + b[l];  A[l] = relu(Z[l]);  AL = g(ZL)
        output     G[L] = (alpha / m) * (AL - Y)
        layer l    dW   = G[l] @ A[l-1].T;    mask = A[l-1] > 0
                   dA   = W[l].T @ G[l]                (with W[l] before its update)
                   W[l] -= dW;   b[l] -= G[l].sum(axis=1, keepdims=True)
                   G[l-1] = dA * mask

    which is ``W[l] - alpha * dW[l]`` with ``dW[l] = dZ[l] @ A[l-1].T / m`` of
    :func:`course.nn.linear_backward`: the same step as ``model_forward``,
    ``model_backward`` and ``update_parameters``, with fewer roundings of a different
    order (expect agreement to about ``1e-12`` relative in float64, ``1e-5`` in float32).

    Examples
    --------
    >>> from course.nn import initialize_parameters
    >>> params = initialize_parameters([2, 4, 1], seed=0)
    >>> trainer = FusedTrainer(params, "sigmoid")
    >>> X = np.array([[0., 0., 1., 1.], [0., 1., 0., 1.]]); Y = np.array([[0., 1., 1., 0.]])
    >>> cost = trainer.step(X, Y, learning_rate=0.5)
    >>> sorted(trainer.parameters) == sorted(params)
    True
    """

    def __init__(self, parameters, output_activation="sigmoid", dtype=None):
        if output_activation not in OUTPUTS:
            raise ValueError(
                f"output_activation must be one of {sorted(OUTPUTS)}; got {output_activation!r}"
            )
        L = check_parameters(parameters)
        if dtype is None:  # W1's dtype; float64 for integer weights or nested lists
            dtype = np.asarray(parameters["W1"]).dtype
            dtype = dtype if dtype.kind == "f" else np.float64
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"dtype must be a floating-point dtype; got {self.dtype}")
        self.output_activation = output_activation
        self.L = L
        # Our own C-contiguous copies: updated in place, never the caller's arrays.
        self.W = [None] + [
            np.array(parameters[f"W{l}"], dtype=self.dtype, order="C", copy=True)
            for l in range(1, L + 1)
        ]
        self.b = [None] + [
            np.array(parameters[f"b{l}"], dtype=self.dtype, order="C", copy=True)
            for l in range(1, L + 1)
        ]
        self.layer_dims = [self.W[1].shape[1]] + [self.W[l].shape[0] for l in range(1, L + 1)]
        # Scratch for the update of any W[l] (viewed at its shape) and any b[l].
        self._dW = np.empty(max(W.size for W in self.W[1:]), self.dtype)
        self._db = np.empty(max(self.layer_dims[1:]), self.dtype)
        self._buffers = {}

    # -- parameters ------------------------------------------------------------------
    @property
    def parameters(self):
        """A new dict ``W1, b1, ..., WL, bL`` of **copies** of the current parameters."""
        params = {}
        for l in range(1, self.L + 1):
            params[f"W{l}"] = self.W[l].copy()
            params[f"b{l}"] = self.b[l].copy()
        return params

    def _buffers_for(self, m):
        buf = self._buffers.get(m)
        if buf is None:
            if len(self._buffers) >= 4:  # mini-batch training needs two sizes at most
                self._buffers.clear()
            buf = self._buffers[m] = _Buffers(self.layer_dims, m, self.dtype)
        return buf

    def _check_x(self, X):
        n_x = self.layer_dims[0]
        if X.ndim != 2 or X.shape[0] != n_x:
            hint = ""
            if X.ndim == 2 and X.shape[1] == n_x:
                hint = " (it looks transposed: examples go in columns, X.T)"
            raise ShapeError(
                f"X must have shape ({n_x}, m) because W1 has shape {self.W[1].shape}; "
                f"got {X.shape}{hint}"
            )

    def _check_batch(self, X, Y):
        """``X`` and ``Y`` as arrays of the network's dtype (no copy when they already are)."""
        X = np.asarray(X, dtype=self.dtype)
        Y = np.asarray(Y, dtype=self.dtype)  # a float64 label must not upcast the network
        n_out = self.layer_dims[-1]
        self._check_x(X)
        m = X.shape[1]
        if Y.shape == (m,) and n_out == 1:
            Y = Y.reshape(1, m)
        if Y.shape != (n_out, m):
            raise ShapeError(f"Y must have shape ({n_out}, {m}), like AL; got {Y.shape}")
        if m == 0:
            raise ShapeError("X has no columns: a batch needs at least one example")
        return X, Y

    # -- forward ---------------------------------------------------------------------
    def _forward(self, X, buf):
        """Fill ``buf.A[l]`` with ``A[l]`` for hidden layers and ``buf.A[L]`` with ``ZL``."""
        A_prev = X
        for l in range(1, self.L + 1):
            Z = buf.A[l]
            np.matmul(self.W[l], A_prev, out=Z)  # Z = W @ A_prev      (n_l, m)
            Z += self.b[l]  #                                 + b     (n_l, 1), broadcast
            if l < self.L:
                np.maximum(Z, 0, out=Z)  # A = relu(Z), in place
            A_prev = Z
        return buf.A[self.L]

    def predict_proba(self, X):
        """The network's output ``AL``, shape ``(n_L, m)`` (a new array)."""
        X = np.asarray(X, dtype=self.dtype)
        self._check_x(X)
        buf = _Buffers(self.layer_dims, X.shape[1], self.dtype)
        ZL = self._forward(X, buf)
        self._output(ZL, buf, None)
        return ZL

    def _output(self, ZL, buf, Y):
        """Turn ``ZL`` into ``AL = g(ZL)`` in place; return the cost ``J`` if ``Y`` is given.

        The cost is computed from the logits, which is exact where the clipped form of
        :mod:`course.nn.losses` is not (outputs within ``eps`` of 0 or 1).
        """
        m = ZL.shape[1]
        cost = None
        if self.output_activation == "softmax":
            # softmax(z) = exp(z - max z) / sum(exp(z - max z))  (no overflow)
            col = buf.col
            np.max(ZL, axis=0, keepdims=True, out=col)
            ZL -= col  # S = Z - max
            if Y is not None:
                # J = (1/m) sum_i [log sum_k exp(S_ki) - sum_k Y_ki S_ki]   (columns of Y sum to 1)
                cost = -float(np.vdot(Y, ZL))
            np.exp(ZL, out=ZL)
            np.sum(ZL, axis=0, keepdims=True, out=col)
            if Y is not None:
                cost += float(np.sum(np.log(col, out=buf.col2)))
            ZL /= col
        elif self.output_activation == "sigmoid":
            if Y is not None:
                # J = (1/m) sum [softplus(z) - y z],  softplus(z) = log(1 + e^z) = logaddexp(0, z).
                # Each term is computed in float64 (the output layer is small): in float32,
                # softplus(z) - y z for a confident, right prediction cancels to noise.
                t, yz = buf.out64
                np.copyto(t, ZL)
                np.multiply(Y, t, out=yz)
                np.logaddexp(0, t, out=t)
                t -= yz
                cost = float(np.sum(t))
            # sigmoid(z) = (1 + tanh(z / 2)) / 2: no exp, so no overflow for large |z|
            ZL *= 0.5
            np.tanh(ZL, out=ZL)
            ZL *= 0.5
            ZL += 0.5
        # identity: AL = ZL, nothing to do; its cost needs AL - Y (see step)
        return None if cost is None else cost / m

    # -- one step --------------------------------------------------------------------
    def step(self, X, Y, learning_rate, cost=True):
        """One gradient-descent step on the batch ``(X, Y)``, in place.

        Parameters
        ----------
        X : ndarray, shape (n_0, m)
            Inputs, one column per example (cast to the network's dtype if needed).
        Y : ndarray, shape (n_L, m)
            Targets (one-hot columns for softmax), cast to the network's dtype.
        learning_rate : float
        cost : bool
            Also compute the batch's cost before the step (a few cheap reductions).

        Returns
        -------
        float or None
            The cost ``J`` on this batch *before* the update (like
            :meth:`course.nn.NeuralNetwork.step`), or ``None`` when ``cost`` is false.
        """
        X, Y = self._check_batch(X, Y)
        if not np.isfinite(learning_rate):
            raise ValueError(f"learning_rate must be a finite number; got {learning_rate!r}")
        m = X.shape[1]
        L, W, b = self.L, self.W, self.b
        buf = self._buffers_for(m)
        A = buf.A

        # Forward, then the output: A[L] <- AL.
        G = self._forward(X, buf)
        J = self._output(G, buf, Y if cost else None)

        # Output gradient, scaled once: G[L] = (alpha / m) (AL - Y)   (n_L, m)
        G -= Y
        if cost and self.output_activation == "identity":
            J = 0.5 * float(np.vdot(G, G)) / m  # J = sum((AL - Y)**2) / (2m)
        G *= self.dtype.type(learning_rate / m)

        for l in range(L, 0, -1):
            A_prev = X if l == 1 else A[l - 1]
            n, n_prev = W[l].shape
            # alpha * dW[l] = G[l] @ A[l-1].T   (the 1/m and alpha are inside G)
            dW = self._dW[: n * n_prev].reshape(n, n_prev)
            np.matmul(G, A_prev.T, out=dW)
            if l > 1:
                # A[l-1] has had its last use (dW); its buffer now takes the gradient.
                # relu' = 1 where Z > 0, that is where A > 0 (0 at Z = 0, as in course.nn);
                # a boolean mask and one multiply (np.sign(A) would give the same factor
                # but is about ten times slower than np.greater: it is not vectorised).
                mask = buf.mask[: n_prev * m].reshape(n_prev, m)
                np.greater(A_prev, 0, out=mask)
                # dA[l-1] = W[l].T @ G[l], with W[l] before its update, over A[l-1]
                np.matmul(W[l].T, G, out=A_prev)
            W[l] -= dW
            # b[l] -= alpha * db[l] = G[l].sum(axis=1), as G[l] @ ones: a BLAS matrix-vector
            # product, about three times faster than np.sum(G, axis=1) here.
            db = self._db[:n].reshape(n, 1)
            np.matmul(G, buf.ones, out=db)
            b[l] -= db
            if l > 1:
                G = A_prev  # G[l-1] = dA[l-1] * relu'(Z[l-1])
                G *= mask
        return J
