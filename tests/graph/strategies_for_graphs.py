"""Hypothesis strategies: random valid graphs, relabellings and real changes."""

from __future__ import annotations

import random

import networkx as nx
from hypothesis import strategies as st

from graphnas.graph import Edge, Graph, MemoryLink, Node
from graphnas.graph.canonical import _labels

OPS = [("linear", {"width": 4}), ("linear", {"width": 8}), ("relu", {}), ("tanh", {}),
       ("sigmoid", {}), ("identity", {})]
MERGES = ["add", "mul", "concat", "mean", "max"]
GATES = ["none", "sigmoid", "gru"]


@st.composite
def graphs(draw, max_nodes: int = 7) -> Graph:
    n = draw(st.integers(1, max_nodes))
    ids = ["x"] + [f"n{i}" for i in range(n)]
    edges: list[Edge] = []
    for i in range(1, n + 1):
        srcs = draw(st.sets(st.integers(0, i - 1), min_size=1, max_size=3))
        edges += [Edge(ids[j], ids[i]) for j in sorted(srcs)]
    # everything must reach the last node
    for i in range(1, n):
        if not any(e.src == ids[i] for e in edges):
            edges.append(Edge(ids[i], ids[n]))
    fwd = nx.DiGraph([(e.src, e.dst) for e in edges])
    memory = []
    for _ in range(draw(st.integers(0, 3))):
        src = draw(st.integers(1, n))
        back = [ids[src]] + sorted(a for a in nx.ancestors(fwd, ids[src]) if a != "x")
        dst = draw(st.sampled_from(back))
        link = MemoryLink(ids[src], dst, draw(st.sampled_from(GATES)))
        if all((m.src, m.dst) != (link.src, link.dst) for m in memory):
            memory.append(link)
    nodes = []
    for i in range(1, n + 1):
        op, params = draw(st.sampled_from(OPS))
        k = sum(e.dst == ids[i] for e in edges) + sum(m.dst == ids[i] for m in memory)
        merge = draw(st.sampled_from(MERGES)) if k > 1 else None
        nodes.append(Node(ids[i], op, params, merge))
    return Graph(("x",), tuple(nodes), tuple(edges), ids[n], tuple(memory))


def relabel(g: Graph, seed: int) -> Graph:
    """The same graph with new ids and every list shuffled."""
    rng = random.Random(seed)
    names = [f"v{k}" for k in range(len(g.nodes) + 1)]
    rng.shuffle(names)
    new = dict(zip(["x", *g.node_ids], names))
    nodes = [Node(new[n.id], n.op, dict(n.params), n.merge) for n in g.nodes]
    edges = [Edge(new[e.src], new[e.dst], e.port) for e in g.edges]
    memory = [MemoryLink(new[m.src], new[m.dst], m.gate, m.port) for m in g.memory]
    for seq in (nodes, edges, memory):
        rng.shuffle(seq)
    return Graph((new["x"],), tuple(nodes), tuple(edges), new[g.output], tuple(memory))


def as_networkx(g: Graph) -> nx.DiGraph:
    """A labelled networkx graph for isomorphism checks (the ground truth)."""
    vertex, edges = _labels(g)
    d = nx.DiGraph()
    for v, lab in vertex.items():
        d.add_node(v, label=lab)
    for a, b, lab in edges:
        labels = d.edges[a, b]["labels"] if d.has_edge(a, b) else ()
        d.add_edge(a, b, labels=tuple(sorted((*labels, lab))))
    return d


def isomorphic(a: Graph, b: Graph) -> bool:
    return nx.is_isomorphic(as_networkx(a), as_networkx(b),
                            node_match=lambda x, y: x["label"] == y["label"],
                            edge_match=lambda x, y: x["labels"] == y["labels"])
