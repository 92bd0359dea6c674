"""course.nn.shallow_api: assignment 3's two networks. The two-layer sigmoid network of
section 8 (its training loop against the closed-form gradients and centered differences,
its predictions) and the tanh + softmax network (seed 001): its backward pass against
centered differences, its training loop and its predictions."""

import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.checks import CHECKS, hidden_seed, run_case
from autograder.engines import MAX_PARTS, nbgrader_points, question_cases, question_score
from course import nn, otter
from course.otter import _cases, hidden_seed_for
from course.release import reference_bodies

sys.path.insert(0, str(Path(__file__).parent))
from mutants import CORRECT, MUTANTS  # noqa: E402
from test_engines import _otter_score  # noqa: E402


def setup(rng, p, N, C, m):
    X = rng.standard_normal((p, m))
    Y = nn.one_hot(rng.integers(C, size=m), C).astype(np.float64)
    params = {k: v + 0.2 * rng.standard_normal(v.shape)
              for k, v in nn.init_tanh_softmax(p, N, C, seed=int(rng.integers(100))).items()}
    return X, Y, params


def cost_of(X, Y, params):
    return nn.tanh_softmax_cost(nn.tanh_softmax_forward(X, params)[0], Y)


@pytest.mark.parametrize("p, N, C, m", [(3, 4, 3, 6), (2, 5, 2, 1), (4, 1, 5, 7)])
def test_backward_matches_centered_differences(p, N, C, m):
    rng = np.random.default_rng(p * 100 + N * 10 + C + m)
    X, Y, params = setup(rng, p, N, C, m)
    _, cache = nn.tanh_softmax_forward(X, params)
    before = {k: v.copy() for k, v in params.items()}
    grads = nn.tanh_softmax_backward(X, Y, cache, params)
    assert all(np.array_equal(params[k], before[k]) for k in params)
    eps = 1e-6
    for key, value in params.items():
        num = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            num[idx] = (cost_of(X, Y, plus) - cost_of(X, Y, minus)) / (2 * eps)
        ana = grads["d" + key]
        assert ana.shape == value.shape
        rel = np.linalg.norm(ana - num) / (np.linalg.norm(ana) + np.linalg.norm(num))
        assert rel < 1e-7, (key, rel)


def test_backward_agrees_with_the_composed_layer_functions():
    rng = np.random.default_rng(0)
    X, Y, params = setup(rng, 3, 4, 3, 5)
    _, cache = nn.tanh_softmax_forward(X, params)
    grads = nn.tanh_softmax_backward(X, Y, cache, params)
    A1, cache1 = nn.linear_activation_forward(X, params["W1"], params["b1"], "tanh")
    Z2, cache2 = nn.linear_forward(A1, params["W2"], params["b2"])
    dA1, dW2, db2 = nn.linear_backward(nn.softmax(Z2) - Y, cache2)
    _, dW1, db1 = nn.linear_activation_backward(dA1, cache1, "tanh")
    for key, value in {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-12, atol=1e-14)


def test_training_records_the_cost_before_each_step_and_lowers_it():
    rng = np.random.default_rng(1)
    X, Y, _ = setup(rng, 2, 6, 3, 40)
    params, costs = nn.train_tanh_softmax(X, Y, 6, 0.5, 200, seed=3)
    assert len(costs) == 200 and all(type(c) is float for c in costs)
    assert costs[0] == pytest.approx(cost_of(X, Y, nn.init_tanh_softmax(2, 6, 3, 3)))
    assert costs[-1] < 0.8 * costs[0]
    # the same as 150 steps, then 50 more from the parameters they return
    start = nn.init_tanh_softmax(2, 6, 3, 3)
    kept = {k: v.copy() for k, v in start.items()}
    mid, first = nn.train_tanh_softmax(X, Y, 6, 0.5, 150, parameters=start)
    end, rest = nn.train_tanh_softmax(X, Y, 6, 0.5, 50, parameters=mid)
    assert all(np.array_equal(start[k], kept[k]) for k in start)  # the given ones unchanged
    np.testing.assert_allclose(first + rest, costs, rtol=1e-12)
    for k in params:
        np.testing.assert_allclose(end[k], params[k], rtol=1e-12)
    assert nn.train_tanh_softmax(X, Y, 6, 0.5, 0, seed=3)[1] == []


def test_predict_gives_the_most_probable_class_as_int64_labels():
    rng = np.random.default_rng(2)
    X, _, params = setup(rng, 2, 4, 3, 9)
    labels = nn.predict_tanh_softmax(X, params)
    assert labels.shape == (9,) and labels.dtype == np.int64
    A2, cache = nn.tanh_softmax_forward(X, params)
    np.testing.assert_array_equal(labels, np.argmax(cache["Z2"], axis=0))
    assert set(labels) <= {0, 1, 2}


# --------------------------------------------------------------------------- section 8
def _binary(rng, n_x, m):
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    Y[0, :2] = 1.0, 0.0
    return X, Y


def _two_layer_cost_of(X, Y, p):
    A1 = nn.sigmoid(p["W1"] @ X + p["b1"])
    return nn.shallow_api.two_layer_cost(nn.sigmoid(p["W2"] @ A1 + p["b2"]), Y)


def test_two_layer_model_steps_along_the_closed_form_gradients():
    """One step of the loop is one step along section 8's closed-form gradients, which
    agree with centered differences of the cost."""
    rng = np.random.default_rng(5)
    X, Y = _binary(rng, 3, 7)
    start = nn.init_two_layer(3, 4, 1, seed=2)
    start = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in start.items()}
    m = X.shape[1]
    A1 = nn.sigmoid(start["W1"] @ X + start["b1"])
    A2 = nn.sigmoid(start["W2"] @ A1 + start["b2"])
    dZ2 = A2 - Y
    dZ1 = (start["W2"].T @ dZ2) * A1 * (1 - A1)
    grads = {"W2": dZ2 @ A1.T / m, "b2": dZ2.sum(axis=1, keepdims=True) / m,
             "W1": dZ1 @ X.T / m, "b1": dZ1.sum(axis=1, keepdims=True) / m}
    eps = 1e-6
    for key, value in start.items():
        num = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in start.items()}
            minus = {k: v.copy() for k, v in start.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            num[idx] = (_two_layer_cost_of(X, Y, plus)
                        - _two_layer_cost_of(X, Y, minus)) / (2 * eps)
        rel = (np.linalg.norm(grads[key] - num)
               / (np.linalg.norm(grads[key]) + np.linalg.norm(num)))
        assert rel < 1e-7, (key, rel)
    kept = {k: v.copy() for k, v in start.items()}
    after, costs = nn.two_layer_model(X, Y, 4, 0.7, 1, parameters=start)
    assert all(np.array_equal(start[k], kept[k]) for k in start)    # the given ones unchanged
    assert costs == [pytest.approx(_two_layer_cost_of(X, Y, start), rel=1e-12)]
    for key in start:
        np.testing.assert_allclose(after[key], start[key] - 0.7 * grads[key], rtol=1e-12,
                                   atol=1e-15)


def test_two_layer_model_records_the_cost_before_each_step_and_lowers_it():
    rng = np.random.default_rng(6)
    X, _ = _binary(rng, 2, 30)
    Y = (X[:1] + X[1:] > 0).astype(np.float64)       # a rule the network can learn
    params, costs = nn.two_layer_model(X, Y, 5, 1.0, 300, seed=4)
    assert len(costs) == 300 and all(type(c) is float for c in costs)
    assert costs[0] == pytest.approx(_two_layer_cost_of(X, Y, nn.init_two_layer(2, 5, 1, 4)))
    assert costs[-1] < 0.8 * costs[0]
    assert all(b <= a + 1e-12 for a, b in zip(costs[:49], costs[1:50], strict=True))
    mid, first = nn.two_layer_model(X, Y, 5, 1.0, 200, seed=4)
    end, rest = nn.two_layer_model(X, Y, 5, 1.0, 100, parameters=mid)
    np.testing.assert_allclose(first + rest, costs, rtol=1e-12)
    for k in params:
        np.testing.assert_allclose(end[k], params[k], rtol=1e-12)
    assert nn.two_layer_model(X, Y, 5, 1.0, 0, seed=4)[1] == []
    other = nn.two_layer_model(X, Y, 5, 1.0, 1, seed=5)[1]
    assert other[0] != costs[0]                                  # the seed matters


def test_two_layer_cost_is_finite_for_saturated_outputs():
    Y = np.array([[1.0, 0.0]])
    assert nn.two_layer_cost(np.array([[0.8, 0.3]]), Y) == pytest.approx(
        -(np.log(0.8) + np.log(0.7)) / 2)
    worst = nn.two_layer_cost(np.array([[0.0, 1.0]]), Y)
    assert np.isfinite(worst) and worst == pytest.approx(-np.log(1e-12), rel=1e-3)


def test_predict_two_layer_thresholds_the_output_strictly_at_one_half():
    rng = np.random.default_rng(7)
    X, _ = _binary(rng, 3, 11)
    params = {k: 2 * v for k, v in nn.init_two_layer(3, 4, 1, seed=1).items()}
    params["W2"][0, 1] = -params["W2"][0, 0]
    params["W2"][0, 3] = -params["W2"][0, 2]
    X[:, 0] = 0.0                                  # A1 = 0.5 there, so Z2 = 0, A2 = 0.5
    pred = nn.predict_two_layer(X, params)
    assert pred.shape == (1, 11) and pred.dtype == np.int64
    A2 = nn.sigmoid(params["W2"] @ nn.sigmoid(params["W1"] @ X + params["b1"]) + params["b2"])
    assert A2[0, 0] == 0.5 and pred[0, 0] == 0
    np.testing.assert_array_equal(pred, (A2 > 0.5).astype(np.int64))
    assert 0 < pred.sum() < 11


def test_the_given_functions_are_no_secret_and_the_graded_ones_are():
    names = {name.rsplit(".", 1)[-1] for name in reference_bodies()}
    assert {"tanh_softmax_backward", "train_tanh_softmax", "predict_tanh_softmax",
            "two_layer_model", "predict_two_layer"} <= names
    assert not names & set(nn.shallow_api.GIVEN)


def test_every_mutant_is_named_in_every_case_it_loses_points_in():
    """Not only in one case: the forms of each case are its own (a form built lazily from
    a loop variable would name the mistake in the last case only)."""
    #: a hidden argmax can coincide with another named mistake when m = 1
    ambiguous = {("predict_tanh_softmax:predict_hidden", "p = 3, N = 3, C = 2, m = 1")}
    mine = {"tanh_softmax_backward", "train_tanh_softmax", "predict_tanh_softmax"}
    mine |= {"two_layer_model", "predict_two_layer"}
    unnamed = []
    for name, mid, func, code in MUTANTS:
        if name not in mine or mid.endswith((":ndarray_subclass", ":always_equal")):
            continue
        check = CHECKS[name]
        for seed, hidden in ((0, False), (hidden_seed("student-42", "backprop"), True),
                             (99, True)):
            for case in check.cases(seed, hidden):
                result = check.judge(case, run_case(func, case))
                if (result.score < result.max_score and code not in result.diagnoses
                        and (mid, case.label) not in ambiguous):
                    unnamed.append((mid, case.label, result.diagnoses))
    assert not unnamed


def _engine_entries():
    mine = ("tanh_softmax_backward", "train_tanh_softmax", "predict_tanh_softmax",
            "two_layer_model", "predict_two_layer")
    wrong = [(n, mid, f) for n, mid, f, _ in MUTANTS
             if n in mine and not mid.endswith((":ndarray_subclass", ":always_equal"))]
    right = [(n, mid, f) for n, mid, f in CORRECT if n in mine]
    return right + wrong


@pytest.mark.parametrize("entry", _engine_entries(), ids=lambda e: e[1])
def test_nbgrader_and_otter_give_course_grades_score(entry, tmp_path, monkeypatch, capsys):
    name, _, func = entry
    assignment = "03_one_layer_at_a_time"
    where = tmp_path / "autograded" / "bob" / assignment
    where.mkdir(parents=True)
    monkeypatch.chdir(where)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    got = nbgrader_points(name, func)
    want = question_score(name, func, question_cases(name, "bob", assignment, "student"))
    assert got == want["score"]
    assert capsys.readouterr().err == ""
    spec = otter.test_spec(name, assignment)
    cases = (list(_cases(name, 0, False))
             + list(_cases(name, hidden_seed_for(assignment), True)))
    # otter's parts are exact to 2**-19 of a case that has more than MAX_PARTS score levels
    # (autograder.engines.case_parts: every loop case does), and course grade's score is
    # rounded to 6 decimals: together at most this far apart
    bound = CHECKS[name].points * 2.0 ** -(MAX_PARTS - 1) + 5e-7
    assert _otter_score(spec, func) == pytest.approx(
        question_score(name, func, cases)["score"], abs=max(1e-6, bound))
