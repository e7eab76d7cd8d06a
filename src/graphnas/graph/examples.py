"""Example graphs shipped as JSON in ``graphnas/examples/`` (MLP, CNN, GRU, LSTM, ...)."""

from __future__ import annotations

from importlib import resources

from .core import Graph
from .errors import GraphError
from .serialize import from_json


def example_names() -> list[str]:
    """Names of the shipped examples (file names without .json)."""
    folder = resources.files("graphnas") / "examples"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_example(name: str) -> Graph:
    """Load a shipped example by name, e.g. ``load_example("gru")``."""
    path = resources.files("graphnas") / "examples" / f"{name}.json"
    if not path.is_file():
        raise GraphError(f"no example graph {name!r}; examples: {', '.join(example_names())}")
    return from_json(path.read_text(encoding="utf-8"), f"example {name}")
