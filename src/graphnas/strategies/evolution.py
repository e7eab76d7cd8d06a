"""Regularised (aging) evolution, Real et al. 2019.

A population of the ``population`` most recently told candidates; a child is a mutation of the
best of ``sample`` members drawn at random; the oldest member dies when a new one arrives.
Asynchronous: ``ask`` works before earlier candidates are told (the first ``population`` asks are
random samples), and results may arrive in any order.

Novelty: a sample or child whose graph was asked before is drawn again, up to ``retries`` times.
Without it a converged population keeps proposing its own members (a mutation of a decision the
graph does not use decodes to the same graph): in a 20-minute MNIST-1D search 37 of 94 asks were
repeats, each taking a population slot from a new graph.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from graphnas.spaces.base import Candidate, Space

from .base import Strategy


class RegularizedEvolution(Strategy):
    name = "evolution"

    def __init__(self, space: Space, seed: int = 0, population: int = 20, sample: int = 5,
                 retries: int = 20) -> None:
        super().__init__(space, seed)
        if population < 2 or not 1 <= sample <= population or retries < 0:
            raise ValueError("evolution needs population >= 2, 1 <= sample <= population and "
                             "retries >= 0")
        self.population_size, self.sample_size, self.retries = population, sample, retries
        self.population: deque[tuple[tuple[int, ...], float | None]] = deque()
        self.asked = 0
        self.seen: set[str] = set()  # hashes of the graphs asked so far

    def ask(self, n: int = 1) -> list[Candidate]:
        out = []
        for _ in range(n):
            cand = self._propose()
            for _ in range(self.retries):
                if cand.hash not in self.seen:
                    break
                cand = self._propose()
            self.seen.add(cand.hash)
            out.append(cand)
            self.asked += 1
        return out

    def _propose(self) -> Candidate:
        """A random sample while the population fills, then a mutated tournament winner."""
        if self.asked < self.population_size or len(self.population) < self.sample_size:
            return self.space.sample(self.rng)
        idx = self.rng.choice(len(self.population), self.sample_size, replace=False)
        members = [self.population[int(i)] for i in idx]
        parent = max(members, key=lambda m: -float("inf") if m[1] is None else m[1])
        return self.space.mutate(self.space.candidate(parent[0]), self.rng)

    def tell(self, candidate: Candidate, score: float | None) -> None:
        self.population.append((tuple(candidate.choices), score))
        while len(self.population) > self.population_size:
            self.population.popleft()

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "asked": self.asked, "seen": sorted(self.seen),
                "population": [[list(c), s] for c, s in self.population]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.asked = state["asked"]
        self.seen = set(state.get("seen", ()))
        self.population = deque((tuple(c), s) for c, s in state["population"])
