"""Tasks: data splits, specs, loss and metric; built-in tasks and user files."""

from __future__ import annotations

import functools

from .base import IGNORE, LOWER_IS_BETTER, Split, Task, TaskError, TaskRef
from .baselines import baselines_for
from .builtin import BUILTIN
from .classical import CLASSICAL, Classical, beaten_by, fit_classical, has_vector_inputs
from .files import load_csv, load_file, load_npz
from .text import load_text


def task_names() -> list[str]:
    return sorted(BUILTIN)


def get_task(name: str, **options) -> Task:
    """A built-in task by name, e.g. ``get_task("adding", length=50)``."""
    if name not in BUILTIN:
        raise TaskError(f"unknown task {name!r}; built-in tasks: {', '.join(task_names())}")
    try:
        return BUILTIN[name](**options)
    except TypeError as err:
        raise TaskError(f"task {name!r}: bad option ({err})") from None


@functools.lru_cache(maxsize=8)
def _load(key: str) -> Task:
    import json

    ref = TaskRef.from_dict(json.loads(key))
    if ref.name == "file":
        opts = dict(ref.options)
        task = load_file(opts.pop("path"), **opts)
    else:
        task = get_task(ref.name, **ref.options)
    task = task.refold(ref.fold)
    return task.refit() if ref.refit else task


def load_task(ref: TaskRef | dict) -> Task:
    """The task a reference stands for; made once per process and then cached."""
    ref = ref if isinstance(ref, TaskRef) else TaskRef.from_dict(ref)
    return _load(ref.key())


__all__ = ["CLASSICAL", "IGNORE", "LOWER_IS_BETTER", "Classical", "Split", "Task", "TaskError",
           "TaskRef", "baselines_for", "beaten_by", "fit_classical", "get_task",
           "has_vector_inputs", "load_csv", "load_file", "load_npz", "load_task", "load_text",
           "task_names"]
