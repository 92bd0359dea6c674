"""Wrong and correct implementations of every graded function, to prove the checks.

Each module registers its functions with :func:`mutant` (a classic mistake and the
diagnosis code the check must give) or :func:`correct` (a differently written correct
implementation that must get full marks). ``tricks`` adds, for every function, an
ndarray subclass and an always-equal object.
"""

from . import activations, chain, gradcheck, layers, model, tricks  # noqa: F401  (registers)
from ._registry import CORRECT, MUTANTS

__all__ = ["CORRECT", "MUTANTS"]
