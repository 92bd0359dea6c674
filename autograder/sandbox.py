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

Backends
--------
The steps above are the **root** backend. Three backends exist, strongest first;
``isolation="auto"`` takes the first that works here (:func:`choose_backend`,
:func:`backend_status` says why the others do not; :data:`GUARANTEES` and
docs/grading.md list what each guarantees):

* ``root``: as above (a grading server, CI, a container run as root).
* ``rootless``: for an instructor who is not root (a JupyterHub server, a lab machine,
  a laptop). Unprivileged user namespaces (mapping only the instructor's own uid) give
  the same new mount, network, PID, IPC and UTS namespaces; instead of covering the
  hidden paths one by one, the sandbox gets a **new root** holding only ``/usr``, a few
  ``/etc`` files, the Python installation (read-only) and ``/dev/null`` and friends,
  with a fresh ``/proc`` and ``/tmp``, and the old root detached
  (:func:`_enter_rootless_root`): nothing else of the machine exists in its view. Every
  capability is dropped. There is no uid per slot (only one is mapped), so two
  sandboxes are kept apart by their PID namespaces: neither can see the other's
  processes to signal them, nor any file of the other.
* ``container``: docker or podman (:mod:`autograder.container`), for machines without
  usable namespaces (macOS, Windows, locked-down kernels): one container per
  submission, no network, a read-only root with only Python and the runner.

``isolation="none"`` runs the same pipeline without any of this, only when asked for
explicitly, and every report says so.
"""

from __future__ import annotations

import ctypes
import errno
import importlib
import json
import os
import re
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
    "BACKENDS", "GUARANTEES", "ISOLATION_CHOICES", "Limits", "Sandbox", "SandboxError",
    "Zygote", "backend_status", "choose_backend", "default_hidden", "isolation_available",
    "open_zygote",
]

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

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


#: The isolation backends, strongest first: ``--isolation auto`` takes the first that
#: works on this machine. What each guarantees (docs/grading.md has the table):
GUARANTEES = {
    "root": "Linux namespaces as root: no network; own /proc, /tmp, IPC and process "
            "tree; submissions, output, sources and homes covered; a separate "
            "unprivileged uid per job slot; rlimits",
    "rootless": "unprivileged user namespaces: no network; a new root holding only /usr, "
                "the Python installation and /dev's null/zero/random, all read-only; own "
                "/proc, /tmp, IPC and process tree per submission; no capabilities; "
                "rlimits (runs as your uid, which nothing it can see belongs to)",
    "container": "one podman/docker container per submission run (a spare started ahead "
                 "per job slot): no network, an empty read-only root with only /usr, "
                 "Python and the runner, non-root uid per slot, no capabilities, "
                 "memory/pids limits and rlimits",
    "none": "NO isolation: the submission runs as you, with your files and the network",
}
BACKENDS = ("root", "rootless", "container")
ISOLATION_CHOICES = ("auto", "root", "rootless", "container", "none")

_probe_cache = {}


def _python_dirs():
    """The folders the running Python loads from: its prefixes (and a user site)."""
    import site

    dirs = {str(Path(sys.prefix).resolve()), str(Path(sys.base_prefix).resolve())}
    user = getattr(site, "USER_SITE", None)
    if user and user in sys.path and os.path.isdir(user):
        dirs.add(str(Path(user).resolve()))
    return dirs


def root_available():
    """``(ok, why)`` for the root backend."""
    if not sys.platform.startswith("linux"):
        return False, f"needs Linux namespaces; this is {sys.platform}"
    if os.geteuid() != 0:
        return False, (f"needs root (you are uid {os.geteuid()}); the rootless "
                       "backend is for you")
    return True, ""


def rootless_available():
    """``(ok, why)`` for the rootless backend: tried for real, once per process, in a
    throw-away child (it catches kernels and AppArmor profiles that forbid
    unprivileged user namespaces, and container runtimes that hide /proc)."""
    if "rootless" in _probe_cache:
        return _probe_cache["rootless"]
    if not sys.platform.startswith("linux"):
        result = (False, f"needs Linux user namespaces; this is {sys.platform}")
    elif os.geteuid() == 0:
        # Root inside its own user namespace would still be the machine's root (the
        # process limit, for one, does not bind root): root gets the root backend.
        result = (False, "for unprivileged users; as root the root backend is used (it "
                  "also gives each job slot a uid of its own)")
    else:
        code = "from autograder.sandbox import _probe_rootless; _probe_rootless()"
        try:
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                  text=True, timeout=20, stdin=subprocess.DEVNULL)
            err = proc.stderr.strip().splitlines()
            result = (True, "") if proc.returncode == 0 else (
                False, "unprivileged user namespaces are not usable here"
                + (f" ({err[-1]})" if err else f" (exit {proc.returncode})")
                + "; enable them (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu "
                "kernel.apparmor_restrict_unprivileged_userns=0) or use --isolation container")
        except (OSError, subprocess.TimeoutExpired) as exc:
            result = (False, f"the user-namespace probe failed: {exc}")
    _probe_cache["rootless"] = result
    return result


def container_status():
    """``(ok, why)`` for the container backend (see :mod:`autograder.container`)."""
    try:
        from .container import container_available
    except ImportError as err:
        return False, f"the container backend is not installed ({err})"
    return container_available()


def backend_status():
    """Which isolation backends work on this machine, in ``auto``'s order.

    Returns
    -------
    list of dict
        One per backend of :data:`BACKENDS` then ``"none"``: ``name``, ``ok`` (bool),
        ``why`` (why not, with the fix; empty when ok) and ``guarantees``.
    """
    probes = {"root": root_available, "rootless": rootless_available,
              "container": container_status}
    out = []
    for name in BACKENDS:
        ok, why = probes[name]()
        out.append({"name": name, "ok": ok, "why": why, "guarantees": GUARANTEES[name]})
    out.append({"name": "none", "ok": True, "why": "", "guarantees": GUARANTEES["none"]})
    return out


def choose_backend(isolation="auto", containers=True):
    """The backend that ``isolation`` means here, or :class:`SandboxError` saying why
    none can be used.

    Parameters
    ----------
    isolation : {"auto", "root", "rootless", "container", "none"}
        ``"full"`` is accepted as an old name of ``"auto"``.
    containers : bool
        Whether ``auto`` may fall back to the container backend.

    Returns
    -------
    str
        One of ``"root"``, ``"rootless"``, ``"container"``, ``"none"``.
    """
    if isolation == "full":
        isolation = "auto"
    if isolation not in ISOLATION_CHOICES:
        raise ValueError(f"isolation must be one of {', '.join(ISOLATION_CHOICES)}; "
                         f"got {isolation!r}")
    if isolation == "none":
        return "none"
    probes = {"root": root_available, "rootless": rootless_available,
              "container": container_status}
    if isolation != "auto":
        ok, why = probes[isolation]()
        if not ok:
            raise SandboxError(f"the {isolation} isolation backend does not work here: {why}")
        return isolation
    reasons = []
    for name in BACKENDS if containers else BACKENDS[:2]:
        ok, why = probes[name]()
        if ok:
            return name
        reasons.append(f"{name}: {why}")
    raise SandboxError("no isolation backend works on this machine (" + "; ".join(reasons)
                       + "). Run `course doctor` for the fixes, or pass --isolation none "
                       "to grade WITHOUT protection")


def isolation_available():
    """``(True, "")`` if a namespace backend (root or rootless) works here, else
    ``(False, reason)``."""
    try:
        choose_backend("auto", containers=False)
    except SandboxError as err:
        return False, str(err)
    return True, ""


def open_zygote(isolation="auto", hide=(), limits=None, preload=()):
    """Start the zygote of the backend ``isolation`` chooses (see :func:`choose_backend`).

    ``preload``: modules of :data:`PRELOADABLE` the zygote loads as it starts (the batch's
    notebooks use them: :func:`preloads`); a sandbox can still ask for one later.

    Returns
    -------
    Zygote or autograder.container.ContainerZygote
        Either has ``spawn(slot)``, ``close()``, ``limits`` and ``backend``.
    """
    limits = limits or Limits()
    backend = choose_backend(isolation)
    if backend == "container":
        from .container import ContainerZygote

        return ContainerZygote(hide=list(hide), limits=limits)
    return Zygote(hide=list(hide), limits=limits, isolation=backend, preload=list(preload))


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


_ST_TO_MS = ((1, MS_RDONLY), (2, MS_NOSUID), (4, MS_NODEV), (8, MS_NOEXEC),
             (1024, 1024), (2048, 2048), (4096, 1 << 21))  # statvfs f_flag -> mount flag

#: System files a rootless sandbox sees (read-only) besides /usr and the Python
#: installation: shared-library cache, time zone, fonts. Nothing else of /etc.
ROOTLESS_SYSTEM = ("/usr", "/etc/ld.so.cache", "/etc/localtime", "/etc/fonts",
                   "/etc/alternatives")
_DEVICES = ("null", "zero", "full", "random", "urandom")


def _pivot_root(new_root):
    """``pivot_root(new_root, new_root)`` then detach the old root (as bubblewrap does)."""
    nr = {"x86_64": 155, "aarch64": 41, "ppc64le": 203, "s390x": 217,
          "riscv64": 41}.get(os.uname().machine)
    if nr is None:
        raise OSError(errno.ENOSYS, f"pivot_root: unknown machine {os.uname().machine}")
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    os.chdir(new_root)
    if _libc.syscall(ctypes.c_long(nr), b".", b".") != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"pivot_root: {os.strerror(err)}")
    _libc_call("umount2", b".", MNT_DETACH)
    os.chdir("/")


def _bind_ro(handle, target):
    """Bind ``handle`` (an O_PATH fd) at ``target`` and make it read-only, keeping the
    flags the kernel locks on mounts inherited into a user namespace."""
    _mount(f"/proc/self/fd/{handle}", target, None, MS_BIND | MS_REC, None)
    have = os.statvfs(target).f_flag
    flags = MS_BIND | MS_REMOUNT | MS_RDONLY
    for st, ms in _ST_TO_MS:
        if have & st:
            flags |= ms
    _mount(None, target, None, flags, None)


def _hide(paths, prefix=""):
    """Cover each path (deepest first) with an empty unreadable tmpfs, or a file with
    ``/dev/null``; paths that do not exist are skipped."""
    for path in sorted(set(paths), key=lambda p: p.count("/"), reverse=True):
        target = prefix + path
        try:
            if os.path.isdir(target):
                _mount("tmpfs", target, "tmpfs",
                       MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k,mode=000")
            elif os.path.lexists(target):
                _mount(f"{prefix}/dev/null", target, None, MS_BIND, None)
        except OSError as err:
            if err.errno not in (errno.ENOENT, errno.ENOTDIR):
                raise


def _enter_rootless_root(binds, hide):
    """Rootless step 2: a new root that holds only what Python needs.

    Runs as PID 1 of new user, mount and PID namespaces. The new root is a tmpfs with
    ``binds`` (absolute paths: /usr, a few /etc files, the Python installation) bound
    read-only at their own paths, the merged-/usr symlinks (/bin, /lib...), a /dev
    with null, zero, full, random and urandom, a fresh /proc of this PID namespace and
    a fresh /tmp; ``hide`` paths that fall inside a bind are covered. The old root is
    detached, so nothing else of the machine (home folders, /work, /srv, /mnt, the
    submissions) exists in the sandbox's view at all.
    """
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    handles = {}
    for path in binds:  # opened before anything is covered (a Python under /tmp too)
        try:
            handles[path] = os.open(path, os.O_PATH)
        except OSError:
            continue
    devs = {d: os.open(f"/dev/{d}", os.O_PATH) for d in _DEVICES}
    new = "/tmp"  # staged on a tmpfs over /tmp, which becomes the root
    _mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        if os.path.islink(f"/{name}"):
            os.symlink(os.readlink(f"/{name}"), f"{new}/{name}")
    # The fresh /tmp first: a Python installation that lives under /tmp (a checkout
    # cloned there, with its .venv) is then bound inside it, at its own path.
    os.mkdir(f"{new}/tmp")
    _mount("tmpfs", f"{new}/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    covered = []
    for path in sorted(handles, key=lambda p: p.count("/")):
        if any(path == c or path.startswith(c + "/") for c in covered):
            continue
        target = new + path
        if os.path.isdir(f"/proc/self/fd/{handles[path]}"):
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "w").close()
        _bind_ro(handles[path], target)
        covered.append(path)
    for fd in handles.values():
        os.close(fd)
    os.mkdir(f"{new}/dev")
    _mount("tmpfs", f"{new}/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=755")
    for d, fd in devs.items():
        open(f"{new}/dev/{d}", "w").close()
        _mount(f"/proc/self/fd/{fd}", f"{new}/dev/{d}", None, MS_BIND, None)
        os.close(fd)
    for name, to in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                     ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(to, f"{new}/dev/{name}")
    _hide(hide, prefix=new)
    os.mkdir(f"{new}/proc")
    _mount("proc", f"{new}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    _pivot_root(new)
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def _drop_capabilities():
    """Rootless step 4: no capabilities left in any set, none to regain."""
    with open("/proc/sys/kernel/cap_last_cap") as fh:
        last = int(fh.read())
    for cap in range(last + 1):
        _libc_call("prctl", PR_CAPBSET_DROP, cap, 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    _libc_call("capset", ctypes.byref(Header(_LINUX_CAPABILITY_VERSION_3, 0)),
               (Data * 2)())


def _enter_root_namespaces(req, uid):
    """Root step 2: hide paths in place (the machine's root stays, minus secrets)."""
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
    _hide(req["hide"])
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    work = "/tmp/work"
    os.mkdir(work, 0o700)
    os.chown(work, uid, uid)
    return work


def _inner(req, rfd, wfd):
    """The sandbox proper (PID 1 of its namespaces): isolate, drop privileges, run."""
    mode = req["mode"]
    uid = gid = req["uid"]
    lim = req["limits"]
    try:
        if mode == "root":
            work = _enter_root_namespaces(req, uid)
        elif mode == "rootless":
            _enter_rootless_root(req["binds"], req["hide"])
            work = "/tmp/work"
            os.mkdir(work, 0o700)
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
        if mode != "none":
            resource.setrlimit(resource.RLIMIT_NPROC, (lim["processes"],) * 2)
        if mode == "root":
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
        elif mode == "rootless":
            _drop_capabilities()
        if mode != "none":
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
            task = runner.read_task(read)
        except BaseException as err:  # noqa: BLE001
            _fatal(wfd, f"could not read the task: {err}")
    runner.run_task(task, lambda event: plain.write_message(wfd, event))
    os._exit(0)


def _unshare_rootless():
    """Rootless step 1: new user namespace (mapping only our own uid and gid), mount,
    network, PID, IPC and UTS namespaces."""
    uid, gid = os.getuid(), os.getgid()
    _libc_call("unshare", CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID
               | CLONE_NEWIPC | CLONE_NEWUTS)
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"{gid} {gid} 1")


def _supervise(req, rfd, wfd):
    """The job's supervisor: new namespaces, then fork the sandbox as their PID 1."""
    os.setsid()
    try:
        if req["mode"] == "root":
            _libc_call("unshare", CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC
                       | CLONE_NEWUTS)
        elif req["mode"] == "rootless":
            _unshare_rootless()
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


def _probe_rootless():
    """Run in a throw-away process: build a rootless sandbox's root and exit 0."""
    _unshare_rootless()
    pid = os.fork()
    if pid == 0:
        try:
            _enter_rootless_root(sorted(set(ROOTLESS_SYSTEM) | _python_dirs()), [])
            _drop_capabilities()
            os.listdir("/proc")
            os._exit(0)
        except BaseException as err:  # noqa: BLE001
            os.write(2, str(err).encode())
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    os._exit(os.waitstatus_to_exitcode(status))


#: Modules a zygote loads on request, once, before it forks the sandbox that needs them
#: (the grader asks when a submission's cells mention them: :func:`preloads`). pyplot
#: costs about 0.5 s to import, more than grading ten submissions, so a batch whose
#: notebooks never plot does not pay for it; one whose notebooks do pays it once per
#: zygote instead of once per sandbox.
PRELOADABLE = {"matplotlib.pyplot": re.compile(r"\bmatplotlib\b|\bpyplot\b")}


def preloads(cells):
    """The modules of :data:`PRELOADABLE` that ``cells`` (code, as strings) mention."""
    return [name for name, pattern in PRELOADABLE.items()
            if any(pattern.search(src) for src in cells)]


def _preload(names):
    """Import the requested modules of :data:`PRELOADABLE` that are not loaded yet."""
    import gc

    fresh = [n for n in names if n in PRELOADABLE and n not in sys.modules]
    for name in fresh:
        try:
            if name.startswith("matplotlib"):
                import matplotlib

                matplotlib.use("Agg")
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - optional: the sandbox then imports it itself
            pass
    if fresh:
        gc.collect()
        gc.freeze()


def zygote_main(fd, preload=()):
    """Serve fork requests on the socket ``fd`` until it closes (``preload``: modules of
    :data:`PRELOADABLE` to load first)."""
    import zlib  # noqa: F401 - compiled modules of numpy.random load it lazily

    import numpy  # noqa: F401 - imported once here, inherited by every sandbox

    from . import plain, runner  # noqa: F401

    runner.warm_up()
    _preload(preload)
    import gc

    gc.collect()
    gc.freeze()  # children never scan (and so never copy) the zygote's objects
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    # Ctrl-C reaches the whole terminal's process group: the grader decides what stops
    # (it closes the socket, which ends this loop), not the signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=fd)
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(sock, 1 << 20, 2)
        except OSError:
            break
        if not msg:
            break
        req = json.loads(msg)
        _preload(req.get("preload", ()))
        pid = os.fork()
        if pid == 0:
            sock.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
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
    isolation : {"auto", "root", "rootless", "none"}
        The namespace backend (``"auto"``: root if this process is root, else rootless;
        ``"full"`` is an old name of ``"auto"``). ``"none"`` runs without namespaces
        (tests of the grading logic); any other raises :class:`SandboxError` when the
        machine cannot isolate that way. The container backend is
        :class:`autograder.container.ContainerZygote` (see :func:`open_zygote`).
    preload : list of str
        Modules of :data:`PRELOADABLE` the zygote loads as it starts, before any fork.

    Attributes
    ----------
    backend : str
        The backend in use: ``"root"``, ``"rootless"`` or ``"none"``.
    """

    hide: list = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    isolation: str = "auto"
    preload: list = field(default_factory=list)

    def __post_init__(self):
        if self.isolation == "container":
            raise ValueError("isolation='container' is ContainerZygote's: use open_zygote()")
        self.backend = choose_backend(self.isolation, containers=False)
        self.hide, self.shells = default_hidden(self.hide)
        self.keep = sorted({str(Path(sys.prefix).resolve()), str(Path(sys.base_prefix).resolve())})
        self.binds = sorted(set(ROOTLESS_SYSTEM) | _python_dirs())
        self._lock = threading.Lock()
        parent, child = socket.socketpair()
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", MPLBACKEND="Agg")
        code = ("import sys; from autograder.sandbox import zygote_main; "
                "zygote_main(int(sys.argv[1]), sys.argv[2:])")
        self._proc = subprocess.Popen(
            [sys.executable, "-c", code, str(child.fileno()),
             *(n for n in self.preload if n in PRELOADABLE)],
            pass_fds=[child.fileno()], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
        )
        child.close()
        self._sock = parent

    def spawn(self, slot=0, preload=()):
        """Fork a new sandbox for job slot ``slot``; returns a :class:`Sandbox`.

        ``preload``: modules of :data:`PRELOADABLE` the zygote should load (once) before
        forking, because the submission uses them (:func:`preloads`)."""
        uid = UID_BASE + slot if self.backend == "root" else os.getuid()
        task_r, task_w = os.pipe()
        ev_r, ev_w = os.pipe()
        req = {"mode": self.backend, "uid": uid, "hide": self.hide, "shells": self.shells,
               "keep": self.keep, "binds": self.binds, "limits": self.limits.__dict__,
               "preload": list(preload)}
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
        # Only the root backend has a uid of its own to sweep after a job; a rootless
        # sandbox runs as the instructor, and its PID namespace dies with its PID 1.
        return Sandbox(json.loads(reply)["pid"], uid, task_w, ev_r, self.backend == "root")

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
