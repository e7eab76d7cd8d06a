"""Ask/tell search strategies: they choose candidates and learn from scores, never train."""

from .base import Strategy
from .evolution import RegularizedEvolution
from .random_search import RandomSearch
from .registry import STRATEGIES, get_strategy, strategy_names
from .reinforce import Reinforce

__all__ = ["STRATEGIES", "RandomSearch", "RegularizedEvolution", "Reinforce", "Strategy",
           "get_strategy", "strategy_names"]
