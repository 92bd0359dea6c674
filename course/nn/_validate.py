"""Shape and type validation shared by every module of :mod:`course.nn`.

Every message names the argument, the expected shape and the actual one, so
that a student who passes ``W.T`` instead of ``W`` reads
``W2 must have shape (4, 5); got (5, 4)`` rather than a numpy broadcasting error.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ShapeError", "as_array", "check_2d", "check_shape", "check_same_shape", "fmt_shape"]


class ShapeError(ValueError):
    """An argument does not have the shape the column-per-example convention requires."""


def fmt_shape(shape) -> str:
    """Format a shape, where ``None`` (or a string) stands for a free dimension.

    >>> fmt_shape((3, None))
    '(3, m)'
    """
    parts = ["m" if s is None else str(s) for s in shape]
    if len(parts) == 1:
        return f"({parts[0]},)"
    return "(" + ", ".join(parts) + ")"


def as_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a floating-point ndarray without copying when it already is one.

    Integer and boolean inputs are converted to float64; float16/32/64 keep their dtype.
    """
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - exotic objects
        raise TypeError(f"{name} must be a numpy array; got {type(x).__name__}") from exc
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(f"{name} must be a numeric array; got dtype {arr.dtype}")
    return arr


def check_2d(x, name: str) -> np.ndarray:
    """Return ``x`` as a 2-D floating array, or raise a :class:`ShapeError` naming it."""
    arr = as_array(x, name)
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = (
                f"; use {name}.reshape(-1, 1) for a column or {name}.reshape(1, -1) for a row"
                " (one column per example)"
            )
        raise ShapeError(f"{name} must be a 2-D array; got shape {arr.shape}{hint}")
    return arr


def check_shape(x, name: str, expected) -> np.ndarray:
    """Check that ``x`` is 2-D with ``expected`` shape (``None`` entries are free).

    Raises
    ------
    ShapeError
        ``"{name} must have shape {expected}; got {actual}"``.
    """
    arr = check_2d(x, name) if len(expected) == 2 else as_array(x, name)
    ok = arr.ndim == len(expected) and all(
        e is None or e == a for e, a in zip(expected, arr.shape, strict=False)
    )
    if not ok:
        raise ShapeError(f"{name} must have shape {fmt_shape(expected)}; got {arr.shape}")
    return arr


def check_same_shape(x, name: str, like: np.ndarray, like_name: str) -> np.ndarray:
    """Check that ``x`` has exactly the shape of ``like`` (used for upstream gradients)."""
    arr = as_array(x, name)
    if arr.shape != like.shape:
        raise ShapeError(
            f"{name} must have the shape of {like_name}, {like.shape}; got {arr.shape}"
        )
    return arr
