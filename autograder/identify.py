"""Which assignment a submission is, read from the submission, never from a folder's name.

``course grade`` grades every submission against its own assignment, so a folder may
hold any mix of them, under any name. The rules, in order; the first that decides
wins, and the row records which (``identified_by``):

1. **the stamp**: ``course release`` writes ``metadata.course = {"assignment",
   "release", "version"}`` into every student notebook; its ``assignment``, when it is
   an assignment of the course (:data:`autograder.assignments.ASSIGNMENTS`) (``"stamp"``). A stamp
   naming an unregistered assignment, or notebooks of one submission stamped with
   different assignments, decide nothing (the row gets a note) and the next rule
   applies.
2. **nbgrader's grade_ids**: the ``metadata.nbgrader.grade_id`` of the cells (kept
   when a student copies cells into a new notebook), compared with those of each
   release notebook (``assignments/<name>/*.ipynb``). The assignment with the largest
   share of its grade_ids present wins if that share is at least half and strictly
   larger than any other's; equal shares are decided by the number of nbgrader
   checksums that match the release's (the locked cells a student leaves alone), and
   a tie that remains decides nothing (``"nbgrader grade_ids (23 of 23)"``).
3. **the function names**: the graded functions the code cells define at top level
   (``ast``; a cell that does not parse is searched for ``def name(``). Later
   notebooks give earlier assignments' functions as helpers (04 defines all of 03's),
   so each assignment *accounts for* its own functions and the graded functions its
   release notebook defines itself (without the release folder: those of the
   assignments registered before it). An assignment matches if at least half of its
   own functions are defined and fewer functions are left unaccounted for than it has
   of its own; among matches, the fewest unaccounted for wins, then the larger share
   of its own defined; a tie decides nothing (``"function names (4 of 4)"``).
4. **nbgrader's folder**: in nbgrader's layout ``submitted/<student>/<assignment>/``,
   the folder's name when it is registered (a file that cannot be read, say)
   (``"nbgrader folder"``).

Otherwise the submission matches no assignment, and :attr:`Identity.reason` says what
it defines and which assignments are registered. An override (``course grade
--assignment NAME``) decides before every rule (``"--assignment"``); the rules still
run, and when they name another assignment the row says so in a note.

Reading is the grader's own (:mod:`autograder.notebook`, no nbformat); the release
index is built once per process, only when a submission has no usable stamp.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from .assignments import ASSIGNMENTS

__all__ = ["RELEASE", "Identity", "Release", "defined_functions", "grade_ids", "identify",
           "release_index", "stamps"]

#: The committed student release, whose notebooks the content rules compare with.
RELEASE = Path(__file__).resolve().parent.parent / "assignments"

_DEF = re.compile(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(", re.M)


@dataclass
class Identity:
    """How a submission was identified.

    Attributes
    ----------
    assignment : str or None
        The registered assignment to grade it as; ``None`` when nothing matched.
    identified_by : str or None
        The rule that decided (``"stamp"``, ``"nbgrader grade_ids (k of n)"``,
        ``"function names (k of n)"``, ``"nbgrader folder"``, ``"--assignment"``).
    notes : list of str
        What the grader should know: an override that disagrees with the submission,
        a stamp that decides nothing, nbgrader's folder naming another assignment.
    reason : str or None
        Why nothing matched (``"matches no assignment: it defines ...; registered:
        ..."``).
    """

    assignment: str | None
    identified_by: str | None
    notes: list = field(default_factory=list)
    reason: str | None = None


@dataclass(frozen=True)
class Release:
    """What the content rules know of one assignment's release notebooks."""

    grade_ids: frozenset
    checksums: frozenset
    defines: frozenset


# ------------------------------------------------------------------------- the evidence


def stamps(notebooks):
    """The ``metadata.course.assignment`` of each notebook that has one (strings)."""
    out = []
    for nb in notebooks:
        course = nb.metadata.get("course")
        if isinstance(course, dict) and isinstance(course.get("assignment"), str):
            out.append(course["assignment"])
    return out


def _nbgrader(cell):
    meta = cell.metadata.get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def grade_ids(notebooks):
    """The nbgrader ``grade_id`` of every cell that has one (a set of str)."""
    return {gid for nb in notebooks for c in nb.cells
            if isinstance(gid := _nbgrader(c).get("grade_id"), str)}


def _checksums(notebooks):
    return {cs for nb in notebooks for c in nb.cells
            if isinstance(cs := _nbgrader(c).get("checksum"), str)}


def defined_functions(notebooks):
    """The names of the functions the code cells define at top level (a set of str).

    A cell that does not parse (a syntax error in one function) still names what it
    defines: its lines that start with ``def name(``.
    """
    from .runner import strip_magics

    names = set()
    for nb in notebooks:
        for source in nb.code:
            try:
                tree = ast.parse(strip_magics(source))
            except (SyntaxError, ValueError):
                names.update(_DEF.findall(source))
                continue
            names.update(node.name for node in tree.body
                         if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return names


@functools.lru_cache(maxsize=8)
def _index(folder, names):
    from .notebook import NotebookError, read_notebook

    index = {}
    for name in names:
        try:
            nbs = [read_notebook(p) for p in sorted((Path(folder) / name).glob("*.ipynb"))]
        except NotebookError:
            continue  # a broken release notebook: the content rules do without it
        if nbs:
            index[name] = Release(frozenset(grade_ids(nbs)), frozenset(_checksums(nbs)),
                                  frozenset(defined_functions(nbs)))
    return index


def release_index(folder=None):
    """Assignment name -> :class:`Release`, for the registered assignments whose release
    notebooks are in ``folder`` (default: the ``assignments/`` folder of the course in
    use, :func:`autograder.assignments.course_root`); built once per folder."""
    from .assignments import course_root

    folder = Path(folder) if folder is not None else course_root() / "assignments"
    return _index(str(folder), tuple(ASSIGNMENTS))


# ---------------------------------------------------------------------------- the rules


def _by_grade_ids(notebooks, index):
    ids, sums = grade_ids(notebooks), _checksums(notebooks)
    if not ids:
        return None
    ranked = []
    for name, rel in index.items():
        if rel.grade_ids:
            k = len(ids & rel.grade_ids)
            ranked.append((k / len(rel.grade_ids), len(sums & rel.checksums), k, name))
    ranked.sort(key=lambda r: r[:2], reverse=True)
    if not ranked or ranked[0][0] < 0.5 or (len(ranked) > 1 and ranked[1][:2] == ranked[0][:2]):
        return None
    share, _, k, name = ranked[0]
    return name, f"nbgrader grade_ids ({k} of {len(index[name].grade_ids)})"


def _given(name, index, reg):
    """The graded functions of other assignments that ``name``'s notebook gives."""
    graded = {f for fs in reg.values() for f in fs}
    own = set(reg[name])
    if name in index:
        return (index[name].defines & graded) - own
    before = list(reg)[:list(reg).index(name)]
    return {f for a in before for f in reg[a]} - own


def _graded_defined(notebooks, reg):
    graded = {f for fs in reg.values() for f in fs}
    return defined_functions(notebooks) & graded


def _by_function_names(defined, index, reg):
    ranked = []
    for name, funcs in reg.items():
        own = defined & set(funcs)
        loose = defined - set(funcs) - _given(name, index, reg)
        if own and len(own) >= len(funcs) / 2 and len(loose) < len(own):
            ranked.append(((len(loose), -len(own) / len(funcs)), len(own), name))
    ranked.sort()
    if not ranked or (len(ranked) > 1 and ranked[1][0] == ranked[0][0]):
        return None
    _, k, name = ranked[0]
    return name, f"function names ({k} of {len(reg[name])})"


def _listed(names, limit=8):
    names = sorted(names)
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _no_match(defined, reg):
    what = (f"it defines {_listed(defined)}" if defined
            else "it defines none of the graded functions")
    return f"matches no assignment: {what}; registered: {', '.join(reg)}"


#: How a note names the rule that disagrees with an override.
_SAYS = {"stamp": "its stamp says", "nbgrader grade_ids": "its nbgrader grade_ids say",
         "function names": "the functions it defines say",
         "nbgrader folder": "its nbgrader folder is"}


def _natural(notebooks, nbgrader, index, notes, reg):
    """Rules 1 to 4: ``(assignment, identified_by)`` or ``(None, reason)``."""
    found = stamps(notebooks)
    registered = sorted({s for s in found if s in reg})
    unknown = sorted({s for s in found if s not in reg})
    if unknown:
        notes.append(f"its stamp names {', '.join(unknown)}, which is not registered")
    if len(registered) == 1:
        return registered[0], "stamp"
    if len(registered) > 1:
        notes.append(f"its notebooks are stamped with different assignments "
                     f"({', '.join(registered)})")
    index = release_index() if index is None else index
    decided = _by_grade_ids(notebooks, index)
    if decided:
        return decided
    defined = _graded_defined(notebooks, reg)
    decided = _by_function_names(defined, index, reg)
    if decided:
        return decided
    if nbgrader in reg:
        return nbgrader, "nbgrader folder"
    return None, _no_match(defined, reg)


def identify(notebooks, override=None, nbgrader=None, index=None):
    """The assignment of a submission and how it was identified (see the module's rules).

    Parameters
    ----------
    notebooks : list of autograder.notebook.Notebook
        The submission's notebooks (empty when none could be read: only the override
        and nbgrader's folder can then decide).
    override : str, optional
        A registered assignment to grade it as (``course grade --assignment``).
    nbgrader : str, optional
        The name of its folder in nbgrader's ``submitted/<student>/<assignment>/``.
    index : dict, optional
        :func:`release_index`'s result (default: the committed release's).

    Returns
    -------
    Identity

    Raises
    ------
    ValueError
        If ``override`` is not a registered assignment.
    """
    reg = dict(ASSIGNMENTS)  # the course's assignments, read once per call
    if override is not None and override not in reg:
        raise ValueError(f"unknown assignment {override!r}; registered: "
                         f"{', '.join(reg)}")
    notes = []
    assignment, how = _natural(notebooks, nbgrader, index, notes, reg)
    if override is not None:
        if assignment is not None and assignment != override:
            says = _SAYS[how.split(" (")[0]]
            notes.insert(0, f"graded as {override} (--assignment); {says} {assignment}")
        return Identity(override, "--assignment", notes)
    if assignment is None:
        return Identity(None, None, notes, reason=how)
    if nbgrader in reg and nbgrader != assignment:
        notes.append(f"in nbgrader's folder {nbgrader}, but graded as {assignment} "
                     f"({how})")
    return Identity(assignment, how, notes)
