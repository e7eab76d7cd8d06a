"""Ask/tell search strategies: they choose candidates and learn from scores, never train."""

from .base import Score, Strategy
from .evolution import RegularizedEvolution
from .random_search import RandomSearch
from .registry import (
                       STRATEGIES,
                       check_objectives,
                       check_space,
                       decision_names,
                       get_strategy,
                       multi_objective_names,
                       strategy_names,
)
from .reinforce import Reinforce

__all__ = ["STRATEGIES", "RandomSearch", "RegularizedEvolution", "Reinforce", "Score",
           "Strategy", "check_objectives", "check_space", "decision_names", "get_strategy",
           "multi_objective_names", "strategy_names"]
