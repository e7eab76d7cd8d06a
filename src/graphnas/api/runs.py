"""Looking at a run directory: what ``graphnas show`` prints.

Example:
    >>> run = load_run("runs/search")                       # doctest: +SKIP
    >>> [(t.id, t.score) for t in run.ranked[:3]]            # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphnas.graph import from_json, summary
from graphnas.store import TrialRecord, TrialState, read_trials

UNRANKED_PHASES = ("supergraph",)  # their score is the supergraph's own, not a graph's


@dataclass(frozen=True)
class RunSummary:
    """A run directory as read, nothing written."""

    run_dir: Path
    trials: int  # every trial, whatever its state
    ranked: tuple[TrialRecord, ...]  # complete trials with a score, best first
    final: dict[str, Any] | None  # result.json, once the run has finished
    best_graph: str | None  # the text summary of the best ranked trial's graph

    def to_dict(self, top: int = 10) -> dict[str, Any]:
        """The JSON that ``graphnas show --json`` prints (the ``top`` best trials)."""
        return {"trials": self.trials, "complete": len(self.ranked), "final": self.final,
                "top": [{"id": t.id, "phase": t.phase, "score": t.score, "params": t.params,
                         "hash": t.hash} for t in self.ranked[:top]]}


def load_run(run_dir: str | Path) -> RunSummary:
    """Read a run directory (it may still be running) without writing to it.

    Raises:
        ValueError: ``run_dir`` is not a run directory.
    """
    run = Path(run_dir)
    trials = read_trials(run)
    ranked = sorted((t for t in trials if t.state == TrialState.COMPLETE and t.score is not None
                     and t.phase not in UNRANKED_PHASES), key=lambda t: -t.score)
    result = run / "result.json"
    final = json.loads(result.read_text(encoding="utf-8")) if result.exists() else None
    best = summary(from_json(ranked[0].arch_json)) if ranked else None
    return RunSummary(run, len(trials), tuple(ranked), final, best)
