"""Validation that explains itself: every error names the node or edge and what to change."""

from __future__ import annotations

import networkx as nx

from .core import Graph
from .errors import GraphError
from .ops import GATES, MERGES, OPS
from .update_rules import parse as parse_rule


def forward_dag(g: Graph) -> nx.DiGraph:
    """Inputs and hidden nodes with the forward edges."""
    d = nx.DiGraph()
    d.add_nodes_from(g.inputs)
    d.add_nodes_from(g.node_ids)
    d.add_edges_from((e.src, e.dst) for e in g.edges)
    return d


def full_graph(g: Graph) -> nx.DiGraph:
    """Forward edges plus memory links (which may close cycles)."""
    d = forward_dag(g)
    d.add_edges_from((m.src, m.dst) for m in g.memory)
    return d


def check_structure(g: Graph) -> None:
    """Check everything that needs no input spec. Raises GraphError with the first problem."""
    _check_ids(g)
    for node in g.nodes:
        _check_node(node)
    _check_references(g)
    _check_forward_acyclic(g)
    _check_memory_links(g)
    _check_reachability(g)
    _check_merges(g)
    _check_update_rule(g)


def _check_ids(g: Graph) -> None:
    if not g.inputs:
        raise GraphError("graph has no input node; list at least one id under 'inputs'")
    if not g.nodes:
        raise GraphError("graph has no hidden nodes; add at least one node")
    seen: set[str] = set()
    for nid in (*g.inputs, *g.node_ids):
        if not isinstance(nid, str) or not nid:
            raise GraphError(f"node id {nid!r} must be a non-empty string")
        if nid in seen:
            raise GraphError(f"duplicate node id {nid!r}; give every node a unique id")
        seen.add(nid)
    if g.output not in g.node_ids:
        where = "an input" if g.output in g.inputs else "not a node"
        raise GraphError(f"output {g.output!r} is {where}; name one of the hidden nodes")


def _check_node(node) -> None:
    spec = OPS.get(node.op)
    if spec is None:
        known = ", ".join(sorted(OPS))
        raise GraphError(f"node {node.id!r}: unknown op {node.op!r}; known ops: {known}")
    for name, value in node.params.items():
        p = spec.params.get(name)
        if p is None:
            allowed = ", ".join(spec.params) or "none"
            raise GraphError(
                f"node {node.id!r}: op {node.op!r} has no parameter {name!r} (it takes: {allowed})"
            )
        problem = p.check(value)
        if problem:
            raise GraphError(f"node {node.id!r}: parameter {name!r} of {node.op!r} {problem}")
    if node.merge is not None and node.merge not in MERGES:
        raise GraphError(
            f"node {node.id!r}: unknown merge {node.merge!r}; use one of {', '.join(MERGES)}"
        )


def _check_update_rule(g: Graph) -> None:
    if g.update_rule:
        try:
            parse_rule(g.update_rule)
        except ValueError as err:
            raise GraphError(str(err)) from None


def _check_references(g: Graph) -> None:
    ids = set(g.inputs) | set(g.node_ids)
    inputs, hidden = set(g.inputs), set(g.node_ids)
    for e in g.edges:
        for end in (e.src, e.dst):
            if end not in ids:
                raise GraphError(f"edge {e.src} -> {e.dst}: {end!r} is not a node of the graph")
        if e.dst in inputs:
            raise GraphError(f"edge {e.src} -> {e.dst}: input nodes take no edges")
    for m in g.memory:
        for end in (m.src, m.dst):
            if end not in hidden:
                raise GraphError(
                    f"memory link {m.src} -> {m.dst}: {end!r} is not a hidden node"
                )
        if m.gate not in GATES:
            raise GraphError(
                f"memory link {m.src} -> {m.dst}: unknown gate {m.gate!r}; "
                f"use one of {', '.join(GATES)}"
            )
    seen: set[tuple[str, str]] = set()
    for e in g.edges:
        if (e.src, e.dst) in seen:
            raise GraphError(f"edge {e.src} -> {e.dst} is listed twice; keep one")
        seen.add((e.src, e.dst))


def _check_forward_acyclic(g: Graph) -> None:
    d = forward_dag(g)
    try:
        cycle = nx.find_cycle(d)
    except nx.NetworkXNoCycle:
        return
    path = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
    raise GraphError(
        f"forward edges form a cycle {path}; recurrence must be a memory link "
        f"(replace edge {cycle[-1][0]} -> {cycle[-1][1]} by a memory link)"
    )


def _check_memory_links(g: Graph) -> None:
    d = forward_dag(g)
    rank = {n: i for i, n in enumerate(nx.topological_sort(d))} if g.memory else {}
    for m in g.memory:
        if m.src == m.dst or _is_ancestor(d, rank, m.dst, m.src):
            continue
        if m.src in nx.ancestors(d, m.dst):
            why = f"{m.dst!r} comes after {m.src!r}"
        else:
            why = f"{m.dst!r} is not a forward ancestor of {m.src!r}"
        raise GraphError(
            f"memory link {m.src} -> {m.dst} points forward ({why}); a memory link must go back "
            f"to {m.src!r} itself or to a node before it; use a forward edge instead"
        )


def _is_ancestor(d: nx.DiGraph, rank: dict[str, int], a: str, b: str) -> bool:
    """Whether a forward path leads from ``a`` to ``b``: a search back from ``b`` that skips
    nodes ranked before ``a`` in topological order, so it stays local to the link."""
    if rank[a] >= rank[b]:
        return False
    seen, todo = {b}, [b]
    while todo:
        for p in d.predecessors(todo.pop()):
            if p == a:
                return True
            if p not in seen and rank[p] > rank[a]:
                seen.add(p)
                todo.append(p)
    return False


def _check_reachability(g: Graph) -> None:
    d = full_graph(g)
    reached = _reachable(d, g.inputs)
    for nid in g.node_ids:
        if nid not in reached:
            raise GraphError(
                f"node {nid!r} is unreachable from the input; connect it by an edge from an "
                f"earlier node or remove it"
            )
    feeding = nx.ancestors(d, g.output) | {g.output}
    inputs = set(g.inputs)
    for nid in (*g.inputs, *g.node_ids):
        if nid not in feeding:
            kind = "input" if nid in inputs else "node"
            raise GraphError(
                f"{kind} {nid!r} does not reach the output {g.output!r}; connect it onward or "
                f"remove it"
            )


def _reachable(d: nx.DiGraph, sources) -> set[str]:
    """Nodes reachable from any of ``sources`` (the sources included): one search for all."""
    reached, todo = set(sources), list(sources)
    while todo:
        for nxt in d.successors(todo.pop()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    return reached


def _check_merges(g: Graph) -> None:
    for node in g.nodes:
        n = g.n_inputs(node.id)
        if n == 0:
            raise GraphError(f"node {node.id!r} has no inputs; add an edge or a memory link to it")
        if n > 1 and node.merge is None:
            raise GraphError(
                f"node {node.id!r} has {n} inputs but no merge; set merge to one of "
                f"{', '.join(MERGES)}"
            )
        if node.merge == "interp":
            ports = sorted([e.port for e in g.in_edges(node.id)]
                           + [m.port for m in g.in_links(node.id)])
            if ports != [0, 1, 2]:
                raise GraphError(
                    f"node {node.id!r}: merge 'interp' needs exactly three inputs on ports 0 "
                    f"(gate), 1 and 2; got ports {ports}"
                )
