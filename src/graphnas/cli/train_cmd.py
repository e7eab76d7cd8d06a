"""``graphnas train``: train one graph with the standard protocol and print its scores."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from graphnas.graph import load, validate
from graphnas.tasks import get_task, load_file
from graphnas.training import Budget, TrainConfig, save_model, train

from .app import UsageError, app


def task_from_flags(task: str | None, data: Path | None, target: str | None, seed: int):
    """The task named by --task or read from --data (mnist1d when neither is given)."""
    if task and data:
        raise UsageError("give either --task or --data, not both")
    if data:
        return load_file(data, target=target, seed=seed)
    return get_task(task or "mnist1d", seed=seed)


@app.command("train")
def train_cmd(
    graph: Path = typer.Argument(..., help="Graph JSON file."),
    task: str = typer.Option(None, "--task", help="Built-in task (default mnist1d)."),
    data: Path = typer.Option(None, "--data", help="A .npz or .csv data file instead."),
    target: str = typer.Option(None, "--target", help="Target column of a .csv file."),
    steps: int = typer.Option(None, "--steps", help="Training steps (default 3000)."),
    epochs: float = typer.Option(None, "--epochs", help="Training epochs."),
    seconds: float = typer.Option(None, "--seconds", help="Wall-clock limit of training."),
    lr: float = typer.Option(3e-3, "--lr", help="Peak learning rate."),
    seed: int = typer.Option(0, "--seed", help="Seed of weights, batches and split."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N."),
    precision: str = typer.Option("fp32", "--precision", help="fp32 or bf16 (autocast)."),
    cuda_graph: str = typer.Option("auto", "--cuda-graph", help="auto (replay steps from a "
                                   "CUDA graph on a GPU) or off."),
    save: Path = typer.Option(None, "--save", help="Folder for model.pt, graph.json, spec.json."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Train a graph on a task with the standard protocol; report validation and test scores."""
    g = load(graph)
    t = task_from_flags(task, data, target, seed)
    validate(g, t.input_spec)  # a graph that does not fit the task is the user's error: exit 2
    if steps is None and epochs is None and seconds is None:
        steps = 3000
    try:
        cfg = TrainConfig(lr=lr, seed=seed, device=device, precision=precision,
                          cuda_graph=cuda_graph)
    except ValueError as err:
        raise UsageError(str(err)) from None
    r = train(g, t, Budget(steps, epochs, seconds), cfg, evaluate_test=True,
              keep_module=save is not None)
    if not r.ok:
        typer.echo(f"graphnas: training failed: {r.error}", err=True)
        raise typer.Exit(1)
    if save is not None:
        save_model(save, r.module, g)
    summary = {"graph": str(graph), "task": t.name, "metric": r.metric,
               "valid_metric": r.valid_metric, "test_metric": r.test_metric, "valid": r.valid,
               "test": r.test, "params": r.params, "flops": r.flops, "steps": r.steps,
               "seconds": round(r.seconds, 3), "device": r.device,
               "step_mode": r.step_mode}
    if as_json:
        typer.echo(json.dumps(summary))
        return
    typer.echo(f"{t.describe()}\n{g.name or graph.name}: {r.params} parameters, {r.steps} "
               f"steps in {r.seconds:.1f} s on {r.device} ({r.step_mode})\n"
               f"validation {r.metric} "
               f"{r.valid_metric:.4f}   test {r.metric} {r.test_metric:.4f}")
