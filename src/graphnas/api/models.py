"""Training one graph and exporting a model: what ``graphnas train`` and ``graphnas export`` do.

Example:
    >>> report = train_graph("mlp.json", task="digits", steps=200, save="model")  # doctest: +SKIP
    >>> export_model("model", "onnx", "mlp.onnx")                                # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from graphnas.graph import load, render, save, validate
from graphnas.nn.export import export_onnx, export_python, export_torchscript
from graphnas.tasks import Task, get_task, load_file
from graphnas.training import Budget, TrainConfig, load_model, optimizer_class, save_model, train

DEFAULT_STEPS = 3000  # training steps when no steps, epochs or seconds are given
EXPORT_FORMATS = ("json", "py", "torchscript", "onnx", "svg", "png")
_SUFFIX = {"json": ".json", "py": ".py", "torchscript": ".ts", "onnx": ".onnx", "svg": ".svg",
           "png": ".png"}
_NEEDS_WEIGHTS = {"py": export_python, "torchscript": export_torchscript, "onnx": export_onnx}


class TrainingFailed(RuntimeError):
    """The graph fitted the task but its training failed (the message says why)."""


@dataclass(frozen=True)
class TrainReport:
    """The scores of one graph trained with the standard protocol."""

    graph: str  # the graph file
    name: str  # the graph's own name, or the file's
    task: str
    task_description: str
    metric: str  # the task's headline metric: accuracy or mse
    valid_metric: float | None
    test_metric: float | None
    valid: dict[str, float]
    test: dict[str, float] | None
    params: int | None
    flops: int | None
    steps: int
    seconds: float
    device: str
    step_mode: str  # how steps ran: "cuda graph", or eager and why
    saved: Path | None  # the folder of model.pt, graph.json and spec.json, when asked for

    def summary(self) -> dict[str, Any]:
        """The JSON that ``graphnas train --json`` prints."""
        return {"graph": self.graph, "task": self.task, "metric": self.metric,
                "valid_metric": self.valid_metric, "test_metric": self.test_metric,
                "valid": self.valid, "test": self.test, "params": self.params,
                "flops": self.flops, "steps": self.steps, "seconds": round(self.seconds, 3),
                "device": self.device, "step_mode": self.step_mode}


def _fresh(graph, task: Task):
    """``graph`` built for ``task``'s input and output, its weights drawn with seed 0."""
    import torch

    from graphnas.nn import build

    torch.manual_seed(0)
    return build(graph, task.input_spec, task.output_spec)


def load_task(task: str | None = None, data: str | Path | None = None,
              target: str | None = None, seed: int = 0) -> Task:
    """A built-in task by name, or one read from a .npz/.csv file (mnist1d when neither)."""
    if task and data:
        raise ValueError("give either a task or a data file, not both")
    if data:
        return load_file(data, target=target, seed=seed)
    return get_task(task or "mnist1d", seed=seed)


def train_graph(graph: str | Path, task: str | None = None, data: str | Path | None = None,
                target: str | None = None, steps: int | None = None,
                epochs: float | None = None, seconds: float | None = None, lr: float = 3e-3,
                seed: int = 0, device: str = "auto", precision: str = "fp32",
                cuda_graph: str = "auto", save: str | Path | None = None,
                optimizer: str | Path | None = None) -> TrainReport:
    """Train a graph file on a task with the standard protocol; score validation and test.

    Args:
        graph: a graph JSON file.
        task, data, target: as for :func:`load_task`.
        steps, epochs, seconds: the budget; the first reached ends training
            (``DEFAULT_STEPS`` steps when none is given).
        lr, seed, device, precision, cuda_graph: as in :class:`graphnas.training.TrainConfig`.
        save: a folder for ``model.pt``, ``graph.json`` and ``spec.json``.
        optimizer: adam, adamw, rmsprop, sgd or a ``.py`` file that defines a
            ``torch.optim.Optimizer`` subclass (such as an optimizer search's
            ``best/optimizer.py``), in place of the graph's own update rule; by default that
            rule where the graph has one, else AdamW.

    Raises:
        ValueError: a bad graph, task, data file or setting, or a graph that does not fit
            the task.
        TrainingFailed: training itself failed.
    """
    path = Path(graph)
    g = load(path)
    given = {} if optimizer is None else {"optimizer": str(optimizer)}
    cfg = TrainConfig(lr=lr, seed=seed, device=device, precision=precision,
                      cuda_graph=cuda_graph, **given)
    if optimizer is not None:  # in place of the graph's rule
        g = replace(g, update_rule="")
        if cfg.optimizer.endswith(".py"):
            optimizer_class(cfg.optimizer)  # a missing or broken file: ValueError now
    t = load_task(task, data, target, seed)
    validate(g, t.input_spec)
    if steps is None and epochs is None and seconds is None:
        steps = DEFAULT_STEPS
    r = train(g, t, Budget(steps, epochs, seconds), cfg, evaluate_test=True,
              keep_module=save is not None)
    if not r.ok:
        raise TrainingFailed(r.error or "unknown error")
    saved = save_model(save, r.module, g) if save is not None else None
    return TrainReport(str(graph), g.name or path.name, t.name, t.describe(), r.metric,
                       r.valid_metric, r.test_metric, r.valid, r.test, r.params, r.flops,
                       r.steps, r.seconds, r.device, r.step_mode, saved)


def model_folder(source: str | Path) -> Path | None:
    """The folder of trained weights that ``source`` names: a run directory's ``best/``, or a
    folder saved by :func:`train_graph`; None for a graph file.

    Raises:
        ValueError: ``source`` is a folder without a trained model.
    """
    p = Path(source)
    if (p / "best").is_dir():
        return p / "best"
    if (p / "model.pt").is_file():
        return p
    if p.is_dir():
        raise ValueError(f"{p}: no best/ folder; has the search finished?")
    return None


def export_model(source: str | Path, fmt: str, out: str | Path | None = None,
                 task: str | None = None, data: str | Path | None = None,
                 target: str | None = None, say=None) -> Path:
    """Export a run's best model (weights included), a saved model or a graph file.

    Args:
        source: a run directory, a folder saved by :func:`train_graph`, or a graph JSON file.
        fmt: one of ``EXPORT_FORMATS``; ``py``, ``torchscript`` and ``onnx`` of a graph file
            build it with fresh, untrained weights (seed 0) for the input and output of
            ``task`` (or the ``data`` file), and say so through ``say``.
        out: the file to write (default ``model.<ext>`` for weights, ``<graph>.<ext>``).

    Returns:
        The file written.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    folder = model_folder(source)
    graph_file = folder / "graph.json" if folder else Path(source)
    graph = load(graph_file)
    dest = Path(out) if out else Path(f"{'model' if folder else graph_file.stem}{_SUFFIX[fmt]}")
    if fmt == "json":
        save(graph, dest)
    elif fmt in ("svg", "png"):
        render(graph, dest)
    else:
        if folder is None and not (task or data):
            raise ValueError(f"format {fmt} of a graph file needs the task whose input and "
                             f"output it is built for: give --task or --data (or a run "
                             f"directory or saved model, for trained weights)")
        module = load_model(folder) if folder else _fresh(graph, load_task(task, data, target))
        if folder is None and say is not None:
            say(f"note: {graph_file.name} exported with fresh, untrained weights (seed 0)")
        _NEEDS_WEIGHTS[fmt](module, dest)
    return dest
