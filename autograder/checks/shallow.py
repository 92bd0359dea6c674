"""Checks of assignment 3's two trained networks: the tanh + softmax network
(``tanh_softmax_backward``, the training loop ``train_tanh_softmax`` and
``predict_tanh_softmax``) and, at the end of this module, the two-layer sigmoid network of
section 8 (the training loop ``two_layer_model`` and ``predict_two_layer``).

The notebook gives ``init_tanh_softmax``, ``tanh_softmax_forward`` and
``tanh_softmax_cost``; the loop calls them and the student's own
``tanh_softmax_backward``, and nothing else the student wrote (not ``linear_backward``),
so a wrong ``linear_backward`` cannot cost the loop anything. A wrong
``tanh_softmax_backward`` changes what the loop returns: as for assignment 4's
``L_layer_model``, every loop case carries in ``case.extra["components"]`` what a *right*
loop returns with the classic mistakes of that backward (the ones its own check names,
except the sign, which a wrong loop makes too), and a result that matches one keeps the
loop's points with a note naming the function to fix (``deep_model._loop_leaf``).
"""

from __future__ import annotations

import functools

import numpy as np

from ._build import Forms, case, ref, shape_only
from .core import Check, case_rng, register
from .deep_model import _loop_leaf, _predict_leaf, loop_components

_KEYS = ("W1", "b1", "W2", "b2")


def _setup(rng, p, N, C, m, scale=1.0):
    """Inputs, one-hot labels (every class present when m >= C) and random parameters with
    nonzero biases."""
    nn = ref()
    X = rng.standard_normal((p, m))
    labels = rng.integers(C, size=m)
    if m >= C:
        labels[:C] = rng.permutation(C)
    Y = nn.one_hot(labels, C).astype(np.float64)
    params = {"W1": rng.standard_normal((N, p)) * scale, "b1": rng.standard_normal((N, 1)) * 0.3,
              "W2": rng.standard_normal((C, N)) * scale, "b2": rng.standard_normal((C, 1)) * 0.3}
    return X, Y, params


def _grads(X, Y, cache, params, *, m_scale=True, tanh_prime="A1", seed="fused", db_axis=1):
    """The backward pass with one classic mistake (the defaults are the right one)."""
    m = X.shape[1]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    if seed == "fused":
        dZ2 = A2 - Y
    elif seed == "sign":
        dZ2 = Y - A2
    elif seed == "jacobian_twice":
        dZ2 = (A2 - Y) * A2 * (1 - A2)
    else:  # "dA2": the gradient with respect to A2, not through the softmax
        dZ2 = -Y / A2
    d = {"A1": 1 - A1 ** 2, "Z1": 1 - Z1 ** 2, "none": np.ones_like(A1),
         "tanh_of_A1": 1 - np.tanh(A1) ** 2}[tanh_prime]
    dZ1 = (params["W2"].T @ dZ2) * d
    k = m if m_scale else 1
    return {"dW1": dZ1 @ X.T / k, "db1": np.sum(dZ1, axis=db_axis, keepdims=True) / k,
            "dW2": dZ2 @ cache["A1"].T / k, "db2": np.sum(dZ2, axis=db_axis, keepdims=True) / k}


# --------------------------------------------------------------------------- backward
_BACK = [(3, 4, 3, 6), (2, 5, 3, 1), (4, 3, 5, 7), (5, 2, 2, 4)]


def _backward_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    setups = list(_BACK) if not hidden else [
        (int(rng.integers(1, 7)), int(rng.integers(1, 7)), int(rng.integers(2, 6)),
         1 if i == 1 else int(rng.integers(2, 10))) for i in range(4)]
    out = []
    for p, N, C, m in setups:
        X, Y, params = _setup(rng, p, N, C, m)
        _, cache = nn.tanh_softmax_forward(X, params)
        grads = nn.tanh_softmax_backward(X, Y, cache, params)
        forms = Forms()

        def g(**kw):
            return _grads(X, Y, cache, params, **kw)  # noqa: B023 (called right away)

        forms.add("tanh_derivative_of_Z", "tanh'(Z1) is 1 - tanh(Z1)**2 = 1 - A1**2, not "
                  "1 - Z1**2: take it of the activation A1 from the cache", g(tanh_prime="Z1"))
        forms.add("forgot_tanh_derivative", "dZ1 must be (W2.T @ dZ2) times tanh'(Z1) = "
                  "1 - A1**2, element by element: the factor of the tanh is missing",
                  g(tanh_prime="none"))
        forms.add("tanh_applied_twice", "A1 is tanh(Z1) already: tanh'(Z1) = 1 - A1**2, not "
                  "1 - np.tanh(A1)**2", g(tanh_prime="tanh_of_A1"))
        if m > 1:
            forms.add("missing_1_over_m", f"your gradients are m = {m} times too large: "
                      "dW and db are averages over the m examples, divide by m",
                      g(m_scale=False))
        forms.add("softmax_jacobian_twice", "dZ2 = A2 - Y is already the gradient through "
                  "the softmax (its Jacobian applied to -Y / A2): do not multiply by "
                  "A2 * (1 - A2) as well", g(seed="jacobian_twice"))
        forms.add("dA2_as_dZ2", "-Y / A2 is the gradient with respect to A2; through the "
                  "softmax it becomes dZ2 = A2 - Y", g(seed="dA2"))
        forms.add("seed_sign", "every gradient has the wrong sign: dZ2 = A2 - Y, not Y - A2",
                  g(seed="sign"))
        for key, n in (("db1", N), ("db2", C)):
            if (1, m) != (n, 1):
                forms.add("db_wrong_axis", f"{key} has shape (1, {m}): sum over the examples, "
                          "axis=1 (the columns), not over the units",
                          {key: shape_only((1, m))})
            forms.add("db_wrong_axis", f"{key} has shape ({m},): sum over the examples with "
                      "np.sum(dZ, axis=1, keepdims=True)", {key: shape_only((m,))})
            forms.add("db_no_keepdims", f"{key} has shape ({n},): keep it a column with "
                      f"keepdims=True, shape ({n}, 1)", {key: shape_only((n,))})
        for key, (a, b) in (("dW1", (N, p)), ("dW2", (C, N))):
            if a != b:
                forms.add("transposed_dW", f"{key} has shape ({b}, {a}); it must have the "
                          f"shape of {key[1:]}, ({a}, {b}): dZ @ A_prev.T, not A_prev @ dZ.T",
                          {key: shape_only((b, a))})
            elif a > 1:
                forms.add("transposed_dW", f"{key} is transposed (row j must hold the "
                          f"gradient of row j of {key[1:]}): dZ @ A_prev.T, not "
                          "A_prev @ dZ.T", {key: grads[key].T})
        label = f"p = {p}, N = {N}, C = {C}, m = {m}"
        out.append(case(label, (X, Y, cache, params), grads, forms))
    return out


register(Check("tanh_softmax_backward", ("X", "Y", "cache", "parameters"), "grads",
               _backward_cases, points=2.0))


# --------------------------------------------------------------------------- the loop
def _run(X, Y, n_h, lr, n, seed, start, *, backward=None, mistake=None):
    """The reference loop with another backward (a component's mistake) or one loop
    mistake; returns ``(parameters, costs)``."""
    nn = ref()
    backward = backward or nn.tanh_softmax_backward
    if start is None:
        init_seed = 0 if mistake == "ignored_seed" else seed
        params = nn.init_tanh_softmax(X.shape[0], n_h, Y.shape[0], init_seed)
    else:
        params = {k: np.array(v, copy=True) for k, v in start.items()}
    first = params
    steps = {"one_step_short": n - 1, "one_step_too_many": n + 1}.get(mistake, n)
    costs = []
    for i in range(steps):
        used = first if mistake == "not_carried" else params
        A2, cache = nn.tanh_softmax_forward(X, used)
        grads = backward(X, Y, cache, used)
        rate = {"ascent": -lr, "no_learning_rate": 1.0}.get(mistake, lr)
        new = {k: used[k] - rate * grads["d" + k] for k in _KEYS}
        if mistake == "only_W_updated":
            new["b1"], new["b2"] = used["b1"], used["b2"]
        if mistake == "cost_after_update":
            costs.append(nn.tanh_softmax_cost(nn.tanh_softmax_forward(X, new)[0], Y))
        elif mistake != "every_100" or i % 100 == 0:
            costs.append(nn.tanh_softmax_cost(A2, Y))
        params = new
    return params, costs


def _mistake(run, mistake):
    """The leaves of ``run(mistake=mistake)``: a wrong form, computed only when needed."""
    return _leaves(run(mistake=mistake))


def _leaves(result):
    """A ``(parameters, costs)`` result as the judge names its leaves."""
    params, costs = result
    out = {f"parameters[{key!r}]": v for key, v in params.items()}
    out["costs"] = list(costs)
    out.update({f"costs[{i}]": c for i, c in enumerate(costs)})
    return out


def _backward_variants(m):
    """``(code, message, backward)`` for the classic mistakes of ``tanh_softmax_backward``
    that a right loop turns into other results."""

    def bw(**kw):
        return lambda X, Y, cache, params: _grads(X, Y, cache, params, **kw)

    out = [("tanh_derivative_of_Z", "its tanh' is 1 - Z1**2", bw(tanh_prime="Z1")),
           ("forgot_tanh_derivative", "its dZ1 lacks the factor 1 - A1**2",
            bw(tanh_prime="none")),
           ("softmax_jacobian_twice", "its dZ2 is multiplied by A2 * (1 - A2)",
            bw(seed="jacobian_twice"))]
    if m > 1:
        out.append(("missing_1_over_m", "its gradients are not divided by m",
                    bw(m_scale=False)))
    return out


_LOOP = [  # (p, N, C, m, learning_rate, num_iterations, seed or None for given parameters)
    (2, 4, 3, 6, 0.5, 5, 3),
    (3, 2, 2, 1, 1.0, 4, None),
    (4, 5, 3, 8, 0.3, 6, None),
    (2, 3, 4, 5, 2.0, 3, 7),
]


def _loop_setups(rng, hidden):
    if not hidden:
        return list(_LOOP)
    out = []
    for i in range(4):
        m = 1 if i == 2 else int(rng.integers(3, 10))
        seed = int(rng.integers(1, 1000)) if i in (0, 3) else None
        out.append((int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(2, 5)),
                    m, float(rng.choice([0.1, 0.5, 1.0, 2.0])), int(rng.integers(3, 8)), seed))
    return out


def _loop_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    out = []
    for p, N, C, m, lr, n, init_seed in _loop_setups(rng, hidden):
        X, Y, start = _setup(rng, p, N, C, m, scale=0.8)
        if init_seed is not None:
            start = None
        args = (X, Y, N, lr, n, init_seed if init_seed is not None else 0)
        kwargs = {} if start is None else {"parameters": start}
        expected = nn.train_tanh_softmax(*args, **kwargs)
        s = args[-1]
        # bound now: the forms are computed later, when a wrong result is judged
        run = functools.partial(_run, X, Y, N, lr, n, s, start)

        forms = Forms()
        forms.add("gradient_ascent", "your parameters moved up the gradient: each step is "
                  "parameter - learning_rate * gradient (minus)",
                  functools.partial(_mistake, run, "ascent"))
        forms.add("ignored_learning_rate", "your steps are as if the learning rate were 1: "
                  "multiply each gradient by learning_rate",
                  functools.partial(_mistake, run, "no_learning_rate"))
        forms.add("parameters_not_carried", "every step starts from the initial parameters: "
                  "assign the updated parameters back, so that the next forward pass uses "
                  "them", functools.partial(_mistake, run, "not_carried"))
        forms.add("cost_after_update", "your costs are those after each update: record the "
                  "cost of step i's forward pass, before its update (costs[0] is the cost of "
                  "the starting parameters)", functools.partial(_mistake, run, "cost_after_update"))
        forms.add("costs_wrong_steps", f"costs must have one entry per step, "
                  f"num_iterations = {n} in all: you recorded only every 100th step",
                  functools.partial(_mistake, run, "every_100"))
        forms.add("off_by_one_steps", f"you took {n - 1} steps: take num_iterations = {n} "
                  "(range(num_iterations))", functools.partial(_mistake, run, "one_step_short"))
        forms.add("off_by_one_steps", f"you took {n + 1} steps: take num_iterations = {n} "
                  "(range(num_iterations))", functools.partial(_mistake, run, "one_step_too_many"))
        forms.add("only_W_updated", "the biases never moved: update b1 and b2 too",
                  functools.partial(_mistake, run, "only_W_updated"))
        if start is None and s != 0:
            forms.add("ignored_seed", f"your starting parameters are those of seed 0: pass "
                      f"seed (here {s}) to init_tanh_softmax",
                      functools.partial(_mistake, run, "ignored_seed"))
        components = loop_components(run, (
            ("tanh_softmax_backward", code, what, {"backward": backward})
            for code, what, backward in _backward_variants(m)))
        label = f"p = {p}, N = {N}, C = {C}, m = {m}, learning_rate = {lr}, " \
                f"num_iterations = {n}"
        label += (f", seed = {s} (init_tanh_softmax)" if start is None
                  else ", from the given parameters")
        out.append(case(label, args, expected, forms, kwargs=kwargs, components=components))
    return out


register(Check("train_tanh_softmax",
               ("X", "Y", "n_h", "learning_rate", "num_iterations", "seed"),
               ("parameters", "costs"), _loop_cases, points=2.0, weights=(0.6, 0.4),
               leaf_checker=_loop_leaf))


# --------------------------------------------------------------------------- predict
_PRED = [(2, 4, 3, 10), (3, 3, 2, 1), (4, 5, 5, 12), (2, 6, 4, 7)]


def _predict_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    setups = list(_PRED) if not hidden else [
        (int(rng.integers(1, 6)), int(rng.integers(1, 7)), int(rng.integers(2, 6)),
         1 if i == 1 else int(rng.integers(4, 15))) for i in range(4)]
    out = []
    for p, N, C, m in setups:
        X, _, params = _setup(rng, p, N, C, m, scale=1.5)
        pred = nn.predict_tanh_softmax(X, params)
        A2, cache = nn.tanh_softmax_forward(X, params)
        forms = Forms()
        forms.add("returned_probabilities", "these are the probabilities A2: return the "
                  "index of the largest one in each column, np.argmax(A2, axis=0)",
                  {"labels": A2})
        forms.add("returned_one_hot", "this is a one-hot (C, m) array: return the class "
                  "index of each example, shape (m,)",
                  {"labels": nn.one_hot(pred, C).astype(np.float64)})
        forms.add("returned_one_hot", "this is a one-hot (C, m) array: return the class "
                  "index of each example, shape (m,)", {"labels": nn.one_hot(pred, C)})
        forms.add("argmax_wrong_axis", "np.argmax over axis=1 picks an example per class: "
                  "the classes are the rows, take the argmax over axis=0",
                  {"labels": np.argmax(A2, axis=1)})
        forms.add("argmax_no_axis", "np.argmax without an axis gives one index into the "
                  "flattened array: take it over axis=0, one class per column",
                  {"labels": int(np.argmax(A2))})
        forms.add("kept_dims", f"labels must have shape ({m},), one class index per "
                  "example, not a row of shape (1, m)", {"labels": pred.reshape(1, m)})
        forms.add("one_based", "the classes are numbered 0, ..., C-1 (row indices): do not "
                  "add 1", {"labels": pred + 1})
        forms.add("used_hidden_layer", "you took the argmax of the hidden layer: the classes "
                  "are the rows of the output A2", {"labels": np.argmax(cache["A1"], axis=0)})
        label = f"p = {p}, N = {N}, C = {C}, m = {m}"
        out.append(case(label, (X, params), pred, forms))
    return out


register(Check("predict_tanh_softmax", ("X", "parameters"), "labels", _predict_cases,
               points=1.0, leaf_checker=_predict_leaf))


# =========================================================================== section 8
# The two-layer sigmoid network: its training loop ``two_layer_model`` and
# ``predict_two_layer``. The loop calls the student's ``linear_activation_forward``
# (which calls ``linear_forward``), ``linear_backward`` and ``linear_activation_backward``,
# and the given ``init_two_layer`` and ``two_layer_cost``. As for ``train_tanh_softmax``,
# each loop case carries in ``case.extra["components"]`` what a right loop returns with a
# classic mistake of one of those functions (except the ones a wrong loop makes too:
# skipping the hidden layer's sigmoid is what a loop that calls ``linear_backward`` there
# does), and a match keeps the loop's points with a note naming the function to fix.
_SIG = "sigmoid"


def _two_layer_run(X, Y, n_h, lr, n, seed, start, *, forward=None, lin_back=None,
                   act_back=None, mistake=None):
    """The reference loop of ``two_layer_model`` with other layer functions (a callee's
    mistake) or one loop mistake; returns ``(parameters, costs)``."""
    nn = ref()
    forward = forward or nn.linear_activation_forward
    lin_back = lin_back or nn.linear_backward
    act_back = act_back or nn.linear_activation_backward
    if start is None:
        params = nn.shallow_api.init_two_layer(X.shape[0], n_h, Y.shape[0],
                                               0 if mistake == "ignored_seed" else seed)
    else:
        params = {k: np.array(v, copy=True) for k, v in start.items()}
    first = params
    steps = {"one_step_short": n - 1, "one_step_too_many": n + 1}.get(mistake, n)
    hidden = "tanh" if mistake == "hidden_tanh" else _SIG
    costs, stale = [], None
    for i in range(steps):
        used = first if mistake == "not_carried" else params
        A1, cache1 = forward(X, used["W1"], used["b1"], hidden)
        A2, cache2 = forward(A1, used["W2"], used["b2"], _SIG)
        if mistake == "fused_through_sigmoid":
            dA1, dW2, db2 = act_back(A2 - Y, cache2, _SIG)
        else:
            dA1, dW2, db2 = lin_back(A2 - Y, cache2[0])
        if mistake == "hidden_derivative_skipped":
            _, dW1, db1 = lin_back(dA1, cache1[0])
        else:
            _, dW1, db1 = act_back(dA1, cache1, hidden)
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        if mistake == "stale_gradients":  # the update uses the step before's gradients
            grads, stale = stale, grads
        rate = {"ascent": -lr, "no_learning_rate": 1.0}.get(mistake, lr)
        if grads is None or mistake == "no_update":
            new = used
        else:
            new = {k: used[k] - rate * grads["d" + k] for k in _KEYS}
        if mistake == "only_W_updated":
            new = dict(new, b1=used["b1"], b2=used["b2"])
        if mistake == "cost_after_update":
            B1, _ = forward(X, new["W1"], new["b1"], hidden)
            B2, _ = forward(B1, new["W2"], new["b2"], _SIG)
            costs.append(nn.shallow_api.two_layer_cost(B2, Y))
        elif mistake != "every_100" or i % 100 == 0:
            costs.append(nn.shallow_api.two_layer_cost(A2, Y))
        params = new
    return params, costs


def _two_layer_mistake(run, mistake):
    return _leaves(run(mistake=mistake))


def _two_layer_variants(m):
    """``(function, code, message, replacements)`` for the classic mistakes of the layer
    functions the loop calls, which a right loop turns into other results."""
    nn = ref()

    def lin_fwd(kind):
        def forward(A_prev, W, b, act):
            Z = W @ A_prev + (0 if kind == "forgot_bias" else -b if kind == "bias_sign" else b)
            return nn.ACTIVATIONS[act][0](Z)[0], ((A_prev, W, b), Z)
        return forward

    def act_fwd(kind):
        def forward(A_prev, W, b, act):
            Z = W @ A_prev + b
            A = Z if kind == "forgot_activation" else nn.ACTIVATIONS["tanh"][0](Z)[0]
            return A, ((A_prev, W, b), Z)
        return forward

    def lin_bwd(kind):
        def backward(dZ, cache):
            A_prev, W, _ = cache
            k = A_prev.shape[1]
            dA = W.T @ dZ / (k if kind == "dA_prev_over_m" else 1)
            s = 1 if kind == "missing_1_over_m" else k
            return dA, dZ @ A_prev.T / s, np.sum(dZ, axis=1, keepdims=True) / s
        return backward

    def act_bwd(kind):
        def backward(dA, cache, act):
            linear_cache, Z = cache
            if kind == "forgot_upstream":
                dZ = nn.derivative(act, Z)
            else:  # wrong_activation: tanh's backward for a sigmoid layer
                dZ = nn.ACTIVATIONS["tanh"][1](dA, Z)
            return nn.linear_backward(dZ, linear_cache)
        return backward

    out = [("linear_forward", "forgot_bias", "it does not add b", {"forward": lin_fwd(
                "forgot_bias")}),
           ("linear_forward", "bias_sign", "it subtracts b", {"forward": lin_fwd("bias_sign")}),
           ("linear_activation_forward", "forgot_activation", "its A is Z, no activation",
            {"forward": act_fwd("forgot_activation")}),
           ("linear_activation_forward", "wrong_activation", "it applies tanh where "
            "activation = 'sigmoid'", {"forward": act_fwd("wrong_activation")}),
           ("linear_activation_backward", "forgot_upstream", "its dZ leaves out dA",
            {"act_back": act_bwd("forgot_upstream")}),
           ("linear_activation_backward", "wrong_activation", "it uses tanh's backward where "
            "activation = 'sigmoid'", {"act_back": act_bwd("wrong_activation")})]
    if m > 1:
        out += [("linear_backward", "missing_1_over_m", "its dW and db are not divided by m",
                 {"lin_back": lin_bwd("missing_1_over_m"),
                  "act_back": _with_linear(lin_bwd("missing_1_over_m"))}),
                ("linear_backward", "dA_prev_over_m", "its dA_prev is divided by m",
                 {"lin_back": lin_bwd("dA_prev_over_m"),
                  "act_back": _with_linear(lin_bwd("dA_prev_over_m"))})]
    return out


def _with_linear(lin_back):
    """``linear_activation_backward`` built on another ``linear_backward`` (a student's
    calls the student's own)."""
    nn = ref()

    def backward(dA, cache, act):
        linear_cache, Z = cache
        return lin_back(nn.ACTIVATIONS[act][1](dA, Z), linear_cache)
    return backward


_TWO = [  # (n_x, n_h, m, learning_rate, num_iterations, seed or None for given parameters)
    (2, 3, 6, 0.5, 5, 3),
    (3, 2, 1, 1.0, 4, None),
    (4, 5, 8, 0.3, 6, None),
    (2, 4, 5, 2.0, 3, 7),
]


def _two_layer_setups(rng, hidden):
    if not hidden:
        return list(_TWO)
    out = []
    for i in range(4):
        m = 1 if i == 2 else int(rng.integers(3, 10))
        seed = int(rng.integers(1, 1000)) if i in (0, 3) else None
        out.append((int(rng.integers(1, 5)), int(rng.integers(1, 6)), m,
                    float(rng.choice([0.3, 0.5, 1.5, 2.0])), int(rng.integers(3, 8)), seed))
    return out


def _two_layer_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    out = []
    for n_x, n_h, m, lr, n, init_seed in _two_layer_setups(rng, hidden):
        X = rng.standard_normal((n_x, m))
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        if m > 1:
            Y[0, 0], Y[0, 1] = 1.0, 0.0
        start = None
        if init_seed is None:
            start = {"W1": rng.standard_normal((n_h, n_x)) * 0.8,
                     "b1": rng.standard_normal((n_h, 1)) * 0.3,
                     "W2": rng.standard_normal((1, n_h)) * 0.8,
                     "b2": rng.standard_normal((1, 1)) * 0.3}
        s = init_seed if init_seed is not None else 0
        args = (X, Y, n_h, lr, n, s)
        kwargs = {} if start is None else {"parameters": start}
        expected = nn.shallow_api.two_layer_model(*args, **kwargs)
        run = functools.partial(_two_layer_run, X, Y, n_h, lr, n, s, start)

        forms = Forms()

        def add(code, message, mistake, forms=forms, run=run):
            forms.add(code, message, functools.partial(_two_layer_mistake, run, mistake))

        add("gradient_ascent", "your parameters moved up the gradient: each step is "
            "parameter - learning_rate * gradient (minus)", "ascent")
        add("ignored_learning_rate", "your steps are as if the learning rate were 1: "
            "multiply each gradient by learning_rate", "no_learning_rate")
        add("only_W_updated", "the biases never moved: update b1 and b2 too",
            "only_W_updated")
        add("no_update", "your parameters never moved: after the backward pass, update "
            "every parameter and keep the result for the next step", "no_update")
        add("parameters_not_carried", "every step starts from the initial parameters: "
            "assign the updated parameters back, so that the next forward pass uses them",
            "not_carried")
        add("stale_gradients", "each update used the gradients of the step before: in "
            "every step run the backward pass first, then update with its gradients",
            "stale_gradients")
        add("cost_after_update", "your costs are those after each update: record the cost "
            "of step i's forward pass, before its update (costs[0] is the cost of the "
            "starting parameters)", "cost_after_update")
        add("costs_wrong_steps", f"costs must have one entry per step, num_iterations = "
            f"{n} in all: you recorded only every 100th step", "every_100")
        add("off_by_one_steps", f"you took {n - 1} steps: take num_iterations = {n} "
            "(range(num_iterations))", "one_step_short")
        add("off_by_one_steps", f"you took {n + 1} steps: take num_iterations = {n} "
            "(range(num_iterations))", "one_step_too_many")
        forms.add("costs_not_recorded", f"costs is empty: append the cost of every step to "
                  f"it (num_iterations = {n} entries in all)", {"costs": []})
        add("fused_through_sigmoid", "dZ2 = A2 - Y is already the gradient through the "
            "output sigmoid: pass it to linear_backward with the linear cache, not to "
            "linear_activation_backward (which multiplies by the sigmoid's slope again)",
            "fused_through_sigmoid")
        add("hidden_derivative_skipped", "the hidden layer's gradients lack the sigmoid's "
            "slope: go back through it with linear_activation_backward(dA1, cache1, "
            "'sigmoid'), not linear_backward", "hidden_derivative_skipped")
        add("wrong_hidden_activation", "your hidden layer is a tanh layer: both layers of "
            "this network are sigmoid layers", "hidden_tanh")
        if start is None and s != 0:
            add("ignored_seed", f"your starting parameters are those of seed 0: pass seed "
                f"(here {s}) to init_two_layer", "ignored_seed")
        components = loop_components(run, _two_layer_variants(m))
        label = (f"n_x = {n_x}, n_h = {n_h}, m = {m}, learning_rate = {lr}, "
                 f"num_iterations = {n}")
        label += (f", seed = {s} (init_two_layer)" if start is None
                  else ", from the given parameters")
        out.append(case(label, args, expected, forms, kwargs=kwargs, components=components))
    return out


register(Check("two_layer_model",
               ("X", "Y", "n_h", "learning_rate", "num_iterations", "seed"),
               ("parameters", "costs"), _two_layer_cases, points=2.0, weights=(0.6, 0.4),
               leaf_checker=_loop_leaf))


# --------------------------------------------------------------------------- predict
_PRED2 = [(2, 4, 9), (3, 2, 1), (4, 5, 12), (2, 6, 7)]


def _predict_two_layer_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    setups = list(_PRED2) if not hidden else [
        (int(rng.integers(1, 6)), int(rng.integers(1, 7)),
         1 if i == 1 else int(rng.integers(4, 15))) for i in range(4)]
    out = []
    for k, (n_x, n_h, m) in enumerate(setups):
        params = {"W1": rng.standard_normal((n_h, n_x)) * 1.5,
                  "b1": rng.standard_normal((n_h, 1)) * 0.3,
                  "W2": rng.standard_normal((1, n_h)) * 1.5,
                  "b2": rng.standard_normal((1, 1)) * 0.3}
        X = rng.standard_normal((n_x, m))
        if m > 1 and n_h > 1 and k != 1:  # column 0's Z2 exactly 0: A1 = 0.5, and W2's
            params["b1"][:] = 0.0             # entries come in pairs w, -w (the last one 0
            X[:, 0] = 0.0                     # when n_h is odd)
            W2 = params["W2"][0]
            W2[1::2] = -W2[0::2][:n_h // 2]
            if n_h % 2:
                W2[-1] = 0.0
            params["b2"][:] = 0.0
        pred = nn.shallow_api.predict_two_layer(X, params)
        A1 = nn.sigmoid(params["W1"] @ X + params["b1"])
        Z2 = params["W2"] @ A1 + params["b2"]
        A2 = nn.sigmoid(Z2)
        half = bool(Z2[0, 0] == 0.0)
        forms = Forms()
        forms.add("returned_probabilities", "these are the probabilities A2: turn them into "
                  "0/1 labels, 1 where A2 > 0.5", {"predictions": A2})
        forms.add("threshold_on_Z", "you thresholded Z2 at 0.5: threshold the probabilities "
                  "A2 (after the sigmoid)", {"predictions": (Z2 > 0.5).astype(np.int64)})
        forms.add("wrong_threshold", "you thresholded A2 at 0: a probability is always "
                  "positive; 1 where A2 > 0.5", {"predictions": (A2 > 0).astype(np.int64)})
        forms.add("wrong_threshold", "the labels are swapped: 1 where A2 > 0.5",
                  {"predictions": (A2 <= 0.5).astype(np.int64)})
        forms.add("used_hidden_layer", "these are thresholds of the hidden layer A1: the "
                  "prediction comes from the output A2", {"predictions": shape_only(A1.shape)}
                  if n_h != 1 else {"predictions": (A1 > 0.5).astype(np.int64)})
        if half:
            forms.add("threshold_ge", "an output of exactly 0.5 is class 0: use A2 > 0.5, "
                      "not A2 >= 0.5", {"predictions": (A2 >= 0.5).astype(np.int64)})
        label = f"n_x = {n_x}, n_h = {n_h}, m = {m}" + (
            " (A2 is exactly 0.5 in column 0)" if half else "")
        out.append(case(label, (X, params), pred, forms))
    return out


register(Check("predict_two_layer", ("X", "parameters"), "predictions",
               _predict_two_layer_cases, points=1.0, leaf_checker=_predict_leaf))
