"""Checks of the L-layer model: initialisation, forward, cost, backward, update."""

from __future__ import annotations

import re

import numpy as np

from . import compare
from ._build import MISSING_FORM, Forms, case, echo_names, ref, shape_only
from ._rules import _rules_leaf
from .core import Check, case_rng, register


def _sigmoid(Z):
    return ref().sigmoid(Z)


def _relu(Z):
    return np.maximum(Z, 0)


# --------------------------------------------------------------------------- initialization
_INIT_PUBLIC = [[5, 4, 1], [3, 2], [12, 8, 6, 1]]


def _init_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    if hidden:
        dims_list = [[int(d) for d in rng.integers(1, 10, size=int(rng.integers(2, 6)))]
                     for _ in range(3)]
        dims_list.append([int(rng.integers(8, 15)), int(rng.integers(6, 12)), 1])
    else:
        dims_list = _INIT_PUBLIC
    out = []
    state = np.random.get_state()
    try:
        for dims in dims_list:
            np_seed = int(rng.integers(2**31 - 1))
            np.random.seed(np_seed)
            params = nn.initialize_parameters_deep(dims)
            L = len(dims) - 1
            forms = Forms()
            forms.add("missing_layer", f"parameters has no W{L}: loop over l = 1, ..., L, "
                      "that is range(1, len(layer_dims))", {f"W{L}": MISSING_FORM})
            for l in range(1, L + 1):
                n, n_prev = dims[l], dims[l - 1]
                if n != n_prev:
                    forms.add("transposed_W", f"W{l} has shape {(n_prev, n)}; it must be "
                              f"(layer_dims[l], layer_dims[l-1]) = {(n, n_prev)}",
                              {f"W{l}": shape_only((n_prev, n))})
                forms.add("b_no_column", f"b{l} has shape {(n,)}: use np.zeros(({n}, 1)), "
                          "a column", {f"b{l}": shape_only((n,))})
            label = f"layer_dims = {dims}"
            out.append(case(label, (list(dims),), params, forms, np_seed=np_seed))
    finally:
        np.random.set_state(state)
    return out


def _init_leaf(check, case_, name, exp, got):
    ok, code, msg = compare.check_leaf(check, case_, name, exp, got)
    if ok or type(got) is not np.ndarray or got.shape != exp.shape or got.dtype != exp.dtype:
        return ok, code, msg
    g = np.asarray(got, dtype=np.float64)
    pretty = check.pretty(name)
    if name.startswith("b"):
        return False, "b_not_zero", f"{pretty} must start at zero: np.zeros(({exp.shape[0]}, 1))"
    # W: values differ from the reference; accept any small, random, zero-mean draw
    if not np.any(g):
        return False, "zeros_init", (f"{pretty} is all zeros: every unit of the layer would "
                                     "compute the same thing for ever (symmetry); use "
                                     "np.random.randn(n_l, n_prev) * 0.01")
    if g.shape[0] > 1 and np.all(g == g[0:1, :]):
        return False, "symmetric_weights", (f"all rows of {pretty} are equal: the units are "
                                            "symmetric and learn the same thing; draw random "
                                            "values with np.random.randn")
    big = float(np.max(np.abs(g)))
    if big > 0.1:
        return False, "W_not_scaled", (f"{pretty} has entries up to {big:.3g}: about 100 times "
                                       "too large; multiply np.random.randn(...) by 0.01")
    if g.size >= 8 and float(np.std(g)) < 0.002:
        return False, "W_too_small", (f"{pretty} has a standard deviation of "
                                      f"{np.std(g):.2g}; expected about 0.01")
    if g.size >= 8 and (np.all(g >= 0) or np.all(g <= 0)):
        return False, "uniform_init", (f"{pretty} has entries of one sign only: use "
                                       "np.random.randn (normal, mean 0), not np.random.rand")
    return True, None, (f"note: {pretty} is not the draw of np.random.randn(...) * 0.01 after "
                        "np.random.seed(...), but it has the right scale (accepted)")


register(Check("initialize_parameters_deep", ("layer_dims",), "parameters", _init_cases,
               points=1.0, leaf_checker=_init_leaf))


# --------------------------------------------------------------------------- networks
_NET_PUBLIC = [([4, 3, 1], 5), ([3, 1], 1), ([5, 4, 3, 1], 1), ([2, 6, 3, 1], 7)]


def _net_dims(rng, hidden):
    if not hidden:
        return list(_NET_PUBLIC)
    out = []
    for i in range(4):
        L = int(rng.integers(1, 5)) if i else 3
        dims = [int(d) for d in rng.integers(1, 7, size=L)] + [1]
        m = 1 if i == 0 else int(rng.integers(2, 9))
        out.append((dims, m))
    return out


def _params(rng, dims, zero_unit=False):
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * 0.8
        p[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.3
    if zero_unit and len(dims) > 2:  # one hidden unit with Z == 0 exactly (ReLU kink)
        p["W1"][0, :] = 0.0
        p["b1"][0, 0] = 0.0
    return p


def _forward(X, params, hidden_fwd, out_fwd):
    L = len(params) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        Z = W @ A + b
        caches.append(((A, W, b), Z))
        A = out_fwd(Z) if l == L else hidden_fwd(Z)
    return A, caches


def _cache_alias(name):
    m = re.fullmatch(r"caches\[(\d+)\]\[0\]\[(\d)\]", name)
    if m:
        l, j = int(m.group(1)), int(m.group(2))
        what = ("A_prev", f"W{l + 1}", f"b{l + 1}")[j] if j < 3 else "?"
        return f"{name} ({what} of layer {l + 1})"
    m = re.fullmatch(r"caches\[(\d+)\]\[1\]", name)
    if m:
        return f"{name} (Z{int(m.group(1)) + 1})"
    return None


def _L_forward_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    out = []
    for dims, m in _net_dims(rng, hidden):
        params = _params(rng, dims)
        X = rng.standard_normal((dims[0], m))
        AL, caches = nn.L_model_forward(X, params)
        forms = Forms()
        forms.add("relu_output", "AL looks like a ReLU output: the last layer uses the sigmoid",
                  {"AL": _forward(X, params, _relu, _relu)[0]})
        if len(dims) > 2:
            forms.add("sigmoid_hidden", "the hidden layers use ReLU; only the output layer "
                      "uses the sigmoid",
                      {"AL": _forward(X, params, _sigmoid, _sigmoid)[0]})
        forms.add("forgot_output_activation", "AL equals Z of the last layer: apply the "
                  "sigmoid to it", {"AL": caches[-1][1]})
        forms.add("missing_cache", f"caches must hold one cache per layer, {len(caches)} in "
                  "all: append the output layer's cache too", {"caches": caches[:-1]})
        L = len(dims) - 1
        label = f"layer_dims = {dims}, m = {m}" + (" (L = 1: sigmoid only)" if L == 1 else "")
        out.append(case(label, (X, params), (AL, caches), forms,
                        echoes=echo_names(check, (X, params), (AL, caches))))
    return out


register(Check("L_model_forward", ("X", "parameters"), ("AL", "caches"), _L_forward_cases,
               points=2.0, weights=(0.7, 0.3), aliases=_cache_alias,
               leaf_checker=_rules_leaf))


# --------------------------------------------------------------------------- cost
def _cost_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    ms = [4, 1, 10] if not hidden else [int(rng.integers(2, 12)) for _ in range(3)] + [1]
    out = []
    for m in ms:
        AL = _sigmoid(rng.standard_normal((1, m)) * 2).reshape(1, m)
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        if m > 1:
            Y[0, 0], Y[0, 1] = 1.0, 0.0
        cost = nn.compute_cost(AL, Y)
        terms = Y * np.log(AL) + (1 - Y) * np.log(1 - AL)
        forms = Forms()
        forms.add("missing_minus", "the cost is negative: you forgot the minus sign, "
                  "J = -(1/m) * sum(...)", {"cost": -cost})
        if m > 1:
            forms.add("summed_not_averaged", "the cost is m times too large: divide by m "
                      "(average over the examples)", {"cost": cost * m})
            forms.add("summed_not_averaged", "the cost is m times too large and negative: "
                      "J = -(1/m) * sum(...)", {"cost": -cost * m})
        forms.add("only_positive_term", "the (1 - Y) * log(1 - AL) term is missing",
                  {"cost": float(-np.mean(Y * np.log(AL)))})
        forms.add("log10", "use the natural logarithm np.log, not np.log10",
                  {"cost": cost / np.log(10)})
        forms.add("swapped_terms", "Y goes with log(AL) and (1 - Y) with log(1 - AL)",
                  {"cost": float(-np.mean(Y * np.log(1 - AL) + (1 - Y) * np.log(AL)))})
        forms.add("missing_minus", "the cost is negative: you forgot the minus sign",
                  {"cost": float(np.mean(terms))})
        out.append(case(f"m = {m}", (AL, Y), float(cost), forms))
    return out


register(Check("compute_cost", ("AL", "Y"), "cost", _cost_cases, points=1.0))


# --------------------------------------------------------------------------- multiclass cost
def _mc_cost_cases(check, seed, hidden):
    """Softmax outputs ``AL`` and one-hot ``Y`` of shape ``(C, m)``; from the second case
    on, some probabilities are exactly 0 where ``Y`` is 0 (the cost must stay finite)."""
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    if hidden:
        shapes = [(int(rng.integers(3, 7)), int(rng.integers(2, 9))) for _ in range(3)]
        shapes.append((int(rng.integers(2, 6)), 1))
    else:
        shapes = [(3, 4), (4, 1), (5, 6), (2, 3)]
    out = []
    for k, (C, m) in enumerate(shapes):
        AL, _ = nn.softmax_forward(rng.standard_normal((C, m)) * 2)
        labels = rng.integers(C, size=m)
        if m >= C:  # every class present once at least
            labels[:C] = rng.permutation(C)
        Y = nn.one_hot(labels, C).astype(np.float64)
        zeros = k > 0
        if zeros:  # exact zeros where Y = 0 (the largest wrong probability of each column)
            Wrong = np.where(Y == 1, -np.inf, AL)
            rows = np.argmax(Wrong, axis=0)
            AL[rows, np.arange(m)] = 0.0
            AL = AL / AL.sum(axis=0, keepdims=True)
        cost = nn.compute_cost_multiclass(AL, Y)
        forms = Forms()
        if m > 1:
            forms.add("summed_not_averaged", "the cost is m times too large: divide the sum "
                      "by m, the number of examples (columns), J = -(1/m) * sum(...)",
                      {"cost": cost * m})
        forms.add("averaged_over_C_m", f"the cost is C = {C} times too small: np.mean over "
                  "the whole (C, m) array divides by C * m; the sum runs over the classes "
                  "and the average over the m examples only", {"cost": cost / C})
        if zeros:
            forms.add("log_of_zero", "the cost is NaN: some AL are exactly 0 where Y is 0, "
                      "and 0 * np.log(0) is 0 * -inf = nan. Those entries must contribute "
                      "0: take the log only where Y is 1 (AL[Y == 1]), or clip AL to "
                      "[eps, 1] before the log", {"cost": float("nan")})
            forms.add("log_of_zero", "the cost is infinite: a log of an AL of exactly 0 "
                      "(where Y is 0) reached the sum. Those entries must contribute 0: "
                      "take the log only where Y is 1 (AL[Y == 1]), or clip AL first",
                      {"cost": float("inf")})
        with np.errstate(all="ignore"):
            bce = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
            bce_clip = -np.sum(Y * np.log(np.clip(AL, 1e-300, 1))
                               + (1 - Y) * np.log(np.clip(1 - AL, 1e-300, 1))) / m
            forms.add("binary_formula", "you applied the binary cross-entropy (with its "
                      "(1 - Y) * log(1 - AL) term) to C classes: with softmax outputs only "
                      "the probability of the true class counts, -sum(Y * log(AL)) / m",
                      {"cost": float(bce)})
            forms.add("binary_formula", "you applied the binary cross-entropy (with its "
                      "(1 - Y) * log(1 - AL) term) to C classes: with softmax outputs only "
                      "the probability of the true class counts, -sum(Y * log(AL)) / m",
                      {"cost": float(bce_clip)})
        forms.add("log10", "use the natural logarithm np.log, not np.log10",
                  {"cost": cost / np.log(10)})
        forms.add("missing_minus", "the cost is negative: J = -(1/m) * sum(Y * log(AL))",
                  {"cost": -cost})
        label = f"C = {C}, m = {m}"
        if zeros:
            label += ", AL = 0 where Y = 0"
        out.append(case(label, (AL, Y), float(cost), forms))
    return out


register(Check("compute_cost_multiclass", ("AL", "Y"), "cost", _mc_cost_cases, points=1.0))


# --------------------------------------------------------------------------- backward
def _backward(nn, AL, Y, caches, out_act="sigmoid", hid_act="relu", dAL_scale=1.0,
              relu_ge=False, key_shift=0):
    L = len(caches)
    grads = {}
    dA = -(Y / AL - (1 - Y) / (1 - AL)) * dAL_scale
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        act = out_act if l == L else hid_act
        if act == "relu" and relu_ge:
            dZ = dA * (Z >= 0)
        else:
            dZ = nn.ACTIVATIONS[act][1](dA, Z)
        dA_prev, dW, db = nn.linear_backward(dZ, (A_prev, W, b))
        grads[f"dA{l - 1 + key_shift}"], grads[f"dW{l}"], grads[f"db{l}"] = dA_prev, dW, db
        dA = dA_prev
    return grads


def _L_backward_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    out = []
    for dims, m in _net_dims(rng, hidden):
        params = _params(rng, dims, zero_unit=True)
        X = rng.standard_normal((dims[0], m))
        AL, caches = nn.L_model_forward(X, params)
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        grads = nn.L_model_backward(AL, Y, caches)
        L = len(caches)
        forms = Forms()

        def bw(**kw):
            return _backward(nn, AL, Y, caches, **kw)  # noqa: B023 (called right away)

        if L > 1:
            forms.add("relu_output_layer", "your gradients match a ReLU output layer: the "
                      "output layer uses the sigmoid (its backward is sigmoid_backward)",
                      bw(out_act="relu"))
            forms.add("sigmoid_hidden", "your gradients match sigmoid hidden layers: the "
                      "hidden layers use ReLU", bw(hid_act="sigmoid"))
            forms.add("relu_grad_at_zero", "your gradients differ only through units with "
                      "Z == 0: the ReLU derivative at 0 is 0", bw(relu_ge=True))
        forms.add("wrong_dAL_sign", "all gradients have the wrong sign: "
                  "dAL = -(Y / AL - (1 - Y) / (1 - AL))", bw(dAL_scale=-1.0))
        if m > 1:
            forms.add("double_1_over_m", "all gradients are m times too small: the 1/m is "
                      "already in linear_backward, do not also put it into dAL",
                      bw(dAL_scale=1.0 / m))
        forms.add("dA_key_off_by_one", "grads has no 'dA0': store the dA_prev of layer l "
                  "under 'dA{l-1}' (the one of layer 1 is dA0)", {"dA0": MISSING_FORM})
        forms.add("fused_dZ_as_dA", "your gradients treat AL - Y as dAL: AL - Y is dZL, the "
                  "gradient after the sigmoid", _backward_from_dAL(nn, caches, AL - Y))
        out.append(case(f"layer_dims = {dims}, m = {m}", (AL, Y, caches), grads, forms))
    return out


def _backward_from_dAL(nn, caches, dAL):
    L = len(caches)
    grads, dA = {}, dAL
    for l in range(L, 0, -1):
        act = "sigmoid" if l == L else "relu"
        dA_prev, dW, db = nn.linear_activation_backward(dA, caches[l - 1], act)
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA_prev, dW, db
        dA = dA_prev
    return grads


register(Check("L_model_backward", ("AL", "Y", "caches"), "grads", _L_backward_cases,
               points=3.0))


# --------------------------------------------------------------------------- update
def _step(params, grads, rate):
    return {k: v + rate * grads["d" + k] for k, v in params.items()}


def _update_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    setups = [([4, 3, 1], 0.1), ([3, 1], 1.2), ([5, 4, 3, 1], 0.0075)]
    if hidden:
        setups = [([int(d) for d in rng.integers(1, 7, size=int(rng.integers(1, 5)))] + [1],
                   float(rng.choice([0.01, 0.05, 0.3, 1.5]))) for _ in range(4)]
    out = []
    for dims, lr in setups:
        params = _params(rng, dims)
        grads = {}
        L = len(dims) - 1
        for l in range(L, 0, -1):
            grads[f"dA{l - 1}"] = rng.standard_normal((dims[l - 1], 3))
            grads[f"dW{l}"] = rng.standard_normal((dims[l], dims[l - 1]))
            grads[f"db{l}"] = rng.standard_normal((dims[l], 1))
        new = nn.update_parameters(params, grads, lr)
        forms = Forms()

        forms.add("plus_instead_of_minus", "your parameters moved up the gradient: "
                  "W = W - learning_rate * dW (minus)", _step(params, grads, lr))
        forms.add("ignored_learning_rate", "you forgot to multiply the gradient by "
                  "learning_rate", _step(params, grads, -1.0))
        forms.add("only_W_updated", "the biases were not updated: b = b - learning_rate * db "
                  "too", {f"b{l}": params[f"b{l}"] for l in range(1, L + 1)})
        if L > 1:
            forms.add("off_by_one_layers", f"W{L} and b{L} were not updated: loop over "
                      "l = 1, ..., L, that is range(1, L + 1)",
                      {f"W{L}": params[f"W{L}"], f"b{L}": params[f"b{L}"]})
        out.append(case(f"layer_dims = {dims}, learning_rate = {lr}", (params, grads, lr),
                        new, forms))
    return out


register(Check("update_parameters", ("parameters", "grads", "learning_rate"), "parameters",
               _update_cases, points=1.0))
