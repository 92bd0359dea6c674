"""The fused training path (:class:`course.nn.fast.FusedTrainer`) against the reference.

The reference step is the readable one of the course: :func:`model_forward` with ReLU
hidden layers, the loss, :func:`model_backward` and :func:`update_parameters`. The fused
trainer must land on the same parameters (up to rounding) and report the same cost.
None of these tests needs torch; the last one runs the benchmark's ``--quick`` mode only
when torch is installed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course.nn import (
    LOSSES,
    ShapeError,
    initialize_parameters,
    model_backward,
    model_forward,
    update_parameters,
)
from course.nn.fast import FusedTrainer

ROOT = Path(__file__).resolve().parents[1]

# (output activation, loss of the reference path, layer dims)
CASES = [
    ("sigmoid", "binary_cross_entropy", [5, 7, 6, 1]),
    ("softmax", "cross_entropy", [5, 8, 6, 4]),
    ("identity", "mse", [5, 7, 3]),
    ("sigmoid", "multilabel_cross_entropy", [5, 8, 3]),
]
IDS = ["sigmoid-bce", "softmax-ce", "identity-mse", "multilabel"]

# Agreement after several steps: the fused step rounds in a different order.
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-4, atol=2e-6)}


def make_batch(rng, output, dims, m, dtype):
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    if output == "softmax":
        Y = np.eye(dims[-1], dtype=dtype)[:, rng.integers(0, dims[-1], m)]
    elif output == "sigmoid":
        Y = (rng.random((dims[-1], m)) < 0.5).astype(dtype)
    else:
        Y = rng.standard_normal((dims[-1], m)).astype(dtype)
    return X, Y


def reference_step(params, X, Y, lr, output, loss):
    """One step of the course's reference path; returns (new parameters, cost before)."""
    AL, caches = model_forward(X, params, "relu", output)
    cost = LOSSES[loss].cost(AL, Y)
    grads = model_backward(AL, Y, caches, "relu", output, loss)
    return update_parameters(params, grads, lr), cost


def assert_params_close(got, want, dtype):
    assert sorted(got) == sorted(want)
    for k in want:
        assert got[k].shape == want[k].shape, k
        assert got[k].dtype == np.dtype(dtype), f"{k} is {got[k].dtype}, not {dtype}"
        np.testing.assert_allclose(got[k], want[k], err_msg=k, **TOL[dtype])


# ----------------------------------------------------------------------- same step
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("output", "loss", "dims"), CASES, ids=IDS)
def test_same_parameters_and_cost_as_reference(rng, output, loss, dims, dtype):
    params = initialize_parameters(dims, seed=3, dtype=dtype)
    X, Y = make_batch(rng, output, dims, 32, dtype)
    trainer = FusedTrainer(params, output)
    ref = params
    for _ in range(6):
        ref, ref_cost = reference_step(ref, X, Y, 0.1, output, loss)
        cost = trainer.step(X, Y, 0.1)
        assert isinstance(cost, float)
        rtol = 1e-12 if dtype == np.float64 else 1e-5
        assert cost == pytest.approx(ref_cost, rel=rtol)
    assert_params_close(trainer.parameters, ref, dtype)


@pytest.mark.parametrize(("output", "loss", "dims"), CASES, ids=IDS)
def test_batch_size_changes_between_steps(rng, output, loss, dims):
    params = initialize_parameters(dims, seed=4)
    trainer = FusedTrainer(params, output)
    ref = params
    for m in (16, 5, 16, 1, 9, 5, 3, 16):  # more sizes than the trainer keeps buffers for
        X, Y = make_batch(rng, output, dims, m, np.float64)
        ref, ref_cost = reference_step(ref, X, Y, 0.05, output, loss)
        assert trainer.step(X, Y, 0.05) == pytest.approx(ref_cost, rel=1e-12)
    assert_params_close(trainer.parameters, ref, np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("output", "loss", "dims"), CASES, ids=IDS)
def test_one_example(rng, output, loss, dims, dtype):
    params = initialize_parameters(dims, seed=5, dtype=dtype)
    X, Y = make_batch(rng, output, dims, 1, dtype)
    trainer = FusedTrainer(params, output)
    ref = params
    for _ in range(3):
        ref, ref_cost = reference_step(ref, X, Y, 0.1, output, loss)
        assert trainer.step(X, Y, 0.1) == pytest.approx(ref_cost, rel=1e-5)
    assert_params_close(trainer.parameters, ref, dtype)


def test_one_layer_network_and_mini_batch_views(rng):
    """L = 1 (no hidden layer), and non-contiguous column slices of a bigger X."""
    dims = [6, 3]
    params = initialize_parameters(dims, seed=6)
    X, Y = make_batch(rng, "softmax", dims, 40, np.float64)
    trainer = FusedTrainer(params, "softmax")
    ref = params
    for start in range(0, 40, 16):
        Xb, Yb = X[:, start:start + 16], Y[:, start:start + 16]
        assert not Xb.flags.c_contiguous
        ref, ref_cost = reference_step(ref, Xb, Yb, 0.2, "softmax", "cross_entropy")
        assert trainer.step(Xb, Yb, 0.2) == pytest.approx(ref_cost, rel=1e-12)
    assert_params_close(trainer.parameters, ref, np.float64)


def test_cost_false_returns_none_and_takes_the_same_step(rng):
    dims = [5, 7, 4]
    params = initialize_parameters(dims, seed=7)
    X, Y = make_batch(rng, "softmax", dims, 12, np.float64)
    a, b = FusedTrainer(params, "softmax"), FusedTrainer(params, "softmax")
    for _ in range(3):
        assert isinstance(a.step(X, Y, 0.1), float)
        assert b.step(X, Y, 0.1, cost=False) is None
    for k, v in a.parameters.items():
        np.testing.assert_array_equal(b.parameters[k], v)


def test_predict_proba_is_the_reference_forward(rng):
    for output, _, dims in CASES:
        params = initialize_parameters(dims, seed=8)
        X, _ = make_batch(rng, output, dims, 10, np.float64)
        AL, _ = model_forward(X, params, "relu", output)
        np.testing.assert_allclose(
            FusedTrainer(params, output).predict_proba(X), AL, rtol=1e-12, atol=1e-15
        )


def test_saturated_outputs_stay_finite_without_warnings(rng):
    """Huge logits: softmax is shifted by its max, sigmoid uses tanh, the cost uses
    softplus of the logits (pytest turns any numpy warning into an error here)."""
    for output, dims in (("softmax", [4, 5, 3]), ("sigmoid", [4, 5, 2])):
        params = initialize_parameters(dims, seed=9)
        params["W2"] = params["W2"] * 1e4
        X, Y = make_batch(rng, output, dims, 8, np.float64)
        trainer = FusedTrainer(params, output)
        cost = trainer.step(X, Y, 1e-6)
        assert np.isfinite(cost) and cost > 0
        assert all(np.all(np.isfinite(v)) for v in trainer.parameters.values())


# ----------------------------------------------------------------------- dtype, inputs
def test_float32_stays_float32_and_float64_labels_are_cast(rng):
    """Documented behaviour: X and Y are cast to the network's dtype, so a float64 label
    (say, from ``np.eye`` or ``one_hot``) does not turn a float32 network into float64."""
    dims = [5, 8, 4]
    params = initialize_parameters(dims, seed=10, dtype=np.float32)
    X, Y32 = make_batch(rng, "softmax", dims, 16, np.float32)
    Y64 = Y32.astype(np.float64)
    a, b = FusedTrainer(params, "softmax"), FusedTrainer(params, "softmax")
    assert a.dtype == np.float32
    for _ in range(3):
        assert a.step(X, Y32, 0.1) == b.step(X.astype(np.float64), Y64, 0.1)
    for k, v in a.parameters.items():
        assert v.dtype == np.float32 and b.parameters[k].dtype == np.float32
        assert b.W[1].dtype == np.float32
        np.testing.assert_array_equal(b.parameters[k], v)
    assert a.predict_proba(X.astype(np.float64)).dtype == np.float32
    # Integer labels (a common way to write 0/1 targets) are cast the same way.
    params = initialize_parameters([5, 4, 1], seed=10, dtype=np.float32)
    c = FusedTrainer(params, "sigmoid")
    c.step(X, np.array([[0, 1] * 8]), 0.1)
    assert all(v.dtype == np.float32 for v in c.parameters.values())


def test_dtype_argument_casts_a_copy(rng):
    params = initialize_parameters([5, 4, 1], seed=11)  # float64
    trainer = FusedTrainer(params, "sigmoid", dtype=np.float32)
    assert trainer.dtype == np.float32
    assert all(v.dtype == np.float32 for v in trainer.parameters.values())
    assert params["W1"].dtype == np.float64
    with pytest.raises(TypeError, match="floating-point"):
        FusedTrainer(params, "sigmoid", dtype=np.int64)
    as_lists = {k: v.tolist() for k, v in params.items()}
    assert FusedTrainer(as_lists, "sigmoid").dtype == np.float64


def test_callers_parameters_and_batch_are_never_modified(rng, snapshot):
    dims = [5, 7, 6, 4]
    params = initialize_parameters(dims, seed=12)
    X, Y = make_batch(rng, "softmax", dims, 16, np.float64)
    snap = snapshot(params, X, Y)
    trainer = FusedTrainer(params, "softmax")
    for _ in range(3):
        trainer.step(X, Y, 0.5)
    out = trainer.parameters
    out["W1"][...] = 0.0  # the property hands out copies ...
    assert np.any(trainer.W[1] != 0)  # ... so this does not reach the trainer
    snap.assert_unchanged()
    assert not np.allclose(trainer.parameters["W2"], params["W2"])  # it did train


# ----------------------------------------------------------------------- errors
@pytest.fixture
def trainer():
    return FusedTrainer(initialize_parameters([5, 4, 3], seed=13), "softmax")


def test_x_with_wrong_rows_names_x_and_both_shapes(trainer):
    X = np.zeros((7, 10))
    msg = r"X must have shape \(5, m\) because W1 has shape \(4, 5\); got \(7, 10\)"
    with pytest.raises(ShapeError, match=msg):
        trainer.step(X, np.zeros((3, 10)), 0.1)


def test_transposed_x_gets_a_hint(trainer):
    with pytest.raises(ShapeError, match=r"got \(10, 5\).*transposed"):
        trainer.step(np.zeros((10, 5)), np.zeros((3, 10)), 0.1)


def test_one_dimensional_x_is_refused(trainer):
    with pytest.raises(ShapeError, match=r"X must have shape \(5, m\).*got \(5,\)"):
        trainer.step(np.zeros(5), np.zeros((3, 1)), 0.1)


def test_y_with_wrong_shape_names_y_and_both_shapes(trainer):
    with pytest.raises(ShapeError, match=r"Y must have shape \(3, 10\).*got \(10, 3\)"):
        trainer.step(np.zeros((5, 10)), np.zeros((10, 3)), 0.1)
    with pytest.raises(ShapeError, match=r"Y must have shape \(3, 10\).*got \(3, 9\)"):
        trainer.step(np.zeros((5, 10)), np.zeros((3, 9)), 0.1)


def test_y_of_shape_m_is_accepted_for_one_output(rng):
    params = initialize_parameters([3, 4, 1], seed=14)
    X, Y = make_batch(rng, "sigmoid", [3, 4, 1], 6, np.float64)
    a, b = FusedTrainer(params, "sigmoid"), FusedTrainer(params, "sigmoid")
    assert a.step(X, Y, 0.1) == b.step(X, Y.ravel(), 0.1)


def test_empty_batch_is_refused(trainer):
    with pytest.raises(ShapeError, match="at least one example"):
        trainer.step(np.zeros((5, 0)), np.zeros((3, 0)), 0.1)


def test_inconsistent_parameters_name_the_array():
    params = initialize_parameters([5, 4, 3], seed=15)
    params["W2"] = params["W2"].T
    with pytest.raises(ShapeError, match=r"W2 must have shape \(3, 4\); got \(4, 3\)"):
        FusedTrainer(params, "softmax")


def test_bad_arguments(trainer):
    params = initialize_parameters([5, 4, 3], seed=16)
    with pytest.raises(ValueError, match="output_activation must be one of"):
        FusedTrainer(params, "tanh")
    with pytest.raises(ValueError, match="learning_rate"):
        trainer.step(np.zeros((5, 2)), np.zeros((3, 2)), float("nan"))


# ----------------------------------------------------------------------- benchmark smoke
BENCH = ROOT / "benchmarks" / "bench_train_step.py"


def test_benchmark_memory_child_of_the_fused_engine():
    """The memory measurement of the benchmark (no torch needed for the numpy engines)."""
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--_memory-child", "fused", "c", "float32"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    assert row["engine"] == "fused" and row["step_peak_kb"] >= 0 and row["traced_kb"] > 0


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch not installed")
def test_benchmark_quick_mode_runs():
    """``benchmarks/bench_train_step.py --quick``: checks that torch, course.nn and the fused
    trainer take the same step on cases (a) and (c), then times a few steps of (c)."""
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "reach the same parameters" in proc.stderr
    assert "| (c) 2-4-1, 400 points | float32 | 1 |" in proc.stdout
