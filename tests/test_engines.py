"""autograder.engines: nbgrader's partial credit and otter's score levels give the points
``course grade`` gives, under both hidden-case policies."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.checks import CHECKS, hidden_seed
from autograder.engines import (
    HIDDEN_ENV,
    MAX_PARTS,
    case_levels,
    case_parts,
    hidden_cases_seed,
    nbgrader_identity,
    nbgrader_points,
    question_cases,
    question_score,
)
from course import otter
from course.otter import _cases, hidden_seed_for

ASSIGNMENT = "03_one_layer_at_a_time"


def linear_backward_no_1_over_m(dZ, cache):
    """dA_prev and db right, dW without its 1/m: a third of most cases is lost."""
    A_prev, W, _b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T, np.sum(dZ, axis=1, keepdims=True) / m


def linear_backward_mutating(dZ, cache):
    """Right values, but dZ is scaled in place and restored wrong: halves every case."""
    A_prev, W, _b = cache
    m = A_prev.shape[1]
    dA_prev = W.T @ dZ
    dW = dZ @ A_prev.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dZ *= 2
    return dA_prev, dW, db


def linear_backward_right(dZ, cache):
    A_prev, W, _b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


# ---------------------------------------------------------------- hidden-case policies

def test_hidden_seed_per_student_or_per_assignment():
    assert hidden_cases_seed("bob", ASSIGNMENT) == hidden_seed("bob", ASSIGNMENT)
    assert hidden_cases_seed("bob", ASSIGNMENT) != hidden_cases_seed("alice", ASSIGNMENT)
    shared = hidden_cases_seed("bob", ASSIGNMENT, "assignment")
    assert shared == hidden_cases_seed("alice", ASSIGNMENT, "assignment")
    assert shared == hidden_cases_seed(None, ASSIGNMENT, "assignment") == \
        hidden_seed_for(ASSIGNMENT)  # otter's tests use the per-assignment seed
    assert shared != hidden_cases_seed(None, "04_deep_networks", "assignment")
    with pytest.raises(ValueError, match="policy must be one of student, assignment"):
        hidden_cases_seed("bob", ASSIGNMENT, "class")


def test_question_cases_public_then_hidden():
    public = question_cases("linear_backward")
    assert public and all(not c.hidden for c in public)
    mine = question_cases("linear_backward", "bob", ASSIGNMENT)
    assert len(mine) > len(public) and all(c.hidden for c in mine[len(public):])
    # no student under the per-student policy: the public cases only
    assert len(question_cases("linear_backward", None, ASSIGNMENT)) == len(public)
    shared = question_cases("linear_backward", None, ASSIGNMENT, policy="assignment")
    assert [c.label for c in shared] == [
        c.label for c in question_cases("linear_backward", "carol", ASSIGNMENT, "assignment")]


# ------------------------------------------------------------------------------ nbgrader

def test_nbgrader_identity_only_under_autograde(tmp_path):
    where = tmp_path / "autograded" / "bob" / ASSIGNMENT
    auto = {"NBGRADER_EXECUTION": "autograde"}
    assert nbgrader_identity(where, auto) == ("bob", ASSIGNMENT)
    assert nbgrader_identity(where, {}) is None  # a notebook run by hand
    assert nbgrader_identity(where, {"NBGRADER_EXECUTION": "validate"}) is None
    assert nbgrader_identity(tmp_path / "bob" / "any_name", auto) == ("bob", "any_name")
    assert nbgrader_identity("/", auto) is None


@pytest.mark.parametrize("policy", ["student", "assignment", None])
def test_nbgrader_points_is_course_grades_score(tmp_path, monkeypatch, capsys, policy):
    where = tmp_path / "autograded" / "bob" / ASSIGNMENT
    where.mkdir(parents=True)
    monkeypatch.chdir(where)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    if policy is None:
        monkeypatch.delenv(HIDDEN_ENV, raising=False)
    else:
        monkeypatch.setenv(HIDDEN_ENV, policy)
    got = nbgrader_points("linear_backward", linear_backward_no_1_over_m)
    cases = question_cases("linear_backward", "bob", ASSIGNMENT, policy or "student")
    want = question_score("linear_backward", linear_backward_no_1_over_m, cases)
    assert type(got) is float  # nbgrader reads the cell's text/plain as a float
    assert 0 < got < CHECKS["linear_backward"].points
    assert got == want["score"]
    out = capsys.readouterr()
    assert "linear_backward: " in out.out and "dW" in out.out and out.err == ""


def test_nbgrader_points_full_and_zero(monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert nbgrader_points("linear_backward", linear_backward_right) == \
        CHECKS["linear_backward"].points
    assert capsys.readouterr().out == ""  # nothing to report
    assert nbgrader_points("linear_backward", lambda dZ, cache: 1 / 0) == 0.0
    assert "ZeroDivisionError" in capsys.readouterr().out


# --------------------------------------------------------------------------------- otter

def test_case_levels_of_a_three_item_case():
    case = question_cases("linear_backward")[0]
    # dA_prev, dW, db (equal shares), each whole or halved by a changed input
    assert case_levels(CHECKS["linear_backward"], case) == pytest.approx(
        [1 / 6, 1 / 3, 1 / 2, 2 / 3, 1])


@pytest.mark.parametrize("name", [n for a in ASSIGNMENTS.values() for n in a])
def test_every_case_score_of_a_correct_function_is_a_level(name):
    check = CHECKS[name]
    for case in check.cases(0, False):
        levels = case_levels(check, case)
        assert levels[-1] == 1.0 and levels == sorted(levels)
        assert all(0 < t <= 1 for t in levels)
        parts = case_parts(check, case)
        assert 1 <= len(parts) <= MAX_PARTS
        assert sum(w for _, _, w in parts) == pytest.approx(1.0, abs=1e-12)


def _otter_score(spec, func):
    """Run an otter test spec's doctests on ``func`` as otter does; the points earned."""
    ns = {spec["name"]: func}
    earned = 0.0
    for entry, pts in zip(spec["suites"][0]["cases"], spec["points"], strict=True):
        lines = [ln.removeprefix(">>> ") for ln in entry["code"].splitlines()]
        try:
            exec("\n".join(lines), ns)
        except AssertionError:
            continue
        earned += pts
    return earned


def test_binary_parts_are_exact_to_two_to_the_minus_19():
    from autograder.engines import part_passes

    parts = [("bit", k, 2.0 ** -k) for k in range(1, MAX_PARTS)] + [("all", 1, 2.0 ** -19)]
    rng = np.random.default_rng(0)
    for share in [0.0, 1.0, 0.5, 1 / 3, 0.51, 1 - 1e-12, *rng.random(200)]:
        got = sum(w for kind, v, w in parts if part_passes(kind, v, share))
        assert got == pytest.approx(share, abs=2.0 ** -20), share


def test_many_level_cases_use_binary_parts():
    check = CHECKS["L_model_forward"]
    case = question_cases("L_model_forward")[-1]
    assert len(case_levels(check, case)) > MAX_PARTS
    assert [k for k, _, _ in case_parts(check, case)] == ["bit"] * (MAX_PARTS - 1) + ["all"]


@pytest.mark.parametrize("func", [linear_backward_right, linear_backward_no_1_over_m,
                                  linear_backward_mutating])
def test_otter_parts_add_up_to_course_grades_score(func):
    spec = otter.test_spec("linear_backward", ASSIGNMENT)
    assert sum(spec["points"]) == pytest.approx(CHECKS["linear_backward"].points, abs=1e-12)
    cases = (list(_cases("linear_backward", 0, False))
             + list(_cases("linear_backward", hidden_seed_for(ASSIGNMENT), True)))
    want = question_score("linear_backward", func, cases)["score"]
    assert _otter_score(spec, func) == pytest.approx(want, abs=1e-6)


def test_the_partial_functions_are_partial():
    cases = question_cases("linear_backward")
    for func in (linear_backward_no_1_over_m, linear_backward_mutating):
        score = question_score("linear_backward", func, cases)["score"]
        assert 0 < score < CHECKS["linear_backward"].points, func.__name__
