"""Inference latency of a trained network: the median of repeated timed forward passes on its
device, after warm-up, for a batch of 1 and for the trial's batch size."""

from __future__ import annotations

import statistics
import time

import torch

from .steps import autocast

WARMUP = 5  # untimed passes first (lazy initialisation, allocator, cuDNN choices)
REPEATS = 25  # timed passes; their median is kept
MAX_SECONDS = 1.0  # fewer timed passes (at least MIN_REPEATS) where they would take longer
MIN_REPEATS = 5


def _median_ms(module: torch.nn.Module, x: torch.Tensor, precision: str, warmup: int,
               repeats: int) -> float:
    cuda = x.device.type == "cuda"
    times: list[float] = []
    start = time.perf_counter()
    with torch.inference_mode(), autocast(x.device, precision):
        for i in range(warmup + repeats):
            if len(times) >= MIN_REPEATS and time.perf_counter() - start > MAX_SECONDS:
                break
            if cuda:
                torch.cuda.synchronize(x.device)
            t0 = time.perf_counter()
            module(x)
            if cuda:
                torch.cuda.synchronize(x.device)
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def measure_latency(module: torch.nn.Module, x: torch.Tensor, batch: int,
                    precision: str = "fp32", warmup: int = WARMUP,
                    repeats: int = REPEATS) -> dict[str, float]:
    """Milliseconds per forward pass of ``module`` (in eval mode, no gradients) on ``x``'s
    device, the median of ``repeats`` timed passes after ``warmup`` (fewer, at least
    ``MIN_REPEATS``, past ``MAX_SECONDS`` per batch size): ``{"batch1": ..., "batch": ...,
    "batch_size": n}``, where ``n`` is ``batch`` or the rows of ``x`` if fewer. The module is
    left in eval mode."""
    module.eval()
    n = max(1, min(batch, len(x)))
    return {"batch1": _median_ms(module, x[:1], precision, warmup, repeats),
            "batch": _median_ms(module, x[:n], precision, warmup, repeats),
            "batch_size": n}
