"""course.plots: each function draws what it should, returns it, and saves a valid PNG.

pytest turns warnings into errors, so every test here also proves that the plot raises
no matplotlib or numpy warning.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course import data, nn, plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path, min_bytes=3000):
    raw = path.read_bytes()
    assert raw[:8] == PNG_MAGIC, path
    assert len(raw) > min_bytes, (path, len(raw))


def labelled_lines(ax):
    return {line.get_label(): line for line in ax.get_lines()
            if not line.get_label().startswith("_")}


def legend_texts(ax_or_fig):
    legend = ax_or_fig.get_legend() if hasattr(ax_or_fig, "get_legend") else None
    if legend is None and hasattr(ax_or_fig, "legends"):
        legend = ax_or_fig.legends[0]
    return [t.get_text() for t in legend.get_texts()]


def sigmoid_neuron():
    """The notes' example: f = sigmoid(w0 x0 + w1 x1 + w2) at w = (2, -3, -3), x = (-1, -2)."""
    w0, x0 = nn.Value(2.0, "w0"), nn.Value(-1.0, "x0")
    w1, x1 = nn.Value(-3.0, "w1"), nn.Value(-2.0, "x1")
    w2 = nn.Value(-3.0, "w2")
    f = (w0 * x0 + w1 * x1 + w2).sigmoid()
    f.label = "f"
    f.backward()
    return f


# --------------------------------------------------------------------------- the module
def test_nn_stays_pure_numpy_and_plots_selects_no_backend(tmp_path):
    code = (
        "import sys\n"
        "import course.nn, course.data\n"
        "assert not [m for m in sys.modules if m.startswith('matplotlib')], 'matplotlib loaded'\n"
        "assert 'course.plots' not in sys.modules, 'course.nn imported course.plots'\n"
        "import matplotlib\n"
        "from course import plots\n"
        "plots.save(plots.plot_cost([3.0, 2.0, 1.0]), sys.argv[1])\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'plots imported pyplot'\n"
        "assert matplotlib.rcParams._get_backend_or_none() is None, 'a backend was chosen'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    out = tmp_path / "sub.png"
    result = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert_png(out)


def test_figures_are_not_registered_with_pyplot():
    ax = plots.plot_cost([1.0, 0.5])
    assert isinstance(ax.figure, Figure)
    assert ax.figure.canvas.manager is None  # not a pyplot window: nothing piles up


def test_in_a_notebook_figures_are_made_with_pyplot(monkeypatch):
    import matplotlib.pyplot as plt

    from coursekit import plots as kit_plots  # course.plots re-exports coursekit.plots

    monkeypatch.setattr(kit_plots, "_chosen_backend",
                        lambda: "module://matplotlib_inline.backend_inline")
    ax = plots.plot_cost([1.0, 0.5])
    try:
        assert plt.fignum_exists(ax.figure.number)  # so the inline backend shows it
    finally:
        plt.close(ax.figure)


# --------------------------------------------------------------------------- activations
def test_plot_activations_shows_every_elementwise_activation_and_derivative(tmp_path):
    fig = plots.plot_activations()
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == list(nn.ELEMENTWISE)
    for ax, name in zip(axes, nn.ELEMENTWISE, strict=True):
        lines = labelled_lines(ax)
        assert set(lines) == {"g(z)", "g'(z)"}, name
        z = lines["g(z)"].get_xdata()
        Z = z.reshape(1, -1)
        np.testing.assert_allclose(lines["g(z)"].get_ydata(), nn.ACTIVATIONS[name][0](Z)[0][0])
        np.testing.assert_allclose(lines["g'(z)"].get_ydata(), nn.derivative(name, Z)[0])
        assert ax.get_xlabel() in ("", "z")
    assert any("saturated" in t for t in legend_texts(fig))
    plots.save(fig, tmp_path / "act.png", dpi=60)
    assert_png(tmp_path / "act.png", 10000)


def shaded_spans(ax):
    return sorted((p.get_x(), p.get_x() + p.get_width()) for p in ax.patches
                  if hasattr(p, "get_width"))


def test_saturation_regions_are_where_the_derivative_vanishes():
    fig = plots.plot_activations(["sigmoid", "tanh", "relu", "leaky_relu", "identity"])
    sig, tanh, relu, leaky, ident = fig.get_axes()
    spans = [(round(a, 1), round(b, 1)) for a, b in shaded_spans(sig)]
    assert len(spans) == 2 and spans[0][0] == -6 and spans[1][1] == 6  # both tails
    assert -5 < spans[0][1] < -4 and 4 < spans[1][0] < 5  # sigmoid'(z) < 0.01 for |z| > 4.6
    assert len(shaded_spans(tanh)) == 2
    (lo, hi), = shaded_spans(relu)
    assert lo == -6 and hi == pytest.approx(0)  # dead for z <= 0 (derivative 0 at 0)
    assert shaded_spans(leaky) == [] and shaded_spans(ident) == []


def test_plot_activations_float32_and_bad_names():
    z = np.linspace(-3, 3, 61, dtype=np.float32)
    fig = plots.plot_activations(["tanh"], z=z)
    assert len(fig.get_axes()) == 1
    with pytest.raises(ValueError, match="^names.*softmax is not element-wise"):
        plots.plot_activations(["softmax"])
    with pytest.raises(ValueError, match="^names"):
        plots.plot_activations(["swish"])
    with pytest.raises(ValueError, match="^z must be 1-D"):
        plots.plot_activations(z=np.zeros((2, 2)))


# --------------------------------------------------------------------------- cost
def test_plot_cost_single_history(tmp_path):
    history = [2.0, 1.0, 0.5, 0.25]
    ax = plots.plot_cost(history, label="run")
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(line.get_ydata(), history)
    assert legend_texts(ax) == ["run"]
    assert ax.get_yscale() == "linear" and ax.get_xlabel() == "epoch"
    assert plots.save(ax, tmp_path / "cost.png") == tmp_path / "cost.png"
    assert_png(tmp_path / "cost.png")


def test_plot_cost_several_histories_and_log_scale():
    runs = {"lr 0.1": [1.0, 0.8, 0.7], "lr 1.0": [1.0, 0.3]}
    ax = plots.plot_cost(runs, log=True)
    assert ax.get_yscale() == "log"
    assert legend_texts(ax) == ["lr 0.1", "lr 1.0"]
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [3, 2]
    ax = plots.plot_cost([[3, 2, 1], [3, 1]], label=["a", "b"])  # ragged lists
    assert legend_texts(ax) == ["a", "b"]
    ax = plots.plot_cost(np.ones((3, 5), dtype=np.float32))  # one history per row
    assert len(ax.get_lines()) == 3 and ax.get_legend() is None


def test_plot_cost_and_gradient_norms_at_the_steps_they_were_recorded():
    # a training loop that records before steps 0, 100, 200 and after the last one (249)
    steps = [0, 100, 200, 249]
    ax = plots.plot_cost({"a": [3.0, 2.0, 1.0, 0.5], "b": [3.0, 2.5]}, steps=steps)
    a, b = ax.get_lines()
    np.testing.assert_array_equal(a.get_xdata(), steps)  # step 0 is drawn at x = 0
    np.testing.assert_array_equal(b.get_xdata(), [0, 100])  # a shorter run: its first steps
    ax = plots.plot_cost([2.0, 1.0], steps=range(2))
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [0, 1])
    ax = plots.plot_gradient_norms([{"dW1": 1.0, "dW2": 2.0}, {"dW1": 0.5, "dW2": 1.5}],
                                   steps=[0, 10])
    assert [list(line.get_xdata()) for line in ax.get_lines()] == [[0, 10], [0, 10]]
    with pytest.raises(ValueError, match="^steps has 2 values but history 'a' has 3; "):
        plots.plot_cost({"a": [3.0, 2.0, 1.0]}, steps=[0, 1])


def test_plot_cost_from_a_trained_float32_network():
    X, Y = data.xor_table(dtype=np.float32)
    net = nn.NeuralNetwork([2, 4, 1], "tanh", "sigmoid", seed=0, dtype=np.float32)
    net.fit(X, Y, learning_rate=0.5, epochs=20)
    ax = plots.plot_cost(net.history, log=True)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), net.history)


def test_plot_cost_errors():
    with pytest.raises(ValueError, match="^log=True needs positive costs"):
        plots.plot_cost([1.0, 0.0], log=True)
    with pytest.raises(ValueError, match="^history is empty"):
        plots.plot_cost([])
    with pytest.raises(ValueError, match="^label must be a list of 2"):
        plots.plot_cost([[1, 2], [3]], label="one")
    with pytest.raises(TypeError, match="^history must be an array of numbers"):
        plots.plot_cost(["a", "b"])


def test_plot_cost_draws_into_a_given_axes():
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.plot_cost([1.0, 0.5], ax=ax) is ax
    with pytest.raises(TypeError, match="^ax must be a matplotlib Axes"):
        plots.plot_cost([1.0], ax="nope")


# --------------------------------------------------------------------------- gradient norms
def test_plot_gradient_norms_one_line_per_layer(tmp_path):
    X, y = data.spirals(60)
    net = nn.NeuralNetwork([2, 8, 8, 3], "relu", "softmax", seed=0)
    net.fit(X, y, learning_rate=0.3, epochs=12, batch_size=20)
    ax = plots.plot_gradient_norms(net.grad_norms)
    assert legend_texts(ax) == ["layer 1 (dW1)", "layer 2 (dW2)", "layer 3 (dW3)"]
    for line, key in zip(ax.get_lines(), ["dW1", "dW2", "dW3"], strict=True):
        np.testing.assert_allclose(line.get_ydata(), [g[key] for g in net.grad_norms])
        assert len(line.get_xdata()) == 12
    assert ax.get_yscale() == "log"
    plots.save(ax.figure, tmp_path / "g.png")
    assert_png(tmp_path / "g.png")


def test_plot_gradient_norms_layer_order_and_zero_norms():
    norms = {f"dW{l}": [0.0, 1.0 / l] for l in (10, 2, 1)}
    ax = plots.plot_gradient_norms(norms)
    assert legend_texts(ax) == ["layer 1 (dW1)", "layer 2 (dW2)", "layer 10 (dW10)"]
    assert ax.get_yscale() == "linear"  # a zero norm cannot go on a log axis
    with pytest.raises(ValueError, match="^log=True needs positive norms"):
        plots.plot_gradient_norms(norms, log=True)
    with pytest.raises(ValueError, match="^grad_norms is empty"):
        plots.plot_gradient_norms([])
    with pytest.raises(TypeError, match=r"^grad_norms\[0\] must be a dict"):
        plots.plot_gradient_norms([1.0, 2.0])


# --------------------------------------------------------------------------- decision boundary
def test_decision_boundary_binary(tmp_path):
    X, Y = data.moons(100)
    seen = {}

    def predict(G):
        seen["shape"], seen["dtype"] = G.shape, G.dtype
        return (G[1] > 0.25).astype(int).reshape(1, -1)

    ax = plots.plot_decision_boundary(predict, X, Y, resolution=50)
    assert seen["shape"] == (2, 2500) and seen["dtype"] == np.float64
    (image,) = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    regions = np.asarray(image.get_array())
    assert regions.shape == (50, 50)
    assert set(np.unique(regions)) == {0, 1}
    assert regions[0].max() == 0 and regions[-1].min() == 1  # origin="lower": low y is row 0
    assert legend_texts(ax) == ["class 0", "class 1"]
    scatters = [c for c in ax.collections if c.get_label().startswith("class")]
    assert sum(len(c.get_offsets()) for c in scatters) == 100
    plots.save(ax, tmp_path / "b.png")
    assert_png(tmp_path / "b.png")


def test_decision_boundary_multiclass_scores_and_float32():
    X, y = data.spirals(90, classes=3, dtype=np.float32)
    net = nn.NeuralNetwork([2, 8, 3], "relu", "softmax", seed=0, dtype=np.float32)
    net.fit(X, y, learning_rate=0.5, epochs=5)
    ax = plots.plot_decision_boundary(net.predict_proba, X, nn.one_hot(y, 3), resolution=30,
                                      class_names=["a", "b", "c"])
    assert legend_texts(ax) == ["a", "b", "c"]
    ax = plots.plot_decision_boundary(net.predict, X, y, resolution=30)
    assert len(legend_texts(ax)) == 3


def test_decision_boundary_thresholds_probabilities():
    X, Y = data.xor(40)
    ax = plots.plot_decision_boundary(lambda G: nn.sigmoid(G[0:1] - 0.5), X, Y, resolution=20)
    (image,) = ax.images
    regions = np.asarray(image.get_array())
    assert regions[:, 0].max() == 0 and regions[:, -1].min() == 1


def test_decision_boundary_errors_name_the_culprit():
    X, Y = data.moons(20)
    with pytest.raises(ValueError, match="^predict must return labels of shape"):
        plots.plot_decision_boundary(lambda G: np.zeros(3), X, Y)
    with pytest.raises(TypeError, match="^predict must be a function"):
        plots.plot_decision_boundary(None, X, Y)
    with pytest.raises(ValueError, match=r"^X must have shape \(2, m\)"):
        plots.plot_decision_boundary(lambda G: G[0] > 0, X.T, Y)
    with pytest.raises(ValueError, match="^Y must have shape"):
        plots.plot_decision_boundary(lambda G: G[0] > 0, X, Y[:, :5])
    with pytest.raises(ValueError, match="^resolution"):
        plots.plot_decision_boundary(lambda G: G[0] > 0, X, Y, resolution=1)


# --------------------------------------------------------------------------- Value graphs
def boxes(ax):
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_gid() == "value-node"]


def arrows(ax):
    return [p for p in ax.patches
            if isinstance(p, FancyArrowPatch) and p.get_gid() == "value-edge"]


def test_draw_graph_of_the_sigmoid_neuron(tmp_path):
    f = sigmoid_neuron()
    ax = plots.draw_graph(f)
    nodes = f.topological_order()
    assert len(boxes(ax)) == len(nodes) == 10
    assert len(arrows(ax)) == sum(len(n.parents) for n in nodes) == 9
    texts = [t.get_text() for t in ax.texts]
    for name in ["w0", "x0", "w1", "x1", "w2", "f = sigmoid"]:
        assert name in texts
    assert "data 0.7311" in texts and "grad 1" in texts  # the output: value and dJ/df = 1
    # the notes' gradients: dw0 = -0.20, dx0 = 0.39, dw1 = -0.39, dx1 = -0.59, dw2 = 0.20
    for g in ["-0.1966", "0.3932", "-0.3932", "-0.5898", "0.1966"]:
        assert f"grad {g}" in texts
    plots.save(ax, tmp_path / "graph.png")
    assert_png(tmp_path / "graph.png", 10000)


def box_geometry(ax):
    return [(b.get_x(), b.get_y(), b.get_width(), b.get_height()) for b in boxes(ax)]


def test_draw_graph_layout_inputs_left_no_overlaps_no_edge_behind_a_box():
    x, y, z = nn.Value(-2.0, "x"), nn.Value(5.0, "y"), nn.Value(-4.0, "z")
    f = (x + y) * z + x * x - (y / z).tanh() + y.max(z)  # reuse, long edges, x * x
    f.backward()
    ax = plots.draw_graph(f, title="f")
    nodes = f.topological_order()
    assert len(boxes(ax)) == len(nodes)
    assert len(arrows(ax)) == sum(len(n.parents) for n in nodes)
    geo = box_geometry(ax)
    for i, (x0, y0, w, h) in enumerate(geo):  # no two boxes overlap
        for x1, y1, _, _ in geo[i + 1:]:
            assert abs(x0 - x1) >= w or abs(y0 - y1) >= h
    # every edge runs left to right
    for a in arrows(ax):
        (xa, _), (xb, _) = a._posA_posB
        assert xa < xb
    # the lanes of long edges pass between boxes, never through one
    for line in ax.get_lines():
        for xa, ya in zip(line.get_xdata(), line.get_ydata(), strict=True):
            for x0, y0, w, h in geo:
                assert not (x0 < xa < x0 + w and y0 < ya < y0 + h)
    assert ax.get_title() == "f"


def test_draw_graph_single_node_and_bad_input():
    ax = plots.draw_graph(nn.Value(3.0, "a"))
    assert len(boxes(ax)) == 1 and arrows(ax) == []
    with pytest.raises(TypeError, match="^root must be a course.nn.Value"):
        plots.draw_graph(3.0)


# --------------------------------------------------------------------------- digits
def test_plot_digits_grid_with_predictions(tmp_path):
    X, y = data.digits(dtype=np.float32)
    pred = y[:30].copy()
    pred[[0, 5]] = (pred[[0, 5]] + 1) % 10
    fig = plots.plot_digits(X[:, :30], y[:30], pred, ncols=10, title="digits")
    axes = [ax for ax in fig.get_axes() if ax.images]
    assert len(axes) == 30
    np.testing.assert_array_equal(axes[3].images[0].get_array(), data.to_images(X[:, 3]))
    red = [ax.get_title() for ax in axes if ax.title.get_color() != "black"]
    assert red == [f"{y[0]}: pred {pred[0]}", f"{y[5]}: pred {pred[5]}"]
    plots.save(fig, tmp_path / "d.png", dpi=60)
    assert_png(tmp_path / "d.png")


def test_plot_digits_limits_and_errors():
    X, y = data.digits()
    fig = plots.plot_digits(X, max_images=12, ncols=5)
    assert len(fig.get_axes()) == 12
    with pytest.raises(ValueError, match="^X must have shape"):
        plots.plot_digits(np.zeros((60, 3)))
    with pytest.raises(ValueError, match="^labels must have shape"):
        plots.plot_digits(X[:, :4], y[:3])


# --------------------------------------------------------------------------- CE vs MSE
def test_cross_entropy_keeps_pushing_where_mse_stalls(tmp_path):
    ax = plots.plot_ce_vs_mse()
    lines = labelled_lines(ax)
    assert set(lines) == {"cross-entropy", "squared error (MSE)"}
    z = lines["cross-entropy"].get_xdata()
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(lines["cross-entropy"].get_ydata(), s - 1, atol=1e-12)
    np.testing.assert_allclose(lines["squared error (MSE)"].get_ydata(), (s - 1) * s * (1 - s),
                               atol=1e-12)
    assert z[0] == -8
    assert abs(lines["squared error (MSE)"].get_ydata()[0]) < 1e-3  # confidently wrong: stalls
    assert lines["cross-entropy"].get_ydata()[0] < -0.99  # ... while CE pushes hard
    plots.save(ax, tmp_path / "ce.png")
    assert_png(tmp_path / "ce.png")


def test_ce_vs_mse_label_zero_and_float32():
    ax = plots.plot_ce_vs_mse(np.linspace(-4, 4, 9, dtype=np.float32), y=0)
    ce = labelled_lines(ax)["cross-entropy"].get_ydata()
    assert ce[-1] > 0.98 and ce[0] < 0.02
    with pytest.raises(ValueError, match="^y must be 0 or 1"):
        plots.plot_ce_vs_mse(y=2)


# --------------------------------------------------------------------------- save
def test_save_makes_folders_and_checks_arguments(tmp_path):
    ax = plots.plot_cost([1.0, 0.5])
    out = plots.save(ax.figure, tmp_path / "a" / "b" / "c.png")
    assert_png(out)
    with pytest.raises(ValueError, match="^path must end with a file type"):
        plots.save(ax, tmp_path / "noext")
    with pytest.raises(TypeError, match="^fig must be a matplotlib Figure"):
        plots.save("fig", tmp_path / "x.png")


# --------------------------------------------------------------------------- layer flow
def flow_patches(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


@pytest.mark.parametrize("n_layers", [1, 2, 3, 5])
def test_draw_layer_flow_one_forward_and_backward_block_and_cache_per_layer(n_layers, tmp_path):
    ax = plots.draw_layer_flow(n_layers, title="flow")
    assert len(flow_patches(ax, "flow-forward")) == n_layers
    assert len(flow_patches(ax, "flow-backward")) == n_layers
    assert len(flow_patches(ax, "flow-cache")) == n_layers
    assert len(flow_patches(ax, "flow-grads")) == n_layers
    assert len(flow_patches(ax, "flow-cost")) == 1
    # X in, A[1..L-1] forward and dA[1..L-1] backward between the blocks, dA[0] out, and
    # A[L] into and the seed out of the cost
    assert len(flow_patches(ax, "flow-edge")) == 2 * (n_layers - 1) + 4
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("layer 1\nLINEAR \u2192 ReLU") == (n_layers > 1)
    assert f"layer {n_layers}\nLINEAR \u2192 SIGMOID" in texts
    for l in range(1, n_layers + 1):  # each cache names what its backward needs
        assert (f"cache\n$A^{{[{l - 1}]}}$, $W^{{[{l}]}}$,\n$b^{{[{l}]}}$, $Z^{{[{l}]}}$"
                in texts)
        assert f"$dW^{{[{l}]}}$, $db^{{[{l}]}}$" in texts
    assert ax.get_title() == "flow"
    # forward blocks above their backward blocks, in layer order left to right
    fwd, bwd = flow_patches(ax, "flow-forward"), flow_patches(ax, "flow-backward")
    assert [f.get_x() for f in fwd] == sorted(f.get_x() for f in fwd)
    for f, b in zip(fwd, bwd, strict=True):
        assert f.get_x() == b.get_x() and f.get_y() > b.get_y()
    plots.save(ax, tmp_path / "flow.png")
    assert_png(tmp_path / "flow.png")


def test_draw_layer_flow_deep_and_generic_networks_collapse_the_middle():
    ax = plots.draw_layer_flow(10)
    texts = [t.get_text() for t in ax.texts]
    assert len(flow_patches(ax, "flow-forward")) == 4  # 1, 2, ..., 9, 10 (max_shown = 5)
    assert "\u22ef" in texts and "layer 10\nLINEAR \u2192 SIGMOID" in texts
    assert "layer 2\nLINEAR \u2192 ReLU" in texts and "layer 9\nLINEAR \u2192 ReLU" in texts
    assert "$A^{[8]}$" in texts  # what enters layer 9 from the dots
    ax = plots.draw_layer_flow("L")
    texts = [t.get_text() for t in ax.texts]
    assert "layer L\nLINEAR \u2192 SIGMOID" in texts and "layer L-1\nLINEAR \u2192 ReLU" in texts
    assert "cache\n$A^{[L-1]}$, $W^{[L]}$,\n$b^{[L]}$, $Z^{[L]}$" in texts
    assert len(flow_patches(ax, "flow-forward")) == 3
    assert len(flow_patches(plots.draw_layer_flow(10, max_shown=10), "flow-forward")) == 10


def test_draw_layer_flow_activations_seed_and_no_caches():
    ax = plots.draw_layer_flow(2, hidden="tanh", output="softmax", loss="cross-entropy",
                               seed=r"$dZ^{[2]} = A^{[2]} - Y$", caches=False)
    texts = [t.get_text() for t in ax.texts]
    assert "layer 1\nLINEAR \u2192 TANH" in texts and "layer 2\nLINEAR \u2192 SOFTMAX" in texts
    assert "$dZ^{[2]} = A^{[2]} - Y$ (seed)" in texts
    assert flow_patches(ax, "flow-cache") == []
    ax = plots.draw_layer_flow(3, activations=["relu", "tanh", "sigmoid"])
    texts = [t.get_text() for t in ax.texts]
    assert "layer 2\nLINEAR \u2192 TANH" in texts
    fig = Figure()
    given = fig.add_subplot()
    assert plots.draw_layer_flow(2, ax=given) is given


def test_draw_layer_flow_bad_arguments_name_what_is_wrong():
    with pytest.raises(ValueError, match="^n_layers must be at least 1; got 0"):
        plots.draw_layer_flow(0)
    with pytest.raises(TypeError, match="^n_layers must be a positive int or 'L'; got float"):
        plots.draw_layer_flow(2.0)
    with pytest.raises(ValueError, match="^n_layers must be a positive int or 'L'; got 'l'"):
        plots.draw_layer_flow("l")
    with pytest.raises(ValueError, match="^activations must list 3 names, one per layer"):
        plots.draw_layer_flow(3, activations=["relu", "sigmoid"])
    with pytest.raises(ValueError, match="^max_shown must be an int of at least 2"):
        plots.draw_layer_flow(3, max_shown=1)


# --------------------------------------------------------------------------- sliders
def _line(k, scale=1.0):
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot(np.arange(5), scale * np.arange(5) ** k)
    return fig


def test_figure_sliders_redraw_an_image_and_use_no_output_widget():
    widgets = pytest.importorskip("ipywidgets")
    calls = []

    def draw(k, scale):
        calls.append((k, scale))
        return _line(k, scale).axes[0]        # an Axes is accepted too

    box = plots.figure_sliders(draw, {"k": ((1, 2, 3), 2, "power"), "scale": ([0.5, 1.0], 1.0)})
    sliders = [w for w in box.children if isinstance(w, widgets.SelectionSlider)]
    images = [w for w in box.children if isinstance(w, widgets.Image)]
    assert [s.description for s in sliders] == ["power", "scale"]
    assert [s.value for s in sliders] == [2, 1.0]
    assert len(images) == 1 and images[0].value[:8] == b"\x89PNG\r\n\x1a\n"
    assert calls == [(2, 1.0)]
    first = images[0].value
    sliders[0].value = 3                        # a move redraws with every slider's value
    assert calls[-1] == (3, 1.0) and images[0].value != first
    # no Output widget anywhere: nbclient answers those with comm messages of its own
    assert not any(isinstance(w, widgets.Output) for w in box.children)


def test_figure_sliders_without_ipywidgets_return_the_starting_figure(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_widgets(name, *args, **kwargs):
        if name == "ipywidgets":
            raise ImportError("no ipywidgets here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_widgets)
    fig = plots.figure_sliders(lambda k: _line(k), {"k": ((1, 2), 1)})
    assert isinstance(fig, Figure)
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), np.arange(5))


@pytest.mark.parametrize("draw, controls, message", [
    (None, {"k": ((1,), 1)}, "^draw must be callable"),
    (_line, {}, "^controls must be a non-empty dict"),
    (_line, {"k": (1, 2, 3, 4)}, r"^controls\['k'\] must be \(options, start\)"),
    (_line, {"k": ((1, 2), 5)}, r"^controls\['k'\]: start 5 must be one of the options"),
])
def test_figure_sliders_errors(draw, controls, message):
    with pytest.raises((TypeError, ValueError), match=message):
        plots.figure_sliders(draw, controls)


def test_figure_sliders_need_a_figure_from_draw():
    with pytest.raises(TypeError, match="^draw must return a matplotlib Figure or Axes; got int"):
        plots.figure_sliders(lambda k: 3, {"k": ((1,), 1)})


def test_figure_sliders_show_labels_and_pass_values():
    pytest.importorskip("ipywidgets")
    seen = []
    box = plots.figure_sliders(lambda eps: seen.append(eps) or _line(1, eps),
                               {"eps": ({"1e-06": 1e-6, "1e-03": 1e-3}, 1e-6, "eps")})
    slider = box.children[0]
    assert [label for label, _ in slider.options] == ["1e-06", "1e-03"]
    assert slider.index == 0 and seen == [1e-6]
    slider.value = 1e-3
    assert slider.index == 1 and seen == [1e-6, 1e-3]
    with pytest.raises(ValueError, match=r"start 0\.5 must be one of the options \[1e-06"):
        plots.figure_sliders(lambda eps: _line(1), {"eps": ({"1e-06": 1e-6}, 0.5)})
