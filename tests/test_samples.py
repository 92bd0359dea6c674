"""The bundled sample submissions: up to date with the release and the solutions, and
graded as each student's story says."""

from __future__ import annotations

import filecmp

import pytest

from autograder.sandbox import isolation_available
from course.samples import ROOT, build

SAMPLES = ROOT / "samples" / "submitted"
ISOLATED, WHY = isolation_available()


def test_samples_are_up_to_date(tmp_path):
    fresh = build(ROOT, tmp_path)
    for path in fresh:
        committed = SAMPLES / path.relative_to(tmp_path)
        assert committed.exists(), f"{committed} is missing: run python -m course.samples"
        assert filecmp.cmp(path, committed, shallow=False), (
            f"{committed} is out of date: run python -m course.samples")


@pytest.fixture(scope="module")
def rows():
    if not ISOLATED:
        pytest.skip(WHY)
    from autograder.grader import discover, grade_batch

    return {(r["student"], r["assignment"]): r
            for r in grade_batch(discover([SAMPLES]), hide=[SAMPLES])}


def by_name(row):
    return {q["name"]: q for q in row["questions"]}


ASSIGNMENTS = ["01_chain_rule_and_graphs", "02_activations_and_outputs",
               "03_one_layer_at_a_time", "04_deep_networks", "05_gradient_checking"]


def test_every_student_submitted_every_assignment(rows):
    assert set(rows) == {(s, a) for s in ("alice", "bob", "carol", "dave") for a in ASSIGNMENTS}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_alice_full_marks_carol_zero(rows, assignment):
    alice, carol = rows["alice", assignment], rows["carol", assignment]
    assert alice["score"] == alice["max_score"] > 0 and alice["error"] is None
    assert carol["status"] == "graded" and carol["score"] == 0
    assert carol["max_score"] == alice["max_score"]


def test_bob_loses_points_with_the_right_diagnoses(rows):
    bob3 = by_name(rows["bob", "03_one_layer_at_a_time"])
    assert 0 < bob3["linear_backward"]["score"] < bob3["linear_backward"]["max_score"]
    assert {"missing_1_over_m", "db_no_keepdims"} <= set(bob3["linear_backward"]["diagnoses"])
    assert "relu_grad_at_zero" in bob3["linear_activation_backward"]["diagnoses"]
    assert bob3["linear_forward"]["score"] == bob3["linear_forward"]["max_score"]
    # his two-layer loop climbs the gradient (and calls his linear_backward, two mistakes
    # at once, which no note can excuse): it loses points, named where m = 1
    loop = bob3["two_layer_model"]
    assert 0 < loop["score"] < loop["max_score"] and "gradient_ascent" in loop["diagnoses"]
    for right in ("predict_two_layer", "tanh_softmax_backward", "train_tanh_softmax",
                  "predict_tanh_softmax"):
        assert bob3[right]["score"] == bob3[right]["max_score"], right
    bob4 = by_name(rows["bob", "04_deep_networks"])
    assert bob4["compute_cost"]["score"] < bob4["compute_cost"]["max_score"]
    assert bob4["L_model_backward"]["score"] < bob4["L_model_backward"]["max_score"]
    assert bob4["update_parameters"]["score"] == bob4["update_parameters"]["max_score"]


#: assignment -> the questions bob gets partly wrong -> a diagnosis each must include
BOB = {
    "01_chain_rule_and_graphs": {"problem2_partials": {"exp_inner"},
                                 "gate_backward": {"tie_dropped"},
                                 "average_gradients": {"missing_1_over_n"}},
    "02_activations_and_outputs": {"softplus_forward": {"unstable_overflow"},
                                   "leaky_relu_backward": {"ignored_alpha"}},
    # the one-sided difference is in numerical_gradient (no check of its own): both
    # graded functions that call it lose points for it
    "05_gradient_checking": {"relative_error": {"zero_division"},
                             "vector_to_params": {"key_order"},
                             "numerical_gradients": {"one_sided"},
                             # his relative_error's missing 0/0 guard, where a
                             # gradient is all zero (inactive ReLU units)
                             "gradient_check": {"one_sided", "zero_division"},
                             # both call his numerical_gradient (through gradient_check)
                             "find_buggy_gradients": {"one_sided"},
                             "multilabel_gradient_check": {"one_sided"}},
}


@pytest.mark.parametrize("assignment", sorted(BOB))
def test_bob_partial_credit_on_his_mistakes_only(rows, assignment):
    per = by_name(rows["bob", assignment])
    for name, q in per.items():
        if name in BOB[assignment]:
            assert 0 < q["score"] < q["max_score"], (name, q["score"])
            assert BOB[assignment][name] <= set(q["diagnoses"]), (name, q["diagnoses"])
        else:
            assert q["score"] == q["max_score"], (name, q["score"], q["feedback"][:2])


#: assignment -> question -> diagnoses that name mistakes bob did not make (each once
#: did, a cascade of his own mistake read as another one)
BOB_NOT = {
    # his find_buggy_gradients is right: the one-sided differences of the
    # numerical_gradient it relies on flag right gradients; where every gradient is
    # flagged, the overall threshold would flag them too, and the feedback names both
    "05_gradient_checking": {"find_buggy_gradients": {"overall_threshold"},
                             "gradient_check": {"not_finite"}},
}


@pytest.mark.parametrize("assignment", sorted(BOB_NOT))
def test_bob_is_not_diagnosed_with_mistakes_he_did_not_make(rows, assignment):
    per = by_name(rows["bob", assignment])
    for name, wrong in BOB_NOT[assignment].items():
        assert not wrong & set(per[name]["diagnoses"]), (name, per[name]["diagnoses"])
    fbg = per["find_buggy_gradients"]["feedback"]
    assert any("numerical_gradient" in f and "one-sided" in f for f in fbg), fbg


def test_dave_broken_file_and_syntax_error(rows):
    broken = rows["dave", "03_one_layer_at_a_time"]
    assert broken["status"] == "error" and "not valid JSON" in broken["error"]
    syntax = rows["dave", "04_deep_networks"]
    assert syntax["status"] == "graded"
    per = by_name(syntax)
    assert per["update_parameters"]["score"] == 0
    assert per["L_model_backward"]["score"] == per["L_model_backward"]["max_score"]
    assert any("SyntaxError" in c["error"] for c in syntax["cells"])


#: assignment -> (dave's function that scores 0, its status code, a cell error or None)
DAVE = {
    "01_chain_rule_and_graphs": ("relu_layer_backward", "raised", None),
    "02_activations_and_outputs": ("softmax_backward", "missing", None),
    "05_gradient_checking": ("gradient_check", "missing",
                             "ModuleNotFoundError: No module named 'my_utils'"),
}
#: assignment -> the graded functions that call dave's missing one, and so raise
DAVE_CALLERS = {"05_gradient_checking": {"find_buggy_gradients"}}


@pytest.mark.parametrize("assignment", sorted(DAVE))
def test_dave_loses_one_function_only(rows, assignment):
    """... and the graded functions that call it, which raise a NameError naming it."""
    name, code, cell_error = DAVE[assignment]
    row = rows["dave", assignment]
    assert row["status"] == "graded" and row["error"] is None
    per = by_name(row)
    assert per[name]["score"] == 0 and code in per[name]["diagnoses"]
    callers = DAVE_CALLERS.get(assignment, set())
    for other, q in per.items():
        if other in callers:
            assert q["score"] == 0 and "raised" in q["diagnoses"], (other, q["score"])
            assert any(f"name '{name}' is not defined" in f for f in q["feedback"])
        elif other != name:
            assert q["score"] == q["max_score"], (other, q["score"])
    if cell_error:
        assert any(cell_error in (c["error"] or "") for c in row["cells"])
