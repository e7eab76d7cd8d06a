"""Mutations of genomes (see :mod:`.genome`): NEAT's structural mutations plus changes of a
gene's op, width, merge or gate, and removals.

- ``split``: a new node on an edge ``u -> v``; a linear map (a 3x3 convolution for images) as
  wide as ``u``, which starts as the identity (a network morphism), where that width is offered;
- ``branch``: a new weighted node from ``u`` into ``v`` joined by add (or concat), as wide as
  what ``v`` adds; it starts with zero weights, so the network computes the same function;
- ``edge``, ``memory``: a new forward edge (the graph stays a DAG) or memory link with a gate;
- ``op``, ``width``, ``merge``, ``gate``: another value for one gene (``width`` widens to the next
  offered width more often than not, a morphism: new units feed zero weights);
- ``remove``: an edge, a memory link, or a body node with one input (its consumers then read
  that input).

New node genes are numbered by :class:`Innovations`: in a NEAT run the same split or branch of
the same edge gets the same number in every genome, so that crossover can align genomes. Every
child is checked (shapes, memory cycles) and drawn again when it does not build.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np

from graphnas.graph import Edge, Graph, MemoryLink, Node, infer_shapes

from .recipes import weighted

KINDS = ("split", "branch", "edge", "memory", "op", "width", "merge", "gate", "remove")
WEIGHTS = (0.15, 0.1, 0.15, 0.05, 0.15, 0.15, 0.05, 0.05, 0.15)  # NEAT-like: mostly structure
IDENTITY = {"vector": "linear", "sequence": "linear", "image": "conv3"}  # identity-able recipes
TRIES = 30  # draws before a mutation gives its parent back unchanged


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """What genomes are made of: recipe tables (name -> (op, params)) for the stem, the body
    and the readout, and the widths, merges and gates offered."""

    layout: str
    stems: dict[str, tuple[str, dict]]
    body: dict[str, tuple[str, dict]]
    readouts: dict[str, tuple[str, dict]]
    widths: tuple[int, ...]
    merges: tuple[str, ...]
    gates: tuple[str, ...]
    max_nodes: int

    def table(self, node_id: str) -> dict[str, tuple[str, dict]]:
        return {"stem": self.stems, "readout": self.readouts}.get(node_id, self.body)

    @staticmethod
    def recipe_of(table: dict, node: Node) -> str:
        """The recipe name of ``node`` in ``table`` (ValueError if none)."""
        params = {k: v for k, v in node.params.items() if k != "width"}
        for name, (op, fixed) in table.items():
            if op == node.op and fixed == params:
                return name
        raise ValueError(f"node {node.id!r} ({node.op} {params}) has no recipe here")


class Innovations:
    """Innovation numbers of a run: a structural mutation seen before (the same split of the
    same edge, the same new edge) gets the number it got then, in any genome. Node genes are
    numbered from 3 (0, 1 and 2 are the input, the stem and the readout)."""

    def __init__(self, start: int = 3) -> None:
        self.numbers: dict[str, int] = {}
        self.next = start

    def number(self, key: str) -> int:
        """The number of gene ``key`` (e.g. ``"edge:stem>n4"``), new if it was never seen."""
        if key not in self.numbers:
            self.numbers[key] = self.next
            self.next += 1
        return self.numbers[key]

    def node(self, key: str, taken: set[str]) -> str:
        """The id of the node a structural mutation ``key`` adds; a fresh number where the
        genome already holds that node (it made the same mutation before)."""
        nid = f"n{self.number(key)}"
        if nid in taken:
            nid = f"n{self.next}"
            self.next += 1
        return nid

    def state_dict(self) -> dict[str, Any]:
        return {"numbers": dict(self.numbers), "next": self.next}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.numbers, self.next = dict(state["numbers"]), int(state["next"])


class _Local(Innovations):
    """Numbers for one genome alone (no run to share them with): above its largest node."""

    def __init__(self, g: Graph) -> None:
        super().__init__(1 + max((int(n[1:]) for n in g.node_ids if n[1:].isdigit()),
                                 default=2))

    def node(self, key: str, taken: set[str]) -> str:
        nid = f"n{self.next}"
        self.next += 1
        return nid


@dataclass(frozen=True)
class Child:
    """A mutated genome: its graph, the mutation's kind, and the nodes it added as an identity
    or with zero weights (a network morphism; empty otherwise)."""

    graph: Graph
    kind: str = ""
    identity: tuple[str, ...] = ()
    zero: tuple[str, ...] = ()


@dataclass
class _Genes:
    """A genome being edited: nodes by id, edges, memory links."""

    nodes: dict[str, Node]
    edges: list[Edge]
    links: list[MemoryLink]
    shapes: dict[str, Any] = field(default_factory=dict)

    def body(self) -> list[str]:
        return [n for n in self.nodes if n not in ("stem", "readout")]

    def fwd(self) -> nx.DiGraph:
        d = nx.DiGraph([(e.src, e.dst) for e in self.edges])
        d.add_nodes_from(self.nodes)
        return d

    def next_port(self, dst: str) -> int:
        return 1 + max([e.port for e in self.edges if e.dst == dst]
                       + [m.port for m in self.links if m.dst == dst], default=-1)

    def width(self, nid: str) -> int:
        return self.shapes[nid].channels


class Mutator:
    """``mutator(genome, rng) -> Child``: one random mutation of ``KINDS`` (weights
    ``weights``), drawn again until the child builds (``check``); after ``TRIES`` draws the
    parent comes back unchanged."""

    def __init__(self, vocab: Vocabulary, check: Callable[[Graph], bool], input_spec,
                 innovations: Innovations | None = None,
                 weights: tuple[float, ...] = WEIGHTS) -> None:
        self.vocab, self.check, self.input_spec = vocab, check, input_spec
        self.innovations = innovations
        p = np.array(weights, float)
        if not vocab.gates:
            p[[KINDS.index("memory"), KINDS.index("gate")]] = 0.0
        self.p = p / p.sum()

    def __call__(self, g: Graph, rng: np.random.Generator) -> Child:
        innovations = self.innovations or _Local(g)
        shapes = infer_shapes(g, self.input_spec)  # the parent's, the same for every draw
        for _ in range(TRIES):
            kind = KINDS[int(rng.choice(len(KINDS), p=self.p))]
            genes = _Genes({n.id: n for n in g.nodes}, list(g.edges), list(g.memory), shapes)
            made = getattr(self, f"_{kind}")(genes, rng, innovations)
            if made is None:
                continue
            child = normalise(genes)
            if child != g and self.check(child):
                identity, zero = made
                return Child(child, kind, identity, zero)
        return Child(g)

    # -- structural mutations: each edits ``genes`` and returns (identity, zero) or None -------
    def _split(self, s: _Genes, rng, inn: Innovations):
        edges = [e for e in s.edges if e.src != "x"]
        if not edges or len(s.body()) >= self.vocab.max_nodes:
            return None
        e = edges[int(rng.integers(len(edges)))]
        nid = inn.node(f"split:{e.src}>{e.dst}", set(s.nodes))
        width = s.width(e.src)
        name = IDENTITY.get(self.vocab.layout)
        if name in self.vocab.body and width in self.vocab.widths:
            node, identity = _make(nid, self.vocab.body[name], width), (nid,)
        else:
            node, identity = self._random_node(nid, rng), ()
        s.nodes[nid] = node
        s.edges.remove(e)
        s.edges += [Edge(e.src, nid, 0), Edge(nid, e.dst, e.port)]
        return identity, ()

    def _branch(self, s: _Genes, rng, inn: Innovations):
        name = IDENTITY.get(self.vocab.layout)
        if name not in self.vocab.body or len(s.body()) >= self.vocab.max_nodes:
            return None
        pair = _pick_pair(s, rng)
        if pair is None:
            return None
        u, v = pair
        ins = [e.src for e in s.edges if e.dst == v] + [m.src for m in s.links if m.dst == v]
        merge = s.nodes[v].merge or "add"
        width = max(s.width(i) for i in ins) if merge != "concat" else s.width(u)
        if width not in self.vocab.widths:
            width = self.vocab.widths[int(rng.integers(len(self.vocab.widths)))]
        nid = inn.node(f"branch:{u}>{v}", set(s.nodes))
        s.nodes[nid] = _make(nid, self.vocab.body[name], width)
        s.nodes[v] = replace(s.nodes[v], merge=merge)
        s.edges += [Edge(u, nid, 0), Edge(nid, v, s.next_port(v))]
        return (), ((nid,) if merge == "add" else ())

    def _edge(self, s: _Genes, rng, inn: Innovations):
        pair = _pick_pair(s, rng, new_edge=True)
        if pair is None:
            return None
        u, v = pair
        inn.number(f"edge:{u}>{v}")
        self._merge_for(s, v, rng)
        s.edges.append(Edge(u, v, s.next_port(v)))
        return (), ()

    def _memory(self, s: _Genes, rng, inn: Innovations):
        fwd, body = s.fwd(), s.body()
        pairs = [(src, dst) for dst in body for src in body
                 if (src == dst or dst in nx.ancestors(fwd, src))
                 and not any(m.src == src and m.dst == dst for m in s.links)]
        if not pairs:
            return None
        src, dst = pairs[int(rng.integers(len(pairs)))]
        inn.number(f"mem:{src}>{dst}")
        self._merge_for(s, dst, rng)
        gate = self.vocab.gates[int(rng.integers(len(self.vocab.gates)))]
        s.links.append(MemoryLink(src, dst, gate, s.next_port(dst)))
        return (), ()

    # -- changes of one gene ---------------------------------------------------------------------
    def _op(self, s: _Genes, rng, inn: Innovations):
        ids = [n for n in s.nodes if len(self.vocab.table(n)) > 1]
        if not ids:
            return None
        nid = ids[int(rng.integers(len(ids)))]
        table = self.vocab.table(nid)
        current = self.vocab.recipe_of(table, s.nodes[nid])
        name = _other(list(table), current, rng)
        width = s.nodes[nid].params.get("width")
        if weighted(table[name][0]) and width is None:
            width = self.vocab.widths[int(rng.integers(len(self.vocab.widths)))]
        s.nodes[nid] = replace(_make(nid, table[name], width), merge=s.nodes[nid].merge)
        return (), ()

    def _width(self, s: _Genes, rng, inn: Innovations):
        ids = [n for n, node in s.nodes.items() if "width" in node.params]
        if not ids or len(self.vocab.widths) < 2:
            return None
        nid = ids[int(rng.integers(len(ids)))]
        widths, now = self.vocab.widths, s.nodes[nid].params["width"]
        wider = [w for w in widths if w > now]
        width = wider[0] if wider and rng.random() < 0.7 else _other(list(widths), now, rng)
        s.nodes[nid] = replace(s.nodes[nid], params={**s.nodes[nid].params, "width": width})
        return (), ()

    def _merge(self, s: _Genes, rng, inn: Innovations):
        ids = [n for n, node in s.nodes.items() if node.merge is not None]
        if not ids or len(self.vocab.merges) < 2:
            return None
        nid = ids[int(rng.integers(len(ids)))]
        s.nodes[nid] = replace(s.nodes[nid],
                               merge=_other(list(self.vocab.merges), s.nodes[nid].merge, rng))
        return (), ()

    def _gate(self, s: _Genes, rng, inn: Innovations):
        if not s.links or len(self.vocab.gates) < 2:
            return None
        i = int(rng.integers(len(s.links)))
        s.links[i] = replace(s.links[i], gate=_other(list(self.vocab.gates), s.links[i].gate,
                                                     rng))
        return (), ()

    def _remove(self, s: _Genes, rng, inn: Innovations):
        options: list[tuple[str, Any]] = [("link", m) for m in s.links]
        n_in = {nid: sum(e.dst == nid for e in s.edges) for nid in s.nodes}
        n_out = {nid: sum(e.src == nid for e in s.edges) for nid in s.nodes}
        options += [("edge", e) for e in s.edges
                     if e.src != "x" and n_in[e.dst] > 1 and n_out[e.src] > 1]
        options += [("node", n) for n in s.body() if n_in[n] == 1]
        if not options:
            return None
        what, gene = options[int(rng.integers(len(options)))]
        if what == "link":
            s.links.remove(gene)
        elif what == "edge":
            s.edges.remove(gene)
        else:
            (source,) = [e.src for e in s.edges if e.dst == gene]
            out = [e for e in s.edges if e.src == gene]
            s.edges = [e for e in s.edges if gene not in (e.src, e.dst)]
            s.links = [m for m in s.links if gene not in (m.src, m.dst)]
            del s.nodes[gene]
            for e in out:
                if not any(x.src == source and x.dst == e.dst for x in s.edges):
                    s.edges.append(Edge(source, e.dst, e.port))
        return (), ()

    # -- helpers -------------------------------------------------------------------------------
    def _random_node(self, nid: str, rng) -> Node:
        names = list(self.vocab.body)
        width = self.vocab.widths[int(rng.integers(len(self.vocab.widths)))]
        return _make(nid, self.vocab.body[names[int(rng.integers(len(names)))]], width)

    def _merge_for(self, s: _Genes, node: str, rng) -> None:
        """A node about to get another input keeps its merge or draws one."""
        if s.nodes[node].merge is None:
            merge = self.vocab.merges[int(rng.integers(len(self.vocab.merges)))]
            s.nodes[node] = replace(s.nodes[node], merge=merge)


def _make(nid: str, recipe: tuple[str, dict], width: int | None) -> Node:
    op, params = recipe
    return Node(nid, op, {**params, "width": width} if weighted(op) else dict(params))


def _other(values: list, current, rng):
    rest = [v for v in values if v != current]
    return rest[int(rng.integers(len(rest)))] if rest else current


def _pick_pair(s: _Genes, rng, new_edge: bool = False) -> tuple[str, str] | None:
    """A source (stem or body) and a later node (body or readout) it may feed."""
    fwd = s.fwd()
    pairs = []
    for u in ["stem", *s.body()]:
        before = nx.ancestors(fwd, u)
        pairs += [(u, v) for v in [*s.body(), "readout"]
                  if v != u and v not in before and not (new_edge and fwd.has_edge(u, v))]
    if not pairs:
        return None
    return pairs[int(rng.integers(len(pairs)))]


def normalise(s: _Genes) -> Graph:
    """The genome as a graph in one canonical order: nodes stem, body by number, readout;
    each node's inputs on ports 0, 1, ... in their order; a merge only where there are
    several inputs (add where a node got a second input without one)."""
    order = ["stem", *sorted(s.body(), key=lambda n: int(n[1:])), "readout"]
    rank = {n: i for i, n in enumerate(order)}
    inputs: dict[str, list] = {n: [] for n in order}
    for e in s.edges:
        inputs[e.dst].append((e.port, 0, e))
    for m in s.links:
        inputs[m.dst].append((m.port, 1, m))
    edges, links, nodes = [], [], []
    for nid in order:
        ins = sorted(inputs[nid], key=lambda t: (t[0], t[1]))
        for port, (_, _, gene) in enumerate(ins):
            (edges if isinstance(gene, Edge) else links).append(replace(gene, port=port))
        node = s.nodes[nid]
        merge = None if len(ins) < 2 else (node.merge or "add")
        nodes.append(replace(node, merge=merge))
    edges.sort(key=lambda e: (rank[e.dst], e.port))
    links.sort(key=lambda m: (rank[m.dst], m.port))
    return Graph(("x",), tuple(nodes), tuple(edges), "readout", tuple(links), "genome")
