"""Argument checks shared by the dataset functions: each error names the argument."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_count", "check_dtype", "check_noise", "make_rng"]


def make_rng(seed):
    """``np.random.default_rng(seed)`` with an error that says what ``seed`` may be."""
    if isinstance(seed, bool):
        raise TypeError("seed must be an int, a numpy Generator or None; got a bool")
    if seed is None or isinstance(seed, np.random.Generator | np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, numbers.Integral):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative int; got {seed}")
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be an int, a numpy Generator or None; got {type(seed).__name__}")


def check_count(value, name, minimum=1):
    """Return ``value`` as an int, or raise if it is not an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= {minimum}; got {value!r} ({type(value).__name__})"
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def check_noise(value, name="noise"):
    """Return ``value`` as a float, or raise if it is not a finite number ``>= 0``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0; got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value}")
    return value


def check_dtype(dtype):
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be np.float32 or np.float64; got {dtype!r}") from None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be np.float32 or np.float64; got {dt}")
    return dt
