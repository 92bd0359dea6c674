"""Assignment 4's training loop: graded on its own when a function it calls is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import CHECKS, hidden_seed, run_case
from course import nn

EPS = 1e-12
RUNS = ((0, False), (hidden_seed("student-7", "04_deep_networks"), True))


def _loop(cost=nn.compute_cost, backward=nn.L_model_backward):
    """A right loop that calls the given cost and backward."""
    def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, seed=1,
                      record_every=100, parameters=None):
        if parameters is None:
            np.random.seed(seed)
            parameters = nn.initialize_parameters_deep(layers_dims)
        costs = []
        for i in range(num_iterations):
            AL, caches = nn.L_model_forward(X, parameters)
            AL = np.clip(AL, EPS, 1 - EPS)
            if i % record_every == 0 or i == num_iterations - 1:
                costs.append(cost(AL, Y))
            parameters = nn.update_parameters(parameters, backward(AL, Y, caches),
                                              learning_rate)
        return parameters, costs
    return L_layer_model


def _results(func):
    check = CHECKS["L_layer_model"]
    return [check.judge(c, run_case(func, c)) for s, h in RUNS for c in check.cases(s, h)]



def _scaled_backward(scale_of_m):
    def backward(AL, Y, caches):
        grads = nn.L_model_backward(AL, Y, caches)
        s = scale_of_m(Y.shape[1])
        return {k: v * s for k, v in grads.items()}
    return backward


@pytest.mark.parametrize("cost, backward, note", [
    (lambda AL, Y: -nn.compute_cost(AL, Y), nn.L_model_backward, "compute_cost"),
    (lambda AL, Y: nn.compute_cost(AL, Y) / np.log(10), nn.L_model_backward, "log10"),
    (nn.compute_cost, _scaled_backward(lambda m: 1.0 / m), "double_1_over_m"),
])
def test_a_known_mistake_of_a_called_function_costs_the_loop_nothing(cost, backward, note):
    results = _results(_loop(cost, backward))
    assert all(r.passed and r.score == r.max_score for r in results), \
        [(r.label, r.feedback) for r in results if not r.passed]
    notes = [f for r in results for f in r.feedback]
    assert any(note in f and "keeps its points" in f for f in notes)
    # the note comes once per case, not once per value
    assert all(sum("keeps its points" in f for f in r.feedback) <= 1 for r in results)


def test_an_unknown_mistake_of_a_called_function_still_costs_points():
    results = _results(_loop(backward=_scaled_backward(lambda m: 2.0)))
    assert sum(r.score for r in results) < sum(r.max_score for r in results)


def test_the_right_loop_gets_no_note():
    results = _results(nn.L_layer_model)
    assert all(r.passed for r in results)
    assert not [f for r in results for f in r.feedback]


def test_public_cases_include_a_seeded_one_and_a_saturated_one():
    cases = CHECKS["L_layer_model"].cases(0, False)
    assert any("parameters" not in c.kwargs for c in cases)
    saturated = [c for c in cases if "saturated" in c.label]
    assert saturated
    AL, _ = nn.L_model_forward(saturated[0].args[0], saturated[0].kwargs["parameters"])
    assert np.any(AL == 1.0)  # without the clip: 0 / 0


# --------------------------------------------------------------------------- the sliders
def _notebook_namespace(monkeypatch):
    """The solution notebook's definitions (imports, helpers, graded functions, the
    training helpers) and a small flower, as the slider cell sees them after Run All."""
    import json
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *a, **k: plt.close("all"))
    path = (Path(__file__).resolve().parent.parent / "solutions" / "04_deep_networks"
            / "04_deep_networks.ipynb")
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in cells]
    graded = {"initialize_parameters_deep", "L_model_forward", "compute_cost",
              "L_model_backward", "update_parameters", "L_layer_model", "predict"}
    wanted = [s for s, gid in zip(sources, ids, strict=True)
              if gid in graded | {"imports", "given_helpers", "given_recorded_steps"}
              or s.startswith("EPS = ")]
    assert len(wanted) == 11
    slider = [s for s in sources if "slider_runs = {}" in s]
    assert len(slider) == 1
    shown = []
    ns = {"__name__": "__main__", "display": shown.append, "shown": shown}
    for s in wanted:
        exec(compile(s, "<cell>", "exec"), ns)
    from coursekit import data

    X, Y = data.flower()
    ns["X_flower"], ns["Y_flower"] = X[:, ::8], Y[:, ::8]   # 50 points: the test stays quick
    return ns, slider[0]


def test_the_sliders_fall_back_to_a_static_plot_without_ipywidgets(monkeypatch, capsys):
    import sys

    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    ns, cell = _notebook_namespace(monkeypatch)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)   # import ipywidgets raises ImportError
    exec(compile(cell, "<slider cell>", "exec"), ns)
    out = capsys.readouterr().out
    assert len(ns["slider_runs"]) == 27 and "3 hidden layers, weights   He" in out
    shown = ns["shown"]
    assert len(shown) == 1 and isinstance(shown[0], Figure)   # the default run, once
    assert "[2, 16, 8, 1], weights He, lr 0.3" in shown[0].axes[0].get_title()
    assert not plt.get_fignums()     # closed in pyplot: only display shows it
    fig = ns["show_run"](1, "0.01", 1.0)  # any of the 27 runs can be shown by hand
    assert "[2, 16, 1], weights 0.01, lr 1.0" in fig.axes[0].get_title()


def test_the_sliders_use_ipywidgets_when_installed(monkeypatch, capsys):
    widgets = pytest.importorskip("ipywidgets")
    ns, cell = _notebook_namespace(monkeypatch)
    shown = []
    real = ns["plots"].plot_decision_boundary
    monkeypatch.setattr(ns["plots"], "plot_decision_boundary",
                        lambda *a, **k: shown.append(k["title"]) or real(*a, **k))
    exec(compile(cell, "<slider cell>", "exec"), ns)
    ui = ns["slider_ui"]
    assert ns["shown"] == [ui] and isinstance(ui, widgets.VBox)
    sliders = {w.description: w for w in ui.children
               if isinstance(w, widgets.SelectionSlider)}
    assert set(sliders) == {"hidden layers", "weights", "learning rate"}
    assert shown and "[2, 16, 8, 1], weights He, lr 0.3" in shown[-1]
    sliders["hidden layers"].value = 3    # moving a slider shows another precomputed run
    assert "[2, 16, 8, 4, 1], weights He, lr 0.3" in shown[-1]
    assert "ipywidgets is not installed" not in capsys.readouterr().out


def test_the_reference_loop_keeps_its_inputs_and_records_the_promised_steps():
    from course.nn.deep_api import recorded_steps

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 6)), (rng.random((1, 6)) < 0.5).astype(float)
    start = {"W1": rng.standard_normal((4, 3)), "b1": np.zeros((4, 1)),
             "W2": rng.standard_normal((1, 4)), "b2": np.zeros((1, 1))}
    before = {k: v.copy() for k, v in start.items()}
    params, costs = nn.L_layer_model(X, Y, [3, 4, 1], 0.1, 11, record_every=4, parameters=start)
    assert all(np.array_equal(start[k], before[k]) for k in start)
    assert recorded_steps(11, 4) == [0, 4, 8, 10] and len(costs) == 4
    assert costs[0] == pytest.approx(nn.compute_cost(nn.L_model_forward(X, start)[0], Y))
    assert all(type(c) is float for c in costs)
    assert nn.predict(X, params).dtype == np.int64


def test_the_notebooks_train_pauses_the_loop_without_changing_it(monkeypatch):
    """Section 8.2's claim: `train`, which calls L_layer_model once per recorded step to
    measure the gradient norms, returns what one call of L_layer_model returns."""
    ns, _ = _notebook_namespace(monkeypatch)
    X, Y = ns["X_flower"], ns["Y_flower"]
    params, costs, norms = ns["train"](X, Y, [2, 8, 4, 1], 0.3, 250, init="he", seed=3,
                                       record_every=40)
    ns["np"].random.seed(3)
    start = ns["initialize_parameters_he"]([2, 8, 4, 1])
    once, once_costs = nn.L_layer_model(X, Y, [2, 8, 4, 1], 0.3, 250, record_every=40,
                                        parameters=start)
    assert costs == pytest.approx(once_costs, rel=1e-12)
    assert all(np.allclose(params[k], once[k], rtol=1e-12, atol=0) for k in once)
    assert len(norms) == len(costs) and set(norms[0]) == {"dW1", "dW2", "dW3"}
