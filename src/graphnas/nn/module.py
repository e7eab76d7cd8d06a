"""The built network: runs a plan (plain data made by ``graphnas.nn.plan``) with torch only.

Components without a cycle run vectorised over the whole sequence. A cyclic component runs as a
loop: over time steps for sequences, each node seeing one step (B, C), or for a fixed number of
ticks over inputs without a time axis. Memory starts at zeros; gradients flow back through the
loop (backpropagation through time).
"""

import torch
from torch import nn

from .layers import OPS
from .merges import Node

_EXT, _CUR, _PREV = 0, 1, 2


class GraphModule(nn.Module):
    """A network built from a graph. ``forward(x)`` takes the task's batched input."""

    def __init__(self, plan):
        super().__init__()
        self.plan = plan
        self.nodes = nn.ModuleDict()
        for nid, n in plan["nodes"].items():
            op = OPS[n["op"]](n["params"], n["site"])
            self.nodes[nid] = Node(op, n["merge"], n["widths"], n["gates"], n["c_fwd"])
        head = plan["head"]
        self.head = nn.Linear(head["c_in"], plan["output"]["size"])
        self._steps = [self._compile(c) for c in plan["components"]]

    def _compile(self, comp):
        """Per component: the members with input references resolved to fast lookups."""
        members = set(comp["nodes"])
        steps = []
        for nid in comp["nodes"]:
            refs = []
            for kind, src in self.plan["nodes"][nid]["inputs"]:
                if kind == "mem":
                    refs.append((_PREV, src))
                elif src in members:
                    refs.append((_CUR, src))
                else:
                    refs.append((_EXT, src))
            steps.append((nid, self.nodes[nid].forward, refs))
        mem_srcs = sorted({src for _, _, refs in steps for k, src in refs if k == _PREV})
        return comp, steps, mem_srcs

    def forward(self, x):
        plan = self.plan
        if plan["input"]["layout"] == "sequence":
            x = x.transpose(1, 2)  # (B, T, C) -> (B, C, T)
        vals = {plan["inputs"][0]: x}
        for comp, steps, mem_srcs in self._steps:
            if not comp["cyclic"]:
                for nid, node, refs in steps:
                    vals[nid] = node([vals[src] for _, src in refs])
            elif comp["over_time"]:
                self._run_over_time(steps, mem_srcs, vals)
            else:
                self._run_ticks(steps, mem_srcs, vals)
        return self._head(vals[plan["output_id"]])

    def _zeros(self, src, like):
        shape = self.plan["nodes"][src]["step_shape"]
        return like.new_zeros((like.shape[0], *shape))

    def _run_over_time(self, steps, mem_srcs, vals):
        ext = {}
        for _, _, refs in steps:
            for kind, src in refs:
                if kind == _EXT and src not in ext:
                    ext[src] = vals[src].unbind(-1)  # T tensors of (B, C)
        like = next(iter(ext.values()))[0] if ext else next(iter(vals.values()))
        length = len(next(iter(ext.values()))) if ext else self.plan["length"]
        prev = {src: self._zeros(src, like) for src in mem_srcs}
        outs = {nid: [] for nid, _, _ in steps}
        for t in range(length):
            cur = {}
            for nid, node, refs in steps:
                ins = []
                for kind, src in refs:
                    if kind == _CUR:
                        ins.append(cur[src])
                    elif kind == _PREV:
                        ins.append(prev[src])
                    else:
                        ins.append(ext[src][t])
                cur[nid] = node(ins)
                outs[nid].append(cur[nid])
            prev = {src: cur[src] for src in mem_srcs}
        for nid, _, _ in steps:
            vals[nid] = torch.stack(outs[nid], dim=-1)  # (B, C, T)

    def _run_ticks(self, steps, mem_srcs, vals):
        like = next(iter(vals.values()))
        prev = {src: self._zeros(src, like) for src in mem_srcs}
        cur = {}
        for _ in range(self.plan["ticks"]):
            cur = {}
            for nid, node, refs in steps:
                cur[nid] = node([cur[s] if k == _CUR else prev[s] if k == _PREV else vals[s]
                                 for k, s in refs])
            prev = {src: cur[src] for src in mem_srcs}
        vals.update(cur)

    def _head(self, out):
        mode = self.plan["head"]["mode"]
        if mode == "per_step":
            return self.head(out.transpose(1, 2))  # (B, C, T) -> (B, T, size)
        if mode == "last":
            out = out[:, :, -1]
        elif mode == "flatten":
            out = out.flatten(1)
        return self.head(out)
