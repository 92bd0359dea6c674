"""Checks of the linear layer and the linear + activation layer."""

from __future__ import annotations

import numpy as np

from ._build import Forms, case, echo_names, ref, shape_only, with_zeros
from ._rules import _rules_leaf
from .core import Check, case_rng, register

_PUBLIC = [(3, 5, 4), (2, 3, 1), (4, 4, 6)]
_ACTS = ("relu", "sigmoid", "tanh")


def _dims(rng, hidden):
    if not hidden:
        return list(_PUBLIC)
    out = []
    for i in range(5):
        n = int(rng.integers(1, 7))
        n_prev = n if i == 2 else int(rng.integers(1, 8))
        m = 1 if i == 0 else int(rng.integers(2, 9))
        out.append((n, n_prev, m))
    return out


def _label(n, n_prev, m, extra=""):
    bits = [f"{n} units, {n_prev} inputs, m = {m}"]
    if n == n_prev:
        bits.append("square W")
    if extra:
        bits.append(extra)
    return ", ".join(bits)


def _layer(rng, n, n_prev, m):
    A_prev = rng.standard_normal((n_prev, m))
    W = rng.standard_normal((n, n_prev))
    b = rng.standard_normal((n, 1))
    return A_prev, W, b


_LIN_ALIASES = {"cache": "cache (A_prev, W, b)", "cache[0]": "cache[0] (A_prev)",
                "cache[1]": "cache[1] (W)", "cache[2]": "cache[2] (b)"}


# --------------------------------------------------------------------------- linear_forward
def _linear_forward_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    out = []
    for n, n_prev, m in _dims(rng, hidden):
        A_prev, W, b = _layer(rng, n, n_prev, m)
        Z, cache = nn.linear_forward(A_prev, W, b)
        forms = Forms()
        forms.add("forgot_bias", "Z equals W @ A_prev: you forgot to add b", {"Z": W @ A_prev})
        forms.add("bias_sign", "you subtracted b: Z = W @ A_prev + b", {"Z": W @ A_prev - b})
        forms.add("batch_first", f"Z has shape {(m, n)} = (m, n): you computed A_prev.T @ W.T "
                  "(batch first); here examples are columns: Z = W @ A_prev + b",
                  {"Z": Z.T})
        for k, v in (("cache[0]", W), ("cache[1]", A_prev), ("cache[0]", Z)):
            forms.add("cache_order", "cache must be the tuple (A_prev, W, b), in this order",
                      {k: v})
        out.append(case(_label(n, n_prev, m), (A_prev, W, b), (Z, cache), forms,
                        echoes=echo_names(check, (A_prev, W, b), (Z, cache))))
    return out


register(Check("linear_forward", ("A_prev", "W", "b"), ("Z", "cache"), _linear_forward_cases,
               points=1.0, weights=(0.75, 0.25), aliases=_LIN_ALIASES,
               leaf_checker=_rules_leaf))


# --------------------------------------------------------------------------- linear_backward
def linear_backward_forms(forms, dZ, A_prev, W):
    """Add the classic mistakes of linear_backward for these inputs to ``forms``."""
    n, n_prev = W.shape
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    if n != n_prev:
        msg = (f"dW has shape {(n_prev, n)} but W has shape {(n, n_prev)}: dW must match W; "
               "you may have computed A_prev @ dZ.T")
        forms.add("transposed_dW", msg, {"dW": shape_only((n_prev, n))})
    else:
        msg = "dW is the transpose of the expected dW: you may have computed A_prev @ dZ.T"
        forms.add("transposed_dW", msg, {"dW": dW.T})
        forms.add("transposed_dW", msg, {"dW": dW.T * m})
    if m > 1:
        forms.add("missing_1_over_m", "dW is m times too large: divide by m", {"dW": dW * m})
        forms.add("missing_1_over_m", "db is m times too large: divide by m",
                  {"db": dZ.sum(axis=1, keepdims=True)})
        forms.add("dA_prev_over_m", "dA_prev is m times too small: dA_prev = W.T @ dZ has no "
                  "1/m (the average is taken once, in dW and db)", {"dA_prev": W.T @ dZ / m})
    if (1, m) != (n, 1):
        forms.add("db_wrong_axis", "db summed over axis 0 (the examples are the columns): "
                  "sum over axis=1 with keepdims=True", {"db": shape_only((1, m))})
    forms.add("db_no_keepdims", f"db has shape {(n,)}: keep the column with keepdims=True",
              {"db": shape_only((n,))})
    forms.add("db_summed_all", "db is a single number: you summed every entry of dZ; "
              "sum over axis=1 with keepdims=True", {"db": dZ.sum() / m})
    forms.add("db_summed_all", "db is a single number: you summed every entry of dZ; "
              "sum over axis=1 with keepdims=True", {"db": dZ.sum()})
    if n == n_prev:
        forms.add("dA_prev_not_transposed", "dA_prev = W.T @ dZ, not W @ dZ",
                  {"dA_prev": W @ dZ})
    if n_prev != m:
        forms.add("transposed_dA_prev", f"dA_prev has shape {(m, n_prev)}: you computed "
                  "dZ.T @ W; dA_prev = W.T @ dZ has the shape of A_prev",
                  {"dA_prev": shape_only((m, n_prev))})
    return forms


def _linear_backward_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    out = []
    for n, n_prev, m in _dims(rng, hidden):
        A_prev, W, b = _layer(rng, n, n_prev, m)
        dZ = rng.standard_normal((n, m))
        expected = nn.linear_backward(dZ, (A_prev, W, b))
        forms = linear_backward_forms(Forms(), dZ, A_prev, W)
        out.append(case(_label(n, n_prev, m), (dZ, (A_prev, W, b)), expected, forms))
    return out


register(Check("linear_backward", ("dZ", "cache"), ("dA_prev", "dW", "db"),
               _linear_backward_cases, points=2.0, aliases=_LIN_ALIASES))


# --------------------------------------------------------------------------- linear_activation
_LA_ALIASES = {
    "cache": "cache (linear_cache, Z)", "cache[0]": "cache[0] (linear_cache: A_prev, W, b)",
    "cache[1]": "cache[1] (Z)",
    "cache[0][0]": "cache[0][0] (A_prev)", "cache[0][1]": "cache[0][1] (W)",
    "cache[0][2]": "cache[0][2] (b)",
}


def _act_of(i, hidden, rng):
    return _ACTS[i % 3] if not hidden else _ACTS[int(rng.integers(3))] if i >= 3 else _ACTS[i]


#: How to compute each activation of linear_activation_forward stably.
_LA_STABLE = {
    "sigmoid": "never exponentiate a large positive number: with e = np.exp(-np.abs(Z)), "
               "A = 1 / (1 + e) where Z >= 0 and e / (1 + e) where Z < 0 (or call the "
               "given sigmoid_forward)",
    "tanh": "use np.tanh(Z) (or the given tanh_forward): np.exp(Z) and np.exp(-Z) overflow "
            "for |Z| > 709",
}


def _la_forward_case(check, nn, A_prev, W, b, act, label):
    A, cache = nn.linear_activation_forward(A_prev, W, b, act)
    Z = cache[1]
    forms = Forms()
    forms.add("forgot_activation", f"A equals Z: apply the activation ({act}) to Z",
              {"A": Z})
    for other in _ACTS:
        if other != act:
            forms.add("wrong_activation", f"A looks like {other}(Z) but activation = "
                      f"{act!r}: choose the activation from the argument",
                      {"A": nn.ACTIVATIONS[other][0](Z)[0]})
    if act == "sigmoid":
        forms.add("unstable_overflow", "np.exp(Z) / (1 + np.exp(Z)) is inf / inf = NaN for "
                  "large positive Z: " + _LA_STABLE["sigmoid"],
                  lambda: {"A": np.exp(Z) / (1 + np.exp(Z))})
    forms.add("cache_holds_A", "the activation cache (cache[1]) must be Z, not A",
              {"cache[1]": A})
    forms.add("cache_order", "cache must be (linear_cache, Z) in this order, with "
              "linear_cache = (A_prev, W, b)", {"cache[0]": Z})
    extra = {"echoes": echo_names(check, (A_prev, W, b), (A, cache))}
    if act in _LA_STABLE:
        extra["overflow"] = {"z": ["expected", 1, 1], "name": "Z", "hint": _LA_STABLE[act]}
    return case(label, (A_prev, W, b, act), (A, cache), forms, **extra)


def _linear_activation_forward_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    out = []
    for i, (n, n_prev, m) in enumerate(_dims(rng, hidden)):
        act = _act_of(i, hidden, rng)
        A_prev, W, b = _layer(rng, n, n_prev, m)
        out.append(_la_forward_case(check, nn, A_prev, W, b, act,
                                    _label(n, n_prev, m, f"activation = {act!r}")))
    if hidden:  # numerical stability: a sigmoid layer with |Z| up to about 1000 (drawn last)
        n, n_prev, m = int(rng.integers(2, 6)), int(rng.integers(1, 6)), int(rng.integers(2, 7))
        A_prev, W, b = _layer(rng, n, n_prev, m)
        W *= 5.0 / np.sqrt(n_prev)  # the other rows: ordinary, unsaturated Z
        b[0, 0] = rng.uniform(760.0, 960.0)  # row 0: Z above 709, exp(Z) overflows
        b[1, 0] = -rng.uniform(760.0, 960.0)  # row 1: Z below -709, exp(-Z) overflows
        out.append(_la_forward_case(check, nn, A_prev, W, b, "sigmoid", _label(
            n, n_prev, m, "activation = 'sigmoid', |Z| up to about 1000 (numerical "
            "stability)")))
    return out


register(Check("linear_activation_forward", ("A_prev", "W", "b", "activation"),
               ("A", "cache"), _linear_activation_forward_cases, points=1.0,
               weights=(0.7, 0.3), aliases=_LA_ALIASES, leaf_checker=_rules_leaf))


def _relu_ge_backward(dA, Z):
    return dA * (Z >= 0)


def _la_backward_case(nn, rng, n, n_prev, m, act):
    A_prev, W, b = _layer(rng, n, n_prev, m)
    Z = W @ A_prev + b
    if act == "relu":  # exact zeros where the ReLU derivative is 0 by convention
        Z = with_zeros(rng, Z)
    dA = rng.standard_normal((n, m))
    cache = ((A_prev, W, b), Z)
    expected = nn.linear_activation_backward(dA, cache, act)

    def lin(dZ):
        d = nn.linear_backward(dZ, (A_prev, W, b))
        return {"dA_prev": d[0], "dW": d[1], "db": d[2]}

    forms = Forms()
    if act == "relu":
        forms.add("relu_grad_at_zero", "dZ differs only where Z == 0: the ReLU derivative "
                  "at 0 is 0", lambda: lin(_relu_ge_backward(dA, Z)))
    forms.add("forgot_activation", "you skipped the activation: first dZ = "
              f"{act}_backward(dA, Z), then linear_backward(dZ, linear_cache)",
              lambda: lin(dA))
    forms.add("forgot_upstream", f"dZ must be dA * {act}'(Z): you left out dA",
              lambda: lin(nn.derivative(act, Z)))
    for other in _ACTS:
        if other != act:
            forms.add("wrong_activation", f"your gradients match {other}_backward but "
                      f"activation = {act!r}: choose the backward from the argument",
                      lin(nn.ACTIVATIONS[other][1](dA, Z)))
    dZ = nn.ACTIVATIONS[act][1](dA, Z)
    linear_backward_forms(forms, dZ, A_prev, W)
    return case(_label(n, n_prev, m, f"activation = {act!r}"), (dA, cache, act), expected,
                forms)


def _linear_activation_backward_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    return [_la_backward_case(nn, rng, n, n_prev, m, _act_of(i, hidden, rng))
            for i, (n, n_prev, m) in enumerate(_dims(rng, hidden))]


register(Check("linear_activation_backward", ("dA", "cache", "activation"),
               ("dA_prev", "dW", "db"), _linear_activation_backward_cases, points=2.0,
               aliases=_LA_ALIASES))

__all__ = ["linear_backward_forms"]
