"""The ``course`` command line and the demo it runs."""

import io
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from course import cli, demo


def test_help_lists_demo(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_unknown_command_is_an_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_demo_trains_checks_and_saves_plots(tmp_path):
    stream = io.StringIO()
    status = demo.run(out=tmp_path, epochs=15, seed=0, stream=stream)
    report = stream.getvalue()
    assert status == 0, report
    # the gradient checks pass and the planted bug is caught
    assert report.count(" ok") >= 2 and "caught" in report and "FAILED" not in report
    # a real accuracy figure, well above chance (10 %) on held-out digits
    test_acc = float(report.split("test accuracy")[1].split("%")[0])
    assert test_acc > 80, report
    assert "train accuracy" in report and "flower" in report
    # the instructor's pipeline: release, then the samples graded and reported
    assert "no leaks" in report and "assignments/ is up to date" in report
    assert "alice" in report and "dave" in report and "not valid JSON" in report
    grades = tmp_path / "grades"
    assert (grades / "grades.json").exists() and (grades / "grades.csv").exists()
    assert (grades / "summary.html").exists()
    assert list((grades / "feedback").glob("*/alice.html"))
    assert len(list((tmp_path / "assignments").glob("*/*.ipynb"))) == 5
    # the student kit, built next to the release
    assert [p.name for p in (tmp_path / "kit").glob("*.whl")] == [
        f"backprop_coursekit-{version('backprop-course')}-py3-none-any.whl"]
    assert "student kit" in report and "pip install backprop_coursekit" in report
    for name in ["cost.png", "gradient_norms.png", "activations.png", "graph.png",
                 "flower_boundary.png", "digits_test.png", "ce_vs_mse.png"]:
        png = tmp_path / name
        assert png.stat().st_size > 5000, name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_python_dash_m_course_runs():
    result = subprocess.run([sys.executable, "-m", "course", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "demo" in result.stdout


def test_demo_command_passes_its_options(monkeypatch, tmp_path):
    seen = {}

    def fake_run(**kwargs):
        seen.update(kwargs)
        return 0

    monkeypatch.setattr(demo, "run", fake_run)
    status = cli.main(["demo", "--out", str(tmp_path), "--epochs", "3", "--seed", "7"])
    assert status == 0
    assert seen == {"out": str(tmp_path), "epochs": 3, "seed": 7}
    monkeypatch.setattr(demo, "run", lambda **kwargs: 1)
    assert cli.main(["demo"]) == 1  # a wrong gradient-check verdict is a failure


@pytest.mark.parametrize("args", [["--epochs", "0"], ["--epochs", "x"], ["--seed", "-1"]])
def test_demo_rejects_bad_options(args, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["demo", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert args[0] in err and "expected" in err


# ---------------------------------------------- the usual commands never end in a traceback

ROOT = Path(__file__).resolve().parent.parent


def _course(*args, **kw):
    return subprocess.run([sys.executable, "-m", "course", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, **kw)


def _one_line_error(proc, status, text):
    assert proc.returncode == status, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert text in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_grade_bad_paths_are_one_line_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "essay.txt").write_text("not a notebook")
    (tmp_path / "file.txt").write_text("x")
    out = ["--out", str(tmp_path / "o")]
    _one_line_error(_course("grade", str(tmp_path / "nowhere"), *out), 2,
                    "no such file or folder")
    _one_line_error(_course("grade", str(tmp_path / "empty"), *out), 2,
                    "no notebooks (.ipynb) found in")
    _one_line_error(_course("grade", str(tmp_path / "texts"), *out), 2,
                    "no notebooks (.ipynb) found in")
    _one_line_error(_course("grade", str(tmp_path / "file.txt"), *out), 2,
                    "file.txt: not a notebook; expected a .ipynb")
    assert not (tmp_path / "o").exists()


def test_grade_into_a_folder_that_cannot_be_written_is_one_line(tmp_path):
    sub = ROOT / "assignments" / "03_one_layer_at_a_time" / "03_one_layer_at_a_time.ipynb"
    (tmp_path / "taken").write_text("a file, not a folder")
    _one_line_error(_course("grade", str(sub), "--out", str(tmp_path / "taken" / "grades")),
                    2, "is a file; expected a folder for the reports")
    if os.geteuid() == 0:
        pytest.skip("root may write anywhere; CI runs this test as an unprivileged user too")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    _one_line_error(_course("grade", str(sub), "--out", str(locked / "grades")), 2,
                    "is not writable; choose another --out")


def test_output_piped_into_a_closed_reader_ends_quietly(tmp_path):
    """``course grade ... | head``: the reader is gone before the table is printed."""
    for argv in (["--help"], ["grade", str(ROOT / "samples" / "submitted"), "--out",
                              str(tmp_path / "o"), "--isolation", "none", "-j", "2"]):
        proc = subprocess.Popen([sys.executable, "-m", "course", *argv], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()  # as `head` does once it has its lines
        with proc.stderr:
            err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) in (0, 1, 141), err
        assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert (tmp_path / "o" / "grades.json").exists()  # reports are written before the table


def test_release_with_a_broken_region_is_one_line(tmp_path):
    pytest.importorskip("nbgrader")
    sol = tmp_path / "sol" / "week1"
    sol.mkdir(parents=True)
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "def f(x):\n    ### BEGIN SOLUTION\n    return x\n"}]}
    (sol / "w1.ipynb").write_text(json.dumps(nb))
    _one_line_error(_course("release", "--solutions", str(tmp_path / "sol"), "--out",
                            str(tmp_path / "out")), 1,
                    "cell 1, line 2: '### BEGIN SOLUTION' without its '### END SOLUTION'")


def test_ctrl_c_in_a_batch_keeps_the_rows_finished_so_far(tmp_path):
    from autograder.sandbox import isolation_available

    subs = tmp_path / "subs"
    src = ROOT / "solutions" / "03_one_layer_at_a_time" / "03_one_layer_at_a_time.ipynb"
    (subs).mkdir()
    (subs / "a_fast.ipynb").write_text(src.read_text())
    slow = json.loads(src.read_text())
    slow["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                          "execution_count": None, "source":
                          "import time\ndef linear_forward(A_prev, W, b):\n"
                          "    time.sleep(60)\n"})
    (subs / "b_slow.ipynb").write_text(json.dumps(slow))
    (subs / "c_never.ipynb").write_text(src.read_text())
    out = tmp_path / "out"
    isolation = [] if isolation_available()[0] else ["--isolation", "none"]
    proc = subprocess.Popen([sys.executable, "-m", "course", "grade", str(subs), "--out",
                             str(out), "--timeout", "50", *isolation], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    import signal
    import time

    time.sleep(6)  # a_fast is graded in about a second; b_slow sleeps for 50 s
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr
    assert "interrupted (Ctrl-C) after 1 of 3 submissions" in stderr
    doc = json.loads((out / "grades.json").read_text())
    assert [r["student"] for r in doc["submissions"]] == ["a_fast"]
    assert doc["submissions"][0]["score"] == doc["submissions"][0]["max_score"] > 0
    assert doc["grader"]["interrupted"] == "1 of 3 submissions graded"
    assert "a_fast" in (out / "grades.csv").read_text()
