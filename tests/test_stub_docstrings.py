"""No released stub's docstring hands out the answer (issue 12, part 2).

A graded stub keeps its contract in the docstring (argument and result shapes, the
conventions, what to return) and leaves the formula to the student: the formulas live in
the collapsible hints below the stub, and in the solution's code. For every graded
function of every assignment (the functions its hidden-test cells grade), this test takes
the *key expressions* of the reference body, that is the solution cell's code of that
function, and fails when one of them appears in the released stub's docstring.

Key expressions are, from the function's body (docstring left out):

* each right-hand side of an assignment and each returned expression, and
* each operation inside them (a binary operation, a negation, a call with arguments),

kept when they do some arithmetic: an operator (``@ * / + - **``), a keyword such as
``axis=``, or a call of ``np.log``, ``np.exp``, ... on an expression. Left out as too
trivial to be an answer (and too common in a contract): single names and constants,
attribute lookups and subscripts (``A_prev.shape[1]``), tuples of names, a call of a
function on plain names (``np.tanh(Z)``: that is the definition a contract states), and
index arithmetic of a name and an integer (``l - 1``, ``L + 1``).

Both sides are compared normalised: blanks, backticks and the ``np.`` / ``numpy.``
prefixes removed, and the expression written by :func:`ast.unparse`, so that
``np.sum(dZ, axis=1, keepdims=True) / m`` is found in a docstring that says
````sum(dZ,axis=1,keepdims=True)/m````; an entry of a dict ``grads[f"dW{l}"]`` is written
``dW{l}``, as docstrings name it. An expression with calls is also compared by its
skeleton, the calls' arguments left out (when an operator remains outside the calls), so
that ``np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01`` is found in a docstring
that says ``np.random.randn(n_l, n_{l-1}) * 0.01``.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
MIN_LENGTH = 5  # normalised characters: "W.T@dZ" is 6, "1-s" (3) is too short to mean much


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _function(source, name):
    """The ``def name`` node of a code cell's source, or None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _cell_defining(nb, name):
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and (fn := _function(_source(cell), name)) is not None:
            return fn
    return None


def normalise(text):
    """Blanks, backticks and ``np.`` gone; ``grads[f"dW{l}"]`` written as ``dW{l}``, as
    docstrings name the entries of a dict."""
    text = re.sub(r"\b(?:numpy|np)\.", "", text)
    text = re.sub(r"[\s`]", "", text)
    return re.sub(r"\w+\[f?(['\"])([^'\"\[\]]+)\1\]", r"\2", text)


def skeleton(text):
    """``text`` (normalised) with the arguments of every call left out, innermost first:
    ``random.randn(layer_dims[l],layer_dims[l-1])*0.01`` and the docstring's
    ``random.randn(n_l,n_{l-1})*0.01`` are both ``random.randn()*0.01``."""
    while True:
        shorter = re.sub(r"(\w)\([^()]*\)", r"\1()", text)
        if shorter == text:
            return text
        text = shorter


def _is_telling_skeleton(text):
    """A skeleton that still says something: a call and an operator outside it."""
    outside = re.sub(r"\w+\(\)", "", text)
    return "()" in text and re.search(r"[-+*/@]", outside) is not None and len(text) >= 8


def _is_plain(node):
    """A name, a constant, an attribute or subscript of plain things, a tuple of them."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return _is_plain(node.value)
    if isinstance(node, ast.Subscript):
        return _is_plain(node.value) and _is_plain(node.slice)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_is_plain(e) for e in node.elts)
    if isinstance(node, ast.Slice):
        return all(p is None or _is_plain(p) for p in (node.lower, node.upper, node.step))
    return False


def _is_index_arithmetic(node):
    """``l - 1``, ``L + 1``, ``k + 1``: a name (or plain lookup) and an integer."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        sides = (node.left, node.right)
        ints = [s for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, int)]
        return len(ints) == 1 and all(_is_plain(s) for s in sides)
    return False


def _is_key(node):
    if _is_plain(node) or _is_index_arithmetic(node):
        return False
    if isinstance(node, ast.Call):
        # a call on names and constants (np.tanh(Z), np.maximum(0, Z), len(caches)) is
        # not an answer; np.dot(dZ, A_prev.T) and np.sum(dZ, axis=1) are
        simple = (ast.Name, ast.Constant)
        return bool(node.keywords) or not all(isinstance(a, simple) for a in node.args)
    return isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp))


def key_expressions(fn):
    """The normalised key expressions of the body of the function node ``fn``."""
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    roots = []
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value:
                roots.append(node.value)
            elif isinstance(node, ast.Return) and node.value is not None:
                roots.append(node.value)
    found = set()
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, (ast.Lambda, ast.comprehension)):
                continue
            if _is_key(node):
                text = normalise(ast.unparse(node))
                if len(text) >= MIN_LENGTH:
                    found.add(text)
    return found


def _graded(nb):
    from autograder.assignments import questions_in

    return [q.function for q in questions_in(nb)]


def giveaways(solution_nb, released_nb):
    """``{function: [expressions of its reference body found in its released docstring]}``
    for the graded functions of one assignment (the functions with none left out)."""
    out = {}
    for name in _graded(solution_nb):
        ref = _cell_defining(solution_nb, name)
        stub = _cell_defining(released_nb, name)
        assert ref is not None, f"no cell of the solution defines the graded {name}"
        assert stub is not None, f"no cell of the release defines the graded {name}"
        doc = normalise(ast.get_docstring(stub) or "")
        doc_skeleton = skeleton(doc)
        hits = sorted(e for e in key_expressions(ref) if e in doc or (
            _is_telling_skeleton(skeleton(e)) and skeleton(e) in doc_skeleton))
        if hits:
            out[name] = hits
    return out


def _release_of(path):
    return ROOT / "assignments" / path.parent.name / path.name


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_no_released_docstring_contains_the_answer(path):
    solution = json.loads(path.read_text())
    released = json.loads(_release_of(path).read_text())
    found = giveaways(solution, released)
    assert not found, (
        f"{path.parent.name}: the released docstrings of {len(found)} graded function(s) "
        "contain an expression of the reference body (the answer); keep the contract in "
        "the docstring and move the formula into the hints below the stub:\n"
        + "\n".join(f"  {name}: {', '.join(exprs)}" for name, exprs in sorted(found.items())))


# The test above only means something if it can fail: these pin what it counts.

def _nb(solution_src, stub_src):
    def cell(src):
        return {"cell_type": "code", "source": src, "metadata": {}}
    hidden = {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "points": 1,
                                                             "grade_id": "t"}},
              "source": 'nbgrader_points("linear_backward", linear_backward)'}
    return {"cells": [cell(solution_src), hidden]}, {"cells": [cell(stub_src)]}


STUB = '''def linear_backward(dZ, cache):
    """{doc}"""
    raise NotImplementedError()
'''
REF = '''def linear_backward(dZ, cache):
    """{doc}"""
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    return W.T @ dZ, dW, db
'''


def test_a_docstring_with_the_formula_is_flagged():
    doc = "Returns dA_prev = ``W.T @ dZ`` and db = ``np.sum(dZ, axis=1, keepdims=True) / m``."
    sol, rel = _nb(REF.format(doc=doc), STUB.format(doc=doc))
    found = giveaways(sol, rel)
    assert found == {"linear_backward": ["W.T@dZ", "sum(dZ,axis=1,keepdims=True)",
                                         "sum(dZ,axis=1,keepdims=True)/m"]}
    doc = "dW = ``np.dot(dZ, A_prev.T) / m``."
    found = giveaways(*_nb(REF.format(doc=doc), STUB.format(doc=doc)))
    assert found == {"linear_backward": ["dot(dZ,A_prev.T)", "dot(dZ,A_prev.T)/m"]}


def test_a_contract_without_the_formula_passes():
    doc = ("dZ : ndarray, shape (n, m). cache : (A_prev, W, b). Returns dA_prev of the "
           "shape of A_prev, dW of the shape of W, db (n, 1); dA{l-1}; m = A_prev.shape[1].")
    sol, rel = _nb(REF.format(doc=doc), STUB.format(doc=doc))
    assert giveaways(sol, rel) == {}


def test_dict_entries_and_call_skeletons_are_found():
    ref = ('def update(parameters, grads, learning_rate):\n    """{doc}"""\n'
           '    W = parameters[f"W{{l}}"] - learning_rate * grads[f"dW{{l}}"]\n'
           '    V = np.random.randn(dims[l], dims[l - 1]) * 0.01\n    return W, V\n')
    stub = 'def update(parameters, grads, learning_rate):\n    """{doc}"""\n    raise X\n'

    def found(doc):
        sol = {"cells": [{"cell_type": "code", "metadata": {}, "source": ref.format(doc=doc)},
                         {"cell_type": "code", "source": 'nbgrader_points("u", update)',
                          "metadata": {"nbgrader": {"grade": True, "points": 1}}}]}
        rel = {"cells": [{"cell_type": "code", "metadata": {},
                          "source": stub.format(doc=doc)}]}
        return giveaways(sol, rel).get("update", [])

    assert found("``W{l} - learning_rate * dW{l}``") == ["W{l}-learning_rate*dW{l}",
                                                         "learning_rate*dW{l}"]
    assert found("``np.random.randn(n_l, n_{l-1}) * 0.01``") == [
        "random.randn(dims[l],dims[l-1])*0.01"]
    assert found("W{l} of shape (n_l, n_{l-1}), drawn with np.random.randn") == []


def test_trivial_expressions_are_not_key():
    fn = _function("def f(x, l, caches):\n    a = x\n    b = l - 1\n    c = len(caches)\n"
                   "    d = x.shape[1]\n    e = np.tanh(x)\n    g = np.maximum(0, x)\n"
                   "    return a, 1.0\n", "f")
    assert key_expressions(fn) == set()
    fn = _function("def f(Z, dA):\n    t = np.tanh(Z)\n    return dA * (1 - t * t)\n", "f")
    assert key_expressions(fn) == {"dA*(1-t*t)", "1-t*t"}


HINTS = re.compile(r"^\*\*Hints for `(\w+)`\*\*")


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_hints_sit_below_their_stub_in_two_levels(path):
    """A hint cell (``**Hints for `fn`**``) comes right after the graded cell of ``fn``,
    in the solution and in the release, and holds two collapsed ``<details>`` levels, the
    second one named as the formula."""
    for nb in (json.loads(path.read_text()), json.loads(_release_of(path).read_text())):
        graded = set(_graded(json.loads(path.read_text())))
        cells = nb["cells"]
        for i, cell in enumerate(cells):
            match = HINTS.match(_source(cell)) if cell["cell_type"] == "markdown" else None
            if not match:
                continue
            name, text = match.group(1), _source(cell)
            assert name in graded, f"{path.parent.name}: hints for {name}, which is not graded"
            above = cells[i - 1]
            assert above["cell_type"] == "code" and _function(_source(above), name), (
                f"{path.parent.name}: the hints for {name} (cell {i}) do not follow its stub")
            levels = re.findall(r"<details><summary>(.*?)</summary>", text)
            assert levels == ["Hint 1", "Hint 2 (the formula)"], (
                f"{path.parent.name}: hints for {name} have the levels {levels}; expected "
                "'Hint 1' then 'Hint 2 (the formula)'")
            assert text.count("</details>") == 2, f"{path.parent.name}: {name}: unclosed <details>"
