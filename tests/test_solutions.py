"""Every solution notebook executes top to bottom, scores full marks under
``course grade``, and its untouched student version scores 0 without crashing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autograder.sandbox import isolation_available

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
ISOLATED, WHY = isolation_available()
FORBIDDEN = re.compile(r"\bcourse\s*\.\s*nn\b|from\s+course\s+import\s+[^\n]*\bnn\b")


def graded_names(nb):
    """grade_ids of the solution cells that have a check (the graded functions)."""
    from autograder.checks import CHECKS

    names = []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
            if meta.get("grade_id") in CHECKS:
                names.append(meta["grade_id"])
    return names


def ids(path):
    return path.parent.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_solution_notebook_is_well_formed(path):
    nb = json.loads(path.read_text())
    assert nb["nbformat"] == 4 and nb["nbformat_minor"] >= 5
    assert all("id" in c for c in nb["cells"]), "nbformat 4.5 needs cell ids"
    names = graded_names(nb)
    assert names, "no graded function (solution cell whose grade_id has a check)"
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code":
            assert not FORBIDDEN.search(src), f"a code cell mentions the reference: {src[:80]}"
            assert not cell.get("outputs"), "outputs must be cleared in solutions/"
    for name in names:  # each graded function has its public check and a hidden test
        text = json.dumps(nb)
        assert f'grader.check(\\"{name}\\")' in text
        assert f'nbgrader_points(\\"{name}\\", {name})' in text


@pytest.mark.skipif(not ISOLATED, reason=WHY)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_solution_scores_full_marks_and_the_stub_scores_zero(path, tmp_path):
    from autograder.grader import Submission, grade_batch

    nb = json.loads(path.read_text())
    names = graded_names(nb)
    student = ROOT / "assignments" / path.parent.name / path.name  # the committed release
    rows = grade_batch([Submission("solution", path.parent.name, [path]),
                        Submission("untouched", path.parent.name, [student])],
                       hide=[tmp_path], names=names)
    solution, untouched = rows
    bad = {q["name"]: q["feedback"][:3] for q in solution["questions"]
           if q["score"] < q["max_score"]}
    assert bad == {} and solution["error"] is None
    assert untouched["status"] == "graded" and untouched["score"] == 0
    assert untouched["max_score"] == solution["max_score"] > 0


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_solution_executes_top_to_bottom(path, tmp_path):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"
              or (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    assert errors == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_assignment_is_registered_with_its_graded_functions(path):
    from autograder.assignments import ASSIGNMENTS

    nb = json.loads(path.read_text())
    assert ASSIGNMENTS.get(path.parent.name) == graded_names(nb)


def test_release_is_in_sync_and_leak_free():
    """``course release --check``: assignments/ is exactly what solutions/ gives, and the
    leak check passes on every notebook (it runs inside the build)."""
    pytest.importorskip("nbgrader")
    from course.release import check_in_sync

    assert NOTEBOOKS, "no solution notebooks"
    assert check_in_sync(ROOT / "solutions", ROOT / "assignments") == []
