"""A built network written out as readable PyTorch: the standalone ``model.py``.

The generated file imports torch alone. ``Model`` keeps, under ``self.nodes``, one entry per node
with weights, keyed by node id with the sub-keys of :class:`GraphModule` (so the two share a
state_dict); its ``forward`` has one line per node in run order, the node id in a comment. A
memory cycle is an explicit loop over time steps (or over ticks, for inputs without a time axis)
with one state variable per memory link, ``mem_<src>_to_<dst>``, zeros at the start. The loops
run the plain, unsplit form of what ``module.py`` runs: the same function, equal to float
rounding.
"""

from __future__ import annotations

import builtins
import keyword
import re
from typing import Any

from .codegen_ops import (
    EXPR,
    channel_linear,
    gated,
    merge_expr,
    module_dict,
    node_init,
    projected,
    quote,
)

_INDENT, _WIDTH = "    ", 100
_RANK = {"vector": 2, "sequence": 3, "image": 4, "tokens": 2}
_RESERVED = {"self", "torch", "nn", "F", "B", "t", "_"}
_BUILTINS = set(dir(builtins))
_IN = {"sequence": "(B, T, C) sequences", "tokens": "(B, T) token ids",
       "vector": "(B, F) vectors", "image": "(B, C, H, W) images"}


class _Names:
    """Unique Python identifiers for node ids and the variables derived from them."""

    def __init__(self) -> None:
        self.taken = set(_RESERVED)

    def new(self, text: str) -> str:
        base = _slug(text)
        if not base.isidentifier():
            base = f"v_{base}"
        if keyword.iskeyword(base) or base in _BUILTINS:
            base = f"{base}_"
        name, i = base, 2
        while name in self.taken:
            name, i = f"{base}_{i}", i + 1
        self.taken.add(name)
        return name


def _slug(text: str) -> str:
    return re.sub(r"\W", "_", text)


def _comment(nid: str) -> str:
    return nid if nid.isprintable() else quote(nid)[1:-1]


def _layers(nid: str) -> str:
    """The expression of a node's entry under ``self.nodes``."""
    if nid.isidentifier() and not keyword.iskeyword(nid):
        return f"self.nodes.{nid}"
    return f"self.nodes[{quote(nid)}]"


class _Forward:
    """Writes the body of ``forward`` from a plan, component by component."""

    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.names = _Names()
        self.var = {nid: self.names.new(nid) for nid in [*plan["inputs"], *plan["nodes"]]}
        self.lines: list[str] = []
        self.read_later: set[str] = set()  # values a later component reads
        for c in plan["components"]:
            self.read_later.update(src for nid in c["nodes"]
                                   for kind, src in plan["nodes"][nid]["inputs"]
                                   if kind == "edge" and src not in c["nodes"])
        self.last_step_only = False  # the head reads a loop's final value as it is

    def write(self) -> list[str]:
        plan, x = self.plan, self.var[self.plan["inputs"][0]]
        if plan["input"]["layout"] == "sequence":
            self._line(f"{x} = {x}.transpose(1, 2)  # (B, T, C) -> (B, C, T): channels on axis 1")
        if any(c["cyclic"] for c in plan["components"]):
            self._line(f"B = {x}.shape[0]")
        for c in plan["components"]:
            if not c["cyclic"]:
                for nid in c["nodes"]:
                    self._node(nid, {}, {}, 1)
            else:
                self._cycle(c)
        self._head()
        return self.lines

    def _line(self, text: str, depth: int = 1) -> None:
        self.lines.append(_INDENT * depth + text)

    def _node(self, nid: str, ext: dict[str, str], mem: dict[tuple[str, str], str],
              depth: int, stepwise: bool = False) -> None:
        """The node's line (after a line per gated memory link it reads)."""
        n = self.plan["nodes"][nid]
        layers, layout = _layers(nid), n["site"]["layout"]
        rank = 2 if stepwise else _RANK[layout]
        xs = [mem[src, nid] if kind == "mem" else ext.get(src, self.var[src])
              for kind, src in n["inputs"]]
        fwd = [x for x, g in zip(xs, n["gates"]) if g is None]
        u = None if not fwd else fwd[0] if len(fwd) == 1 else f"torch.cat([{', '.join(fwd)}], 1)"
        for i, gate in enumerate(n["gates"]):
            if gate not in (None, "none"):
                link = f"{_slug(n['inputs'][i][1])}_to_{_slug(nid)}"
                names = tuple(self.names.new(f"{p}_{link}") for p in ("z", "cand", "gated"))
                lines = gated(gate, f"{layers}.gates[{quote(str(i))}]", xs[i], u, rank, names)
                for j, text in enumerate(lines):
                    note = f"  # {gate} gate on memory {_comment(n['inputs'][i][1])} -> " \
                           f"{_comment(nid)}" if j == 0 else ""
                    self._line(text + note, depth)
                xs[i] = names[2]
        for i in projected(n["merge"], n["widths"]):
            xs[i] = channel_linear(f"{layers}.merge.proj[{quote(str(i))}]", xs[i], rank)
        expr = EXPR[n["op"]](n["params"], f"{layers}.op", merge_expr(n["merge"], xs), rank)
        what = n["op"] if len(xs) == 1 else f"{n['merge'] or 'add'} -> {n['op']}"
        self._line(f"{self.var[nid]} = {expr}  # {_comment(nid)}: {what}", depth)

    def _cycle(self, c: dict[str, Any]) -> None:
        """A loop over time steps or ticks; memory starts at zeros and carries each step on."""
        plan, members = self.plan, c["nodes"]
        links: dict[str, dict[str, str]] = {}  # src -> dst -> state variable
        ext: list[str] = []
        for nid in members:
            for kind, src in plan["nodes"][nid]["inputs"]:
                if kind == "mem":
                    links.setdefault(src, {}).setdefault(
                        nid, self.names.new(f"mem_{_slug(src)}_to_{_slug(nid)}"))
                elif src not in members and src not in ext:
                    ext.append(src)
        over = "time steps" if c["over_time"] else f"{plan['ticks']} ticks over the same input"
        self._line(f"# memory cycle {', '.join(map(_comment, members))}: a loop over {over}")
        self._line("# memory links start at zeros; each step they carry their source's value on")
        for src, dsts in links.items():
            shape = ", ".join(map(str, ["B", *plan["nodes"][src]["step_shape"]]))
            self._line(f"{' = '.join(dsts.values())} = self.head.weight.new_zeros({shape})")
        mem = {(src, dst): v for src, dsts in links.items() for dst, v in dsts.items()}
        if c["over_time"]:
            self._over_time(members, ext, mem, links)
        else:
            self._line(f"for _ in range({plan['ticks']}):")
            for nid in members:
                self._node(nid, {}, mem, 2)
            self._carry(links)

    def _over_time(self, members: list[str], ext: list[str], mem: dict[tuple[str, str], str],
                   links: dict[str, dict[str, str]]) -> None:
        out_id = self.plan["output_id"]
        kept = [nid for nid in members if nid in self.read_later or nid == out_id]
        if (out_id in kept and out_id not in self.read_later
                and self.plan["head"]["mode"] == "last"):
            kept.remove(out_id)  # the head reads the last step only: the loop leaves it
            self.last_step_only = True
        steps = {nid: self.names.new(f"{_slug(nid)}_steps") for nid in kept}
        for nid in kept:
            self._line(f"{steps[nid]} = []")
        at_t = {src: self.names.new(f"{_slug(src)}_t") for src in ext}
        length = f"{self.var[ext[0]]}.shape[-1]" if ext else str(self.plan["length"])
        self._line(f"for t in range({length}):")
        for src, name in at_t.items():
            self._line(f"{name} = {self.var[src]}[:, :, t]  # step t of {_comment(src)}", 2)
        for nid in members:
            self._node(nid, at_t, mem, 2, stepwise=True)
        self._carry(links)
        for nid in kept:
            self._line(f"{steps[nid]}.append({self.var[nid]})", 2)
        for nid in kept:
            self._line(f"{self.var[nid]} = torch.stack({steps[nid]}, -1)  # every step of "
                       f"{_comment(nid)}: (B, C, T)")

    def _carry(self, links: dict[str, dict[str, str]]) -> None:
        for src, dsts in links.items():
            self._line(f"{' = '.join(dsts.values())} = {self.var[src]}", 2)

    def _head(self) -> None:
        mode, out_id = self.plan["head"]["mode"], self.plan["output_id"]
        out = self.var[out_id]
        if mode == "per_step":
            self._line(f"return self.head({out}.transpose(1, 2))  # head: every step of "
                       f"{_comment(out_id)} -> (B, T, size)")
        elif mode == "last" and not self.last_step_only:
            self._line(f"return self.head({out}[:, :, -1])  # head: the last step of "
                       f"{_comment(out_id)}")
        elif mode == "flatten":
            self._line(f"return self.head({out}.flatten(1))  # head: {_comment(out_id)} flat")
        else:
            what = "the last step of " if mode == "last" else ""
            self._line(f"return self.head({out})  # head: {what}{_comment(out_id)}")


def _entry(nid: str, n: dict[str, Any]) -> list[str]:
    """A node's entry in ``self.nodes``: one line, or one line per part when that is long."""
    parts, note = node_init(n), f"  # {_comment(nid)}: {n['op']}"
    if not parts:
        return []
    line = f"{_INDENT * 3}{quote(nid)}: {module_dict(parts)},{note}"
    if len(line) <= _WIDTH:
        return [line]
    return [f"{_INDENT * 3}{quote(nid)}: nn.ModuleDict({{{note}",
            *[f"{_INDENT * 4}{quote(k)}: {v}," for k, v in parts.items()],
            f"{_INDENT * 3}}}),"]


def _init(plan: dict[str, Any]) -> list[str]:
    lines = ["    def __init__(self):", "        super().__init__()"]
    body = [line for nid, n in plan["nodes"].items() for line in _entry(nid, n)]
    if body:
        lines += ["        self.nodes = nn.ModuleDict({  # the nodes with weights", *body,
                  "        })"]
    else:
        lines.append("        self.nodes = nn.ModuleDict()  # no node has weights")
    head = plan["head"]
    lines.append(f"        self.head = nn.Linear({head['c_in']}, {plan['output']['size']})"
                 f"  # the task's head ({head['mode']})")
    return lines


def model_source(plan: dict[str, Any]) -> str:
    """The source of a ``model.py`` that defines the plan's network with torch alone.

    Example::

        model_source(build(graph, input_spec, output_spec).plan)
    """
    name = plan.get("name") or "graph"
    writer = _Forward(plan)
    forward = writer.write()
    x = writer.var[plan["inputs"][0]]
    size = plan["output"]["size"]
    out = f"(B, T, {size})" if plan["head"]["mode"] == "per_step" else f"(B, {size})"
    body = "\n".join([*_init(plan), "", f"    def forward(self, {x}):",
                      f'        """{x}: {_IN[plan["input"]["layout"]]}; returns {out}."""',
                      *["    " + line for line in forward]])
    uses_f = re.search(r"\bF\.", body) is not None
    name = quote(name)
    return "\n".join([
        f'"""The graph {name} as a PyTorch module, written by graphnas (no graphnas needed).',
        "",
        "Usage::",
        "",
        "    model = make_model()",
        '    model.load_state_dict(torch.load("model.pt", weights_only=True))',
        '"""',
        "",
        "import torch",
        "from torch import nn",
        *(["from torch.nn import functional as F"] if uses_f else []),
        "",
        "",
        "class Model(nn.Module):",
        f'    """The network of graph {name}: one entry per weighted node, one line per node."""',
        "",
        body,
        "",
        "",
        "def make_model():",
        '    """A fresh network with this architecture (load the weights next)."""',
        "    return Model()",
        "",
    ])
