"""What a candidate's network costs before it trains: size limits (``--max-params``,
``--max-flops``; a candidate above them is skipped and its strategy told it was infeasible),
and its parameters and FLOPs as objectives a strategy may know in advance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphnas.graph import Graph, GraphError, InputSpec, OutputSpec, from_json


@dataclass(frozen=True)
class SizeLimits:
    """Why a graph is too large for the search, or None when it fits. Parameters are counted
    on the built network; FLOPs of one forward pass for one sample."""

    input_spec: InputSpec
    output_spec: OutputSpec
    max_params: int | None = None
    max_flops: int | None = None

    def __bool__(self) -> bool:
        return self.max_params is not None or self.max_flops is not None

    def __call__(self, arch_json: str) -> str | None:
        from graphnas.nn import build, count_flops, count_params

        module = build(from_json(arch_json, "candidate"), self.input_spec, self.output_spec)
        if self.max_params is not None:
            params = count_params(module)
            if params > self.max_params:
                return f"{params:,} parameters, above --max-params {self.max_params:,}"
        if self.max_flops is not None:
            flops = count_flops(module, self.input_spec)
            if flops > self.max_flops:
                return f"{flops:,} FLOPs, above --max-flops {self.max_flops:,}"
        return None


@dataclass(frozen=True)
class KnownCosts:
    """``Strategy.known`` of a search with ``params`` or ``flops`` among its objectives: a
    candidate's built (untrained) network counted, as the trial will count it, negated as a
    strategy is told it; None for the score and latency, which training measures. None for a
    candidate whose graph does not build (it will fail as a trial)."""

    input_spec: InputSpec
    output_spec: OutputSpec
    objectives: tuple[str, ...]

    def __call__(self, candidate: Any) -> tuple[float | None, ...] | None:
        from graphnas.nn import build, count_flops, count_params

        if not isinstance(candidate.arch, Graph):
            return None
        try:
            module = build(candidate.arch, self.input_spec, self.output_spec)
        except (GraphError, ValueError, RuntimeError):
            return None
        counted = {"params": lambda: count_params(module),
                   "flops": lambda: count_flops(module, self.input_spec)}
        return tuple(-float(counted[n]()) if n in counted else None for n in self.objectives)


def known_costs(objectives: Sequence[str], input_spec: InputSpec,
                output_spec: OutputSpec) -> KnownCosts | None:
    """:class:`KnownCosts` where an objective is a count of the network, else None."""
    if not {"params", "flops"} & set(objectives):
        return None
    return KnownCosts(input_spec, output_spec, tuple(objectives))
