"""One executor interface for trials: submit a function call, get a Future back.

Every backend returns ``concurrent.futures.Future`` objects, so a driver keeps n trials in flight
with ``concurrent.futures.wait(..., return_when=FIRST_COMPLETED)`` whatever runs them. Functions
and arguments must be picklable plain data (a trial payload: graph JSON, task reference, budget,
seed), never modules or tensors. A trial whose worker dies is retried up to ``retries`` times and
then fails with :class:`WorkerDied`; one that runs past ``timeout`` seconds is stopped and fails
with :class:`TrialTimeout`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


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
