"""The graded functions of assignment 1 (chain rule and computational graphs), plain data only.

Every function takes and returns plain data (Python numbers, ndarrays, tuples): the grader
cannot carry callables or :class:`~course.nn.graph.Value` objects. "Elementwise" functions
accept a Python float (and return a Python float) or an ndarray of any shape (and return an
ndarray of that shape). Gradients are in denominator layout: a gradient has the shape of what
it differentiates; a Jacobian ``dy/dx`` of ``y`` in ``R^h`` and ``x`` in ``R^n`` is ``(h, n)``.

The numbers of the worked examples (``docs/curriculum.md`` §1.2-1.3):

>>> xyz_forward_backward(-2.0, 5.0, -4.0)
(-12.0, -4.0, -4.0, 3.0)
>>> problem1_dfdx(1.0)
336.0
>>> gate_backward("max", 2.0, 3.0, 1.0)
(2.0, 0.0)
>>> activation_prime(0.0, "sigmoid"), activation_prime(0.0, "relu")
(0.25, 0.0)
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "activation_prime",
    "average_gradients",
    "contract_dc_dW",
    "dc_dW_tensor",
    "gate_backward",
    "micrograd_grads",
    "problem1_dfdx",
    "problem2_partials",
    "relu_layer_backward",
    "relu_layer_jacobian",
    "sigmoid_dot_backward",
    "sigmoid_neuron_backward",
    "softplus_graph_backward",
    "squared_error_backward",
    "xyz_forward_backward",
]


def _scalar(*xs):
    return all(not isinstance(x, np.ndarray) for x in xs)


def _out(value, *inputs):
    """A Python float when every input is a number, else an ndarray."""
    if _scalar(*inputs):
        return float(value)
    return np.asarray(value)


def _sigmoid(z):
    """Stable logistic function (no overflow for any finite ``z``)."""
    z = np.asarray(z)
    return np.exp(-np.logaddexp(0.0, -z)).astype(z.dtype if z.dtype.kind == "f" else float)


# --------------------------------------------------------------------------- gates
def _add_gate(dout, x, y):
    """Backward pass of an add gate ``out = x + y``: the gradient is distributed unchanged.

    Parameters
    ----------
    dout : float or ndarray, shape (n, m)
        Upstream gradient ``dL/dout``.
    x, y : float or ndarray, shape (n, m)
        The gate's inputs (same shape as ``dout``).

    Returns
    -------
    dx, dy : float or ndarray, shape (n, m)
        ``dL/dx = dout`` and ``dL/dy = dout``.
    """
    one = np.ones(np.shape(x)) if not _scalar(dout) else 1.0
    return _out(dout * one, dout, x, y), _out(dout * one, dout, x, y)


def _mul_gate(dout, x, y):
    """Backward pass of a multiply gate ``out = x * y``: each input gets the other's value.

    Parameters
    ----------
    dout, x, y : float or ndarray, shape (n, m)

    Returns
    -------
    dx, dy : float or ndarray, shape (n, m)
        ``y * dout`` and ``x * dout``.
    """
    return _out(y * dout, dout, x, y), _out(x * dout, dout, x, y)


def _max_gate(dout, x, y):
    """Backward pass of a max gate: all of ``dout`` goes to the larger input, ties to ``x``.

    As :meth:`course.nn.graph.Value.max`.

    Parameters
    ----------
    dout, x, y : float or ndarray, shape (n, m)

    Returns
    -------
    dx, dy : float or ndarray, shape (n, m)
        ``dout * (x >= y)`` and ``dout * (x < y)``, as floats.
    """
    first = np.asarray(x) >= np.asarray(y)
    return (_out(np.where(first, dout, 0.0 * dout), dout, x, y),
            _out(np.where(first, 0.0 * dout, dout), dout, x, y))


#: The gates of :func:`gate_backward`, by name.
GATES = {"add": _add_gate, "mul": _mul_gate, "max": _max_gate}


def gate_backward(gate, dout, x, y):
    """Backward pass of one of the three common gates: how it sends ``dout`` to its inputs.

    ``"add"`` (``out = x + y``) distributes: both inputs get ``dout``. ``"mul"``
    (``out = x * y``) switches: ``x`` gets ``y * dout`` and ``y`` gets ``x * dout``.
    ``"max"`` (``out = max(x, y)``) routes: all of ``dout`` to the larger input, ties to
    ``x`` (as :meth:`course.nn.graph.Value.max`), as floats.

    Parameters
    ----------
    gate : {"add", "mul", "max"}
        Which gate.
    dout : float or ndarray, shape (n, m)
        Upstream gradient ``dL/dout``.
    x, y : float or ndarray, shape (n, m)
        The gate's inputs (same shape as ``dout``).

    Returns
    -------
    dx, dy : float or ndarray, shape (n, m)
        ``dL/dx`` and ``dL/dy``.

    Raises
    ------
    ValueError
        For a ``gate`` that is not one of the three.
    """
    if gate not in GATES:
        raise ValueError(f"gate must be one of {sorted(GATES)}, not {gate!r}")
    return GATES[gate](dout, x, y)


def xyz_forward_backward(x, y, z):
    """Forward and backward pass of ``f = (x + y) * z`` through ``q = x + y``, ``f = q * z``.

    Parameters
    ----------
    x, y, z : float or ndarray, shape (n, m)

    Returns
    -------
    f, df_dx, df_dy, df_dz : float or ndarray, shape (n, m)
        ``(x + y) z``, ``z``, ``z`` and ``x + y``.
    """
    q = x + y
    f = q * z
    dq = z  # df/dq, then the add gate distributes it
    return (_out(f, x, y, z), _out(dq * 1.0, x, y, z), _out(dq * 1.0, x, y, z),
            _out(q * 1.0, x, y, z))


def sigmoid_neuron_backward(w, x):
    """The sigmoid neuron ``f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))`` and its gradients.

    Parameters
    ----------
    w : ndarray, shape (3,)
        ``(w0, w1, w2)``; ``w2`` is the bias.
    x : ndarray, shape (2,)
        ``(x0, x1)``.

    Returns
    -------
    f : float
        The output, computed stably (no overflow for large ``|w . x|``).
    dw : ndarray, shape (3,)
        ``f (1 - f) (x0, x1, 1)``.
    dx : ndarray, shape (2,)
        ``f (1 - f) (w0, w1)``.
    """
    w = np.asarray(w, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = float(_sigmoid(dot))
    ddot = f * (1.0 - f)
    return f, ddot * np.array([x[0], x[1], 1.0]), ddot * w[:2].copy()


def softplus_graph_backward(x):
    """Softplus as a graph ``b = exp(x)``, ``a = 1 + b``, ``y = log(a)``, and its backward pass.

    Parameters
    ----------
    x : float or ndarray, shape (n, m)
        ``|x| <= 30`` (``exp`` does not overflow).

    Returns
    -------
    y, dy_da, dy_db, dy_dx : float or ndarray, shape (n, m)
        ``log(1 + e^x)``, ``1 / a``, ``1 / a`` and ``e^x / a`` (``= sigmoid(x)``).
    """
    b = np.exp(x)
    a = 1.0 + b
    y = np.log(a)
    dy_da = 1.0 / a
    dy_db = dy_da * 1.0
    dy_dx = dy_db * b
    return tuple(_out(v, x) for v in (y, dy_da, dy_db, dy_dx))


# --------------------------------------------------------------------------- the problem sheet
def problem1_dfdx(x):
    """Sheet problem (1): ``df/dx`` for ``f = 4 f1^2``, ``f1 = f2 - 2``, ``f2 = 5x^3 - x + 1``.

    Parameters
    ----------
    x : float or ndarray, shape (n, m)

    Returns
    -------
    dfdx : float or ndarray, shape (n, m)
        ``8 (5x^3 - x - 1)(15x^2 - 1)``, elementwise.
    """
    f2 = 5 * x**3 - x + 1
    f1 = f2 - 2
    return _out(8 * f1 * (15 * x**2 - 1), x)


def problem2_partials(u, v):
    """Sheet problem (2): ``df/du``, ``df/dv`` for ``f = 2x^3 + y``, ``x = sin u + cos v``,
    ``y = exp(u v)``.

    Parameters
    ----------
    u, v : float or ndarray, shape (n, m)

    Returns
    -------
    df_du, df_dv : float or ndarray, shape (n, m)
        ``6x^2 cos u + v e^{uv}`` and ``-6x^2 sin v + u e^{uv}``.
    """
    x = np.sin(u) + np.cos(v)
    e = np.exp(u * v)
    return (_out(6 * x**2 * np.cos(u) + v * e, u, v),
            _out(-6 * x**2 * np.sin(v) + u * e, u, v))


def average_gradients(per_example):
    """Sheet problem (8): the gradient of the average loss is the average of the per-example
    gradients.

    Parameters
    ----------
    per_example : ndarray, shape (n, ...)
        ``per_example[i]`` is the gradient of the loss of example ``i``.

    Returns
    -------
    grad : ndarray, shape (...)
        The mean over axis 0.
    """
    per_example = np.asarray(per_example)
    return per_example.sum(axis=0) / per_example.shape[0]


def _sigmoid_prime(z):
    s = _sigmoid(z)
    return _out(s * (1 - s), z)


def _relu_prime(z):
    zz = np.asarray(z)
    dtype = zz.dtype if zz.dtype.kind == "f" else np.float64
    return _out((zz > 0).astype(dtype), z)


#: The activations of :func:`activation_prime`, by name.
ACTIVATION_PRIMES = {"sigmoid": _sigmoid_prime, "relu": _relu_prime}


def activation_prime(z, activation):
    """Sheet problems (9) and (10): the derivative ``sigma'(z)`` of an activation, elementwise.

    ``"sigmoid"``: ``s (1 - s)`` with ``s = sigmoid(z)``, computed stably (at most 0.25, at
    0; 0 and no warning for ``|z|`` in the hundreds). ``"relu"``: 1.0 where ``z > 0`` and
    0.0 elsewhere (0 at ``z = 0``), as floats of the dtype of ``z``, not booleans.

    Parameters
    ----------
    z : float or ndarray, shape (n, m)
        Pre-activations.
    activation : {"sigmoid", "relu"}
        Which activation.

    Returns
    -------
    dz : float or ndarray, shape (n, m)
        ``sigma'(z)``.

    Raises
    ------
    ValueError
        For an ``activation`` that is not one of the two.
    """
    if activation not in ACTIVATION_PRIMES:
        raise ValueError(f"activation must be one of {sorted(ACTIVATION_PRIMES)}, "
                         f"not {activation!r}")
    return ACTIVATION_PRIMES[activation](z)


def squared_error_backward(a, y, half=False):
    """The gradient of the squared error ``c ||a - y||^2`` with respect to ``a``, per example.

    ``half=False``: ``c = 1`` (section 12's ``eps = ||x - h||^2``), gradient ``2 (a - y)``;
    ``half=True``: ``c = 1/2`` (sheet problem (11), ``L = 1/2 sum_j (a_j - y_j)^2``),
    gradient ``a - y``. A 2-D ``a`` holds one example per column; there is no ``1/m`` (the
    averaging happens in the layer's backward pass).

    Parameters
    ----------
    a, y : ndarray, shape (n,) or (n_F, m)
        Prediction and target.
    half : bool, optional
        Whether the loss has the factor ``1/2``.

    Returns
    -------
    da : ndarray, shape of ``a``
        ``dL/da``.
    """
    return (1.0 if half else 2.0) * (np.asarray(a) - np.asarray(y))


# --------------------------------------------------------------------------- vectors
def sigmoid_dot_backward(w, x):
    """``y = sigmoid(w . x)`` and its gradients with respect to ``w`` and ``x``.

    Parameters
    ----------
    w, x : ndarray, shape (n,)

    Returns
    -------
    y : float
    grad_w : ndarray, shape (n,)
        ``y (1 - y) x``.
    grad_x : ndarray, shape (n,)
        ``y (1 - y) w`` (the derivative ``y (1 - y)`` is positive).
    """
    w = np.asarray(w, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    y = float(_sigmoid(np.dot(w, x)))
    d = y * (1.0 - y)
    return y, d * x, d * w


def relu_layer_jacobian(W, b, x):
    """The Jacobian ``da/dx`` of ``a = ReLU(W x + b)``: ``diag(1[W x + b > 0]) W``.

    Parameters
    ----------
    W : ndarray, shape (h, n)
    b : ndarray, shape (h,)
    x : ndarray, shape (n,)

    Returns
    -------
    J : ndarray, shape (h, n)
        ``J[i, j] = da_i / dx_j``; rows of units with ``W x + b <= 0`` are zero.
    """
    W = np.asarray(W)
    z = W @ np.asarray(x) + np.asarray(b)
    return (z > 0).astype(W.dtype)[:, None] * W


def relu_layer_backward(W, b, x, y):
    """Gradients of ``L = ||ReLU(W x + b) - y||^2`` with respect to ``W``, ``b`` and ``x``.

    The course's names: pre-activation ``z = W x + b``, activation ``a = ReLU(z)``,
    target ``y`` (the lecture notes call them ``a``, ``h`` and ``z``).

    Parameters
    ----------
    W : ndarray, shape (h, n)
    b : ndarray, shape (h,)
    x : ndarray, shape (n,)
    y : ndarray, shape (h,)
        The target.

    Returns
    -------
    dW : ndarray, shape (h, n)
        ``outer(g, x)`` with ``g = dL/dz = 2 (a - y) * 1[z > 0]``.
    db : ndarray, shape (h,)
        ``g``.
    dx : ndarray, shape (n,)
        ``W.T @ g``.
    """
    W, b, x, y = (np.asarray(v) for v in (W, b, x, y))
    z = W @ x + b
    a = np.maximum(z, 0)
    g = 2.0 * (a - y) * (z > 0)
    return np.outer(g, x), g, W.T @ g


def dc_dW_tensor(x, h):
    """The tensor ``dc/dW`` of ``c = W x`` (``W`` of shape ``(h, n)``), which we never build
    in practice.

    Parameters
    ----------
    x : ndarray, shape (n,)
    h : int
        The number of rows of ``W`` (the length of ``c``).

    Returns
    -------
    T : ndarray, shape (h, n, h)
        ``T[i, j, k] = dc_k / dW_ij = x_j if i == k else 0``.
    """
    x = np.asarray(x)
    T = np.zeros((h, x.shape[0], h), dtype=x.dtype if x.dtype.kind == "f" else np.float64)
    for i in range(h):
        T[i, :, i] = x
    return T


def contract_dc_dW(T, g):
    """Contract a tensor ``T = dc/dW`` with ``g = dl/dc``: ``sum_k T[:, :, k] g[k]``.

    Parameters
    ----------
    T : ndarray, shape (h, n, h)
    g : ndarray, shape (h,)

    Returns
    -------
    dW : ndarray, shape (h, n)
        For the tensor of :func:`dc_dW_tensor`, ``outer(g, x)``.
    """
    return np.tensordot(np.asarray(T), np.asarray(g), axes=([2], [0]))


# --------------------------------------------------------------------------- micrograd
#: The operations of :func:`micrograd_grads`' expressions and their arity.
MICROGRAD_OPS = {"add": 2, "mul": 2, "exp": 1, "tanh": 1}


def micrograd_grads(expr, inputs):
    """Gradients of a small scalar expression, by :class:`~course.nn.graph.Value`'s backward pass.

    Parameters
    ----------
    expr : str, float or tuple
        An input's name, a constant, or ``(op, operand, ...)`` with ``op`` one of
        ``"add"``, ``"mul"`` (two operands), ``"exp"``, ``"tanh"`` (one), e.g.
        ``("tanh", ("add", ("mul", "x", "w"), "b"))``. Equal sub-expressions are one node
        of the graph (built once and reused, as when a Python name holds it).
    inputs : dict of str to float
        The value of each input.

    Returns
    -------
    grads : dict of str to float
        ``d expr / d input`` for every key of ``inputs`` (0.0 for an unused input).

    >>> micrograd_grads(("add", ("mul", "x", "x"), "x"), {"x": 3.0})
    {'x': 7.0}
    """
    from .graph import Value

    nodes = {n: Value(float(v), label=n) for n, v in inputs.items()}
    memo = {}
    ops = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b,
           "exp": Value.exp, "tanh": Value.tanh}

    def build(sub):
        if isinstance(sub, tuple):
            if sub not in memo:
                memo[sub] = ops[sub[0]](*map(build, sub[1:]))
            return memo[sub]
        return nodes[sub] if isinstance(sub, str) else Value(float(sub))

    build(expr).backward()
    return {n: float(v.grad) for n, v in nodes.items()}
