"""Operating-system isolation for running submissions: a zygote that forks sandboxes.

Why a zygote
------------
Starting Python and importing numpy costs about 0.1-0.2 s, most of a submission's
grading time. The grader therefore starts one small *zygote* process
(``python -I -m autograder.sandbox``) that imports numpy and the
:mod:`autograder.runner` once, and forks a fresh child per submission in a few
milliseconds. The zygote never imports the reference implementation or the checks,
so nothing of them exists in a child's memory.

What isolates a child (the kernel, not Python)
----------------------------------------------
Steps, in order; each relies on the ones before it:

1. ``setsid`` and ``unshare(NEWNS | NEWNET | NEWPID | NEWIPC | NEWUTS)``: a mount
   namespace of its own, **no network** (a new network namespace has only a down
   loopback), a process tree of its own; then ``fork`` so that the student's process
   is PID 1 of that tree: when it ends, every process it started ends with it.
2. Mounts, private to the child: an empty, unreadable ``tmpfs`` over every hidden path
   (the submissions folder, the grader's output folder, the ``course``,
   ``autograder`` and ``coursekit`` sources, the instructor's repository, home
   directories), a fresh
   ``/tmp`` and a fresh ``/proc`` that shows only the child's own processes; the
   working directory is a new empty ``tmpfs`` scratch folder.
3. Resource limits (``setrlimit``): CPU seconds, address space, file size, open
   files, number of processes, no core dumps.
4. Credentials dropped for good: no groups, a **separate unprivileged uid and gid per
   job slot** (so two sandboxes running at once cannot touch each other), no new
   privileges, not dumpable (no ``/proc/<pid>/mem`` for anyone), killed if its
   supervisor dies.
5. Standard streams to ``/dev/null``; every other file descriptor closed except the
   two pipes of its job.

Only then does the student's code run. The wall-clock limit is enforced from the
grader (which kills the job's supervisor, which kills the sandbox's PID 1, and, as
a backstop, every process of the slot's uid).

Without root privileges the namespaces and uid switch are unavailable; the grader
then refuses to run unless ``isolation="none"`` is asked for explicitly (tests of the
grading logic only), and says so in every report.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Limits", "Sandbox", "SandboxError", "Zygote", "default_hidden", "isolation_available",
]

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38

#: First uid/gid of the job slots: slot ``s`` runs as ``UID_BASE + s``.
UID_BASE = 62000


class SandboxError(RuntimeError):
    """The sandbox could not be set up or talked to."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed run.

    Attributes
    ----------
    cell_seconds, case_seconds : float
        Wall-clock limit for one notebook cell and for one check case.
    total_seconds : float
        Wall-clock limit for one submission, all restarts included.
    cpu_seconds : int
        CPU time of one sandbox process (``RLIMIT_CPU``).
    memory_bytes : int
        Address space the student's code may add (``RLIMIT_AS`` above the baseline).
    processes : int
        Processes the slot's uid may have (``RLIMIT_NPROC``).
    file_bytes : int
        Largest file it may write (``RLIMIT_FSIZE``).
    """

    cell_seconds: float = 10.0
    case_seconds: float = 10.0
    total_seconds: float = 120.0
    cpu_seconds: int = 60
    memory_bytes: int = 1536 * 2**20
    processes: int = 32
    file_bytes: int = 16 * 2**20


def isolation_available():
    """``(True, "")`` if this process can build the sandbox, else ``(False, reason)``."""
    if not sys.platform.startswith("linux"):
        return False, f"needs Linux namespaces; this is {sys.platform}"
    if os.geteuid() != 0:
        return False, "needs root (to create namespaces and switch to an unprivileged uid)"
    return True, ""


# --------------------------------------------------------------------------- zygote side

_libc = None


def _libc_call(name, *args):
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    res = getattr(_libc, name)(*args)
    if res != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{name}: {os.strerror(err)}")
    return res


def _mount(source, target, fstype, flags, data):
    _libc_call(
        "mount",
        None if source is None else source.encode(),
        target.encode(),
        None if fstype is None else fstype.encode(),
        ctypes.c_ulong(flags),
        None if data is None else data.encode(),
    )


def _fatal(wfd, message):
    """Report a setup failure on the event pipe and end the process."""
    try:
        from . import plain

        plain.write_message(wfd, {"event": "setup_error", "error": message})
    finally:
        os._exit(70)


def _vm_size():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _inner(req, rfd, wfd):
    """The sandbox proper (PID 1 of its namespace): isolate, drop privileges, run."""
    isolate = req["isolate"]
    uid = gid = req["uid"]
    lim = req["limits"]
    try:
        if isolate:
            _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
            shells = req.get("shells", {})
            keep = req.get("keep", [])
            handles = {k: os.open(k, os.O_PATH | os.O_DIRECTORY) for k in keep}

            def bind_back(k):  # the Python installation, read-only, at its own path
                os.makedirs(k, exist_ok=True)
                _mount(f"/proc/self/fd/{handles[k]}", k, None, MS_BIND | MS_REC, None)
                _mount(None, k, None, MS_BIND | MS_REMOUNT | MS_RDONLY, None)

            # A fresh /tmp first: a Python kept under /tmp is bound back into it.
            _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
            for k in keep:
                if k.startswith("/tmp/"):
                    bind_back(k)
            for root in sorted(shells, key=lambda p: p.count("/")):
                if root == "/tmp" or root.startswith("/tmp/"):
                    continue  # already hidden by the fresh /tmp
                _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
                for k in shells[root]:
                    bind_back(k)
                _mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
            for fd in handles.values():
                os.close(fd)
            hide = sorted(set(req["hide"]), key=lambda p: p.count("/"), reverse=True)
            for path in hide:
                try:
                    if os.path.isdir(path):
                        _mount("tmpfs", path, "tmpfs",
                               MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k,mode=000")
                    else:
                        _mount("/dev/null", path, None, MS_BIND, None)
                except OSError as err:
                    if err.errno not in (errno.ENOENT, errno.ENOTDIR):
                        raise
            _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
            work = "/tmp/work"
            os.mkdir(work, 0o700)
            os.chown(work, uid, gid)
        else:
            import tempfile

            work = tempfile.mkdtemp(prefix="sandbox-")
        os.chdir(work)
        base = _vm_size()
        for res, value in (
            (resource.RLIMIT_CPU, (lim["cpu_seconds"], lim["cpu_seconds"] + 1)),
            (resource.RLIMIT_AS, (base + lim["memory_bytes"],) * 2),
            (resource.RLIMIT_FSIZE, (lim["file_bytes"],) * 2),
            (resource.RLIMIT_CORE, (0, 0)),
            (resource.RLIMIT_NOFILE, (64, 64)),
        ):
            resource.setrlimit(res, value)
        if isolate:
            resource.setrlimit(resource.RLIMIT_NPROC, (lim["processes"],) * 2)
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            _libc_call("prctl", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            _libc_call("prctl", PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        _libc_call("prctl", PR_SET_DUMPABLE, 0, 0, 0, 0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, min(rfd, wfd))
        os.closerange(min(rfd, wfd) + 1, max(rfd, wfd))
        os.closerange(max(rfd, wfd) + 1, 4096)
        os.environ.clear()
        os.environ.update({"HOME": work, "TMPDIR": "/tmp", "MPLBACKEND": "Agg",
                           "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    except BaseException as err:  # noqa: BLE001 - reported, then the process ends
        _fatal(wfd, f"sandbox setup failed: {err}")
    # Untrusted from here on.
    from . import plain, runner

    with os.fdopen(rfd, "rb", buffering=0) as fh:

        def read(n):
            return fh.read(n)

        try:
            task = plain.read_message(read)
        except BaseException as err:  # noqa: BLE001
            _fatal(wfd, f"could not read the task: {err}")
    runner.run_task(task, lambda event: plain.write_message(wfd, event))
    os._exit(0)


def _supervise(req, rfd, wfd):
    """The job's supervisor: new namespaces, then fork the sandbox as their PID 1."""
    os.setsid()
    if req["isolate"]:
        try:
            _libc_call("unshare", CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC
                       | CLONE_NEWUTS)
        except OSError as err:
            _fatal(wfd, f"sandbox setup failed: {err}")
    child = [0]

    def stop(signum, frame):
        if child[0]:
            try:
                os.kill(child[0], signal.SIGKILL)
            except ProcessLookupError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _inner(req, rfd, wfd)
        os._exit(0)
    child[0] = pid
    os.close(rfd)
    os.close(wfd)
    while True:
        try:
            os.waitpid(pid, 0)
            break
        except ChildProcessError:
            break
        except InterruptedError:
            continue
    os._exit(0)


def zygote_main(fd):
    """Serve fork requests on the socket ``fd`` until it closes."""
    import zlib  # noqa: F401 - compiled modules of numpy.random load it lazily

    import numpy  # noqa: F401 - imported once here, inherited by every sandbox

    from . import plain, runner  # noqa: F401

    try:  # most notebooks import pyplot: load it (and its font cache) once, here
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
    except Exception:  # noqa: BLE001 - matplotlib is optional for grading
        pass
    runner.warm_up()
    import gc

    gc.collect()
    gc.freeze()  # children never scan (and so never copy) the zygote's objects
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    sock = socket.socket(fileno=fd)
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(sock, 1 << 20, 2)
        except OSError:
            break
        if not msg:
            break
        req = json.loads(msg)
        pid = os.fork()
        if pid == 0:
            sock.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _supervise(req, fds[0], fds[1])
            finally:
                os._exit(71)
        for f in fds:
            os.close(f)
        sock.sendall(json.dumps({"pid": pid}).encode())
    os._exit(0)


# ---------------------------------------------------------------------------- grader side


def default_hidden(extra=()):
    """What a sandbox must not see: ``(hide, shells)``.

    ``hide`` lists folders and files to cover entirely: ``extra`` (a file stands for its
    folder), the grader's own sources and project, the home folders and the current
    folder. A folder among these that holds the running Python (a project with its
    ``.venv``, a home folder with ``~/.pyenv``) goes to ``shells`` instead, as
    ``{folder: [python folders inside it]}``: the sandbox covers it with an empty,
    traversable tmpfs and binds only those Python folders back, read-only, at their
    own paths, so that numpy and the standard library still load for an unprivileged
    user and nothing else of the folder shows.
    """
    keep = sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()})
    roots = []
    for p in extra:
        p = Path(p).resolve()
        roots.append(p if p.is_dir() or not p.exists() else p.parent)
    pkg_dirs = [Path(__file__).resolve().parent]
    for withheld in ("course", "coursekit"):
        try:
            import importlib.util

            spec = importlib.util.find_spec(withheld)
            if spec and spec.origin:
                pkg_dirs.append(Path(spec.origin).resolve().parent)
        except (ImportError, ValueError):
            pass
    for pkg in pkg_dirs:
        roots.append(pkg)
        project = pkg.parent
        if (project / "pyproject.toml").exists() or (project / ".git").exists():
            roots.append(project)
    roots += [Path("/root"), Path("/home"), Path.home().resolve()]
    cwd = Path.cwd().resolve()
    if cwd != Path("/"):
        roots.append(cwd)
    hide, shells = set(), {}
    for root in roots:
        if root == Path("/") or not root.is_dir():
            continue
        if any(k == root or k in root.parents for k in keep):
            continue  # inside the Python installation: nothing secret there
        inner = [k for k in keep if root in k.parents]
        if inner:
            shells[str(root)] = [str(k) for k in inner]
        else:
            hide.add(str(root))
    hide.update(str(p) for p in pkg_dirs)  # even inside site-packages (a regular install)
    # a shell inside another shell is covered by the outer one
    outer = {r: ks for r, ks in shells.items()
             if not any(Path(o) in Path(r).parents for o in shells)}
    return sorted(hide), outer


def _kill_uid(uid):
    """SIGKILL every process whose real uid is ``uid`` (the backstop after a job)."""
    killed = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            os.kill(int(entry), signal.SIGKILL)
                            killed += 1
                        break
        except (OSError, ValueError):
            continue
    return killed


class Sandbox:
    """One running sandbox: send it a task, read its events, kill it."""

    def __init__(self, pid, uid, wfd, rfd, isolate):
        self.pid, self.uid, self.isolate = pid, uid, isolate
        self._w, self._r = wfd, rfd
        #: Set by the grader when the sandbox reported its last step and ended by itself:
        #: then its PID namespace is gone with it and no process of its uid can remain.
        self.finished = False
        self._buf = bytearray()

    def send(self, data):
        """Write the task (``bytes``); fails quietly if the sandbox already died."""
        try:
            view = memoryview(data)
            while view:
                n = os.write(self._w, view)
                view = view[n:]
        except (BrokenPipeError, OSError):
            pass
        finally:
            os.close(self._w)
            self._w = None

    def reader(self, deadline):
        """A buffered ``read(n)`` for :func:`autograder.plain.read_message` that raises
        ``TimeoutError`` once ``deadline()`` (a ``time.monotonic`` value) has passed.

        It reads the pipe in large chunks, so that many small events cost one system
        call, and returns at most ``n`` bytes of what it holds.
        """
        buf = self._buf

        def read(n):
            while not buf:
                left = deadline() - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                ready, _, _ = select.select([self._r], [], [], left)
                if ready:
                    chunk = os.read(self._r, 1 << 16)
                    if not chunk:
                        return b""
                    buf.extend(chunk)
            out = bytes(buf[:n])
            del buf[:n]
            return out

        return read

    def kill(self):
        """Stop the supervisor (which kills the sandbox's PID 1) and, unless the sandbox
        finished by itself, every process of the slot's uid."""
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        if self.isolate and not self.finished:
            _kill_uid(self.uid)

    def close(self):
        self.kill()
        for fd in (self._w, self._r):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._w = self._r = None


@dataclass
class Zygote:
    """The grader's handle on the zygote process (start it once, spawn many sandboxes).

    Parameters
    ----------
    hide : list of str
        Paths that sandboxes must not see (each is covered by an empty tmpfs), in
        addition to those of :func:`default_hidden` (always hidden).
    limits : Limits
    isolation : {"full", "none"}
        ``"none"`` runs without namespaces or uid switch (tests of the grading logic
        on machines without root); ``"full"`` raises :class:`SandboxError` when the
        machine cannot isolate.
    """

    hide: list = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    isolation: str = "full"

    def __post_init__(self):
        if self.isolation not in ("full", "none"):
            raise ValueError(f"isolation must be 'full' or 'none'; got {self.isolation!r}")
        if self.isolation == "full":
            ok, why = isolation_available()
            if not ok:
                raise SandboxError(
                    f"cannot isolate submissions on this machine: {why}. Run as root, or pass "
                    "isolation='none' (--no-isolation) to grade WITHOUT protection"
                )
        self.hide, self.shells = default_hidden(self.hide)
        self.keep = sorted({str(Path(sys.prefix).resolve()), str(Path(sys.base_prefix).resolve())})
        self._lock = threading.Lock()
        parent, child = socket.socketpair()
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", MPLBACKEND="Agg")
        code = ("import sys; from autograder.sandbox import zygote_main; "
                "zygote_main(int(sys.argv[1]))")
        self._proc = subprocess.Popen(
            [sys.executable, "-c", code, str(child.fileno())],
            pass_fds=[child.fileno()], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
        )
        child.close()
        self._sock = parent

    def spawn(self, slot=0):
        """Fork a new sandbox for job slot ``slot``; returns a :class:`Sandbox`."""
        isolate = self.isolation == "full"
        uid = UID_BASE + slot
        task_r, task_w = os.pipe()
        ev_r, ev_w = os.pipe()
        req = {"isolate": isolate, "uid": uid, "hide": self.hide, "shells": self.shells,
               "keep": self.keep,
               "limits": self.limits.__dict__}
        try:
            with self._lock:
                socket.send_fds(self._sock, [json.dumps(req).encode()], [task_r, ev_w])
                reply = self._sock.recv(4096)
        finally:
            os.close(task_r)
            os.close(ev_w)
        if not reply:
            os.close(task_w)
            os.close(ev_r)
            raise SandboxError("the sandbox zygote has stopped")
        return Sandbox(json.loads(reply)["pid"], uid, task_w, ev_r, isolate)

    def close(self):
        try:
            self._sock.close()
        finally:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
