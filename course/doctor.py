"""``course doctor``: is this machine ready to run the course? One line per thing checked.

What it checks, in order:

1. **python**: the interpreter's version against the project's ``requires-python``;
2. **packages**: every ``[project] dependencies`` entry (installed, and at a version
   the specifier allows), then one line per ``[project.optional-dependencies]`` group
   with what is missing and the ``pip install`` that brings it;
3. **isolation**: one line per sandbox backend of :data:`autograder.sandbox.BACKENDS`
   (and ``none``), and the backend that ``course grade`` (``--isolation auto``) uses;
4. **nbgrader** and **otter**: the grading engines, found without being imported;
5. **jupyter kernel**: a ``python3`` kernel for nbclient (nbgrader autograde, otter run);
6. **student kit**: ``course kit`` builds the wheel into a temporary folder, which must
   hold ``coursekit`` only (no ``course/`` or ``autograder/`` file);
7. **solutions/** and **assignments/**: present, and the release up to date.

The project's metadata comes from ``pyproject.toml`` when the package runs from its
repository, else from the installed distribution's metadata. Packages are looked up with
:func:`importlib.util.find_spec` and :mod:`importlib.metadata` (nothing heavy is
imported just to see that it is there), and every check runs guarded: one that crashes
becomes a ``FAIL`` line with the exception, never a traceback.

Each result is a :class:`Check`; ``ok`` is ``True``, ``False`` (something required is
missing or broken: the exit status is 1) or ``"warn"`` (an optional extra or an isolation
backend that is not the one used: shown, exit status 0). ``--quick`` skips the two slow
checks (building the kit, re-releasing the notebooks). ``--json`` prints the results as
JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["DESCRIPTION", "Check", "add_arguments", "build_parser", "checks", "failed", "main",
           "report", "run", "to_json"]

#: The repository (or the site-packages folder, when installed without it).
ROOT = Path(__file__).resolve().parents[1]
#: The distribution's name when no pyproject.toml says otherwise.
DIST = "backprop-course"
#: The oldest Python when the project's metadata cannot be read.
DEFAULT_REQUIRES_PYTHON = ">=3.10"
#: Optional-dependency groups an instructor needs (``course release``, ``grade``,
#: ``otter``, nbgrader): missing ones fail; the other groups only warn.
REQUIRED_EXTRAS = ("grading",)
#: Which extra to suggest first for a package that several extras hold.
PREFERRED_EXTRAS = ("grading", "test", "dev")

LABELS = {True: "ok", "warn": "warn", False: "FAIL"}
_COLORS = {True: "\033[32m", "warn": "\033[33m", False: "\033[1;31m"}


@dataclass
class Check:
    """One line of the report.

    Parameters
    ----------
    name : str
        What was checked, e.g. ``"python"``, ``"backend rootless"``, ``"nbgrader"``.
    ok : bool or str
        ``True``; ``False`` when something required is missing or broken (``course
        doctor`` then exits with 1); or ``"warn"`` for something optional.
    detail : str
        What was found (a version, a path, why not).
    fix : str
        What to run or change when not ok (empty when there is nothing to do).
    """

    name: str
    ok: bool | str
    detail: str = ""
    fix: str = ""

    @property
    def label(self):
        """``"ok"``, ``"warn"`` or ``"FAIL"``."""
        return LABELS.get(self.ok, "FAIL")


# --------------------------------------------------------------------------- lookups
def _version(dist):
    """The installed version of the distribution ``dist``, or ``None``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _has_module(name):
    """Whether the top-level module ``name`` can be imported (found, not imported)."""
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _parse_pyproject(text):
    """``[project]`` of a pyproject.toml as a dict, or ``None`` without a TOML reader
    (Python 3.10 without tomli: the installed metadata is read instead)."""
    try:
        import tomllib
    except ImportError:
        try:
            import tomli as tomllib
        except ImportError:
            return None
    return tomllib.loads(text).get("project", {})


def _project():
    """The project's metadata: ``name``, ``version``, ``requires_python``,
    ``dependencies`` (list of requirement strings), ``extras`` (dict of lists),
    ``source`` (where it came from) and ``checkout`` (True if read from the repository's
    pyproject.toml)."""
    pyproject = ROOT / "pyproject.toml"
    if pyproject.is_file():
        project = _parse_pyproject(pyproject.read_text(encoding="utf-8")) or {}
        if project.get("name"):
            return {"name": project["name"], "version": project.get("version", "?"),
                    "requires_python": project.get("requires-python",
                                                   DEFAULT_REQUIRES_PYTHON),
                    "dependencies": list(project.get("dependencies", [])),
                    "extras": dict(project.get("optional-dependencies", {})),
                    "source": str(pyproject), "checkout": True}
    from importlib import metadata

    try:
        meta = metadata.metadata(DIST)
    except metadata.PackageNotFoundError:
        return {"name": DIST, "version": "?", "requires_python": DEFAULT_REQUIRES_PYTHON,
                "dependencies": [], "extras": {}, "source": None, "checkout": False}
    deps, extras = [], {name: [] for name in meta.get_all("Provides-Extra") or []}
    for req in metadata.requires(DIST) or []:
        m = re.search(r"""extra\s*==\s*["']([^"']+)["']""", req)
        if m is None:
            deps.append(req)
        else:
            cleaned = re.sub(r"\s*(and\s+)?extra\s*==\s*[\"'][^\"']+[\"']", "", req)
            extras.setdefault(m.group(1), []).append(cleaned.rstrip().rstrip(";").strip())
    return {"name": meta["Name"], "version": meta["Version"],
            "requires_python": meta.get("Requires-Python") or DEFAULT_REQUIRES_PYTHON,
            "dependencies": deps, "extras": extras,
            "source": f"installed metadata of {DIST}", "checkout": False}


def _requirement(text):
    """``(name, extras, specifier, applies)`` of a requirement string (PEP 508);
    ``applies`` is False when its environment marker excludes this Python."""
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:
        Requirement = None
    if Requirement is not None:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            pass
        else:
            applies = True
            if req.marker is not None:
                try:
                    applies = req.marker.evaluate({"extra": ""})
                except Exception:  # a marker packaging cannot evaluate: assume it applies
                    applies = True
            return req.name, sorted(req.extras), str(req.specifier), applies
    text = text.split(";")[0].strip()
    m = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(.*)", text)
    if not m:
        return text, [], "", True
    extras = [e.strip() for e in (m.group(2) or "").split(",") if e.strip()]
    return m.group(1), extras, m.group(3).strip(), True


def _satisfies(version, specifier):
    """Whether ``version`` is in ``specifier``; ``None`` when that cannot be told
    (no :mod:`packaging`)."""
    if not specifier:
        return True
    try:
        from packaging.specifiers import SpecifierSet
        from packaging.version import InvalidVersion
    except ImportError:
        return None
    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except InvalidVersion:
        return None


def _norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _extra_requirements(project, extra, seen=None):
    """The requirements of the extra ``extra``, with the project's own extras that it
    names (``backprop-course[test,grading]``) expanded."""
    seen = set() if seen is None else seen
    if extra in seen:
        return []
    seen.add(extra)
    out = []
    for text in project["extras"].get(extra, []):
        name, extras, _, _ = _requirement(text)
        if _norm(name) == _norm(project["name"]):
            for sub in extras:
                out += _extra_requirements(project, sub, seen)
        else:
            out.append(text)
    return out


def _install_hint(project, extra=None):
    """The ``pip install`` that installs the project (with ``extra``)."""
    suffix = f"[{extra}]" if extra else ""
    if project.get("checkout"):
        try:
            here = Path.cwd().resolve() == ROOT
        except OSError:
            here = False
        where = "." if here else str(ROOT)
        return f"pip install -e '{where}{suffix}'"
    return f"pip install '{project['name']}{suffix}'"


def _extra_for(project, dist):
    """The optional-dependency group to suggest for the distribution ``dist``."""
    holding = [e for e in project["extras"]
               if any(_norm(_requirement(r)[0]) == _norm(dist)
                      for r in _extra_requirements(project, e))]
    for extra in PREFERRED_EXTRAS:
        if extra in holding:
            return extra
    return holding[0] if holding else None


def _required_dists(project):
    """Normalised names of the distributions an instructor needs."""
    names = {_norm(_requirement(r)[0]) for r in project["dependencies"]}
    for extra in REQUIRED_EXTRAS:
        names |= {_norm(_requirement(r)[0]) for r in _extra_requirements(project, extra)}
    return names


def _state(text):
    """``(ok, why)`` of one requirement string: installed at an allowed version."""
    name, _, spec, applies = _requirement(text)
    if not applies:
        return True, f"{name}: not needed on this Python"
    version = _version(name)
    if version is None:
        return False, f"{name} is not installed"
    good = _satisfies(version, spec)
    if good is False:
        return False, f"{name} {version} is installed; needs {spec}"
    return True, f"{name} {version}" + (f" (needs {spec})" if spec else "")


# --------------------------------------------------------------------------- checks
def _check_python():
    project = _project()
    spec = project["requires_python"]
    here = ".".join(str(v) for v in sys.version_info[:3])
    venv = " (a virtual environment)" if sys.prefix != sys.base_prefix else ""
    detail = f"{sys.implementation.name} {here} at {sys.executable}{venv}; needs {spec}"
    good = _satisfies(here, spec)
    if good is None:  # no packaging: read ">=X.Y" by hand
        m = re.search(r">=\s*(\d+)\.(\d+)", spec)
        good = m is None or sys.version_info[:2] >= (int(m.group(1)), int(m.group(2)))
    if good:
        return [Check("python", True, detail)]
    return [Check("python", False, detail,
                  f"use a Python {spec} (e.g. `python3.12 -m venv .venv`) and reinstall")]


def _check_packages():
    project = _project()
    out = []
    if project["source"] is None:
        out.append(Check("project metadata", "warn",
                         f"neither {ROOT / 'pyproject.toml'} nor an installed {DIST}",
                         _install_hint(project)))
    for text in project["dependencies"]:
        name, _, spec, _ = _requirement(text)
        ok, why = _state(text)
        out.append(Check(name, True, why) if ok else
                     Check(name, False, why, f"pip install '{name}{spec}'"))
    required = set(REQUIRED_EXTRAS)
    for extra in project["extras"]:
        reqs = list(dict.fromkeys(_extra_requirements(project, extra)))
        states = [(_requirement(r)[0], *_state(r)) for r in reqs]
        missing = [why for _, ok, why in states if not ok]
        what = "needed to grade" if extra in required else "optional"
        if not missing:
            found = dict.fromkeys(f"{name} {_version(name)}" for name, _, _ in states
                                  if _version(name))
            out.append(Check(f"extra [{extra}]", True,
                             f"installed ({what}): " + ", ".join(found)))
        else:
            out.append(Check(f"extra [{extra}]", False if extra in required else "warn",
                             f"{what}; " + "; ".join(missing),
                             _install_hint(project, extra)))
    return out


def _check_isolation():
    from autograder import sandbox

    out, summaries = [], {}
    for row in sandbox.backend_status():
        summaries[row["name"]] = row["guarantees"].split(":")[0]
        name, summary = row["name"], row["guarantees"].split(":")[0]
        if name == "none":
            unsafe = row["guarantees"].split(":", 1)[-1].strip()
            out.append(Check("backend none", True,
                             f"always available, and UNSAFE: no isolation ({unsafe})"))
        elif row["ok"]:
            out.append(Check(f"backend {name}", True, f"works: {summary}"))
        else:
            out.append(Check(f"backend {name}", "warn", row["why"] or "does not work here"))
    try:
        chosen = sandbox.choose_backend("auto")
    except sandbox.SandboxError:
        out.append(Check("isolation auto", False,
                         "NO isolation backend works here (why: the backend lines above), so "
                         "`course grade` refuses to grade",
                         "enable one backend (see the backend lines), or grade only "
                         "notebooks you trust with --isolation none: that runs them WITHOUT "
                         "protection, as you, with your files and the network"))
    else:
        out.append(Check("isolation auto", True,
                         f"`course grade` (--isolation auto) will use the {chosen} backend"
                         + (f" ({summaries[chosen]})" if chosen in summaries else "")))
    return out


def _check_engine(name, dist, module):
    project = _project()
    version = _version(dist)
    found = _has_module(module)
    required = _norm(dist) in _required_dists(project)
    extra = _extra_for(project, dist)
    fix = _install_hint(project, extra) if extra else f"pip install '{dist}'"
    if version and found:
        return [Check(name, True, f"{dist} {version} (module {module})")]
    if version:
        why = f"{dist} {version} is installed but the module {module} is not importable"
    else:
        why = f"{dist} is not installed"
    return [Check(name, False if required else "warn", why, fix)]


def _check_nbgrader():
    return _check_engine("nbgrader", "nbgrader", "nbgrader")


def _check_otter():
    return _check_engine("otter", "otter-grader", "otter")


def _check_kernel():
    project = _project()
    fix_client = _install_hint(project, _extra_for(project, "ipykernel") or "grading")
    if not _has_module("jupyter_client"):
        return [Check("jupyter kernel", False, "jupyter_client is not installed (nbclient, "
                      "nbgrader and otter run notebooks through it)", fix_client)]
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    fix = f"{sys.executable} -m ipykernel install --user"
    manager = KernelSpecManager()
    try:
        spec = manager.get_kernel_spec("python3")
    except NoSuchKernel:
        found = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        return [Check("jupyter kernel", False,
                      f"no python3 kernel (kernels found: {found})", fix)]
    exe = spec.argv[0] if spec.argv else ""
    # jupyter_client starts "python", "python3" and "python3.X" with its own interpreter.
    names = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}
    where = f"python3 in {spec.resource_dir}"
    if exe in names or _same_file(exe, sys.executable):
        return [Check("jupyter kernel", True, f"{where}, runs this Python")]
    return [Check("jupyter kernel", "warn",
                  f"{where} runs {exe}, not this Python: notebooks there may lack numpy "
                  "and the course", fix)]


def _same_file(a, b):
    import os

    try:
        return bool(a) and os.path.samefile(a, b)
    except OSError:
        return False


def _check_kit():
    import tempfile
    import zipfile

    from course import kit

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="course-doctor-") as tmp:
        try:
            whl = kit.build(tmp)
        except kit.KitError as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else "failed"
            return [Check("student kit", False, f"`course kit` fails: {first}",
                          "run `course kit` for the whole error")]
        with zipfile.ZipFile(whl) as z:
            names = z.namelist()
        size = whl.stat().st_size / 1024
    seconds = time.perf_counter() - t0
    tops = {n.split("/")[0] for n in names}
    foreign = sorted(t for t in tops if t != "coursekit" and not t.endswith(".dist-info"))
    leaked = [n for n in names if n.startswith(("course/", "autograder/"))]
    if foreign or leaked or "coursekit" not in tops:
        bad = leaked or foreign or ["no coursekit/"]
        return [Check("student kit", False,
                      f"{whl.name} holds more than coursekit: {', '.join(bad[:5])}",
                      "fix course/kit.py: the kit must ship coursekit only")]
    return [Check("student kit", True,
                  f"{whl.name} builds ({size:.0f} KiB, {len(names)} files, coursekit only, "
                  f"no reference code) in {seconds:.1f} s")]


def _course_dir():
    """The folder holding ``solutions/``: the current one, else the repository."""
    for folder in (Path.cwd(), ROOT):
        if (folder / "solutions").is_dir():
            return folder
    return None


def _count(folder):
    notebooks = sorted(folder.glob("*/*.ipynb"))
    return len(notebooks), len({p.parent for p in notebooks})


def _check_release(sync=True):
    base = _course_dir()
    if base is None:
        return [Check("solutions/", False,
                      f"no solutions/ folder here ({Path.cwd()}) or in {ROOT}",
                      "run course doctor in the course folder (the one holding solutions/)")]
    solutions, assignments = base / "solutions", base / "assignments"
    n, m = _count(solutions)
    if n == 0:
        return [Check("solutions/", False, f"{solutions} holds no <assignment>/*.ipynb",
                      "put the solution notebooks in solutions/<assignment>/")]
    out = [Check("solutions/", True, f"{n} notebooks in {m} assignments at {solutions}")]
    if not assignments.is_dir() or _count(assignments)[0] == 0:
        out.append(Check("assignments/", False, f"{assignments} is missing or empty",
                         f"course release (in {base})"))
        return out
    k, j = _count(assignments)
    have = f"{k} notebooks in {j} assignments at {assignments}"
    if not sync:
        out.append(Check("assignments/", True, f"{have} (not compared: --quick)"))
        return out
    if not (_has_module("nbgrader") and _has_module("nbformat")):
        out.append(Check("assignments/", "warn",
                         f"{have}; cannot tell if up to date without nbgrader and nbformat",
                         _install_hint(_project(), "grading")))
        return out
    from course.release import ReleaseError, check_in_sync

    t0 = time.perf_counter()
    try:
        problems = check_in_sync(solutions, assignments)
    except ReleaseError as err:
        out.append(Check("assignments/", False, f"the release fails: {err}",
                         "fix the solution notebook it names, then course release"))
        return out
    seconds = time.perf_counter() - t0
    if problems:
        shown = "; ".join(problems[:3]) + (f" (+{len(problems) - 3} more)"
                                           if len(problems) > 3 else "")
        out.append(Check("assignments/", False, f"out of date with solutions/: {shown}",
                         f"course release (in {base})"))
    else:
        out.append(Check("assignments/", True,
                         f"{have}, up to date with solutions/ and leak-free "
                         f"(checked in {seconds:.1f} s)"))
    return out


def _guarded(name, func, *args):
    """``func(*args)`` (a list of :class:`Check`), or one ``FAIL`` line with the
    exception if it raised; warnings are silenced (the report says what matters)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return list(func(*args))
    except Exception as err:
        return [Check(name, False, f"the check crashed: {type(err).__name__}: {err}",
                      "report this as a bug of course doctor (the other lines still count)")]


def checks(quick=False):
    """Run every check of ``course doctor``.

    Parameters
    ----------
    quick : bool
        Skip the slow checks: building the student kit and comparing ``assignments/``
        with a fresh release of ``solutions/`` (a few seconds each).

    Returns
    -------
    list of Check
        One per line of the report, in order: python, the required packages and each
        optional-dependency group, each isolation backend then the one ``course grade``
        uses, nbgrader, otter, the jupyter kernel, the student kit, ``solutions/`` and
        ``assignments/``. No check raises: one that crashes gives a ``False`` line with
        the exception's text.
    """
    kit = ((lambda: [Check("student kit", "warn", "not built (--quick)",
                           "course doctor without --quick, or course kit")])
           if quick else _check_kit)
    plan = [("python", _check_python), ("packages", _check_packages),
            ("isolation", _check_isolation), ("nbgrader", _check_nbgrader),
            ("otter", _check_otter), ("jupyter kernel", _check_kernel),
            ("student kit", kit), ("release", lambda: _check_release(sync=not quick))]
    results = []
    for name, func in plan:
        results += _guarded(name, func)
    return results


def failed(results):
    """The results whose ``ok`` is ``False`` (what makes ``course doctor`` exit 1).

    Parameters
    ----------
    results : list of Check

    Returns
    -------
    list of Check
    """
    return [r for r in results if r.ok is not True and r.ok != "warn"]


def report(results, color=False):
    """The text report: one aligned line per check, then a summary line.

    Parameters
    ----------
    results : list of Check
        What :func:`checks` returned.
    color : bool
        Color the status words (for a terminal).

    Returns
    -------
    str
        Lines ``ok    NAME  DETAIL``, ``warn  NAME  DETAIL -- fix: FIX`` or
        ``FAIL  NAME  DETAIL -- fix: FIX``, then ``all N checks ok``, ``all required
        checks ok; K warnings (optional): NAMES`` or ``K problems: NAMES ...``. No
        trailing newline.
    """
    width = max((len(r.name) for r in results), default=0)
    lines = []
    for r in results:
        label = f"{r.label:<4}"
        if color:
            label = f"{_COLORS.get(r.ok, _COLORS[False])}{label}\033[0m"
        line = f"{label}  {r.name:<{width}}  {r.detail}".rstrip()
        if r.ok is not True and r.fix:
            line += f" -- fix: {r.fix}"
        lines.append(line)
    bad = failed(results)
    warned = [r for r in results if r.ok == "warn"]
    optional = (f"{len(warned)} warning{'s' if len(warned) != 1 else ''} (optional): "
                + ", ".join(r.name for r in warned)) if warned else ""
    if bad:
        summary = (f"{len(bad)} problem{'s' if len(bad) != 1 else ''}: "
                   + ", ".join(r.name for r in bad) + " (see their fix above)")
        if optional:
            summary += f"; {optional}"
    elif warned:
        summary = f"all required checks ok; {optional}"
    else:
        summary = f"all {len(results)} checks ok"
    lines.append(summary)
    return "\n".join(lines)


def to_json(results):
    """The results as a JSON document.

    Parameters
    ----------
    results : list of Check

    Returns
    -------
    str
        ``{"ok": bool, "problems": [names], "warnings": [names], "checks": [{"name",
        "ok", "status", "detail", "fix"}, ...]}``; ``ok`` is what the exit status 0 means
        and ``status`` the word the text report shows.
    """
    rows = [{**asdict(r), "status": r.label} for r in results]
    return json.dumps({"ok": not failed(results),
                       "problems": [r.name for r in failed(results)],
                       "warnings": [r.name for r in results if r.ok == "warn"],
                       "checks": rows}, indent=2)


# --------------------------------------------------------------------------- command line
#: The subcommand's description (for ``course doctor --help``).
DESCRIPTION = ("Check that this machine can run the course: Python, the packages and "
               "extras, the grader's isolation backends (and which one `course grade` "
               "uses), nbgrader, otter-grader, a Jupyter python3 kernel, that the student "
               "kit builds without reference code, and that solutions/ and assignments/ "
               "are present and in sync. Exit status 1 if something required is missing.")


def add_arguments(parser):
    """Add ``course doctor``'s options to an argparse parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``doctor`` subparser (or a parser of its own).

    Returns
    -------
    argparse.ArgumentParser
        ``parser``, with ``func`` defaulting to :func:`run`.
    """
    parser.add_argument("--json", action="store_true",
                        help="print the results as JSON instead of the table")
    parser.add_argument("--quick", action="store_true",
                        help="skip the slow checks (building the kit, re-releasing the "
                        "notebooks to compare them with assignments/)")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """``course doctor`` with parsed arguments: print the report, return the exit status.

    Parameters
    ----------
    args : argparse.Namespace
        With ``json`` and ``quick`` (see :func:`add_arguments`).

    Returns
    -------
    int
        0 when everything required is ok (optional extras may be missing), else 1.
    """
    results = checks(quick=getattr(args, "quick", False))
    if getattr(args, "json", False):
        print(to_json(results))
    else:
        import os

        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        print(report(results, color=color))
    return 1 if failed(results) else 0


def build_parser():
    """The parser of ``course doctor`` on its own (``python -m course.doctor``).

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="course doctor", description=DESCRIPTION)
    return add_arguments(parser)


def main(argv=None):
    """Run ``course doctor`` with the command-line arguments ``argv``.

    Parameters
    ----------
    argv : list of str, optional
        Default: ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status (see :func:`run`).
    """
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
