"""Mutants and correct variants of assignment 3's tanh + softmax network:
``tanh_softmax_backward``, ``train_tanh_softmax`` and ``predict_tanh_softmax``.

The loops call the notebook's given ``init_tanh_softmax``, ``tanh_softmax_forward`` and
``tanh_softmax_cost`` (written out here as the notebook gives them) and a right
``tanh_softmax_backward``, as a student's loop calls the student's own.
"""

from __future__ import annotations

import copy

import numpy as np

from ._registry import correct, mutant


# --------------------------------------------------------------------------- the given code
def init_tanh_softmax(p, N, C, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((N, p)) / np.sqrt(p), "b1": np.zeros((N, 1)),
            "W2": rng.standard_normal((C, N)) / np.sqrt(N), "b2": np.zeros((C, 1))}


def tanh_softmax_forward(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    E = np.exp(Z2 - Z2.max(axis=0, keepdims=True))
    A2 = E / E.sum(axis=0, keepdims=True)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def tanh_softmax_cost(A2, Y):
    return float(-np.sum(Y * np.log(A2)) / Y.shape[1])


# ========== tanh_softmax_backward
@correct("tanh_softmax_backward")
def tsb_closed_form(X, Y, cache, parameters):
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - cache["A1"] ** 2)
    return {"dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
            "dW2": dZ2 @ cache["A1"].T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}


@correct("tanh_softmax_backward")
def tsb_tanh_of_Z1_einsum(X, Y, cache, parameters):
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dZ1 = np.einsum("ck,cm->km", parameters["W2"], dZ2) * (1 - np.tanh(cache["Z1"]) ** 2)
    return {"dW2": np.einsum("cm,km->ck", dZ2, cache["A1"]) / m,
            "db2": np.mean(dZ2, axis=1, keepdims=True),
            "dW1": np.einsum("km,pm->kp", dZ1, X) / m,
            "db1": np.mean(dZ1, axis=1).reshape(-1, 1)}


@correct("tanh_softmax_backward")
def tsb_loop_over_examples(X, Y, cache, parameters):
    """Outer products one example at a time, averaged (slow, but right)."""
    m = X.shape[1]
    W2, A1, A2 = parameters["W2"], cache["A1"], cache["A2"]
    g = {"dW1": np.zeros_like(parameters["W1"]), "db1": np.zeros_like(parameters["b1"]),
         "dW2": np.zeros_like(W2), "db2": np.zeros_like(parameters["b2"])}
    for i in range(m):
        d2 = A2[:, [i]] - Y[:, [i]]
        d1 = np.dot(W2.T, d2) * (1 - A1[:, [i]] * A1[:, [i]])
        g["dW2"] += np.outer(d2, A1[:, i]) / m
        g["db2"] += d2 / m
        g["dW1"] += np.outer(d1, X[:, i]) / m
        g["db1"] += d1 / m
    return g


@correct("tanh_softmax_backward")
def tsb_through_layer_functions(X, Y, cache, parameters):
    """The two layers' linear backward, written as helpers."""
    def linear_backward(dZ, A_prev, W):
        m = A_prev.shape[1]
        return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m

    dA1, dW2, db2 = linear_backward(cache["A2"] - Y, cache["A1"], parameters["W2"])
    _, dW1, db1 = linear_backward(dA1 * (1 - np.square(cache["A1"])), X, parameters["W1"])
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def _bw(X, Y, cache, parameters, tanh_prime=None, dZ2=None, scale=True, axis=1, keep=True):
    m = X.shape[1] if scale else 1
    A1 = cache["A1"]
    dZ2 = cache["A2"] - Y if dZ2 is None else dZ2
    d = 1 - A1 ** 2 if tanh_prime is None else tanh_prime
    dZ1 = (parameters["W2"].T @ dZ2) * d
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=axis, keepdims=keep) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=axis, keepdims=keep) / m}


@mutant("tanh_softmax_backward", "tanh_derivative_of_Z")
def tsb_tanh_prime_of_Z(X, Y, cache, parameters):
    return _bw(X, Y, cache, parameters, tanh_prime=1 - cache["Z1"] ** 2)


@mutant("tanh_softmax_backward", "forgot_tanh_derivative")
def tsb_no_tanh_prime(X, Y, cache, parameters):
    return _bw(X, Y, cache, parameters, tanh_prime=1.0)


@mutant("tanh_softmax_backward", "tanh_applied_twice")
def tsb_tanh_of_A1(X, Y, cache, parameters):
    return _bw(X, Y, cache, parameters, tanh_prime=1 - np.tanh(cache["A1"]) ** 2)


@mutant("tanh_softmax_backward", "missing_1_over_m")
def tsb_no_1_over_m(X, Y, cache, parameters):
    return _bw(X, Y, cache, parameters, scale=False)


@mutant("tanh_softmax_backward", "softmax_jacobian_twice")
def tsb_jacobian_twice(X, Y, cache, parameters):
    A2 = cache["A2"]
    return _bw(X, Y, cache, parameters, dZ2=(A2 - Y) * A2 * (1 - A2))


@mutant("tanh_softmax_backward", "dA2_as_dZ2")
def tsb_dA2(X, Y, cache, parameters):
    return _bw(X, Y, cache, parameters, dZ2=-Y / cache["A2"])


@mutant("tanh_softmax_backward", "db_wrong_axis")
def tsb_db_axis0(X, Y, cache, parameters):
    return _bw(X, Y, cache, parameters, axis=0)


@mutant("tanh_softmax_backward", "db_no_keepdims")
def tsb_db_flat(X, Y, cache, parameters):
    return _bw(X, Y, cache, parameters, keep=False)


@mutant("tanh_softmax_backward", "seed_sign")
def tsb_seed_sign(X, Y, cache, parameters):
    return _bw(X, Y, cache, parameters, dZ2=Y - cache["A2"])


@mutant("tanh_softmax_backward", "transposed_dW")
def tsb_transposed_dW(X, Y, cache, parameters):
    g = _bw(X, Y, cache, parameters)
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    g["dW2"] = cache["A1"] @ dZ2.T / m
    return g


@mutant("tanh_softmax_backward", "mutated_input")
def tsb_in_place(X, Y, cache, parameters):
    A2 = cache["A2"]
    A2 -= Y  # dZ2 computed in place: the cache's A2 is changed
    g = _bw(X, np.zeros_like(Y), cache, parameters)
    return g


# ========== train_tanh_softmax
def tanh_softmax_backward(X, Y, cache, parameters):
    return tsb_closed_form(X, Y, cache, parameters)


@correct("train_tanh_softmax")
def train_dict_comprehension(X, Y, n_h, learning_rate, num_iterations, seed=0,
                             parameters=None):
    if parameters is None:
        parameters = init_tanh_softmax(X.shape[0], n_h, Y.shape[0], seed)
    costs = []
    for _ in range(num_iterations):
        A2, cache = tanh_softmax_forward(X, parameters)
        costs.append(tanh_softmax_cost(A2, Y))
        grads = tanh_softmax_backward(X, Y, cache, parameters)
        parameters = {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}
    return parameters, costs


@correct("train_tanh_softmax")
def train_in_place_on_a_copy(X, Y, n_h, learning_rate, num_iterations, seed=0,
                             parameters=None):
    params = (copy.deepcopy(parameters) if parameters is not None
              else init_tanh_softmax(X.shape[0], n_h, Y.shape[0], seed=seed))
    costs = []
    i = 0
    while i < num_iterations:
        A2, cache = tanh_softmax_forward(X, params)
        costs.append(tanh_softmax_cost(A2, Y))
        grads = tanh_softmax_backward(X, Y, cache, params)
        for key in ("W1", "b1", "W2", "b2"):
            params[key] -= learning_rate * grads["d" + key]
        i += 1
    return params, costs


@correct("train_tanh_softmax")
def train_numpy_costs_then_floats(X, Y, n_h, learning_rate, num_iterations, seed=0,
                                  parameters=None):
    p = parameters if parameters is not None else init_tanh_softmax(
        X.shape[0], n_h, Y.shape[0], seed)
    p = dict(p)
    costs = np.zeros(num_iterations)
    for i in range(num_iterations):
        A2, cache = tanh_softmax_forward(X, p)
        costs[i] = tanh_softmax_cost(A2, Y)
        g = tanh_softmax_backward(X, Y, cache, p)
        p["W1"], p["b1"] = p["W1"] - learning_rate * g["dW1"], p["b1"] - learning_rate * g["db1"]
        p["W2"], p["b2"] = p["W2"] - learning_rate * g["dW2"], p["b2"] - learning_rate * g["db2"]
    return p, [float(c) for c in costs]


def _train(X, Y, n_h, lr, n, seed, parameters, *, sign=1.0, rate=None, carry=True,
           after=False, every=1, steps=None, biases=True, backward=tanh_softmax_backward,
           seed_used=None):
    if parameters is None:
        parameters = init_tanh_softmax(X.shape[0], n_h, Y.shape[0],
                                       seed if seed_used is None else seed_used)
    first = parameters
    costs = []
    for i in range(n if steps is None else steps):
        used = parameters if carry else first
        A2, cache = tanh_softmax_forward(X, used)
        grads = backward(X, Y, cache, used)
        step = lr if rate is None else rate
        new = {k: (v - sign * step * grads["d" + k] if biases or k[0] == "W" else v)
               for k, v in used.items()}
        if i % every == 0:
            costs.append(tanh_softmax_cost(tanh_softmax_forward(X, new)[0] if after else A2, Y))
        parameters = new
    return parameters, costs


@mutant("train_tanh_softmax", "gradient_ascent")
def train_plus(X, Y, n_h, learning_rate, num_iterations, seed=0, parameters=None):
    return _train(X, Y, n_h, learning_rate, num_iterations, seed, parameters, sign=-1.0)


@mutant("train_tanh_softmax", "ignored_learning_rate")
def train_no_rate(X, Y, n_h, learning_rate, num_iterations, seed=0, parameters=None):
    return _train(X, Y, n_h, learning_rate, num_iterations, seed, parameters, rate=1.0)


@mutant("train_tanh_softmax", "parameters_not_carried")
def train_not_carried(X, Y, n_h, learning_rate, num_iterations, seed=0, parameters=None):
    return _train(X, Y, n_h, learning_rate, num_iterations, seed, parameters, carry=False)


@mutant("train_tanh_softmax", "cost_after_update")
def train_cost_after(X, Y, n_h, learning_rate, num_iterations, seed=0, parameters=None):
    return _train(X, Y, n_h, learning_rate, num_iterations, seed, parameters, after=True)


@mutant("train_tanh_softmax", "costs_wrong_steps")
def train_every_100(X, Y, n_h, learning_rate, num_iterations, seed=0, parameters=None):
    return _train(X, Y, n_h, learning_rate, num_iterations, seed, parameters, every=100)


@mutant("train_tanh_softmax", "off_by_one_steps")
def train_one_short(X, Y, n_h, learning_rate, num_iterations, seed=0, parameters=None):
    return _train(X, Y, n_h, learning_rate, num_iterations, seed, parameters,
                  steps=num_iterations - 1)


@mutant("train_tanh_softmax", "only_W_updated")
def train_only_W(X, Y, n_h, learning_rate, num_iterations, seed=0, parameters=None):
    return _train(X, Y, n_h, learning_rate, num_iterations, seed, parameters, biases=False)


@mutant("train_tanh_softmax", "ignored_seed")
def train_seed_zero(X, Y, n_h, learning_rate, num_iterations, seed=0, parameters=None):
    return _train(X, Y, n_h, learning_rate, num_iterations, seed, parameters, seed_used=0)


@mutant("train_tanh_softmax", "mutated_input")
def train_in_place_on_the_given(X, Y, n_h, learning_rate, num_iterations, seed=0,
                                parameters=None):
    params = parameters if parameters is not None else init_tanh_softmax(
        X.shape[0], n_h, Y.shape[0], seed)
    costs = []
    for _ in range(num_iterations):
        A2, cache = tanh_softmax_forward(X, params)
        costs.append(tanh_softmax_cost(A2, Y))
        grads = tanh_softmax_backward(X, Y, cache, params)
        for key in params:
            params[key] -= learning_rate * grads["d" + key]  # the caller's arrays
    return params, costs


@correct("train_tanh_softmax")
def train_right_loop_wrong_backward(X, Y, n_h, learning_rate, num_iterations, seed=0,
                                    parameters=None):
    """A right loop calling a tanh_softmax_backward without its 1/m: the loop keeps its
    points (with a note); the backward loses its own."""
    return _train(X, Y, n_h, learning_rate, num_iterations, seed, parameters,
                  backward=tsb_no_1_over_m)


# ========== predict_tanh_softmax
@correct("predict_tanh_softmax")
def predict_argmax_A2(X, parameters):
    A2, _ = tanh_softmax_forward(X, parameters)
    return np.argmax(A2, axis=0)


@correct("predict_tanh_softmax")
def predict_argmax_Z2(X, parameters):
    """The softmax keeps the order of the scores."""
    A1 = np.tanh(np.dot(parameters["W1"], X) + parameters["b1"])
    return (parameters["W2"] @ A1 + parameters["b2"]).argmax(axis=0)


@correct("predict_tanh_softmax")
def predict_loop(X, parameters):
    _, cache = tanh_softmax_forward(X, parameters)
    A2 = cache["A2"]
    return np.array([int(np.argmax(A2[:, i])) for i in range(A2.shape[1])])


@mutant("predict_tanh_softmax", "returned_probabilities")
def predict_probabilities(X, parameters):
    return tanh_softmax_forward(X, parameters)[0]


@mutant("predict_tanh_softmax", "returned_one_hot")
def predict_one_hot(X, parameters):
    A2, _ = tanh_softmax_forward(X, parameters)
    return (A2 == A2.max(axis=0, keepdims=True)).astype(float)


@mutant("predict_tanh_softmax", "argmax_wrong_axis")
def predict_axis_1(X, parameters):
    return np.argmax(tanh_softmax_forward(X, parameters)[0], axis=1)


@mutant("predict_tanh_softmax", "argmax_no_axis")
def predict_no_axis(X, parameters):
    return np.argmax(tanh_softmax_forward(X, parameters)[0])


@mutant("predict_tanh_softmax", "kept_dims")
def predict_row(X, parameters):
    return np.argmax(tanh_softmax_forward(X, parameters)[0], axis=0, keepdims=True)


@mutant("predict_tanh_softmax", "one_based")
def predict_plus_one(X, parameters):
    return np.argmax(tanh_softmax_forward(X, parameters)[0], axis=0) + 1


@mutant("predict_tanh_softmax", "used_hidden_layer")
def predict_hidden(X, parameters):
    return np.argmax(tanh_softmax_forward(X, parameters)[1]["A1"], axis=0)


# ========== two_layer_model (section 8): the loop calls the layer functions, here those
# of course.nn (right ones, as a student's loop calls the student's own), and the given
# init_two_layer and two_layer_cost (written out as the notebook gives them)
from course.nn import (  # noqa: E402
    ACTIVATIONS,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
)


def init_two_layer(n_x, n_h, n_y=1, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((n_h, n_x)) / np.sqrt(n_x), "b1": np.zeros((n_h, 1)),
            "W2": rng.standard_normal((n_y, n_h)) / np.sqrt(n_h), "b2": np.zeros((n_y, 1))}


def two_layer_cost(A2, Y):
    A = np.clip(A2, 1e-12, 1 - 1e-12)
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / Y.shape[1])


def _two_layer_step(X, Y, p, *, fused=True, hidden_sigmoid=True, output_act=True):
    """Forward, cost and gradients of one step (a right one with the defaults)."""
    A1, cache1 = linear_activation_forward(X, p["W1"], p["b1"], "sigmoid")
    A2, cache2 = linear_activation_forward(A1, p["W2"], p["b2"], "sigmoid")
    cost = two_layer_cost(A2, Y)
    if fused:
        dA1, dW2, db2 = linear_backward(A2 - Y, cache2[0])
    else:  # the unfused seed through the sigmoid's backward: the same numbers
        dA2 = -(Y / A2 - (1 - Y) / (1 - A2))
        dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
    if not output_act:
        dA1, dW2, db2 = linear_activation_backward(A2 - Y, cache2, "sigmoid")
    if hidden_sigmoid:
        _, dW1, db1 = linear_activation_backward(dA1, cache1, "sigmoid")
    else:
        _, dW1, db1 = linear_backward(dA1, cache1[0])
    return cost, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


@correct("two_layer_model")
def two_layer_dict_comprehension(X, Y, n_h, learning_rate=0.5, num_iterations=1000, seed=0,
                                 parameters=None):
    if parameters is None:
        parameters = init_two_layer(X.shape[0], n_h, Y.shape[0], seed)
    costs = []
    for _ in range(num_iterations):
        cost, grads = _two_layer_step(X, Y, parameters)
        costs.append(cost)
        parameters = {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}
    return parameters, costs


@correct("two_layer_model")
def two_layer_unfused_seed_in_place_on_a_copy(X, Y, n_h, learning_rate=0.5,
                                              num_iterations=1000, seed=0, parameters=None):
    """The seed dA2 through linear_activation_backward(..., "sigmoid"), and -= on copies."""
    p = (copy.deepcopy(parameters) if parameters is not None
         else init_two_layer(X.shape[0], n_h, seed=seed))
    costs = []
    i = 0
    while i < num_iterations:
        cost, g = _two_layer_step(X, Y, p, fused=False)
        costs.append(cost)
        for key in ("W1", "b1", "W2", "b2"):
            p[key] -= learning_rate * g["d" + key]
        i += 1
    return p, costs


@correct("two_layer_model")
def two_layer_written_out(X, Y, n_h, learning_rate=0.5, num_iterations=1000, seed=0,
                          parameters=None):
    """Every call written out, the costs in a numpy array turned into floats at the end."""
    p = dict(parameters) if parameters is not None else init_two_layer(X.shape[0], n_h, 1, seed)
    costs = np.zeros(num_iterations)
    for i in range(num_iterations):
        A1, c1 = linear_activation_forward(X, p["W1"], p["b1"], activation="sigmoid")
        A2, c2 = linear_activation_forward(A1, p["W2"], p["b2"], activation="sigmoid")
        costs[i] = two_layer_cost(A2, Y)
        dZ2 = A2 - Y
        dA1, dW2, db2 = linear_backward(dZ2, c2[0])
        dA0, dW1, db1 = linear_activation_backward(dA1, c1, "sigmoid")
        p["W1"], p["b1"] = p["W1"] - learning_rate * dW1, p["b1"] - learning_rate * db1
        p["W2"], p["b2"] = p["W2"] - learning_rate * dW2, p["b2"] - learning_rate * db2
    return p, [float(c) for c in costs]


def _lb_no_1_over_m(dZ, cache):
    A_prev, W, _ = cache
    return W.T @ dZ, dZ @ A_prev.T, np.sum(dZ, axis=1, keepdims=True)


@correct("two_layer_model")
def two_layer_right_loop_wrong_linear_backward(X, Y, n_h, learning_rate=0.5,
                                               num_iterations=1000, seed=0, parameters=None):
    """A right loop calling a linear_backward without its 1/m (and a
    linear_activation_backward built on it): the loop keeps its points, with a note."""
    p = parameters if parameters is not None else init_two_layer(X.shape[0], n_h, 1, seed)
    costs = []
    for _ in range(num_iterations):
        A1, c1 = linear_activation_forward(X, p["W1"], p["b1"], "sigmoid")
        A2, c2 = linear_activation_forward(A1, p["W2"], p["b2"], "sigmoid")
        costs.append(two_layer_cost(A2, Y))
        dA1, dW2, db2 = _lb_no_1_over_m(A2 - Y, c2[0])
        (lin1, Z1) = c1
        _, dW1, db1 = _lb_no_1_over_m(ACTIVATIONS["sigmoid"][1](dA1, Z1), lin1)
        g = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        p = {k: p[k] - learning_rate * g["d" + k] for k in ("W1", "b1", "W2", "b2")}
    return p, costs


def _two(X, Y, n_h, lr, n, seed, parameters, *, sign=1.0, rate=None, carry=True,
         after=False, every=1, steps=None, biases=True, seed_used=None, update=True,
         stale=False, **step):
    if parameters is None:
        parameters = init_two_layer(X.shape[0], n_h, 1, seed if seed_used is None else seed_used)
    first, costs, previous = parameters, [], None
    for i in range(n if steps is None else steps):
        used = parameters if carry else first
        cost, grads = _two_layer_step(X, Y, used, **step)
        if stale:
            grads, previous = previous, grads
        r = lr if rate is None else rate
        new = used if (grads is None or not update) else {
            k: (v - sign * r * grads["d" + k] if biases or k[0] == "W" else v)
            for k, v in used.items()}
        if i % every == 0:
            costs.append(_two_layer_step(X, Y, new)[0] if after else cost)
        parameters = new
    return parameters, costs


def _two_mutant(code, **kw):
    def deco(name):
        def func(X, Y, n_h, learning_rate=0.5, num_iterations=1000, seed=0, parameters=None):
            return _two(X, Y, n_h, learning_rate, num_iterations, seed, parameters, **kw)
        func.__name__ = name
        mutant("two_layer_model", code)(func)
        return func
    return deco


_two_mutant("gradient_ascent", sign=-1.0)("two_layer_plus")
_two_mutant("ignored_learning_rate", rate=1.0)("two_layer_no_rate")
_two_mutant("no_update", update=False)("two_layer_never_updated")
_two_mutant("parameters_not_carried", carry=False)("two_layer_not_carried")
_two_mutant("stale_gradients", stale=True)("two_layer_update_before_backward")
_two_mutant("cost_after_update", after=True)("two_layer_cost_after")
_two_mutant("costs_wrong_steps", every=100)("two_layer_every_100")
_two_mutant("only_W_updated", biases=False)("two_layer_only_W")
_two_mutant("ignored_seed", seed_used=0)("two_layer_seed_zero")
_two_mutant("fused_through_sigmoid", output_act=False)("two_layer_sigmoid_twice")
_two_mutant("hidden_derivative_skipped", hidden_sigmoid=False)("two_layer_no_hidden_slope")


@mutant("two_layer_model", "off_by_one_steps")
def two_layer_one_short(X, Y, n_h, learning_rate=0.5, num_iterations=1000, seed=0,
                        parameters=None):
    return _two(X, Y, n_h, learning_rate, num_iterations, seed, parameters,
                steps=num_iterations - 1)


@mutant("two_layer_model", "costs_not_recorded")
def two_layer_no_costs(X, Y, n_h, learning_rate=0.5, num_iterations=1000, seed=0,
                       parameters=None):
    """The cost is never recorded: an empty list."""
    return _two(X, Y, n_h, learning_rate, num_iterations, seed, parameters)[0], []


@mutant("two_layer_model", "wrong_hidden_activation")
def two_layer_tanh_hidden(X, Y, n_h, learning_rate=0.5, num_iterations=1000, seed=0,
                          parameters=None):
    p = parameters if parameters is not None else init_two_layer(X.shape[0], n_h, 1, seed)
    costs = []
    for _ in range(num_iterations):
        A1, c1 = linear_activation_forward(X, p["W1"], p["b1"], "tanh")
        A2, c2 = linear_activation_forward(A1, p["W2"], p["b2"], "sigmoid")
        costs.append(two_layer_cost(A2, Y))
        dA1, dW2, db2 = linear_backward(A2 - Y, c2[0])
        _, dW1, db1 = linear_activation_backward(dA1, c1, "tanh")
        g = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        p = {k: p[k] - learning_rate * g["d" + k] for k in p}
    return p, costs


@mutant("two_layer_model", "mutated_input")
def two_layer_in_place_on_the_given(X, Y, n_h, learning_rate=0.5, num_iterations=1000,
                                    seed=0, parameters=None):
    p = parameters if parameters is not None else init_two_layer(X.shape[0], n_h, 1, seed)
    costs = []
    for _ in range(num_iterations):
        cost, g = _two_layer_step(X, Y, p)
        costs.append(cost)
        for key in p:
            p[key] -= learning_rate * g["d" + key]      # the caller's arrays
    return p, costs


# ========== predict_two_layer
def _two_layer_output(X, p):
    A1, _ = linear_activation_forward(X, p["W1"], p["b1"], "sigmoid")
    A2, cache2 = linear_activation_forward(A1, p["W2"], p["b2"], "sigmoid")
    return A1, A2, cache2[1]


@correct("predict_two_layer")
def predict_two_gt_half(X, parameters):
    return (_two_layer_output(X, parameters)[1] > 0.5).astype(int)


@correct("predict_two_layer")
def predict_two_z_positive_bool(X, parameters):
    """sigmoid(z) > 0.5 exactly when z > 0; booleans are accepted."""
    return _two_layer_output(X, parameters)[2] > 0


@correct("predict_two_layer")
def predict_two_where_float(X, parameters):
    A2 = _two_layer_output(X, parameters)[1]
    return np.where(A2 > 0.5, 1.0, 0.0)


@mutant("predict_two_layer", "returned_probabilities")
def predict_two_probabilities(X, parameters):
    return _two_layer_output(X, parameters)[1]


@mutant("predict_two_layer", "threshold_on_Z")
def predict_two_on_Z(X, parameters):
    return (_two_layer_output(X, parameters)[2] > 0.5).astype(int)


@mutant("predict_two_layer", "wrong_threshold")
def predict_two_swapped(X, parameters):
    return (_two_layer_output(X, parameters)[1] <= 0.5).astype(int)


@mutant("predict_two_layer", "threshold_ge")
def predict_two_ge(X, parameters):
    return (_two_layer_output(X, parameters)[1] >= 0.5).astype(int)


@mutant("predict_two_layer", "used_hidden_layer")
def predict_two_hidden(X, parameters):
    return (_two_layer_output(X, parameters)[0] > 0.5).astype(int)
