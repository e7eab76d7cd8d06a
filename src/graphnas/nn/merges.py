"""Merges of a node's inputs and the gates on memory links (torch and ``layers`` only).

Merge rule: for add, mul, mean, max and interp every input narrower than the widest gets a
learned channel projection (:class:`ChannelLinear`) to the widest; concat joins channels as they
are. Inputs are ordered by port, forward edges before memory links at equal ports.
"""

import torch
from torch import nn

from .layers import ChannelLinear


class Merge(nn.Module):
    def __init__(self, kind, widths):
        super().__init__()
        self.kind = kind or "add"
        target = max(widths)
        self.proj = nn.ModuleList(
            nn.Identity() if (self.kind == "concat" or w == target) else ChannelLinear(w, target)
            for w in widths
        )
        self.projected = [i for i, p in enumerate(self.proj) if not isinstance(p, nn.Identity)]

    def forward(self, xs):
        if self.projected:
            xs = list(xs)
            for i in self.projected:
                xs[i] = self.proj[i](xs[i])
        if len(xs) == 1:
            return xs[0]
        kind = self.kind
        if kind == "concat":
            return torch.cat(xs, dim=1)
        if kind == "interp":
            g, a, b = xs
            if not g.dtype == a.dtype == b.dtype:  # mixed precision (autocast): the widest
                dtype = torch.promote_types(torch.promote_types(a.dtype, b.dtype), g.dtype)
                g, a, b = g.to(dtype), a.to(dtype), b.to(dtype)
            return torch.lerp(b, a, g)  # g * a + (1 - g) * b, one kernel
        out = xs[0]
        for x in xs[1:]:
            if kind == "mul":
                out = out * x
            elif kind == "max":
                out = torch.maximum(out, x)
            else:
                out = out + x
        if kind == "mean":
            out = out / len(xs)
        return out


class MemoryGate(nn.Module):
    """What a memory link delivers from the remembered value ``m``.

    none: ``m``; sigmoid: ``sigmoid(W [u, m]) * m``; gru: with ``z = sigmoid(W [u, m])``,
    ``z * m + (1 - z) * V u``, where ``u`` is the node's forward inputs at this step, concatenated
    (a node with only memory inputs has no ``u``: its gates see ``m`` alone and gru gives ``z*m``).
    """

    def __init__(self, kind, c_mem, c_fwd):
        super().__init__()
        self.kind = kind
        self.gate = ChannelLinear(c_fwd + c_mem, c_mem) if kind != "none" else None
        self.cand = ChannelLinear(c_fwd, c_mem) if (kind == "gru" and c_fwd) else None

    def forward(self, m, u):
        if self.gate is None:
            return m
        z = torch.sigmoid(self.gate(m if u is None else torch.cat([u, m], dim=1)))
        if self.kind == "sigmoid":
            return z * m
        if self.cand is None:
            return z * m
        c = self.cand(u)
        return c + z * (m - c)


class Node(nn.Module):
    """One node: gates on its memory inputs, its merge, then its op."""

    def __init__(self, op, merge, widths, gates, c_fwd):
        super().__init__()
        self.op = op
        self.merge = Merge(merge, widths)
        self.gated = [i for i, g in enumerate(gates) if g not in (None, "none")]
        self.gates = nn.ModuleDict(
            {str(i): MemoryGate(gates[i], widths[i], c_fwd) for i in self.gated})
        self.fwd_index = [i for i, g in enumerate(gates) if g is None]
        self.single = len(widths) == 1 and not self.gated  # fast path: no merge, no gate
        self.op_forward = op.forward  # skips nn.Module.__call__ overhead on the hot path

    def forward(self, xs):
        if self.single:
            return self.op_forward(xs[0])
        if self.gated:
            u = None
            if self.fwd_index:
                u = torch.cat([xs[i] for i in self.fwd_index], dim=1) \
                    if len(self.fwd_index) > 1 else xs[self.fwd_index[0]]
            xs = list(xs)
            for i in self.gated:
                xs[i] = self.gates[str(i)](xs[i], u)
        return self.op_forward(self.merge(xs))
