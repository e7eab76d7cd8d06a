"""What a tabular benchmark is: a family of lookup tables, one per data set, each searched as a
space whose every architecture has a tabulated validation value.

A benchmark gives, per data set, the space, an evaluator (architecture -> :class:`Lookup`) and
the optimum (the best noise-free validation value, which regret is measured against). One
module per benchmark, registered in :mod:`graphnas.benchmarks.registry`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from graphnas.spaces.base import Space


class Lookup(NamedTuple):
    """One query's answer."""

    score: float | None  # what the search is told (None: not tabulated, a failed trial)
    valid: float | None  # the noise-free validation value, for regret (= score unless noisy)
    test: float | None  # the test value, where the table has one
    costs: dict[str, float] | None = None  # the tabulated costs (latency, params, ...)


Evaluate = Callable[[Any], Lookup]


class TabularBenchmark(ABC):
    """A benchmark of lookup tables.

    Attributes:
        name: the registry's name, e.g. ``"nasbench201"`` (``graphnas bench NAME``).
        title: how reports name it, e.g. ``"NAS-Bench-201"``.
        datasets: the data sets it has tables for; the first is the default.
        unit: what a validation value (and so a regret) is measured in.
        has_test: whether the tables hold a test value beside the validation value.
        has_noise: whether the tables hold one value per training seed, so that a noisy
            search (one seed's value per query) is possible.
        costs: the costs the tables hold beside the score (``"latency"``, ``"params"``), each
            to minimise; a multi-objective search is told the score and some of them.
    """

    name: str
    title: str
    datasets: tuple[str, ...]
    unit: str
    has_test: bool
    has_noise: bool
    costs: tuple[str, ...] = ()

    def check_dataset(self, dataset: str) -> str:
        """The data set's name, or ValueError naming the ones that exist."""
        if dataset not in self.datasets:
            raise ValueError(f"unknown {self.title} data set {dataset!r}; use one of "
                             f"{', '.join(self.datasets)}")
        return dataset

    def check_noisy(self, noisy: bool) -> None:
        """ValueError when a noisy search is asked of tables with one value per architecture."""
        if noisy and not self.has_noise:
            raise ValueError(f"{self.title}'s tables hold one value per architecture: a "
                             f"noisy search needs one per training seed")

    def check_objectives(self, objectives: Sequence[str]) -> tuple[str, ...]:
        """``("score", cost, ...)`` checked: the score first, then costs the tables hold."""
        objectives = tuple(objectives)
        if not objectives or objectives[0] != "score" or \
                any(o not in self.costs for o in objectives[1:]) or \
                len(set(objectives)) < len(objectives):
            raise ValueError(f"objectives must be 'score' and then some of {self.title}'s "
                             f"costs ({', '.join(self.costs) or 'none'}), each once; got "
                             f"{','.join(objectives) or 'none'}")
        return objectives

    def points(self, dataset: str, costs: Sequence[str]) -> np.ndarray:
        """Every tabulated architecture as a row ``(validation value, cost, ...)``, noise-free
        (from which the true Pareto front is found)."""
        raise NotImplementedError(f"{self.title} does not list its tables' costs")

    def cost_lookup(self, dataset: str) -> Callable[[Any], dict[str, float] | None]:
        """Architecture -> its tabulated costs (None where it is not tabulated), without a
        query: what a search may know of a candidate before training it (its size, its
        measured latency), see :attr:`graphnas.strategies.base.Strategy.known`."""
        raise NotImplementedError(f"{self.title} does not list its tables' costs")

    @abstractmethod
    def space(self, dataset: str) -> Space:
        """The space searched on a data set."""

    @abstractmethod
    def evaluator(self, dataset: str, noisy: bool = False, seed: int = 0) -> Evaluate:
        """Architecture -> :class:`Lookup`; with ``noisy``, the score is one training seed's
        value drawn by a generator seeded with ``seed``."""

    @abstractmethod
    def optimum(self, dataset: str) -> float:
        """The best noise-free validation value of the data set's table."""
