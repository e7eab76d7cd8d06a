"""Batch-norm statistics recomputed for the weights a training hands back ("precise BN", Wu &
Johnson, *Rethinking "Batch" in BatchNorm*, 2021).

While a network trains, each batch-norm layer keeps an exponential average of the last few
batches' statistics, taken while the weights were still moving. A model read at its last step
(``keep="last"``: the final retraining on training and validation together) carries that noisy
estimate, and a regression read that way can be worse than a short trial of the same graph
(BENCHMARKS.md, B14 on the adding problem).
"""

from __future__ import annotations

import torch
from torch import nn


def recompute_bn_stats(model: nn.Module, x: torch.Tensor, batch: int, batches: int,
                       seed: int) -> bool:
    """Set every batch-norm layer's running statistics to their plain average over ``batches``
    batches of ``x`` (``batch`` rows each, drawn in a seeded order that wraps around, in
    training mode, without gradients). The global random state is left as it was. False
    (nothing done) for a model without one, or batches of fewer than 2 rows."""
    layers = [m for m in model.modules()
              if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
    batch = min(batch, len(x))
    if not layers or batches < 1 or batch < 2:
        return False
    momenta = [m.momentum for m in layers]
    was_training = model.training
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed)).to(x.device)
    for m in layers:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches below
    model.train()
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)  # dropout, if any, draws from here
            for i in range(batches):
                rows = torch.arange(i * batch, (i + 1) * batch, device=x.device) % len(x)
                model(x[order[rows]])
    finally:
        for m, momentum in zip(layers, momenta):
            m.momentum = momentum
        model.train(was_training)
    return True
