"""Module-level trial functions, picklable for worker processes and Ray."""

import os
import time
from pathlib import Path


def square(x: int) -> int:
    return x * x


def sleep_then(seconds: float, value: int) -> int:
    time.sleep(seconds)
    return value


def die_once(marker: str) -> str:
    """Kill the worker the first time, succeed on the retry."""
    p = Path(marker)
    if not p.exists():
        p.write_text("died")
        os._exit(9)
    return "survived"


def always_die() -> None:
    os._exit(9)


def fail(message: str) -> None:
    raise ValueError(message)


def threads() -> int:
    import torch

    return torch.get_num_threads()


def visible_gpu() -> tuple[str, bool]:
    """The GPU a worker was given, and whether torch sees one."""
    import torch

    return os.environ.get("CUDA_VISIBLE_DEVICES", "?"), torch.cuda.is_available()
