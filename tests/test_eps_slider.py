"""Assignment 5's optional epsilon slider: a widget with ipywidgets, a static plot without.

The kit does not require ipywidgets (its wheel depends on numpy and matplotlib only), so
the slider cell of ``05_gradient_checking`` must degrade to a static plot when the
package is absent. These tests run that cell's code, taken from the solution notebook, in
a namespace with a stand-in gradient check (the V of truncation and round-off errors),
once with ``import ipywidgets`` failing and once with it available.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from coursekit import plots  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "solutions" / "05_gradient_checking" / "05_gradient_checking.ipynb"


def _slider_source():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    found = [c for c in cells if c.get("id") == "eps-slider"]
    assert len(found) == 1, "the notebook has no (or several) cells with the id 'eps-slider'"
    return "".join(found[0]["source"])


class _Grader:
    def ready(self, *names):
        return True


def _namespace(calls, shown):
    def gradient_check(parameters, X, Y, grads, eps=1e-6):
        calls.append(eps)
        return eps**2 + 1e-16 / eps, {}

    return {"np": np, "plt": plt, "grader": _Grader(), "gradient_check": gradient_check,
            "p_small": {}, "X_small": None, "Y_small": None, "grads_small": {},
            "plots": plots, "display": lambda *objs: shown.extend(objs)}


def test_without_ipywidgets_the_cell_draws_one_static_plot(monkeypatch, capsys):
    from matplotlib.figure import Figure

    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets -> ImportError
    calls, shown = [], []
    ns = _namespace(calls, shown)
    open_before = plt.get_fignums()                          # other tests' figures
    exec(compile(_slider_source(), "eps-slider", "exec"), ns)
    assert capsys.readouterr().err == ""
    assert len(shown) == 1 and isinstance(shown[0], Figure)  # the static plot, shown once
    assert plt.get_fignums() == open_before                  # closed in pyplot
    ax = shown[0].axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    marked = ax.get_lines()[-1]  # the point at eps = 1e-6
    assert marked.get_xdata()[0] == pytest.approx(1e-6)
    assert len(calls) == 23  # the whole curve, computed once


def test_with_ipywidgets_moving_the_slider_recomputes_nothing(monkeypatch, capsys):
    widgets = pytest.importorskip("ipywidgets")
    calls, shown = [], []
    ns = _namespace(calls, shown)
    exec(compile(_slider_source(), "eps-slider", "exec"), ns)
    assert capsys.readouterr().err == ""
    box = shown[0]
    assert isinstance(box, widgets.VBox)
    slider, image = box.children
    assert isinstance(slider, widgets.SelectionSlider) and isinstance(image, widgets.Image)
    assert len(slider.options) == 23 and slider.options[slider.index][0] == "1.0e-06"
    before, first = len(calls), image.value
    slider.value = slider.options[0][1]
    assert slider.options[slider.index][0] == "1.0e-12"
    assert len(calls) == before == 23 and image.value != first  # only redrawn
    fig = ns["draw_eps"](slider.value)
    assert fig.axes[0].get_lines()[-1].get_xdata()[0] == pytest.approx(1e-12)
    plt.close("all")
