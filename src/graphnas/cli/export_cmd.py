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
) -> None:
    """Export a run's best model (weights included), a saved model or a graph file."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--format: unknown value {fmt!r}; use one of "
                         f"{', '.join(EXPORT_FORMATS)}")
    typer.echo(f"wrote {export_model(source, fmt, out)}")
