"""``course doctor``: one line per check, the fix on every line that is not ok, exit 1 only
when something required is missing, no traceback ever, and ``--json`` saying the same."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import sandbox
from course import doctor
from course.doctor import Check

REPO = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^(ok|warn|FAIL) {2,}(\S.*?) {2,}(.*)$")


def lines_of(text):
    """``{name: (status, rest)}`` of a report, and its summary line."""
    *body, summary = text.splitlines()
    rows = {}
    for line in body:
        m = LINE.match(line)
        assert m, f"not a report line: {line!r}"
        rows[m.group(2)] = (m.group(1), m.group(3))
    return rows, summary


@pytest.fixture(scope="module")
def quick():
    return doctor.checks(quick=True)


def missing(*dists):
    """A stand-in for :func:`course.doctor._version` for which ``dists`` are absent."""
    real = doctor._version

    def version(dist):
        return None if dist in dists else real(dist)

    return version


# --------------------------------------------------------------------------- the report
def test_the_report_has_a_line_per_backend_and_per_engine(quick):
    rows, summary = lines_of(doctor.report(quick))
    for name in sandbox.BACKENDS:
        assert f"backend {name}" in rows, name
    for name in ("python", "backend none", "isolation auto", "nbgrader", "otter",
                 "jupyter kernel", "student kit", "solutions/", "assignments/", "numpy"):
        assert name in rows, name
    assert [r.name for r in quick] == list(rows)
    assert summary.startswith(("all ", "1 problem", f"{len(doctor.failed(quick))} problems"))


def test_each_backend_line_is_what_the_sandbox_says(quick):
    by_name = {r.name: r for r in quick}
    for row in sandbox.backend_status():
        line = by_name[f"backend {row['name']}"]
        assert (line.ok is True) == row["ok"], row
        if not row["ok"]:
            assert line.ok == "warn" and row["why"] in line.detail
    try:
        chosen = sandbox.choose_backend("auto")
    except sandbox.SandboxError:
        assert by_name["isolation auto"].ok is False
        assert "--isolation none" in by_name["isolation auto"].fix
    else:
        assert by_name["isolation auto"].ok is True
        assert f"use the {chosen} backend" in by_name["isolation auto"].detail


def test_lines_are_aligned_and_fixes_shown_only_when_not_ok():
    results = [Check("python", True, "3.11", "never shown"),
               Check("extra [bench]", "warn", "torch is not installed", "pip install x"),
               Check("nbgrader", False, "nbgrader is not installed", "pip install y")]
    text = doctor.report(results)
    body = text.splitlines()[:-1]
    assert len({line.index(r.detail) for line, r in zip(body, results, strict=True)}) == 1
    assert "never shown" not in text
    assert body[1].endswith("-- fix: pip install x") and body[1].startswith("warn ")
    assert body[2].endswith("-- fix: pip install y") and body[2].startswith("FAIL ")
    assert text.splitlines()[-1] == ("1 problem: nbgrader (see their fix above); "
                                     "1 warning (optional): extra [bench]")
    assert doctor.report(results[:1]) .endswith("\nall 1 checks ok")
    assert doctor.report(results[:2]).endswith(
        "\nall required checks ok; 1 warning (optional): extra [bench]")
    assert "\033[" not in text and "\033[" in doctor.report(results, color=True)
    assert doctor.failed(results) == results[2:]


# --------------------------------------------------------------------------- missing things
def test_a_missing_engine_is_a_fail_line_with_its_pip_fix(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "_version", missing("nbgrader", "otter-grader"))
    assert doctor.main(["--quick"]) == 1
    rows, summary = lines_of(capsys.readouterr().out)
    for name, dist in (("nbgrader", "nbgrader"), ("otter", "otter-grader")):
        status, rest = rows[name]
        assert status == "FAIL"
        assert f"{dist} is not installed" in rest
        assert re.search(r"-- fix: pip install (-e )?'[^']*\[grading\]'$", rest), rest
    assert rows["extra [grading]"][0] == "FAIL"
    assert rows["extra [test]"][0] == "warn"  # optional: shown, not fatal
    assert summary.startswith("3 problems: ") and "nbgrader" in summary


def test_a_missing_required_dependency_fails_with_its_requirement(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "_version", missing("numpy"))
    assert doctor.main(["--quick"]) == 1
    rows, _ = lines_of(capsys.readouterr().out)
    assert rows["numpy"] == ("FAIL", "numpy is not installed -- fix: pip install 'numpy>=1.24'")


def test_a_too_old_package_fails(monkeypatch):
    real = doctor._version
    monkeypatch.setattr(doctor, "_version", lambda dist: "1.0" if dist == "tqdm" else real(dist))
    line = {r.name: r for r in doctor._check_packages()}["tqdm"]
    assert line.ok is False and "tqdm 1.0 is installed; needs >=4.66" in line.detail


def test_a_missing_optional_extra_warns_without_failing(monkeypatch):
    monkeypatch.setattr(doctor, "_version", missing("torch"))
    line = {r.name: r for r in doctor._check_packages()}["extra [bench]"]
    assert line.ok == "warn" and "torch is not installed" in line.detail
    assert "[bench]" in line.fix and line not in doctor.failed([line])


def test_too_old_a_python_fails(monkeypatch):
    project = doctor._project()
    monkeypatch.setattr(doctor, "_project", lambda: {**project, "requires_python": ">=99"})
    (line,) = doctor._check_python()
    assert line.ok is False and "needs >=99" in line.detail and sys.executable in line.detail


def test_no_backend_fails_and_names_the_unsafe_way_out(monkeypatch, capsys):
    for probe in ("root_available", "rootless_available", "container_status"):
        monkeypatch.setattr(sandbox, probe, lambda: (False, "not here; do X"))
    assert doctor.main(["--quick"]) == 1
    rows, summary = lines_of(capsys.readouterr().out)
    for name in sandbox.BACKENDS:
        assert rows[f"backend {name}"] == ("warn", "not here; do X")
    status, rest = rows["isolation auto"]
    assert status == "FAIL" and "--isolation none" in rest and "WITHOUT" in rest
    assert "isolation auto" in summary


def test_no_python3_kernel_fails_with_the_ipykernel_fix(monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    def none(self, name):
        raise NoSuchKernel(name)

    monkeypatch.setattr(KernelSpecManager, "get_kernel_spec", none)
    (line,) = doctor._check_kernel()
    assert line.ok is False and line.fix.endswith("-m ipykernel install --user")


def test_a_kit_with_reference_code_fails(monkeypatch):
    from course import kit

    def leaky(out):
        whl = Path(out) / "backprop_coursekit-0.1.0-py3-none-any.whl"
        with zipfile.ZipFile(whl, "w") as z:
            z.writestr("coursekit/__init__.py", "")
            z.writestr("course/nn/layers.py", "def linear_backward(): ...")
        return whl

    monkeypatch.setattr(kit, "build", leaky)
    (line,) = doctor._check_kit()
    assert line.ok is False and "course/nn/layers.py" in line.detail


def test_a_kit_that_does_not_build_fails(monkeypatch):
    from course import kit

    def broken(out):
        raise kit.KitError("the kit would ship reference code:\n  coursekit/x.py: ...")

    monkeypatch.setattr(kit, "build", broken)
    (line,) = doctor._check_kit()
    assert line.ok is False and "would ship reference code" in line.detail
    assert "course kit" in line.fix


def test_unreleased_assignments_fail_with_course_release(tmp_path, monkeypatch):
    (tmp_path / "solutions" / "01_x").mkdir(parents=True)
    (tmp_path / "solutions" / "01_x" / "x.ipynb").write_text("{}")
    monkeypatch.chdir(tmp_path)
    solutions, assignments = doctor._check_release(sync=False)
    assert solutions.ok is True and "1 notebooks in 1 assignments" in solutions.detail
    assert assignments.ok is False and assignments.fix.startswith("course release")


# --------------------------------------------------------------------------- crashes
def test_a_check_that_raises_is_a_fail_line_not_a_traceback(monkeypatch, capsys):
    def boom():
        raise RuntimeError("boom")

    monkeypatch.setattr(doctor, "_check_kernel", boom)
    monkeypatch.setattr(sandbox, "backend_status", boom)
    assert doctor.main(["--quick"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    rows, summary = lines_of(out)
    assert rows["jupyter kernel"][0] == "FAIL"
    assert "the check crashed: RuntimeError: boom" in rows["jupyter kernel"][1]
    assert rows["isolation"][0] == "FAIL" and "RuntimeError: boom" in rows["isolation"][1]
    assert "python" in rows and "nbgrader" in rows  # the other checks still ran
    assert "jupyter kernel" in summary


def test_warnings_raised_inside_a_check_do_not_crash_it(monkeypatch):
    import warnings

    def noisy():
        warnings.warn("deprecated", DeprecationWarning, stacklevel=1)
        return [Check("noisy", True, "fine")]

    assert doctor._guarded("noisy", noisy) == [Check("noisy", True, "fine")]


# --------------------------------------------------------------------------- JSON
def test_json_parses_and_says_what_the_text_says(capsys):
    assert doctor.main(["--quick"]) == 0
    rows, _ = lines_of(capsys.readouterr().out)
    assert doctor.main(["--json", "--quick"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["problems"] == []
    assert [c["name"] for c in data["checks"]] == list(rows)
    for c in data["checks"]:
        status, rest = rows[c["name"]]
        assert c["status"] == status and rest.startswith(c["detail"])
        assert c["ok"] in (True, False, "warn")
        if c["ok"] is not True and c["fix"]:
            assert rest.endswith(f"-- fix: {c['fix']}")
    assert data["warnings"] == [c["name"] for c in data["checks"] if c["ok"] == "warn"]


def test_json_reports_problems(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "_version", missing("nbgrader"))
    assert doctor.main(["--json", "--quick"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and {"nbgrader", "extra [grading]"} <= set(data["problems"])
    (row,) = [c for c in data["checks"] if c["name"] == "nbgrader"]
    assert row["ok"] is False and row["status"] == "FAIL" and "[grading]" in row["fix"]


# --------------------------------------------------------------------------- metadata
def test_without_a_toml_reader_the_installed_metadata_is_read(monkeypatch):
    from_repo = doctor._project()
    monkeypatch.setitem(sys.modules, "tomllib", None)
    monkeypatch.setitem(sys.modules, "tomli", None)
    installed = doctor._project()
    assert from_repo["checkout"] is True and installed["checkout"] is False
    assert installed["name"] == from_repo["name"]
    assert set(installed["extras"]) == set(from_repo["extras"])


def test_without_a_pyproject_the_installed_metadata_is_read(monkeypatch):
    from_repo = doctor._project()
    monkeypatch.setattr(doctor, "ROOT", REPO / "no-such-folder")
    installed = doctor._project()
    assert installed["checkout"] is False and installed["name"] == from_repo["name"]
    assert set(installed["extras"]) == set(from_repo["extras"])
    assert doctor._install_hint(installed, "grading") == "pip install 'backprop-course[grading]'"
    assert [doctor._requirement(r)[0] for r in installed["dependencies"]] == [
        doctor._requirement(r)[0] for r in from_repo["dependencies"]]


def test_the_fix_is_an_editable_install_in_a_checkout(monkeypatch, tmp_path):
    project = doctor._project()
    monkeypatch.chdir(REPO)
    assert doctor._install_hint(project, "grading") == "pip install -e '.[grading]'"
    monkeypatch.chdir(tmp_path)
    assert doctor._install_hint(project, "bench") == f"pip install -e '{REPO}[bench]'"
    assert doctor._extra_for(project, "nbgrader") == "grading"
    assert doctor._extra_for(project, "torch") == "bench"


# --------------------------------------------------------------------------- command line
def test_add_arguments_wires_a_subcommand():
    parser = argparse.ArgumentParser(prog="course")
    sub = parser.add_subparsers(dest="command")
    doctor.add_arguments(sub.add_parser("doctor"))
    args = parser.parse_args(["doctor", "--json", "--quick"])
    assert args.func is doctor.run and args.json and args.quick


def test_importing_the_doctor_is_cheap():
    code = ("import sys, course.doctor; print([m for m in ('numpy', 'nbgrader', 'otter', "
            "'jupyter_client', 'autograder.sandbox', 'course.kit') if m in sys.modules])")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=REPO, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_the_full_doctor_passes_on_this_machine():
    """The whole thing, kit build included, as an instructor runs it."""
    p = subprocess.run([sys.executable, "-c",
                        "from course.doctor import main; raise SystemExit(main([]))"],
                       capture_output=True, text=True, cwd=REPO, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Traceback" not in p.stdout + p.stderr
    rows, summary = lines_of(p.stdout)
    chosen = sandbox.choose_backend("auto")
    assert rows["isolation auto"][0] == "ok"
    assert f"will use the {chosen} backend" in rows["isolation auto"][1]
    assert rows["student kit"][0] == "ok" and "coursekit only" in rows["student kit"][1]
    assert summary.startswith("all ")
