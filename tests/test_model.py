"""L-layer networks: a two-layer example worked by hand, every hidden activation x output/loss
combination against centered differences, the graded L_model_* pair, updates, shape errors,
dtypes, untouched inputs and the NeuralNetwork trainer."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Snapshot, centered_difference, rel_error

from course.nn import (
    ELEMENTWISE,
    LOSSES,
    L_model_backward,
    L_model_forward,
    NeuralNetwork,
    ShapeError,
    check_parameters,
    compute_cost,
    initialize_parameters,
    model_backward,
    model_forward,
    one_hot,
    update_parameters,
)


# =========================================================================== by hand
def _hand_example():
    X = np.array([[1.0, 2.0], [2.0, -1.0]])  # 2 features, m = 2 examples (one per column)
    Y = np.array([[0.0, 1.0]])
    params = {
        "W1": np.array([[1.0, -1.0], [0.5, 1.0]]),
        "b1": np.array([[0.0], [-1.0]]),
        "W2": np.array([[1.0, -2.0]]),
        "b2": np.array([[1.0]]),
    }
    return X, Y, params


def test_two_layer_network_worked_by_hand():
    """A 2-2-1 network (ReLU hidden layer, sigmoid output, binary cross-entropy), m = 2.

    X = [[1,  2],      W1 = [[1.0, -1],   b1 = [[ 0],     W2 = [[1, -2]]   b2 = [[1]]
         [2, -1]]            [0.5,  1]]         [-1]]                        Y = [[0, 1]]

    Forward
      Z1 = W1 @ X + b1
         = [[1*1 - 1*2 + 0,        1*2 - 1*(-1) + 0      ],    = [[-1.0,  3.0],
            [0.5*1 + 1*2 - 1,      0.5*2 + 1*(-1) - 1    ]]       [ 1.5, -1.0]]
      A1 = relu(Z1) = [[0, 3], [1.5, 0]]
      Z2 = W2 @ A1 + b2 = [[1*0 - 2*1.5 + 1,  1*3 - 2*0 + 1]] = [[-2, 4]]
      A2 = sigmoid(Z2) = [[1/(1+e^2), 1/(1+e^-4)]] = [[0.1192029, 0.9820138]]
      cost = -(1/2) * (log(1 - 0.1192029) + log(0.9820138))
           = -(1/2) * (-0.1269280 - 0.0181499) = 0.0725390

    Backward (dZ2 = A2 - Y: the sigmoid and the cross-entropy cancel)
      dZ2 = [[0.1192029 - 0, 0.9820138 - 1]] = [[0.1192029, -0.0179862]]  =: [[a, c]]
      dW2 = dZ2 @ A1.T / 2 = [[a*0 + c*3, a*1.5 + c*0]] / 2 = [[-0.0269793, 0.0894022]]
      db2 = (a + c) / 2 = 0.0506084
      dA1 = W2.T @ dZ2 = [[1*a, 1*c], [-2*a, -2*c]] = [[ 0.1192029, -0.0179862],
                                                         [-0.2384058,  0.0359724]]
      dZ1 = dA1 * (Z1 > 0), mask [[0, 1], [1, 0]]  = [[ 0,         -0.0179862],
                                                         [-0.2384058,  0        ]]
      dW1 = dZ1 @ X.T / 2 = [[0*1 + c*2,   0*2 + c*(-1)],   / 2 = [[-0.0179862,  0.0089931],
                             [-2a*1 + 0,  -2a*2 + 0    ]]          [-0.1192029, -0.2384058]]
      db1 = dZ1.sum(axis=1) / 2 = [[c / 2], [-2a / 2]] = [[-0.0089931], [-0.1192029]]
      dA0 = W1.T @ dZ1 = [[1*0 + 0.5*(-2a),  1*c + 0.5*0],  = [[-0.1192029, -0.0179862],
                          [-1*0 + 1*(-2a),  -1*c + 1*0 ]]      [-0.2384058,  0.0179862]]
    """
    X, Y, params = _hand_example()
    AL, caches = L_model_forward(X, params)
    close = {"rtol": 0, "atol": 1e-7}  # the numbers above have 7 decimals
    np.testing.assert_allclose(caches[0][1], [[-1.0, 3.0], [1.5, -1.0]], **close)  # Z1
    np.testing.assert_allclose(caches[1][0][0], [[0.0, 3.0], [1.5, 0.0]], **close)  # A1
    np.testing.assert_allclose(caches[1][1], [[-2.0, 4.0]], **close)  # Z2
    np.testing.assert_allclose(AL, [[0.1192029, 0.9820138]], **close)  # A2
    assert compute_cost(AL, Y) == pytest.approx(0.0725390, abs=1e-7)

    expected = {
        "dW2": [[-0.0269793, 0.0894022]],
        "db2": [[0.0506084]],
        "dA1": [[0.1192029, -0.0179862], [-0.2384058, 0.0359724]],
        "dW1": [[-0.0179862, 0.0089931], [-0.1192029, -0.2384058]],
        "db1": [[-0.0089931], [-0.1192029]],
        "dA0": [[-0.1192029, -0.0179862], [-0.2384058, 0.0179862]],
    }
    for grads in (L_model_backward(AL, Y, caches), model_backward(AL, Y, caches)):
        assert set(grads) == set(expected)
        for k, v in expected.items():
            np.testing.assert_allclose(grads[k], v, err_msg=k, **close)


# =========================================================================== gradients
def _targets(loss, rng, C, m):
    if loss == "cross_entropy":
        return one_hot(rng.integers(0, C, size=m), C)
    if loss == "mse":
        return rng.standard_normal((C, m))
    return rng.integers(0, 2, size=(C, m)).astype(float)


def _network(rng, dims, m, hidden):
    """Random parameters and X, redrawn until no hidden Z is near a kink at 0."""
    while True:
        params = initialize_parameters(dims, "xavier", seed=rng)
        for l in range(1, len(dims)):
            params[f"b{l}"] = 0.5 * rng.standard_normal((dims[l], 1))
        X = rng.standard_normal((dims[0], m))
        _, caches = model_forward(X, params, hidden, "identity")
        if all(np.min(np.abs(c[1])) > 1e-3 for c in caches[:-1]):
            return X, params


def _numerical(cost, params, X):
    """Centered differences of ``cost(params, X)`` w.r.t. every parameter and ``X``."""
    num = {}
    for key, value in params.items():
        num[f"d{key}"] = centered_difference(lambda v, key=key: cost({**params, key: v}, X), value)
    num["dX"] = centered_difference(lambda x: cost(params, x), X)
    return num


def _assert_grads_match(grads, num, m, L, tol=1e-7):
    for l in range(1, L + 1):
        for p in "Wb":
            k = f"d{p}{l}"
            assert grads[k].shape == num[k].shape, k
            err = rel_error(grads[k], num[k])
            assert err < tol, f"{k}: relative error {err:.2e}"
    # dA0 is per example (no 1/m): it is m times the gradient of the average cost w.r.t. X
    err = rel_error(grads["dA0"], m * num["dX"])
    assert err < tol, f"dA0: relative error {err:.2e}"


# (output activation, loss, n_L): each loss with its own output activation, plus MSE behind
# squashing outputs (no fused form there: the chain rule goes through the activation)
OUTPUTS = [
    ("sigmoid", "binary_cross_entropy", 1),
    ("softmax", "cross_entropy", 3),
    ("sigmoid", "multilabel_cross_entropy", 3),
    ("identity", "mse", 2),
    ("sigmoid", "mse", 1),
    ("tanh", "mse", 2),
]


def test_every_loss_is_covered():
    # every loss appears with the output activation it fuses with (where fused=True matters)
    assert {(LOSSES[loss].output_activation, loss) for _, loss, _ in OUTPUTS} <= {
        (out, loss) for out, loss, _ in OUTPUTS
    }
    assert {loss for _, loss, _ in OUTPUTS} == set(LOSSES)


@pytest.mark.parametrize("m", [1, 5])
@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("output, loss, n_L", OUTPUTS)
@pytest.mark.parametrize("hidden", ELEMENTWISE)
def test_model_backward_matches_centered_differences(hidden, output, loss, n_L, fused, m, rng):
    dims = [3, 4, 3, n_L]  # non-square layers
    X, params = _network(rng, dims, m, hidden)
    Y = _targets(loss, rng, n_L, m)
    spec = LOSSES[loss]

    def cost(p, x):
        return spec.cost(model_forward(x, p, hidden, output)[0], Y)

    AL, caches = model_forward(X, params, hidden, output)
    assert AL.shape == (n_L, m) and len(caches) == 3
    grads = model_backward(AL, Y, caches, hidden, output, loss, fused=fused)
    assert set(grads) == {"dA0", "dA1", "dA2", "dW1", "db1", "dW2", "db2", "dW3", "db3"}
    _assert_grads_match(grads, _numerical(cost, params, X), m, L=3)


@pytest.mark.parametrize("output, loss, n_L", OUTPUTS[:4])
def test_fused_and_unfused_backward_agree(output, loss, n_L, rng):
    X, params = _network(rng, [4, 5, n_L], 6, "tanh")
    Y = _targets(loss, rng, n_L, 6)
    AL, caches = model_forward(X, params, "tanh", output)
    a = model_backward(AL, Y, caches, "tanh", output, loss, fused=True)
    b = model_backward(AL, Y, caches, "tanh", output, loss, fused=False)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-9, atol=1e-12, err_msg=k)


# dims and m: one layer, deep, wide-then-narrow, a single example
L_CASES = [([4, 1], 3), ([5, 3, 1], 1), ([2, 7, 4, 3, 1], 4), ([6, 2, 5, 1], 1), ([3, 3, 1], 8)]


@pytest.mark.parametrize("dims, m", L_CASES)
def test_L_model_matches_centered_differences(dims, m, rng):
    X, params = _network(rng, dims, m, "relu")
    Y = rng.integers(0, 2, size=(1, m)).astype(float)

    def cost(p, x):
        return compute_cost(L_model_forward(x, p)[0], Y)

    AL, caches = L_model_forward(X, params)
    L = len(dims) - 1
    assert AL.shape == (1, m) and len(caches) == L
    assert np.all((AL > 0) & (AL < 1))
    grads = L_model_backward(AL, Y, caches)
    expected_keys = {f"dA{l - 1}" for l in range(1, L + 1)} | {
        f"{p}{l}" for l in range(1, L + 1) for p in ("dW", "db")
    }
    assert set(grads) == expected_keys
    _assert_grads_match(grads, _numerical(cost, params, X), m, L)


def test_L_model_caches_chain_the_layers(rng):
    X, params = _network(rng, [3, 4, 2, 1], 5, "relu")
    AL, caches = L_model_forward(X, params)
    A_prev = X
    for l, ((a_prev, W, b), Z) in enumerate(caches, start=1):
        np.testing.assert_array_equal(a_prev, A_prev)
        np.testing.assert_array_equal(W, params[f"W{l}"])
        np.testing.assert_array_equal(b, params[f"b{l}"])
        np.testing.assert_allclose(Z, W @ a_prev + b, rtol=1e-14)
        A_prev = np.maximum(Z, 0) if l < 3 else 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(AL, A_prev, rtol=1e-14)


def test_L_model_is_relu_then_sigmoid(rng):
    X, params = _network(rng, [3, 4, 1], 5, "relu")
    AL, _ = L_model_forward(X, params)
    AL2, _ = model_forward(X, params, "relu", "sigmoid")
    AL3, _ = model_forward(X, params, "tanh", "sigmoid")
    np.testing.assert_array_equal(AL, AL2)
    assert not np.allclose(AL, AL3)


def test_saturated_output_stays_finite(rng):
    """Huge weights drive the sigmoid output to exactly 0 and 1: still no NaN or warning."""
    X = np.array([[1.0, -1.0, 2.0]])
    params = {"W1": np.array([[400.0]]), "b1": np.zeros((1, 1)),
              "W2": np.array([[4.0]]), "b2": np.array([[-800.0]])}
    AL, caches = L_model_forward(X, params)  # Z2 = [800, -800, 2400]
    np.testing.assert_array_equal(AL, [[1.0, 0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 0.0]])  # confidently wrong on every example
    cost = compute_cost(AL, Y)
    assert np.isfinite(cost) and cost > 10
    for grads in (L_model_backward(AL, Y, caches), model_backward(AL, Y, caches)):
        for k, v in grads.items():
            assert np.all(np.isfinite(v)), k
    # the fused form still sees the mistake where the sigmoid has saturated
    # (dZ2 = AL - Y = [1, -1, 1], so db2 = 1/3), where the unfused chain rule vanishes
    assert model_backward(AL, Y, caches)["db2"][0, 0] == pytest.approx(1 / 3)


# =========================================================================== updates
def test_update_parameters_values_and_new_dict(rng):
    params = initialize_parameters([3, 4, 2], "he", seed=rng)
    grads = {f"d{k}": rng.standard_normal(v.shape) for k, v in params.items()}
    grads["dA0"] = rng.standard_normal((3, 5))  # ignored
    snap = Snapshot(params, grads)
    new = update_parameters(params, grads, 0.1)
    snap.assert_unchanged()
    assert new is not params and set(new) == set(params)
    for k, v in params.items():
        np.testing.assert_allclose(new[k], v - 0.1 * grads[f"d{k}"], rtol=1e-15)
        assert not np.shares_memory(new[k], v)


def test_update_parameters_keeps_float32(rng):
    params = initialize_parameters([3, 4, 2], "he", seed=rng, dtype=np.float32)
    grads = {f"d{k}": rng.standard_normal(v.shape) for k, v in params.items()}  # float64
    new = update_parameters(params, grads, 0.5)
    for k, v in new.items():
        assert v.dtype == np.float32, k


def test_update_parameters_errors(rng):
    params = initialize_parameters([3, 4, 2], "he", seed=rng)
    grads = {f"d{k}": np.zeros_like(v) for k, v in params.items()}
    with pytest.raises(KeyError, match="db2"):
        update_parameters(params, {k: v for k, v in grads.items() if k != "db2"}, 0.1)
    with pytest.raises(ShapeError, match=r"dW2 must have shape \(2, 4\), like W2; got \(4, 2\)"):
        update_parameters(params, {**grads, "dW2": grads["dW2"].T}, 0.1)


# =========================================================================== shape errors
def test_check_parameters_names_the_transposed_weight():
    params = initialize_parameters([3, 5, 4, 1], seed=0)
    assert check_parameters(params) == 3
    assert check_parameters(params, n_x=3) == 3
    params["W2"] = params["W2"].T
    with pytest.raises(ShapeError) as exc:
        check_parameters(params)
    assert str(exc.value) == "W2 must have shape (4, 5); got (5, 4)"


def test_forward_with_transposed_x_blames_x():
    params = initialize_parameters([3, 5, 1], seed=0)
    X = np.ones((7, 3))  # batch-first: (m, n_x)
    for forward in (L_model_forward, lambda x, p: model_forward(x, p, "tanh", "softmax")):
        with pytest.raises(ShapeError) as exc:
            forward(X, params)
        msg = str(exc.value)
        assert msg.startswith("X must have shape (3, m) because W1 has shape (5, 3)")
        assert "got (7, 3)" in msg and "transposed" in msg


def test_forward_with_transposed_w1_blames_w1():
    params = initialize_parameters([3, 5, 1], seed=0)
    params["W1"] = params["W1"].T
    with pytest.raises(ShapeError, match=r"^W1 must have shape \(5, 3\); got \(3, 5\)$"):
        L_model_forward(np.ones((3, 4)), params)


def test_forward_with_flat_bias_names_it():
    params = initialize_parameters([3, 5, 1], seed=0)
    params["b1"] = params["b1"].ravel()
    with pytest.raises(ShapeError, match=r"^b1 must have shape \(5, 1\); got \(5,\)$"):
        L_model_forward(np.ones((3, 4)), params)


def test_parameter_dict_errors():
    params = initialize_parameters([3, 5, 1], seed=0)
    with pytest.raises(KeyError, match="no b2"):
        check_parameters({k: v for k, v in params.items() if k != "b2"})
    with pytest.raises(KeyError, match="unexpected keys"):
        check_parameters({**params, "W4": np.ones((1, 1))})
    with pytest.raises(KeyError, match="W1"):
        check_parameters({})
    with pytest.raises(TypeError, match="dict"):
        check_parameters([params["W1"], params["b1"]])


def test_backward_with_transposed_y_names_y(rng):
    X, params = _network(rng, [3, 4, 1], 4, "relu")
    AL, caches = L_model_forward(X, params)
    Yt = np.ones((4, 1))
    with pytest.raises(ShapeError, match=r"Y must have the shape of AL, \(1, 4\); got \(4, 1\)"):
        L_model_backward(AL, Yt, caches)
    with pytest.raises(ShapeError, match=r"got \(4, 1\)"):
        model_backward(AL, Yt, caches)


def test_backward_without_caches():
    with pytest.raises(ValueError, match="caches is empty"):
        model_backward(np.ones((1, 2)) / 2, np.ones((1, 2)), [])


# =========================================================================== dtypes, inputs
@pytest.mark.parametrize("output, loss, n_L", OUTPUTS[:4])
def test_float32_in_float32_out(output, loss, n_L, rng):
    params = initialize_parameters([3, 4, n_L], "he", seed=rng, dtype=np.float32)
    X = rng.standard_normal((3, 5)).astype(np.float32)
    Y = _targets(loss, rng, n_L, 5)  # float64 targets must not upcast the network
    for fused in (True, False):
        AL, caches = model_forward(X, params, "relu", output)
        assert AL.dtype == np.float32
        grads = model_backward(AL, Y, caches, "relu", output, loss, fused=fused)
        for k, v in grads.items():
            assert v.dtype == np.float32, k
    if loss == "binary_cross_entropy":
        AL, caches = L_model_forward(X, params)
        assert AL.dtype == np.float32
        for k, v in L_model_backward(AL, Y, caches).items():
            assert v.dtype == np.float32, k


def test_graded_functions_leave_their_inputs_alone(rng):
    X, params = _network(rng, [3, 4, 2, 1], 5, "relu")
    Y = rng.integers(0, 2, size=(1, 5)).astype(float)
    snap = Snapshot(X, params, Y)
    AL, caches = L_model_forward(X, params)
    snap_back = Snapshot(AL, Y, caches)
    grads = L_model_backward(AL, Y, caches)
    model_backward(AL, Y, caches, fused=True)
    snap_back.assert_unchanged()
    snap_grads = Snapshot(grads)
    update_parameters(params, grads, 0.3)
    snap_grads.assert_unchanged()
    snap.assert_unchanged()


# =========================================================================== NeuralNetwork
XOR_X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
XOR_Y = np.array([[0, 1, 1, 0]])


def test_network_learns_xor():
    net = NeuralNetwork([2, 8, 1], seed=0)
    net.fit(XOR_X, XOR_Y, learning_rate=0.5, epochs=1500)
    assert net.accuracy(XOR_X, XOR_Y) == 1.0
    np.testing.assert_array_equal(net.predict(XOR_X), XOR_Y)
    assert net.history[-1] < 0.05 < net.history[0]
    # a linear model (identity hidden layer) cannot: XOR is not linearly separable
    lin = NeuralNetwork([2, 8, 1], hidden_activation="identity", seed=0)
    lin.fit(XOR_X, XOR_Y, learning_rate=0.5, epochs=300)
    assert lin.accuracy(XOR_X, XOR_Y) <= 0.75


def _blobs(rng, m=60):
    labels = rng.integers(0, 3, size=m)
    centers = np.array([[2.0, -2.0, 0.0], [0.0, 0.0, 2.5]])
    return centers[:, labels] + 0.6 * rng.standard_normal((2, m)), labels


def test_history_and_grad_norms_lengths(rng):
    X, labels = _blobs(rng)
    net = NeuralNetwork([2, 6, 5, 3], output_activation="softmax", seed=1)
    net.fit(X, labels, learning_rate=0.2, epochs=7, batch_size=16)
    net.fit(X, labels, learning_rate=0.2, epochs=3)
    assert len(net.history) == 10 and len(net.grad_norms) == 10
    for norms in net.grad_norms:
        assert set(norms) == {"dW1", "dW2", "dW3"}
        assert all(isinstance(v, float) and v >= 0 for v in norms.values())
    assert all(isinstance(c, float) for c in net.history)


def test_full_batch_equals_batch_size_m(rng):
    X, labels = _blobs(rng)
    a = NeuralNetwork([2, 5, 3], output_activation="softmax", seed=3)
    b = NeuralNetwork([2, 5, 3], output_activation="softmax", seed=3)
    a.fit(X, labels, learning_rate=0.3, epochs=5)
    b.fit(X, labels, learning_rate=0.3, epochs=5, batch_size=X.shape[1])
    for k in a.parameters:
        np.testing.assert_array_equal(a.parameters[k], b.parameters[k])
    assert a.history == b.history


def test_mini_batch_fit_is_the_loop_of_steps_it_describes(rng):
    """batch_size=16, no shuffling, m=60: four updates per epoch on columns 0:16, ..., 48:60;
    history = the example-weighted mean of the batch costs; grad_norms from the last batch."""
    X, labels = _blobs(rng)
    Y = one_hot(labels, 3)
    net = NeuralNetwork([2, 5, 3], "tanh", "softmax", seed=4)
    params = dict(net.parameters)
    net.fit(X, Y, learning_rate=0.3, epochs=2, batch_size=16, shuffle=False)
    for epoch in range(2):
        total = 0.0
        for start in range(0, 60, 16):
            Xb, Yb = X[:, start:start + 16], Y[:, start:start + 16]
            AL, caches = model_forward(Xb, params, "tanh", "softmax")
            total += LOSSES["cross_entropy"].cost(AL, Yb) * Xb.shape[1]
            grads = model_backward(AL, Yb, caches, "tanh", "softmax", "cross_entropy")
            params = update_parameters(params, grads, 0.3)
        assert net.history[epoch] == pytest.approx(total / 60, rel=1e-12)
        assert net.grad_norms[epoch]["dW2"] == pytest.approx(np.linalg.norm(grads["dW2"]))
    for k in params:
        np.testing.assert_allclose(net.parameters[k], params[k], rtol=1e-12)


def test_mini_batch_and_batch_both_learn_and_differ(rng):
    X, labels = _blobs(rng)
    batch = NeuralNetwork([2, 8, 3], output_activation="softmax", seed=5)
    mini = NeuralNetwork([2, 8, 3], output_activation="softmax", seed=5)
    batch.fit(X, labels, learning_rate=0.2, epochs=40)
    mini.fit(X, labels, learning_rate=0.2, epochs=40, batch_size=8)
    assert not np.allclose(batch.parameters["W1"], mini.parameters["W1"])
    for net in (batch, mini):
        assert net.history[-1] < 0.5 * net.history[0]
        assert net.accuracy(X, labels) > 0.9
    # mini-batch makes 8 updates per epoch: it gets further in the same number of epochs
    assert mini.history[-1] < batch.history[-1]


def test_shuffled_training_is_reproducible_by_seed(rng):
    X, labels = _blobs(rng)
    runs = []
    for seed in (9, 9, 10):
        net = NeuralNetwork([2, 4, 3], output_activation="softmax", seed=seed)
        runs.append(net.fit(X, labels, learning_rate=0.2, epochs=3, batch_size=10).parameters)
    np.testing.assert_array_equal(runs[0]["W2"], runs[1]["W2"])
    assert not np.array_equal(runs[0]["W2"], runs[2]["W2"])


def test_predict_and_accuracy_shapes(rng):
    X, labels = _blobs(rng, m=12)
    soft = NeuralNetwork([2, 4, 3], output_activation="softmax", seed=0)
    assert soft.predict_proba(X).shape == (3, 12)
    pred = soft.predict(X)
    assert pred.shape == (12,) and set(pred.tolist()) <= {0, 1, 2}
    acc = soft.accuracy(X, labels)
    assert type(acc) is float and acc == pytest.approx(np.mean(pred == labels))
    assert soft.accuracy(X, one_hot(labels, 3)) == acc

    binary = NeuralNetwork([2, 4, 1], seed=0)
    p = binary.predict(X)
    assert p.shape == (1, 12) and set(p.ravel().tolist()) <= {0, 1}
    y = (labels > 0).astype(int)
    assert binary.accuracy(X, y) == pytest.approx(np.mean(p[0] == y))
    assert binary.accuracy(X, y) == binary.accuracy(X, y.reshape(1, -1))

    multi = NeuralNetwork([2, 4, 3], seed=0)  # sigmoid outputs: multilabel
    assert multi.loss == "multilabel_cross_entropy"
    Ym = (rng.random((3, 12)) > 0.5).astype(int)
    pm = multi.predict(X)
    assert pm.shape == (3, 12)
    assert multi.accuracy(X, Ym) == pytest.approx(np.mean(np.all(pm == Ym, axis=0)))

    reg = NeuralNetwork([2, 4, 2], output_activation="identity", seed=0)
    assert reg.loss == "mse" and reg.predict(X).shape == (2, 12)
    with pytest.raises(ValueError, match="classifiers"):
        reg.accuracy(X, np.zeros((2, 12)))


def test_network_backward_passes_a_gradient_check(rng):
    X, labels = _blobs(rng, m=5)
    net = NeuralNetwork([2, 3, 3], "elu", "softmax", seed=2)
    Y = one_hot(labels, 3)
    AL, caches = net.forward(X)
    grads = net.backward(AL, Y, caches)
    for key, value in net.parameters.items():
        num = centered_difference(
            lambda v, key=key: LOSSES["cross_entropy"].cost(
                model_forward(X, {**net.parameters, key: v}, "elu", "softmax")[0], Y), value)
        assert rel_error(grads[f"d{key}"], num) < 1e-7, key


def test_float32_network_stays_float32(rng):
    X, labels = _blobs(rng, m=20)
    net = NeuralNetwork([2, 4, 3], output_activation="softmax", seed=0, dtype=np.float32)
    net.fit(X, labels, learning_rate=0.1, epochs=3, batch_size=7)
    for v in net.parameters.values():
        assert v.dtype == np.float32
    assert net.predict_proba(X).dtype == np.float32


def test_fit_leaves_data_alone_and_checks_it(rng):
    X, labels = _blobs(rng, m=10)
    snap = Snapshot(X, labels)
    net = NeuralNetwork([2, 3, 3], output_activation="softmax", seed=0)
    net.fit(X, labels, epochs=2, batch_size=3)
    snap.assert_unchanged()
    with pytest.raises(ShapeError, match="Y must have 10 columns"):
        net.fit(X, one_hot(labels[:9], 3))
    with pytest.raises(ShapeError, match=r"Y must have shape \(3, m\)"):
        net.fit(X, one_hot(labels, 3).T)
    with pytest.raises(ValueError, match="batch_size"):
        net.fit(X, labels, batch_size=0)


def test_network_rejects_bad_configurations():
    with pytest.raises(ValueError, match="hidden_activation cannot be 'softmax'"):
        NeuralNetwork([2, 3, 1], hidden_activation="softmax")
    with pytest.raises(ValueError, match="activation must be one of"):
        NeuralNetwork([2, 3, 1], hidden_activation="rleu")
    with pytest.raises(ValueError, match="output_activation"):
        NeuralNetwork([2, 3, 1], output_activation="relu")
    with pytest.raises(ValueError, match="loss must be one of"):
        NeuralNetwork([2, 3, 1], loss="hinge")
