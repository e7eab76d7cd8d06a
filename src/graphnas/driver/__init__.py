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

__all__ = ["SearchBudget", "SizeLimits", "TrainingObjective", "TrialOutcome", "median",
           "record_finished", "record_outcome", "restore", "run_search", "trained_seconds"]
