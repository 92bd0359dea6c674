"""Naming a notebook's cells the way a student finds them.

JupyterLab shows no cell numbers: "cell 17" has to be counted by hand, and whether the
markdown cells count is anybody's guess. Every report that points at a cell
(``grader.submit()``'s "first cell that fails", ``course grade``'s feedback, the
sandbox's error reports) names it by what the student sees, in this order:

1. the graded functions it defines (``the cell that defines linear_backward``), else the
   other functions or classes it defines, else its first line (``the cell starting
   `rng = np.random.default_rng(1)```);
2. the heading above it, shortened to ``Exercise 4`` for an exercise's heading;
3. last, as a secondary hint, its place among the **code** cells: ``10th of 27 code
   cells`` (markdown cells are not counted; a number in the sandbox's reports is a code
   cell's too).

For example ``the cell that defines linear_backward (under "Exercise 4"; 10th of 27
code cells)``. Reading is by regular expressions only (no parsing), so that a cell with a
syntax error is named as well and naming costs nothing until a report needs it.
"""

from __future__ import annotations

import re

__all__ = ["CellNames", "misspelled", "ordinal", "shorten"]

#: A top-level ``def``/``class`` (not indented), and its name.
_DEF = re.compile(r"^(?:async[ \t]+)?(?:def|class)[ \t]+([A-Za-z_]\w*)", re.M)
#: A markdown heading line, and its text.
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
#: An exercise's heading: "Exercise 4 (graded, 2 points): `linear_backward`" -> "Exercise 4".
_EXERCISE = re.compile(r"^(Exercise\s+\d+[a-z]?)\b", re.I)
#: How the sandbox's runner names a code cell in a traceback: ``(cell 17, line 3)``.
_RUNNER_WHERE = re.compile(r"\(cell (\d+), line (\d+)\)")


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def shorten(text: str, width: int = 50) -> str:
    """``text`` on one line, cut to ``width`` characters with ``...``."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 3].rstrip() + "..."


def misspelled(name, defined):
    """The names of ``defined`` that look like a misspelling of ``name``
    (``linear_backwards``, ``Linear_backward``): a student's def that the checks cannot
    find by its name."""
    defined = [d for d in dict.fromkeys(defined) if d != name and not d.startswith("_")]
    # at most two letters typed, dropped or changed (one in a short name; case does not
    # count), so that the notebook's other functions (init_ vs train_, softmax_ vs
    # tanh_softmax_) are not taken for misspellings
    limit = 2 if len(name) >= 8 else 1
    return [d for d in defined if _edits(name.lower(), d.lower(), limit) <= limit][:2]


def _edits(a, b, limit):
    """The Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it exceeds
    ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        if min(row) > limit:
            return limit + 1
    return row[-1]


def _listed(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class CellNames:
    """How reports name the code cells of one or more notebooks.

    Parameters
    ----------
    cells : sequence of (str, str)
        ``(cell_type, source)`` of every cell of the notebook, in order (markdown cells
        give the headings).
    graded : iterable of str, optional
        The graded functions' names: a cell is named after those it defines first.
    file : str, optional
        The notebook's file name, said when several notebooks are named together
        (:meth:`joined`).

    Code cells are numbered ``k = 0, 1, ...`` in order, markdown cells not counted: the
    numbering of :class:`autograder.notebook.Notebook`'s ``code`` and of the sandbox.
    """

    def __init__(self, cells=(), graded=(), file=None):
        self._graded = set(graded)
        # (file, cells of that file, positions of its code cells) per notebook
        self._parts = []
        self._code = []                  # k -> (part, position of the cell in its file)
        self._add(list(cells), file)

    def _add(self, cells, file):
        part = len(self._parts)
        positions = [i for i, c in enumerate(cells) if c[0] == "code"]
        self._parts.append((file, cells, len(positions)))
        self._code += [(part, i) for i in positions]

    @classmethod
    def joined(cls, notebooks, graded=()):
        """The code cells of several notebooks, numbered one after the other (as the
        sandbox runs them): ``notebooks`` is a list of ``(file name, cells)``."""
        names = cls((), graded)
        names._parts, names._code = [], []
        for file, cells in notebooks:
            names._add(list(cells), file)
        return names

    @classmethod
    def of_notebook(cls, nb, graded=()):
        """From a notebook as a ``dict`` (nbformat 4 JSON)."""
        def source(c):
            src = c.get("source", "")
            return src if isinstance(src, str) else "".join(s for s in src
                                                               if isinstance(s, str))
        return cls([(c.get("cell_type", ""), source(c)) for c in nb.get("cells", [])
                    if isinstance(c, dict)], graded)

    def __len__(self):
        return len(self._code)

    def defines(self, k):
        """The names cell ``k`` defines at top level, graded ones first."""
        src = self._cell(k)[1]
        found = list(dict.fromkeys(_DEF.findall(src)))
        return [n for n in found if n in self._graded] or found

    def all_defined(self):
        """Every name the code cells define at top level, in order."""
        return list(dict.fromkeys(n for part in self._parts for kind, src in part[1]
                                  if kind == "code" for n in _DEF.findall(src)))

    def heading(self, k):
        """The text of the nearest markdown heading above cell ``k`` (``Exercise 4`` for
        an exercise's), or ``None``."""
        part, i = self._code[k]
        cells = self._parts[part][1]
        for j in range(i - 1, -1, -1):
            kind, src = cells[j]
            if kind == "markdown":
                found = _HEADING.findall(src)
                if found:
                    text = found[-1].strip()
                    ex = _EXERCISE.match(text)
                    if ex:
                        return ex[1]
                    # "Given code: ... (nothing to do here)": without its remark
                    return shorten(re.sub(r"\s+\(.*\)?$", "", text) or text, 50)
        return None

    def _cell(self, k):
        part, i = self._code[k]
        return self._parts[part][1][i]

    def what(self, k):
        """What cell ``k`` is, without where: ``the cell that defines linear_backward``,
        or ``the cell starting `...```, or ``an empty cell``."""
        names = self.defines(k)
        if names:
            shown = names if len(names) <= 3 else names[:3] + ["more"]
            return f"the cell that defines {_listed(shown)}"
        first = next((ln for ln in self._cell(k)[1].splitlines() if ln.strip()), "")
        if not first:
            return "an empty cell"
        return f"the cell starting `{shorten(first, 50)}`"

    def where(self, k):
        """Where cell ``k`` is: ``under "Exercise 4"; 10th of 27 code cells`` (the heading above
        it, its place among the code cells of its notebook, the notebook's name when
        several are named together)."""
        part, _ = self._code[k]
        file, _, count = self._parts[part]
        first_of_part = next(j for j, (p, _) in enumerate(self._code) if p == part)
        place = ("the only code cell" if count == 1
                 else f"{ordinal(k - first_of_part + 1)} of {count} code cells")
        if len(self._parts) > 1 and file:
            place += f" of {file}"
        heading = self.heading(k)
        return f'under "{heading}"; {place}' if heading else place

    def name(self, k):
        """Cell ``k`` as a report names it: ``the cell that defines linear_backward
        (under "Exercise 4"; 10th of 27 code cells)``. A ``k`` out of range gives ``code cell
        k + 1`` (a report never fails for a bad number)."""
        if not isinstance(k, int) or not 0 <= k < len(self._code):
            return f"code cell {k + 1 if isinstance(k, int) else k}"
        return f"{self.what(k)} ({self.where(k)})"

    def rewrite(self, text, k=None):
        """``text`` with the sandbox runner's ``(cell 17, line 3)`` (a code cell, counted
        from 1) turned into ``(the cell that defines linear_backward, line 3; under
        "Exercise 4"; 10th of 27 code cells)``, or into ``(line 3)`` when it is cell
        ``k``, the one the text is already about."""
        if not isinstance(text, str) or "(cell " not in text:
            return text

        def one(m):
            j = int(m[1]) - 1
            if j == k:
                return f"(line {m[2]})"
            if not 0 <= j < len(self._code):
                return m[0]
            return f"({self.what(j)}, line {m[2]}; {self.where(j)})"

        return _RUNNER_WHERE.sub(one, text)
