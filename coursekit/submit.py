"""``grader.submit()``: check the saved notebook and write the file to hand in.

The steps, in order (each needs the one before it):

1. **find** the notebook: the path given, else the one this kernel runs for (JupyterLab
   and Notebook 7 tell the kernel: ``__session__`` in the notebook's namespace, set by
   ipykernel from ``JPY_SESSION_NAME``; VS Code's ``__vsc_ipynb_file__``), else the only
   notebook of the working folder;
2. **read** the *saved* file (what is handed in) and its assignment: the release's stamp
   (``metadata.course.assignment``), else the notebook's ``grader.check_all("...")`` cell;
3. **static check**: every graded function of the assignment is defined in the saved
   file and none is still a stub (a top-level ``raise NotImplementedError()``); a function
   of this kernel whose source differs from the saved one means the notebook was not saved
   since (or the cell was not run again);
4. **fresh run**: the saved notebook top to bottom in a new kernel (nbclient, which
   JupyterLab installs with ``jupyter_server``), within a time limit for all its cells
   (kernel start not counted); the first cell that raises or runs out of time is reported,
   and the public checks run at the end give the results of the manifest. Cells that call
   ``submit`` are skipped there, and a ``submit()`` reached anyway does nothing
   (:data:`SUBMITTING_ENV`);
5. **write** ``<assignment>-<student>.zip`` next to the notebook: the notebook as saved and
   ``manifest.json`` (:func:`manifest`), which ``course collect`` reads;
6. **say** where it is and what to do with it, in one report (:class:`SubmitReport`:
   HTML in Jupyter, text elsewhere).

Ordinary problems (no notebook found, stubs, a failing cell, no nbclient) never raise:
they are listed in the report, and the zip is still written when the notebook could be
read, because handing in partial work is the student's call. The report says first
whether the hand-in is complete.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import getpass
import html
import json
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from . import registry
from .cells import CellNames, misspelled

__all__ = ["DEFAULT_TIMEOUT", "MANIFEST", "SUBMITTING_ENV", "SubmitReport", "find_notebook",
           "manifest", "read_assignment", "static_check", "submit"]

#: Seconds the fresh run may take for all the notebook's cells (kernel start excluded).
DEFAULT_TIMEOUT = 300.0
#: The manifest's file name inside the zip (``course collect`` reads it).
MANIFEST = "manifest.json"
#: Set in the environment of the fresh kernel: a ``submit()`` run there does nothing.
SUBMITTING_ENV = "COURSEKIT_SUBMITTING"
#: Format of the manifest.
FORMAT = 1
#: How the results cell of the fresh run marks its output lines.
_MARK = "coursekit-public-results:"
_READS = "coursekit-global-reads:"

_WHAT_TO_DO = (
    "Hand it in: upload this zip file to the assignment's page on your course's site "
    "(Moodle, Canvas, ...). If your course runs nbgrader on a JupyterHub, submit with the "
    "Assignments tab's Submit button (or `nbgrader submit` in a terminal) instead; the zip "
    "is then not needed.")
_SAVE_FIRST = ("The saved file is what is handed in: save (Ctrl+S, or File > Save Notebook) "
               "before you run grader.submit().")


class SubmitReport:
    """What :func:`submit` returns: the file written and what was found on the way.

    Attributes
    ----------
    notebook : Path or None
        The notebook checked (``None`` if it could not be found).
    assignment : str or None
    student : str or None
    student_from : str or None
        ``"the argument student="`` or ``"your login name (getpass.getuser())"``.
    path : Path or None
        The zip written (``None`` if none was).
    problems : list of str
        What makes the hand-in incomplete (missing or stub functions, a cell that
        raises, a time limit), in the order found.
    notes : list of str
        What is worth knowing (unsaved changes, how the run went, nbclient missing).
    results : dict
        Public results, function name -> ``{"score", "max_score"}``.
    results_from : str or None
        ``"a fresh kernel"`` or ``"this kernel"``.
    seconds : float
        Time of the fresh run.
    """

    def __init__(self):
        self.notebook = self.assignment = self.student = self.student_from = None
        self.path = None
        self.problems, self.notes = [], []
        self.results, self.results_from = {}, None
        self.seconds = 0.0
        self.error = None          # why nothing could be written (one line)
        self.skipped = None        # why nothing was done (inside the fresh run)
        self.replaced = False

    @property
    def ok(self) -> bool:
        """A zip was written and nothing is missing or failing."""
        return self.path is not None and not self.problems

    @property
    def score(self):
        return round(sum(r["score"] for r in self.results.values()), 10)

    @property
    def max_score(self):
        return round(sum(r["max_score"] for r in self.results.values()), 10)

    def _head(self):
        """The headline without the zip's path, and the path (``None`` if none)."""
        if self.skipped:
            return self.skipped, None
        if self.error:
            return f"Not submitted: {self.error}", None
        if self.ok:
            return "Ready to hand in: ", self.path
        return (f"Written, but not complete ({len(self.problems)} "
                f"problem{'s' if len(self.problems) != 1 else ''} below): ", self.path)

    def _headline(self):
        text, path = self._head()
        return text + (f"`{path}`" if path is not None else "")

    def _lines(self):
        """``(kind, text)`` for everything below the headline."""
        out = [("problem", p) for p in self.problems]
        if self.path is not None:
            if self.results:
                out.append(("info", f"Public checks ({self.results_from}): "
                                    f"{self.score:.3g} / {self.max_score:g} points"))
            out.append(("info", f"Student: {self.student} (from {self.student_from}; "
                                "if that is not the id your course knows you by, run "
                                "`grader.submit(student=\"your id\")`)"))
        out += [("note", n) for n in self.notes]
        if self.path is not None:
            out.append(("todo", _WHAT_TO_DO))
        if not self.skipped:
            out.append(("note", _SAVE_FIRST))
        return out

    def __str__(self):
        lines = [self._headline()]
        for kind, text in self._lines():
            lead = {"problem": "  - To fix: ", "todo": "  Next: "}.get(kind, "  ")
            lines.append(lead + text)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        from .judge import code_html

        if self.skipped:
            return f"<div style='text-align:left'>{html.escape(self.skipped)}</div>"
        color = ("var(--jp-success-color1, #1a7f37)" if self.ok else
                 "var(--jp-error-color1, #b42318)" if self.path is None else
                 "var(--jp-warn-color1, #9a6700)")
        text, path = self._head()
        # a long path wraps anywhere (code elsewhere does not wrap: it would scroll)
        shown = ("" if path is None else "<code style='overflow-wrap:anywhere;"
                 f"white-space:normal'>{html.escape(str(path))}</code>")
        head = (f"<div class='coursekit-submit' style='text-align:left'>"
                f"<b style='color:{color}'>{code_html(text)}{shown}</b>")
        items = []
        for kind, text in self._lines():
            lead = {"problem": "<b>To fix</b>: ", "todo": "<b>Next</b>: "}.get(kind, "")
            items.append(f"<li>{lead}{code_html(text)}</li>")
        return head + f"<ul style='text-align:left;margin:0.3em 0'>{''.join(items)}</ul></div>"


# --------------------------------------------------------------------------- 1. find
def find_notebook(path=None, namespace=None):
    """``(Path, how)`` of the notebook to submit, or ``(None, why)``.

    Parameters
    ----------
    path : str or Path, optional
        Given by the student; relative to the working folder.
    namespace : dict, optional
        The notebook's globals (where ipykernel puts ``__session__``).
    """
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_absolute():
            p = Path.cwd() / p
        if p.suffix != ".ipynb":
            return None, f"{path} is not a notebook: give the .ipynb file's name"
        if not p.is_file():
            return None, f"there is no notebook {p}: check the file's name and folder"
        return p, "the path you gave"
    namespace = namespace or {}
    tried = []
    # (how it was found, as the report says it: "Checked X (found from <how>)")
    for source, value in (("the notebook this kernel runs for", namespace.get("__session__")),
                          ("the notebook this kernel runs for (JPY_SESSION_NAME)",
                           os.environ.get("JPY_SESSION_NAME")),
                          ("the notebook VS Code runs", namespace.get("__vsc_ipynb_file__"))):
        if not value or not str(value).endswith(".ipynb"):
            continue
        for p in (Path(value), Path.cwd() / value, Path.cwd() / Path(value).name):
            if p.is_file():
                return p.resolve(), source
        tried.append(str(value))
    here = sorted(p for p in Path.cwd().glob("*.ipynb") if not p.name.startswith("."))
    if len(here) == 1 and not tried:
        return here[0], "the only notebook in this folder"
    why = ("cannot tell which notebook this is"
           + (f" ({', '.join(tried)} is not a file here)" if tried else "")
           + ": give its name, for example grader.submit(\"03_one_layer_at_a_time.ipynb\")")
    return None, why


# --------------------------------------------------------------------------- 2. read
def _source(cell):
    src = cell.get("source", "")
    return src if isinstance(src, str) else "".join(src)


def _code_cells(nb):
    """``(k, source)`` of every code cell, ``k`` counting code cells from 0 (the numbering
    of :class:`coursekit.cells.CellNames`)."""
    return list(enumerate(_source(c) for c in nb.get("cells", [])
                          if c.get("cell_type") == "code"))


def read_assignment(nb):
    """``(assignment, how)`` of a notebook (a dict), or ``(None, why)``: its release stamp,
    else the assignment named in its ``check_all("...")`` cell."""
    known = registry.assignments()
    stamp = (nb.get("metadata", {}).get("course") or {}).get("assignment")
    if isinstance(stamp, str) and stamp:
        if stamp in known:
            return stamp, "the notebook's release stamp"
        return None, (f"this notebook is for {stamp!r}, which this kit does not know: install "
                      "the newest kit your course gives out")
    for _, src in _code_cells(nb):
        for m in re.finditer(r"check_all\(\s*['\"]([\w.-]+)['\"]", src):
            if m[1] in known:
                return m[1], "its check_all cell"
    return None, ("cannot tell which assignment this notebook is (no release stamp and no "
                  "grader.check_all(\"...\") cell): submit the notebook your course released")


def _parse(src):
    """The cell's module AST, IPython's magics turned into Python first when needed;
    ``None`` for a cell that is not Python."""
    try:
        return ast.parse(src)
    except SyntaxError:
        pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return ast.parse(TransformerManager().transform_cell(src))
    except Exception:  # noqa: BLE001 - not Python even after IPython's transforms
        return None


def static_check(nb, names):
    """What the saved notebook defines of ``names``.

    Returns
    -------
    defs : dict
        name -> ``(k, source of its last top-level def)``, ``k`` the code cell (from 0).
    problems : list of str
        Missing functions, stubs, and cells with a syntax error, each cell named as the
        student finds it (:class:`coursekit.cells.CellNames`).
    """
    from ._grader import _raises_not_implemented

    cells = CellNames.of_notebook(nb, names)
    defs, stubs, broken, others = {}, {}, [], []
    for number, src in _code_cells(nb):
        tree = _parse(src)
        if tree is None:
            if src.strip():
                broken.append(f"{cells.name(number)} is not valid Python: fix its syntax "
                              "error")
            continue
        others += [node.name for node in tree.body
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
                defs[node.name] = (number, ast.get_source_segment(src, node) or "")
                if any(_raises_not_implemented(s) for s in node.body):
                    stubs[node.name] = number
                else:
                    stubs.pop(node.name, None)
    problems = list(broken)
    missing = [n for n in names if n not in defs]
    if missing:
        renamed = [f"{', '.join(close)} instead of {n}" for n in missing
                   if (close := misspelled(n, others))]
        problems.append(f"not defined in the saved notebook: {', '.join(missing)} (they score "
                        "0; write them in their cells and save)"
                        + (f"; it defines {'; '.join(renamed)}: a graded function keeps "
                           "the name the assignment gives it" if renamed else ""))
    if stubs:
        listed = ", ".join(f"{n} ({cells.where(c)})" for n, c in stubs.items())
        problems.append(f"still stubs: {listed}: replace `raise NotImplementedError()` with "
                        "your code (they score 0 as they are)")
    return defs, problems


def _unsaved(defs, spaces):
    """Graded functions whose source in this kernel differs from the saved file's."""
    import inspect

    differ = []
    for name, (_, saved) in defs.items():
        func = next((ns[name] for ns in spaces if callable(ns.get(name))), None)
        if func is None:
            continue
        try:
            live = inspect.getsource(func)
        except (OSError, TypeError):
            continue
        if _normal(live) != _normal(saved):
            differ.append(name)
    return differ


def _normal(src):
    return "\n".join(ln.rstrip() for ln in src.strip().splitlines())


# --------------------------------------------------------------------------- 4. run
def _calls_submit(src):
    """Whether a cell calls ``grader.submit(...)`` or ``submit(...)`` (skipped in the fresh
    run: it would submit again from inside the submission)."""
    if re.search(r"\bgrader\s*\.\s*submit\s*\(", src):    # in a magic's argument too
        return True
    tree = _parse(src)
    if tree is None:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id == "submit" or isinstance(f, ast.Attribute) \
                    and f.attr == "submit" and isinstance(f.value, ast.Name) \
                    and f.value.id in ("grader", "coursekit"):
                return True
    return False


def _results_cell(assignment):
    """The cell run after the notebook's: the public checks' results, and what the check
    cell says of a graded function that reads notebook variables (fine in a kernel that
    ran everything, wrong or missing when the notebook is graded)."""
    return ("import json as _ck_json\nfrom coursekit import grader as _ck_grader\n"
            f"_ck_summary = _ck_grader.check_all({assignment!r})\n"
            f"print({_MARK!r} + _ck_json.dumps({{_r.name: [float(_r.score), "
            "float(_r.max_score)] for _r in _ck_summary.reports}))\n"
            "from coursekit._grader import _global_note, notebook_globals\n"
            f"_ck_reads = [_global_note(_n, notebook_globals(globals()[_n])) for _n in "
            f"{registry.assignments()[assignment]!r} if callable(globals().get(_n)) and "
            "notebook_globals(globals()[_n])]\n"
            f"print({_READS!r} + _ck_json.dumps(_ck_reads))\n")


def _error_text(cell):
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            value = str(o.get("evalue", ""))
            value = value if len(value) <= 200 else value[:197] + "..."
            return f"{o.get('ename', 'an error')}: {value}" if value else o.get("ename", "")
    return "an error"


def fresh_run(nb, folder, assignment, timeout=DEFAULT_TIMEOUT):
    """Run the notebook ``nb`` (a dict) top to bottom in a new kernel, in ``folder``.

    Returns
    -------
    dict
        ``available`` (bool, and ``why`` when not), ``failure`` (``None`` or one line
        naming the first cell that raised or ran out of time), ``results`` (name ->
        ``[score, max_score]`` from the public checks run after the cells, ``None`` if they
        could not run), ``seconds`` and, when a graded function reads notebook variables,
        ``reads`` (the check cell's notes on it).
    """
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    except ImportError as err:
        return {"available": False, "why": (
            f"the notebook was not run in a fresh kernel: {err.name or 'nbclient'} is not "
            "installed here (`pip install nbclient`, which JupyterLab normally brings); do "
            "Kernel > Restart Kernel and Run All Cells yourself and check that no cell fails")}
    copy = json.loads(json.dumps(nb))
    copy["nbformat_minor"] = max(5, int(copy.get("nbformat_minor") or 0))
    for i, cell in enumerate(copy["cells"]):     # (cells of older notebooks have no id)
        cell.setdefault("id", f"coursekit-{i}")
    run = nbformat.reads(json.dumps(copy), as_version=4)
    # the run's cells are the code cells in order (then the results cell): index k of
    # the run is code cell k, named from the notebook as saved
    names = CellNames.of_notebook(nb, registry.assignments().get(assignment, ()))

    def named(index):
        return (names.name(index) if index < len(names)
                else "the public checks run after your cells")

    cells = []
    for cell in run.cells:
        if cell.cell_type == "code":
            src = _source(cell)
            if _calls_submit(src):
                cell.source = "# (this cell calls submit: skipped while submitting)"
            cell.outputs = []
            cells.append(cell)
    run.cells = cells + [nbformat.v4.new_code_cell(_results_cell(assignment))]
    kernel = (nb.get("metadata", {}).get("kernelspec") or {}).get("name") or "python3"
    client = NotebookClient(run, timeout=max(1, int(timeout)), kernel_name=kernel,
                            allow_errors=False, shutdown_kernel="immediate",
                            startup_timeout=120, resources={"metadata": {"path": str(folder)}})
    env = dict(os.environ, **{SUBMITTING_ENV: "1"})
    out = {"available": True, "failure": None, "results": None, "seconds": 0.0}
    state = {}

    async def go():
        # the kernel's own log (a TCP warning...) would land in the student's cell
        async with client.async_setup_kernel(env=env, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL):
            t0 = time.monotonic()
            deadline = t0 + timeout
            for index, cell in enumerate(run.cells):
                last = index == len(run.cells) - 1
                if out["failure"] is not None and not last:
                    continue
                # the notebook's cells share one budget; the results cell gets its own
                client.timeout = max(1, int(deadline - time.monotonic() + 0.999)) \
                    if not last else 120
                try:
                    await client.async_execute_cell(cell, index,
                                                    execution_count=index + 1)
                except CellTimeoutError:
                    if not last:
                        out["failure"] = (
                            f"{named(index)} did not finish within the time limit "
                            f"({timeout:g} s for the whole notebook): look for an endless "
                            "loop or a very long training")
                        out["seconds"] = time.monotonic() - t0
                    break        # the kernel is busy: it is shut down, results from here
                except DeadKernelError:
                    out["failure"] = (f"{named(index)} stopped the kernel (it crashed or "
                                      "exited): remove what ends the process")
                    break
                except CellExecutionError:
                    if last:
                        break
                    out["failure"] = (f"{named(index)} raises {_error_text(cell)}: in a "
                                      "fresh kernel the cells run in order, top to bottom; "
                                      "fix it, save, and submit again")
                if not last:
                    out["seconds"] = time.monotonic() - t0
            for o in run.cells[-1].get("outputs", []):
                text = o.get("text", "") if o.get("output_type") == "stream" else ""
                for line in text.splitlines():
                    if line.startswith(_MARK):
                        out["results"] = json.loads(line[len(_MARK):])
                    elif line.startswith(_READS):
                        out["reads"] = [str(n) for n in json.loads(line[len(_READS):])]

    def worker():
        loop = asyncio.new_event_loop()
        state["loop"] = loop
        try:
            state["task"] = loop.create_task(go())
            loop.run_until_complete(state["task"])
        except BaseException as err:  # noqa: BLE001 - reported to the caller's thread
            state["error"] = err
        finally:
            # nbclient's output pollers of a cell that timed out are still pending: end
            # them, or asyncio prints "Task was destroyed but it is pending!" to stderr
            # (the student's cell) when they are collected
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    thread = threading.Thread(target=worker, name="coursekit-submit", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        # the student pressed stop: cancel the run (its kernel is shut down) and go on
        loop, task = state.get("loop"), state.get("task")
        if loop is not None and task is not None:
            loop.call_soon_threadsafe(task.cancel)
        thread.join(30)
        return {"available": True, "failure": "the fresh run was interrupted (you stopped "
                "the cell); nothing was checked after that", "results": None,
                "seconds": out["seconds"]}
    err = state.get("error")
    if err is not None and not isinstance(err, asyncio.CancelledError):
        return {"available": False, "why": (
            f"the notebook could not be run in a fresh kernel ({type(err).__name__}: "
            f"{str(err)[:200]}); do Kernel > Restart Kernel and Run All Cells yourself and "
            "check that no cell fails")}
    return out


# --------------------------------------------------------------------------- 5. write
def kit_version():
    """This kit's version (:data:`coursekit.__version__`)."""
    import coursekit

    return coursekit.__version__


def manifest(report, nb):
    """The manifest of a hand-in: a dict with ``format``, ``student``, ``student_from``,
    ``assignment``, ``notebook`` (its file name), ``created`` (UTC, ISO 8601),
    ``kit_version``, ``release`` and ``release_version`` (the notebook's stamp, if any),
    ``public_results`` (name -> ``{"score", "max_score"}``), ``public_total``,
    ``results_from`` and ``problems``."""
    stamp = nb.get("metadata", {}).get("course") or {}
    return {
        "format": FORMAT,
        "student": report.student,
        "student_from": report.student_from,
        "assignment": report.assignment,
        "notebook": report.notebook.name,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "kit_version": kit_version(),
        "release": stamp.get("release"),
        "release_version": stamp.get("version"),
        "public_results": report.results,
        "public_total": {"score": report.score, "max_score": report.max_score},
        "results_from": report.results_from,
        "problems": list(report.problems),
    }


_UNSAFE = re.compile(r"[^A-Za-z0-9_.@+-]+")


def _safe(text):
    return _UNSAFE.sub("_", str(text)).strip("._") or "student"


def _student(student):
    if student is not None:
        if not str(student).strip():
            return None, "the argument student= is empty: give your id"
        return str(student).strip(), "the argument student="
    try:
        return getpass.getuser(), "your login name (getpass.getuser())"
    except (OSError, KeyError, ImportError):
        return None, ("cannot tell who you are from this computer: give your id, for example "
                      "grader.submit(student=\"s1234567\")")


# --------------------------------------------------------------------------- submit
def submit(path=None, student=None, timeout=DEFAULT_TIMEOUT, out=None, spaces=None):
    """Check the saved notebook and write ``<assignment>-<student>.zip`` to hand in.

    Parameters
    ----------
    path : str or Path, optional
        The notebook (default: the one this kernel runs for).
    student : str, optional
        Your id (default: your login name, ``getpass.getuser()``).
    timeout : float
        Seconds the fresh run of all cells may take.
    out : str or Path, optional
        Folder of the zip (default: the notebook's).
    spaces : list of dict, optional
        The notebook's namespaces (to compare its functions with the saved file).

    Returns
    -------
    SubmitReport
        Never raises for an ordinary problem: the report says what went wrong.
    """
    report = SubmitReport()
    if os.environ.get(SUBMITTING_ENV):
        report.skipped = "(grader.submit() does nothing while the notebook is being submitted)"
        return report
    try:
        _submit(report, path, student, timeout, out, spaces or [])
    except Exception as err:  # noqa: BLE001 - one readable line, never a traceback
        report.error = (f"submit() failed unexpectedly ({type(err).__name__}: {err}); your "
                        "notebook is unchanged: save it and hand in the .ipynb file itself, "
                        "and tell your instructor")
        report.path = None
    return report


def _submit(report, path, student, timeout, out, spaces):
    namespace = spaces[0] if spaces else {}
    nb_path, how = find_notebook(path, namespace)
    if nb_path is None:
        report.error = how
        return
    report.notebook = nb_path
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
    except (OSError, ValueError, UnicodeDecodeError) as err:
        report.error = f"{nb_path.name} cannot be read as a notebook ({err})"
        return
    assignment, why = read_assignment(nb)
    if assignment is None:
        report.error = why
        return
    report.assignment = assignment
    report.student, report.student_from = _student(student)
    if report.student is None:
        report.error = report.student_from
        report.student_from = None
        return
    saved = datetime.fromtimestamp(nb_path.stat().st_mtime, tz=timezone.utc)
    ago = max(0, int(time.time() - nb_path.stat().st_mtime))
    report.notes.append(f"Checked `{nb_path.name}` (found from {how}) as saved at "
                        f"{saved:%H:%M:%S} UTC, {_ago(ago)} ago.")
    names = registry.assignments()[assignment]
    defs, problems = static_check(nb, names)
    report.problems += problems
    differ = _unsaved(defs, spaces)
    if differ:
        report.notes.insert(0, (
            f"Unsaved changes? {', '.join(differ)} in this kernel "
            f"differ{'s' if len(differ) == 1 else ''} from the saved file. The saved "
            "version is what is handed in: if you changed it since the last save, save "
            "and submit again (if you edited the cell without running it, ignore this)."))
    stamp_version = (nb.get("metadata", {}).get("course") or {}).get("version")
    if stamp_version and stamp_version != kit_version():
        report.notes.append(f"This notebook was released with kit {stamp_version}; you have "
                            f"kit {kit_version()}. Install the kit your course gives out for "
                            "this assignment if the checks disagree with your grade.")
    run = fresh_run(nb, nb_path.parent, assignment, timeout)
    if not run["available"]:
        report.notes.append(run["why"])
    else:
        report.seconds = run["seconds"]
        if run["failure"]:
            report.problems.append(run["failure"])
        else:
            report.notes.append(f"Ran top to bottom in a fresh kernel in {run['seconds']:.1f} s "
                                f"(limit {timeout:g} s) with no error.")
        # the check cell's note on notebook variables, which the fresh run cannot show
        report.notes[:0] = run.get("reads") or []
        if run["results"] is not None:
            report.results_from = "a fresh kernel"
            report.results = {n: {"score": s, "max_score": m}
                              for n, (s, m) in run["results"].items()}
    if report.results_from is None:
        from ._grader import grader

        summary = grader._summary_for(assignment, spaces)
        report.results_from = "this kernel"
        report.results = {r.name: {"score": float(r.score), "max_score": float(r.max_score)}
                          for r in summary.reports}
    folder = Path(out).expanduser() if out is not None else nb_path.parent
    target = folder / f"{_safe(assignment)}-{_safe(report.student)}.zip"
    report.replaced = target.exists()
    data = nb_path.read_bytes()
    tmp = target.with_name(target.name + ".part")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(nb_path.name, data)
            zf.writestr(MANIFEST, json.dumps(manifest(report, nb), indent=1))
        os.replace(tmp, target)
    except OSError as err:        # a read-only folder (a shared course folder), a full disk
        with contextlib.suppress(OSError):
            tmp.unlink()
        report.error = (f"the zip cannot be written in {folder} ({err.strerror or err}): "
                        "give a folder you can write to, for example "
                        "grader.submit(out=\"~\") for your home folder")
        return
    report.path = target
    if report.replaced:
        report.notes.append("It replaces the zip of an earlier grader.submit().")


def _ago(seconds):
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


if __name__ == "__main__":  # pragma: no cover - python -m coursekit.submit NOTEBOOK
    print(submit(sys.argv[1] if len(sys.argv) > 1 else None))
