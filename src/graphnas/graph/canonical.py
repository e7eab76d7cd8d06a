"""Canonical hash: equal for graphs that differ only in node ids or listing order.

The hash is taken over a canonical form, found by colour refinement (1-WL) with individualisation
of tied nodes, keeping the smallest certificate over all tie breaks, as graph-isomorphism tools
do. So two graphs hash the same exactly when they are isomorphic with ops, resolved parameters,
merges, gates and (where order matters) ports preserved.
"""

from __future__ import annotations

import hashlib
import json

from .core import Graph
from .ops import OPS, resolve_params

_ORDERED_MERGES = ("concat", "interp")


def _labels(g: Graph) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    vertex: dict[str, str] = {}
    for i, nid in enumerate(g.inputs):
        vertex[nid] = json.dumps(["input", i])
    for n in g.nodes:
        params = resolve_params(n.op, n.params) if n.op in OPS else dict(n.params)
        merge = n.merge if g.n_inputs(n.id) > 1 else None
        vertex[n.id] = json.dumps(["node", n.op, sorted(params.items()), merge, n.id == g.output])
    merges = {n.id: n.merge for n in g.nodes}
    edges = []
    for e in g.edges:
        port = e.port if merges.get(e.dst) in _ORDERED_MERGES else 0
        edges.append((e.src, e.dst, json.dumps(["edge", port])))
    for m in g.memory:
        port = m.port if merges.get(m.dst) in _ORDERED_MERGES else 0
        edges.append((m.src, m.dst, json.dumps(["memory", m.gate, port])))
    return vertex, edges


def _refine(colour: dict[str, int], adj: dict[str, list[tuple[str, str, str]]]) -> dict[str, int]:
    while True:
        sig = {
            v: (colour[v], tuple(sorted((lab, d, colour[u]) for u, lab, d in adj[v])))
            for v in colour
        }
        ranks = {s: i for i, s in enumerate(sorted(set(sig.values())))}
        new = {v: ranks[sig[v]] for v in colour}
        if len(set(new.values())) == len(set(colour.values())):
            return new
        colour = new


def _certificate(colour, vertex, edges) -> tuple:
    order = sorted(colour, key=colour.__getitem__)
    pos = {v: i for i, v in enumerate(order)}
    return (tuple(vertex[v] for v in order),
            tuple(sorted((pos[a], pos[b], lab) for a, b, lab in edges)))


def _search(colour, vertex, edges, adj) -> tuple:
    colour = _refine(colour, adj)
    cells: dict[int, list[str]] = {}
    for v, c in colour.items():
        cells.setdefault(c, []).append(v)
    ties = [c for c, vs in cells.items() if len(vs) > 1]
    if not ties:
        return _certificate(colour, vertex, edges)
    cell = cells[min(ties)]
    best = None
    for v in cell:
        split = {u: 2 * c + (1 if (u in cell and u != v) else 0) for u, c in colour.items()}
        cert = _search(split, vertex, edges, adj)
        if best is None or cert < best:
            best = cert
    return best


def canonical_form(g: Graph) -> tuple:
    """A hashable form that is equal for exactly the isomorphic graphs."""
    vertex, edges = _labels(g)
    adj: dict[str, list[tuple[str, str, str]]] = {v: [] for v in vertex}
    for a, b, lab in edges:
        adj[a].append((b, lab, "out"))
        adj[b].append((a, lab, "in"))
    ranks = {s: i for i, s in enumerate(sorted(set(vertex.values())))}
    return _search({v: ranks[vertex[v]] for v in vertex}, vertex, edges, adj)


def canonical_hash(g: Graph) -> str:
    """Hex SHA-256 of the canonical form (16 hex digits are plenty to show)."""
    return hashlib.sha256(json.dumps(canonical_form(g)).encode()).hexdigest()
