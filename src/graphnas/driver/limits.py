"""Size limits on candidates (``--max-params``, ``--max-flops``): a candidate above them is
skipped before it trains, and its strategy is told it was infeasible."""

from __future__ import annotations

from dataclasses import dataclass

from graphnas.graph import InputSpec, OutputSpec, from_json


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
