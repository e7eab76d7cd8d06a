"""Differentiable exploitation: a supergraph over a (restricted) macro space, bilevel search,
hard decisions and a collapse guard."""

from .bilevel import DiffConfig, DiffResult, differentiable_search
from .supergraph import MacroSupergraph

__all__ = ["DiffConfig", "DiffResult", "MacroSupergraph", "differentiable_search"]
