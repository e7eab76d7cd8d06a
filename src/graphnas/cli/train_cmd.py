"""``graphnas train``: train one graph with the standard protocol and print its scores."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from graphnas.api.models import TrainingFailed, train_graph

from .app import UsageError, app


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
    optimizer: str = typer.Option(None, "--optimizer", help="adam, adamw, rmsprop, sgd, or a .py "
                                  "file defining a torch.optim.Optimizer (e.g. a search's "
                                  "best/optimizer.py); default: the graph's update rule, or "
                                  "adamw."),
    save: Path = typer.Option(None, "--save", help="Folder for model.pt, graph.json, spec.json."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Train a graph on a task with the standard protocol; report validation and test scores."""
    if task and data:
        raise UsageError("give either --task or --data, not both")
    try:
        r = train_graph(graph, task=task, data=data, target=target, steps=steps, epochs=epochs,
                        seconds=seconds, lr=lr, seed=seed, device=device, precision=precision,
                        cuda_graph=cuda_graph, save=save, optimizer=optimizer)
    except TrainingFailed as err:
        typer.echo(f"graphnas: training failed: {err}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(r.summary()))
        return
    typer.echo(f"{r.task_description}\n{r.name}: {r.params} parameters, {r.steps} "
               f"steps in {r.seconds:.1f} s on {r.device} ({r.step_mode})\n"
               f"validation {r.metric} "
               f"{r.valid_metric:.4f}   test {r.metric} {r.test_metric:.4f}")
