"""Mutants and correct variants of the L-layer model functions."""

from __future__ import annotations

import copy
import math

import numpy as np

from ._registry import correct, mutant


def _sigmoid(Z):
    return 0.5 * (1 + np.tanh(Z / 2))


# ========== initialize_parameters_deep
@correct("initialize_parameters_deep")
def init_randn(layer_dims):
    p = {}
    for l in range(1, len(layer_dims)):
        p["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        p["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return p


@correct("initialize_parameters_deep")
def init_standard_normal(layer_dims):
    p = {}
    for l, (n_prev, n) in enumerate(zip(layer_dims[:-1], layer_dims[1:], strict=True), 1):
        p[f"W{l}"] = np.random.standard_normal((n, n_prev)) / 100
        p[f"b{l}"] = np.zeros(shape=(n, 1), dtype=float)
    return p


@correct("initialize_parameters_deep")
def init_normal(layer_dims):
    p = {}
    for l in range(1, len(layer_dims)):
        p[f"W{l}"] = np.random.normal(0.0, 0.01, size=(layer_dims[l], layer_dims[l - 1]))
        p[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return p


@correct("initialize_parameters_deep")
def init_own_generator(layer_dims):
    """Not the reference's draw, but small, random and zero-mean: accepted."""
    rng = np.random.default_rng(12345)
    p = {}
    for l in range(1, len(layer_dims)):
        p[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * 0.01
        p[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return p


@mutant("initialize_parameters_deep", "zeros_init")
def init_zeros(layer_dims):
    p = {}
    for l in range(1, len(layer_dims)):
        p[f"W{l}"] = np.zeros((layer_dims[l], layer_dims[l - 1]))
        p[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return p


@mutant("initialize_parameters_deep", "W_not_scaled")
def init_unscaled(layer_dims):
    p = {}
    for l in range(1, len(layer_dims)):
        p[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1])
        p[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return p


@mutant("initialize_parameters_deep", "transposed_W")
def init_transposed(layer_dims):
    p = {}
    for l in range(1, len(layer_dims)):
        p[f"W{l}"] = np.random.randn(layer_dims[l - 1], layer_dims[l]) * 0.01
        p[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return p


@mutant("initialize_parameters_deep", "b_not_zero")
def init_random_b(layer_dims):
    p = {}
    for l in range(1, len(layer_dims)):
        p[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        p[f"b{l}"] = np.random.randn(layer_dims[l], 1) * 0.01
    return p


@mutant("initialize_parameters_deep", "b_no_column")
def init_flat_b(layer_dims):
    p = {}
    for l in range(1, len(layer_dims)):
        p[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        p[f"b{l}"] = np.zeros(layer_dims[l])
    return p


@mutant("initialize_parameters_deep", "missing_layer")
def init_off_by_one(layer_dims):
    p = {}
    for l in range(1, len(layer_dims) - 1):
        p[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        p[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return p


@mutant("initialize_parameters_deep", "symmetric_weights")
def init_constant(layer_dims):
    p = {}
    for l in range(1, len(layer_dims)):
        p[f"W{l}"] = np.full((layer_dims[l], layer_dims[l - 1]), 0.01)
        p[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return p


@mutant("initialize_parameters_deep", "uniform_init")
def init_uniform(layer_dims):
    p = {}
    for l in range(1, len(layer_dims)):
        p[f"W{l}"] = np.random.rand(layer_dims[l], layer_dims[l - 1]) * 0.01
        p[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return p


@mutant("initialize_parameters_deep", "wrong_dtype")
def init_int_b(layer_dims):
    p = {}
    for l in range(1, len(layer_dims)):
        p[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        p[f"b{l}"] = np.zeros((layer_dims[l], 1), dtype=int)
    return p


# ========== L_model_forward
def _fwd(X, parameters, hidden, output, keep_last=True):
    L = len(parameters) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        if l < L or keep_last:
            caches.append(((A, W, b), Z))
        A = output(Z) if l == L else hidden(Z)
    return A, caches


def _relu(Z):
    return np.maximum(Z, 0)


@correct("L_model_forward")
def lmf_loop(X, parameters):
    return _fwd(X, parameters, _relu, _sigmoid)


@correct("L_model_forward")
def lmf_dot(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        Z = np.dot(parameters["W" + str(l)], A) + parameters["b" + str(l)]
        caches.append(((A, parameters["W" + str(l)], parameters["b" + str(l)]), Z))
        A = Z * (Z > 0)
    ZL = np.dot(parameters[f"W{L}"], A) + parameters[f"b{L}"]
    caches.append(((A, parameters[f"W{L}"], parameters[f"b{L}"]), ZL))
    return 1 / (1 + np.exp(-ZL)), caches


@correct("L_model_forward")
def lmf_recursive(X, parameters):
    L = len(parameters) // 2

    def go(A, l):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = np.einsum("ij,jk->ik", W, A) + b
        if l == L:
            return _sigmoid(Z), [((A, W, b), Z)]
        AL, rest = go(np.where(Z > 0, Z, 0.0), l + 1)
        return AL, [((A, W, b), Z)] + rest

    return go(X, 1)


@mutant("L_model_forward", "relu_output")
def lmf_relu_out(X, parameters):
    return _fwd(X, parameters, _relu, _relu)


@mutant("L_model_forward", "sigmoid_hidden")
def lmf_sigmoid_hidden(X, parameters):
    return _fwd(X, parameters, _sigmoid, _sigmoid)


@mutant("L_model_forward", "forgot_output_activation")
def lmf_linear_out(X, parameters):
    return _fwd(X, parameters, _relu, lambda Z: Z)


@mutant("L_model_forward", "missing_cache")
def lmf_missing_cache(X, parameters):
    return _fwd(X, parameters, _relu, _sigmoid, keep_last=False)


@mutant("L_model_forward", "mutated_input")
def lmf_pops(X, parameters):
    L = len(parameters) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        W, b = parameters.pop(f"W{l}"), parameters.pop(f"b{l}")
        Z = W @ A + b
        caches.append(((A, W, b), Z))
        A = _sigmoid(Z) if l == L else _relu(Z)
    return A, caches


@mutant("L_model_forward", "raised")
def lmf_wrong_L(X, parameters):
    L = len(parameters)  # counts W and b: twice too many layers
    A, caches = X, []
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        caches.append(((A, W, b), Z))
        A = _sigmoid(Z) if l == L else _relu(Z)
    return A, caches


@mutant("L_model_forward", "echoed_inputs")
def lmf_echo_only(X, parameters):
    # nothing computed: X, W and b handed back in the caches, zeros for A and Z
    L = len(parameters) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = np.zeros((W.shape[0], X.shape[1]))
        caches.append(((A, W, b), Z))
        A = Z
    return np.zeros((1, X.shape[1])), caches


# ========== compute_cost
@correct("compute_cost")
def cost_mean(AL, Y):
    return float(-np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))


@correct("compute_cost")
def cost_dot(AL, Y):
    m = Y.shape[1]
    cost = -(np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)) / m
    return float(np.squeeze(cost))


@correct("compute_cost")
def cost_loops(AL, Y):
    m = Y.shape[1]
    total = 0.0
    for j in range(m):
        y, a = float(Y[0, j]), float(AL[0, j])
        total += y * math.log(a) + (1 - y) * math.log(1 - a)
    return -total / m


@correct("compute_cost")
def cost_numpy_scalar(AL, Y):
    m = AL.shape[1]
    return -np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL))) / m


# ========== compute_cost_multiclass
@correct("compute_cost_multiclass")
def mc_cost_masked(AL, Y):
    return float(-np.sum(np.log(AL[Y == 1])) / Y.shape[1])


@correct("compute_cost_multiclass")
def mc_cost_einsum(AL, Y):
    logs = np.log(np.clip(AL, np.finfo(AL.dtype).eps, 1.0))
    return float(-np.einsum("cm,cm->", Y, logs) / Y.shape[1])


@correct("compute_cost_multiclass")
def mc_cost_where(AL, Y):
    terms = np.where(Y > 0, Y * np.log(np.where(Y > 0, AL, 1.0)), 0.0)
    return float(-terms.sum(axis=0).mean())


@correct("compute_cost_multiclass")
def mc_cost_loops(AL, Y):
    C, m = Y.shape
    total = 0.0
    for i in range(m):
        for c in range(C):
            if Y[c, i] == 1:
                total -= math.log(AL[c, i])
    return total / m


@mutant("compute_cost_multiclass", "summed_not_averaged")
def mc_cost_sum(AL, Y):
    return float(-np.sum(np.log(AL[Y == 1])))


@mutant("compute_cost_multiclass", "averaged_over_C_m")
def mc_cost_mean_all(AL, Y):
    logs = np.log(np.clip(AL, 1e-300, 1.0))
    return float(-np.mean(Y * logs))


@mutant("compute_cost_multiclass", "binary_formula")
def mc_cost_binary(AL, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)


@mutant("compute_cost_multiclass", "log_of_zero")
def mc_cost_log_zero(AL, Y):
    return float(-np.sum(Y * np.log(AL)) / Y.shape[1])


@mutant("compute_cost_multiclass", "log10")
def mc_cost_log10(AL, Y):
    return float(-np.sum(np.log10(AL[Y == 1])) / Y.shape[1])


@mutant("compute_cost", "not_a_float")
def cost_array(AL, Y):
    m = Y.shape[1]
    return -(np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)) / m


@mutant("compute_cost", "missing_minus")
def cost_no_minus(AL, Y):
    return float(np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))


@mutant("compute_cost", "summed_not_averaged")
def cost_sum(AL, Y):
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))


@mutant("compute_cost", "only_positive_term")
def cost_half(AL, Y):
    return float(-np.mean(Y * np.log(AL)))


@mutant("compute_cost", "log10")
def cost_log10(AL, Y):
    return float(-np.mean(Y * np.log10(AL) + (1 - Y) * np.log10(1 - AL)))


@mutant("compute_cost", "swapped_terms")
def cost_swapped(AL, Y):
    return float(-np.mean((1 - Y) * np.log(AL) + Y * np.log(1 - AL)))


@mutant("compute_cost", "wrong_dtype")
def cost_float32(AL, Y):
    return np.float32(-np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))


# ========== L_model_backward
def _bw(AL, Y, caches, out="sigmoid", hidden="relu", dAL_scale=1.0, relu_ge=False,
        key_shift=0, dAL=None):
    grads = {}
    L = len(caches)
    dA = -(Y / AL - (1 - Y) / (1 - AL)) * dAL_scale if dAL is None else dAL
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        act = out if l == L else hidden
        if act == "relu":
            dZ = dA * ((Z >= 0) if relu_ge else (Z > 0))
        else:
            s = _sigmoid(Z)
            dZ = dA * s * (1 - s)
        m = A_prev.shape[1]
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = W.T @ dZ
        grads[f"dA{l - 1 + key_shift}"] = dA
    return grads


@correct("L_model_backward")
def lmb_loop(AL, Y, caches):
    return _bw(AL, Y, caches)


@correct("L_model_backward")
def lmb_fused(AL, Y, caches):
    """Starts from dZL = AL - Y (equal to dAL * sigmoid'(ZL))."""
    L = len(caches)
    grads = {}
    dZ = AL - Y
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        if l < L:
            dZ = np.where(Z > 0, dA, 0.0)  # noqa: F821 (dA set in the previous iteration)
        m = A_prev.shape[1]
        grads["dW" + str(l)] = np.dot(dZ, A_prev.T) / m
        grads["db" + str(l)] = np.mean(dZ, axis=1, keepdims=True)
        dA = np.dot(W.T, dZ)
        grads["dA" + str(l - 1)] = dA
    return grads


@correct("L_model_backward")
def lmb_mask_from_A(AL, Y, caches):
    """The ReLU mask read from the next layer's A_prev (A > 0 exactly where Z > 0)."""
    L = len(caches)
    grads = {}
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in reversed(range(1, L + 1)):
        (A_prev, W, b), Z = caches[l - 1]
        if l == L:
            s = 1 / (1 + np.exp(-Z))
            dZ = dA * s * (1 - s)
        else:
            A_l = caches[l][0][0]
            dZ = dA * (A_l > 0)
        m = A_prev.shape[1]
        grads[f"dW{l}"] = np.einsum("ik,jk->ij", dZ, A_prev) / m
        grads[f"db{l}"] = np.einsum("ik->i", dZ)[:, None] / m
        dA = np.einsum("ji,jk->ik", W, dZ)
        grads[f"dA{l - 1}"] = dA
    return grads


@mutant("L_model_backward", "relu_output_layer")
def lmb_relu_out(AL, Y, caches):
    return _bw(AL, Y, caches, out="relu")


@mutant("L_model_backward", "wrong_dAL_sign")
def lmb_sign(AL, Y, caches):
    return _bw(AL, Y, caches, dAL_scale=-1.0)


@mutant("L_model_backward", "sigmoid_hidden")
def lmb_sigmoid_hidden(AL, Y, caches):
    return _bw(AL, Y, caches, hidden="sigmoid")


@mutant("L_model_backward", "double_1_over_m")
def lmb_double_m(AL, Y, caches):
    return _bw(AL, Y, caches, dAL_scale=1.0 / AL.shape[1])


@mutant("L_model_backward", "relu_grad_at_zero")
def lmb_relu_ge(AL, Y, caches):
    return _bw(AL, Y, caches, relu_ge=True)


@mutant("L_model_backward", "dA_key_off_by_one")
def lmb_keys(AL, Y, caches):
    return _bw(AL, Y, caches, key_shift=1)


@mutant("L_model_backward", "fused_dZ_as_dA")
def lmb_fused_as_dA(AL, Y, caches):
    return _bw(AL, Y, caches, dAL=AL - Y)


@mutant("L_model_backward", "mutated_input")
def lmb_pops_caches(AL, Y, caches):
    grads = _bw(AL, Y, caches)
    caches.pop()
    return grads


# ========== update_parameters
@correct("update_parameters")
def up_comprehension(parameters, grads, learning_rate):
    return {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}


@correct("update_parameters")
def up_deepcopy(parameters, grads, learning_rate):
    params = copy.deepcopy(parameters)
    for l in range(1, len(params) // 2 + 1):
        params[f"W{l}"] -= learning_rate * grads[f"dW{l}"]
        params[f"b{l}"] -= learning_rate * grads[f"db{l}"]
    return params


@correct("update_parameters")
def up_subtract(parameters, grads, learning_rate):
    new = {}
    L = len(parameters) // 2
    for l in range(L):
        new["W" + str(l + 1)] = np.subtract(parameters["W" + str(l + 1)],
                                            np.multiply(learning_rate, grads["dW" + str(l + 1)]))
        new["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads[
            "db" + str(l + 1)]
    return new


@mutant("update_parameters", "plus_instead_of_minus")
def up_plus(parameters, grads, learning_rate):
    return {k: v + learning_rate * grads["d" + k] for k, v in parameters.items()}


@mutant("update_parameters", "only_W_updated")
def up_only_W(parameters, grads, learning_rate):
    return {k: (v - learning_rate * grads["d" + k] if k[0] == "W" else v.copy())
            for k, v in parameters.items()}


@mutant("update_parameters", "mutated_input")
def up_in_place(parameters, grads, learning_rate):
    for l in range(1, len(parameters) // 2 + 1):
        parameters[f"W{l}"] -= learning_rate * grads[f"dW{l}"]
        parameters[f"b{l}"] -= learning_rate * grads[f"db{l}"]
    return parameters


@mutant("update_parameters", "ignored_learning_rate")
def up_no_rate(parameters, grads, learning_rate):
    return {k: v - grads["d" + k] for k, v in parameters.items()}


@mutant("update_parameters", "off_by_one_layers")
def up_off_by_one(parameters, grads, learning_rate):
    new = dict(parameters)
    L = len(parameters) // 2
    for l in range(1, L):
        new[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        new[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return new


@mutant("update_parameters", "raised")
def up_wrong_L(parameters, grads, learning_rate):
    new = {}
    for l in range(1, len(parameters) + 1):  # twice too many layers: KeyError
        new[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        new[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return new
