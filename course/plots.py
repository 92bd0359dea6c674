"""``course.plots`` is :mod:`coursekit.plots`, with the reference's activations by name.

The figures ship to students in the student kit, so their single source is
``coursekit/plots.py``; this module re-exports them for the instructor's code (the demo,
the docs) and keeps one instructor-only convenience: :func:`plot_activations` takes the
*names* of :mod:`course.nn`'s activations (students pass their own functions to
:func:`coursekit.plots.plot_activations`).
"""

from __future__ import annotations

from coursekit import plots as _kit
from coursekit.plots import (
    CLASS_COLORS,
    GRAD_COLOR,
    VALUE_COLOR,
    draw_graph,
    draw_layer_flow,
    figure_sliders,
    plot_ce_vs_mse,
    plot_cost,
    plot_decision_boundary,
    plot_digits,
    plot_gradient_norms,
    save,
)

__all__ = [
    "CLASS_COLORS",
    "GRAD_COLOR",
    "VALUE_COLOR",
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


def plot_activations(names=None, z=None, saturation=0.01, fig=None):
    """Each element-wise activation of :mod:`course.nn` beside its derivative: the figure
    of :func:`coursekit.plots.plot_activations` drawn with the reference's functions.

    Parameters
    ----------
    names : str or sequence of str, optional
        Activations to show, keys of ``course.nn.ACTIVATIONS``; by default all the
        element-wise ones (``course.nn.ELEMENTWISE``: every activation but softmax).
    z, saturation, fig
        As in :func:`coursekit.plots.plot_activations`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .nn import ACTIVATIONS, ELEMENTWISE

    if names is None:
        names = ELEMENTWISE
    elif isinstance(names, str):
        names = (names,)
    names = tuple(names)
    for name in names:
        if name not in ELEMENTWISE:
            hint = " (softmax is not element-wise)" if name in ACTIVATIONS else ""
            raise ValueError(f"names must be element-wise activations, some of {ELEMENTWISE}; "
                             f"got {name!r}{hint}")
    if not names:
        raise ValueError("names must list at least one activation")
    return _kit.plot_activations({name: ACTIVATIONS[name] for name in names}, z=z,
                                 saturation=saturation, fig=fig)
