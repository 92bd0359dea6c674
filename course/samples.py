"""The bundled sample submissions (``samples/submitted/<student>/<assignment>/``).

They are built from the student release (``assignments/``) and the solutions, so that
they stay true to both; ``python -m course.samples`` rewrites them and a test checks
they are up to date. Four students, each a case the grader must handle:

=======  =================================================================
alice    every graded function filled in correctly: full marks
bob      classic mistakes (no ``1/m``, ``db`` without ``keepdims``, ReLU'(0) = 1,
         a cost summed instead of averaged, the output seed's sign flipped)
carol    the release, untouched: 0 points, no crash
dave     a broken file (not a notebook) in one assignment, a syntax error in another
=======  =================================================================

The layout is nbgrader's, so ``nbgrader autograde`` and ``course grade`` read the same
folder.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["MISTAKES", "build"]

ROOT = Path(__file__).resolve().parent.parent

#: assignment -> graded function -> [(solution text, what bob wrote instead), ...]
MISTAKES = {
    "03_one_layer_at_a_time": {
        "linear_backward": [
            ("dW = dZ @ A_prev.T / m", "dW = dZ @ A_prev.T"),
            ("np.sum(dZ, axis=1, keepdims=True) / m", "np.sum(dZ, axis=1) / m"),
        ],
        "linear_activation_backward": [("dZ = dA * (Z > 0)", "dZ = dA * (Z >= 0)")],
    },
    "04_deep_networks": {
        "compute_cost": [("(1 - Y) * np.log(1 - AL)) / m", "(1 - Y) * np.log(1 - AL))")],
        "L_model_backward": [("dAL = -(Y / AL - (1 - Y) / (1 - AL))",
                              "dAL = Y / AL - (1 - Y) / (1 - AL)")],
    },
}

#: assignment -> how dave's submission is broken
BROKEN = {
    "03_one_layer_at_a_time": "not a notebook",
    "04_deep_networks": "syntax error in update_parameters",
}


def _source(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _graded_cells(nb):
    out = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
            out[cell["id"]] = (meta.get("grade_id"), cell)
    return out


def _answer(solution_source):
    """What a student who got it right wrote: the solution without nbgrader's markers."""
    return "\n".join(ln for ln in solution_source.splitlines()
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def _fill(release, solution, mistakes=None):
    nb = json.loads(json.dumps(release))
    answers = {cid: (name, _answer(_source(cell)))
               for cid, (name, cell) in _graded_cells(solution).items()}
    for cell in nb["cells"]:
        if cell.get("id") in answers:
            name, text = answers[cell["id"]]
            for old, new in (mistakes or {}).get(name, []):
                if text.count(old) != 1:
                    raise ValueError(f"{name}: {old!r} occurs {text.count(old)} times in the "
                                     "solution; update course.samples.MISTAKES")
                text = text.replace(old, new)
            cell["source"] = text
    return nb


def _write(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def build(root=ROOT, out=None):
    """Write the samples under ``out`` (default ``root/samples/submitted``); the paths."""
    root = Path(root)
    out = Path(out) if out is not None else root / "samples" / "submitted"
    written = []
    for assignment in sorted(MISTAKES):
        name = f"{assignment}.ipynb"
        release = json.loads((root / "assignments" / assignment / name).read_text())
        solution = json.loads((root / "solutions" / assignment / name).read_text())
        subs = {
            "alice": _fill(release, solution),
            "bob": _fill(release, solution, MISTAKES[assignment]),
            "carol": release,
        }
        for student, nb in subs.items():
            path = out / student / assignment / name
            _write(path, nb)
            written.append(path)
        path = out / "dave" / assignment / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if BROKEN[assignment] == "not a notebook":
            path.write_text("I ran out of time, sorry!\n", encoding="utf-8")
        else:
            nb = _fill(release, solution)
            for cell in nb["cells"]:
                if "def update_parameters(" in _source(cell):
                    cell["source"] = _source(cell).replace(
                        "def update_parameters(parameters, grads, learning_rate):",
                        "def update_parameters(parameters, grads, learning_rate)", 1)
            _write(path, nb)
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for p in build():
        print(f"wrote {p.relative_to(ROOT)}")
