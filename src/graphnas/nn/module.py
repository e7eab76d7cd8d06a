"""The built network: runs a plan (plain data made by ``graphnas.nn.plan``) with torch only.

Components without a cycle run vectorised over the whole sequence. A cyclic component runs as a
loop: over time steps for sequences, each node seeing one step (B, C), or for a fixed number of
ticks over inputs without a time axis. Memory starts at zeros; gradients flow back through the
loop (backpropagation through time).

The loop over time is the hot path, so everything that does not depend on the step is settled
before it: each input is resolved to a slot of a list, and a concat-merged linear node that reads
inputs from outside the loop is split, ``W [u, v] + b = (W_u u + b) + W_v v``, with the first
term computed for every step at once before the loop (one matrix product instead of T); split
linears whose inside inputs are the same (an LSTM's four gates; a GRU's two gates and its
``W_hn h``) then share one product per step, their weights joined once per forward. Parameters
and the function stay those of the graph. Only values read after the loop are stacked over time.
"""

import torch
from torch import nn

from .layers import OPS
from .merges import Node

_EXT, _CUR, _PREV = 0, 1, 2


class Split:
    """A concat-merged linear node in a loop over time, split into its outside and inside parts.

    ``refs`` are the node's inputs from inside the loop, ``outside`` the ext slots of the others.
    ``before(ext, batch, length)`` returns the outside part for every step, (B, T, C_out), and the
    transposed weight of the inside part; a step is then ``addmm(pre[t], inside, w_in_t)``: the
    same function as the unsplit node, in one kernel per step. A linear with no outside input
    (fused with split ones that read the same inside inputs) has just its bias as outside part.
    """

    def __init__(self, linear, widths, refs):
        self.linear = linear
        self.refs = [r for r in refs if r[0] != _EXT]
        self.outside = [j for k, j in refs if k == _EXT]
        self.cols_out, self.cols_in = [], []
        self._index = {}  # (columns, device) -> index tensor, made once (no copy per forward)
        start = 0
        for w, (k, _) in zip(widths, refs):
            (self.cols_out if k == _EXT else self.cols_in).extend(range(start, start + w))
            start += w

    def _cols(self, weight, cols):
        if cols == list(range(cols[0], cols[0] + len(cols))):
            return weight[:, cols[0]:cols[0] + len(cols)]
        key = (id(cols), weight.device)
        if key not in self._index:
            self._index[key] = torch.tensor(cols, device=weight.device)
        return weight.index_select(1, self._index[key])

    def before(self, ext, batch, length):
        w, bias = self.linear.weight, self.linear.bias
        if not self.outside:  # a plain linear fused with split ones: its outside part is b
            b = bias if bias is not None else w.new_zeros(w.shape[0])
            return b.expand(batch, length, w.shape[0]), w.t()
        outside = [ext[j] for j in self.outside]
        u = torch.cat(outside, dim=1) if len(outside) > 1 else outside[0]  # (B, Cu, T)
        pre = torch.nn.functional.linear(u.transpose(1, 2), self._cols(w, self.cols_out),
                                         bias)  # (B, T, C_out)
        return pre, self._cols(w, self.cols_in).t()


class WeightGradOverTime(torch.autograd.Function):
    """``pre`` passes through; the gradient of the in-loop weight is computed here, once.

    A step of a split linear is ``y_t = pre_t + v_t W``, and the gradient reaching ``pre_t`` is
    that of ``y_t``. So instead of one product per step for W's gradient (and a sum of T
    partial gradients), the steps multiply by a detached W and this function's backward gives
    ``dW = sum_t v_t^T dy_t`` as one product over all steps, as cuDNN's RNNs do; ``inputs`` is
    the list of the steps' ``v_t`` (detached), filled during the loop.
    """

    @staticmethod
    def forward(ctx, pre, weight, inputs):  # pre (B, T, C_out), weight (C_in, C_out)
        ctx.inputs, ctx.weight_dtype = inputs, weight.dtype
        return pre.view_as(pre)

    @staticmethod
    def backward(ctx, grad):  # grad (B, T, C_out)
        v = torch.stack(ctx.inputs, dim=1).to(grad.dtype)  # (B, T, C_in)
        grad_w = v.reshape(-1, v.shape[-1]).t() @ grad.reshape(-1, grad.shape[-1])
        return grad, grad_w.to(ctx.weight_dtype), None


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
        read_later = set()  # values some later component reads
        for c in plan["components"]:
            for nid in c["nodes"]:
                read_later.update(src for kind, src in plan["nodes"][nid]["inputs"]
                                  if kind == "edge" and src not in c["nodes"])
        out_id = plan["output_id"]
        self._head_last_only = head["mode"] == "last" and out_id not in read_later
        self._steps = [self._compile(c, read_later | {out_id}) for c in plan["components"]]

    def _compile(self, comp, read_after):
        """Per component: members with their inputs resolved to slots, settled once."""
        members = comp["nodes"]
        index = {nid: i for i, nid in enumerate(members)}
        ext_ids = []
        steps = []
        for nid in members:
            refs = []
            for kind, src in self.plan["nodes"][nid]["inputs"]:
                if kind == "mem":
                    refs.append((_PREV, index[src]))
                elif src in index:
                    refs.append((_CUR, index[src]))
                else:
                    if src not in ext_ids:
                        ext_ids.append(src)
                    refs.append((_EXT, ext_ids.index(src)))
            steps.append(([index[nid]], self.nodes[nid].forward, refs, None))
        if comp["over_time"]:
            steps = self._split_and_fuse(steps, members)
        mem = sorted({i for _, _, refs, _ in steps for k, i in refs if k == _PREV})
        keep = [index[n] for n in members if n in read_after]
        return {"cyclic": comp["cyclic"], "over_time": comp["over_time"], "ids": members,
                "ext": ext_ids, "steps": steps, "mem": mem, "keep": keep,
                "zeros": [self.plan["nodes"][members[i]]["step_shape"] for i in mem]}

    def _split_and_fuse(self, steps, members):
        """Split concat-merged linears that read outside values (see :class:`Split`); those whose
        inside inputs are the same, and plain linears on just those inputs, run as one product
        per step, at the first one's place."""
        out, groups = [], {}
        for step in steps:
            slots, _, refs, _ = step
            n, node = self.plan["nodes"][members[slots[0]]], self.nodes[members[slots[0]]]
            if (n["op"] != "linear" or node.gated or all(k == _EXT for k, _ in refs)
                    or (len(refs) > 1 and n["merge"] != "concat")):
                out.append(step)
                continue
            split = Split(node.op, n["widths"], refs)
            key = tuple(split.refs)
            if key in groups:
                groups[key][0].append(slots[0])
                groups[key][3].append(split)
                groups[key][4].append(step)
            else:
                groups[key] = (list(slots), None, split.refs, [split], [step])
                out.append(groups[key])
        fused = []
        for step in out:  # a group without any outside part gains nothing: run it as it was
            if len(step) == 4:
                fused.append(step)
            elif any(sp.outside for sp in step[3]):
                fused.append(step[:4])
            else:
                fused.extend(step[4])
        return fused

    def forward(self, x):
        plan = self.plan
        if plan["input"]["layout"] == "sequence":
            x = x.transpose(1, 2)  # (B, T, C) -> (B, C, T)
        vals = {plan["inputs"][0]: x}
        for comp in self._steps:
            if not comp["cyclic"]:
                for (i,), node, refs, _ in comp["steps"]:
                    vals[comp["ids"][i]] = node([vals[comp["ext"][j]] for _, j in refs])
            elif comp["over_time"]:
                self._run_over_time(comp, vals)
            else:
                self._run_ticks(comp, vals)
        return self._head(vals[plan["output_id"]])

    def _zeros(self, comp, batch, device):
        dtype = self.head.weight.dtype
        return [torch.zeros((batch, *shape), dtype=dtype, device=device)
                for shape in comp["zeros"]]

    def _run_over_time(self, comp, vals):
        ext = [vals[src] for src in comp["ext"]]  # (B, C, T) each
        ext_steps = [v.unbind(-1) for v in ext]  # T tensors of (B, C) each
        length = ext[0].shape[-1] if ext else self.plan["length"]
        batch, device = next(iter(vals.values())).shape[0], self.head.weight.device
        # the step plan: (slots, function, refs, outside part per step, inside weight, sizes,
        # the list that keeps each step's inside inputs for the weight's gradient, or None)
        plan = []
        for slots, node, refs, splits in comp["steps"]:
            if splits is None:
                plan.append((slots[0], node, refs, None, None, None, None))
                continue
            parts = [sp.before(ext, batch, length) for sp in splits]
            pre = torch.cat([p for p, _ in parts], dim=2) if len(parts) > 1 else parts[0][0]
            w_in = torch.cat([w for _, w in parts], dim=1) if len(parts) > 1 else parts[0][1]
            sizes = [w.shape[1] for _, w in parts] if len(parts) > 1 else None
            kept = None
            if self.training and torch.is_grad_enabled() and w_in.requires_grad:
                kept = []
                pre = WeightGradOverTime.apply(pre, w_in, kept)
                w_in = w_in.detach()
            plan.append((slots if sizes else slots[0], None, refs, pre.unbind(1), w_in, sizes,
                         kept))
        n = len(comp["ids"])
        prev = [None] * n
        for i, z in zip(comp["mem"], self._zeros(comp, batch, device)):
            prev[i] = z
        keep = comp["keep"]
        outs = [[] for _ in keep]
        cur = [None] * n
        for t in range(length):
            cur = [None] * n
            for i, node, refs, pre, w_in, sizes, kept in plan:
                ins = [cur[j] if k == _CUR else prev[j] if k == _PREV else ext_steps[j][t]
                       for k, j in refs]
                if pre is None:
                    cur[i] = node(ins)
                    continue
                v = ins[0] if len(ins) == 1 else torch.cat(ins, dim=1)
                y = torch.addmm(pre[t], v, w_in)
                if kept is not None:
                    kept.append(v.detach())
                if sizes is None:
                    cur[i] = y
                else:  # several linears on the same inputs: one product, then their columns
                    for slot, part in zip(i, y.split(sizes, dim=1)):
                        cur[slot] = part
            for out, i in zip(outs, keep):
                out.append(cur[i])
            prev = cur
        ids, out_id = comp["ids"], self.plan["output_id"]
        for out, i in zip(outs, keep):
            if self._head_last_only and ids[i] == out_id:
                vals[out_id] = cur[i].unsqueeze(-1)  # the head reads the last step only
            else:
                vals[ids[i]] = torch.stack(out, dim=-1)  # (B, C, T)

    def _run_ticks(self, comp, vals):
        ext = [vals[src] for src in comp["ext"]]
        batch, device = next(iter(vals.values())).shape[0], self.head.weight.device
        n = len(comp["ids"])
        prev = [None] * n
        for i, z in zip(comp["mem"], self._zeros(comp, batch, device)):
            prev[i] = z
        cur = prev
        for _ in range(self.plan["ticks"]):
            cur = [None] * n
            for (i,), node, refs, _ in comp["steps"]:
                cur[i] = node([cur[j] if k == _CUR else prev[j] if k == _PREV else ext[j]
                               for k, j in refs])
            prev = cur
        for i, nid in enumerate(comp["ids"]):
            vals[nid] = cur[i]

    def _head(self, out):
        mode = self.plan["head"]["mode"]
        if mode == "per_step":
            return self.head(out.transpose(1, 2))  # (B, C, T) -> (B, T, size)
        if mode == "last":
            out = out[:, :, -1]
        elif mode == "flatten":
            out = out.flatten(1)
        return self.head(out)
