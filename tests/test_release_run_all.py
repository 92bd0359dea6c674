"""Run All on an untouched student notebook reaches the end (issue 10, part 5).

Each released notebook of ``assignments/`` is executed as it is, stubs and all, by
nbclient (which stops at the first cell that raises, as JupyterLab's "Run All" does) in a
temporary folder. Every code cell must run, none may raise or write to stderr: a cell that
tries out a graded function that is still a stub says so (``grader.ready``) instead of
stopping the notebook. The last cell, ``grader.check_all("<assignment>")``, must total
the assignment's own graded functions (their points, as ``course grade`` counts them)
with 0 earned.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
RELEASED = sorted((ROOT / "assignments").glob("*/*.ipynb"))
TOTAL = re.compile(r"Total: ([\d.]+) / ([\d.]+) points")


def _text(outputs):
    parts = []
    for o in outputs:
        if o.get("output_type") == "stream":
            parts.append(o["text"])
        elif "data" in o and "text/plain" in o["data"]:
            parts.append(o["data"]["text/plain"])
    return "".join(parts)


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.parent.name)
def test_untouched_release_runs_all_to_the_end(path, tmp_path):
    from autograder.assignments import questions

    work = tmp_path / path.parent.name
    shutil.copytree(path.parent, work)
    nb = nbformat.read(work / path.name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"{path.name}: Run All stopped at a cell that raised:\n{str(err)[-3000:]}")
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    not_run = [i for i, c in code if c.source.strip() and c.get("execution_count") is None]
    assert not not_run, f"{path.name}: cells {not_run} did not run"
    stderr = [(i, o["text"][:300]) for i, c in code for o in c.outputs
              if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert not stderr, f"{path.name}: stderr in cells {stderr}"
    # demo cells that call a stub explain themselves
    skipped = [i for i, c in code if "Skipped for now" in _text(c.outputs)]
    assert skipped, f"{path.name}: no demo cell said it was skipped for a stub"
    for i in skipped:
        assert re.search(r"still (a stub|stubs)", _text(nb.cells[i].outputs)), nb.cells[i].outputs
    # the last cell totals this assignment: every graded function, 0 earned
    last = code[-1][1]
    assert f'grader.check_all("{path.parent.name}")' in last.source, last.source
    text = _text(last.outputs)
    got = TOTAL.search(text)
    assert got, f"{path.name}: no total in the last cell's output:\n{text}"
    qs = questions(path.parent.name)
    assert float(got[1]) == 0
    assert float(got[2]) == pytest.approx(sum(q.points for q in qs)), text
    for q in qs:
        assert q.function in text, f"{q.function} missing from the total:\n{text}"
