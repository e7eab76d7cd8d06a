"""The run directory: trials in SQLite, strategy states, artefacts; resumable."""

from .reader import is_run_dir, read_trials
from .records import TrialRecord, TrialState
from .run_store import RunMismatch, RunStore, write_json_atomic

__all__ = ["RunMismatch", "RunStore", "TrialRecord", "TrialState", "is_run_dir", "read_trials",
           "write_json_atomic"]
