"""Two judging rules shared by several checks, in one leaf checker (:func:`_rules_leaf`).

Judging is a walk over the returned value (:meth:`coursekit.judge.Check.judge`); each
leaf is checked by the check's leaf checker, here :func:`coursekit.compare.check_leaf`
followed by two rules that read only the case's data (``case.extra``), so that they hold
the same way in ``course grade``, in nbgrader's and otter's tests and in the student kit
(``course kit`` copies these functions verbatim into ``coursekit/_leaves.py``):

* **No credit for echoes** (``case.extra["echoes"]``, the names of the returned leaves
  that are inputs handed back, such as the linear cache ``(A_prev, W, b)``): such a leaf
  earns its share only when the function's main result, its first returned value (``Z``,
  ``A``, ``AL``), is right. Otherwise it is marked ``echoed_inputs`` and earns nothing:
  handing the inputs back computes nothing. Leaves of the cache that are computed
  (``Z`` in ``(linear_cache, Z)``, the activations of ``L_model_forward``'s caches) keep
  their own share. The walk visits the first returned value before the cache, and that
  leaf's verdict is kept on the case for the rest of the walk (per thread, so that two
  threads may judge the same case).
* **Overflow is named** (``case.extra["overflow"]``, for the functions whose notebook
  promises numerical stability): a returned array with NaN or inf where every expected
  value is finite, at an input of large magnitude, is diagnosed ``unstable_overflow``
  with the input's value and the stable way to compute it. (The cases are built so that
  the classic unstable formulas return NaN or inf. A formula that overflows but still
  returns right values, ``1 / (1 + np.exp(-Z))`` at Z = -800, is caught by the outcome's
  ``fp_warnings``: :func:`coursekit.judge._warning_verdict`, ``overflow_warning``.)
"""

from __future__ import annotations

import threading

import numpy as np

from . import compare

__all__ = ["_rules_leaf"]

#: Codes that say only "wrong values": an overflow diagnosis replaces them.
_OVERFLOW_GENERIC = ("wrong_values", "not_finite", "wrong_scale", "sign_error")
#: Inputs below this magnitude do not make exp overflow (float32 overflows above 88.7).
_OVERFLOW_FROM = 80.0


def _rules_leaf(check, case_, name, exp, got):
    """Leaf checker of the checks with caches and of those that promise stability:
    :func:`coursekit.compare.check_leaf`, then the echo rule and the overflow rule."""
    ok, code, msg = compare.check_leaf(check, case_, name, exp, got)
    extra = case_.extra if isinstance(case_.extra, dict) else {}
    echoes = extra.get("echoes")
    if echoes is not None:
        ok, code, msg = _echo_rule(check, case_, name, ok, code, msg, echoes)
    info = extra.get("overflow")
    if not ok and isinstance(info, dict):
        code, msg = _overflow_rule(check, case_, name, exp, got, code, msg, info)
    return ok, code, msg


def _echo_rule(check, case_, name, ok, code, msg, echoes):
    """An echoed leaf earns credit only when the first returned value is right."""
    gate = check.value_name((0,))
    state = case_.__dict__.setdefault("_echo_gate", {})
    key = threading.get_ident()
    if name == gate:
        state[key] = [bool(ok), False]  # [main result right, echo message given]
        return ok, code, msg
    if not ok or name not in echoes:
        return ok, code, msg
    seen = state.get(key)
    if seen is None or seen[0]:
        return ok, code, msg
    if seen[1]:
        return False, "echoed_inputs", None  # one message per case is enough
    seen[1] = True
    handed = ", ".join(check.pretty(e) for e in echoes)
    return False, "echoed_inputs", (
        f"{check.pretty(name)} is right, but it is an input handed back: the inputs in "
        f"what you return ({handed}) earn points only together with a right "
        f"{check.pretty(gate)}, which is wrong here (no points for them in this case)")


def _overflow_rule(check, case_, name, exp, got, code, msg, info):
    """Name an overflow: NaN or inf returned where the expected value is finite."""
    if isinstance(exp, np.ndarray) and exp.dtype.kind in "biuf":
        e = exp.astype(np.float64)
    elif isinstance(exp, (float, int)) and not isinstance(exp, bool):
        e = np.asarray(float(exp))
    else:
        return code, msg
    if type(got) is np.ndarray and got.dtype.kind in "biuf":
        g = got.astype(np.float64)
    elif type(got) in (float, int, np.float64, np.float32, np.float16):
        g = np.asarray(float(got))
    else:
        return code, msg
    if g.shape != e.shape:
        return code, msg
    bad = ~np.isfinite(g) & np.isfinite(e)
    if not bad.any():
        return code, msg
    z = info.get("value")
    where_z = info.get("z")
    if where_z:
        z = case_.args if where_z[0] == "args" else case_.expected
        for step in where_z[1:]:
            z = z[step]
    if z is None:
        return code, msg
    za = np.asarray(z, dtype=np.float64)
    if za.ndim == 0:
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        zval = float(za)
    elif za.shape == g.shape:  # elementwise: the worst input among the bad entries
        masked = np.where(bad, np.abs(za), -1.0)
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(masked)), za.shape))
        zval = float(za[idx])
    else:
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        zval = float(za.flat[int(np.argmax(np.abs(za)))]) if za.size else 0.0
    if not abs(zval) >= float(info.get("from", _OVERFLOW_FROM)):
        return code, msg
    pretty = check.pretty(name)
    where = f"{pretty}[{', '.join(map(str, idx))}]" if idx else pretty
    val = g[idx] if idx else g[()]
    what = "NaN" if np.isnan(val) else ("inf" if val > 0 else "-inf")
    zname = info.get("name", "z")
    at = f"{where} is {what} where {zname} = {zval:g}"
    if code not in _OVERFLOW_GENERIC:  # a known unstable formula: its message, and where
        return code, f"{msg} ({at})"
    count = int(bad.sum())
    many = f" ({count} of {bad.size} entries are NaN or inf)" if bad.size > 1 else ""
    text = (f"overflow: {at}, while every expected value is finite{many}: your function "
            f"is not numerically stable for large |{zname}| (an exp overflowed; numpy "
            f"warns 'overflow encountered in exp'). Compute it in a numerically stable "
            f"way: {info.get('hint', 'never exponentiate a large positive number')}")
    return "unstable_overflow", text
