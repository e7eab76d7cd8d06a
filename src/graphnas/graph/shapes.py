"""Shape inference against an input spec, and the schedule of memory-link cycles.

Merge rule (the builder implements it): inputs of add, mul, mean, max and interp must share a
layout and their non-channel dims; their channel widths may differ, and every input narrower than
the widest is given a learned projection to the widest. concat joins channels, so its width is the
sum. A memory link's value has its source's shape and is merged like any other input.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from .core import Graph
from .errors import GraphError
from .ops import OPS, resolve_params
from .specs import InputSpec, Shape
from .validate import check_structure, forward_dag, full_graph


@dataclass(frozen=True)
class Component:
    """A strongly connected component of forward edges plus memory links, in run order.

    ``nodes`` are in forward topological order. A component is ``cyclic`` when memory links close
    a loop through it; it then runs step by step over time (``over_time``) or for a fixed number of
    ticks over inputs without a time axis.
    """

    nodes: tuple[str, ...]
    cyclic: bool
    over_time: bool = False


def merged_shape(node_id: str, merge: str | None, shapes: list[Shape]) -> Shape:
    """The shape a node's op sees after its merge."""
    if len(shapes) == 1:
        return shapes[0]
    layouts = {s.layout for s in shapes}
    if len(layouts) > 1 or "tokens" in layouts:
        got = ", ".join(map(str, shapes))
        raise GraphError(
            f"node {node_id!r}: merge {merge!r} cannot join {got}; bring the inputs to one layout "
            f"first (flatten or global pooling turns sequences and images into vectors)"
        )
    rest = {_non_channel(s) for s in shapes}
    if len(rest) > 1:
        got = ", ".join(map(str, shapes))
        raise GraphError(
            f"node {node_id!r}: merge {merge!r} needs inputs of equal length/size apart from "
            f"channels, got {got}; add pooling or change a stride"
        )
    if merge == "concat":
        return shapes[0].with_channels(sum(s.channels for s in shapes))
    return shapes[0].with_channels(max(s.channels for s in shapes))


def _non_channel(s: Shape) -> tuple[int, ...]:
    if s.layout == "sequence":
        return (s.dims[0],)
    if s.layout == "image":
        return s.dims[1:]
    return ()


def op_shape(graph: Graph, node_id: str, in_shape: Shape) -> Shape:
    """Apply a node's op to its merged input shape."""
    node = graph.node(node_id)
    spec = OPS[node.op]
    if in_shape.layout not in spec.layouts:
        takes = " or ".join(spec.layouts)
        raise GraphError(
            f"node {node_id!r}: op {node.op!r} takes {takes} input but gets {in_shape}; "
            f"{_hint(node.op, in_shape)}"
        )
    try:
        return spec.shape(in_shape, resolve_params(node.op, node.params))
    except ValueError as err:
        raise GraphError(f"node {node_id!r}: op {node.op!r} on {in_shape}: {err}") from None


def _hint(op: str, s: Shape) -> str:
    if s.layout == "tokens":
        return "start with an embedding node"
    if s.layout == "image" and op == "linear":
        return "add flatten or global_avg_pool before it"
    if s.layout == "vector":
        return "vectors have no time or space axis; use linear instead"
    return "choose an op for this layout"


def infer_shapes(graph: Graph, spec: InputSpec | list[InputSpec]) -> dict[str, Shape]:
    """Output shape of every node (and input) for the given input spec(s).

    Also checks that the graph is structurally valid and that every memory cycle can run.
    """
    check_structure(graph)
    specs = spec if isinstance(spec, list) else [spec] * len(graph.inputs)
    if len(specs) != len(graph.inputs):
        raise GraphError(f"graph has {len(graph.inputs)} inputs but {len(specs)} specs were given")
    order = [n for n in nx.topological_sort(forward_dag(graph)) if n not in graph.inputs]
    shapes: dict[str, Shape] = {i: s.shape for i, s in zip(graph.inputs, specs, strict=True)}
    for _ in range(len(order) + 2):  # memory links need a fixed point: widths settle in a pass
        previous = dict(shapes)
        for nid in order:
            node = graph.node(nid)
            # In early passes some inputs wait for a memory link's shape: use those known.
            ins = [shapes[e.src] for e in graph.in_edges(nid) if e.src in shapes]
            ins += [previous[m.src] for m in graph.in_links(nid) if m.src in previous]
            if not ins:
                continue
            shapes[nid] = op_shape(graph, nid, merged_shape(nid, node.merge, ins))
        if shapes == previous:
            break
    else:
        raise GraphError("shapes carried by memory links do not settle; check widths in the cycle")
    missing = [n for n in order if n not in shapes]
    if missing:
        raise GraphError(f"node {missing[0]!r}: cannot infer its shape from its inputs")
    schedule(graph, shapes)  # checks cycles against layouts
    return shapes


def schedule(graph: Graph, shapes: dict[str, Shape] | None = None) -> list[Component]:
    """Components in run order; with shapes, also decides and checks how cycles run."""
    full = full_graph(graph)
    fwd = forward_dag(graph)
    topo = {n: i for i, n in enumerate(nx.topological_sort(fwd))}
    cond = nx.condensation(full)
    comps = []
    for c in nx.topological_sort(cond):
        members = sorted(cond.nodes[c]["members"], key=topo.__getitem__)
        if members[0] in graph.inputs:
            continue
        cyclic = len(members) > 1 or full.has_edge(members[0], members[0])
        over_time = False
        if cyclic and shapes is not None:
            over_time = _check_cycle(graph, members, shapes)
        comps.append(Component(tuple(members), cyclic, over_time))
    return comps


def _check_cycle(graph: Graph, members: list[str], shapes: dict[str, Shape]) -> bool:
    layouts = {shapes[n].layout for n in members}
    if "sequence" not in layouts:
        return False
    for n in members:
        node = graph.node(n)
        if shapes[n].layout != "sequence" or OPS[node.op].mixes_time:
            raise GraphError(
                f"node {n!r} ({node.op}) is inside a memory cycle over time steps, so it runs one "
                f"step at a time and cannot use the time axis; move it out of the cycle"
            )
    return True


def validate(graph: Graph, spec: InputSpec | None = None) -> dict[str, Shape] | None:
    """Check a graph, and its shapes when an input spec is given. Raises GraphError."""
    if spec is None:
        check_structure(graph)
        return None
    return infer_shapes(graph, spec)
