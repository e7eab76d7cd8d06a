"""The run directory: trials in SQLite, strategy states, artefacts; resumable."""

from .records import TrialRecord, TrialState
from .run_store import RunMismatch, RunStore, write_json_atomic

__all__ = ["RunMismatch", "RunStore", "TrialRecord", "TrialState", "write_json_atomic"]
