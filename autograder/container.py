"""The container isolation backend: one podman (or Docker) container per sandbox.

For machines where neither namespace backend of :mod:`autograder.sandbox` works
(no root, unprivileged user namespaces disabled) but a container runtime does, and
for instructors who prefer a container's confinement. :class:`ContainerZygote` is a
drop-in for :class:`autograder.sandbox.Zygote` (:func:`autograder.sandbox.open_zygote`
returns one for ``isolation="container"``): same ``spawn(slot)``, same sandbox
interface, same wire protocol (:mod:`autograder.plain` messages: the task on the
container's standard input, the events on its standard output).

What a container sandbox guarantees
-----------------------------------
* **A root with nothing in it.** The container's root is an empty, read-only
  directory made at zygote start (``--rootfs``; for Docker, an image imported from
  that directory, offline). Bound into it read-only, at their own paths: ``/usr``,
  a few system files (the shared-library cache, the time zone, fonts), the Python
  installation (``sys.prefix`` and ``sys.base_prefix``, resolved), and a private copy
  of only the modules the runner needs (``autograder.runner`` and
  :mod:`autograder.plain`, found by importing them in a throw-away process), with
  matplotlib's font list (built once per zygote, so no container scans the fonts). The
  repository, ``course`` (the reference), the checks, the tests, submissions, the
  output folder and home directories are never mounted; paths in ``hide`` (and the
  withheld packages, should they live inside the Python installation) are covered
  with empty, read-only tmpfs mounts. The runtime adds its own ``/dev`` (null, zero,
  random...), ``/proc`` (with the kernel's sensitive files masked) and a read-only
  ``/sys``; there is no ``/etc/passwd`` (nor, with podman, ``/etc/hosts``).
* **No network** (``--network=none``: a loopback only), its own PID, IPC, UTS and
  mount namespaces (the student's code is PID 1 and sees only its own processes), a
  fresh ``/tmp`` (tmpfs) as its only writable place.
* **No privileges**: a non-root uid (two per job slot, from :data:`UID_BASE`, so that
  per-user limits are never shared with another slot), no capabilities at all
  (``--cap-drop=ALL``), ``no-new-privileges``, the runtime's default seccomp filter.
* **Limits**: ``--memory`` (the submission's allowance plus :data:`MEMORY_BASE`, no
  swap), ``--pids-limit``, ``--ulimit`` nofile/nproc/fsize/cpu/core, and inside, as in
  the other backends, ``RLIMIT_AS`` = the baseline plus ``Limits.memory_bytes`` (so a
  huge allocation is a ``MemoryError``, not an OOM kill). Rootless podman on cgroups
  v1 cannot set cgroup limits (:attr:`ContainerZygote.cgroup_limits` is then False):
  only the rlimits bind there.
* **A new container per submission run**, and so after any timeout, kill or crash;
  one is started ahead of time for each slot (it waits, idle, for its task) to hide
  the start-up time. ``kill()`` removes the container with the runtime
  (``rm -f``), not only its client process; ``close()`` of the zygote removes every
  container it started.

How it differs from the other backends
--------------------------------------
``root`` keeps the machine's root and covers listed paths; ``rootless`` builds a
fresh root like this one, but runs as your own uid. A container runs as an
unprivileged uid like ``root`` does, under cgroup memory and process limits that
neither namespace backend sets, but costs a container start instead of a fork: on
this project's 2-core machine about 0.3 s until a cold sandbox has run a trivial
task with numpy, 0.6 s when it imports matplotlib's pyplot too, against 10-15 ms
with the root backend. The spare hides that whenever the previous run of the slot
took longer (5 ms then); back to back, trivial submissions take about 0.35 s each,
and removing a timed-out container about 0.2 s. Its guarantees are also the
runtime's: a runtime bug, or a Docker daemon whose socket the grader can reach, is
in the trusted base. Without root, rootless podman maps the container to your uid
(``--userns=keep-id``).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import weakref
from pathlib import Path

from . import plain
from .sandbox import ROOTLESS_SYSTEM, Limits, SandboxError, _python_dirs, default_hidden

__all__ = ["ENV_RUNTIME", "MEMORY_BASE", "UID_BASE", "ContainerSandbox", "ContainerZygote",
           "container_available"]

#: Environment variable that forces the runtime: ``podman``, ``docker`` or a path.
ENV_RUNTIME = "COURSE_CONTAINER_RUNTIME"
#: First uid/gid of the container sandboxes: slot ``s`` uses ``UID_BASE + 2 s`` and
#: ``UID_BASE + 2 s + 1`` in turn (distinct from the root backend's uids).
UID_BASE = 63000
#: Memory a container may use beyond ``Limits.memory_bytes`` (Python, numpy, runtime).
MEMORY_BASE = 384 * 2**20
#: Where the runner's modules are mounted inside a container.
RUNNER_DIR = "/opt/runner"
#: Where matplotlib's font list, built once per zygote on the host, is mounted.
FONTS_DIR = "/opt/matplotlib"
#: Seconds a finished sandbox's container has to exit and remove itself.
REAP_SECONDS = 2.0
#: Label on every container this module starts (``podman ps -a --filter label=...``).
LABEL = "course-autograder=sandbox"
DOCKER_IMAGE = "course-autograder-root:1"
_INSTALL = "install podman (apt-get install podman runc) or Docker Desktop"

# The program a container runs (python -I -c ENTRY PKG MEMORY WARM FONTS): keep the events'
# pipe on a new fd and point fd 1 at /dev/null, import the runner (an error shows on
# the runtime client's stderr), point fd 2 at /dev/null too, read the task from fd 0,
# then the same steps as autograder.sandbox._inner.
_ENTRY = r"""
import os, sys
ev = os.dup(1)
os.closerange(3, ev)
os.closerange(ev + 1, 4096)
null = os.open("/dev/null", os.O_RDWR)
os.dup2(null, 1)
sys.path.insert(0, sys.argv[1])
import resource, zlib
import numpy
from autograder import plain, runner
os.dup2(null, 2)
import shutil
shutil.copytree(sys.argv[4], "/tmp/matplotlib")  # a writable copy of the font list
os.environ["MPLCONFIGDIR"] = "/tmp/matplotlib"
def fail(message):
    try:
        plain.write_message(ev, {"event": "setup_error", "error": message})
    finally:
        os._exit(70)
try:
    if sys.argv[3] == "1":  # a spare, started ahead: load what notebooks use, as the zygote does
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot
        except Exception:
            pass
        runner.warm_up()
    work = "/tmp/work"
    os.mkdir(work, 0o700)
    os.chdir(work)
    size = 0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                size = int(line.split()[1]) * 1024
    limit = size + int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.environ.clear()
    os.environ.update({"HOME": work, "TMPDIR": "/tmp", "MPLBACKEND": "Agg",
                       "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                       "MPLCONFIGDIR": "/tmp/matplotlib"})
    with os.fdopen(0, "rb", buffering=0, closefd=False) as fh:
        task = runner.read_task(fh.read)
    os.dup2(null, 0)
    os.close(null)
except BaseException as err:
    fail(f"container sandbox setup failed: {err}")
del fail
runner.run_task(task, lambda event: plain.write_message(ev, event))
os._exit(0)
"""

# The probe: the runner imports, and the cgroup memory limit it runs under (v2 or v1).
_PROBE = f"""
import sys
sys.path.insert(0, {RUNNER_DIR!r})
import numpy
from autograder import plain, runner
limit = 0
for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
    try:
        limit = int(open(path).read())
        break
    except (OSError, ValueError):
        pass
print("ok", limit)
"""

_cache = {}


# ------------------------------------------------------------------------------ runtime


class _Engine:
    """A working runtime: ``exe`` (path), ``kind`` ("podman" or "docker") and the
    global options that made it work (``--runtime runc``)."""

    def __init__(self, exe, kind, options=()):
        self.exe, self.kind, self.options = exe, kind, list(options)
        #: whether --memory and --pids-limit take effect (rootless podman on cgroups
        #: v1 ignores them: only the rlimits bind then)
        self.cgroup_limits = False

    def command(self, *args):
        return [self.exe, *self.options, *args]

    def remove(self, names, wait=True):
        """Kill and remove the containers ``names`` (absent ones are ignored)."""
        if not names:
            return
        extra = ["-t", "0"] if self.kind == "podman" else []
        cmd = self.command("rm", "-f", *extra, *names)
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            if wait:
                proc.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            pass

    def names(self, prefix):
        """Names of the containers (any state) whose name starts with ``prefix``."""
        try:
            out = subprocess.run(
                self.command("ps", "-a", "--filter", f"label={LABEL}",
                             "--format", "{{.Names}}"),
                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL).stdout
        except (OSError, subprocess.TimeoutExpired):
            return []
        return [n for n in out.split() if n.startswith(prefix)]


def _last_line(text, fallback):
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1] if lines else fallback


def _candidates():
    """``([(exe, kind), ...], why)``: the runtimes to try (``kind`` is ``"podman"`` or
    ``"docker"``), or none and the reason."""
    forced = os.environ.get(ENV_RUNTIME, "").strip()
    if forced:
        exe = shutil.which(forced)
        if exe is None:
            return [], (f"{ENV_RUNTIME}={forced!r} is not a program on PATH; set it to "
                        "podman or docker (or unset it), or " + _INSTALL)
        kind = "docker" if "docker" in Path(forced).name else "podman"
        return [(exe, kind)], ""
    found = [(shutil.which(k), k) for k in ("podman", "docker")]
    found = [(e, k) for e, k in found if e]
    if not found:
        return [], f"no container runtime: {_INSTALL}"
    return found, ""


def _docker_ready(exe):
    """``(ok, why)``: does a Docker daemon answer this client?"""
    try:
        proc = subprocess.run([exe, "version", "--format", "{{.Server.Version}}"],
                              capture_output=True, text=True, timeout=20,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"docker is installed ({exe}) but does not answer: {err}"
    if proc.returncode != 0 or not proc.stdout.strip():
        return False, (f"docker is installed ({exe}) but no Docker daemon answers it "
                       f"({_last_line(proc.stderr, f'exit {proc.returncode}')}); start "
                       "dockerd or Docker Desktop, or install podman (apt-get install "
                       "podman runc)")
    return True, ""


def _docker_image(engine, rootfs):
    """Import ``rootfs`` (the empty root) as :data:`DOCKER_IMAGE` unless it exists."""
    probe = subprocess.run(engine.command("image", "inspect", DOCKER_IMAGE),
                           capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    if probe.returncode == 0:
        return
    import io
    import tarfile

    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        tar.add(rootfs, arcname=".")
    proc = subprocess.run(engine.command("import", "-", DOCKER_IMAGE), input=data.getvalue(),
                          capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise SandboxError("could not import the sandbox's empty root image: "
                           + _last_line(proc.stderr.decode(errors="replace"),
                                        f"exit {proc.returncode}"))


def _probe(stage, candidates):
    """``(engine or None, why)``: run a trivial container with the backend's flags."""
    reasons = []
    for exe, kind in candidates:
        if kind == "docker":
            ok, why = _docker_ready(exe)
            if not ok:
                reasons.append(why)
                continue
            options_list = [[]]
        else:
            options_list = [[]] + [["--runtime", rt] for rt in ("runc", "crun")
                                   if shutil.which(rt) or os.path.exists(f"/usr/sbin/{rt}")]
        errors = []
        for options in options_list:
            engine = _Engine(exe, kind, options)
            name = f"course-probe-{uuid.uuid4().hex[:12]}"
            try:
                if kind == "docker":
                    _docker_image(engine, stage.rootfs)
                cmd = _run_command(engine, stage, Limits(), name, 0, probe=True)
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                                      stdin=subprocess.DEVNULL)
            except (OSError, subprocess.TimeoutExpired, SandboxError) as err:
                errors.append(str(err))
                engine.remove([name])
                continue
            words = proc.stdout.split()
            if proc.returncode == 0 and words[:1] == ["ok"]:
                memory = Limits().memory_bytes + MEMORY_BASE
                engine.cgroup_limits = words[1:] == [str(memory)]
                return engine, ""
            engine.remove([name])
            err = _last_line(proc.stderr, f"exit {proc.returncode}")
            errors.append(err + (f" (with {' '.join(options)})" if options else ""))
        reasons.append(f"{kind} is installed but cannot run containers here: "
                       + "; ".join(dict.fromkeys(errors))
                       + (" (`podman info` shows its setup; with cgroups v1 or hybrid "
                          "cgroups, apt-get install runc)" if kind == "podman" else ""))
    return None, "; ".join(reasons)


def container_available():
    """Whether the container backend works here, tried for real once per process.

    Runs one trivial container (``import numpy`` with the backend's own flags and
    mounts) with podman, else Docker, or the runtime named by the environment variable
    ``COURSE_CONTAINER_RUNTIME``. With podman, the OCI runtime ``runc`` (then ``crun``)
    is tried too when the default one fails (crun refuses hybrid cgroup hierarchies).

    Returns
    -------
    ok : bool
        True if a container ran and imported numpy.
    why : str
        Empty when ``ok``; otherwise what failed and the fix, e.g. ``"no container
        runtime: install podman (apt-get install podman runc) or Docker Desktop"``.
    """
    key = os.environ.get(ENV_RUNTIME, "")
    if key not in _cache:
        if not sys.platform.startswith("linux"):
            _cache[key] = (None, f"the container backend runs the host's Python inside the "
                                 f"container, so it needs Linux; this is {sys.platform}")
        else:
            candidates, why = _candidates()
            try:
                if not candidates:
                    _cache[key] = (None, why)
                else:
                    stage = _Stage()
                    try:
                        _cache[key] = _probe(stage, candidates)
                    finally:
                        stage.close(_cache.get(key, (None, ""))[0])
            except (OSError, SandboxError) as err:
                _cache[key] = (None, f"could not prepare the container's root: {err}")
    engine, why = _cache[key]
    return engine is not None, why


def _engine():
    container_available()
    return _cache[os.environ.get(ENV_RUNTIME, "")]


# -------------------------------------------------------------------------------- stage

_runner_files = {}


def _runner_modules():
    """``{relative path: absolute path}`` of the package modules that ``import
    autograder.runner`` loads, found in a throw-away interpreter (so nothing this
    process imported counts)."""
    if not _runner_files:
        code = (
            "import json, os, sys\n"
            "sys.path[:0] = json.loads(sys.argv[1])\n"
            "import autograder.plain, autograder.runner\n"
            "out = {}\n"
            "for name in list(sys.modules):\n"
            "    top, _, rest = name.partition('.')\n"
            "    if top not in ('autograder', 'coursekit'):\n"
            "        continue\n"
            "    base = os.path.dirname(sys.modules[top].__file__)\n"
            "    stem = os.path.join(base, *rest.split('.')) if rest else base\n"
            "    path = stem + '.py' if os.path.isfile(stem + '.py') else os.path.join(\n"
            "        stem, '__init__.py')\n"
            "    out[os.path.relpath(path, os.path.dirname(base))] = path\n"
            "print(json.dumps(out))\n")
        paths = [str(Path(__file__).resolve().parent.parent)] + [p for p in sys.path if p]
        proc = subprocess.run([sys.executable, "-I", "-c", code, json.dumps(paths)],
                              capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise SandboxError("could not list the runner's modules: "
                               + _last_line(proc.stderr, f"exit {proc.returncode}"))
        _runner_files.update(json.loads(proc.stdout))
    return dict(_runner_files)


class _Stage:
    """A private folder: ``rootfs`` (the container's empty root: merged-/usr links only)
    and ``pkg`` (copies of the runner's modules), removed by :meth:`close`."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="course-container-")
        try:
            self.rootfs = os.path.join(self.dir, "rootfs")
            self.pkg = os.path.join(self.dir, "pkg")
            self.fonts = os.path.join(self.dir, "matplotlib")
            self._fonts_job = None
            os.mkdir(self.fonts, 0o755)
            os.mkdir(self.rootfs, 0o755)
            for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
                if os.path.islink(f"/{name}"):
                    os.symlink(os.readlink(f"/{name}"), os.path.join(self.rootfs, name))
            for name in ("etc", "tmp", "proc", "dev", "sys"):
                os.mkdir(os.path.join(self.rootfs, name), 0o755)
            for rel, src in _runner_modules().items():
                dst = os.path.join(self.pkg, rel)
                os.makedirs(os.path.dirname(dst), mode=0o755, exist_ok=True)
                shutil.copyfile(src, dst)
            import compileall

            compileall.compile_dir(self.pkg, quiet=2)  # the mount is read-only
            for root, _dirs, files in os.walk(self.pkg):
                os.chmod(root, 0o755)
                for f in files:
                    os.chmod(os.path.join(root, f), 0o644)
            os.chmod(self.pkg, 0o755)
            self.binds = sorted(
                {p for p in ROOTLESS_SYSTEM if os.path.exists(p)} | _python_dirs())
            self._mount_points()
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def _mount_points(self):
        """Make every mount point in ``rootfs`` now, as this user: made by the runtime
        (as a rootless container's root, a uid of the user's subordinate range), they
        could not be removed afterwards."""
        def make(path, is_dir):
            target = self.rootfs + path
            if os.path.lexists(target):
                return
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            if is_dir:
                os.mkdir(target, 0o755)
            else:
                open(target, "w").close()
                os.chmod(target, 0o644)

        for path in self.binds:
            make(path, os.path.isdir(path))
        make(RUNNER_DIR, True)
        make(FONTS_DIR, True)
        for path in ("/run/.containerenv", "/etc/hostname"):
            make(path, False)
        if not os.path.lexists(self.rootfs + "/etc/mtab"):
            os.symlink("/proc/mounts", self.rootfs + "/etc/mtab")

    def build_fonts(self):
        """Start building matplotlib's font list in :attr:`fonts`, on the host (the
        fonts it lists, under /usr and the Python installation, are at the same paths
        in a container): each container then copies it instead of scanning the fonts
        again (about 0.2 s). Skipped without matplotlib."""
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            return
        env = {"MPLCONFIGDIR": self.fonts, "HOME": self.dir, "MPLBACKEND": "Agg",
               "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        self._fonts_job = subprocess.Popen(
            [sys.executable, "-I", "-c", "import matplotlib.font_manager"], env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def fonts_ready(self):
        """Wait for :meth:`build_fonts` (a minute at most) and make its files readable."""
        job, self._fonts_job = self._fonts_job, None
        if job is None:
            return
        try:
            job.wait(timeout=60)
        except subprocess.TimeoutExpired:
            job.kill()
            job.wait()
        for root, dirs, files in os.walk(self.fonts):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)

    def close(self, engine=None):
        """Remove the folder (what a rootless runtime left in it too, with ``engine``)."""
        shutil.rmtree(self.dir, ignore_errors=True)
        if os.path.exists(self.dir) and engine is not None and engine.kind == "podman":
            subprocess.run(engine.command("unshare", "rm", "-rf", self.dir),
                           capture_output=True, timeout=60, stdin=subprocess.DEVNULL)


def _inside(path, roots):
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _run_command(engine, stage, limits, name, uid, masks=(), probe=False, warm=False):
    """The ``run`` command line of one container sandbox (see the module docstring)."""
    limits = limits or Limits()
    podman = engine.kind == "podman"
    nproc = int(limits.processes)
    cmd = engine.command("run", "--rm", "-i", "--name", name, "--label", LABEL,
                         "--log-driver", "none", "--network", "none", "--ipc", "private",
                         "--hostname", "sandbox", "--read-only", "--cap-drop", "ALL",
                         "--security-opt", "no-new-privileges")
    # podman copies what is under a tmpfs into it unless told not to ("notmpcopyup":
    # a cover must stay empty), and ignores its mode here ("U": the user's instead)
    nocopy = ",notmpcopyup" if podman else ""
    cmd += ["--tmpfs", "/tmp:rw,nosuid,nodev,size=64m,mode=1777" + (",U" if podman else "")
            + nocopy]
    if podman:  # (Docker's PID and UTS namespaces are private by default)
        cmd += ["--pid", "private", "--uts", "private", "--read-only-tmpfs=false",
                "--no-hosts", "--passwd=false", "--pull", "never"]
    if podman and os.geteuid() != 0:
        cmd += ["--userns", "keep-id", "--user", f"{os.getuid()}:{os.getgid()}"]
    else:
        cmd += ["--user", f"{uid}:{uid}"]
    memory = int(limits.memory_bytes) + MEMORY_BASE
    cpu = int(limits.cpu_seconds)
    cmd += ["--memory", str(memory), "--memory-swap", str(memory),
            "--pids-limit", str(nproc + 8),
            "--ulimit", "nofile=64:64", "--ulimit", f"nproc={nproc}:{nproc}",
            "--ulimit", f"fsize={int(limits.file_bytes)}:{int(limits.file_bytes)}",
            "--ulimit", f"cpu={cpu}:{cpu + 1}", "--ulimit", "core=0:0"]
    for key, val in (("HOME", "/tmp"), ("PATH", "/usr/bin:/bin"), ("LANG", "C.UTF-8"),
                     ("MPLBACKEND", "Agg"), ("OPENBLAS_NUM_THREADS", "1"),
                     ("OMP_NUM_THREADS", "1"), ("MKL_NUM_THREADS", "1"),
                     ("TMPDIR", "/tmp")):
        cmd += ["--env", f"{key}={val}"]
    for path in stage.binds:
        cmd += ["--volume", f"{path}:{path}:ro"]
    cmd += ["--volume", f"{stage.pkg}:{RUNNER_DIR}:ro",
            "--volume", f"{stage.fonts}:{FONTS_DIR}:ro"]
    for path in masks:
        if os.path.isdir(path):
            cmd += ["--tmpfs", f"{path}:ro,nosuid,nodev,noexec,size=4k,mode=000{nocopy}"]
        else:
            cmd += ["--volume", f"/dev/null:{path}:ro"]
    cmd += ["--rootfs", stage.rootfs] if podman else [DOCKER_IMAGE]
    if probe:
        return cmd + [sys.executable, "-I", "-c", _PROBE]
    return cmd + [sys.executable, "-I", "-c", _ENTRY, RUNNER_DIR,
                  str(int(limits.memory_bytes)), "1" if warm else "0", FONTS_DIR]


# ------------------------------------------------------------------------------ sandbox


class ContainerSandbox:
    """One container: send it a task, read its events, kill it (the interface of
    :class:`autograder.sandbox.Sandbox`).

    Attributes
    ----------
    name : str
        The container's name (``podman ps -a`` shows it while it exists).
    pid : int
        The runtime client's process id.
    uid : int
        The uid the submission runs as inside.
    finished : bool
        Set by the grader when the sandbox reported its last step: :meth:`close` then
        lets the container end and remove itself (in the background, for at most
        :data:`REAP_SECONDS`) instead of removing it at once.
    """

    def __init__(self, engine, name, uid, proc, wfd, rfd, on_close=None, reap=None):
        self.name, self.uid, self.pid = name, uid, proc.pid
        self._engine, self._proc = engine, proc
        self._on_close, self._reap = on_close, reap
        self._w, self._r = wfd, rfd
        self._buf = bytearray()
        self._seen = False  # anything (or the end) read from the container yet
        self._closed = False
        self.finished = False

    def alive(self):
        return self._proc.poll() is None

    def send(self, data):
        """Write the task (``bytes``), then close the container's standard input; fails
        quietly if the container already ended."""
        try:
            view = memoryview(data)
            while view:
                n = os.write(self._w, view)
                view = view[n:]
        except OSError:
            pass
        finally:
            os.close(self._w)
            self._w = None

    def _startup_failure(self):
        """The runtime's error when the container ended before sending anything, as
        the bytes of a ``setup_error`` event (``b""`` if it was not the runtime's)."""
        try:
            code = self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return b""
        err = b""
        try:
            while select.select([self._proc.stderr], [], [], 0)[0]:
                chunk = os.read(self._proc.stderr.fileno(), 1 << 16)
                if not chunk:
                    break
                err += chunk
        except (OSError, ValueError):
            pass
        # the client's stderr holds only the runtime's messages (and Python's, before
        # the entry points fd 2 at /dev/null): the submission cannot write there
        if code != 0 and b"Error" in err:
            why = _last_line(err.decode(errors="replace"), f"exit {code}")
            return plain.dumps({"event": "setup_error",
                                "error": f"the container did not start: {why}"})
        return b""

    def reader(self, deadline):
        """A buffered ``read(n)`` for :func:`autograder.plain.read_message` that raises
        ``TimeoutError`` once ``deadline()`` (a ``time.monotonic`` value) has passed;
        ``b""`` at the end of the stream. If the runtime itself failed before the
        container sent anything, it reads as a ``setup_error`` event naming the error.
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
                    if not chunk and not self._seen:
                        chunk = self._startup_failure()
                    self._seen = True
                    if not chunk:
                        return b""
                    buf.extend(chunk)
            out = bytes(buf[:n])
            del buf[:n]
            return out

        return read

    def kill(self):
        """Remove the container for real (``rm -f``: every process in it ends) unless
        its client already ended (``--rm`` removed it then), and end the client."""
        if self._proc.poll() is None:
            self._engine.remove([self.name])
            try:
                self._proc.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def close(self):
        """End the sandbox; no container remains. One that is not :attr:`finished` is
        killed now. A finished one (its PID 1 exits right after its last event) is given
        :data:`REAP_SECONDS` to exit and remove itself, in the background so that the
        job slot is free at once, and is removed by force after that; the zygote's
        ``close()`` waits for these."""
        if self._closed:
            return
        self._closed = True
        for fd in (self._w, self._r):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._w = self._r = None
        if self.finished and self._proc.poll() is None and self._reap is not None:
            self._reap(self)
            return
        self._end()

    def _end(self, wait=0.0):
        if wait:
            try:
                self._proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        if self._proc.stderr is not None:
            self._proc.stderr.close()
        if self._on_close is not None:
            self._on_close(self)
            self._on_close = None


def _cleanup(engine, prefix, stage):
    """Remove every container whose name starts with ``prefix``, then ``stage``."""
    engine.remove(engine.names(prefix))
    stage.close(engine)


class ContainerZygote:
    """The container backend's zygote: starts one container per sandbox.

    Parameters
    ----------
    hide : list of str
        Paths that sandboxes must not see. Nothing outside the mounts of the module
        docstring exists in a container anyway; a hidden path inside one of them (the
        Python installation, ``/usr``) is covered with an empty, read-only tmpfs, as
        are the paths of :func:`autograder.sandbox.default_hidden` that fall there.
    limits : Limits
    warm : bool
        Keep one container started ahead of time per job slot (default True), so that
        :meth:`spawn` returns one that is already up; each is used for one run only.

    Attributes
    ----------
    backend : str
        ``"container"``.
    runtime : str
        The runtime's command line prefix, e.g. ``"/usr/bin/podman --runtime runc"``.
    name_prefix : str
        Every container this zygote starts is named ``name_prefix + "<slot>-<n>"``.
    masks : list of str
        The hidden paths inside the mounts, each covered by an empty tmpfs.
    cgroup_limits : bool
        Whether the cgroup memory and process limits take effect. Rootless podman on
        cgroups v1 cannot set them: then only the rlimits (address space, processes of
        the uid, CPU time, file size) bound a submission, as in the rootless backend.

    Raises
    ------
    SandboxError
        When no container runtime works here (the message says why and the fix).
    """

    backend = "container"

    def __init__(self, hide=(), limits=None, warm=True):
        engine, why = _engine()
        if engine is None:
            raise SandboxError(f"the container isolation backend does not work here: {why}")
        self.limits = limits or Limits()
        self.warm = warm
        self._engine = engine
        self.runtime = " ".join(engine.command())
        self.cgroup_limits = engine.cgroup_limits
        self._stage = _Stage()
        self._stage.build_fonts()
        self.name_prefix = f"course-sbx-{os.getpid()}-{uuid.uuid4().hex[:8]}-"
        self._finalizer = weakref.finalize(self, _cleanup, engine, self.name_prefix, self._stage)
        if engine.kind == "docker":
            _docker_image(engine, self._stage.rootfs)
        hidden = {str(Path(p).resolve()) for p in hide}
        hidden.update(default_hidden()[0])
        mounted = [*self._stage.binds]
        self.masks = sorted(p for p in hidden if _inside(p, mounted) and p not in mounted
                            and os.path.lexists(p))
        self.hide = sorted(hidden)
        self._lock = threading.Lock()
        self._count = {}
        self._spares = {}
        self._live = set()
        self._reapers = []
        self._closed = False

    def _start(self, slot):
        with self._lock:
            n = self._count.get(slot, 0)
            self._count[slot] = n + 1
            self._stage.fonts_ready()
        uid = UID_BASE + 2 * slot + n % 2
        name = f"{self.name_prefix}{slot}-{n}"
        cmd = _run_command(self._engine, self._stage, self.limits, name, uid, self.masks,
                           warm=self.warm)
        task_r, task_w = os.pipe()
        ev_r, ev_w = os.pipe()
        try:
            proc = subprocess.Popen(cmd, stdin=task_r, stdout=ev_w, stderr=subprocess.PIPE,
                                    close_fds=True, start_new_session=True)
        except OSError as err:
            for fd in (task_w, ev_r):
                os.close(fd)
            raise SandboxError(f"could not start a container: {err}") from err
        finally:
            os.close(task_r)
            os.close(ev_w)
        sb = ContainerSandbox(self._engine, name, uid, proc, task_w, ev_r,
                              on_close=self._forget, reap=self._reap_later)
        with self._lock:
            self._live.add(sb)
        return sb

    def _forget(self, sb):
        with self._lock:
            self._live.discard(sb)

    def _reap_later(self, sb):
        t = threading.Thread(target=sb._end, args=(REAP_SECONDS,), daemon=True,
                             name=f"reap-{sb.name}")
        with self._lock:
            self._reapers = [r for r in self._reapers if r.is_alive()] + [t]
        t.start()

    def spawn(self, slot=0, preload=()):
        """A fresh container sandbox for job slot ``slot`` (an int >= 0); returns a
        :class:`ContainerSandbox`. With ``warm``, the one started ahead for this slot
        (a new one is then started for the next call). ``preload`` is accepted for the
        host zygote's interface; a spare container loads pyplot whatever it says."""
        if self._closed:
            raise SandboxError("the container zygote is closed")
        with self._lock:
            sb = self._spares.pop(slot, None)
        if sb is not None and not sb.alive():
            sb.close()
            sb = None
        if sb is None:
            sb = self._start(slot)
        if self.warm:
            spare = self._start(slot)
            with self._lock:
                self._spares[slot] = spare
        return sb

    def close(self):
        """Remove every container this zygote started (spares included), then its
        private folder."""
        self._closed = True
        with self._lock:
            spares = list(self._spares.values())
            self._spares.clear()
        self._engine.remove([sb.name for sb in spares])
        for sb in spares:
            try:
                sb._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            sb.close()
        with self._lock:
            reapers = list(self._reapers)
        for t in reapers:
            t.join()
        with self._lock:
            live = list(self._live)
        for sb in live:  # sandboxes the caller did not close
            sb.close()
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
