"""course.nn.shallow_api: assignment 3's tanh + softmax network (seed 001), its backward
pass against centered differences, its training loop and its predictions."""

import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.checks import CHECKS, hidden_seed, run_case
from autograder.engines import nbgrader_points, question_cases, question_score
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


def test_the_given_functions_are_no_secret_and_the_graded_ones_are():
    names = {name.rsplit(".", 1)[-1] for name in reference_bodies()}
    assert {"tanh_softmax_backward", "train_tanh_softmax", "predict_tanh_softmax"} <= names
    assert not names & set(nn.shallow_api.GIVEN)


def test_every_mutant_is_named_in_every_case_it_loses_points_in():
    """Not only in one case: the forms of each case are its own (a form built lazily from
    a loop variable would name the mistake in the last case only)."""
    #: a hidden argmax can coincide with another named mistake when m = 1
    ambiguous = {("predict_tanh_softmax:predict_hidden", "p = 3, N = 3, C = 2, m = 1")}
    mine = {"tanh_softmax_backward", "train_tanh_softmax", "predict_tanh_softmax"}
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
    mine = ("tanh_softmax_backward", "train_tanh_softmax", "predict_tanh_softmax")
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
    assert _otter_score(spec, func) == pytest.approx(
        question_score(name, func, cases)["score"], abs=1e-6)
