"""The in-process executor: runs each trial at once, in the caller's process."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from .base import Executor


class SerialExecutor(Executor):
    """One trial at a time in this process. Time limits are the trainer's own budget."""

    name = "serial"
    workers = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as err:  # noqa: BLE001  (the future carries it to the driver)
            future.set_exception(err)
        return future
