"""The supergraph of a blocks space (PNAS cells; restricted or not).

Every decision is relaxed. A block's input is a softmax-weighted sum of its candidate inputs
(the cell's two inputs and the earlier blocks), and the op applied to it a softmax-weighted
mixture of its candidate ops; the block adds its two mixed (input, op) pairs, as the discrete
block adds its two pairs. The number of blocks is a softmax over cell sizes: a cell of ``n``
blocks outputs the mean of its first ``n`` blocks, and the cell's output mixes those means.
All tensors in the body have the space's ``width`` channels (the mean stands in for the
discrete cell's concatenation of its unused blocks and the projection after it), so no
projection is relaxed. Skeleton: the space's stem, ``cells`` copies of the cell (weights not
shared, architecture shared), the space's readout and a linear head.

Mixing inputs before the op costs one evaluation per candidate op and pair, not one per
(input, op) combination: about 2 x ops x blocks op evaluations per cell.
"""

from __future__ import annotations

import torch
from torch import nn

from graphnas.graph import InputSpec, OutputSpec
from graphnas.spaces import Space
from graphnas.spaces.blocks import BlocksSpace
from graphnas.spaces.recipes import BODY, STEMS, causal, fixed_readout

from .cell import MixedEdge, read_out
from .mixed import MixedOp, _mix, parameter_free
from .supergraph import Supergraph, base_space, best_first


def _key(label: str) -> str:
    return label.replace(".", "__")


def all_decisions(space: Space) -> list:
    """``n_blocks``, then every decision of the largest cell ``space`` allows, in order (the
    blocks' decisions do not depend on earlier choices, only on the cell size)."""
    first = space.next_decision([])
    prefix, out = [len(first.options) - 1], [first]
    while (d := space.next_decision(prefix)) is not None:
        out.append(d)
        prefix.append(0)
    return out


class BlocksSupergraph(Supergraph):
    """The supergraph of a blocks space; see the module docstring."""

    def __init__(self, space: Space, input_spec: InputSpec, output_spec: OutputSpec) -> None:
        super().__init__()
        base = base_space(space)
        if not isinstance(base, BlocksSpace):
            raise ValueError("BlocksSupergraph covers the blocks space")
        self.space, self.out_spec, self.layout = space, output_spec, base.layout
        self.decisions = all_decisions(space)
        self.options = {d.label: list(d.options) for d in self.decisions}
        self.sizes = list(self.decisions[0].options)  # cell sizes, as block counts
        self.n_blocks_label = self.decisions[0].label
        w = base.width
        self.table = causal(BODY[self.layout]) if output_spec.causal else BODY[self.layout]
        c_in = 1 if input_spec.layout == "tokens" else input_spec.shape.channels
        stem = next(iter(STEMS[input_spec.layout].values()))  # as BlocksSpace.decode
        self.stem = MixedOp([stem], [w], w, input_spec.layout, c_in, input_spec.vocab)
        op_labels = [d.label for d in self.decisions if d.key == "op"]
        self.cells = nn.ModuleList(
            nn.ModuleDict({_key(label): MixedEdge(self.options[label], self.table,
                                                     self.layout, w)
                           for label in op_labels})
            for _ in range(base.cells))
        self.blocks = [tuple(d.label for d in self.decisions[1 + 4 * i: 5 + 4 * i])
                       for i in range(max(self.sizes))]
        self.readout = fixed_readout(self.layout, output_spec)[0]  # as BlocksSpace.decode
        self.head = nn.Linear(w, output_spec.size)
        self.alpha = nn.ParameterDict({
            _key(d.label): nn.Parameter(torch.zeros(len(d.options))) for d in self.decisions})

    # -- forward ---------------------------------------------------------------------------
    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.layout == "sequence" and x.dim() == 3 and x.dtype.is_floating_point:
            x = x.transpose(1, 2)  # (B, T, C) -> (B, C, T)
        one = torch.ones(1, device=x.device)
        h = self.stem(x, one, one)
        h0, h1 = h, h
        for cell in self.cells:
            h0, h1 = self._cell(cell, h0, h1), h0
        return read_out(h0, self.readout, self.out_spec, self.head)

    def _cell(self, cell: nn.ModuleDict, h0: torch.Tensor, h1: torch.Tensor) -> torch.Tensor:
        source = {"h0": h0, "h1": h1}
        outs, total = [], None
        for i, (in1, op1, in2, op2) in enumerate(self.blocks):
            pairs = [self._pair(cell, source, a, b) for a, b in ((in1, op1), (in2, op2))]
            source[f"b{i}"] = pairs[0] + pairs[1]
            total = source[f"b{i}"] if total is None else total + source[f"b{i}"]
            outs.append(total / (i + 1))  # the output of a cell of i + 1 blocks
        sizes = self.probs(self.n_blocks_label)
        return _mix(sizes, [lambda n=n: outs[n - 1] for n in self.sizes], ())

    def _pair(self, cell: nn.ModuleDict, source: dict, in_label: str, op_label: str
              ) -> torch.Tensor:
        names = self.options[in_label]
        x = _mix(self.probs(in_label), [lambda s=s: source[s] for s in names], ())
        return cell[_key(op_label)](x, self.probs(op_label))

    # -- hard decisions --------------------------------------------------------------------
    def _cut(self, choices: list[int]) -> list[int]:
        """A choice sequence of the largest cell cut to the cell size it chose."""
        return choices[:1 + 4 * self.sizes[choices[0]]]

    def choices(self) -> list[int]:
        return self._cut(super().choices())

    def ranked_choices(self, k: int) -> list[list[int]]:
        """The ``k`` cells that give up the least probability against the per-decision argmax
        (as :meth:`Supergraph.ranked_choices`, :meth:`choices` first): for each cell size,
        best-first over its own blocks' decisions, scored by what the size and those
        decisions give up; the decisions of blocks past a cell's size play no part."""
        ranks = self.option_ranks()
        found = []
        for size_index, size_logp in ranks[0]:
            own = ranks[1:1 + 4 * self.sizes[size_index]]
            best = ranks[0][0][1] + sum(r[0][1] for r in own)
            found += [(logp - best, c) for logp, c in
                      best_first([[(size_index, size_logp)], *own], k)]
        found.sort(key=lambda f: -f[0])  # stable: the more probable size first among ties
        return [c for _, c in found[:k]]

    def parameter_free_share(self) -> float:
        """Share of the op decisions of the chosen cell size whose strongest op has no
        weights, among those offered both kinds."""
        n = self.sizes[int(self.alpha[_key(self.n_blocks_label)].detach().argmax())]
        picks = []
        for block in self.blocks[:n]:
            for label in (block[1], block[3]):
                kinds = [parameter_free(self.table[o]) for o in self.options[label]]
                if len(set(kinds)) < 2:
                    continue
                picks.append(kinds[int(self.alpha[_key(label)].detach().argmax())])
        return sum(picks) / len(picks) if picks else 0.0
