"""Weights across a network morphism (Net2Net): a child graph made from a trained parent starts
from the parent's weights, and computes the same function where the change allows it.

Every channel of every value in a network gets a *label* naming what it carries, in the parent's
terms: ``(node, k)`` for output k of a weighted node, ``(node, label)`` after a per-channel node
(activation, norm, pooling), the label itself after an identity, ``("+", node, k)`` for channel k
of a sum (or product, mean, ...) merge, ``("mem", node, k)`` for a remembered channel,
``(label, s, S)`` after a flatten. The child labels its values by what they carry of the
parent's, None for a channel the parent lacks (a widened layer's new units, a new or zeroed node).
A parameter's dims each index a labelled space (its node's outputs, its merged input, a gate's
[u, m], the head's input), so inheriting it is a lookup, dim by dim: a child entry takes the
parent entry with the same labels. Where a copied row reads a channel the parent lacks, that
column is zeroed, so new channels change no old output.

Exact (to rounding): an identity node inserted on an edge; a widened layer, through per-channel
nodes, concat, add/mul/mean/max/interp merges (the widest input of one), memory gates, flatten and
the head; a zero-initialised branch joined by add; a new edge into a concat. Not exact: a layer
norm over widened channels, a narrower input of a sum widened to the widest width or past it (its
projection is dropped), a changed op, a new node left fresh.

Example::

    state, counts = inherit_state(parent, trained, child, spec, out, identity=["n"])
    child_net = build(child, spec, out)
    child_net.load_state_dict(state)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from graphnas.graph import Graph, InputSpec, OutputSpec, infer_shapes
from graphnas.graph.ops import OPS as OP_SPECS

from .build import build

Labels = list  # one hashable label per channel; None where the parent has no such channel

_TRANSPARENT = ("identity", "dropout")  # the identity in eval mode: labels pass unchanged
_PER_CHANNEL = ("activation", "pool", "norm", "regulariser")  # output channel k from input k
_IDENTITY_FORMS = ("linear", "conv1d", "conv2d", "sep_conv1d", "sep_conv2d")
HOW = ("copied", "embedded", "set", "fresh")  # the keys of inherit_state's counts


def inherit_state(parent: Graph, parent_state: Mapping[str, Tensor], child: Graph,
                  input_spec: InputSpec, output_spec: OutputSpec, ticks: int = 4,
                  identity: Iterable[str] = (), zero: Iterable[str] = (),
                  seed: int = 0) -> tuple[dict[str, Tensor], dict[str, int]]:
    """The child's initial state dict (on the CPU): built fresh from ``seed`` (in a forked RNG:
    no global effect), then the parent's values copied in where their labels match, nodes in
    ``identity`` set to the identity and the parameters of nodes in ``zero`` zeroed (with any
    merge projection of their output). A projection the parent did without (its input was
    already the widest) starts as the identity embedding that it was.

    Returns the state and counts of its tensors by ``HOW``: copied (whole), embedded (mapped
    into a tensor of another shape or order, or with zeroed columns), set (identity or zero),
    fresh (the child's initialisation).

    Raises:
        ValueError: ``parent_state`` does not fit ``parent``, or a node in ``identity`` or
            ``zero`` is unknown or cannot be one.
    """
    p_net = _build(parent, input_spec, output_spec, ticks, seed)
    c_net = _build(child, input_spec, output_spec, ticks, seed)
    _check_state(p_net.state_dict(), parent_state)
    identity, zero = set(identity), set(zero)
    _check_identity(c_net.plan, identity)
    _check_zero(c_net.plan, zero)
    p_spaces = _spaces(parent, p_net.plan, input_spec)
    c_spaces = _spaces(child, c_net.plan, input_spec, p_spaces, identity, zero)
    morph = _Morphism(p_net.plan, p_spaces, parent_state, c_net.plan, c_spaces, identity, zero)
    weights = {name for name, _ in c_net.named_parameters()}
    state, counts = {}, dict.fromkeys(HOW, 0)
    for name, fresh in c_net.state_dict().items():
        state[name], how = morph.initial(name, fresh.clone(), name in weights)
        counts[how] += 1
    return state, counts


def max_output_difference(parent: Graph, parent_state: Mapping[str, Tensor], child: Graph,
                          child_state: Mapping[str, Tensor], input_spec: InputSpec,
                          output_spec: OutputSpec, x: Tensor, ticks: int = 4) -> float:
    """Largest absolute difference of the two networks' outputs on batch ``x`` (eval mode, on
    ``x``'s device; floating ``x`` is taken as float32, as the networks are built)."""
    x = x.float() if x.is_floating_point() else x
    outs = []
    for graph, state in ((parent, parent_state), (child, child_state)):
        net = _build(graph, input_spec, output_spec, ticks, 0).to(x.device)
        net.load_state_dict(state)
        with torch.no_grad():
            outs.append(net.eval()(x))
    return (outs[0] - outs[1]).abs().max().item()


def _build(graph, input_spec, output_spec, ticks, seed) -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build(graph, input_spec, output_spec, ticks)


# -- labels ----------------------------------------------------------------------------------

@dataclass
class _Spaces:
    """A network's labelled channel spaces."""

    values: dict[str, Labels]  # each node's (and the input's) output
    inputs: dict[str, list[Labels]]  # each node's inputs as it reads them (memory: recalled)
    fwd: dict[str, Labels]  # each node's forward inputs, concatenated (a gate's u)
    merged: dict[str, Labels]  # each node's merged input (what its op reads)
    head: Labels  # what the head reads


def _spaces(graph: Graph, plan, input_spec: InputSpec, parent: _Spaces | None = None,
            identity: set[str] = frozenset(), zero: set[str] = frozenset()) -> _Spaces:
    """Label every space of a network: the parent's (``parent`` None) in its own terms, a
    child's in its parent's."""
    shapes = infer_shapes(graph, input_spec)
    values = {i: [(i, k) for k in range(shapes[i].channels)] for i in graph.inputs}
    values.update({n.id: [None] * shapes[n.id].channels for n in graph.nodes})
    order = [nid for comp in plan["components"] for nid in comp["nodes"]]
    inputs, fwd, merged = {}, {}, {}
    for _ in range(len(order) + 2):  # passes until the labels carried by memory settle
        before = dict(values)
        for nid in order:
            p = plan["nodes"][nid]
            ins = [values[src] if kind == "edge" else _recall(parent, src, values[src])
                   for kind, src in p["inputs"]]
            inputs[nid], merged[nid] = ins, _merged(parent, nid, p["merge"], ins)
            fwd[nid] = [lab for (kind, _), x in zip(p["inputs"], ins) if kind == "edge"
                        for lab in x]
            width = shapes[nid].channels
            if nid in identity:
                values[nid] = merged[nid]
            elif nid in zero:
                values[nid] = [None] * width
            else:
                values[nid] = _outputs(parent, nid, p["op"], width, merged[nid])
        if values == before:
            break
    out = values[graph.output]
    head = _flatten(out, plan["head"]["c_in"]) if plan["head"]["mode"] == "flatten" else out
    return _Spaces(values, inputs, fwd, merged, head)


def _recall(parent: _Spaces | None, src: str, labels: Labels) -> Labels:
    """A remembered value: ``("mem", src, k)`` for the parent's channel k of ``src``."""
    if parent is None:
        return [("mem", src, k) for k in range(len(labels))]
    where = {}
    for k, lab in enumerate(parent.values.get(src, [])):
        where.setdefault(lab, k)
    return [("mem", src, where[lab]) if lab in where else None for lab in labels]


def _merged(parent: _Spaces | None, nid: str, kind: str | None, ins: list[Labels]) -> Labels:
    """Concat joins its inputs' labels; one input passes its own; a sum (or product, mean, ...)
    is a value of its own, ``("+", node, k)``. A child's channel of a sum is the parent's
    channel that an unprojected input of both puts there."""
    if kind == "concat":
        return [lab for x in ins for lab in x]
    if parent is None:
        return ins[0] if len(ins) == 1 else [("+", nid, k) for k in range(max(map(len, ins)))]
    if nid not in parent.merged:
        return ins[0] if len(ins) == 1 else [None] * max(map(len, ins))
    old, olds = parent.merged[nid], parent.inputs[nid]
    concatenated = len(old) > max(map(len, olds))  # then its labels are the inputs' own
    # else each unprojected input of the parent put its channel k at k
    olds = [old] if concatenated else [x for x in olds if len(x) == len(old)]
    where = {}
    for x in olds:
        for k, lab in enumerate(x):
            where.setdefault(lab, old[k])
    full = [x for x in ins if len(x) == max(map(len, ins))]
    return [next((where[x[k]] for x in full if x[k] in where), None) for k in range(len(full[0]))]


def _outputs(parent: _Spaces | None, nid: str, op: str, width: int, merged: Labels) -> Labels:
    """A node's outputs: its merged input through an identity, flattened through a flatten,
    ``(node, label)`` through a per-channel op, else its own channels: ``(node, k)`` in the
    parent; in a child, the parent's channel of the same node at the same place (a widened
    layer's new units are None)."""
    if op in _TRANSPARENT:
        return merged
    if op == "flatten":
        return _flatten(merged, width)
    if OP_SPECS[op].category in _PER_CHANNEL:
        return [None if lab is None else (nid, lab) for lab in merged]
    if parent is None:
        return [(nid, k) for k in range(width)]
    old = parent.values.get(nid, [])[:width]
    return old + [None] * (width - len(old))


def _flatten(labels: Labels, width: int) -> Labels:
    """Channel-major flattening: channel c's S positions are c*S .. c*S + S - 1."""
    size = width // len(labels)
    return [None if lab is None else (lab, s, size) for lab in labels for s in range(size)]


# -- parameters ------------------------------------------------------------------------------

def _axes(parts: list[str], ndim: int, s: _Spaces, plan) -> tuple[list, set[int]]:
    """The labels each dim of a parameter indexes (None: a dim of its own, such as a kernel's
    or the vocabulary) and the dims along which it reads channels."""
    if parts[0] == "head":
        return _matrix([None], s.head, ndim)
    nid, kind = parts[1], parts[2]
    if kind == "merge":  # nodes.<id>.merge.proj.<i>.weight: merged <- input i
        return _matrix([s.merged[nid]], s.inputs[nid][int(parts[4])], ndim)
    if kind == "gates":  # nodes.<id>.gates.<i>.gate|cand.weight: m <- [u, m] | u
        m = s.inputs[nid][int(parts[3])]
        return _matrix([m], s.fwd[nid] + m if parts[4] == "gate" else s.fwd[nid], ndim)
    out, op = s.values[nid], plan["nodes"][nid]["op"]
    own = [None] * (ndim - 1)
    if ndim == 0:
        return [], set()
    if op == "embedding":  # [vocab, width]
        return [None, out], set()
    if op in ("batch_norm", "layer_norm"):  # per channel (a layer norm: [C] or [C, H, W])
        return [out, *own], set()
    if parts[-2] == "depthwise":  # [c_in, 1, k...]: one filter per input channel
        return [s.merged[nid], *own], set()
    return _matrix([out], s.merged[nid], ndim)


def _matrix(rows: list, cols: Labels, ndim: int) -> tuple[list, set[int]]:
    """[rows, cols, own dims...] of a weight that reads ``cols``; [rows] of its bias."""
    if ndim == 1:
        return rows, set()
    return [*rows, cols, *[None] * (ndim - 2)], {1}


class _Morphism:
    """The two networks' plans and labels, and the parent's weights: each child tensor's start."""

    def __init__(self, p_plan, p_spaces, p_state, c_plan, c_spaces, identity, zero):
        self.p_plan, self.p, self.p_state = p_plan, p_spaces, p_state
        self.c_plan, self.c, self.identity, self.zero = c_plan, c_spaces, identity, zero
        self.matches = {nid: _match_inputs(c_spaces.inputs[nid], p_spaces.inputs[nid])
                        for nid in c_spaces.inputs if nid in p_spaces.inputs}

    def initial(self, name: str, fresh: Tensor, is_weight: bool) -> tuple[Tensor, str]:
        """The child's tensor ``name`` (``fresh`` as built) and how it was made (``HOW``)."""
        parts = name.split(".")
        if parts[0] != "nodes":
            return self._mapped(parts, parts, fresh)
        nid, kind = parts[1], parts[2]
        if kind == "op":
            return self._op(nid, parts, fresh, is_weight)
        at = 4 if kind == "merge" else 3  # merge.proj.<i>... or gates.<i>...: input i
        src_kind, src = self.c_plan["nodes"][nid]["inputs"][int(parts[at])]
        if kind == "merge" and src_kind == "edge" and src in self.zero:
            return torch.zeros_like(fresh), "set"  # a zero branch's projection adds nothing
        j = self.matches.get(nid, {}).get(int(parts[at]))
        if j is None:
            return fresh, "fresh"
        p_parts = [*parts[:at], str(j), *parts[at + 1:]]
        if kind == "merge" and ".".join(p_parts) not in self.p_state:
            return self._identity_projection(parts, p_parts, fresh)
        return self._mapped(parts, p_parts, fresh)

    def _op(self, nid, parts, fresh, is_weight):
        name = ".".join(parts)
        if nid in self.identity:
            return _identity(name, fresh), "set"
        if nid in self.zero:
            return (torch.zeros_like(fresh), "set") if is_weight else (fresh, "fresh")
        old = self.p_plan["nodes"].get(nid)
        if old is not None and old["op"] != self.c_plan["nodes"][nid]["op"]:  # a changed op
            p = self.p_state.get(name)
            if p is not None and p.shape == fresh.shape:
                return p.detach().to("cpu", fresh.dtype).clone(), "copied"
            return fresh, "fresh"
        return self._mapped(parts, parts, fresh)

    def _mapped(self, parts, p_parts, fresh):
        p = self.p_state.get(".".join(p_parts))
        if p is None:
            return fresh, "fresh"
        c_axes, reads = _axes(parts, fresh.dim(), self.c, self.c_plan)
        p_axes, _ = _axes(p_parts, p.dim(), self.p, self.p_plan)
        return _embed(fresh, p.detach().to("cpu", fresh.dtype), c_axes, p_axes, reads)

    def _identity_projection(self, parts, p_parts, fresh):
        """A new projection of an input that the parent added unprojected: the identity it was
        there, embedded (the rest zero)."""
        node = self.p_plan["nodes"][parts[1]]
        widths = node["widths"]
        if node["merge"] == "concat" or widths[int(p_parts[4])] != max(widths):
            return fresh, "fresh"  # the parent's projection was dropped: nothing to keep
        width = max(widths)
        p = torch.eye(width) if parts[-1] == "weight" else torch.zeros(width)
        c_axes, reads = _axes(parts, fresh.dim(), self.c, self.c_plan)
        p_axes, _ = _axes(p_parts, p.dim(), self.p, self.p_plan)
        out, how = _embed(torch.zeros_like(fresh), p, c_axes, p_axes, reads)
        return (out, "embedded") if how != "fresh" else (fresh, how)


def _match_inputs(child: list[Labels], parent: list[Labels]) -> dict[int, int]:
    """Child input index -> the first parent input still free that shares a label with it."""
    out, free = {}, list(range(len(parent)))
    for i, labels in enumerate(child):
        known = {lab for lab in labels if lab is not None}
        j = next((j for j in free if known.intersection(parent[j])), None)
        if j is not None:
            out[i] = j
            free.remove(j)
    return out


def _pairs(child: Labels | None, parent: Labels | None, n_child: int,
           n_parent: int) -> tuple[list[int], list[int]]:
    """Child and parent indices along one dim that carry the same channel. A dim of its own
    (labels None) pairs index with index where the sizes agree, else nothing."""
    if child is None or parent is None:
        same = list(range(n_child)) if n_child == n_parent else []
        return same, same
    where: dict = {}
    for k, lab in enumerate(parent):
        where.setdefault(lab, []).append(k)
    c_idx, p_idx = [], []
    for k, lab in enumerate(child):
        if lab is not None and where.get(lab):
            c_idx.append(k)
            p_idx.append(where[lab].pop(0))  # a repeated input pairs with its own repeat
    return c_idx, p_idx


def _embed(fresh: Tensor, parent: Tensor, c_axes: list, p_axes: list,
           reads: set[int]) -> tuple[Tensor, str]:
    """Copy parent entries into ``fresh`` where every dim pairs; in the rows copied, zero the
    columns of a reading dim that pair with nothing. Nothing pairs along some dim: fresh."""
    if fresh.dim() != parent.dim():
        return fresh, "fresh"
    pairs = [_pairs(c, p, fresh.shape[d], parent.shape[d])
             for d, (c, p) in enumerate(zip(c_axes, p_axes))]
    if any(not c_idx for c_idx, _ in pairs):
        return fresh, "fresh"
    out = fresh.clone()
    out[_grid([c for c, _ in pairs])] = parent[_grid([p for _, p in pairs])]
    zeroed = False
    for d in reads:
        unread = sorted(set(range(fresh.shape[d])) - set(pairs[d][0]))
        if unread:
            out[_grid([unread if e == d else c for e, (c, _) in enumerate(pairs)])] = 0
            zeroed = True
    whole = fresh.shape == parent.shape and not zeroed and all(
        c == p == list(range(n)) for (c, p), n in zip(pairs, fresh.shape))
    return out, "copied" if whole else "embedded"


def _grid(indices: list[list[int]]) -> tuple[Tensor, ...]:
    """Index tensors that broadcast to the outer product of ``indices`` (numpy's ix_)."""
    n = len(indices)
    return tuple(torch.tensor(ix, dtype=torch.long).view([-1 if e == d else 1 for e in range(n)])
                 for d, ix in enumerate(indices))


def _identity(name: str, fresh: Tensor) -> Tensor:
    """An identity node's tensor: eye weights (a centred delta for a convolution), zero bias."""
    out = torch.zeros_like(fresh)
    if fresh.dim() >= 2:
        centre = [size // 2 for size in fresh.shape[2:]]
        for k in range(fresh.shape[0]):
            out[(k, 0 if name.endswith("depthwise.weight") else k, *centre)] = 1
    return out


# -- checks ----------------------------------------------------------------------------------

def _check_state(want: Mapping[str, Tensor], state: Mapping[str, Tensor]) -> None:
    missing = [k for k in want if k not in state]
    extra = [k for k in state if k not in want]
    if missing or extra:
        raise ValueError(f"parent_state does not fit the parent graph: missing {missing[:3]}, "
                         f"unexpected {extra[:3]}")
    for k, v in want.items():
        if tuple(state[k].shape) != tuple(v.shape):
            raise ValueError(f"parent_state does not fit the parent graph: {k} has shape "
                             f"{tuple(state[k].shape)}, the graph's {tuple(v.shape)}")


def _check_identity(plan, ids: set[str]) -> None:
    for nid in ids:
        node = _planned(plan, nid, "identity")
        op, params, c_in = node["op"], node["params"], node["site"]["c_in"]
        if op in _TRANSPARENT:
            continue
        if op not in _IDENTITY_FORMS:
            raise ValueError(f"node {nid!r} ({op}) has no identity form; use one of "
                             f"{_IDENTITY_FORMS + _TRANSPARENT}")
        if params["width"] != c_in:
            raise ValueError(f"node {nid!r} cannot be an identity: it reads {c_in} channels "
                             f"and gives {params['width']}")
        if op != "linear" and (params["kernel"] % 2 == 0 or params["stride"] != 1):
            raise ValueError(f"node {nid!r} cannot be an identity: a convolution needs an odd "
                             f"kernel and stride 1")


def _check_zero(plan, ids: set[str]) -> None:
    for nid in ids:
        op = _planned(plan, nid, "zero")["op"]
        if not OP_SPECS[op].weighted:
            raise ValueError(f"node {nid!r} ({op}) has no weights to zero")


def _planned(plan, nid: str, what: str):
    if nid not in plan["nodes"]:
        raise ValueError(f"{what} node {nid!r} is not in the child graph")
    return plan["nodes"][nid]
