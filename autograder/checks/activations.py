"""Checks of the activation forward/backward pairs."""

from __future__ import annotations

import numpy as np

from ._build import Forms, case, echo_names, ref, shape_label, with_zeros
from ._rules import _rules_leaf
from .core import Check, case_rng, register

# Each case: (n, m, scale, dtype). Public cases are fixed; hidden ones are drawn per seed.
_PUBLIC = [(3, 4, 1.0, "float64"), (2, 1, 1.0, "float64"), (4, 5, 40.0, "float64")]


def _shapes(rng, hidden, min_rows=1):
    if not hidden:
        return [(max(n, min_rows), m, s, d) for n, m, s, d in _PUBLIC]
    out = []
    for i in range(5):
        n = int(rng.integers(min_rows, 7))
        m = 1 if i == 0 else int(rng.integers(2, 9))
        scale = 40.0 if i == 1 else float(rng.choice([0.5, 1.0, 3.0]))
        out.append((n, m, scale, "float32" if i == 4 else "float64"))
    return out


def _z(rng, n, m, scale, dtype, zeros=True, large=False):
    Z = rng.standard_normal((n, m)) * scale
    if large:  # entries far beyond exp's range (exp(710) overflows float64)
        Z.flat[rng.integers(Z.size)] = 800.0
        Z.flat[rng.integers(Z.size)] = -800.0
    if zeros:
        Z = with_zeros(rng, Z)
    return Z.astype(dtype)


def _big_z(rng, min_rows):
    """A hidden stability case: |Z| up to 1000 with both signs. Column 0 is all large and
    negative (exp(Z) is 0 everywhere: an unshifted softmax divides 0 by 0), column 1 has
    a large positive entry (exp(Z) is inf), column 2 is ordinary, column 3 mixes a large
    positive entry with ordinary ones, and the rest are uniform in [-1000, 1000]."""
    n = int(rng.integers(max(2, min_rows), 6))
    m = int(rng.integers(4, 8))
    Z = rng.uniform(-1000.0, 1000.0, size=(n, m))
    Z[:, 0] = -rng.uniform(720.0, 1000.0, size=n)
    Z[int(rng.integers(n)), 1] = rng.uniform(720.0, 1000.0)
    Z[:, 2] = rng.standard_normal(n) * 3.0
    Z[:, 3] = rng.standard_normal(n) * 3.0
    Z[int(rng.integers(n)), 3] = rng.uniform(720.0, 1000.0)
    return Z


def _big_label(Z):
    return f"{shape_label(*Z.shape)}, |Z| up to 1000 (numerical stability)"


#: How to compute each activation stably (the overflow diagnosis quotes it).
_STABLE_SIGMOID = ("never exponentiate a large positive number: with e = np.exp(-np.abs(Z)), "
                   "sigmoid(Z) = 1 / (1 + e) where Z >= 0 and e / (1 + e) where Z < 0")
_STABLE = {
    "sigmoid": (_STABLE_SIGMOID, "compute s = sigmoid(Z) stably (" + _STABLE_SIGMOID
                + "), then dZ = dA * s * (1 - s)"),
    "tanh": ("use np.tanh(Z): np.exp(Z) and np.exp(-Z) overflow for |Z| > 709",
             "use t = np.tanh(Z), then dZ = dA * (1 - t**2): np.exp(Z) and np.exp(-Z) "
             "overflow for |Z| > 709"),
    "softmax": ("subtract each column's max first, E = np.exp(Z - Z.max(axis=0, "
                "keepdims=True)): no exponent is positive and each column's sum is at "
                "least 1", "recompute A = softmax(Z) with each column's max subtracted "
                "first, np.exp(Z - Z.max(axis=0, keepdims=True))"),
    "elu": ("np.where computes both branches everywhere, so exponentiate only "
            "np.minimum(Z, 0): alpha * np.expm1(np.minimum(Z, 0))",
            "np.where computes both branches everywhere, so exponentiate only "
            "np.minimum(Z, 0): alpha * np.exp(np.minimum(Z, 0))"),
    "softplus": ("np.logaddexp(0, Z), or np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z)))",
                 "its derivative is the sigmoid: compute it stably (" + _STABLE_SIGMOID
                 + ")"),
}


def _overflow_info(kind, backward):
    hints = _STABLE.get(kind)
    if hints is None:  # nothing to overflow (ReLU, leaky ReLU)
        return None
    return {"z": ["args", 1 if backward else 0], "name": "Z", "hint": hints[int(backward)]}


def _label(n, m, scale, dtype, extra=""):
    bits = [shape_label(n, m)]
    if scale >= 10:
        bits.append("large magnitudes")
    if dtype != "float64":
        bits.append(dtype)
    if extra:
        bits.append(extra)
    return ", ".join(bits)


def _sig(Z):
    return ref().sigmoid(Z)


# --------------------------------------------------------------------------- wrong forms
# forward: f(Z, alpha) -> list of (code, message, A); backward: f(dA, Z, alpha) -> same with dZ
def _relu_fwd_forms(Z, alpha):
    return [
        ("returned_mask", "A is the mask (Z > 0), not the activation: A = np.maximum(0, Z)",
         (Z > 0).astype(float)),
        ("np_max_not_maximum", "np.max(Z, 0) is the largest entry of each column; the "
         "element-wise maximum is np.maximum(Z, 0)", np.max(Z, 0)),
        ("np_max_not_maximum", "np.max(Z, 0) is the largest entry of each column; the "
         "element-wise maximum is np.maximum(Z, 0)", np.max(Z, axis=0, keepdims=True)),
        ("leaky_instead", "negative entries must become 0, not 0.01 * Z (that is leaky ReLU)",
         np.where(Z > 0, Z, 0.01 * Z)),
        ("wrong_activation", "A = |Z|: negative entries must become 0", np.abs(Z)),
    ]


def _relu_bwd_forms(dA, Z, alpha):
    return [
        ("relu_grad_at_zero", "dZ differs only where Z == 0: the ReLU derivative at 0 is 0 "
         "(use Z > 0, not Z >= 0)", dA * (Z >= 0)),
        ("forgot_upstream", "you returned the mask without multiplying by dA",
         (Z > 0).astype(float)),
        ("forgot_upstream", "you returned the mask without multiplying by dA",
         (Z >= 0).astype(float)),
        ("mask_from_dA", "the mask must come from Z (the cache), not from dA: "
         "dZ = dA * (Z > 0)", dA * (dA > 0)),
        ("times_activation", "you multiplied dA by relu(Z); multiply by the derivative, "
         "the mask (Z > 0)", dA * np.maximum(Z, 0)),
    ]


def _sigmoid_fwd_forms(Z, alpha):
    return [
        ("sigmoid_sign", "you computed 1 / (1 + exp(Z)); the sigmoid is 1 / (1 + exp(-Z))",
         1 / (1 + np.exp(Z))),
        ("sigmoid_precedence", "1 / 1 + np.exp(-Z) is 1 + exp(-Z): put parentheses around "
         "(1 + np.exp(-Z))", 1 + np.exp(-Z)),
        ("wrong_activation", "A looks like tanh(Z); the sigmoid is 1 / (1 + exp(-Z))",
         np.tanh(Z)),
        ("unstable_overflow", "np.exp(Z) / (1 + np.exp(Z)) is inf / inf = NaN for large "
         "positive Z: " + _STABLE_SIGMOID, np.exp(Z) / (1 + np.exp(Z))),
    ]


def _sigmoid_bwd_forms(dA, Z, alpha):
    s = _sig(Z)
    e = np.exp(-Z)
    r = np.exp(Z) / (1 + np.exp(Z))
    return [
        ("forgot_upstream", "you returned sigmoid'(Z) = s * (1 - s) without multiplying by dA",
         s * (1 - s)),
        ("sigmoid_wrong_derivative", "you computed s * (1 + s); the derivative of the sigmoid "
         "is s * (1 - s)", dA * s * (1 + s)),
        ("sigmoid_wrong_derivative", "dZ = dA * s misses the factor (1 - s): sigmoid'(Z) = "
         "s * (1 - s)", dA * s),
        ("used_Z_not_activation", "you computed Z * (1 - Z): the cache holds Z, not "
         "sigmoid(Z); compute s = sigmoid(Z) first", dA * Z * (1 - Z)),
        ("unstable_overflow", "e / (1 + e)**2 with e = np.exp(-Z) is inf / inf = NaN for "
         "large negative Z: " + _STABLE["sigmoid"][1], dA * e / (1 + e) ** 2),
        ("unstable_overflow", "s = np.exp(Z) / (1 + np.exp(Z)) is inf / inf = NaN for large "
         "positive Z: " + _STABLE["sigmoid"][1], dA * r * (1 - r)),
    ]


def _tanh_fwd_forms(Z, alpha):
    return [
        ("used_tan", "np.tan is the trigonometric tangent; use np.tanh", np.tan(Z)),
        ("unstable_overflow", "np.exp overflowed for large |Z| (NaN): use np.tanh(Z)",
         (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))),
        ("wrong_activation", "A looks like sigmoid(Z); use np.tanh(Z)", _sig(Z)),
    ]


def _tanh_bwd_forms(dA, Z, alpha):
    t = np.tanh(Z)
    naive = (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))
    return [
        ("forgot_upstream", "you returned tanh'(Z) = 1 - tanh(Z)**2 without multiplying by dA",
         1 - t * t),
        ("used_Z_not_activation", "you computed 1 - Z**2: the cache holds Z, not tanh(Z); "
         "compute t = np.tanh(Z) first", dA * (1 - Z * Z)),
        ("tanh_wrong_derivative", "the derivative of tanh is 1 - tanh(Z)**2 (squared)",
         dA * (1 - t)),
        ("tanh_wrong_derivative", "the derivative of tanh is 1 - tanh(Z)**2, not 1 + tanh(Z)**2",
         dA * (1 + t * t)),
        ("unstable_overflow", "(exp(Z) - exp(-Z)) / (exp(Z) + exp(-Z)) is inf / inf = NaN "
         "for large |Z|: " + _STABLE["tanh"][1], dA * (1 - naive * naive)),
    ]


def _leaky_fwd_forms(Z, alpha):
    forms = [
        ("forgot_leak", "negative entries must become alpha * Z, not 0 (that is plain ReLU)",
         np.maximum(Z, 0)),
        ("leaky_swapped", "alpha goes with the negative entries: A = Z where Z > 0, "
         "else alpha * Z", np.where(Z > 0, alpha * Z, Z)),
    ]
    if alpha != 0.01:
        forms.append(("ignored_alpha", f"you used the slope 0.01 instead of the argument "
                      f"alpha = {alpha}", np.where(Z > 0, Z, 0.01 * Z)))
    return forms


def _leaky_bwd_forms(dA, Z, alpha):
    forms = [
        ("relu_grad_at_zero", "dZ differs only where Z == 0: at Z == 0 the slope is alpha "
         "(use Z > 0, not Z >= 0)", np.where(Z >= 0, dA, alpha * dA)),
        ("forgot_upstream", "you returned the slopes (1 or alpha) without multiplying by dA",
         np.where(Z > 0, 1.0, alpha)),
        ("forgot_leak", "where Z <= 0 the gradient is alpha * dA, not 0 (that is plain ReLU)",
         dA * (Z > 0)),
        ("mask_from_dA", "the slope must be chosen from Z (the cache), not from dA",
         np.where(dA > 0, dA, alpha * dA)),
    ]
    if alpha != 0.01:
        forms.append(("ignored_alpha", f"you used the slope 0.01 instead of the argument "
                      f"alpha = {alpha}", np.where(Z > 0, dA, 0.01 * dA)))
    return forms


def _softmax_fwd_forms(Z, alpha):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    F = np.exp(Z - Z.max(axis=1, keepdims=True))
    return [
        ("softmax_no_shift", "np.exp(Z) overflows for large Z (inf / inf = NaN): subtract "
         "each column's max first, Z - Z.max(axis=0, keepdims=True)",
         np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)),
        ("softmax_wrong_axis", "each column (one example) must sum to 1: normalize over "
         "axis=0, not axis=1", F / F.sum(axis=1, keepdims=True)),
        ("softmax_wrong_axis", "subtract the max of each column (axis=0), not of each row",
         F / F.sum(axis=0, keepdims=True)),
        ("softmax_no_axis", "you divided by the sum of the whole matrix: sum over axis=0 "
         "with keepdims=True", E / E.sum()),
        ("wrong_activation", "A looks like sigmoid(Z): softmax is exp(Z) / sum(exp(Z), axis=0)",
         _sig(Z)),
    ]


def _softmax_bwd_forms(dA, Z, alpha):
    A = ref().softmax(Z)
    N = np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)  # no max subtracted
    return [
        ("softmax_diag_only", "you used only the diagonal of the Jacobian, a * (1 - a); "
         "softmax mixes the entries of a column: dZ = A * (dA - sum(A * dA, axis=0))",
         dA * A * (1 - A)),
        ("forgot_upstream", "you returned A * (1 - A) without using dA", A * (1 - A)),
        ("softmax_sum_wrong_axis", "the sum in dZ = A * (dA - sum(A * dA)) runs over the "
         "classes of each column, axis=0",
         A * (dA - np.sum(A * dA, axis=1, keepdims=True))),
        ("used_Z_not_activation", "the cache holds Z, not A: compute A = softmax(Z) first",
         Z * (dA - np.sum(Z * dA, axis=0, keepdims=True))),
        ("softmax_fused_grad", "A - dA is the fused softmax + cross-entropy form (AL - Y); "
         "softmax_backward receives dA and must apply the Jacobian", A - dA),
        ("softmax_no_shift", "you recomputed softmax without subtracting each column's max: "
         "np.exp(Z) overflows (inf / inf = NaN) or underflows in a whole column (0 / 0 = "
         "NaN) for large |Z|; " + _STABLE["softmax"][1],
         N * (dA - np.sum(N * dA, axis=0, keepdims=True))),
    ]


# --------------------------------------------------------------------------- factories
def _fwd_cases(kind, fwd_forms, leaky=False, alpha0=0.01, alphas=(0.1, 0.05, 0.2, 0.3),
               min_rows=1, large_extreme=False):
    def make(check, seed, hidden):
        nn = ref()
        forward = getattr(nn, f"{kind}_forward")
        rng = case_rng(check.name, seed, hidden)
        overflow = _overflow_info(kind, backward=False)

        def one(Z, kwargs, alpha, label):
            A, cache = forward(Z, **kwargs)
            forms = Forms().add_many(lambda: [(code, msg, {"A": val}) for code, msg, val
                                              in fwd_forms(Z.astype(np.float64), alpha)])
            forms.add("cache_is_A", "the cache must be Z (the input), not A", {"cache": A})
            extra = {"echoes": echo_names(check, (Z,), (A, cache))}
            if overflow:
                extra["overflow"] = overflow
            return case(label, (Z,), (A, cache), forms, kwargs, **extra)

        out = []
        for i, (n, m, scale, dtype) in enumerate(_shapes(rng, hidden, min_rows)):
            Z = _z(rng, n, m, scale, dtype, large=large_extreme and scale >= 10)
            kwargs, alpha, extra = {}, alpha0, ""
            if leaky and i % 2 == 0:
                alpha = alphas[0] if not hidden else float(rng.choice(alphas[1:]))
                kwargs, extra = {"alpha": alpha}, f"alpha = {alpha}"
            out.append(one(Z, kwargs, alpha, _label(n, m, scale, dtype, extra)))
        if hidden:  # drawn last: the cases above stay what they were
            Z = _big_z(rng, min_rows)
            out.append(one(Z, {}, alpha0, _big_label(Z)))
        return out
    return make


def _bwd_cases(kind, bwd_forms, leaky=False, alpha0=0.01, alphas=(0.1, 0.05, 0.2, 0.3),
               min_rows=1, large_extreme=False):
    def make(check, seed, hidden):
        nn = ref()
        backward = getattr(nn, f"{kind}_backward")
        rng = case_rng(check.name, seed, hidden)
        overflow = _overflow_info(kind, backward=True)

        def one(dA, Z, kwargs, alpha, label):
            dZ = backward(dA, Z, **kwargs)
            forms = Forms().add_many(lambda: [
                (code, msg, {"dZ": val}) for code, msg, val
                in bwd_forms(dA.astype(np.float64), Z.astype(np.float64), alpha)])
            extra = {"overflow": overflow} if overflow else {}
            return case(label, (dA, Z), dZ, forms, kwargs, **extra)

        out = []
        for i, (n, m, scale, dtype) in enumerate(_shapes(rng, hidden, min_rows)):
            Z = _z(rng, n, m, scale, dtype, large=large_extreme and scale >= 10)
            dA = rng.standard_normal((n, m)).astype(dtype)
            kwargs, alpha, extra = {}, alpha0, ""
            if leaky and i % 2 == 0:
                alpha = alphas[0] if not hidden else float(rng.choice(alphas[1:]))
                kwargs, extra = {"alpha": alpha}, f"alpha = {alpha}"
            out.append(one(dA, Z, kwargs, alpha, _label(n, m, scale, dtype, extra)))
        if hidden:  # drawn last: the cases above stay what they were
            Z = _big_z(rng, min_rows)
            dA = rng.standard_normal(Z.shape)
            out.append(one(dA, Z, {}, alpha0, _big_label(Z)))
        return out
    return make


def _elu_fwd_forms(Z, alpha):
    neg = np.minimum(Z, 0)
    forms = [
        ("elu_missing_minus_one", "for Z <= 0 ELU is alpha * (exp(Z) - 1): the -1 makes it "
         "continuous at 0", np.where(Z > 0, Z, alpha * np.exp(neg))),
        ("forgot_leak", "negative entries must become alpha * (exp(Z) - 1), not 0 (that is "
         "plain ReLU)", np.maximum(Z, 0)),
        ("wrong_activation", "A looks like leaky ReLU: for Z <= 0 ELU is alpha * (exp(Z) - 1)",
         np.where(Z > 0, Z, alpha * Z)),
        ("unstable_overflow", "np.exp(Z) is inf for large positive Z and inf * 0 is NaN, "
         "even where a mask (Z <= 0) is 0: " + _STABLE["elu"][0],
         Z * (Z > 0) + alpha * (np.exp(Z) - 1) * (Z <= 0)),
    ]
    if alpha != 1.0:
        forms.append(("ignored_alpha", f"you used alpha = 1 instead of the argument "
                      f"alpha = {alpha}", np.where(Z > 0, Z, np.expm1(neg))))
    return forms


def _elu_bwd_forms(dA, Z, alpha):
    slope = alpha * np.exp(np.minimum(Z, 0))
    forms = [
        ("forgot_upstream", "you returned the slopes without multiplying by dA",
         np.where(Z > 0, 1.0, slope)),
        ("elu_wrong_derivative", "for Z <= 0 the derivative of alpha * (exp(Z) - 1) is "
         "alpha * exp(Z) (that is A + alpha), not A", np.where(Z > 0, dA, dA * (slope - alpha))),
        ("forgot_leak", "where Z <= 0 the gradient is dA * alpha * exp(Z), not 0",
         dA * (Z > 0)),
        ("wrong_activation", "your gradient is leaky ReLU's: for Z <= 0 it is "
         "dA * alpha * exp(Z)", np.where(Z > 0, dA, alpha * dA)),
        ("unstable_overflow", "np.exp(Z) is inf for large positive Z and inf * 0 is NaN, "
         "even where a mask (Z <= 0) is 0: " + _STABLE["elu"][1],
         dA * ((Z > 0) + alpha * np.exp(Z) * (Z <= 0))),
    ]
    if alpha != 1.0:
        forms.append(("ignored_alpha", f"you used alpha = 1 instead of the argument "
                      f"alpha = {alpha}", np.where(Z > 0, dA, dA * np.exp(np.minimum(Z, 0)))))
        forms.append(("relu_grad_at_zero", "dZ differs only where Z == 0: at Z == 0 ELU takes "
                      "the left slope, alpha (use Z > 0, not Z >= 0)",
                      np.where(Z >= 0, dA, dA * slope)))
    return forms


def _softplus_fwd_forms(Z, alpha):
    return [
        ("unstable_overflow", "np.exp(Z) overflows for large Z (inf): use np.logaddexp(0, Z) "
         "or np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z)))", np.log(1 + np.exp(Z))),
        ("softplus_is_relu", "A looks like ReLU: softplus is log(1 + exp(Z)), a smooth ReLU",
         np.maximum(Z, 0)),
        ("wrong_activation", "A looks like the sigmoid: that is softplus's derivative; "
         "softplus is log(1 + exp(Z))", _sig(Z)),
        ("softplus_missing_one", "log(exp(Z)) is Z: softplus is log(1 + exp(Z))", Z),
    ]


def _softplus_bwd_forms(dA, Z, alpha):
    return [
        ("forgot_upstream", "you returned sigmoid(Z) without multiplying by dA", _sig(Z)),
        ("softplus_wrong_derivative", "you multiplied dA by softplus(Z); its derivative is "
         "the sigmoid, dZ = dA * sigmoid(Z)", dA * np.logaddexp(0, Z)),
        ("unstable_overflow", "exp(Z) / (1 + exp(Z)) is inf / inf = NaN for large Z: use a "
         "stable sigmoid, 1 / (1 + exp(-Z))", dA * np.exp(Z) / (1 + np.exp(Z))),
        ("softplus_is_relu", "your gradient is ReLU's: softplus's derivative is sigmoid(Z)",
         dA * (Z > 0)),
    ]


_SPECS = [
    # kind, forward forms, backward forms, options
    ("relu", _relu_fwd_forms, _relu_bwd_forms, {}),
    ("sigmoid", _sigmoid_fwd_forms, _sigmoid_bwd_forms, {"large_extreme": True}),
    ("tanh", _tanh_fwd_forms, _tanh_bwd_forms, {"large_extreme": True}),
    ("leaky_relu", _leaky_fwd_forms, _leaky_bwd_forms, {"leaky": True}),
    ("softmax", _softmax_fwd_forms, _softmax_bwd_forms, {"min_rows": 2, "large_extreme": True}),
    # not in the graded API table, offered for extra exercises
    ("elu", _elu_fwd_forms, _elu_bwd_forms,
     {"leaky": True, "alpha0": 1.0, "alphas": (0.5, 0.3, 1.5, 2.0), "large_extreme": True}),
    ("softplus", _softplus_fwd_forms, _softplus_bwd_forms, {"large_extreme": True}),
]

for _kind, _ff, _bf, _opt in _SPECS:
    _extra = ("alpha",) if _opt.get("leaky") else ()
    register(Check(f"{_kind}_forward", ("Z",) + _extra, ("A", "cache"),
                   _fwd_cases(_kind, _ff, **_opt), points=1.0, weights=(0.75, 0.25),
                   leaf_checker=_rules_leaf))
    register(Check(f"{_kind}_backward", ("dA", "cache") + _extra, "dZ",
                   _bwd_cases(_kind, _bf, **_opt),
                   points=2.0 if _kind == "softmax" else 1.0, leaf_checker=_rules_leaf))
