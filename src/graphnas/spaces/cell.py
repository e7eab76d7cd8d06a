"""The cell space (DARTS / NAS-Bench-201 style): one small DAG cell, stacked in a fixed skeleton.

The cell has ``n_cell_nodes`` nodes; node 0 is the cell's input, the last its output. Every pair
i < j has one decision ``edge{i}{j}``: an op on the edge, or ``none`` for no edge. A node sums its
incoming edges. Nodes without incoming edges vanish with their outgoing edges, nodes that do not
reach the cell output are pruned, and a cell whose output is cut off passes its input through
(an identity edge 0 -> last). Skeleton: stem (width ``width``) -> ``n_cells`` copies of the cell
(weights not shared) -> readout (global average pooling; nothing for vectors).

Structure features (``structure_features``) describe the cell as decoded, after pruning: its
edges, depth, paths and ops; see :meth:`CellSpace.structure_features`. The space has no
template decision: every edge is a decision of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx

from graphnas.graph import Edge, Graph, InputSpec, Node, OutputSpec

from .base import Decision, Space
from .recipes import STEMS, body_layout, causal, fixed_readout, weighted

EDGE_OPS = {
    "sequence": {"none": None, "identity": ("identity", {}), "conv1": ("conv1d", {"kernel": 1}),
                 "conv3": ("conv1d", {"kernel": 3}), "sepconv5": ("sep_conv1d", {"kernel": 5})},
    "image": {"none": None, "identity": ("identity", {}), "conv1": ("conv2d", {"kernel": 1}),
              "conv3": ("conv2d", {"kernel": 3}), "sepconv3": ("sep_conv2d", {"kernel": 3})},
    "vector": {"none": None, "identity": ("identity", {}), "linear": ("linear", {}),
               "tanh": ("tanh", {}), "relu": ("relu", {})},
}


class CellSpace(Space):
    """A repeated DAG cell; see the module docstring."""

    name = "cell"

    def __init__(self, input_spec: InputSpec, output_spec: OutputSpec, n_cell_nodes: int = 4,
                 n_cells: int = 2, width: int = 32, ops: Sequence[str] | None = None) -> None:
        self.input_spec, self.output_spec = input_spec, output_spec
        self.layout = body_layout(input_spec.layout)
        table = causal(EDGE_OPS[self.layout]) if output_spec.causal else EDGE_OPS[self.layout]
        self.ops = tuple(ops or table)
        unknown = [o for o in self.ops if o not in table]
        if unknown:
            kept = " that keep to the past (a causal output)" if output_spec.causal else ""
            raise ValueError(f"unknown cell ops{kept} {unknown}; choose from {list(table)}")
        self.n, self.n_cells, self.width = n_cell_nodes, n_cells, width
        self.pairs = [(i, j) for j in range(1, n_cell_nodes) for i in range(j)]
        self._decisions = [Decision(f"edge{i}{j}", self.ops, "op")
                           for i, j in self.pairs]

    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        return self._decisions[len(choices)] if len(choices) < len(self._decisions) else None

    def fixed_decisions(self) -> list[Decision]:
        return list(self._decisions)

    def _cell_edges(self, choices: Sequence[int]) -> list[tuple[int, int, str]]:
        chosen = [(i, j, self.ops[c]) for (i, j), c in zip(self.pairs, choices)
                  if self.ops[c] != "none"]
        g = nx.DiGraph([(i, j) for i, j, _ in chosen])
        g.add_nodes_from(range(self.n))
        live = ({0} | nx.descendants(g, 0)) & ({self.n - 1} | nx.ancestors(g, self.n - 1))
        kept = [(i, j, op) for i, j, op in chosen if i in live and j in live]
        return kept or [(0, self.n - 1, "identity")]

    def structure_features(self, choices: Sequence[int]) -> dict[str, float]:
        """The decoded cell (pruned edges left out; a cut-off cell is its identity edge), as
        counts (see ``Space.structure_features``):

        - ``edges``: the cell's edges;
        - ``depth``: the most edges on a path from the cell's input to its output;
        - ``weighted_depth``: the most weighted edges (ops with a width) on such a path;
        - ``paths``: how many paths lead from the cell's input to its output;
        - ``ops.NAME``: edges with op NAME (the decisions also count the pruned ones).
        """
        cell = self._cell_edges(choices)
        table = EDGE_OPS[self.layout]
        longest = {0: (0, 0)}  # node -> (edges, weighted edges) on its longest path from node 0
        paths = {0: 1}
        for i, j, name in sorted(cell, key=lambda e: (e[1], e[0])):  # by destination: in order
            heavy = weighted(table[name][0])
            d, w = longest[i]
            old = longest.get(j, (0, 0))
            longest[j] = (max(old[0], d + 1), max(old[1], w + heavy))
            paths[j] = paths.get(j, 0) + paths[i]
        f = {"edges": len(cell), "depth": longest[self.n - 1][0],
             "weighted_depth": longest[self.n - 1][1], "paths": paths[self.n - 1]}
        for _, _, name in cell:
            f[f"ops.{name}"] = f.get(f"ops.{name}", 0) + 1
        return {k: float(v) for k, v in f.items()}

    def decode(self, choices: Sequence[int]) -> Graph:
        if len(choices) != len(self._decisions):
            raise ValueError(f"cell space needs {len(self._decisions)} choices")
        op, params = next(iter(STEMS[self.input_spec.layout].values()))
        nodes = [Node("stem", op, {**params, "width": self.width})]
        edges = [Edge("x", "stem")]
        prev = "stem"
        cell = self._cell_edges(choices)
        for c in range(self.n_cells):
            ins: dict[int, list[str]] = {}
            for i, j, name in cell:
                op, params = EDGE_OPS[self.layout][name]
                if weighted(op):
                    params = {**params, "width": self.width}
                eid = f"c{c}_e{i}{j}"
                nodes.append(Node(eid, op, params))
                edges.append(Edge(prev if i == 0 else f"c{c}_n{i}", eid))
                ins.setdefault(j, []).append(eid)
            for j in sorted(ins):
                nid = f"c{c}_n{j}"
                nodes.append(Node(nid, "identity", merge="add" if len(ins[j]) > 1 else None))
                edges += [Edge(src, nid) for src in ins[j]]
            prev = f"c{c}_n{self.n - 1}"
        op, params = fixed_readout(self.layout, self.output_spec)
        nodes.append(Node("readout", op, params))
        edges.append(Edge(prev, "readout"))
        return Graph(("x",), tuple(nodes), tuple(edges), "readout", name="cell")

    def encode(self, arch: Any) -> tuple[int, ...]:
        if not isinstance(arch, Graph):
            raise ValueError("the cell space holds graphs")
        present = {}
        for n in arch.nodes:
            if n.id.startswith("c0_e"):
                i, j = int(n.id[4]), int(n.id[5])
                params = {k: v for k, v in n.params.items() if k != "width"}
                name = next((k for k, v in EDGE_OPS[self.layout].items()
                             if v and v[0] == n.op and v[1] == params), None)
                if name is None or name not in self.ops:
                    raise ValueError(f"edge op {n.op} is not in this cell space")
                present[(i, j)] = name
        choices = tuple(self.ops.index(present.get(p, "none")) if "none" in self.ops
                        or p in present else -1 for p in self.pairs)
        if -1 in choices or self.decode(choices) != arch:
            raise ValueError("graph is not in this cell space")
        return choices
