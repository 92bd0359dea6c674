"""Tricks that fool tests run inside the student's process, for every graded function.

Each wraps the reference implementation and disguises its result: array leaves become an
ndarray subclass (whose ``__eq__`` could be overridden) or an object whose ``__eq__`` is
always true; a float becomes a float subclass. The plain-data boundary turns all of them
into ``Opaque`` values that no check accepts.
"""

from __future__ import annotations

import numpy as np

from course import nn

from ._registry import mutant


class SneakyArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def __array__(self, dtype=None, copy=None):
        return np.zeros(1)


class SneakyFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def _map(x, leaf):
    if isinstance(x, tuple):
        return tuple(_map(v, leaf) for v in x)
    if isinstance(x, list):
        return [_map(v, leaf) for v in x]
    if isinstance(x, dict):
        return {k: _map(v, leaf) for k, v in x.items()}
    return leaf(x)


def _subclass(x):
    if isinstance(x, np.ndarray):
        return x.view(SneakyArray)
    if isinstance(x, float):
        return SneakyFloat(x)
    return x


def _always_equal(x):
    return AlwaysEqual() if isinstance(x, (np.ndarray, float)) else x


def _wrap(name, leaf, tag):
    ref = getattr(nn, name)

    def trick(*args, **kwargs):
        return _map(ref(*args, **kwargs), leaf)

    trick.__name__ = f"{tag}"
    return trick


for _name in (*nn.GRADED_API, "elu_forward", "elu_backward", "softplus_forward",
              "softplus_backward"):
    _code = "not_a_float" if _name == "compute_cost" else "not_an_array"
    mutant(_name, _code)(_wrap(_name, _subclass, "ndarray_subclass"))
    mutant(_name, _code)(_wrap(_name, _always_equal, "always_equal"))
