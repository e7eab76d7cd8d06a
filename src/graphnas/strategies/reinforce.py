"""REINFORCE over the controller (Williams 1992; Zoph & Le 2017).

Candidates are sampled without gradients; when ``batch`` results have been told, the controller
replays their choices to get log-probabilities and takes one Adam step on
``-(reward - baseline) * log p - entropy_weight * entropy`` (mean over the batch), where the
baseline is an exponential moving average of rewards. A failed trial's reward is the lowest
reward seen so far.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import torch

from graphnas.spaces.base import Candidate, Space

from .base import Strategy
from .controller import Controller, key_sizes


def _pack(obj: Any) -> str:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return base64.b64encode(buf.getvalue()).decode()


def _unpack(text: str) -> Any:
    return torch.load(io.BytesIO(base64.b64decode(text)), weights_only=True)


class Reinforce(Strategy):
    name = "reinforce"

    def __init__(self, space: Space, seed: int = 0, batch: int = 5, lr: float = 0.02,
                 entropy_weight: float = 1e-3, baseline_decay: float = 0.8, hidden: int = 64,
                 temperature: float = 1.0) -> None:
        super().__init__(space, seed)
        self.batch, self.entropy_weight = batch, entropy_weight
        self.decay, self.temperature = baseline_decay, temperature
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.controller = Controller(key_sizes(space, seed), hidden)
        self.optimizer = torch.optim.Adam(self.controller.parameters(), lr=lr)
        self.generator = torch.Generator().manual_seed(seed)
        self.baseline: float | None = None
        self.worst: float | None = None
        self.buffer: list[tuple[list[int], float | None]] = []
        self.updates = 0

    def ask(self, n: int = 1) -> list[Candidate]:
        out = []
        with torch.no_grad():
            for _ in range(n):
                choices, _, _ = self.controller.walk(self.space, generator=self.generator,
                                                      temperature=self.temperature)
                out.append(self.space.candidate(choices))
        return out

    def tell(self, candidate: Candidate, score: float | None) -> None:
        if score is not None:
            self.worst = score if self.worst is None else min(self.worst, score)
        self.buffer.append((list(candidate.choices), score))
        if len(self.buffer) >= self.batch:
            self._update()

    def _update(self) -> None:
        rewards = [self.worst if s is None else s for _, s in self.buffer]
        rewards = [0.0 if r is None else float(r) for r in rewards]
        for r in rewards:
            self.baseline = r if self.baseline is None else (
                self.decay * self.baseline + (1 - self.decay) * r)
        loss = torch.zeros(())
        for (choices, _), r in zip(self.buffer, rewards):
            _, logp, entropy = self.controller.walk(self.space, forced=choices,
                                                    temperature=self.temperature)
            loss = loss - (r - self.baseline) * logp - self.entropy_weight * entropy
        self.optimizer.zero_grad()
        (loss / len(self.buffer)).backward()
        self.optimizer.step()
        self.buffer = []
        self.updates += 1

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "baseline": self.baseline, "worst": self.worst,
                "buffer": self.buffer, "updates": self.updates,
                "controller": _pack(self.controller.state_dict()),
                "optimizer": _pack(self.optimizer.state_dict()),
                "generator": _pack(self.generator.get_state())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.baseline, self.worst = state["baseline"], state["worst"]
        self.buffer = [(list(c), s) for c, s in state["buffer"]]
        self.updates = state["updates"]
        self.controller.load_state_dict(_unpack(state["controller"]))
        self.optimizer.load_state_dict(_unpack(state["optimizer"]))
        self.generator.set_state(_unpack(state["generator"]))
