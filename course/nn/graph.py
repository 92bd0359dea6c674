"""A scalar computational graph with reverse-mode differentiation.

Each :class:`Value` remembers the values it was made from and a small function
that applies its *local* chain rule: given ``out.grad = dJ/dout`` it adds
``dJ/dout * dout/dinput`` to each input's ``grad``. :meth:`Value.backward` sets
the root's gradient to 1 and calls those functions in reverse topological order,
so every node's gradient is complete before it is passed on.

The gates of the notes behave as follows in the backward pass:

* **add** distributes: both inputs receive the upstream gradient unchanged;
* **multiply** switches: each input receives the upstream gradient times the *other* input;
* **max** routes: the larger input receives all of it, the other none (ties go to the first);
* a node used twice **accumulates**: gradients from its uses are summed (``+=``).

Example: ``f(x, y, z) = (x + y) * z`` at ``x = -2, y = 5, z = -4``::

    >>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    >>> f = (x + y) * z
    >>> f.backward()
    >>> f.data, x.grad, y.grad, z.grad
    (-12.0, -4.0, -4.0, 3.0)
"""

from __future__ import annotations

import math

__all__ = ["Value"]


def _sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class Value:
    """A scalar node of a computational graph.

    Parameters
    ----------
    data : float
        The node's value.
    label : str, optional
        A name shown in drawings of the graph.

    Attributes
    ----------
    data : float
    grad : float
        ``dJ/d(this node)`` after :meth:`backward` on the root ``J``; 0 before.
    op : str
        The operation that produced this node ('' for a leaf).
    parents : tuple of Value
        The inputs of that operation.
    """

    __slots__ = ("data", "grad", "op", "parents", "label", "_backward")

    def __init__(self, data, label="", _parents=(), _op=""):
        if isinstance(data, Value):
            raise TypeError("Value(data) takes a number, not a Value")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.parents = tuple(_parents)
        self.op = _op
        self._backward = None

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def _lift(other):
        return other if isinstance(other, Value) else Value(other)

    # ---------------------------------------------------------------- binary gates
    def __add__(self, other):
        other = self._lift(other)
        out = Value(self.data + other.data, _parents=(self, other), _op="+")

        def backward():  # add distributes the gradient unchanged
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other):
        other = self._lift(other)
        out = Value(self.data * other.data, _parents=(self, other), _op="*")

        def backward():  # multiply switches: each input gets the other's value
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def max(self, other):
        """``max(self, other)``; the backward pass routes the gradient to the larger input."""
        other = self._lift(other)
        first = self.data >= other.data
        out = Value(self.data if first else other.data, _parents=(self, other), _op="max")

        def backward():
            (self if first else other).grad += out.grad

        out._backward = backward
        return out

    def __pow__(self, k):
        if isinstance(k, Value):
            raise TypeError("Value ** Value is not supported; the exponent must be a number")
        k = float(k)
        out = Value(self.data**k, _parents=(self,), _op=f"**{k:g}")

        def backward():  # d(x^k)/dx = k x^(k-1); x^0 is constant (no 0 ** -1 at x = 0)
            if k != 0:
                self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = backward
        return out

    # ---------------------------------------------------------------- unary functions
    def _unary(self, value, local_grad, op):
        out = Value(value, _parents=(self,), _op=op)

        def backward():
            self.grad += local_grad * out.grad

        out._backward = backward
        return out

    def exp(self):
        """``e ** x``; local gradient ``e ** x``."""
        e = math.exp(self.data)
        return self._unary(e, e, "exp")

    def log(self):
        """Natural logarithm; local gradient ``1 / x``. Needs ``x > 0``."""
        if self.data <= 0:
            raise ValueError(f"log needs a positive input; got {self.data}")
        return self._unary(math.log(self.data), 1.0 / self.data, "log")

    def sigmoid(self):
        """Logistic function; local gradient ``s (1 - s)``."""
        s = _sigmoid(self.data)
        return self._unary(s, s * (1 - s), "sigmoid")

    def tanh(self):
        """Hyperbolic tangent; local gradient ``1 - t**2``."""
        t = math.tanh(self.data)
        return self._unary(t, 1 - t * t, "tanh")

    def relu(self):
        """``max(0, x)``; local gradient 1 where ``x > 0``, else 0 (also at exactly 0)."""
        return self._unary(max(0.0, self.data), 1.0 if self.data > 0 else 0.0, "relu")

    # ---------------------------------------------------------------- derived operators
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) - self

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    def __rtruediv__(self, other):
        return self._lift(other) * self**-1

    __radd__ = __add__
    __rmul__ = __mul__

    # ---------------------------------------------------------------- the backward pass
    def topological_order(self):
        """Every node this one depends on, each after all of its inputs, ending with ``self``.

        Iterative depth-first search, so deep graphs do not hit the recursion limit.
        """
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if id(p) not in seen)
        return order

    def zero_grad(self):
        """Reset the gradient of this node and everything it depends on to 0."""
        for node in self.topological_order():
            node.grad = 0.0

    def backward(self):
        """Fill in ``grad`` of every node this one depends on: ``d(self)/d(node)``.

        Gradients accumulate; call :meth:`zero_grad` first to run a second pass.
        """
        order = self.topological_order()
        self.grad = 1.0
        for node in reversed(order):
            if node._backward is not None:
                node._backward()
