"""The sandbox isolates by the kernel: no network, no hidden files, no privileges, its
own processes, resource limits. Each test runs real code in a real sandbox and asserts
on what that code could observe, on every backend that works on this machine (root
namespaces, rootless user namespaces, containers); CI runs this module as root and
again as an unprivileged user."""

from __future__ import annotations

import os

import numpy as np
import pytest

from autograder import plain
from autograder.sandbox import (
    BACKENDS,
    Limits,
    SandboxError,
    Zygote,
    backend_status,
    choose_backend,
    isolation_available,
    open_zygote,
)

STATUS = {b["name"]: b for b in backend_status()}
ISOLATED, WHY = isolation_available()
needs_isolation = pytest.mark.skipif(not any(STATUS[b]["ok"] for b in BACKENDS),
                                     reason="no isolation backend works here")


def run(zygote, cells, calls, seconds=20):
    """Run ``cells`` in a sandbox, then call each named function with no arguments;
    returns ``{name: outcome}`` and the cell errors."""
    import time

    sb = zygote.spawn(0)
    task = {"cells": cells,
            "questions": [{"name": n, "cases": [{"args": (), "kwargs": {}}]} for n in calls]}
    sb.send(plain.dumps(task))
    end = time.monotonic() + seconds
    read = sb.reader(lambda: end)
    outcomes, cell_errors = {}, {}
    try:
        while True:
            ev = plain.read_message(read)
            if ev["event"] == "done":
                break
            if ev["event"] == "cell" and ev["phase"] == "done" and ev["error"]:
                cell_errors[ev["i"]] = ev["error"]
            if ev["event"] == "case" and ev["phase"] == "done":
                outcomes[calls[ev["q"]]] = ev["outcome"]
    finally:
        sb.close()
    return outcomes, cell_errors


@pytest.fixture(scope="module")
def secret(tmp_path_factory):
    d = tmp_path_factory.mktemp("secret")
    (d / "answers.txt").write_text("the hidden answers")
    os.chmod(d, 0o755)
    os.chmod(d / "answers.txt", 0o644)  # readable by anyone: only the sandbox protects it
    return d


@pytest.fixture(scope="module", params=BACKENDS)
def zygote(request, secret):
    """A zygote of each backend in turn (skipped, with the reason, where it cannot run)."""
    status = STATUS[request.param]
    if not status["ok"]:
        pytest.skip(f"{request.param} backend: {status['why']}")
    z = open_zygote(request.param, hide=[str(secret)], limits=Limits(memory_bytes=512 * 2**20))
    assert z.backend == request.param
    with z:
        yield z


def value(outcome):
    assert outcome["status"] == "returned", outcome
    return outcome["value"]


@needs_isolation
def test_code_runs_and_returns_plain_data(zygote):
    out, errors = run(zygote, ["import numpy as np\ndef f():\n    return np.eye(2), 3\n"], ["f"])
    assert errors == {}
    arr, three = value(out["f"])
    np.testing.assert_array_equal(arr, np.eye(2))
    assert three == 3


@needs_isolation
def test_runs_without_privileges_in_an_empty_scratch_folder(zygote):
    cells = ["import os\ndef who():\n    st = dict(l.split(':', 1) for l in "
             "open('/proc/self/status').read().splitlines())\n"
             "    return (os.getuid(), os.getgid(), os.getgroups(), os.getcwd(),"
             " sorted(os.listdir('.')), [st[k].strip() for k in "
             "('CapEff', 'CapPrm', 'CapBnd', 'NoNewPrivs')])\n"]
    uid, gid, groups, cwd, listing, caps = value(run(zygote, cells, ["who"])[0]["who"])
    assert caps[:2] == ["0000000000000000"] * 2, caps  # no capability left
    assert caps[3] == "1"  # and none to regain through a setuid program
    if zygote.backend == "rootless":
        # the instructor's own uid, in a user namespace that maps nothing else
        assert uid == os.getuid() and caps[2] == "0000000000000000"
    else:
        assert uid != 0 and gid != 0
    assert groups in ([], [gid])
    assert listing == [] and cwd.startswith("/tmp")


@needs_isolation
def test_only_the_python_installation_and_system_files_are_visible(zygote, tmp_path):
    if zygote.backend == "root":
        pytest.skip("the root backend keeps the machine's root and covers listed paths")
    import uuid

    stray = f"/var/tmp/course-test-{uuid.uuid4().hex}"  # not hidden, readable by anyone
    with open(stray, "w") as fh:
        fh.write("an instructor's file outside every hidden path")
    os.chmod(stray, 0o644)
    try:
        cells = [f"import os\ndef look():\n    return sorted(os.listdir('/')), "
                 f"os.path.exists({stray!r}), os.path.exists('/etc/passwd')\n"]
        top, seen, passwd = value(run(zygote, cells, ["look"])[0]["look"])
    finally:
        os.unlink(stray)
    assert not seen and not passwd
    assert "home" not in top and "srv" not in top and "var" not in top, top


@pytest.mark.skipif(not STATUS["rootless"]["ok"], reason=STATUS["rootless"]["why"])
def test_a_python_installation_under_tmp_is_bound_inside_the_fresh_tmp(tmp_path):
    """A checkout cloned under /tmp (CI's, say) has its .venv there: the rootless root
    must bind it inside its fresh /tmp, read-only, and /tmp must stay writable."""
    assert str(tmp_path).startswith("/tmp/")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "marker.txt").write_text("python lives here")
    z = open_zygote("rootless", limits=Limits(memory_bytes=512 * 2**20))
    with z:
        z.binds = sorted({*z.binds, str(tmp_path / "lib")})
        cells = [f"import os\ndef look():\n    p = {str(tmp_path / 'lib' / 'marker.txt')!r}\n"
                 "    open('/tmp/scratch', 'w').write('x')\n"
                 "    try:\n        open(p, 'a')\n        ro = False\n"
                 "    except OSError:\n        ro = True\n"
                 "    return open(p).read(), ro, os.listdir('/tmp')\n"]
        out, errors = run(z, cells, ["look"])
    assert errors == {}
    text, read_only, listing = value(out["look"])
    assert text == "python lives here" and read_only
    assert "scratch" in listing


@needs_isolation
def test_one_sandbox_cannot_signal_another(zygote):
    import threading

    victim = {}
    cells = ["import time\ndef slow():\n    time.sleep(1.5)\n    return 'alive'\n"]
    t = threading.Thread(target=lambda: victim.update(run(zygote, cells, ["slow"])[0]))
    t.start()
    import time

    time.sleep(0.5)
    sb = zygote.spawn(1)
    killer = ["import os, signal\ndef kill_all():\n    os.kill(-1, signal.SIGKILL)\n"
              "    return 'sent'\n"]
    sb.close()  # slot 1 free again; run the killer there
    from autograder import plain

    task = {"cells": killer, "questions": [{"name": "kill_all",
                                            "cases": [{"args": (), "kwargs": {}}]}]}
    sb = zygote.spawn(1)
    sb.send(plain.dumps(task))
    end = time.monotonic() + 10
    read = sb.reader(lambda: end)
    try:
        while plain.read_message(read)["event"] != "done":
            pass
    except (EOFError, TimeoutError):
        pass
    finally:
        sb.close()
    t.join(20)
    assert value(victim["slow"]) == "alive"


@needs_isolation
def test_hidden_paths_cannot_be_read_listed_or_written(zygote, secret):
    cells = [f"""
import os
def read():
    return open({str(secret / 'answers.txt')!r}).read()
def listing():
    return os.listdir({str(secret)!r})
def write():
    open({str(secret / 'out.json')!r}, 'w').write('{{}}')
    return 'written'
"""]
    out, _ = run(zygote, cells, ["read", "listing", "write"])
    for name in ("read", "listing", "write"):
        assert out[name]["status"] == "raised", (name, out[name])
        assert "Error" in out[name]["error"]
    assert not (secret / "out.json").exists()
    assert (secret / "answers.txt").read_text() == "the hidden answers"


@needs_isolation
def test_the_grader_sources_are_hidden(zygote):
    import autograder

    src = os.path.join(os.path.dirname(autograder.__file__), "sandbox.py")
    cells = [f"def peek():\n    return open({src!r}).read()[:10]\n"]
    assert run(zygote, cells, ["peek"])[0]["peek"]["status"] == "raised"


@needs_isolation
def test_no_network(zygote):
    cells = ["import socket\ndef net():\n    s = socket.socket()\n    s.settimeout(2)\n"
             "    s.connect(('1.1.1.1', 80))\n    return 'connected'\n"]
    out = run(zygote, cells, ["net"])[0]["net"]
    assert out["status"] == "raised" and "unreachable" in out["error"].lower(), out


@needs_isolation
def test_sees_only_its_own_processes(zygote):
    cells = ["import os\ndef procs():\n    return sorted(int(p) for p in os.listdir('/proc')"
             " if p.isdigit())\n"]
    assert value(run(zygote, cells, ["procs"])[0]["procs"]) == [1]


@needs_isolation
def test_memory_limit_turns_a_huge_allocation_into_an_error(zygote):
    cells = ["import numpy as np\ndef big():\n    return np.ones(10**10).sum()\n"]
    out = run(zygote, cells, ["big"])[0]["big"]
    assert out["status"] == "raised" and "MemoryError" in out["error"]


@needs_isolation
def test_withheld_packages_cannot_be_imported(zygote):
    cells = ["import course.nn\n", "from autograder import plain\n",
             "def f():\n    return 1\n",
             "def g():\n    import coursekit.judge\n    return coursekit.judge\n",
             "def h():\n    from autograder.checks import CHECKS\n    return len(CHECKS)\n"]
    out, errors = run(zygote, cells, ["f", "g", "h"])
    # the notebook's own import cells fail quietly (no noise in the feedback) ...
    assert errors == {}
    assert value(out["f"]) == 1  # later cells still define their functions
    # ... and the packages stay out of reach of the graded code
    for name in ("g", "h"):
        assert out[name]["status"] == "raised", out[name]
        assert "not available while your notebook is graded" in out[name]["error"]


def test_isolation_none_still_runs_code():
    with Zygote(isolation="none") as z:
        assert value(run(z, ["def f():\n    return 2\n"], ["f"])[0]["f"]) == 2


def test_bad_isolation_value_is_an_error():
    with pytest.raises(ValueError, match="isolation must be"):
        Zygote(isolation="some")


def test_backend_status_says_why_each_backend_does_or_does_not_work():
    names = [b["name"] for b in backend_status()]
    assert names == [*BACKENDS, "none"]
    for b in backend_status():
        assert b["guarantees"]
        assert b["ok"] or b["why"], b  # a backend that does not work says why


def test_auto_takes_the_first_backend_that_works(monkeypatch):
    from autograder import sandbox

    monkeypatch.setattr(sandbox, "root_available", lambda: (False, "not root"))
    monkeypatch.setattr(sandbox, "rootless_available", lambda: (True, ""))
    assert choose_backend("auto") == "rootless"
    monkeypatch.setattr(sandbox, "rootless_available", lambda: (False, "no userns"))
    monkeypatch.setattr(sandbox, "container_status", lambda: (True, ""))
    assert choose_backend("auto") == "container"
    monkeypatch.setattr(sandbox, "container_status", lambda: (False, "no podman"))
    with pytest.raises(SandboxError, match="root: not root; rootless: no userns; container: "
                       "no podman"):
        choose_backend("auto")
    with pytest.raises(SandboxError, match="rootless isolation backend does not work here"):
        choose_backend("rootless")
    assert choose_backend("none") == "none"


@needs_isolation
def test_a_fork_bomb_hits_the_process_limit(zygote):
    cells = ["import os\ndef bomb():\n    n = 0\n    try:\n        for _ in range(10000):\n"
             "            if os.fork() == 0:\n                import time\n"
             "                time.sleep(30)\n                os._exit(0)\n"
             "            n += 1\n    except OSError as err:\n"
             "        return n, type(err).__name__\n    return n, None\n"]
    n, err = value(run(zygote, cells, ["bomb"])[0]["bomb"])
    assert err is not None and n < 64


@needs_isolation
def test_standard_library_imports_work_for_the_unprivileged_user(zygote):
    cells = ["def libs():\n    import decimal, fractions, math, secrets, statistics\n"
             "    return math.sqrt(4.0) + len(secrets.token_hex(2))\n"]
    assert value(run(zygote, cells, ["libs"])[0]["libs"]) == 6.0


@needs_isolation
def test_the_project_around_the_virtual_environment_is_hidden(zygote):
    from pathlib import Path

    import autograder

    project = Path(autograder.__file__).resolve().parent.parent
    cells = [f"import os\ndef look():\n    return sorted(os.listdir({str(project)!r}))\n"]
    listing = value(run(zygote, cells, ["look"])[0]["look"])
    assert "autograder" not in listing and "course" not in listing
    assert "pyproject.toml" not in listing and "tests" not in listing


def test_preloads_are_read_from_the_cells():
    from autograder.grader import Submission, peek_preloads
    from autograder.sandbox import preloads

    assert preloads(["import numpy as np\n", "import matplotlib.pyplot as plt\n"]) \
        == ["matplotlib.pyplot"]
    assert preloads(["from matplotlib import pyplot\n"]) == ["matplotlib.pyplot"]
    assert preloads(["import numpy as np\n", "x = 'matplotlibish'\n"]) == []
    assert peek_preloads([Submission("s", [])]) == []  # no notebook: nothing to load


def test_pyplot_is_loaded_by_the_zygote_only_when_asked():
    """A batch whose notebooks never plot does not pay for pyplot (about 0.5 s per
    zygote); one that does gets it from the zygote, at its start or at the first spawn
    that asks, so that no sandbox imports it itself."""
    pytest.importorskip("matplotlib")
    cells = ["import sys\ndef loaded():\n    return 'matplotlib.pyplot' in sys.modules\n"]

    def loaded(z, preload=()):
        sb = z.spawn(0, preload=preload)
        sb.send(plain.dumps({"cells": cells, "questions": [
            {"name": "loaded", "cases": [{"args": (), "kwargs": {}}]}]}))
        import time

        end = time.monotonic() + 60
        read = sb.reader(lambda: end)
        try:
            while True:
                ev = plain.read_message(read)
                if ev["event"] == "case":
                    return value(ev["outcome"])
        finally:
            sb.close()

    with Zygote(isolation="none") as z:
        assert loaded(z) is False
        assert loaded(z, ["matplotlib.pyplot"]) is True
        assert loaded(z) is True  # loaded once, for every later sandbox
        assert loaded(z, ["no.such.module"]) is True  # not PRELOADABLE: ignored, no error
    with Zygote(isolation="none", preload=["matplotlib.pyplot"]) as z:
        assert loaded(z) is True
