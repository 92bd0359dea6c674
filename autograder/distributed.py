"""``course grade --executor dask``: the batch graded on a Dask distributed cluster.

Nothing here schedules or retries: Dask does. The client sends each submission as a
task; a worker grades it whole (read, plan, run, judge: the steps of
:mod:`autograder.grader`, in that order) in a sandbox of its own warm zygote and hands
back the row. A worker that dies (killed, out of memory, its machine gone) has its
tasks rescheduled by Dask on the others, so no row is lost; a submission whose worker
died ``distributed.scheduler.allowed-failures`` + 1 times (default 4) gets an error row,
as a crash costs a local run that submission only.

Ordering rules, from first to last:

1. **connect**: to the scheduler at ``--scheduler`` (``tcp://host:8786``, a scheduler
   file ``*.json``), or start a :class:`distributed.LocalCluster` for ``local:N``;
2. **plugin**: :class:`GradingPlugin` is registered under a name unique to the batch;
   its ``setup`` runs on every worker, now and on any that joins (or is restarted)
   later: it writes the course's solutions it was given to a temporary folder, takes
   job slots no other worker on that machine holds, and opens the sandbox zygote.
   A worker that cannot (no isolation backend there) fails the batch with its reason,
   before anything is graded;
3. **submit**: each submission's notebooks go *as bytes* (the workers need not see the
   client's files; the rows keep the client's paths), a bounded window ahead of the
   rows that came back (four tasks per worker thread, at least 32), so memory stays
   flat for any batch size;
4. **collect**: rows come back with :func:`distributed.as_completed`; ``progress`` is
   called for each; the rows are returned in the order given;
5. **close**: the plugin is unregistered (each worker closes its zygote and removes its
   temporary folders), the client and any local cluster are closed.

Only this path imports Dask: ``course grade``'s default path does not.
"""

from __future__ import annotations

import fcntl
import os
import queue
import shutil
import tempfile
import time
import uuid
from pathlib import Path

try:
    from distributed import WorkerPlugin as _WorkerPlugin
except ImportError as err:  # the local executor never needs it
    _WorkerPlugin = object
    _MISSING = err
else:
    _MISSING = None

from .grader import (
    BatchInterrupted,
    GradeError,
    Submission,
    _error_row,
    _finish_judge,
    _finish_run,
    _prepare,
    _questions_for,
)
from .notebook import MAX_BYTES
from .sandbox import Limits, SandboxError, open_zygote

__all__ = ["GradingPlugin", "SLOT_BASE", "WorkerSetupError", "grade_batch_dask",
           "parse_scheduler"]

#: The first job slot a Dask worker takes on its machine: above those of a local
#: ``course grade --jobs N`` (0 to N-1), so that the two never share a sandbox uid.
SLOT_BASE = 64
#: How long the client waits for the first worker to join the scheduler.
WORKER_WAIT_SECONDS = 300.0
#: Tasks kept submitted per worker thread, ahead of the rows that came back.
WINDOW_PER_THREAD = 4
_INSTALL = ("pip install 'distributed>=2024.1' (or the package's grading extra: "
            "pip install 'backprop-course[grading]')")


class WorkerSetupError(SandboxError):
    """A worker could not open its sandbox zygote (the message names the worker)."""


# ----------------------------------------------------------------------------- worker


def _lock_slots(n, base=SLOT_BASE):
    """Take ``n`` job slots that no other process of this user on this machine holds.

    Each slot is an exclusive ``flock`` on a file of a per-user folder under the
    temporary directory; the kernel drops the lock when the process ends however it
    ends, so a killed worker's slots are free for the one that replaces it.

    Returns
    -------
    slots : list of int
    handles : list of file objects
        Keep them open while the slots are in use; close them to free the slots.
    """
    folder = Path(tempfile.gettempdir()) / f"course-grade-slots-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    slots, handles = [], []
    k = base
    while len(slots) < n:
        fh = open(folder / f"slot-{k}", "a")  # noqa: SIM115 - held while the slot is in use
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
        else:
            slots.append(k)
            handles.append(fh)
        k += 1
    return slots, handles


class GradingPlugin(_WorkerPlugin):
    """The per-worker state of one batch: the course, the job slots and a warm zygote.

    Parameters
    ----------
    isolation : str
        The sandbox backend to ask for (:func:`autograder.sandbox.choose_backend`).
    limits : Limits
    course : dict of str to bytes
        The course's ``solutions/`` files, by path relative to the course folder
        (``solutions/<assignment>/<file>``): written to a temporary folder on the
        worker and made its course, so that it grades what the client would.
    hide : list of str
        Paths the sandboxes must not see (the client's submissions and reports, when
        the worker shares its file system); the worker's temporary folders are hidden
        too.
    options : dict
        ``names``, ``mode``, ``hidden`` and ``all_checks`` of
        :func:`autograder.grader.grade_batch`.
    """

    def __init__(self, isolation, limits, course, hide=(), options=None):
        self.isolation, self.limits, self.course = isolation, limits, dict(course)
        self.hide = [str(p) for p in hide]
        self.options = dict(options or {})
        self.zygote = None
        self.error = None

    def setup(self, worker):
        """Open the worker's zygote (on the worker, once per batch)."""
        from .assignments import use_course

        self.worker = str(getattr(worker, "address", "this worker"))
        self._tmp = tempfile.mkdtemp(prefix="course-grade-")
        root = Path(self._tmp) / "course"
        for rel, data in self.course.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (root / "solutions").mkdir(parents=True, exist_ok=True)
        use_course(root)
        nthreads = int(getattr(getattr(worker, "state", worker), "nthreads", 1) or 1)
        slots, self._locks = _lock_slots(nthreads)
        self.slots = queue.Queue()
        for s in slots:
            self.slots.put(s)
        try:
            # a long-lived worker loads pyplot up front, as most notebooks import it
            self.zygote = open_zygote(self.isolation, hide=[*self.hide, self._tmp],
                                      limits=self.limits, preload=["matplotlib.pyplot"])
        except (SandboxError, ValueError, OSError) as err:
            self.error = f"{self.worker}: {err}"
            raise WorkerSetupError(self.error) from None
        from . import checks, engines  # noqa: F401 - warm: the first row costs no import

    def teardown(self, worker):
        """Close the zygote, free the slots, remove the temporary folder."""
        from .assignments import use_course

        if self.zygote is not None:
            self.zygote.close()
            self.zygote = None
        for fh in getattr(self, "_locks", ()):
            fh.close()
        use_course(None)
        shutil.rmtree(getattr(self, "_tmp", ""), ignore_errors=True)

    def grade(self, task):
        """Grade one submission sent by :func:`grade_batch_dask`; always a row.

        Raises
        ------
        GradeError
            As a local batch would (a course whose notebooks name an unknown check).
        WorkerSetupError
            When this worker has no zygote (its setup failed).
        """
        if self.zygote is None:
            raise WorkerSetupError(self.error or f"{self.worker}: no sandbox zygote "
                                   "(the grading plugin was not set up)")
        client_paths = [f["path"] for f in task["files"]]
        sub = Submission(task["student"], task["assignment"], [], task["nbgrader"])
        slot = self.slots.get()
        try:
            with tempfile.TemporaryDirectory(dir=self._tmp) as tmp:
                for i, f in enumerate(task["files"]):
                    path = Path(tmp) / str(i) / f["name"]
                    path.parent.mkdir()
                    if f["data"] is not None:
                        path.write_bytes(f["data"])
                    elif f["size"] is not None:  # too large to send: its size only
                        with open(path, "wb") as fh:
                            fh.truncate(f["size"])
                    sub.paths.append(path)
                prep = _prepare(sub, self.options["names"], self.options["mode"],
                                self.options["hidden"], self.options["all_checks"])
            prep.row["files"] = client_paths
            t_run = time.perf_counter()
            run = _finish_run(prep, self.zygote, slot, self.limits, self.options["mode"])
            row = _finish_judge(prep, run, t_run)
        except GradeError:
            raise
        except Exception as err:  # noqa: BLE001 - one submission never stops the batch
            row = _error_row(sub, err)
            row["files"] = client_paths
        finally:
            self.slots.put(slot)
        row["isolation"] = self.zygote.backend
        return row


def _grade_on_worker(plugin_name, task):
    """The task: grade ``task`` with this worker's plugin ``plugin_name``."""
    from distributed import get_worker

    worker = get_worker()
    plugin = worker.plugins.get(plugin_name)
    if plugin is None:
        raise WorkerSetupError(f"{worker.address}: the grading plugin {plugin_name!r} is "
                               "not set up on this worker")
    return plugin.grade(task)


def _backend_of(plugin_name, dask_worker=None):
    """The sandbox backend of this worker's zygote (for ``client.run``)."""
    plugin = dask_worker.plugins.get(plugin_name) if dask_worker is not None else None
    return getattr(getattr(plugin, "zygote", None), "backend", None)


# ----------------------------------------------------------------------------- client


def parse_scheduler(scheduler):
    """What ``--scheduler`` names.

    Parameters
    ----------
    scheduler : str
        ``local`` or ``local:N`` (a :class:`distributed.LocalCluster` of N worker
        processes, one thread each; ``local`` is one per core), a scheduler file
        (``*.json``, as ``dask scheduler --scheduler-file`` writes), or an address
        (``tcp://host:8786``, ``tls://...``, ``host:port``).

    Returns
    -------
    tuple
        ``("local", n)``, ``("file", path)`` or ``("address", address)``.

    Raises
    ------
    GradeError
        For an empty value or a malformed ``local:N``.
    """
    text = (scheduler or "").strip()
    if not text:
        raise GradeError("--executor dask needs --scheduler: a scheduler address "
                         "(tcp://host:8786), a scheduler file (.json) or local:N to start N "
                         "worker processes here")
    if text == "local" or text.startswith("local:"):
        count = text.partition(":")[2] or str(os.cpu_count() or 1)
        if not count.isdigit() or int(count) < 1:
            raise GradeError(f"--scheduler {text}: expected local:N with N a number of "
                             "worker processes of at least 1 (e.g. local:2)")
        return "local", int(count)
    if text.endswith(".json"):
        if not Path(text).is_file():
            raise GradeError(f"--scheduler {text}: no such scheduler file; expected the "
                             "JSON file `dask scheduler --scheduler-file` writes")
        return "file", text
    return "address", text


def _connect(scheduler, timeout):
    """``(client, cluster)`` for ``scheduler`` (``cluster`` is ``None`` unless local)."""
    import logging

    from distributed import Client, LocalCluster

    kind, value = parse_scheduler(scheduler)
    if kind == "local":
        cluster = LocalCluster(n_workers=value, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        try:
            return Client(cluster, set_as_default=False), cluster
        except BaseException:
            cluster.close()
            raise
    extra = {} if timeout is None else {"timeout": timeout}
    try:
        if kind == "file":
            client = Client(scheduler_file=value, set_as_default=False, **extra)
        else:
            client = Client(value, set_as_default=False, **extra)
    except (OSError, TimeoutError, ValueError) as err:
        raise GradeError(
            f"cannot reach the Dask scheduler at {value} ({err}); expected a running "
            "scheduler there (`dask scheduler`, or a SLURMCluster/KubeCluster's "
            "scheduler_address), or --scheduler local:N to start N worker processes "
            "here") from None
    return client, None


def _course_files():
    """The files of the course in use that define its assignments, as bytes by path
    relative to the course folder (what :func:`autograder.assignments.registry` reads)."""
    from .assignments import CHECKS_FILE, course_root

    root = course_root()
    out = {}
    for pattern in ("solutions/*/*.ipynb", f"solutions/*/{CHECKS_FILE}"):
        for path in sorted(root.glob(pattern)):
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def _task(sub):
    """A submission as a task: its notebooks' bytes, with the client's paths.

    A file over :data:`autograder.notebook.MAX_BYTES` is sent as its size only (the
    worker recreates it sparse, so it gets the same "too large" row); one that cannot
    be read is sent as missing.
    """
    files = []
    for p in sub.paths:
        p = Path(p)
        entry = {"path": str(p), "name": p.name, "data": None, "size": None}
        try:
            size = p.stat().st_size
            if size > MAX_BYTES:
                entry["size"] = size
            else:
                entry["data"] = p.read_bytes()
        except OSError:
            pass
        files.append(entry)
    return {"student": sub.student, "assignment": sub.assignment,
            "nbgrader": sub.nbgrader, "files": files}


def _lost_row(sub, err):
    row = _error_row(sub, err)
    if type(err).__name__ == "KilledWorker":
        row["error"] = ("its Dask worker died each time it was graded (distributed."
                        f"scheduler.allowed-failures): {err}")
    return row


def grade_batch_dask(submissions, scheduler, jobs=1, limits=None, isolation="auto", hide=(),
                     names=None, mode="definitions", progress=None, hidden="student",
                     on_backend=None, all_checks=False, timeout=None, keep=True):
    """Grade every submission on a Dask cluster; one row per submission, in the order
    given, the same rows as :func:`autograder.grader.grade_batch`.

    Parameters
    ----------
    submissions : list of Submission
    scheduler : str
        See :func:`parse_scheduler`.
    jobs : int
        Ignored: each worker grades as many submissions at once as it has threads
        (``dask worker --nthreads``; ``local:N`` starts one thread per worker).
    limits, isolation, hide, names, mode, progress, hidden, on_backend, all_checks
        As for :func:`autograder.grader.grade_batch`. ``isolation`` is what each worker
        asks for; ``on_backend`` gets the backends the workers chose (comma-separated
        when they differ).
    timeout : float, optional
        Seconds to try to reach the scheduler (default: Dask's
        ``distributed.comm.timeouts.connect``).
    keep : bool
        As in :func:`autograder.grader.grade_batch`: ``False`` returns no rows (each is
        only handed to ``progress``).

    Returns
    -------
    list of dict

    Raises
    ------
    GradeError
        Dask distributed is not installed, the scheduler cannot be reached, no worker
        joins it within :data:`WORKER_WAIT_SECONDS`, or bad arguments.
    WorkerSetupError
        A worker could not open a sandbox zygote.
    BatchInterrupted
        On Ctrl-C, with the rows finished so far.
    """
    if _MISSING is not None:
        raise GradeError(f"--executor dask needs Dask distributed, which is not installed "
                         f"here ({_MISSING}); {_INSTALL}")
    from .engines import HIDDEN_POLICIES

    if hidden not in HIDDEN_POLICIES:
        raise GradeError(f"hidden must be one of {', '.join(HIDDEN_POLICIES)}; got {hidden!r}")
    if names is not None:
        _questions_for(None, names)  # bad names fail now, before any work
    from distributed import as_completed

    limits = limits or Limits()
    n = len(submissions)
    rows = [None] * n
    client, cluster = _connect(scheduler, timeout)
    name = f"course-grade-{uuid.uuid4().hex[:12]}"
    backend = [isolation]
    futures = {}
    try:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except TimeoutError:
            raise GradeError(f"no Dask worker joined the scheduler at {client.scheduler.address} "
                             f"within {WORKER_WAIT_SECONDS:g} s; expected workers started with "
                             "`dask worker ADDRESS` (or a SLURMCluster/KubeCluster scaled up)"
                             ) from None
        options = {"names": names, "mode": mode, "hidden": hidden, "all_checks": all_checks}
        client.register_plugin(GradingPlugin(isolation, limits, _course_files(), hide,
                                             options), name=name)
        found = sorted({b for b in client.run(_backend_of, name).values() if b})
        if found:
            backend[0] = ", ".join(found)
        if on_backend is not None:
            on_backend(backend[0])
        pending = as_completed(loop=client.loop)
        submitted = 0

        def top_up():
            nonlocal submitted
            threads = sum(w.get("nthreads", 1)
                          for w in client.scheduler_info().get("workers", {}).values())
            window = max(32, WINDOW_PER_THREAD * threads)
            while submitted < n and len(futures) < window:
                fut = client.submit(_grade_on_worker, name, _task(submissions[submitted]),
                                    key=f"{name}-{submitted}", pure=False)
                futures[fut.key] = (submitted, fut)
                pending.add(fut)
                submitted += 1

        top_up()
        for fut in pending:
            i, _ = futures.pop(fut.key)
            try:
                row = fut.result()
            except (GradeError, WorkerSetupError):
                raise
            except Exception as err:  # noqa: BLE001 - a lost task costs its row only
                row = _lost_row(submissions[i], err)
                row["isolation"] = backend[0]
            rows[i] = row if keep else True
            if progress is not None:
                progress(row)
            top_up()
    except KeyboardInterrupt:
        client.cancel([f for _, f in futures.values()])
        raise BatchInterrupted([r for r in rows if r is not None and keep], n,
                               backend[0]) from None
    finally:
        _close(client, cluster, name)
    return rows if keep else []


def _close(client, cluster, name):
    """Unregister the batch's plugin (the workers close their zygotes) and disconnect."""
    try:
        try:
            client.unregister_worker_plugin(name)
        except Exception:  # noqa: BLE001 - a scheduler already gone: closing anyway
            pass
        client.close()
    finally:
        if cluster is not None:
            cluster.close()
