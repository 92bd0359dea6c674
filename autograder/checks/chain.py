"""Checks of assignment 1, chain rule and computational graphs: gates, the problem sheet,
small graphs (``(x + y) z``, the sigmoid neuron, softplus) and vector/matrix derivatives.
Several exercises take a name that picks the variant (``gate_backward``'s gate,
``activation_prime``'s activation, ``squared_error_backward``'s ``half``): each case is
one variant, with the known wrong forms of that variant.

Every argument is plain data (Python floats, arrays, ints). "Elementwise" functions get
Python floats (and must return Python floats, or numpy float64) and arrays of several
shapes. References: :mod:`course.nn.chain_api`. The cases have no inputs in the sense of
examples, so their labels name shapes, not ``m``.
"""

from __future__ import annotations

import numpy as np

from ._build import Forms, case, ref
from ._rules import _rules_leaf
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


def _make(check, setups, forms_of, points=None, extra_of=None):
    """Cases from ``setups`` (``(label or None, args)``); ``forms_of(*args)`` lists the
    known wrong forms as ``(code, message, full result or {name: value} or None)``;
    ``extra_of(*args)``, when given, the case's ``extra`` data."""
    api_fn = getattr(_api(), check.name)
    out = []
    for label, args in setups:
        expected = api_fn(*args)
        forms = Forms()
        for code, message, value in forms_of(*args):
            if value is None:  # a mistake that cannot happen (or fails) on these inputs
                continue
            forms.add(code, message, (lambda v=value: _leaves(check, v() if callable(v) else v)))
        extra = extra_of(*args) if extra_of else {}
        out.append(case(label or _label(args, check.params), args, expected, forms,
                        points=points or 1.0, **extra))
    return out


#: How to compute the sigmoid stably (the overflow diagnosis quotes it).
_STABLE_SIGMOID = ("never exponentiate a large positive number: with e = exp(-|s|) <= 1, "
                   "sigmoid(s) = 1 / (1 + e) for s >= 0 and e / (1 + e) for s < 0")


def _big(rng, low=720.0, high=1000.0):
    """A magnitude where exp overflows in float64 (exp(709.8) is the largest finite)."""
    return float(rng.uniform(low, high))


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


def _max_setups(rng, hidden):
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
    return setups


#: gate -> (its ``(label, (dout, x, y))`` setups, its known wrong forms)
_GATES = {
    "add": (lambda rng, hidden: _gate_setups(rng, hidden, [(2.0, -2.0, 5.0)]), _add_forms),
    "mul": (lambda rng, hidden: _gate_setups(rng, hidden, [(-4.0, 3.0, -4.0)]), _mul_forms),
    "max": (_max_setups, _max_forms),
}


def _gate_cases(check, seed, hidden):
    """The add gate's cases, then the multiply gate's, then the max gate's (ties)."""
    rng = case_rng(check.name, seed, hidden)
    setups = []
    for gate, (setups_of, _) in _GATES.items():
        for label, args in setups_of(rng, hidden):
            label = label or _label(args, ("dout", "x", "y"))
            setups.append((f"gate = {gate!r}, {label}", (gate, *args)))
    return _make(check, setups, lambda gate, *args: _GATES[gate][1](*args))


_reg("gate_backward", ("gate", "dout", "x", "y"), ("dx", "dy"), _gate_cases, 1.5)


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
    return _make(check, setups, _neuron_forms, extra_of=_neuron_extra)


def _neuron_extra(w, x):
    dot = float(w[0] * x[0] + w[1] * x[1] + w[2])
    return {"overflow": {"value": dot, "name": "w . x", "hint": _STABLE_SIGMOID}}


_reg("sigmoid_neuron_backward", ("w", "x"), ("f", "dw", "dx"), _neuron_cases, 1.5,
     leaf_checker=_rules_leaf)


# =========================================================================== the problem sheet
def _elem_setups(rng, hidden, public_floats, draw, n_args=1, shapes=((3,), (2, 4))):
    """Python-float cases (the worked numbers, or one random one) then array cases."""
    setups = []
    if hidden:
        setups.append((None, tuple(_f(draw(rng, ())) for _ in range(n_args))))
    else:
        setups.extend((None, tuple(float(v) for v in vals)) for vals in public_floats)
    for shape in _shapes(rng, hidden, shapes):
        setups.append((None, tuple(draw(rng, shape) for _ in range(n_args))))
    return setups


def _p1_forms(x):
    f2 = 5 * x**3 - x + 1
    f1 = f2 - 2
    d2 = 15 * x**2 - 1
    return [
        ("forgot_inner", "you stopped at df/df1 = 8 f1: multiply by the inner derivative "
         "df2/dx = 15x**2 - 1 (df1/df2 = 1)", 8 * f1),
        ("used_f2", "f = 4 f1**2 with f1 = f2 - 2: the outer derivative is 8 f1 = "
         "8 (5x**3 - x - 1), not 8 f2", 8 * f2 * d2),
        ("power_rule", "d(4 f1**2)/df1 = 8 f1 (bring the power 2 down): you have 4 f1",
         4 * f1 * d2),
        ("returned_f", "you returned f = 4 f1**2 itself, not its derivative", 4 * f1**2),
    ]


def _p1_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    setups = _elem_setups(rng, hidden, [(0,), (1,), (2,), (-1,)],
                          lambda r, s: r.uniform(-2.0, 2.0, size=s))
    return _make(check, setups, _p1_forms)


_reg("problem1_dfdx", ("x",), "dfdx", _p1_cases, 1.0)


def _p2_forms(u, v):
    x = np.sin(u) + np.cos(v)
    e = np.exp(u * v)
    du, dv = 6 * x**2 * np.cos(u) + v * e, -6 * x**2 * np.sin(v) + u * e
    return [
        ("exp_inner", "d e^(uv)/du = v e^(uv) (and d/dv = u e^(uv)): multiply by the inner "
         "derivative of u v", (6 * x**2 * np.cos(u) + e, -6 * x**2 * np.sin(v) + e)),
        ("cos_sign", "d cos(v)/dv = -sin(v): df/dv = -6x**2 sin v + u e^(uv)",
         {"df_dv": 6 * x**2 * np.sin(v) + u * e}),
        ("missing_path", "u (and v) reach f along two paths, through x and through y: add "
         "both contributions", (6 * x**2 * np.cos(u), -6 * x**2 * np.sin(v))),
        ("missing_path", "u (and v) reach f along two paths, through x and through y: add "
         "both contributions", (v * e, u * e)),
        ("power_rule", "d(2x**3)/dx = 6x**2", (2 * x**2 * np.cos(u) + v * e,
                                               -2 * x**2 * np.sin(v) + u * e)),
        ("swapped", "df_du and df_dv are swapped: return (df_du, df_dv)", (dv, du)),
    ]


def _p2_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    setups = _elem_setups(rng, hidden, [(0, 0), (1, 2), (1, 0)],
                          lambda r, s: r.uniform(-1.5, 1.5, size=s), n_args=2)
    return _make(check, setups, _p2_forms)


_reg("problem2_partials", ("u", "v"), ("df_du", "df_dv"), _p2_cases, 1.0)


def _sigmoid_prime_forms(z):
    s = np.asarray(_api()._sigmoid(z), dtype=np.float64)
    with np.errstate(all="ignore"):
        e = np.exp(-np.asarray(z, dtype=np.float64))
        naive = e / (1 + e) ** 2
    return [
        ("used_Z_not_activation", "sigmoid'(z) = s (1 - s) with s = sigmoid(z), not "
         "s (1 - z)", s * (1 - np.asarray(z))),
        ("unstable_overflow", "exp(-z) overflows for large negative z (inf / inf = nan): "
         "compute s = sigmoid(z) stably first, then s * (1 - s)", naive),
        ("sigmoid_wrong_derivative", "the derivative of the sigmoid is s (1 - s), not s",
         s * 1.0),
        ("sigmoid_wrong_derivative", "1 - s**2 is the tanh's derivative; the sigmoid's is "
         "s (1 - s)", 1 - s**2),
    ]


def _sp_draw(rng, shape):
    z = rng.uniform(-6.0, 6.0, size=shape)
    if np.ndim(z) and z.size >= 3:
        z.flat[0], z.flat[1], z.flat[2] = 0.0, 800.0, -800.0
    return z


def _sigmoid_prime_setups(rng, hidden):
    setups = _elem_setups(rng, hidden, [(0,), (2,), (-800,)], _sp_draw)
    if hidden:  # numerical stability, |z| up to 1000 (drawn last: the others stay)
        z0 = -_big(rng) if rng.random() < 0.5 else _big(rng)
        setups.append((f"z = {z0:.6g}, activation = 'sigmoid' (numerical stability)", (z0,)))
        n = int(rng.integers(5, 9))
        z = rng.uniform(-1000.0, 1000.0, size=n)
        z[0], z[1], z[2] = -_big(rng), _big(rng), rng.uniform(-3.0, 3.0)
        setups.append((f"z of shape ({n},), activation = 'sigmoid', |z| up to 1000 "
                       "(numerical stability)", (z,)))
    return setups


def _activation_extra(z, activation):
    """Every case names ``z`` for the overflow diagnosis (only the sigmoid can overflow)."""
    return {"overflow": {"z": ["args", 0], "name": "z", "hint": "sigma'(z) is even in z: "
                         "with t = np.exp(-np.abs(z)) <= 1, sigma'(z) = t / (1 + t)**2, or "
                         "s * (1 - s) with a stable s = sigmoid(z)"}}


def _relu_prime_forms(z):
    za = np.asarray(z, dtype=np.float64)
    return [
        ("relu_grad_at_zero", "the ReLU derivative at exactly 0 is 0: use z > 0, not z >= 0",
         (za >= 0) * 1.0),
        ("relu_not_derivative", "you returned ReLU(z) = max(z, 0) itself; its derivative is "
         "1.0 where z > 0 and 0.0 elsewhere", np.maximum(za, 0)),
        ("inverted_mask", "the derivative is 1 where z > 0 (not where z < 0)",
         (za < 0) * 1.0),
        ("inverted_mask", "the derivative is 1 where z > 0 (not where z <= 0)",
         (za <= 0) * 1.0),
    ]


def _rp_draw(rng, shape):
    z = rng.uniform(-3.0, 3.0, size=shape)
    if np.ndim(z) and z.size >= 3:  # an exact zero, a negative entry, a positive one (not 1)
        z.flat[rng.integers(z.size)] = 0.0
        z.flat[0] = 0.0
        z.flat[1] = -rng.uniform(0.2, 3.0)
        z.flat[-1] = rng.uniform(1.2, 3.0)
    return z


def _relu_prime_setups(rng, hidden):
    setups = _elem_setups(rng, hidden, [(0,), (2.5,), (-1,)], _rp_draw)
    if hidden:  # a positive float (a negative one has the answer 0 of z = 0), then the kink
        setups[0] = (None, (abs(setups[0][1][0]) + 0.1,))
        setups.insert(1, (None, (0.0,)))
    return setups


def _other_activation(z, activation):
    """The other activation's derivative: the argument ``activation`` was ignored."""
    other = "relu" if activation == "sigmoid" else "sigmoid"
    return [("ignored_activation", f"activation = {activation!r} asks for the derivative of "
             f"the {activation}; you returned the {other}'s",
             _api().activation_prime(z, other))]


#: activation -> (its setups, its known wrong forms)
_ACTIVATIONS = {"sigmoid": (_sigmoid_prime_setups, _sigmoid_prime_forms),
                "relu": (_relu_prime_setups, _relu_prime_forms)}


def _activation_prime_cases(check, seed, hidden):
    """The sigmoid's cases (0, 2, -800, arrays with +-800), then the ReLU's (exact zeros)."""
    rng = case_rng(check.name, seed, hidden)
    setups = []
    for activation, (setups_of, _) in _ACTIVATIONS.items():
        for label, args in setups_of(rng, hidden):
            label = label or f"{_label(args, ('z',))}, activation = {activation!r}"
            setups.append((label, (*args, activation)))
    return _make(check, setups,
                 lambda z, act: [*_ACTIVATIONS[act][1](z), *_other_activation(z, act)],
                 extra_of=_activation_extra)


_reg("activation_prime", ("z", "activation"), "dz", _activation_prime_cases, 1.0,
     leaf_checker=_rules_leaf)




def _avg_forms(g):
    n = g.shape[0]
    out = [
        ("missing_1_over_n", f"you summed the {n} per-example gradients: divide by n = {n} "
         "(the total loss is the average of the per-example losses)", g.sum(axis=0)),
        ("mean_all", "you averaged everything into one number: average over axis 0 only",
         float(g.mean())),
        ("kept_axis", "keep the shape of one example's gradient: mean over axis 0 without "
         "keepdims", g.mean(axis=0, keepdims=True)),
    ]
    for ax in range(1, g.ndim):
        out.append(("wrong_axis", "axis 0 indexes the examples: average over axis 0",
                    g.mean(axis=ax)))
    return out


def _avg_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    if hidden:
        shapes = [(int(rng.integers(2, 9)), int(rng.integers(2, 5)), int(rng.integers(1, 4))),
                  (1, int(rng.integers(2, 5)), 1),
                  (int(rng.integers(2, 6)), int(rng.integers(2, 6)))]
    else:
        shapes = [(5, 3, 2), (1, 4, 1), (6, 4), (3, 2, 3)]
    setups = [(f"per_example of shape {s} (n = {s[0]})", (rng.standard_normal(s),))
              for s in shapes]
    return _make(check, setups, _avg_forms)


_reg("average_gradients", ("per_example",), "grad", _avg_cases, 0.5)


# =========================================================================== softplus
def _softplus_forms(x):
    b = np.exp(x)
    a = 1.0 + b
    return [
        ("forgot_inner", "dy/da = 1/a is only the log's local gradient: continue through "
         "a = 1 + b (times 1) and b = exp(x) (times exp(x))", {"dy_dx": 1.0 / a}),
        ("partial_chain", "dy/dx = dy/da * da/db * db/dx = (1/a) * 1 * exp(x): you kept only "
         "the last factor", {"dy_dx": b * 1.0}),
        ("softplus_missing_one", "a = 1 + exp(x): y = log(1 + exp(x)), not log(exp(x))",
         {"y": x * 1.0}),
        ("wrong_local", "the local gradient of y = log(a) is 1/a, not a or log(a)",
         {"dy_da": a * 1.0, "dy_db": a * 1.0}),
    ]


def _softplus_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)

    def draw(r, s):
        x = r.uniform(-5.0, 5.0, size=s)
        if np.ndim(x) and x.size >= 3:
            x.flat[0], x.flat[1] = 30.0, -30.0
        return x

    setups = _elem_setups(rng, hidden, [(0,), (1,), (-2,)], draw)
    return _make(check, setups, _softplus_forms)


_reg("softplus_graph_backward", ("x",), ("y", "dy_da", "dy_db", "dy_dx"), _softplus_cases,
     1.0)


# =========================================================================== vectors
def _sig_dot_forms(w, x):
    y = float(_api()._sigmoid(np.dot(w, x)))
    d = y * (1 - y)
    return [
        ("seed_sign_error", "the lecture slide has this sign error; redo the last step: "
         "dy/de = y (1 - y) is positive", (y, -d * x, -d * w)),
        ("swapped", "grad_w = dy/de * x and grad_x = dy/de * w (d(w . x)/dw = x)",
         {"grad_w": d * w, "grad_x": d * x}),
        ("sigmoid_wrong_derivative", "the derivative of the sigmoid is y (1 - y), not y",
         {"grad_w": y * x, "grad_x": y * w}),
        ("forgot_activation", "you forgot the sigmoid's derivative: grad_w = y (1 - y) x",
         {"grad_w": x * 1.0, "grad_x": w * 1.0}),
        ("sigmoid_sign", "y = sigmoid(w . x) = 1 / (1 + exp(-(w . x))): check the sign in "
         "the exponent", {"y": float(_api()._sigmoid(-np.dot(w, x)))}),
        ("unstable_overflow", "np.exp(w . x) / (1 + np.exp(w . x)) is inf / inf = NaN for a "
         "large positive w . x: " + _STABLE_SIGMOID, lambda: _sig_dot_ratio(w, x)),
    ]


def _sig_dot_ratio(w, x):
    e = np.exp(np.dot(w, x))
    y = e / (1 + e)
    return (float(y), y * (1 - y) * x, y * (1 - y) * w)


def _vec_sizes(rng, hidden, public=(3, 5, 2)):
    return [int(rng.integers(2, 8)) for _ in range(3)] if hidden else list(public)


def _sig_dot_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    setups = [(None, (rng.standard_normal(n), rng.standard_normal(n)))
              for n in _vec_sizes(rng, hidden)]
    if hidden:  # numerical stability: w . x of about -1000 and +1000 (drawn last)
        for sign, word in ((-1.0, "negative"), (1.0, "positive")):
            n = int(rng.integers(2, 8))
            x = rng.standard_normal(n)
            x[0] = 1.0 + abs(x[0])  # x is not near 0
            w = rng.standard_normal(n)
            w += (sign * _big(rng) - w @ x) * x / (x @ x)  # now w . x = the target
            setups.append((f"w, x of shape ({n},), a large {word} w . x = {w @ x:.4g} "
                           "(numerical stability)", (w, x)))
    return _make(check, setups, _sig_dot_forms, extra_of=_sig_dot_extra)


def _sig_dot_extra(w, x):
    return {"overflow": {"value": float(np.dot(w, x)), "name": "w . x",
                         "hint": _STABLE_SIGMOID}}


_reg("sigmoid_dot_backward", ("w", "x"), ("y", "grad_w", "grad_x"), _sig_dot_cases, 1.0,
     leaf_checker=_rules_leaf)


def _sq_forms(a, y, half):
    d = a - y
    n = a.shape[0]
    two_d = a.ndim == 2
    m = a.shape[1] if two_d else 1
    if not half:
        return [
            ("forgot_factor_2", "d||a - y||**2/da = 2 (a - y): you lost the factor 2 (the "
             "loss has no 1/2 when half is False)", d * 1.0),
            ("sign_error", "the gradient with respect to a is 2 (a - y), not 2 (y - a)", -2 * d),
            ("returned_loss", "you returned the loss ||a - y||**2, not its gradient",
             float(np.sum(d**2)) if not two_d else d**2),
            ("norm_not_squared", "that is the gradient of ||a - y|| (the norm); the loss is "
             "its square, whose gradient is 2 (a - y)",
             d / np.linalg.norm(d) if not two_d else None),
            ("averaged_over_m", "the gradient is per example (no 1/m): the averaging happens "
             "once, in the layer's backward pass", 2 * d / m if two_d and m > 1 else None),
            ("mean_over_outputs", "the loss is a sum over the outputs, not a mean: "
             "dL/da = 2 (a - y)", 2 * d / n if n > 1 else None),
        ]
    return [
        ("sign_error", "dL/da = a - y (prediction minus target), not y - a", -d),
        ("forgot_half", "with half = True the loss L = 1/2 sum (a_j - y_j)**2 has a 1/2, "
         "which cancels the 2 of the square: dL/da = a - y", 2 * d),
        ("averaged_over_m", "the output gradient is per example (no 1/m): the averaging "
         "happens once, in the layer's backward pass", d / m if two_d and m > 1 else None),
        ("mean_over_outputs", "L is a sum over the outputs with a 1/2, not a mean: "
         "dL/da = a - y", 2 * d / n if n > 1 else None),
        ("returned_loss", "you returned the loss terms 1/2 (a - y)**2, not their derivative",
         d**2 / 2),
    ]


def _sq_cases(check, seed, hidden):
    """Vectors (section 12's eps = ||x - h||**2), then one column per example (sheet
    problem (11)), each with and without the 1/2."""
    rng = case_rng(check.name, seed, hidden)
    if hidden:
        shapes = [((int(rng.integers(2, 8)),), False), ((int(rng.integers(2, 8)),), False),
                  ((int(rng.integers(2, 8)),), True),
                  ((int(rng.choice([1, 3, 4, 5])), int(rng.integers(2, 7))), True),
                  ((int(rng.choice([3, 4])), 1), True), ((1, int(rng.integers(2, 7))), True),
                  ((int(rng.integers(2, 5)), int(rng.integers(2, 5))), False)]
    else:
        shapes = [((3,), False), ((1,), False), ((6,), False), ((4,), True),
                  ((3, 4), True), ((1, 5), True), ((4, 1), True), ((2, 3), False)]
    setups = []
    for shape, half in shapes:
        a = rng.uniform(0.05, 0.95, size=shape) if len(shape) == 2 else rng.standard_normal(shape)
        if len(shape) == 2 and shape[0] == 1:
            y = rng.uniform(0, 1, size=shape).round(0)
        else:
            y = rng.standard_normal(shape)
        label = f"a, y of shape {shape}, half = {half}"
        if len(shape) == 2 and shape[1] == 1:
            label += ", m = 1"
        setups.append((label, (a, y, half)))
    return _make(check, setups, _sq_forms)


_reg("squared_error_backward", ("a", "y", "half"), "da", _sq_cases, 1.0)


def _layer(rng, h, n):
    """Integer-valued ``W`` and ``x`` (so that ``W @ x`` is exact in any order), ``b`` with
    unit 0 exactly at the ReLU kink and the other pre-activations away from 0."""
    for _ in range(1000):
        W = rng.integers(-3, 4, size=(h, n)).astype(np.float64)
        x = rng.integers(-2, 3, size=n).astype(np.float64)
        b = rng.uniform(0.2, 1.5, size=h) * rng.choice([-1.0, 1.0], size=h)
        c = W @ x
        b[0] = -c[0]
        a = c + b
        rest = a[1:]
        mixed = h < 4 or (np.any(rest > 0) and np.any(rest < 0))
        if np.any(x != 0) and np.all(np.abs(rest) > 0.1) and (h == 1 or np.any(rest > 0)) \
                and mixed:
            return W, b, x
    raise RuntimeError(f"no layer found for h = {h}, n = {n}")


def _layer_shapes(rng, hidden, public=((3, 4), (4, 2), (1, 3))):
    if not hidden:
        return list(public)
    h = int(rng.integers(3, 6))
    return [(h, h + int(rng.integers(1, 3))), (int(rng.integers(3, 6)), int(rng.integers(1, 3))),
            (h, h)]


def _jac_forms(W, b, x):
    a = W @ x + b
    J = (a > 0)[:, None] * W
    return [
        ("forgot_mask", "a = ReLU(W x + b): rows of units whose pre-activation is <= 0 must "
         "be zero (multiply by 1[W x + b > 0])", W * 1.0),
        ("transposed", "that is the gradient of a with respect to x in denominator layout "
         "(n, h); the Jacobian is its transpose, (h, n)", J.T),
        ("relu_grad_at_zero", "the ReLU derivative at 0 is 0: a unit with W x + b == 0 "
         "contributes a zero row (use > 0, not >= 0)", (a >= 0)[:, None] * W),
        ("returned_mask", "the Jacobian is diag(mask) @ W, not the mask alone",
         np.diag((a > 0) * 1.0)),
        ("mask_from_x", "the mask comes from the pre-activation W x + b (one entry per "
         "unit, on the rows of W), not from x", W * (x > 0)[None, :]),
    ]


def _jac_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    setups = []
    for h, n in _layer_shapes(rng, hidden):
        W, b, x = _layer(rng, h, n)
        setups.append((f"W of shape ({h}, {n}), unit 0 exactly at 0", (W, b, x)))
    return _make(check, setups, _jac_forms)


_reg("relu_layer_jacobian", ("W", "b", "x"), "J", _jac_cases, 1.0)


def _rlb(W, b, x, z, mask=None, factor=2.0):
    a = W @ x + b
    hh = np.maximum(a, 0)
    g = factor * (hh - z) * ((a > 0) if mask is None else mask(a))
    return g


def _rlb_forms(W, b, x, z):
    g = _rlb(W, b, x, z)
    nomask = _rlb(W, b, x, z, mask=lambda a: 1.0)
    ge = _rlb(W, b, x, z, mask=lambda a: a >= 0)
    half = _rlb(W, b, x, z, factor=1.0)
    return [
        ("transposed_dW", "dW must have the shape of W: outer(g, x) (g x^T), not x g^T",
         {"dW": np.outer(x, g)}),
        ("forgot_mask", "dL/dz = 1[z > 0] * dL/da: the ReLU blocks the gradient of units "
         "with a pre-activation z <= 0", (np.outer(nomask, x), nomask, W.T @ nomask)),
        ("relu_grad_at_zero", "the ReLU derivative at 0 is 0: the unit with z == 0 gets no "
         "gradient (z > 0, not z >= 0)", (np.outer(ge, x), ge, W.T @ ge)),
        ("forgot_factor_2", "d||a - y||**2/da = 2 (a - y): the factor 2 is missing",
         (np.outer(half, x), half, W.T @ half)),
        ("dA_prev_not_transposed", "dx = W^T g (shape (n,)), not W g",
         {"dx": W @ g} if W.shape[0] == W.shape[1] else None),
    ]


def _rlb_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    setups = []
    for h, n in _layer_shapes(rng, hidden, ((3, 4), (4, 2), (2, 2))):
        W, b, x = _layer(rng, h, n)
        z = rng.standard_normal(h)
        setups.append((f"W of shape ({h}, {n}), unit 0 exactly at 0", (W, b, x, z)))
    return _make(check, setups, _rlb_forms)


_reg("relu_layer_backward", ("W", "b", "x", "y"), ("dW", "db", "dx"), _rlb_cases, 2.0)


# =========================================================================== tensors
def _tensor_forms(x, h):
    n = x.shape[0]
    T = np.zeros((h, n, h))
    for i in range(h):
        T[i, :, i] = x
    return [
        ("seed_tensor_error", "dc_k/dW_ij = x_j only when i == k (c_k depends on row k of "
         "W only); the other entries are 0", np.broadcast_to(x[None, :, None], (h, n, h))),
        ("wrong_axes", "the axes are (i, j, k): T[i, j, k] = dc_k/dW_ij, shape (h, n, h)",
         T.transpose(0, 2, 1)),
        ("wrong_axes", "the axes are (i, j, k): T[i, j, k] = dc_k/dW_ij, shape (h, n, h)",
         T.transpose(1, 0, 2)),
        ("identity_not_x", "T[i, j, i] = x_j, not 1: d(W_ij x_j)/dW_ij = x_j",
         (T != 0) * 1.0 if np.all(x != 0) else None),
    ]


def _tensor_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    if hidden:
        sizes = [(int(rng.integers(2, 5)), int(rng.integers(2, 6))), (1, int(rng.integers(2, 5))),
                 (int(rng.integers(2, 5)), 1)]
    else:
        sizes = [(3, 4), (1, 4), (3, 1), (2, 2)]
    setups = []
    for h, n in sizes:
        x = _nonzero(rng, n, 0.5, 3.0)
        setups.append((f"x of shape ({n},), h = {h}", (x, h)))
    return _make(check, setups, _tensor_forms)


_reg("dc_dW_tensor", ("x", "h"), "T", _tensor_cases, 1.0)


def _contract_forms(T, g):
    return [
        ("wrong_axes", "contract over the last axis k, the index of c: sum_k T[:, :, k] g[k] "
         "(you contracted over the first axis)", np.tensordot(g, T, axes=([0], [0]))),
        ("forgot_upstream", "each slice T[:, :, k] must be weighted by g[k] = dl/dc_k before "
         "summing", T.sum(axis=2)),
        ("transposed", "the result has the shape of W, (h, n)",
         np.tensordot(T, g, axes=([2], [0])).T),
    ]


def _contract_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    tensor = _api().dc_dW_tensor
    if hidden:
        sizes = [(int(rng.integers(2, 5)), int(rng.integers(2, 6))) for _ in range(2)]
        sizes.append((int(rng.integers(2, 5)), 1))
    else:
        sizes = [(3, 4), (2, 5), (3, 1)]
    setups = []
    for i, (h, n) in enumerate(sizes):
        g = rng.standard_normal(h)
        if i == 1:
            x = rng.standard_normal(n)
            setups.append((f"T = dc/dW for x of shape ({n},), h = {h} (answer outer(g, x))",
                           (tensor(x, h), g)))
        else:
            setups.append((f"a random T of shape ({h}, {n}, {h})",
                           (rng.standard_normal((h, n, h)), g)))
    return _make(check, setups, _contract_forms)


_reg("contract_dc_dW", ("T", "g"), "dW", _contract_cases, 0.5)


# =========================================================================== micrograd
class _Node:
    """A scalar node for the known wrong forms of ``micrograd_grads`` (trusted side)."""

    __slots__ = ("data", "grad", "parents", "local")

    def __init__(self, data, parents=(), local=()):
        self.data, self.grad, self.parents, self.local = float(data), 0.0, parents, local


def _micro_wrong(expr, inputs, accumulate=True, order="topo", tanh="ok", exp="ok",
                 switch=True, upstream=True, root=1.0):
    """What a ``Value`` with one classic mistake returns for ``micrograd_grads``."""
    import math

    leaves = {n: _Node(v) for n, v in inputs.items()}
    built = {}

    def node(e):
        if isinstance(e, str):
            return leaves[e]
        if not isinstance(e, tuple):
            return _Node(e)
        if e not in built:
            a = [node(x) for x in e[1:]]
            if e[0] == "add":
                n = _Node(a[0].data + a[1].data, (a[0], a[1]), (1.0, 1.0))
            elif e[0] == "mul":
                loc = (a[1].data, a[0].data) if switch else (a[0].data, a[1].data)
                n = _Node(a[0].data * a[1].data, (a[0], a[1]), loc)
            elif e[0] == "exp":
                v = math.exp(a[0].data)
                n = _Node(v, (a[0],), (v if exp == "ok" else a[0].data,))
            else:
                t = math.tanh(a[0].data)
                n = _Node(t, (a[0],), (1 - t * t if tanh == "ok" else 1 - t,))
            built[e] = n
        return built[e]

    def push(n):
        for p, loc in zip(n.parents, n.local, strict=True):
            g = loc * n.grad if upstream else loc
            p.grad = p.grad + g if accumulate else g

    top = node(expr)
    top.grad = root
    post, seen = [], set()

    def visit(n):
        if id(n) not in seen:
            seen.add(id(n))
            for p in n.parents:
                visit(p)
            post.append(n)

    visit(top)
    if order == "topo":
        for n in reversed(post):
            push(n)
    elif order == "forward":
        for n in post:
            push(n)
    elif order == "bfs":
        queue, done = [top], {id(top)}
        while queue:
            n = queue.pop(0)
            push(n)
            for p in n.parents:
                if id(p) not in done:
                    done.add(id(p))
                    queue.append(p)
    else:  # "paths": each node pushes again every time a consumer reaches it
        def down(n):
            push(n)
            for p in n.parents:
                down(p)
        down(top)
    return {n: float(leaf.grad) for n, leaf in leaves.items()}


_MICRO_FORMS = (
    ("no_accumulate", "a node used more than once must add up the gradients of all its "
     "uses: write self.grad += ... in every _backward, not self.grad = ...",
     {"accumulate": False}),
    ("no_topo_order", "a node's _backward ran before every gradient reaching it had "
     "arrived: backward() must visit the nodes in reverse topological order (build the "
     "order with a depth-first search, then call _backward from the root back)",
     {"order": "bfs"}),
    ("no_topo_order", "a node's gradient was passed on once per path (backward() called "
     "recursively on the inputs): build a topological order and call each node's "
     "_backward exactly once, from the root back", {"order": "paths"}),
    ("order_not_reversed", "backward() ran the _backward functions in the topological "
     "order itself (inputs first): run them in reverse, from the root back to the inputs",
     {"order": "forward"}),
    ("root_grad_not_one", "every gradient is 0: backward() must first set the root's grad "
     "to 1.0 (d root / d root)", {"root": 0.0}),
    ("tanh_not_squared", "tanh's local gradient is 1 - tanh(x)**2 (the output squared), "
     "not 1 - tanh(x)", {"tanh": "unsquared"}),
    ("exp_local_is_x", "exp's local gradient is exp(x) itself (reuse out.data), not x",
     {"exp": "x"}),
    ("mul_not_switched", "a multiply gate switches: self gets other.data * out.grad and "
     "other gets self.data * out.grad", {"switch": False}),
    ("forgot_upstream", "each _backward must multiply its local gradient by out.grad "
     "(chain rule), not just store the local gradient", {"upstream": False}),
)

#: The public expressions of ``micrograd_grads``: a label, the expression, its inputs.
_U = ("mul", "x", "y")
_MICRO_TEMPLATES = (
    ("tanh(x*w + b), a neuron", ("tanh", ("add", ("mul", "x", "w"), "b")), ("x", "w", "b")),
    ("x*x + x, x used three times", ("add", ("mul", "x", "x"), "x"), ("x",)),
    ("exp(a) * (a + b), c unused", ("mul", ("exp", "a"), ("add", "a", "b")), ("a", "b", "c")),
    ("u + tanh(exp(u)) * 2 with u = x*y one node",
     ("add", _U, ("mul", ("tanh", ("exp", _U)), 2.0)), ("x", "y")),
)


def _random_expr(rng, names, depth):
    if depth == 0 or rng.random() < 0.2:
        return str(rng.choice(names))
    op = str(rng.choice(["add", "mul", "exp", "tanh", "tanh"]))
    if op in ("exp", "tanh"):
        return (op, _random_expr(rng, names, depth - 1))
    return (op, _random_expr(rng, names, depth - 1), _random_expr(rng, names, depth - 1))


def _micro_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    api_fn = _api().micrograd_grads
    setups = []
    for label, expr, names in _MICRO_TEMPLATES:
        if hidden:
            vals = [float(v) for v in _nonzero(rng, len(names), 0.3, 1.5)]
        else:
            vals = [(0.5, -1.5, 0.25), (3.0,), (0.5, -1.0, 2.0), (0.75, -0.5)][len(setups)]
        setups.append((label, expr, dict(zip(names, vals, strict=True))))
    if hidden:
        for _ in range(2):
            u = _random_expr(rng, ["x", "y", "z"], 2)
            expr = ("mul", ("tanh", ("add", u, "x")), ("add", u, ("exp", ("tanh", u))))
            vals = [float(v) for v in _nonzero(rng, 3, 0.3, 1.2)]
            setups.append(("a random expression, one sub-expression used twice", expr,
                           dict(zip(["x", "y", "z"], vals, strict=True))))
    out = []
    for label, expr, inputs in setups:
        forms = Forms()
        for code, message, kw in _MICRO_FORMS:
            forms.add(code, message, (lambda e=expr, i=inputs, k=kw: _micro_wrong(e, i, **k)))
        shown = ", ".join(f"{k} = {v:g}" for k, v in inputs.items())
        out.append(case(f"{label}, at {shown}", (expr, inputs), api_fn(expr, inputs), forms))
    return out


def _micro_alias(name):
    """``grads['x']`` for the gradient of the input ``x`` (its bare name reads as ``x``)."""
    if name in ("expr", "inputs", "grads") or "[" in name:
        return None
    return f"grads[{name!r}]"


_reg("micrograd_grads", ("expr", "inputs"), "grads", _micro_cases, 2.0, aliases=_micro_alias)
