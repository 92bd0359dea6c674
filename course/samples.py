"""The bundled sample submissions (``samples/submitted/<student>/<assignment>/``).

They are built from the student release (``assignments/``) and the solutions, so that
they stay true to both; ``python -m course.samples`` rewrites them and a test checks
they are up to date. Four students submit all five assignments, each a case the grader
must handle:

=======  =================================================================
alice    every graded function filled in correctly: full marks
bob      classic mistakes (:data:`MISTAKES`), each losing part of one question's points:
         01: ``e^(uv)`` differentiated without its inner derivative, a max gate that
         drops the gradient at a tie, per-example gradients summed instead of averaged;
         02: softplus as ``log(1 + exp(Z))`` (overflows), leaky ReLU's backward pass
         with the slope 0.01 hard-coded instead of ``alpha``;
         03: no ``1/m``, ``db`` without ``keepdims``, ReLU'(0) = 1, a two-layer
         training loop that climbs the gradient (``+`` in its update);
         04: a cost summed instead of averaged, the output seed's sign flipped;
         05: a one-sided difference in ``numerical_gradient`` (seen through
         ``numerical_gradients`` and ``gradient_check``, and so in
         ``find_buggy_gradients`` and ``multilabel_gradient_check``, which call them:
         the feedback names it there, not a mistake of their own),
         ``relative_error`` without its 0/0 guard (and so NaN in ``gradient_check``
         where a gradient is all zero), ``vector_to_params`` reading all the weights
         before the biases
carol    the release, untouched: 0 points, no crash
dave     something different goes wrong in each assignment (:data:`BROKEN`): 01:
         ``relu_layer_backward`` left as released (``raise NotImplementedError()``);
         02: ``softmax_backward`` misspelled ``softmax_backwards``; 03: a broken file
         (not a notebook); 04: a syntax error in ``update_parameters``; 05: an import
         of a helper file he did not submit at the top of ``gradient_check``'s cell (the
         cell stops there: no ``gradient_check``, and ``find_buggy_gradients``, which
         calls it, raises a NameError); the rest of each notebook is right
=======  =================================================================

The layout is nbgrader's, so ``nbgrader autograde`` and ``course grade`` read the same
folder.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["BROKEN", "MISTAKES", "STUB", "build"]

ROOT = Path(__file__).resolve().parent.parent

#: assignment -> graded function -> [(solution text, what bob wrote instead), ...]
MISTAKES = {
    "01_chain_rule_and_graphs": {
        # d e^(uv)/du = v e^(uv): the inner derivative of u v is forgotten (exp_inner)
        "problem2_partials": [
            ("df_du = df_dx * np.cos(u) + df_dy * (v * y)",
             "df_du = df_dx * np.cos(u) + df_dy * y"),
            ("df_dv = df_dx * -np.sin(v) + df_dy * (u * y)",
             "df_dv = df_dx * -np.sin(v) + df_dy * y"),
        ],
        # the max gate: at a tie neither input gets the gradient (tie_dropped)
        "gate_backward": [("local_x = x >= y", "local_x = x > y")],
        # the gradient of the average loss, summed (missing_1_over_n)
        "average_gradients": [("grad = np.mean(per_example, axis=0)",
                               "grad = np.sum(per_example, axis=0)")],
    },
    "02_activations_and_outputs": {
        # the textbook formula: exp(Z) overflows for large Z (unstable_overflow)
        "softplus_forward": [("A = np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z)))",
                              "A = np.log(1 + np.exp(Z))")],
        # the lecture's slope instead of the argument (ignored_alpha)
        "leaky_relu_backward": [("np.where(Z > 0, dA, alpha * dA)",
                                 "np.where(Z > 0, dA, 0.01 * dA)")],
    },
    "03_one_layer_at_a_time": {
        "linear_backward": [
            ("dW = dZ @ A_prev.T / m", "dW = dZ @ A_prev.T"),
            ("np.sum(dZ, axis=1, keepdims=True) / m", "np.sum(dZ, axis=1) / m"),
        ],
        "linear_activation_backward": [("dZ = dA * (Z > 0)", "dZ = dA * (Z >= 0)")],
        # the update climbs the gradient (gradient_ascent)
        "two_layer_model": [
            ('parameters = {"W1": W1 - learning_rate * dW1, "b1": b1 - learning_rate * db1,\n'
             '                      "W2": W2 - learning_rate * dW2, '
             '"b2": b2 - learning_rate * db2}',
             'parameters = {"W1": W1 + learning_rate * dW1, "b1": b1 + learning_rate * db1,\n'
             '                      "W2": W2 + learning_rate * dW2, '
             '"b2": b2 + learning_rate * db2}')],
    },
    "04_deep_networks": {
        "compute_cost": [("(1 - Y) * np.log(1 - AL)) / m", "(1 - Y) * np.log(1 - AL))")],
        "L_model_backward": [("dAL = -(Y / AL - (1 - Y) / (1 - AL))",
                              "dAL = Y / AL - (1 - Y) / (1 - AL)")],
    },
    "05_gradient_checking": {
        # (f(x + eps) - f(x)) / eps, an O(eps) error (one_sided); numerical_gradient
        # itself has no check: numerical_gradients and gradient_check call it
        "numerical_gradient": [
            ("flat[i] = old - eps\n", "flat[i] = old\n"),
            ("g[i] = (f_plus - f_minus) / (2 * eps)", "g[i] = (f_plus - f_minus) / eps"),
        ],
        # 0 / 0 = nan when both arrays are zero (zero_division)
        "relative_error": [("    if denominator == 0:\n        return 0.0\n", "")],
        # W1, W2, ..., then b1, b2, ... instead of W1, b1, W2, b2, ... (key_order)
        "vector_to_params": [
            ("    parameters, start = {}, 0\n",
             "    parameters, start = {}, 0\n"
             "    n_weights = sum(layer_dims[l] * layer_dims[l - 1]"
             " for l in range(1, len(layer_dims)))\n"
             "    start_b = n_weights\n"),
            ("parameters[f\"b{l}\"] = theta[start:start + n].reshape(n, 1)\n        start += n\n",
             "parameters[f\"b{l}\"] = theta[start_b:start_b + n].reshape(n, 1)\n"
             "        start_b += n\n"),
        ],
    },
}

#: dave's graded functions left as the release has them (the stub)
STUB = "stub"

#: assignment -> (how dave's submission is broken, what differs from alice's: graded
#: function -> edits as in :data:`MISTAKES`, or :data:`STUB`); ``None``: not a notebook
BROKEN = {
    "01_chain_rule_and_graphs": (
        "relu_layer_backward left as released (raise NotImplementedError())",
        {"relu_layer_backward": STUB}),
    "02_activations_and_outputs": (
        "softmax_backward misspelled softmax_backwards",
        {"softmax_backward": [("def softmax_backward(", "def softmax_backwards(")]}),
    "03_one_layer_at_a_time": ("not a notebook", None),
    "04_deep_networks": (
        "syntax error in update_parameters",
        {"update_parameters": [("def update_parameters(parameters, grads, learning_rate):",
                                "def update_parameters(parameters, grads, learning_rate)")]}),
    "05_gradient_checking": (
        "gradient_check's cell starts with an import of a file he did not submit",
        {"gradient_check": [("def gradient_check(",
                             "from my_utils import timer\n\n\n@timer\ndef gradient_check(")]}),
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


def _fill(release, solution, edits=None):
    """The release with every graded cell answered; ``edits``: function -> text
    replacements in its answer, or :data:`STUB` to leave that cell as released."""
    nb = json.loads(json.dumps(release))
    edits = edits or {}
    answers = {cid: (name, _answer(_source(cell)))
               for cid, (name, cell) in _graded_cells(solution).items()}
    unknown = set(edits) - {name for name, _ in answers.values()}
    if unknown:
        raise ValueError(f"no graded cell named {sorted(unknown)}; update course.samples")
    for cell in nb["cells"]:
        if cell.get("id") in answers:
            name, text = answers[cell["id"]]
            if edits.get(name) == STUB:
                continue
            for old, new in edits.get(name, []):
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
    if set(MISTAKES) != set(BROKEN):
        raise ValueError("MISTAKES and BROKEN must cover the same assignments")
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
        _, edits = BROKEN[assignment]
        if edits is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("I ran out of time, sorry!\n", encoding="utf-8")
        else:
            _write(path, _fill(release, solution, edits))
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for p in build():
        print(f"wrote {p.relative_to(ROOT)}")
