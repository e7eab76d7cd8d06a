"""The run directory: trials in SQLite, strategy states, artefacts; resumable."""

from .lineage import EXACT, lineage, species
from .reader import is_run_dir, read_trials
from .records import TrialRecord, TrialState
from .run_store import RunMismatch, RunStore, write_json_atomic

__all__ = ["EXACT", "RunMismatch", "RunStore", "TrialRecord", "TrialState", "is_run_dir", "lineage",
           "read_trials", "species", "write_json_atomic"]
