"""``course kit``: the student wheel ``backprop-coursekit`` holds coursekit only, judges like
the instructor's package, and ships no reference body and no case-building code.

The wheel is built once (module fixture), installed with ``pip install --no-deps
--target`` and exercised in a subprocess started with ``python -I -S`` whose
``sys.path`` is the install folder, numpy's and matplotlib's site folder and the
standard library: no repository, no ``course``, no ``autograder``.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.checks import CHECKS, PUBLIC_SEED, dump_cases
from autograder.checks import check as instructor_check
from course import kit
from coursekit import plain, registry

REPO = Path(__file__).resolve().parents[1]
SITE = {str(Path(m.__file__).resolve().parents[1]) for m in (np, matplotlib)}
BUILDERS = ("activations", "chain", "deep_model", "gradcheck", "layers", "model", "_build")


@pytest.fixture(scope="module")
def kit_wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("kit")
    whl = kit.build(out)
    target = out / "installed"
    p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                        "--target", str(target), str(whl)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return whl, target


def run_kit(target, code, cwd, stdin=None):
    """Run ``code`` in ``python -I -S`` with only the kit, numpy and matplotlib importable;
    return what it printed last, decoded as JSON."""
    prelude = (f"import sys\nsys.path[:0] = {[str(target), *sorted(SITE)]!r}\n"
               "import matplotlib\nmatplotlib.use('Agg')\n")
    p = subprocess.run([sys.executable, "-I", "-S", "-c", prelude + textwrap.dedent(code)],
                       capture_output=True, text=True, cwd=cwd, input=stdin, timeout=300,
                       env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert p.returncode == 0, p.stderr[-4000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def wheel_files(whl):
    with zipfile.ZipFile(whl) as z:
        return {n: z.read(n) for n in z.namelist()}


# --------------------------------------------------------------------------- contents
def test_the_wheel_holds_coursekit_only(kit_wheel):
    whl, _ = kit_wheel
    version = re.search(r'^version = "(.+)"', (REPO / "pyproject.toml").read_text(), re.M)[1]
    assert whl.name == f"backprop_coursekit-{version}-py3-none-any.whl"
    files = wheel_files(whl)
    tops = {n.split("/")[0] for n in files}
    assert tops == {"coursekit", f"backprop_coursekit-{version}.dist-info"}
    names = {Path(n).name for n in files}
    for builder in BUILDERS:
        assert f"{builder}.py" not in names, builder
    assert not any(n.startswith(("course/", "autograder/")) for n in files)
    for n in ("coursekit/judge.py", "coursekit/compare.py", "coursekit/plain.py",
              "coursekit/_nn.py", "coursekit/_leaves.py", "coursekit/tools.py",
              "coursekit/data/digits.npz",
              "coursekit/cases/index.plain", "coursekit/cases/linear_backward.plain"):
        assert n in files, n
    assert {f"coursekit/cases/{name}.plain" for name in CHECKS} <= set(files)
    meta = files[f"backprop_coursekit-{version}.dist-info/METADATA"].decode()
    assert "Name: backprop-coursekit" in meta
    requires = re.findall(r"^Requires-Dist: (\w+)", meta, re.M)
    assert sorted(requires) == ["matplotlib", "numpy"]


def test_no_file_of_the_wheel_holds_a_reference_body(kit_wheel):
    from course import nn

    bodies = kit.reference_bodies()
    assert "course.nn.layers.linear_backward" in bodies
    assert "course.nn.model.model_backward" in bodies  # what L_model_backward calls
    assert "course.nn.gradcheck_api.gradient_check" in bodies
    files = wheel_files(kit_wheel[0])
    for name, data in files.items():
        leaks = kit.reference_leaks(data.decode("utf-8", errors="replace"), bodies)
        assert leaks == [], f"{name}: {leaks}"
    # the scanner finds a copied body (so this test can fail)
    assert kit.reference_leaks(inspect.getsource(nn.linear_backward)) == [
        "three lines of course.nn.layers.linear_backward's body"]


def test_no_other_code_of_course_nn_ships(kit_wheel):
    """Graded functions are often thin wrappers (``L_model_backward`` calls
    ``model_backward``): no three body lines of *any* function or method of ``course.nn``
    reach the wheel, except those ``_nn.py`` copies on purpose (``Value``, its
    ``_sigmoid``, ``ShapeError``, ``one_hot``)."""
    import importlib
    import pkgutil

    import course.nn

    files = wheel_files(kit_wheel[0])
    text = "\n".join(d.decode("utf-8", errors="replace") for d in files.values())
    lines = [s for s in (ln.strip() for ln in text.splitlines()) if len(s) >= 6]
    shipped = {tuple(lines[k:k + 3]) for k in range(len(lines) - 2)}
    nn_py = files["coursekit/_nn.py"].decode()
    assert set(re.findall(r"^(?:def|class) (\w+)", nn_py, re.M)) == {
        "Value", "_sigmoid", "ShapeError", "one_hot"}
    copied = {("course.nn.graph", "Value"), ("course.nn.graph", "_sigmoid"),
              ("course.nn._validate", "ShapeError"), ("course.nn.losses", "one_hot")}
    checked = 0
    for info in pkgutil.iter_modules(course.nn.__path__, "course.nn."):
        module = importlib.import_module(info.name)
        funcs = []
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != info.name or (info.name, name) in copied:
                continue
            if inspect.isfunction(obj):
                funcs.append(obj)
            elif inspect.isclass(obj):
                funcs += [f for f in vars(obj).values() if inspect.isfunction(f)]
        for func in funcs:
            body = kit.body_lines(func)
            found = [body[j:j + 3] for j in range(len(body) - 2)
                     if tuple(body[j:j + 3]) in shipped]
            assert not found, f"{info.name}.{func.__qualname__}: {found[0]}"
            checked += 1
    assert checked > 100


def _windows(text):
    lines = [s for s in (ln.strip() for ln in text.splitlines())
             if len(s) >= 6 and not s.startswith(("#", "import ", "from ", '"""', "'''"))]
    return {tuple(lines[k:k + 3]) for k in range(len(lines) - 2)}


def test_no_case_building_code_ships(kit_wheel):
    """No three consecutive lines of a case-builder module reach the wheel, except those
    of the leaf checkers (judging code) that ``_leaves.py`` copies on purpose."""
    import importlib

    files = wheel_files(kit_wheel[0])
    shipped = set()
    for data in files.values():
        shipped |= _windows(data.decode("utf-8", errors="replace"))
    leaves = files["coursekit/_leaves.py"].decode()
    copied = set(re.findall(r"^(?:def|class) (\w+)", leaves, re.M))
    assert copied == {"_init_leaf", "_gc_leaf", "_count_leaf", "_close_error", "_match",
                      "_both_zero", "_fbg_form_verdict", "_fits_one_sided",
                      "_fbg_leaf", "_ml_leaf", "_loop_leaf", "_predict_leaf",
                      "_rules_leaf", "_echo_rule", "_overflow_rule"}
    for builder in BUILDERS:
        module = importlib.import_module(f"autograder.checks.{builder}")
        text = inspect.getsource(module)
        for name in copied & set(vars(module)):
            text = text.replace(inspect.getsource(getattr(module, name)), "")
        found = _windows(text) & shipped
        assert not found, f"{builder}: {sorted(found)[:3]}"
    for data in files.values():
        text = data.decode("utf-8", errors="replace")
        assert "dW = dZ @ A_prev.T / m" not in text and "Forms(" not in text
        assert "ref()" not in text and "course.nn import" not in text.replace(
            "from course.nn import ACTIVATIONS", "")


def test_the_frozen_cases_are_the_instructors_public_cases(kit_wheel):
    files = wheel_files(kit_wheel[0])
    index = plain.loads(files["coursekit/cases/index.plain"])
    from autograder.assignments import ASSIGNMENTS

    assert index["seed"] == PUBLIC_SEED and index["assignments"] == ASSIGNMENTS
    metas = {m["name"]: m for m in index["checks"]}
    assert list(metas) == list(CHECKS)
    for name, c in CHECKS.items():
        cases = c.cases(PUBLIC_SEED)
        assert files[f"coursekit/cases/{name}.plain"] == dump_cases(cases), name
        m = metas[name]
        assert tuple(m["params"]) == c.params and m["returns"] == c.returns
        assert m["points"] == c.points
        assert (m["weights"] is None) == (c.weights is None)
        assert m["weights"] is None or tuple(m["weights"]) == tuple(c.weights)
        for raw, pretty in m["aliases"].items():
            assert c.pretty(raw) == pretty
        leaf = c._leaf_checker
        assert m["leaf_checker"] == (None if leaf is None else leaf.__name__)
    assert metas["L_model_forward"]["aliases"]["caches[0][1]"] == "caches[0][1] (Z1)"


# --------------------------------------------------------------------------- the student side
def test_course_and_autograder_cannot_be_imported_and_the_api_works(kit_wheel, tmp_path):
    _, target = kit_wheel
    out = run_kit(target, """
        import importlib, json, sys
        missing = []
        for name in ("course", "course.nn", "autograder", "autograder.checks"):
            try:
                importlib.import_module(name)
            except ImportError:
                missing.append(name)
        from coursekit import check, grader, data, plots, Value, Grader
        import coursekit, numpy as np
        v = Value(2.0) * Value(-3.0) + Value(1.0)
        v.backward()
        X, Y = data.xor_table()
        # the measuring instruments of assignment 1 (coursekit.tools)
        from coursekit import centered_difference, numerical_gradient, rel_error
        A = np.arange(6.0).reshape(2, 3)
        tools = [rel_error(numerical_gradient(lambda M: np.sum(M**2), A), 2 * A),
                 centered_difference(lambda t: t**3, 2.0), rel_error([3.0, 4.0], [0.0, 0.0])]
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("course", "autograder"))
        print(json.dumps({"missing": missing, "v": v.data, "xor": X.shape, "tools": tools,
                          "file": coursekit.__file__, "loaded": loaded,
                          "frozen": __import__("coursekit.registry").registry.frozen()}))
    """, tmp_path)
    assert out["missing"] == ["course", "course.nn", "autograder", "autograder.checks"]
    assert out["v"] == -5.0 and out["xor"] == [2, 4] and out["frozen"] is True
    grad_err, slope, one = out["tools"]
    assert grad_err < 1e-9 and abs(slope - 12.0) < 1e-6 and one == 1.0
    assert out["file"].startswith(str(target)) and out["loaded"] == []


def test_the_kit_knows_its_version_and_submit_works_in_it(kit_wheel, tmp_path):
    """``coursekit.__version__`` is pyproject.toml's version in the wheel (``_version.py``)
    and in the repository; ``grader.submit()`` writes a hand-in zip with it, in the kit
    (no fresh run here: the test's kernels would import the repository's coursekit)."""
    import coursekit

    version = re.search(r'^version = "(.+)"', (REPO / "pyproject.toml").read_text(), re.M)[1]
    assert coursekit.__version__ == version
    assert wheel_files(kit_wheel[0])["coursekit/_version.py"].decode().endswith(
        f"VERSION = {version!r}\n")
    released = REPO / "assignments" / "03_one_layer_at_a_time" / "03_one_layer_at_a_time.ipynb"
    (tmp_path / released.name).write_bytes(released.read_bytes())
    out = run_kit(kit_wheel[1], f"""
        import json, sys, zipfile
        sys.modules["nbclient"] = None
        import coursekit
        from coursekit import grader
        r = grader.submit({released.name!r}, student="kit-student")
        man = json.loads(zipfile.ZipFile(r.path).read("manifest.json"))
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("course", "autograder"))
        print(json.dumps({{"version": coursekit.__version__, "man": man, "loaded": loaded,
                          "problems": r.problems, "notes": r.notes}}))
    """, tmp_path)
    assert out["version"] == version and out["loaded"] == []
    assert out["man"]["kit_version"] == version and out["man"]["student"] == "kit-student"
    points = sum(CHECKS[name].points for name in ASSIGNMENTS["03_one_layer_at_a_time"])
    assert out["man"]["public_total"] == {"score": 0.0, "max_score": points}
    assert out["problems"][0].startswith("still stubs: linear_forward")
    assert any("nbclient is not installed" in n for n in out["notes"]), out["notes"]


LINEAR_BACKWARD = """
import numpy as np

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m

def no_1_over_m(dZ, cache):
    A_prev, W, b = cache
    return W.T @ dZ, dZ @ A_prev.T, np.sum(dZ, axis=1, keepdims=True)

def relu_backward(dA, cache):
    return dA * (cache >= 0)
"""


def test_linear_backward_scores_the_same_in_the_kit_and_the_instructor_package(kit_wheel,
                                                                              tmp_path):
    _, target = kit_wheel
    out = run_kit(target, f"""
        import json
        from coursekit import check, grader, Grader
        exec({LINEAR_BACKWARD!r})
        rows = {{}}
        for func, name in ((linear_backward, "linear_backward"),
                           (no_1_over_m, "linear_backward"), (relu_backward, "relu_backward")):
            r = check(name, func)
            rows[func.__name__] = [r.score, r.max_score, r.passed, r.diagnoses, str(r)]
        rows["grader"] = grader.check("linear_backward").score
        summary = Grader(assignment="03_one_layer_at_a_time").check_all()
        rows["summary"] = [summary.score, summary.max_score, [r.name for r in summary.reports]]
        print(json.dumps(rows))
    """, tmp_path)
    ns = {}
    exec(LINEAR_BACKWARD, ns)
    for fname, name in (("linear_backward", "linear_backward"), ("no_1_over_m", "linear_backward"),
                        ("relu_backward", "relu_backward")):
        r = instructor_check(name, ns[fname])
        assert out[fname] == [r.score, r.max_score, r.passed, r.diagnoses, str(r)], fname
    assert out["linear_backward"][0] == out["linear_backward"][1] > 0
    assert "missing_1_over_m" in out["no_1_over_m"][3]
    assert out["no_1_over_m"][0] < out["no_1_over_m"][1]
    assert "relu_grad_at_zero" in out["relu_backward"][3]
    assert out["grader"] == out["linear_backward"][0]
    assert out["summary"][0] == out["linear_backward"][0]
    assert out["summary"][2] == list(ASSIGNMENTS["03_one_layer_at_a_time"])
    assert out["summary"][2][:4] == ["linear_forward", "linear_backward",
                                     "linear_activation_forward", "linear_activation_backward"]


# ---- every check: the kit judges any outcome exactly as the instructor's package does
def _paths(x, path=()):
    yield path, x
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _paths(v, path + (k,))
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            yield from _paths(v, path + (i,))


def _replace(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        out = dict(value)
        if new is _DROP and not rest:
            out.pop(head, None)
        else:
            out[head] = _replace(value[head], rest, new)
        return out
    items = list(value)
    items[head] = _replace(items[head], rest, new)
    return type(value)(items)


_DROP = object()


def _outcomes(check, case, func):
    """Outcomes (plain data) to judge: the reference's, one per known wrong form (the
    expected value with that leaf replaced), scaled, transposed, mutated and raised."""
    from autograder.checks import run_case

    good = run_case(func, case)
    outs = [good]
    names = {check.value_name(p): p for p, _ in _paths(case.expected)}
    for form in case.wrong_forms:
        value = case.expected
        for leaf, wrong in form["leaves"].items():
            if leaf not in names:
                continue
            if isinstance(wrong, dict) and "shape" in wrong:
                wrong = np.zeros(wrong["shape"])
            elif isinstance(wrong, dict) and "missing" in wrong:
                wrong = _DROP
            value = _replace(value, names[leaf], wrong)
        outs.append(dict(good, value=value))
    for path, leaf in _paths(case.expected):
        if isinstance(leaf, np.ndarray) and leaf.dtype.kind == "f":
            outs.append(dict(good, value=_replace(case.expected, path, 2 * leaf)))
            if leaf.ndim == 2:
                outs.append(dict(good, value=_replace(case.expected, path, leaf.T)))
            break
    before = (tuple(case.args), dict(case.kwargs))
    for path, leaf in _paths(before):
        if isinstance(leaf, np.ndarray) and leaf.size:
            outs.append(dict(good, args_after=_replace(before, path, leaf + 1)))
            break
    outs.append({"status": "raised", "value": None, "args_after": None,
                 "error": "ValueError: matmul: shapes do not align", "seconds": 0.0})
    outs.append(dict(good, value=None))
    return outs


def _reference(name):
    from course import nn
    from course.nn import chain_api, gradcheck_api

    for mod in (gradcheck_api, chain_api, nn):  # the ones the checks call
        if callable(getattr(mod, name, None)):
            return getattr(mod, name)
    raise LookupError(name)


def test_every_check_judges_the_same_in_the_kit(kit_wheel, tmp_path):
    _, target = kit_wheel
    tasks, expected = {}, {}
    for name, c in CHECKS.items():
        cases = c.cases(PUBLIC_SEED)
        func = _reference(name)
        tasks[name] = [_outcomes(c, case, func) for case in cases]
        expected[name] = [[(r.score, r.passed, r.diagnoses, r.feedback)
                           for r in (c.judge(case, o) for o in outs)]
                          for case, outs in zip(cases, tasks[name], strict=True)]
    (tmp_path / "outcomes.plain").write_bytes(plain.dumps(tasks))
    out = run_kit(target, """
        import json
        from coursekit import plain, registry
        tasks = plain.loads(open("outcomes.plain", "rb").read())
        checks = registry.checks()
        result = {}
        for name, per_case in tasks.items():
            c = checks[name]
            cases = c.cases()
            result[name] = [[(r.score, r.passed, r.diagnoses, r.feedback)
                             for r in (c.judge(case, o) for o in outs)]
                            for case, outs in zip(cases, per_case)]
        print(json.dumps({"names": list(checks), "result": result}))
    """, tmp_path)
    assert out["names"] == list(CHECKS)
    n = 0
    for name in CHECKS:
        got = json.loads(json.dumps(out["result"][name]))
        want = json.loads(json.dumps(expected[name]))
        assert got == want, name
        assert all(row[0][1] for row in want), f"{name}: the reference must pass"
        n += sum(len(row) for row in want)
    codes = {d for name in CHECKS for row in expected[name] for r in row for d in r[2]}
    assert {"missing_1_over_m", "mutated_input", "raised", "wrong_scale"} <= codes
    assert n > 1000


def test_hidden_cases_are_not_in_the_kit(kit_wheel, tmp_path):
    out = run_kit(kit_wheel[1], """
        import json
        from coursekit import registry
        c = registry.checks()["linear_backward"]
        try:
            c.cases(seed=123, hidden=True)
            msg = None
        except ValueError as err:
            msg = str(err)
        print(json.dumps(msg))
    """, tmp_path)
    assert "only the public cases" in out


def test_the_self_checks_work_in_the_kit_with_the_frozen_answers(kit_wheel, tmp_path):
    """``grader.answer`` in the kit judges with the answers frozen from the solutions'
    model answers (``cases/_answers.plain``), the same as in the repository."""
    from coursekit import answers

    live = answers.answers()
    files = wheel_files(kit_wheel[0])
    assert answers._thaw(files[f"coursekit/cases/{answers.ANSWERS_FILE}"]) == live
    some = sorted(live)[:3]
    out = run_kit(kit_wheel[1], f"""
        import json, sys
        from coursekit import grader
        from coursekit import answers
        report = grader.answer(**{{n: answers.answers()[n].value for n in {some!r}}},
                               tensor_entrys=1, mse_peak_z=...)
        print(json.dumps({{"lines": str(report).splitlines(), "n": len(answers.answers()),
                          "loaded": sorted(m for m in sys.modules
                                           if m.split(".")[0] in ("course", "autograder"))}}))
    """, tmp_path)
    assert out["n"] == len(live) and out["loaded"] == []
    assert [ln.endswith("is right") for ln in out["lines"][:3]] == [True] * 3
    assert "did you mean 'tensor_entries'" in out["lines"][3]
    assert "not answered yet" in out["lines"][4]


def test_data_and_plots_work_in_the_kit(kit_wheel, tmp_path):
    out = run_kit(kit_wheel[1], """
        import json
        import numpy as np
        from coursekit import data, plots, Value
        from coursekit._nn import ShapeError
        X, Y = data.digits()
        Xb, Yb = data.digits(classes=(8, 9))
        _, Y10 = data.digits(one_hot=True)
        Xs, Ys = data.spirals(one_hot=True)
        Xtr, Xte, Ytr, Yte = data.train_test_split(Xb, Yb, test_size=0.2, seed=0,
                                                   stratify=True)
        Xn, mu, sd = data.standardize(Xtr)
        batches = list(data.minibatches(Xtr, Ytr, 32, seed=0))
        shapes = [X.shape, Xb.shape, Y10.shape, Ys.shape, data.flower()[0].shape,
                  data.moons()[0].shape, data.xor()[0].shape,
                  data.one_hot(np.array([2, 0]), 3).shape]
        try:
            data.standardize(np.zeros(3))
            error = None
        except ShapeError as err:
            error = type(err).__name__

        def relu_forward(Z):
            return np.maximum(Z, 0), Z

        def relu_backward(dA, cache):
            return dA * (cache > 0)

        a = Value(0.5, "z").sigmoid()
        a.backward()
        figs = [plots.plot_cost([3.0, 2.0, 1.0]),
                plots.plot_gradient_norms([{"dW1": 1.0, "dW2": 0.5}, {"dW1": 0.8, "dW2": 0.4}]),
                plots.plot_decision_boundary(lambda P: (P[0:1] > 0).astype(float),
                                            *data.flower()),
                plots.plot_digits(X[:, :10], labels=Y[:10]),
                plots.draw_graph(a, title="sigmoid"),
                plots.plot_ce_vs_mse(y=1),
                plots.plot_activations({"relu": (relu_forward, relu_backward)})]
        try:
            plots.plot_activations()
            act_error = None
        except TypeError as err:
            act_error = str(err)
        plots.save(figs[-1], "act.png")
        print(json.dumps({"shapes": [list(s) for s in shapes], "batches": len(batches),
                          "error": error, "n": len(figs), "act_error": act_error}))
    """, tmp_path)
    assert out["shapes"][:4] == [[64, 1797], [64, 354], [10, 1797], [3, 300]]
    assert out["batches"] > 1 and out["error"] == "ShapeError" and out["n"] == 7
    assert "activations" in out["act_error"]
    assert (tmp_path / "act.png").stat().st_size > 1000


# --------------------------------------------------------------------------- the build
def test_the_build_stops_on_a_reference_body(tmp_path):
    from course import nn

    pkg = tmp_path / "coursekit"
    pkg.mkdir()
    (pkg / "helpers.py").write_text(inspect.getsource(nn.linear_backward))
    with pytest.raises(kit.KitError, match="linear_backward"):
        kit._check_no_leaks(pkg)


def test_extract_copies_only_what_it_may():
    from autograder.checks import layers, model

    with pytest.raises(kit.KitError, match="cannot be copied"):
        kit.extract([layers._linear_backward_cases], "x")  # uses ref() of _build
    src = kit.extract([model._init_leaf], "doc")
    assert "def _init_leaf" in src and "import coursekit.compare as compare" in src
    ns = {}
    exec(compile(src, "<leaves>", "exec"), ns)
    assert ns["_init_leaf"].__code__.co_code == model._init_leaf.__code__.co_code
    # a leaf shared by several checks is listed (and defined) once
    src = kit.extract([model._init_leaf, model._init_leaf], "doc")
    assert src.count("def _init_leaf") == 1
    exec(compile(src, "<leaves>", "exec"), ns := {})
    assert ns["__all__"] == ["_init_leaf"]


def test_kit_refuses_an_output_folder_inside_the_repository():
    with pytest.raises(kit.KitError, match="inside the repository"):
        kit.build(REPO / "coursekit")


def test_cli_kit(tmp_path, capsys):
    from course.cli import main

    assert main(["kit", "--out", str(tmp_path)]) == 0
    assert "pip install backprop_coursekit-" in capsys.readouterr().out
    assert len(list(tmp_path.glob("backprop_coursekit-*-py3-none-any.whl"))) == 1
    assert not (REPO / "build").exists()


# --------------------------------------------------------------------------- the sandbox
def test_graded_code_cannot_import_coursekit():
    from autograder.runner import in_process

    task = {"cells": ["from coursekit import registry\n", "import coursekit.judge\n",
                      "def f():\n    return 1\n"],
            "questions": [{"name": "f", "cases": [{"args": (), "kwargs": {}}]}],
            "mode": "all"}  # as a kernel runs them (definitions mode skips them quietly)
    events = in_process(task)
    cells = [e for e in events if e["event"] == "cell"]
    assert all("not available while your notebook is graded" in cells[i]["error"]
               for i in (0, 1))
    assert {"event": "imports", "blocked": ["coursekit"]} in events
    assert registry.checks() is not None  # the in-process run restored the import system


def test_the_sandbox_preload_stays_lean():
    code = ("import sys, json; import autograder.sandbox, autograder.runner; "
            "from autograder import plain; "
            "print(json.dumps(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('course', 'autograder', 'coursekit', 'matplotlib'))))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=REPO, timeout=120)
    assert p.returncode == 0, p.stderr
    loaded = json.loads(p.stdout)
    assert loaded == ["autograder", "autograder.plain", "autograder.runner",
                      "autograder.sandbox", "coursekit", "coursekit.own_work",
                      "coursekit.plain"], loaded
