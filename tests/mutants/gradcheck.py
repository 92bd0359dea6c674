"""Mutants and correct variants of the gradient-checking functions (assignment 5)."""

from __future__ import annotations

import math

import numpy as np

from course.nn import gradcheck_api as api

from ._registry import correct, mutant
from .tricks import AlwaysEqual, SneakyArray, SneakyFloat, _map


# --------------------------------------------------------------------------- helpers
def _cost(parameters, X, Y, average=True):
    """The graded network's cost, written independently of course.nn."""
    L = len(parameters) // 2
    A = X
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        A = 1 / (1 + np.exp(-Z)) if l == L else np.maximum(Z, 0)
    total = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return float(total / X.shape[1] if average else total)


def _layer_keys(parameters):
    L = len(parameters) // 2
    return [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}")]


def _num_grads(parameters, X, Y, eps, diff):
    """Loop over every entry of a copy; ``diff(f, x, i, eps)`` gives one derivative."""
    params = {k: np.array(v, dtype=np.float64) for k, v in parameters.items()}
    grads = {}
    for key in _layer_keys(params):
        x = params[key].copy()
        g = np.zeros_like(x)
        for i in range(x.size):
            def f(v, key=key):
                return _cost({**params, key: v}, X, Y)
            g.flat[i] = diff(f, x, i, eps)
        grads["d" + key] = g
    return grads


def _centered(f, x, i, eps):
    old = x.flat[i]
    x.flat[i] = old + eps
    fp = f(x)
    x.flat[i] = old - eps
    fm = f(x)
    x.flat[i] = old
    return (fp - fm) / (2 * eps)


def _rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if d == 0 else float(np.linalg.norm(a - b) / d)


# ========== relative_error
@correct("relative_error")
def rel_linalg(a, b):
    num = np.linalg.norm(a - b)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return float(num / den) if den > 0 else 0.0


@correct("relative_error")
def rel_sqrt_sum(a, b):
    num = np.sqrt(np.sum((a - b) ** 2))
    den = np.sqrt(np.sum(a**2)) + np.sqrt(np.sum(b**2))
    if den == 0:
        return 0.0
    return num / den  # a numpy float64 is accepted


@correct("relative_error")
def rel_loops(a, b):
    sa = sb = sd = 0.0
    for x, y in zip(np.ravel(a).tolist(), np.ravel(b).tolist(), strict=True):
        sa, sb, sd = sa + x * x, sb + y * y, sd + (x - y) ** 2
    den = math.sqrt(sa) + math.sqrt(sb)
    return math.sqrt(sd) / den if den else 0.0


@mutant("relative_error", "asymmetric")
def rel_over_a(a, b):
    na = np.linalg.norm(a)
    return float(np.linalg.norm(a - b) / na) if na else 0.0


@mutant("relative_error", "squared_norms")
def rel_squared(a, b):
    den = np.sum(a**2) + np.sum(b**2)
    return float(np.sum((a - b) ** 2) / den) if den else 0.0


@mutant("relative_error", "not_a_float")
def rel_elementwise(a, b):
    return np.abs(a - b) / (np.abs(a) + np.abs(b) + 1e-12)


@mutant("relative_error", "zero_division")
def rel_no_zero_guard(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


@mutant("relative_error", "not_relative")
def rel_absolute(a, b):
    return float(np.linalg.norm(a - b))


@mutant("relative_error", "asymmetric")
def rel_max(a, b):
    den = max(np.linalg.norm(a), np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / den) if den else 0.0


# ========== params_to_vector
@correct("params_to_vector")
def p2v_concat(parameters):
    L = len(parameters) // 2
    return np.concatenate([parameters[k + str(l)].reshape(-1)
                           for l in range(1, L + 1) for k in ("W", "b")])


@correct("params_to_vector")
def p2v_hstack(parameters):
    L = len(parameters) // 2
    parts = []
    for l in range(1, L + 1):
        parts += [parameters[f"W{l}"].flatten(), parameters[f"b{l}"].flatten()]
    return np.hstack(parts)


@correct("params_to_vector")
def p2v_list(parameters):
    values = []
    for l in range(1, len(parameters) // 2 + 1):
        for key in (f"W{l}", f"b{l}"):
            values.extend(parameters[key].ravel().tolist())
    return np.array(values, dtype=np.float64)


@mutant("params_to_vector", "key_order")
def p2v_sorted(parameters):
    return np.concatenate([parameters[k].ravel() for k in sorted(parameters)])


@mutant("params_to_vector", "dict_order")
def p2v_dict_order(parameters):
    return np.concatenate([v.ravel() for v in parameters.values()])


@mutant("params_to_vector", "fortran_order")
def p2v_fortran(parameters):
    return np.concatenate([parameters[k].ravel(order="F") for k in _layer_keys(parameters)])


@mutant("params_to_vector", "forgot_biases")
def p2v_weights_only(parameters):
    L = len(parameters) // 2
    return np.concatenate([parameters[f"W{l}"].ravel() for l in range(1, L + 1)])


@mutant("params_to_vector", "column_vector")
def p2v_column(parameters):
    return api.params_to_vector(parameters).reshape(-1, 1)


# ========== vector_to_params
@correct("vector_to_params")
def v2p_offsets(theta, layer_dims):
    out, i = {}, 0
    for l in range(1, len(layer_dims)):
        n, p = layer_dims[l], layer_dims[l - 1]
        out[f"W{l}"] = theta[i:i + n * p].reshape(n, p)
        i += n * p
        out[f"b{l}"] = theta[i:i + n].reshape(n, 1)
        i += n
    return out


@correct("vector_to_params")
def v2p_split(theta, layer_dims):
    sizes = []
    for l in range(1, len(layer_dims)):
        sizes += [layer_dims[l] * layer_dims[l - 1], layer_dims[l]]
    pieces = np.split(theta, np.cumsum(sizes)[:-1])
    out = {}
    for l in range(1, len(layer_dims)):
        w, b = pieces[2 * l - 2], pieces[2 * l - 1]
        out["W" + str(l)] = np.array(w).reshape((layer_dims[l], layer_dims[l - 1]))
        out["b" + str(l)] = np.array(b)[:, None]
    return out


@correct("vector_to_params")
def v2p_loops(theta, layer_dims):
    out, i = {}, 0
    for l in range(1, len(layer_dims)):
        W = np.zeros((layer_dims[l], layer_dims[l - 1]))
        for r in range(W.shape[0]):
            for c in range(W.shape[1]):
                W[r, c] = theta[i]
                i += 1
        b = np.zeros((layer_dims[l], 1))
        for r in range(b.shape[0]):
            b[r, 0] = theta[i]
            i += 1
        out[f"W{l}"], out[f"b{l}"] = W, b
    return out


@mutant("vector_to_params", "b_no_column")
def v2p_flat_b(theta, layer_dims):
    out = v2p_offsets(theta, layer_dims)
    return {k: (v.ravel() if k[0] == "b" else v) for k, v in out.items()}


@mutant("vector_to_params", "transposed_W")
def v2p_transposed_shape(theta, layer_dims):
    out, i = {}, 0
    for l in range(1, len(layer_dims)):
        n, p = layer_dims[l], layer_dims[l - 1]
        out[f"W{l}"] = theta[i:i + n * p].reshape(p, n)
        i += n * p
        out[f"b{l}"] = theta[i:i + n].reshape(n, 1)
        i += n
    return out


@mutant("vector_to_params", "fortran_order")
def v2p_fortran(theta, layer_dims):
    out, i = {}, 0
    for l in range(1, len(layer_dims)):
        n, p = layer_dims[l], layer_dims[l - 1]
        out[f"W{l}"] = theta[i:i + n * p].reshape((n, p), order="F")
        i += n * p
        out[f"b{l}"] = theta[i:i + n].reshape(n, 1)
        i += n
    return out


@mutant("vector_to_params", "key_order")
def v2p_weights_first(theta, layer_dims):
    out, i = {}, 0
    L = len(layer_dims) - 1
    for l in range(1, L + 1):
        n, p = layer_dims[l], layer_dims[l - 1]
        out[f"W{l}"] = theta[i:i + n * p].reshape(n, p)
        i += n * p
    for l in range(1, L + 1):
        out[f"b{l}"] = theta[i:i + layer_dims[l]].reshape(-1, 1)
        i += layer_dims[l]
    return out


@mutant("vector_to_params", "missing_layer")
def v2p_off_by_one(theta, layer_dims):
    out = v2p_offsets(theta, layer_dims)
    L = len(layer_dims) - 1
    del out[f"W{L}"], out[f"b{L}"]
    return out


# ========== numerical_gradients
@correct("numerical_gradients")
def ng_loop(parameters, X, Y, eps=1e-6):
    return _num_grads(parameters, X, Y, eps, _centered)


@correct("numerical_gradients")
def ng_nditer(parameters, X, Y, eps=1e-6):
    grads = {}
    for key in _layer_keys(parameters):
        g = np.zeros(parameters[key].shape)
        it = np.nditer(parameters[key], flags=["multi_index"])
        for _ in it:
            idx = it.multi_index
            plus = {k: v.copy() for k, v in parameters.items()}
            minus = {k: v.copy() for k, v in parameters.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            g[idx] = (_cost(plus, X, Y) - _cost(minus, X, Y)) / (2 * eps)
        grads["d" + key] = g
    return grads


@correct("numerical_gradients")
def ng_via_vector(parameters, X, Y, eps=1e-6):
    """Through one flat vector, as the notebook's gradient check does."""
    L = len(parameters) // 2
    dims = [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]
    theta = api.params_to_vector(parameters)
    g = np.zeros_like(theta)
    for i in range(theta.size):
        tp, tm = theta.copy(), theta.copy()
        tp[i] += eps
        tm[i] -= eps
        g[i] = (_cost(api.vector_to_params(tp, dims), X, Y)
                - _cost(api.vector_to_params(tm, dims), X, Y)) / (2 * eps)
    return {"d" + k: v for k, v in api.vector_to_params(g, dims).items()}


@mutant("numerical_gradients", "one_sided")
def ng_one_sided(parameters, X, Y, eps=1e-6):
    def diff(f, x, i, eps):
        old = x.flat[i]
        x.flat[i] = old + eps
        fp = f(x)
        x.flat[i] = old
        return (fp - f(x)) / eps

    return _num_grads(parameters, X, Y, eps, diff)


@mutant("numerical_gradients", "factor_2")
def ng_over_eps(parameters, X, Y, eps=1e-6):
    return {k: 2 * v for k, v in _num_grads(parameters, X, Y, eps, _centered).items()}


@mutant("numerical_gradients", "not_restored")
def ng_not_restored(parameters, X, Y, eps=1e-6):
    params = {k: np.array(v, dtype=np.float64) for k, v in parameters.items()}
    grads = {}
    for key in _layer_keys(params):
        x = params[key]
        g = np.zeros_like(x)
        for i in range(x.size):
            x.flat[i] += eps
            fp = _cost(params, X, Y)
            x.flat[i] -= 2 * eps
            fm = _cost(params, X, Y)
            g.flat[i] = (fp - fm) / (2 * eps)
        grads["d" + key] = g
    return grads


@mutant("numerical_gradients", "mutated_input")
def ng_in_place(parameters, X, Y, eps=1e-6):
    """Perturbs the caller's arrays and 'restores' them by arithmetic: off by round-off."""
    grads = {}
    for key in _layer_keys(parameters):
        x = parameters[key]
        g = np.zeros_like(x)
        for i in range(x.size):
            x.flat[i] += eps
            fp = _cost(parameters, X, Y)
            x.flat[i] -= 2 * eps
            fm = _cost(parameters, X, Y)
            x.flat[i] += eps
            g.flat[i] = (fp - fm) / (2 * eps)
        grads["d" + key] = g
    return grads


@mutant("numerical_gradients", "summed_not_averaged")
def ng_summed_cost(parameters, X, Y, eps=1e-6):
    return {k: v * X.shape[1] for k, v in _num_grads(parameters, X, Y, eps, _centered).items()}


# ========== gradient_check
def _check(parameters, X, Y, grads, eps, rel=_rel, combine="global", diff=_centered,
           prefix="d"):
    num = _num_grads(parameters, X, Y, eps, diff)
    keys = list(num)
    per = {(k if prefix == "d" else k[1:]): float(rel(grads[k], num[k])) for k in keys}
    if combine == "mean":
        return float(np.mean(list(per.values()))), per
    a = np.concatenate([np.ravel(grads[k]) for k in keys])
    b = np.concatenate([num[k].ravel() for k in keys])
    return float(rel(a, b)), per


@correct("gradient_check")
def gc_loop(parameters, X, Y, grads, eps=1e-6):
    return _check(parameters, X, Y, grads, eps)


@correct("gradient_check")
def gc_vectors(parameters, X, Y, grads, eps=1e-6):
    num = ng_via_vector(parameters, X, Y, eps)
    per = {k: _rel(grads[k], num[k]) for k in num}
    theta_a = np.concatenate([grads[k].ravel() for k in num])
    theta_n = np.concatenate([num[k].ravel() for k in num])
    return _rel(theta_a, theta_n), per


@correct("gradient_check")
def gc_list_result(parameters, X, Y, grads, eps=1e-6):
    """A list instead of a tuple, errors computed by rel_sqrt_sum (numpy floats)."""
    num = ng_nditer(parameters, X, Y, eps)
    per = {k: rel_sqrt_sum(np.asarray(grads[k]), v) for k, v in num.items()}
    a = np.concatenate([np.ravel(grads[k]) for k in num])
    b = np.concatenate([np.ravel(v) for v in num.values()])
    return [rel_sqrt_sum(a, b), per]


@mutant("gradient_check", "not_relative")
def gc_absolute(parameters, X, Y, grads, eps=1e-6):
    return _check(parameters, X, Y, grads, eps, rel=lambda a, b: np.linalg.norm(a - b))


@mutant("gradient_check", "averaged_errors")
def gc_mean(parameters, X, Y, grads, eps=1e-6):
    return _check(parameters, X, Y, grads, eps, combine="mean")


@mutant("gradient_check", "asymmetric")
def gc_over_a(parameters, X, Y, grads, eps=1e-6):
    return _check(parameters, X, Y, grads, eps, rel=rel_over_a)


@mutant("gradient_check", "one_sided")
def gc_one_sided(parameters, X, Y, grads, eps=1e-6):
    def diff(f, x, i, eps):
        old = x.flat[i]
        x.flat[i] = old + eps
        fp = f(x)
        x.flat[i] = old
        return (fp - f(x)) / eps

    return _check(parameters, X, Y, grads, eps, diff=diff)


@mutant("gradient_check", "key_names")
def gc_param_names(parameters, X, Y, grads, eps=1e-6):
    return _check(parameters, X, Y, grads, eps, prefix="")


# ========== find_buggy_gradients
def _errors(parameters, X, Y, grads, eps, rel=_rel, diff=_centered):
    num = _num_grads(parameters, X, Y, eps, diff)
    return {k: float(rel(grads[k], num[k])) for k in num}


@correct("find_buggy_gradients")
def fbg_loop(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    return sorted(k for k, v in _errors(parameters, X, Y, grads, eps).items() if v > threshold)


@correct("find_buggy_gradients")
def fbg_via_gradient_check(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    """Built on the graded gradient_check (its correct variant gc_vectors)."""
    _, per = gc_vectors(parameters, X, Y, grads, eps)
    bad = []
    for key, err in per.items():
        if err > threshold:
            bad.append(key)
    bad.sort()
    return bad


@correct("find_buggy_gradients")
def fbg_comprehension_over_grads(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    """Walks the grads dict (dA keys skipped) with rel_sqrt_sum's numpy floats."""
    num = ng_nditer(parameters, X, Y, eps)
    return sorted([k for k in grads if k in num
                   and rel_sqrt_sum(np.asarray(grads[k]), num[k]) > threshold])


@mutant("find_buggy_gradients", "unsorted")
def fbg_layer_order(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    return [k for k, v in _errors(parameters, X, Y, grads, eps).items() if v > threshold]


@mutant("find_buggy_gradients", "parameter_names")
def fbg_param_names(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    return sorted(k[1:] for k, v in _errors(parameters, X, Y, grads, eps).items()
                  if v > threshold)


@mutant("find_buggy_gradients", "overall_threshold")
def fbg_overall(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    total, per = _check(parameters, X, Y, grads, eps)
    return sorted(per) if total > threshold else []


@mutant("find_buggy_gradients", "one_sided")
def fbg_forward(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    def diff(f, x, i, eps):
        old = x.flat[i]
        x.flat[i] = old + eps
        fp = f(x)
        x.flat[i] = old
        return (fp - f(x)) / eps

    errors = _errors(parameters, X, Y, grads, eps, diff=diff)
    return sorted(k for k, v in errors.items() if v > threshold)


@mutant("find_buggy_gradients", "absolute_error")
def fbg_absolute(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    errors = _errors(parameters, X, Y, grads, eps, rel=lambda a, b: np.linalg.norm(a - b))
    return sorted(k for k, v in errors.items() if v > threshold)


@mutant("find_buggy_gradients", "not_a_list")
def fbg_set(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    return {k for k, v in _errors(parameters, X, Y, grads, eps).items() if v > threshold}


@mutant("find_buggy_gradients", "wrong_values")
def fbg_inverted(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    """The gradients that agree instead of those that do not."""
    return sorted(k for k, v in _errors(parameters, X, Y, grads, eps).items() if v <= threshold)


# ========== multilabel_gradient_check
def _ml_loss(Z, Y):
    A = 1 / (1 + np.exp(-Z))
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def _ml(Z, Y, dZ, eps, loss=_ml_loss, diff=_centered, rel=_rel, scale=1.0):
    x = np.array(Z, dtype=np.float64)
    num = np.zeros_like(x)
    for i in range(x.size):
        num.flat[i] = scale * diff(lambda v: loss(v, Y), x, i, eps)
    return num, np.array([rel(dZ[c], num[c]) for c in range(x.shape[0])])


@correct("multilabel_gradient_check")
def ml_loop(Z, Y, dZ, eps=1e-6):
    return _ml(Z, Y, dZ, eps)


@correct("multilabel_gradient_check")
def ml_via_numerical_gradient(Z, Y, dZ, eps=1e-6):
    """The notebook's way: a numerical_gradient(f, x) of the summed loss, rel_linalg per row."""
    def numerical_gradient(f, x, eps):
        x = np.array(x, dtype=np.float64)
        grad = np.zeros_like(x)
        for idx in np.ndindex(*x.shape):
            old = x[idx]
            x[idx] = old + eps
            fp = f(x)
            x[idx] = old - eps
            fm = f(x)
            x[idx] = old
            grad[idx] = (fp - fm) / (2 * eps)
        return grad

    num = numerical_gradient(lambda z: api.multilabel_loss(z, Y), Z, eps)
    return num, np.array([rel_linalg(dZ[c], num[c]) for c in range(Z.shape[0])])


@correct("multilabel_gradient_check")
def ml_nditer_list(Z, Y, dZ, eps=1e-6):
    """np.nditer over the entries, a list result, errors gathered with np.fromiter."""
    x = np.array(Z, dtype=np.float64)
    num = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += eps
        minus[idx] -= eps
        num[idx] = (_ml_loss(plus, Y) - _ml_loss(minus, Y)) / (2 * eps)
    per = np.fromiter((rel_sqrt_sum(dZ[c], num[c]) for c in range(x.shape[0])), dtype=float)
    return [num, per]


@mutant("multilabel_gradient_check", "factor_2")
def ml_factor_2(Z, Y, dZ, eps=1e-6):
    return _ml(Z, Y, dZ, eps, scale=2.0)


@mutant("multilabel_gradient_check", "one_sided")
def ml_one_sided(Z, Y, dZ, eps=1e-6):
    def diff(f, x, i, eps):
        old = x.flat[i]
        x.flat[i] = old + eps
        fp = f(x)
        x.flat[i] = old
        return (fp - f(x)) / eps

    return _ml(Z, Y, dZ, eps, diff=diff)


@mutant("multilabel_gradient_check", "averaged_over_m")
def ml_mean_loss(Z, Y, dZ, eps=1e-6):
    m = Z.shape[1]
    return _ml(Z, Y, dZ, eps, loss=lambda z, y: _ml_loss(z, y) / m)


@mutant("multilabel_gradient_check", "softmax_loss")
def ml_softmax(Z, Y, dZ, eps=1e-6):
    def loss(z, y):
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return float(-np.sum(y * np.log(e / e.sum(axis=0, keepdims=True))))

    return _ml(Z, Y, dZ, eps, loss=loss)


@mutant("multilabel_gradient_check", "not_relative")
def ml_absolute(Z, Y, dZ, eps=1e-6):
    return _ml(Z, Y, dZ, eps, rel=lambda a, b: np.linalg.norm(a - b))


@mutant("multilabel_gradient_check", "one_number")
def ml_one_error(Z, Y, dZ, eps=1e-6):
    num, _ = _ml(Z, Y, dZ, eps)
    return num, _rel(dZ, num)


@mutant("multilabel_gradient_check", "per_example")
def ml_per_column(Z, Y, dZ, eps=1e-6):
    num, _ = _ml(Z, Y, dZ, eps)
    return num, np.array([_rel(dZ[:, i], num[:, i]) for i in range(Z.shape[1])])


@mutant("multilabel_gradient_check", "mutated_input")
def ml_in_place(Z, Y, dZ, eps=1e-6):
    num = np.zeros_like(Z)
    for i in range(Z.size):
        num.flat[i] = _centered(lambda v: _ml_loss(v, Y), Z, i, eps)
    Z += 0.0 * num + 1e-3  # left changed
    return num, np.array([_rel(dZ[c], num[c]) for c in range(Z.shape[0])])


# ========== count_parameters
@correct("count_parameters")
def count_sum(layer_dims):
    return sum(layer_dims[l] * (layer_dims[l - 1] + 1) for l in range(1, len(layer_dims)))


@correct("count_parameters")
def count_numpy(layer_dims):
    d = np.asarray(layer_dims)
    return np.sum(d[1:] * d[:-1] + d[1:])  # a numpy integer is accepted


@correct("count_parameters")
def count_zip(layer_dims):
    total = 0
    for n_prev, n in zip(layer_dims[:-1], layer_dims[1:], strict=True):
        total += n * n_prev + n
    return int(total)


@mutant("count_parameters", "forgot_biases")
def count_weights_only(layer_dims):
    return sum(layer_dims[l] * layer_dims[l - 1] for l in range(1, len(layer_dims)))


@mutant("count_parameters", "missing_layer")
def count_off_by_one(layer_dims):
    return sum(layer_dims[l] * (layer_dims[l - 1] + 1) for l in range(1, len(layer_dims) - 1))


@mutant("count_parameters", "biases_of_inputs")
def count_input_biases(layer_dims):
    return sum(layer_dims[l - 1] * (layer_dims[l] + 1) for l in range(1, len(layer_dims)))


@mutant("count_parameters", "not_an_int")
def count_float(layer_dims):
    return float(count_sum(layer_dims))


@mutant("count_parameters", "per_layer")
def count_per_layer(layer_dims):
    return [layer_dims[l] * (layer_dims[l - 1] + 1) for l in range(1, len(layer_dims))]


# ========== tricks: disguised reference results never pass the plain-data boundary
def _wrap(name, leaf, tag):
    ref = getattr(api, name)

    def trick(*args, **kwargs):
        return _map(ref(*args, **kwargs), leaf)

    trick.__name__ = tag
    return trick


def _subclass(x):
    if isinstance(x, np.ndarray):
        return x.view(SneakyArray)
    if isinstance(x, float):
        return SneakyFloat(x)
    return x


def _always_equal(x):
    return AlwaysEqual() if isinstance(x, (np.ndarray, float)) else x


for _name, _code in (("relative_error", "not_a_float"), ("params_to_vector", "not_an_array"),
                     ("vector_to_params", "not_an_array"),
                     ("numerical_gradients", "not_an_array"),
                     ("gradient_check", "not_a_float")):
    mutant(_name, _code)(_wrap(_name, _subclass, "ndarray_subclass"))
    mutant(_name, _code)(_wrap(_name, _always_equal, "always_equal"))
