"""Differentiable exploitation: a supergraph over a (restricted) macro, cell or blocks space,
bilevel search, hard decisions and a collapse guard."""

from .bilevel import (
    DiffConfig,
    DiffResult,
    differentiable_search,
    make_supergraph,
    supports,
    unsupported_reason,
)
from .blocks import BlocksSupergraph
from .cell import CellSupergraph
from .supergraph import MacroSupergraph, Supergraph

__all__ = ["BlocksSupergraph", "CellSupergraph", "DiffConfig", "DiffResult", "MacroSupergraph",
           "Supergraph", "differentiable_search", "make_supergraph", "supports",
           "unsupported_reason"]
