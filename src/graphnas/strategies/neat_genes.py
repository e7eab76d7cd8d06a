"""NEAT's gene arithmetic on genomes (see :mod:`graphnas.spaces.genome`): genes with innovation
numbers, compatibility distance and crossover (Stanley and Miikkulainen 2002).

A genome's genes are its nodes (numbered by their ids: ``n<k>`` is k; the stem 1, the readout 2),
its forward edges and its memory links (numbered by the run's :class:`Innovations`, the first
time a genome with them is seen). Two genomes' genes match where they have the same key.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from graphnas.graph import Graph
from graphnas.spaces.genome_mutations import Innovations

TRIES = 10  # crossovers drawn before the fitter parent is copied


def genes(g: Graph, innovations: Innovations) -> dict[tuple, int]:
    """Every gene of ``g`` by key, with its innovation number."""
    out: dict[tuple, int] = {}
    for n in g.nodes:
        out[("node", n.id)] = {"stem": 1, "readout": 2}.get(n.id) or int(n.id[1:])
    for e in g.edges:
        out[("edge", e.src, e.dst)] = innovations.number(f"edge:{e.src}>{e.dst}")
    for m in g.memory:
        out[("mem", m.src, m.dst)] = innovations.number(f"mem:{m.src}>{m.dst}")
    return out


def distance(a: Graph, b: Graph, innovations: Innovations, excess: float = 1.0,
             disjoint: float = 1.0, attributes: float = 0.5) -> float:
    """NEAT's compatibility distance ``c1 E / N + c2 D / N + c3 W``: E excess and D disjoint
    genes (those past the other genome's last innovation number, and the rest of those it
    lacks), N the larger genome's genes, W the mean difference of matching genes' attributes
    (op 1, merge 0.5, |log2| of the width ratio, gate 1)."""
    ga, gb = genes(a, innovations), genes(b, innovations)
    n = max(len(ga), len(gb), 1)
    last_a, last_b = max(ga.values()), max(gb.values())
    e = d = 0
    for key, number in ga.items():
        if key not in gb:
            e, d = (e + 1, d) if number > last_b else (e, d + 1)
    for key, number in gb.items():
        if key not in ga:
            e, d = (e + 1, d) if number > last_a else (e, d + 1)
    diffs = [_node_difference(a.node(k[1]), b.node(k[1])) for k in ga
             if k[0] == "node" and k in gb]
    gates_a = {(m.src, m.dst): m.gate for m in a.memory}
    diffs += [float(gate != gates_a[(m.src, m.dst)]) for m in b.memory
              for gate in [m.gate] if (m.src, m.dst) in gates_a]
    w = sum(diffs) / len(diffs) if diffs else 0.0
    return excess * e / n + disjoint * d / n + attributes * w


def _node_difference(x, y) -> float:
    out = float(x.op != y.op or {k: v for k, v in x.params.items() if k != "width"}
                != {k: v for k, v in y.params.items() if k != "width"})
    if "width" in x.params and "width" in y.params:
        out += abs(math.log2(x.params["width"] / y.params["width"]))
    return out + 0.5 * float(x.merge != y.merge)


def crossover(fitter: Graph, other: Graph, rng: np.random.Generator,
              check: Callable[[Graph], bool]) -> Graph:
    """A child with the fitter parent's genes (its disjoint and excess genes, and its wiring),
    each matching node and memory link taking its attributes (op and width, merge; gate) from
    either parent at random. A draw that does not build (``check``) is drawn again; after
    ``TRIES`` the fitter parent comes back."""
    theirs = {n.id: n for n in other.nodes}
    their_gates = {(m.src, m.dst): m.gate for m in other.memory}
    for _ in range(TRIES):
        nodes = []
        for n in fitter.nodes:
            o = theirs.get(n.id)
            if o is not None and rng.random() < 0.5:
                merge = o.merge if (o.merge and n.merge) else n.merge
                n = replace(n, op=o.op, params=o.params, merge=merge)
            nodes.append(n)
        links = [replace(m, gate=their_gates[(m.src, m.dst)])
                 if (m.src, m.dst) in their_gates and rng.random() < 0.5 else m
                 for m in fitter.memory]
        child = replace(fitter, nodes=tuple(nodes), memory=tuple(links))
        if check(child):
            return child
    return fitter
