"""Reading submissions without nbformat (whose import alone costs about a second).

A submission is a Jupyter notebook (``.ipynb``, nbformat 4) or a Python file
(``.py``, taken as one cell). Only what grading needs is read: the source of each
code cell, in order. Graded functions are later found *by name* in the namespace the
cells build, so cell metadata, ids, order and duplicates do not matter.

Every way a file can be broken gives a :class:`NotebookError` whose message says
what is wrong and what was expected.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["MAX_BYTES", "NotebookError", "code_cells"]

#: Larger files are refused (a notebook with outputs stripped is a few hundred kB).
MAX_BYTES = 32 * 2**20


class NotebookError(ValueError):
    """A submission file that cannot be read as a notebook."""


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
        return [text]
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
        if cell.get("cell_type") == "code":
            out.append(_source(cell, i))
    return out
