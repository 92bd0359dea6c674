"""``course grade --jobs N`` for N >= 2: N worker processes, each with its own zygote.

Reading, planning and judging a submission are Python work in the trusted process, and
threads of one process take turns at them (the GIL), so ``--jobs 2`` on threads gained
about 10 %. Here each of ``N`` worker processes grades whole submissions (read, plan,
run, judge: :func:`autograder.grader.grade_submission`) in sandboxes forked from a warm
zygote of its own, on job slot ``i`` (its own uid under the root backend), as a Dask
worker does (:mod:`autograder.distributed`) without the cluster.

Ordering rules, from first to last:

1. **start**: each worker is a fresh interpreter (``python -m autograder.workers``
   with two pipes: no thread or lock of the parent is copied, and the parent's main
   module is not imported again, as multiprocessing's ``spawn`` would), on its slot;
   each opens its zygote and says ``ready`` with its backend, or why it could not (the
   batch then fails with that reason before anything is graded);
2. **feed**: an idle worker is sent the next :data:`CHUNK` submissions (fewer near the
   end, so that the workers finish together), which it grades as a one-job batch does
   (:func:`autograder.grader._run_batch`: planning the next overlaps with running the
   current one in the sandbox);
3. **collect**: each row comes back as it is finished; ``progress`` is called with it
   in the parent (so the journal is written by one thread); rows are returned in the
   order given;
4. **replace**: a worker that dies (killed, out of memory) is replaced on its slot; the
   submissions of its chunk not yet finished are retried once each, alone, then get an
   error row, so one submission never costs another its grade;
5. **stop**: after the last row each worker is told to stop and closes its zygote; on
   Ctrl-C (the workers ignore SIGINT) the parent terminates them (SIGTERM: each closes
   its zygote, whose sandboxes die with it) and returns the rows finished so far.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from multiprocessing.connection import Connection, wait

__all__ = ["grade_in_workers"]

#: Times a submission is tried again after its worker process died while grading it.
RETRIES = 1
#: Submissions sent to a worker at a time: it reads and plans the next while the sandbox
#: runs the current one (:func:`autograder.grader._run_batch` with one job).
CHUNK = 4
#: Seconds a worker is given to close its zygote when stopped, before it is killed.
STOP_SECONDS = 10.0


def _stop(*_):
    raise SystemExit(0)


def _worker(conn, slot, opts):
    """A worker process: open the zygote, then grade each submission it is sent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _stop)  # SystemExit closes the zygote on the way out
    from .sandbox import SandboxError, open_zygote

    try:  # first: the zygote's interpreter loads numpy while this one imports the checks
        zygote = open_zygote(opts["isolation"], hide=opts["hide"], limits=opts["limits"],
                             preload=opts.get("preload", ()))
    except SandboxError as err:
        conn.send(("failed", str(err)))
        return
    from .assignments import use_course
    from .grader import _error_row, _run_batch, row_key

    if opts["course"] is not None:
        use_course(opts["course"])
    with zygote:
        conn.send(("ready", zygote.backend))
        lock = threading.Lock()
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                return
            if msg is None:
                return
            index = {row_key(sub.student, sub.paths): i for i, sub in msg}

            def progress(row, index=index):
                with lock:  # the judge thread and, for an internal error, the main one
                    conn.send((index[row_key(row["student"], row["files"])], row))

            try:
                _run_batch([sub for _, sub in msg], zygote, 1, opts["limits"], opts["names"],
                           opts["mode"], progress, opts["hidden"], opts["all_checks"])
            except Exception as err:  # noqa: BLE001 - one submission never stops the batch
                for i, sub in msg:
                    with lock:
                        conn.send((i, _error_row(sub, err)))
            with lock:
                conn.send(("done", len(msg)))


class _Duplex:
    """Two one-way pipes as one connection (pickled messages, length-prefixed)."""

    def __init__(self, rfd, wfd):
        self.r = Connection(rfd, writable=False)
        self.w = Connection(wfd, readable=False)

    def send(self, msg):
        self.w.send(msg)

    def recv(self):
        return self.r.recv()

    def close(self):
        self.r.close()
        self.w.close()


class _Worker:
    """A worker process (``python -m autograder.workers``: a fresh interpreter, started
    without importing the parent's main module) and the pipes to it."""

    def __init__(self, slot, opts):
        self.slot = slot
        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.workers", str(to_child), str(from_child)],
            pass_fds=(to_child, from_child), stdin=subprocess.DEVNULL, close_fds=True)
        os.close(to_child)
        os.close(from_child)
        self.conn = _Duplex(to_parent, from_parent)
        self.conn.send((slot, opts))
        self.ready = False
        self.backend = None
        self.holding = None  # the index of the submission it grades

    def send(self, msg):
        self.conn.send(msg)

    def end(self, terminate=False):
        try:
            if terminate:
                self.proc.terminate()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        try:
            self.proc.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.conn.close()


def grade_in_workers(submissions, jobs, limits, isolation, hide, names, mode, progress,
                     hidden, all_checks, on_backend=None, keep=True):
    """Grade ``submissions`` in ``jobs`` worker processes (see the module's docstring).

    Returns
    -------
    (list of dict, str, bool)
        The rows finished (in the order given; none unless ``keep``), the backend, and
        whether Ctrl-C stopped the batch.

    Raises
    ------
    autograder.sandbox.SandboxError
        When a worker cannot open its zygote (no isolation backend works here).
    """
    from .assignments import course_root
    from .grader import _error_row, peek_preloads
    from .sandbox import SandboxError

    opts = {"isolation": isolation, "hide": list(hide), "limits": limits, "names": names,
            "mode": mode, "hidden": hidden, "all_checks": all_checks,
            "course": str(course_root()), "preload": peek_preloads(submissions)}
    n = len(submissions)
    rows = [None] * n
    tries = [0] * n
    todo = list(range(n - 1, -1, -1))  # stacks: the next index is todo[-1]
    retry = []  # sent alone: a submission that kills its worker costs no other a retry
    workers = [_Worker(slot, opts) for slot in range(min(jobs, max(n, 1)))]
    backend = None
    interrupted = False

    def finish(i, row):
        if rows[i] is None:
            rows[i] = row if keep else True
            if progress is not None:
                progress(row)

    def next_chunk():
        if retry:
            return [retry.pop()]
        k = max(1, min(CHUNK, -(-len(todo) // len(workers))))
        return [todo.pop() for _ in range(min(k, len(todo)))]

    clean = False
    try:
        while any(r is None for r in rows):
            for w in workers:
                if w.ready and not w.holding and (todo or retry):
                    chunk = next_chunk()
                    w.holding = set(chunk)
                    w.send([(i, submissions[i]) for i in chunk])
            by_conn = {w.conn.r: w for w in workers}
            for conn in wait(list(by_conn)):
                w = by_conn[conn]
                try:
                    msg = w.conn.recv()
                except (EOFError, OSError):
                    msg = None
                if msg is None:  # the worker died: replace it, retry what it held
                    if not w.ready:
                        raise SandboxError(f"worker process {w.slot} exited while "
                                           "starting (exit code "
                                           f"{w.proc.poll()}); expected it to open "
                                           "its sandbox zygote")
                    w.end(terminate=True)
                    workers[workers.index(w)] = _Worker(w.slot, opts)
                    for i in sorted(w.holding or (), reverse=True):
                        tries[i] += 1
                        if tries[i] > RETRIES:
                            row = _error_row(submissions[i], RuntimeError())
                            row["error"] = (f"the grader's worker process died {tries[i]} "
                                            "times while grading this submission")
                            finish(i, row)
                        else:
                            retry.append(i)
                    continue
                kind = msg[0]
                if kind == "failed":
                    raise SandboxError(msg[1])
                if kind == "ready":
                    w.ready, w.backend = True, msg[1]
                    if backend is None:
                        backend = msg[1]
                        if on_backend is not None:
                            on_backend(backend)
                elif kind == "done":
                    w.holding = None
                else:
                    i, row = msg
                    if w.holding:
                        w.holding.discard(i)
                    finish(i, row)
        clean = True
    except KeyboardInterrupt:
        interrupted = True
    finally:
        for w in workers:
            w.end(terminate=not clean)
    return ([r for r in rows if r is not None] if keep else []), backend, interrupted


def _main(argv):
    conn = _Duplex(int(argv[0]), int(argv[1]))
    slot, opts = conn.recv()
    try:
        _worker(conn, slot, opts)
    except (EOFError, BrokenPipeError):
        pass  # the parent went away
    finally:
        conn.close()


if __name__ == "__main__":
    _main(sys.argv[1:])
