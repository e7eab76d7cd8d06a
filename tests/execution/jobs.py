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


def die_while_sending(nbytes: int) -> bytes:
    """Return a large result, and kill the worker once it is halfway through sending it."""
    import sys
    import threading

    def sending() -> bool:
        return any(frame.f_code.co_name in ("_send", "_send_bytes")
                   and "multiprocessing" in frame.f_code.co_filename
                   for top in sys._current_frames().values()
                   for frame in _stack(top))

    def kill_mid_send() -> None:
        while not sending():
            time.sleep(0.0005)
        os._exit(9)

    threading.Thread(target=kill_mid_send, daemon=True).start()
    return b"x" * nbytes


def _stack(frame):
    while frame is not None:
        yield frame
        frame = frame.f_back


def unpicklable_result():
    import threading

    return threading.Lock()


def mark_then_sleep(marker: str, seconds: float) -> None:
    """Say (by a file) that the trial started, then take ``seconds``."""
    Path(marker).write_text("started")
    time.sleep(seconds)
