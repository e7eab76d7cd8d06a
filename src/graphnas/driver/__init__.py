"""The search driver: strategy x objective x budget over an executor, recorded in a run store."""

from .loop import SearchBudget, restore, run_search
from .objectives import TrainingObjective

__all__ = ["SearchBudget", "TrainingObjective", "restore", "run_search"]
