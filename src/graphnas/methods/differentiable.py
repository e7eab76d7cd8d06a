"""The differentiable method: a supergraph of the whole space (a continuous relaxation of
every decision, trained by bilevel optimisation), then its discretisation and the next most
probable graphs trained from scratch.

Options: ``exploit_share`` (0.8 of the search time for the supergraph), ``order`` and
``sequence_memory`` (see :class:`graphnas.differentiable.DiffConfig`).
"""

from __future__ import annotations

from graphnas.differentiable import DiffConfig, unsupported_reason
from graphnas.spaces import Space

from .base import Method, Phase
from .exploit import TrainRanked
from .settings import SearchSettings
from .supergraph import SupergraphPhase
from .types import check_options


def supergraph_config(order: str, sequence_memory: str, space: Space) -> DiffConfig:
    """The supergraph's settings, checked (with the space) before any phase runs."""
    reason = unsupported_reason(space)
    if reason is not None:
        raise ValueError(f"differentiable search cannot cover this space: {reason}")
    return DiffConfig(order=order, sequence_memory=sequence_memory)


def _options(exploit_share: float = 0.8, order: str = "first",
             sequence_memory: str = "ticks") -> None:
    """The differentiable method's options."""


class Differentiable(Method):
    name = "differentiable"
    help = ("A supergraph of the whole space trained by bilevel optimisation; its most "
            "probable graphs trained from scratch.")

    def plan(self, settings: SearchSettings, space: Space) -> list[Phase]:
        o = {"exploit_share": 0.8, "order": "first", "sequence_memory": "ticks",
             **settings.strategy_options}
        check_options(_options, o, "differentiable")
        diff = supergraph_config(o["order"], o["sequence_memory"], space)
        return [SupergraphPhase(diff, o["exploit_share"], 1500, train_graph=False),
                TrainRanked()]
