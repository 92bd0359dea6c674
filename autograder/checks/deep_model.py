"""Checks of assignment 4's training loop ``L_layer_model`` and its ``predict``.

``L_layer_model`` calls the student's other graded functions of the notebook
(``initialize_parameters_deep``, ``L_model_forward``, ``compute_cost``,
``L_model_backward``, ``update_parameters``), so a mistake in one of them changes what
the loop returns. The loop is graded on its own as far as the results allow: every case
also carries, in ``case.extra["components"]``, what a *right* loop returns when one of
those functions has one of its classic mistakes (the ones their own checks name, except
the sign and learning-rate mistakes, which a wrong loop makes too). A result that matches
one of them keeps the loop's points, with a note naming the function to fix
(:func:`_loop_leaf`); that function loses its points in its own question.
"""

from __future__ import annotations

import threading

import numpy as np

from . import compare
from ._build import Forms, case, ref
from .core import Check, case_rng, register

#: The clip of the output before the cost and the backward pass (the notebook's EPS).
_EPS = 1e-12


# --------------------------------------------------------------------------- the loop
def _steps(n, k):
    return [i for i in range(n) if i % k == 0 or i == n - 1]


def _bce(AL, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)


def _run(X, Y, dims, lr, n, seed, k, start, *, init=None, forward=None, cost=None,
         backward=None, update=None, mistake=None):
    """The reference loop with one part replaced (a component's mistake) or one loop
    mistake (``mistake``); returns ``(parameters, costs)``."""
    nn = ref()
    init = init or nn.initialize_parameters_deep
    forward = forward or nn.L_model_forward
    cost = cost or _bce
    backward = backward or nn.L_model_backward
    update = update or nn.update_parameters
    if mistake == "no_clip":  # the notebook's backward, which has no clip of its own
        backward = _raw_backward
    state = np.random.get_state()
    try:
        if start is None:
            np.random.seed(seed)
            params = init(dims)
        else:
            params = {key: np.array(v, copy=True) for key, v in start.items()}
    finally:
        np.random.set_state(state)
    first = params
    L = len(params) // 2
    costs = []
    record = (lambda i: i % k == 0) if mistake == "no_last_entry" else (
        (lambda i: True) if mistake == "every_step" else (lambda i: i % k == 0 or i == n - 1))
    for i in range(n):
        used = first if mistake == "not_carried" else params
        AL, caches = forward(X, used)
        if mistake != "no_clip":
            AL = np.clip(AL, _EPS, 1 - _EPS)
        grads = backward(AL, Y, caches)
        if mistake == "ascent":
            new = update(used, grads, -lr)
        elif mistake == "no_learning_rate":
            new = update(used, grads, 1.0)
        elif mistake == "only_last_layer":
            new = dict(used)
            new[f"W{L}"] = used[f"W{L}"] - lr * grads[f"dW{L}"]
            new[f"b{L}"] = used[f"b{L}"] - lr * grads[f"db{L}"]
        elif mistake == "last_layer_skipped":
            new = dict(used)
            for l in range(1, L):
                new[f"W{l}"] = used[f"W{l}"] - lr * grads[f"dW{l}"]
                new[f"b{l}"] = used[f"b{l}"] - lr * grads[f"db{l}"]
        else:
            new = update(used, grads, lr)
        if record(i):
            if mistake == "cost_after_update":
                AL2, _ = forward(X, new)
                costs.append(cost(np.clip(AL2, _EPS, 1 - _EPS), Y))
            else:
                costs.append(cost(AL, Y))
        params = new
    return params, costs


def _raw_backward(AL, Y, caches):
    """``L_model_backward`` as the notebook writes it: the seed without any clip."""
    nn = ref()
    grads, dA = {}, -(Y / AL - (1 - Y) / (1 - AL))
    for l in range(len(caches), 0, -1):
        act = "sigmoid" if l == len(caches) else "relu"
        dA_prev, dW, db = nn.linear_activation_backward(dA, caches[l - 1], act)
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA_prev, dW, db
        dA = dA_prev
    return grads


def _leaves(result):
    """A ``(parameters, costs)`` result as the judge names its leaves."""
    params, costs = result
    out = {f"parameters[{key!r}]": v for key, v in params.items()}
    out["costs"] = list(costs)
    out.update({f"costs[{i}]": c for i, c in enumerate(costs)})
    return out


def _component_variants(nn, seeded, m):
    """``(function, code, message, replacement)`` for the classic mistakes of the
    functions the loop calls, which a right loop turns into other results."""

    def sigmoid(Z):
        return nn.sigmoid(Z)

    def fwd_sigmoid_hidden(X, p):
        return nn.model_forward(X, p, "sigmoid", "sigmoid")

    def bwd(dAL_scale=1.0, hidden="relu", out="sigmoid", fused=False):
        def backward(AL, Y, caches):
            L = len(caches)
            grads = {}
            dA = (AL - Y) if fused else -(Y / AL - (1 - Y) / (1 - AL)) * dAL_scale
            for l in range(L, 0, -1):
                act = out if l == L else hidden
                dA_prev, dW, db = nn.linear_activation_backward(dA, caches[l - 1], act)
                grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA_prev, dW, db
                dA = dA_prev
            return grads
        return backward

    def init_not_scaled(dims):
        return {k: (v / 0.01 if k[0] == "W" else v)
                for k, v in nn.initialize_parameters_deep(dims).items()}

    out = []
    if seeded:
        out.append(("initialize_parameters_deep", "W_not_scaled",
                    "the weights are not multiplied by 0.01", {"init": init_not_scaled}))
    out.append(("L_model_forward", "sigmoid_hidden", "its hidden layers use the sigmoid",
                {"forward": fwd_sigmoid_hidden}))
    out.append(("compute_cost", "missing_minus", "the minus sign is missing",
                {"cost": lambda AL, Y: -_bce(AL, Y)}))
    if m > 1:
        out.append(("compute_cost", "summed_not_averaged", "the cost is not divided by m",
                    {"cost": lambda AL, Y: _bce(AL, Y) * Y.shape[1]}))
        out.append(("L_model_backward", "double_1_over_m", "its dAL has a 1/m too",
                    {"backward": bwd(dAL_scale=1.0 / m)}))
    out.append(("compute_cost", "log10", "it uses np.log10",
                {"cost": lambda AL, Y: _bce(AL, Y) / np.log(10)}))
    out.append(("compute_cost", "only_positive_term", "the (1 - Y) log(1 - AL) term is missing",
                {"cost": lambda AL, Y: float(-np.mean(Y * np.log(AL)))}))
    out.append(("L_model_backward", "sigmoid_hidden", "it uses the sigmoid's backward in "
                "the hidden layers", {"backward": bwd(hidden="sigmoid")}))
    out.append(("L_model_backward", "fused_dZ_as_dA", "it passes AL - Y as dAL through "
                "the sigmoid", {"backward": bwd(fused=True)}))
    return out


_NET = [  # (layers_dims, m, learning_rate, num_iterations, record_every, seeded, saturated)
    ([4, 3, 1], 5, 0.1, 5, 1, True, False),
    ([3, 1], 1, 0.5, 4, 2, False, False),
    ([5, 4, 3, 1], 7, 0.3, 6, 5, False, False),
    ([2, 3, 1], 4, 0.05, 3, 1, False, True),
]


def _loop_setups(rng, hidden):
    if not hidden:
        return list(_NET)
    out = []
    for i in range(4):
        L = int(rng.integers(1, 4))
        dims = [int(d) for d in rng.integers(1, 6, size=L)] + [1]
        m = 1 if i == 2 else int(rng.integers(3, 9))
        n = int(rng.integers(3, 8))
        k = int(rng.choice([1, 2, 3]))
        out.append((dims, m, float(rng.choice([0.05, 0.1, 0.3, 0.7])), n, k, i == 0, i == 3))
    return out


def _loop_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    out = []
    for dims, m, lr, n, k, seeded, saturated in _loop_setups(rng, hidden):
        X = rng.standard_normal((dims[0], m))
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        if m > 1:
            Y[0, 0], Y[0, 1] = 1.0, 0.0
        np_seed = int(rng.integers(1, 10**6))
        start = None
        if not seeded:
            start = {}
            for l in range(1, len(dims)):
                start[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * 0.5
                start[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.1
        if saturated:  # outputs that round to exactly 0 and 1: 0/0 without the clip
            L = len(dims) - 1
            start[f"b{L}"] = np.array([[0.0]])
            start[f"W{L}"] = np.sign(start[f"W{L}"]) * 60.0 + start[f"W{L}"]
            X = X * 3.0
        args = (X, Y, list(dims), lr, n, np_seed)
        kwargs = {"record_every": k}
        if start is not None:
            kwargs["parameters"] = start
        expected = nn.L_layer_model(*args, **kwargs)

        def run(**kw):
            return _run(X, Y, dims, lr, n, np_seed, k, start, **kw)  # noqa: B023

        forms = Forms()
        forms.add("gradient_ascent", "your parameters moved up the gradient: each step is "
                  "parameters - learning_rate * gradients (check the sign in your loop and "
                  "in update_parameters)", _leaves(run(mistake="ascent")))
        forms.add("ignored_learning_rate", "your steps are as if the learning rate were 1: "
                  "pass learning_rate to update_parameters",
                  _leaves(run(mistake="no_learning_rate")))
        forms.add("parameters_not_carried", "every step starts from the initial parameters: "
                  "assign the result of update_parameters back to parameters so that the "
                  "next forward pass uses it", _leaves(run(mistake="not_carried")))
        forms.add("cost_after_update", "your costs are those after each update: record the "
                  "cost of the forward pass of step i, before its update (the first entry "
                  "is the cost of the starting parameters)",
                  _leaves(run(mistake="cost_after_update")))
        forms.add("costs_wrong_steps", f"costs must have {len(expected[1])} entries, the "
                  f"steps i with i % record_every == 0 and the last step, "
                  f"{_steps(n, k)}: you left out the last step",
                  _leaves(run(mistake="no_last_entry")))
        if k > 1:
            forms.add("costs_wrong_steps", f"costs must have {len(expected[1])} entries "
                      f"(steps {_steps(n, k)}): you recorded every step; record only when "
                      "i % record_every == 0 and at the last step",
                      _leaves(run(mistake="every_step")))
        if len(dims) > 2:
            forms.add("only_last_layer_updated", "only the last layer's W and b moved: "
                      "update every layer, l = 1, ..., L",
                      _leaves(run(mistake="only_last_layer")))
            forms.add("off_by_one_layers", f"W{len(dims) - 1} and b{len(dims) - 1} were not "
                      "updated: the layers go up to and including L, range(1, L + 1)",
                      _leaves(run(mistake="last_layer_skipped")))
        if start is not None:
            forms.add("ignored_parameters", "your loop started from np.random.seed(seed) and "
                      "initialize_parameters_deep instead of the parameters it was given: "
                      "initialise only when parameters is None",
                      _leaves(_run(X, Y, dims, lr, n, np_seed, k, None)))
        if saturated:
            forms.add("no_clip", "NaN: an output rounded to exactly 0 or 1, and the seed "
                      "(1 - Y) / (1 - AL) became 0/0. Clip AL right after the forward pass, "
                      "np.clip(AL, 1e-12, 1 - 1e-12), and use the clipped AL for the cost "
                      "and the backward pass",
                      _leaves(run(mistake="no_clip")))
        components = loop_components(run, _component_variants(nn, seeded, m))
        label = (f"layers_dims = {dims}, m = {m}, learning_rate = {lr}, "
                 f"num_iterations = {n}, record_every = {k}")
        label += (", seeded (np.random.seed(seed), then initialize_parameters_deep)"
                  if seeded else ", from the given parameters")
        if saturated:
            label += ", saturated outputs (the clip matters)"
        out.append(case(label, args, expected, forms, kwargs=kwargs, components=components))
    return out


def loop_components(run, variants):
    """What a right training loop returns over each named mistake of a function it calls:
    ``case.extra["components"]`` entries, matched by :func:`_loop_leaf` (the loop keeps
    its points, with a note naming the function to fix).

    ``variants`` yields ``(func, code, what, replacements)``; ``run(**replacements)`` is the
    reference loop with that function's mistaken form. A variant that cannot run is left
    out."""
    components = []
    for func, code, what, repl in variants:
        try:
            with np.errstate(all="ignore"):
                leaves = _leaves(run(**repl))
        except Exception:  # noqa: BLE001 - a variant that cannot run: not offered
            continue
        components.append({"code": f"{func}:{code}", "message": (
            f"your loop is right, but {func} is not: {what} (its own check, {code}). "
            f"The loop keeps its points; fix {func} and this note goes"), "leaves": leaves})
    return components


def _loop_leaf(check, case_, name, exp, got):
    """:func:`coursekit.compare.check_leaf`, then the loop's own rule: a value that a right
    loop gives when one of the functions it calls has a classic mistake
    (``case.extra["components"]``) is accepted with a note naming that function (once per
    case and judging: the notes given are kept on the case per thread, and forgotten at the
    first leaf of the walk)."""
    state = case_.__dict__.setdefault("_component_notes", {})
    key = threading.get_ident()
    first = next(iter(case_.expected[0]), None)
    if key not in state or name == f"parameters[{first!r}]":
        state[key] = set()
    ok, code, msg = compare.check_leaf(check, case_, name, exp, got)
    if ok:
        return ok, code, msg
    for form in case_.extra.get("components", ()):
        value = form["leaves"].get(name, compare.MISSING)
        if value is compare.MISSING or not compare.same(value, got, 1e-6, 1e-8):
            continue
        if isinstance(value, float) and type(got) not in (float, np.float64, int):
            continue
        if form["code"] in state[key]:
            return True, None, None
        state[key].add(form["code"])
        return True, None, "note: " + form["message"]
    return ok, code, msg


register(Check("L_layer_model",
               ("X", "Y", "layers_dims", "learning_rate", "num_iterations", "seed"),
               ("parameters", "costs"), _loop_cases, points=2.0, weights=(0.6, 0.4),
               leaf_checker=_loop_leaf))


# --------------------------------------------------------------------------- predict
_PRED = [([4, 3, 1], 9), ([3, 1], 6), ([5, 4, 3, 1], 1), ([2, 6, 3, 1], 12)]


def _predict_cases(check, seed, hidden):
    nn = ref()
    rng = case_rng(check.name, seed, hidden)
    setups = list(_PRED) if not hidden else [
        ([int(d) for d in rng.integers(1, 7, size=int(rng.integers(1, 4)))] + [1],
         1 if i == 1 else int(rng.integers(4, 15))) for i in range(4)]
    out = []
    for k, (dims, m) in enumerate(setups):
        params = {}
        for l in range(1, len(dims)):
            params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1]))
            params[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.2
        X = rng.standard_normal((dims[0], m))
        half = m > 1 and k != 2
        if half:  # one column whose output is exactly 0.5: no bias, zero input
            for l in range(1, len(dims)):
                params[f"b{l}"] = np.zeros((dims[l], 1))
            X[:, 0] = 0.0
        pred = nn.predict(X, params)
        AL, caches = nn.L_model_forward(X, params)
        ZL = caches[-1][1]
        forms = Forms()
        forms.add("returned_probabilities", "these are the probabilities AL: turn them into "
                  "0/1 labels, 1 where AL > 0.5", {"predictions": AL})
        forms.add("threshold_on_Z", "you thresholded Z of the output layer at 0.5: "
                  "threshold the probabilities AL (after the sigmoid)",
                  {"predictions": (ZL > 0.5).astype(np.int64)})
        forms.add("wrong_threshold", "you thresholded AL at 0: a probability is always "
                  "positive; 1 where AL > 0.5", {"predictions": (AL > 0).astype(np.int64)})
        forms.add("wrong_threshold", "the labels are swapped: 1 where AL > 0.5",
                  {"predictions": (AL <= 0.5).astype(np.int64)})
        if half:
            forms.add("threshold_ge", "an output of exactly 0.5 is class 0: use AL > 0.5, "
                      "not AL >= 0.5", {"predictions": (AL >= 0.5).astype(np.int64)})
        label = f"layer_dims = {dims}, m = {m}" + (
            " (AL is exactly 0.5 in column 0)" if half else "")
        out.append(case(label, (X, params), pred, forms))
    return out


def _predict_leaf(check, case_, name, exp, got):
    """Any integer, float or bool array of 0/1 labels is accepted (shape ``(1, m)``);
    otherwise :func:`coursekit.compare.check_leaf`."""
    if type(got) is np.ndarray and got.shape == exp.shape and got.dtype.kind in "biuf":
        g = got.astype(np.float64)
        if np.array_equal(g, exp.astype(np.float64)):
            return True, None, None
        diag = compare.match_forms(case_, name, got)
        bad = int(np.sum(g != exp))
        where = np.argwhere(g != exp)[0]
        problem = (f"{check.pretty(name)} differs from the expected labels in {bad} of "
                   f"{exp.size} entries; first at column {int(where[-1])}: expected "
                   f"{int(exp.flat[int(where[-1])])}, got {g.flat[int(where[-1])]:.6g}")
        if diag:
            return False, diag[0], f"{problem}. Likely mistake: {diag[1]}"
        return False, "wrong_values", problem
    return compare.check_leaf(check, case_, name, exp, got)


register(Check("predict", ("X", "parameters"), "predictions", _predict_cases, points=1.0,
               leaf_checker=_predict_leaf))
