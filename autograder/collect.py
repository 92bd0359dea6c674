"""``course collect``: handed-in files into nbgrader's ``submitted/`` layout.

Students hand in notebooks in many ways: an LMS's bulk download (Canvas names each
file ``<name>[_LATE]_<user id>_<submission id>_<file name>``, often in one zip), a zip
written by ``grader.submit()``, a folder per student, or loose files. ``course
collect`` reads any mix of them and writes ``OUT/<student>/<assignment>/<file>`` with a
``timestamp.txt`` in nbgrader's format, the layout ``course grade``, ``nbgrader
autograde`` and the late policy read. The pipeline, in order:

1. **find**: every ``.ipynb`` under the inputs, inside zips too (one level of zips in
   zips, as a bulk download of hand-in zips has), skipping checkpoints and hidden files;
2. **student**: the first rule that gives one: ``--pattern`` (a regular expression
   with a named group ``student``, matched against the file's name), a manifest in
   the same zip (``manifest.json`` with ``"student"``), Canvas's file name (its user
   id), the folder the file is in (when an input folder holds one folder per student),
   the file's stem;
3. **assignment**: read from the notebook (:func:`autograder.identify.identify`: the
   release's stamp, nbgrader's grade_ids, the functions it defines), never from a name;
4. **time**: the manifest's ``created``, else the zip member's date, else the file's
   modification time, each converted to UTC (which one is said in the summary);
5. **keep the latest**: of several files of one student and assignment, the newest
   (each notebook of a multi-notebook hand-in zip is kept together);
6. **write**: the notebooks, ``timestamp.txt`` and the zip's ``manifest.json`` (the
   kit version that ``course grade`` compares with the release's, :func:`kit_notes`); a
   file that cannot be read or identified goes to ``OUT/.unsorted/`` with the reason
   (hidden folders are not graded, nothing is lost).

Step 3 needs the notebooks' content, so it comes after step 1; step 5 needs steps 2-4.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["CANVAS", "MANIFEST", "CollectError", "Handin", "collect", "find_handins",
           "kit_notes", "nbgrader_timestamp", "release_kit_version"]

#: Canvas's bulk-download file names: ``doejane_12345_678901_week3.ipynb`` (or
#: ``doejane_LATE_12345_...``); ``student`` is the Canvas user id.
CANVAS = re.compile(r"^(?P<name>[^_]+)(?:_LATE)?_(?P<student>\d+)_\d+_(?P<file>.+)$")

#: The hand-in zip's manifest (written by ``grader.submit()``), kept next to
#: ``timestamp.txt`` in the submission's folder.
MANIFEST = "manifest.json"

#: nbgrader's ``timestamp.txt`` format (``nbgrader.utils``'s, UTC).
_TS = "%Y-%m-%d %H:%M:%S.%f %Z"


class CollectError(ValueError):
    """An input that cannot be collected (the message names it and what was expected)."""


@dataclass
class Handin:
    """One notebook handed in, before it is written out."""

    name: str                      # the file's own name (without an LMS prefix)
    data: bytes
    source: str                    # where it came from (path, or zip!member)
    student: str | None = None
    student_from: str | None = None
    time: datetime | None = None
    time_from: str | None = None
    group: str | None = None       # the hand-in it belongs to (a zip), kept together
    assignment: str | None = None
    identified_by: str | None = None
    problem: str | None = None
    notes: list = field(default_factory=list)
    manifest: dict | None = None   # the hand-in zip's manifest.json (kept beside it)


def nbgrader_timestamp(when):
    """``when`` (an aware datetime) as nbgrader writes ``timestamp.txt``."""
    return when.astimezone(timezone.utc).strftime(_TS)


def _skip(name):
    parts = Path(name).parts
    return any(p.startswith(".") or p == "__MACOSX" or p.endswith(".ipynb_checkpoints")
               for p in parts)


def _from_zip(zf, where, depth, out):
    manifest = None
    names = [i for i in zf.infolist() if not i.is_dir() and not _skip(i.filename)]
    for info in names:
        if Path(info.filename).name == "manifest.json":
            try:
                manifest = json.loads(zf.read(info).decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                manifest = None
    for info in names:
        member = f"{where}!{info.filename}"
        if info.filename.endswith(".zip") and depth < 1:
            try:
                with zipfile.ZipFile(io.BytesIO(zf.read(info))) as inner:
                    _from_zip(inner, member, depth + 1, out)
            except zipfile.BadZipFile:
                out.append(Handin(Path(info.filename).name, zf.read(info), member,
                                  problem="not a readable zip file"))
            continue
        if not info.filename.endswith(".ipynb"):
            continue
        h = Handin(Path(info.filename).name, zf.read(info), member,
                   time=datetime(*info.date_time, tzinfo=timezone.utc),
                   time_from="the zip member's date", group=where if manifest else None)
        if isinstance(manifest, dict):
            h.manifest = manifest
            if isinstance(manifest.get("student"), str) and manifest["student"].strip():
                h.student, h.student_from = manifest["student"].strip(), "manifest"
            created = manifest.get("created") or manifest.get("submitted_at")
            if isinstance(created, str):
                try:
                    t = datetime.fromisoformat(created)
                    h.time = t if t.tzinfo else t.replace(tzinfo=timezone.utc)
                    h.time_from = "the manifest"
                except ValueError:
                    h.notes.append(f"manifest's created {created!r} is not ISO 8601")
        # the folder inside the zip: a bulk download of folders per student
        parent = Path(info.filename).parent.name
        if h.student is None and parent:
            h.student, h.student_from = parent, "its folder in the zip"
        out.append(h)


def find_handins(inputs):
    """Steps 1, 2 (except ``--pattern``) and 4: every notebook handed in under
    ``inputs`` (files, folders, zips), as :class:`Handin` objects."""
    out = []
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            raise CollectError(f"{path}: no such file or folder; expected notebooks, zips "
                               "of them, or folders holding them")
        files = [path] if path.is_file() else sorted(
            p for p in path.rglob("*") if p.is_file() and not _skip(p.relative_to(path)))
        if path.is_file() and path.suffix not in (".ipynb", ".zip"):
            raise CollectError(f"{path}: not a notebook or a zip; expected .ipynb or .zip")
        for f in files:
            mtime = datetime.fromtimestamp(f.stat().st_mtime, tz=timezone.utc)
            if f.suffix == ".zip":
                try:
                    with zipfile.ZipFile(f) as zf:
                        before = len(out)
                        _from_zip(zf, str(f), 0, out)
                except zipfile.BadZipFile:
                    out.append(Handin(f.name, f.read_bytes(), str(f),
                                      problem="not a readable zip file"))
                    continue
                for h in out[before:]:
                    if h.student is None and path.is_dir() and f.parent != path:
                        h.student, h.student_from = f.parent.name, "its folder"
                continue
            if f.suffix != ".ipynb":
                continue
            h = Handin(f.name, f.read_bytes(), str(f), time=mtime,
                       time_from="the file's modification time")
            if path.is_dir() and f.parent != path:
                h.student, h.student_from = f.relative_to(path).parts[0], "its folder"
            out.append(h)
    return out


def _student(h, pattern, lms_ids=None):
    """Step 2: ``--pattern`` first, then what :func:`find_handins` found, Canvas's
    name (its user id, as the roster's ``student_id`` when ``lms_ids`` maps it), the
    stem."""
    if pattern is not None:
        m = pattern.search(h.name)
        if m and m.group("student"):
            h.student, h.student_from = m.group("student"), "--pattern"
            return
    canvas = CANVAS.match(h.name)
    if canvas:
        h.name = canvas["file"]
        if h.student_from not in ("manifest",):
            uid = canvas["student"]
            if lms_ids and uid in lms_ids:
                h.student = lms_ids[uid]
                h.student_from = f"Canvas's file name (user id {uid} in the roster)"
            else:
                h.student, h.student_from = uid, "Canvas's file name"
        if "_LATE_" in canvas.group(0):
            h.notes.append("Canvas marked it late")
        return
    if h.student is None:
        h.student, h.student_from = Path(h.name).stem, "the file's name"


_SAFE = re.compile(r"[^A-Za-z0-9_.@+-]+")


def _safe(text):
    return _SAFE.sub("_", text).strip("._") or "unnamed"


def collect(inputs, out, pattern=None, index=None, lms_ids=None):
    """Collect the hand-ins under ``inputs`` into ``out`` (nbgrader's ``submitted/``).

    Parameters
    ----------
    inputs : list of str or Path
        Notebooks, zips and folders.
    out : str or Path
        The ``submitted/`` folder to write (created; existing submissions of other
        students are kept, one of the same student and assignment is replaced when
        the new one is newer).
    pattern : str, optional
        A regular expression with a named group ``student``, searched in each file's
        name.
    index : dict, optional
        :func:`autograder.identify.release_index` (default: the course's release).
    lms_ids : dict, optional
        The roster's ``lms_id`` -> ``student_id``: a Canvas file is named by the
        student's id rather than the Canvas user id (:func:`autograder.roster.lms_ids`).

    Returns
    -------
    list of Handin
        Every notebook found, with where it went (``assignment`` set) or why not
        (``problem``).

    Raises
    ------
    CollectError
        For a missing input or a bad ``pattern``.
    """
    from .identify import identify
    from .notebook import NotebookError, read_notebook

    if pattern is not None:
        try:
            pattern = re.compile(pattern)
        except re.error as err:
            raise CollectError(f"--pattern {pattern!r} is not a regular expression: {err}") \
                from None
        if "student" not in pattern.groupindex:
            raise CollectError(f"--pattern {pattern.pattern!r} has no group named student; "
                               "expected e.g. '^(?P<student>[a-z0-9]+)_'")
    out = Path(out)
    handins = find_handins(inputs)
    tmp = out / ".collect-tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        for k, h in enumerate(handins):
            if h.problem:
                continue
            _student(h, pattern, lms_ids)
            probe = tmp / f"{k}.ipynb"
            probe.write_bytes(h.data)
            try:
                nb = read_notebook(probe)
            except NotebookError as err:
                h.problem = f"not a readable notebook: {err}"
                continue
            ident = identify([nb], index=index)
            h.assignment, h.identified_by = ident.assignment, ident.identified_by
            h.notes += ident.notes
            if ident.assignment is None:
                h.problem = ident.reason
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # step 5: the newest hand-in (a zip's notebooks together) per student and assignment
    groups = {}
    for h in handins:
        if h.problem is None:
            key = (h.student, h.assignment)
            groups.setdefault(key, {}).setdefault(h.group or h.source, []).append(h)
    for (student, assignment), by_group in groups.items():
        ranked = sorted(by_group.values(), key=lambda hs: max(x.time for x in hs))
        for old in ranked[:-1]:
            for h in old:
                h.problem = (f"superseded by a newer hand-in of {student} for {assignment} "
                             f"({ranked[-1][0].source})")
        newest = ranked[-1]
        dest = out / _safe(student) / assignment
        existing = dest / "timestamp.txt"
        when = max(x.time for x in newest)
        if existing.is_file():
            try:
                before = datetime.strptime(existing.read_text().strip(), _TS).replace(
                    tzinfo=timezone.utc)
            except ValueError:
                before = None
            if before is not None and before > when:
                for h in newest:
                    h.problem = f"older than the submission already in {dest}"
                continue
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        for h in newest:
            (dest / _safe(h.name)).write_bytes(h.data)
        kept = next((h.manifest for h in newest if h.manifest is not None), None)
        if kept is not None:
            (dest / MANIFEST).write_text(json.dumps(kept, indent=1) + "\n")
        (dest / "timestamp.txt").write_text(nbgrader_timestamp(when) + "\n")
    # step 6: what could not be placed is kept, with its reason
    unsorted = [h for h in handins if h.problem and not h.problem.startswith(
        ("superseded", "older than"))]
    if unsorted:
        box = out / ".unsorted"
        box.mkdir(parents=True, exist_ok=True)
        for k, h in enumerate(unsorted):
            (box / f"{k:03d}_{_safe(h.name)}").write_bytes(h.data)
        (box / "README.txt").write_text("".join(
            f"{k:03d}_{_safe(h.name)}: from {h.source}: {h.problem}\n"
            for k, h in enumerate(unsorted)))
    return handins


# --------------------------------------------------------------------------- kit version
def release_kit_version() -> str:
    """The kit version of this release: ``coursekit.__version__`` here, which is
    pyproject.toml's version, the version ``course kit`` gives the wheel."""
    import coursekit

    return coursekit.__version__


def kit_notes(paths, release=None) -> list:
    """The notes of a submission's row about the kit it was made with: one note when the
    ``manifest.json`` kept beside its notebooks (by :func:`collect`, from the hand-in zip
    of ``grader.submit()``) names a kit version other than the release's; none without a
    manifest or when they agree. Never raises: an unreadable manifest is a note too.

    Parameters
    ----------
    paths : list of Path
        The submission's notebooks (the manifest is looked for in their folder).
    release : str, optional
        The release's kit version (default :func:`release_kit_version`).
    """
    if not paths:
        return []
    path = Path(paths[0]).parent / MANIFEST
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        kit = data.get("kit_version") if isinstance(data, dict) else None
    except (OSError, ValueError, UnicodeDecodeError) as err:
        return [f"its {MANIFEST} cannot be read ({err}); kit version unknown"]
    if not isinstance(kit, str) or not kit:
        return []
    release = release or release_kit_version()
    if kit == release:
        return []
    return [f"submitted with kit {kit}, release has {release}: the student's public checks "
            "may differ from this grade; ask them to install the release's kit"]
