"""The RNN controller of NAS-RL (Zoph & Le 2017): an LSTM that emits a space's decisions.

Each step feeds the embedding of the previous choice; a softmax classifier per decision key
picks the option. A yes/no decision with an ``anchor = (j, i)`` (does node i take input from
node j) is scored by anchor-point attention instead: ``P(yes) = sigmoid(v . tanh(W_prev h_j +
W_curr h_i))``, where h_j and h_i are the controller's states at node j's and node i's first
decisions (their anchor points). Node indices count the label prefixes (the part before the first
dot) in the order the decisions first name them, e.g. ``stem`` = 0, ``node0`` = 1, ...
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from graphnas.spaces.base import Decision, Space


def key_sizes(space: Space, probe_seed: int = 0, probes: int = 64) -> dict[str, int]:
    """The largest option count per decision key (exact for spaces with fixed decisions)."""
    import numpy as np

    fixed = space.fixed_decisions()
    if fixed is None:
        rng = np.random.default_rng(probe_seed)
        fixed = [d for _ in range(probes) for d in space.decisions(space.sample(rng).choices)]
    sizes: dict[str, int] = {}
    for d in fixed:
        sizes[d.key] = max(sizes.get(d.key, 0), len(d.options))
    return sizes


class Controller(nn.Module):
    def __init__(self, sizes: dict[str, int], hidden: int = 64) -> None:
        super().__init__()
        self.keys = sorted(sizes)
        self.hidden = hidden
        self.start = nn.Parameter(torch.zeros(1, hidden))
        self.cell = nn.LSTMCell(hidden, hidden)
        self.embed = nn.ModuleDict({k: nn.Embedding(sizes[k], hidden) for k in self.keys})
        self.classify = nn.ModuleDict({k: nn.Linear(hidden, sizes[k]) for k in self.keys})
        self.w_prev = nn.Linear(hidden, hidden, bias=False)
        self.w_curr = nn.Linear(hidden, hidden, bias=False)
        self.v = nn.Linear(hidden, 1, bias=False)
        with torch.no_grad():  # start near uniform
            for layer in self.classify.values():
                layer.weight.mul_(0.1)
                layer.bias.zero_()

    def walk(self, space: Space, forced: Sequence[int] | None = None,
             generator: torch.Generator | None = None, temperature: float = 1.0
             ) -> tuple[list[int], torch.Tensor, torch.Tensor]:
        """Sample a decision sequence (or replay ``forced``); returns the choices, the summed
        log-probability and the summed entropy."""
        h = torch.zeros(1, self.hidden)
        c = torch.zeros(1, self.hidden)
        inp = self.start
        anchors: dict[str, torch.Tensor] = {}
        order: list[str] = []
        choices: list[int] = []
        logp = torch.zeros(())
        entropy = torch.zeros(())
        while (d := space.next_decision(choices)) is not None:
            h, c = self.cell(inp, (h, c))
            prefix = d.label.split(".")[0]
            if prefix not in anchors:
                anchors[prefix] = h
                order.append(prefix)
            logits = self._logits(d, h, anchors, order) / temperature
            log_probs = F.log_softmax(logits, dim=-1)
            if forced is not None:
                k = int(forced[len(choices)])
            else:
                k = int(torch.multinomial(log_probs.exp(), 1, generator=generator))
            logp = logp + log_probs[k]
            entropy = entropy - (log_probs.exp() * log_probs).sum()
            choices.append(k)
            inp = self.embed[d.key](torch.tensor([k]))
        return choices, logp, entropy

    def _logits(self, d: Decision, h, anchors, order) -> torch.Tensor:
        n = len(d.options)
        if d.anchor is not None and n == 2:
            j, i = d.anchor
            h_prev = anchors[order[j]] if j < len(order) else h
            h_curr = anchors[order[i]] if i < len(order) else h
            score = self.v(torch.tanh(self.w_prev(h_prev) + self.w_curr(h_curr)))[0, 0]
            return torch.stack([torch.zeros(()), score])
        return self.classify[d.key](h)[0, :n]
