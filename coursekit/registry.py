"""Where coursekit's checks come from: frozen public cases (student kit) or the instructor's
package (this repository).

The student kit (the wheel ``backprop-coursekit`` that ``course kit`` builds) holds, in
``coursekit/cases/``:

* ``index.plain``: the format, the public seed, the assignments (name -> graded
  function names, as :data:`autograder.assignments.ASSIGNMENTS`) and every check's
  metadata: what :meth:`coursekit.judge.Check.judge` reads (``params``, ``returns``,
  ``points``, ``weights``, ``aliases`` as a dict, the name of a special leaf checker);
* ``<name>.plain``: the check's public cases (seed :data:`~coursekit.judge.PUBLIC_SEED`),
  as :func:`coursekit.judge.dump_cases` writes them: arguments, expected values and
  known wrong forms, all plain data (no pickle, no code).

The few special leaf checkers (``initialize_parameters_deep`` accepts any small random
``W``, ...) are functions: the kit holds verbatim copies of their source in
``coursekit/_leaves.py``. Both files are written by :func:`freeze` and read by
:func:`thaw`; no case-building code and no reference function ships.

In the instructor's repository ``coursekit/cases/`` does not exist: the checks are
those of :mod:`autograder.checks`, cases built on demand with ``course.nn``, and the
assignments those of :mod:`autograder.assignments`. Either way the checks land in
:data:`coursekit.judge.CHECKS` and are judged by the same code.
"""

from __future__ import annotations

from importlib import resources

from . import judge, plain

__all__ = ["CASES_DIR", "FORMAT", "INDEX", "assignments", "checks", "freeze", "frozen",
           "thaw"]

#: Folder of the frozen cases inside the package (student kit only).
CASES_DIR = "cases"
#: The index file, in :data:`CASES_DIR`.
INDEX = "index.plain"
#: Version of the frozen layout.
FORMAT = 1

_state: dict = {}


def frozen() -> bool:
    """``True`` in the student kit (frozen public cases ship with the package)."""
    if "frozen" not in _state:
        _state["frozen"] = resources.files(__package__).joinpath(CASES_DIR, INDEX).is_file()
    return _state["frozen"]


def checks() -> dict:
    """Every check (name -> :class:`~coursekit.judge.Check`), loaded on first use."""
    if "assignments" not in _state:
        if frozen():
            folder = resources.files(__package__).joinpath(CASES_DIR)
            from . import _leaves  # written by `course kit`, in the kit only

            found, assignments = thaw(folder.joinpath(INDEX).read_bytes(),
                                      lambda name: folder.joinpath(f"{name}.plain").read_bytes(),
                                      _leaves)
            for c in found.values():
                judge.register(c)
        else:
            import autograder.checks  # noqa: F401 - registers every check in judge.CHECKS
            from autograder.assignments import ASSIGNMENTS as assignments
        _state["assignments"] = assignments
    return judge.CHECKS


def assignments() -> dict:
    """Assignment name -> its graded function names, in the notebook's order."""
    checks()
    return _state["assignments"]


# --------------------------------------------------------------------------- freezing
def _paths(x, path=()):
    """Every path into a plain value (containers and leaves)."""
    yield path
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _paths(v, path + (k,))
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            yield from _paths(v, path + (i,))


def _aliases(check, cases) -> dict:
    """``check.aliases`` as a dict. A callable is called on every name that judging these
    cases can ask about: the returned values (by :meth:`Check.value_name`) and the
    arguments (by :meth:`Check.arg_name`)."""
    if not callable(check.aliases):
        return dict(check.aliases)
    names = set()
    for c in cases:
        names.update(check.value_name(p) for p in _paths(c.expected))
        names.update(check.arg_name(p) for p in _paths(tuple(c.args)) if p)
        names.update(check.arg_name(p) for p in _paths(dict(c.kwargs)) if p)
    return {n: check.pretty(n) for n in sorted(names) if check.pretty(n) != n}


def freeze(all_checks, all_assignments, leaf_name=None, seed=judge.PUBLIC_SEED):
    """The frozen kit: ``{file name: bytes}`` for :data:`CASES_DIR`.

    ``leaf_name(func)`` gives the name under which a check's special leaf checker is
    copied into the kit's ``_leaves`` module (required when a check has one).
    """
    index = {"format": FORMAT, "seed": int(seed), "assignments": {
        str(a): [str(n) for n in names] for a, names in all_assignments.items()}, "checks": []}
    files = {}
    for name, c in all_checks.items():
        cases = c.cases(seed, hidden=False)
        leaf = c._leaf_checker
        if leaf is not None and leaf_name is None:
            raise ValueError(f"{name} has a special leaf checker: freeze needs leaf_name")
        index["checks"].append({
            "name": name, "params": list(c.params), "returns": c.returns,
            "points": float(c.points),
            "weights": None if c.weights is None else [float(w) for w in c.weights],
            "aliases": _aliases(c, cases),
            "leaf_checker": None if leaf is None else leaf_name(leaf),
        })
        files[f"{name}.plain"] = judge.dump_cases(cases)
    files[INDEX] = plain.dumps(index)
    return files


def _frozen_cases(read, name, seed):
    def make_cases(check, s, hidden):
        if hidden or s != seed:
            raise ValueError(f"the student kit holds only the public cases of {name} "
                             f"(seed {seed}); hidden cases are built by the grader")
        return judge.load_cases(read(name))

    return make_cases


def thaw(index_bytes, read, leaves=None):
    """Inverse of :func:`freeze`: ``(checks, assignments)``. ``read(name)`` returns the
    bytes of ``<name>.plain``, read when the check's cases are first needed; ``leaves``
    is the module holding the special leaf checkers."""
    index = plain.loads(index_bytes)
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise ValueError(f"frozen checks of an unknown format; expected format {FORMAT}")
    seed = index["seed"]
    found = {}
    for meta in index["checks"]:
        name = meta["name"]
        leaf = meta["leaf_checker"]
        weights = meta["weights"]
        found[name] = judge.Check(
            name, tuple(meta["params"]), meta["returns"], _frozen_cases(read, name, seed),
            points=meta["points"], weights=None if weights is None else tuple(weights),
            aliases=meta["aliases"], leaf_checker=None if leaf is None else getattr(leaves, leaf))
    return found, {a: list(n) for a, n in index["assignments"].items()}
