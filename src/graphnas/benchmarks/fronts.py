"""Multi-objective quality on a tabular benchmark: hypervolume regret against the table's true
Pareto front.

Objectives are the validation value (maximised) and tabulated costs (minimised). Each is
normalised by its range over the whole table, costs turned so that higher is better, so that a
front lies in [0, 1]^m; the reference point is -0.1 in every objective (the table's worst
corner less a tenth of each range), so that the extremes of a front add volume too. Hypervolume
regret is the true front's hypervolume minus that of the points found (at most 1.21 with two
objectives).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from graphnas.pareto import hypervolume, non_dominated

from .base import TabularBenchmark

REFERENCE = -0.1  # in every normalised objective


def maximized(valid: float, costs: Sequence[float]) -> tuple[float, ...]:
    """An architecture's objective vector, each higher-is-better: the costs negated."""
    return (float(valid), *(-float(c) for c in costs))


class TrueFront:
    """A table's Pareto front over some objectives, and the hypervolume regret of a set."""

    def __init__(self, points: np.ndarray) -> None:
        """``points``: every tabulated architecture's :func:`maximized` vector."""
        self.low, self.high = points.min(axis=0), points.max(axis=0)
        self.front = points[non_dominated(points)]
        self.volume = self.hypervolume(self.front)

    def normalize(self, points) -> np.ndarray:
        span = np.where(self.high > self.low, self.high - self.low, 1.0)
        return (np.asarray(points, float) - self.low) / span

    def hypervolume(self, points) -> float:
        p = np.asarray(points, float)
        if p.size == 0:
            return 0.0
        return hypervolume(self.normalize(p), np.full(p.shape[-1], REFERENCE))

    def regret(self, points) -> float:
        return self.volume - self.hypervolume(points)


_FRONTS: dict[tuple[str, str, tuple[str, ...]], TrueFront] = {}


def true_front(benchmark: TabularBenchmark, dataset: str, costs: Sequence[str]) -> TrueFront:
    """The table's true front over the validation value and ``costs`` (built once per
    process)."""
    key = (benchmark.name, dataset, tuple(costs))
    if key not in _FRONTS:
        rows = benchmark.points(dataset, key[2])
        _FRONTS[key] = TrueFront(np.array([maximized(r[0], r[1:]) for r in rows], float))
    return _FRONTS[key]
