"""Every number a solution notebook states in its Markdown comes from its own run.

A claim is tied to the run by an HTML comment right after it in the Markdown source;
the rendered notebook (solution or student release) does not show it:

* ``67.3 %<!-- run: 100 * accuracy -->``: the number written just before the comment
  must equal the expression, evaluated in the notebook's kernel once every cell has
  run, to the precision the number is written with: ``67.3`` allows 67.25 to 67.35,
  ``10`` allows 9.5 to 10.5, ``6.3e-10`` allows 6.25e-10 to 6.35e-10, ``13,140``
  (or LaTeX's ``13{,}140``) 13,139.5 to 13,140.5. Between the number and the comment
  only blanks and ``$ % \\% * ) } ] \\,`` may stand (a unit such as "ms" goes after the
  comment); several markers may follow one number.
* ``<!-- check: 300 < ratio < 3000 -->``: the expression must be true. This is for
  claims that are bounds (timings: "well under a minute"), orders of magnitude
  ("about $10^{-5}$"), or not numbers at all (which entry of an array a sentence
  speaks of, which run did best).

The expressions see the notebook's global names (a copy: they cannot change the
kernel), ``notebook_seconds``, the wall time of all the notebook's cells, and
``notebook_cpu_seconds``, the CPU time the kernel spent on them (both measured by this
test). A bound on how long a notebook takes is best checked on the CPU time, which does
not grow when other jobs load the machine. ``<!-- answer: name -->`` makes the number
before it the expected value of a numeric self-check (:mod:`coursekit.answers`, tested in
tests/test_self_checks.py); it is no claim of its own, so a number that the run computes
carries a ``run:`` marker as well. Any other HTML comment in a solution's
Markdown is an error, so that a misspelt marker cannot switch a claim off. Each notebook
is executed once for the whole module (a module-scoped fixture), in a temporary folder.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

# the comments that hold markers, and the number that ends the text before a run marker
# (and what may stand after it): the self-checks' own matchers
from coursekit.answers import COMMENT, NUMBER, written_number

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "solutions").glob("*/*.ipynb"))

MARKER = re.compile(r"^\s*(run|check|answer)\s*:\s*(.+?)\s*$", re.S)


@dataclass(frozen=True)
class Claim:
    """One marked claim: where it is, its kind (``run`` or ``check``), its expression
    and, for ``run``, the number as written."""

    cell: int
    kind: str
    expr: str
    stated: str | None
    context: str

    def where(self):
        return f"cell {self.cell}, '...{self.context}'"


def cell_source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def stated_number(text):
    """``(value, half_unit)`` of the number ending ``text`` (see the module docstring),
    or ``None`` when ``text`` does not end with one (the self-checks' reader)."""
    found = written_number(text)
    return None if found is None else (found[0], found[2])


def parse_claims(markdown, cell=0):
    """The claims of one Markdown source, and the problems with its comments (an
    unknown comment, a run marker with no number before it, an expression that does
    not parse)."""
    claims, problems = [], []
    for m in COMMENT.finditer(markdown):
        before = COMMENT.sub("", markdown[:m.start()])  # several markers may follow one number
        context = " ".join(before[-70:].split())
        marker = MARKER.match(m[1])
        if marker is None:
            problems.append(f"cell {cell}: an HTML comment that is neither 'run:' nor "
                            f"'check:': <!--{m[1][:60]}-->")
            continue
        kind, expr = marker[1], " ".join(marker[2].split())
        if kind == "answer":  # a self-check's expected value (coursekit.answers), not a claim
            continue
        try:
            compile(expr, "<claim>", "eval")
        except SyntaxError as e:
            problems.append(f"cell {cell}: the expression {expr!r} does not parse ({e.msg})")
            continue
        stated = None
        if kind == "run":
            number = NUMBER.search(before)
            if number is None:
                problems.append(f"cell {cell}: no number right before <!-- run: {expr} --> "
                                f"('...{context}')")
                continue
            stated = number[0].strip(" \t\n$%*)}]\\,")
        claims.append(Claim(cell, kind, expr, stated, context))
    return claims, problems


def notebook_claims(nb):
    """The claims and problems of every Markdown cell of a notebook (a dict)."""
    claims, problems = [], []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            c, p = parse_claims(cell_source(cell), i)
            claims += c
            problems += p
    return claims, problems


def judge(claim, result):
    """``None`` when the run bears the claim out, else what is wrong. ``result`` is the
    kernel's answer for the claim's expression: ``{"value": float}`` (run),
    ``{"truth": bool, "repr": str}`` (check) or ``{"error": str}``."""
    if "error" in result:
        return f"{claim.where()}: {claim.expr!r} failed in the kernel: {result['error']}"
    if claim.kind == "check":
        if result.get("truth") is True:
            return None
        return f"{claim.where()}: check {claim.expr!r} is {result.get('repr')} in the run"
    value, half = stated_number(claim.stated)
    run = result["value"]
    if math.isfinite(run) and abs(run - value) <= half * (1 + 1e-9) + 1e-12 * abs(value):
        return None
    return (f"{claim.where()}: the text says {claim.stated}, the run gives {run:.6g} "
            f"({claim.expr})")


_EVAL_CELL = '''\
def _prose_claims(items, seconds, cpu_seconds):
    import json, math
    env = dict(globals())
    env["notebook_seconds"], env["notebook_cpu_seconds"] = seconds, cpu_seconds
    out = []
    for kind, expr in items:
        try:
            value = eval(expr, env)
            if kind == "check":
                out.append({{"truth": bool(value), "repr": repr(value)[:200]}})
            else:
                value = float(value)
                out.append({{"value": value}} if math.isfinite(value)
                           else {{"error": "not a finite number: %r" % value}})
        except Exception as e:
            out.append({{"error": "%s: %s" % (type(e).__name__, e)}})
    return json.dumps(out)


import time as _prose_time
print("PROSE-CLAIMS " + _prose_claims({items!r}, _prose_time.perf_counter() - _PROSE_T0,
                                      _prose_time.process_time() - _PROSE_C0))
'''


def evaluate(nb, claims, workdir, timeout=300):
    """Execute ``nb`` (an nbformat notebook, changed in place: a timer cell is put first
    and an evaluation cell last) and return the kernel's result for every claim."""
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    items = [(c.kind, c.expr) for c in claims]
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        "import time as _prose_time\n"
        "_PROSE_T0, _PROSE_C0 = _prose_time.perf_counter(), _prose_time.process_time()"))
    nb.cells.append(nbformat.v4.new_code_cell(_EVAL_CELL.format(items=items)))
    for cell in nb.cells:  # nbformat 4.5 ids for the two new cells
        cell.setdefault("id", f"prose-{id(cell)}")
    nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}}).execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs
                   if o.get("output_type") == "stream")
    line = [ln for ln in text.splitlines() if ln.startswith("PROSE-CLAIMS ")]
    assert line, f"the evaluation cell printed nothing usable: {text[:300]!r}"
    return json.loads(line[-1][len("PROSE-CLAIMS "):])


def ids(path):
    return path.parent.name


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """``executed(path)``: the claims of a solution notebook and the kernel's results,
    each notebook executed once for the whole module."""
    nbformat = pytest.importorskip("nbformat")
    cache = {}

    def run(path):
        if path not in cache:
            nb = nbformat.read(str(path), as_version=4)
            claims, problems = notebook_claims(nb)
            assert problems == []
            start = time.perf_counter()
            results = evaluate(nb, claims, tmp_path_factory.mktemp(path.parent.name))
            cache[path] = claims, results, time.perf_counter() - start
        return cache[path]

    return run


# ---------------------------------------------------------------------------------------
# the matcher itself


@pytest.mark.parametrize("text, value, half", [
    ("accuracy 67.3 %", 67.3, 0.05),
    ("about 10", 10.0, 0.5),
    ("$0.6931$", 0.6931, 0.00005),
    ("needs 13,140", 13140.0, 0.5),
    ("needs $13{,}140$", 13140.0, 0.5),
    ("an error of 6.3e-10", 6.3e-10, 0.05e-10),
    ("moves by $-0.25$", -0.25, 0.005),
    ("(**98.6 %**)", 98.6, 0.05),
    (r"67.3\,\%", 67.3, 0.05),
    ("is 1.30", 1.30, 0.005),
])
def test_the_number_before_a_marker_and_its_rounding(text, value, half):
    got = stated_number(text)
    assert got is not None
    assert got[0] == pytest.approx(value) and got[1] == pytest.approx(half)


@pytest.mark.parametrize("text", ["no number here", "67.3 ms", "the value 0.5 of the unit"])
def test_text_that_does_not_end_with_a_number(text):
    assert stated_number(text) is None


def _one(markdown):
    claims, problems = parse_claims(markdown)
    assert problems == [] and len(claims) == 1
    return claims[0]


def test_a_right_number_passes_and_a_wrong_one_fails():
    claim = _one("the run gets 67.3 %<!-- run: 100 * acc --> of the points")
    assert claim.stated == "67.3" and claim.expr == "100 * acc"
    assert judge(claim, {"value": 67.34}) is None
    assert judge(claim, {"value": 67.26}) is None
    wrong = judge(claim, {"value": 76.7})
    assert wrong is not None and "67.3" in wrong and "76.7" in wrong
    assert judge(claim, {"value": 67.36}) is not None      # beyond the stated rounding
    assert judge(_one("76 %<!-- run: 100 * acc -->"), {"value": 67.3}) is not None
    assert judge(claim, {"value": float("nan")}) is not None


def test_the_precision_written_is_the_precision_checked():
    assert judge(_one("about 10<!-- run: r -->"), {"value": 10.3}) is None
    assert judge(_one("about 10<!-- run: r -->"), {"value": 22.6}) is not None
    assert judge(_one("about 1.30<!-- run: r -->"), {"value": 1.296}) is None
    assert judge(_one("about 1.30<!-- run: r -->"), {"value": 1.41}) is not None


def test_a_check_must_be_true_and_an_error_is_a_failure():
    claim = _one("well under a minute<!-- check: notebook_seconds < 60 -->")
    assert claim.kind == "check" and claim.stated is None
    assert judge(claim, {"truth": True, "repr": "True"}) is None
    assert judge(claim, {"truth": False, "repr": "False"}) is not None
    failed = judge(claim, {"error": "NameError: name 'x' is not defined"})
    assert failed is not None and "NameError" in failed


def test_several_markers_after_one_number():
    claims, problems = parse_claims("about $0.2$<!-- run: a --><!-- run: b --><!-- check: c -->")
    assert problems == [] and [(c.kind, c.stated) for c in claims] == [
        ("run", "0.2"), ("run", "0.2"), ("check", None)]


def test_bad_markers_are_reported_not_ignored():
    for markdown, expected in [("67.3 %<!-- rnu: acc -->", "neither"),
                               ("<!-- a note to the author -->", "neither"),
                               ("a percentage<!-- run: acc -->", "no number"),
                               ("67.3 %<!-- run: 100 * -->", "does not parse")]:
        claims, problems = parse_claims(markdown)
        assert claims == [] and len(problems) == 1 and expected in problems[0]


def test_a_wrong_number_fails_against_a_real_kernel(tmp_path):
    """End to end: a notebook whose text misquotes its own output fails, the right
    quote passes, and a check sees the notebook's names and the run's duration."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("acc = 0.673\nprint(f'{100 * acc:.1f} %')"),
                nbformat.v4.new_markdown_cell(
                    "Right: 67.3 %<!-- run: 100 * acc -->. Wrong: 76 %<!-- run: 100 * acc -->."
                    " Quick<!-- check: notebook_seconds < 600 and notebook_cpu_seconds < 600"
                    " and acc > 0.5 -->.")]
    claims, problems = notebook_claims(nb)
    assert problems == [] and len(claims) == 3
    results = evaluate(nb, claims, tmp_path, timeout=120)
    verdicts = [judge(c, r) for c, r in zip(claims, results, strict=True)]
    assert verdicts[0] is None and verdicts[2] is None
    assert verdicts[1] is not None and "76" in verdicts[1] and "67.3" in verdicts[1]


# ---------------------------------------------------------------------------------------
# the solution notebooks

#: Claims fixed in issue 12 that must stay tied to the run: a piece of each marker's
#: expression, per notebook.
REQUIRED = {
    "01_chain_rule_and_graphs": [],
    "02_activations_and_outputs": ['depth_norms["ReLU"]'],
    "03_one_layer_at_a_time": ["spiral_band", "spiral_seconds", "moons_runs", "moons_seconds"],
    "04_deep_networks": ["notebook_cpu_seconds", "digit_accuracy", "tent_table", "parity_check"],
    "05_gradient_checking": ["t_numerical", "fb_in_forward_passes", "kink_entry"],
}

#: Sentences of the kind issue 12 found wrong, which must not come back.
FORBIDDEN = {
    "03_one_layer_at_a_time": ["76 %", "This takes a few seconds",
                               "(CS231n code, PyTorch, scikit-learn)"],
    "04_deep_networks": ["2^{29}", "quarter of an hour", "does not carry over",
                         "no two odd patterns"],
    "05_gradient_checking": ["(a few seconds)", "Z^{[1]}_{0,0}", "between 1,600 and 3,500"],
    "01_chain_rule_and_graphs": ["about as much as one extra forward pass"],
    "02_activations_and_outputs": ["(about 10 in total)"],
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_markers_are_well_formed_and_the_fixed_claims_are_tied(path):
    nb = json.loads(path.read_text())
    claims, problems = notebook_claims(nb)
    assert problems == []
    assert claims, "no claim is tied to the run"
    exprs = " ".join(c.expr for c in claims)
    missing = [piece for piece in REQUIRED.get(path.parent.name, []) if piece not in exprs]
    assert missing == [], f"claims no longer tied to the run: {missing}"
    markdown = "\n".join(cell_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    back = [s for s in FORBIDDEN.get(path.parent.name, []) if s in markdown]
    assert back == [], f"wrong sentences are back: {back}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_numbers_in_the_text_match_the_run(path, executed):
    claims, results, _ = executed(path)
    assert len(results) == len(claims)
    wrong = [v for v in (judge(c, r) for c, r in zip(claims, results, strict=True)) if v]
    assert wrong == [], "\n".join(wrong)
