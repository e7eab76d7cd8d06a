"""Random search: every decision uniformly at random."""

from __future__ import annotations

from graphnas.spaces.base import Candidate

from .base import Score, Strategy


class RandomSearch(Strategy):
    name = "random"
    multi_objective = True
    open_ended = True

    def ask(self, n: int = 1) -> list[Candidate]:
        return [self.space.sample(self.rng) for _ in range(n)]

    def tell(self, candidate: Candidate, score: Score) -> None:
        pass
