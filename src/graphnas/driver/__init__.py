"""The search driver: strategy x objective x budget over an executor, recorded in a run store."""

from .fidelity import FIDELITIES, RungSchedule, default_min_steps, rung_steps
from .inheritance import WarmStart, kept_state, kept_weights
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

__all__ = ["FIDELITIES", "OBJECTIVES", "RungSchedule", "SearchBudget", "SizeLimits",
           "TrainingObjective", "TrialOutcome", "WarmStart", "default_min_steps", "front",
           "kept_state", "kept_weights", "median", "member",
           "parse_objectives", "record_finished", "record_outcome", "restore", "run_search",
           "rung_steps", "told", "trained_seconds", "values"]
