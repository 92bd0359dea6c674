"""``course release``: nbgrader's preprocessors strip solutions, hidden tests and outputs;
the leak check catches what slips through; ``--check`` catches a stale release."""

from __future__ import annotations

import inspect
import json

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader")

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402

from course.cli import main  # noqa: E402
from course.release import build, check_in_sync, leaks, release_notebook  # noqa: E402

SOLUTION = (
    'def linear_backward(dZ, cache):\n    """Backward pass of a linear layer."""\n'
    "    ### BEGIN SOLUTION\n    A_prev, W, b = cache\n    m = A_prev.shape[1]\n"
    "    dW = dZ @ A_prev.T / m\n    db = np.sum(dZ, axis=1, keepdims=True) / m\n"
    "    return W.T @ dZ, dW, db\n    ### END SOLUTION\n"
)
HIDDEN = ('### BEGIN HIDDEN TESTS\nfrom autograder.checks import assert_check\n'
          'assert_check("linear_backward", linear_backward)\n### END HIDDEN TESTS')


def meta(**kw):
    return {"nbgrader": {"schema_version": 3, "locked": False, "solution": False,
                         "grade": False, **kw}}


def solution_notebook():
    nb = new_notebook()
    code = new_code_cell("import numpy as np\nprint('hi')")
    code.outputs = [new_output("stream", name="stdout", text="hi\n")]
    code.execution_count = 1
    nb.cells = [
        new_markdown_cell("The rule: `dW = dZ @ A_prev.T / m`, averaged over the batch."),
        code,
        new_code_cell(SOLUTION, metadata=meta(solution=True, grade_id="linear_backward")),
        new_code_cell('check("linear_backward", linear_backward)',
                      metadata=meta(locked=True, grade_id="check_linear_backward")),
        new_code_cell(HIDDEN, metadata=meta(locked=True, grade=True, points=2,
                                            grade_id="test_linear_backward")),
    ]
    return nb


def as_dict(nb):
    return json.loads(nbformat.writes(nb))


def test_release_strips_solutions_hidden_tests_and_outputs():
    nb = solution_notebook()
    rel = release_notebook(nb)
    graded = rel.cells[2].source
    assert graded.startswith("def linear_backward(dZ, cache):")
    assert '"""Backward pass of a linear layer."""' in graded  # signature and docstring stay
    assert "raise NotImplementedError()" in graded and "A_prev.T" not in graded
    assert rel.cells[4].source.strip() == ""  # hidden tests gone
    assert rel.cells[1].outputs == [] and rel.cells[1].execution_count is None
    assert rel.cells[4].metadata["nbgrader"]["locked"] is True
    assert "checksum" in rel.cells[4].metadata["nbgrader"]
    assert nb.cells[2].source == SOLUTION  # the solution notebook is not modified
    assert leaks(as_dict(nb), as_dict(rel)) == []


def test_leak_check_catches_markers_lines_hidden_tests_and_reference_bodies():
    nb = solution_notebook()
    rel = as_dict(release_notebook(nb))
    rel["cells"][1]["source"] = "A_prev, W, b = cache  # pasted from the solution"
    assert leaks(as_dict(nb), rel) == []  # not the same line: fine
    rel["cells"][1]["source"] = "A_prev, W, b = cache\n"
    assert any("solution or hidden-test line" in p for p in leaks(as_dict(nb), rel))
    rel["cells"][1]["source"] = "### BEGIN SOLUTION\n"
    assert any("marker" in p for p in leaks(as_dict(nb), rel))
    rel["cells"][1]["source"] = 'assert_check("linear_backward", linear_backward)'
    assert any("hidden-test line" in p for p in leaks(as_dict(nb), rel))
    from course.nn import layers

    rel["cells"][1]["source"] = inspect.getsource(layers.linear_backward)
    assert any("course.nn.layers.linear_backward" in p for p in leaks(as_dict(nb), rel))


def test_leak_check_follows_thin_wrappers_into_what_they_call():
    """L_model_backward only calls model_backward, and the gradient_check the checks call
    (gradcheck_api's) only calls ``_gc.gradient_check``: the callees' bodies count too."""
    from course.nn import gradcheck, model
    from course.release import reference_bodies, reference_leaks

    bodies = reference_bodies()
    assert len(bodies["course.nn.model.L_model_backward"]) < 3  # wrappers
    assert len(bodies["course.nn.gradcheck_api.gradient_check"]) < 3
    for func in (model.model_backward, gradcheck.model_numerical_gradients):
        name = f"{func.__module__}.{func.__qualname__}"
        assert reference_leaks(inspect.getsource(func), bodies) != [], name
        # reformatting does not hide a copy
        spread = "\n\n# pasted\n".join(inspect.getsource(func).splitlines())
        assert f"three lines of {name}'s body" in reference_leaks(spread, bodies)


def test_formula_shown_in_the_text_is_not_a_leak():
    nb = solution_notebook()
    nb.cells[0].source = "Average the batch: `dW = dZ @ A_prev.T / m`\n\n    dW = dZ @ A_prev.T / m"
    rel = as_dict(release_notebook(nb))
    assert leaks(as_dict(nb), rel) == []


def test_build_and_check_in_sync(tmp_path, capsys):
    sol, out = tmp_path / "solutions", tmp_path / "assignments"
    (sol / "03_layers").mkdir(parents=True)
    nbformat.write(solution_notebook(), str(sol / "03_layers" / "layers.ipynb"))
    assert main(["release", "--solutions", str(sol), "--out", str(out)]) == 0
    released = out / "03_layers" / "layers.ipynb"
    assert released.exists()
    assert check_in_sync(sol, out) == []
    assert main(["release", "--solutions", str(sol), "--out", str(out), "--check"]) == 0
    released.write_text(released.read_text().replace("NotImplementedError", "ValueError"))
    assert any("out of date" in p for p in check_in_sync(sol, out))
    assert main(["release", "--solutions", str(sol), "--out", str(out), "--check"]) == 1
    build(sol, out)
    (out / "03_layers" / "old.ipynb").write_text("{}")
    assert any("has no solution notebook" in p for p in check_in_sync(sol, out))
    capsys.readouterr()


def test_a_leaking_solution_stops_the_release(tmp_path, capsys):
    sol = tmp_path / "solutions" / "a"
    sol.mkdir(parents=True)
    nb = solution_notebook()
    nb.cells[2].metadata = {}  # a solution cell without its nbgrader metadata
    nbformat.write(nb, str(sol / "x.ipynb"))
    status = main(["release", "--solutions", str(tmp_path / "solutions"),
                   "--out", str(tmp_path / "out")])
    assert status == 1
    assert "course release:" in capsys.readouterr().err


def test_every_released_notebook_is_stamped_with_its_assignment(tmp_path):
    import course
    from course.release import release_id

    sol, out = tmp_path / "solutions", tmp_path / "assignments"
    (sol / "my_week_3").mkdir(parents=True)
    nb = solution_notebook()
    nbformat.write(nb, str(sol / "my_week_3" / "layers.ipynb"))
    (path,) = build(sol, out)
    stamp = json.loads(path.read_text())["metadata"]["course"]
    assert stamp == {"assignment": "my_week_3", "release": release_id(nb),
                     "version": course.__version__}
    assert len(stamp["release"]) == 12 and int(stamp["release"], 16) >= 0
    # deterministic: the same solutions, the same id; an edited solution, a new one
    assert build(sol, tmp_path / "again") and (
        json.loads((tmp_path / "again" / "my_week_3" / "layers.ipynb").read_text())
        ["metadata"]["course"] == stamp)
    nb.cells[0].source += " Edited."
    assert release_id(nb) != stamp["release"]


def test_the_committed_release_is_stamped():
    from autograder.assignments import ASSIGNMENTS
    from autograder.identify import RELEASE

    for name in ASSIGNMENTS:
        (path,) = (RELEASE / name).glob("*.ipynb")
        assert json.loads(path.read_text())["metadata"]["course"]["assignment"] == name


@pytest.mark.parametrize("source, expected", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "'### BEGIN SOLUTION' without its "
     "'### END SOLUTION'"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "'### END SOLUTION' without its "
     "'### BEGIN SOLUTION'"),
    ("### BEGIN HIDDEN TESTS\nassert True\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS",
     "inside an open"),
])
def test_a_broken_solution_region_is_a_one_line_error(tmp_path, capsys, source, expected):
    sol = tmp_path / "solutions" / "a"
    sol.mkdir(parents=True)
    nb = solution_notebook()
    nb.cells[2].source = source
    nbformat.write(nb, str(sol / "x.ipynb"))
    status = main(["release", "--solutions", str(tmp_path / "solutions"),
                   "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 1
    assert expected in err and "x.ipynb" in err and "cell 3" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_release_of_a_missing_folder_or_a_broken_notebook_is_one_line(tmp_path, capsys):
    assert main(["release", "--solutions", str(tmp_path / "nowhere"),
                 "--out", str(tmp_path / "out")]) == 1
    assert "no such folder" in capsys.readouterr().err
    (tmp_path / "s" / "a").mkdir(parents=True)
    (tmp_path / "s" / "a" / "x.ipynb").write_text("{not json")
    assert main(["release", "--solutions", str(tmp_path / "s"), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "not a readable notebook" in err and len(err.strip().splitlines()) == 1
