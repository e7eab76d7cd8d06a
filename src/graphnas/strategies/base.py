"""The ask/tell protocol every strategy follows.

A strategy asks its space for candidates and is told scores; it never trains, sleeps or polls.
Every random choice comes from its own seeded ``numpy.random.Generator`` (and ``torch.Generator``
where it has a network), and ``state_dict()`` captures all of it, so a strategy rebuilt from its
state (or by replaying the store's trials) asks for the same next candidates.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import numpy as np

from graphnas.spaces.base import Candidate, Space

Score = float | tuple[float, ...] | None


class Strategy(ABC):
    """Base class. ``score`` is higher-is-better; None means the trial failed.

    With several objectives (``multi_objective`` strategies only) a score is a tuple of floats,
    one per objective in a fixed order, each higher-is-better (a cost is told negated).
    """

    name: str = "strategy"
    multi_objective: bool = False  # whether tell accepts a tuple of objectives
    open_ended: bool = False  # whether it searches open-ended spaces (it only samples, mutates)
    genome_only: bool = False  # whether it searches only genomes (not decision spaces)
    inherit_weights: bool = False  # whether a mutated child starts from its parent's weights
    inherit_steps: float = 1.0  # the share of a trial's steps such a child trains
    # What a one-objective search tells it: "score", or "loss": minus the validation loss,
    # finer than the accuracy of a small validation split (many trials tie on it)
    signal: str = "score"
    # Set by the loop that runs the search where some objectives are known before training
    # (a network's size, a table's measured latency): candidate -> the told vector's values
    # that are known (costs negated, as told), None for the others; the callable returns None
    # where it knows nothing of a candidate. Only strategies with ``reads_known`` use it.
    known: Callable[[Candidate], tuple[float | None, ...] | None] | None = None
    reads_known: bool = False

    def __init__(self, space: Space, seed: int = 0) -> None:
        self.space = space
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    @abstractmethod
    def ask(self, n: int = 1) -> list[Candidate]:
        """Up to ``n`` new candidates to evaluate."""

    @abstractmethod
    def tell(self, candidate: Candidate, score: Score) -> None:
        """The result of one candidate, in any order; None for a failed trial."""

    def tell_fidelity(self, candidate: Candidate, score: Score, rung: int) -> None:
        """A told candidate trained on to a longer rung of a multi-fidelity search (see
        :mod:`graphnas.driver.fidelity`): ``score`` is its score there (as :meth:`tell`'s),
        ``rung`` the rung (0 is the shortest). It was told its first rung's score already.

        By default nothing happens: the strategy keeps the first rung's score. ``random``
        never reads scores; ``reinforce`` has already taken its policy step on the first
        rung's reward; ``pnas`` keeps the score its round was ranked by. ``evolution`` and
        ``surrogate`` replace the candidate's score (see theirs).
        """

    def inheritable(self) -> set[str]:
        """With ``inherit_weights``: the hashes of the candidates that may still be parents
        (the driver keeps only their trained weights)."""
        return set()

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly (JSON-able where possible)."""
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]
