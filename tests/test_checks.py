"""The autograder checks: the reference scores full marks, mutants are caught and named,
correct variants pass, hidden cases depend on the student, every outcome is judged."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from autograder import plain
from autograder.checks import (
    CHECKS,
    Case,
    CaseResult,
    Report,
    assert_check,
    check,
    dump_cases,
    grade_question,
    hidden_seed,
    load_cases,
    run_case,
)
from autograder.checks.chain import NAMES as CHAIN_CHECKS
from autograder.plain import Opaque
from course import nn
from course.nn import gradcheck_api

sys.path.insert(0, str(Path(__file__).parent))
from mutants import CORRECT, MUTANTS  # noqa: E402

HIDDEN_SEED = hidden_seed("student-42", "backprop")
#: every registered check: the graded API and the extra activations (elu, softplus)
ALL_CHECKS = sorted(CHECKS)
_CASES: dict = {}
#: checks whose reference is not ``course.nn.<name>`` (it has another signature there)
REFERENCE = {"gradient_check": gradcheck_api.gradient_check,
             "find_buggy_gradients": gradcheck_api.find_buggy_gradients,
             "multilabel_gradient_check": gradcheck_api.multilabel_gradient_check}
#: checks whose inputs have no examples (no m to vary)
NO_EXAMPLES = ("initialize_parameters_deep", "update_parameters", "relative_error",
               "params_to_vector", "vector_to_params", "count_parameters", *CHAIN_CHECKS)


def cases_for(name, seed, hidden):
    key = (name, seed, hidden)
    if key not in _CASES:
        _CASES[key] = CHECKS[name].cases(seed, hidden)
    return _CASES[key]


def reference(name):
    return REFERENCE.get(name) or getattr(nn, name)


def grade(name, func, runs=((0, False), (HIDDEN_SEED, True))):
    """All CaseResults of ``func`` on the public cases and one student's hidden cases."""
    c = CHECKS[name]
    return [c.judge(k, run_case(func, k)) for s, h in runs for k in cases_for(name, s, h)]


def test_every_graded_function_has_a_check():
    assert set(nn.GRADED_API) <= set(CHECKS)
    for name in nn.GRADED_API:
        c = CHECKS[name]
        assert c.name == name and c.points > 0
        assert callable(c.cases) and callable(c.judge)


# --------------------------------------------------------------------------- the reference
@pytest.mark.parametrize("name", ALL_CHECKS)
def test_reference_gets_full_marks(name):
    runs = [(s, h) for s in (0, 1, 2) for h in (False, True)]
    results = grade(name, reference(name), runs)
    failed = [(r.label, r.feedback) for r in results if not r.passed]
    assert not failed
    assert all(r.score == r.max_score for r in results)


@pytest.mark.parametrize("name", ALL_CHECKS)
def test_cases_cover_m_1_and_are_plain(name):
    public = cases_for(name, 0, False)
    hidden = cases_for(name, HIDDEN_SEED, True)
    assert len(public) >= 3 and len(hidden) >= 3
    assert all(not c.hidden for c in public) and all(c.hidden for c in hidden)
    if name not in NO_EXAMPLES:
        assert any("m = 1" in c.label for c in public)
        assert any("m = 1" in c.label for c in hidden)
    # plain data only: the cases survive a dump/load and judge the same
    again = load_cases(dump_cases(public))
    ref = reference(name)
    for a, b in zip(public, again, strict=True):
        assert CHECKS[name].judge(b, run_case(ref, b)).passed
        assert a.label == b.label and a.np_seed == b.np_seed


def test_inputs_have_the_promised_features():
    relu_cases = cases_for("relu_backward", 0, False)
    assert all(np.any(c.args[1] == 0) for c in relu_cases)  # exact zeros in Z
    assert any(np.max(np.abs(c.args[0])) > 700 for c in cases_for("softmax_forward", 0, False))
    assert any(np.max(np.abs(c.args[0])) > 700 for c in cases_for("sigmoid_forward", 0, False))
    shapes = [c.args[1][1].shape for c in cases_for("linear_backward", 0, False)]
    assert any(n != k for n, k in shapes)  # non-square layers
    assert any(len(c.args[1]) >= 3 for c in cases_for("L_model_forward", 0, False))


# --------------------------------------------------------------------------- variants and mutants
def _ids(items):
    return [item[1] for item in items]


@pytest.mark.parametrize("entry", CORRECT, ids=_ids(CORRECT))
def test_correct_variant_gets_full_marks(entry):
    name, _, func = entry
    results = grade(name, func)
    failed = [(r.label, r.feedback) for r in results if not r.passed]
    assert not failed


@pytest.mark.parametrize("entry", MUTANTS, ids=_ids(MUTANTS))
def test_mutant_loses_points_with_the_right_diagnosis(entry):
    name, _, func, code = entry
    results = grade(name, func)
    score = sum(r.score for r in results)
    total = sum(r.max_score for r in results)
    assert score < total
    codes = {c for r in results for c in r.diagnoses}
    assert code in codes, f"expected {code!r}, got {sorted(codes)}"
    failing = [r for r in results if not r.passed]
    assert all(r.feedback for r in failing)


def test_enough_mutants_and_variants_per_function():
    wrong = Counter(name for name, mid, _, _ in MUTANTS if ":" in mid
                    and not mid.endswith((":ndarray_subclass", ":always_equal")))
    right = Counter(name for name, _, _ in CORRECT)
    for name in ALL_CHECKS:
        assert wrong[name] >= 5, name
        assert right[name] >= 3, name


def _hard_coded(name):
    """A 'solution' that returns the public expected values it has seen."""
    public = cases_for(name, 0, False)

    def cheat(*args, **kwargs):
        for c in public:
            if plain.dumps(c.args) == plain.dumps(args):
                return c.expected
        return public[0].expected

    return cheat


@pytest.mark.parametrize("name", ["linear_backward", "relu_forward", "compute_cost",
                                  "update_parameters"])
def test_hard_coded_public_answers_fail_hidden_cases(name):
    cheat = _hard_coded(name)
    public = grade(name, cheat, [(0, False)])
    assert all(r.passed for r in public)
    hidden = grade(name, cheat, [(HIDDEN_SEED, True)])
    assert sum(r.score for r in hidden) < sum(r.max_score for r in hidden) / 2


# --------------------------------------------------------------------------- hidden seeds
def test_hidden_cases_differ_by_student_and_are_deterministic():
    a = hidden_seed("alice", "backprop")
    assert a == hidden_seed("alice", "backprop")
    assert a != hidden_seed("bob", "backprop") != hidden_seed("alice", "other")
    for name in ("linear_backward", "relu_backward", "L_model_backward"):
        c = CHECKS[name]
        ca, ca2, cb = c.cases(a, True), c.cases(a, True), c.cases(hidden_seed("bob", "x"), True)
        assert dump_cases(ca) == dump_cases(ca2)
        assert dump_cases(ca) != dump_cases(cb)
        assert dump_cases(ca) != dump_cases(c.cases(a, False))


# --------------------------------------------------------------------------- outcomes
@pytest.mark.parametrize("status,words", [
    ("raised", "raised"), ("timeout", "did not finish"), ("crashed", "crashed"),
    ("missing", "not defined"), ("not_callable", "not refer to a function"),
    ("bogus", "crashed"),
])
def test_judge_handles_every_status(status, words):
    case = cases_for("linear_backward", 0, False)[0]
    outcome = {"status": status, "value": None, "args_after": None,
               "error": "ValueError: boom" if status == "raised" else None, "seconds": 1.0}
    r = CHECKS["linear_backward"].judge(case, outcome)
    assert isinstance(r, CaseResult)
    assert r.score == 0 and not r.passed and r.max_score == case.points
    assert words in r.feedback[0]
    assert r.diagnosis == (status if status != "bogus" else "crashed")
    if status == "raised":
        assert "ValueError: boom" in r.feedback[0]


def test_judge_survives_garbage_outcomes():
    case = cases_for("linear_backward", 0, False)[0]
    judge = CHECKS["linear_backward"].judge
    for value in (None, 3, "x", Opaque("evil"), [1, 2, 3], (1, 2), {"a": 1},
                  (np.zeros(3), None, Opaque("x"))):
        r = judge(case, {"status": "returned", "value": value, "args_after": Opaque("y"),
                         "error": None, "seconds": 0.0})
        assert r.score == 0 and r.feedback
    assert judge(case, "not a dict").score == 0
    broken = Case("broken", (), expected=np.zeros(2),
                  wrong_forms=[{"leaves": {"the result": np.ones(2)}}])  # no "code"
    r = judge(broken, {"status": "returned", "value": np.ones(2), "args_after": None})
    assert r.diagnosis == "judge_error" and r.score == 0 and "could not be judged" in r.feedback[0]


def test_run_case_statuses_and_isolation(capsys):
    case = cases_for("sigmoid_forward", 0, False)[2]  # large magnitudes: overflow warnings
    assert run_case(None, case)["status"] == "missing"
    assert run_case(42, case)["status"] == "not_callable"

    def boom(Z):
        raise TypeError("nope")

    out = run_case(boom, case)
    assert out["status"] == "raised" and out["error"] == "TypeError: nope"
    state = np.random.get_state()[1].copy()
    out = run_case(lambda Z: (1 / (1 + np.exp(-Z)), Z), case)  # overflows: recorded, silent
    assert out["status"] == "returned" and out["seconds"] >= 0
    assert np.array_equal(np.random.get_state()[1], state)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    assert set(out) == {"status", "value", "args_after", "error", "seconds", "fp_warnings"}
    assert out["fp_warnings"] == ["overflow"]
    quiet = run_case(lambda Z: (0.5 * (1 + np.tanh(Z / 2)), Z), case)
    assert set(quiet) == {"status", "value", "args_after", "error", "seconds"}


def test_run_case_seeds_numpy_for_random_functions():
    case = cases_for("initialize_parameters_deep", 0, False)[0]
    a = run_case(lambda dims: np.random.rand(3), case)["value"]
    b = run_case(lambda dims: np.random.rand(3), case)["value"]
    assert np.array_equal(a, b)


# --------------------------------------------------------------------------- wording
def _feedback(name, func):
    return " | ".join(f for r in check(name, func).results for f in r.feedback)


def test_feedback_wording_for_classic_mistakes():
    def transposed(dZ, cache):
        A_prev, W, b = cache
        m = dZ.shape[1]
        return W.T @ dZ, A_prev @ dZ.T / m, dZ.sum(axis=1, keepdims=True) / m

    def no_m(dZ, cache):
        A_prev, W, b = cache
        return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True) / dZ.shape[1]

    def flat_db(dZ, cache):
        A_prev, W, b = cache
        m = dZ.shape[1]
        return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1) / m

    text = _feedback("linear_backward", transposed)
    assert ("dW has shape (5, 3) but W has shape (3, 5): dW must match W; you may have "
            "computed A_prev @ dZ.T") in text
    assert "dW is m times too large: divide by m" in _feedback("linear_backward", no_m)
    assert "db has shape (3,): keep the column with keepdims=True" in _feedback(
        "linear_backward", flat_db)
    text = _feedback("relu_backward", lambda dA, Z: dA * (Z >= 0))
    assert "dZ differs only where Z == 0: the ReLU derivative at 0 is 0" in text
    text = _feedback("relu_backward", lambda dA, Z: (Z > 0) * 1.0)
    assert "you returned the mask without multiplying by dA" in text

    def in_place(dA, Z):
        dA[Z <= 0] = 0
        return dA

    assert "your function changed its input dA in place" in _feedback("relu_backward", in_place)


def test_feedback_names_array_shapes_and_first_difference():
    def off(dZ, cache):
        A_prev, W, b = cache
        m = dZ.shape[1]
        dW = dZ @ A_prev.T / m
        dW[0, 1] += 1.0
        return W.T @ dZ, dW, dZ.sum(axis=1, keepdims=True) / m

    text = _feedback("linear_backward", off)
    assert "dW has the right shape (3, 5) but wrong values" in text
    assert "first at dW[0, 1]: expected" in text and "rtol" not in text  # states the formula
    assert "|got - expected| <= 1e-08 + 1e-06 * |expected|" in text


# --------------------------------------------------------------------------- notebook API
def test_check_report_and_assert_check():
    report = check("relu_forward", nn.relu_forward)
    assert isinstance(report, Report) and report.passed
    # scored in the question's points (as in the assignment), three cases of a third each
    assert report.score == report.max_score == CHECKS["relu_forward"].points == 1
    assert [(r.score, r.max_score) for r in report.results] == [(1.0, 1.0)] * 3
    assert "1 / 1 points on the public cases" in str(report)
    assert "0.333 / 0.333" in str(report) and "coursekit-case" in report._repr_html_()
    assert assert_check("relu_forward", nn.relu_forward).passed

    def bad(Z):
        return np.maximum(Z, 0.5), Z

    # A is wrong, so the cache (Z, the input handed back) earns nothing either (issue 11;
    # it kept its 0.25 before)
    with pytest.raises(AssertionError, match="relu_forward: 0 / 1 points on the public cases"):
        assert_check("relu_forward", bad)

    def cache_is_A(Z):
        A = np.maximum(Z, 0)
        return A, A

    with pytest.raises(AssertionError, match="relu_forward: 0.75 / 1 points on the public"):
        assert_check("relu_forward", cache_is_A)
    def evil(Z):
        raise ValueError("<script>")

    report = check("relu_forward", evil)
    assert "ValueError: <script>" in str(report) and report.score == 0
    assert "&lt;script&gt;" in report._repr_html_() and "<script>" not in report._repr_html_()
    with pytest.raises(KeyError, match="no check named"):
        check("no_such_function", bad)


def test_grade_question():
    name = "linear_backward"
    cases = cases_for(name, HIDDEN_SEED, True)
    outcomes = [run_case(nn.linear_backward, c) for c in cases]
    g = grade_question(name, cases, outcomes)
    assert g == {"name": name, "score": 2.0, "max_score": 2.0, "feedback": [],
                 "diagnoses": []}

    def no_m(dZ, cache):
        A_prev, W, b = cache
        return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True) / dZ.shape[1]

    outcomes = [run_case(no_m, c) for c in cases]
    outcomes[-1] = {"status": "timeout", "value": None, "args_after": None, "error": None,
                    "seconds": 5.0}
    g = grade_question(name, cases, outcomes[:-1] + [outcomes[-1]])
    assert 0 < g["score"] < 2.0 and g["max_score"] == 2.0
    assert "missing_1_over_m" in g["diagnoses"] and "timeout" in g["diagnoses"]
    assert all(isinstance(f, str) for f in g["feedback"])
    short = grade_question(name, cases, outcomes[:2])  # missing outcomes count as missing
    assert "missing" in short["diagnoses"]


def test_judging_does_not_need_course_nn(tmp_path):
    """Frozen public cases are judged in a process where course.nn cannot be imported."""
    cases = cases_for("linear_backward", 0, False)
    path = tmp_path / "cases.bin"
    path.write_bytes(dump_cases(cases))
    code = (
        "import sys; sys.modules['course'] = None; sys.modules['course.nn'] = None\n"
        "import numpy as np\n"
        "from autograder.checks import CHECKS, load_cases, run_case\n"
        f"cases = load_cases(open({str(path)!r}, 'rb').read())\n"
        "def lb(dZ, cache):\n"
        "    A, W, b = cache; m = dZ.shape[1]\n"
        "    return W.T @ dZ, dZ @ A.T / m, dZ.sum(1, keepdims=True) / m\n"
        "rs = [CHECKS['linear_backward'].judge(c, run_case(lb, c)) for c in cases]\n"
        "assert all(r.passed for r in rs), rs\n"
        "print('ok')\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=root, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok" and out.stderr == ""


def test_case_is_a_dataclass_of_plain_fields():
    c = cases_for("compute_cost", 0, False)[0]
    assert isinstance(c, Case) and isinstance(c.expected, float)
    assert type(c.args) is tuple and type(c.kwargs) is dict
    d = c.to_plain()
    assert Case.from_plain(d).label == c.label


# --------------------------------------------------------------------------- no credit for echoes
def _la_echo(A_prev, W, b, activation):
    Z = np.zeros((W.shape[0], A_prev.shape[1]))  # nothing computed, the inputs handed back
    return Z, ((A_prev, W, b), Z)


def _la_no_activation(A_prev, W, b, activation):
    Z = W @ A_prev + b
    return Z, ((A_prev, W, b), Z)


def test_echoed_inputs_earn_nothing_without_a_right_result():
    """Issue 11's example: zeros for A and Z with (A_prev, W, b) handed back scored
    0.15 / 1 of every case (the linear cache's share); now 0."""
    name = "linear_activation_forward"
    results = grade(name, _la_echo)
    assert results and all(r.score == 0 for r in results)
    assert all("echoed_inputs" in r.diagnoses for r in results)
    text = " | ".join(f for r in results for f in r.feedback)
    assert "it is an input handed back" in text and "together with a right A" in text
    assert check(name, _la_echo).score == 0
    # a computed item of the cache keeps its share: A = Z (no activation) but Z is right
    c = CHECKS[name]
    for k in cases_for(name, 0, False):
        r = c.judge(k, run_case(_la_no_activation, k))
        assert r.score == pytest.approx(0.15 * k.points)  # Z, half of the cache's 0.3
        assert r.diagnoses[:2] == ["forgot_activation", "echoed_inputs"]
    # with a right A the inputs in the cache count as before
    assert all(r.passed for r in grade(name, nn.linear_activation_forward))

    def cache_order(A_prev, W, b, activation):
        A, cache = nn.linear_activation_forward(A_prev, W, b, activation)
        return A, ((W, A_prev, b), cache[1])

    k = cases_for(name, 0, False)[0]
    r = c.judge(k, run_case(cache_order, k))
    assert 0 < r.score < k.points and "echoed_inputs" not in r.diagnoses


@pytest.mark.parametrize("name,func,share", [
    ("linear_forward", lambda A_prev, W, b: (W @ A_prev, (A_prev, W, b)), 0.0),  # was 0.25
    ("relu_forward", lambda Z: (np.abs(Z), Z), 0.0),  # was 0.25
    ("linear_activation_forward", _la_echo, 0.0),  # was 0.15
    ("linear_activation_forward", _la_no_activation, 0.15),  # was 0.3
])
def test_every_engine_scores_echoes_alike(name, func, share):
    """course grade (grade_question), nbgrader (question_score, the same call in the
    notebook) and otter (the parts of each case) give the echo rule's score."""
    from autograder.engines import case_parts, part_passes, question_score

    c = CHECKS[name]
    cases = cases_for(name, 0, False)
    outcomes = [run_case(func, k) for k in cases]
    g = grade_question(name, cases, outcomes)
    assert g["score"] == pytest.approx(share * c.points)
    assert question_score(name, func, cases)["score"] == g["score"]
    for k, o in zip(cases, outcomes, strict=True):
        r = c.judge(k, o)
        frac = r.score / r.max_score
        assert frac == pytest.approx(share)
        parts = sum(w for kind, v, w in case_parts(c, k) if part_passes(kind, v, frac))
        assert parts == pytest.approx(frac, abs=1e-6)


def test_the_echo_rule_holds_per_thread():
    """The main result's verdict is kept on the case during a walk, per thread: judging
    one case from several threads at once gives each outcome its own score."""
    from concurrent.futures import ThreadPoolExecutor

    name = "L_model_forward"
    c = CHECKS[name]
    k = cases_for(name, 0, False)[0]
    good = run_case(nn.L_model_forward, k)
    echo = dict(good, value=(np.zeros_like(good["value"][0]), good["value"][1]))
    assert c.judge(k, good).score == k.points
    assert 0 < c.judge(k, echo).score < 0.3 * k.points  # only the computed A and Z count
    want = [c.judge(k, good).score, c.judge(k, echo).score] * 300
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda o: c.judge(k, o).score, [good, echo] * 300))
    assert got == want


def test_echoes_are_the_inputs_handed_back():
    lf = cases_for("linear_forward", 0, False)[0]
    assert lf.extra["echoes"] == ["cache[0]", "cache[1]", "cache[2]"]
    laf = cases_for("linear_activation_forward", 0, False)[0]
    assert laf.extra["echoes"] == ["cache[0][0]", "cache[0][1]", "cache[0][2]"]
    assert cases_for("relu_forward", 0, False)[0].extra["echoes"] == ["cache"]
    lmf = cases_for("L_model_forward", 0, False)[2]  # layer_dims = [5, 4, 3, 1]
    # X, then every layer's W and b; the A_prev of layers 2 and 3 are computed
    assert lmf.extra["echoes"] == ["caches[0][0][0]", "caches[0][0][1]", "caches[0][0][2]",
                                   "caches[1][0][1]", "caches[1][0][2]",
                                   "caches[2][0][1]", "caches[2][0][2]"]


# --------------------------------------------------------------------------- numerical stability
#: the checks whose notebook promises numerical stability (|z| in the hundreds)
STABLE = ("sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward",
          "softmax_forward", "softmax_backward", "elu_forward", "elu_backward",
          "softplus_forward", "softplus_backward", "activation_prime", "sigmoid_neuron_backward",
          "sigmoid_dot_backward", "linear_activation_forward")


def _z_of(k):
    info = k.extra["overflow"]
    if "value" in info:
        return np.asarray(info["value"])
    z = k.args if info["z"][0] == "args" else k.expected
    for step in info["z"][1:]:
        z = z[step]
    return np.asarray(z, dtype=np.float64)


@pytest.mark.parametrize("name", STABLE)
def test_hidden_cases_test_numerical_stability(name):
    ref = reference(name)
    for seed in (HIDDEN_SEED, 1, 2):
        cases = cases_for(name, seed, True)
        stab = [k for k in cases if "overflow" in k.extra]
        assert stab, "every case of a stable function names its input for the diagnosis"
        if name != "linear_activation_forward":
            assert len(stab) == len(cases)
        zs = np.concatenate([_z_of(k).ravel() for k in stab])
        assert zs.min() <= -720 and zs.max() >= 720  # exp overflows beyond 709.78
        assert np.abs(zs).max() <= 1500
        assert any("numerical stability" in k.label or "large" in k.label for k in cases)
        for k in stab:  # the reference is stable there: finite, no overflow or NaN
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                out = ref(*k.args, **k.kwargs)
            leaves = [out] if not isinstance(out, tuple) else list(out)
            for leaf in leaves:
                if isinstance(leaf, (np.ndarray, float)):
                    assert np.all(np.isfinite(leaf))


def test_every_stable_check_has_a_mutant_that_only_warns():
    """ "Without overflow or warnings" (issue 10 part 3): each check whose text promises
    stability has a mutant with right values computed through an overflow."""
    warned = {name for name, _, _, code in MUTANTS if code == "overflow_warning"}
    assert set(STABLE) <= warned, sorted(set(STABLE) - warned)


def test_right_values_computed_with_an_overflow_lose_the_case_with_its_name(capsys):
    def sp_naive_s(z):
        s = 1 / (1 + np.exp(-z))  # s = 0 at z = -800: right, but exp(800) overflowed
        return s * (1 - s)

    def ap_naive_s(z, activation):
        return sp_naive_s(z) if activation == "sigmoid" else (np.asarray(z) > 0) * 1.0

    public = cases_for("activation_prime", 0, False)
    results = {k.label: CHECKS["activation_prime"].judge(k, run_case(ap_naive_s, k))
               for k in public}
    assert results["z = 0, activation = 'sigmoid'"].passed
    assert results["z = 2, activation = 'sigmoid'"].passed
    lost = results["z = -800, activation = 'sigmoid'"]
    assert lost.score == 0 and lost.diagnoses == ["overflow_warning"]
    text = lost.feedback[0]
    assert text.startswith("overflow: numpy warned 'overflow encountered' at z = -800")
    assert "without overflow or warnings" in text and "np.exp(-np.abs(z))" in text
    assert capsys.readouterr().err == ""  # recorded, never printed
    # the report lists the advice once for the cases that warned
    report = check("activation_prime", ap_naive_s)
    warned = [r for r in report.results if "overflow_warning" in r.diagnoses]
    assert len(warned) >= 2
    assert sum("Likely mistake" in line and "numerically stable" in line
               for line in str(report).splitlines()) == 1
    # a function whose text promises nothing about stability is not judged on warnings
    def relu_divides(Z):
        _ = np.float64(1.0) / 0.0  # a divide-by-zero warning, and the right values
        return np.maximum(Z, 0), Z

    for k in cases_for("relu_forward", 0, False):
        out = run_case(relu_divides, k)
        assert out["fp_warnings"] == ["divide by zero"]
        assert CHECKS["relu_forward"].judge(k, out).passed


def test_overflow_is_named_with_the_input_and_the_stable_way():
    def no_shift_scaled(dA, Z):  # no max subtracted; scaled so that no known form matches
        E = np.exp(Z)
        A = E / E.sum(axis=0, keepdims=True)
        return A * (dA - (A * dA).sum(axis=0, keepdims=True)) * (1 + 1e-3)

    results = grade("softmax_backward", no_shift_scaled)
    stab = [r for r in results if "numerical stability" in r.label]
    assert len(stab) == 1 and stab[0].score == 0 and stab[0].diagnosis == "unstable_overflow"
    text = " ".join(stab[0].feedback)
    assert text.startswith("overflow: dZ[") and "is NaN where Z = " in text
    assert "np.exp(Z - Z.max(axis=0, keepdims=True))" in text
    # NaN for small inputs is not called an overflow
    small = CHECKS["softmax_backward"].judge(cases_for("softmax_backward", 0, False)[0],
                                             run_case(lambda dA, Z: dA * np.nan,
                                                      cases_for("softmax_backward", 0, False)[0]))
    assert small.diagnosis == "not_finite"
    # a known unstable formula keeps its name and says where it overflowed
    def no_shift(dA, Z):
        E = np.exp(Z)
        A = E / E.sum(axis=0, keepdims=True)
        return A * (dA - (A * dA).sum(axis=0, keepdims=True))

    r = [r for r in grade("softmax_backward", no_shift) if "numerical stability" in r.label][0]
    assert r.diagnosis == "softmax_no_shift" and "is NaN where Z = " in r.feedback[0]
    # sigmoid'(z) on an array with both signs, and on a Python float
    def sp(z, activation):
        e = np.exp(z)
        return e / (1 + e) ** 2  # inf / inf = nan for z > 709

    r = [r for r in grade("activation_prime", sp) if r.label.startswith("z of shape")
         and "numerical stability" in r.label][0]
    assert r.diagnosis == "unstable_overflow" and "is NaN where z = " in r.feedback[0]
    k = [k for k in cases_for("activation_prime", HIDDEN_SEED, True)
         if k.label.startswith("z = ") and "numerical stability" in k.label][0]
    r = CHECKS["activation_prime"].judge(k, dict(run_case(lambda z, activation: 0.0, k),
                                                 value=float("nan")))
    assert r.diagnosis == "unstable_overflow" and f"dz is NaN where z = {k.args[0]:g}" in \
        r.feedback[0]


def test_find_buggy_gradients_feedback_quotes_the_errors_of_what_was_missed_and_added():
    """The list is judged whole: a wrong answer is told which names agree with the centered
    differences (with their error) and which wrong gradient it missed."""
    c = CHECKS["find_buggy_gradients"]
    k = next(k for k in cases_for("find_buggy_gradients", 0, False) if k.expected == "dW2")
    r = c.judge(k, run_case(lambda *a, **kw: ["db1"], k))
    assert not r.passed and r.score == 0 and r.diagnosis == "wrong_values"
    text = " ".join(r.feedback)
    assert "db1 agrees with the centered differences (relative error" in text
    assert "dW2 is wrong (relative error 1" in text and "but is missing" in text
    assert c.judge(k, run_case(lambda *a, **kw: ("dW2",), k)).passed  # a tuple is fine
    # the planted keys are the answer: every hidden case's network was redrawn until the
    # right gradients are far below the threshold and the planted ones far above it
    for k in cases_for("find_buggy_gradients", HIDDEN_SEED, True):
        errors, t = k.extra["errors"], k.extra["threshold"]
        planted = set(k.expected.split(", ")) if k.expected else set()
        assert all((v > 10 * t) if key in planted else (v < t / 10) for key, v in errors.items())
