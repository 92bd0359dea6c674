"""Wrong and correct implementations of every graded function, to prove the checks.

Each module registers its functions with :func:`mutant` (a classic mistake and the
diagnosis code the check must give) or :func:`correct` (a differently written correct
implementation that must get full marks). ``tricks`` adds, for every function, an
ndarray subclass and an always-equal object.
"""

from . import (  # noqa: F401  (registers)
    activations,
    chain,
    deep_model,
    gradcheck,
    layers,
    model,
    own_work,
    shallow,
    tricks,
)
from ._registry import CORRECT, MUTANTS

__all__ = ["CORRECT", "MUTANTS"]
