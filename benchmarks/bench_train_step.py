#!/usr/bin/env python
"""One training step of ``course.nn`` against PyTorch CPU (``make bench``).

A step is forward, cost, backward and a plain SGD update, on the same network (ReLU
hidden layers), the same initial parameters and the same data, in three engines:

``torch``      ``nn.Sequential`` of ``Linear``/``ReLU``; ``CrossEntropyLoss`` (integer
               labels) or ``BCEWithLogitsLoss``; ``zero_grad``, ``backward``,
               ``optim.SGD.step``; ``loss.item()`` (the numpy engines return the cost too).
``course.nn``  the readable reference path: ``model_forward``, the loss,
               ``model_backward`` (fused ``dZL = AL - Y``), ``update_parameters``.
``fused``      :class:`course.nn.fast.FusedTrainer` (``step`` with the cost).

Cases: (a) 784-256-128-10, batch 256, softmax; (b) 784-512-512-10, batch 1024, softmax;
(c) 2-4-1 on the 400 points of ``course.data.flower``, sigmoid. Each in float32 and
float64, with 1 and 2 threads (``torch.set_num_threads`` and ``threadpoolctl`` for
numpy's BLAS and torch's OpenMP).

Before timing, the script checks that the three engines land on the same parameters
after three steps (it stops with an error if not). Timing is interleaved: in each
repetition every engine runs a block of steps (about 25 ms), in an order that rotates
from one repetition to the next; the table gives the median time per step over the
repetitions and its ratio to torch's median. The garbage collector is off during the
blocks, for every engine.

Peak memory is measured for each engine in its own fresh subprocess (1 thread): the
library is imported and warmed up on a throwaway copy of the problem (BLAS packing
buffers and thread pools belong to the library, not to the step), the data and the model
are built, the kernel's high-water mark is reset (``/proc/self/clear_refs``), and the
peak resident set size during 10 steps is read back (``VmHWM``) minus the resident size
just before them. The children run with ``MALLOC_MMAP_THRESHOLD_=65536``, so that every
array of 64 KiB or more is its own mapping, returned to the system when freed: the
high-water mark then follows the live arrays instead of glibc's heap reuse. For the
numpy engines the peak of ``tracemalloc`` (which sees numpy's array buffers) over the
same steps is given as a cross-check. The process's whole peak (``ru_maxrss``, libraries
included: its ``VmHWM``) is reported too.

Usage::

    python benchmarks/bench_train_step.py                 # the full run, table on stdout
    python benchmarks/bench_train_step.py --write docs/benchmarks.md
    python benchmarks/bench_train_step.py --quick         # a smoke run (a few seconds):
                                                          # the check, case (c), no memory
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from course.data import flower  # noqa: E402
from course.nn import (  # noqa: E402
    LOSSES,
    initialize_parameters,
    model_backward,
    model_forward,
    update_parameters,
)
from course.nn.fast import FusedTrainer  # noqa: E402

CASES = {
    "a": dict(dims=[784, 256, 128, 10], m=256, output="softmax", loss="cross_entropy"),
    "b": dict(dims=[784, 512, 512, 10], m=1024, output="softmax", loss="cross_entropy"),
    "c": dict(dims=[2, 4, 1], m=400, output="sigmoid", loss="binary_cross_entropy"),
}
CASE_NAMES = {
    "a": "(a) 784-256-128-10, batch 256",
    "b": "(b) 784-512-512-10, batch 1024",
    "c": "(c) 2-4-1, 400 points",
}
DTYPES = {"float32": np.float32, "float64": np.float64}
ENGINES = ("torch", "course.nn", "fused")
LR = 0.01
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


# ----------------------------------------------------------------------------- problems
def make_problem(case, dtype, seed=0):
    """Parameters (He init), ``X`` of shape ``(n_0, m)``, integer labels and targets ``Y``."""
    spec = CASES[case]
    dims, m = spec["dims"], spec["m"]
    rng = np.random.default_rng(seed)
    if case == "c":
        X, labels = flower(m=m, seed=seed, dtype=dtype)
        labels = labels.ravel()
        Y = labels.reshape(1, m).astype(dtype)
    else:
        X = rng.standard_normal((dims[0], m)).astype(dtype)
        labels = rng.integers(0, dims[-1], m)
        Y = np.zeros((dims[-1], m), dtype)
        Y[labels, np.arange(m)] = 1
    params = initialize_parameters(dims, "he", seed=seed, dtype=dtype)
    return dict(case=case, dtype=np.dtype(dtype), params=params, X=X, Y=Y, labels=labels, **spec)


class TorchEngine:
    name = "torch"

    def __init__(self, problem):
        import torch
        from torch import nn

        self.torch = torch
        tdtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}
        dtype = tdtype[problem["dtype"]]
        dims, params = problem["dims"], problem["params"]
        layers = []
        for l in range(1, len(dims)):
            lin = nn.Linear(dims[l - 1], dims[l], dtype=dtype)
            with torch.no_grad():  # the same initial parameters as the numpy engines
                lin.weight.copy_(torch.from_numpy(params[f"W{l}"]))
                lin.bias.copy_(torch.from_numpy(params[f"b{l}"][:, 0]))
            layers.append(lin)
            if l < len(dims) - 1:
                layers.append(nn.ReLU())
        self.model = nn.Sequential(*layers)
        # torch puts the batch first: X.T, made contiguous once, outside the timed step.
        self.X = torch.from_numpy(np.ascontiguousarray(problem["X"].T))
        if problem["output"] == "softmax":
            self.y = torch.from_numpy(problem["labels"].astype(np.int64))
            self.loss_fn = nn.CrossEntropyLoss()
        else:
            self.y = torch.from_numpy(np.ascontiguousarray(problem["Y"].T))
            self.loss_fn = nn.BCEWithLogitsLoss()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)

    def step(self):
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.X), self.y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def parameters(self):
        out, l = {}, 0
        for layer in self.model:
            if hasattr(layer, "weight"):
                l += 1
                out[f"W{l}"] = layer.weight.detach().numpy().copy()
                out[f"b{l}"] = layer.bias.detach().numpy().reshape(-1, 1).copy()
        return out


class ReferenceEngine:
    name = "course.nn"

    def __init__(self, problem):
        self.p = problem["params"]
        self.X, self.Y = problem["X"], problem["Y"]
        self.output, self.loss = problem["output"], problem["loss"]

    def step(self):
        AL, caches = model_forward(self.X, self.p, "relu", self.output)
        cost = LOSSES[self.loss].cost(AL, self.Y)
        grads = model_backward(AL, self.Y, caches, "relu", self.output, self.loss)
        self.p = update_parameters(self.p, grads, LR)
        return cost

    def parameters(self):
        return self.p


class FusedEngine:
    name = "fused"

    def __init__(self, problem):
        self.trainer = FusedTrainer(problem["params"], problem["output"])
        self.X, self.Y = problem["X"], problem["Y"]

    def step(self):
        return self.trainer.step(self.X, self.Y, LR)

    def parameters(self):
        return self.trainer.parameters


ENGINE_CLASSES = {"torch": TorchEngine, "course.nn": ReferenceEngine, "fused": FusedEngine}


# ----------------------------------------------------------------------------- threads
class Threads:
    """``n`` threads for torch (intra-op) and for numpy's BLAS and torch's OpenMP."""

    def __init__(self, n):
        self.n = n

    def __enter__(self):
        from threadpoolctl import threadpool_limits

        self._limits = threadpool_limits(limits=self.n)
        self._torch = sys.modules.get("torch")  # only where torch is in use already
        if self._torch is not None:
            self._old = self._torch.get_num_threads()
            self._torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self._torch is not None:
            self._torch.set_num_threads(self._old)
        self._limits.restore_original_limits()


# ----------------------------------------------------------------------------- checks
def run_check(engine, case, dtype_name, steps=3):
    """(parameters, costs) of ``engine`` after ``steps`` steps on a fresh problem."""
    eng = ENGINE_CLASSES[engine](make_problem(case, DTYPES[dtype_name]))
    costs = [eng.step() for _ in range(steps)]
    return eng.parameters(), costs


def check_same_step(workers, case, dtype_name, tmpdir):
    """Stop with an error unless the three engines reach the same parameters and costs."""
    got = {}
    for name in ENGINES:  # each engine in its worker, so that torch stays out of this process
        path = Path(tmpdir) / f"{name}-{case}-{dtype_name}.npz"
        workers.ask(name, f"check {case} {dtype_name} {path}")
        with np.load(path) as f:
            got[name] = {k: f[k] for k in f.files}
    dtype = np.dtype(DTYPES[dtype_name])
    tol = dict(rtol=1e-4, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-12)
    ref = got["torch"]
    for name in ENGINES[1:]:
        for k, want in ref.items():
            np.testing.assert_allclose(
                got[name][k], want, err_msg=f"{name} vs torch, case {case} {dtype_name}: {k}",
                **tol,
            )
            if k != "costs":
                assert got[name][k].dtype == dtype, f"{name} turned {k} into {got[name][k].dtype}"


# ----------------------------------------------------------------------------- timing
def worker(engine):
    """A timing worker: one engine in its own process, driven line by line on stdin.

    ``setup CASE DTYPE THREADS`` builds the problem and the engine, warms it up and
    answers the time of one step; ``run K`` answers the seconds taken by K steps;
    ``check CASE DTYPE PATH`` saves the parameters and costs of 3 steps on a fresh
    problem; ``info`` answers :func:`machine`. Answers are JSON lines.
    """
    eng, threads = None, None
    for line in sys.stdin:
        cmd = line.split()
        if cmd[0] == "setup":
            if threads is not None:
                threads.__exit__(None, None, None)
            eng = None
            gc.collect()
            threads = Threads(int(cmd[3])).__enter__()
            eng = ENGINE_CLASSES[engine](make_problem(cmd[1], DTYPES[cmd[2]]))
            for _ in range(3):
                eng.step()
            t0 = time.perf_counter()
            for _ in range(3):
                eng.step()
            answer = (time.perf_counter() - t0) / 3
        elif cmd[0] == "check":
            params, costs = run_check(engine, cmd[1], cmd[2])
            np.savez(cmd[3], costs=np.array(costs), **params)
            answer = 0
        elif cmd[0] == "info":
            answer = machine()
        elif cmd[0] == "run":
            gc.disable()
            t0 = time.perf_counter()
            for _ in range(int(cmd[1])):
                eng.step()
            answer = time.perf_counter() - t0
            gc.enable()
        else:
            break
        print(json.dumps(answer), flush=True)


class Workers:
    """One timing worker process per engine (own allocator, thread pools and caches)."""

    def __init__(self):
        self.procs = {
            name: subprocess.Popen(
                [sys.executable, __file__, "--_worker", name],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            )
            for name in ENGINES
        }

    def ask(self, name, line):
        proc = self.procs[name]
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        answer = proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"the {name} worker died (see its stderr above)")
        return json.loads(answer)

    def close(self):
        for proc in self.procs.values():
            proc.stdin.close()
            proc.wait(timeout=30)


def _busy_ticks(pids):
    """(clock ticks of CPU time used by the whole machine, by these processes and us)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    machine = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
    ours = 0
    for pid in [*pids, os.getpid()]:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read().rsplit(")", 1)[1].split()
        ours += int(stat[11]) + int(stat[12])  # utime, stime
    return machine, ours


def time_case(workers, case, dtype_name, threads, reps, block_s):
    """Median seconds per step for each engine, interleaved repetitions.

    With 2 threads the script waits 0.1 s after each block: OpenBLAS's idle threads spin
    for about 2**28 cycles after a call, and would otherwise steal a core from the engine
    that runs next.
    """
    steps = {}
    for name in ENGINES:
        per = workers.ask(name, f"setup {case} {dtype_name} {threads}")
        steps[name] = max(1, int(block_s / per))
    pause = 0.1 if threads > 1 else 0.0
    times = {name: [] for name in ENGINES}
    pids = [p.pid for p in workers.procs.values()]
    t_start, (busy0, ours0) = time.perf_counter(), _busy_ticks(pids)
    for r in range(reps):
        for i in range(len(ENGINES)):
            name = ENGINES[(i + r) % len(ENGINES)]
            times[name].append(workers.ask(name, f"run {steps[name]}") / steps[name])
            time.sleep(pause)
    busy1, ours1 = _busy_ticks(pids)
    ticks = os.sysconf("SC_CLK_TCK") * (time.perf_counter() - t_start) * (os.cpu_count() or 1)
    out = {name: statistics.median(v) for name, v in times.items()}
    # CPU used by other processes meanwhile, as a share of the machine (all cores).
    out["others"] = max(0.0, (busy1 - busy0) - (ours1 - ours0)) / ticks
    return out


# ----------------------------------------------------------------------------- memory
def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def memory_child(engine, case, dtype_name, steps=10):
    """Run in a fresh process: print a JSON line with the engine's peak memory."""
    import tracemalloc

    dtype = DTYPES[dtype_name]
    # Warm the library up on a throwaway copy of the problem (thread pools, the autograd
    # engine, BLAS packing buffers, which the library keeps), then free it.
    warm = ENGINE_CLASSES[engine](make_problem(case, dtype, seed=1))
    for _ in range(3):
        warm.step()
    del warm
    problem = make_problem(case, dtype)
    eng = ENGINE_CLASSES[engine](problem)
    gc.collect()
    # VmHWM, not ru_maxrss: the latter survives exec, so it would start at the parent's peak.
    process_peak_kb = _status_kb("VmHWM")
    with open("/proc/self/clear_refs", "w") as f:  # reset VmHWM to the current RSS
        f.write("5")
    base_kb = _status_kb("VmRSS")
    tracemalloc.start()
    for _ in range(steps):
        eng.step()
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_kb = _status_kb("VmHWM")
    process_peak_kb = max(process_peak_kb, peak_kb)
    print(json.dumps(dict(
        engine=engine, case=case, dtype=dtype_name,
        step_peak_kb=peak_kb - base_kb,
        traced_kb=None if engine == "torch" else traced / 1024,
        process_peak_kb=process_peak_kb,
    )))


def measure_memory(engine, case, dtype_name):
    env = dict(
        os.environ, MALLOC_MMAP_THRESHOLD_="65536", OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
    )
    out = subprocess.run(
        [sys.executable, __file__, "--_memory-child", engine, case, dtype_name],
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )
    if out.returncode != 0:
        raise RuntimeError(f"memory child {engine} {case} {dtype_name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- report
def _torch_info():
    torch = sys.modules.get("torch")
    if torch is None:
        return {}
    return dict(torch=torch.__version__,
                torch_blas="MKL" if torch.backends.mkl.is_available() else "?")


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = re.findall(r"model name\s*:\s*(.+)", f.read())
        if names:
            cpu = names[0]
    except OSError:  # pragma: no cover
        pass
    from threadpoolctl import threadpool_info

    blas = [
        f"{i['internal_api']} {i.get('version') or ''} ({i.get('architecture') or '?'})"
        for i in threadpool_info() if i["user_api"] == "blas"
    ]
    return dict(
        cpu=cpu, cores=os.cpu_count(), python=platform.python_version(),
        numpy=np.__version__, numpy_blas=", ".join(blas) or "?",
        **_torch_info(),
    )


def fmt_ms(s):
    return f"{s * 1e3:.3f}" if s < 0.01 else f"{s * 1e3:.2f}"


def markdown(results, memory, info, load_before, load_after, when, args):
    lines = [
        f"Measured {when} on {info['cpu']} ({info['cores']} cores), Python {info['python']}, "
        f"numpy {info['numpy']} ({info['numpy_blas']}), torch {info['torch']} "
        f"({info['torch_blas']}). Load average (1, 5, 15 min) "
        f"{' '.join(f'{x:.2f}' for x in load_before)} before, "
        f"{' '.join(f'{x:.2f}' for x in load_after)} after (these count the benchmark's own "
        f"processes; the per-row *other load* below does not). "
        f"{args.reps} interleaved repetitions of about {args.block * 1e3:.0f} ms per engine.",
        "",
        "Time per training step (median, milliseconds) and ratio to torch (below 1: faster). "
        "*other load*: CPU time used by other processes while the row was measured, as a "
        "share of the machine's cores (from /proc/stat minus the benchmark's own processes); "
        "rows measured above a few percent are disturbed, the 2-thread ones most:",
        "",
        "| case | dtype | threads | torch ms | course.nn ms | fused ms "
        "| course.nn / torch | fused / torch | other load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (case, dt, th), r in results.items():
        t = r["torch"]
        lines.append(
            f"| {CASE_NAMES[case]} | {dt} | {th} | {fmt_ms(t)} | {fmt_ms(r['course.nn'])} | "
            f"{fmt_ms(r['fused'])} | {r['course.nn'] / t:.2f}x | {r['fused'] / t:.2f}x | "
            f"{r['others']:.0%} |"
        )
    if memory:
        lines += [
            "",
            "Peak memory of 10 training steps above the memory held before them (KiB, RSS "
            "high-water mark, each engine in a fresh process, 1 thread); `tracemalloc` "
            "peak of numpy's allocations in brackets; and the whole process's peak RSS "
            "(MiB, libraries included):",
            "",
            "| case | dtype | torch KiB | course.nn KiB | fused KiB | fused / torch "
            "| process MiB: torch, course.nn, fused |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        for (case, dt), r in memory.items():
            t, c, f = r["torch"], r["course.nn"], r["fused"]
            ratio = (f"{f['step_peak_kb'] / t['step_peak_kb']:.2f}x" if t["step_peak_kb"] > 0
                     else "n/a")
            lines.append(
                f"| {CASE_NAMES[case]} | {dt} | {t['step_peak_kb']} | "
                f"{c['step_peak_kb']} ({c['traced_kb']:.0f}) | "
                f"{f['step_peak_kb']} ({f['traced_kb']:.0f}) | {ratio} | "
                + ", ".join(f"{r[e]['process_peak_kb'] / 1024:.0f}" for e in ENGINES) + " |"
            )
    return "\n".join(lines) + "\n"


def write_doc(path, table):
    path = Path(path)
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip() + f"\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{table}{END}{tail}")


# ----------------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: the check, then a few "
                        "steps of case (c), float32, 1 thread, no memory children")
    parser.add_argument("--write", metavar="PATH", help="also put the tables into this markdown "
                        f"file, between {BEGIN} and {END}")
    parser.add_argument("--cases", default="abc", help="which of a, b, c (default: abc)")
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--reps", type=int, default=31, help="interleaved repetitions")
    parser.add_argument("--block", type=float, default=0.025, help="seconds per timed block")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory children")
    parser.add_argument("--_memory-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--_worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args._memory_child:
        memory_child(*args._memory_child)
        return 0
    if args._worker:
        worker(args._worker)
        return 0
    if args.quick:  # the check, then a few timed steps of (c); no memory children
        args.cases, args.dtypes, args.threads = "c", "float32", "1"
        args.reps, args.block, args.no_memory = 3, 0.005, True

    cases = [c for c in args.cases if c in CASES]
    dtypes = args.dtypes.split(",")
    threads = [int(t) for t in args.threads.split(",")]

    workers = Workers()
    try:
        with tempfile.TemporaryDirectory() as tmpdir:
            for case in sorted(set(cases) | ({"a"} if args.quick else set())):
                for dt in dtypes:
                    check_same_step(workers, case, dt, tmpdir)
        print("check: torch, course.nn and fused reach the same parameters and costs "
              "after 3 steps", file=sys.stderr)
        info = workers.ask("torch", "info")
        load_before = os.getloadavg()
        when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        results = {}
        for case in cases:
            for dt in dtypes:
                for th in threads:
                    results[case, dt, th] = time_case(workers, case, dt, th, args.reps, args.block)
                    r = results[case, dt, th]
                    print(f"{case} {dt} {th}: " + ", ".join(
                        f"{k} {fmt_ms(r[k])} ms" for k in ENGINES)
                        + f", other load {r['others']:.0%}", file=sys.stderr)
    finally:
        workers.close()
    memory = {}
    if not args.no_memory:  # after the timings; RSS does not mind children running side by side
        jobs = [(e, case, dt) for case in cases for dt in dtypes for e in ENGINES]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for (e, case, dt), r in zip(jobs, pool.map(lambda j: measure_memory(*j), jobs),
                                        strict=True):
                memory.setdefault((case, dt), {})[e] = r
    load_after = os.getloadavg()
    table = markdown(results, memory, info, load_before, load_after, when, args)
    print(table)
    if args.write:
        write_doc(args.write, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
