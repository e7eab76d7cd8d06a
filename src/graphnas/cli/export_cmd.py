"""``graphnas export RUN|MODEL|GRAPH --format ...``."""

from __future__ import annotations

from pathlib import Path

import typer

from graphnas.api.models import EXPORT_FORMATS, export_model

from .app import UsageError, app


@app.command()
def export(
    source: Path = typer.Argument(..., help="A run directory (its best model), a folder saved "
                                  "by 'graphnas train --save', or a graph JSON."),
    fmt: str = typer.Option(..., "--format", help=", ".join(EXPORT_FORMATS)),
    out: Path = typer.Option(None, "-o", "--out", help="Output file."),
    task: str = typer.Option(None, "--task", help="For a graph file exported as py, "
                             "torchscript or onnx: the built-in task whose input and output "
                             "it is built for (fresh, untrained weights)."),
    data: Path = typer.Option(None, "--data", help="The same from a .npz or .csv file."),
    target: str = typer.Option(None, "--target", help="Target column of a .csv file."),
) -> None:
    """Export a run's best model (weights included), a saved model or a graph file."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--format: unknown value {fmt!r}; use one of "
                         f"{', '.join(EXPORT_FORMATS)}")
    written = export_model(source, fmt, out, task, data, target,
                           say=lambda text: typer.echo(text, err=True))
    typer.echo(f"wrote {written}")
