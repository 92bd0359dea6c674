"""Resumable batches: every graded row is journalled as soon as it is finished.

``course grade`` appends each finished row to ``OUT/journal.jsonl`` (one JSON line,
flushed and ``fsync``-ed), so a batch stopped by Ctrl-C, a crash or a reboot loses at most
the submissions that were running. The next ``course grade`` with the same ``--out``
reuses a journalled row when its **key** is the same, and grades only the rest.

The key of a submission is made of:

* who and where: the student id and nbgrader's assignment folder;
* **the submission**: a SHA-256 of its files' names and bytes (a new hand-in regrades);
* **the checks**: :func:`checks_fingerprint`, a SHA-256 of the grading code (the
  ``autograder``, ``course.nn`` and ``coursekit`` packages) and of the course's
  questions, points and ``checks.py`` files (a changed check regrades everyone);
* **the options** that change a score: ``--mode``, ``--hidden-cases``, ``--only``,
  ``--assignment``, ``--all-checks`` and the time limits.

The late policy and the overrides are not in the key: the journal holds the grader's
raw rows, and :func:`autograder.policy.apply_policy` is applied to every row (reused or
new) at the end of each run, so a new deadline or override never needs a regrade.

A torn last line (the machine lost power mid-write) is skipped. At the end of a batch
that was not interrupted, the journal is rewritten with only this run's rows, so it
never grows beyond one line per submission.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

__all__ = ["Journal", "checks_fingerprint", "submission_hash"]

#: The journal's file name inside the output folder.
JOURNAL = "journal.jsonl"
#: Bumped when the key or the row format changes: older journals are then ignored.
VERSION = 1

_PACKAGES = ("autograder", "course/nn", "coursekit")


def submission_hash(sub):
    """SHA-256 of a submission's files (names and bytes, in order); an unreadable file
    counts by its name and the error, so it still gets a stable key.

    Parameters
    ----------
    sub : autograder.grader.Submission

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    h = hashlib.sha256()
    for p in sub.paths:
        p = Path(p)
        h.update(p.name.encode() + b"\0")
        try:
            with p.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        except OSError as err:
            h.update(f"unreadable: {type(err).__name__}".encode())
        h.update(b"\0")
    return h.hexdigest()


def _package_files():
    root = Path(__file__).resolve().parent.parent
    for pkg in _PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            yield path.relative_to(root).as_posix(), path


def checks_fingerprint(root=None):
    """SHA-256 of everything a score depends on besides the submission and the options.

    The grading code (every ``.py`` of ``autograder``, ``course/nn`` and ``coursekit``),
    the course's registry (each assignment's questions, checks and points, as read from
    its solution notebooks) and each ``solutions/<assignment>/checks.py``.

    Parameters
    ----------
    root : path, optional
        The course folder (default :func:`autograder.assignments.course_root`).

    Returns
    -------
    str
        64 hexadecimal digits; equal on two runs exactly when none of these changed.
    """
    from .assignments import CHECKS_FILE, course_root, registry

    root = Path(root) if root is not None else course_root()
    h = hashlib.sha256()
    for rel, path in _package_files():
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    reg = registry(root)
    h.update(json.dumps({a: [[q.function, q.check, q.points] for q in qs]
                         for a, qs in sorted(reg.items())}).encode())
    for path in sorted((root / "solutions").glob(f"*/{CHECKS_FILE}")):
        h.update(path.parent.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


class Journal:
    """The rows of earlier runs of ``course grade`` into one output folder.

    Parameters
    ----------
    folder : path
        The output folder (``--out``).
    options : dict
        The options that change a score (JSON-serialisable); part of every key.
    fingerprint : str
        :func:`checks_fingerprint` of this run.
    fresh : bool
        Ignore (and replace) what an earlier run journalled (``--fresh``).
    """

    def __init__(self, folder, options, fingerprint, fresh=False):
        self.path = Path(folder) / JOURNAL
        self.fingerprint = fingerprint
        self._options = json.dumps(options, sort_keys=True, default=str)
        self._fh = None
        self.failed = None  # why the journal could not be written, if it could not
        # key -> (offset, length) of its line in the file; only positions are kept in
        # memory, never the rows, so memory stays flat however long the batch
        self._old = {} if fresh else self._read()
        self.where = {}  # key -> position of this run's rows (reused or written)
        self._memory = {}  # key -> line, only for rows the file could not take

    def _read(self):
        old = {}
        try:
            fh = self.path.open("rb")
        except OSError:
            return old
        offset = 0
        with fh:
            for line in fh:
                n = len(line)
                try:
                    entry = json.loads(line)
                    if entry.get("v") == VERSION and isinstance(entry.get("row"), dict):
                        old[entry["key"]] = (offset, n)
                except (ValueError, AttributeError, KeyError, TypeError):
                    pass  # a torn line from a crash mid-write
                offset += n
        return old

    def key(self, sub, digest=None):
        """The key of a submission (see the module's docstring); ``digest`` is its
        :func:`submission_hash` when already computed."""
        h = hashlib.sha256()
        for part in (sub.student, sub.nbgrader or "", digest or submission_hash(sub),
                     self.fingerprint, self._options):
            h.update(part.encode() + b"\0")
        return h.hexdigest()

    def _line(self, where):
        with self.path.open("rb") as fh:
            fh.seek(where[0])
            return fh.read(where[1])

    def reuse(self, k):
        """The journalled row graded under key ``k``, or ``None``.

        Returns
        -------
        dict or None
            A fresh copy of the grader's raw row (before any late policy).
        """
        where = self._old.get(k)
        if where is None:
            return None
        try:
            row = json.loads(self._line(where))["row"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        self.where[k] = where
        return row

    def record(self, k, row, backend=None):
        """Append ``row`` (just graded) under key ``k``; flushed and fsync-ed.

        A journal that cannot be written never stops the batch: :attr:`failed` says why
        and the row is kept in memory instead.
        """
        entry = dict(row)
        if backend and not entry.get("isolation"):
            entry["isolation"] = backend
        line = (json.dumps({"v": VERSION, "key": k, "row": entry}, ensure_ascii=False,
                           default=str) + "\n").encode("utf-8")
        if not self.failed:
            try:
                if self._fh is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._fh = self.path.open("ab")
                    self._size = self._fh.seek(0, os.SEEK_END)
                    if self._size and self._line((self._size - 1, 1)) != b"\n":
                        self._fh.write(b"\n")  # after a torn last line: a line of its own
                        self._size += 1
                self._fh.write(line)
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self.where[k] = (self._size, len(line))
                self._size += len(line)
                return
            except OSError as err:
                self.failed = f"{self.path}: {err}"
        self._memory[k] = line

    def row(self, k):
        """The row recorded or reused under ``k`` in this run (read back from the file)."""
        line = self._memory.get(k)
        if line is None:
            if self._fh is not None:
                self._fh.flush()
            line = self._line(self.where[k])
        return json.loads(line)["row"]

    def close(self, complete):
        """Close the file; after a ``complete`` batch keep only this run's rows (copied
        to a temporary file, in order, and renamed over the journal, so a crash leaves
        one or the other)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if not complete or self.failed:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            with self.path.open("rb") as src, tmp.open("wb") as dst:
                where = {}
                for k, (offset, n) in self.where.items():
                    src.seek(offset)
                    where[k] = (dst.tell(), n)
                    dst.write(src.read(n))
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(tmp, self.path)
            self.where = where
        except OSError as err:
            self.failed = f"{self.path}: {err}"
