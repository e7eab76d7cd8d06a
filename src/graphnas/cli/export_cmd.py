"""``graphnas export RUN|GRAPH --format ...``."""

from __future__ import annotations

from pathlib import Path

import typer

from graphnas.graph import load, render, save
from graphnas.nn.export import export_onnx, export_python, export_torchscript
from graphnas.training import load_model

from .app import UsageError, app

FORMATS = ("json", "py", "torchscript", "onnx", "svg", "png")


@app.command()
def export(
    source: Path = typer.Argument(..., help="A run directory (its best model) or a graph JSON."),
    fmt: str = typer.Option(..., "--format", help=", ".join(FORMATS)),
    out: Path = typer.Option(None, "-o", "--out", help="Output file."),
) -> None:
    """Export a run's best model (weights included) or a graph file."""
    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown value {fmt!r}; use one of {', '.join(FORMATS)}")
    folder = source / "best" if (source / "best").is_dir() else None
    graph_file = folder / "graph.json" if folder else source
    if folder is None and source.is_dir():
        raise UsageError(f"{source}: no best/ folder; has the search finished?")
    graph = load(graph_file)
    suffix = {"json": ".json", "py": ".py", "torchscript": ".ts", "onnx": ".onnx",
              "svg": ".svg", "png": ".png"}[fmt]
    target = out or Path(f"{graph_file.stem if folder is None else 'model'}{suffix}")
    if fmt == "json":
        save(graph, target)
    elif fmt in ("svg", "png"):
        render(graph, target)
    else:
        if folder is None:
            raise UsageError(f"--format {fmt} needs trained weights: give a run directory")
        module = load_model(folder)
        {"py": export_python, "torchscript": export_torchscript, "onnx": export_onnx}[fmt](
            module, target)
    typer.echo(f"wrote {target}")
