"""Graphs as JSON with a schema version. Loading never pickles or evaluates anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .core import Edge, Graph, MemoryLink, Node
from .errors import GraphError

SCHEMA = "graphnas.graph"
VERSION = 1


def to_dict(g: Graph) -> dict[str, Any]:
    """A plain dict with the schema tag and version."""
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "name": g.name,
        "inputs": list(g.inputs),
        "output": g.output,
        "nodes": [
            {"id": n.id, "op": n.op, "params": dict(n.params), **({"merge": n.merge} if n.merge
                                                                  else {})}
            for n in g.nodes
        ],
        "edges": [
            {"src": e.src, "dst": e.dst, **({"port": e.port} if e.port else {})} for e in g.edges
        ],
        "memory": [
            {"src": m.src, "dst": m.dst, "gate": m.gate, **({"port": m.port} if m.port else {})}
            for m in g.memory
        ],
        **({"update_rule": g.update_rule} if g.update_rule else {}),
    }


def to_json(g: Graph, indent: int | None = 2) -> str:
    return json.dumps(to_dict(g), indent=indent)


def from_dict(d: Any, source: str = "graph") -> Graph:
    """Read a dict written by :func:`to_dict`; raises GraphError naming ``source`` on problems."""
    if not isinstance(d, dict):
        raise GraphError(f"{source}: expected a JSON object, got {type(d).__name__}")
    if d.get("schema") != SCHEMA:
        raise GraphError(f"{source}: not a graphnas graph (schema {d.get('schema')!r})")
    if d.get("version") != VERSION:
        raise GraphError(
            f"{source}: unsupported graph version {d.get('version')!r}; this graphnas reads "
            f"version {VERSION}"
        )
    try:
        nodes = tuple(
            Node(_str(n["id"]), _str(n["op"]), _params(n.get("params", {})), n.get("merge"))
            for n in _list(d, "nodes")
        )
        edges = tuple(Edge(_str(e["src"]), _str(e["dst"]), _int(e.get("port", 0)))
                      for e in _list(d, "edges"))
        memory = tuple(
            MemoryLink(_str(m["src"]), _str(m["dst"]), _str(m.get("gate", "none")),
                       _int(m.get("port", 0)))
            for m in _list(d, "memory", required=False)
        )
        inputs = tuple(_str(i) for i in _list(d, "inputs"))
        output = _str(d["output"])
        update_rule = _str(d.get("update_rule", ""))
    except KeyError as err:
        raise GraphError(f"{source}: missing field {err.args[0]!r}") from None
    except (TypeError, ValueError) as err:
        raise GraphError(f"{source}: malformed graph: {err}") from None
    return Graph(inputs, nodes, edges, output, memory, str(d.get("name", "")), update_rule)


def from_json(text: str, source: str = "graph") -> Graph:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise GraphError(f"{source}: not valid JSON ({err.msg} at line {err.lineno})") from None
    except RecursionError:  # the parser recurses once per level of [ or {
        raise GraphError(f"{source}: nested too deeply to be a graph") from None
    return from_dict(data, source)


def load(path: str | Path) -> Graph:
    """Load a graph file. Raises GraphError (with the path) if it is missing or malformed."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GraphError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise GraphError(f"{p}: cannot read: {err}") from None
    return from_json(text, str(p))


def save(g: Graph, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(to_json(g) + "\n", encoding="utf-8")
    return p


def _list(d: dict, key: str, required: bool = True) -> list:
    if key not in d:
        if required:
            raise KeyError(key)
        return []
    v = d[key]
    if not isinstance(v, list):
        raise TypeError(f"{key!r} must be a list")
    return v


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise TypeError(f"expected a string, got {v!r}")
    return v


def _int(v: Any) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(f"expected an integer port, got {v!r}")
    return v


def _params(v: Any) -> dict:
    if not isinstance(v, dict):
        raise TypeError(f"params must be an object, got {v!r}")
    for value in v.values():
        if not isinstance(value, (bool, int, float, str)):
            raise TypeError(f"parameter values must be numbers, booleans or strings, got {value!r}")
    return v
