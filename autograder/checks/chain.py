"""Checks of assignment 1, chain rule and computational graphs: gates, the problem sheet,
small graphs (``(x + y) z``, the sigmoid neuron, softplus) and vector/matrix derivatives.

Every argument is plain data (Python floats, arrays, ints). "Elementwise" functions get
Python floats (and must return Python floats, or numpy float64) and arrays of several
shapes. References: :mod:`course.nn.chain_api`. The cases have no inputs in the sense of
examples, so their labels name shapes, not ``m``.
"""

from __future__ import annotations

import numpy as np

from ._build import Forms, case, ref
from .core import Check, case_rng, register

#: the checks of this module, in the order of the curriculum's priority list
NAMES: list = []


def _api():
    return ref().chain_api


def _leaves(check, value):
    """``{value name: value}`` for a full result (a tuple for several returned values)."""
    if isinstance(value, dict):
        return value
    if isinstance(check.returns, tuple):
        return dict(zip(check.returns, value, strict=True))
    return {check.returns: value}


def _label(args, names):
    parts = []
    for n, a in zip(names, args, strict=False):
        if isinstance(a, np.ndarray):
            parts.append(f"{n} of shape {a.shape}")
            continue
        parts.append(f"{n} = {a:g}" if isinstance(a, float) else f"{n} = {a}")
    shapes = {p.split(" of shape ")[1] for p in parts if " of shape " in p}
    if len(shapes) == 1 and all(" of shape " in p for p in parts):
        return f"{', '.join(names[:len(args)])} of shape {shapes.pop()}"
    return ", ".join(parts)


def _make(check, setups, forms_of, points=None):
    """Cases from ``setups`` (``(label or None, args)``); ``forms_of(*args)`` lists the
    known wrong forms as ``(code, message, full result or {name: value})``."""
    api_fn = getattr(_api(), check.name)
    out = []
    for label, args in setups:
        expected = api_fn(*args)
        forms = Forms()
        for code, message, value in forms_of(*args):
            forms.add(code, message, (lambda v=value: _leaves(check, v() if callable(v) else v)))
        out.append(case(label or _label(args, check.params), args, expected, forms,
                        points=points or 1.0))
    return out


def _reg(name, params, returns, make, points, **kw):
    NAMES.append(name)
    register(Check(name, params, returns, make, points=points, **kw))


def _shapes(rng, hidden, public=((3,), (2, 4))):
    if not hidden:
        return [tuple(s) for s in public]
    return [(int(rng.integers(3, 7)),), (int(rng.integers(1, 4)), int(rng.integers(3, 6)))]


def _nonzero(rng, shape, low=0.3, high=2.0):
    """Random values with ``low <= |v| <= high`` (no accidental zeros or near-ties)."""
    v = rng.uniform(low, high, size=shape)
    return v * rng.choice([-1.0, 1.0], size=shape)


def _f(x):
    return float(x)


# =========================================================================== gates
def _gate_setups(rng, hidden, public_floats, distinct=True):
    setups = []
    if hidden:
        setups.append((None, tuple(_f(v) for v in _nonzero(rng, 3, 0.5, 4.0))))
    else:
        setups.extend((None, tuple(float(v) for v in f)) for f in public_floats)
    for shape in _shapes(rng, hidden):
        setups.append((None, tuple(_nonzero(rng, shape) for _ in range(3))))
    return setups


_UP = "multiply the local gradient by the upstream gradient dout (chain rule)"


def _add_forms(dout, x, y):
    one = 1.0 if not isinstance(x, np.ndarray) else np.ones(np.shape(x))
    return [
        ("split_not_distribute", "an add gate distributes: each input gets all of dout, "
         "not half of it", (dout / 2 * one, dout / 2 * one)),
        ("forgot_upstream", "the local gradient of x + y is 1 for each input; "
         + _UP + ": dx = dy = dout", (one, one)),
        ("mul_rule", "that is the multiply gate's rule (each input gets the other one times "
         "dout); an add gate passes dout unchanged to both inputs", (y * dout, x * dout)),
        ("returned_inputs", "you returned the inputs; the add gate's backward pass returns "
         "dout for both", (x, y)),
    ]


def _add_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    return _make(check, _gate_setups(rng, hidden, [(2.0, -2.0, 5.0)]), _add_forms)


_reg("add_gate_backward", ("dout", "x", "y"), ("dx", "dy"), _add_cases, 0.5)


def _mul_forms(dout, x, y):
    return [
        ("not_switched", "a multiply gate switches: dx = y * dout and dy = x * dout (each "
         "input gets the other input)", (x * dout, y * dout)),
        ("forgot_upstream", "d(x y)/dx = y is the local gradient; " + _UP,
         (y * 1.0, x * 1.0)),
        ("add_rule", "that is the add gate's rule (dout for both); a multiply gate gives each "
         "input the other input times dout", (dout * 1.0, dout * 1.0)),
        ("returned_product", "dx and dy are not x * y * dout: d(x y)/dx = y",
         (x * y * dout, x * y * dout)),
    ]


def _mul_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    return _make(check, _gate_setups(rng, hidden, [(-4.0, 3.0, -4.0)]), _mul_forms)


_reg("mul_gate_backward", ("dout", "x", "y"), ("dx", "dy"), _mul_cases, 0.5)


def _max_forms(dout, x, y):
    def route(a, b):
        if isinstance(x, np.ndarray):
            return np.where(a, dout, 0.0), np.where(b, dout, 0.0)
        return (dout if a else 0.0), (dout if b else 0.0)

    xa, ya = np.asarray(x), np.asarray(y)
    return [
        ("distributed_not_routed", "a max gate routes: all of dout goes to the larger input "
         "and nothing to the other (it does not distribute like an add gate)",
         (dout * 1.0, dout * 1.0)),
        ("tie_dropped", "at a tie (x == y) x must get all of dout (ties go to x, as "
         "Value.max): dx = dout * (x >= y), dy = dout * (x < y)", route(xa > ya, ya > xa)),
        ("tie_to_y", "at a tie (x == y) dout went to y: ties go to x (as Value.max): "
         "dx = dout * (x >= y), dy = dout * (x < y)", route(xa > ya, xa <= ya)),
        ("routed_to_smaller", "dout must go to the larger input, not the smaller one",
         route(xa < ya, xa >= ya)),
        ("routed_to_smaller", "dout must go to the larger input, not the smaller one",
         route(xa <= ya, xa > ya)),
        ("forgot_upstream", "the local gradient is 1 for the larger input; " + _UP,
         (1.0 * (xa >= ya) if isinstance(x, np.ndarray) else float(x >= y),
          1.0 * (xa < ya) if isinstance(x, np.ndarray) else float(x < y))),
    ]


def _max_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    setups = []
    if hidden:
        v = float(rng.integers(-3, 4))
        setups += [(None, (_f(_nonzero(rng, ())), v, v)),
                   (None, (_f(_nonzero(rng, ())), float(rng.integers(-3, 4)) + 0.5,
                           float(rng.integers(-3, 4))))]
    else:
        setups += [(None, (2.0, 3.0, 1.0)), ("a tie: dout = 1.5, x = y = 2", (1.5, 2.0, 2.0)),
                   (None, (-1.0, -2.0, 0.5))]
    for shape in _shapes(rng, hidden, ((3, 4), (2, 5))):
        x = rng.integers(-2, 3, size=shape).astype(np.float64)
        y = rng.integers(-2, 3, size=shape).astype(np.float64)
        y.flat[0] = x.flat[0]  # at least one tie, one x > y and one x < y
        x.flat[1], y.flat[1] = 2.0, -1.0
        x.flat[2], y.flat[2] = -1.0, 1.0
        label = f"dout, x, y of shape {shape}, with ties"
        setups.append((label, (_nonzero(rng, shape), x, y)))
    return _make(check, setups, _max_forms)


_reg("max_gate_backward", ("dout", "x", "y"), ("dx", "dy"), _max_cases, 0.5)


# =========================================================================== (x + y) z
def _xyz_forms(x, y, z):
    q = x + y
    one = 1.0 if not isinstance(x, np.ndarray) else np.ones(np.shape(x))
    return [
        ("precedence", "f = (x + y) * z: put the sum in parentheses", {"f": x + y * z}),
        ("not_switched", "df/dz is the other input of the multiply gate, q = x + y "
         "(and df/dq = z)", {"df_dz": z * 1.0}),
        ("not_switched", "df/dx = df/dq * dq/dx = z * 1: the multiply gate gives q the other "
         "input, z", {"df_dx": q * 1.0, "df_dy": q * 1.0}),
        ("forgot_upstream", "dq/dx = 1 is only the add gate's local gradient; multiply it by "
         "the upstream df/dq = z", {"df_dx": one, "df_dy": one}),
        ("missing_path", "q = x + y has two inputs: df/dz = x + y, not just one of them",
         {"df_dz": x * 1.0}),
        ("missing_path", "q = x + y has two inputs: df/dz = x + y, not just one of them",
         {"df_dz": y * 1.0}),
    ]


def _xyz_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    setups = []
    if hidden:
        setups.append((None, tuple(float(v) for v in rng.integers(-6, 7, 3) + 0.5)))
    else:
        setups += [(None, (-2.0, 5.0, -4.0)), (None, (1.5, 0.5, 3.0))]
    for shape in _shapes(rng, hidden):
        setups.append((None, tuple(_nonzero(rng, shape, 0.3, 3.0) for _ in range(3))))
    return _make(check, setups, _xyz_forms)


_reg("xyz_forward_backward", ("x", "y", "z"), ("f", "df_dx", "df_dy", "df_dz"),
     _xyz_cases, 1.0)


# =========================================================================== sigmoid neuron
def _neuron_forms(w, x):
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = float(_api()._sigmoid(dot))
    d = f * (1 - f)
    xb = np.array([x[0], x[1], 1.0])
    with np.errstate(all="ignore"):
        a = 1.0 + np.exp(-dot)
        partial = -1.0 / a**2
    return [
        ("forgot_bias", "w2 is the bias: its gradient is f(1 - f) * 1, not 0",
         {"dw": d * np.array([x[0], x[1], 0.0])}),
        ("sign_error", "the sign is flipped: the gate c = -dot multiplies by -1 on the way "
         "back, and d exp(c)/dc = exp(c); the total is f(1 - f) > 0",
         (f, -d * xb, -d * w[:2])),
        ("partial_chain", "you stopped at d(1/a)/da = -1/a**2: continue through exp "
         "(times exp(c)) and through c = -dot (times -1)", (f, partial * xb, partial * w[:2])),
        ("swapped", "dw gets the x's and dx gets the w's: d(w0 x0)/dw0 = x0",
         {"dw": d * np.array([w[0], w[1], 1.0]), "dx": d * x}),
        ("sigmoid_wrong_derivative", "the derivative of the sigmoid is f(1 - f), not f",
         (f, f * xb, f * w[:2])),
    ]


def _neuron_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    setups = []
    if not hidden:
        setups.append(("w = (2, -3, -3), x = (-1, -2) (the worked example)",
                       (np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))))
    setups.append((None, (rng.standard_normal(3), rng.standard_normal(2))))
    setups.append((None, (rng.standard_normal(3) * 2, rng.standard_normal(2) * 2)))
    big = (np.array([300.0, -200.0, -20.0]), np.array([-2.0, 1.5]))
    if hidden:
        big = (big[0] * rng.uniform(1.0, 1.5), big[1])
    setups.append(("a large negative w . x (about -900: exp(-dot) overflows)", big))
    setups.append(("a large positive w . x", (-big[0], big[1])))
    return _make(check, setups, _neuron_forms)


_reg("sigmoid_neuron_backward", ("w", "x"), ("f", "dw", "dx"), _neuron_cases, 1.5)
