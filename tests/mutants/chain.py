"""Mutants and correct variants of the chain-rule functions (assignment 1)."""

from __future__ import annotations

import math

import numpy as np

from ._registry import correct, mutant


def _is_arr(*xs):
    return any(isinstance(x, np.ndarray) for x in xs)


def _sig(z):
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


#: part -> {"correct": [func, ...], "mutants": [(func, code), ...]}: the variants of one gate,
#: one activation or one scaling, put together by :func:`_compose` into whole functions
_PARTS: dict = {}


def _part(part, code=None):
    """Register a right (``code`` None) or wrong implementation of one part of a function
    that takes the part's name (``gate_backward``'s gate, ...)."""

    def deco(func):
        entry = _PARTS.setdefault(part, {"correct": [], "mutants": []})
        if code is None:
            entry["correct"].append(func)
        else:
            entry["mutants"].append((func, code))
        return func

    return deco


def _compose(name, parts, pick):
    """Register ``name``'s correct variants (the parts' correct implementations side by side)
    and its mutants (one wrong part, the others right): ``pick(args)`` is ``(part, rest)``,
    the part a call asks for and the arguments for it."""
    corrects = [_PARTS[p]["correct"] for p in parts]

    def whole(chosen, label):
        def func(*args):
            part, rest = pick(args)
            return chosen[part](*rest)

        func.__name__ = label
        return func

    for i in range(max(map(len, corrects))):
        chosen = {p: c[i % len(c)] for p, c in zip(parts, corrects, strict=True)}
        correct(name)(whole(chosen, "_".join(f.__name__ for f in chosen.values())))
    for p in parts:
        for wrong, code in _PARTS[p]["mutants"]:
            chosen = {q: (wrong if q == p else _PARTS[q]["correct"][0]) for q in parts}
            mutant(name, code)(whole(chosen, wrong.__name__))


# ========== add gate backward: one part of gate_backward
@_part("add")
def add_plain(dout, x, y):
    return dout, dout


@_part("add")
def add_copies(dout, x, y):
    if isinstance(dout, np.ndarray):
        return dout.copy(), np.array(dout)
    return float(dout), float(dout)


@_part("add")
def add_local_times_upstream(dout, x, y):
    local = np.ones_like(x) if isinstance(x, np.ndarray) else 1.0
    return local * dout, local * dout


@_part("add", "split_not_distribute")
def add_split(dout, x, y):
    return dout / 2, dout / 2


@_part("add", "forgot_upstream")
def add_ones(dout, x, y):
    return np.ones_like(x) if _is_arr(x) else 1.0, np.ones_like(y) if _is_arr(y) else 1.0


@_part("add", "mul_rule")
def add_like_mul(dout, x, y):
    return y * dout, x * dout


@_part("add", "returned_inputs")
def add_inputs(dout, x, y):
    return x, y


@_part("add", "wrong_structure")
def add_one_value(dout, x, y):
    return dout


@_part("add", "not_a_float")
def add_arrays(dout, x, y):
    return np.array(dout), np.array(dout)


# ========== mul gate backward: one part of gate_backward
@_part("mul")
def mul_plain(dout, x, y):
    return y * dout, x * dout


@_part("mul")
def mul_multiply(dout, x, y):
    return np.multiply(dout, y), np.multiply(dout, x)


@_part("mul")
def mul_list(dout, x, y):
    grads = [dout * other for other in (y, x)]
    return grads[0], grads[1]


@_part("mul", "not_switched")
def mul_not_switched(dout, x, y):
    return x * dout, y * dout


@_part("mul", "forgot_upstream")
def mul_local(dout, x, y):
    return y, x


@_part("mul", "add_rule")
def mul_like_add(dout, x, y):
    return dout, dout


@_part("mul", "returned_product")
def mul_product(dout, x, y):
    return x * y * dout, x * y * dout


@_part("mul", "sign_error")
def mul_sign(dout, x, y):
    return -y * dout, -x * dout


@_part("mul", "mutated_input")
def mul_in_place(dout, x, y):
    dx = y * dout
    if isinstance(x, np.ndarray):
        x *= dout
        return dx, x
    return dx, x * dout


# ========== max gate backward: one part of gate_backward
@_part("max")
def max_where(dout, x, y):
    if _is_arr(dout, x, y):
        return np.where(x >= y, dout, 0.0), np.where(x >= y, 0.0, dout)
    return (dout, 0.0) if x >= y else (0.0, dout)


@_part("max")
def max_masks(dout, x, y):
    first = np.asarray(x) >= np.asarray(y)
    dx, dy = dout * first, dout * ~first
    if not _is_arr(dout, x, y):
        return float(dx), float(dy)
    return dx.astype(float), dy.astype(float)


@_part("max")
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


@_part("max", "distributed_not_routed")
def max_distributes(dout, x, y):
    return dout, dout


@_part("max", "routed_to_smaller")
def max_smaller(dout, x, y):
    return _route(dout, np.asarray(x) < y, np.asarray(x) >= y)


@_part("max", "tie_dropped")
def max_seed_indicator(dout, x, y):
    return _route(dout, np.asarray(x) > y, np.asarray(y) > x)


@_part("max", "tie_to_y")
def max_ties_to_y(dout, x, y):
    return _route(dout, np.asarray(x) > y, np.asarray(x) <= y)


@_part("max", "mutated_input")
def max_in_place(dout, x, y):
    if not _is_arr(dout):
        return (dout, 0.0) if x >= y else (0.0, dout)
    dy = np.where(x < y, dout, 0.0)
    dout[x < y] = 0.0
    return dout, dy


@_part("max", "forgot_upstream")
def max_local_only(dout, x, y):
    return _route(1.0 if not _is_arr(dout) else np.ones_like(dout), np.asarray(x) >= y,
                  np.asarray(x) < y)


# ========== gate_backward: the three gates above, and mistakes that mix them up
_compose("gate_backward", ("add", "mul", "max"), lambda a: (a[0], a[1:]))


@correct("gate_backward")
def gate_if_chain(gate, dout, x, y):
    if gate == "add":
        return dout * 1.0, dout * 1.0
    if gate == "mul":
        return y * dout, x * dout
    first = np.asarray(x) >= np.asarray(y)
    dx, dy = np.where(first, dout, 0.0), np.where(first, 0.0, dout)
    return (dx, dy) if _is_arr(dout, x, y) else (float(dx), float(dy))


@mutant("gate_backward", "mul_rule")
def gate_all_multiply(gate, dout, x, y):
    return y * dout, x * dout  # the multiply rule for every gate


@mutant("gate_backward", "distributed_not_routed")
def gate_max_as_add(gate, dout, x, y):
    if gate == "mul":
        return y * dout, x * dout
    return dout, dout  # the max gate treated as an add gate


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


@mutant("sigmoid_neuron_backward", "overflow_warning")
def neuron_naive(w, x):
    xb = np.append(x, 1.0)
    f = 1 / (1 + np.exp(-(w @ xb)))  # right values; exp overflows for a large negative w . x
    d = f * (1 - f)
    return float(f), d * xb, d * w[:2]


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


@mutant("sigmoid_neuron_backward", "unstable_overflow")
def neuron_exp_ratio(w, x):
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    e = np.exp(dot)
    f = e / (1 + e)  # inf / inf = nan for a large positive w . x
    d = f * (1 - f)
    return float(f), d * np.append(x, 1.0), d * w[:2]


@mutant("sigmoid_neuron_backward", "unstable_overflow")
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


# ========== problem1_dfdx
@correct("problem1_dfdx")
def p1_chain(x):
    f2 = 5 * x**3 - x + 1
    f1 = f2 - 2
    df_df1 = 8 * f1
    df1_df2 = 1
    df2_dx = 15 * x**2 - 1
    return df_df1 * df1_df2 * df2_dx


@correct("problem1_dfdx")
def p1_expanded(x):
    # 8 (5x^3 - x - 1)(15x^2 - 1) multiplied out
    return 600 * x**5 - 160 * x**3 - 120 * x**2 + 8 * x + 8


@correct("problem1_dfdx")
def p1_numpy(x):
    out = 8 * np.polyval([5, 0, -1, -1], x) * np.polyval([15, 0, -1], x)
    return float(out) if not isinstance(x, np.ndarray) else out


@mutant("problem1_dfdx", "forgot_inner")
def p1_no_inner(x):
    return 8 * (5 * x**3 - x - 1)


@mutant("problem1_dfdx", "used_f2")
def p1_f2(x):
    return 8 * (5 * x**3 - x + 1) * (15 * x**2 - 1)


@mutant("problem1_dfdx", "power_rule")
def p1_power(x):
    return 4 * (5 * x**3 - x - 1) * (15 * x**2 - 1)


@mutant("problem1_dfdx", "returned_f")
def p1_f(x):
    return 4 * (5 * x**3 - x - 1) ** 2


@mutant("problem1_dfdx", "sign_error")
def p1_sign(x):
    return -8 * (5 * x**3 - x - 1) * (15 * x**2 - 1)


@mutant("problem1_dfdx", "not_a_float")
def p1_array(x):
    return np.array(8 * (5 * x**3 - x - 1) * (15 * x**2 - 1))


# ========== problem2_partials
@correct("problem2_partials")
def p2_chain(u, v):
    x = np.sin(u) + np.cos(v)
    y_u, y_v = v * np.exp(u * v), u * np.exp(u * v)
    df_dx, df_dy = 6 * x**2, 1.0
    return df_dx * np.cos(u) + df_dy * y_u, df_dx * -np.sin(v) + df_dy * y_v


@correct("problem2_partials")
def p2_math(u, v):
    if isinstance(u, np.ndarray):
        return p2_chain(u, v)
    x = math.sin(u) + math.cos(v)
    return 6 * x * x * math.cos(u) + v * math.exp(u * v), \
        -6 * x * x * math.sin(v) + u * math.exp(u * v)


@correct("problem2_partials")
def p2_list(u, v):
    x = np.sin(u) + np.cos(v)
    e = np.exp(u * v)
    out = [6 * x**2 * np.cos(u) + v * e, u * e - 6 * x**2 * np.sin(v)]
    if not isinstance(u, np.ndarray):
        out = [float(o) for o in out]
    return out


@mutant("problem2_partials", "exp_inner")
def p2_exp(u, v):
    x = np.sin(u) + np.cos(v)
    return 6 * x**2 * np.cos(u) + np.exp(u * v), -6 * x**2 * np.sin(v) + np.exp(u * v)


@mutant("problem2_partials", "cos_sign")
def p2_cos(u, v):
    x = np.sin(u) + np.cos(v)
    return 6 * x**2 * np.cos(u) + v * np.exp(u * v), 6 * x**2 * np.sin(v) + u * np.exp(u * v)


@mutant("problem2_partials", "missing_path")
def p2_only_x(u, v):
    x = np.sin(u) + np.cos(v)
    return 6 * x**2 * np.cos(u), -6 * x**2 * np.sin(v)


@mutant("problem2_partials", "power_rule")
def p2_power(u, v):
    x = np.sin(u) + np.cos(v)
    return 2 * x**2 * np.cos(u) + v * np.exp(u * v), -2 * x**2 * np.sin(v) + u * np.exp(u * v)


@mutant("problem2_partials", "swapped")
def p2_swapped(u, v):
    du, dv = p2_chain(u, v)
    return dv, du


@mutant("problem2_partials", "wrong_structure")
def p2_sum(u, v):
    du, dv = p2_chain(u, v)
    return du + dv


# ========== sigmoid prime: one part of activation_prime
@_part("sigmoid")
def sp_where(z):
    za = np.asarray(z, dtype=float)
    s = np.where(za >= 0, 1 / (1 + np.exp(-np.abs(za))), np.exp(-np.abs(za)) / (1 + np.exp(
        -np.abs(za))))
    out = s * (1 - s)
    return float(out) if not isinstance(z, np.ndarray) else out


@_part("sigmoid")
def sp_tanh(z):
    s = 0.5 * (1 + np.tanh(np.asarray(z) / 2))
    return s * (1 - s) if isinstance(z, np.ndarray) else float(s * (1 - s))


@_part("sigmoid")
def sp_clip(z):
    s = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
    return s - s * s


@_part("sigmoid", "used_Z_not_activation")
def sp_z(z):
    s = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
    return s * (1 - z)


@_part("sigmoid", "unstable_overflow")
def sp_naive(z):
    e = np.exp(-z)
    return e / (1 + e) ** 2


@_part("sigmoid", "sigmoid_wrong_derivative")
def sp_s(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


@_part("sigmoid", "sigmoid_wrong_derivative")
def sp_tanh_rule(z):
    s = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
    return 1 - s**2


@_part("sigmoid", "sign_error")
def sp_sign(z):
    s = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
    return s * (s - 1)


@_part("sigmoid")
def sp_log_sum_exp(z):
    za = np.asarray(z, dtype=float)
    s = np.exp(-np.logaddexp(0.0, -za))  # sigmoid, via log-sum-exp: never overflows
    out = s * (1 - s)
    return out if isinstance(z, np.ndarray) else float(out)


@_part("sigmoid", "unstable_overflow")
def sp_exp_plus_z(z):
    e = np.exp(z)
    return e / (1 + e) ** 2  # inf / inf = nan for z > 709


@_part("sigmoid", "raised")
def sp_math_exp(z):
    if isinstance(z, np.ndarray):
        return np.vectorize(sp_math_exp)(z)
    e = math.exp(-z)  # OverflowError for z < -709.78
    return e / (1 + e) ** 2


@_part("sigmoid", "overflow_warning")
def sp_naive_s(z):
    s = 1 / (1 + np.exp(-z))  # right values: s is 0 at z = -800, but exp(800) overflows
    return s * (1 - s)


@_part("sigmoid", "not_a_float")
def sp_array(z):
    s = 1 / (1 + np.exp(-np.clip(np.asarray(z, dtype=float), -500, 500)))
    return np.array(s * (1 - s))


# ========== relu prime: one part of activation_prime
@_part("relu")
def rp_astype(z):
    if isinstance(z, np.ndarray):
        return (z > 0).astype(z.dtype)
    return 1.0 if z > 0 else 0.0


@_part("relu")
def rp_where(z):
    out = np.where(np.asarray(z) > 0, 1.0, 0.0)
    return out if isinstance(z, np.ndarray) else float(out)


@_part("relu")
def rp_heaviside(z):
    out = np.heaviside(z, 0.0)
    return float(out) if not isinstance(z, np.ndarray) else out


@_part("relu", "relu_grad_at_zero")
def rp_ge(z):
    return (np.asarray(z) >= 0) * 1.0 if isinstance(z, np.ndarray) else float(z >= 0)


@_part("relu", "relu_grad_at_zero")
def rp_heaviside_one(z):
    return np.heaviside(z, 1.0) if isinstance(z, np.ndarray) else float(np.heaviside(z, 1.0))


@_part("relu", "wrong_dtype")
def rp_bool(z):
    return np.asarray(z) > 0 if isinstance(z, np.ndarray) else float(z > 0)


@_part("relu", "wrong_dtype")
def rp_int(z):
    return (np.asarray(z) > 0).astype(int) if isinstance(z, np.ndarray) else float(z > 0)


@_part("relu", "relu_not_derivative")
def rp_relu(z):
    return np.maximum(z, 0) if isinstance(z, np.ndarray) else max(z, 0.0)


@_part("relu", "inverted_mask")
def rp_inverted(z):
    return (np.asarray(z) <= 0) * 1.0 if isinstance(z, np.ndarray) else float(z <= 0)


# ========== activation_prime: the sigmoid's and the ReLU's derivatives above
_compose("activation_prime", ("sigmoid", "relu"), lambda a: (a[1], a[:1]))


@correct("activation_prime")
def ap_dict(z, activation):
    za = np.asarray(z, dtype=float)
    t = np.exp(-np.abs(za))
    out = {"sigmoid": lambda: t / (1 + t) ** 2, "relu": lambda: (za > 0) * 1.0}[activation]()
    return out if isinstance(z, np.ndarray) else float(out)


@mutant("activation_prime", "ignored_activation")
def ap_always_sigmoid(z, activation):
    return sp_where(z)  # the sigmoid's derivative, whatever the activation


@mutant("activation_prime", "ignored_activation")
def ap_always_relu(z, activation):
    return rp_where(z)


# ========== mse output grad: one part of squared_error_backward
@_part("half")
def mse_plain(a, y):
    return a - y


@_part("half")
def mse_subtract(a, y):
    return np.subtract(a, y)


@_part("half")
def mse_half_of_two(a, y):
    return 0.5 * 2 * (a - y)


@_part("half", "sign_error")
def mse_sign(a, y):
    return y - a


@_part("half", "forgot_half")
def mse_two(a, y):
    return 2 * (a - y)


@_part("half", "averaged_over_m")
def mse_over_m(a, y):
    return (a - y) / a.shape[1]


@_part("half", "mean_over_outputs")
def mse_mean(a, y):
    return 2 * (a - y) / a.shape[0]


@_part("half", "returned_loss")
def mse_loss(a, y):
    return 0.5 * (a - y) ** 2


@_part("half", "lost_dimension")
def mse_summed(a, y):
    return (a - y).sum(axis=1)


@_part("half", "mutated_input")
def mse_in_place(a, y):
    a -= y
    return a.copy()


# ========== average_gradients
@correct("average_gradients")
def avg_mean(per_example):
    return np.mean(per_example, axis=0)


@correct("average_gradients")
def avg_loop(per_example):
    total = np.zeros_like(per_example[0])
    for g in per_example:
        total = total + g
    return total / len(per_example)


@correct("average_gradients")
def avg_einsum(per_example):
    n = per_example.shape[0]
    return np.einsum("i...->...", per_example) / n


@mutant("average_gradients", "missing_1_over_n")
def avg_sum(per_example):
    return per_example.sum(axis=0)


@mutant("average_gradients", "wrong_axis")
def avg_axis1(per_example):
    return per_example.mean(axis=1)


@mutant("average_gradients", "wrong_axis")
def avg_last(per_example):
    return per_example.mean(axis=-1)


@mutant("average_gradients", "mean_all")
def avg_all(per_example):
    return float(np.mean(per_example))


@mutant("average_gradients", "kept_axis")
def avg_keepdims(per_example):
    return per_example.mean(axis=0, keepdims=True)


@mutant("average_gradients", "mutated_input")
def avg_accumulate(per_example):
    total = per_example[0]
    for g in per_example[1:]:
        total += g
    return total / len(per_example)


# ========== softplus_graph_backward
@correct("softplus_graph_backward")
def softplus_gates(x):
    b = np.exp(x)
    a = 1 + b
    y = np.log(a)
    dy_da = 1 / a
    dy_db = dy_da * 1
    dy_dx = dy_db * b
    return y, dy_da, dy_db, dy_dx


@correct("softplus_graph_backward")
def softplus_sigmoid(x):
    if isinstance(x, np.ndarray):
        return np.log1p(np.exp(x)), 1 / (1 + np.exp(x)), 1 / (1 + np.exp(x)), \
            1 / (1 + np.exp(-x))
    a = 1 + math.exp(x)
    return math.log(a), 1 / a, 1 / a, _sig(x)


@correct("softplus_graph_backward")
def softplus_logaddexp(x):
    y = np.logaddexp(0, x)
    inv_a = np.exp(-y)
    out = (y, inv_a, inv_a, 1 - inv_a)
    return out if isinstance(x, np.ndarray) else tuple(float(v) for v in out)


@mutant("softplus_graph_backward", "forgot_inner")
def softplus_no_inner(x):
    a = 1 + np.exp(x)
    return np.log(a), 1 / a, 1 / a, 1 / a


@mutant("softplus_graph_backward", "partial_chain")
def softplus_exp_only(x):
    a = 1 + np.exp(x)
    return np.log(a), 1 / a, 1 / a, np.exp(x)


@mutant("softplus_graph_backward", "softplus_missing_one")
def softplus_no_one(x):
    b = np.exp(x)
    a = 1 + b
    return np.log(b), 1 / a, 1 / a, b / a


@mutant("softplus_graph_backward", "wrong_local")
def softplus_local_a(x):
    b = np.exp(x)
    a = 1 + b
    return np.log(a), a, a, b / a


@mutant("softplus_graph_backward", "sign_error")
def softplus_sign(x):
    b = np.exp(x)
    a = 1 + b
    return np.log(a), 1 / a, 1 / a, -b / a


@mutant("softplus_graph_backward", "wrong_structure")
def softplus_three(x):
    a = 1 + np.exp(x)
    return np.log(a), 1 / a, np.exp(x) / a


# ========== sigmoid_dot_backward
@mutant("sigmoid_dot_backward", "overflow_warning")  # right values; exp(-(w . x)) overflows
def sd_plain(w, x):
    y = 1 / (1 + np.exp(-(w @ x)))
    return float(y), y * (1 - y) * x, y * (1 - y) * w


@correct("sigmoid_dot_backward")
def sd_graph(w, x):
    # the four gates, exponentiating only -|e| (the mirror form below 0): no overflow
    e = np.dot(w, x)
    c = -abs(e)
    b = math.exp(c)
    a = 1 + b
    y = 1 / a if e >= 0 else b / a
    dy_de = y * (1 - y)
    return y, dy_de * x, dy_de * w


@correct("sigmoid_dot_backward")
def sd_logaddexp(w, x):
    e = float(np.dot(w, x))
    y = math.exp(-np.logaddexp(0.0, -e))  # log-sigmoid via log-sum-exp, then exp (<= 1)
    return y, y * (1 - y) * x, y * (1 - y) * w


@mutant("sigmoid_dot_backward", "raised")
def sd_graph_math_exp(w, x):
    # the four gates as drawn: math.exp(-e) raises OverflowError once -e > 709.78
    e = np.dot(w, x)
    c = -e
    b = math.exp(c)
    a = 1 + b
    y = 1 / a
    dy_da = -1 / a**2
    dy_dc = dy_da * b
    dy_de = -dy_dc
    return y, dy_de * x, dy_de * w


@mutant("sigmoid_dot_backward", "unstable_overflow")
def sd_exp_ratio(w, x):
    t = np.exp(w @ x)
    y = t / (1 + t)  # inf / inf = nan for a large positive w . x
    return float(y), y * (1 - y) * x, y * (1 - y) * w


@mutant("sigmoid_dot_backward", "unstable_overflow")
def sd_gates_nan(w, x):
    b = np.exp(-(w @ x))
    a = 1 + b
    dy_de = b / a**2  # inf / inf = nan for a large negative w . x
    return float(1 / a), dy_de * x, dy_de * w


@correct("sigmoid_dot_backward")
def sd_loop(w, x):
    e = sum(wi * xi for wi, xi in zip(w.tolist(), x.tolist(), strict=True))
    y = _sig(e)
    d = y * (1 - y)
    return y, np.array([d * xi for xi in x]), np.array([d * wi for wi in w])


@mutant("sigmoid_dot_backward", "seed_sign_error")
def sd_seed(w, x):
    y = 1 / (1 + np.exp(-(w @ x)))
    return float(y), -y * (1 - y) * x, -y * (1 - y) * w


@mutant("sigmoid_dot_backward", "swapped")
def sd_swapped(w, x):
    y = 1 / (1 + np.exp(-(w @ x)))
    return float(y), y * (1 - y) * w, y * (1 - y) * x


@mutant("sigmoid_dot_backward", "sigmoid_wrong_derivative")
def sd_y_only(w, x):
    y = 1 / (1 + np.exp(-(w @ x)))
    return float(y), y * x, y * w


@mutant("sigmoid_dot_backward", "forgot_activation")
def sd_no_sigmoid(w, x):
    y = 1 / (1 + np.exp(-(w @ x)))
    return float(y), x.copy(), w.copy()


@mutant("sigmoid_dot_backward", "sigmoid_sign")
def sd_exp_sign(w, x):
    y = 1 / (1 + np.exp(w @ x))
    return float(y), y * (1 - y) * x, y * (1 - y) * w


@mutant("sigmoid_dot_backward", "wrong_shape")
def sd_columns(w, x):
    y = 1 / (1 + np.exp(-(w @ x)))
    return float(y), (y * (1 - y) * x)[:, None], (y * (1 - y) * w)[:, None]


# ========== squared error grad: one part of squared_error_backward
@_part("full")
def sq_plain(x, h):
    return 2 * (x - h)


@_part("full")
def sq_chain(x, h):
    y = x - h
    grad_y = 2 * y
    jac = np.eye(len(x))  # dy/dx = I (never build it for real)
    return jac @ grad_y


@_part("full")
def sq_loop(x, h):
    return np.array([2.0 * (a - b) for a, b in zip(x, h, strict=True)])


@_part("full", "forgot_factor_2")
def sq_no_2(x, h):
    return x - h


@_part("full", "sign_error")
def sq_sign(x, h):
    return 2 * (h - x)


@_part("full", "returned_loss")
def sq_loss(x, h):
    return float(np.sum((x - h) ** 2))


@_part("full", "norm_not_squared")
def sq_norm(x, h):
    return (x - h) / np.linalg.norm(x - h)


@_part("full", "mutated_input")
def sq_in_place(x, h):
    x -= h
    return 2 * x


@_part("full", "wrong_shape")
def sq_column(x, h):
    return 2 * (x - h).reshape(-1, 1)


# ========== squared_error_backward: with the 1/2 (the mse part) and without (the sq part)
_compose("squared_error_backward", ("half", "full"),
         lambda a: ("half" if a[2] else "full", a[:2]))


@correct("squared_error_backward")
def se_scale(a, y, half=False):
    c = 0.5 if half else 1.0
    return c * 2 * (a - y)


@mutant("squared_error_backward", "forgot_half")
def se_ignores_half(a, y, half=False):
    return 2 * (a - y)


@mutant("squared_error_backward", "forgot_factor_2")
def se_always_half(a, y, half=False):
    return a - y


# ========== relu_layer_jacobian
@correct("relu_layer_jacobian")
def jac_diag(W, b, x):
    return np.diag((W @ x + b > 0).astype(float)) @ W


@correct("relu_layer_jacobian")
def jac_where(W, b, x):
    a = np.dot(W, x) + b
    return np.where((a > 0)[:, None], W, 0.0)


@correct("relu_layer_jacobian")
def jac_loop(W, b, x):
    h, n = W.shape
    J = np.zeros((h, n))
    for i in range(h):
        a_i = sum(W[i, j] * x[j] for j in range(n)) + b[i]
        if a_i > 0:
            J[i] = W[i]
    return J


@mutant("relu_layer_jacobian", "forgot_mask")
def jac_no_mask(W, b, x):
    return W.copy()


@mutant("relu_layer_jacobian", "transposed")
def jac_transposed(W, b, x):
    return (W * (W @ x + b > 0)[:, None]).T


@mutant("relu_layer_jacobian", "relu_grad_at_zero")
def jac_ge(W, b, x):
    return W * (W @ x + b >= 0)[:, None]


@mutant("relu_layer_jacobian", "returned_mask")
def jac_mask(W, b, x):
    return np.diag((W @ x + b > 0) * 1.0)


@mutant("relu_layer_jacobian", "mask_from_x")
def jac_x_mask(W, b, x):
    return W * (x > 0)


@mutant("relu_layer_jacobian", "mutated_input")
def jac_in_place(W, b, x):
    W[W @ x + b <= 0] = 0.0
    return W.copy()


# ========== relu_layer_backward
@correct("relu_layer_backward")
def rlb_outer(W, b, x, z):
    a = W @ x + b
    g = 2 * (np.maximum(a, 0) - z) * (a > 0)
    return np.outer(g, x), g, W.T @ g


@correct("relu_layer_backward")
def rlb_columns(W, b, x, z):
    xc, zc, bc = x[:, None], z[:, None], b[:, None]
    a = W @ xc + bc
    h = np.where(a > 0, a, 0.0)
    g = 2 * (h - zc) * (a > 0)
    return g @ xc.T, g.ravel(), (W.T @ g).ravel()


@correct("relu_layer_backward")
def rlb_einsum(W, b, x, z):
    a = np.einsum("ij,j->i", W, x) + b
    dl_dh = 2 * (np.maximum(a, 0) - z)
    g = dl_dh * np.heaviside(a, 0.0)
    return np.einsum("i,j->ij", g, x), g.copy(), np.einsum("ij,i->j", W, g)


def _g(W, b, x, z, strict=True, factor=2):
    a = W @ x + b
    return factor * (np.maximum(a, 0) - z) * ((a > 0) if strict else (a >= 0))


@mutant("relu_layer_backward", "transposed_dW")
def rlb_x_gT(W, b, x, z):
    g = _g(W, b, x, z)
    return np.outer(x, g), g, W.T @ g


@mutant("relu_layer_backward", "forgot_mask")
def rlb_no_mask(W, b, x, z):
    g = 2 * (np.maximum(W @ x + b, 0) - z)
    return np.outer(g, x), g, W.T @ g


@mutant("relu_layer_backward", "relu_grad_at_zero")
def rlb_ge(W, b, x, z):
    g = _g(W, b, x, z, strict=False)
    return np.outer(g, x), g, W.T @ g


@mutant("relu_layer_backward", "forgot_factor_2")
def rlb_half(W, b, x, z):
    g = _g(W, b, x, z, factor=1)
    return np.outer(g, x), g, W.T @ g


@mutant("relu_layer_backward", "dA_prev_not_transposed")
def rlb_W_g(W, b, x, z):
    g = _g(W, b, x, z)
    return np.outer(g, x), g, W @ g  # raises unless W is square


@mutant("relu_layer_backward", "sign_error")
def rlb_sign(W, b, x, z):
    g = -_g(W, b, x, z)
    return np.outer(g, x), g, W.T @ g


# ========== dc_dW_tensor
@correct("dc_dW_tensor")
def tensor_einsum(x, h):
    return np.einsum("ik,j->ijk", np.eye(h), x)


@correct("dc_dW_tensor")
def tensor_loops(x, h):
    n = len(x)
    T = np.zeros((h, n, h))
    for i in range(h):
        for j in range(n):
            for k in range(h):
                if i == k:
                    T[i, j, k] = x[j]
    return T


@correct("dc_dW_tensor")
def tensor_broadcast(x, h):
    eye = np.eye(h)
    return eye[:, None, :] * x[None, :, None]


@mutant("dc_dW_tensor", "seed_tensor_error")
def tensor_full(x, h):
    return np.tile(x[None, :, None], (h, 1, h))


@mutant("dc_dW_tensor", "wrong_axes")
def tensor_ikj(x, h):
    return np.einsum("ik,j->ikj", np.eye(h), x)


@mutant("dc_dW_tensor", "wrong_axes")
def tensor_jik(x, h):
    return np.einsum("ik,j->jik", np.eye(h), x)


@mutant("dc_dW_tensor", "identity_not_x")
def tensor_ones(x, h):
    return np.einsum("ik,j->ijk", np.eye(h), np.ones_like(x))


@mutant("dc_dW_tensor", "not_an_array")
def tensor_lists(x, h):
    return [[[float(x[j]) if i == k else 0.0 for k in range(h)] for j in range(len(x))]
            for i in range(h)]


@mutant("dc_dW_tensor", "wrong_values")
def tensor_first_only(x, h):
    T = np.zeros((h, len(x), h))
    T[0, :, 0] = x
    return T


# ========== contract_dc_dW
@correct("contract_dc_dW")
def contract_einsum(T, g):
    return np.einsum("ijk,k->ij", T, g)


@correct("contract_dc_dW")
def contract_matmul(T, g):
    return T @ g


@correct("contract_dc_dW")
def contract_loop(T, g):
    out = np.zeros(T.shape[:2])
    for k in range(len(g)):
        out = out + T[:, :, k] * g[k]
    return out


@mutant("contract_dc_dW", "wrong_axes")
def contract_first_axis(T, g):
    return np.einsum("ijk,i->jk", T, g)


@mutant("contract_dc_dW", "forgot_upstream")
def contract_no_g(T, g):
    return T.sum(axis=2)


@mutant("contract_dc_dW", "transposed")
def contract_transposed(T, g):
    return (T @ g).T


@mutant("contract_dc_dW", "wrong_scale")
def contract_mean(T, g):
    return (T @ g) / len(g)


@mutant("contract_dc_dW", "mutated_input")
def contract_in_place(T, g):
    T *= g
    return T.sum(axis=2)


@mutant("contract_dc_dW", "wrong_values")
def contract_last_slice(T, g):
    return T[:, :, -1] * g[-1]


# ========== micrograd_grads: a student's Value class, right or with one classic mistake
def _value_class(accumulate=True, order="recursive", tanh_sq=True, exp_out=True,
                 switch=True, upstream=True, root=1.0):
    def acc(node, g):
        node.grad = node.grad + g if accumulate else g

    class MyValue:
        def __init__(self, data, _children=()):
            self.data, self.grad = float(data), 0.0
            self._prev, self._backward = tuple(_children), lambda: None

        def __add__(self, other):
            out = MyValue(self.data + other.data, (self, other))

            def _backward():
                acc(self, out.grad if upstream else 1.0)
                acc(other, out.grad if upstream else 1.0)

            out._backward = _backward
            return out

        def __mul__(self, other):
            out = MyValue(self.data * other.data, (self, other))

            def _backward():
                a, b = (other.data, self.data) if switch else (self.data, other.data)
                acc(self, a * out.grad if upstream else a)
                acc(other, b * out.grad if upstream else b)

            out._backward = _backward
            return out

        def exp(self):
            out = MyValue(math.exp(self.data), (self,))

            def _backward():
                local = out.data if exp_out else self.data
                acc(self, local * out.grad if upstream else local)

            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = MyValue(t, (self,))

            def _backward():
                local = 1 - t**2 if tanh_sq else 1 - t
                acc(self, local * out.grad if upstream else local)

            out._backward = _backward
            return out

        def backward(self):
            self.grad = root
            if order == "recursive":  # micrograd's build_topo
                topo, visited = [], set()

                def build(v):
                    if v not in visited:
                        visited.add(v)
                        for child in v._prev:
                            build(child)
                        topo.append(v)

                build(self)
                for v in reversed(topo):
                    v._backward()
            elif order == "stack":  # iterative depth-first search
                topo, seen, stack = [], set(), [(self, False)]
                while stack:
                    v, done = stack.pop()
                    if done:
                        topo.append(v)
                    elif v not in seen:
                        seen.add(v)
                        stack.append((v, True))
                        stack.extend((c, False) for c in v._prev if c not in seen)
                for v in reversed(topo):
                    v._backward()
            elif order == "kahn":  # count the consumers, release a node when all are done
                users, todo = {}, [self]
                seen = {self}
                while todo:
                    v = todo.pop()
                    for c in v._prev:
                        users[c] = users.get(c, 0) + 1
                        if c not in seen:
                            seen.add(c)
                            todo.append(c)
                ready = [self]
                while ready:
                    v = ready.pop()
                    v._backward()
                    for c in set(v._prev):
                        users[c] -= v._prev.count(c)
                        if users[c] == 0:
                            ready.append(c)
            elif order == "forward":
                topo, visited = [], set()

                def build(v):
                    if v not in visited:
                        visited.add(v)
                        for child in v._prev:
                            build(child)
                        topo.append(v)

                build(self)
                for v in topo:
                    v._backward()
            elif order == "bfs":
                queue, seen = [self], {self}
                while queue:
                    v = queue.pop(0)
                    v._backward()
                    for c in v._prev:
                        if c not in seen:
                            seen.add(c)
                            queue.append(c)
            else:  # recursion along every path
                def down(v):
                    v._backward()
                    for c in v._prev:
                        down(c)

                down(self)

    return MyValue


def _grads_with(cls):
    def micrograd_grads(expr, inputs):
        leaves = {name: cls(v) for name, v in inputs.items()}
        built = {}

        def node(e):
            if isinstance(e, str):
                return leaves[e]
            if not isinstance(e, tuple):
                return cls(e)
            if e not in built:
                args = [node(a) for a in e[1:]]
                op = e[0]
                built[e] = (args[0] + args[1] if op == "add" else args[0] * args[1]
                            if op == "mul" else getattr(args[0], op)())
            return built[e]

        node(expr).backward()
        return {name: leaf.grad for name, leaf in leaves.items()}

    return micrograd_grads


def _micro(name, **kw):
    func = _grads_with(_value_class(**kw))
    func.__name__ = name
    return func


correct("micrograd_grads")(_micro("recursive_topo"))
correct("micrograd_grads")(_micro("iterative_topo", order="stack"))
correct("micrograd_grads")(_micro("kahn_order", order="kahn"))


@mutant("micrograd_grads", "uses_course_tool")  # the exercise is to write your own
def coursekit_value(expr, inputs):
    from coursekit import Value

    return _grads_with(Value)(expr, inputs)


mutant("micrograd_grads", "no_accumulate")(_micro("assign_not_add", accumulate=False))
mutant("micrograd_grads", "no_topo_order")(_micro("breadth_first", order="bfs"))
mutant("micrograd_grads", "no_topo_order")(_micro("recursive_per_path", order="paths"))
mutant("micrograd_grads", "order_not_reversed")(_micro("topo_not_reversed", order="forward"))
mutant("micrograd_grads", "root_grad_not_one")(_micro("root_grad_zero", root=0.0))
mutant("micrograd_grads", "tanh_not_squared")(_micro("tanh_one_minus_t", tanh_sq=False))
mutant("micrograd_grads", "exp_local_is_x")(_micro("exp_local_x", exp_out=False))
mutant("micrograd_grads", "mul_not_switched")(_micro("mul_same_input", switch=False))
mutant("micrograd_grads", "forgot_upstream")(_micro("local_only", upstream=False))
