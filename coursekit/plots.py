"""``coursekit.plots`` (also ``course.plots``): what the networks compute and how their
gradients behave.

Every function draws with matplotlib and **returns** what it drew on (an ``Axes``, or a
``Figure`` for multi-panel plots); none calls ``plt.show()``. Pass ``ax=`` (or ``fig=``)
to draw into a figure of your own, for example one made with ``plt.subplots()``.

========================================  ===========================================
function                                  shows
========================================  ===========================================
:func:`plot_activations`                  each element-wise activation (yours: pass the
                                          functions) beside its derivative, with the
                                          saturated regions shaded
:func:`plot_cost`                         cost curves, one or several, optionally log-scale
:func:`plot_gradient_norms`               ``||dW[l]||`` per layer over training
:func:`plot_decision_boundary`            the regions a 2-D classifier assigns to each class
:func:`draw_graph`                        a :class:`coursekit.Value` graph: operation, value
                                          and gradient of every node
:func:`draw_layer_flow`                   the forward and backward passes of an L-layer
                                          network as blocks, with each layer's cache
:func:`plot_digits`                       a grid of 8x8 digit images (with predictions)
:func:`plot_ce_vs_mse`                    ``dJ/dz`` of a sigmoid output under cross-entropy
                                          and under squared error
:func:`figure_sliders`                    sliders that redraw a figure (ipywidgets), or
                                          the figure alone where widgets are absent
:func:`save`                              write a figure to a PNG (or PDF, SVG) file
========================================  ===========================================

Backends
--------
No backend is ever selected here. Outside a notebook the figures are plain
``matplotlib.figure.Figure`` objects, not registered with ``pyplot``: they work
headless, do not pile up, and are saved with :func:`save`. In Jupyter (inline,
ipympl/widget or nbagg backend) new figures are made with ``pyplot`` so that they are
displayed at the end of the cell, as usual (end the cell with ``;`` when its last line
returns a ``Figure``, or Jupyter shows it twice).

Conventions follow :mod:`course.nn`: points are **columns**, ``X`` has shape ``(2, m)``.
This module is never imported by :mod:`course.nn`, which stays pure numpy, and uses no
reference function: it ships in the student kit. ``course.plots`` re-exports it, with a
:func:`plot_activations` that draws the reference's activations by name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.ticker import MaxNLocator

__all__ = [
    "draw_graph",
    "draw_layer_flow",
    "figure_sliders",
    "plot_activations",
    "plot_ce_vs_mse",
    "plot_cost",
    "plot_decision_boundary",
    "plot_digits",
    "plot_gradient_norms",
    "save",
]

#: Colours of classes 0, 1, 2, ... (matplotlib's tab10).
CLASS_COLORS = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)
VALUE_COLOR = "#1a7f37"  # forward values: green, as in the circuit diagrams of the notes
GRAD_COLOR = "#c62828"  # gradients: red

_NOTEBOOK_BACKENDS = ("inline", "ipympl", "widget", "nbagg")


# --------------------------------------------------------------------------- helpers
def _chosen_backend():
    """The backend the user (or Jupyter) chose, lower-case, or '' if none was chosen yet.

    Never triggers backend resolution (which could import a GUI toolkit)."""
    try:
        name = matplotlib.rcParams._get_backend_or_none()
    except AttributeError:  # pragma: no cover - very old or very new matplotlib
        name = None
    return (name or "").lower()


def _new_figure(figsize, **kwargs):
    """A new figure: pyplot-managed in a notebook (so it is shown), a bare Figure elsewhere."""
    if any(b in _chosen_backend() for b in _NOTEBOOK_BACKENDS):
        import matplotlib.pyplot as plt

        return plt.figure(figsize=figsize, **kwargs)
    return Figure(figsize=figsize, **kwargs)


def _new_axes(ax, figsize):
    if ax is not None:
        if not hasattr(ax, "figure") or not hasattr(ax, "plot"):
            raise TypeError(f"ax must be a matplotlib Axes; got {type(ax).__name__}")
        return ax
    fig = _new_figure(figsize, layout="constrained")
    return fig.add_subplot()


def _float_array(x, name, ndim=None):
    """``x`` as a float array (float32 stays float32), with an error naming ``name``."""
    try:
        arr = np.asarray(x)
    except Exception as err:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers; got {type(x).__name__}") from err
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers; got dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got shape {arr.shape}")
    return arr


def _spans(x, mask):
    """``(start, end)`` x-intervals of the runs where ``mask`` is True."""
    out, start = [], None
    for i, flag in enumerate(mask):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out.append((x[start], x[i - 1]))
            start = None
    if start is not None:
        out.append((x[start], x[-1]))
    return out


# --------------------------------------------------------------------------- activations
def plot_activations(activations, z=None, saturation=0.01, fig=None):
    """Each element-wise activation ``g(z)`` beside its derivative ``g'(z)``, computed with
    your own functions.

    One panel per activation. The derivative is the factor by which a unit scales the
    gradient it passes back (``dZ = dA * g'(Z)``); the shaded regions are where
    ``|g'(z)| < saturation``: there the unit is saturated (sigmoid, tanh) or dead
    (ReLU for ``z <= 0``) and almost no gradient gets through. For example::

        plots.plot_activations({"sigmoid": (sigmoid_forward, sigmoid_backward),
                                "relu": (relu_forward, relu_backward)})

    Parameters
    ----------
    activations : mapping
        ``{name: (forward, backward)}``, functions with the course's conventions:
        ``A, cache = forward(Z)`` and ``dZ = backward(dA, cache)``. The panel titled
        ``name`` shows ``g(z) = forward(Z)[0]`` and ``g'(z) = backward(1, cache)``.
        (``course.plots.plot_activations`` takes the names of the reference's ones.)
    z : array_like, shape (k,), optional
        Points at which to evaluate; default ``np.linspace(-6, 6, 1201)``.
    saturation : float
        Threshold on ``|g'(z)|`` below which a region is shaded.
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw into; by default a new one.

    Returns
    -------
    matplotlib.figure.Figure
        One ``Axes`` per activation, each with two lines labelled ``"g(z)"`` and ``"g'(z)"``.
    """
    if not isinstance(activations, Mapping):
        raise TypeError("activations must be a dict {name: (forward, backward)} of your "
                        "functions, e.g. {'relu': (relu_forward, relu_backward)}; got "
                        f"{type(activations).__name__}")
    if not activations:
        raise ValueError("names must list at least one activation")
    pairs = {}
    for name, funcs in activations.items():
        if (not isinstance(funcs, (tuple, list)) or len(funcs) != 2
                or not all(callable(f) for f in funcs)):
            raise TypeError(f"activations[{name!r}] must be a pair (forward, backward) of "
                            "functions")
        pairs[str(name)] = tuple(funcs)
    names = tuple(pairs)
    z = np.linspace(-6.0, 6.0, 1201) if z is None else _float_array(z, "z", ndim=1)
    if z.size < 2:
        raise ValueError(f"z must hold at least 2 points; got {z.size}")
    z = np.sort(z)
    ncols = min(4, len(names))
    nrows = math.ceil(len(names) / ncols)
    if fig is None:
        fig = _new_figure((3.2 * ncols, 2.7 * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    Z = z.reshape(1, -1)
    for ax, name in zip(axes, names, strict=False):
        forward, backward = pairs[name]
        A, cache = forward(Z)
        g = np.asarray(A, dtype=np.float64).ravel()
        dg = np.asarray(backward(np.ones_like(Z), cache), dtype=np.float64).ravel()
        if g.shape != z.shape or dg.shape != z.shape:
            raise ValueError(f"{name}: forward(Z) and backward(dA, cache) must return arrays "
                             f"of Z's shape {Z.shape}")
        for lo, hi in _spans(z, np.abs(dg) < saturation):
            ax.axvspan(lo, hi, color="0.85", zorder=0, lw=0)
        ax.plot(z, g, color="C0", lw=2, label="g(z)")
        ax.plot(z, dg, color="C3", lw=1.6, ls="--", label="g'(z)")
        ax.set_title(name)
        ax.grid(True, lw=0.4, alpha=0.6)
        ax.set_xlim(z[0], z[-1])
    for ax in axes[len(names):]:
        fig.delaxes(ax)
    for ax in axes[:len(names)][-ncols:]:  # the lowest panel of each column
        ax.set_xlabel("z")
        ax.xaxis.set_tick_params(labelbottom=True)
    handles = [
        Line2D([], [], color="C0", lw=2, label="activation g(z)"),
        Line2D([], [], color="C3", lw=1.6, ls="--", label="derivative g'(z)"),
        Patch(color="0.85", label=f"|g'(z)| < {saturation:g}: saturated or dead, "
                                  "almost no gradient flows back"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    fig.suptitle("Activation functions and their derivatives")
    return fig


# --------------------------------------------------------------------------- cost curves
def _histories(history, label):
    """``[(label, 1-D float array), ...]`` from one history or several."""
    if isinstance(history, Mapping):
        if label is not None:
            raise ValueError("label must be None when history is a dict (its keys are labels)")
        items = [(str(k), v) for k, v in history.items()]
    else:
        arr = None
        try:
            arr = np.asarray(history)
        except ValueError:  # ragged: several histories of different lengths
            pass
        several = arr is None or arr.dtype == object or arr.ndim == 2
        if several:
            runs = list(history)
            if label is None:
                labels = [None] * len(runs)
            elif isinstance(label, str) or len(label) != len(runs):
                raise ValueError(f"label must be a list of {len(runs)} names, one per history; "
                                 f"got {label!r}")
            else:
                labels = list(label)
            items = list(zip(labels, runs, strict=True))
        else:
            if label is not None and not isinstance(label, str):
                raise TypeError(f"label must be a string for a single history; got {label!r}")
            items = [(label, history)]
    if not items:
        raise ValueError("history is empty: nothing to plot")
    out = []
    for name, h in items:
        arr = _float_array(h, "history", ndim=1)
        if arr.size == 0:
            raise ValueError("history is empty: train for at least one epoch first")
        out.append((name, arr))
    return out


def _steps(steps, n, what):
    """The x of ``n`` recorded values: ``1, ..., n`` or the first ``n`` of ``steps``."""
    if steps is None:
        return np.arange(1, n + 1)
    x = _float_array(steps, "steps", ndim=1)
    if x.size < n:
        raise ValueError(f"steps has {x.size} values but {what} has {n}; expected one step "
                         "per recorded value")
    return x[:n]


def plot_cost(history, label=None, *, ax=None, log=False, xlabel="epoch",
              title="Training cost", steps=None):
    """Cost against epoch (or iteration), for one training run or several.

    Parameters
    ----------
    history : sequence of float, shape (n_epochs,), or several of them
        ``NeuralNetwork.history``; or a list of such histories (possibly of different
        lengths), or a 2-D array with one history per row, or a dict
        ``{label: history}``.
    label : str or list of str, optional
        Legend entry (one per history); with a dict the keys are used.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    log : bool
        Logarithmic cost axis (every cost must be positive).
    xlabel, title : str
    steps : sequence of float, optional
        Where each entry was recorded, the x of the plot: one sequence for every history
        (a shorter history uses its first values). By default ``1, ..., len(history)``,
        the cost after each epoch; a history whose first entry is the cost before the
        first step is drawn from x = 0 with ``steps=range(len(history))`` (or the steps it
        was recorded at).

    Returns
    -------
    matplotlib.axes.Axes
        With one line per history, x from 1 to ``len(history)`` (or ``steps``).
    """
    runs = _histories(history, label)
    if log:
        for name, h in runs:
            finite = h[np.isfinite(h)]
            if finite.size and np.any(finite <= 0):
                who = f" ({name})" if name else ""
                raise ValueError(f"log=True needs positive costs; history{who} has "
                                 f"{float(finite.min()):g}")
    ax = _new_axes(ax, (6.0, 4.0))
    for i, (name, h) in enumerate(runs):
        ax.plot(_steps(steps, h.size, f"history {name!r}" if name else "history"), h,
                color=f"C{i % 10}", lw=1.8,
                marker="o" if h.size == 1 else None, label=name)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("cost J" + (" (log scale)" if log else ""))
    ax.set_title(title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, which="major", lw=0.5, alpha=0.6)
    if any(name for name, _ in runs):
        ax.legend()
    return ax


# --------------------------------------------------------------------------- gradient norms
def _layer_number(key):
    match = re.search(r"(\d+)$", str(key))
    return int(match.group(1)) if match else math.inf


def plot_gradient_norms(grad_norms, *, ax=None, log=None, title="Gradient norm per layer",
                        steps=None):
    """The size of each layer's weight gradient over training.

    Vanishing gradients show as the early layers' lines lying far below the late ones;
    exploding ones as lines that grow without bound.

    Parameters
    ----------
    grad_norms : list of dict, or dict of sequences
        ``NeuralNetwork.grad_norms``: per epoch ``{"dW1": ||dW1||, "dW2": ...}``; or
        ``{"dW1": [norms per epoch], ...}``.
    ax : matplotlib.axes.Axes, optional
    log : bool, optional
        Logarithmic y axis; by default when every norm is positive.
    title : str
    steps : sequence of float, optional
        Where each entry was recorded, the x of the plot (as in :func:`plot_cost`); by
        default ``1, 2, ...`` (one entry per epoch).

    Returns
    -------
    matplotlib.axes.Axes
        One line per layer, labelled ``"layer l (dWl)"``, in layer order.
    """
    if isinstance(grad_norms, Mapping):
        series = {k: _float_array(v, f"grad_norms[{k!r}]", ndim=1) for k, v in grad_norms.items()}
    else:
        if isinstance(grad_norms, str | bytes) or not isinstance(grad_norms, Sequence):
            raise TypeError("grad_norms must be a list of dicts (NeuralNetwork.grad_norms) or a "
                            f"dict of sequences; got {type(grad_norms).__name__}")
        for i, row in enumerate(grad_norms):
            if not isinstance(row, Mapping):
                raise TypeError(f"grad_norms[{i}] must be a dict such as {{'dW1': 0.5}}; "
                                f"got {type(row).__name__}")
        keys = list(dict.fromkeys(k for row in grad_norms for k in row))
        series = {k: np.array([row.get(k, np.nan) for row in grad_norms], dtype=np.float64)
                  for k in keys}
    if not series or all(v.size == 0 for v in series.values()):
        raise ValueError("grad_norms is empty: train for at least one epoch first")
    keys = sorted(series, key=lambda k: (_layer_number(k), str(k)))
    values = np.concatenate([series[k][np.isfinite(series[k])] for k in keys])
    if log is None:
        log = values.size > 0 and bool(np.all(values > 0))
    elif log and np.any(values <= 0):
        raise ValueError(f"log=True needs positive norms; got {float(values.min()):g}")
    ax = _new_axes(ax, (6.0, 4.0))
    for i, k in enumerate(keys):
        n = _layer_number(k)
        name = f"layer {n} ({k})" if n != math.inf else str(k)
        y = series[k]
        ax.plot(_steps(steps, y.size, f"grad_norms[{k!r}]"), y, color=f"C{i % 10}", lw=1.6,
                label=name)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("||dW[l]|| (Frobenius norm)")
    ax.set_title(title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, which="major", lw=0.5, alpha=0.6)
    ax.legend(fontsize="small")
    return ax


# --------------------------------------------------------------------------- decision boundary
def _class_labels(Y, m, name="Y"):
    Y = np.asarray(Y)
    if Y.ndim == 1 and Y.shape[0] == m:
        labels = Y
    elif Y.ndim == 2 and Y.shape == (1, m):
        labels = Y[0]
    elif Y.ndim == 2 and Y.shape[1] == m and Y.shape[0] > 1:
        labels = np.argmax(Y, axis=0)
    else:
        raise ValueError(f"{name} must have shape (m,), (1, m) or one-hot (C, m) with m = {m}; "
                         f"got shape {Y.shape}")
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError(f"{name} must hold integer class labels (0, 1, ...)")
    elif labels.dtype.kind not in "biu":
        raise TypeError(f"{name} must hold integer class labels; got dtype {labels.dtype}")
    labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0; got {labels.min()}")
    return labels


def _predicted_labels(P, k):
    """Class labels of shape ``(k,)`` from what ``predict`` returned for ``k`` grid points."""
    P = np.asarray(P)
    if P.ndim == 2 and P.shape[1] == k and P.shape[0] > 1:
        return np.argmax(P, axis=0)
    if P.shape == (1, k):
        P = P[0]
    if P.shape != (k,):
        raise ValueError(
            f"predict must return labels of shape ({k},) or (1, {k}), or scores of shape "
            f"(C, {k}), for X of shape (2, {k}); got shape {P.shape}"
        )
    if P.dtype.kind == "b":
        return P.astype(np.int64)
    if P.dtype.kind == "f":
        if not np.all(np.isfinite(P)):
            raise ValueError("predict returned NaN or infinite values")
        if np.any(P != np.round(P)):
            if P.min() < 0 or P.max() > 1:
                raise ValueError("predict returned non-integer values outside [0, 1]; return "
                                 "class labels or probabilities")
            return (P > 0.5).astype(np.int64)  # probabilities of class 1
    if P.dtype.kind not in "biuf":
        raise TypeError(f"predict must return numbers; got dtype {P.dtype}")
    P = P.astype(np.int64)
    if P.min() < 0:
        raise ValueError(f"predict returned a negative class label: {P.min()}")
    return P


def plot_decision_boundary(predict, X, Y, *, ax=None, resolution=200, margin=0.1,
                           title="Decision boundary", class_names=None):
    """The regions of the plane that a 2-D classifier assigns to each class, and the data.

    ``predict`` is evaluated on a ``resolution x resolution`` grid covering the data.

    Parameters
    ----------
    predict : callable
        Takes ``X`` of shape ``(2, k)`` (one point per column, the dtype of ``X``) and
        returns class labels of shape ``(k,)`` or ``(1, k)``, such as
        ``NeuralNetwork.predict``; scores of shape ``(C, k)`` are turned into labels with
        ``argmax``, and probabilities of shape ``(1, k)`` are thresholded at 0.5.
    X : array_like, shape (2, m)
        The data points, one per column.
    Y : array_like, shape (m,), (1, m) or (C, m)
        Their labels: integers, a 0/1 row, or one-hot columns.
    ax : matplotlib.axes.Axes, optional
    resolution : int
        Grid points per axis, at least 2.
    margin : float
        Extra room around the data, as a fraction of its range.
    title : str
    class_names : sequence of str, optional
        Legend names of the classes (default ``"class 0"``, ``"class 1"``, ...).

    Returns
    -------
    matplotlib.axes.Axes
        With the predicted regions as one image, one scatter (legend entry) per class in
        the data, and the boundaries as contour lines.
    """
    if not callable(predict):
        raise TypeError(f"predict must be a function of X (2, k); got {type(predict).__name__}")
    X = _float_array(X, "X")
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"X must have shape (2, m), one 2-D point per column; got {X.shape}")
    m = X.shape[1]
    if m == 0:
        raise ValueError("X has no points (columns)")
    labels = _class_labels(Y, m)
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2; got {resolution!r}")
    lo, hi = X.min(axis=1).astype(np.float64), X.max(axis=1).astype(np.float64)
    pad = np.maximum((hi - lo) * margin, 0.5 * (hi == lo))
    lo, hi = lo - pad, hi + pad
    gx = np.linspace(lo[0], hi[0], resolution)
    gy = np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    grid = np.stack([xx.ravel(), yy.ravel()]).astype(X.dtype)
    pred = _predicted_labels(predict(grid), grid.shape[1]).reshape(xx.shape)
    C = int(max(labels.max(), pred.max(), 1)) + 1
    if C > len(CLASS_COLORS):
        raise ValueError(f"at most {len(CLASS_COLORS)} classes can be drawn; got {C}")
    if class_names is not None and len(class_names) < C:
        raise ValueError(f"class_names must name all {C} classes; got {list(class_names)!r}")
    names = list(class_names) if class_names is not None else [f"class {c}" for c in range(C)]
    cmap = ListedColormap(CLASS_COLORS[:C])
    ax = _new_axes(ax, (6.0, 5.0))
    ax.imshow(pred, origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]), cmap=cmap,
              vmin=-0.5, vmax=C - 0.5, alpha=0.25, interpolation="nearest", aspect="auto")
    present = np.unique(pred)
    # the border of each predicted class (for two classes, one border is all of it)
    for c in present[1:] if present.size == 2 else present if present.size > 2 else ():
        ax.contour(xx, yy, (pred == c).astype(np.float64), levels=[0.5], colors="k",
                   linewidths=0.8)
    for c in range(C):
        sel = labels == c
        if sel.any():
            ax.scatter(X[0, sel], X[1, sel], s=14, color=CLASS_COLORS[c], edgecolors="k",
                       linewidths=0.3, label=names[c])
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
              frameon=False, borderaxespad=0)
    return ax


# --------------------------------------------------------------------------- Value graphs
_OP_SYMBOLS = {"*": "\u00d7", "**-1": "1/x", "**2": "x\u00b2"}


class _Slot:
    """A place in a column of the graph drawing: a node's box, or a waypoint of a long edge."""

    __slots__ = ("col", "height", "left", "right", "y", "rank")

    def __init__(self, col, height, rank):
        self.col, self.height, self.rank = col, height, rank
        self.left, self.right = [], []  # (neighbour slot, offset): see _link
        self.y = 0.0


def _link(u, v, offset):
    """Connect slot ``u`` (left) to ``v`` (right); ideally ``y(u) = y(v) + offset``."""
    u.right.append((v, offset))
    v.left.append((u, offset))


def _place_column(slots, key):
    """Order a column's slots by their ideal heights, then pack them without overlap,
    as close to those heights as the spacing allows."""
    keyed = sorted(((key(s), s.rank, s) for s in slots), key=lambda t: (-t[0], t[1]))
    ys = []
    for i, (k, _, s) in enumerate(keyed):
        ys.append(k if i == 0 else min(k, ys[-1] - (keyed[i - 1][2].height + s.height) / 2))
    shift = float(np.mean([k for k, _, _ in keyed]) - np.mean(ys))
    for (_, _, s), yv in zip(keyed, ys, strict=True):
        s.y = yv + shift


def _graph_layout(root, node_height=1.0, lane_height=0.35):
    """Where to draw each node of the graph of ``root``, and the route of each edge.

    Columns: every node as far right as possible (just left of its first use), so the
    output is in the last column and each input sits next to where it is used. An edge
    that spans several columns gets a waypoint ("lane") in each column it crosses, so it
    never runs behind a box. Heights: a few sweeps that put each slot near the mean
    height of its neighbours (first operand above the second), packed without overlap.

    Returns
    -------
    order : list of Value
        The nodes, in topological order.
    col : dict
        ``id(node) -> column``, 0 for the leftmost.
    y : dict
        ``id(node) -> height`` of the centre of its box.
    routes : list of (Value, Value, list of (column, height))
        One per (input, use) pair: input, the node using it and the lanes in between.
    """
    order = root.topological_order()
    uses = {id(n): [] for n in order}
    for n in order:
        for p in n.parents:
            uses[id(p)].append(n)
    col = {id(root): 0}
    for n in reversed(order[:-1]):  # each node after every node that uses it
        col[id(n)] = max(col[id(c)] for c in uses[id(n)]) + 1
    depth = max(col.values())
    col = {k: depth - v for k, v in col.items()}
    slot = {id(n): _Slot(col[id(n)], node_height, i) for i, n in enumerate(order)}
    columns = [[] for _ in range(depth + 1)]
    for n in order:
        columns[col[id(n)]].append(slot[id(n)])
    chains = []
    rank = len(order)
    for n in order:
        K = len(n.parents)
        for k, p in enumerate(n.parents):
            lanes, prev = [], slot[id(p)]
            for c in range(col[id(p)] + 1, col[id(n)]):
                lane = _Slot(c, lane_height, rank)
                rank += 1
                columns[c].append(lane)
                _link(prev, lane, 0.0)
                lanes.append(lane)
                prev = lane
            _link(prev, slot[id(n)], 0.3 * ((K - 1) / 2 - k))
            chains.append((p, n, lanes))

    def from_right(s):
        return float(np.mean([v.y + off for v, off in s.right])) if s.right else s.y

    def from_left(s):
        return float(np.mean([u.y - off for u, off in s.left])) if s.left else s.y

    for c in range(depth - 1, -1, -1):
        _place_column(columns[c], from_right)
    for c in range(1, depth + 1):
        _place_column(columns[c], from_left)
    for c in range(depth, -1, -1):
        _place_column(columns[c], from_right)
    y = {k: s.y for k, s in slot.items()}
    routes = [(p, n, [(lane.col, lane.y) for lane in lanes]) for p, n, lanes in chains]
    return order, col, y, routes


def draw_graph(root, *, ax=None, fmt="{:.4g}", title=None):
    """Draw the computational graph that produced a :class:`coursekit.Value` (the same
    class as ``course.nn.Value``).

    Every node is a box showing its operation (or its label, for an input), its value
    ``data`` (green) and its gradient ``grad = dJ/dnode`` (red; call ``root.backward()``
    first). Arrows go from each input to the operation that uses it, so the forward pass
    runs left to right and the backward pass right to left. The layout comes from the
    graph's topological order; no graphviz is needed.

    Parameters
    ----------
    root : coursekit.Value
        The output node; everything it depends on is drawn.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure sized to the graph.
    fmt : str
        Format of the numbers.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        One ``FancyBboxPatch`` with gid ``"value-node"`` per node of the graph and one
        ``FancyArrowPatch`` with gid ``"value-edge"`` per (input, use) pair.
    """
    from ._nn import Value

    if not isinstance(root, Value):
        raise TypeError(f"root must be a course.nn.Value (coursekit.Value); got "
                        f"{type(root).__name__}")
    order, col, y, routes = _graph_layout(root)
    if len(order) > 200:
        raise ValueError(f"the graph has {len(order)} nodes; draw_graph is meant for graphs of "
                         "at most 200 nodes")
    ncols = max(col.values()) + 1
    dx, bw, bh = 2.1, 1.55, 0.8  # column spacing, box width and height (rows are 1.0 apart)
    ys = [y[id(n)] for n in order]
    lane_ys = [yl for *_, lanes in routes for _, yl in lanes]
    y_lo = min([v - bh / 2 for v in ys] + [v - 0.1 for v in lane_ys])
    y_hi = max([v + bh / 2 for v in ys] + [v + 0.1 for v in lane_ys])
    unit = 0.85  # inches per data unit
    if ax is None:
        width = max(4.0, (ncols * dx - (dx - bw) + 0.4) * unit)
        height = max(2.5, (y_hi - y_lo + 0.4) * unit + (0.45 if title else 0))
        ax = _new_axes(None, (width, height))
    else:
        ax = _new_axes(ax, None)
    pos = {id(n): (col[id(n)] * dx, y[id(n)]) for n in order}
    seen = {}
    for p, n, lanes in routes:  # edges first, boxes on top
        (x0, y0), (x1, y1) = pos[id(p)], pos[id(n)]
        start = (x0 + bw / 2, y0)
        if lanes:  # through the gaps of the columns in between
            pts = [start]
            for c, yl in lanes:
                pts += [(c * dx - bw / 2, yl), (c * dx + bw / 2, yl)]
            ax.plot(*zip(*pts, strict=True), color="0.35", lw=1.0, zorder=1,
                    solid_capstyle="butt")
            start, rad = pts[-1], 0.0
        else:  # x * x: the second edge between the same two boxes is bent
            dup = seen.get((id(p), id(n)), 0)
            seen[(id(p), id(n))] = dup + 1
            rad = 0.0 if dup == 0 else 0.35 * (-1) ** dup
        arrow = FancyArrowPatch(start, (x1 - bw / 2, y1), arrowstyle="-|>", mutation_scale=11,
                                lw=1.0, color="0.35", connectionstyle=f"arc3,rad={rad}",
                                shrinkA=0, shrinkB=1, zorder=1)
        arrow.set_gid("value-edge")
        ax.add_patch(arrow)
    for n in order:
        x, yc = pos[id(n)]
        leaf = not n.parents
        box = FancyBboxPatch((x - bw / 2, yc - bh / 2), bw, bh,
                             boxstyle="round,pad=0,rounding_size=0.12",
                             facecolor="#e3f0fb" if leaf else "#fff1dc",
                             edgecolor="#2b6cb0" if leaf else "#c05621",
                             lw=1.4 if n is root else 1.0, zorder=2)
        box.set_gid("value-node")
        ax.add_patch(box)
        op = _OP_SYMBOLS.get(n.op, n.op)
        if leaf:
            head = n.label or "const"
        else:
            head = f"{n.label} = {op}" if n.label else op
        ax.text(x, yc + 0.22, head, ha="center", va="center", fontsize=9.5,
                fontweight="bold", zorder=3)
        ax.text(x, yc, "data " + fmt.format(n.data), ha="center", va="center", fontsize=8.5,
                color=VALUE_COLOR, zorder=3)
        ax.text(x, yc - 0.22, "grad " + fmt.format(n.grad), ha="center", va="center",
                fontsize=8.5, color=GRAD_COLOR, zorder=3)
    ax.set_xlim(-bw / 2 - 0.2, (ncols - 1) * dx + bw / 2 + 0.2)
    ax.set_ylim(y_lo - 0.2, y_hi + 0.2)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- layer flow
_ACT_NAMES = {"relu": "ReLU", "sigmoid": "SIGMOID", "tanh": "TANH", "softmax": "SOFTMAX",
              "leaky_relu": "LEAKY ReLU", "identity": "IDENTITY", "elu": "ELU",
              "softplus": "SOFTPLUS"}


def _flow_columns(n_layers, max_shown):
    """The layer labels of the drawn columns: ``["1", "2", "\u22ef", "L-1", "L"]``-style.

    An int ``n_layers`` up to ``max_shown`` gives one column per layer, labelled by its
    number; a larger one (or ``"L"``) keeps the first and last layers and puts one
    ``"\u22ef"`` column for the ones in between."""
    if isinstance(n_layers, str):
        if n_layers != "L":
            raise ValueError(f"n_layers must be a positive int or 'L'; got {n_layers!r}")
        return ["1", "\u22ef", "L-1", "L"], True
    if isinstance(n_layers, bool) or not isinstance(n_layers, (int, np.integer)):
        raise TypeError(f"n_layers must be a positive int or 'L'; got "
                        f"{type(n_layers).__name__}")
    n_layers = int(n_layers)
    if n_layers < 1:
        raise ValueError(f"n_layers must be at least 1; got {n_layers}")
    if n_layers <= max_shown:
        return [str(l) for l in range(1, n_layers + 1)], False
    head = max(1, (max_shown - 1) // 2)
    tail = max_shown - 1 - head
    return ([str(l) for l in range(1, head + 1)] + ["\u22ef"]
            + [str(l) for l in range(n_layers - tail + 1, n_layers + 1)]), False


def _sup(label, sym):
    """``sym`` with the layer superscript, as mathtext: ``$A^{[l]}$``."""
    return f"${sym}^{{[{label}]}}$"


def _prev(label):
    """The label of the layer before ``label`` ("3" -> "2", "L" -> "L-1", "L-1" -> "L-2")."""
    if label.isdigit():
        return str(int(label) - 1)
    if label == "L":
        return "L-1"
    if label.startswith("L-") and label[2:].isdigit():
        return f"L-{int(label[2:]) + 1}"
    return f"{label}-1"


def draw_layer_flow(n_layers, *, hidden="relu", output="sigmoid", activations=None,
                    loss="J", seed=None, caches=True, max_shown=5, ax=None, title=None):
    """Draw the forward and backward passes of an ``L``-layer network as blocks, with the
    cache each layer hands from its forward to its backward (the diagram of the
    Deep Learning Specialization, course 1 week 4).

    The top row is the forward pass, left to right: ``X = A[0]`` enters layer 1, each
    layer ``l`` computes ``Z[l] = W[l] A[l-1] + b[l]`` and ``A[l] = g[l](Z[l])`` and hands
    ``A[l]`` to the next one; the last activation ``A[L]`` goes into the cost. The bottom
    row is the backward pass, right to left: the cost's seed ``dA[L]`` enters layer
    ``L``'s backward, each layer hands ``dA[l-1]`` to the one before and gives off
    ``dW[l]``, ``db[l]`` for the update. A dashed arrow from each forward block down to its
    backward block is the cache ``((A[l-1], W[l], b[l]), Z[l])``: what the backward pass
    needs and does not recompute.

    Parameters
    ----------
    n_layers : int or "L"
        The number of layers with weights (``L``). Up to ``max_shown`` layers get one
        column each; a deeper network (or ``"L"``, the generic one) is drawn with its
        first and last layers and a ``"..."`` column for the layers in between.
    hidden, output : str
        The activations of layers ``1, ..., L-1`` and of layer ``L``: ``"relu"``,
        ``"sigmoid"``, ``"tanh"``, ``"softmax"`` or any name (shown in upper case).
    activations : sequence of str, optional
        One activation per layer (``n_layers`` names), instead of ``hidden`` and
        ``output``; only with an int ``n_layers``.
    loss : str
        The label of the cost block (mathtext allowed), e.g. ``"J"`` or
        ``"cross-entropy"``.
    seed : str, optional
        The label of the gradient the cost hands to layer ``L``'s backward (mathtext
        allowed); by default ``dA[L]``. For a softmax output trained with cross-entropy
        the fused seed is ``dZ[L] = A[L] - Y``: pass ``seed=r"$dZ^{[L]} = A^{[L]} - Y$"``.
    caches : bool
        Draw the cache arrows and their labels.
    max_shown : int
        The largest number of layer columns drawn one by one (at least 2).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure sized to the diagram.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        One ``FancyBboxPatch`` with gid ``"flow-forward"`` and one with gid
        ``"flow-backward"`` per drawn layer column, one with gid ``"flow-cost"``;
        ``FancyArrowPatch`` es with gid ``"flow-edge"`` (the passes), ``"flow-cache"``
        (one per drawn layer, if ``caches``) and ``"flow-grads"`` (one per drawn layer).
        The ``"..."`` column is drawn as text only.
    """
    if isinstance(max_shown, bool) or not isinstance(max_shown, (int, np.integer)) \
            or max_shown < 2:
        raise ValueError(f"max_shown must be an int of at least 2; got {max_shown!r}")
    labels, _ = _flow_columns(n_layers, int(max_shown))
    if activations is not None:
        if isinstance(n_layers, str):
            raise ValueError("activations needs an int n_layers (one name per layer)")
        if isinstance(activations, str) or len(activations) != int(n_layers):
            raise ValueError(f"activations must list {int(n_layers)} names, one per layer; "
                             f"got {activations!r}")
        acts = [str(a) for a in activations]
    else:
        count = len(labels) if isinstance(n_layers, str) else int(n_layers)
        acts = [str(hidden)] * (count - 1) + [str(output)]

    def act_of(label):
        if label == "L" or (label.isdigit() and not isinstance(n_layers, str)
                            and int(label) == int(n_layers)):
            name = acts[-1]
        elif label.isdigit() and not isinstance(n_layers, str):
            name = acts[int(label) - 1]
        else:
            name = acts[0] if activations is None else "g"
        return _ACT_NAMES.get(name.lower(), name.upper())

    dx, bw, bh = 3.0, 2.1, 1.0          # column spacing, block width and height
    y_f, y_b = 3.2, 0.0                 # centres of the forward and the backward rows
    ncols = len(labels)
    x_cost = ncols * dx + 0.4
    unit = 0.8
    if ax is None:
        width = max(5.0, (x_cost + 1.1 + 1.9 + max(0.0, 0.075 * (len(loss) - 2) / 2)) * unit)
        height = 4.2 * unit + 1.2 + (0.3 if title else 0)
        ax = _new_axes(None, (width, height))
    else:
        ax = _new_axes(ax, None)
    fwd_c, bwd_c = "#e3f0fb", "#fde8e8"
    fwd_e, bwd_e = "#2b6cb0", GRAD_COLOR

    def block(x, y, text, gid, face, edge):
        box = FancyBboxPatch((x - bw / 2, y - bh / 2), bw, bh,
                             boxstyle="round,pad=0,rounding_size=0.15", facecolor=face,
                             edgecolor=edge, lw=1.2, zorder=2)
        box.set_gid(gid)
        ax.add_patch(box)
        ax.text(x, y, text, ha="center", va="center", fontsize=9, zorder=3)

    def arrow(a, b, gid, color, ls="-", rad=0.0):
        arr = FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=12, lw=1.2, color=color,
                              linestyle=ls, connectionstyle=f"arc3,rad={rad}", shrinkA=0,
                              shrinkB=0, zorder=1)
        arr.set_gid(gid)
        ax.add_patch(arr)

    def note(x, y, text, color, fontsize=8.5):
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=color,
                zorder=3)

    xs = [(i + 0.5) * dx for i in range(ncols)]
    # input and output of the whole chain
    note(xs[0] - dx / 2 - 0.15, y_f + 0.35, r"$X = A^{[0]}$", VALUE_COLOR)
    arrow((xs[0] - dx / 2 - 0.6, y_f), (xs[0] - bw / 2, y_f), "flow-edge", fwd_e)
    note(xs[0] - dx / 2 - 0.1, y_b - 0.45, _sup("0", "dA") + "\n(unused)", "0.45")
    arrow((xs[0] - bw / 2, y_b), (xs[0] - dx / 2 - 0.6, y_b), "flow-edge", "0.55")
    for i, (x, lab) in enumerate(zip(xs, labels, strict=True)):
        if lab == "\u22ef":
            ax.text(x, y_f, "\u22ef", ha="center", va="center", fontsize=20, color=fwd_e)
            ax.text(x, y_b, "\u22ef", ha="center", va="center", fontsize=20, color=bwd_e)
            continue
        g = act_of(lab)
        block(x, y_f, f"layer {lab}\nLINEAR \u2192 {g}", "flow-forward", fwd_c, fwd_e)
        block(x, y_b, f"layer {lab} backward\n{g}' \u2192 LINEAR", "flow-backward", bwd_c,
              bwd_e)
        if caches:
            arrow((x - 0.45, y_f - bh / 2), (x - 0.45, y_b + bh / 2), "flow-cache", "0.35",
                  ls="--")
            note(x + 0.28, (y_f + y_b) / 2,
                 "cache\n" + _sup(_prev(lab), "A") + ", " + _sup(lab, "W") + ",\n"
                 + _sup(lab, "b") + ", " + _sup(lab, "Z"), "0.25", fontsize=8)
        arrow((x, y_b - bh / 2), (x, y_b - bh / 2 - 0.75), "flow-grads", bwd_e)
        note(x, y_b - bh / 2 - 0.98, _sup(lab, "dW") + ", " + _sup(lab, "db"), bwd_e)
        if i + 1 < ncols:  # to the next column (or the dots)
            nxt = labels[i + 1]
            x1 = xs[i + 1] - (0.35 if nxt == "\u22ef" else bw / 2)
            arrow((x + bw / 2, y_f), (x1, y_f), "flow-edge", fwd_e)
            arrow((x1, y_b), (x + bw / 2, y_b), "flow-edge", bwd_e)
            note((x + bw / 2 + x1) / 2, y_f + 0.3, _sup(lab, "A"), VALUE_COLOR)
            note((x + bw / 2 + x1) / 2, y_b - 0.3, _sup(lab, "dA"), GRAD_COLOR)
        if i > 0 and labels[i - 1] == "\u22ef":  # from the dots
            x0 = xs[i - 1] + 0.35
            arrow((x0, y_f), (x - bw / 2, y_f), "flow-edge", fwd_e)
            arrow((x - bw / 2, y_b), (x0, y_b), "flow-edge", bwd_e)
            note((x0 + x - bw / 2) / 2, y_f + 0.3, _sup(_prev(lab), "A"), VALUE_COLOR)
            note((x0 + x - bw / 2) / 2, y_b - 0.3, _sup(_prev(lab), "dA"), GRAD_COLOR)
    # the cost: A[L] in, the seed dA[L] out
    last = labels[-1]
    y_c = (y_f + y_b) / 2
    cw = 1.6 + 0.075 * max(0, len(loss) - 2)
    box = FancyBboxPatch((x_cost - cw / 2 + 0.5, y_c - bh / 2), cw, bh,
                         boxstyle="round,pad=0,rounding_size=0.15", facecolor="#fff1dc",
                         edgecolor="#c05621", lw=1.2, zorder=2)
    box.set_gid("flow-cost")
    ax.add_patch(box)
    ax.text(x_cost + 0.5, y_c + 0.15, "cost", ha="center", va="center", fontsize=9, zorder=3)
    ax.text(x_cost + 0.5, y_c - 0.18, loss + r"$(A^{[L]}, Y)$" if last == "L"
            else loss + f"$(A^{{[{last}]}}, Y)$", ha="center", va="center", fontsize=8.5,
            zorder=3)
    arrow((xs[-1] + bw / 2, y_f), (x_cost + 0.5, y_c + bh / 2), "flow-edge", fwd_e, rad=-0.3)
    arrow((x_cost + 0.5, y_c - bh / 2), (xs[-1] + bw / 2, y_b), "flow-edge", bwd_e, rad=-0.3)
    note(x_cost + 0.2, y_f + 0.15, _sup(last, "A") + r"$ = \hat Y$", VALUE_COLOR)
    seed_label = seed if seed is not None else _sup(last, "dA")
    note(x_cost + 0.2, y_b - 0.15, seed_label + " (seed)", GRAD_COLOR)
    ax.text(0.2, y_f + bh / 2 + 0.45, "forward pass \u2192", fontsize=9, color=fwd_e,
            fontweight="bold", ha="left", va="center")
    ax.text(0.2, y_b - bh / 2 - 1.45, "\u2190 backward pass (dW, db go to the update)",
            fontsize=9, color=bwd_e, fontweight="bold", ha="left", va="center")
    ax.set_xlim(xs[0] - dx / 2 - 1.1, x_cost + 0.5 + max(cw / 2, 1.2) + 0.4)
    ax.set_ylim(y_b - bh / 2 - 1.7, y_f + bh / 2 + 0.7)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- digits
def plot_digits(X, labels=None, predictions=None, *, ncols=10, max_images=50, fig=None,
                title=None):
    """A grid of 8x8 digit images, optionally titled with their labels and predictions.

    Parameters
    ----------
    X : array_like, shape (64, m)
        Images as columns, as returned by ``data.digits()``.
    labels : array_like, shape (m,), (1, m) or one-hot (C, m), optional
        True labels, shown above each image.
    predictions : array_like, shape (m,) or (1, m), optional
        Predicted labels; an image whose prediction differs from its label gets a red
        title ``"label: pred p"``.
    ncols : int
        Images per row.
    max_images : int
        Show at most this many (the first ones).
    fig : matplotlib.figure.Figure, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One ``Axes`` with one image per digit shown.
    """
    from .data import to_images

    X = _float_array(X, "X")
    images = to_images(X)
    if images.ndim == 2:
        images = images[None]
    m = images.shape[0]
    for name, v in (("ncols", ncols), ("max_images", max_images)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer; got {v!r}")
    if m == 0:
        raise ValueError("X has no images (columns)")
    lab = None if labels is None else _class_labels(labels, m, "labels")
    pred = None if predictions is None else _class_labels(predictions, m, "predictions")
    n = min(m, max_images)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    vmin, vmax = float(np.min(images[:n])), float(np.max(images[:n]))
    if vmax == vmin:
        vmax = vmin + 1.0
    head = 0.6 if title else 0.05  # inches above the grid
    height = 1.1 * nrows + head
    if fig is None:
        fig = _new_figure((0.95 * ncols + 0.2, height))
    # a fixed grid: constrained layout is slow with dozens of small axes
    axes = fig.subplots(nrows, ncols, squeeze=False,
                        gridspec_kw={"left": 0.02, "right": 0.98, "bottom": 0.02,
                                     "top": 1 - head / height, "wspace": 0.12,
                                     "hspace": 0.3}).ravel()
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        ax.set_xticks([])  # no ticks to lay out: much faster with many small axes
        ax.set_yticks([])
        if i >= n:
            fig.delaxes(ax)
            continue
        ax.imshow(images[i], cmap="gray_r", vmin=vmin, vmax=vmax, interpolation="nearest")
        if lab is not None and pred is not None:
            wrong = lab[i] != pred[i]
            ax.set_title(f"{lab[i]}: pred {pred[i]}" if wrong else str(lab[i]), fontsize=9,
                         color=GRAD_COLOR if wrong else "black")
        elif lab is not None or pred is not None:
            ax.set_title(str((lab if lab is not None else pred)[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------- CE vs MSE
def plot_ce_vs_mse(z=None, y=1, *, ax=None):
    """Why cross-entropy beats squared error behind a sigmoid output: ``dJ/dz`` against ``z``.

    For one example with label ``y`` and output ``a = sigmoid(z)``:

    * cross-entropy ``J = -(y log a + (1 - y) log(1 - a))`` gives ``dJ/dz = a - y``;
    * squared error ``J = (a - y)**2 / 2`` (the course's ``mse``) gives
      ``dJ/dz = (a - y) a (1 - a)``.

    When the unit is confidently wrong (``z`` far on the wrong side) the squared-error
    gradient vanishes with ``sigmoid'(z)`` and learning stalls, while the cross-entropy
    gradient stays near its largest size. The curves are computed from these two
    formulas (the loss gradient times ``sigmoid'(z) = a (1 - a)``).

    Parameters
    ----------
    z : array_like, shape (k,), optional
        Pre-activations; default ``np.linspace(-8, 8, 801)``.
    y : {0, 1}
        The label.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Two lines, labelled ``"cross-entropy"`` and ``"squared error (MSE)"``.
    """
    if y not in (0, 1) or isinstance(y, bool):
        raise ValueError(f"y must be 0 or 1; got {y!r}")
    z = np.linspace(-8.0, 8.0, 801) if z is None else _float_array(z, "z", ndim=1)
    if z.size < 2:
        raise ValueError(f"z must hold at least 2 points; got {z.size}")
    z = np.sort(z).astype(np.float64)
    a = np.exp(-np.logaddexp(0.0, -z))  # sigmoid(z), without overflow
    d_ce = a - y
    d_mse = (a - y) * a * (1 - a)
    ax = _new_axes(ax, (6.5, 4.2))
    wrong = z < -2 if y == 1 else z > 2
    for lo, hi in _spans(z, wrong):
        ax.axvspan(lo, hi, color="0.9", zorder=0, lw=0)
    ax.axhline(0, color="0.5", lw=0.6, zorder=1)
    ax.plot(z, d_ce, color="C0", lw=2, label="cross-entropy")
    ax.plot(z, d_mse, color="C3", lw=2, ls="--", label="squared error (MSE)")
    side = "very negative" if y == 1 else "very positive"
    x_text = z[0] + 0.03 * (z[-1] - z[0]) if y == 1 else z[-1] - 0.03 * (z[-1] - z[0])
    ax.text(x_text, 0.5 * (1 if y == 0 else -1), f"confidently wrong (z {side}):\n"
            "MSE gradient ~ 0, learning stalls;\ncross-entropy still pushes",
            ha="left" if y == 1 else "right", va="center", fontsize=8.5,
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.7"})
    ax.set_xlim(z[0], z[-1])
    ax.set_ylim((-1.1, 0.35) if y == 1 else (-0.35, 1.1))
    ax.set_xlabel("pre-activation z of the sigmoid output")
    ax.set_ylabel("dJ/dz")
    ax.set_title(f"Gradient reaching z for label y = {y}: cross-entropy vs squared error")
    ax.grid(True, lw=0.4, alpha=0.6)
    ax.legend(loc="lower right" if y == 1 else "upper left")
    return ax


# --------------------------------------------------------------------------- sliders
def _png(fig, dpi):
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    _close(fig)
    return buf.getvalue()


def _close(fig):
    """Close a pyplot figure (in Jupyter the inline backend would show it too); a plain
    ``Figure`` needs nothing, and pyplot is never imported here for it."""
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and getattr(fig.canvas, "manager", None) is not None:
        plt.close(fig)


def figure_sliders(draw, controls, *, dpi=80):
    """Sliders that redraw a figure: ``draw(**values)`` is called for each setting.

    The figure is shown as an image (``ipywidgets.Image``) that each move of a slider
    replaces. No ``Output`` widget is used: a notebook run without a browser (nbclient,
    nbconvert, otter, nbgrader) can hang on one, when the kernel's reply to a cell races
    the comm messages nbclient sends back for it. Without ``ipywidgets`` the figure of the
    starting values is returned alone (closed in pyplot, so that only ``display`` shows it).

    Parameters
    ----------
    draw : callable
        ``draw(**values) -> Figure`` (or an ``Axes`` of it), one keyword per control.
    controls : dict
        ``{name: (options, start)}`` or ``{name: (options, start, label)}``: the values a
        slider steps through (a sequence of at least one, or a dict ``{shown label:
        value}``), the starting value and the slider's label (default: ``name``).
    dpi : int
        Resolution of the image.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The sliders above the image, or, without ``ipywidgets``, the starting figure:
        ``display(...)`` it (or end the cell with it).
    """
    if not callable(draw):
        raise TypeError(f"draw must be callable; got {type(draw).__name__}")
    if not isinstance(controls, Mapping) or not controls:
        raise ValueError("controls must be a non-empty dict {name: (options, start[, label])}")
    spec = {}
    for name, c in controls.items():
        if not isinstance(c, (tuple, list)) or len(c) not in (2, 3):
            raise ValueError(f"controls[{name!r}] must be (options, start) or "
                             f"(options, start, label); got {c!r}")
        options, start = c[0], c[1]
        # {label: value} shows the labels on the slider and passes the values to draw
        options = list(options.items()) if isinstance(options, Mapping) else list(options)
        values = [o[1] for o in options] if isinstance(c[0], Mapping) else options
        if not options or not any(start is v or start == v for v in values):
            raise ValueError(f"controls[{name!r}]: start {start!r} must be one of the "
                             f"options {values!r}")
        spec[name] = (options, start, c[2] if len(c) == 3 else name)

    def figure(values):
        fig = draw(**values)
        fig = getattr(fig, "figure", fig) if not isinstance(fig, Figure) else fig
        if not isinstance(fig, Figure):
            raise TypeError(f"draw must return a matplotlib Figure or Axes; got "
                            f"{type(fig).__name__}")
        return fig

    start = {name: s for name, (_, s, _) in spec.items()}
    try:
        import ipywidgets as widgets
    except ImportError:
        fig = figure(start)
        _close(fig)  # shown once, by whoever displays what is returned
        return fig
    sliders = {name: widgets.SelectionSlider(options=options, value=s, description=label,
                                             style={"description_width": "initial"})
               for name, (options, s, label) in spec.items()}
    image = widgets.Image(value=_png(figure(start), dpi), format="png")

    def redraw(_change=None):
        image.value = _png(figure({name: w.value for name, w in sliders.items()}), dpi)

    for w in sliders.values():
        w.observe(redraw, names="value")
    return widgets.VBox([*sliders.values(), image])


# --------------------------------------------------------------------------- saving
def save(fig, path, *, dpi=120):
    """Save a figure (or the figure of an ``Axes``) to ``path``; parent folders are created.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
    path : str or os.PathLike
        The file; its suffix picks the format (``.png``, ``.pdf``, ``.svg``).
    dpi : int

    Returns
    -------
    pathlib.Path
        The path written.
    """
    if not isinstance(fig, Figure) and isinstance(getattr(fig, "figure", None), Figure):
        fig = fig.figure
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure or Axes; got {type(fig).__name__}")
    path = Path(path)
    if not path.suffix:
        raise ValueError(f"path must end with a file type such as .png; got {str(path)!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    # a figure with a layout engine is laid out already; "tight" would draw it twice
    tight = None if fig.get_layout_engine() is not None else "tight"
    fig.savefig(path, dpi=dpi, bbox_inches=tight, facecolor="white")
    return path

