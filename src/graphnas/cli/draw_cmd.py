"""``graphnas draw`` and ``graphnas validate``: look at a graph file."""

from __future__ import annotations

from pathlib import Path

import typer

from graphnas.graph import load, parse_input_spec, render, summary, validate

from .app import app


def _spec(text: str | None):
    return parse_input_spec(text) if text else None


@app.command()
def draw(
    graph: Path = typer.Argument(..., help="Graph JSON file."),
    out: Path = typer.Option(None, "-o", "--out",
                             help="Output file: .svg, .png, .pdf or .dot (default GRAPH.svg)."),
    input_spec: str = typer.Option(None, "--input",
                                   help="Input spec to show shapes, e.g. sequence:40x1."),
) -> None:
    """Draw a graph: forward edges solid, memory links dashed and labelled with their gate."""
    g = load(graph)
    spec = _spec(input_spec)
    validate(g, spec)
    target = render(g, out or graph.with_suffix(".svg"), spec)
    typer.echo(f"wrote {target}")


@app.command("validate")
def validate_cmd(
    graph: Path = typer.Argument(..., help="Graph JSON file."),
    input_spec: str = typer.Option(None, "--input", help="Input spec, e.g. sequence:40x1."),
) -> None:
    """Check a graph file and print its summary; exit code 2 with the reason when it is invalid."""
    g = load(graph)
    spec = _spec(input_spec)
    validate(g, spec)
    typer.echo(summary(g, spec))
    typer.echo("valid")
