"""``graphnas draw`` and ``graphnas validate``: look at a graph file."""

from __future__ import annotations

from pathlib import Path

import typer

from graphnas.api.graphs import check_graph, draw_graph

from .app import app


@app.command()
def draw(
    graph: Path = typer.Argument(..., help="Graph JSON file."),
    out: Path = typer.Option(None, "-o", "--out",
                             help="Output file: .svg, .png, .pdf or .dot (default GRAPH.svg)."),
    input_spec: str = typer.Option(None, "--input",
                                   help="Input spec to show shapes, e.g. sequence:40x1."),
) -> None:
    """Draw a graph: forward edges solid, memory links dashed and labelled with their gate."""
    typer.echo(f"wrote {draw_graph(graph, out, input_spec)}")


@app.command("validate")
def validate_cmd(
    graph: Path = typer.Argument(..., help="Graph JSON file."),
    input_spec: str = typer.Option(None, "--input", help="Input spec, e.g. sequence:40x1."),
) -> None:
    """Check a graph file and print its summary; exit code 2 with the reason when it is invalid."""
    typer.echo(check_graph(graph, input_spec))
    typer.echo("valid")
