"""Losses and metrics for classification (per sample or per step) and regression."""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from graphnas.tasks import IGNORE, Task


def loss_fn(task: Task):
    """The training loss: cross-entropy (steps labelled IGNORE skipped) or mean squared error."""
    if task.classification:
        def ce(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1),
                                   ignore_index=IGNORE)
        return ce
    return lambda out, y: F.mse_loss(out, y)


@torch.no_grad()
def evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, task: Task,
             batch_size: int = 512) -> dict[str, float]:
    """Metrics of the model on (x, y): accuracy and cross-entropy (``loss``; in bits as
    ``bpc`` for a language model); or mse and r2."""
    was = model.training
    model.eval()
    try:
        outs = [model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
    finally:
        model.train(was)
    out = torch.cat(outs)
    if task.classification:
        keep = y != IGNORE
        correct = (out.argmax(-1) == y) & keep
        metrics = {"accuracy": correct.sum().item() / max(1, keep.sum().item())}
        loss = loss_fn(task)(out.float(), y).item()
        if math.isfinite(loss):  # cross-entropy: finer than accuracy on a small split
            metrics["loss"] = loss
        if task.metric == "bpc":  # bits per character: the mean cross-entropy in bits
            metrics["bpc"] = loss / math.log(2)
        return metrics
    err = (out - y).square().mean().item()
    var = (y - y.mean(0)).square().mean().item()
    return {"mse": err, "r2": 1.0 - err / var if var > 0 else 0.0}


CHANCE_MARGIN = 0.05  # of the way from the best constant prediction to a perfect one


def at_chance(metrics: dict[str, float], y: torch.Tensor, task: Task) -> bool:
    """Whether ``metrics`` (of :func:`evaluate` on targets ``y``) are no better than the best
    constant prediction, within ``CHANCE_MARGIN``: the most common class's share of the
    accuracy, or an r2 of 0."""
    if task.classification:
        labels = y[y != IGNORE]
        if labels.numel() == 0:
            return False
        share = torch.bincount(labels.flatten()).max().item() / labels.numel()
        return metrics["accuracy"] <= share + CHANCE_MARGIN * (1 - share)
    return metrics["r2"] <= CHANCE_MARGIN
