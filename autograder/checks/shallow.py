"""Checks of assignment 3's tanh + softmax network: ``tanh_softmax_backward``, the training
loop ``train_tanh_softmax`` and ``predict_tanh_softmax``.

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
from .deep_model import _loop_leaf, _predict_leaf

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
        components = []
        for code, what, backward in _backward_variants(m):
            try:
                with np.errstate(all="ignore"):
                    leaves = _leaves(run(backward=backward))
            except Exception:  # noqa: BLE001 - a variant that cannot run: not offered
                continue
            components.append({"code": f"tanh_softmax_backward:{code}", "message": (
                f"your loop is right, but tanh_softmax_backward is not: {what} (its own "
                f"check, {code}). The loop keeps its points; fix tanh_softmax_backward and "
                "this note goes"), "leaves": leaves})
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
