"""The blocks space (PNAS, Liu et al. 2018): a cell of 1 to B blocks, stacked in a skeleton.

A block takes two inputs, applies an op to each and adds the results. An input is one of the
cell's two inputs (``h0``: the previous cell's output, ``h1``: the one before it; both are the
stem for the first cell) or an earlier block of the cell (``b0``, ``b1``, ...). The blocks that
no later block uses are concatenated into the cell's output. Where a cell input is wider than
the cell (a concatenation of several blocks), a 1x1 projection (a linear map for vectors)
brings it back to ``width``. Skeleton: stem -> ``cells`` copies of the cell (weights not
shared) -> readout, as in the cell space.

Decisions, in order: ``n_blocks`` (1 to B), then for every block i < n_blocks
``block{i}.in1``, ``block{i}.op1``, ``block{i}.in2``, ``block{i}.op2``. A cell of fewer blocks
is a shorter sequence, so a search can grow a cell one block at a time: ``one_block_cells``
lists the smallest cells and ``extensions`` every cell one block larger, on choices alone.
Swapping a block's two (input, op) pairs, or listing independent blocks in another order,
gives the same graph (the graph's canonical hash merges them; ``cell_key`` is a cheap key of
the same kind, computed from choices).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphnas.graph import Edge, Graph, InputSpec, Node, OutputSpec

from .base import Decision, Space
from .recipes import BODY, STEMS, body_layout, causal, fixed_readout, weighted

Choices = tuple[int, ...]

OPS = {  # PNAS's op list, where a layout has a counterpart (every op keeps the shape)
    "sequence": ("identity", "conv3", "conv5", "conv3_d2", "sepconv5", "block3", "relu",
                 "tanh"),
    "image": ("identity", "conv3", "conv5", "sepconv3", "block3", "relu"),
    "vector": ("identity", "linear", "relu", "tanh", "gelu", "ln"),
}
PROJECT = {"sequence": ("conv1d", {"kernel": 1}), "image": ("conv2d", {"kernel": 1}),
           "vector": ("linear", {})}
_FIELDS = ("in1", "op1", "in2", "op2")


class BlocksSpace(Space):
    """PNAS cells of up to ``blocks`` blocks; see the module docstring.

    Args:
        input_spec, output_spec: the task's specs (they decide the op list).
        blocks: the most blocks in a cell (B).
        cells: how many copies of the cell are stacked (N).
        width: the width of every weighted op and projection.
        ops: body recipe names (default: ``OPS`` for the layout; see ``recipes.BODY``).
    """

    name = "blocks"

    def __init__(self, input_spec: InputSpec, output_spec: OutputSpec, blocks: int = 5,
                 cells: int = 2, width: int = 32, ops: Sequence[str] | None = None) -> None:
        self.input_spec, self.output_spec = input_spec, output_spec
        self.layout = body_layout(input_spec.layout)
        table = causal(BODY[self.layout]) if output_spec.causal else BODY[self.layout]
        self.ops = tuple(ops or [o for o in OPS[self.layout] if o in table])
        unknown = [o for o in self.ops if o not in table]
        if unknown:
            kept = " that keep to the past (a causal output)" if output_spec.causal else ""
            raise ValueError(f"unknown {self.layout} ops{kept} {unknown}; choose from "
                             f"{list(table)}")
        if blocks < 1 or cells < 1 or width < 1:
            raise ValueError("blocks space needs blocks, cells and width >= 1")
        self.max_blocks, self.cells, self.width = blocks, cells, width
        self._n = Decision("n_blocks", tuple(range(1, blocks + 1)), "blocks")
        self._block = [self._block_decisions(i) for i in range(blocks)]

    def _block_decisions(self, i: int) -> list[Decision]:
        inputs = ("h0", "h1", *(f"b{j}" for j in range(i)))
        return [Decision(f"block{i}.{f}", inputs if f.startswith("in") else self.ops,
                         "input" if f.startswith("in") else "op") for f in _FIELDS]

    # -- decisions ---------------------------------------------------------------------------
    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        if not choices:
            return self._n
        k = len(choices) - 1
        if k >= 4 * self.n_blocks_of(choices):
            return None
        return self._block[k // 4][k % 4]

    def n_blocks_of(self, choices: Sequence[int]) -> int:
        return int(choices[0]) + 1

    def blocks_of(self, choices: Sequence[int]) -> list[tuple[str, str, str, str]]:
        """Every block as (in1, op1, in2, op2) names, its two pairs in a canonical order."""
        out = []
        for i in range(self.n_blocks_of(choices)):
            ds, ks = self._block[i], choices[1 + 4 * i: 5 + 4 * i]
            a, b = sorted([(ds[0].options[ks[0]], ds[1].options[ks[1]]),
                           (ds[2].options[ks[2]], ds[3].options[ks[3]])])
            out.append((*a, *b))
        return out

    def _unused(self, blocks: list[tuple[str, str, str, str]]) -> list[int]:
        used = {int(b[f][1:]) for b in blocks for f in (0, 2) if b[f].startswith("b")}
        return [i for i in range(len(blocks)) if i not in used]

    def size(self) -> int:
        """The number of choice sequences: for each cell size, the product over its blocks of
        (inputs x ops) squared."""
        total, prod = 0, 1
        for i in range(self.max_blocks):
            prod *= ((2 + i) * len(self.ops)) ** 2
            total += prod
        return total

    # -- growth (for progressive search) -------------------------------------------------
    def one_block_cells(self) -> list[Choices]:
        """Every one-block cell (each pair of pairs once, in the canonical order)."""
        pairs = [(i, o) for i in range(2) for o in range(len(self.ops))]
        return [(0, *a, *b) for n, a in enumerate(pairs) for b in pairs[n:]]

    def extensions(self, choices: Sequence[int]) -> list[Choices]:
        """Every cell with one more block after ``choices``'s (none at B blocks)."""
        n = self.n_blocks_of(choices)
        if n >= self.max_blocks:
            return []
        pairs = [(i, o) for i in range(2 + n) for o in range(len(self.ops))]
        head = (n, *choices[1:])
        return [(*head, *a, *b) for k, a in enumerate(pairs) for b in pairs[k:]]

    def cell_key(self, choices: Sequence[int]) -> str:
        """A key equal for cells that differ only in the order of their pairs or of
        independent blocks: every block written out as the tree of what it computes."""
        blocks = self.blocks_of(choices)
        trees: list[str] = []
        for in1, op1, in2, op2 in blocks:
            a, b = sorted((f"{op1}({_tree(in1, trees)})", f"{op2}({_tree(in2, trees)})"))
            trees.append(f"[{a}+{b}]")
        outs = sorted(trees[i] for i in self._unused(blocks))
        return "|".join(sorted(trees)) + "->" + "|".join(outs)

    # -- decode / encode --------------------------------------------------------------------
    def decode(self, choices: Sequence[int]) -> Graph:
        if not self.valid_choices(choices):
            raise ValueError(f"not a complete choice sequence of the blocks space: "
                             f"{list(choices)}")
        blocks = self.blocks_of(choices)
        op, params = next(iter(STEMS[self.input_spec.layout].values()))
        nodes = [Node("stem", op, {**params, "width": self.width})]
        edges = [Edge("x", "stem")]
        h = [("stem", 1), ("stem", 1)]  # (node, width in units of `width`) of h0, h1
        for c in range(self.cells):
            ins = [self._project(f"c{c}_p{k}", src, mult, nodes, edges)
                   for k, (src, mult) in enumerate(h)]
            out = self._cell(c, blocks, ins, nodes, edges)
            h = [(out, len(self._unused(blocks))), h[0]]
        op, params = fixed_readout(self.layout, self.output_spec)
        nodes.append(Node("readout", op, params))
        edges.append(Edge(h[0][0], "readout"))
        return _live(Graph(("x",), tuple(nodes), tuple(edges), "readout", name="blocks"))

    def _project(self, nid: str, src: str, mult: int, nodes: list, edges: list) -> str:
        if mult == 1:
            return src
        op, params = PROJECT[self.layout]
        nodes.append(Node(nid, op, {**params, "width": self.width}))
        edges.append(Edge(src, nid))
        return nid

    def _cell(self, c: int, blocks: list, ins: list[str], nodes: list, edges: list) -> str:
        """Adds cell ``c``'s nodes; returns its output node."""
        source = {"h0": ins[0], "h1": ins[1]}
        tree = {ins[0]: ins[0], ins[1]: ins[1]}  # node -> what it computes, ids aside
        for i, (in1, op1, in2, op2) in enumerate(blocks):
            bid = f"c{c}_b{i}"
            # pairs in the order of what they compute (h0 and h1 are one node in cell 0)
            pairs = sorted(((tree[source[in1]], source[in1], op1),
                            (tree[source[in2]], source[in2], op2)))
            for k, (_, src, name) in enumerate(pairs, 1):
                op, params = BODY[self.layout][name]
                if weighted(op):
                    params = {**params, "width": self.width}
                nodes.append(Node(f"{bid}_{k}", op, params))
                edges += [Edge(src, f"{bid}_{k}"), Edge(f"{bid}_{k}", bid)]
            nodes.append(Node(bid, "identity", merge="add"))
            source[f"b{i}"] = bid
            tree[bid] = "[" + "+".join(f"{name}({t})" for t, _, name in pairs) + "]"
        unused = self._unused(blocks)
        if len(unused) == 1:
            return f"c{c}_b{unused[0]}"
        # ports in the order of what the blocks compute, so block order does not show
        order = sorted(unused, key=lambda i: tree[f"c{c}_b{i}"])
        nodes.append(Node(f"c{c}_out", "identity", merge="concat"))
        edges += [Edge(f"c{c}_b{i}", f"c{c}_out", port) for port, i in enumerate(order)]
        return f"c{c}_out"

    def encode(self, arch: Any) -> tuple[int, ...]:
        if not isinstance(arch, Graph):
            raise ValueError("the blocks space holds graphs")
        c = self.cells - 1  # the last cell: always live, and its h0 and h1 differ if c > 0
        ids = set(arch.node_ids)
        n = sum(f"c{c}_b{i}" in ids for i in range(self.max_blocks))
        if n == 0:
            raise ValueError("graph is not in this blocks space")
        pairs = []  # per block: ((source node, recipe), (source node, recipe))
        for i in range(n):
            pairs.append(tuple((arch.in_edges(f"c{c}_b{i}_{k}")[0].src,
                                _recipe(self.layout, arch.node(f"c{c}_b{i}_{k}")))
                               for k in (1, 2)))
        refs = [[int(src.rsplit("_b", 1)[1]) for src, _ in p if src.startswith(f"c{c}_b")]
                for p in pairs]
        used = {j for r in refs for j in r}
        h = self._input_ids(c, [i for i in range(n) if i not in used])
        choices = [n - 1]
        for i, p in enumerate(pairs):
            inputs = self._block[i][0].options
            for src, name in p:
                inp = "h0" if src == h[0] else "h1" if src == h[1] else \
                    "b" + src.rsplit("_b", 1)[-1]
                if inp not in inputs or name not in self.ops:
                    raise ValueError("graph is not in this blocks space")
                choices += [inputs.index(inp), self.ops.index(name)]
        choices = tuple(choices)
        if self.decode(choices) != arch:
            raise ValueError("graph is not in this blocks space")
        return choices

    def _input_ids(self, c: int, unused: list[int]) -> tuple[str, str]:
        """The node ids of cell ``c``'s h0 and h1, given which blocks are unused."""

        def out(k: int) -> tuple[str, int]:  # cell k's output node and its width multiple
            if k < 0:
                return "stem", 1
            return (f"c{k}_out" if len(unused) > 1 else f"c{k}_b{unused[0]}"), len(unused)

        return tuple(f"c{c}_p{k}" if out(c - 1 - k)[1] > 1 else out(c - 1 - k)[0]
                     for k in (0, 1))

    # -- description -------------------------------------------------------------------------
    def structure_features(self, choices: Sequence[int]) -> dict[str, float]:
        """The cell, as counts (see ``Space.structure_features``):

        - ``blocks``: its blocks; ``outputs``: the blocks concatenated into its output;
        - ``depth``: the most blocks on a path from a cell input to the output;
        - ``from_h1``: block inputs taken from the cell before the previous one;
        - ``ops.NAME``: block inputs that go through op NAME.
        """
        blocks = self.blocks_of(choices)
        depth: list[int] = []
        f = {"blocks": len(blocks), "outputs": len(self._unused(blocks)), "from_h1": 0}
        for in1, op1, in2, op2 in blocks:
            depth.append(1 + max(depth[int(s[1:])] if s.startswith("b") else 0
                                 for s in (in1, in2)))
            f["from_h1"] += (in1 == "h1") + (in2 == "h1")
            for name in (op1, op2):
                f[f"ops.{name}"] = f.get(f"ops.{name}", 0) + 1
        f["depth"] = max(depth)
        return {k: float(v) for k, v in f.items()}


def _live(g: Graph) -> Graph:
    """``g`` without the nodes that do not reach its output (a cell whose output no later
    cell takes, a projection of an input the cell does not use)."""
    live, todo = {g.output}, [g.output]
    while todo:
        for e in g.in_edges(todo.pop()):
            if e.src not in live:
                live.add(e.src)
                todo.append(e.src)
    return Graph(g.inputs, tuple(n for n in g.nodes if n.id in live),
                 tuple(e for e in g.edges if e.dst in live), g.output, name=g.name)


def _tree(src: str, trees: list[str]) -> str:
    return trees[int(src[1:])] if src.startswith("b") else src


def _recipe(layout: str, node: Node) -> str | None:
    params = {k: v for k, v in node.params.items() if k != "width"}
    return next((name for name, (op, p) in BODY[layout].items()
                 if op == node.op and p == params), None)
