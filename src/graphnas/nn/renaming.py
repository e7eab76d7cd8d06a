"""Trained weights moved onto an isomorphic graph: other node ids, other input order.

A search caches a repeat of an architecture it has trained, so the weights kept for a parent
may belong to an earlier trial whose graph is the same network written differently: node ``n83``
where the parent says ``n94``, or an add's inputs listed in another order. The state dict is
keyed by node id (``nodes.<id>.…``) and a merge's projections and a node's gates by input
position (``nodes.<id>.merge.proj.<i>.…``, ``nodes.<id>.gates.<i>.…``, positions as
:func:`~graphnas.nn.plan.ordered_inputs` gives them), so both are renamed through a graph
isomorphism (:func:`graphnas.graph.isomorphism`).

Example::

    state = renamed_state(trained, trained_graph, parent_graph)
    build(parent_graph, spec, out).load_state_dict(state)
"""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor

from graphnas.graph import Graph, isomorphism

from .plan import ordered_inputs


def renamed_state(state: Mapping[str, Tensor], source: Graph, target: Graph
                  ) -> dict[str, Tensor]:
    """``state``, trained on ``source``, keyed for the isomorphic ``target``: the same
    function.

    Raises:
        ValueError: the graphs are not isomorphic, or a gated node reads its forward inputs in
            another order (its gates' weights would need their columns permuted).
    """
    mapping = isomorphism(source, target)
    if mapping is None:
        raise ValueError("the kept weights' graph is not isomorphic to the parent graph")
    positions = {n.id: _positions(source, target, n.id, mapping) for n in source.nodes}
    renamed = {}
    for name, tensor in state.items():
        parts = name.split(".")
        if parts[0] == "nodes":
            nid, kind = parts[1], parts[2]
            parts[1] = mapping[nid]
            if kind in ("merge", "gates"):
                at = 4 if kind == "merge" else 3  # merge.proj.<i>… or gates.<i>…
                parts[at] = str(positions[nid][int(parts[at])])
        renamed[".".join(parts)] = tensor
    return renamed


def _positions(source: Graph, target: Graph, nid: str, mapping: dict[str, str]) -> list[int]:
    """Where each of ``nid``'s inputs in ``source`` sits among its image's inputs in
    ``target``."""
    wanted = [(kind, mapping[src], gate) for kind, src, gate in ordered_inputs(source, nid)]
    there = ordered_inputs(target, mapping[nid])
    free = list(range(len(there)))
    positions = []
    for item in wanted:
        j = next(j for j in free if there[j] == item)  # isomorphic: always one left
        free.remove(j)
        positions.append(j)
    forward = [j for j, (kind, _, _) in zip(positions, wanted) if kind == "edge"]
    gated = any(gate is not None for _, _, gate in wanted)
    if gated and forward != sorted(forward):
        raise ValueError(f"node {nid!r} reads its forward inputs in another order in the "
                         f"parent graph, and its gates' weights depend on that order")
    return positions
