"""Looking at a graph file: what ``graphnas validate``, ``graphnas draw`` and ``graphnas demo``
do. Every problem with a graph is a :class:`graphnas.graph.GraphError` (a ValueError) whose
message says where and what to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graphnas.graph import InputSpec, load, load_example, parse_input_spec, render, save, summary
from graphnas.graph import validate as validate_graph

DEMO_EXAMPLE = "gru"  # the shipped graph the demo draws: a GRU from primitives, memory links
DEMO_INPUT = "sequence:40x1"


def _spec(input_spec: str | None) -> InputSpec | None:
    return parse_input_spec(input_spec) if input_spec else None


def check_graph(graph: str | Path, input_spec: str | None = None) -> str:
    """Load and validate a graph file (against an input spec such as ``sequence:40x1``, when
    given) and return its text summary.

    Raises:
        GraphError: the file is missing or malformed, or the graph does not fit the input.
    """
    g = load(graph)
    spec = _spec(input_spec)
    validate_graph(g, spec)
    return summary(g, spec)


def draw_graph(graph: str | Path, out: str | Path | None = None,
               input_spec: str | None = None) -> Path:
    """Validate a graph file and draw it (.svg, .png, .pdf or .dot, by ``out``'s suffix;
    default: the graph file's name with .svg); shapes are shown when ``input_spec`` is given.

    Returns:
        The file written.
    """
    path = Path(graph)
    g = load(path)
    spec = _spec(input_spec)
    validate_graph(g, spec)
    return render(g, out or path.with_suffix(".svg"), spec)


@dataclass(frozen=True)
class Demo:
    """What :func:`write_demo` wrote."""

    summary: str  # the graph's text summary with shapes
    graph_file: Path
    drawing: Path
    hash: str  # the graph's canonical hash


def write_demo(out: str | Path) -> Demo:
    """Validate the shipped GRU-from-primitives graph and write its JSON and SVG into ``out``."""
    folder = Path(out)
    g = load_example(DEMO_EXAMPLE)
    spec = parse_input_spec(DEMO_INPUT)
    validate_graph(g, spec)
    text = summary(g, spec)
    graph_file = folder / f"{DEMO_EXAMPLE}.json"
    save(g, graph_file)
    drawing = render(g, folder / f"{DEMO_EXAMPLE}.svg", spec)
    return Demo(text, graph_file, drawing, g.canonical_hash())
