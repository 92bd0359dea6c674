"""Right answers computed by the course's own tools (``coursekit.own_work``'s rules).

Each function returns the right values, but hands what its exercise asks to a
``coursekit`` tool that the assignment lent as a black box (assignment 1's
``numerical_gradient``, ``rel_error``, ``centered_difference``, graded in assignment 5)
or that its answer is compared with (``coursekit.Value``, which assignment 1's
micrograd rebuilds): each must lose its points with the diagnosis ``uses_course_tool``,
however the tool is reached (a global, an alias, the module's attribute, an import
inside the function, a helper of the notebook, a base class).
"""

from __future__ import annotations

import numpy as np

import coursekit
from coursekit import Value, numerical_gradient, rel_error
from coursekit import centered_difference as cd

from ._registry import mutant
from .gradcheck import _cost, _layer_keys, _ml_loss, _rel

CODE = "uses_course_tool"


# ========== assignment 5
@mutant("relative_error", CODE)
def rel_is_coursekits(a, b):
    return rel_error(a, b)


@mutant("relative_error", CODE)
def rel_module_attribute(a, b):
    return coursekit.rel_error(a, b)


@mutant("relative_error", CODE)
def rel_imported_inside(a, b):
    from coursekit.tools import rel_error as distance

    return distance(a, b)


def _numerical(parameters, X, Y, eps):
    """A helper of the notebook that calls coursekit's numerical_gradient."""
    grads = {}
    for key in _layer_keys(parameters):
        def cost_of(v, key=key):
            return _cost({**parameters, key: v}, X, Y)
        grads["d" + key] = numerical_gradient(cost_of, parameters[key], eps)
    return grads


@mutant("numerical_gradients", CODE)
def ng_coursekits_loop(parameters, X, Y, eps=1e-6):
    return _numerical(parameters, X, Y, eps)


@mutant("gradient_check", CODE)
def gc_through_a_helper(parameters, X, Y, grads, eps=1e-6):
    """Its own relative errors, the numerical gradients by coursekit (through a helper)."""
    num = _numerical(parameters, X, Y, eps)
    per = {k: _rel(grads[k], num[k]) for k in num}
    a = np.concatenate([np.ravel(grads[k]) for k in num])
    b = np.concatenate([np.ravel(num[k]) for k in num])
    return _rel(a, b), per


@mutant("find_buggy_gradients", CODE)
def fbg_coursekits_rel_error(parameters, X, Y, grads, eps=1e-6, threshold=1e-7):
    num = {}
    for key in _layer_keys(parameters):
        x = np.array(parameters[key], dtype=np.float64)
        g = np.zeros_like(x)
        for i in range(x.size):
            old = x.flat[i]
            x.flat[i] = old + eps
            fp = _cost({**parameters, key: x}, X, Y)
            x.flat[i] = old - eps
            fm = _cost({**parameters, key: x}, X, Y)
            x.flat[i] = old
            g.flat[i] = (fp - fm) / (2 * eps)
        num["d" + key] = g
    return sorted(k for k in num if rel_error(grads[k], num[k]) > threshold)


@mutant("multilabel_gradient_check", CODE)
def ml_centered_difference(Z, Y, dZ, eps=1e-6):
    """Entry by entry with coursekit's centered_difference (under another name)."""
    Z = np.array(Z, dtype=np.float64)
    num = np.zeros_like(Z)
    for idx in np.ndindex(*Z.shape):
        def f(t, idx=idx):
            W = Z.copy()
            W[idx] = t
            return _ml_loss(W, Y)
        num[idx] = cd(f, Z[idx], eps)
    return num, np.array([_rel(dZ[c], num[c]) for c in range(Z.shape[0])])


# ========== assignment 1: micrograd with coursekit's Value
def _grads_with(cls):
    """micrograd_grads on the nodes of ``cls``."""
    def micrograd_grads(expr, inputs):
        leaves = {name: cls(v) for name, v in inputs.items()}
        built = {}

        def node(e):
            if isinstance(e, str):
                return leaves[e]
            if not isinstance(e, tuple):
                return cls(e)
            if e not in built:
                args = [node(a) for a in e[1:]]
                built[e] = (args[0] + args[1] if e[0] == "add" else args[0] * args[1]
                            if e[0] == "mul" else getattr(args[0], e[0])())
            return built[e]

        node(expr).backward()
        return {name: leaf.grad for name, leaf in leaves.items()}

    return micrograd_grads


@mutant("micrograd_grads", CODE)
def micro_global_value(expr, inputs):
    """The graph built from the global Value (``from coursekit import Value``)."""
    return _grads_with(Value)(expr, inputs)


class MyValue(Value):
    """A "MyValue" that inherits everything from coursekit's Value."""


@mutant("micrograd_grads", CODE)
def micro_subclass_of_value(expr, inputs):
    return _grads_with(MyValue)(expr, inputs)
