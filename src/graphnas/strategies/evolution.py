"""Regularised (aging) evolution, Real et al. 2019.

A population of the ``population`` most recently told candidates; a child is a mutation of the
best of ``sample`` members drawn at random; the oldest member dies when a new one arrives.
Asynchronous: ``ask`` works before earlier candidates are told (the first ``population`` asks are
random samples), and results may arrive in any order.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from graphnas.spaces.base import Candidate, Space

from .base import Strategy


class RegularizedEvolution(Strategy):
    name = "evolution"

    def __init__(self, space: Space, seed: int = 0, population: int = 20, sample: int = 5
                 ) -> None:
        super().__init__(space, seed)
        if population < 2 or not 1 <= sample <= population:
            raise ValueError("evolution needs population >= 2 and 1 <= sample <= population")
        self.population_size, self.sample_size = population, sample
        self.population: deque[tuple[tuple[int, ...], float | None]] = deque()
        self.asked = 0

    def ask(self, n: int = 1) -> list[Candidate]:
        out = []
        for _ in range(n):
            if self.asked < self.population_size or len(self.population) < self.sample_size:
                out.append(self.space.sample(self.rng))
            else:
                idx = self.rng.choice(len(self.population), self.sample_size, replace=False)
                members = [self.population[int(i)] for i in idx]
                parent = max(members, key=lambda m: -float("inf") if m[1] is None else m[1])
                out.append(self.space.mutate(self.space.candidate(parent[0]), self.rng))
            self.asked += 1
        return out

    def tell(self, candidate: Candidate, score: float | None) -> None:
        self.population.append((tuple(candidate.choices), score))
        while len(self.population) > self.population_size:
            self.population.popleft()

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "asked": self.asked,
                "population": [[list(c), s] for c, s in self.population]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.asked = state["asked"]
        self.population = deque((tuple(c), s) for c, s in state["population"])
