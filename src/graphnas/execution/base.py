"""One executor interface for trials: submit a function call, get a Future back.

Every backend returns ``concurrent.futures.Future`` objects, so a driver keeps n trials in flight
with ``concurrent.futures.wait(..., return_when=FIRST_COMPLETED)`` whatever runs them. Functions
and arguments must be picklable plain data (a trial payload: graph JSON, task reference, budget,
seed), never modules or tensors. A trial whose worker dies is retried up to ``retries`` times and
then fails with :class:`WorkerDied`; one that runs past ``timeout`` seconds is stopped and fails
with :class:`TrialTimeout`. An executor whose trials run on several machines sets the future's
``node`` to the one that ran it (Ray: the node's id); the driver records it with the trial.
"""

from __future__ import annotations

import math
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

# Trials sharing one GPU by default: small NAS trials are bound by kernel launches, so one trial
# leaves a GPU mostly idle (figures in BENCHMARKS.md, from benchmarks/bench_gpu.py).
TRIALS_PER_GPU = 4


def gpu_count() -> int:
    """CUDA GPUs visible to this process (0 without torch's CUDA build or a driver)."""
    try:
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception:  # noqa: BLE001  (a broken driver means no GPU, not a crash)
        return 0


def default_workers() -> int:
    """Trials in flight when none is asked for: several per GPU on a GPU machine (bounded by
    the cores, one each to launch kernels), else one."""
    gpus = gpu_count()
    return max(1, min(gpus * TRIALS_PER_GPU, os.cpu_count() or 1)) if gpus else 1


def gpu_slots(workers: int, gpus: int, gpus_per_trial: float | None) -> list[int | None]:
    """The GPU of each worker (None: CPU only). ``gpus_per_trial`` None spreads the workers over
    the GPUs; 0 keeps them off the GPUs; a fraction f puts at most 1/f workers on one GPU.

    >>> gpu_slots(4, 1, 0.25)
    [0, 0, 0, 0]
    """
    if gpus_per_trial is not None and gpus_per_trial < 0:
        raise ValueError("gpus_per_trial must be 0 or more")
    if gpus == 0 or gpus_per_trial == 0:
        if gpus_per_trial:
            raise ValueError(f"gpus_per_trial={gpus_per_trial:g} asked for, but no GPU is "
                             f"visible")
        return [None] * workers
    if gpus_per_trial is not None:
        if gpus_per_trial > 1:
            raise ValueError("a trial uses at most one GPU (gpus_per_trial <= 1)")
        per_gpu = math.floor(1 / gpus_per_trial + 1e-9)
        if workers > per_gpu * gpus:
            raise ValueError(f"{workers} workers at {gpus_per_trial:g} GPU each need "
                             f"{math.ceil(workers / per_gpu)} GPUs; {gpus} visible")
    return [i % gpus for i in range(workers)]


class WorkerDied(RuntimeError):
    """The process running a trial died (killed, segfault, out of memory) too many times."""


class TrialTimeout(TimeoutError):
    """A trial ran past its time limit and was stopped."""


class Executor(ABC):
    """Runs trial functions; ``workers`` of them at once."""

    name = "executor"
    workers: int = 1

    @abstractmethod
    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)`` somewhere; the Future holds its return value or exception."""

    def shutdown(self) -> None:
        """Stop the workers; trials still in flight are abandoned."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
