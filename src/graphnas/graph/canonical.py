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
from .update_rules import canonical as canonical_rule

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


class _Cell:
    """A colour class. Its colour is ``lo``: cells own disjoint, ordered ranges [lo, hi) of ints."""

    __slots__ = ("hi", "lo", "members")

    def __init__(self, lo: int, hi: int, members: set[str]) -> None:
        self.lo, self.hi, self.members = lo, hi, members


_SPAN = 1 << 62  # range per vertex; a split loses under 1 per vertex, so ranges never run out


def _refine(colour: dict[str, int], adj: dict[str, list[tuple[str, str, str]]]) -> dict[str, int]:
    """Colour refinement (1-WL) to a stable colouring, in O((n + m) log n) for bounded degree.

    Round by round, every vertex's new colour ranks (old colour, sorted (label, direction,
    neighbour colour) of its edges), so a cell splits into pieces kept in the order of those
    signatures, in place of the cell. Only the order of colours matters, never their values (the
    certificate sorts by them), so colours here are the ``lo`` of cells that own ranges of ints:
    pieces of a cell divide its range and no other cell is renumbered. A round only looks at
    vertices next to a piece that moved out of its cell in the previous round; the rest of a cell
    share one signature, as they did before. It stops after a round that splits nothing.
    """
    cell_of: dict[str, _Cell] = {}
    cells: list[_Cell] = []
    n_vertices = 0
    for _, members in sorted(_classes(colour).items()):
        cell = _Cell(n_vertices * _SPAN, (n_vertices + len(members)) * _SPAN, members)
        n_vertices += len(members)
        cells.append(cell)
        cell_of.update(dict.fromkeys(members, cell))

    def signature(v: str) -> tuple:
        return tuple(sorted((lab, d, cell_of[u].lo) for u, lab, d in adj[v]))

    touched: dict[_Cell, set[str]] = {cell: set(cell.members) for cell in cells}
    while True:
        # Signatures of the whole round first, on the colours the round starts from.
        splits = []
        for cell, near in touched.items():
            if len(cell.members) < 2:
                continue
            groups: dict[tuple, list[str]] = {}
            for v in near:
                groups.setdefault(signature(v), []).append(v)
            rest_sig = None
            if len(near) < len(cell.members):
                rest_sig = signature(next(v for v in cell.members if v not in near))
                groups.setdefault(rest_sig, [])
            if len(groups) > 1:
                splits.append((cell, groups, rest_sig))
        if not splits:
            return {v: cell.lo for v, cell in cell_of.items()}
        moved: list[str] = []
        for cell, groups, rest_sig in splits:
            keys = sorted(groups)
            if rest_sig is None:  # every member was looked at: the (first) largest piece stays
                rest_sig = max(keys, key=lambda k: len(groups[k]))
            leaving = [v for k in keys if k != rest_sig for v in groups[k]]
            total, lo, width = len(cell.members), cell.lo, cell.hi - cell.lo
            done = 0  # members placed so far; pieces take ranges in proportion to their size
            for k in keys:
                done += total - len(leaving) if k == rest_sig else len(groups[k])
                hi = cell.lo + width * done // total
                if k == rest_sig:
                    stay_lo, stay_hi = lo, hi
                else:
                    piece = _Cell(lo, hi, set(groups[k]))
                    cell_of.update(dict.fromkeys(groups[k], piece))
                lo = hi
            cell.members.difference_update(leaving)
            cell.lo, cell.hi = stay_lo, stay_hi
            moved += leaving
        touched = {}
        for v in moved:
            for u, _, _ in adj[v]:
                touched.setdefault(cell_of[u], set()).add(u)


def _classes(colour: dict[str, int]) -> dict[int, set[str]]:
    classes: dict[int, set[str]] = {}
    for v, c in colour.items():
        classes.setdefault(c, set()).add(v)
    return classes


def _certificate(colour, vertex, edges) -> tuple:
    order = sorted(colour, key=colour.__getitem__)
    pos = {v: i for i, v in enumerate(order)}
    return (tuple(vertex[v] for v in order),
            tuple(sorted((pos[a], pos[b], lab) for a, b, lab in edges)))


def _search(colour, vertex, edges, adj) -> tuple[tuple, list[str]]:
    """The smallest certificate over every way of breaking ties, one tied vertex at a time,
    and the vertex order that gives it.

    A depth-first search with its own stack (no recursion, so no depth limit).
    """
    best, best_order = None, []
    stack = [colour]
    while stack:
        colour = _refine(stack.pop(), adj)
        cells: dict[int, list[str]] = {}
        for v, c in colour.items():
            cells.setdefault(c, []).append(v)
        ties = [c for c, vs in cells.items() if len(vs) > 1]
        if not ties:
            cert = _certificate(colour, vertex, edges)
            if best is None or cert < best:
                best, best_order = cert, sorted(colour, key=colour.__getitem__)
            continue
        cell = cells[min(ties)]
        in_cell = set(cell)
        for v in reversed(cell):
            stack.append(
                {u: 2 * c + (1 if (u in in_cell and u != v) else 0) for u, c in colour.items()}
            )
    return best, best_order


def _canonical_order(g: Graph) -> tuple[tuple, list[str]]:
    """The certificate of ``g`` (without its update rule) and the vertex order that gives it."""
    vertex, edges = _labels(g)
    adj: dict[str, list[tuple[str, str, str]]] = {v: [] for v in vertex}
    for a, b, lab in edges:
        adj[a].append((b, lab, "out"))
        adj[b].append((a, lab, "in"))
    ranks = {s: i for i, s in enumerate(sorted(set(vertex.values())))}
    return _search({v: ranks[vertex[v]] for v in vertex}, vertex, edges, adj)


def isomorphism(a: Graph, b: Graph) -> dict[str, str] | None:
    """A map of ``a``'s node and input ids onto ``b``'s that preserves ops, resolved
    parameters, merges, gates and ordered ports (update rules aside), or None where there is
    none. Both graphs in canonical order: equal certificates pair vertices position by
    position."""
    (cert_a, order_a), (cert_b, order_b) = _canonical_order(a), _canonical_order(b)
    return dict(zip(order_a, order_b)) if cert_a == cert_b else None


def canonical_form(g: Graph) -> tuple:
    """A hashable form that is equal for exactly the isomorphic graphs (with the same update
    rule, where one is given)."""
    form, _ = _canonical_order(g)
    if not g.update_rule:  # so graphs without one hash as they always have
        return form
    return (*form, ("update_rule", _rule_text(g.update_rule)))


def _rule_text(rule: str) -> str:
    try:
        return canonical_rule(rule)
    except ValueError:  # a malformed rule hashes as written (validation refuses it)
        return rule


def canonical_hash(g: Graph) -> str:
    """Hex SHA-256 of the canonical form (16 hex digits are plenty to show)."""
    return hashlib.sha256(json.dumps(canonical_form(g)).encode()).hexdigest()
