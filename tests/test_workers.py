"""``course grade --jobs N`` in worker processes (autograder/workers.py): the same rows
as one job, no row lost when a worker dies, Ctrl-C keeps the rows finished so far."""

import os
import shutil
import signal
from pathlib import Path

import pytest

from autograder.grader import BatchInterrupted, discover, grade_batch
from autograder.sandbox import isolation_available

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "submitted"
ISOLATION = "auto" if isolation_available()[0] else "none"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Eight submissions: the four samples of assignments 02 and 03."""
    tmp = tmp_path_factory.mktemp("workers")
    for student in ("alice", "bob", "carol", "dave"):
        for a in ("02_activations_and_outputs", "03_one_layer_at_a_time"):
            shutil.copytree(SAMPLES / student / a, tmp / "submitted" / student / a)
    return discover([tmp / "submitted"])


def _scores(rows):
    return [(r["student"], r["assignment"], r["status"], r["score"],
             [(q["name"], q["score"]) for q in r["questions"]]) for r in rows]


def _workers():
    """Pids of this process's worker processes."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"autograder.workers" in cmd and int(stat[1]) == os.getpid():
            found.append(int(pid))
    return found


@pytest.fixture(scope="module")
def one_job(batch):
    return grade_batch(batch, jobs=1, isolation=ISOLATION)


def test_two_workers_give_the_rows_of_one_job_in_the_same_order(batch, one_job):
    backends = []
    rows = grade_batch(batch, jobs=2, isolation=ISOLATION, on_backend=backends.append)
    assert _scores(rows) == _scores(one_job)
    assert len(backends) == 1 and all(r["isolation"] == backends[0] for r in rows)
    assert any(r["status"] == "error" for r in rows)  # dave's broken 03 still has a row
    assert not _workers()  # every worker stopped


def test_a_worker_killed_mid_batch_loses_no_row(batch, one_job):
    killed = []

    def progress(row):
        if not killed:
            pids = _workers()
            assert len(pids) == 2
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    rows = grade_batch(batch, jobs=2, isolation=ISOLATION, progress=progress)
    assert killed
    assert _scores(rows) == _scores(one_job)
    assert not _workers()


def test_ctrl_c_keeps_the_rows_finished_and_stops_the_workers(batch):
    seen = []

    def progress(row):
        seen.append(row["student"])
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(BatchInterrupted) as stop:
        grade_batch(batch, jobs=2, isolation=ISOLATION, progress=progress)
    assert stop.value.total == len(batch)
    assert 2 <= len(stop.value.rows) < len(batch)
    assert not _workers()


@pytest.mark.parametrize("jobs", [1, 2])
def test_keep_false_hands_every_row_to_progress_and_holds_none(batch, one_job, jobs):
    seen = []
    assert grade_batch(batch, jobs=jobs, isolation=ISOLATION, progress=seen.append,
                       keep=False) == []
    order = {(r["student"], r["assignment"]): k for k, r in enumerate(one_job)}
    seen.sort(key=lambda r: order[(r["student"], r["assignment"])])
    assert _scores(seen) == _scores(one_job)
