"""Several objectives at once: Pareto fronts, crowding, hypervolume and scalarisation.

Every function takes objective vectors to *maximise* (a cost enters negated), as rows of an
array. numpy only, so that strategies, the store, reports and benchmarks can all use it.
"""

from .expected import expected_improvement
from .fronts import crowding_distance, dominates, fronts, non_dominated
from .hypervolume import hypervolume
from .scalarize import Normalizer, random_weights, tchebycheff

__all__ = ["Normalizer", "crowding_distance", "dominates", "expected_improvement", "fronts",
           "hypervolume", "non_dominated", "random_weights", "tchebycheff"]
