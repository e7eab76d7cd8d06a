"""``graphnas demo``: what ``make demo`` runs."""

from __future__ import annotations

from pathlib import Path

import typer

from graphnas.graph import InputSpec, load_example, render, save, summary, validate

from .app import app


@app.command()
def demo(
    out: Path = typer.Option(Path("runs/demo"), "--out", help="Folder for the demo's files."),
) -> None:
    """Build, validate and draw the shipped GRU-from-primitives graph (memory links included)."""
    g = load_example("gru")
    spec = InputSpec("sequence", (40, 1))
    validate(g, spec)
    typer.echo(summary(g, spec))
    save(g, out / "gru.json")
    typer.echo(f"wrote {render(g, out / 'gru.svg', spec)}")
    typer.echo(f"hash {g.canonical_hash()[:16]}")
