"""Linear and linear+activation layers: values, centered differences, caches, shape errors,
dtypes and untouched inputs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Snapshot, centered_difference, rel_error

from course.nn import (
    ACTIVATIONS,
    ShapeError,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)

# (n, n_prev, m): non-square layers, a single example, a single unit, a single input
LAYER_SHAPES = [(3, 5, 4), (5, 2, 1), (1, 4, 6), (4, 1, 3), (1, 1, 1), (6, 6, 2)]


def _layer(rng, n, n_prev, m):
    return rng.standard_normal((n_prev, m)), rng.standard_normal((n, n_prev)), \
        rng.standard_normal((n, 1))


@pytest.mark.parametrize("n, n_prev, m", LAYER_SHAPES)
def test_linear_forward_values_and_cache(n, n_prev, m, rng):
    A_prev, W, b = _layer(rng, n, n_prev, m)
    Z, cache = linear_forward(A_prev, W, b)
    assert Z.shape == (n, m)
    expected = np.array(
        [[sum(W[j, k] * A_prev[k, i] for k in range(n_prev)) + b[j, 0] for i in range(m)]
         for j in range(n)]
    )
    np.testing.assert_allclose(Z, expected, rtol=1e-12, atol=1e-12)
    assert isinstance(cache, tuple) and len(cache) == 3
    for got, want in zip(cache, (A_prev, W, b), strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("n, n_prev, m", LAYER_SHAPES)
def test_linear_backward_matches_centered_differences(n, n_prev, m, rng):
    """With ``J = sum(G * Z) / m`` the per-example gradient is ``dZ = G``; then ``dW`` and ``db``
    are exactly ``dJ/dW`` and ``dJ/db`` and ``dA_prev = m * dJ/dA_prev`` (no ``1/m``)."""
    A_prev, W, b = _layer(rng, n, n_prev, m)
    G = rng.standard_normal((n, m))
    _, cache = linear_forward(A_prev, W, b)
    dA_prev, dW, db = linear_backward(G, cache)

    def J(a, w, bb):
        return np.sum(G * linear_forward(a, w, bb)[0]) / m

    assert dA_prev.shape == A_prev.shape and dW.shape == W.shape and db.shape == b.shape
    assert rel_error(dW, centered_difference(lambda w: J(A_prev, w, b), W)) < 1e-7
    assert rel_error(db, centered_difference(lambda bb: J(A_prev, W, bb), b)) < 1e-7
    assert rel_error(dA_prev, m * centered_difference(lambda a: J(a, W, b), A_prev)) < 1e-7


def test_linear_backward_formulas(rng):
    A_prev, W, b = _layer(rng, 3, 4, 5)
    dZ = rng.standard_normal((3, 5))
    dA_prev, dW, db = linear_backward(dZ, (A_prev, W, b))
    m = 5
    dW_loop = sum(np.outer(dZ[:, i], A_prev[:, i]) for i in range(m)) / m
    np.testing.assert_allclose(dW, dW_loop, rtol=1e-12)
    np.testing.assert_allclose(db[:, 0], dZ.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(dA_prev, np.einsum("jk,ji->ki", W, dZ), rtol=1e-12)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("n, n_prev, m", [(3, 5, 4), (2, 3, 1), (1, 2, 3)])
def test_linear_activation_matches_centered_differences(activation, n, n_prev, m, rng):
    while True:  # keep every Z clear of the kink at 0: finite differences must not straddle it
        A_prev, W, b = _layer(rng, n, n_prev, m)
        if np.min(np.abs(W @ A_prev + b)) > 0.02:
            break
    dA = rng.standard_normal((n, m))
    A, cache = linear_activation_forward(A_prev, W, b, activation)
    dA_prev, dW, db = linear_activation_backward(dA, cache, activation)

    def J(a, w, bb):
        return np.sum(dA * linear_activation_forward(a, w, bb, activation)[0]) / m

    assert A.shape == (n, m)
    assert rel_error(dW, centered_difference(lambda w: J(A_prev, w, b), W)) < 1e-7
    assert rel_error(db, centered_difference(lambda bb: J(A_prev, W, bb), b)) < 1e-7
    assert rel_error(dA_prev, m * centered_difference(lambda a: J(a, W, b), A_prev)) < 1e-7


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_linear_activation_cache_structure(activation, rng):
    A_prev, W, b = _layer(rng, 3, 2, 4)
    A, cache = linear_activation_forward(A_prev, W, b, activation)
    linear_cache, Z = cache
    np.testing.assert_allclose(Z, W @ A_prev + b, rtol=1e-14)
    for got, want in zip(linear_cache, (A_prev, W, b), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(A, ACTIVATIONS[activation][0](Z)[0], rtol=1e-15)


def test_relu_layer_blocks_the_gradient_where_z_is_exactly_zero():
    """Z = W @ A_prev + b is exactly 0 in some entries: those pass no gradient back."""
    A_prev = np.array([[1.0, 2.0], [3.0, -1.0]])
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    b = np.array([[-1.0], [1.0]])  # Z = [[0, 1], [4, 0]]
    A, cache = linear_activation_forward(A_prev, W, b, "relu")
    np.testing.assert_array_equal(cache[1], [[0.0, 1.0], [4.0, 0.0]])
    dA = np.array([[10.0, 20.0], [30.0, 40.0]])
    dA_prev, dW, db = linear_activation_backward(dA, cache, "relu")
    dZ = np.array([[0.0, 20.0], [30.0, 0.0]])  # the ReLU mask (Z > 0) applied to dA
    np.testing.assert_allclose(db, dZ.sum(axis=1, keepdims=True) / 2)
    np.testing.assert_allclose(dW, dZ @ A_prev.T / 2)
    np.testing.assert_allclose(dA_prev, W.T @ dZ)


def test_unknown_activation_is_a_clear_error(rng):
    A_prev, W, b = _layer(rng, 2, 2, 2)
    with pytest.raises(ValueError, match=r"activation must be one of .*'relu'.*got 'rleu'"):
        linear_activation_forward(A_prev, W, b, "rleu")
    _, cache = linear_activation_forward(A_prev, W, b, "relu")
    with pytest.raises(ValueError, match="got 'Relu'"):
        linear_activation_backward(np.ones((2, 2)), cache, "Relu")


# ----------------------------------------------------------------------- dtypes, inputs
@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax"])
def test_float32_in_float32_out(activation, rng):
    A_prev, W, b = (x.astype(np.float32) for x in _layer(rng, 3, 4, 5))
    dA = rng.standard_normal((3, 5)).astype(np.float32)
    if activation is None:
        Z, cache = linear_forward(A_prev, W, b)
        outs = (Z, *linear_backward(dA, cache))
    else:
        A, cache = linear_activation_forward(A_prev, W, b, activation)
        outs = (A, *linear_activation_backward(dA, cache, activation))
    for out in outs:
        assert out.dtype == np.float32


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh"])
def test_inputs_are_not_modified(activation, rng):
    A_prev, W, b = _layer(rng, 3, 4, 5)
    dA = rng.standard_normal((3, 5))
    snap = Snapshot(A_prev, W, b, dA)
    if activation is None:
        Z, cache = linear_forward(A_prev, W, b)
        outs = (Z, *linear_backward(dA, cache))
    else:
        A, cache = linear_activation_forward(A_prev, W, b, activation)
        cache_snap = Snapshot(cache)
        outs = (A, *linear_activation_backward(dA, cache, activation))
        cache_snap.assert_unchanged()
    snap.assert_unchanged()
    for out in outs:
        out *= -3.0  # writing into a result must not reach an input
    snap.assert_unchanged()


# ----------------------------------------------------------------------- shape errors
def test_transposed_a_prev_names_a_prev_with_both_shapes(rng):
    A_prev, W, b = _layer(rng, 3, 4, 5)
    with pytest.raises(ShapeError) as exc:
        linear_forward(A_prev.T, W, b)
    msg = str(exc.value)
    assert "A_prev must have shape (4, m)" in msg
    assert "got (5, 4)" in msg and "transposed" in msg


def test_transposed_w_names_w_with_both_shapes(rng):
    A_prev, W, b = _layer(rng, 3, 4, 5)
    with pytest.raises(ShapeError) as exc:
        linear_forward(A_prev, W.T, b)
    msg = str(exc.value)
    assert msg.startswith("W must have shape (3, 4)")
    assert "got (4, 3)" in msg and "transposed" in msg


def test_flat_b_names_b_with_both_shapes(rng):
    A_prev, W, b = _layer(rng, 3, 4, 5)
    with pytest.raises(ShapeError) as exc:
        linear_forward(A_prev, W, b.ravel())
    msg = str(exc.value)
    assert "b must have shape (3, 1); got (3,)" in msg
    assert "reshape(-1, 1)" in msg


def test_b_of_the_wrong_length(rng):
    A_prev, W, b = _layer(rng, 3, 4, 5)
    with pytest.raises(ShapeError, match=r"b must have shape \(3, 1\); got \(2, 1\)"):
        linear_forward(A_prev, W, b[:2])


def test_one_dimensional_a_prev_suggests_a_reshape(rng):
    _, W, b = _layer(rng, 3, 4, 1)
    with pytest.raises(ShapeError, match=r"A_prev must be a 2-D array; got shape \(4,\)"):
        linear_forward(np.ones(4), W, b)


def test_linear_backward_rejects_dz_of_the_wrong_shape(rng):
    A_prev, W, b = _layer(rng, 3, 4, 5)
    with pytest.raises(ShapeError, match=r"dZ must have shape \(3, 5\).*got \(5, 3\)"):
        linear_backward(np.ones((5, 3)), (A_prev, W, b))


def test_linear_backward_rejects_a_malformed_cache(rng):
    A_prev, W, b = _layer(rng, 3, 4, 5)
    with pytest.raises(TypeError, match=r"\(A_prev, W, b\)"):
        linear_backward(np.ones((3, 5)), (A_prev, W))
    _, cache = linear_activation_forward(A_prev, W, b, "relu")
    with pytest.raises(TypeError, match=r"\(linear_cache, Z\)"):
        linear_activation_backward(np.ones((3, 5)), cache[0], "relu")


def test_shape_error_is_a_value_error():
    assert issubclass(ShapeError, ValueError)
