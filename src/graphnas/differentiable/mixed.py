"""Relaxed pieces of a supergraph: a mixed op with a relaxed width, mixed merges and memory.

Every tensor inside a supergraph's body has ``width`` channels (the widest option). A weighted
op is built at that width and a relaxed width choice masks channels: ``sum_w p_w * mask_w * y``.
Weights given as a one-hot (Gumbel, hard) vector run only the chosen path.
"""

from __future__ import annotations

import torch
from torch import nn

from graphnas.graph import OPS, resolve_params
from graphnas.nn.layers import OPS as FACTORIES
from graphnas.nn.layers import ChannelLinear
from graphnas.nn.merges import MemoryGate
from graphnas.spaces.recipes import weighted


def _mix(weights: torch.Tensor, fns, x_args) -> torch.Tensor:
    """sum_k w_k f_k(*x_args), running only nonzero paths of a hard (one-hot) weight vector."""
    w = weights.detach()
    hard = bool(((w == 0) | (w == 1)).all()) and float(w.sum()) == 1.0
    if hard:
        k = int(weights.argmax())
        return weights[k] * fns[k](*x_args)
    return sum(w * f(*x_args) for w, f in zip(weights, fns))


class MixedOp(nn.Module):
    """Candidate recipes for one node, each at ``width`` channels, plus a relaxed width."""

    def __init__(self, recipes: list[tuple[str, dict]], widths: list[int], width: int,
                 layout: str, c_in: int | None = None, vocab: int | None = None) -> None:
        super().__init__()
        c_in = c_in or width
        self.widths = widths
        self.weighted = [weighted(op) for op, _ in recipes]
        self.ops = nn.ModuleList()
        for op, params in recipes:
            p = resolve_params(op, {**params, **({"width": width} if weighted(op) else {})})
            site = {"c_in": c_in, "layout": layout, "norm_shape": [c_in], "vocab": vocab}
            self.ops.append(FACTORIES[op](p, site))
        masks = torch.zeros(len(widths), width)
        for i, w in enumerate(widths):
            masks[i, :w] = 1
        self.register_buffer("masks", masks)

    def forward(self, x: torch.Tensor, op_w: torch.Tensor, width_w: torch.Tensor) -> torch.Tensor:
        mask = (width_w[:, None] * self.masks).sum(0)

        def masked(y: torch.Tensor) -> torch.Tensor:
            return y * mask.view((1, -1) + (1,) * (y.dim() - 2))

        fns = [(lambda x, op=op, wt=wt: masked(op(x)) if wt else op(x))
               for op, wt in zip(self.ops, self.weighted)]
        return _mix(op_w, fns, (x,))


class MixedMerge(nn.Module):
    """A relaxed merge of a node's primary input ``p`` with its other inputs ``s``."""

    def __init__(self, merges: list[str], width: int) -> None:
        super().__init__()
        self.merges = merges
        self.proj = ChannelLinear(2 * width, width) if "concat" in merges else None

    def forward(self, p: torch.Tensor, s: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        def one(kind: str) -> torch.Tensor:
            if kind == "concat":
                return self.proj(torch.cat([p, s], dim=1))
            if kind == "mul":  # bounded, so a relaxed product cannot blow up through time
                return p * (1 + torch.tanh(s))
            if kind == "max":
                return torch.maximum(p, s)
            if kind == "mean":
                return (p + s) / 2
            return p + s

        return _mix(w, [lambda k=k: one(k) for k in self.merges], ())


class MixedGate(nn.Module):
    """A mixture over memory gates (none, sigmoid, gru) for one relaxed memory link."""

    def __init__(self, gates: list[str], width: int) -> None:
        super().__init__()
        self.gates = nn.ModuleList(MemoryGate(g, width, width) for g in gates)

    def forward(self, m: torch.Tensor, u: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return _mix(w, [lambda g=g: g(m, u) for g in self.gates], ())


def parameter_free(recipe: tuple[str, dict]) -> bool:
    """Ops that extract no features (identity, activations, pooling, normalisation, whose only
    weights are an affine rescale): what a collapsing differentiable search drifts to."""
    spec = OPS[recipe[0]]
    return not (spec.weighted and spec.category == "layer")
