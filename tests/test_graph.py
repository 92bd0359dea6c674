"""The scalar Value graph: every gate forward and backward against centered differences, the
notes' worked examples, gradient accumulation, and graphs deeper than the recursion limit."""

from __future__ import annotations

import math
import sys

import pytest

from course.nn import Value

EPS = 1e-6


def _numeric(fn, xs, i):
    """Centered difference of ``fn(*Values).data`` in the i-th input."""
    plus = [Value(x + EPS * (j == i)) for j, x in enumerate(xs)]
    minus = [Value(x - EPS * (j == i)) for j, x in enumerate(xs)]
    return (fn(*plus).data - fn(*minus).data) / (2 * EPS)


def _check(fn, xs, expected_value):
    """Forward value and every input's gradient of ``fn`` at ``xs``."""
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(expected_value, rel=1e-12, abs=1e-300)
    out.backward()
    assert out.grad == 1.0
    for i, leaf in enumerate(leaves):
        num = _numeric(fn, xs, i)
        assert leaf.grad == pytest.approx(num, rel=1e-7, abs=1e-9), f"input {i}"


# name: (function of Values, the same on floats, input sampler)
OPS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, "any2"),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, "any2"),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, "any2"),
    "div": (lambda a, b: a / b, lambda a, b: a / b, "nonzero2"),
    "neg": (lambda a: -a, lambda a: -a, "any1"),
    "pow3": (lambda a: a**3, lambda a: a**3, "any1"),
    "pow_neg": (lambda a: a**-1.5, lambda a: a**-1.5, "pos1"),
    "sqrt": (lambda a: a**0.5, lambda a: math.sqrt(a), "pos1"),
    "max": (lambda a, b: a.max(b), lambda a, b: max(a, b), "distinct2"),
    "exp": (lambda a: a.exp(), math.exp, "any1"),
    "log": (lambda a: a.log(), math.log, "pos1"),
    "sigmoid": (lambda a: a.sigmoid(), lambda a: 1 / (1 + math.exp(-a)), "any1"),
    "tanh": (lambda a: a.tanh(), math.tanh, "any1"),
    "relu": (lambda a: a.relu(), lambda a: max(a, 0.0), "nonzero1"),
    "radd": (lambda a: 2.5 + a, lambda a: 2.5 + a, "any1"),
    "rsub": (lambda a: 1.5 - a, lambda a: 1.5 - a, "any1"),
    "rmul": (lambda a: -3.0 * a, lambda a: -3.0 * a, "any1"),
    "rdiv": (lambda a: 2.0 / a, lambda a: 2.0 / a, "nonzero1"),
    "const_right": (lambda a: (a + 1) * 2 - 3 / 1.5, lambda a: (a + 1) * 2 - 2, "any1"),
}


def _sample(rng, kind):
    n = int(kind[-1])
    xs = [float(v) for v in rng.uniform(-2, 2, size=n)]
    if kind.startswith("pos"):
        xs = [abs(x) + 0.1 for x in xs]
    if kind.startswith("nonzero"):
        xs = [x + math.copysign(0.1, x) for x in xs]
    if kind == "distinct2" and abs(xs[0] - xs[1]) < 0.1:
        xs[1] += 0.5
    return xs


@pytest.mark.parametrize("name", sorted(OPS))
def test_gate_forward_and_backward_match_centered_differences(name, rng):
    fn, ref, kind = OPS[name]
    for _ in range(5):
        xs = _sample(rng, kind)
        _check(fn, xs, ref(*xs))


def test_max_routes_to_the_larger_input_either_way():
    for a, b in ((3.0, -1.0), (-1.0, 3.0)):
        x, y = Value(a), Value(b)
        out = x.max(y) * 2
        out.backward()
        assert out.data == 6.0
        assert (x.grad, y.grad) == ((2.0, 0.0) if a > b else (0.0, 2.0))


def test_max_tie_goes_to_the_first_input_and_relu_at_zero_passes_nothing():
    x, y = Value(1.0), Value(1.0)
    x.max(y).backward()
    assert (x.grad, y.grad) == (1.0, 0.0)
    z = Value(0.0)
    r = z.relu()
    r.backward()
    assert r.data == 0.0 and z.grad == 0.0


def test_composite_expression(rng):
    def f(x, y, z):
        return (x * y + z.tanh()).sigmoid() * (x.exp() + 1).log() - (y**2).relu() / z

    def ref(x, y, z):
        return (1 / (1 + math.exp(-(x * y + math.tanh(z)))) * math.log(math.exp(x) + 1)
                - y**2 / z)

    for _ in range(5):
        xs = _sample(rng, "nonzero3")
        _check(f, xs, ref(*xs))


# ----------------------------------------------------------------------- the notes' examples
def test_seed_example_x_plus_y_times_z():
    """f(x, y, z) = (x + y) * z at x = -2, y = 5, z = -4.

    q = x + y = 3, f = q * z = -12; df/dq = z = -4, df/dz = q = 3;
    the add gate distributes: df/dx = df/dy = df/dq * 1 = -4."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    f = q * z
    f.backward()
    assert f.data == -12.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)
    assert q.grad == -4.0 and q.data == 3.0
    assert f.op == "*" and q.op == "+" and set(map(id, f.parents)) == {id(q), id(z)}


def _neuron(w0, x0, w1, x1, w2, gates):
    dot = w0 * x0 + w1 * x1 + w2
    if gates:  # 1 / (1 + exp(-dot)), one primitive gate at a time
        return 1 / ((-dot).exp() + 1)
    return dot.sigmoid()


@pytest.mark.parametrize("gates", [True, False])
def test_seed_example_sigmoid_neuron(gates):
    """f = sigmoid(w0 x0 + w1 x1 + w2) at w = (2, -3, -3), x = (-1, -2).

    dot = 2*(-1) + (-3)*(-2) + (-3) = 1, f = sigmoid(1) = 0.73;
    local gradient sigmoid(1) (1 - sigmoid(1)) = 0.197 ~ 0.2, so
    dw0 = x0 * 0.197 = -0.20, dx0 = w0 * 0.197 = 0.39, dw1 = x1 * 0.197 = -0.39,
    dx1 = w1 * 0.197 = -0.59, dw2 = 0.197 = 0.20."""
    leaves = [Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0)]
    w0, x0, w1, x1, w2 = leaves
    f = _neuron(*leaves, gates=gates)
    f.backward()
    s = 1 / (1 + math.exp(-1.0))
    assert f.data == pytest.approx(s, rel=1e-14)
    local = s * (1 - s)
    grads = [leaf.grad for leaf in leaves]
    assert grads == pytest.approx([-1 * local, 2 * local, -2 * local, -3 * local, local],
                                  rel=1e-12)
    assert grads == pytest.approx([-0.20, 0.39, -0.39, -0.59, 0.20], abs=0.005)
    assert f.data == pytest.approx(0.73, abs=0.005)


# ----------------------------------------------------------------------- accumulation
def test_a_node_used_twice_accumulates():
    x = Value(3.0)
    f = x * x  # df/dx = 2x
    f.backward()
    assert x.grad == 6.0

    x, y = Value(3.0), Value(-2.0)
    f = x * y + x  # df/dx = y + 1
    f.backward()
    assert x.grad == -1.0 and y.grad == 3.0

    a = Value(1.5)
    b = a + a  # both inputs are the same node
    c = b * b  # c = 4 a^2, dc/da = 8a
    c.backward()
    assert a.grad == 12.0 and b.grad == 6.0


def test_shared_subexpressions_are_visited_once():
    """a_{k+1} = a_k + a_k: 60 levels, 2^60 paths, but each node is processed once."""
    x = Value(1.0)
    a = x
    for _ in range(60):
        a = a + a
    a.backward()
    assert a.data == 2.0**60 and x.grad == 2.0**60
    order = a.topological_order()
    assert len(order) == 61 and len({id(n) for n in order}) == 61


def test_backward_twice_accumulates_unless_zeroed():
    x, y = Value(2.0), Value(5.0)
    f = x * y
    f.backward()
    f.backward()
    assert x.grad == 10.0  # 5 + 5: gradients add up
    f.zero_grad()
    assert x.grad == 0.0 and y.grad == 0.0 and f.grad == 0.0
    f.backward()
    assert (x.grad, y.grad) == (5.0, 2.0)


def test_topological_order_puts_inputs_first():
    x, y = Value(1.0), Value(2.0)
    q = x * y
    f = (q + x).tanh() * q
    order = f.topological_order()
    pos = {id(n): i for i, n in enumerate(order)}
    assert order[-1] is f and len(pos) == len(order)
    for node in order:
        for p in node.parents:
            assert pos[id(p)] < pos[id(node)]


# ----------------------------------------------------------------------- depth
@pytest.mark.parametrize("depth", [5000])
def test_deep_chain_does_not_hit_the_recursion_limit(depth):
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # the CPython default; the chain is much deeper
    try:
        x = Value(0.5)
        v = x
        for _ in range(depth):
            v = v * 1.0001 + 0.001
        v.backward()
        x_grad = x.grad
        order_len = len(v.topological_order())
        v.zero_grad()
        zeroed = x.grad
    finally:
        sys.setrecursionlimit(old)
    assert x_grad == pytest.approx(1.0001**depth, rel=1e-9)
    assert order_len >= 2 * depth
    assert zeroed == 0.0


# ----------------------------------------------------------------------- errors
def test_errors():
    with pytest.raises(ValueError, match="positive"):
        Value(0.0).log()
    with pytest.raises(ValueError, match="positive"):
        Value(-1.0).log()
    with pytest.raises(TypeError, match="exponent must be a number"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(TypeError, match="not a Value"):
        Value(Value(1.0))


def test_sigmoid_saturates_without_overflow():
    for z, limit in ((800.0, 1.0), (-800.0, 0.0)):
        x = Value(z)
        s = x.sigmoid()
        s.backward()
        assert s.data == limit and x.grad == 0.0
    assert Value(-50.0).sigmoid().data == pytest.approx(math.exp(-50.0), rel=1e-12)


def test_power_zero_is_a_constant_even_at_zero():
    for x0 in (0.0, 2.0):
        x = Value(x0)
        y = x**0 * 3 + x * 2  # d/dx = 0 + 2
        y.backward()
        assert y.data == 3.0 + 2 * x0 and x.grad == 2.0


def test_value_basics():
    v = Value(3, label="w")
    assert v.data == 3.0 and isinstance(v.data, float) and v.grad == 0.0
    assert v.op == "" and v.parents == ()
    assert "w=3" in repr(v)
    assert (v**2).op == "**2"
