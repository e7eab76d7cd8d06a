"""The supergraph of a cell space (restricted or not): DARTS's own relaxation.

Every edge i -> j of the cell mixes its candidate ops (a softmax over the edge's options, "none"
contributing zeros) and a node sums its incoming edges, as the discrete cell does. The
skeleton is the discrete one: the space's stem, ``n_cells`` copies of the cell (weights not
shared, architecture shared: one logit vector per edge decision), the space's readout and a
linear head. All tensors in the body have the space's ``width`` channels, so no width is
relaxed. The discrete cell's pruning (nodes cut off from the input or the output vanish, a cell
whose output is cut off passes its input through) is not relaxed: the argmax decodes through
the space, which applies it.
"""

from __future__ import annotations

import torch
from torch import nn

from graphnas.graph import InputSpec, OutputSpec, resolve_params
from graphnas.nn.layers import OPS as FACTORIES
from graphnas.spaces import CellSpace, Space
from graphnas.spaces.cell import EDGE_OPS
from graphnas.spaces.recipes import STEMS, fixed_readout, weighted

from .mixed import MixedOp, _mix, parameter_free
from .supergraph import Supergraph, base_space


def read_out(h: torch.Tensor, readout: str, out_spec: OutputSpec, head: nn.Module
             ) -> torch.Tensor:
    """A cell stack's body output through the space's fixed readout and the linear head."""
    if out_spec.per_step:
        return head(h.transpose(1, 2))  # (B, T, size)
    if readout == "global_avg_pool":
        h = h.flatten(2).mean(-1)
    elif readout == "global_max_pool":
        h = h.flatten(2).amax(-1)
    elif h.dim() == 3:  # a sequence's last step
        h = h[..., -1]
    return head(h)


class MixedEdge(nn.Module):
    """One edge (or block input) of a cell: a mixture of its candidate ops, recipes of
    ``table`` (name -> (op, params)), each at ``width`` channels; a ``None`` recipe ("none")
    gives zeros."""

    def __init__(self, names: list[str], table: dict, layout: str, width: int) -> None:
        super().__init__()
        self.names = names
        self.ops = nn.ModuleDict()
        for name in names:
            if table[name] is None:
                continue
            op, params = table[name]
            p = resolve_params(op, {**params, **({"width": width} if weighted(op) else {})})
            site = {"c_in": width, "layout": layout, "norm_shape": [width], "vocab": None}
            self.ops[name] = FACTORIES[op](p, site)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        fns = [(lambda x, n=n: self.ops[n](x)) if n in self.ops else torch.zeros_like
               for n in self.names]
        return _mix(w, fns, (x,))


class CellSupergraph(Supergraph):
    """The supergraph of a cell space; see the module docstring."""

    def __init__(self, space: Space, input_spec: InputSpec, output_spec: OutputSpec) -> None:
        super().__init__()
        base = base_space(space)
        if not isinstance(base, CellSpace):
            raise ValueError("CellSupergraph covers the cell space")
        self.space, self.out_spec, self.layout = space, output_spec, base.layout
        self.decisions = space.fixed_decisions()
        self.options = {d.label: list(d.options) for d in self.decisions}
        self.edges = [(i, j, d.label) for (i, j), d in zip(base.pairs, self.decisions)]
        self.n, self.width = base.n, base.width
        w = base.width
        c_in = 1 if input_spec.layout == "tokens" else input_spec.shape.channels
        stem = next(iter(STEMS[input_spec.layout].values()))  # as CellSpace.decode
        self.stem = MixedOp([stem], [w], w, input_spec.layout, c_in, input_spec.vocab)
        self.cells = nn.ModuleList(
            nn.ModuleDict({label.replace(".", "__"): MixedEdge(self.options[label],
                                                               EDGE_OPS[self.layout],
                                                               self.layout, w)
                           for _, _, label in self.edges})
            for _ in range(base.n_cells))
        self.readout = fixed_readout(self.layout, output_spec)[0]  # as CellSpace.decode
        self.head = nn.Linear(w, output_spec.size)
        self.alpha = nn.ParameterDict({
            d.label.replace(".", "__"): nn.Parameter(torch.zeros(len(d.options)))
            for d in self.decisions})
        self.gumbel_tau = None
        self._drawn = None

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.layout == "sequence" and x.dim() == 3 and x.dtype.is_floating_point:
            x = x.transpose(1, 2)  # (B, T, C) -> (B, C, T)
        h = self.stem(x, torch.ones(1, device=x.device), torch.ones(1, device=x.device))
        for cell in self.cells:
            nodes = [h]  # node 0: the cell's input; node j sums its incoming edges
            for j in range(1, self.n):
                nodes.append(sum(cell[label.replace(".", "__")](nodes[i], self.probs(label))
                                 for i, dst, label in self.edges if dst == j))
            h = nodes[-1]
        return read_out(h, self.readout, self.out_spec, self.head)

    def parameter_free_share(self) -> float:
        """Share of edges whose strongest op has no weights (identity, activations: a
        collapse drifts to them), among the edges whose strongest option is an op (not
        "none": a sparse cell is no collapse) and that offer both kinds of op."""
        picks = []
        for _, _, label in self.edges:
            names = self.options[label]
            ops = [k for k in names if EDGE_OPS[self.layout][k] is not None]
            if len({parameter_free(EDGE_OPS[self.layout][k]) for k in ops}) < 2:
                continue
            logits = self.alpha[label.replace(".", "__")].detach()
            best = names[int(logits.argmax())]
            if best in ops:
                picks.append(parameter_free(EDGE_OPS[self.layout][best]))
        return sum(picks) / len(picks) if picks else 0.0
