"""Mutants and correct variants of the chain-rule functions (assignment 1)."""

from __future__ import annotations

import math

import numpy as np

from ._registry import correct, mutant


def _is_arr(*xs):
    return any(isinstance(x, np.ndarray) for x in xs)


def _sig(z):
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


# ========== add_gate_backward
@correct("add_gate_backward")
def add_plain(dout, x, y):
    return dout, dout


@correct("add_gate_backward")
def add_copies(dout, x, y):
    if isinstance(dout, np.ndarray):
        return dout.copy(), np.array(dout)
    return float(dout), float(dout)


@correct("add_gate_backward")
def add_local_times_upstream(dout, x, y):
    local = np.ones_like(x) if isinstance(x, np.ndarray) else 1.0
    return local * dout, local * dout


@mutant("add_gate_backward", "split_not_distribute")
def add_split(dout, x, y):
    return dout / 2, dout / 2


@mutant("add_gate_backward", "forgot_upstream")
def add_ones(dout, x, y):
    return np.ones_like(x) if _is_arr(x) else 1.0, np.ones_like(y) if _is_arr(y) else 1.0


@mutant("add_gate_backward", "mul_rule")
def add_like_mul(dout, x, y):
    return y * dout, x * dout


@mutant("add_gate_backward", "returned_inputs")
def add_inputs(dout, x, y):
    return x, y


@mutant("add_gate_backward", "wrong_structure")
def add_one_value(dout, x, y):
    return dout


@mutant("add_gate_backward", "not_a_float")
def add_arrays(dout, x, y):
    return np.array(dout), np.array(dout)


# ========== mul_gate_backward
@correct("mul_gate_backward")
def mul_plain(dout, x, y):
    return y * dout, x * dout


@correct("mul_gate_backward")
def mul_multiply(dout, x, y):
    return np.multiply(dout, y), np.multiply(dout, x)


@correct("mul_gate_backward")
def mul_list(dout, x, y):
    grads = [dout * other for other in (y, x)]
    return grads[0], grads[1]


@mutant("mul_gate_backward", "not_switched")
def mul_not_switched(dout, x, y):
    return x * dout, y * dout


@mutant("mul_gate_backward", "forgot_upstream")
def mul_local(dout, x, y):
    return y, x


@mutant("mul_gate_backward", "add_rule")
def mul_like_add(dout, x, y):
    return dout, dout


@mutant("mul_gate_backward", "returned_product")
def mul_product(dout, x, y):
    return x * y * dout, x * y * dout


@mutant("mul_gate_backward", "sign_error")
def mul_sign(dout, x, y):
    return -y * dout, -x * dout


@mutant("mul_gate_backward", "mutated_input")
def mul_in_place(dout, x, y):
    dx = y * dout
    if isinstance(x, np.ndarray):
        x *= dout
        return dx, x
    return dx, x * dout


# ========== max_gate_backward
@correct("max_gate_backward")
def max_where(dout, x, y):
    if _is_arr(dout, x, y):
        return np.where(x >= y, dout, 0.0), np.where(x >= y, 0.0, dout)
    return (dout, 0.0) if x >= y else (0.0, dout)


@correct("max_gate_backward")
def max_masks(dout, x, y):
    first = np.asarray(x) >= np.asarray(y)
    dx, dy = dout * first, dout * ~first
    if not _is_arr(dout, x, y):
        return float(dx), float(dy)
    return dx.astype(float), dy.astype(float)


@correct("max_gate_backward")
def max_loop(dout, x, y):
    if not _is_arr(dout, x, y):
        return (float(dout), 0.0) if x >= y else (0.0, float(dout))
    dx, dy = np.zeros_like(dout), np.zeros_like(dout)
    for i in np.ndindex(dout.shape):
        if x[i] >= y[i]:
            dx[i] = dout[i]
        else:
            dy[i] = dout[i]
    return dx, dy


def _route(dout, a, b):
    if _is_arr(dout, a):
        return dout * a.astype(float), dout * b.astype(float)
    return float(dout * a), float(dout * b)


@mutant("max_gate_backward", "distributed_not_routed")
def max_distributes(dout, x, y):
    return dout, dout


@mutant("max_gate_backward", "routed_to_smaller")
def max_smaller(dout, x, y):
    return _route(dout, np.asarray(x) < y, np.asarray(x) >= y)


@mutant("max_gate_backward", "tie_dropped")
def max_seed_indicator(dout, x, y):
    return _route(dout, np.asarray(x) > y, np.asarray(y) > x)


@mutant("max_gate_backward", "tie_to_y")
def max_ties_to_y(dout, x, y):
    return _route(dout, np.asarray(x) > y, np.asarray(x) <= y)


@mutant("max_gate_backward", "mutated_input")
def max_in_place(dout, x, y):
    if not _is_arr(dout):
        return (dout, 0.0) if x >= y else (0.0, dout)
    dy = np.where(x < y, dout, 0.0)
    dout[x < y] = 0.0
    return dout, dy


@mutant("max_gate_backward", "forgot_upstream")
def max_local_only(dout, x, y):
    return _route(1.0 if not _is_arr(dout) else np.ones_like(dout), np.asarray(x) >= y,
                  np.asarray(x) < y)


# ========== xyz_forward_backward
@correct("xyz_forward_backward")
def xyz_gates(x, y, z):
    q = x + y
    f = q * z
    df_dq, df_dz = z, q
    return f, df_dq * 1, df_dq * 1, df_dz


@correct("xyz_forward_backward")
def xyz_symbolic(x, y, z):
    return (x + y) * z, z, z, x + y


@correct("xyz_forward_backward")
def xyz_expanded(x, y, z):
    f = x * z + y * z
    return f, z * 1.0, 1.0 * z, np.add(x, y) if _is_arr(x) else x + y


@mutant("xyz_forward_backward", "precedence")
def xyz_precedence(x, y, z):
    return x + y * z, z, z, x + y


@mutant("xyz_forward_backward", "not_switched")
def xyz_dz_is_z(x, y, z):
    return (x + y) * z, z, z, z


@mutant("xyz_forward_backward", "not_switched")
def xyz_swapped(x, y, z):
    return (x + y) * z, x + y, x + y, z


@mutant("xyz_forward_backward", "forgot_upstream")
def xyz_local(x, y, z):
    one = np.ones_like(x) if _is_arr(x) else 1.0
    return (x + y) * z, one, one, x + y


@mutant("xyz_forward_backward", "missing_path")
def xyz_one_path(x, y, z):
    return (x + y) * z, z, z, x


@mutant("xyz_forward_backward", "wrong_structure")
def xyz_no_f(x, y, z):
    return z, z, x + y


@mutant("xyz_forward_backward", "mutated_input")
def xyz_in_place(x, y, z):
    q = x
    q += y
    return q * z, z, z, q.copy() if _is_arr(q) else q


# ========== sigmoid_neuron_backward
@correct("sigmoid_neuron_backward")
def neuron_vector(w, x):
    xb = np.append(x, 1.0)
    f = 1 / (1 + np.exp(-np.clip(w @ xb, -500, 500)))
    d = f * (1 - f)
    return float(f), d * xb, d * w[:2]


@correct("sigmoid_neuron_backward")
def neuron_gates(w, x):
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = _sig(dot)
    ddot = (1 - f) * f  # the one sigmoid gate
    dw = np.array([x[0] * ddot, x[1] * ddot, ddot])
    dx = np.array([w[0] * ddot, w[1] * ddot])
    return f, dw, dx


@correct("sigmoid_neuron_backward")
def neuron_tanh(w, x):
    dot = float(np.dot(w[:2], x) + w[2])
    f = 0.5 * (1 + math.tanh(dot / 2))
    d = f * (1 - f)
    return f, np.array([d * x[0], d * x[1], d]), d * np.asarray(w[:2], dtype=float)


def _neuron(w, x):
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = _sig(dot)
    return dot, f, f * (1 - f)


@mutant("sigmoid_neuron_backward", "forgot_bias")
def neuron_no_bias(w, x):
    _, f, d = _neuron(w, x)
    return f, np.array([d * x[0], d * x[1], 0.0]), d * w[:2]


@mutant("sigmoid_neuron_backward", "sign_error")
def neuron_sign(w, x):
    _, f, d = _neuron(w, x)
    return f, -d * np.append(x, 1.0), -d * w[:2]


@mutant("sigmoid_neuron_backward", "partial_chain")
def neuron_partial(w, x):
    dot, f, _ = _neuron(w, x)
    a = 1 + np.exp(-dot)
    da = -1 / a**2
    return f, da * np.append(x, 1.0), da * w[:2]


@mutant("sigmoid_neuron_backward", "swapped")
def neuron_swapped(w, x):
    _, f, d = _neuron(w, x)
    return f, d * np.array([w[0], w[1], 1.0]), d * x


@mutant("sigmoid_neuron_backward", "sigmoid_wrong_derivative")
def neuron_f_not_f1f(w, x):
    _, f, _ = _neuron(w, x)
    return f, f * np.append(x, 1.0), f * w[:2]


@mutant("sigmoid_neuron_backward", "not_finite")
def neuron_gate_by_gate(w, x):
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    c = -dot
    b = np.exp(c)
    a = 1 + b
    f = 1 / a
    da = -1 / a**2
    dc = da * b  # -0 * inf = nan when exp(c) overflows
    ddot = -dc
    return float(f), ddot * np.append(x, 1.0), ddot * w[:2]
