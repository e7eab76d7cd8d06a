"""Strategies by name."""

from __future__ import annotations

from typing import Any

from graphnas.spaces.base import Space

from .base import Strategy
from .evolution import RegularizedEvolution
from .neat import NEAT
from .pnas import PNAS
from .random_search import RandomSearch
from .reinforce import Reinforce
from .surrogate import SurrogateSearch

STRATEGIES: dict[str, type[Strategy]] = {
    "random": RandomSearch,
    "evolution": RegularizedEvolution,
    "reinforce": Reinforce,
    "surrogate": SurrogateSearch,
    "pnas": PNAS,
    "neat": NEAT,
}


def strategy_names() -> list[str]:
    return list(STRATEGIES)


def decision_names() -> list[str]:
    """The strategies that search spaces of decisions (all but those made for genomes)."""
    return [name for name, cls in STRATEGIES.items() if not cls.genome_only]


def multi_objective_names() -> list[str]:
    """The strategies that can search several objectives at once."""
    return [name for name, cls in STRATEGIES.items() if cls.multi_objective]


def check_objectives(name: str, objectives: int) -> None:
    """ValueError when strategy ``name`` is asked for several objectives it cannot search."""
    if objectives > 1 and name in STRATEGIES and not STRATEGIES[name].multi_objective:
        raise ValueError(f"strategy {name!r} searches one objective; for several use one of "
                         f"{', '.join(multi_objective_names())}")


def check_space(name: str, space: Space) -> None:
    """ValueError when strategy ``name`` cannot search ``space`` (an open-ended space, whose
    candidates grow by mutation, is for the strategies that only sample and mutate)."""
    if space.open_ended and name in STRATEGIES and not STRATEGIES[name].open_ended:
        able = [n for n, cls in STRATEGIES.items() if cls.open_ended]
        raise ValueError(f"strategy {name!r} chooses decisions and the {space.name!r} space "
                         f"has none (it grows by mutation); use one of {', '.join(able)}")


def get_strategy(name: str, space: Space, seed: int = 0, **config: Any) -> Strategy:
    """A strategy by name, e.g. ``get_strategy("evolution", space, seed=1, population=30)``."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; use one of {', '.join(strategy_names())}")
    check_space(name, space)
    try:
        return STRATEGIES[name](space, seed, **config)
    except TypeError as err:
        raise ValueError(f"strategy {name!r}: bad setting ({err})") from None
