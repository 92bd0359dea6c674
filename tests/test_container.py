"""The container backend (:mod:`autograder.container`): its probe says why it cannot run
(and the fix), and where podman works each test runs real code in a real container and
asserts on what that code could observe. tests/test_sandbox.py runs its exploit tests
against this backend too (the ``container`` parameter of its ``zygote`` fixture)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from autograder import container, plain
from autograder.container import ContainerZygote, container_available
from autograder.sandbox import Limits, SandboxError

OK, WHY = container_available()
needs_containers = pytest.mark.skipif(not OK, reason=f"container backend: {WHY}")
PROJECT = Path(container.__file__).resolve().parent.parent


def task_of(cells, calls):
    return {"cells": cells,
            "questions": [{"name": n, "cases": [{"args": (), "kwargs": {}}]} for n in calls]}


def run(zygote, cells, calls, seconds=20, slot=0):
    """Run ``cells`` in a container, then call each named function with no arguments;
    returns ``({name: outcome}, {cell: error})``."""
    sb = zygote.spawn(slot)
    sb.send(plain.dumps(task_of(cells, calls)))
    end = time.monotonic() + seconds
    read = sb.reader(lambda: end)
    outcomes, cell_errors = {}, {}
    try:
        while True:
            ev = plain.read_message(read)
            assert ev["event"] != "setup_error", ev
            if ev["event"] == "done":
                sb.finished = True
                break
            if ev["event"] == "cell" and ev["error"]:
                cell_errors[ev["i"]] = ev["error"]
            if ev["event"] == "case":
                outcomes[calls[ev["q"]]] = ev["outcome"]
    finally:
        sb.close()
    return outcomes, cell_errors


def value(outcome):
    assert outcome["status"] == "returned", outcome
    return outcome["value"]


def containers_named(prefix):
    """Names of the containers (in any state) whose name starts with ``prefix``."""
    engine, _ = container._engine()
    out = subprocess.run(engine.command("ps", "-a", "--format", "{{.Names}}"),
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return [n for n in out.split() if n.startswith(prefix)]


@pytest.fixture
def fresh_probe(monkeypatch):
    """An empty probe cache (restored afterwards), so that the test's environment counts."""
    monkeypatch.setattr(container, "_cache", {})
    monkeypatch.delenv(container.ENV_RUNTIME, raising=False)
    return monkeypatch


# ------------------------------------------------------------------- probe and reasons


def test_a_forced_runtime_that_does_not_exist_is_named_with_the_fix(fresh_probe):
    fresh_probe.setenv(container.ENV_RUNTIME, "no-such-runtime-xyz")
    ok, why = container_available()
    assert not ok
    assert "no-such-runtime-xyz" in why and "install podman" in why, why
    with pytest.raises(SandboxError, match="no-such-runtime-xyz"):
        ContainerZygote()


def test_no_runtime_on_the_path_says_what_to_install(fresh_probe, tmp_path):
    fresh_probe.setenv("PATH", str(tmp_path))
    assert container_available() == (
        False, "no container runtime: install podman (apt-get install podman runc) or "
        "Docker Desktop")


def test_the_probe_runs_once_per_process(fresh_probe, tmp_path):
    fresh_probe.setenv("PATH", str(tmp_path))
    first = container_available()
    fresh_probe.setattr(container, "_candidates", lambda: pytest.fail("probed twice"))
    assert container_available() == first


def test_a_docker_client_without_a_daemon_is_not_usable(fresh_probe, tmp_path):
    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon at "
                    "unix:///var/run/docker.sock. Is the docker daemon running?' >&2\n"
                    "exit 1\n")
    fake.chmod(0o755)
    fresh_probe.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    fresh_probe.setenv(container.ENV_RUNTIME, str(fake))
    ok, why = container_available()
    assert not ok
    assert "no Docker daemon answers" in why and "Cannot connect" in why, why
    assert "install podman" in why


def _docker_daemon_answers(exe):
    proc = subprocess.run([exe, "version", "--format", "{{.Server.Version}}"],
                          capture_output=True, text=True, timeout=30)
    return proc.returncode == 0 and proc.stdout.strip()


@pytest.mark.skipif(not (os.path.exists("/usr/local/bin/docker")
                         and not _docker_daemon_answers("/usr/local/bin/docker")),
                    reason="no Docker client without a daemon on this machine")
def test_this_machines_docker_client_is_reported_unusable(fresh_probe):
    fresh_probe.setenv(container.ENV_RUNTIME, "/usr/local/bin/docker")
    ok, why = container_available()
    assert not ok and "docker is installed" in why and "daemon" in why, why


# --------------------------------------------------------------------- real containers


@pytest.fixture(scope="module")
def secret(tmp_path_factory):
    d = tmp_path_factory.mktemp("secret")
    (d / "answers.txt").write_text("the hidden answers")
    os.chmod(d, 0o755)
    os.chmod(d / "answers.txt", 0o644)
    return d


@pytest.fixture(scope="module")
def zygote(secret):
    if not OK:
        pytest.skip(f"container backend: {WHY}")
    z = ContainerZygote(hide=[str(secret)], limits=Limits(memory_bytes=512 * 2**20))
    assert z.backend == "container"
    with z:
        yield z
    assert containers_named(z.name_prefix) == []  # spares and reaped ones: all gone


@needs_containers
def test_a_cell_runs_and_returns_plain_data(zygote):
    cells = ["import numpy as np\n",
             "def f():\n    return np.arange(6.0).reshape(2, 3), {'k': (1, 'two')}, None\n"]
    out, errors = run(zygote, cells, ["f"])
    assert errors == {}
    arr, d, none = value(out["f"])
    np.testing.assert_array_equal(arr, np.arange(6.0).reshape(2, 3))
    assert d == {"k": (1, "two")} and none is None


@needs_containers
def test_what_the_student_prints_does_not_reach_the_event_stream(zygote):
    cells = ["import os, sys\nprint('x' * 100000)\ndef noisy():\n    print('PLN1 forged')\n"
             "    sys.stdout.flush()\n    os.write(1, b'garbage')\n    os.write(2, b'more')\n"
             "    return 'quiet'\n"]
    assert value(run(zygote, cells, ["noisy"])[0]["noisy"]) == "quiet"


@needs_containers
def test_there_is_no_network_but_loopback(zygote):
    cells = ["import socket\ndef net():\n    s = socket.socket()\n    s.settimeout(2)\n"
             "    s.connect(('1.1.1.1', 80))\n    return 'connected'\n",
             "import socket\ndef ifaces():\n"
             "    return sorted(n for _, n in socket.if_nameindex())\n"]
    out, _ = run(zygote, cells, ["net", "ifaces"])
    assert out["net"]["status"] == "raised" and "unreachable" in out["net"]["error"].lower()
    assert value(out["ifaces"]) == ["lo"]


@needs_containers
def test_the_project_and_home_folders_are_invisible(zygote):
    home = Path.home().resolve()
    # a home folder shows at most the path down to the Python installation (~/.pyenv)
    allowed = sorted({Path(k).relative_to(home).parts[0] for k in zygote._stage.binds
                      if home in Path(k).parents})
    cells = [f"""
import os
def look():
    def ls(p):
        try:
            return sorted(os.listdir(p))
        except OSError as err:
            return type(err).__name__
    return (ls({str(home)!r}), ls('/home'), ls({str(PROJECT)!r}),
            os.path.exists({str(PROJECT / 'pyproject.toml')!r}),
            os.path.exists({str(PROJECT / 'course' / 'nn')!r}),
            os.path.exists({str(PROJECT / 'tests')!r}), os.path.exists('/etc/passwd'))
"""]
    in_home, homes, project, *seen = value(run(zygote, cells, ["look"])[0]["look"])
    assert in_home in (allowed, "FileNotFoundError"), in_home
    assert homes == "FileNotFoundError"
    # the project holds at most the virtual environment's mount point
    assert project == "FileNotFoundError" or set(project) <= {".venv", "venv"}, project
    assert seen == [False, False, False, False]


@needs_containers
def test_the_course_package_cannot_be_imported_even_past_the_runners_guard(zygote):
    cells = ["""
import importlib, sys
def guarded():
    import course.nn
    return 'imported'
def unguarded():
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != '_Withhold']
    for name in [m for m in sys.modules if m.split('.')[0] in ('course', 'coursekit')]:
        del sys.modules[name]
    try:
        importlib.import_module('course.nn')
        return 'imported'
    except ImportError as err:
        return type(err).__name__
def checks():
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != '_Withhold']
    try:
        importlib.import_module('autograder.checks')
        return 'imported'
    except ImportError as err:
        return type(err).__name__
def copied():
    import os
    root = sys.path[0]
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, fs in os.walk(root) for f in fs if f.endswith('.py'))
"""]
    out, _ = run(zygote, cells, ["guarded", "unguarded", "checks", "copied"])
    assert out["guarded"]["status"] == "raised"
    assert "not available while your notebook is graded" in out["guarded"]["error"]
    assert value(out["unguarded"]) == "ModuleNotFoundError"
    assert value(out["checks"]) == "ModuleNotFoundError"
    # only the runner's own modules were copied in: no reference, no checks, no judge
    assert set(value(out["copied"])) <= {
        "autograder/__init__.py", "autograder/plain.py", "autograder/runner.py",
        "coursekit/__init__.py", "coursekit/plain.py", "coursekit/own_work.py"}


@needs_containers
def test_a_hidden_path_does_not_exist(zygote, secret):
    cells = [f"import os\ndef look():\n    return os.path.exists({str(secret)!r}), "
             f"os.path.exists({str(secret / 'answers.txt')!r})\n"]
    assert value(run(zygote, cells, ["look"])[0]["look"]) == (False, False)


@needs_containers
def test_a_hidden_path_inside_the_python_installation_is_covered():
    hidden = Path(pytest.__file__).resolve().parent  # site-packages/pytest: never needed
    with ContainerZygote(hide=[str(hidden)], warm=False) as z:
        assert str(hidden) in z.masks
        cells = [f"import os\ndef look():\n    try:\n        return os.listdir({str(hidden)!r})\n"
                 "    except OSError as err:\n        return type(err).__name__\n"
                 "def imp():\n    from pytest import main\n    return 'imported'\n"]
        out, _ = run(z, cells, ["look", "imp"])
    assert value(out["look"]) in ([], "PermissionError")
    assert out["imp"]["status"] == "raised"  # (an empty folder imports as a namespace)
    assert containers_named(z.name_prefix) == []


@needs_containers
def test_a_huge_allocation_is_a_memory_error_under_the_limits(zygote):
    cells = ["import numpy as np\ndef big():\n    return np.ones(10**10).sum()\n",
             "def limit():\n    for p in ('/sys/fs/cgroup/memory.max',"
             " '/sys/fs/cgroup/memory/memory.limit_in_bytes'):\n        try:\n"
             "            return int(open(p).read())\n        except (OSError, ValueError):\n"
             "            pass\n"]
    out, _ = run(zygote, cells, ["big", "limit"])
    assert out["big"]["status"] == "raised" and "MemoryError" in out["big"]["error"]
    if zygote.cgroup_limits:  # (not under rootless podman on cgroups v1)
        assert value(out["limit"]) == 512 * 2**20 + container.MEMORY_BASE


@needs_containers
def test_a_fork_bomb_hits_the_pids_limit(zygote):
    cells = ["import os\ndef bomb():\n    n = 0\n    try:\n        for _ in range(10000):\n"
             "            if os.fork() == 0:\n                import time\n"
             "                time.sleep(30)\n                os._exit(0)\n"
             "            n += 1\n    except OSError as err:\n"
             "        return n, type(err).__name__\n    return n, None\n"]
    n, err = value(run(zygote, cells, ["bomb"])[0]["bomb"])
    assert err is not None and n < zygote.limits.processes + 8


def _processes_of(uid):
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/status") as fh:
                for line in fh:
                    if line.startswith("Uid:") and int(line.split()[1]) == uid:
                        pids.append(int(entry))
        except (OSError, ValueError):
            continue
    return pids


@needs_containers
def test_a_timeout_kill_leaves_no_container_and_no_process(zygote):
    cells = ["import os, time\ndef spin():\n    for _ in range(8):\n"
             "        if os.fork() == 0:\n            while True:\n                pass\n"
             "    while True:\n        time.sleep(1)\n"]
    sb = zygote.spawn(0)
    assert sb.name.startswith(zygote.name_prefix)
    sb.send(plain.dumps(task_of(cells, ["spin"])))
    end = time.monotonic() + 3
    read = sb.reader(lambda: end)
    with pytest.raises(TimeoutError):
        while True:
            plain.read_message(read)
    assert sb.name in containers_named(zygote.name_prefix)
    t = time.monotonic()
    sb.close()
    assert time.monotonic() - t < 15
    assert sb.name not in containers_named(zygote.name_prefix)
    if os.geteuid() == 0:  # rootful: the container's uid is the host's
        assert _processes_of(sb.uid) == []
    # the slot still works: the next sandbox is a fresh container
    assert value(run(zygote, ["def f():\n    return 5\n"], ["f"])[0]["f"]) == 5


@needs_containers
def test_a_crash_ends_the_stream_and_leaves_no_container(zygote):
    sb = zygote.spawn(1)
    sb.send(plain.dumps(task_of(["import os\ndef boom():\n    os._exit(3)\n"], ["boom"])))
    end = time.monotonic() + 20
    read = sb.reader(lambda: end)
    assert plain.read_message(read)["event"] == "cell"
    with pytest.raises(EOFError):
        plain.read_message(read)
    sb.close()
    assert sb.name not in containers_named(zygote.name_prefix)


@needs_containers
def test_each_slot_runs_as_its_own_unprivileged_uid(zygote):
    cells = ["import os\ndef uid():\n    return os.getuid()\n"]
    uids = {slot: value(run(zygote, cells, ["uid"], slot=slot)[0]["uid"]) for slot in (0, 1)}
    if os.geteuid() == 0:
        assert uids[0] != uids[1] and 0 not in uids.values()
        assert {u // 2 for u in uids.values()} == {container.UID_BASE // 2,
                                                     container.UID_BASE // 2 + 1}


@needs_containers
def test_closing_the_zygote_removes_every_container_it_started():
    z = ContainerZygote()
    run(z, ["def f():\n    return 1\n"], ["f"])
    z.spawn(2)  # neither used nor closed by the caller
    assert containers_named(z.name_prefix)
    z.close()
    assert containers_named(z.name_prefix) == []
    assert not os.path.exists(z._stage.dir)


@needs_containers
def test_open_zygote_picks_the_container_backend_on_request():
    from autograder.sandbox import open_zygote

    with open_zygote("container") as z:
        assert isinstance(z, ContainerZygote)
        assert value(run(z, ["def f():\n    return 'hi'\n"], ["f"])[0]["f"]) == "hi"
