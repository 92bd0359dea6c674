"""``course grade --executor dask``: the batch on a Dask LocalCluster of two worker
processes gives the rows a local run gives, and a worker killed mid-batch loses none.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from autograder import distributed as dask_exec  # noqa: E402
from autograder.grader import GradeError, discover, grade_batch  # noqa: E402
from autograder.sandbox import isolation_available  # noqa: E402

ISOLATED, WHY = isolation_available()
ISOLATION = "auto" if ISOLATED else "none"
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "submitted"

pytestmark = []


def comparable(rows):
    """The rows without their timings (the only field that differs run to run)."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


@pytest.fixture(scope="module")
def subs():
    found = discover([SAMPLES])
    assert len(found) >= 10, "expected the samples' submitted/<student>/<assignment>/"
    return found


@pytest.fixture(scope="module")
def local_rows(subs):
    return grade_batch(subs, jobs=2, isolation=ISOLATION)


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one thread each, as ``--scheduler local:2`` starts."""
    import logging

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None,
                                  silence_logs=logging.CRITICAL) as cl, \
            distributed.Client(cl, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=120)
        yield cl, client


def test_local_cluster_rows_identical_to_local_run(subs, local_rows, cluster):
    cl, client = cluster
    seen, backends = [], []
    rows = dask_exec.grade_batch_dask(subs, cl.scheduler_address, isolation=ISOLATION,
                                      progress=seen.append, on_backend=backends.append)
    assert [(r["student"], r["assignment"]) for r in rows] == \
        [(s.student, s.nbgrader) for s in subs], "rows must come back in the order given"
    assert comparable(rows) == comparable(local_rows)
    assert any(r["score"] > 0 for r in rows) and any(r["score"] < r["max_score"] for r in rows)
    assert sorted(id(r) for r in seen) == sorted(id(r) for r in rows)
    assert backends == [local_rows[0]["isolation"]]
    # the plugin of the batch is gone from every worker: the zygotes are closed
    left = client.run(lambda dask_worker: [n for n in dask_worker.plugins
                                           if n.startswith("course-grade-")])
    assert all(v == [] for v in left.values()), left


def test_a_worker_killed_mid_batch_loses_no_row(subs, local_rows, cluster):
    cl, client = cluster
    before = set(client.scheduler_info()["workers"])
    killed = {}

    def progress(row):
        if killed:
            return
        busy = {w: keys for w, keys in client.processing().items() if keys}
        if not busy:
            return  # between two tasks: try again at the next row
        victim = max(busy, key=lambda w: len(busy[w]))
        killed[victim] = list(busy[victim])
        pid = client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)  # as the OOM killer or a lost machine would

    out = []
    batch = threading.Thread(target=lambda: out.append(dask_exec.grade_batch_dask(
        subs, cl.scheduler_address, isolation=ISOLATION, progress=progress)), daemon=True)
    batch.start()
    batch.join(timeout=300)  # a bound, not a measurement: a lost task would hang here
    assert not batch.is_alive(), "the batch did not finish after its worker was killed"
    assert killed, "no worker was busy while rows came back: nothing was killed"
    rows = out[0]
    victim = next(iter(killed))
    # the scheduler took the victim's tasks back and ran them again elsewhere
    retried = {t.key for k in killed[victim] for t in cl.scheduler.story(k)
               if (t.start, t.finish) == ("processing", "released")
               and t.stimulus_id.startswith("handle-worker-cleanup")}
    assert retried, "the killed worker's tasks were not rescheduled"
    assert victim in before
    # its submissions were graded again elsewhere: every row, the same as a local run
    assert comparable(rows) == comparable(local_rows)
    lost = [int(k.rsplit("-", 1)[1]) for k in killed[victim]]
    assert all(rows[i]["status"] == local_rows[i]["status"] for i in lost)
    client.wait_for_workers(2, timeout=120)  # the nanny restarts it
    assert victim not in client.scheduler_info()["workers"]


def test_cli_writes_the_same_reports(tmp_path, cluster, subs):
    from course.cli import main

    cl, _ = cluster
    iso = [] if ISOLATED else ["--isolation", "none"]
    local, remote = tmp_path / "local", tmp_path / "dask"
    assert main(["grade", str(SAMPLES), "--out", str(local), "-q", "--jobs", "2", *iso]) \
        in (0, 1)
    status = main(["grade", str(SAMPLES), "--out", str(remote), "-q", *iso,
                   "--executor", "dask", "--scheduler", cl.scheduler_address])
    assert status in (0, 1)
    for name in ("grades.csv",):
        with open(local / name) as a, open(remote / name) as b:
            assert list(csv.DictReader(a)) == list(csv.DictReader(b))
    a = json.loads((local / "grades.json").read_text())
    b = json.loads((remote / "grades.json").read_text())
    rows_a = a.get("rows", a.get("submissions"))
    rows_b = b.get("rows", b.get("submissions"))
    assert rows_a is not None
    assert comparable(rows_a) == comparable(rows_b)
    assert b["grader"]["executor"] == f"dask {cl.scheduler_address}"
    pages = sorted(p.relative_to(local) for p in (local / "feedback").rglob("*.html"))
    assert pages and pages == sorted(p.relative_to(remote)
                                     for p in (remote / "feedback").rglob("*.html"))
    assert len(pages) == len(subs)


def test_unreachable_scheduler_names_the_address(subs):
    with pytest.raises(GradeError, match=r"tcp://127\.0\.0\.1:9.*expected a running"):
        dask_exec.grade_batch_dask(subs[:1], "tcp://127.0.0.1:9", isolation=ISOLATION,
                                   timeout=1)


@pytest.mark.parametrize("bad", ["", "local:0", "local:x", "missing-file.json"])
def test_bad_scheduler_values(bad):
    with pytest.raises(GradeError, match="--scheduler|expected"):
        dask_exec.parse_scheduler(bad)


def test_scheduler_forms():
    assert dask_exec.parse_scheduler("local:3") == ("local", 3)
    assert dask_exec.parse_scheduler("tcp://10.0.0.1:8786") == ("address", "tcp://10.0.0.1:8786")


def test_distributed_not_installed_is_a_clear_error(monkeypatch, subs):
    monkeypatch.setattr(dask_exec, "_MISSING", ImportError("No module named 'distributed'"))
    with pytest.raises(GradeError, match=r"needs Dask distributed.*pip install"):
        dask_exec.grade_batch_dask(subs[:1], "local:1")


def test_scheduler_without_dask_executor_is_refused(tmp_path, capsys):
    from course.cli import main

    assert main(["grade", str(SAMPLES), "--out", str(tmp_path), "-q",
                 "--scheduler", "local:2"]) == 2
    assert "--executor dask" in capsys.readouterr().err


def test_default_path_does_not_import_dask(tmp_path):
    code = ("import sys; from course.cli import main; "
            f"main(['grade', {str(next(SAMPLES.glob('*/*')))!r}, '--out', {str(tmp_path)!r}, "
            f"'-q'{', ' + repr('--isolation') + ', ' + repr('none') if not ISOLATED else ''}]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed', 'autograder') and m.startswith(('dask', 'distributed', "
            "'autograder.distributed'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
