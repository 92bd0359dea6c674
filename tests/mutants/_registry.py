"""Registries of wrong implementations (with the diagnosis each must get) and correct ones."""

from __future__ import annotations

#: (function name, mutant id, func, expected diagnosis code)
MUTANTS: list = []
#: (function name, variant id, func)
CORRECT: list = []


def mutant(name, code):
    """Register a classic wrong implementation of ``name`` that must be diagnosed ``code``."""

    def deco(func):
        MUTANTS.append((name, f"{name}:{func.__name__}", func, code))
        return func

    return deco


def correct(name):
    """Register a differently written correct implementation of ``name``."""

    def deco(func):
        CORRECT.append((name, f"{name}:{func.__name__}", func))
        return func

    return deco
