"""``graphnas demo``: what ``make demo`` runs."""

from __future__ import annotations

from pathlib import Path

import typer

from graphnas.api.graphs import write_demo

from .app import app


@app.command()
def demo(
    out: Path = typer.Option(Path("runs/demo"), "--out", help="Folder for the demo's files."),
) -> None:
    """Build, validate and draw the shipped GRU-from-primitives graph (memory links included)."""
    d = write_demo(out)
    typer.echo(d.summary)
    typer.echo(f"wrote {d.drawing}")
    typer.echo(f"hash {d.hash[:16]}")
