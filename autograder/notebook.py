"""Reading submissions without nbformat (whose import alone costs about a second).

A submission is a Jupyter notebook (``.ipynb``, nbformat 4) or a Python file
(``.py``, taken as one cell). Only what grading needs is read: the source of each
code cell, in order, and the metadata that identifies the assignment (the notebook's
``metadata.course`` stamp and each cell's ``metadata.nbgrader``, read by
:mod:`autograder.identify`). Graded functions are later found *by name* in the
namespace the cells build, so cell ids, order and duplicates do not matter.

Every way a file can be broken gives a :class:`NotebookError` whose message says
what is wrong and what was expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MAX_BYTES", "Cell", "Notebook", "NotebookError", "code_cells", "read_notebook"]

#: Larger files are refused (a notebook with outputs stripped is a few hundred kB).
MAX_BYTES = 32 * 2**20


class NotebookError(ValueError):
    """A submission file that cannot be read as a notebook."""


@dataclass
class Cell:
    """One cell: its type (``"code"``, ``"markdown"``, ...), source and metadata."""

    cell_type: str
    source: str
    metadata: dict = field(default_factory=dict)


@dataclass
class Notebook:
    """What grading reads of a submission file: the notebook metadata and the cells."""

    path: Path
    metadata: dict = field(default_factory=dict)
    cells: list = field(default_factory=list)

    @property
    def code(self):
        """The sources of the code cells, in order."""
        return [c.source for c in self.cells if c.cell_type == "code"]


def _dict(value):
    """``value`` if it is a dict, else ``{}`` (metadata only informs, it is never required)."""
    return value if isinstance(value, dict) else {}


def _source(cell, i):
    src = cell.get("source", "")
    if isinstance(src, list) and all(isinstance(s, str) for s in src):
        return "".join(src)
    if isinstance(src, str):
        return src
    raise NotebookError(f"cell {i + 1}: 'source' must be a string or a list of strings; "
                        f"got {type(src).__name__}")


def code_cells(path):
    """The sources of the code cells of a notebook (or of a ``.py`` file), in order.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    list of str

    Raises
    ------
    NotebookError
        As :func:`read_notebook`.
    """
    return read_notebook(path).code


def read_notebook(path):
    """Read a notebook (or a ``.py`` file, one code cell without metadata).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Notebook
        Its metadata (``{}`` when missing or not an object) and every cell, with the
        cell's metadata likewise.

    Raises
    ------
    NotebookError
        If the file is missing, empty, too large, not JSON, not nbformat 4, or has
        malformed cells.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise NotebookError(f"cannot read {path.name}: {err.strerror}") from None
    if size == 0:
        raise NotebookError(f"{path.name} is empty (0 bytes); expected a Jupyter notebook")
    if size > MAX_BYTES:
        raise NotebookError(f"{path.name} is {size / 2**20:.0f} MiB; the limit is "
                            f"{MAX_BYTES // 2**20} MiB (clear the outputs and resubmit)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise NotebookError(f"{path.name} is not UTF-8 text (byte {err.start}); "
                            "expected a Jupyter notebook") from None
    if path.suffix == ".py":
        return Notebook(path, {}, [Cell("code", text)])
    try:
        nb = json.loads(text)
    except ValueError as err:
        raise NotebookError(f"{path.name} is not valid JSON ({err}); expected a Jupyter "
                            "notebook (.ipynb)") from None
    if not isinstance(nb, dict):
        raise NotebookError(f"{path.name}: expected a JSON object with 'cells' and "
                            f"'nbformat'; got a JSON {type(nb).__name__}")
    major = nb.get("nbformat")
    if major != 4:
        got = "no 'nbformat' key" if major is None else f"nbformat {major!r}"
        raise NotebookError(f"{path.name}: expected nbformat 4; got {got}")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise NotebookError(f"{path.name}: 'cells' must be a list; got "
                            f"{type(cells).__name__}")
    out = []
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise NotebookError(f"{path.name}: cell {i + 1} is a JSON {type(cell).__name__}, "
                                "not an object")
        kind = cell.get("cell_type")
        out.append(Cell(kind if isinstance(kind, str) else "",
                        _source(cell, i) if kind == "code" else _text(cell),
                        _dict(cell.get("metadata"))))
    return Notebook(path, _dict(nb.get("metadata")), out)


def _text(cell):
    """The source of a non-code cell, leniently (it is never run)."""
    src = cell.get("source", "")
    if isinstance(src, list):
        return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""
