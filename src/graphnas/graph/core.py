"""The genotype: an architecture as plain, frozen, JSON-able data.

A graph has input nodes, hidden nodes (each one op of the vocabulary), forward edges that must
form a DAG, and memory links that carry a node's previous-step value back to itself or to one of
its forward ancestors. One hidden node is the output; the builder puts the task's head on it.

Example::

    g = Graph(
        inputs=("x",),
        nodes=(Node("h", "linear", {"width": 32}), Node("a", "tanh")),
        edges=(Edge("x", "h"), Edge("h", "a")),
        memory=(MemoryLink("a", "h", gate="none"),),
        output="a",
    )

Here ``h`` has two inputs (``x`` and the memory of ``a``), so it also needs a merge: an Elman RNN
is ``Node("h", "linear", {"width": 32}, merge="concat")``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Node:
    """A hidden node: one op with its parameters, and how several inputs are merged."""

    id: str
    op: str
    params: Mapping[str, Any] = field(default_factory=dict)
    merge: str | None = None

    def __post_init__(self) -> None:
        # Stored as a sorted tuple of items so that nodes are hashable and order-free.
        items = self.params.items() if isinstance(self.params, Mapping) else self.params
        object.__setattr__(self, "params", _FrozenParams(dict(items).items()))


class _FrozenParams(Mapping):
    """Immutable, hashable parameters that read like a dict."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, Any]]) -> None:
        self._items = dict(sorted(items))

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return repr(self._items)


@dataclass(frozen=True)
class Edge:
    """A forward edge. ``port`` orders inputs where order matters (concat, interp)."""

    src: str
    dst: str
    port: int = 0


@dataclass(frozen=True)
class MemoryLink:
    """``dst`` receives ``src``'s value from the previous time step (zeros at t = 0)."""

    src: str
    dst: str
    gate: str = "none"
    port: int = 0


@dataclass(frozen=True)
class Graph:
    """An architecture. Build it with tuples (or any iterables, converted to tuples).

    ``update_rule``, where given, is the rule of the optimizer that trains the network (a search
    in the ``optimizer`` space sets it); exports of the network leave it out."""

    inputs: tuple[str, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    output: str
    memory: tuple[MemoryLink, ...] = ()
    name: str = ""
    update_rule: str = ""  # its optimizer's rule (graphnas.graph.update_rules); "": the trainer's

    def __post_init__(self) -> None:
        for attr in ("inputs", "nodes", "edges", "memory"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))

    # -- lookups (indexes built once per graph, so each lookup is O(1) plus its answer) -------
    def node(self, node_id: str) -> Node:
        try:
            return self._node_by_id[node_id]
        except KeyError:
            raise KeyError(node_id) from None

    @property
    def node_ids(self) -> tuple[str, ...]:
        return self._node_ids

    def in_edges(self, node_id: str) -> list[Edge]:
        """Forward edges into a node, ordered by port then listing order."""
        return sorted(self._edges_into.get(node_id, ()), key=lambda e: e.port)

    def in_links(self, node_id: str) -> list[MemoryLink]:
        """Memory links into a node, ordered by port then listing order."""
        return sorted(self._links_into.get(node_id, ()), key=lambda m: m.port)

    def n_inputs(self, node_id: str) -> int:
        return len(self._edges_into.get(node_id, ())) + len(self._links_into.get(node_id, ()))

    # cached_property writes to the instance dict directly, which a frozen dataclass allows; the
    # caches are not fields, so equality, hashing and repr ignore them.
    @cached_property
    def _node_ids(self) -> tuple[str, ...]:
        return tuple(n.id for n in self.nodes)

    @cached_property
    def _node_by_id(self) -> dict[str, Node]:
        by_id: dict[str, Node] = {}
        for n in self.nodes:
            by_id.setdefault(n.id, n)  # the first of duplicate ids, as a scan would find
        return by_id

    @cached_property
    def _edges_into(self) -> dict[str, list[Edge]]:
        into: dict[str, list[Edge]] = {}
        for e in self.edges:
            into.setdefault(e.dst, []).append(e)
        return into

    @cached_property
    def _links_into(self) -> dict[str, list[MemoryLink]]:
        into: dict[str, list[MemoryLink]] = {}
        for m in self.memory:
            into.setdefault(m.dst, []).append(m)
        return into

    # -- editing (returns new graphs) ----------------------------------------------------------
    def replace_node(self, node: Node) -> Graph:
        return replace(self, nodes=tuple(node if n.id == node.id else n for n in self.nodes))

    def with_name(self, name: str) -> Graph:
        return replace(self, name=name)

    # -- conveniences --------------------------------------------------------------------------
    def to_json(self, indent: int | None = 2) -> str:
        from .serialize import to_json

        return to_json(self, indent=indent)

    def canonical_hash(self) -> str:
        from .canonical import canonical_hash

        return canonical_hash(self)


def make_graph(
    inputs: Iterable[str],
    nodes: Iterable[Node],
    edges: Iterable[tuple[str, str] | Edge],
    output: str,
    memory: Iterable[MemoryLink] = (),
    name: str = "",
) -> Graph:
    """Build a Graph from edges given as ``(src, dst)`` pairs or Edge objects."""
    es = tuple(e if isinstance(e, Edge) else Edge(*e) for e in edges)
    return Graph(tuple(inputs), tuple(nodes), es, output, tuple(memory), name)
