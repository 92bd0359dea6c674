"""What runs inside the sandbox: a submission's code, then the check cases.

This module is imported by the sandbox's zygote *before* any student code runs and
imports only the standard library, numpy, :mod:`autograder.plain` (which is
:mod:`coursekit.plain`; ``import coursekit`` alone loads nothing else) and
:mod:`coursekit.own_work` (standard library only). It never sees
the reference implementation, the hidden checks' code or the expected answers: it
receives cells and the cases' *inputs*, and sends back events, one plain-data
message each, on a pipe:

=====================================================  ===================================
event                                                  meaning
=====================================================  ===================================
``{"event": "cell", "i": i, "phase": "done",           cell ``i`` ended; ``error`` is
"error": ..., "kept": n, "dropped": n}``               ``None`` or one line
``{"event": "case", "q": q, "k": k, "phase": "done",   case ``k`` of question ``q`` ended:
"outcome": {...}}``                                    its outcome (see
                                                       :func:`autograder.checks.run_case`)
``{"event": "imports", "blocked": [...]}``             modules the code tried and failed to
                                                       import because they are withheld
``{"event": "done"}``                                  all done
=====================================================  ===================================

Steps run in a fixed order (the cells not skipped, then the cases from ``start``), so
the grader knows which step is under way without being told: a crash or a hang is
blamed on the step after the last one reported. An outcome's ``args_after`` is the
string ``"unchanged"`` when the call left its arguments as they were (the grader then
uses its own copy), which keeps messages small. Three keys appear only when they have
something to say: ``printed`` (the start of what the call printed), ``fp_warnings`` (the
numpy floating-point warnings it raised, recorded and never printed) and
``reads_globals`` (the notebook's numbers and arrays the function reads as globals,
``[[name, value shown], ...]``); the judge turns them into a note or a diagnosis. A
fourth, ``course_tools``, lists the course's own tools the function uses
(:func:`coursekit.own_work.course_tools`, from what the withheld imports would have
bound): a rule of its assignment may forbid them.

Cells are filtered before they run (``mode="definitions"``, the default): only
imports, ``def``/``class`` statements and assignments of constants are kept, so a
training loop, a plot or a stray ``sys.exit()`` at the top level of a cell costs no
time and cannot interfere. ``mode="all"`` runs every statement, like Jupyter.
Every cell runs on its own: one that raises does not stop the next from defining
its functions, and a cell with a syntax error still contributes the ``def`` blocks
that parse on their own.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import dis
import io
import pickle
import struct
import sys
import time
import types

import numpy as np

from coursekit import own_work as _own_work

from . import plain

__all__ = ["WITHHELD", "filter_source", "run_task", "strip_magics"]

#: Packages that submissions may not import while they are graded: the reference and
#: the checks, and ``coursekit``, which holds the judge (and, in the student kit, the
#: public cases' expected values).
WITHHELD = ("course", "autograder", "coursekit")

_KEEP = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_CHEAP_CALL_ROOTS = {"np", "numpy", "math"}
_CHEAP_CALLS = {"sqrt", "log", "exp", "float16", "float32", "float64", "int32", "int64",
                "dtype", "finfo", "iinfo"}


def _is_cheap(node):
    """An expression safe and cheap to evaluate at definition time (constants, names,
    arithmetic on them, containers of them, ``np.float32``-style attributes)."""
    if isinstance(node, ast.Constant | ast.Name):
        return True
    if isinstance(node, ast.Attribute):
        return _is_cheap(node.value)
    if isinstance(node, ast.UnaryOp):
        return _is_cheap(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_cheap(node.left) and _is_cheap(node.right)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(_is_cheap(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is None or _is_cheap(k) for k in node.keys) and all(
            _is_cheap(v) for v in node.values
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        root = node.func
        while isinstance(root, ast.Attribute):
            root = root.value
        return (
            node.func.attr in _CHEAP_CALLS
            and isinstance(root, ast.Name)
            and root.id in _CHEAP_CALL_ROOTS
            and all(isinstance(a, ast.Constant) for a in node.args)
            and all(isinstance(k.value, ast.Constant) for k in node.keywords)
        )
    return False


def _keep(stmt):
    if isinstance(stmt, _KEEP):
        return True
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        return all(isinstance(t, ast.Name) for t in targets) and _is_cheap(stmt.value)
    if isinstance(stmt, ast.Try):  # try: import x / except ImportError: ...
        return all(isinstance(s, ast.Import | ast.ImportFrom) for s in stmt.body)
    return False


def strip_magics(source):
    """Blank out IPython magics and shell escapes (``%matplotlib inline``, ``!pip``)."""
    lines = source.splitlines()
    return "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in lines)


def _chunks(source):
    """Split a source that does not parse into top-level blocks that might."""
    lines = source.splitlines()
    starts = [i for i, ln in enumerate(lines) if ln[:1] not in ("", " ", "\t", "#", ")", "]", "}")]
    starts.append(len(lines))
    for a, b in zip(starts, starts[1:], strict=False):
        yield "\n".join(lines[a:b])


def filter_source(source, mode="definitions"):
    """Parse a cell and keep what should run.

    Returns
    -------
    module : ast.Module
        The statements to run.
    kept, dropped : int
        Counts of top-level statements kept and left out.
    error : str or None
        A syntax error, reported even when parts of the cell could be kept.
    """
    source = strip_magics(source)
    error = None
    try:
        tree = ast.parse(source)
        body = tree.body
    except SyntaxError as err:
        error = f"SyntaxError: {err.msg} (line {err.lineno})"
        body = []
        for chunk in _chunks(source):
            try:
                body.extend(ast.parse(chunk).body)
            except SyntaxError:
                continue
        if mode == "all":  # keep only the definitions that parse
            body = [s for s in body if isinstance(s, _KEEP)]
    kept = body if mode == "all" else [s for s in body if _keep(s)]
    module = ast.Module(body=kept, type_ignores=[])
    return module, len(kept), len(body) - len(kept), error


class _Withhold:
    """A meta-path finder that refuses the withheld packages and remembers who asked."""

    def __init__(self, names):
        self.names = names
        self.blocked = []

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self.names:
            if fullname not in self.blocked:
                self.blocked.append(fullname)
            raise ImportError(
                f"{fullname} is not available while your notebook is graded: "
                "graded functions must be your own code", name=fullname
            )
        return None


def _expected_failure(stmt, exc):
    """Whether a kept statement failed only because of what grading leaves out: an
    import of a withheld package, or an assignment reading a name that was dropped."""
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return isinstance(exc, ImportError) and (exc.name or "").partition(".")[0] in WITHHELD
    return isinstance(stmt, ast.Assign | ast.AnnAssign) and isinstance(exc, NameError)


def _one_line(exc):
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 300 else text[:297] + "..."


def _where(exc):
    """``cell line N`` of the innermost frame that belongs to the student's code."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith("<cell"):
            line = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return "" if line is None else f" ({line[0].strip('<>')}, line {line[1]})"


_ndarray = np.ndarray
_tobytes = np.ndarray.tobytes


def _snapshot(x):
    """A private copy of the (plain-data) arguments, to compare with after the call."""
    t = type(x)
    if t is _ndarray:
        return x.copy()
    if t is list:
        return [_snapshot(v) for v in x]
    if t is tuple:
        return tuple(_snapshot(v) for v in x)
    if t is dict:
        return {k: _snapshot(v) for k, v in x.items()}
    return x  # numbers, strings, None: immutable


def _same(now, before):
    """Exactly as before: same types, same structure, same dtypes, shapes and bytes."""
    t = type(before)
    if type(now) is not t:
        return False
    if t is _ndarray:
        return (now.dtype == before.dtype and now.shape == before.shape
                and _tobytes(now) == _tobytes(before))
    if t is list or t is tuple:
        return len(now) == len(before) and all(map(_same, now, before))
    if t is dict:
        return now.keys() == before.keys() and all(_same(now[k], before[k]) for k in before)
    return now == before or (now != now and before != before)  # NaN is NaN


class _Printed(io.TextIOBase):
    """A graded function's ``print`` during a case: the first 200 characters are kept,
    the rest counted (the copy of :class:`coursekit.judge.Printed`; the sandbox imports
    no checks)."""

    def __init__(self):
        super().__init__()
        self.head, self.total = "", 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        self.total += len(text)
        if len(self.head) < 200:
            self.head += text[:200 - len(self.head)]
        return len(text)


#: numpy's floating-point errors during a case: recorded, never printed (the copy of
#: :data:`coursekit.judge.FP_RECORD`; the sandbox imports no checks).
_FP_RECORD = {"over": "call", "divide": "call", "invalid": "call", "under": "ignore"}


def _call(func, case):
    """Call ``func`` on a case's inputs; the outcome as a dict (see the module docs).

    The inputs were decoded from this task's message for this case alone, so the call
    may change them freely; a snapshot taken before tells whether it did.
    """
    args = tuple(case.get("args", ()))
    kwargs = dict(case.get("kwargs", {}))
    if case.get("np_seed") is not None:
        np.random.seed(case["np_seed"])
    before = _snapshot((args, kwargs))
    out = {"status": "returned", "value": None, "args_after": None, "error": None}
    printed = _Printed()
    warned = set()
    start = time.perf_counter()
    try:
        with np.errstate(**_FP_RECORD, call=lambda kind, _flag: warned.add(kind)), \
                contextlib.redirect_stdout(printed):
            out["value"] = func(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any student error is an outcome
        out["status"] = "raised"
        out["error"] = _one_line(exc) + _where(exc)
    out["seconds"] = time.perf_counter() - start
    if printed.total:          # "do not print": a note in the feedback, no points lost
        out["printed"] = printed.head
    if warned:                 # "without overflow or warnings": judged by the checks
        out["fp_warnings"] = sorted(warned)
    after = (args, kwargs)
    try:
        same = _same(after, before)
    except Exception:  # noqa: BLE001 - a strange object in the arguments: send it all
        same = False
    out["args_after"] = "unchanged" if same else after
    return out


_NUMBER_TYPES = (int, float, complex, np.number)


def _shown(value):
    """A short text for a notebook global's value, at most 40 characters."""
    if type(value) is _ndarray:
        text = repr(value.tolist()) if value.size <= 4 else ""
        return text if text and len(text) <= 40 else f"an array of shape {value.shape}"
    text = str(value) if isinstance(value, np.generic) else repr(value)
    return text if len(text) <= 40 else f"a {type(value).__name__}"


def _global_reads(func, ns):
    """``[[name, value shown], ...]``: the notebook's top-level numbers and arrays that
    ``func`` (a function defined in the notebook, nested code included) reads as globals,
    such as ``m`` (= 5) where ``m = A_prev.shape[1]`` was meant; ``None`` if there are
    none. Cheap: the code's ``co_names`` are matched against the namespace first, and
    the bytecode is read (to drop attribute names such as ``A.T``) only for a match."""
    code = getattr(func, "__code__", None)
    if code is None or getattr(func, "__globals__", None) is not ns:
        return None
    codes, stack = [], [code]
    while stack:
        c = stack.pop()
        codes.append(c)
        stack.extend(k for k in c.co_consts if type(k) is types.CodeType)
    found = {}
    for c in codes:
        for name in c.co_names:
            if name in found or name.startswith("__") or name not in ns:
                continue
            value = ns[name]
            if (isinstance(value, _NUMBER_TYPES) and type(value) is not bool) \
                    or type(value) is _ndarray:
                found[name] = value
    if not found:
        return None
    loaded = {ins.argval for c in codes for ins in dis.get_instructions(c)
              if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    reads = [[name, _shown(value)] for name, value in sorted(found.items()) if name in loaded]
    return reads[:5] or None


#: Frame of a task sent by the grader: magic, then the pickle's length.
TASK_MAGIC = b"TSK1"
_TASK_FRAME = struct.Struct("<4sQ")


def dump_task(task):
    """The grader's message holding ``task`` (bytes), for :func:`read_task`.

    A task goes one way only, from the trusted grader to the sandbox, so it is a pickle
    (about three times cheaper to write and to read than plain data, whose validation
    protects the other direction): the sandbox can only be handed objects the grader
    made. What comes back from the sandbox is always plain data.
    """
    body = pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL)
    return _TASK_FRAME.pack(TASK_MAGIC, len(body)) + body


def read_task(read):
    """Read one task with ``read(n) -> bytes``: a :func:`dump_task` message or, as tests
    and older graders send, a :func:`autograder.plain.dumps` one."""
    head = b""
    while len(head) < 4:
        chunk = read(4 - len(head))
        if not chunk:
            raise EOFError("end of stream")
        head += chunk
    if head != TASK_MAGIC:
        return _plain_after(head, read)
    size = _TASK_FRAME.unpack(head + plain._read_exact(read, 8))[1]
    return pickle.loads(plain._read_exact(read, size))


def _plain_after(head, read):
    """A plain-data message whose first four bytes (``head``) were already read."""
    buf = bytearray(head)

    def read2(n):
        if buf:
            out = bytes(buf[:n])
            del buf[:n]
            return out
        return read(n)

    return plain.read_message(read2)


def run_task(task, emit, mode="definitions"):
    """Run one submission's task and report every step through ``emit(event)``.

    Parameters
    ----------
    task : dict
        ``{"cells": [str, ...], "skip_cells": [int, ...], "questions": [{"name": str,
        "cases": [{"args", "kwargs", "np_seed"}, ...]}, ...], "start": [q, k],
        "mode": "definitions" | "all"}``.
    emit : callable
        Sends one event (a plain-data dict) to the grader.
    """
    t0 = time.perf_counter()
    mode = task.get("mode", mode)
    skip = set(task.get("skip_cells", ()))
    withhold = _Withhold(WITHHELD)
    sys.meta_path.insert(0, withhold)
    for name in list(sys.modules):
        if name.partition(".")[0] in WITHHELD:
            del sys.modules[name]
    main = types.ModuleType("__main__")  # a fresh namespace, like a new kernel's
    main.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = main
    ns = main.__dict__
    withheld = {}  # what the withheld imports would have bound (coursekit.own_work)
    mentions = 0  # "coursekit" in the code, beyond the imports that bind no tool
    for i, source in enumerate(task.get("cells", ())):
        if i in skip:
            continue
        module, kept, dropped, error = filter_source(source, mode)
        mentions += source.count(_own_work.PACKAGES[0])
        for stmt in module.body:
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                bound = _own_work.withheld_bindings(stmt)
                withheld.update(bound)
                mentions -= bool(bound) and not _own_work.relevant(bound)
        # "all" runs the cell as a kernel would: it stops at the first error. In
        # "definitions" mode each kept statement runs on its own, so one that fails does
        # not lose the definitions after it; and two failures are expected, not errors:
        # importing a withheld helper (the notebook's `from coursekit import ...`) and
        # a cheap assignment that reads a name whose statement was left out.
        parts = [module] if mode == "all" else [
            ast.Module(body=[stmt], type_ignores=[]) for stmt in module.body]
        for part in parts:
            try:
                code = compile(part, f"<cell {i + 1}>", "exec")
                with np.errstate(all="ignore"):
                    exec(code, ns)
            except BaseException as exc:  # SystemExit, KeyboardInterrupt included
                if mode != "all" and _expected_failure(part.body[0], exc):
                    kept, dropped = kept - 1, dropped + 1
                    continue
                error = error or _one_line(exc) + _where(exc)
        emit({"event": "cell", "i": i, "phase": "done", "error": error,
              "kept": kept, "dropped": dropped})
    q0, k0 = task.get("start", (0, 0))
    for q, question in enumerate(task.get("questions", ())):
        if q < q0:
            continue
        func = ns.get(question["name"])
        try:  # the notebook globals it reads: a note in the feedback, no points lost
            reads = _global_reads(func, ns) if callable(func) else None
        except Exception:  # noqa: BLE001 - a strange function object: no note
            reads = None
        try:  # the course's own tools it uses: judged by coursekit.own_work's rules
            if not mentions and not _own_work.relevant(withheld):
                tools = None  # nothing in the notebook can reach one: no walk
            elif callable(func):
                tools = _own_work.course_tools(func, withheld)
            else:
                tools = _own_work.course_tools_missing(question["name"], withheld, func)
        except Exception:  # noqa: BLE001 - a strange function object: nothing reported
            tools = None
        for k, case in enumerate(question.get("cases", ())):
            if q == q0 and k < k0:
                continue
            if func is None:
                outcome = {"status": "missing", "error": None}
                if tools:
                    outcome["course_tools"] = tools
            elif not callable(func):
                outcome = {"status": "not_callable", "error": type(func).__name__}
            else:
                try:
                    outcome = _call(func, case)
                except BaseException as exc:  # SystemExit raised by the student's function
                    outcome = {"status": "raised", "error": _one_line(exc)}
                if reads:
                    outcome["reads_globals"] = reads
                if tools:
                    outcome["course_tools"] = tools
            emit({"event": "case", "q": q, "k": k, "phase": "done", "outcome": outcome})
    if withhold.blocked:
        emit({"event": "imports", "blocked": list(withhold.blocked)})
    emit({"event": "done", "seconds": time.perf_counter() - t0})


_WARM_CELLS = [
    "import numpy as np\n",
    "def f1(A, W, b):\n    Z = W @ A + b\n    return Z, (A, W, b)\n",
    "def f2(dZ, cache):\n    A, W, b = cache\n    m = A.shape[1]\n"
    "    return W.T @ dZ, dZ @ A.T / m, np.sum(dZ, axis=1, keepdims=True) / m\n",
    "def f3(dA, Z):\n    s = 1 / (1 + np.exp(-Z))\n"
    "    return dA * s * (1 - s) + dA * (Z > 0) + np.where(Z > 0, dA, 0.01 * dA) "
    "+ dA * (1 - np.tanh(Z) ** 2)\n",
    "def f4(Z):\n    E = np.exp(Z - Z.max(axis=0, keepdims=True))\n"
    "    return E / E.sum(axis=0, keepdims=True), np.maximum(0, Z), np.logaddexp(0, Z)\n",
    "def f5(AL, Y):\n    m = Y.shape[1]\n    P = np.clip(AL, 1e-12, 1 - 1e-12)\n"
    "    return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)) / m)\n",
    "def f6(dims):\n    p = {}\n    for l in range(1, len(dims)):\n"
    "        p['W' + str(l)] = np.random.randn(dims[l], dims[l - 1]) * 0.01\n"
    "        p['b' + str(l)] = np.zeros((dims[l], 1))\n    return p\n",
]


def warm_up(rounds=2):
    """Run a small synthetic task (generic numpy code, no reference) a few times, so that
    the interpreter's specialised bytecode and numpy's caches are ready before the zygote
    forks: each sandbox then starts warm (about half the time of a cold one)."""
    rng = np.random.default_rng(0)
    cases = []
    for n, m in ((3, 4), (2, 1), (5, 7)):
        A, W = rng.standard_normal((n, m)), rng.standard_normal((n, n))
        b = rng.standard_normal((n, 1))
        cases.append({"name": "f1", "cases": [{"args": (A, W, b), "kwargs": {}}]})
        cases.append({"name": "f2", "cases": [{"args": (A, (A, W, b)), "kwargs": {}}]})
        cases.append({"name": "f3", "cases": [{"args": (A, A.astype(np.float32)), "kwargs": {}}]})
        cases.append({"name": "f4", "cases": [{"args": (A,), "kwargs": {}}]})
        cases.append({"name": "f5", "cases": [{"args": (1 / (1 + np.exp(-A)), A > 0),
                                                "kwargs": {}}]})
        cases.append({"name": "f6", "cases": [{"args": ([n, m, 1],), "kwargs": {},
                                                "np_seed": 1}]})
    task = {"cells": _WARM_CELLS, "questions": cases}
    for _ in range(rounds):
        in_process(plain.loads(plain.dumps(task)))


def in_process(task, mode="definitions"):
    """Run a task in this process and return its events, decoded as the grader sees them.

    For tests and debugging only: nothing is isolated.
    """
    events = []
    saved_path, saved_modules = list(sys.meta_path), dict(sys.modules)
    try:
        run_task(task, lambda e: events.append(plain.roundtrip(e)), mode)
    finally:
        sys.meta_path[:] = saved_path
        sys.modules.clear()
        sys.modules.update(saved_modules)
    return events
