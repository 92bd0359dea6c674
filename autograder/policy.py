"""Late penalties and manual overrides: from the grader's raw score to the final score.

The grader (:func:`autograder.grader.grade_batch`) scores what a submission does; this
module decides what the score is worth. :func:`apply_policy` runs these steps on each
row, in order:

1. **question overrides**: an instructor's score for one question replaces the
   grader's; ``raw_score`` is the sum of the questions after them;
2. **late penalty**: from the submission time (:func:`submission_time`), the
   student's deadline (with any extension) and the assignment's policy
   (:func:`late_penalty`), subtracted from ``raw_score`` (never below 0);
3. **total overrides**: an instructor's total replaces the final score.

Ordering rules: step 1 before step 2, because a corrected question is still late work;
step 3 last, because an override is the instructor's final word and wins over
everything, the penalty included. Each row gains ``raw_score``, ``penalty``, ``late``
(``{submitted_at, deadline, days_late, reason, source}``) and ``overrides``, and its
``score`` becomes the final score.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

__all__ = ["Override", "OverrideError", "apply_policy", "late_penalty", "load_overrides",
           "submission_time"]

#: The columns of the overrides file.
OVERRIDE_COLUMNS = ("student", "assignment", "question", "score", "reason", "who")
#: The ``question`` of an override of the whole assignment's score.
TOTAL = "total"


def _utc(when):
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def _num(x):
    return f"{x:.2f}".rstrip("0").rstrip(".")


# ------------------------------------------------------------------------ submission time


def _parse_timestamp(text):
    """nbgrader's ``timestamp.txt`` as an aware UTC datetime (nbgrader's own parser)."""
    try:
        from nbgrader.utils import parse_utc
    except ImportError:  # nbgrader is optional: dateutil (matplotlib's) reads its format
        import dateutil.parser

        def parse_utc(ts):
            when = dateutil.parser.parse(ts)
            return when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when
    return parse_utc(text.strip()).replace(tzinfo=timezone.utc)


def submission_time(paths, missing="mtime"):
    """When a submission was handed in, and how that is known.

    Parameters
    ----------
    paths : list of Path
        The submission's notebooks (in nbgrader's layout, all in one folder).
    missing : {"mtime", "on_time"}
        Without a ``timestamp.txt``: the newest modification time of the notebooks, or
        ``None`` (taken as on time).

    Returns
    -------
    (datetime or None, str)
        The time (aware, UTC) and its source: ``"timestamp.txt"``, ``"file modification
        time (no timestamp.txt)"``, or why there is none.
    """
    paths = [Path(p) for p in paths]
    why = "no timestamp.txt"
    if paths:
        stamp = paths[0].parent / "timestamp.txt"
        if stamp.is_file():
            try:
                return _parse_timestamp(stamp.read_text(encoding="utf-8")), "timestamp.txt"
            except (OSError, ValueError, OverflowError) as err:
                why = f"timestamp.txt unreadable ({err})"
    if missing == "on_time" or not paths:
        return None, f"{why}: taken as on time (missing_timestamp = \"on_time\")"
    try:
        newest = max(p.stat().st_mtime for p in paths)
    except OSError as err:
        return None, f"{why}, and the files cannot be read ({err}): taken as on time"
    return datetime.fromtimestamp(newest, tz=timezone.utc), f"file modification time ({why})"


# ---------------------------------------------------------------------------- late penalty


def late_penalty(raw, max_score, submitted_at, policy, student):
    """The penalty on ``raw`` points of a submission handed in at ``submitted_at``.

    Days late are counted from the (student's) deadline, not from the end of the grace
    period, and rounded up: 1 minute after the grace period is 1 day late.

    Parameters
    ----------
    raw, max_score : float
        The score before the penalty and the assignment's points.
    submitted_at : datetime or None
        Aware; ``None``: unknown, taken as on time.
    policy : autograder.config.LatePolicy
    student : str
        For the student's extension.

    Returns
    -------
    (float, dict)
        The penalty (``0 <= penalty <= raw``) and ``{"submitted_at", "deadline",
        "days_late", "reason"}`` (times as ISO 8601 in UTC).
    """
    deadline, extension = policy.for_student(student)
    late = {"submitted_at": _utc(submitted_at) if submitted_at else None,
            "deadline": _utc(deadline) if deadline else None, "days_late": 0}
    ext = f" ({extension})" if extension else ""
    if deadline is None:
        return 0.0, dict(late, reason="no deadline set")
    if submitted_at is None:
        return 0.0, dict(late, reason="submission time unknown: taken as on time")
    delta = submitted_at - deadline
    if delta <= timedelta(0):
        return 0.0, dict(late, reason=f"on time{ext}")
    if delta <= timedelta(minutes=policy.grace_minutes):
        return 0.0, dict(late, reason=f"within the {_num(policy.grace_minutes)}-minute "
                         f"grace period{ext}")
    days = math.ceil(delta / timedelta(days=1))
    late["days_late"] = days
    when = f"{days} day(s) late{ext}"
    if (policy.no_credit_after_days is not None
            and delta > timedelta(days=policy.no_credit_after_days)):
        return float(raw), dict(late, reason=f"{when}: more than "
                                f"{_num(policy.no_credit_after_days)} days late, no credit")
    if policy.penalty_per_day_points is not None:
        per = policy.penalty_per_day_points
        per_text = f"{_num(per)} points"
    elif policy.penalty_per_day_fraction is not None:
        per = policy.penalty_per_day_fraction * max_score
        per_text = f"{_num(100 * policy.penalty_per_day_fraction)}% of {_num(max_score)}"
    else:
        return 0.0, dict(late, reason=f"{when}: no penalty set")
    penalty = days * per
    reason = f"{when} x {per_text} per day"
    cap = (policy.max_penalty_points if policy.max_penalty_points is not None
           else None if policy.max_penalty_fraction is None
           else policy.max_penalty_fraction * max_score)
    if cap is not None and penalty > cap:
        penalty, reason = cap, f"{reason}, capped at {_num(cap)}"
    if penalty > raw:
        penalty, reason = raw, f"{reason} (no more than the score)"
    return round(float(penalty), 6), dict(late, reason=reason)


# ------------------------------------------------------------------------------ overrides


class OverrideError(ValueError):
    """A line of the overrides file that cannot be used (file, line, column, value)."""


@dataclass(frozen=True)
class Override:
    """One instructor's score: ``question`` is a graded function's name or ``"total"``."""

    student: str
    assignment: str
    question: str
    score: float
    reason: str
    who: str
    line: int = 0

    def record(self, old):
        """What the row keeps of it."""
        return {"question": self.question, "score": self.score, "was": old,
                "reason": self.reason, "who": self.who}


def load_overrides(path):
    """The overrides of a CSV file with the columns of :data:`OVERRIDE_COLUMNS`.

    A later line for the same student, assignment and question replaces an earlier one.

    Raises
    ------
    OverrideError
        For a missing column, an empty student or assignment, or a score that is not a
        number of at least 0 (the message names the file, the line and the value).
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or ()]
            missing = [c for c in OVERRIDE_COLUMNS if c not in header]
            if missing:
                raise OverrideError(f"{path}: no column {missing[0]!r} (header: "
                                    f"{','.join(header) or 'empty'}); expected the "
                                    f"columns {','.join(OVERRIDE_COLUMNS)}")
            found = {}
            for line, raw in enumerate(reader, start=2):
                rec = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
                if not any(rec.values()):
                    continue
                for key in ("student", "assignment"):
                    if not rec[key]:
                        raise OverrideError(f"{path}, line {line}: {key} is empty; expected "
                                            f"the {key} the score is for")
                try:
                    score = float(rec["score"])
                    if not math.isfinite(score) or score < 0:
                        raise ValueError
                except ValueError:
                    raise OverrideError(f"{path}, line {line}: score = {rec['score']!r}; "
                                        "expected a number of points, at least 0") from None
                o = Override(rec["student"], rec["assignment"], rec["question"] or TOTAL,
                             score, rec["reason"], rec["who"], line)
                found[(o.student, o.assignment, o.question)] = o
    except OSError as err:
        raise OverrideError(f"{path}: cannot be read ({err}); expected a CSV file with "
                            f"the columns {','.join(OVERRIDE_COLUMNS)}") from None
    except (csv.Error, UnicodeDecodeError) as err:
        raise OverrideError(f"{path}: not a CSV file ({err}); expected the columns "
                            f"{','.join(OVERRIDE_COLUMNS)}") from None
    return list(found.values())


# ------------------------------------------------------------------------------- pipeline


def apply_policy(row, config, overrides=(), submitted=(None, "not known")):
    """Steps 1-3 of the module's pipeline on one row (in place); returns the row.

    Parameters
    ----------
    row : dict
        A row of :func:`autograder.grader.grade_batch` (its ``score`` the grader's).
    config : autograder.config.CourseConfig
    overrides : list of Override
        Those of this row's student and assignment are applied.
    submitted : (datetime or None, str)
        :func:`submission_time` of the row's submission.

    Returns
    -------
    dict
        The row with ``raw_score``, ``penalty``, ``late``, ``overrides`` and the final
        ``score``; an override whose question the row does not have is kept in
        ``unused_overrides`` and noted.
    """
    mine = [o for o in overrides
            if o.student == row["student"] and o.assignment == row["assignment"]]
    applied, unused = [], []
    by_name = {q["name"]: q for q in row["questions"]}
    for o in mine:  # 1. question overrides
        if o.question == TOTAL:
            continue
        q = by_name.get(o.question)
        if q is None:
            unused.append(o)
            continue
        applied.append(o.record(q["score"]))
        q["override"] = applied[-1]
        q["score"] = o.score
        q.setdefault("feedback", []).insert(
            0, f"score set to {_num(o.score)} by {o.who or 'the instructor'}: {o.reason}")
    if any(q.get("override") for q in row["questions"]):
        row["raw_score"] = round(sum(q["score"] for q in row["questions"]), 6)
    else:
        row["raw_score"] = row["score"]
    submitted_at, source = submitted
    policy = config.policy(row["assignment"])
    if row["status"] == "graded" or row["raw_score"] > 0:  # 2. late penalty
        penalty, late = late_penalty(row["raw_score"], row["max_score"], submitted_at,
                                     policy, row["student"])
    else:
        penalty, late = 0.0, {"submitted_at": _utc(submitted_at) if submitted_at else None,
                              "deadline": None, "days_late": 0, "reason": "not graded"}
    late["source"] = source
    row["penalty"], row["late"] = penalty, late
    row["score"] = round(max(0.0, row["raw_score"] - penalty), 6)
    for o in mine:  # 3. total overrides
        if o.question == TOTAL:
            applied.append(o.record(row["score"]))
            row["score"] = o.score
    row["overrides"] = applied
    if unused:
        row["unused_overrides"] = [o.record(None) for o in unused]
        row["notes"] = [*row.get("notes", []), *(
            f"override of {o.question!r} (line {o.line}) not applied: the row has no such "
            f"question; expected one of {', '.join(by_name) or 'none'} or {TOTAL!r}"
            for o in unused)]
    row["policy"] = policy.fingerprint(row["student"])
    return row
