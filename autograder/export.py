"""Exports of ``course grade``'s rows: nbgrader's gradebook, a Canvas gradebook CSV and
Gradescope-style ``results.json`` files (docs/gradebook.md).

Every exporter takes rows as :mod:`autograder.report` writes them to ``grades.json``
(``score`` is the final score; ``raw_score`` and ``penalty``, when present, are shown
beside it) joined with the roster by :func:`autograder.roster.join`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .assignments import _calls, _source, course_root

__all__ = ["assignment_points", "grade_cells", "load_rows", "results_json",
           "to_nbgrader", "write_canvas", "write_results"]


def load_rows(path):
    """The rows of a ``grades.json`` written by ``course grade``."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return list(doc["submissions"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a grades.json of course grade ({err}); expected "
                         "{\"submissions\": [...]}") from None


def grade_cells(assignment, root=None):
    """The graded cells of an assignment's solution notebooks.

    Returns
    -------
    list of tuple
        ``(notebook, grade_id, points, cell_type, function)`` in notebook order;
        ``function`` is the graded function a hidden-test cell checks (the question's
        name in the rows) or ``None`` for another graded cell (a written answer).
    """
    root = Path(root) if root is not None else course_root()
    out = []
    for path in sorted((root / "solutions" / assignment).glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            meta = (cell.get("metadata") or {}).get("nbgrader") or {}
            if not meta.get("grade"):
                continue
            calls = _calls(_source(cell)) if cell.get("cell_type") == "code" else []
            fn = calls[0][1] if calls and calls[0] else None
            out.append((path.stem, meta["grade_id"], float(meta.get("points", 0)),
                        cell.get("cell_type"), fn))
    return out


def assignment_points(rows, root=None):
    """Assignment name -> points possible, from the solutions (else from the rows)."""
    from .assignments import registry

    reg = registry(root)
    out = {}
    for r in rows:
        a = r["assignment"]
        if a in reg:
            out[a] = sum(q.points for q in reg[a])
        elif r.get("max_score"):
            out[a] = max(out.get(a, 0.0), float(r["max_score"]))
    return out


def _fmt(x):
    return f"{float(x):.2f}".rstrip("0").rstrip(".")


# -- nbgrader ------------------------------------------------------------------------------
def to_nbgrader(rows, db_url, students=(), root=None, course_id="backprop"):
    """Import rows into nbgrader's gradebook at ``db_url`` (created if needed).

    Each roster student becomes an nbgrader student (name, email, ``lms_user_id``);
    each assignment, its notebooks and graded cells (max points from the solution
    notebook) are created; each graded row becomes a submission whose hidden-test
    cells get the question's score as ``auto_score`` (an error row: 0 for every
    question); a row's ``penalty`` becomes the notebook's ``late_submission_penalty``.
    Missing rows make no submission: nbgrader itself reports 0 for them.

    Returns
    -------
    int
        The number of submissions written.
    """
    import os
    import sys
    import warnings

    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    # nbgrader runs the ``alembic`` script beside the interpreter to create a gradebook
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    n = 0
    with Gradebook(db_url, course_id=course_id) as gb:
        for s in students:
            first, _, last = s.name.partition(" ")
            gb.update_or_create_student(s.student_id, first_name=first or None,
                                        last_name=last or None, email=s.email or None,
                                        lms_user_id=s.lms_id or None)
        cells = {}
        for a in dict.fromkeys(r["assignment"] for r in rows):
            cells[a] = grade_cells(a, root)
            if not cells[a]:
                continue
            gb.update_or_create_assignment(a)
            for nb, gid, pts, ctype, _ in cells[a]:
                gb.update_or_create_notebook(nb, a)
                gb.update_or_create_grade_cell(gid, nb, a, max_score=pts,
                                               cell_type=ctype or "code")
        for r in rows:
            a = r["assignment"]
            if not cells.get(a) or r.get("status") == "missing":
                continue
            try:
                gb.find_student(r["student"])
            except MissingEntry:
                gb.add_student(r["student"])
            try:
                gb.find_submission(a, r["student"])
            except MissingEntry:
                # nbgrader 0.9 builds the submission's objects before adding them to its
                # session; SQLAlchemy 2 warns about that (SAWarning "not in session"),
                # and the submission is then added and committed as a whole.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", SAWarning)
                    gb.add_submission(a, r["student"])
            per = {q["name"]: float(q["score"]) for q in r.get("questions") or ()}
            for nb, gid, _, _, fn in cells[a]:
                if fn is None:
                    continue
                g = gb.find_grade(gid, nb, a, r["student"])
                g.auto_score = per.get(fn, 0.0)
                g.needs_manual_grade = False
            penalty = float(r.get("penalty") or 0.0)
            first_nb = cells[a][0][0]
            sn = gb.find_submission_notebook(first_nb, a, r["student"])
            sn.late_submission_penalty = penalty or None
            gb.db.commit()
            n += 1
    return n


# -- Canvas --------------------------------------------------------------------------------
def write_canvas(rows, students, path, points, canvas_ids=None):
    """A Canvas gradebook import CSV.

    Columns ``Student, ID, SIS User ID, SIS Login ID, Section``, then one per
    assignment titled ``"<assignment> (<canvas id>)"`` (just ``<assignment>`` when its
    Canvas id is unknown: Canvas then offers to create it). The second line is the
    ``Points Possible`` row. One line per roster student (name, ``lms_id`` as ID,
    ``student_id`` as SIS User ID, ``sis_login_id`` or email as SIS Login ID), then
    one per graded student not on the roster; a student with no submission scores 0.

    Parameters
    ----------
    rows : list of dict
        Joined rows (:func:`autograder.roster.join`); ``score`` is written.
    students : list of Student
    path : path-like
    points : dict
        Assignment -> points possible (:func:`assignment_points`).
    canvas_ids : dict, optional
        Assignment -> Canvas assignment id.
    """
    canvas_ids = canvas_ids or {}
    names = list(points)
    titles = [f"{a} ({canvas_ids[a]})" if canvas_ids.get(a) else a for a in names]
    score = {(r["student"], r["assignment"]): float(r["score"]) for r in rows}
    people = [(s.name, s.lms_id, s.student_id, s.sis_login_id or s.email, s.section)
              for s in students]
    known = {s.student_id for s in students}
    people += [(sid, "", sid, "", "") for sid in dict.fromkeys(r["student"] for r in rows)
               if sid not in known]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *titles])
        w.writerow(["    Points Possible", "", "", "", "", *[_fmt(points[a]) for a in names]])
        for name, lms, sid, login, section in people:
            w.writerow([name, lms, sid, login, section,
                        *[_fmt(score.get((sid, a), 0.0)) for a in names]])
    return path


# -- Gradescope ----------------------------------------------------------------------------
def _text(feedback):
    if isinstance(feedback, str):
        return feedback
    return "\n".join(str(f) for f in feedback or ())


def results_json(row):
    """One row as Gradescope's autograder ``results.json`` (a dict).

    ``score`` is the final score; each question is a test (``name``, ``score``,
    ``max_score``, ``output``: its feedback, ``visibility``: ``"visible"``); a penalty
    or an error is said in the top-level ``output``.
    """
    tests = [{"name": q["name"], "score": float(q["score"]),
              "max_score": float(q["max_score"]), "output": _text(q.get("feedback")),
              "visibility": "visible"} for q in row.get("questions") or ()]
    lines = []
    if row.get("error"):
        lines.append(str(row["error"]))
    if row.get("penalty"):
        raw = row.get("raw_score", float(row["score"]) + float(row["penalty"]))
        lines.append(f"Late penalty: -{_fmt(row['penalty'])} point(s) (raw score "
                     f"{_fmt(raw)}).")
    lines += [str(n) for n in row.get("notes") or ()]
    return {"score": float(row["score"]), "execution_time": float(row.get("seconds") or 0),
            "output": "\n".join(lines), "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"student": row["student"], "assignment": row["assignment"],
                           "status": row.get("status"),
                           "max_score": float(row["max_score"])}}


def write_results(rows, out):
    """``out/<assignment>/<student>/results.json`` for every row; the paths written."""
    paths = []
    for r in rows:
        p = Path(out) / r["assignment"] / r["student"] / "results.json"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(results_json(r), indent=1) + "\n", encoding="utf-8")
        paths.append(p)
    return paths


# -- command line --------------------------------------------------------------------------
def _run(args):
    import sys
    import warnings

    from .assignments import use_course
    from .roster import RosterError, default_roster, join, read_roster

    root = Path(args.course).resolve() if args.course else course_root()
    use_course(root)
    try:
        rows = load_rows(args.grades)
    except ValueError as err:
        print(f"course export: {err}", file=sys.stderr)
        return 2
    roster = Path(args.roster) if args.roster else default_roster(root)
    students = []
    if args.roster or roster.exists():
        try:
            students = read_roster(roster)
        except RosterError as err:
            print(f"course export: {err}", file=sys.stderr)
            return 2
    points = assignment_points(rows, root)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = join(rows, students, points)
    for w in caught:
        print(f"course export: warning: {w.message}", file=sys.stderr)
    out = Path(args.out) if args.out else Path(args.grades).parent
    todo = ["canvas", "nbgrader", "gradescope"] if args.format == "all" else [args.format]
    status = 0
    if "nbgrader" in todo:
        import importlib.util

        if importlib.util.find_spec("nbgrader") is None:
            why = ("nbgrader is not installed here; expected it for the gradebook "
                   "(pip install 'backprop-course[grading]' or pip install nbgrader)")
            if args.format == "nbgrader":
                print(f"course export: {why}", file=sys.stderr)
                return 2
            print(f"course export: warning: {why}; the other exports are written",
                  file=sys.stderr)
            todo.remove("nbgrader")
            status = 1
    bad = [x for x in args.canvas_id or () if "=" not in x or not x.split("=", 1)[1]]
    if bad:
        print(f"course export: --canvas-id {bad[0]!r}: expected ASSIGNMENT=ID, e.g. "
              "03_one_layer_at_a_time=4242", file=sys.stderr)
        return 2
    if "canvas" in todo:
        ids = dict(x.split("=", 1) for x in (args.canvas_id or ()))
        print(f"Canvas CSV: {write_canvas(rows, students, out / 'canvas.csv', points, ids)}")
    if "gradescope" in todo:
        if args.single:
            graded = [r for r in rows if r.get("status") != "missing"]
            if len(graded) != 1:
                print(f"course export: --single needs exactly one graded submission; "
                      f"{args.grades} has {len(graded)}", file=sys.stderr)
                return 2
            p = Path(args.single)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(results_json(graded[0]), indent=1) + "\n",
                         encoding="utf-8")
            print(f"results.json: {p}")
        else:
            paths = write_results(rows, out / "results")
            print(f"results.json: {len(paths)} file(s) under {out / 'results'}")
    if "nbgrader" in todo:
        db = args.db or f"sqlite:///{root / 'nbgrader' / 'gradebook.db'}"
        if db.startswith("sqlite:///"):
            Path(db[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        n = to_nbgrader(rows, db, students, root, course_id=args.course_id)
        print(f"nbgrader gradebook: {n} submission(s) in {db}")
    return status


def add_parser(subparsers):
    """Register ``export`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "export", help="export course grade's results to nbgrader's gradebook, a Canvas "
        "CSV or Gradescope results.json files",
        description="Join OUT/grades.json of course grade with the roster (students "
        "without a submission score 0) and export it (docs/gradebook.md).")
    p.add_argument("format", choices=["canvas", "nbgrader", "gradescope", "all"])
    p.add_argument("--grades", default="grades/grades.json",
                   help="course grade's JSON (default: grades/grades.json)")
    p.add_argument("--roster", help="roster CSV (default: COURSE/roster.csv if it exists)")
    p.add_argument("--course", help="course folder (default: as course grade finds it)")
    p.add_argument("--out", help="folder for canvas.csv and results/ (default: the "
                   "folder of --grades)")
    p.add_argument("--db", help="nbgrader gradebook URL (default: "
                   "sqlite:///COURSE/nbgrader/gradebook.db, as nbgrader_config.py)")
    p.add_argument("--course-id", default="backprop", help="nbgrader course id")
    p.add_argument("--canvas-id", action="append", metavar="ASSIGNMENT=ID",
                   help="a Canvas assignment id, for the column title (repeatable)")
    p.add_argument("--single", metavar="FILE", help="gradescope: write the one "
                   "submission's results.json to FILE (e.g. /autograder/results/"
                   "results.json)")
    p.set_defaults(func=_run)
    return p
