"""Activations: every forward/backward pair of ``ACTIVATIONS`` against centered differences,
the kinks at exactly 0, saturation, dtypes and untouched inputs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Snapshot, away_from_zero, centered_difference, rel_error

from course.nn import (
    ACTIVATIONS,
    ELEMENTWISE,
    ShapeError,
    derivative,
    elu_backward,
    elu_forward,
    identity_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid,
    sigmoid_backward,
    sigmoid_forward,
    softmax,
    softmax_backward,
    softmax_forward,
    softplus_backward,
    softplus_forward,
    tanh_backward,
    tanh_forward,
)

NAMES = sorted(ACTIVATIONS)
SHAPES = [(1, 1), (3, 1), (1, 5), (4, 3), (2, 7)]

# Independent float64 formulas for each activation (never the engine's own code).
REFERENCE = {
    "relu": lambda Z: np.where(Z > 0, Z, 0.0),
    "sigmoid": lambda Z: 1.0 / (1.0 + np.exp(-Z)),
    "tanh": lambda Z: (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z)),
    "leaky_relu": lambda Z: np.where(Z > 0, Z, 0.01 * Z),
    "elu": lambda Z: np.where(Z > 0, Z, np.exp(Z) - 1.0),
    "softplus": lambda Z: np.log(1.0 + np.exp(Z)),
    "identity": lambda Z: Z,
    "softmax": lambda Z: np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True),
}


def test_reference_table_covers_every_activation():
    assert set(REFERENCE) == set(ACTIVATIONS)
    assert set(ELEMENTWISE) == set(ACTIVATIONS) - {"softmax"}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_formula_and_caches_z(name, shape, rng):
    forward, _ = ACTIVATIONS[name]
    Z = rng.standard_normal(shape) * 2
    A, cache = forward(Z)
    assert A.shape == Z.shape
    np.testing.assert_allclose(A, REFERENCE[name](Z), rtol=1e-12, atol=1e-14)
    assert cache is Z or np.array_equal(cache, Z), "the cache must be Z itself"


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_centered_differences(name, shape, rng):
    """``dZ`` is the gradient of ``J(Z) = sum(dA * g(Z))`` for a fixed random ``dA``."""
    forward, backward = ACTIVATIONS[name]
    Z = away_from_zero(rng, shape, margin=0.05) * 1.5
    dA = rng.standard_normal(shape)
    dZ = backward(dA, forward(Z)[1])
    num = centered_difference(lambda z: np.sum(dA * forward(z)[0]), Z)
    assert dZ.shape == Z.shape
    assert rel_error(dZ, num) < 1e-7


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_is_backward_of_ones(name, rng):
    Z = away_from_zero(rng, (3, 4))
    forward, _ = ACTIVATIONS[name]
    num = centered_difference(lambda z: np.sum(forward(z)[0]), Z)
    assert rel_error(derivative(name, Z), num) < 1e-7


def test_derivative_rejects_softmax_and_unknown_names():
    with pytest.raises(ValueError, match="element-wise"):
        derivative("softmax", np.zeros((2, 2)))
    with pytest.raises(ValueError, match="element-wise"):
        derivative("swish", np.zeros((2, 2)))


def test_softmax_backward_is_the_jacobian_vector_product(rng):
    """Column by column, ``dz = J(z).T @ da`` with ``J = diag(a) - a a^T``."""
    Z = rng.standard_normal((4, 3))
    dA = rng.standard_normal((4, 3))
    A = softmax_forward(Z)[0]
    dZ = softmax_backward(dA, Z)
    for i in range(Z.shape[1]):
        a = A[:, i]
        J = np.diag(a) - np.outer(a, a)
        np.testing.assert_allclose(dZ[:, i], J.T @ dA[:, i], rtol=1e-12, atol=1e-15)


def test_softmax_columns_sum_to_one_and_are_shift_invariant(rng):
    Z = rng.standard_normal((5, 6))
    A = softmax_forward(Z)[0]
    np.testing.assert_allclose(A.sum(axis=0), np.ones(6), rtol=1e-14)
    assert np.all(A > 0)
    np.testing.assert_allclose(softmax_forward(Z + 123.0)[0], A, rtol=1e-12)
    # the classes are the rows: a softmax over the wrong axis would sum rows to 1
    assert not np.allclose(A.sum(axis=1), 1.0)


# ----------------------------------------------------------------------- exact zeros
def test_relu_derivative_at_exactly_zero_is_zero():
    Z = np.array([[0.0, -0.0, 1.0, -1.0], [0.0, 2.5, 0.0, -3.0]])
    dA = np.array([[5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]])
    dZ = relu_backward(dA, Z)
    expected = np.array([[0.0, 0.0, 7.0, 0.0], [0.0, 10.0, 0.0, 0.0]])
    np.testing.assert_array_equal(dZ, expected)
    np.testing.assert_array_equal(derivative("relu", Z), (Z > 0).astype(float))
    np.testing.assert_array_equal(relu_forward(Z)[0], [[0, 0, 1, 0], [0, 2.5, 0, 0]])


def test_leaky_relu_and_elu_take_the_left_slope_at_zero():
    Z = np.zeros((2, 3))
    dA = np.arange(1.0, 7.0).reshape(2, 3)
    np.testing.assert_array_equal(leaky_relu_backward(dA, Z), 0.01 * dA)
    np.testing.assert_array_equal(leaky_relu_backward(dA, Z, alpha=0.2), 0.2 * dA)
    np.testing.assert_array_equal(elu_backward(dA, Z), dA)  # alpha * exp(0) = alpha = 1
    np.testing.assert_array_equal(elu_backward(dA, Z, alpha=0.5), 0.5 * dA)
    np.testing.assert_array_equal(leaky_relu_forward(Z)[0], Z)
    np.testing.assert_array_equal(elu_forward(Z)[0], Z)


def test_leaky_relu_alpha_is_used_in_both_directions(rng):
    Z = away_from_zero(rng, (3, 4))
    dA = rng.standard_normal((3, 4))
    alpha = 0.3
    A = leaky_relu_forward(Z, alpha=alpha)[0]
    np.testing.assert_allclose(A, np.where(Z > 0, Z, alpha * Z), rtol=1e-15)
    num = centered_difference(lambda z: np.sum(dA * leaky_relu_forward(z, alpha=alpha)[0]), Z)
    assert rel_error(leaky_relu_backward(dA, Z, alpha=alpha), num) < 1e-7


# ----------------------------------------------------------------------- saturation
BIG = np.array([[50.0, 100.0, 300.0, 709.0, 710.0, 800.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_saturated_sigmoid_is_finite_with_correct_limits(dtype):
    Zp = BIG.astype(dtype)
    Z = np.concatenate([Zp, -Zp])
    A, _ = sigmoid_forward(Z)  # filterwarnings=error: an overflow would fail here
    assert A.dtype == dtype and np.all(np.isfinite(A))
    assert np.all((A >= 0) & (A <= 1))
    np.testing.assert_array_equal(A[0], np.ones(BIG.shape[1], dtype))  # 1 - e^-50 rounds to 1
    assert A[1, -1] == 0.0
    if dtype == np.float64:
        # the tiny left tail is exact, not flushed to 0: sigma(-50) = e^-50 / (1 + e^-50)
        np.testing.assert_allclose(A[1, 0], np.exp(-50.0), rtol=1e-12)
    dZ = sigmoid_backward(np.ones_like(Z), Z)
    assert dZ.dtype == dtype and np.all(np.isfinite(dZ)) and np.all(dZ >= 0)
    assert dZ[0, -1] == 0.0 and dZ[1, -1] == 0.0
    np.testing.assert_array_equal(sigmoid(Z), A)


def test_sigmoid_is_symmetric_and_half_at_zero(rng):
    Z = rng.standard_normal((3, 5)) * 10
    np.testing.assert_allclose(sigmoid(Z) + sigmoid(-Z), 1.0, rtol=1e-15)
    assert sigmoid(np.zeros((1, 1)))[0, 0] == 0.5


def test_other_activations_saturate_without_overflow():
    Z = np.concatenate([BIG, -BIG])
    t, _ = tanh_forward(Z)
    np.testing.assert_array_equal(t, np.sign(Z))
    np.testing.assert_array_equal(tanh_backward(np.ones_like(Z), Z), np.zeros_like(Z))
    sp, _ = softplus_forward(Z)
    np.testing.assert_allclose(sp[0], BIG[0], rtol=1e-15)
    assert np.all(np.isfinite(sp)) and np.all(sp[1] >= 0) and np.all(sp[1] < 1e-21)
    np.testing.assert_allclose(softplus_backward(np.ones_like(Z), Z), sigmoid(Z), rtol=1e-15)
    e, _ = elu_forward(Z)
    np.testing.assert_allclose(e[1], -1.0, rtol=1e-15)
    assert np.all(np.isfinite(elu_backward(np.ones_like(Z), Z)))


def test_softmax_of_huge_scores_does_not_overflow():
    Z = np.array([[1000.0, -1000.0, 800.0], [0.0, 0.0, 800.0], [-1000.0, 1000.0, 0.0]])
    A, _ = softmax_forward(Z)
    assert np.all(np.isfinite(A))
    np.testing.assert_allclose(A[:, 0], [1.0, 0.0, 0.0], atol=1e-300)
    np.testing.assert_allclose(A[:, 1], [0.0, 0.0, 1.0], atol=1e-300)
    np.testing.assert_allclose(A[:, 2], [0.5, 0.5, 0.0], atol=1e-300)
    dZ = softmax_backward(np.ones_like(Z), Z)
    assert np.all(np.isfinite(dZ))
    np.testing.assert_allclose(softmax(Z), A)


# ----------------------------------------------------------------------- dtypes, inputs
@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name, rng):
    forward, backward = ACTIVATIONS[name]
    Z = rng.standard_normal((3, 4)).astype(np.float32)
    dA = rng.standard_normal((3, 4)).astype(np.float32)
    A, cache = forward(Z)
    dZ = backward(dA, cache)
    assert A.dtype == np.float32, f"{name}_forward returned {A.dtype}"
    assert dZ.dtype == np.float32, f"{name}_backward returned {dZ.dtype}"
    A64 = forward(Z.astype(np.float64))[0]
    np.testing.assert_allclose(A, A64, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_modified(name, rng):
    forward, backward = ACTIVATIONS[name]
    Z = rng.standard_normal((3, 4))
    dA = rng.standard_normal((3, 4))
    snap = Snapshot(Z, dA)
    A, cache = forward(Z)
    dZ = backward(dA, cache)
    snap.assert_unchanged()
    # writing into the outputs must not reach the inputs either
    A += 1.0
    dZ += 1.0
    snap.assert_unchanged()


def test_identity_returns_copies(rng):
    Z = rng.standard_normal((2, 3))
    A, cache = identity_forward(Z)
    assert A is not Z and not np.shares_memory(A, cache)


def test_integer_input_is_accepted_as_float():
    A, _ = relu_forward(np.array([[-2, 0, 3]]))
    assert A.dtype.kind == "f"
    np.testing.assert_array_equal(A, [[0.0, 0.0, 3.0]])


@pytest.mark.parametrize("name", NAMES)
def test_backward_rejects_da_of_the_wrong_shape(name, rng):
    _, backward = ACTIVATIONS[name]
    Z = rng.standard_normal((3, 4))
    with pytest.raises(ShapeError, match=r"dA must have the shape of Z.*\(3, 4\); got \(4, 3\)"):
        backward(rng.standard_normal((4, 3)), Z)


def test_softmax_forward_needs_a_2d_array():
    with pytest.raises(ShapeError, match=r"Z must be a 2-D array; got shape \(3,\)"):
        softmax_forward(np.zeros(3))
