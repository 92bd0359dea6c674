"""``course kit``: the student distribution ``backprop-coursekit``, a wheel holding only the
package ``coursekit``, without the reference implementation and without case building.

What goes into the wheel (built from a temporary folder, never in the repository):

* ``coursekit/`` as it is in the repository: the notebook API (``check``, ``grader``,
  ``Grader``), the judge (:mod:`coursekit.judge`, :mod:`coursekit.compare`,
  :mod:`coursekit.plain`), the datasets (:mod:`coursekit.data`, with ``digits.npz``),
  the figures (:mod:`coursekit.plots`) and :mod:`coursekit.registry`;
* ``coursekit/_nn.py`` **replaced** by verbatim copies of the source of ``Value``,
  ``ShapeError`` and ``one_hot`` (and what they use: ``math``, ``_sigmoid``) taken
  from ``course.nn`` by :func:`extract`; in the repository that file re-exports them;
* ``coursekit/_version.py``: ``VERSION``, the version of pyproject.toml (the wheel's), which
  is ``coursekit.__version__`` and goes into every hand-in's manifest;
* ``coursekit/_leaves.py``: verbatim copies of the special leaf checkers of the checks
  that have one (and their helpers), also by :func:`extract`;
* ``coursekit/cases/``: every check of :data:`autograder.checks.CHECKS` frozen by
  :func:`coursekit.registry.freeze`: metadata, aliases as data, and the public cases
  (seed :data:`~autograder.checks.PUBLIC_SEED`) with their expected values and known
  wrong forms as plain data; the assignments of
  :data:`autograder.assignments.ASSIGNMENTS`; and ``cases/_answers.plain``, the expected
  values of the numeric self-checks (``grader.answer``) read from the solutions' model
  answers by :func:`coursekit.answers.answers`.

Before building, every file is scanned for three consecutive lines of a graded
reference body (:func:`reference_leaks`); a hit stops the build.

The wheel is built by :func:`build_wheel` (``pip wheel --no-deps --no-build-isolation``
on a temporary source tree, the same function ``course otter`` uses for the instructor
package's wheel). See docs/student-environment.md.
"""

from __future__ import annotations

import builtins
import inspect
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from .release import body_lines, reference_bodies, reference_leaks  # one leak check

ROOT = Path(__file__).resolve().parents[1]
#: The distribution's name (the wheel is ``backprop_coursekit-<version>-py3-none-any.whl``).
DIST = "backprop-coursekit"
DESCRIPTION = ("The student kit of the backpropagation course: datasets, figures, Value "
               "and the public checks, without the reference implementation.")
#: The dependencies of the main package that the kit keeps.
KIT_DEPENDENCIES = ("numpy", "matplotlib")

__all__ = ["DIST", "KitError", "body_lines", "build", "build_wheel", "extract", "reference_bodies",
           "reference_leaks", "stage"]


class KitError(RuntimeError):
    """The kit could not be built (a dependency that cannot be copied, a leak, pip...)."""


# --------------------------------------------------------------------------- wheels
def _can_build_wheels() -> bool:
    """Whether setuptools here can build a wheel without a build environment."""
    import importlib.util
    from importlib.metadata import PackageNotFoundError, version

    try:
        major, minor = (int(x) for x in version("setuptools").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def build_wheel(src, out, error=RuntimeError) -> Path:
    """Build the wheel of the project in the folder ``src`` into ``out`` with
    ``pip wheel --no-deps``; return its path. With ``--no-build-isolation`` (no network
    needed) when this environment can build wheels itself: setuptools 70.1 or newer
    (``bdist_wheel`` built in), or an older one with the ``wheel`` package. A fresh
    venv's setuptools (65 on Python 3.11, none on 3.12) cannot, and then pip fetches a
    build backend into an isolated environment. ``src`` should be a temporary copy, so
    that no ``build/`` folder lands in the repository. Raises ``error`` when pip fails."""
    src, out = Path(src), Path(out)
    before = set(out.glob("*.whl"))
    isolation = ["--no-build-isolation"] if _can_build_wheels() else []
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation,
                        "-q", "-w", str(out), str(src)], capture_output=True, text=True)
    if p.returncode != 0:
        raise error(f"building the wheel failed:\n{(p.stdout + p.stderr)[-3000:]}")
    wheels = sorted(set(out.glob("*.whl")) - before) or sorted(out.glob("*.whl"))
    if not wheels:
        raise error(f"no wheel in {out}")
    return max(wheels, key=lambda w: w.stat().st_mtime)


# --------------------------------------------------------------------------- extract
def _global_names(src):
    """Names that ``src`` (one ``def`` or ``class``) reads from its module's globals."""
    import symtable

    def walk(table):
        names = set()
        for sym in table.get_symbols():
            if table.get_type() == "module":
                if sym.is_referenced():
                    names.add(sym.get_name())
            elif sym.is_global():
                names.add(sym.get_name())
        for child in table.get_children():
            names |= walk(child)
        return names

    return walk(symtable.symtable(src, "<extract>", "exec"))


def _allowed_module(name):
    top = name.partition(".")[0]
    return top in ("numpy", "coursekit") or top in sys.stdlib_module_names


def _constant(value):
    if value is None or type(value) in (bool, int, float, str):
        return True
    if type(value) in (tuple, frozenset):
        return all(_constant(v) for v in value)
    return False


def extract(objects, doc) -> str:
    """The source of a module that defines ``objects`` (module-level functions and
    classes) by verbatim copies of their source, with every module-level name they use:
    the functions and classes of the same module (copied too, recursively), constants
    (written with ``repr``), and imports of numpy, the standard library or ``coursekit``.

    Anything else (a function of another package, a closure, an object that is not a
    constant) raises :class:`KitError`: nothing is copied that was not asked for or
    needed, so the copy cannot drag in a reference function or a case builder unseen.
    """
    imports, consts, defs = {}, {}, {}
    queue = list(objects)
    while queue:
        obj = queue.pop(0)
        name = obj.__name__
        if name in defs:
            if defs[name][3] is not obj:
                raise KitError(f"two different objects are called {name}")
            continue
        module = sys.modules[obj.__module__]
        if getattr(module, name, None) is not obj:
            raise KitError(f"{obj!r} is not the module-level {name} of {module.__name__}")
        if getattr(obj, "__closure__", None):
            raise KitError(f"{module.__name__}.{name} is a closure: it cannot be copied")
        lines, lineno = inspect.getsourcelines(obj)
        src = textwrap.dedent("".join(lines))
        defs[name] = (module.__name__, lineno, src, obj)
        for g in sorted(_global_names(src) - {name}):
            where = f"{module.__name__}.{name} uses {g}"
            if g not in vars(module):
                if hasattr(builtins, g):
                    continue
                raise KitError(f"{where}, which is not defined in its module")
            value = vars(module)[g]
            if inspect.ismodule(value):
                if not _allowed_module(value.__name__):
                    raise KitError(f"{where} (module {value.__name__}): only numpy, the "
                                   "standard library and coursekit may be imported")
                mod = value.__name__
                line = f"import {mod}" if g == mod else f"import {mod} as {g}"
                if imports.setdefault(g, line) != line:
                    raise KitError(f"{g} names two different modules")
            elif inspect.isfunction(value) or inspect.isclass(value):
                if value.__module__ == module.__name__:
                    queue.append(value)
                elif _allowed_module(value.__module__):
                    alias = "" if g == value.__name__ else f" as {g}"
                    imports[g] = f"from {value.__module__} import {value.__name__}{alias}"
                else:
                    raise KitError(f"{where}, from {value.__module__}: it cannot be copied")
            elif _constant(value):
                if consts.setdefault(g, value) != value:
                    raise KitError(f"{g} names two different constants")
            else:
                raise KitError(f"{where}, a {type(value).__name__}: it cannot be copied")
    modules = sorted({m for m, *_ in defs.values()})
    out = [f'"""{doc}\n\nGenerated by ``course kit`` (course/kit.py) from '
           f'{", ".join(modules)}:\nverbatim copies of the source; do not edit.\n"""\n',
           "from __future__ import annotations\n"]
    out += [line for line in sorted(set(imports.values()))]
    if consts:
        out.append("")
        out += [f"{k} = {v!r}" for k, v in sorted(consts.items())]
    out.append("")
    out.append(f"__all__ = {sorted({o.__name__ for o in objects})!r}")
    for _, _, src, _ in sorted(defs.values(), key=lambda d: (d[0], d[1])):
        out += ["", "", src.rstrip()]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- the kit
def _project_meta():
    """``(version, dependencies kept)`` from the main pyproject.toml (one source)."""
    text = (ROOT / "pyproject.toml").read_text()
    version = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)
    block = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.M | re.S).group(1)
    deps = [d for d in re.findall(r'"([^"]+)"', block)
            if re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0] in KIT_DEPENDENCIES]
    return version, deps


_PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "{version}"
description = "{description}"
requires-python = ">=3.10"
license = {{ text = "MIT" }}
dependencies = {deps}

[tool.setuptools]
packages = ["coursekit", "coursekit.data"]

[tool.setuptools.package-data]
coursekit = ["cases/*.plain", "data/*.npz"]
"""


def _check_no_leaks(pkg: Path):
    bodies = reference_bodies()
    problems = []
    for path in sorted(pkg.rglob("*.py")):
        for leak in reference_leaks(path.read_text(), bodies):
            problems.append(f"{path.relative_to(pkg.parent)}: {leak}")
    if problems:
        raise KitError("the kit would ship reference code:\n  " + "\n  ".join(problems))


def stage(src: Path) -> Path:
    """Write the kit's source tree (``pyproject.toml`` and ``coursekit/``) into ``src``;
    return the package folder."""
    from autograder.assignments import ASSIGNMENTS
    from autograder.assignments import registry as course_registry
    from autograder.checks import CHECKS
    from course.nn import ShapeError, Value, one_hot
    from coursekit import answers, registry

    course_registry()  # the course's own checks (solutions/*/checks.py) are frozen too

    pkg = src / "coursekit"
    shutil.copytree(ROOT / "coursekit", pkg,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "cases", "_leaves.py",
                                                  "_version.py"))
    (pkg / "_nn.py").write_text(extract(
        [Value, ShapeError, one_hot],
        "The three pieces of ``course.nn`` that students may have (none is graded): the\n"
        "scalar graph ``Value``, ``ShapeError`` and ``one_hot``."))
    leaves = [c._leaf_checker for c in CHECKS.values() if c._leaf_checker is not None]
    (pkg / "_leaves.py").write_text(extract(
        leaves, "The special leaf checkers of the checks that have one (judging only)."))
    cases = pkg / registry.CASES_DIR
    cases.mkdir()
    for fname, data in registry.freeze(CHECKS, ASSIGNMENTS, lambda f: f.__name__).items():
        (cases / fname).write_bytes(data)
    # the numeric self-checks' answers, from the solutions' model answers (coursekit.answers)
    (cases / answers.ANSWERS_FILE).write_bytes(answers.freeze(answers.answers()))
    version, deps = _project_meta()
    # coursekit.__version__ in the wheel (recorded in every hand-in's manifest)
    (pkg / "_version.py").write_text(f'"""Written by ``course kit``."""\n\nVERSION = {version!r}\n')
    (src / "pyproject.toml").write_text(_PYPROJECT.format(
        name=DIST, version=version, description=DESCRIPTION,
        deps="[" + ", ".join(f'"{d}"' for d in deps) + "]"))
    _check_no_leaks(pkg)
    return pkg


def build(out=None) -> Path:
    """Build ``backprop_coursekit-<version>-py3-none-any.whl`` into ``out`` (default
    ``out/kit``; a folder inside the repository must be under ``out/``); return its
    path. Older kit wheels in ``out`` are removed."""
    out = Path(out) if out is not None else ROOT / "out" / "kit"
    out = out.resolve()
    if out == ROOT or ROOT in out.parents and out.parts[len(ROOT.parts)] != "out":
        raise KitError(f"{out} is inside the repository; use a folder under out/ or "
                       "outside it")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("backprop_coursekit-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        stage(src)
        return build_wheel(src, out, KitError)


def main(out=None) -> int:
    """``course kit``: build the wheel and say how to install it."""
    t0 = time.perf_counter()
    try:
        whl = build(out)
    except KitError as err:
        print(f"course kit: {err}", file=sys.stderr)
        return 1
    print(f"wrote {whl} ({whl.stat().st_size / 1024:.0f} KiB, "
          f"{time.perf_counter() - t0:.1f} s); students install it with "
          f"`pip install {whl.name}`")
    return 0
