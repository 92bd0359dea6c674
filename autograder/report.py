"""What ``course grade`` writes: JSON, a CSV gradebook, HTML feedback, a class summary.

Every writer takes the rows of :func:`autograder.grader.grade_batch` (one dict per
submission) and writes nothing it was not given: feedback shows each case's label,
verdict and diagnosis, never the code of a check.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from pathlib import Path

from coursekit.judge import code_html

__all__ = [
    "compact",
    "format_table",
    "summarize",
    "write_csv",
    "write_feedback",
    "write_json",
    "write_summary",
]


def _fmt(x):
    return f"{x:.2f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


def write_json(rows, path, meta=None):
    """``{"submissions": rows, "grader": meta}`` as UTF-8 JSON.

    ``rows`` may be any iterable: each row is written as it comes, so a batch of any
    size is written without holding its rows.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"submissions": [')
        for k, row in enumerate(rows):
            fh.write(("," if k else "") + "\n " + json.dumps(row, ensure_ascii=False,
                                                             default=str))
        fh.write('\n], "grader": ' + json.dumps(meta or {}, indent=1, ensure_ascii=False,
                                                default=str) + "}\n")
    return path


def compact(row):
    """What the table, the summary and the regrade diff need of a row: the row without
    its feedback text and cell errors (most of its size), each question's feedback cut
    to its first line."""
    out = {k: v for k, v in row.items() if k not in ("questions", "cells")}
    out["questions"] = [
        {k: v for k, v in q.items() if k != "feedback"}
        | {"feedback": [str(q["feedback"][0])[:200]] if q.get("feedback") else []}
        for q in row["questions"]]
    return out


def _question_names(rows):
    names = []
    for row in rows:
        for q in row["questions"]:
            if q["name"] not in names:
                names.append(q["name"])
    return names


def write_csv(rows, path, names=None):
    """A gradebook: one line per submission, one column per question (``names``, by
    default those of ``rows``, which must then be a list)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = _question_names(rows) if names is None else names
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "assignment", "status", "score", "max_score", *names,
                    "raw_score", "penalty", "late", "overrides", "error", "identified_by",
                    "notes", "isolation"])
        for row in rows:
            per = {q["name"]: q["score"] for q in row["questions"]}
            w.writerow([row["student"], row["assignment"], row["status"], _fmt(row["score"]),
                        _fmt(row["max_score"]), *[_fmt(per.get(n, "")) for n in names],
                        _fmt(row.get("raw_score", row["score"])),
                        _fmt(row.get("penalty", 0.0)),
                        (row.get("late") or {}).get("reason") or "",
                        "; ".join(_override_text(o) for o in row.get("overrides") or ()),
                        row.get("error") or "", row.get("identified_by") or "",
                        "; ".join(row.get("notes") or ()), row.get("isolation") or ""])
    return path


def _override_text(o):
    """One override as a row keeps it, in words."""
    return (f"{o['question']} set to {_fmt(float(o['score']))} (was "
            f"{_fmt(o['was']) if o.get('was') is not None else '-'}) by "
            f"{o.get('who') or 'the instructor'}: {o.get('reason') or 'no reason given'}")


def _late_lines(row):
    """What the late policy and the overrides did to a row, in words (empty if nothing)."""
    lines = []
    if row.get("penalty"):
        lines.append(f"late penalty -{_fmt(float(row['penalty']))}: raw score "
                     f"{_fmt(float(row['raw_score']))}, "
                     f"{(row.get('late') or {}).get('reason', '')}")
    lines += [f"override: {_override_text(o)}" for o in row.get("overrides") or ()]
    return lines


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(text):
    return _SAFE.sub("_", text).strip("._") or "submission"


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
.score { font-weight: bold; } .full { color: #1a7f37; } .part { color: #9a6700; }
.zero { color: #cf222e; } table { border-collapse: collapse; }
td, th { padding: .25rem .6rem; border-bottom: 1px solid #ddd; text-align: left; }
li { margin: .2rem 0; } code { background: #f3f3f3; padding: 0 .2rem; }
.note { color: #555; } .tag { color: #555; font-size: 85%; white-space: nowrap;
  border: 1px solid #ccc; border-radius: 3px; padding: 0 .3em; }
"""

#: A feedback line's lead, shown in bold: "Likely mistake 2: ", "note: ".
_LEAD = re.compile(r"^(Likely mistake(?: \d+)?|note)(: )")
#: A case line's tag naming the likely mistake listed above it.
_TAG = re.compile(r" \((likely mistake \d+|the likely mistake above)\)$")


def _cell_where(cell):
    """How a row's cell error names its cell: as the student finds it (``where``, from
    :class:`coursekit.cells.CellNames`), else, in rows of older runs, by its number."""
    return str(cell.get("where") or f"code cell {cell.get('cell')}")


def _feedback_item(line):
    """One line of a question's feedback (:meth:`coursekit.judge.Report.feedback_lines`)
    as an HTML list item: the lead in bold, code and shapes in monospace, the tag that
    names a likely mistake as a small label."""
    line = str(line)
    lead, tag = "", ""
    m = _LEAD.match(line)
    if m:
        word = "Note" if m[1] == "note" else m[1]
        lead, line = f"<b>{html.escape(word)}</b>: ", line[m.end():]
    t = _TAG.search(line)
    if t:
        tag, line = f" <span class='tag'>{html.escape(t[1])}</span>", line[:t.start()]
    cls = " class='note'" if m and m[1] == "note" else ""
    return f"<li{cls}>{lead}{code_html(line)}{tag}</li>"


def _cls(score, max_score):
    if max_score and score >= max_score - 1e-9:
        return "full"
    return "zero" if score <= 1e-9 else "part"


def _isolation_note(backend):
    if not backend:
        return ""
    if backend == "none":
        return " Graded WITHOUT isolation (--isolation none)."
    return f" Graded in a sandbox ({backend} isolation)."


def feedback_html(row):
    """One student's feedback page (a complete HTML document)."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Feedback: {e(row['student'])}, {e(row['assignment'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(row['assignment'])}: feedback for {e(row['student'])}</h1>",
        f"<p class='score {_cls(row['score'], row['max_score'])}'>Score: "
        f"{_fmt(row['score'])} / {_fmt(row['max_score'])}</p>",
    ]
    parts += [f"<p class='part'>{e(line)}</p>" for line in _late_lines(row)]
    if row.get("error"):
        parts.append(f"<p class='zero'>{e(row['error'])}</p>")
    parts += [f"<p class='note'>Note: {e(str(n))}</p>" for n in row.get("notes") or ()]
    parts.append("<table><tr><th>question</th><th>score</th></tr>")
    for q in row["questions"]:
        parts.append(f"<tr><td><code>{e(q['name'])}</code></td><td class='"
                     f"{_cls(q['score'], q['max_score'])}'>{_fmt(q['score'])} / "
                     f"{_fmt(q['max_score'])}</td></tr>")
    parts.append("</table>")
    for q in row["questions"]:
        parts.append(f"<h2><code>{e(q['name'])}</code>: {_fmt(q['score'])} / "
                     f"{_fmt(q['max_score'])}</h2>")
        if q.get("feedback"):
            parts.append("<ul>" + "".join(_feedback_item(f) for f in q["feedback"])
                         + "</ul>")
        else:
            parts.append("<p class='note'>All cases passed.</p>")
    if row.get("cells"):
        parts.append("<h2>Cells that raised an error while the notebook was loaded</h2><ul>")
        # named as the student finds the cell (coursekit.cells); older rows: its number
        parts += [f"<li>{code_html(_cell_where(c))}: <code>{e(str(c['error']))}</code></li>"
                  for c in row["cells"]]
        parts.append("</ul><p class='note'>Grading goes on after a cell fails: functions "
                     "defined in other cells are still graded.</p>")
    parts.append("<p class='note'>Hidden cases use inputs generated for you; only their "
                 f"results are shown here.{_isolation_note(row.get('isolation'))}</p>"
                 "</body></html>")
    return "\n".join(parts)


def write_feedback(rows, folder):
    """``folder/<assignment>/<student>.html`` for every row; returns the paths."""
    folder = Path(folder)
    out = []
    for row in rows:
        d = folder / _safe_name(row["assignment"])
        d.mkdir(parents=True, exist_ok=True)
        p = d / f"{_safe_name(row['student'])}.html"
        p.write_text(feedback_html(row), encoding="utf-8")
        out.append(p)
    return out


def summarize(rows):
    """The class summary: per question, the score distribution and the mistakes made.

    Returns
    -------
    dict
        ``{"submissions", "graded", "errors", "mean_score", "max_score", "questions":
        [{"name", "assignment", "max_score", "mean", "full", "partial", "zero",
        "histogram", "mistakes": {diagnosis: number of students}}], "assignments":
        [{"name", "submissions", "graded", "mean_score", "max_score"}], "isolation":
        [backends used]}``; the histogram
        counts scores in ten bins of the question's maximum (the last bin holds full
        marks). The top-level mean is over every row; with several assignments, read
        theirs.
    """
    graded = [r for r in rows if r["status"] == "graded"]
    owner = {}
    for r in rows:
        for q in r["questions"]:
            owner.setdefault(q["name"], r["assignment"])
    per_assignment = {}
    for r in rows:
        per_assignment.setdefault(r["assignment"], []).append(r)
    assignments = [{
        "name": a, "submissions": len(group),
        "graded": sum(r["status"] == "graded" for r in group),
        "mean_score": sum(r["score"] for r in group) / len(group),
        "max_score": max(r["max_score"] for r in group)} for a, group in per_assignment.items()]
    qs = []
    for name in _question_names(rows):
        scores, maxes, mistakes = [], [], Counter()
        for row in rows:
            for q in row["questions"]:
                if q["name"] == name:
                    scores.append(q["score"])
                    maxes.append(q["max_score"])
                    mistakes.update(set(q.get("diagnoses") or ()))
        top = max(maxes) if maxes else 0.0
        hist = [0] * 10
        for s in scores:
            hist[min(int(10 * s / top), 9) if top else 0] += 1
        qs.append({
            "name": name, "assignment": owner[name], "max_score": top,
            "mean": sum(scores) / len(scores) if scores else 0.0,
            "full": sum(s >= top - 1e-9 for s in scores) if top else 0,
            "partial": sum(1e-9 < s < top - 1e-9 for s in scores),
            "zero": sum(s <= 1e-9 for s in scores),
            "histogram": hist,
            "mistakes": dict(mistakes.most_common()),
        })
    return {
        "submissions": len(rows), "graded": len(graded), "errors": len(rows) - len(graded),
        "mean_score": sum(r["score"] for r in rows) / len(rows) if rows else 0.0,
        "max_score": max((r["max_score"] for r in rows), default=0.0),
        "questions": qs, "assignments": assignments,
        "isolation": sorted({r["isolation"] for r in rows if r.get("isolation")}),
    }


def write_summary(summary, folder):
    """``summary.json`` and ``summary.html`` in ``folder``; returns both paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pj = folder / "summary.json"
    pj.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    e = html.escape
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>Class summary</title><style>{_CSS}</style></head><body>",
             "<h1>Class summary</h1>",
             f"<p>{summary['submissions']} submissions, {summary['graded']} graded, "
             f"{summary['errors']} with errors."
             f"{_isolation_note(', '.join(summary.get('isolation') or ()))}</p><ul>",
             *(f"<li><b>{e(a['name'])}</b>: {a['submissions']} submissions, {a['graded']} "
               f"graded, mean score {a['mean_score']:.2f} / {_fmt(a['max_score'])}</li>"
               for a in summary.get("assignments", ())),
             "</ul><table><tr><th>assignment</th><th>question</th><th>mean</th>"
             "<th>full</th><th>partial</th>"
             "<th>zero</th><th>distribution (0 to full, 10 bins)</th>"
             "<th>mistakes (students)</th></tr>"]
    for q in summary["questions"]:
        bars = " ".join(str(h) for h in q["histogram"])
        mistakes = ", ".join(f"{e(k)}: {v}" for k, v in q["mistakes"].items()) or "none"
        parts.append(f"<tr><td>{e(q.get('assignment', ''))}</td>"
                     f"<td><code>{e(q['name'])}</code></td><td>{q['mean']:.2f} / "
                     f"{_fmt(q['max_score'])}</td><td>{q['full']}</td><td>{q['partial']}</td>"
                     f"<td>{q['zero']}</td><td><code>{bars}</code></td><td>{mistakes}</td></tr>")
    parts.append("</table></body></html>")
    ph = folder / "summary.html"
    ph.write_text("\n".join(parts), encoding="utf-8")
    return pj, ph


def format_table(rows):
    """The grade table printed at the end of ``course grade``.

    One table per assignment, in the order the assignments first appear, each with its
    own questions numbered ``Q1, Q2, ...`` and a legend underneath, so that the table
    stays narrow however many functions an assignment grades and however many
    assignments a batch holds.
    """
    groups = {}
    for r in rows:
        groups.setdefault(r["assignment"], []).append(r)
    if len(groups) <= 1:
        return _assignment_table(rows)
    blocks = [f"{assignment} ({len(group)} submission{'s' * (len(group) != 1)})\n"
              + _assignment_table(group, show_assignment=False)
              for assignment, group in groups.items()]
    return "\n\n".join(blocks)


def _assignment_table(rows, show_assignment=True):
    names = _question_names(rows)
    w_student = max([len("student"), *(len(r["student"]) for r in rows)])
    w_assign = max([len("assignment"), *(len(r["assignment"]) for r in rows)])
    cols = [f"Q{j + 1}" for j in range(len(names))]
    width = max([4, *(len(c) for c in cols)])

    def left(student, assignment):
        text = f"{student:<{w_student}}  "
        return text + (f"{assignment:<{w_assign}}  " if show_assignment else "")

    head = left("student", "assignment") + f"{'score':>11}  " + " ".join(
        f"{c:>{width}}" for c in cols)
    lines = [head.rstrip(), "-" * len(head.rstrip())]
    for r in rows:
        per = {q["name"]: q for q in r["questions"]}
        cells = []
        for n in names:
            q = per.get(n)
            mark = "" if q is None else _fmt(q["score"])
            cells.append(f"{mark:>{width}}")
        total = f"{_fmt(r['score'])}/{_fmt(r['max_score'])}"
        line = left(r["student"], r["assignment"]) + f"{total:>11}  " + " ".join(cells)
        if r["status"] != "graded" or r.get("error"):
            line += f"   ! {r.get('error') or r['status']}"
        lines.append(line.rstrip())
        lines += [f"{'':<{w_student}}  {n}" for n in _late_lines(r)]
        lines += [f"{'':<{w_student}}  note: {n}" for n in r.get("notes") or ()]
    if names:
        maxes = {}
        for r in rows:
            for q in r["questions"]:
                maxes.setdefault(q["name"], q["max_score"])
        legend = [f"{c} {n} (/{_fmt(maxes[n])})" for c, n in zip(cols, names, strict=True)]
        lines.append("")
        for i in range(0, len(legend), 3):
            lines.append("   ".join(legend[i : i + 3]))
    return "\n".join(lines)
