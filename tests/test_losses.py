"""Losses: every entry of ``LOSSES`` against an independent formula and centered differences,
the fused ``AL - Y`` seed, probabilities of exactly 0 and 1, dtypes and untouched inputs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Snapshot, centered_difference, rel_error

from course.nn import (
    ACTIVATIONS,
    LOSSES,
    ShapeError,
    binary_cross_entropy,
    compute_cost,
    compute_cost_multiclass,
    cross_entropy,
    fused_output_grad,
    one_hot,
)

NAMES = sorted(LOSSES)


def _problem(name, rng, C, m):
    """A valid ``(AL, Y)`` pair for the loss: probabilities where the loss needs them."""
    if name == "cross_entropy":
        Z = rng.standard_normal((C, m))
        AL = np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)
        Y = one_hot(rng.integers(0, C, size=m), C)
    elif name == "mse":
        AL = rng.standard_normal((C, m))
        Y = rng.standard_normal((C, m))
    else:
        AL = rng.uniform(0.05, 0.95, size=(C, m))
        Y = rng.integers(0, 2, size=(C, m)).astype(float)
    return AL, Y


# Independent float64 formulas, written from the definitions.
def _reference_cost(name, AL, Y):
    m = AL.shape[1]
    if name in ("binary_cross_entropy", "multilabel_cross_entropy"):
        return -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    if name == "cross_entropy":
        return -np.sum(Y * np.log(AL)) / m
    return np.sum((AL - Y) ** 2) / (2 * m)


SHAPES = {
    "binary_cross_entropy": [(1, 1), (1, 7)],
    "multilabel_cross_entropy": [(3, 1), (4, 5)],
    "cross_entropy": [(3, 1), (5, 6)],
    "mse": [(1, 1), (2, 5)],
}
CASES = [(name, C, m) for name in NAMES for C, m in SHAPES[name]]


def test_every_loss_has_test_shapes():
    assert set(SHAPES) == set(LOSSES)


@pytest.mark.parametrize("name, C, m", CASES)
def test_cost_matches_formula_and_is_a_python_float(name, C, m, rng):
    AL, Y = _problem(name, rng, C, m)
    cost = LOSSES[name].cost(AL, Y)
    assert type(cost) is float
    assert cost == pytest.approx(_reference_cost(name, AL, Y), rel=1e-12)
    terms = LOSSES[name].terms(AL, Y)
    assert terms.shape == AL.shape
    assert float(terms.sum()) / m == pytest.approx(cost, rel=1e-12)


@pytest.mark.parametrize("name, C, m", CASES)
def test_grad_is_m_times_the_gradient_of_the_cost(name, C, m, rng):
    """The seed ``dAL`` is per example: ``dAL = m * dJ/dAL``."""
    AL, Y = _problem(name, rng, C, m)
    spec = LOSSES[name]
    dAL = spec.grad(AL, Y)
    num = centered_difference(lambda a: spec.cost(a, Y), AL, eps=1e-7)
    assert dAL.shape == AL.shape
    assert rel_error(dAL, m * num) < 1e-7


@pytest.mark.parametrize("name, C, m", CASES)
def test_fused_seed_equals_the_chain_through_the_output_activation(name, C, m, rng):
    """``dZL = AL - Y`` is what ``grad`` followed by the output activation's backward gives."""
    spec = LOSSES[name]
    forward, backward = ACTIVATIONS[spec.output_activation]
    Z = rng.standard_normal((C, m))
    AL = forward(Z)[0]
    _, Y = _problem(name, rng, C, m)
    chained = backward(spec.grad(AL, Y), Z)
    fused = fused_output_grad(AL, Y)
    np.testing.assert_allclose(fused, AL - Y, rtol=0, atol=0)
    np.testing.assert_allclose(chained, fused, rtol=1e-10, atol=1e-13)
    # and it is m times the gradient of the cost with respect to Z
    num = centered_difference(lambda z: spec.cost(forward(z)[0], Y), Z)
    assert rel_error(fused, m * num) < 1e-7


def test_compute_cost_is_binary_cross_entropy(rng):
    AL = rng.uniform(0.01, 0.99, size=(1, 9))
    Y = rng.integers(0, 2, size=(1, 9))
    c = compute_cost(AL, Y)
    assert type(c) is float
    assert c == binary_cross_entropy(AL, Y)
    assert c == pytest.approx(_reference_cost("binary_cross_entropy", AL, Y), rel=1e-12)


def test_compute_cost_small_example_by_hand():
    # AL = [0.8, 0.1], Y = [1, 0]: J = -(log 0.8 + log 0.9) / 2
    c = compute_cost(np.array([[0.8, 0.1]]), np.array([[1, 0]]))
    assert c == pytest.approx(-(np.log(0.8) + np.log(0.9)) / 2, rel=1e-14)


def test_perfect_prediction_costs_nothing_and_a_coin_flip_costs_log2():
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    assert compute_cost(np.full((1, 4), 0.5), Y) == pytest.approx(np.log(2), rel=1e-14)
    assert cross_entropy(np.full((4, 3), 0.25), one_hot(np.array([0, 3, 1]), 4)) == \
        pytest.approx(np.log(4), rel=1e-14)


# ----------------------------------------------------------------------- 0 and 1
@pytest.mark.parametrize("name", NAMES)
def test_probabilities_of_exactly_zero_and_one_stay_finite(name):
    """filterwarnings=error: a log(0) or 0/0 would raise here."""
    AL = np.array([[0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]])  # two confident mistakes
    if name == "cross_entropy":
        AL = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
        Y = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    spec = LOSSES[name]
    cost = spec.cost(AL, Y)
    dAL = spec.grad(AL, Y)
    assert np.isfinite(cost) and np.all(np.isfinite(dAL))
    assert np.all(np.isfinite(spec.terms(AL, Y)))
    if name != "mse":
        # a confident mistake costs a lot (finite), a confident hit nothing
        assert cost > 10
        hit = spec.cost(np.where(Y == 1, 1.0, 0.0), Y)
        assert 0 <= hit < 1e-12
        assert np.all(np.isfinite(spec.grad(np.where(Y == 1, 1.0, 0.0), Y)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compute_cost_at_exactly_zero_and_one(dtype):
    AL = np.array([[0.0, 1.0, 1.0]], dtype=dtype)
    Y = np.array([[0.0, 1.0, 0.0]])
    c = compute_cost(AL, Y)
    assert np.isfinite(c) and c > 10
    dAL = LOSSES["binary_cross_entropy"].grad(AL, Y)
    assert dAL.dtype == dtype and np.all(np.isfinite(dAL))
    assert dAL[0, 2] > 0  # predicting 1 for a 0 pushes AL down


# ----------------------------------------------------------------------- dtypes, inputs
@pytest.mark.parametrize("name", NAMES)
def test_float32_grads_and_float_costs(name, rng):
    AL, Y = _problem(name, rng, 3, 4)
    AL32 = AL.astype(np.float32)
    assert LOSSES[name].grad(AL32, Y).dtype == np.float32  # a float64 Y must not upcast
    assert fused_output_grad(AL32, Y).dtype == np.float32
    c32 = LOSSES[name].cost(AL32, Y)
    assert type(c32) is float
    assert c32 == pytest.approx(LOSSES[name].cost(AL, Y), rel=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_modified(name, rng):
    AL, Y = _problem(name, rng, 3, 4)
    AL[0, 0], AL[-1, -1] = 0.0, 1.0  # entries that get clipped internally
    snap = Snapshot(AL, Y)
    spec = LOSSES[name]
    spec.cost(AL, Y)
    g = spec.grad(AL, Y)
    f = fused_output_grad(AL, Y)
    snap.assert_unchanged()
    g += 1.0
    f += 1.0
    snap.assert_unchanged()


def test_compute_cost_leaves_inputs_alone():
    AL = np.array([[0.0, 0.3, 1.0]])
    Y = np.array([[0, 1, 1]])
    snap = Snapshot(AL, Y)
    compute_cost(AL, Y)
    snap.assert_unchanged()


# ----------------------------------------------------------------------- shapes
def test_labels_of_shape_m_are_accepted_for_one_output():
    AL = np.array([[0.2, 0.7, 0.9]])
    assert compute_cost(AL, np.array([0, 1, 1])) == compute_cost(AL, np.array([[0, 1, 1]]))


@pytest.mark.parametrize("name", NAMES)
def test_y_of_the_wrong_shape_is_a_clear_error(name):
    AL = np.full((1, 3), 0.5)
    with pytest.raises(ShapeError, match=r"Y must have the shape of AL, \(1, 3\); got \(3, 1\)"):
        LOSSES[name].cost(AL, np.ones((3, 1)))
    with pytest.raises(ShapeError, match=r"got \(3, 1\)"):
        LOSSES[name].grad(AL, np.ones((3, 1)))


def test_one_hot(rng):
    labels = rng.integers(0, 4, size=7)
    Y = one_hot(labels, 5)
    assert Y.shape == (5, 7)
    np.testing.assert_array_equal(Y.sum(axis=0), np.ones(7))
    np.testing.assert_array_equal(np.argmax(Y, axis=0), labels)
    assert one_hot(np.array([0, 2]))[:, 1].tolist() == [0.0, 0.0, 1.0]
    assert one_hot(np.array([1]), 3, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="labels must lie in 0..2"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="1-D array of integers"):
        one_hot(np.array([0.0, 1.0]))


@pytest.mark.parametrize("C, m", [(3, 1), (4, 5), (2, 7)])
def test_compute_cost_multiclass_by_hand_and_by_centered_differences(C, m, rng):
    """-(1/m) times the sum of the logs of the true classes' probabilities; its gradient
    with respect to AL is -Y / AL / m (centered differences, relative error below 1e-7)."""
    AL, Y = _problem("cross_entropy", rng, C, m)
    cost = compute_cost_multiclass(AL, Y)
    assert type(cost) is float
    by_hand = -sum(np.log(AL[int(np.argmax(Y[:, i])), i]) for i in range(m)) / m
    assert cost == pytest.approx(by_hand, rel=1e-12)
    num = centered_difference(lambda a: compute_cost_multiclass(a, Y), AL, eps=1e-7)
    assert rel_error(-Y / AL / m, num) < 1e-7


def test_compute_cost_multiclass_averages_over_m_not_c_times_m():
    AL = np.array([[0.5, 0.25], [0.25, 0.5], [0.25, 0.25]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assert compute_cost_multiclass(AL, Y) == pytest.approx(np.log(2), rel=1e-12)


def test_compute_cost_multiclass_zero_probabilities_where_y_is_zero_add_nothing():
    """An AL of exactly 0 where Y = 0 contributes 0 (not nan) and raises no warning; an AL
    of exactly 0 where Y = 1 is clipped to the machine epsilon (finite cost)."""
    AL = np.array([[0.8, 0.0], [0.2, 1.0], [0.0, 0.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    with np.errstate(all="raise"):
        cost = compute_cost_multiclass(AL, Y)
    assert cost == pytest.approx(-np.log(0.8) / 2, rel=1e-12)
    Y_bad = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    with np.errstate(all="raise"):
        worst = compute_cost_multiclass(AL, Y_bad)
    assert worst == pytest.approx(-np.log(np.finfo(np.float64).eps) / 2, rel=1e-12)


def test_compute_cost_multiclass_leaves_inputs_alone(rng):
    AL, Y = _problem("cross_entropy", rng, 4, 3)
    before = Snapshot(AL, Y)
    compute_cost_multiclass(AL, Y)
    before.assert_unchanged()
