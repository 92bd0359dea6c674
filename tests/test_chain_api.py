"""The references of assignment 1 (``course.nn.chain_api``): the curriculum's worked numbers,
agreement with the ``Value`` graph and with centered differences, and the inputs that the
chain checks promise (ties, the ReLU kink, large magnitudes)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import CHECKS
from autograder.checks.chain import NAMES
from course import nn
from course.nn import Value
from course.nn import chain_api as api

EPS = 1e-6
RNG = np.random.default_rng(7)


def _num_grad(f, x):
    """Centered differences of the scalar ``f`` at the array ``x`` (float64)."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + EPS
        fp = f(x.copy())
        x.flat[i] = old - EPS
        fm = f(x.copy())
        x.flat[i] = old
        g.flat[i] = (fp - fm) / (2 * EPS)
    return g


def _rel(a, b):
    a, b = np.ravel(a), np.ravel(b)
    d = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if d == 0 else np.linalg.norm(a - b) / d


def test_every_name_is_exported_and_registered():
    assert sorted(NAMES) == sorted(api.__all__)
    for name in NAMES:
        assert getattr(nn, name) is getattr(api, name) and name in nn.__all__
        assert name in CHECKS and name not in nn.GRADED_API
    # assignment 01's points: curriculum §1.4's 15, plus 2 for micrograd_grads (§8); the
    # merged exercises keep the points of the items they replace
    assert sum(CHECKS[n].points for n in NAMES) == 17.0


# --------------------------------------------------------------------------- worked numbers
def test_problem_sheet_numbers():
    for x, d in [(0, 8), (1, 336), (2, 17464), (-1, -560), (0.5, -19.25)]:
        assert api.problem1_dfdx(float(x)) == pytest.approx(d)
        assert type(api.problem1_dfdx(float(x))) is float
    for (u, v), (du, dv) in [((0, 0), (6, 0)), ((1, 0), (10.9930, 1)),
                             ((1, 2), (15.3646, 6.4021)),
                             ((np.pi / 2, np.pi / 2), (18.5225, 12.5225))]:
        got = api.problem2_partials(float(u), float(v))
        assert got == pytest.approx((du, dv), abs=1e-4)
    assert api.activation_prime(0.0, "sigmoid") == 0.25
    assert api.activation_prime(0.0, "relu") == 0.0
    assert api.activation_prime(1e-9, "relu") == 1.0
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no warning
        assert api.activation_prime(-800.0, "sigmoid") == 0.0
        assert api.activation_prime(np.array([-800.0, 800.0]), "sigmoid").tolist() == [0, 0]
    a, y = np.array([[0.5, 1.0], [2.0, -1.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])
    assert api.squared_error_backward(a, y, half=True).tolist() == [[0.5, 0.0], [1.0, -2.0]]
    assert api.squared_error_backward(a, y).tolist() == [[1.0, 0.0], [2.0, -4.0]]
    assert api.average_gradients(np.array([[1.0, 2.0], [3.0, 6.0]])).tolist() == [2.0, 4.0]


def test_graph_numbers():
    assert api.xyz_forward_backward(-2.0, 5.0, -4.0) == (-12.0, -4.0, -4.0, 3.0)
    assert api.gate_backward("mul", -4.0, 3.0, -4.0) == (16.0, -12.0)
    assert api.gate_backward("add", 2.0, -2.0, 5.0) == (2.0, 2.0)
    assert api.gate_backward("max", 2.0, 3.0, 1.0) == (2.0, 0.0)
    assert api.gate_backward("max", 2.0, 1.0, 1.0) == (2.0, 0.0)  # ties go to x
    for name, func in (("gate", api.gate_backward), ("activation", api.activation_prime)):
        with pytest.raises(ValueError, match=f"{name} must be one of"):
            func("tanh", 1.0, 2.0, 3.0) if name == "gate" else func(1.0, "tanh")
    f, dw, dx = api.sigmoid_neuron_backward(np.array([2.0, -3, -3]), np.array([-1.0, -2]))
    assert f == pytest.approx(0.7311, abs=1e-4)
    assert dw == pytest.approx([-0.197, -0.393, 0.197], abs=1e-3)
    assert dx == pytest.approx([0.393, -0.590], abs=1e-3)
    for x, y, dy in [(0.0, 0.6931, 0.5), (1.0, 1.3133, 0.7311), (-2.0, 0.1269, 0.1192)]:
        out = api.softplus_graph_backward(x)
        assert out[0] == pytest.approx(y, abs=1e-4) and out[3] == pytest.approx(dy, abs=1e-4)
    T = api.dc_dW_tensor(np.array([1.0, 2, 3, 4]), 3)
    assert T.shape == (3, 4, 3) and int(np.sum(T == 0)) == 24


# --------------------------------------------------------------------------- Value graph
@pytest.mark.parametrize("xy", [(3.0, 1.0), (1.0, 3.0), (2.0, 2.0), (-1.0, -1.0)])
def test_max_gate_routes_like_value_max(xy):
    x, y = Value(xy[0]), Value(xy[1])
    out = x.max(y)
    out.grad = 0.0
    (out * 1.5).backward()
    assert api.gate_backward("max", 1.5, *xy) == (x.grad, y.grad)


@pytest.mark.parametrize("gate", ["add", "mul"])
def test_add_and_mul_gates_agree_with_value(gate):
    for dout, x0, y0 in RNG.normal(size=(4, 3)):
        x, y = Value(float(x0)), Value(float(y0))
        out = x + y if gate == "add" else x * y
        (out * float(dout)).backward()
        got = api.gate_backward(gate, float(dout), float(x0), float(y0))
        assert got == pytest.approx((x.grad, y.grad))


def test_xyz_and_neuron_agree_with_value():
    for x0, y0, z0 in RNG.normal(size=(5, 3)):
        x, y, z = Value(x0), Value(y0), Value(z0)
        f = (x + y) * z
        f.backward()
        got = api.xyz_forward_backward(float(x0), float(y0), float(z0))
        assert got == pytest.approx((f.data, x.grad, y.grad, z.grad))
    for _ in range(5):
        w, xs = RNG.normal(size=3), RNG.normal(size=2)
        vw, vx = [Value(float(v)) for v in w], [Value(float(v)) for v in xs]
        f = (vw[0] * vx[0] + vw[1] * vx[1] + vw[2]).sigmoid()
        f.backward()
        out = api.sigmoid_neuron_backward(w, xs)
        assert out[0] == pytest.approx(f.data)
        assert out[1] == pytest.approx([v.grad for v in vw])
        assert out[2] == pytest.approx([v.grad for v in vx])


# --------------------------------------------------------------------------- finite differences
def test_elementwise_derivatives_match_centered_differences():
    x = RNG.uniform(-1.5, 1.5, size=(3, 4))

    def f1(x):
        return 4 * (5 * x**3 - x + 1 - 2) ** 2

    num = (f1(x + EPS) - f1(x - EPS)) / (2 * EPS)
    assert _rel(api.problem1_dfdx(x), num) < 1e-7
    u, v = RNG.uniform(-1, 1, size=(2, 5))

    def f2(u, v):
        return 2 * (np.sin(u) + np.cos(v)) ** 3 + np.exp(u * v)

    du, dv = api.problem2_partials(u, v)
    assert _rel(du, (f2(u + EPS, v) - f2(u - EPS, v)) / (2 * EPS)) < 1e-7
    assert _rel(dv, (f2(u, v + EPS) - f2(u, v - EPS)) / (2 * EPS)) < 1e-7
    z = RNG.uniform(-6, 6, size=20)
    sig = nn.sigmoid
    assert _rel(api.activation_prime(z, "sigmoid"),
                (sig(z + EPS) - sig(z - EPS)) / (2 * EPS)) < 1e-7
    z = z[np.abs(z) > 1e-3]  # away from the kink
    assert _rel(api.activation_prime(z, "relu"),
                (np.maximum(z + EPS, 0) - np.maximum(z - EPS, 0)) / (2 * EPS)) < 1e-7
    sp = np.logaddexp(0, z)
    assert _rel(api.softplus_graph_backward(z)[3],
                (np.logaddexp(0, z + EPS) - np.logaddexp(0, z - EPS)) / (2 * EPS)) < 1e-7
    assert np.allclose(api.softplus_graph_backward(z)[0], sp)


def test_vector_gradients_match_centered_differences():
    n, h = 4, 3
    w, x = RNG.normal(size=n), RNG.normal(size=n)
    y, gw, gx = api.sigmoid_dot_backward(w, x)
    assert _rel(gw, _num_grad(lambda w_: float(nn.sigmoid(np.dot(w_, x))), w)) < 1e-7
    assert _rel(gx, _num_grad(lambda x_: float(nn.sigmoid(np.dot(w, x_))), x)) < 1e-7
    hh = RNG.normal(size=n)
    assert _rel(api.squared_error_backward(x, hh),
                _num_grad(lambda x_: float(np.sum((x_ - hh) ** 2)), x)) < 1e-7
    A, Y = RNG.normal(size=(3, 5)), RNG.normal(size=(3, 5))  # one column per example
    for half, c in ((True, 0.5), (False, 1.0)):
        for i in range(5):  # the gradient of each example's loss, no 1/m
            num = _num_grad(lambda a_, c=c, i=i: c * float(np.sum((a_ - Y[:, i]) ** 2)),
                            A[:, i])
            assert _rel(api.squared_error_backward(A, Y, half=half)[:, i], num) < 1e-7
    W, b, z = RNG.normal(size=(h, n)), RNG.normal(size=h), RNG.normal(size=h)

    def loss(W_=W, b_=b, x_=x):
        return float(np.sum((np.maximum(W_ @ x_ + b_, 0) - z) ** 2))

    dW, db, dx = api.relu_layer_backward(W, b, x, z)
    assert _rel(dW, _num_grad(lambda W_: loss(W_=W_), W)) < 1e-7
    assert _rel(db, _num_grad(lambda b_: loss(b_=b_), b)) < 1e-7
    assert _rel(dx, _num_grad(lambda x_: loss(x_=x_), x)) < 1e-7
    J = api.relu_layer_jacobian(W, b, x)
    num = np.stack([_num_grad(lambda x_, i=i: float(np.maximum(W @ x_ + b, 0)[i]), x)
                    for i in range(h)])
    assert J.shape == (h, n) and _rel(J, num) < 1e-7
    T = api.dc_dW_tensor(x, h)
    for k in range(h):  # T[:, :, k] = dc_k / dW
        assert np.allclose(T[:, :, k], _num_grad(lambda W_, k=k: float((W_ @ x)[k]), W))
    g = RNG.normal(size=h)
    assert np.allclose(api.contract_dc_dW(T, g), np.outer(g, x))


# --------------------------------------------------------------------------- promised inputs
def test_chain_cases_have_the_promised_features():
    for hidden, seed in ((False, 0), (True, 12345)):
        cases = CHECKS["gate_backward"].cases(seed, hidden)
        assert {c.args[0] for c in cases} == {"add", "mul", "max"}
        ties = [c for c in cases if c.args[0] == "max"]
        assert any(np.any(np.asarray(c.args[2]) == np.asarray(c.args[3])) for c in ties)
        for gate in ("add", "mul", "max"):
            assert any(c.args[0] == gate and isinstance(c.args[1], float) for c in cases)
            assert any(c.args[0] == gate and isinstance(c.args[1], np.ndarray) for c in cases)
        for name in ("relu_layer_jacobian", "relu_layer_backward"):
            cases = CHECKS[name].cases(seed, hidden)
            for c in cases:
                W, b, x = c.args[:3]
                assert np.any(W @ x + b == 0)  # a unit exactly at the kink
            assert any(c.args[0].shape[0] != c.args[0].shape[1] for c in cases)
        cases = CHECKS["activation_prime"].cases(seed, hidden)
        zs = [c.args[0] for c in cases if c.args[1] == "relu"]
        assert all(np.any(np.asarray(z) == 0) for z in zs if isinstance(z, np.ndarray))
        assert any(isinstance(z, float) and z == 0 for z in zs)
        big = [c.args[0] for c in cases if c.args[1] == "sigmoid"]
        assert any(np.max(np.abs(z)) >= 720 for z in big)
        halves = {(np.ndim(c.args[0]), c.args[2]) for c in
                  CHECKS["squared_error_backward"].cases(seed, hidden)}
        assert halves == {(1, False), (1, True), (2, False), (2, True)}
    big = [c.args[0] for c in CHECKS["activation_prime"].cases(0, False)]
    assert any(np.max(np.abs(z)) >= 800 for z in big)


@pytest.mark.parametrize("name", NAMES)
def test_hard_coded_public_answers_fail_hidden_cases(name):
    """Every hidden case has inputs of its own: a table of the public answers fails them."""
    from autograder import plain
    from autograder.checks import hidden_seed, run_case

    public = CHECKS[name].cases(0, False)

    def cheat(*args):
        for c in public:
            if plain.dumps(c.args) == plain.dumps(args):
                return c.expected
        return public[0].expected

    assert all(CHECKS[name].judge(c, run_case(cheat, c)).passed for c in public)
    hidden = CHECKS[name].cases(hidden_seed("student-42", "01_chain_rule"), True)
    seen = {plain.dumps(c.args) for c in public}
    # activation_prime(0.0, 'relu') is not fresh
    fresh = [c for c in hidden if plain.dumps(c.args) not in seen]
    assert len(fresh) >= 3
    assert not any(CHECKS[name].judge(c, run_case(cheat, c)).passed for c in fresh)
