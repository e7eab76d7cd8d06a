"""A fixed list of candidates as an ask/tell strategy: graphs chosen elsewhere (a discretised
supergraph, the finalists of a search) trained and recorded by the driver like any trial."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphnas.spaces import Space


class FixedList:
    """A 'strategy' that asks for a given list of candidates in order, then for those of the
    list that have no finished trial (``finished()``: hashes), which a killed run left in
    flight. Its state is how far down the list it has asked, so a resumed run replays as
    the uninterrupted one asked."""

    def __init__(self, space: Space, choices: list[list[int]],
                 finished: Callable[[], set[str]]) -> None:
        self.space = space
        self.candidates = [space.candidate(tuple(c)) for c in choices]
        self.finished = finished
        self.asked = 0
        self.again: set[str] = set()

    def ask(self, n: int = 1):
        out = []
        for _ in range(n):
            if self.asked < len(self.candidates):
                out.append(self.candidates[self.asked])
                self.asked += 1
                continue
            done = self.finished() | self.again
            left = [c for c in self.candidates if c.hash not in done] or self.candidates[-1:]
            self.again.add(left[0].hash)
            out.append(left[0])
        return out

    def tell(self, candidate, score) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        return {"asked": self.asked}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.asked = int(state.get("asked", 0))
