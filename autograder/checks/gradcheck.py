"""Checks of assignment 5, gradient checking: relative errors, flattening the parameters,
numerical gradients of the whole network, the gradient check itself, counting parameters.

Every argument is plain data (arrays, numbers, lists, dicts): the sandbox carries no
callables, so ``numerical_gradient(f, x)`` is exercised through ``numerical_gradients``.
The network is the graded API's: ReLU hidden layers, sigmoid output, binary cross-entropy.
"""

from __future__ import annotations

import numpy as np

from . import compare
from ._build import MISSING_FORM, Forms, case, ref, shape_only
from .core import Check, case_rng, register

#: a correct gradient's relative error must stay below this (DESIGN.md's quality bar)
CORRECT_BELOW = 1e-7


def _api():
    return ref().gradcheck_api


def _norm(x):
    return float(np.sqrt(np.sum(np.asarray(x, dtype=np.float64) ** 2)))


# --------------------------------------------------------------------------- relative_error
def _rel_cases(check, seed, hidden):
    api = _api()
    rng = case_rng(check.name, seed, hidden)
    if hidden:
        s1 = (int(rng.integers(2, 6)), 1)
        s2 = (int(rng.integers(2, 5)), int(rng.integers(2, 6)))
        s3 = (int(rng.integers(1, 4)), int(rng.integers(3, 7)))
    else:
        s1, s2, s3 = (3, 1), (2, 4), (1, 5)
    a1 = rng.standard_normal(s1)
    setups = [
        (f"close arrays of shape {s1}", a1, a1 + 1e-3 * rng.standard_normal(s1)),
        (f"different arrays of shape {s2}", rng.standard_normal(s2),
         3.0 * rng.standard_normal(s2)),
        (f"equal arrays of shape {s2}", (a := rng.standard_normal(s2)), a.copy()),
        (f"both zero, shape {s1}", np.zeros(s1), np.zeros(s1)),
        (f"one zero, shape {s3}", np.zeros(s3), rng.standard_normal(s3)),
    ]
    out = []
    for label, a, b in setups:
        exp = api.relative_error(a, b)
        na, nb, nd = _norm(a), _norm(b), _norm(a - b)
        forms = Forms()
        name = check.returns
        if na + nb == 0:
            forms.add("zero_division", "both arrays are zero, so ||a|| + ||b|| is 0: return "
                      "0.0 in that case instead of dividing 0 by 0", {name: float("nan")})
        else:
            for one in (na, nb):
                if one > 0 and abs(nd / one - exp) > 1e-6 * exp:
                    forms.add("asymmetric", "you divided by the norm of one array only (||a||, "
                              "||b|| or the larger one): divide by ||a|| + ||b||, so that the "
                              "error does not depend on which array comes first",
                              {name: nd / one})
            forms.add("squared_norms", "use the norms themselves, not their squares: "
                      "||a - b|| / (||a|| + ||b||) with ||x|| = sqrt(sum(x**2))",
                      {name: nd**2 / (na**2 + nb**2)})
            forms.add("not_relative", "you returned the absolute error ||a - b||: divide it by "
                      "||a|| + ||b||", {name: nd})
        out.append(case(label, (a, b), float(exp), forms))
    return out


register(Check("relative_error", ("a", "b"), "rel_error", _rel_cases, points=1.0))


# --------------------------------------------------------------------------- parameters
_DIMS_PUBLIC = [[3, 2, 1], [4, 1], [2, 3, 3, 1]]


def _dims_list(rng, hidden):
    if not hidden:
        return [list(d) for d in _DIMS_PUBLIC]
    out = []
    for i in range(4):
        L = (1, 2, 3, int(rng.integers(1, 4)))[i]
        out.append([int(d) for d in rng.integers(1, 6, size=L)] + [1])
        if L >= 2:  # a non-square layer somewhere, so that transposes show
            out[-1][1] = out[-1][0] + 1
    return out


def _random_params(rng, dims, scale=0.8):
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * scale
        p[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.5
    return p


def _in_layer_order(params):
    L = len(params) // 2
    return [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}")]


def _flat(params, keys, order="C"):
    return np.concatenate([np.ravel(params[k], order=order) for k in keys])


def _p2v_cases(check, seed, hidden):
    api = _api()
    rng = case_rng(check.name, seed, hidden)
    out = []
    dims_list = _dims_list(rng, hidden)
    for i, dims in enumerate(dims_list):
        params = _random_params(rng, dims)
        layered = _in_layer_order(params)
        label = f"layer_dims = {dims}"
        if i == len(dims_list) - 1 and len(dims) > 2:
            # the dict's keys in another order: the vector keeps the layer order
            params = {k: params[k] for k in reversed(list(params))}
            label += ", keys stored from the last layer to the first"
        theta = api.params_to_vector(params)
        forms = Forms()
        name = check.returns
        forms.add("key_order", "the vector follows sorted key names (W1, W2, ..., b1, ...): "
                  "use the layer order W1, b1, W2, b2, ...", {name: _flat(params, sorted(params))})
        forms.add("dict_order", "the vector follows the order in which the dict stores its "
                  "keys: loop over l = 1, ..., L and take W{l} then b{l}",
                  {name: _flat(params, list(params))})
        forms.add("fortran_order", "each matrix is flattened column by column: use "
                  ".ravel() or .reshape(-1) (row-major, numpy's default)",
                  {name: _flat(params, layered, "F")})
        forms.add("forgot_biases", "the biases are missing: append b{l} after each W{l}",
                  {name: _flat(params, [k for k in layered if k[0] == "W"])})
        forms.add("column_vector", f"theta must be 1-D, shape ({theta.size},), not a column",
                  {name: shape_only((theta.size, 1))})
        out.append(case(label, (params,), theta, forms))
    return out


register(Check("params_to_vector", ("parameters",), "theta", _p2v_cases, points=0.5))


def _v2p_cases(check, seed, hidden):
    api = _api()
    rng = case_rng(check.name, seed, hidden)
    out = []
    for dims in _dims_list(rng, hidden):
        P = api.count_parameters(dims)
        theta = rng.standard_normal(P)
        params = api.vector_to_params(theta, dims)
        L = len(dims) - 1
        forms = Forms()
        w_first, f_order, start = {}, {}, 0
        n_w = sum(dims[l] * dims[l - 1] for l in range(1, L + 1))
        sw, sb = 0, n_w
        for l in range(1, L + 1):
            n, n_prev = dims[l], dims[l - 1]
            f_order[f"W{l}"] = theta[start:start + n * n_prev].reshape((n, n_prev), order="F")
            f_order[f"b{l}"] = params[f"b{l}"]
            start += n * (n_prev + 1)
            w_first[f"W{l}"] = theta[sw:sw + n * n_prev].reshape(n, n_prev)
            w_first[f"b{l}"] = theta[sb:sb + n].reshape(n, 1)
            sw, sb = sw + n * n_prev, sb + n
            if n != n_prev:
                forms.add("transposed_W", f"W{l} has shape {(n_prev, n)}; it must be "
                          f"(layer_dims[l], layer_dims[l-1]) = {(n, n_prev)}",
                          {f"W{l}": shape_only((n_prev, n))})
            forms.add("b_no_column", f"b{l} has shape {(n,)}: reshape it to a column "
                      f"({n}, 1)", {f"b{l}": shape_only((n,))})
        if L > 1:
            forms.add("key_order", "you read all the weights first and then all the biases: "
                      "theta holds W1, b1, W2, b2, ... (layer by layer)", w_first)
        forms.add("fortran_order", "the matrices are filled column by column: use "
                  ".reshape(n_l, n_prev) (row-major, numpy's default)",
                  {k: v for k, v in f_order.items() if k[0] == "W"})
        forms.add("missing_layer", f"the result has no W{L}: loop over l = 1, ..., L, that "
                  "is range(1, len(layer_dims))", {f"W{L}": MISSING_FORM})
        out.append(case(f"layer_dims = {dims}", (theta, list(dims)), params, forms))
    return out


register(Check("vector_to_params", ("theta", "layer_dims"), "parameters", _v2p_cases,
               points=0.5))


# --------------------------------------------------------------------------- networks
def _relu(Z):
    return np.maximum(Z, 0)


def _cost(params, X, Y, scale=1.0):
    """The binary cross-entropy of the graded network (``scale = m``: summed, not averaged)."""
    nn = ref()
    L = len(params) // 2
    A = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = nn.sigmoid(Z) if l == L else _relu(Z)
    m = X.shape[1]
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m * scale)


def _network(rng, dims, m, margin=1e-3):
    """Parameters, X, Y such that no Z is within ``margin`` of 0 (no ReLU kink nearby)
    and the output stays away from 0 and 1."""
    nn = ref()
    for _ in range(200):
        params = _random_params(rng, dims)
        X = rng.standard_normal((dims[0], m))
        A, ok = X, True
        L = len(dims) - 1
        for l in range(1, L + 1):
            Z = params[f"W{l}"] @ A + params[f"b{l}"]
            ok = ok and bool(np.all(np.abs(Z) > margin))
            A = nn.sigmoid(Z) if l == L else _relu(Z)
        ok = ok and bool(np.all((A > 0.02) & (A < 0.98)))
        if ok:
            Y = (rng.random((1, m)) < 0.5).astype(np.float64)
            return params, X, Y
    raise RuntimeError(f"no network without kinks found for {dims}, m = {m}")


def _loop_grads(params, X, Y, eps, mode):
    """Numerical gradients with a classic mistake: ``one_sided``, ``factor_2``,
    ``not_restored`` (each entry left at ``x - eps``), ``summed`` (cost not averaged)."""
    work = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    grads = {}
    for key in _in_layer_order(work):
        x = work[key] if mode == "not_restored" else work[key].copy()
        g = np.empty_like(x)
        flat, gf = x.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            fp = _cost({**work, key: x}, X, Y, scale=X.shape[1] if mode == "summed" else 1.0)
            if mode == "one_sided":
                flat[i] = old
                fm = _cost({**work, key: x}, X, Y)
                gf[i] = (fp - fm) / eps
                continue
            flat[i] = old - eps
            fm = _cost({**work, key: x}, X, Y, scale=X.shape[1] if mode == "summed" else 1.0)
            if mode != "not_restored":
                flat[i] = old
            gf[i] = (fp - fm) / (eps if mode == "factor_2" else 2 * eps)
        grads[f"d{key}"] = g
    return grads


_NET_PUBLIC = [([3, 2, 1], 4, 1e-6), ([4, 1], 1, 1e-6), ([2, 3, 2, 1], 4, 1e-3),
               ([3, 2, 1], 1, 1e-4)]


def _net_setups(rng, hidden):
    if not hidden:
        return list(_NET_PUBLIC)
    out = []
    for i in range(4):
        L = (2, 1, 3, 2)[i]
        dims = [int(d) for d in rng.integers(1, 5, size=L)] + [1]
        m = (1, 4, int(rng.integers(2, 6)), int(rng.integers(1, 5)))[i]
        eps = (1e-6, 1e-6, 1e-3, 1e-4)[i]
        out.append((dims, m, eps))
    return out


def _net_label(dims, m, eps):
    return f"layer_dims = {dims}, m = {m}, eps = {eps:g}"


def _numerical(params, X, Y, eps):
    """The network's numerical gradients, as the api's loop (``numerical_gradients``, what
    students write) gives them, computed with all perturbed copies in one batched forward
    pass: the same numbers bit for bit on these small networks
    (tests/test_gradcheck.py checks it on the hidden setups), about 3.5 times cheaper."""
    return ref().gradcheck.model_numerical_gradients(params, X, Y, eps=eps,
                                                     method="vectorized")


def _ng_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    out = []
    for dims, m, eps in _net_setups(rng, hidden):
        params, X, Y = _network(rng, dims, m)
        grads = _numerical(params, X, Y, eps)
        forms = Forms()

        def lg(mode, params=params, X=X, Y=Y, eps=eps):
            return lambda: _loop_grads(params, X, Y, eps, mode)

        forms.add("factor_2", "your gradients are twice too large: a centered difference "
                  "divides by 2 * eps, (f(x + eps) - f(x - eps)) / (2 * eps)",
                  {k: 2 * v for k, v in grads.items()})
        forms.add("one_sided", "your gradients match the one-sided difference "
                  "(f(x + eps) - f(x)) / eps, whose error is O(eps): use the centered one, "
                  "(f(x + eps) - f(x - eps)) / (2 * eps), error O(eps**2)", lg("one_sided"))
        forms.add("not_restored", "each entry stays at x - eps after its difference: save "
                  "the old value and put it back before moving to the next entry",
                  lg("not_restored"))
        if m > 1:
            forms.add("summed_not_averaged", "your gradients are m times too large: the cost "
                      "is the average over the m examples", lg("summed"))
        forms.add("sign_error", "your gradients have the wrong sign: (f(x + eps) - "
                  "f(x - eps)), plus first", {k: -v for k, v in grads.items()})
        out.append(case(_net_label(dims, m, eps), (params, X, Y), grads, forms,
                        kwargs={"eps": eps}, tol=(1e-5, 1e-8)))
    return out


register(Check("numerical_gradients", ("parameters", "X", "Y"), "grads", _ng_cases,
               points=2.0))


# --------------------------------------------------------------------------- gradient_check
def _corrupt(rng, grads, key):
    g = np.array(grads[key], copy=True)
    how = int(rng.integers(3))
    if how == 0:
        return g * 2.0
    if how == 1:
        return -g
    return g + 0.5 * rng.standard_normal(g.shape)


def _gc_numbers(api, params, X, Y, grads, eps, numerical=None, rel=None, combine="global"):
    """``(rel_error, per_parameter)`` as a student with a given mistake would compute it."""
    rel = rel or api.relative_error
    numerical = numerical if numerical is not None else _numerical(params, X, Y, eps)
    keys = list(numerical)
    per = {k: float(rel(np.asarray(grads[k]), numerical[k])) for k in keys}
    if combine == "mean":
        return float(np.mean(list(per.values()))), per
    a = np.concatenate([np.ravel(grads[k]) for k in keys])
    b = np.concatenate([np.ravel(numerical[k]) for k in keys])
    return float(rel(a, b)), per


def _as_form(values):
    total, per = values
    return {"rel_error": total, **{f"per_parameter[{k!r}]": v for k, v in per.items()}}


_GC_PUBLIC = [([3, 2, 1], 4, 1e-6, 0), ([3, 2, 1], 1, 1e-4, 0), ([2, 3, 2, 1], 4, 1e-6, 1),
              ([3, 2, 1], 4, 1e-6, 2)]


def _gc_setups(rng, hidden):
    if not hidden:
        return list(_GC_PUBLIC)
    out = []
    for i in range(4):
        L = (2, 2, 3, 1)[i]
        dims = [int(d) for d in rng.integers(1, 5, size=L)] + [1]
        m = (1, int(rng.integers(2, 6)), int(rng.integers(2, 6)), 4)[i]
        eps, bad = ((1e-4, 0), (1e-6, 1), (1e-6, 2), (1e-6, 1))[i]
        out.append((dims, m, eps, bad))
    return out


def _gc_cases(check, seed, hidden):
    api = _api()
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    out = []
    for dims, m, eps, n_bad in _gc_setups(rng, hidden):
        for _ in range(50):
            params, X, Y = _network(rng, dims, m)
            AL, caches = nn.L_model_forward(X, params)
            grads = nn.L_model_backward(AL, Y, caches)
            # the numerical gradients once per network (the api's loop, as students'),
            # compared again with the corrupted grads below
            exact = nn.gradcheck.gradient_check(params, X, Y, grads=grads, eps=eps,
                                                numerical=_numerical(params, X, Y, eps))
            if max(exact.per_parameter.values()) < CORRECT_BELOW / 10:  # far from the bar
                break
        keys = [k for k in grads if k[1] in "Wb"]
        bad = sorted(rng.choice(len(keys), size=min(n_bad, len(keys)), replace=False))
        for i in bad:
            grads[keys[i]] = _corrupt(rng, grads, keys[i])
        numerical = exact.numerical
        r = nn.gradcheck.gradient_check(params, X, Y, grads=grads, eps=eps, method="loop",
                                        numerical=numerical)
        expected = (float(r.relative_error), {k: float(v) for k, v in r.per_parameter.items()})
        forms = Forms()

        def absolute(a, b):
            return _norm(np.asarray(a) - np.asarray(b))

        def asym(a, b):
            na = _norm(a)
            return _norm(np.asarray(a) - np.asarray(b)) / na if na else 0.0

        # the wrong forms are computed only if the answer is wrong (Forms is lazy)
        net = (api, params, X, Y, grads, eps)
        forms.add("not_relative", "you used the absolute error ||a - b||: divide by "
                  "||a|| + ||b|| (relative_error)",
                  lambda net=net, numerical=numerical, absolute=absolute:
                  _as_form(_gc_numbers(*net, numerical, absolute)))
        if len(keys) > 2:
            forms.add("averaged_errors", "rel_error is the mean of the per-parameter errors: "
                      "compare all the parameters at once, as one vector (params_to_vector)",
                      lambda net=net, numerical=numerical:
                      {"rel_error": _gc_numbers(*net, numerical, combine="mean")[0]})
        forms.add("asymmetric", "divide by ||a|| + ||b||, not by the norm of one array",
                  lambda net=net, numerical=numerical, asym=asym:
                  _as_form(_gc_numbers(*net, numerical, asym)))
        forms.add("one_sided", "your errors match one-sided differences (f(x + eps) - f(x)) / "
                  "eps: use the centered ones (numerical_gradients)",
                  lambda net=net: _as_form(_gc_numbers(
                      *net, _loop_grads(net[1], net[2], net[3], net[5], "one_sided"))))
        forms.add("key_names", "per_parameter's keys are the gradients' names: 'dW1', 'db1', "
                  "... (not 'W1')", {f"per_parameter[{k!r}]": MISSING_FORM for k in keys})
        what = "correct grads" if not bad else "corrupted " + ", ".join(keys[i] for i in bad)
        out.append(case(f"layer_dims = {dims}, m = {m}, eps = {eps:g}, {what}",
                        (params, X, Y, grads), expected, forms, kwargs={"eps": eps}))
    return out


def _close_error(got, exp):
    """Equal enough for an error size: below the bar when the reference is, else 0.1 %."""
    if exp < CORRECT_BELOW:
        return 0 <= got < CORRECT_BELOW
    return abs(got - exp) <= 1e-3 * abs(exp)


def _match(case_, name, got):
    """The first known wrong form that ``got`` matches within 1 % (errors are sizes)."""
    for f in case_.wrong_forms or []:
        v = f["leaves"].get(name, compare.MISSING)
        if v is compare.MISSING or isinstance(v, dict):
            continue
        if abs(got - v) <= 1e-2 * abs(v) + 1e-15:
            return f["code"], f["message"]
    return None


def _both_zero(case_, name, exp):
    """The gradient's name when ``name`` is ``per_parameter['dW1']`` and both that
    gradient and (since the reference's error is 0) its numerical one are zero."""
    if exp != 0.0 or not name.startswith("per_parameter["):
        return None
    key = name[len("per_parameter["):-1].strip("'\"")
    try:
        grad = np.asarray(case_.args[3][key], dtype=np.float64)
    except (IndexError, KeyError, TypeError, ValueError):
        return None
    return key if grad.size and not np.any(grad) else None


def _gc_leaf(check, case_, name, exp, got):
    pretty = check.pretty(name)
    if not isinstance(exp, float):
        return compare.check_leaf(check, case_, name, exp, got)
    if type(got) not in (float, int, np.float64):
        problem = f"{pretty} must be a Python float; got {compare.describe(got)}"
        return False, "not_a_float", problem
    g = float(got)
    if not np.isfinite(g):
        zero = _both_zero(case_, name, exp)
        if zero:
            return False, "zero_division", (
                f"{pretty} is {g}: here {zero} and its numerical gradient are both zero "
                "(inactive ReLU units), so ||a|| + ||b|| is 0. Likely mistake: "
                "relative_error must return 0.0 when both arrays are zero (see its "
                "feedback); gradient_check is graded with the functions it calls")
        return False, "not_finite", f"{pretty} is {g}: an error size is a finite number >= 0"
    if _close_error(g, exp):
        return True, None, None
    if exp < CORRECT_BELOW:
        problem = (f"{pretty} = {g:.3g}, but these gradients are correct: the relative error "
                   f"must be below {CORRECT_BELOW:g} (the reference finds {exp:.2g})")
    else:
        problem = (f"{pretty} = {g:.6g}; expected {exp:.6g} (within 0.1 %; these gradients "
                   "are wrong, so the error is large)")
    diag = _match(case_, name, g)
    if diag:
        return False, diag[0], f"{problem}. Likely mistake: {diag[1]}"
    return False, "wrong_values", problem


register(Check("gradient_check", ("parameters", "X", "Y", "grads"),
               ("rel_error", "per_parameter"), _gc_cases, points=2.0, weights=(0.5, 0.5),
               leaf_checker=_gc_leaf))


# --------------------------------------------------------------------------- count_parameters
def _count_cases(check, seed, hidden):
    api = _api()
    rng = case_rng(check.name, seed, hidden)
    if hidden:
        dims_list = [[int(d) for d in rng.integers(1, 80, size=int(rng.integers(2, 6)))]
                     for _ in range(3)] + [[int(rng.integers(2, 30)), 1]]
    else:
        dims_list = [[2, 16, 8, 1], [64, 64, 32, 10], [3, 1], [5, 4, 3, 2, 1]]
    out = []
    for dims in dims_list:
        n = api.count_parameters(dims)
        L = len(dims) - 1
        name = check.returns
        forms = Forms()
        forms.add("forgot_biases", "you counted only the weights: each layer also has n_l "
                  "biases, n_l * (n_{l-1} + 1) in all",
                  {name: sum(dims[l] * dims[l - 1] for l in range(1, L + 1))})
        if L > 1:
            forms.add("missing_layer", "a layer is missing: sum over l = 1, ..., L",
                      {name: sum(dims[l] * (dims[l - 1] + 1) for l in range(1, L))})
        forms.add("biases_of_inputs", "layer l has n_l biases (one per unit), not n_{l-1}: "
                  "n_l * (n_{l-1} + 1)",
                  {name: sum(dims[l - 1] * (dims[l] + 1) for l in range(1, L + 1))})
        forms.add("per_layer", "return the total, one int, not the count of each layer",
                  {name: [dims[l] * (dims[l - 1] + 1) for l in range(1, L + 1)]})
        out.append(case(f"layer_dims = {dims}", (list(dims),), n, forms))
    return out


def _count_leaf(check, case_, name, exp, got):
    pretty = check.pretty(name)
    if isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_)):
        if int(got) == exp:
            return True, None, None
        problem = f"{pretty} = {int(got)}; expected {exp}"
        diag = compare.match_forms(case_, name, got)
        if diag:
            return False, diag[0], f"{problem}. Likely mistake: {diag[1]}"
        return False, "wrong_values", problem
    problem = f"{pretty} must be an int; got {compare.describe(got)}"
    diag = compare.match_forms(case_, name, got)
    if diag:
        return False, diag[0], f"{problem}. Likely mistake: {diag[1]}"
    if isinstance(got, (float, np.floating)):
        problem += " (a count is a whole number: use int(...))"
    return False, "not_an_int", problem


register(Check("count_parameters", ("layer_dims",), "count", _count_cases, points=0.5,
               leaf_checker=_count_leaf))


# --------------------------------------------------------------------------- find_buggy_gradients
def _bug(kind, g, dZ=None, m=1):
    """A planted bug of ``kind`` applied to the right gradient ``g`` (of a ``W`` or a ``b``)."""
    if kind == "times_2":
        return 2.0 * g
    if kind == "times_m":  # the 1/m forgotten
        return m * g
    if kind == "sign":
        return -g
    if kind == "transposed":  # a square dW: the transpose fits W's shape
        return np.array(g.T, copy=True)
    if kind == "db_wrong_axis":  # summed over the units, then made to fit b's shape
        n = g.shape[0]
        over_units = dZ.sum(axis=0, keepdims=True) / m  # shape (1, m)
        if over_units.shape[1] == n:
            return np.array(over_units.T, copy=True)
        return np.full((n, 1), over_units.sum())
    raise ValueError(kind)


_BUG_TEXT = {"times_2": "times 2", "times_m": "times m (no 1/m)", "sign": "sign flipped",
             "transposed": "transposed", "db_wrong_axis": "summed over the wrong axis"}

#: public cases: layer_dims, m, eps, threshold, the planted bugs as (key, kind), the
#: scale of X (a small one makes dW1 small: where an absolute error misses its bug)
_FBG_PUBLIC = [
    ([3, 4, 4, 1], 4, 1e-6, 1e-7, (), 1.0),
    ([3, 2, 1], 1, 1e-6, 1e-7, (("dW2", "sign"),), 1.0),
    ([2, 3, 3, 1], 3, 1e-6, 1e-7, (("db1", "db_wrong_axis"), ("dW2", "transposed")), 1.0),
    ([4, 3, 1], 5, 1e-4, 1e-7, (("db2", "times_m"),), 1.0),
    ([3, 4, 1], 4, 1e-6, 1e-2, (("dW1", "times_2"),), 1e-2),
]


def _fbg_setups(rng, hidden):
    if not hidden:
        return [list(s) for s in _FBG_PUBLIC]
    out = []
    for i in range(5):
        n0, n1 = int(rng.integers(2, 5)), int(rng.integers(2, 5))
        m = (1, n1, int(rng.integers(2, 6)), int(rng.integers(2, 6)), 4)[i]
        dims = ([n0, n1, 1], [n0, n1, n1, 1], [n0, n1, n1, 1], [n0, n1, 1], [n0, n1, 1])[i]
        eps = (1e-6, 1e-6, 1e-6, 1e-4, 1e-6)[i]
        threshold, scale = (1e-2, 1e-2) if i == 4 else (1e-7, 1.0)
        L = len(dims) - 1
        if i == 0:
            bugs = ()
        elif i == 1:  # db1 wrong axis (m = n1 makes it fit) and a square dW2 transposed
            bugs = (("db1", "db_wrong_axis"), ("dW2", "transposed"))
        elif i == 2:  # two of times 2, sign, times m, anywhere; one before a dW after it
            kinds = ["times_2", "sign"] + (["times_m"] if m > 1 else [])
            lo = int(rng.integers(1, L))
            bugs = ((f"db{lo}", str(rng.choice(kinds))),
                    (f"dW{int(rng.integers(lo + 1, L + 1))}", str(rng.choice(kinds))))
        elif i == 3:
            key = str(rng.choice([f"{p}{l}" for l in range(1, L + 1) for p in ("dW", "db")]))
            bugs = ((key, str(rng.choice(["times_2", "sign", "times_m"]))),)
        else:
            bugs = (("dW1", "times_2"),)
        out.append([dims, m, eps, threshold, bugs, scale])
    return out


def _fbg_flags(errors, threshold):
    return sorted(k for k, v in errors.items() if v > threshold)


def _fbg_network(rng, dims, m, eps, threshold, bugs, scale):
    """A network, its right gradients (from the reference backward) and the planted ones,
    such that every right gradient is far below the threshold and every planted one far
    above it."""
    nn = ref()
    api = _api()
    for _ in range(100):
        params, X, Y = _network(rng, dims, m)
        if scale != 1.0:  # X in other units: dW1 shrinks with X, Z1 stays the same
            X = X * scale
            params["W1"] = params["W1"] / scale
        AL, caches = nn.L_model_forward(X, params)
        right = nn.L_model_backward(AL, Y, caches)
        numerical = _numerical(params, X, Y, eps)
        errors = {k: api.relative_error(right[k], numerical[k]) for k in numerical}
        if max(errors.values()) > threshold / 10:
            continue
        grads = {k: np.array(v, copy=True) for k, v in right.items()}
        L = len(dims) - 1
        for key, kind in bugs:
            l = int(key[2:])
            dZ = AL - Y if l == L else right[f"dA{l}"] * (caches[l - 1][1] > 0)
            grads[key] = _bug(kind, right[key], dZ, m)
        errors = {k: api.relative_error(grads[k], numerical[k]) for k in numerical}
        planted = {k for k, _ in bugs}
        small = scale == 1.0 or all(_norm(grads[k] - numerical[k]) < threshold / 2
                                    for k in planted)  # an absolute error misses them
        if small and all(errors[k] > 10 * threshold for k in planted) and \
                all(np.linalg.norm(right[k]) > 1e-3 * scale for k in numerical):
            return params, X, Y, grads, numerical, errors
    raise RuntimeError(f"no network for the planted bugs {bugs} found ({dims}, m = {m})")


def _fbg_cases(check, seed, hidden):
    rng = case_rng(check.name, seed, hidden)
    out = []
    for dims, m, eps, threshold, bugs, scale in _fbg_setups(rng, hidden):
        params, X, Y, grads, numerical, errors = _fbg_network(rng, dims, m, eps, threshold,
                                                              bugs, scale)
        expected = _api().find_buggy_gradients(params, X, Y, grads, eps=eps,
                                               threshold=threshold)
        assert expected == sorted(k for k, _ in bugs), (expected, bugs)
        keys = list(numerical)
        forms = Forms()
        name = check.returns
        total = _api().relative_error(np.concatenate([np.ravel(grads[k]) for k in keys]),
                                      np.concatenate([np.ravel(numerical[k]) for k in keys]))
        forms.add("absolute_error", "you compared the absolute error ||dp - num_p|| with the "
                  "threshold: it depends on the gradient's scale (a small gradient's bug "
                  "hides). Use the relative error ||dp - num_p|| / (||dp|| + ||num_p||)",
                  {name: _fbg_flags({k: _norm(np.asarray(grads[k]) - numerical[k])
                                     for k in keys}, threshold)})
        forms.add("overall_threshold", "you compared the overall relative error (all the "
                  "parameters as one vector) with the threshold, so every key or none is "
                  "returned: compare each gradient's own relative error with the threshold",
                  {name: sorted(keys) if total > threshold else []})

        def forward(params=params, X=X, Y=Y, eps=eps, grads=grads, keys=keys,
                    threshold=threshold, name=name):
            one = _loop_grads(params, X, Y, eps, "one_sided")
            errors = {k: float(_api().relative_error(grads[k], one[k])) for k in keys}
            # the errors too: near the threshold a key may go either way (_fits_one_sided)
            return {name: _fbg_flags(errors, threshold), _ONE_SIDED_ERRORS: errors}

        forms.add("one_sided", _FBG_ONE_SIDED, forward)
        planted = ", ".join(f"{k} {_BUG_TEXT[kind]}" for k, kind in bugs) or "no bug"
        label = f"layer_dims = {dims}, m = {m}, eps = {eps:g}"
        if threshold != CORRECT_BELOW:
            label += f", threshold = {threshold:g}"
        if scale != 1.0:
            label += f", X scaled by {scale:g}"
        # the expected keys travel as one string, so that the list is judged as a whole
        out.append(case(f"{label}, planted: {planted}", (params, X, Y, grads),
                        ", ".join(expected), forms,
                        kwargs={"eps": eps, "threshold": threshold},
                        errors={k: float(v) for k, v in errors.items()},
                        threshold=float(threshold)))
    return out


#: The one-sided form's relative errors (a leaf of the form, not of the result).
_ONE_SIDED_ERRORS = "one_sided_errors"
#: A right gradient's one-sided error within this factor of the threshold may be flagged
#: or not: the student's differences and the form's differ in the last bits.
_ONE_SIDED_BAND = 1.25

_FBG_ONE_SIDED = (
    "the list holds right gradients too: the numerical gradients your function compares "
    "with are one-sided, (f(x + eps) - f(x)) / eps, whose error O(eps) lifts the relative "
    "error of a right gradient above the threshold. find_buggy_gradients is graded with "
    "the functions it calls: use the centered difference (f(x + eps) - f(x - eps)) / "
    "(2 * eps) in numerical_gradient (see numerical_gradients' feedback)")
_FBG_ALL_FLAGGED = (
    "every gradient is flagged, the right ones too. Two mistakes give this list here: "
    "one-sided numerical gradients, (f(x + eps) - f(x)) / eps, in the numerical_gradient "
    "or numerical_gradients your function relies on (their error lifts every right "
    "gradient above the threshold), or comparing the overall relative error with the "
    "threshold instead of each gradient's own. If numerical_gradients passes its check, "
    "it is the second")


def _fits_one_sided(got, errors, threshold):
    """Whether ``got`` is what one-sided numerical gradients flag: every key whose
    one-sided error is clearly above the threshold, none clearly below it."""
    if not isinstance(errors, dict) or not errors or not set(got) <= set(errors):
        return False
    for k, e in errors.items():
        ratio = e / threshold if threshold > 0 else float("inf")
        if ratio > _ONE_SIDED_BAND and k not in got:
            return False
        if ratio < 1 / _ONE_SIDED_BAND and k in got:
            return False
    return True


def _fbg_form_verdict(case_, name, got, threshold):
    """``(code, message)`` of the known mistake that explains ``got``, or ``None``.

    One-sided differences (a mistake in the functions this one calls, bob's) are judged
    on their errors, with a band around the threshold; comparing the overall error flags
    every key or none. When both explain the list (every key flagged), the message says
    so (``all_flagged``) rather than naming one of them."""
    forms = list(case_.wrong_forms or [])
    one = next((f for f in forms if f["code"] == "one_sided"), None)
    one_fits = one is not None and _fits_one_sided(
        got, one["leaves"].get(_ONE_SIDED_ERRORS), threshold)
    for f in forms:
        v = f["leaves"].get(name, compare.MISSING)
        if f["code"] == "one_sided" or not isinstance(v, list) or sorted(v) != sorted(got):
            continue
        if one_fits and f["code"] == "overall_threshold":
            return "all_flagged", _FBG_ALL_FLAGGED
        if not one_fits:
            return f["code"], f["message"]
    if one_fits:
        return "one_sided", one["message"]
    return None


def _fbg_leaf(check, case_, name, exp, got):
    """The returned list as a whole: the sorted names of the flagged gradients."""
    want = exp.split(", ") if exp else []
    errors = case_.extra.get("errors", {})
    threshold = case_.extra.get("threshold", CORRECT_BELOW)
    if type(got) not in (list, tuple) or not all(type(k) is str for k in got):
        what = compare.describe(got)
        return False, "not_a_list", (f"{name} must be a list of str (gradient names such as "
                                     f"'dW1'); got {what}: return sorted(...) of the names")
    got = list(got)  # a tuple of the right names is accepted too
    if got == want:
        return True, None, None
    shown = f"{name} = {got!r}; expected {want!r}"
    if sorted(got) == want:
        return False, "unsorted", (f"{shown}: the right names, in another order. Return them "
                                   "sorted as Python sorts strings: sorted(keys) puts 'dW2' "
                                   "before 'db1' (capital letters first)")
    renamed = sorted("d" + k if k[:1] in ("W", "b") else k for k in got)
    if renamed == want:
        return False, "parameter_names", (f"{shown}: name the gradients ('dW1', 'db2', ...), "
                                          "not the parameters ('W1', 'b2')")
    diag = _fbg_form_verdict(case_, name, got, threshold)
    if diag:
        return False, diag[0], f"{shown}. Likely mistake: {diag[1]}"
    parts = []
    for k in got:
        if k not in errors:
            parts.append(f"{k!r} is not one of the gradients {sorted(errors)}")
        elif k not in want:
            parts.append(f"{k} agrees with the centered differences (relative error "
                         f"{errors[k]:.1e}, below the threshold {threshold:g})")
    for k in want:
        if k not in got:
            parts.append(f"{k} is wrong (relative error {errors.get(k, float('nan')):.2g}, "
                         f"above the threshold {threshold:g}) but is missing")
    if len(set(got)) < len(got):
        parts.append("some names appear twice")
    return False, "wrong_values", shown + (": " + "; ".join(parts) if parts else "")


register(Check("find_buggy_gradients", ("parameters", "X", "Y", "grads"), "keys",
               _fbg_cases, points=1.5, leaf_checker=_fbg_leaf))


# --------------------------------------------------------------------------- multilabel
def _softmax(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _ml_numerical(Z, Y, eps, loss, mode="centered"):
    """Entry-by-entry differences of ``loss(Z, Y)`` with a classic mistake or none."""
    Z = np.array(Z, dtype=np.float64)
    base = loss(Z, Y)
    num = np.empty_like(Z)
    for idx in np.ndindex(*Z.shape):
        old = Z[idx]
        Z[idx] = old + eps
        plus = loss(Z, Y)
        Z[idx] = old - eps
        minus = loss(Z, Y)
        if mode != "not_restored":
            Z[idx] = old
        if mode == "one_sided":
            num[idx] = (plus - base) / eps
        elif mode == "factor_2":
            num[idx] = (plus - minus) / eps
        else:
            num[idx] = (plus - minus) / (2 * eps)
    return num


def _softmax_loss(Z, Y):
    with np.errstate(all="ignore"):
        return float(-np.sum(Y * np.log(_softmax(Z))))


def _per_label(dZ, num, rel):
    return np.array([rel(dZ[c], num[c]) for c in range(num.shape[0])], dtype=np.float64)


_ML_PUBLIC = [((3, 4), "right"), ((4, 1), "softmax"), ((2, 5), "one_label_x2"),
              ((5, 3), "right"), ((3, 6), "one_label_sign")]
_ML_WHAT = {"right": "dZ = A - Y", "softmax": "dZ = softmax(Z) - Y (the multiclass formula)",
            "one_label_x2": "dZ = A - Y, one label times 2",
            "one_label_sign": "dZ = A - Y, one label's sign flipped"}


def _ml_cases(check, seed, hidden):
    api = _api()
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    if hidden:
        setups = [((int(rng.integers(2, 6)), int(rng.integers(2, 7))), kind)
                  for kind in ("right", "softmax", "one_label_sign")]
        setups.append(((int(rng.integers(2, 6)), 1), "one_label_x2"))
    else:
        setups = list(_ML_PUBLIC)
    out = []
    for (C, m), kind in setups:
        Z = rng.uniform(-3, 3, size=(C, m))
        Y = (rng.random((C, m)) < 0.5).astype(np.float64)
        if m >= 2:  # a column with several labels on and one with none
            Y[:, 0] = 1.0
            Y[:, 1] = 0.0
        A = nn.sigmoid(Z)
        dZ = A - Y
        if kind == "softmax":
            dZ = _softmax(Z) - Y
        elif kind != "right":
            c = int(rng.integers(C))
            dZ[c] = 2 * dZ[c] if kind == "one_label_x2" else -dZ[c]
        eps = 1e-6 if m != 1 else 1e-5
        num, per = api.multilabel_gradient_check(Z, Y, dZ, eps=eps)
        forms = Forms()

        def lazy(mode=None, scale=None, other=None, Z=Z, Y=Y, eps=eps, dZ=dZ, num=num):
            def make():
                if scale is not None:
                    g = num * scale
                else:
                    g = _ml_numerical(Z, Y, eps, other or api.multilabel_loss,
                                      mode or "centered")
                return {"dZ_numerical": g, "per_label": _per_label(dZ, g, api.relative_error)}
            return make

        forms.add("factor_2", "your numerical gradient is twice too large: a centered "
                  "difference divides by 2 * eps", lazy(scale=2.0))
        forms.add("one_sided", "your numerical gradient matches the one-sided difference "
                  "(L(Z + eps) - L(Z)) / eps: use the centered one, (L(Z + eps) - "
                  "L(Z - eps)) / (2 * eps)", lazy(mode="one_sided"))
        forms.add("not_restored", "each entry of Z stays at z - eps after its difference: "
                  "put the old value back before moving on", lazy(mode="not_restored"))
        if m > 1:
            forms.add("averaged_over_m", f"your numerical gradient is m = {m} times too "
                      "small: differentiate multilabel_loss, the sum over the examples "
                      "(dZ = A - Y is per example; the 1/m comes in linear_backward)",
                      lazy(scale=1.0 / m))
        if C > 1:
            forms.add("softmax_loss", "you differentiated the multiclass cross-entropy "
                      "-sum(Y * log(softmax(Z))): with several labels per example each label "
                      "is its own sigmoid and binary cross-entropy (multilabel_loss)",
                      lazy(other=_softmax_loss))
        forms.add("sign_error", "your numerical gradient has the wrong sign: L(Z + eps) "
                  "comes first", lazy(scale=-1.0))
        forms.add("not_relative", "per_label holds absolute errors ||dZ[c] - num[c]||: "
                  "divide by ||dZ[c]|| + ||num[c]||",
                  {"per_label": _per_label(dZ, num, lambda a, b: _norm(a - b))})
        if m != C:
            forms.add("per_example", f"per_label has one error per example (shape ({m},)):"
                      f" it needs one per label, a row of Z, shape ({C},)",
                      {"per_label": shape_only((m,))})
        forms.add("one_number", "per_label must hold one relative error per label (row), "
                  f"an array of shape ({C},), not one error for the whole matrix",
                  {"per_label": float(api.relative_error(dZ, num))})
        label = f"C = {C}, m = {m}, {_ML_WHAT[kind]}"
        out.append(case(label, (Z, Y, dZ), (num, per), forms, kwargs={"eps": eps},
                        tol=(1e-5, 1e-8)))
    return out


def _ml_leaf(check, case_, name, exp, got):
    """``dZ_numerical`` as an array (rtol 1e-5); ``per_label`` entry by entry as sizes:
    below the bar where the reference is, else within 0.1 %."""
    if name != "per_label":
        return compare.check_leaf(check, case_, name, exp, got)
    pretty = check.pretty(name)
    if type(got) is not np.ndarray or got.dtype.kind != "f" or got.shape != exp.shape:
        problem = (f"{pretty} must be a float array of shape {exp.shape} (one relative "
                   f"error per label); got {compare.describe(got)}")
        diag = compare.match_forms(case_, name, got)
        code = diag[0] if diag else ("wrong_shape" if type(got) is np.ndarray
                                     else "not_an_array")
        return False, code, problem + (f". Likely mistake: {diag[1]}" if diag else "")
    g = got.astype(np.float64)
    bar = 1e-7
    for c, (e, v) in enumerate(zip(exp.tolist(), g.tolist(), strict=True)):
        ok = (0 <= v < bar) if e < bar else abs(v - e) <= 1e-3 * abs(e)
        if ok:
            continue
        if e < bar:
            problem = (f"{pretty}[{c}] = {v:.3g}, but label {c} of dZ is right: its relative "
                       f"error must be below {bar:g} (the reference finds {e:.2g})")
        else:
            problem = (f"{pretty}[{c}] = {v:.6g}; expected {e:.6g} (within 0.1 %: label {c} "
                       "of dZ is wrong, so its error is large)")
        for f in case_.wrong_forms or []:
            w = f["leaves"].get(name, compare.MISSING)
            if isinstance(w, np.ndarray) and w.shape == g.shape and \
                    np.allclose(g, w, rtol=1e-2, atol=1e-15):
                return False, f["code"], f"{problem}. Likely mistake: {f['message']}"
        return False, "wrong_values", problem
    return True, None, None


register(Check("multilabel_gradient_check", ("Z", "Y", "dZ"), ("dZ_numerical", "per_label"),
               _ml_cases, points=1.5, weights=(0.6, 0.4), leaf_checker=_ml_leaf))
