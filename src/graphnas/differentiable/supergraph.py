"""The supergraph of a macro space (restricted or not): one module holding every candidate.

Each node mixes its candidate ops (softmax over recipes) and widths (channel masks), selects
inputs softly (a softmax over the primary input, a yes-probability per optional skip), relaxes
its merge (a mixture of add, mul, concat, ...), and takes relaxed memory links: a softmax over
"none" and each possible source, each source's previous-step value passed through a mixture of
gate kinds, trained by backpropagation through time. Architecture parameters (one logit vector
per decision) form their own parameter group. The supergraph's output is its last node, so the
join of dangling nodes (``out.merge``) is not relaxed: it discretises to its first option.

How it runs: without memory links, in one vectorised pass. With memory on inputs without a time
axis, for a fixed number of ticks. With memory on a sequence, ``sequence_memory`` chooses:

- ``"ticks"`` (default): the body runs over the whole sequence at once, ``ticks`` times; a memory
  link delivers its source's output of the previous pass shifted by one time step (zeros in the
  first pass). This is Jacobi iteration of the recurrence: exact for memory paths of depth up to
  ``ticks`` and an approximation beyond, in exchange for vectorised passes and every candidate,
  convolutions included (the discretised graph is retrained with its exact recurrence).
- ``"steps"``: exact; the body runs one time step at a time, and its candidates exclude ops that
  look across time (convolutions), which cannot run step by step (the stem keeps them). It costs
  every candidate at every time step in eager mode: far slower.

Stems of different strides cannot be mixed: the supergraph keeps those with the first option's
stride.

:class:`Supergraph` holds what every supergraph shares (architecture parameters, option weights,
hard decisions); the cell space's is in ``cell.py``, the blocks space's in ``blocks.py``.
"""

from __future__ import annotations

import heapq

import torch
from torch import nn
from torch.nn import functional as F

from graphnas.graph import OPS, Graph, InputSpec, OutputSpec
from graphnas.spaces import MacroSpace, RestrictedSpace, Space
from graphnas.spaces.recipes import READOUTS, STEMS, recipe

from .mixed import MixedGate, MixedMerge, MixedOp, parameter_free


def base_space(space: Space) -> Space:
    """The space under any restrictions of it."""
    while isinstance(space, RestrictedSpace):
        space = space.base
    return space


def _macro(space: Space) -> MacroSpace:
    base = base_space(space)
    if not isinstance(base, MacroSpace):
        raise ValueError("MacroSupergraph covers the macro space")
    return base


def best_first(options: list[list[tuple[int, float]]], k: int
               ) -> list[tuple[float, list[int]]]:
    """The ``k`` most probable sequences (log-probability, choices) that take one option per
    decision, given each decision's (option, log-probability) most probable first."""
    start = (0,) * len(options)
    heap, seen, out = [(-sum(o[0][1] for o in options), start)], {start}, []
    while heap and len(out) < k:
        cost, ranks = heapq.heappop(heap)
        out.append((-cost, [options[i][r][0] for i, r in enumerate(ranks)]))
        for i, r in enumerate(ranks):
            if r + 1 < len(options[i]):
                nxt = (*ranks[:i], r + 1, *ranks[i + 1:])
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (cost + options[i][r][1] - options[i][r + 1][1], nxt))
    return out


class Supergraph(nn.Module):
    """What every supergraph shares: one logit vector per decision of its space (``alpha``,
    their own parameter group), option weights drawn once per forward pass, and the hard
    decisions (argmax, ranked choice sequences, the decoded graph). Subclasses set
    ``space``, ``decisions``, ``options`` and ``alpha`` and implement ``_forward`` and
    ``parameter_free_share``."""

    unrelaxed: frozenset[str] = frozenset()  # decisions not relaxed: their first option
    space: Space
    decisions: list
    options: dict[str, list]
    alpha: nn.ParameterDict
    gumbel_tau: float | None = None
    _drawn: dict[str, torch.Tensor] | None = None  # probs of the current forward

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def parameter_free_share(self) -> float:
        raise NotImplementedError

    # -- parameters ------------------------------------------------------------------------
    def arch_parameters(self) -> list[nn.Parameter]:
        return list(self.alpha.values())

    def weight_parameters(self) -> list[nn.Parameter]:
        arch = {id(p) for p in self.arch_parameters()}
        return [p for p in self.parameters() if id(p) not in arch]

    def probs(self, label: str) -> torch.Tensor:
        """A decision's option weights: softmax of its logits, or a hard Gumbel sample in
        training with ``gumbel_tau`` set; drawn once per forward pass (every time step of a
        step-by-step body sees the same ones)."""
        if self._drawn is not None:
            if label not in self._drawn:
                self._drawn[label] = self._probs(label)
            return self._drawn[label]
        return self._probs(label)

    def _probs(self, label: str) -> torch.Tensor:
        logits = self.alpha[label.replace(".", "__")]
        if label.endswith(".op") and label in self.options and f"{label}!" in self.options:
            keep = [self.options[label].index(k) for k in self.options[f"{label}!"]]
            if not keep:  # the stand-in identity is the node's only op
                return torch.ones(1, device=logits.device)
            logits = logits[keep]
        if self.gumbel_tau is not None:  # trained on sampled paths: evaluated on the argmax
            if self.training:
                return F.gumbel_softmax(logits, tau=self.gumbel_tau, hard=True)
            return F.one_hot(logits.argmax(), len(logits)).to(logits.dtype)
        return F.softmax(logits, dim=-1)

    def _runs(self, weight: torch.Tensor) -> bool:
        """False for a path a hard (Gumbel) sample switched off: its weight is exactly 0, so
        it is skipped, as ``mixed._mix`` skips unsampled ops."""
        return self.gumbel_tau is None or bool(weight.detach() != 0)

    # -- forward ---------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._drawn = {}
        try:
            return self._forward(x)
        finally:
            self._drawn = None

    # -- hard decisions --------------------------------------------------------------------
    def choices(self) -> list[int]:
        """Argmax per decision (in the macro space an optional skip is kept when its
        yes-probability > 0.5; the space then keeps the first ``max_inputs - 1`` of them)."""
        out = []
        with torch.no_grad():
            for d in self.decisions:
                logits = self.alpha[d.label.replace(".", "__")].detach()
                if f"{d.label}!" in self.options:  # ops dropped from the per-step supergraph
                    allowed = [d.options.index(k) for k in self.options[f"{d.label}!"]] \
                        or list(range(len(d.options)))  # a stand-in: its first option
                    out.append(max(allowed, key=lambda k: float(logits[k])))
                else:
                    out.append(int(logits.argmax()))
        return out

    def ranked_choices(self, k: int) -> list[list[int]]:
        """The ``k`` most probable choice sequences when every decision is drawn from its own
        softmax, most probable first: :meth:`choices`, then the sequences that give up the
        least probability (best-first over each decision's options in order of its logits).
        A decision the supergraph does not relax keeps its first option. Sequences can decode
        to the same graph (a changed width of a layer without weights, ...)."""
        return [c for _, c in best_first(self.option_ranks(), k)]

    def option_ranks(self) -> list[list[tuple[int, float]]]:
        """Per decision: (option index, log-probability), most probable first."""
        options = []
        with torch.no_grad():
            for d in self.decisions:
                logits = self.alpha[d.label.replace(".", "__")].detach()
                allowed = range(len(d.options))
                if f"{d.label}!" in self.options:  # as in choices()
                    allowed = [d.options.index(o) for o in self.options[f"{d.label}!"]] \
                        or list(allowed)
                logp = torch.log_softmax(logits[list(allowed)], -1).tolist()
                ranked = sorted(zip(allowed, logp), key=lambda a: -a[1])  # stable: ties
                options.append(ranked[:1] if d.label in self.unrelaxed else ranked)
        return options

    def discretise(self) -> Graph:
        return self.space.decode(self.choices())


class MacroSupergraph(Supergraph):
    """The supergraph of a macro space; see the module docstring."""

    unrelaxed = frozenset({"out.merge"})  # the join of dangling nodes is not relaxed

    def __init__(self, space: Space, input_spec: InputSpec, output_spec: OutputSpec,
                 ticks: int = 3, sequence_memory: str = "ticks") -> None:
        super().__init__()
        if sequence_memory not in ("ticks", "steps"):
            raise ValueError(f"unknown sequence_memory {sequence_memory!r}; use ticks or steps")
        base = _macro(space)
        self.space, self.n, self.ticks = space, base.n_nodes, ticks
        self.decisions = space.fixed_decisions()
        self.options = {d.label: list(d.options) for d in self.decisions}
        self.out_spec = output_spec
        layout = base.layout
        widths = [w for d in self.decisions if d.key == "width" for w in d.options]
        self.width = w = max(widths)
        self.memory = base.memory and any(
            o != "none" for i in range(self.n) for o in self.options.get(f"node{i}.mem", []))
        self.per_step = self.memory and layout == "sequence" and sequence_memory == "steps"
        self.jacobi = self.memory and layout == "sequence" and sequence_memory == "ticks"
        c_in = 1 if input_spec.layout == "tokens" else input_spec.shape.channels
        stems = STEMS[input_spec.layout]
        stride = stems[self.options["stem.op"][0]][1].get("stride", 1)
        same = [k for k in self.options["stem.op"] if stems[k][1].get("stride", 1) == stride]
        if len(same) < len(self.options["stem.op"]):  # strides cannot be mixed: keep one
            self.options["stem.op!"] = same
        self.stem = MixedOp([stems[k] for k in same],
                            self.options["stem.width"], w, input_spec.layout, c_in,
                            input_spec.vocab)
        self.body_recipes, self.nodes, self.merges, self.gates = [], nn.ModuleList(), \
            nn.ModuleList(), nn.ModuleList()
        for i in range(self.n):
            names = self.options[f"node{i}.op"]
            if self.per_step:  # "node{i}.op!": the ops the supergraph runs at that node
                kept = [k for k in names if not OPS[recipe(layout, k)[0]].mixes_time]
                self.options[f"node{i}.op!"] = kept
                names = kept or ["identity"]  # a stand-in where only time-mixing ops are left
            recipes = [recipe(layout, k) for k in names]
            self.body_recipes.append(recipes)
            self.nodes.append(MixedOp(recipes, self.options[f"node{i}.width"], w,
                                      "vector" if self.per_step else layout))
            self.merges.append(MixedMerge(self.options[f"node{i}.merge"], w))
            self.gates.append(MixedGate(self.options[f"node{i}.mem_gate"], w)
                              if self.memory else nn.Identity())
        length = input_spec.dims[0] if layout == "sequence" else None
        if length is not None and stride == 2:
            length = (length + 1) // 2
        self.readouts = self.options["readout"]
        self.heads = nn.ModuleList(
            nn.Linear(self._readout_width(r, layout, input_spec, length), output_spec.size)
            for r in self.readouts)
        self.layout = layout
        self.alpha = nn.ParameterDict({
            d.label.replace(".", "__"): nn.Parameter(torch.zeros(len(d.options)))
            for d in self.decisions})
        self.gumbel_tau: float | None = None
        self._drawn: dict[str, torch.Tensor] | None = None  # probs of the current forward

    def _readout_width(self, r, layout, spec, length) -> int:
        if READOUTS[layout][r][0] != "flatten":
            return self.width
        if layout == "image":
            return self.width * spec.dims[1] * spec.dims[2]
        return self.width * length

    # -- forward ----------------------------------------------------------------------------
    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.layout == "sequence" and x.dim() == 3 and x.dtype.is_floating_point:
            x = x.transpose(1, 2)
        stem = self.stem(x, self.probs("stem.op"), self.probs("stem.width"))
        if self.per_step:
            steps, state = [], None
            for s_t in stem.unbind(-1):
                hs = self._body(s_t, state)
                state = hs
                steps.append(hs[-1])
            out = torch.stack(steps, dim=-1)
        elif self.memory:  # passes; on a sequence, memory reads the last pass one step back
            state = None
            for _ in range(self.ticks):
                if self.jacobi and state is not None:
                    state = [F.pad(h[..., :-1], (1, 0)) for h in state]
                state = self._body(stem, state)
            out = state[-1]
        else:
            out = self._body(stem, None)[-1]
        return self._readout(out)

    def _body(self, stem: torch.Tensor, prev: list[torch.Tensor] | None) -> list[torch.Tensor]:
        hs: list[torch.Tensor] = []
        for i in range(self.n):
            p = f"node{i}"
            cands = {"stem": stem, **{f"n{j}": h for j, h in enumerate(hs)}}
            a = self.probs(f"{p}.in")
            primary = sum(a[k] * cands[src] for k, src in enumerate(self.options[f"{p}.in"]))
            other = torch.zeros_like(primary)
            for src in cands:
                label = f"{p}.skip.{src}"
                if label in self.options and True in self.options[label]:
                    yes = self.probs(label)[self.options[label].index(True)]
                    if self._runs(yes):
                        other = other + yes * cands[src]
            if self.memory:
                pm = self.probs(f"{p}.mem")
                for k, opt in enumerate(self.options[f"{p}.mem"]):
                    if opt == "none" or not self._runs(pm[k]):
                        continue
                    m = prev[i + opt] if prev is not None else torch.zeros_like(primary)
                    other = other + pm[k] * self.gates[i](m, primary, self.probs(f"{p}.mem_gate"))
            merged = self.merges[i](primary, other, self.probs(f"{p}.merge"))
            hs.append(self.nodes[i](merged, self.probs(f"{p}.op"), self.probs(f"{p}.width")))
        return hs

    def _readout(self, out: torch.Tensor) -> torch.Tensor:
        if self.out_spec.per_step:
            return self.heads[0](out.transpose(1, 2))
        w = self.probs("readout")
        total = 0
        for k, r in enumerate(self.readouts):
            op = READOUTS[self.layout][r][0]
            if op == "identity":
                z = out[..., -1] if out.dim() == 3 else out
            elif op == "global_avg_pool":
                z = out.flatten(2).mean(-1)
            elif op == "global_max_pool":
                z = out.flatten(2).amax(-1)
            else:
                z = out.flatten(1)
            total = total + w[k] * self.heads[k](z)
        return total

    # -- the collapse guard ---------------------------------------------------------------
    def parameter_free_share(self) -> float:
        """Share of body nodes whose strongest op has no weights (a collapse drifts to 1),
        among the nodes that can drift: those with both kinds of candidates. A node a
        restricted space leaves with parameter-free ops only (or weighted ones only) cannot
        collapse, and counting it would trip the guard before any architecture step."""
        picks = []
        for i in range(self.n):
            label = f"node{i}.op"
            names = self.options.get(f"{label}!") or self.options[label]
            kinds = {parameter_free(recipe(self.layout, k)) for k in names}
            if len(kinds) < 2:
                continue
            logits = self.alpha[label.replace(".", "__")].detach()
            idx = [self.options[label].index(k) for k in names]
            best = max(idx, key=lambda k: float(logits[k]))
            picks.append(parameter_free(recipe(self.layout, self.options[label][best])))
        return sum(picks) / len(picks) if picks else 0.0
