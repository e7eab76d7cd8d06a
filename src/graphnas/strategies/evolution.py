"""Regularised (aging) evolution, Real et al. 2019, and its multi-objective form.

A population of the ``population`` most recently told candidates; a child is a mutation of the
best of ``sample`` members drawn at random; the oldest member dies when a new one arrives.
Asynchronous: ``ask`` works before earlier candidates are told (the first ``population`` asks are
random samples), and results may arrive in any order.

Told tuples of objectives, it becomes a steady-state NSGA-II (Deb et al. 2002): "best" is the
lower non-dominated front within the population, ties broken by the larger crowding distance,
and the member that dies is the worst in that order (failed trials first), not the oldest, so
that the population keeps the front it has found.

With ``inherit_weights`` a child starts from its parent's trained weights (those whose name and
shape still fit; a widened layer keeps the old units and gets new ones; see
:mod:`graphnas.nn.inherit`) and trains ``inherit_steps`` of a trial's steps (Real et al. 2017
let children inherit weights the same way). In the genome space a mutation that splits an edge,
adds a branch or widens a layer is a network morphism: the child starts as its parent's
function. The finalists and the retraining then go on from the trained weights (see
:mod:`graphnas.driver.inheritance`).
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from graphnas.pareto import crowding_distance, fronts
from graphnas.spaces.base import Candidate, Space

from .base import Score, Strategy

Member = tuple[tuple[int, ...], Score]


class RegularizedEvolution(Strategy):
    name = "evolution"
    multi_objective = True
    open_ended = True

    def __init__(self, space: Space, seed: int = 0, population: int = 20, sample: int = 5,
                 inherit_weights: bool = False, inherit_steps: float = 0.3) -> None:
        super().__init__(space, seed)
        if population < 2 or not 1 <= sample <= population:
            raise ValueError("evolution needs population >= 2 and 1 <= sample <= population")
        if not 0 < inherit_steps <= 1:
            raise ValueError("evolution needs 0 < inherit_steps <= 1")
        self.population_size, self.sample_size = population, sample
        self.inherit_weights, self.inherit_steps = inherit_weights, inherit_steps
        self._hashes: dict[tuple[int, ...], str] = {}
        self.population: deque[Member] = deque()
        self.asked = 0

    def ask(self, n: int = 1) -> list[Candidate]:
        out = []
        for _ in range(n):
            if self.asked < self.population_size or len(self.population) < self.sample_size:
                out.append(self.space.sample(self.rng))
            else:
                idx = self.rng.choice(len(self.population), self.sample_size, replace=False)
                members = [self.population[int(i)] for i in idx]
                if self._several():
                    rank = _rank(list(self.population))
                    parent = self.population[int(min(idx, key=lambda i: rank[int(i)]))]
                else:
                    parent = max(members, key=lambda m: -np.inf if m[1] is None else m[1])
                out.append(self.space.mutate(self.space.candidate(parent[0]), self.rng))
            self.asked += 1
        return out

    def tell(self, candidate: Candidate, score: Score) -> None:
        self.population.append((tuple(candidate.choices), score))
        while len(self.population) > self.population_size:
            if self._several():
                rank = _rank(list(self.population))
                del self.population[int(np.argmax(rank))]  # the worst
            else:
                self.population.popleft()

    def tell_fidelity(self, candidate: Candidate, score: Score, rung: int) -> None:
        """A promoted member's longer-trained score replaces its first one, if it is still in
        the population (its latest entry), so that parents are chosen by the best-trained
        scores."""
        key = tuple(candidate.choices)
        for i in range(len(self.population) - 1, -1, -1):
            if self.population[i][0] == key:
                self.population[i] = (key, score)
                return

    def inheritable(self) -> set[str]:
        """The hashes of the population's members (only they can be parents)."""
        alive = {c for c, _ in self.population}
        self._hashes = {c: self._hashes.get(c) or self.space.candidate(c).hash for c in alive}
        return set(self._hashes.values())

    def _several(self) -> bool:
        return any(isinstance(s, tuple) for _, s in self.population)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "asked": self.asked,
                "population": [[list(c), list(s) if isinstance(s, tuple) else s]
                               for c, s in self.population]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.asked = state["asked"]
        self.population = deque((tuple(c), tuple(s) if isinstance(s, list) else s)
                                for c, s in state["population"])


def _rank(members: list[Member]) -> list[float]:
    """Each member's place in NSGA-II's order, lower is better: by front, then by crowding
    within it (the most isolated first); failed members last, the later after the earlier."""
    told = [i for i, (_, s) in enumerate(members) if s is not None]
    key = [1e9 + i for i in range(len(members))]
    if told:
        points = np.array([members[i][1] for i in told], float)
        for level, front in enumerate(fronts(points)):
            order = np.argsort(-crowding_distance(points[front]), kind="stable")
            for place, j in enumerate(order):
                key[told[front[j]]] = level + place / (len(front) + 1)
    return key
