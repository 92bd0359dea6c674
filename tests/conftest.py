"""Shared helpers for the ``course.nn`` tests.

The gradient tests use the local :func:`centered_difference` below, not
``course.nn.gradcheck``, so that the engine's gradient checker is never the only
judge of the engine (``test_gradcheck.py`` tests the checker itself).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest


def centered_difference(f, x, eps=1e-6):
    """Numerical gradient of the scalar function ``f`` at ``x`` (float64, a private copy).

    ``df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``; ``f`` receives a fresh copy
    for every evaluation, so neither ``x`` nor an array kept by ``f`` is ever modified.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (float(f(plus)) - float(f(minus))) / (2 * eps)
    return grad


def rel_error(a, b):
    """``||a - b|| / (||a|| + ||b||)``, 0 when both are 0; shapes must agree exactly."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def away_from_zero(rng, shape, margin=0.05):
    """Standard normal entries pushed at least ``margin`` away from 0 (the kink of the
    ReLU family), so that finite differences never straddle it."""
    Z = rng.standard_normal(shape)
    return np.where(Z >= 0, Z + margin, Z - margin)


class Snapshot:
    """Deep copies of some arguments, to prove later that a call left them unchanged."""

    def __init__(self, *args):
        self.args = args
        self.copies = copy.deepcopy(args)

    def assert_unchanged(self):
        for i, (now, before) in enumerate(zip(self.args, self.copies, strict=True)):
            _assert_same(now, before, f"argument {i}")


def _assert_same(now, before, where):
    if isinstance(before, np.ndarray):
        assert isinstance(now, np.ndarray), f"{where} is no longer an array"
        assert now.dtype == before.dtype and now.shape == before.shape, f"{where} changed"
        np.testing.assert_array_equal(now, before, err_msg=f"{where} was modified")
    elif isinstance(before, dict):
        assert set(now) == set(before), f"{where}: keys changed"
        for k in before:
            _assert_same(now[k], before[k], f"{where}[{k!r}]")
    elif isinstance(before, (list, tuple)):
        assert len(now) == len(before), f"{where}: length changed"
        for j, (a, b) in enumerate(zip(now, before, strict=True)):
            _assert_same(a, b, f"{where}[{j}]")
    else:
        assert now == before, f"{where} changed"


@pytest.fixture
def rng():
    """A fresh, seeded generator per test: every test is reproducible on its own."""
    return np.random.default_rng(20240607)


@pytest.fixture
def numgrad():
    return centered_difference


@pytest.fixture
def relerr():
    return rel_error


@pytest.fixture
def snapshot():
    return Snapshot


@pytest.fixture
def nonzero():
    return away_from_zero
