"""The recurrent-cell space of NAS-RL (Zoph & Le 2017): a cell written as a computation tree,
decoded into a graph whose memory links carry h and c (TensorFlow's ``NASCell`` is the cell the
paper found, written out).

The tree has ``leaves`` = 2, 4 or 8 leaves and is complete and binary; its nodes are numbered as
in the paper: the leaves ``0 .. L-1``, then the nodes above them level by level, so node
``L + q`` combines nodes ``2q`` and ``2q + 1`` and node ``2L - 2`` is the root. Every node has a
combination (``add`` or ``mul``, elementwise) and an activation (``tanh``, ``sigmoid``,
``relu``, ``identity``): a leaf computes ``act(W x_t  comb  U h_{t-1})`` (W and U are linear
maps of their own), a node above computes ``act(left  comb  right)``; the root's value is
h_t. The *cell inject* combines c_{t-1} with the output of one chosen node j (not the root),
``a_j <- act'(a_j  comb'  c_{t-1})``, before j's parent reads it; the *cell index* k names the
node whose value before its activation is the new c_t; k is a node above j (``cell.node``
offers the nodes on the path from j's parent to the root), because a memory link must run back
to a node before its source and so close a cycle: c_t is made from c_{t-1}, as in NASCell and
the LSTM. (The paper's own example also takes c_t from a node beside the inject, which makes c a
one-step delay of that node; the graph language has no memory link that runs forward, so the
space leaves those cells out.) ``extra_ops=True`` adds the paper's optional ops: ``max`` as a
combination and ``sin`` as an activation.

c_{t-1} starts at zero, so a cell whose inject multiplies, under nodes that all multiply and,
below the root, keep 0 at 0 (every activation but sigmoid), has c_t = 0 at every step and an h_t
that never depends on the input. Those cells are left out: after such an inject combination,
``inject.act`` offers only ``sigmoid`` (sigmoid(0) = 1/2, which the next product does not
silence).

Decisions, in order: ``node{i}.comb`` and ``node{i}.act`` for every node i (leaves first, the
root last), ``inject.node``, ``inject.comb``, ``inject.act``, ``cell.node``. The activation
decisions share the key ``op`` (so ``restrict({"op": [...]})`` narrows them all).

Graph: stem (a linear map for sequences and vectors, an embedding for tokens, a 3x3 convolution
for images) -> ``layers`` copies of the cell (the second reads the first's h_t; weights not
shared) -> readout (the last step, every step for per-step outputs, global average pooling for
images). In a cell (ids prefixed ``l0_``, ``l1_``): ``h`` is h_{t-1} (a memory link from the
root), ``n{i}_w`` and ``n{i}_u`` are leaf i's W and U (1x1 convolutions on images), ``n{i}``
is node i (its activation, its combination as the merge), ``c`` is c_t (node k's merge, node k
then only applies its activation) and ``inj`` is the inject (a memory link from ``c``). Inputs
without a time axis run the cell for the builder's ticks.

The LSTM is a point of the default language (``preset("lstm")``): with 8 leaves,

- node 8 = sigmoid(leaf 0 + leaf 1) with identity leaves: f (two linear maps added are one);
- inject at node 8, ``mul`` and ``identity``: f * c_{t-1};
- node 9 = identity(leaf 2 * leaf 3), leaf 2 = sigmoid(Wx + Uh): i, leaf 3 = tanh(Wx + Uh): g;
- node 12 = tanh(node 8 + node 9) and the cell index 12: c_t = f * c_{t-1} + i * g, and node
  12's value is tanh(c_t);
- nodes 10, 11 = identity(sum of two identity leaves), node 13 = sigmoid(node 10 + node 11): o;
- the root 14 = identity(node 12 * node 13) = o * tanh(c_t) = h_t.

The split gates (f over two leaves, o over four) have more weights than the LSTM's but the same
functions: a sum of linear maps is a linear map. No extension of the language is needed. With 4
leaves the LSTM is not in the space: i * g needs i and g as sibling leaves, so f and o are the
other two siblings and meet before i * g does, while h_t = o * tanh(f * c + i * g) needs f and
i * g to meet first.

Structure features: see :meth:`RnnCellSpace.structure_features`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphnas.graph import Edge, Graph, InputSpec, MemoryLink, Node, OutputSpec

from .base import Decision, Space
from .recipes import READOUTS, STEMS, body_layout

COMBINATIONS = ("add", "mul")
ACTIVATIONS = ("tanh", "sigmoid", "relu", "identity")
EXTRA_COMBINATIONS = ("max",)
EXTRA_ACTIVATIONS = ("sin",)
ACTIVATION_OPS = {"tanh": ("tanh", {}), "sigmoid": ("sigmoid", {}), "relu": ("relu", {}),
                  "identity": ("identity", {}), "sin": ("expr", {"expression": "sin(x)"})}
ZERO_AT_ZERO = frozenset({"tanh", "relu", "identity", "sin"})  # activations with f(0) = 0
LINEAR = {"sequence": ("linear", {}), "vector": ("linear", {}),
          "image": ("conv2d", {"kernel": 1})}  # W and U: the same map at every position

_LSTM = {  # node -> (combination, activation); see the module docstring
    **{i: ("add", "identity") for i in (0, 1, 4, 5, 6, 7)}, 2: ("add", "sigmoid"),
    3: ("add", "tanh"), 8: ("add", "sigmoid"), 9: ("mul", "identity"),
    10: ("add", "identity"), 11: ("add", "identity"), 12: ("add", "tanh"),
    13: ("add", "sigmoid"), 14: ("mul", "identity")}
_NASCELL = {  # tf.contrib.rnn.NASCell
    0: ("add", "sigmoid"), 1: ("add", "relu"), 2: ("add", "sigmoid"), 3: ("mul", "relu"),
    4: ("add", "tanh"), 5: ("add", "sigmoid"), 6: ("add", "tanh"), 7: ("add", "sigmoid"),
    8: ("mul", "tanh"), 9: ("add", "tanh"), 10: ("mul", "tanh"), 11: ("add", "sigmoid"),
    12: ("mul", "identity"), 13: ("add", "tanh"), 14: ("mul", "tanh")}
PRESETS: Mapping[str, dict[str, Any]] = {  # 8-leaf cells by name, as label -> option value
    "lstm": {**{f"node{i}.{f}": v for i, cv in _LSTM.items()
                for f, v in zip(("comb", "act"), cv)},
             "inject.node": 8, "inject.comb": "mul", "inject.act": "identity", "cell.node": 12},
    "nascell": {**{f"node{i}.{f}": v for i, cv in _NASCELL.items()
                   for f, v in zip(("comb", "act"), cv)},
                "inject.node": 8, "inject.comb": "add", "inject.act": "tanh", "cell.node": 12},
}


class RnnCellSpace(Space):
    """NAS-RL recurrent cells; see the module docstring.

    Args:
        input_spec, output_spec: the task's specs.
        leaves: the tree's leaves (2, 4 or 8).
        layers: stacked cells (1 or 2).
        width: the width of h, c and every W and U.
        extra_ops: also offer ``max`` (combination) and ``sin`` (activation).
    """

    name = "rnn_cell"

    def __init__(self, input_spec: InputSpec, output_spec: OutputSpec, leaves: int = 8,
                 layers: int = 1, width: int = 64, extra_ops: bool = False) -> None:
        if leaves not in (2, 4, 8):
            raise ValueError(f"rnn_cell: leaves must be 2, 4 or 8, got {leaves}")
        if layers not in (1, 2):
            raise ValueError(f"rnn_cell: layers must be 1 or 2, got {layers}")
        if width < 1:
            raise ValueError(f"rnn_cell: width must be >= 1, got {width}")
        self.input_spec, self.output_spec = input_spec, output_spec
        self.layout = body_layout(input_spec.layout)
        self.leaves, self.layers, self.width = leaves, layers, width
        self.extra_ops = bool(extra_ops)
        self.combinations = COMBINATIONS + (EXTRA_COMBINATIONS if extra_ops else ())
        self.ops = ACTIVATIONS + (EXTRA_ACTIVATIONS if extra_ops else ())
        self.n_nodes = 2 * leaves - 1
        self.root = self.n_nodes - 1
        self._tree = [d for i in range(self.n_nodes)
                      for d in (Decision(f"node{i}.comb", self.combinations, "comb"),
                                Decision(f"node{i}.act", self.ops, "op"))]
        self._inject = [Decision("inject.node", tuple(range(self.root)), "inject"),
                        Decision("inject.comb", self.combinations, "comb"),
                        Decision("inject.act", self.ops, "op")]
        self._inject_sigmoid = Decision("inject.act", ("sigmoid",), "op")
        self._cell = [Decision("cell.node", self.above(j), "cell") for j in range(self.root)]

    # -- the tree ----------------------------------------------------------------------------
    def children(self, i: int) -> tuple[int, int] | None:
        """The two nodes node ``i`` combines (None for a leaf)."""
        if i < self.leaves:
            return None
        q = i - self.leaves
        return 2 * q, 2 * q + 1

    def parent(self, i: int) -> int | None:
        return None if i == self.root else self.leaves + i // 2

    def above(self, i: int) -> tuple[int, ...]:
        """The nodes on the path from node ``i``'s parent to the root."""
        out = []
        while (i := self.parent(i)) is not None:
            out.append(i)
        return tuple(out)

    def subtree(self, i: int) -> set[int]:
        """Node ``i`` and every node below it."""
        out, todo = set(), [i]
        while todo:
            k = todo.pop()
            out.add(k)
            todo.extend(self.children(k) or ())
        return out

    def level(self, i: int) -> int:
        """0 for a leaf, one more per node above."""
        n = 0
        while (kids := self.children(i)) is not None:
            i, n = kids[0], n + 1
        return n

    # -- decisions ---------------------------------------------------------------------------
    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        n = len(choices)
        if n < len(self._tree):
            return self._tree[n]
        n -= len(self._tree)
        if n == 2 and self.inject_silences(choices):
            return self._inject_sigmoid
        if n < 3:
            return self._inject[n]
        if n == 3:
            return self._cell[choices[len(self._tree)]]
        return None

    def inject_silences(self, choices: Sequence[int]) -> bool:
        """Whether, after ``choices`` up to ``inject.comb``, an inject activation that keeps 0
        at 0 would make h_t the same at every step whatever the input: the inject multiplies
        (c_{t-1} starts at zero), every node above it multiplies, and every one below the root
        keeps 0 at 0."""
        t = len(self._tree)
        above = self.above(self._inject[0].options[choices[t]])
        return self.combinations[choices[t + 1]] == "mul" and all(
            self.combinations[choices[2 * i]] == "mul" and
            (i == self.root or self.ops[choices[2 * i + 1]] in ZERO_AT_ZERO) for i in above)

    def size(self) -> int:
        """Per inject node j: the tree's and the inject's (combination, activation) pairs, less
        the silent cells' (a multiplying inject under multiplying nodes that keep 0 at 0 has
        only ``sigmoid``), times the cell nodes above j."""
        n_comb, n_act = len(self.combinations), len(self.ops)
        per, zero = n_comb * n_act, sum(a in ZERO_AT_ZERO for a in self.ops)
        total = 0
        for j in range(self.root):
            above = len(self.above(j))
            silent_trees = per ** (self.n_nodes - above) * zero ** (above - 1) * n_act
            total += above * (per ** self.n_nodes * per - silent_trees * (n_act - 1))
        return total

    def parts(self, choices: Sequence[int]) -> dict[str, Any]:
        """The cell as values: ``nodes`` (a (combination, activation) per node), ``inject``
        (node, combination, activation) and ``cell`` (the cell index)."""
        if not self.valid_choices(choices):
            raise ValueError(f"not a complete choice sequence of the rnn_cell space: "
                             f"{list(choices)}")
        v = {d.label: d.options[c] for d, c in zip(self.decisions(choices), choices)}
        return {"nodes": [(v[f"node{i}.comb"], v[f"node{i}.act"]) for i in range(self.n_nodes)],
                "inject": (v["inject.node"], v["inject.comb"], v["inject.act"]),
                "cell": v["cell.node"]}

    def choices_for(self, values: Mapping[str, Any]) -> tuple[int, ...]:
        """The choices that take the given option value per decision label."""
        out: list[int] = []
        while (d := self.next_decision(out)) is not None:
            if d.label not in values or values[d.label] not in d.options:
                raise ValueError(f"rnn_cell: no option {values.get(d.label)!r} at {d.label}")
            out.append(d.options.index(values[d.label]))
        return tuple(out)

    def preset(self, name: str) -> tuple[int, ...]:
        """The choices of a known 8-leaf cell: ``lstm`` or ``nascell``."""
        if name not in PRESETS:
            raise ValueError(f"unknown rnn_cell preset {name!r}; use one of "
                             f"{', '.join(PRESETS)}")
        if self.leaves != 8:
            raise ValueError(f"the {name} cell has 8 leaves; this space has {self.leaves}")
        return self.choices_for(PRESETS[name])

    # -- decode / encode --------------------------------------------------------------------
    def decode(self, choices: Sequence[int]) -> Graph:
        parts = self.parts(choices)
        stem_op, stem_params = next(iter(STEMS[self.input_spec.layout].values()))
        nodes = [Node("stem", stem_op, {**stem_params, "width": self.width})]
        edges = [Edge("x", "stem")]
        memory: list[MemoryLink] = []
        prev = "stem"
        for layer in range(self.layers):
            prev = self._cell_nodes(f"l{layer}_", prev, parts, nodes, edges, memory)
        op, params = next(iter(READOUTS[self.layout].values()))
        if self.layout == "sequence" and self.output_spec.per_step:
            op, params = "identity", {}
        nodes.append(Node("readout", op, params))
        edges.append(Edge(prev, "readout"))
        return Graph(("x",), tuple(nodes), tuple(edges), "readout", tuple(memory),
                     name="rnn_cell")

    def _cell_nodes(self, p: str, x: str, parts: dict[str, Any], nodes: list, edges: list,
                    memory: list) -> str:
        """Adds one cell reading ``x``; returns its h_t node."""
        j, inj_comb, inj_act = parts["inject"]
        k = parts["cell"]
        h = f"{p}n{self.root}"
        nodes.append(Node(f"{p}h", "identity"))
        memory.append(MemoryLink(h, f"{p}h"))
        lin, lin_params = LINEAR[self.layout]
        out = {i: f"{p}inj" if i == j else f"{p}n{i}" for i in range(self.n_nodes)}
        for i, (comb, act) in enumerate(parts["nodes"]):
            kids = self.children(i)
            if kids is None:
                ins = [f"{p}n{i}_w", f"{p}n{i}_u"]
                nodes += [Node(ins[0], lin, {**lin_params, "width": self.width}),
                          Node(ins[1], lin, {**lin_params, "width": self.width})]
                edges += [Edge(x, ins[0]), Edge(f"{p}h", ins[1])]
            else:
                ins = [out[kids[0]], out[kids[1]]]
            op, params = ACTIVATION_OPS[act]
            if i == k:  # c_t is this node's value before its activation
                nodes += [Node(f"{p}c", "identity", merge=comb), Node(f"{p}n{i}", op, params)]
                edges += [*(Edge(src, f"{p}c", port) for port, src in enumerate(ins)),
                          Edge(f"{p}c", f"{p}n{i}")]
            else:
                nodes.append(Node(f"{p}n{i}", op, params, merge=comb))
                edges += [Edge(src, f"{p}n{i}", port) for port, src in enumerate(ins)]
        op, params = ACTIVATION_OPS[inj_act]
        nodes.append(Node(f"{p}inj", op, params, merge=inj_comb))
        edges.append(Edge(f"{p}n{j}", f"{p}inj"))
        memory.append(MemoryLink(f"{p}c", f"{p}inj", port=1))
        return h

    def encode(self, arch: Any) -> tuple[int, ...]:
        if not isinstance(arch, Graph):
            raise ValueError("the rnn_cell space holds graphs")
        try:
            values = self._values(arch)
            choices = self.choices_for(values)
        except (KeyError, IndexError, ValueError):
            raise ValueError("graph is not in this rnn_cell space") from None
        if self.decode(choices) != arch:
            raise ValueError("graph is not in this rnn_cell space")
        return choices

    def _values(self, g: Graph) -> dict[str, Any]:
        """Label -> option value, read from the first cell's nodes (KeyError if missing)."""
        names = {(op, tuple(sorted(params.items()))): name
                 for name, (op, params) in ACTIVATION_OPS.items()}

        def act(node: Node) -> str:
            return names[(node.op, tuple(sorted(node.params.items())))]

        k = next(int(e.dst[len("l0_n"):]) for e in g.edges if e.src == "l0_c")
        j = int(g.in_edges("l0_inj")[0].src[len("l0_n"):])
        values: dict[str, Any] = {"inject.node": j, "cell.node": k}
        for i in range(self.n_nodes):
            node = g.node(f"l0_n{i}")
            merge = g.node("l0_c").merge if i == k else node.merge
            values[f"node{i}.comb"], values[f"node{i}.act"] = merge, act(node)
        inj = g.node("l0_inj")
        values["inject.comb"], values["inject.act"] = inj.merge, act(inj)
        return values

    # -- description -------------------------------------------------------------------------
    def describe(self, choices: Sequence[int]) -> str:
        """The cell as formulas, one line per node, e.g. ``a8 = tanh(a0 * a1)``."""
        parts = self.parts(choices)
        sym = {"add": "+", "mul": "*"}
        j, inj_comb, inj_act = parts["inject"]

        def combine(comb: str, a: str, b: str) -> str:
            return f"{a} {sym[comb]} {b}" if comb in sym else f"{comb}({a}, {b})"

        lines = []
        for i, (comb, act) in enumerate(parts["nodes"]):
            kids = self.children(i)
            a, b = (f"W{i} x", f"U{i} h") if kids is None else (f"a{kids[0]}", f"a{kids[1]}")
            lines.append(f"a{i} = {act}({combine(comb, a, b)})")
            if i == parts["cell"]:
                lines.append(f"c_t = {combine(comb, a, b)}  (a{i} before its activation)")
            if i == j:
                lines.append(f"a{i} <- {inj_act}({combine(inj_comb, f'a{i}', 'c_(t-1)')})"
                             "  (cell inject)")
        lines.append(f"h_t = a{self.root}")
        return "\n".join(lines) + "\n"

    def artifacts(self, arch: Any) -> dict[str, str]:
        """``cell.txt``: the found cell as formulas (:meth:`describe`)."""
        return {"cell.txt": self.describe(self.encode(arch))}

    def structure_features(self, choices: Sequence[int]) -> dict[str, float]:
        """The cell, as counts (see ``Space.structure_features``):

        - ``gates``: sigmoid outputs that a multiplication reads (gates, in LSTM terms: the
          LSTM has 3);
        - ``inject_level``, ``cell_level``: the levels of the inject and of the cell index
          (0 for a leaf);
        - ``comb.NAME``: nodes (and the inject) that combine by NAME;
        - ``ops.NAME``: nodes (and the inject) with activation NAME.
        """
        parts = self.parts(choices)
        j, inj_comb, inj_act = parts["inject"]
        k = parts["cell"]
        combs = [c for c, _ in parts["nodes"]] + [inj_comb]
        acts = [a for _, a in parts["nodes"]] + [inj_act]
        nodes = parts["nodes"]
        gates = sum(a == "sigmoid" and i not in (j, self.root) and
                    nodes[self.parent(i)][0] == "mul" for i, (_, a) in enumerate(nodes))
        gates += nodes[j][1] == "sigmoid" and inj_comb == "mul"  # it multiplies c_(t-1)
        gates += inj_act == "sigmoid" and nodes[self.parent(j)][0] == "mul"
        f = {"gates": gates,
             "inject_level": self.level(j), "cell_level": self.level(k)}
        for c in self.combinations:
            f[f"comb.{c}"] = combs.count(c)
        for a in set(acts):
            f[f"ops.{a}"] = acts.count(a)
        return {name: float(v) for name, v in f.items()}
