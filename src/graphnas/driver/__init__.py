"""The search driver: strategy x objective x budget over an executor, recorded in a run store."""

from .limits import SizeLimits
from .loop import (
    SearchBudget,
    median,
    record_finished,
    record_outcome,
    restore,
    run_search,
    trained_seconds,
)
from .objectives import TrainingObjective
from .outcome import TrialOutcome
from .vectors import OBJECTIVES, front, member, parse_objectives, told, values

__all__ = ["OBJECTIVES", "SearchBudget", "SizeLimits", "TrainingObjective", "TrialOutcome",
           "front", "median", "member", "parse_objectives", "record_finished", "record_outcome",
           "restore", "run_search", "told", "trained_seconds", "values"]
