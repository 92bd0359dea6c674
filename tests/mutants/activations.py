"""Mutants and correct variants of the activation forward/backward pairs."""

from __future__ import annotations

import math

import numpy as np

from ._registry import correct, mutant


def _stable_sigmoid(Z):
    return 0.5 * (1 + np.tanh(Z / 2))


def _loop(Z, f):
    out = np.zeros_like(Z)
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            out[i, j] = f(float(Z[i, j]))
    return out


def _sig1(z):
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


# ========== relu_forward
@correct("relu_forward")
def relu_maximum(Z):
    return np.maximum(Z, 0), Z


@correct("relu_forward")
def relu_mask_product(Z):
    return Z * (Z > 0), Z


@correct("relu_forward")
def relu_where(Z):
    return np.where(Z > 0, Z, 0.0), Z


@correct("relu_forward")
def relu_loops(Z):
    return _loop(Z, lambda z: max(z, 0.0)), Z


@correct("relu_forward")
def relu_clip(Z):
    return Z.clip(min=0), Z


@mutant("relu_forward", "returned_mask")
def relu_returns_mask(Z):
    return Z > 0, Z


@mutant("relu_forward", "np_max_not_maximum")
def relu_np_max(Z):
    return np.max(Z, 0), Z


@mutant("relu_forward", "leaky_instead")
def relu_leaky(Z):
    return np.where(Z > 0, Z, 0.01 * Z), Z


@mutant("relu_forward", "mutated_input")
def relu_in_place(Z):
    Z[Z < 0] = 0
    return Z, Z


@mutant("relu_forward", "cache_is_A")
def relu_cache_A(Z):
    A = np.maximum(Z, 0)
    return A, A


@mutant("relu_forward", "wrong_activation")
def relu_abs(Z):
    return np.abs(Z), Z


# ========== relu_backward
@correct("relu_backward")
def relu_bw_product(dA, cache):
    return dA * (cache > 0)


@correct("relu_backward")
def relu_bw_where(dA, cache):
    return np.where(cache > 0, dA, 0)


@correct("relu_backward")
def relu_bw_copy_and_zero(dA, cache):
    dZ = np.array(dA, copy=True)
    dZ[cache <= 0] = 0
    return dZ


@correct("relu_backward")
def relu_bw_loops(dA, cache):
    dZ = np.zeros_like(dA)
    for i in range(dA.shape[0]):
        for j in range(dA.shape[1]):
            if cache[i, j] > 0:
                dZ[i, j] = dA[i, j]
    return dZ


@correct("relu_backward")
def relu_bw_heaviside(dA, cache):
    return np.multiply(dA, np.heaviside(cache, 0.0))


@mutant("relu_backward", "relu_grad_at_zero")
def relu_bw_ge(dA, cache):
    return dA * (cache >= 0)


@mutant("relu_backward", "forgot_upstream")
def relu_bw_mask_only(dA, cache):
    return (cache > 0).astype(float)


@mutant("relu_backward", "forgot_upstream")
def relu_bw_bool_mask(dA, cache):
    return cache > 0


@mutant("relu_backward", "mutated_input")
def relu_bw_in_place(dA, cache):
    dA[cache <= 0] = 0
    return dA


@mutant("relu_backward", "mask_from_dA")
def relu_bw_mask_of_dA(dA, cache):
    return dA * (dA > 0)


@mutant("relu_backward", "times_activation")
def relu_bw_times_relu(dA, cache):
    return dA * np.maximum(cache, 0)


# ========== sigmoid_forward
# "without overflow or warnings": right values, but np.exp(-Z) overflows (with numpy's
# warning) for Z < -709; each such case is lost (overflow_warning)
@mutant("sigmoid_forward", "overflow_warning")
def sigmoid_naive(Z):
    return 1 / (1 + np.exp(-Z)), Z


@correct("sigmoid_forward")
def sigmoid_tanh(Z):
    return _stable_sigmoid(Z), Z


@correct("sigmoid_forward")
def sigmoid_loops(Z):
    return _loop(Z, _sig1), Z


@mutant("sigmoid_forward", "overflow_warning")
def sigmoid_reciprocal(Z):
    return np.reciprocal(1.0 + np.exp(-Z)), Z


@mutant("sigmoid_forward", "sigmoid_sign")
def sigmoid_wrong_sign(Z):
    return 1 / (1 + np.exp(Z)), Z


@mutant("sigmoid_forward", "sigmoid_precedence")
def sigmoid_precedence(Z):
    return 1 / 1 + np.exp(-Z), Z


@mutant("sigmoid_forward", "wrong_activation")
def sigmoid_is_tanh(Z):
    return np.tanh(Z), Z


@mutant("sigmoid_forward", "cache_is_A")
def sigmoid_cache_A(Z):
    A = 1 / (1 + np.exp(-Z))
    return A, A


@mutant("sigmoid_forward", "mutated_input")
def sigmoid_in_place(Z):
    np.negative(Z, out=Z)
    A = 1 / (1 + np.exp(Z))
    np.negative(Z, out=Z)
    Z += 0.0 * A + 1e-3
    return A, Z


# ========== sigmoid_backward
@mutant("sigmoid_backward", "overflow_warning")
def sigmoid_bw_naive(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return dA * s * (1 - s)


@correct("sigmoid_backward")
def sigmoid_bw_tanh(dA, cache):
    s = _stable_sigmoid(cache)
    return np.multiply(dA, s - s * s)


@correct("sigmoid_backward")
def sigmoid_bw_loops(dA, cache):
    dZ = np.zeros_like(dA)
    for i in range(dA.shape[0]):
        for j in range(dA.shape[1]):
            s = _sig1(float(cache[i, j]))
            dZ[i, j] = dA[i, j] * s * (1 - s)
    return dZ


@mutant("sigmoid_backward", "forgot_upstream")
def sigmoid_bw_no_dA(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return s * (1 - s)


@mutant("sigmoid_backward", "sigmoid_wrong_derivative")
def sigmoid_bw_one_plus(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return dA * s * (1 + s)


@mutant("sigmoid_backward", "sigmoid_wrong_derivative")
def sigmoid_bw_only_s(dA, cache):
    return dA / (1 + np.exp(-cache))


@mutant("sigmoid_backward", "used_Z_not_activation")
def sigmoid_bw_of_Z(dA, cache):
    return dA * cache * (1 - cache)


@mutant("sigmoid_backward", "mutated_input")
def sigmoid_bw_in_place(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    dA *= s * (1 - s)
    return dA


# ========== tanh_forward
@correct("tanh_forward")
def tanh_np(Z):
    return np.tanh(Z), Z


@mutant("tanh_forward", "overflow_warning")
def tanh_from_sigmoid(Z):
    return 2 / (1 + np.exp(-2 * Z)) - 1, Z  # right values; exp(-2 Z) overflows for Z < -354


@correct("tanh_forward")
def tanh_exp_abs(Z):
    e = np.exp(-2 * np.abs(Z))  # <= 1: never overflows
    return np.sign(Z) * (1 - e) / (1 + e), Z


@correct("tanh_forward")
def tanh_loops(Z):
    return _loop(Z, math.tanh), Z


@mutant("tanh_forward", "used_tan")
def tanh_is_tan(Z):
    return np.tan(Z), Z


@mutant("tanh_forward", "unstable_overflow")
def tanh_exp_formula(Z):
    return (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z)), Z


@mutant("tanh_forward", "wrong_activation")
def tanh_is_sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


@mutant("tanh_forward", "cache_is_A")
def tanh_cache_A(Z):
    A = np.tanh(Z)
    return A, A


@mutant("tanh_forward", "mutated_input")
def tanh_in_place(Z):
    np.tanh(Z, out=Z)
    return Z.copy(), Z


# ========== tanh_backward
@correct("tanh_backward")
def tanh_bw_np(dA, cache):
    return dA * (1 - np.tanh(cache) ** 2)


@mutant("tanh_backward", "overflow_warning")
def tanh_bw_cosh(dA, cache):
    return dA / np.cosh(cache) ** 2  # right values; cosh overflows for |Z| > 710


@correct("tanh_backward")
def tanh_bw_from_forward(dA, cache):
    A = np.tanh(cache)
    return dA - dA * A * A


@correct("tanh_backward")
def tanh_bw_loops(dA, cache):
    dZ = np.zeros_like(dA)
    for i in range(dA.shape[0]):
        for j in range(dA.shape[1]):
            t = math.tanh(float(cache[i, j]))
            dZ[i, j] = dA[i, j] * (1 - t * t)
    return dZ


@mutant("tanh_backward", "forgot_upstream")
def tanh_bw_no_dA(dA, cache):
    return 1 - np.tanh(cache) ** 2


@mutant("tanh_backward", "used_Z_not_activation")
def tanh_bw_of_Z(dA, cache):
    return dA * (1 - cache**2)


@mutant("tanh_backward", "tanh_wrong_derivative")
def tanh_bw_no_square(dA, cache):
    return dA * (1 - np.tanh(cache))


@mutant("tanh_backward", "tanh_wrong_derivative")
def tanh_bw_plus(dA, cache):
    return dA * (1 + np.tanh(cache) ** 2)


@mutant("tanh_backward", "mutated_input")
def tanh_bw_in_place(dA, cache):
    dA *= 1 - np.tanh(cache) ** 2
    return dA


# ========== leaky_relu
@correct("leaky_relu_forward")
def leaky_where(Z, alpha=0.01):
    return np.where(Z > 0, Z, alpha * Z), Z


@correct("leaky_relu_forward")
def leaky_maximum(Z, alpha=0.01):
    return np.maximum(Z, alpha * Z), Z


@correct("leaky_relu_forward")
def leaky_masks(Z, alpha=0.01):
    return Z * (Z > 0) + alpha * Z * (Z <= 0), Z


@correct("leaky_relu_forward")
def leaky_loops(Z, alpha=0.01):
    return _loop(Z, lambda z: z if z > 0 else alpha * z), Z


@mutant("leaky_relu_forward", "forgot_leak")
def leaky_is_relu(Z, alpha=0.01):
    return np.maximum(Z, 0), Z


@mutant("leaky_relu_forward", "ignored_alpha")
def leaky_fixed_alpha(Z, alpha=0.01):
    return np.where(Z > 0, Z, 0.01 * Z), Z


@mutant("leaky_relu_forward", "leaky_swapped")
def leaky_swapped(Z, alpha=0.01):
    return np.where(Z > 0, alpha * Z, Z), Z


@mutant("leaky_relu_forward", "cache_is_A")
def leaky_cache_A(Z, alpha=0.01):
    A = np.where(Z > 0, Z, alpha * Z)
    return A, A


@mutant("leaky_relu_forward", "mutated_input")
def leaky_in_place(Z, alpha=0.01):
    A = np.where(Z > 0, Z, alpha * Z)
    Z[Z < 0] *= alpha
    return A, Z


@correct("leaky_relu_backward")
def leaky_bw_where(dA, cache, alpha=0.01):
    return np.where(cache > 0, dA, alpha * dA)


@correct("leaky_relu_backward")
def leaky_bw_slopes(dA, cache, alpha=0.01):
    return dA * np.where(cache > 0, 1.0, alpha)


@correct("leaky_relu_backward")
def leaky_bw_copy(dA, cache, alpha=0.01):
    dZ = dA.copy()
    dZ[cache <= 0] *= alpha
    return dZ


@correct("leaky_relu_backward")
def leaky_bw_loops(dA, cache, alpha=0.01):
    dZ = np.zeros_like(dA)
    for i in range(dA.shape[0]):
        for j in range(dA.shape[1]):
            dZ[i, j] = dA[i, j] * (1.0 if cache[i, j] > 0 else alpha)
    return dZ


@mutant("leaky_relu_backward", "relu_grad_at_zero")
def leaky_bw_ge(dA, cache, alpha=0.01):
    return np.where(cache >= 0, dA, alpha * dA)


@mutant("leaky_relu_backward", "forgot_upstream")
def leaky_bw_no_dA(dA, cache, alpha=0.01):
    return np.where(cache > 0, 1.0, alpha)


@mutant("leaky_relu_backward", "forgot_leak")
def leaky_bw_relu(dA, cache, alpha=0.01):
    return dA * (cache > 0)


@mutant("leaky_relu_backward", "ignored_alpha")
def leaky_bw_fixed_alpha(dA, cache, alpha=0.01):
    return np.where(cache > 0, dA, 0.01 * dA)


@mutant("leaky_relu_backward", "mask_from_dA")
def leaky_bw_mask_of_dA(dA, cache, alpha=0.01):
    return np.where(dA > 0, dA, alpha * dA)


@mutant("leaky_relu_backward", "mutated_input")
def leaky_bw_in_place(dA, cache, alpha=0.01):
    dA[cache <= 0] *= alpha
    return dA


# ========== softmax
@correct("softmax_forward")
def softmax_keepdims(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True), Z


@correct("softmax_forward")
def softmax_broadcast(Z):
    E = np.exp(Z - np.max(Z, axis=0))
    return E / np.sum(E, axis=0), Z


@correct("softmax_forward")
def softmax_einsum(Z):
    E = np.exp(Z - Z.max(axis=0))
    return E / np.einsum("ij->j", E), Z


@correct("softmax_forward")
def softmax_columns(Z):
    A = np.zeros_like(Z)
    for j in range(Z.shape[1]):
        e = [math.exp(float(z - Z[:, j].max())) for z in Z[:, j]]
        total = sum(e)
        for i in range(Z.shape[0]):
            A[i, j] = e[i] / total
    return A, Z


@mutant("softmax_forward", "softmax_no_shift")
def softmax_no_shift(Z):
    E = np.exp(Z)
    return E / E.sum(axis=0, keepdims=True), Z


@mutant("softmax_forward", "softmax_wrong_axis")
def softmax_axis1(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True), Z


@mutant("softmax_forward", "softmax_no_axis")
def softmax_total(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / np.sum(E), Z


@mutant("softmax_forward", "wrong_activation")
def softmax_is_sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


@mutant("softmax_forward", "mutated_input")
def softmax_in_place(Z):
    Z -= Z.max(axis=0, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=0, keepdims=True), Z


@mutant("softmax_forward", "cache_is_A")
def softmax_cache_A(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    A = E / E.sum(axis=0, keepdims=True)
    return A, A


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


@correct("softmax_backward")
def softmax_bw_vector(dA, cache):
    A = _softmax(cache)
    return A * (dA - np.sum(A * dA, axis=0, keepdims=True))


@correct("softmax_backward")
def softmax_bw_jacobian_loop(dA, cache):
    A = _softmax(cache)
    dZ = np.zeros_like(dA)
    for j in range(A.shape[1]):
        a = A[:, j]
        J = np.diag(a) - np.outer(a, a)
        dZ[:, j] = J @ dA[:, j]
    return dZ


@correct("softmax_backward")
def softmax_bw_einsum(dA, cache):
    A = _softmax(cache)
    return A * dA - A * np.einsum("ij,ij->j", A, dA)


@mutant("softmax_backward", "softmax_diag_only")
def softmax_bw_diag(dA, cache):
    A = _softmax(cache)
    return dA * A * (1 - A)


@mutant("softmax_backward", "forgot_upstream")
def softmax_bw_no_dA(dA, cache):
    A = _softmax(cache)
    return A * (1 - A)


@mutant("softmax_backward", "softmax_sum_wrong_axis")
def softmax_bw_axis1(dA, cache):
    A = _softmax(cache)
    return A * (dA - np.sum(A * dA, axis=1, keepdims=True))


@mutant("softmax_backward", "used_Z_not_activation")
def softmax_bw_of_Z(dA, cache):
    return cache * (dA - np.sum(cache * dA, axis=0, keepdims=True))


@mutant("softmax_backward", "softmax_fused_grad")
def softmax_bw_fused(dA, cache):
    return _softmax(cache) - dA


@mutant("softmax_backward", "mutated_input")
def softmax_bw_in_place(dA, cache):
    A = _softmax(cache)
    dA -= np.sum(A * dA, axis=0, keepdims=True)
    return A * dA


# ========== elu (beyond the graded API table)
@mutant("elu_forward", "overflow_warning")  # np.where computes expm1(800) too: it overflows
def elu_where(Z, alpha=1.0):
    return np.where(Z > 0, Z, alpha * np.expm1(Z)), Z


@correct("elu_forward")
def elu_masks(Z, alpha=1.0):
    return Z * (Z > 0) + alpha * (np.exp(np.minimum(Z, 0)) - 1), Z


@correct("elu_forward")
def elu_loops(Z, alpha=1.0):
    return _loop(Z, lambda z: z if z > 0 else alpha * math.expm1(z)), Z


@mutant("elu_forward", "elu_missing_minus_one")
def elu_no_minus_one(Z, alpha=1.0):
    return np.where(Z > 0, Z, alpha * np.exp(Z)), Z


@mutant("elu_forward", "forgot_leak")
def elu_is_relu(Z, alpha=1.0):
    return np.maximum(Z, 0), Z


@mutant("elu_forward", "wrong_activation")
def elu_is_leaky(Z, alpha=1.0):
    return np.where(Z > 0, Z, alpha * Z), Z


@mutant("elu_forward", "ignored_alpha")
def elu_alpha_one(Z, alpha=1.0):
    return np.where(Z > 0, Z, np.expm1(Z)), Z


@mutant("elu_forward", "mutated_input")
def elu_in_place(Z, alpha=1.0):
    Z[Z <= 0] = alpha * np.expm1(Z[Z <= 0])
    return Z.copy(), Z


@mutant("elu_backward", "overflow_warning")  # np.where computes exp(800) too: it overflows
def elu_bw_where(dA, cache, alpha=1.0):
    return np.where(cache > 0, dA, dA * alpha * np.exp(cache))


@correct("elu_backward")
def elu_bw_minimum(dA, cache, alpha=1.0):
    return np.where(cache > 0, dA, dA * alpha * np.exp(np.minimum(cache, 0)))


@correct("elu_backward")
def elu_bw_from_A(dA, cache, alpha=1.0):
    A = np.where(cache > 0, cache, alpha * np.expm1(np.minimum(cache, 0)))
    return dA * np.where(cache > 0, 1.0, A + alpha)


@correct("elu_backward")
def elu_bw_loops(dA, cache, alpha=1.0):
    dZ = np.zeros_like(dA)
    for i in range(dA.shape[0]):
        for j in range(dA.shape[1]):
            z = float(cache[i, j])
            dZ[i, j] = dA[i, j] * (1.0 if z > 0 else alpha * math.exp(z))
    return dZ


@mutant("elu_backward", "forgot_upstream")
def elu_bw_no_dA(dA, cache, alpha=1.0):
    return np.where(cache > 0, 1.0, alpha * np.exp(np.minimum(cache, 0)))


@mutant("elu_backward", "elu_wrong_derivative")
def elu_bw_times_A(dA, cache, alpha=1.0):
    return np.where(cache > 0, dA, dA * alpha * np.expm1(np.minimum(cache, 0)))


@mutant("elu_backward", "forgot_leak")
def elu_bw_relu(dA, cache, alpha=1.0):
    return dA * (cache > 0)


@mutant("elu_backward", "ignored_alpha")
def elu_bw_alpha_one(dA, cache, alpha=1.0):
    return np.where(cache > 0, dA, dA * np.exp(np.minimum(cache, 0)))


@mutant("elu_backward", "relu_grad_at_zero")
def elu_bw_ge(dA, cache, alpha=1.0):
    return np.where(cache >= 0, dA, dA * alpha * np.exp(np.minimum(cache, 0)))


@mutant("elu_backward", "mutated_input")
def elu_bw_in_place(dA, cache, alpha=1.0):
    dA[cache <= 0] *= alpha * np.exp(cache[cache <= 0])
    return dA


# ========== softplus (beyond the graded API table)
@correct("softplus_forward")
def softplus_logaddexp(Z):
    return np.logaddexp(0, Z), Z


@correct("softplus_forward")
def softplus_stable(Z):
    return np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z))), Z


@correct("softplus_forward")
def softplus_loops(Z):
    return _loop(Z, lambda z: max(z, 0.0) + math.log1p(math.exp(-abs(z)))), Z


@mutant("softplus_forward", "unstable_overflow")
def softplus_naive(Z):
    return np.log(1 + np.exp(Z)), Z


@mutant("softplus_forward", "softplus_is_relu")
def softplus_relu(Z):
    return np.maximum(Z, 0), Z


@mutant("softplus_forward", "wrong_activation")
def softplus_sigmoid(Z):
    return _stable_sigmoid(Z), Z


@mutant("softplus_forward", "softplus_missing_one")
def softplus_no_one(Z):
    return np.log(np.exp(np.minimum(Z, 700))) + np.maximum(Z - 700, 0), Z


@mutant("softplus_forward", "cache_is_A")
def softplus_cache_A(Z):
    A = np.logaddexp(0, Z)
    return A, A


@mutant("softplus_backward", "overflow_warning")
def softplus_bw_sigmoid(dA, cache):
    return dA / (1 + np.exp(-cache))  # right values; exp(-Z) overflows for Z < -709


@correct("softplus_backward")
def softplus_bw_where(dA, cache):
    e = np.exp(-np.abs(cache))
    return dA * np.where(cache >= 0, 1 / (1 + e), e / (1 + e))


@correct("softplus_backward")
def softplus_bw_tanh(dA, cache):
    return dA * _stable_sigmoid(cache)


@correct("softplus_backward")
def softplus_bw_loops(dA, cache):
    dZ = np.zeros_like(dA)
    for i in range(dA.shape[0]):
        for j in range(dA.shape[1]):
            dZ[i, j] = dA[i, j] * _sig1(float(cache[i, j]))
    return dZ


@mutant("softplus_backward", "forgot_upstream")
def softplus_bw_no_dA(dA, cache):
    return _stable_sigmoid(cache)


@mutant("softplus_backward", "softplus_wrong_derivative")
def softplus_bw_itself(dA, cache):
    return dA * np.logaddexp(0, cache)


@mutant("softplus_backward", "unstable_overflow")
def softplus_bw_exp_ratio(dA, cache):
    return dA * np.exp(cache) / (1 + np.exp(cache))


@mutant("softplus_backward", "softplus_is_relu")
def softplus_bw_relu(dA, cache):
    return dA * (cache > 0)


@mutant("softplus_backward", "mutated_input")
def softplus_bw_in_place(dA, cache):
    dA *= _stable_sigmoid(cache)
    return dA


# ========== numerical stability (|Z| up to 1000 in the hidden cases)
def _where_sigmoid(Z):
    e = np.exp(-np.abs(Z))  # <= 1: never overflows
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


@correct("sigmoid_forward")
def sigmoid_where_stable(Z):
    return _where_sigmoid(Z), Z


@correct("sigmoid_forward")
def sigmoid_log_sum_exp(Z):
    return np.exp(-np.logaddexp(0, -Z)), Z  # log sigmoid(Z) = -log(1 + exp(-Z))


@mutant("sigmoid_forward", "unstable_overflow")
def sigmoid_exp_ratio(Z):
    E = np.exp(Z)
    return E / (1 + E), Z  # inf / inf = nan for Z > 709


@correct("sigmoid_backward")
def sigmoid_bw_where_stable(dA, cache):
    s = _where_sigmoid(cache)
    return dA * s * (1 - s)


@correct("sigmoid_backward")
def sigmoid_bw_even(dA, cache):
    t = np.exp(-np.abs(cache))  # sigma'(z) is even in z
    return dA * t / (1 + t) ** 2


@mutant("sigmoid_backward", "unstable_overflow")
def sigmoid_bw_exp_minus_z(dA, cache):
    e = np.exp(-cache)
    return dA * e / (1 + e) ** 2  # inf / inf = nan for Z < -709


@mutant("sigmoid_backward", "unstable_overflow")
def sigmoid_bw_exp_ratio(dA, cache):
    E = np.exp(cache)
    s = E / (1 + E)  # inf / inf = nan for Z > 709
    return dA * s * (1 - s)


@mutant("tanh_forward", "unstable_overflow")
def tanh_sinh_over_cosh(Z):
    return np.sinh(Z) / np.cosh(Z), Z  # inf / inf = nan for |Z| > 710


@mutant("tanh_backward", "unstable_overflow")
def tanh_bw_exp_formula(dA, cache):
    t = (np.exp(cache) - np.exp(-cache)) / (np.exp(cache) + np.exp(-cache))
    return dA * (1 - t * t)


@correct("softmax_forward")
def softmax_log_sum_exp(Z):
    M = Z.max(axis=0, keepdims=True)
    lse = M + np.log(np.sum(np.exp(Z - M), axis=0, keepdims=True))  # scipy-free logsumexp
    return np.exp(Z - lse), Z


@mutant("softmax_forward", "softmax_no_shift")
def softmax_no_shift_no_keepdims(Z):
    return np.exp(Z) / np.sum(np.exp(Z), axis=0), Z


@correct("softmax_backward")
def softmax_bw_log_sum_exp(dA, cache):
    M = cache.max(axis=0, keepdims=True)
    A = np.exp(cache - M - np.log(np.exp(cache - M).sum(axis=0, keepdims=True)))
    return A * (dA - (A * dA).sum(axis=0, keepdims=True))


@mutant("softmax_backward", "softmax_no_shift")
def softmax_bw_no_shift(dA, cache):
    E = np.exp(cache)  # inf for Z > 709; a column of Z < -745 gives 0 / 0
    A = E / E.sum(axis=0, keepdims=True)
    return A * (dA - np.sum(A * dA, axis=0, keepdims=True))


@mutant("softmax_backward", "softmax_no_shift")
def softmax_bw_no_shift_jacobian(dA, cache):
    dZ = np.zeros_like(dA)
    for j in range(cache.shape[1]):
        e = np.exp(cache[:, j])
        a = e / e.sum()
        dZ[:, j] = (np.diag(a) - np.outer(a, a)) @ dA[:, j]
    return dZ


@correct("elu_forward")
def elu_where_minimum(Z, alpha=1.0):
    return np.where(Z > 0, Z, alpha * np.expm1(np.minimum(Z, 0))), Z


@mutant("elu_forward", "unstable_overflow")
def elu_masks_overflow(Z, alpha=1.0):
    return Z * (Z > 0) + alpha * (np.exp(Z) - 1) * (Z <= 0), Z  # inf * 0 = nan


@mutant("elu_backward", "unstable_overflow")
def elu_bw_masks_overflow(dA, cache, alpha=1.0):
    return dA * ((cache > 0) + alpha * np.exp(cache) * (cache <= 0))  # inf * 0 = nan


@mutant("softplus_backward", "unstable_overflow")
def softplus_bw_exp_over_one_plus(dA, cache):
    E = np.exp(cache)
    return dA * E / (E + 1)


# ========== "without overflow or warnings": right values, computed with an overflow
@mutant("softplus_forward", "overflow_warning")
def softplus_where_overflow(Z):
    return np.where(Z > 30, Z, np.log1p(np.exp(Z))), Z  # exp(800) computed, then dropped


def _softmax_fallback(Z):
    E = np.exp(Z)  # overflows for Z > 709: such columns are redone with the shift
    A = E / E.sum(axis=0, keepdims=True)
    bad = ~np.isfinite(A).all(axis=0)
    S = np.exp(Z - Z.max(axis=0, keepdims=True))
    return np.where(bad, S / S.sum(axis=0, keepdims=True), A)


@mutant("softmax_forward", "overflow_warning")
def softmax_fallback(Z):
    return _softmax_fallback(Z), Z


@mutant("softmax_backward", "overflow_warning")
def softmax_bw_fallback(dA, cache):
    A = _softmax_fallback(cache)
    return A * (dA - (A * dA).sum(axis=0, keepdims=True))


# ========== no credit for echoes: the cache is the input Z, handed back
@mutant("relu_forward", "echoed_inputs")
def relu_echo_only(Z):
    return np.zeros_like(Z), Z


@mutant("sigmoid_forward", "echoed_inputs")
def sigmoid_echo_only(Z):
    return np.full_like(Z, 0.5), Z


@mutant("tanh_forward", "echoed_inputs")
def tanh_echo_only(Z):
    return np.zeros_like(Z), Z


@mutant("leaky_relu_forward", "echoed_inputs")
def leaky_echo_only(Z, alpha=0.01):
    return np.zeros_like(Z), Z


@mutant("softmax_forward", "echoed_inputs")
def softmax_echo_only(Z):
    return np.full_like(Z, 1.0 / Z.shape[0]), Z


@mutant("elu_forward", "echoed_inputs")
def elu_echo_only(Z, alpha=1.0):
    return np.zeros_like(Z), Z


@mutant("softplus_forward", "echoed_inputs")
def softplus_echo_only(Z):
    return np.zeros_like(Z), Z
