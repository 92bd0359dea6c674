"""The course roster: who is enrolled, and the ids the LMS knows them by.

A UTF-8 CSV file (default ``<course>/roster.csv``) with a header line. Required
columns: ``student_id`` (the id ``course grade`` reports: the submission folder's
name), ``name``, ``email``, ``lms_id`` (the LMS's own user id, e.g. Canvas's numeric
"ID"; may be empty). Optional: ``sis_login_id`` and ``section``. Other columns are
ignored. See docs/gradebook.md.
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass
from pathlib import Path

__all__ = ["OPTIONAL", "REQUIRED", "RosterError", "Student", "default_roster",
           "join", "missing_row", "read_roster"]

#: Columns a roster must have.
REQUIRED = ("student_id", "name", "email", "lms_id")
#: Columns a roster may have.
OPTIONAL = ("sis_login_id", "section")


class RosterError(ValueError):
    """A roster file that cannot be used (the message names the file and line)."""


@dataclass(frozen=True)
class Student:
    """One enrolled student (the columns of :data:`REQUIRED` and :data:`OPTIONAL`)."""

    student_id: str
    name: str
    email: str
    lms_id: str
    sis_login_id: str = ""
    section: str = ""


def default_roster(course):
    """``<course>/roster.csv``."""
    return Path(course) / "roster.csv"


def lms_ids(students):
    """``lms_id -> student_id`` of the students that have an LMS id (for
    :func:`autograder.collect.collect`)."""
    return {s.lms_id: s.student_id for s in students if s.lms_id}


def read_roster(path):
    """The students of the roster file ``path``, in file order.

    Raises
    ------
    RosterError
        For an unreadable file, a missing column, an empty or duplicated student id.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise RosterError(f"{path}: cannot read the roster ({err}); expected a UTF-8 CSV "
                          f"file with columns {', '.join(REQUIRED)}") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterError(f"{path}, line 1: the header lacks column(s) {', '.join(missing)}"
                          f"; expected {', '.join(REQUIRED)} (optional: "
                          f"{', '.join(OPTIONAL)}), found {', '.join(header) or 'nothing'}")
    reader.fieldnames = header
    students, seen = [], {}
    for row in reader:
        line = reader.line_num
        get = {k: (row.get(k) or "").strip() for k in (*REQUIRED, *OPTIONAL)}
        sid = get["student_id"]
        if not sid:
            raise RosterError(f"{path}, line {line}: empty student_id; expected the id "
                              "course grade reports for that student")
        if sid in seen:
            raise RosterError(f"{path}, line {line}: student_id {sid!r} already on line "
                              f"{seen[sid]}; expected each student once")
        seen[sid] = line
        students.append(Student(**get))
    return students


def missing_row(student, assignment, max_score):
    """The row of a roster student with no submission for ``assignment`` (score 0)."""
    return {"student": student, "assignment": assignment, "identified_by": None,
            "notes": ["no submission"], "files": [], "status": "missing",
            "error": "no submission", "score": 0.0, "max_score": float(max_score),
            "questions": [], "cells": [], "seconds": 0.0}


def join(rows, students, assignments):
    """Rows of ``course grade`` joined with the roster.

    Parameters
    ----------
    rows : list of dict
        ``course grade``'s rows (kept, all of them, in their order).
    students : list of Student
        The roster.
    assignments : dict
        Assignment name -> max score: every roster student without a row for one of
        them gets a :func:`missing_row`.

    Returns
    -------
    list of dict
        ``rows`` then the missing rows. A row whose student is not on the roster is
        kept, with a :class:`UserWarning`.
    """
    enrolled = {s.student_id for s in students}
    strangers = sorted({r["student"] for r in rows} - enrolled)
    if strangers and students:
        warnings.warn(f"{len(strangers)} student(s) graded but not on the roster, kept: "
                      f"{', '.join(strangers)}", UserWarning, stacklevel=2)
    have = {(r["student"], r["assignment"]) for r in rows}
    out = list(rows)
    for a, max_score in assignments.items():
        out += [missing_row(s.student_id, a, max_score) for s in students
                if (s.student_id, a) not in have]
    return out
