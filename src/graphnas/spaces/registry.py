"""Spaces by name."""

from __future__ import annotations

from typing import Any

from graphnas.graph import InputSpec, OutputSpec

from .activation import ActivationSpace
from .base import Space
from .blocks import BlocksSpace
from .cell import CellSpace
from .genome import GenomeSpace
from .macro import MacroSpace
from .optimizer import OptimizerSpace
from .rnn_cell import RnnCellSpace

SPACES = {"macro": MacroSpace, "cell": CellSpace, "blocks": BlocksSpace,
          "activation": ActivationSpace, "optimizer": OptimizerSpace, "rnn_cell": RnnCellSpace,
          "genome": GenomeSpace}


def space_names() -> list[str]:
    return sorted(SPACES)


def get_space(name: str, input_spec: InputSpec, output_spec: OutputSpec,
              **settings: Any) -> Space:
    """A search space for a task's specs, e.g. ``get_space("macro", spec, out, n_nodes=6)``."""
    if name not in SPACES:
        raise ValueError(f"unknown space {name!r}; use one of {', '.join(space_names())}")
    try:
        return SPACES[name](input_spec, output_spec, **settings)
    except TypeError as err:
        raise ValueError(f"space {name!r}: bad setting ({err})") from None
