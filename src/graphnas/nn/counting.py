"""Parameter count and FLOPs of a built network."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from graphnas.graph import InputSpec


def count_params(module: nn.Module) -> int:
    """Trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def example_input(spec: InputSpec, batch: int = 2) -> torch.Tensor:
    """A deterministic batch of the right shape and dtype."""
    g = torch.Generator().manual_seed(0)
    if spec.layout == "tokens":
        return torch.randint(0, spec.vocab or 2, (batch, *spec.dims), generator=g)
    return torch.randn((batch, *spec.dims), generator=g)


def count_flops(module: nn.Module, spec: InputSpec) -> int:
    """FLOPs of one forward pass for one sample (matrix products and convolutions)."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            module(example_input(spec, batch=1).to(next(module.parameters()).device))
    finally:
        module.train(was_training)
    return int(counter.get_total_flops())
