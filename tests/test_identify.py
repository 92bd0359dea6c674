"""Which assignment a submission is: the release stamp first, then nbgrader's grade_ids,
then the graded functions it defines, nbgrader's folder last; never a folder's name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.identify import RELEASE, defined_functions, identify, release_index
from autograder.notebook import Cell, Notebook, read_notebook

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"


def released(name):
    (path,) = (RELEASE / name).glob("*.ipynb")
    return read_notebook(path)


def solution(name):
    (path,) = (SOLUTIONS / name).glob("*.ipynb")
    return read_notebook(path)


def bare(nb):
    """``nb``'s code cells copied into a new notebook: no stamp, no nbgrader metadata
    (a student who pasted their work into a fresh notebook)."""
    return Notebook(nb.path, {}, [Cell("code", src) for src in nb.code])


def defs(*names, extra=""):
    return Notebook(Path("x.ipynb"), {}, [Cell("code", "".join(
        f"def {n}(*a):\n    return 0\n" for n in names) + extra)])


@pytest.mark.parametrize("name", list(ASSIGNMENTS))
def test_every_release_is_identified_by_its_stamp(name):
    ident = identify([released(name)])
    assert (ident.assignment, ident.identified_by, ident.notes) == (name, "stamp", [])


@pytest.mark.parametrize("name", list(ASSIGNMENTS))
def test_without_a_stamp_nbgrader_grade_ids_decide(name):
    nb = released(name)
    nb.metadata = {}
    ident = identify([nb])
    assert ident.assignment == name
    assert ident.identified_by.startswith("nbgrader grade_ids (")


@pytest.mark.parametrize("name", list(ASSIGNMENTS))
def test_cells_pasted_into_a_new_notebook_are_identified_by_their_functions(name):
    # the solution defines every graded function (later notebooks also earlier ones as
    # helpers: 04 gives 03's four); each assignment accounts for what its release gives
    ident = identify([bare(solution(name))])
    k = len(ASSIGNMENTS[name])
    assert (ident.assignment, ident.identified_by) == (name, f"function names ({k} of {k})")


def test_half_of_an_assignment_is_enough_and_less_is_not():
    names = list(ASSIGNMENTS["03_one_layer_at_a_time"])   # 9 graded functions
    half = -(-len(names) // 2)                              # 5 of 9: at least half
    ident = identify([defs(*names[-half:])])
    assert (ident.assignment, ident.identified_by) == (
        "03_one_layer_at_a_time", f"function names ({half} of {len(names)})")
    assert identify([defs(*names[-(half - 1):])]).assignment is None
    ident = identify([defs("linear_forward")])
    assert ident.assignment is None
    assert ident.reason == ("matches no assignment: it defines linear_forward; registered: "
                            + ", ".join(ASSIGNMENTS))


def test_no_match_says_what_it_defines_and_what_is_registered():
    ident = identify([defs("linear_backward", "relu_backward", "helper")])
    assert ident.assignment is None and ident.identified_by is None
    assert ident.reason.startswith("matches no assignment: it defines linear_backward, "
                                   "relu_backward; registered: 01_chain_rule_and_graphs")
    nothing = identify([defs("helper")])
    assert "defines none of the graded functions" in nothing.reason


def test_an_override_wins_and_a_disagreement_is_noted():
    nb = released("03_one_layer_at_a_time")
    ident = identify([nb], override="04_deep_networks")
    assert (ident.assignment, ident.identified_by) == ("04_deep_networks", "--assignment")
    assert ident.notes == ["graded as 04_deep_networks (--assignment); its stamp says "
                           "03_one_layer_at_a_time"]
    agree = identify([nb], override="03_one_layer_at_a_time")
    assert agree.notes == []
    with pytest.raises(ValueError, match="unknown assignment 'week3'; registered: 01_"):
        identify([nb], override="week3")


def test_a_stamp_naming_an_unregistered_assignment_falls_through_with_a_note():
    nb = released("02_activations_and_outputs")
    nb.metadata = {"course": {"assignment": "ps9", "release": "0" * 12}}
    ident = identify([nb])
    assert ident.assignment == "02_activations_and_outputs"
    assert ident.identified_by.startswith("nbgrader grade_ids")
    assert ident.notes == ["its stamp names ps9, which is not registered"]


def test_notebooks_stamped_differently_are_decided_by_their_content():
    a, b = released("03_one_layer_at_a_time"), bare(solution("03_one_layer_at_a_time"))
    b.metadata = {"course": {"assignment": "05_gradient_checking"}}
    ident = identify([a, b])
    assert ident.assignment == "03_one_layer_at_a_time"
    assert any("stamped with different assignments" in n for n in ident.notes)


def test_nbgrader_folder_is_the_last_resort_and_a_disagreement_is_noted():
    assert identify([], nbgrader="04_deep_networks").identified_by == "nbgrader folder"
    assert identify([], nbgrader="ps1").assignment is None
    ident = identify([released("03_one_layer_at_a_time")], nbgrader="04_deep_networks")
    assert ident.assignment == "03_one_layer_at_a_time"
    assert ident.notes == ["in nbgrader's folder 04_deep_networks, but graded as "
                           "03_one_layer_at_a_time (stamp)"]


def test_a_cell_that_does_not_parse_still_names_its_functions():
    nb = defs("linear_forward", extra="def linear_backward(dZ, cache):\n    return (\n")
    assert defined_functions([nb]) == {"linear_forward", "linear_backward"}


def test_the_release_index_covers_every_assignment():
    index = release_index()
    assert set(index) == set(ASSIGNMENTS)
    for name, rel in index.items():
        assert set(ASSIGNMENTS[name]) <= rel.defines, name
        assert rel.grade_ids and rel.checksums


def test_identification_reads_the_file_as_the_grader_does(tmp_path):
    src = json.loads(next((RELEASE / "04_deep_networks").glob("*.ipynb")).read_text())
    path = tmp_path / "whatever.ipynb"
    path.write_text(json.dumps(src))
    assert identify([read_notebook(path)]).assignment == "04_deep_networks"
