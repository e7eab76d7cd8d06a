"""Executors: where trials run (this process, local worker processes, or Ray)."""

from __future__ import annotations

from .base import (
    TRIALS_PER_GPU,
    Executor,
    TrialTimeout,
    WorkerDied,
    default_workers,
    gpu_count,
    gpu_slots,
)
from .processes import ProcessExecutor
from .serial import SerialExecutor

EXECUTORS = ("serial", "processes", "ray")


def get_executor(name: str | None = None, workers: int = 1, **options) -> Executor:
    """An executor by name; by default serial for one worker and processes for more."""
    name = name or ("serial" if workers <= 1 else "processes")
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers, **options)
    if name == "ray":
        from .ray_executor import RayExecutor

        return RayExecutor(workers, **options)
    raise ValueError(f"unknown executor {name!r}; use one of {', '.join(EXECUTORS)}")


__all__ = ["EXECUTORS", "TRIALS_PER_GPU", "Executor", "ProcessExecutor", "SerialExecutor",
           "TrialTimeout", "WorkerDied", "default_workers", "get_executor", "gpu_count",
           "gpu_slots"]
