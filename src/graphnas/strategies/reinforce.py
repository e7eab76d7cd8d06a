"""REINFORCE over the controller (Williams 1992; Zoph & Le 2017), or PPO (Schulman et al. 2017).

Candidates are sampled without gradients; when ``batch`` results have been told, the controller
replays their choices to get log-probabilities and takes one Adam step on
``-(reward - baseline) * log p - entropy_weight * entropy`` (mean over the batch), where the
baseline is an exponential moving average of rewards. A failed trial's reward is the lowest
reward seen so far.

With ``algorithm="ppo"`` each batch is used for ``ppo_epochs`` Adam steps on PPO's clipped
objective ``-min(ratio * A, clip(ratio, 1 - ppo_clip, 1 + ppo_clip) * A) - entropy_weight *
entropy``, where ``A = reward - baseline`` and ``ratio`` is the probability of the candidate's
choices under the controller being trained over that under the controller before the batch's
first step (the policy that sampled the batch; with several workers, a candidate asked before
the previous update was sampled by an older one). The first step is REINFORCE's.

Told tuples of objectives, each update draws weights from the simplex and rewards the batch by
the augmented Tchebycheff value of its vectors (ParEGO's scalarisation, over objectives
normalised by the ranges seen so far), so that the controller is pulled toward a different part
of the front at each step; the baseline is then the batch's mean reward, as the moving average
would mix rewards under different weights. A failed trial's reward is the batch's lowest.

With ``novel=True`` (the default) an architecture is asked at most once: a draw the strategy
has asked before is replaced by a mutation of it (up to ``NOVEL_TRIES`` mutation steps) that
was not. A converged controller would otherwise keep drawing the same few architectures, each
answered from the record at no cost but no information, while the workers wait for a new one
(a 20-minute hybrid search on MNIST-1D spent six of its eleven exploration minutes so). The
replacement is rewarded through its own log-probability like any draw, so a better neighbour
pulls the policy toward it; the draw is no longer exactly on-policy, which is the price of
spending every trial on something new. Only when every mutation tried was asked before is a
repeat asked.
"""

from __future__ import annotations

import base64
import io
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from graphnas.pareto import Normalizer, random_weights, tchebycheff
from graphnas.spaces.base import Candidate, Space

from .base import Score, Strategy
from .controller import Controller, key_sizes


def _pack(obj: Any) -> str:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return base64.b64encode(buf.getvalue()).decode()


def _unpack(text: str) -> Any:
    return torch.load(io.BytesIO(base64.b64decode(text)), weights_only=True)


ALGORITHMS = ("reinforce", "ppo")
NOVEL_TRIES = 30  # mutation steps tried in search of an architecture not asked before


class Reinforce(Strategy):
    name = "reinforce"
    multi_objective = True

    def __init__(self, space: Space, seed: int = 0, batch: int = 5, lr: float = 0.02,
                 entropy_weight: float = 1e-3, baseline_decay: float = 0.8, hidden: int = 64,
                 temperature: float = 1.0, algorithm: str = "reinforce", ppo_epochs: int = 4,
                 ppo_clip: float = 0.2, novel: bool = True) -> None:
        super().__init__(space, seed)
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, got "
                             f"{algorithm!r}")
        if ppo_epochs < 1 or not 0 < ppo_clip < 1:
            raise ValueError(f"ppo_epochs must be at least 1 and ppo_clip in (0, 1), got "
                             f"{ppo_epochs} and {ppo_clip}")
        self.algorithm, self.ppo_epochs, self.ppo_clip = algorithm, ppo_epochs, ppo_clip
        self.batch, self.entropy_weight = batch, entropy_weight
        self.decay, self.temperature = baseline_decay, temperature
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.controller = Controller(key_sizes(space, seed), hidden)
        self.optimizer = torch.optim.Adam(self.controller.parameters(), lr=lr)
        self.generator = torch.Generator().manual_seed(seed)
        self.baseline: float | None = None
        self.worst: float | None = None
        self.buffer: list[tuple[list[int], Score]] = []
        self.ranges = Normalizer()  # of the objective vectors told (several objectives)
        self.updates = 0
        self.novel = novel
        self.asked: set[str] = set()  # hashes of the architectures asked (with ``novel``)
        self.redrawn = 0  # draws replaced by a mutation not asked before

    def ask(self, n: int = 1) -> list[Candidate]:
        out = []
        with torch.no_grad():
            for _ in range(n):
                choices, _, _ = self.controller.walk(self.space, generator=self.generator,
                                                      temperature=self.temperature)
                cand = self.space.candidate(choices)
                if self.novel:
                    cand = self._unasked(cand)
                    self.asked.add(cand.hash)
                out.append(cand)
        return out

    def _unasked(self, cand: Candidate) -> Candidate:
        """``cand``, or where it was asked before, the first of a chain of mutations of it
        that was not (``cand`` again if none is found)."""
        if cand.hash not in self.asked:
            return cand
        mutant = cand
        for _ in range(NOVEL_TRIES):
            mutant = self.space.mutate(mutant, self.rng)
            if mutant.hash not in self.asked:
                self.redrawn += 1
                return replace(mutant, origin=None)  # a draw, not a child: no parent
        return cand

    def tell(self, candidate: Candidate, score: Score) -> None:
        if isinstance(score, (tuple, list)):
            score = tuple(float(x) for x in score)
            self.ranges.update([score])
        elif score is not None:
            self.worst = score if self.worst is None else min(self.worst, score)
        self.buffer.append((list(candidate.choices), score))
        if len(self.buffer) >= self.batch:
            self._update()

    def _rewards(self) -> tuple[list[float], float]:
        """The buffer's rewards and the baseline to subtract (updated here)."""
        scores = [s for _, s in self.buffer]
        if any(isinstance(s, tuple) for s in scores):
            weights = random_weights(self.rng, len(self.ranges.low))
            told = [i for i, s in enumerate(scores) if s is not None]
            values = tchebycheff(self.ranges([scores[i] for i in told]), weights)
            worst = float(values.min()) if told else 0.0
            rewards = [worst] * len(scores)
            for i, v in zip(told, values):
                rewards[i] = float(v)
            return rewards, float(np.mean(rewards))
        rewards = [self.worst if s is None else s for s in scores]
        rewards = [0.0 if r is None else float(r) for r in rewards]
        for r in rewards:
            self.baseline = r if self.baseline is None else (
                self.decay * self.baseline + (1 - self.decay) * r)
        return rewards, self.baseline

    def _update(self) -> None:
        rewards, baseline = self._rewards()
        advantages = [r - baseline for r in rewards]
        choices = [c for c, _ in self.buffer]
        if self.algorithm == "reinforce":
            self._step(lambda logp, i: -advantages[i] * logp, choices)
        else:
            with torch.no_grad():
                old = [self._walk(c)[0] for c in choices]
            low, high = 1 - self.ppo_clip, 1 + self.ppo_clip

            def clipped(logp: torch.Tensor, i: int) -> torch.Tensor:
                ratio = torch.exp(logp - old[i])
                a = advantages[i]
                return -torch.minimum(ratio * a, ratio.clamp(low, high) * a)

            for _ in range(self.ppo_epochs):
                self._step(clipped, choices)
        self.buffer = []
        self.updates += 1

    def _walk(self, choices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        _, logp, entropy = self.controller.walk(self.space, forced=choices,
                                                temperature=self.temperature)
        return logp, entropy

    def _step(self, policy_loss, choices: list[list[int]]) -> None:
        """One Adam step on the batch's mean of ``policy_loss(log p, i) - entropy_weight *
        entropy``."""
        loss = torch.zeros(())
        for i, c in enumerate(choices):
            logp, entropy = self._walk(c)
            loss = loss + policy_loss(logp, i) - self.entropy_weight * entropy
        self.optimizer.zero_grad()
        (loss / len(choices)).backward()
        self.optimizer.step()

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "baseline": self.baseline, "worst": self.worst,
                "buffer": [[c, list(s) if isinstance(s, tuple) else s]
                           for c, s in self.buffer],
                "updates": self.updates, "asked": sorted(self.asked),
                "redrawn": self.redrawn,
                "ranges": [None if r is None else r.tolist()
                           for r in (self.ranges.low, self.ranges.high)],
                "controller": _pack(self.controller.state_dict()),
                "optimizer": _pack(self.optimizer.state_dict()),
                "generator": _pack(self.generator.get_state())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.baseline, self.worst = state["baseline"], state["worst"]
        self.buffer = [(list(c), tuple(s) if isinstance(s, list) else s)
                       for c, s in state["buffer"]]
        low, high = state.get("ranges", [None, None])
        self.ranges = Normalizer()
        if low is not None:
            self.ranges.update([low, high])
        self.updates = state["updates"]
        self.asked = set(state.get("asked", ()))
        self.redrawn = state.get("redrawn", 0)
        self.controller.load_state_dict(_unpack(state["controller"]))
        self.optimizer.load_state_dict(_unpack(state["optimizer"]))
        self.generator.set_state(_unpack(state["generator"]))
