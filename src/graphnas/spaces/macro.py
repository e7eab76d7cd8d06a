"""The macro space (seed 000, NAS-RL style): a graph of up to N nodes chosen decision by decision.

Decisions, in order (every sequence has the same decisions, so every choice sequence decodes):

- ``stem.op``, ``stem.width``: the first layer (a convolution or linear map; an embedding for
  tokens).
- for each node i: ``node{i}.op`` and ``node{i}.width`` (ignored for ops without weights);
  ``node{i}.in``: its primary input among the stem and earlier nodes; ``node{i}.skip.{j}``:
  yes/no for each other earlier node (anchor points, NAS-RL), at most ``max_inputs`` inputs in
  all, the first "yes" answers kept; ``node{i}.mem``: none, or a memory link arriving from node
  i + k (k = 0 is a self loop); ``node{i}.mem_gate``: its gate; ``node{i}.merge``: the merge
  used when the node has several inputs.
- ``out.merge``: how the nodes that feed no other node are joined (node ``out``);
  ``readout``: last step, global average/max pooling or flatten, for tasks that want one output.

Decoding rules: a memory link is kept only where it closes a cycle that can run: its source must
be a forward descendant of its destination (or itself), and the graph with it must still pass
shape inference (over time steps a cycle may hold only per-step ops, no convolution, and widths
must settle: a concatenation fed back into itself without a weighted op grows without end).
Links are tried in node order; one that fails is dropped. Decisions that end up unused (a width of a
parameter-free op, a merge of a single input, the gate of a dropped link) are ignored, so several
sequences can decode to one graph; ``encode`` gives the first of them.

Structure features (``structure_features``, from the decoded graph): depths, widths, branches,
merges and the memory links that decoding kept; see :func:`macro_features`. The space has no
template decision: its wiring is spread over the nodes' input decisions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import networkx as nx

from graphnas.graph import (
    Edge,
    Graph,
    GraphError,
    InputSpec,
    MemoryLink,
    Node,
    OutputSpec,
    infer_shapes,
)

from .base import Decision, Space
from .recipes import (
    BODY,
    READOUTS,
    STEMS,
    activation_recipes,
    body_layout,
    causal,
    recipe,
    weighted,
)


class MacroSpace(Space):
    """Graphs of ``n_nodes`` nodes with branches, merges and memory links.

    Args:
        input_spec, output_spec: the task's specs (they decide the op sets).
        n_nodes: hidden nodes after the stem.
        ops: body recipe names (default: all recipes for the layout, see ``recipes.BODY``).
        widths: widths offered to weighted ops.
        max_inputs: most forward inputs per node.
        memory: whether memory links may be chosen.
        gates: memory-link gates offered.
        merges: merges offered.
        readouts: readout names (default: all for the layout).
        activations: found activations offered as ops beside ``ops``: ``activation.json``
            files an activation search wrote (``best/activation.json``) or expressions.
    """

    name = "macro"

    def __init__(self, input_spec: InputSpec, output_spec: OutputSpec, n_nodes: int = 5,
                 ops: Sequence[str] | None = None, widths: Sequence[int] = (16, 32, 64),
                 max_inputs: int = 2, memory: bool = True,
                 gates: Sequence[str] = ("none", "sigmoid", "gru"),
                 merges: Sequence[str] = ("add", "concat", "mul"),
                 readouts: Sequence[str] | None = None, stems: Sequence[str] | None = None,
                 activations: str | Sequence[str] = ()) -> None:
        self.input_spec, self.output_spec = input_spec, output_spec
        self.layout = body_layout(input_spec.layout)
        body = causal(BODY[self.layout]) if output_spec.causal else BODY[self.layout]
        found = activation_recipes(activations)
        self.ops = tuple(dict.fromkeys([*(ops or body), *found]))
        self.body = {**body, **{name: recipe(self.layout, name) for name in found}}
        unknown = [o for o in self.ops if o not in self.body]
        if unknown:
            kept = " that keep to the past (a causal output)" if output_spec.causal else ""
            raise ValueError(f"unknown {self.layout} ops{kept} {unknown}; choose from "
                             f"{list(body)}")
        stems_all = STEMS[input_spec.layout]
        if output_spec.per_step:
            stems_all = {k: v for k, v in stems_all.items() if v[1].get("stride", 1) == 1}
        if output_spec.causal:
            stems_all = causal(stems_all)
        self.stems = tuple(stems or stems_all)
        readout_all = READOUTS[self.layout]
        if output_spec.per_step:
            readout_all = {"last": READOUTS["sequence"]["last"]}
        self.readouts = tuple(readouts or readout_all)
        self.n_nodes, self.widths, self.max_inputs = n_nodes, tuple(widths), max_inputs
        self.memory, self.gates, self.merges = memory, tuple(gates), tuple(merges)
        if n_nodes < 1 or max_inputs < 1 or not self.widths or not self.merges:
            raise ValueError("n_nodes, max_inputs, widths and merges must be non-empty")
        self._decisions = self._all_decisions()
        self._index = {d.label: i for i, d in enumerate(self._decisions)}

    # -- the decision sequence -------------------------------------------------------------
    def _all_decisions(self) -> list[Decision]:
        ds = [Decision("stem.op", self.stems, "stem"), Decision("stem.width", self.widths,
                                                               "width")]
        for i in range(self.n_nodes):
            p = f"node{i}"
            sources = ("stem", *(f"n{j}" for j in range(i)))
            ds += [Decision(f"{p}.op", self.ops, "op"), Decision(f"{p}.width", self.widths,
                                                                 "width"),
                   Decision(f"{p}.in", sources, "in")]
            ds += [Decision(f"{p}.skip.{src}", (False, True), "skip", anchor=(j, i + 1))
                   for j, src in enumerate(sources)] if self.max_inputs > 1 and i > 0 else []
            if self.memory:
                ds += [Decision(f"{p}.mem", ("none", *range(self.n_nodes - i)), "mem"),
                       Decision(f"{p}.mem_gate", self.gates, "gate")]
            ds.append(Decision(f"{p}.merge", self.merges, "merge"))
        ds += [Decision("out.merge", self.merges, "merge"),
               Decision("readout", self.readouts, "readout")]
        return ds

    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        return self._decisions[len(choices)] if len(choices) < len(self._decisions) else None

    def fixed_decisions(self) -> list[Decision]:
        return list(self._decisions)

    # -- decode ----------------------------------------------------------------------------
    def _value(self, choices: Sequence[int], label: str) -> Any:
        d = self._decisions[self._index[label]]
        return d.options[choices[self._index[label]]]

    def decode(self, choices: Sequence[int]) -> Graph:
        if len(choices) != len(self._decisions):
            raise ValueError(f"macro space needs {len(self._decisions)} choices, got "
                             f"{len(choices)}")
        v = lambda label: self._value(choices, label)  # noqa: E731
        op, params = STEMS[self.input_spec.layout][v("stem.op")]
        nodes = [Node("stem", op, {**params, "width": v("stem.width")})]
        edges = [Edge("x", "stem")]
        merges: dict[str, str] = {}
        for i in range(self.n_nodes):
            p, nid = f"node{i}", f"n{i}"
            op, params = recipe(self.layout, v(f"{p}.op"))
            if weighted(op):
                params = {**params, "width": v(f"{p}.width")}
            nodes.append(Node(nid, op, params))
            ins = [v(f"{p}.in")]
            if self.max_inputs > 1 and i > 0:
                for src in ("stem", *(f"n{j}" for j in range(i))):
                    if len(ins) < self.max_inputs and src not in ins and v(f"{p}.skip.{src}"):
                        ins.append(src)
            edges += [Edge(src, nid, port) for port, src in enumerate(ins)]
            merges[nid] = v(f"{p}.merge")
        body = (nodes, edges, merges)
        kept: list[MemoryLink] = []
        for link in self._memory_links(choices, nodes, edges):
            try:  # a link stays only if the graph with it still runs (see the module docstring)
                infer_shapes(self._assemble(choices, *body, [*kept, link]), self.input_spec)
                kept.append(link)
            except GraphError:
                pass
        return self._assemble(choices, *body, kept)

    def _assemble(self, choices, nodes, edges, merges, memory) -> Graph:
        v = lambda label: self._value(choices, label)  # noqa: E731
        consumed = {e.src for e in edges}
        dangling = [f"n{i}" for i in range(self.n_nodes) if f"n{i}" not in consumed]
        merges = {**merges, "out": v("out.merge")}
        edges = [*edges, *(Edge(src, "out", port) for port, src in enumerate(dangling))]
        op, params = READOUTS[self.layout][v("readout")]
        nodes = [*nodes, Node("out", "identity"), Node("readout", op, params)]
        edges.append(Edge("out", "readout"))
        count = {n.id: 0 for n in nodes}
        for e in (*edges, *memory):
            count[e.dst] += 1
        nodes = [Node(n.id, n.op, dict(n.params), merges[n.id] if count[n.id] > 1 else None)
                 for n in nodes]
        return Graph(("x",), tuple(nodes), tuple(edges), "readout", tuple(memory),
                     name="macro")

    def _memory_links(self, choices, nodes, edges) -> list[MemoryLink]:
        if not self.memory:
            return []
        fwd = nx.DiGraph([(e.src, e.dst) for e in edges])
        links = []
        for i in range(self.n_nodes):
            k = self._value(choices, f"node{i}.mem")
            if k == "none":
                continue
            dst, src = f"n{i}", f"n{i + k}"
            if src != dst and dst not in nx.ancestors(fwd, src):
                continue  # would not close a cycle
            gate = self._value(choices, f"node{i}.mem_gate")
            links.append(MemoryLink(src, dst, gate, port=len([e for e in edges if e.dst == dst])))
        return links

    def structure_features(self, choices: Sequence[int]) -> dict[str, float]:
        """:func:`macro_features` of the decoded graph (decoding is what costs: a few ms where
        memory links are chosen, for their shape checks)."""
        return macro_features(self.decode(choices))

    # -- encode ----------------------------------------------------------------------------
    def encode(self, arch: Any) -> tuple[int, ...]:
        if not isinstance(arch, Graph):
            raise ValueError("the macro space holds graphs")
        choices = self._encode(arch)
        if self.decode(choices) != arch:
            raise ValueError("graph is not in this macro space")
        return choices

    def _encode(self, g: Graph) -> tuple[int, ...]:
        ids = set(g.node_ids)
        expected = {"stem", "out", "readout", *(f"n{i}" for i in range(self.n_nodes))}
        if ids != expected:
            raise ValueError("graph is not in this macro space (its nodes differ)")
        c = [0] * len(self._decisions)

        def put(label: str, value: Any) -> None:
            d = self._decisions[self._index[label]]
            if value not in d.options:
                raise ValueError(f"graph is not in this macro space ({label} = {value!r})")
            c[self._index[label]] = d.options.index(value)

        stem = g.node("stem")
        put("stem.op", _recipe(STEMS[self.input_spec.layout], stem))
        put("stem.width", stem.params.get("width"))
        for i in range(self.n_nodes):
            p, node = f"node{i}", g.node(f"n{i}")
            put(f"{p}.op", _recipe(self.body, node))
            if "width" in node.params:
                put(f"{p}.width", node.params["width"])
            ins = [e.src for e in g.in_edges(node.id)]
            put(f"{p}.in", ins[0])
            for src in ins[1:]:
                put(f"{p}.skip.{src}", True)
            links = g.in_links(node.id)
            if links:
                put(f"{p}.mem", int(links[0].src[1:]) - i)
                put(f"{p}.mem_gate", links[0].gate)
            if node.merge:
                put(f"{p}.merge", node.merge)
        if g.node("out").merge:
            put("out.merge", g.node("out").merge)
        put("readout", _recipe(READOUTS[self.layout], g.node("readout")))
        return tuple(c)


def _recipe(table: dict, node: Node) -> str:
    params = {k: v for k, v in node.params.items() if k != "width"}
    for name, (op, fixed) in table.items():
        if op == node.op and fixed == params:
            return name
    raise ValueError(f"node {node.id!r} ({node.op} {params}) is not in this space")


def macro_features(g: Graph) -> dict[str, float]:
    """The structure of a macro-space graph, as counts (see ``Space.structure_features``):

    - ``depth``: the most hidden nodes on a forward path from the stem to ``out``;
    - ``weighted_depth``: the most weighted nodes (ops with a width) on such a path;
    - ``weighted``: how many hidden nodes are weighted;
    - ``log2_width_mean``, ``log2_width_max``: over the stem and the weighted nodes (a width
      chosen for a parameter-free op is not counted);
    - ``branches``: the nodes that no other node reads (``out`` joins them);
    - ``merges``: hidden nodes with more than one forward input;
    - ``memory_links``, ``gated_memory_links``: the memory links decoding kept (a chosen link
      that closes no runnable cycle is dropped), and those of them with a gate.
    """
    nodes = [n for n in g.nodes if n.id not in ("out", "readout")]  # stem, n0, n1, ... in order
    hidden = {n.id for n in nodes} - {"stem"}
    depth: dict[str, tuple[int, int]] = {}  # node -> (hidden, weighted) nodes on its longest path
    for n in nodes:
        ins = [depth[e.src] for e in g.in_edges(n.id) if e.src in depth]
        own = (n.id in hidden, n.id in hidden and weighted(n.op))
        depth[n.id] = (max((d[0] for d in ins), default=0) + own[0],
                       max((d[1] for d in ins), default=0) + own[1])
    ends = [depth[e.src] for e in g.in_edges("out")]
    widths = [math.log2(n.params["width"]) for n in nodes if "width" in n.params]
    f = {
        "depth": max(d[0] for d in ends),
        "weighted_depth": max(d[1] for d in ends),
        "weighted": sum(n.id in hidden and weighted(n.op) for n in nodes),
        "log2_width_mean": sum(widths) / len(widths) if widths else 0.0,
        "log2_width_max": max(widths, default=0.0),
        "branches": len(ends),
        "merges": sum(len(g.in_edges(n)) > 1 for n in hidden),
        "memory_links": len(g.memory),
        "gated_memory_links": sum(m.gate != "none" for m in g.memory),
    }
    return {k: float(v) for k, v in f.items()}

