"""What a candidate's network costs before it trains: size limits (``--max-params``,
``--max-flops``; a candidate above them is skipped and its strategy told it was infeasible),
and its parameters as an objective a strategy may know in advance."""

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
    """``Strategy.known`` of a search with ``params`` among its objectives: the parameters of
    a candidate's built (untrained) network, as its trial will count them, negated as a
    strategy is told them (about 3 ms a candidate); None for the other objectives (the score
    and latency need training; FLOPs need a traced forward pass, some 40 ms, too slow for a
    surrogate's pool of hundreds at every ask). None for a graph that does not build (it will
    fail as a trial)."""

    input_spec: InputSpec
    output_spec: OutputSpec
    objectives: tuple[str, ...]

    def __call__(self, candidate: Any) -> tuple[float | None, ...] | None:
        from graphnas.nn import build, count_params

        if not isinstance(candidate.arch, Graph):
            return None
        try:
            module = build(candidate.arch, self.input_spec, self.output_spec)
        except (GraphError, ValueError, RuntimeError):
            return None
        params = float(count_params(module))
        return tuple(-params if n == "params" else None for n in self.objectives)


def known_costs(objectives: Sequence[str], input_spec: InputSpec,
                output_spec: OutputSpec) -> KnownCosts | None:
    """:class:`KnownCosts` where ``params`` is an objective, else None."""
    if "params" not in objectives:
        return None
    return KnownCosts(input_spec, output_spec, tuple(objectives))
