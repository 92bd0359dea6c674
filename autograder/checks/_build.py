"""Helpers for phase 1 (building cases), trusted side only."""

from __future__ import annotations

import numpy as np

from .core import Case


def ref():
    """``course.nn``, imported lazily: judging never needs it, only case building does."""
    from course import nn

    return nn


def plainify(x):
    """Deep copy of ``x`` with numpy scalars as Python numbers and arrays owned."""
    t = type(x)  # exact types first (the common case), subclasses below
    if t is np.ndarray:
        return x.copy(order="K")  # as np.array(x, copy=True): the layout kept
    if t is float or t is int or t is str or t is bool or x is None:
        return x
    if t is tuple:
        return tuple([plainify(v) for v in x])
    if t is dict:
        return {str(k): plainify(v) for k, v in x.items()}
    if t is list:
        return [plainify(v) for v in x]
    if isinstance(x, np.ndarray):
        return np.array(x, copy=True)
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, tuple):
        return tuple(plainify(v) for v in x)
    if isinstance(x, list):
        return [plainify(v) for v in x]
    if isinstance(x, dict):
        return {str(k): plainify(v) for k, v in x.items()}
    return x


class Forms(list):
    """The known wrong forms of one case. A form whose computation fails is skipped.

    Forms are only needed to name a mistake, so they are finished (callables called,
    values copied to plain data) the first time the list is read: for a correct answer,
    never. Reading it in any way (iteration, ``len``, indexing, ``list(forms)``) finishes
    it first.
    """

    def __init__(self, *args):
        super().__init__(*args)
        self._pending = []

    def add(self, code, message, leaves):
        self._pending.append((code, message, leaves))
        return self

    def add_many(self, produce):
        """Forms from ``produce() -> [(code, message, leaves), ...]``, computed (in this
        place of the list) only when the forms are read."""
        self._pending.append((None, None, produce))
        return self

    def _finish(self):
        pending, self._pending = self._pending, []
        for code, message, leaves in pending:
            try:
                with np.errstate(all="ignore"):
                    if code is None:  # add_many
                        items = list(leaves())
                    else:
                        items = [(code, message, leaves() if callable(leaves) else leaves)]
            except Exception:
                continue
            for c, m, values in items:
                super().append({"code": c, "message": m, "leaves": plainify(values)})

    def __iter__(self):
        self._finish()
        return super().__iter__()

    def __len__(self):
        self._finish()
        return super().__len__()

    def __getitem__(self, index):
        self._finish()
        return super().__getitem__(index)

    def __eq__(self, other):
        self._finish()
        return super().__eq__(other)

    __hash__ = None

    def __repr__(self):
        self._finish()
        return super().__repr__()


def shape_only(shape):
    return {"shape": [int(n) for n in shape]}


MISSING_FORM = {"missing": True}


def case(label, args, expected, forms=(), kwargs=None, points=1.0, np_seed=None, **extra):
    return Case(label=label, args=plainify(tuple(args)), kwargs=plainify(dict(kwargs or {})),
                points=float(points), np_seed=np_seed, expected=plainify(expected),
                wrong_forms=forms if isinstance(forms, Forms) else list(forms),
                extra=plainify(extra))


def with_zeros(rng, Z, frac=0.25):
    """A copy of ``Z`` with about ``frac`` of its entries (at least one) set to exactly 0."""
    Z = np.array(Z, copy=True)
    mask = rng.random(Z.shape) < frac
    mask.flat[rng.integers(Z.size)] = True
    Z[mask] = 0.0
    return Z


def shape_label(n, m):
    return f"shape ({n}, {m})" + (", m = 1" if m == 1 else "")


def _leaf_paths(x, path=()):
    """``(path, leaf)`` for every leaf of a plain value (containers walked)."""
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _leaf_paths(v, path + (k,))
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            yield from _leaf_paths(v, path + (i,))
    else:
        yield path, x


def echo_names(check, args, expected):
    """Names of the returned arrays that are inputs handed back (a cache's ``A_prev``,
    ``W``, ``b``, an activation's ``Z``): the first returned value excluded, every other
    leaf of ``expected`` equal to an array of ``args``. Judging gives these credit only
    together with a right first returned value (``autograder.checks._rules``)."""
    inputs = [a for _, a in _leaf_paths(tuple(args)) if isinstance(a, np.ndarray)]
    same = {id(a) for a in inputs}  # the reference's caches hold the inputs themselves
    names = []
    for path, leaf in _leaf_paths(expected):
        if not path or path[0] == 0 or not isinstance(leaf, np.ndarray):
            continue
        if id(leaf) in same or any(
                a.shape == leaf.shape and a.dtype == leaf.dtype and np.array_equal(a, leaf)
                for a in inputs):
            names.append(check.value_name(path))
    return names
