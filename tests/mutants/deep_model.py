"""Mutants and correct variants of assignment 4's ``L_layer_model`` and ``predict``."""

from __future__ import annotations

import numpy as np

from course import nn

from ._registry import correct, mutant

EPS = 1e-12


def _start(layers_dims, seed, parameters):
    if parameters is not None:
        return dict(parameters)
    np.random.seed(seed)
    return nn.initialize_parameters_deep(layers_dims)


def _recorded(i, n, k):
    return i % k == 0 or i == n - 1


def _loop(X, Y, layers_dims, learning_rate, num_iterations, seed, record_every, parameters,
          step):
    """A right loop except for ``step(parameters, grads, learning_rate, first)``."""
    parameters = _start(layers_dims, seed, parameters)
    first, costs = parameters, []
    for i in range(num_iterations):
        AL, caches = nn.L_model_forward(X, parameters)
        AL = np.clip(AL, EPS, 1 - EPS)
        if _recorded(i, num_iterations, record_every):
            costs.append(nn.compute_cost(AL, Y))
        grads = nn.L_model_backward(AL, Y, caches)
        parameters = step(parameters, grads, learning_rate, first)
    return parameters, costs


# ========== L_layer_model: right
@correct("L_layer_model")
def loop_dict_comprehension(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                            seed=1, record_every=100, parameters=None):
    """The update written inline as a dict comprehension over the keys."""
    if parameters is None:
        np.random.seed(seed)
        parameters = nn.initialize_parameters_deep(layers_dims)
    costs = []
    for i in range(num_iterations):
        AL, caches = nn.L_model_forward(X, parameters)
        AL = np.clip(AL, EPS, 1 - EPS)
        if i % record_every == 0 or i == num_iterations - 1:
            costs.append(float(nn.compute_cost(AL, Y)))
        grads = nn.L_model_backward(AL, Y, caches)
        parameters = {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}
    return parameters, costs


@correct("L_layer_model")
def loop_in_place_on_copies(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                            seed=1, record_every=100, parameters=None):
    """Copies first, then `-=` on the copies; the recorded steps listed up front."""
    if parameters is None:
        np.random.seed(seed)
        parameters = nn.initialize_parameters_deep(layers_dims)
    parameters = {k: v.copy() for k, v in parameters.items()}
    steps = set(range(0, num_iterations, record_every)) | {num_iterations - 1}
    costs = []
    for i in range(num_iterations):
        AL, caches = nn.L_model_forward(X, parameters)
        AL = np.maximum(np.minimum(AL, 1 - EPS), EPS)
        grads = nn.L_model_backward(AL, Y, caches)
        if i in steps:
            costs.append(nn.compute_cost(AL, Y))
        for k in parameters:
            parameters[k] -= learning_rate * grads["d" + k]
    return parameters, costs


@correct("L_layer_model")
def loop_while(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, seed=1,
               record_every=100, parameters=None):
    """A while loop, the update through update_parameters."""
    def step(p, g, lr, _first):
        return nn.update_parameters(p, g, lr)

    params = _start(layers_dims, seed, parameters)
    costs, i = [], 0
    while i < num_iterations:
        AL, caches = nn.L_model_forward(X, params)
        AL = np.clip(AL, EPS, 1 - EPS)
        if _recorded(i, num_iterations, record_every):
            costs.append(nn.compute_cost(AL, Y))
        params = step(params, nn.L_model_backward(AL, Y, caches), learning_rate, None)
        i += 1
    return params, costs


# ========== L_layer_model: wrong
@mutant("L_layer_model", "gradient_ascent")
def loop_ascent(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, seed=1,
                record_every=100, parameters=None):
    return _loop(X, Y, layers_dims, learning_rate, num_iterations, seed, record_every,
                 parameters, lambda p, g, lr, _f: {k: v + lr * g["d" + k] for k, v in p.items()})


@mutant("L_layer_model", "ignored_learning_rate")
def loop_no_learning_rate(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                          seed=1, record_every=100, parameters=None):
    return _loop(X, Y, layers_dims, learning_rate, num_iterations, seed, record_every,
                 parameters, lambda p, g, lr, _f: nn.update_parameters(p, g, 1.0))


@mutant("L_layer_model", "parameters_not_carried")
def loop_not_carried(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, seed=1,
                     record_every=100, parameters=None):
    params = _start(layers_dims, seed, parameters)
    costs, new = [], params
    for i in range(num_iterations):
        AL, caches = nn.L_model_forward(X, params)     # always the initial parameters
        AL = np.clip(AL, EPS, 1 - EPS)
        if _recorded(i, num_iterations, record_every):
            costs.append(nn.compute_cost(AL, Y))
        new = nn.update_parameters(params, nn.L_model_backward(AL, Y, caches), learning_rate)
    return new, costs


@mutant("L_layer_model", "cost_after_update")
def loop_cost_after_update(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                           seed=1, record_every=100, parameters=None):
    params = _start(layers_dims, seed, parameters)
    costs = []
    for i in range(num_iterations):
        AL, caches = nn.L_model_forward(X, params)
        AL = np.clip(AL, EPS, 1 - EPS)
        params = nn.update_parameters(params, nn.L_model_backward(AL, Y, caches),
                                      learning_rate)
        if _recorded(i, num_iterations, record_every):
            AL2, _ = nn.L_model_forward(X, params)
            costs.append(nn.compute_cost(np.clip(AL2, EPS, 1 - EPS), Y))
    return params, costs


@mutant("L_layer_model", "costs_wrong_steps")
def loop_no_last_cost(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, seed=1,
                      record_every=100, parameters=None):
    params = _start(layers_dims, seed, parameters)
    costs = []
    for i in range(num_iterations):
        AL, caches = nn.L_model_forward(X, params)
        AL = np.clip(AL, EPS, 1 - EPS)
        if i % record_every == 0:
            costs.append(nn.compute_cost(AL, Y))
        params = nn.update_parameters(params, nn.L_model_backward(AL, Y, caches),
                                      learning_rate)
    return params, costs


@mutant("L_layer_model", "only_last_layer_updated")
def loop_only_last_layer(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                         seed=1, record_every=100, parameters=None):
    def step(p, g, lr, _first):
        L = len(p) // 2
        new = dict(p)
        new[f"W{L}"] = p[f"W{L}"] - lr * g[f"dW{L}"]
        new[f"b{L}"] = p[f"b{L}"] - lr * g[f"db{L}"]
        return new

    return _loop(X, Y, layers_dims, learning_rate, num_iterations, seed, record_every,
                 parameters, step)


@mutant("L_layer_model", "off_by_one_layers")
def loop_range_L(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, seed=1,
                 record_every=100, parameters=None):
    def step(p, g, lr, _first):
        new = dict(p)
        for l in range(1, len(p) // 2):           # stops before L
            new[f"W{l}"] = p[f"W{l}"] - lr * g[f"dW{l}"]
            new[f"b{l}"] = p[f"b{l}"] - lr * g[f"db{l}"]
        return new

    return _loop(X, Y, layers_dims, learning_rate, num_iterations, seed, record_every,
                 parameters, step)


@mutant("L_layer_model", "ignored_parameters")
def loop_ignores_given_parameters(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                                  seed=1, record_every=100, parameters=None):
    return _loop(X, Y, layers_dims, learning_rate, num_iterations, seed, record_every, None,
                 lambda p, g, lr, _f: nn.update_parameters(p, g, lr))


@mutant("L_layer_model", "no_clip")
def loop_no_clip(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, seed=1,
                 record_every=100, parameters=None):
    params = _start(layers_dims, seed, parameters)
    costs = []
    for i in range(num_iterations):
        AL, caches = nn.L_model_forward(X, params)
        m = Y.shape[1]
        with np.errstate(all="ignore"):
            if _recorded(i, num_iterations, record_every):
                costs.append(float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m))
            dAL = -(Y / AL - (1 - Y) / (1 - AL))
            grads, dA = {}, dAL
            for l in range(len(caches), 0, -1):
                act = "sigmoid" if l == len(caches) else "relu"
                dA, grads[f"dW{l}"], grads[f"db{l}"] = nn.linear_activation_backward(
                    dA, caches[l - 1], act)
        params = nn.update_parameters(params, grads, learning_rate)
    return params, costs


# ========== predict
@correct("predict")
def predict_float(X, parameters):
    AL, _ = nn.L_model_forward(X, parameters)
    return (AL > 0.5) * 1.0


@correct("predict")
def predict_where(X, parameters):
    AL, _ = nn.L_model_forward(X, parameters)
    return np.where(AL > 0.5, 1, 0)


@correct("predict")
def predict_loop(X, parameters):
    AL, _ = nn.L_model_forward(X, parameters)
    p = np.zeros((1, AL.shape[1]))
    for i in range(AL.shape[1]):
        if AL[0, i] > 0.5:
            p[0, i] = 1
    return p


@mutant("predict", "returned_probabilities")
def predict_probabilities(X, parameters):
    return nn.L_model_forward(X, parameters)[0]


@mutant("predict", "threshold_ge")
def predict_ge(X, parameters):
    AL, _ = nn.L_model_forward(X, parameters)
    return (AL >= 0.5).astype(int)


@mutant("predict", "threshold_on_Z")
def predict_on_Z(X, parameters):
    _, caches = nn.L_model_forward(X, parameters)
    return (caches[-1][1] > 0.5).astype(int)


@mutant("predict", "wrong_threshold")
def predict_at_zero(X, parameters):
    AL, _ = nn.L_model_forward(X, parameters)
    return (AL > 0).astype(int)


@mutant("predict", "lost_dimension")
def predict_flat(X, parameters):
    AL, _ = nn.L_model_forward(X, parameters)
    return (AL > 0.5).astype(int).ravel()
