"""Parameter initialisation: shapes, scales, zero biases, reproducibility and dtypes."""

from __future__ import annotations

import numpy as np
import pytest

from course.nn import INITIALIZERS, initialize_parameters, initialize_parameters_deep

DIMS = [5, 4, 7, 1]


@pytest.fixture
def global_seed():
    """Seed numpy's global state for a test and put the previous state back afterwards."""
    state = np.random.get_state()
    yield np.random.seed
    np.random.set_state(state)


def _assert_shapes(params, dims):
    L = len(dims) - 1
    assert set(params) == {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    for l in range(1, L + 1):
        assert params[f"W{l}"].shape == (dims[l], dims[l - 1])
        assert params[f"b{l}"].shape == (dims[l], 1)


@pytest.mark.parametrize("dims", [DIMS, [3, 1], [1, 6, 6, 2]])
@pytest.mark.parametrize("method", INITIALIZERS)
def test_shapes_and_zero_biases(method, dims):
    params = initialize_parameters(dims, method=method, seed=0)
    _assert_shapes(params, dims)
    for l in range(1, len(dims)):
        np.testing.assert_array_equal(params[f"b{l}"], 0.0)
        assert params[f"W{l}"].dtype == np.float64


def test_zeros_are_zeros_and_random_methods_break_symmetry():
    np.testing.assert_array_equal(initialize_parameters(DIMS, "zeros", seed=0)["W2"], 0.0)
    for method in ("small", "he", "xavier"):
        W = initialize_parameters(DIMS, method, seed=0)["W2"]
        assert len(np.unique(W)) == W.size, f"{method}: weights must all differ"


@pytest.mark.parametrize(
    "method, expected_std",
    [
        ("small", lambda n_prev, n: 0.01),
        ("he", lambda n_prev, n: np.sqrt(2.0 / n_prev)),
        ("xavier", lambda n_prev, n: np.sqrt(2.0 / (n_prev + n))),
    ],
)
def test_scale_on_a_big_layer(method, expected_std):
    n_prev, n = 800, 300  # 240 000 weights: the sample std is within ~0.15% of the true one
    W = initialize_parameters([n_prev, n], method, seed=1)["W1"]
    assert np.std(W) == pytest.approx(expected_std(n_prev, n), rel=0.01)
    assert abs(np.mean(W)) < 4 * expected_std(n_prev, n) / np.sqrt(W.size)


def test_he_scale_follows_fan_in_of_each_layer():
    params = initialize_parameters([1000, 250, 400], "he", seed=3)
    assert np.std(params["W1"]) == pytest.approx(np.sqrt(2 / 1000), rel=0.02)
    assert np.std(params["W2"]) == pytest.approx(np.sqrt(2 / 250), rel=0.02)


@pytest.mark.parametrize("method", ["small", "he", "xavier"])
def test_reproducible_by_seed(method):
    a = initialize_parameters(DIMS, method, seed=42)
    b = initialize_parameters(DIMS, method, seed=42)
    c = initialize_parameters(DIMS, method, seed=43)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["W1"], c["W1"])


def test_reproducible_by_generator():
    a = initialize_parameters(DIMS, "he", seed=np.random.default_rng(7))
    b = initialize_parameters(DIMS, "he", seed=np.random.default_rng(7))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    # an int seed and a generator made from it agree
    c = initialize_parameters(DIMS, "he", seed=7)
    np.testing.assert_array_equal(a["W3"], c["W3"])
    # a generator is consumed: two calls on the same generator give different weights
    g = np.random.default_rng(7)
    first = initialize_parameters(DIMS, "he", seed=g)
    second = initialize_parameters(DIMS, "he", seed=g)
    assert not np.array_equal(first["W1"], second["W1"])


def test_seed_none_does_not_touch_the_global_state(global_seed):
    global_seed(5)
    before = np.random.get_state()[1].copy()
    initialize_parameters(DIMS, "he")
    np.testing.assert_array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize("method", INITIALIZERS)
def test_float32(method):
    params = initialize_parameters(DIMS, method, seed=0, dtype=np.float32)
    for v in params.values():
        assert v.dtype == np.float32
    p64 = initialize_parameters(DIMS, method, seed=0)
    np.testing.assert_allclose(params["W2"], p64["W2"], rtol=1e-6)


@pytest.mark.parametrize("bad", [[3], [], [3, 0, 1], [3, -2], [3, 2.5], "32", [2, True]])
def test_bad_layer_dims(bad):
    with pytest.raises(ValueError, match="layer_dims must list at least two positive integers"):
        initialize_parameters(bad)
    with pytest.raises(ValueError, match="layer_dims"):
        initialize_parameters_deep(bad)


def test_unknown_method():
    with pytest.raises(ValueError, match=r"method must be one of .*'he'.*got 'kaiming'"):
        initialize_parameters(DIMS, "kaiming")


def test_numpy_integer_dims_are_accepted():
    _assert_shapes(initialize_parameters(np.array([4, 3, 2]), seed=0), [4, 3, 2])


# ----------------------------------------------------------------------- graded version
@pytest.mark.parametrize("dims", [DIMS, [2, 1], [12, 20, 7, 5, 1]])
def test_deep_shapes_scale_and_zero_biases(dims, global_seed):
    global_seed(1)
    dims = list(dims)
    before = list(dims)
    params = initialize_parameters_deep(dims)
    assert dims == before  # the argument is left alone
    _assert_shapes(params, dims)
    for l in range(1, len(dims)):
        assert params[f"W{l}"].dtype == np.float64
        np.testing.assert_array_equal(params[f"b{l}"], np.zeros((dims[l], 1)))


def test_deep_follows_the_global_seed_in_layer_order(global_seed):
    """``np.random.seed(s)`` then ``randn(n_l, n_{l-1}) * 0.01`` for l = 1, ..., L."""
    dims = [5, 4, 3]
    global_seed(3)
    params = initialize_parameters_deep(dims)
    global_seed(3)
    W1 = np.random.randn(4, 5) * 0.01
    W2 = np.random.randn(3, 4) * 0.01
    np.testing.assert_array_equal(params["W1"], W1)
    np.testing.assert_array_equal(params["W2"], W2)
    global_seed(3)
    again = initialize_parameters_deep(dims)
    np.testing.assert_array_equal(again["W2"], params["W2"])


def test_deep_weights_are_small(global_seed):
    global_seed(0)
    W = initialize_parameters_deep([400, 500])["W1"]
    assert np.std(W) == pytest.approx(0.01, rel=0.02)
