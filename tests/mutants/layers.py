"""Mutants and correct variants of the linear and linear + activation layers."""

from __future__ import annotations

import numpy as np

from ._registry import correct, mutant


# ========== linear_forward
@correct("linear_forward")
def lf_matmul(A_prev, W, b):
    return W @ A_prev + b, (A_prev, W, b)


@correct("linear_forward")
def lf_dot(A_prev, W, b):
    return np.dot(W, A_prev) + b, (A_prev, W, b)


@correct("linear_forward")
def lf_einsum(A_prev, W, b):
    return np.einsum("ij,jk->ik", W, A_prev) + b, [A_prev, W, b]


@correct("linear_forward")
def lf_loops(A_prev, W, b):
    n, m = W.shape[0], A_prev.shape[1]
    Z = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            Z[i, j] = sum(W[i, k] * A_prev[k, j] for k in range(W.shape[1])) + b[i, 0]
    return Z, (A_prev, W, b)


@mutant("linear_forward", "forgot_bias")
def lf_no_bias(A_prev, W, b):
    return W @ A_prev, (A_prev, W, b)


@mutant("linear_forward", "bias_sign")
def lf_minus_bias(A_prev, W, b):
    return W @ A_prev - b, (A_prev, W, b)


@mutant("linear_forward", "batch_first")
def lf_batch_first(A_prev, W, b):
    return A_prev.T @ W.T + b.T, (A_prev, W, b)


@mutant("linear_forward", "cache_order")
def lf_cache_order(A_prev, W, b):
    return W @ A_prev + b, (W, A_prev, b)


@mutant("linear_forward", "wrong_structure")
def lf_short_cache(A_prev, W, b):
    return W @ A_prev + b, (A_prev, W)


@mutant("linear_forward", "mutated_input")
def lf_in_place(A_prev, W, b):
    b += 0.5  # "warm up" the bias in place
    return W @ A_prev + b - 0.5, (A_prev, W, b - 0.5)


@mutant("linear_forward", "echoed_inputs")
def lf_echo_only(A_prev, W, b):
    return np.zeros((W.shape[0], A_prev.shape[1])), (A_prev, W, b)


@mutant("linear_forward", "echoed_inputs")
def lf_transposed_echo(A_prev, W, b):
    return (W @ A_prev + b).T, (A_prev, W, b)  # Z wrong: the echoed cache earns nothing


# ========== linear_backward
@correct("linear_backward")
def lb_matmul(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


@correct("linear_backward")
def lb_dot(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    db = np.mean(dZ, axis=1).reshape(-1, 1)
    return np.dot(W.T, dZ), (1 / m) * np.dot(dZ, A_prev.T), db


@correct("linear_backward")
def lb_einsum(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.einsum("ik,jk->ij", dZ, A_prev) / m
    return np.einsum("ji,jk->ik", W, dZ), dW, dZ.mean(axis=1, keepdims=True)


@correct("linear_backward")
def lb_loops(dZ, cache):
    A_prev, W, b = cache
    n, n_prev = W.shape
    m = A_prev.shape[1]
    dW, db, dA_prev = np.zeros((n, n_prev)), np.zeros((n, 1)), np.zeros((n_prev, m))
    for k in range(m):  # one example at a time: outer products, then average
        dW += np.outer(dZ[:, k], A_prev[:, k])
        db[:, 0] += dZ[:, k]
        dA_prev[:, k] = W.T @ dZ[:, k]
    return dA_prev, dW / m, db / m


@mutant("linear_backward", "transposed_dW")
def lb_transposed_dW(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, A_prev @ dZ.T / m, np.sum(dZ, axis=1, keepdims=True) / m


@mutant("linear_backward", "missing_1_over_m")
def lb_no_m(dZ, cache):
    A_prev, W, b = cache
    return W.T @ dZ, dZ @ A_prev.T, np.sum(dZ, axis=1, keepdims=True)


@mutant("linear_backward", "db_no_keepdims")
def lb_db_flat(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1) / m


@mutant("linear_backward", "db_wrong_axis")
def lb_db_axis0(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=0, keepdims=True) / m


@mutant("linear_backward", "dA_prev_over_m")
def lb_dA_over_m(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ / m, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


@mutant("linear_backward", "dA_prev_not_transposed")
def lb_W_not_transposed(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


@mutant("linear_backward", "mutated_input")
def lb_in_place(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dA_prev = W.T @ dZ
    dZ /= m
    return dA_prev, dZ @ A_prev.T, np.sum(dZ, axis=1, keepdims=True)


@mutant("linear_backward", "db_summed_all")
def lb_db_scalar(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ) / m


# ========== helpers
def _act(Z, activation):
    if activation == "relu":
        return np.maximum(Z, 0)
    if activation == "sigmoid":
        return 0.5 * (1 + np.tanh(Z / 2))
    return np.tanh(Z)


def _act_bw(dA, Z, activation):
    if activation == "relu":
        return dA * (Z > 0)
    if activation == "sigmoid":
        s = 0.5 * (1 + np.tanh(Z / 2))
        return dA * s * (1 - s)
    return dA * (1 - np.tanh(Z) ** 2)


# ========== linear_activation_forward
@correct("linear_activation_forward")
def laf_basic(A_prev, W, b, activation):
    Z = W @ A_prev + b
    return _act(Z, activation), ((A_prev, W, b), Z)


@correct("linear_activation_forward")
def laf_dispatch(A_prev, W, b, activation):
    table = {"relu": lambda z: np.where(z > 0, z, 0.0),
             "sigmoid": lambda z: 0.5 * (1 + np.tanh(z / 2)), "tanh": np.tanh}
    Z = np.dot(W, A_prev) + b
    return table[activation](Z), [[A_prev, W, b], Z]


@correct("linear_activation_forward")
def laf_einsum(A_prev, W, b, activation):
    Z = np.einsum("ij,jk->ik", W, A_prev) + b
    if activation == "sigmoid":
        A = np.exp(-np.logaddexp(0, -Z))
    elif activation == "relu":
        A = Z * (Z > 0)
    else:
        A = np.tanh(Z)
    return A, ((A_prev, W, b), Z)


@mutant("linear_activation_forward", "forgot_activation")
def laf_no_activation(A_prev, W, b, activation):
    Z = W @ A_prev + b
    return Z, ((A_prev, W, b), Z)


@mutant("linear_activation_forward", "wrong_activation")
def laf_always_relu(A_prev, W, b, activation):
    Z = W @ A_prev + b
    return np.maximum(Z, 0), ((A_prev, W, b), Z)


@mutant("linear_activation_forward", "wrong_activation")
def laf_swapped(A_prev, W, b, activation):
    Z = W @ A_prev + b
    other = {"sigmoid": "tanh", "tanh": "sigmoid", "relu": "relu"}[activation]
    return _act(Z, other), ((A_prev, W, b), Z)


@mutant("linear_activation_forward", "cache_holds_A")
def laf_cache_A(A_prev, W, b, activation):
    Z = W @ A_prev + b
    A = _act(Z, activation)
    return A, ((A_prev, W, b), A)


@mutant("linear_activation_forward", "cache_order")
def laf_cache_order(A_prev, W, b, activation):
    Z = W @ A_prev + b
    return _act(Z, activation), (Z, (A_prev, W, b))


@mutant("linear_activation_forward", "echoed_inputs")
def laf_echo_only(A_prev, W, b, activation):
    Z = np.zeros((W.shape[0], A_prev.shape[1]))  # nothing computed, the inputs echoed
    return Z, ((A_prev, W, b), Z)


@mutant("linear_activation_forward", "overflow_warning")
def laf_naive_sigmoid(A_prev, W, b, activation):
    Z = W @ A_prev + b
    A = 1 / (1 + np.exp(-Z)) if activation == "sigmoid" else _act(Z, activation)
    return A, ((A_prev, W, b), Z)  # right values; exp(-Z) overflows for Z < -709


@mutant("linear_activation_forward", "unstable_overflow")
def laf_sigmoid_exp_ratio(A_prev, W, b, activation):
    Z = W @ A_prev + b
    if activation == "sigmoid":
        A = np.exp(Z) / (1 + np.exp(Z))  # inf / inf = nan for Z > 709
    else:
        A = _act(Z, activation)
    return A, ((A_prev, W, b), Z)


@correct("linear_activation_forward")
def laf_where_stable(A_prev, W, b, activation):
    Z = W @ A_prev + b
    if activation == "sigmoid":
        e = np.exp(-np.abs(Z))
        A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))
    elif activation == "tanh":
        A = np.tanh(Z)
    else:
        A = np.maximum(Z, 0)
    return A, ((A_prev, W, b), Z)


# ========== linear_activation_backward
def _lin_bw(dZ, A_prev, W):
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m


@correct("linear_activation_backward")
def lab_basic(dA, cache, activation):
    (A_prev, W, b), Z = cache
    return _lin_bw(_act_bw(dA, Z, activation), A_prev, W)


@correct("linear_activation_backward")
def lab_dot(dA, cache, activation):
    linear_cache, Z = cache
    A_prev, W, b = linear_cache
    if activation == "relu":
        dZ = np.where(Z > 0, dA, 0.0)
    elif activation == "sigmoid":
        s = 1 / (1 + np.exp(-Z))
        dZ = dA * s * (1 - s)
    else:
        dZ = dA * (1 - np.tanh(Z) ** 2)
    m = dA.shape[1]
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.mean(dZ, axis=1, keepdims=True)


@correct("linear_activation_backward")
def lab_einsum(dA, cache, activation):
    (A_prev, W, b), Z = cache
    dZ = _act_bw(dA, Z, activation)
    m = A_prev.shape[1]
    return (np.einsum("ji,jk->ik", W, dZ), np.einsum("ik,jk->ij", dZ, A_prev) / m,
            np.einsum("ik->i", dZ).reshape(-1, 1) / m)


@mutant("linear_activation_backward", "relu_grad_at_zero")
def lab_relu_ge(dA, cache, activation):
    (A_prev, W, b), Z = cache
    dZ = dA * (Z >= 0) if activation == "relu" else _act_bw(dA, Z, activation)
    return _lin_bw(dZ, A_prev, W)


@mutant("linear_activation_backward", "forgot_activation")
def lab_no_activation(dA, cache, activation):
    (A_prev, W, b), Z = cache
    return _lin_bw(dA, A_prev, W)


@mutant("linear_activation_backward", "wrong_activation")
def lab_always_relu(dA, cache, activation):
    (A_prev, W, b), Z = cache
    return _lin_bw(_act_bw(dA, Z, "relu"), A_prev, W)


@mutant("linear_activation_backward", "transposed_dW")
def lab_transposed_dW(dA, cache, activation):
    (A_prev, W, b), Z = cache
    dA_prev, dW, db = _lin_bw(_act_bw(dA, Z, activation), A_prev, W)
    return dA_prev, dW.T, db


@mutant("linear_activation_backward", "missing_1_over_m")
def lab_no_m(dA, cache, activation):
    (A_prev, W, b), Z = cache
    dZ = _act_bw(dA, Z, activation)
    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)


@mutant("linear_activation_backward", "db_no_keepdims")
def lab_db_flat(dA, cache, activation):
    (A_prev, W, b), Z = cache
    dA_prev, dW, db = _lin_bw(_act_bw(dA, Z, activation), A_prev, W)
    return dA_prev, dW, db.ravel()


@mutant("linear_activation_backward", "mutated_input")
def lab_in_place(dA, cache, activation):
    (A_prev, W, b), Z = cache
    if activation == "relu":
        dA[Z <= 0] = 0
        dZ = dA
    else:
        dZ = _act_bw(dA, Z, activation)
        dA *= 0
    return _lin_bw(dZ, A_prev, W)
