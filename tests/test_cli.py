"""The ``course`` command line and the demo it runs."""

import io
import subprocess
import sys
from importlib.metadata import version

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
