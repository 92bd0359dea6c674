"""Reading submissions: code cells in order, and a clear reason for every broken file."""

from __future__ import annotations

import json

import pytest

from autograder.notebook import NotebookError, code_cells


def write_nb(path, cells, nbformat=4):
    path.write_text(json.dumps({"nbformat": nbformat, "nbformat_minor": 5, "metadata": {},
                                "cells": cells}))
    return path


def test_code_cells_in_order_with_list_or_string_sources(tmp_path):
    nb = write_nb(tmp_path / "a.ipynb", [
        {"cell_type": "markdown", "source": "# title"},
        {"cell_type": "code", "source": ["x = 1\n", "y = 2\n"]},
        {"cell_type": "code", "source": "def f():\n    return 3"},
    ])
    assert code_cells(nb) == ["x = 1\ny = 2\n", "def f():\n    return 3"]


def test_python_file_is_one_cell(tmp_path):
    p = tmp_path / "s.py"
    p.write_text("def f():\n    return 1\n")
    assert code_cells(p) == ["def f():\n    return 1\n"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"cells": []}', "expected nbformat 4; got no 'nbformat' key"),
        ('{"nbformat": 3, "cells": []}', "expected nbformat 4; got nbformat 3"),
        ('{"nbformat": 4, "cells": {}}', "'cells' must be a list"),
        ('{"nbformat": 4, "cells": [3]}', "cell 1 is a JSON int"),
        ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 5}]}',
         "'source' must be a string"),
    ],
)
def test_broken_files_give_a_clear_reason(tmp_path, content, message):
    p = tmp_path / "broken.ipynb"
    p.write_text(content)
    with pytest.raises(NotebookError, match=message):
        code_cells(p)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(NotebookError, match="cannot read"):
        code_cells(tmp_path / "nope.ipynb")
    p = tmp_path / "bin.ipynb"
    p.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(NotebookError, match="not UTF-8"):
        code_cells(p)
