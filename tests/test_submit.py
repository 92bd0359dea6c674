"""``grader.submit()`` (issue 10 part 4) and the kit version through ``course collect`` and
``course grade``.

The notebooks are the released notebook of assignment 03, untouched (stubs) or with the
solution's code typed into its graded cells (as a student would, the nbgrader markers
dropped). Each ``submit`` runs the saved file in a fresh kernel through nbclient, as in the
student's JupyterLab.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.collect import MANIFEST, collect, kit_notes
from course.cli import main
from coursekit import __version__, grader, registry
from coursekit import submit as ck_submit
from coursekit.cells import ordinal

pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
A03 = "03_one_layer_at_a_time"
RELEASED = ROOT / "assignments" / A03 / f"{A03}.ipynb"
SOLUTION = ROOT / "solutions" / A03 / f"{A03}.ipynb"
#: The assignment's graded functions and their points, as the kit knows them.
GRADED = registry.assignments()[A03]
TOTAL = float(sum(registry.checks()[n].points for n in GRADED))


def _src(cell):
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def solved():
    """The released notebook with every graded (solution) cell filled with the solution's
    code, nbgrader's markers dropped."""
    nb = json.loads(RELEASED.read_text())
    answers = {}
    for c in json.loads(SOLUTION.read_text())["cells"]:
        meta = c.get("metadata", {}).get("nbgrader", {})
        if c["cell_type"] == "code" and meta.get("solution"):
            answers[meta["grade_id"]] = "".join(
                ln for ln in _src(c).splitlines(keepends=True)
                if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    for c in nb["cells"]:
        gid = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if c["cell_type"] == "code" and gid in answers:
            c["source"] = answers[gid]
    return nb


def code_cell(source):
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": source}


def write(folder, nb, name=f"{A03}.ipynb"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(nb, indent=1))
    return path


def members(report):
    with zipfile.ZipFile(report.path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


# ----------------------------------------------------------------------------- submit
def test_a_solved_notebook_gives_a_zip_with_its_manifest(tmp_path):
    nb = solved()
    # a student who left a submit cell in: the fresh run skips it (no recursion)
    nb["cells"].append(code_cell("grader.submit()"))
    path = write(tmp_path / "work", nb)
    report = grader.submit(str(path), student="s0042")
    assert report.ok, str(report)
    assert report.path == tmp_path / "work" / f"{A03}-s0042.zip"
    files = members(report)
    assert sorted(files) == sorted([path.name, MANIFEST])
    assert files[path.name] == path.read_bytes()            # the saved file, unchanged
    man = json.loads(files[MANIFEST])
    assert man["student"] == "s0042" and man["student_from"] == "the argument student="
    assert man["assignment"] == A03 and man["notebook"] == path.name
    assert man["kit_version"] == __version__ and man["release_version"] == __version__
    assert man["results_from"] == "a fresh kernel" and man["problems"] == []
    assert list(man["public_results"]) == GRADED
    assert all(r["score"] == r["max_score"] > 0 for r in man["public_results"].values())
    assert man["public_total"] == {"score": TOTAL, "max_score": TOTAL}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", man["created"])
    text = str(report)
    assert text.startswith("Ready to hand in") and str(report.path) in text
    assert "upload this zip" in text and "nbgrader submit" in text and "save" in text
    assert "Ran top to bottom in a fresh kernel" in text and f"{TOTAL:g} / {TOTAL:g} points" in text
    html = report._repr_html_()
    assert "Ready to hand in" in html and "<code" in html and "Traceback" not in html


def test_an_untouched_notebook_lists_every_stub_and_still_writes_the_zip(tmp_path):
    nb = json.loads(RELEASED.read_text())
    # one graded cell deleted: not defined at all
    nb["cells"] = [c for c in nb["cells"]
                   if not re.search(r"^def linear_activation_backward\(", _src(c), re.M)]
    path = write(tmp_path, nb)
    report = grader.submit(str(path), student="bob")
    assert not report.ok and report.path is not None
    stubs = next(p for p in report.problems if p.startswith("still stubs"))
    for name in GRADED[:3]:
        assert name in stubs
    # each stub named with the heading above it, not "cell 22"
    assert 'linear_backward (under "Exercise 4"; ' in stubs and "cell 22" not in stubs, stubs
    missing = next(p for p in report.problems if p.startswith("not defined"))
    assert "linear_activation_backward" in missing and "linear_forward" not in missing
    man = json.loads(members(report)[MANIFEST])
    assert man["public_total"] == {"score": 0.0, "max_score": TOTAL}
    assert man["problems"] == report.problems
    assert str(report).startswith("Written, but not complete (2 problems below)")


def test_a_cell_that_raises_is_named(tmp_path):
    nb = solved()
    at = next(i for i, c in enumerate(nb["cells"])
              if re.search(r"^def linear_activation_forward\(", _src(c), re.M))
    nb["cells"].insert(at, code_cell("print(m_undefined + 1)"))
    path = write(tmp_path, nb)
    report = grader.submit(str(path), student="carol")
    (failure,) = report.problems
    # named as the student finds it: its first line, the heading above it, and its place
    # among the code cells (markdown cells not counted), not "cell 35"
    code_k = sum(c["cell_type"] == "code" for c in nb["cells"][:at])
    n_code = sum(c["cell_type"] == "code" for c in nb["cells"])
    assert failure.startswith(
        f'the cell starting `print(m_undefined + 1)` (under "Exercise 7"; '
        f"{ordinal(code_k + 1)} of {n_code} code cells) raises NameError"), failure
    assert "m_undefined" in failure and "top to bottom" in failure
    # the checks ran after the failure, on what was defined before it
    assert report.results_from == "a fresh kernel"
    assert report.results["linear_backward"] == {"score": 2.0, "max_score": 2.0}
    assert report.results["linear_activation_forward"]["score"] == 0


def test_the_time_limit_is_enforced_and_named(tmp_path, capfd):
    import gc

    nb = solved()
    nb["cells"].insert(2, code_cell("import time\nwhile True:\n    time.sleep(0.1)"))
    path = write(tmp_path, nb)
    report = grader.submit(str(path), student="dave", timeout=2)
    # nothing on stderr, which is the student's cell (asyncio's "Task was destroyed but
    # it is pending!" for nbclient's pollers of the stopped cell, printed when collected)
    gc.collect()
    assert "Task was destroyed" not in capfd.readouterr().err
    (failure,) = report.problems
    n_code = sum(c["cell_type"] == "code" for c in nb["cells"])
    assert failure.startswith('the cell starting `import time` (under "Assignment 3: One '
                              f'layer at a time"; 2nd of {n_code} code cells) did not finish '
                              "within the time limit (2 s for the whole notebook)"), failure
    # no results from the stopped kernel: the manifest says where they come from
    assert report.results_from == "this kernel" and report.path is not None


def test_without_nbclient_it_says_so_and_still_writes(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nbclient", None)
    path = write(tmp_path, solved())
    report = grader.submit(str(path), student="eve")
    assert report.path is not None and report.results_from == "this kernel"
    assert any("nbclient is not installed" in n and "Restart Kernel and Run All" in n
               for n in report.notes), report.notes


def test_finding_the_notebook_and_the_student(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    path = write(tmp_path / "a", solved())
    # the session's path (ipykernel's __session__), relative or absolute
    assert ck_submit.find_notebook(None, {"__session__": str(path)}) == (
        path, "the notebook this kernel runs for")
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    assert ck_submit.find_notebook()[0] == path
    monkeypatch.delenv("JPY_SESSION_NAME")
    # nothing to go by, two notebooks here: one line, no zip, no exception
    write(tmp_path, solved(), "x.ipynb")
    write(tmp_path, solved(), "y.ipynb")
    report = ck_submit.submit(spaces=[{}])
    assert report.path is None and "\n" not in report.error
    assert report.error.startswith("cannot tell which notebook this is")
    assert 'grader.submit("03_one_layer_at_a_time.ipynb")' in str(report)
    assert ck_submit.submit("nope.ipynb").error.startswith("there is no notebook")
    assert "is not a notebook" in ck_submit.submit("x.txt").error
    # the student: the argument, else the login name, and the report says which
    monkeypatch.setitem(sys.modules, "nbclient", None)        # no fresh run: quicker
    monkeypatch.setattr(ck_submit.getpass, "getuser", lambda: "jovyan")
    report = ck_submit.submit(str(path))
    assert report.student == "jovyan" and report.path.name == f"{A03}-jovyan.zip"
    assert "your login name (getpass.getuser())" in str(report)
    assert ck_submit.submit(str(path), student="  ").error.startswith("the argument student=")
    # inside the fresh run, submit does nothing
    monkeypatch.setenv(ck_submit.SUBMITTING_ENV, "1")
    assert ck_submit.submit(str(path)).skipped


def _saved_linear_forward(A_prev, W, b):
    return W @ A_prev + b, (A_prev, W, b)


def test_a_function_that_differs_from_the_saved_file_is_pointed_out(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nbclient", None)
    path = write(tmp_path, solved())
    report = ck_submit.submit(str(path), student="x",
                              spaces=[{"linear_forward": _saved_linear_forward}])
    assert report.notes[0].startswith("Unsaved changes? linear_forward in this kernel differs")
    nb = solved()
    own = next(c for c in nb["cells"] if _src(c).startswith("def linear_forward("))
    live = {}
    exec(compile(_src(own), str(tmp_path / "cell.py"), "exec"), live)   # noqa: S102
    (tmp_path / "cell.py").write_text(_src(own))
    report = ck_submit.submit(str(path), student="x", spaces=[live])
    assert not any(n.startswith("Unsaved") for n in report.notes), report.notes


def test_an_unknown_or_unstamped_notebook_gets_one_line(tmp_path):
    nb = solved()
    nb["metadata"]["course"]["assignment"] = "99_future"
    report = ck_submit.submit(str(write(tmp_path, nb)))
    assert report.path is None and "'99_future', which this kit does not know" in report.error
    nb = copy.deepcopy(nb)
    del nb["metadata"]["course"]
    nb["cells"] = [c for c in nb["cells"] if "check_all" not in _src(c)]
    report = ck_submit.submit(str(write(tmp_path, nb)))
    assert report.error.startswith("cannot tell which assignment this notebook is")


def test_a_renamed_graded_function_is_pointed_out(tmp_path, monkeypatch):
    """A student who wrote ``def linear_backwards`` is told the name the assignment gives
    it, by submit() and by the check cell."""
    monkeypatch.setitem(sys.modules, "nbclient", None)
    nb = solved()
    own = next(c for c in nb["cells"] if _src(c).startswith("def linear_backward("))
    own["source"] = _src(own).replace("def linear_backward(", "def linear_backwards(", 1)
    report = ck_submit.submit(str(write(tmp_path, nb)), student="x")
    missing = next(p for p in report.problems if p.startswith("not defined"))
    assert "linear_backwards instead of linear_backward" in missing, missing
    ns = {}
    exec(compile(_src(own), "<cell>", "exec"), ns)   # noqa: S102
    said = str(grader._run("linear_backward", [ns]))
    assert "the notebook defines linear_backwards" in said and "rename it" in said, said
    # a misspelled assignment in check_all is one line with the closest name, not a traceback
    out = grader.check_all("03_one_layer_at_a_tme")
    assert str(out) == ("no assignment is called '03_one_layer_at_a_tme': did you mean "
                        "'03_one_layer_at_a_time'?")


def test_a_graded_function_reading_a_notebook_variable_is_noted(tmp_path):
    """In the fresh kernel every cell runs, so a ``linear_backward`` that reads the
    notebook's ``m = 5`` passes there; submit says what the check cell says (when graded,
    only imports, definitions and constants are kept)."""
    nb = solved()
    at = next(i for i, c in enumerate(nb["cells"]) if _src(c).startswith("def linear_backward("))
    nb["cells"][at]["source"] = (
        "def linear_backward(dZ, cache):\n    A_prev, W, b = cache\n"
        "    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m\n")
    nb["cells"].insert(at, code_cell("m = 5\n"))
    report = grader.submit(str(write(tmp_path, nb)), student="gus")
    (note,) = [n for n in report.notes if "reads the notebook" in n]
    # (the value at the end of the run: the notebook's later cells set m again)
    assert re.match(r"linear_backward reads the notebook's `m` \(= \d+\) instead of working "
                    "from its arguments", note), note
    assert str(report).index(note[:40]) < str(report).index("Ran top to bottom")
    honest = grader.submit(str(write(tmp_path / "ok", solved())), student="gus")
    assert not [n for n in honest.notes if "reads the notebook" in n], honest.notes


def test_a_folder_that_cannot_be_written_is_one_line_and_out_gives_another(tmp_path,
                                                                        monkeypatch):
    """A notebook in a read-only folder (a course's shared folder): submit says where it
    could not write and how to choose a folder; ``out=`` writes the zip there; submitting
    twice replaces the zip and says so."""
    monkeypatch.setitem(sys.modules, "nbclient", None)
    path = write(tmp_path / "shared", solved())
    real = zipfile.ZipFile

    def refused(file, *args, **kwargs):
        if Path(file).parent == path.parent:
            raise PermissionError(13, "Permission denied", str(file))
        return real(file, *args, **kwargs)

    monkeypatch.setattr(ck_submit.zipfile, "ZipFile", refused)
    report = ck_submit.submit(str(path), student="ro")
    assert report.path is None and not list(path.parent.glob("*.part"))
    assert report.error.startswith(f"the zip cannot be written in {path.parent} (Permission "
                                   "denied)") and 'grader.submit(out="~")' in report.error
    assert str(report).startswith("Not submitted: ") and "\n" in str(report)
    mine = tmp_path / "home"
    report = ck_submit.submit(str(path), student="ro", out=str(mine))
    assert report.ok and report.path == mine / f"{A03}-ro.zip", str(report)
    again = ck_submit.submit(str(path), student="ro", out=str(mine))
    assert again.ok and again.replaced
    assert "It replaces the zip of an earlier grader.submit()." in str(again)


# ------------------------------------------------------------- collect + grade: kit version
def test_kit_version_travels_from_the_zip_to_the_grade_row(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "nbclient", None)        # the zip is what matters here
    old = ck_submit.submit(str(write(tmp_path / "old", solved())), student="olga")
    new = ck_submit.submit(str(write(tmp_path / "new", solved())), student="nick")
    # olga's kit was an older one: rewrite her manifest as that kit would have
    files = members(old)
    man = json.loads(files[MANIFEST])
    man["kit_version"] = "0.0.9"
    with zipfile.ZipFile(old.path, "w") as zf:
        zf.writestr(old.notebook.name, files[old.notebook.name])
        zf.writestr(MANIFEST, json.dumps(man))
    out = tmp_path / "submitted"
    collect([old.path, new.path], out)
    for student in ("olga", "nick"):
        kept = json.loads((out / student / A03 / MANIFEST).read_text())
        assert kept["student"] == student
    assert kit_notes([out / "nick" / A03 / f"{A03}.ipynb"]) == []
    assert main(["grade", str(out), "--out", str(tmp_path / "g"), "-q"]) in (0, 1)
    rows = {r["student"]: r for r in
            json.loads((tmp_path / "g" / "grades.json").read_text())["submissions"]}
    assert rows["olga"]["score"] == rows["nick"]["score"] == TOTAL
    (note,) = [n for n in rows["olga"]["notes"] if "kit" in n]
    assert note.startswith(f"submitted with kit 0.0.9, release has {__version__}")
    assert not [n for n in rows["nick"]["notes"] if "kit" in n]
    # an unreadable manifest is a note, not a crash
    (out / "nick" / A03 / MANIFEST).write_text("{oops")
    assert "cannot be read" in kit_notes([out / "nick" / A03 / f"{A03}.ipynb"])[0]


def test_the_fresh_run_skips_only_cells_that_call_submit():
    calls = ck_submit._calls_submit
    assert calls("grader.submit()") and calls('x = 1\ngrader.submit(student="a")')
    assert calls("%time grader.submit()") and calls("from coursekit.submit import submit\n"
                                                    "submit()")
    assert not calls("def submit(x):\n    return x") and not calls("form.submit()")
    assert not calls("grader.check_all('03_one_layer_at_a_time')")
