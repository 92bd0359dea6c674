"""The course's assignments come from its solution notebooks: each graded hidden-test
cell's ``nbgrader_points("<check>", <function>)`` and nbgrader ``points``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.assignments import (
    ASSIGNMENTS,
    PACKAGE_COURSE,
    AssignmentError,
    Question,
    course_root,
    questions,
    questions_in,
    registry,
    use_course,
)
from autograder.checks import CHECKS

#: The bundled course, as its notebooks define it (the table this module replaced).
BUNDLED = {
    "01_chain_rule_and_graphs": [
        "problem1_dfdx", "problem2_partials", "xyz_forward_backward", "gate_backward",
        "sigmoid_neuron_backward", "softplus_graph_backward", "micrograd_grads",
        "average_gradients", "activation_prime", "squared_error_backward",
        "relu_layer_jacobian", "sigmoid_dot_backward", "relu_layer_backward", "dc_dW_tensor",
        "contract_dc_dW"],
    "02_activations_and_outputs": [
        "sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward",
        "relu_forward", "relu_backward", "softplus_forward", "softplus_backward",
        "leaky_relu_forward", "leaky_relu_backward", "elu_forward", "elu_backward",
        "softmax_forward", "softmax_backward"],
    "03_one_layer_at_a_time": [
        "linear_forward", "linear_backward", "linear_activation_forward",
        "linear_activation_backward", "two_layer_model", "predict_two_layer",
        "tanh_softmax_backward", "train_tanh_softmax", "predict_tanh_softmax"],
    "04_deep_networks": [
        "initialize_parameters_deep", "L_model_forward", "compute_cost",
        "compute_cost_multiclass", "L_model_backward", "update_parameters", "L_layer_model",
        "predict"],
    "05_gradient_checking": [
        "count_parameters", "relative_error", "params_to_vector", "vector_to_params",
        "numerical_gradients", "gradient_check", "find_buggy_gradients",
        "multilabel_gradient_check"],
}


def cell(source, **nbgrader):
    return {"cell_type": "code", "metadata": {"nbgrader": nbgrader} if nbgrader else {},
            "source": source, "outputs": [], "execution_count": None}


def hidden(check, function, points=1, gid=None):
    return cell(f"### BEGIN HIDDEN TESTS\nfrom autograder.engines import nbgrader_points\n"
                f'nbgrader_points("{check}", {function})\n### END HIDDEN TESTS',
                grade=True, solution=False, points=points, grade_id=gid or f"test_{function}")


def write(root, name, cells):
    folder = root / "solutions" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.ipynb").write_text(json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}))


@pytest.fixture(autouse=True)
def _default_course(monkeypatch):
    monkeypatch.delenv("COURSE_ROOT", raising=False)
    yield
    use_course(None)


def test_the_bundled_course_is_its_notebooks():
    assert dict(ASSIGNMENTS) == BUNDLED
    for qs in registry(PACKAGE_COURSE).values():
        for q in qs:  # built-in checks under their own names, at their own points
            assert q.check == q.function and q.points == CHECKS[q.check].points, q


def test_questions_are_read_in_cell_order_with_their_checks_and_points():
    nb = {"cells": [cell("import numpy as np"),
                    cell("def g(dA, cache): ...", solution=True, grade=False, grade_id="g"),
                    hidden("relu_backward", "g", points=3),
                    hidden("linear_forward", "linear_forward", points=0.5),
                    cell("manual", grade=True, solution=True, points=2, grade_id="essay")]}
    assert questions_in(nb) == [Question("g", "relu_backward", 3.0),
                                Question("linear_forward", "linear_forward", 0.5)]


@pytest.mark.parametrize("source, points, message", [
    ('nbgrader_points(name, f)', 1, "must call nbgrader_points"),
    ('nbgrader_points("a", f)\nnbgrader_points("b", f)', 1, "must call nbgrader_points"),
    ('nbgrader_points("a", f', 1, "does not parse"),
    ('nbgrader_points("a", f)', 0, "with 0 points; expected more than 0"),
    ('nbgrader_points("a", f)', "x", "has points 'x'; expected a number"),
])
def test_a_malformed_graded_cell_is_an_error_naming_it(source, points, message):
    nb = {"cells": [cell(source, grade=True, solution=False, points=points, grade_id="t_f")]}
    with pytest.raises(AssignmentError, match=message):
        questions_in(nb, "x.ipynb")


def test_a_function_graded_twice_is_an_error():
    nb = {"cells": [hidden("relu_backward", "f"), hidden("relu_forward", "f", gid="t2")]}
    with pytest.raises(AssignmentError, match="f is graded twice"):
        questions_in(nb)


def test_a_new_folder_is_a_new_assignment_and_edits_are_seen(tmp_path):
    write(tmp_path, "week1", [hidden("relu_backward", "my_relu", points=2)])
    use_course(tmp_path)
    assert course_root() == tmp_path.resolve()
    assert dict(ASSIGNMENTS) == {"week1": ["my_relu"]}
    assert questions("week1") == [Question("my_relu", "relu_backward", 2.0)]
    import os
    import time

    write(tmp_path, "week1", [hidden("relu_backward", "my_relu", points=4)])
    path = tmp_path / "solutions" / "week1" / "week1.ipynb"
    os.utime(path, ns=(time.time_ns() + 10**9,) * 2)  # a later edit, whatever the clock
    assert questions("week1")[0].points == 4.0
    with pytest.raises(KeyError, match="unknown assignment 'week2'; registered: week1"):
        questions("week2")


def test_the_course_is_found_from_the_environment_or_a_parent_folder(tmp_path, monkeypatch):
    write(tmp_path, "w", [hidden("relu_backward", "f")])
    deep = tmp_path / "nbgrader" / "autograded" / "ann" / "w"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)  # where nbgrader autograde runs a notebook
    assert course_root() == tmp_path.resolve()
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.setenv("COURSE_ROOT", str(other))
    assert course_root() == other.resolve() and dict(ASSIGNMENTS) == {}
    monkeypatch.delenv("COURSE_ROOT")
    monkeypatch.chdir(Path("/"))
    assert course_root() == PACKAGE_COURSE


def test_an_unreadable_solution_notebook_is_an_error(tmp_path):
    (tmp_path / "solutions" / "w").mkdir(parents=True)
    (tmp_path / "solutions" / "w" / "w.ipynb").write_text("{oops")
    with pytest.raises(AssignmentError, match="not a readable notebook"):
        registry(tmp_path)


def test_a_course_folder_without_solutions_is_refused_and_not_used(tmp_path):
    from autograder.assignments import choose_course, course_root

    before = course_root()
    why = choose_course(tmp_path)
    assert why == (f"{tmp_path} has no solutions/ folder; expected the course folder (the "
                   "one holding solutions/<assignment>/)")
    assert course_root() == before
    (tmp_path / "solutions").mkdir()
    try:
        assert choose_course(tmp_path) is None and course_root() == tmp_path.resolve()
    finally:
        use_course(None)
