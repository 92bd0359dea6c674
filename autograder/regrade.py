"""Regrades: what changed since the previous run of ``course grade``, and why.

Each complete run of ``course grade`` keeps a copy of its results in
``OUT/history/<UTC time>/`` (``grades.json``, ``grades.csv``, the compact rows
``rows.jsonl`` and, from the second run on, ``changes.csv``). A run compares its final
rows with the newest copy there and writes ``OUT/changes.csv`` and ``OUT/changes.json``:
one line per student, assignment and question whose score changed, with the old score,
the new one and why.

The reasons, for each changed question (the first that holds):

1. ``override``: an instructor's override (``overrides.csv``) was added, changed or
   removed for it;
2. ``new submission``: the student's files differ (their SHA-256);
3. ``new check``: the grading code, the course's questions, points or ``checks.py``
   differ (:func:`autograder.journal.checks_fingerprint`);
4. ``same submission and checks``: nothing the grade depends on changed (a time limit
   hit on a loaded machine, for example; look at the feedback).

Each changed final score gets a ``(final)`` line whose reason lists its questions'
reasons and, when the penalty changed, ``new late policy`` (a deadline, an extension or
a penalty rule changed), ``new submission time`` or ``late: ...``; a total override
gives ``override``. A student graded now but not before gets ``first graded``, and
one graded before but not in this run ``not in this run``.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["CHANGE_COLUMNS", "archive", "diff", "previous_run", "write_changes"]

HISTORY = "history"
#: The compact rows of a run, kept in its history folder (what the next diff reads).
ROWS = "rows.jsonl"
FINAL = "(final)"
CHANGE_COLUMNS = ("student", "assignment", "question", "old", "new", "reason", "detail")
_EPS = 1e-9


def previous_run(out):
    """The newest complete earlier run kept in ``out/history/``.

    Returns
    -------
    (rows, meta, folder) or None
        ``None`` when there is none (a first run, or unreadable copies only).
    """
    history = Path(out) / HISTORY
    if not history.is_dir():
        return None
    for folder in sorted((d for d in history.iterdir() if d.is_dir()), reverse=True):
        try:
            with (folder / ROWS).open(encoding="utf-8") as fh:
                meta = json.loads(fh.readline())
                return [json.loads(line) for line in fh if line.strip()], meta, folder
        except (OSError, ValueError, KeyError, TypeError):
            pass
        try:  # a copy without rows.jsonl: its grades.json
            doc = json.loads((folder / "grades.json").read_text(encoding="utf-8"))
            return doc["submissions"], doc.get("grader", {}), folder
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def _override_of(q):
    o = q.get("override")
    return None if not o else (o.get("score"), o.get("reason"), o.get("who"))


def _total_override(row):
    found = [o for o in row.get("overrides") or () if o.get("question") == "total"]
    return None if not found else (found[-1].get("score"), found[-1].get("reason"))


def _graded_with(row, key):
    return (row.get("graded_with") or {}).get(key)


def _question_reason(old_row, new_row, old_q, new_q):
    if _override_of(old_q) != _override_of(new_q):
        o = new_q.get("override")
        if o:
            return "override", f"{o.get('who') or 'the instructor'}: {o.get('reason')}"
        return "override", "override removed"
    if _graded_with(old_row, "submission") != _graded_with(new_row, "submission"):
        return "new submission", ""
    if _graded_with(old_row, "checks") != _graded_with(new_row, "checks"):
        return "new check", ""
    return "same submission and checks", "; ".join(new_q.get("feedback") or ())[:200]


def _late_reason(old_row, new_row):
    old_late, new_late = old_row.get("late") or {}, new_row.get("late") or {}
    if old_row.get("policy") != new_row.get("policy"):
        return "new late policy"
    if old_late.get("submitted_at") != new_late.get("submitted_at"):
        return "new submission time"
    return "late"


def _changed(a, b):
    return a is None or b is None or abs(float(a) - float(b)) > _EPS


def diff(old_rows, new_rows):
    """The changes between two runs' final rows.

    Parameters
    ----------
    old_rows, new_rows : list of dict
        Rows of ``grades.json`` (after :func:`autograder.policy.apply_policy`).

    Returns
    -------
    list of dict
        With the keys of :data:`CHANGE_COLUMNS`; ``old``/``new`` are ``None`` for a
        question or submission that one of the runs does not have.
    """
    key = lambda r: (r["student"], r["assignment"])  # noqa: E731
    old = {key(r): r for r in old_rows}
    new = {key(r): r for r in new_rows}
    out = []
    for k in [*new, *(k for k in old if k not in new)]:
        o, n = old.get(k), new.get(k)
        student, assignment = k
        if o is None or n is None:
            out.append({"student": student, "assignment": assignment, "question": FINAL,
                        "old": None if o is None else o["score"],
                        "new": None if n is None else n["score"],
                        "reason": "first graded" if o is None else "not in this run",
                        "detail": ""})
            continue
        oq = {q["name"]: q for q in o["questions"]}
        nq = {q["name"]: q for q in n["questions"]}
        reasons = []
        for name in [*nq, *(x for x in oq if x not in nq)]:
            a, b = oq.get(name), nq.get(name)
            if a is not None and b is not None and not _changed(a["score"], b["score"]):
                continue
            if a is None or b is None:
                reason, detail = "new check", ("question added" if a is None
                                               else "question removed")
            else:
                reason, detail = _question_reason(o, n, a, b)
            reasons.append(reason)
            out.append({"student": student, "assignment": assignment, "question": name,
                        "old": None if a is None else a["score"],
                        "new": None if b is None else b["score"], "reason": reason,
                        "detail": detail})
        if not _changed(o["score"], n["score"]) and not reasons:
            continue
        if _changed(o.get("penalty", 0.0), n.get("penalty", 0.0)):
            reasons.append(_late_reason(o, n))
        if _total_override(o) != _total_override(n):
            reasons.append("override")
        if not _changed(o["score"], n["score"]):
            continue  # questions moved, the total did not (listed above)
        late = (n.get("late") or {}).get("reason") or ""
        out.append({"student": student, "assignment": assignment, "question": FINAL,
                    "old": o["score"], "new": n["score"],
                    "reason": ", ".join(dict.fromkeys(reasons)) or "same submission and checks",
                    "detail": (f"raw {_fmt(n.get('raw_score', n['score']))}, penalty "
                               f"{_fmt(n.get('penalty', 0.0))}" + (f" ({late})" if late
                                                                   else ""))})
    return out


def _fmt(x):
    return "" if x is None else f"{float(x):.2f}".rstrip("0").rstrip(".")


def write_changes(changes, out, against=None):
    """``out/changes.csv`` and ``out/changes.json``; returns both paths.

    Parameters
    ----------
    changes : list of dict
        From :func:`diff`.
    against : str, optional
        The earlier run compared with (its history folder), recorded in the JSON.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pc = out / "changes.csv"
    with pc.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CHANGE_COLUMNS)
        for c in changes:
            w.writerow([_fmt(c[k]) if k in ("old", "new") else c[k] for k in CHANGE_COLUMNS])
    pj = out / "changes.json"
    pj.write_text(json.dumps({"against": against, "changes": changes}, indent=1,
                             ensure_ascii=False) + "\n", encoding="utf-8")
    return pc, pj


def archive(out, files, rows=None, meta=None):
    """Copy this run's ``files`` into a new ``out/history/<UTC time>/``, with ``rows``
    (compact, :func:`autograder.report.compact`) in ``rows.jsonl`` for the next run's
    diff (its first line is ``meta``); returns the folder."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H-%M-%SZ")
    history = Path(out) / HISTORY
    folder, n = history / stamp, 1
    while folder.exists():
        n += 1
        folder = history / f"{stamp}-{n}"
    folder.mkdir(parents=True)
    for f in files:
        if f is not None and Path(f).is_file():
            shutil.copy2(f, folder / Path(f).name)
    if rows is not None:
        with (folder / ROWS).open("w", encoding="utf-8") as fh:
            fh.write(json.dumps(meta or {}, default=str) + "\n")
            fh.writelines(json.dumps(r, ensure_ascii=False, default=str) + "\n"
                          for r in rows)
    return folder
