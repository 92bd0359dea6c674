"""Comparing one returned value with the expected one, and naming the mistake.

Only numpy and the case's own data are used here (never ``course.nn``): judging must
work from frozen cases (the student kit ships this module; ``autograder.checks.compare``
is this same module under its old name). Every function assumes numpy warnings are silenced by the
caller (:meth:`Check.judge` does it).
"""

from __future__ import annotations

import numpy as np

from .plain import Opaque

__all__ = [
    "MISSING",
    "TOLERANCES",
    "check_leaf",
    "describe",
    "find_mutation",
    "hint_for_error",
    "match_forms",
    "same",
    "structure_problem",
    "tolerance",
]


class _Missing:
    def __repr__(self):
        return "<missing>"


#: Stands for a dict entry the student did not return.
MISSING = _Missing()

#: (rtol, atol) by the expected dtype: ``|got - expected| <= atol + rtol * |expected|``.
TOLERANCES = {
    "float64": (1e-6, 1e-8),
    "float32": (1e-4, 1e-6),
    "float16": (1e-2, 1e-3),
}


def tolerance(case, exp):
    tol = case.extra.get("tol") if case is not None else None
    if tol:
        return float(tol[0]), float(tol[1])
    if isinstance(exp, np.ndarray):  # a dict lookup by dtype: ``dtype.name`` is slow
        return TOLERANCES.get(_DTYPE_NAMES.get(exp.dtype), TOLERANCES["float64"])
    return TOLERANCES["float64"]


_DTYPE_NAMES = {np.dtype(name): name for name in TOLERANCES}
_F64 = np.dtype(np.float64)


def fmt_tol(rtol, atol):
    return f"|got - expected| <= {atol:g} + {rtol:g} * |expected|"


def describe(got) -> str:
    """A short description of what the student returned."""
    if got is MISSING:
        return "nothing"
    if got is None:
        return "None (did you forget the return statement?)"
    if isinstance(got, Opaque):
        return (f"an object of type {got.type_name}, which is not plain numpy data "
                "(a subclass of ndarray or an object that only claims equality is not accepted)")
    t = type(got)
    if t is np.ndarray:
        return f"a numpy array of shape {got.shape} and dtype {got.dtype}"
    if t in (list, tuple):
        return f"a {t.__name__} of {len(got)} item{'s' if len(got) != 1 else ''}"
    if t is dict:
        return f"a dict with keys {list(got)[:8]}"
    if isinstance(got, np.generic):
        return f"a numpy scalar {got!r}"
    if t in (int, float, bool):
        return f"the {t.__name__} {got!r}"
    return f"a {t.__name__}"


def _as_numeric(x):
    """``x`` as a numeric ndarray, or ``None`` when it is not numeric data."""
    if x is None or x is MISSING or isinstance(x, Opaque | str | dict):
        return None
    try:
        a = np.asarray(x)
    except Exception:
        return None
    if a.dtype.kind not in "biuf":
        return None
    return a


def same(a, b, rtol=1e-5, atol=1e-7) -> bool:
    """Deep, dtype-agnostic closeness (NaN equals NaN); used to match known wrong forms."""
    if isinstance(a, dict) and "missing" in a and len(a) == 1:
        return b is MISSING
    if isinstance(a, dict):
        return (type(b) is dict and set(a) == set(b)
                and all(same(a[k], b[k], rtol, atol) for k in a))
    if isinstance(a, (list, tuple)):
        return (type(b) in (list, tuple) and len(a) == len(b)
                and all(same(x, y, rtol, atol) for x, y in zip(a, b, strict=True)))
    x, y = _as_numeric(a), _as_numeric(b)
    if x is None or y is None or x.shape != y.shape:
        return False
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    return bool(np.allclose(y, x, rtol=rtol, atol=atol, equal_nan=True))


def match_forms(case, name, got):
    """``(code, message)`` of the first known wrong form that ``got`` matches at ``name``.

    Value forms are tried before shape-only forms.
    """
    forms = case.wrong_forms or []
    for f in forms:
        v = f["leaves"].get(name, MISSING)
        if v is MISSING or (isinstance(v, dict) and "shape" in v):
            continue
        if same(v, got):
            return f["code"], f["message"]
    arr = _as_numeric(got)
    for f in forms:
        v = f["leaves"].get(name, MISSING)
        if isinstance(v, dict) and "shape" in v and arr is not None:
            if list(arr.shape) == list(v["shape"]):
                return f["code"], f["message"]
    return None


def _heuristic(name, exp, got):
    """Mistakes recognisable from the arrays alone: transposed, lost axis, scaled, sign."""
    g = _as_numeric(got)
    if g is None or not isinstance(exp, np.ndarray):
        return None
    if g.shape != exp.shape:
        if exp.ndim == 2 and g.shape == exp.shape[::-1]:
            if same(exp.T, g):
                return "transposed", f"{name} is the transpose of the expected array"
            return "wrong_shape", (f"{name} looks transposed: rows are units and columns are "
                                   "examples")
        if exp.ndim == 2 and g.shape in ((exp.shape[0],), (exp.shape[1],)):
            return "lost_dimension", (f"{name} lost a dimension: keep it 2-D "
                                      "(keepdims=True, or .reshape(-1, 1) for a column)")
        if g.ndim == 0 or g.size == 1:
            return "wrong_shape", f"{name} is a single number; expected an array of shape " \
                                  f"{exp.shape}"
        return None
    g = g.astype(np.float64)
    e = exp.astype(np.float64)
    if not np.all(np.isfinite(g)) and np.all(np.isfinite(e)):
        return "not_finite", (f"{name} contains NaN or inf where every expected value is finite "
                              "(an overflow in np.exp, or a division by zero?)")
    denom = float(np.sum(e * e))
    if denom > 0 and np.any(np.abs(e) > 1e-12):
        c = float(np.sum(g * e) / denom)
        if c != 0 and np.allclose(g, c * e, rtol=1e-6, atol=1e-10):
            if abs(c + 1) < 1e-6:
                return "sign_error", f"{name} has the wrong sign everywhere"
            if abs(c - 1) > 1e-6:
                return "wrong_scale", f"{name} is {c:.4g} times the expected values"
    return None


def check_leaf(check, case, name, exp, got):
    """Check one returned value: ``(ok, code, message)``. Order: type, dtype, shape, values."""
    pretty = check.pretty(name)
    if isinstance(exp, np.ndarray):
        return _check_array(case, name, pretty, exp, got)
    if isinstance(exp, (float, int)) and not isinstance(exp, bool):
        return _check_number(case, name, pretty, float(exp), got)
    if got == exp and type(got) is type(exp):
        return True, None, None
    return False, "wrong_values", f"{pretty} is {describe(got)}; expected {exp!r}"


def _with_diagnosis(case, name, exp, got, code, problem):
    diag = match_forms(case, name, got) or _heuristic(name, exp, got)
    if diag:
        code, hint = diag
        return False, code, f"{problem}. Likely mistake: {hint}"
    return False, code, problem


def _check_array(case, name, pretty, exp, got):
    if type(got) is not np.ndarray:
        problem = f"{pretty} must be a numpy array of shape {exp.shape}; got {describe(got)}"
        return _with_diagnosis(case, name, exp, got, "not_an_array", problem)
    note = None
    if got.dtype != exp.dtype:
        lenient = exp.dtype.kind == "f" and got.dtype.kind == "f" and \
            got.dtype.itemsize > exp.dtype.itemsize
        if not lenient:
            problem = f"{pretty} has dtype {got.dtype}; expected {exp.dtype}"
            if got.dtype.kind == "b":
                problem += " (a boolean mask must be turned into numbers)"
            elif got.dtype.kind in "iu":
                problem += " (integer arrays cannot hold gradients: use floats)"
            return _with_diagnosis(case, name, exp, got, "wrong_dtype", problem)
        note = (f"note: {pretty} has dtype {got.dtype} where the reference keeps {exp.dtype} "
                "(accepted)")
    if got.shape != exp.shape:
        problem = f"{pretty} has shape {got.shape}; expected shape {exp.shape}"
        return _with_diagnosis(case, name, exp, got, "wrong_shape", problem)
    rtol, atol = tolerance(case, exp)
    g = got if got.dtype == _F64 else got.astype(_F64)  # read only below: no copy needed
    e = exp if exp.dtype == _F64 else exp.astype(_F64)
    bad = ~(np.abs(g - e) <= atol + rtol * np.abs(e))
    if not bad.any():
        return True, None, note
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    where = f"{pretty}[{', '.join(map(str, idx))}]" if idx else pretty
    problem = (f"{pretty} has the right shape {exp.shape} but wrong values: {int(bad.sum())} of "
               f"{bad.size} entries differ beyond the tolerance {fmt_tol(rtol, atol)}; first at "
               f"{where}: expected {e[idx]:.8g}, got {g[idx]:.8g}")
    return _with_diagnosis(case, name, exp, got, "wrong_values", problem)


def _check_number(case, name, pretty, exp, got):
    t = type(got)
    if t is np.ndarray:
        problem = (f"{pretty} must be a Python float; you returned a numpy array of shape "
                   f"{got.shape}: convert it with float(...)")
        if got.size == 1 and got.dtype.kind in "biuf" and same(exp, got.reshape(())):
            problem += " (its value is right)"
        return False, "not_a_float", problem
    if t is np.float32 or t is np.float16:
        return False, "wrong_dtype", (f"{pretty} is a {t.__name__}; compute it in float64 and "
                                      "return a Python float")
    if t not in (float, int, np.float64):
        problem = f"{pretty} must be a Python float; got {describe(got)}"
        return _with_diagnosis(case, name, np.asarray(exp), got, "not_a_float", problem)
    rtol, atol = tolerance(case, None)
    g = float(got)
    if abs(g - exp) <= atol + rtol * abs(exp):
        return True, None, None
    problem = (f"{pretty} = {g:.10g}; expected {exp:.10g} (tolerance {fmt_tol(rtol, atol)})")
    return _with_diagnosis(case, name, np.asarray(exp), np.asarray(g), "wrong_values", problem)


def structure_problem(name, exp, got, items=None):
    """A message when ``got`` does not have the container shape of ``exp``, else ``None``."""
    if isinstance(exp, (tuple, list)):
        if type(got) in (tuple, list) and len(got) == len(exp):
            return None
        kind = "list" if isinstance(exp, list) else "tuple"
        what = f"a {kind} of {len(exp)} item{'s' if len(exp) != 1 else ''}" + (
            f" {items}" if items else "")
        return f"{name} must be {what}; got {describe(got)}"
    if isinstance(exp, dict):
        if type(got) is dict:
            return None
        return f"{name} must be a dict with keys {', '.join(map(str, exp))}; got {describe(got)}"
    return None


def _first_change(before, after, path):
    if isinstance(before, np.ndarray):
        if (type(after) is not np.ndarray or after.shape != before.shape
                or after.dtype != before.dtype
                or not np.array_equal(after, before, equal_nan=before.dtype.kind == "f")):
            return path
        return None
    if isinstance(before, dict):
        if type(after) is not dict or set(after) != set(before):
            return path
        for k in before:
            p = _first_change(before[k], after[k], path + (k,))
            if p is not None:
                return p
        return None
    if isinstance(before, (list, tuple)):
        if type(after) is not type(before) or len(after) != len(before):
            return path
        for i, (x, y) in enumerate(zip(before, after, strict=True)):
            p = _first_change(x, y, path + (i,))
            if p is not None:
                return p
        return None
    if type(after) is not type(before) or after != before:
        return path
    return None


def find_mutation(check, before, after):
    """Name of the first input that the call changed, or ``None`` (also when unknown)."""
    if after is None or isinstance(after, Opaque):
        return None
    if type(after) not in (tuple, list) or len(after) != 2:
        return None
    args_b, kwargs_b = before
    args_a, kwargs_a = after
    if type(args_a) not in (tuple, list) or len(args_a) != len(args_b):
        return check.arg_name((0,))
    for i, (b, a) in enumerate(zip(args_b, args_a, strict=True)):
        p = _first_change(b, a, (i,))
        if p is not None:
            return check.arg_name(p)
    if type(kwargs_a) is not dict:
        return None
    for k, b in kwargs_b.items():
        p = _first_change(b, kwargs_a.get(k, MISSING), (k,))
        if p is not None:
            return check.arg_name(p)
    return None


_ERROR_HINTS = (
    ("matmul", "a matrix product has mismatched shapes: check which operand needs .T "
               "(W is (n, n_prev), A_prev is (n_prev, m), dZ is (n, m))"),
    ("could not be broadcast", "two shapes do not broadcast: check keepdims=True and "
                               "transposes"),
    ("shapes", "two shapes do not fit: print the shapes of your arrays"),
    ("KeyError", "a dict key is missing: the keys are W1, b1, ..., WL, bL (and dA{l-1}, dW{l}, "
                 "db{l} for gradients); L = len(parameters) // 2"),
    ("NameError", "your function reads a name it does not define: compute it from the "
                  "function's arguments (for instance m = A_prev.shape[1]) or define it in the "
                  "function's own cell; a variable of the notebook is not kept when the "
                  "notebook is graded (only imports and function definitions are)"),
    ("NotImplementedError", "the function is still a stub: replace the raise with your code"),
)


def hint_for_error(err: str):
    for key, hint in _ERROR_HINTS:
        if key in err:
            return hint
    return None
