"""The gradient checker: it accepts correct backpropagation, rejects classic wrong gradients,
and its vectorized and loop numerical gradients agree with each other and with conftest's
independent centered differences."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Snapshot, centered_difference, rel_error

from course.nn import (
    LOSSES,
    GradCheckResult,
    gradient_check,
    initialize_parameters,
    model_backward,
    model_forward,
    model_numerical_gradients,
    numerical_gradient,
    one_hot,
    relative_error,
)


# ----------------------------------------------------------------------- building blocks
def test_numerical_gradient_matches_the_analytic_gradient(rng):
    x = rng.standard_normal((3, 4))
    g = numerical_gradient(lambda v: float(np.sum(np.sin(v) * v**2)), x)
    assert g.shape == x.shape and g.dtype == np.float64
    assert rel_error(g, np.cos(x) * x**2 + 2 * x * np.sin(x)) < 1e-8


def test_numerical_gradient_never_changes_x(rng):
    x = rng.standard_normal((2, 3)).astype(np.float32)
    snap = Snapshot(x)
    seen = []
    numerical_gradient(lambda v: seen.append(v is x) or float(np.sum(v)), x)
    snap.assert_unchanged()
    assert not any(seen), "f must receive a copy, never x itself"


def test_numerical_gradient_sees_the_average_slope_at_a_kink():
    """Why the ReLU convention at 0 is tested directly (test_activations.py): at an exact
    kink a centered difference returns the mean of the two one-sided slopes, 0.5, which is
    equally far from the convention (0) and from the classic mistake (1)."""
    g = numerical_gradient(lambda v: float(np.sum(np.maximum(v, 0))), np.zeros((1, 3)))
    np.testing.assert_allclose(g, 0.5, rtol=1e-9)


def test_relative_error():
    a = np.array([[1.0, 0.0]])
    b = np.array([[0.0, 1.0]])
    assert relative_error(a, b) == pytest.approx(np.sqrt(2) / 2)  # ||a - b|| / (1 + 1)
    assert type(relative_error(a, b)) is float
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0  # no 0/0
    assert relative_error(a, -a) == 1.0
    assert relative_error(1e-9 * a, 1e-9 * b) == pytest.approx(relative_error(a, b))  # scale-free
    assert relative_error(b, a) == relative_error(a, b)
    with pytest.raises(ValueError, match=r"equal shapes; got \(2, 1\) and \(1, 2\)"):
        relative_error(np.ones((2, 1)), np.ones((1, 2)))


# ----------------------------------------------------------------------- networks
def _problem(rng, dims, m, hidden, loss):
    while True:  # no hidden Z near the kink at 0
        params = initialize_parameters(dims, "xavier", seed=rng)
        for l in range(1, len(dims)):
            params[f"b{l}"] = 0.3 * rng.standard_normal((dims[l], 1))
        X = rng.standard_normal((dims[0], m))
        _, caches = model_forward(X, params, hidden, "identity")
        if all(np.min(np.abs(c[1])) > 1e-3 for c in caches[:-1]):
            break
    n_L = dims[-1]
    if loss == "cross_entropy":
        Y = one_hot(rng.integers(0, n_L, size=m), n_L)
    elif loss == "mse":
        Y = rng.standard_normal((n_L, m))
    else:
        Y = rng.integers(0, 2, size=(n_L, m)).astype(float)
    return params, X, Y


CONFIGS = [  # dims, m, hidden, output, loss
    ([3, 4, 1], 5, "relu", "sigmoid", "binary_cross_entropy"),
    ([2, 5, 3, 3], 4, "tanh", "softmax", "cross_entropy"),
    ([4, 3, 2], 1, "leaky_relu", "sigmoid", "multilabel_cross_entropy"),
    ([3, 6, 4, 2], 3, "elu", "identity", "mse"),
    ([5, 2, 1], 7, "sigmoid", "sigmoid", "mse"),
]


@pytest.mark.parametrize("dims, m, hidden, output, loss", CONFIGS)
def test_vectorized_loop_and_independent_differences_agree(dims, m, hidden, output, loss, rng):
    params, X, Y = _problem(rng, dims, m, hidden, loss)
    snap = Snapshot(params, X, Y)
    args = (params, X, Y, hidden, output, loss)
    vec = model_numerical_gradients(*args, method="vectorized")
    loop = model_numerical_gradients(*args, method="loop")
    tiny = model_numerical_gradients(*args, method="vectorized", max_bytes=1)  # one per chunk
    snap.assert_unchanged()
    spec = LOSSES[loss]
    expected_keys = {f"d{k}" for k in params}
    for grads in (vec, loop, tiny):
        assert set(grads) == expected_keys
    for key, value in params.items():
        def cost(v, key=key):
            return spec.cost(model_forward(X, {**params, key: v}, hidden, output)[0], Y)

        ref = centered_difference(cost, value)
        k = f"d{key}"
        assert vec[k].shape == value.shape and vec[k].dtype == np.float64
        assert rel_error(vec[k], loop[k]) < 1e-8, k
        assert rel_error(tiny[k], vec[k]) < 1e-12, k
        assert rel_error(vec[k], ref) < 1e-8, k


@pytest.mark.parametrize("method", ["vectorized", "loop"])
@pytest.mark.parametrize("dims, m, hidden, output, loss", CONFIGS)
def test_correct_backprop_passes(dims, m, hidden, output, loss, method, rng):
    params, X, Y = _problem(rng, dims, m, hidden, loss)
    result = gradient_check(params, X, Y, hidden, output, loss, method=method)
    assert isinstance(result, GradCheckResult)
    assert result.relative_error < 1e-7 and result.passed()
    assert set(result.per_parameter) == {f"d{k}" for k in params}
    assert max(result.per_parameter.values()) < 1e-7
    AL, caches = model_forward(X, params, hidden, output)
    grads = model_backward(AL, Y, caches, hidden, output, loss)
    for k in result.analytic:
        np.testing.assert_allclose(result.analytic[k], grads[k], rtol=1e-12)


def test_float32_parameters_are_checked_in_float64(rng):
    params, X, Y = _problem(rng, [3, 4, 1], 5, "tanh", "binary_cross_entropy")
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    result = gradient_check(p32, X.astype(np.float32), Y, "tanh")
    assert result.passed()
    assert all(v.dtype == np.float64 for v in result.numerical.values())


# ----------------------------------------------------------------------- wrong gradients
def _student_grads(params, X, Y, bug=None):
    """A hand-written backward pass for LINEAR -> RELU -> LINEAR -> SIGMOID with binary
    cross-entropy, with one classic mistake switched on by ``bug``."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    m = X.shape[1]
    Z1 = W1 @ X + b1
    A1 = np.maximum(Z1, 0)
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    relu_grad = (Z1 > 0).astype(float)
    if bug == "relu_derivative_one":
        relu_grad = np.ones_like(Z1)  # treats ReLU as the identity
    dZ1 = relu_grad if bug == "forget_upstream" else dA1 * relu_grad
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    if bug == "dW_without_1_over_m":
        dW1 = dZ1 @ X.T
    elif bug == "dW_transposed":
        dW1 = dW1.T
    elif bug == "db_sign_flipped":
        db2 = -db2
    elif bug == "dA_with_1_over_m":
        dZ1 = (dA1 / m) * relu_grad
        dW1, db1 = dZ1 @ X.T / m, dZ1.sum(axis=1, keepdims=True) / m
    elif bug == "db_transposed":
        db1 = db1.T
    elif bug == "db_without_keepdims":
        db1 = dZ1.sum(axis=1) / m
    elif bug == "db_wrong_axis":
        db1 = dZ1.sum(axis=0, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def _student_problem(rng):
    # square hidden layer (3 x 3) so that a transposed dW1 still has the right shape; m = 6
    # so that a missing 1/m is visible
    return _problem(rng, [3, 3, 1], 6, "relu", "binary_cross_entropy")


def test_the_hand_written_backward_pass_is_correct_without_a_bug(rng):
    params, X, Y = _student_problem(rng)
    result = gradient_check(params, X, Y, grads=_student_grads(params, X, Y))
    assert result.passed() and result.relative_error < 1e-8


def test_numerical_gradients_passed_in_are_reused_not_recomputed(rng, monkeypatch):
    import course.nn.gradcheck as gc

    params, X, Y = _student_problem(rng)
    bad = _student_grads(params, X, Y, "dW_without_1_over_m")
    first = gradient_check(params, X, Y, grads=_student_grads(params, X, Y), method="loop")
    fresh = gradient_check(params, X, Y, grads=bad, method="loop")

    def no_recompute(*args, **kwargs):
        raise AssertionError("numerical gradients recomputed")

    monkeypatch.setattr(gc, "model_numerical_gradients", no_recompute)
    again = gradient_check(params, X, Y, grads=bad, method="loop", numerical=first.numerical)
    assert again.relative_error == fresh.relative_error
    assert again.per_parameter == fresh.per_parameter


@pytest.mark.parametrize("method", ["vectorized", "loop"])
@pytest.mark.parametrize(
    "bug, culprits",
    [
        ("dW_without_1_over_m", {"dW1"}),
        ("dW_transposed", {"dW1"}),
        ("db_sign_flipped", {"db2"}),
        ("dA_with_1_over_m", {"dW1", "db1"}),
        ("relu_derivative_one", {"dW1", "db1"}),
        ("forget_upstream", {"dW1", "db1"}),
    ],
)
def test_wrong_gradients_are_rejected(bug, culprits, method, rng):
    params, X, Y = _student_problem(rng)
    result = gradient_check(params, X, Y, grads=_student_grads(params, X, Y, bug), method=method)
    assert not result.passed(), f"{bug} passed the gradient check"
    assert result.relative_error > 1e-3
    # the per-parameter errors point at the wrong gradients and clear the right ones
    for k, err in result.per_parameter.items():
        if k in culprits:
            assert err > 1e-3, f"{bug}: {k} not flagged"
        else:
            assert err < 1e-7, f"{bug}: {k} wrongly flagged"


@pytest.mark.parametrize("bug", ["db_transposed", "db_without_keepdims", "db_wrong_axis"])
def test_gradients_of_the_wrong_shape_are_rejected(bug, rng):
    params, X, Y = _student_problem(rng)
    with pytest.raises(ValueError, match="shapes"):
        gradient_check(params, X, Y, grads=_student_grads(params, X, Y, bug))


def test_missing_gradients_are_reported(rng):
    params, X, Y = _student_problem(rng)
    grads = _student_grads(params, X, Y)
    del grads["db1"]
    with pytest.raises(KeyError, match="db1"):
        gradient_check(params, X, Y, grads=grads)


def test_checker_errors(rng):
    params, X, Y = _student_problem(rng)
    with pytest.raises(ValueError, match="method must be 'vectorized' or 'loop'"):
        model_numerical_gradients(params, X, Y, method="fast")
    with pytest.raises(ValueError, match=r"Y must have shape \(1, 6\).*got \(6, 1\)"):
        gradient_check(params, X, Y.T)
    # a flat label vector is fine for one output
    assert gradient_check(params, X, Y.ravel()).passed()


# --------------------------------------------------------------------------- buggy gradients
def _two_layer_backward(p, X, Y, relu_ge=False, db1_wrong_axis=False, dW2_scale=1.0):
    """A hand-written backward of the [n0, n1, 1] ReLU/sigmoid net with planted bugs."""
    from course.nn import sigmoid

    m = X.shape[1]
    Z1 = p["W1"] @ X + p["b1"]
    A1 = np.maximum(Z1, 0)
    A2 = sigmoid(p["W2"] @ A1 + p["b2"])
    dZ2 = A2 - Y
    g = {"dW2": dW2_scale * dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}
    dZ1 = (p["W2"].T @ dZ2) * ((Z1 >= 0) if relu_ge else (Z1 > 0))
    g["dW1"] = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=0, keepdims=True).T if db1_wrong_axis else dZ1.sum(axis=1, keepdims=True)
    g["db1"] = db1 / m
    return g


def _kinked_net(rng, zero_column):
    """[2, 3, 1] net, m = 3 (= n1, so a db1 summed over axis 0 still fits b1's shape);
    with ``zero_column``, X[:, 1] = 0 and b1[0] = 0, so Z1[0, 1] is exactly 0."""
    p = {"W1": rng.standard_normal((3, 2)), "b1": np.array([[0.0 if zero_column else 0.2],
                                                            [0.4], [-0.3]]),
         "W2": rng.standard_normal((1, 3)), "b2": np.array([[0.1]])}
    X = rng.standard_normal((2, 3))
    if zero_column:
        X[:, 1] = 0.0
    else:
        Z1 = p["W1"] @ X + p["b1"]
        assert np.all(np.abs(Z1) > 1e-3)
    return p, X, np.array([[1.0, 0.0, 1.0]])


def test_find_buggy_gradients_names_the_planted_bugs():
    from course.nn.gradcheck_api import find_buggy_gradients

    rng = np.random.default_rng(7)
    p, X, Y = _kinked_net(rng, zero_column=False)
    before = Snapshot(p, X, Y)
    assert find_buggy_gradients(p, X, Y, _two_layer_backward(p, X, Y)) == []
    assert find_buggy_gradients(p, X, Y, _two_layer_backward(p, X, Y, dW2_scale=2.0)) == ["dW2"]
    assert find_buggy_gradients(p, X, Y, _two_layer_backward(p, X, Y, db1_wrong_axis=True)) \
        == ["db1"]
    both = _two_layer_backward(p, X, Y, dW2_scale=2.0, db1_wrong_axis=True)
    assert find_buggy_gradients(p, X, Y, both) == ["dW2", "db1"]  # sorted as strings
    # no Z is exactly 0: the Z >= 0 mask equals Z > 0 and its gradients are right
    assert find_buggy_gradients(p, X, Y, _two_layer_backward(p, X, Y, relu_ge=True)) == []
    before.assert_unchanged()


def test_at_an_exact_zero_the_check_flags_the_correct_and_the_ge_mask_alike():
    """Z1[0, 1] = 0: the centered difference of the cost in b1[0] is the mean of the two
    one-sided slopes, halfway between the Z > 0 and the Z >= 0 gradients, so both are
    flagged on db1 (and only there: X[:, 1] = 0 keeps dW1 away from the kink)."""
    from course.nn.gradcheck_api import find_buggy_gradients, numerical_gradients

    rng = np.random.default_rng(7)
    p, X, Y = _kinked_net(rng, zero_column=True)
    right = _two_layer_backward(p, X, Y)
    ge = _two_layer_backward(p, X, Y, relu_ge=True)
    assert not np.allclose(right["db1"], ge["db1"])
    num = numerical_gradients(p, X, Y, eps=1e-6)
    np.testing.assert_allclose(num["db1"], (right["db1"] + ge["db1"]) / 2, rtol=1e-6, atol=1e-9)
    assert find_buggy_gradients(p, X, Y, right) == ["db1"]
    assert find_buggy_gradients(p, X, Y, ge) == ["db1"]


def test_find_buggy_gradients_threshold_and_eps(rng):
    from course.nn.gradcheck_api import find_buggy_gradients

    p, X, Y = _kinked_net(np.random.default_rng(7), zero_column=False)
    g = _two_layer_backward(p, X, Y)
    g["dW1"] = g["dW1"] * (1 + 1e-4)  # relative error about 5e-5
    assert find_buggy_gradients(p, X, Y, g) == ["dW1"]
    assert find_buggy_gradients(p, X, Y, g, threshold=1e-3) == []
    assert find_buggy_gradients(p, X, Y, g, eps=1e-4, threshold=1e-3) == []


# --------------------------------------------------------------------------- multilabel
@pytest.mark.parametrize("C, m", [(1, 1), (3, 4), (5, 2)])
def test_multilabel_loss_has_the_gradient_A_minus_Y_label_by_label(C, m, rng):
    from course.nn import sigmoid
    from course.nn.gradcheck_api import multilabel_gradient_check, multilabel_loss

    Z = rng.uniform(-4, 4, size=(C, m))
    Y = (rng.random((C, m)) < 0.5).astype(np.float64)
    A = sigmoid(Z)
    # the summed binary cross-entropy of every label, written out naively
    naive = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    assert multilabel_loss(Z, Y) == pytest.approx(naive, rel=1e-12)
    snap = Snapshot(Z, Y)
    num, per_label = multilabel_gradient_check(Z, Y, A - Y)
    snap.assert_unchanged()
    assert num.shape == (C, m) and per_label.shape == (C,)
    assert rel_error(num, centered_difference(lambda z: multilabel_loss(z, Y), Z)) < 1e-8
    assert np.all(per_label < 1e-7)


def test_multilabel_check_names_the_wrong_labels_and_the_softmax_formula(rng):
    from course.nn import sigmoid, softmax
    from course.nn.gradcheck_api import multilabel_gradient_check

    Z = rng.uniform(-3, 3, size=(4, 6))
    Y = (rng.random((4, 6)) < 0.5).astype(np.float64)
    dZ = sigmoid(Z) - Y
    dZ[2] *= -1
    _, per_label = multilabel_gradient_check(Z, Y, dZ)
    assert [c for c in range(4) if per_label[c] > 1e-7] == [2]
    assert per_label[2] == pytest.approx(1.0, abs=1e-6)  # a flipped sign: b = -a
    _, per_label = multilabel_gradient_check(Z, Y, softmax(Z) - Y)
    assert np.all(per_label > 1e-2)  # one softmax couples labels that are independent
    # the loss is stable where a naive log(sigmoid) is not
    from course.nn.gradcheck_api import multilabel_loss

    with np.errstate(over="raise", divide="raise", invalid="raise"):
        assert multilabel_loss(np.array([[-800.0, 800.0]]), np.array([[1.0, 0.0]])) \
            == pytest.approx(1600.0)


@pytest.mark.parametrize("name", ["numerical_gradients", "gradient_check",
                                  "find_buggy_gradients"])
def test_the_checks_batched_numerical_gradients_equal_the_loop_bit_for_bit(name):
    """The checks build their expected numerical gradients with the vectorised method
    (one batched forward pass for every perturbed copy) because it is cheaper; that is
    fair only while it gives exactly the numbers of the loop students write."""
    from autograder.checks import gradcheck as g
    from autograder.checks.core import case_rng
    from course.nn.gradcheck import model_numerical_gradients

    setups = g._gc_setups if name == "gradient_check" else g._net_setups
    for seed in range(25):
        rng = case_rng(name, seed, True)
        for setup in setups(rng, True):
            dims, m, eps = setup[:3]
            params, X, Y = g._network(rng, dims, m)
            loop = model_numerical_gradients(params, X, Y, eps=eps, method="loop")
            batched = g._numerical(params, X, Y, eps)
            for k in loop:
                np.testing.assert_array_equal(batched[k], loop[k], err_msg=f"{k}, {dims}")


def _fbg_diagnoses(func, students=("s1", "s2", "bob")):
    """Every case's first diagnosis of ``find_buggy_gradients`` for ``func`` (public
    cases, then the hidden cases of a few students)."""
    from autograder.checks import CHECKS, hidden_seed, run_case

    c = CHECKS["find_buggy_gradients"]
    runs = [(0, False)] + [(hidden_seed(s, "05_gradient_checking"), True) for s in students]
    return [c.judge(k, run_case(func, k)).diagnosis for seed, h in runs
            for k in c.cases(seed, h)]


def test_find_buggy_gradients_tells_one_sided_differences_from_the_overall_threshold():
    """A right find_buggy_gradients on one-sided numerical gradients (bob's) is never told
    it compared the overall error, nor the reverse; a list that both explain (every key
    flagged) is ``all_flagged``, whose message names both causes."""
    import sys
    from pathlib import Path

    from autograder.checks.gradcheck import _FBG_ALL_FLAGGED

    sys.path.insert(0, str(Path(__file__).parent))
    from mutants.gradcheck import fbg_forward, fbg_overall

    one_sided = _fbg_diagnoses(fbg_forward)
    overall = _fbg_diagnoses(fbg_overall)
    assert "one_sided" in one_sided and "all_flagged" in one_sided
    assert not {"overall_threshold", "absolute_error"} & set(one_sided), one_sided
    assert "overall_threshold" in overall and "one_sided" not in overall, overall
    assert "numerical_gradients" in _FBG_ALL_FLAGGED and "overall" in _FBG_ALL_FLAGGED
