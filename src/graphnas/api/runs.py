"""Looking at a run directory: what ``graphnas show`` prints.

Example:
    >>> run = load_run("runs/search")                       # doctest: +SKIP
    >>> [(t.id, t.score) for t in run.ranked[:3]]            # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphnas.driver import front, member, parse_objectives
from graphnas.graph import from_json, summary
from graphnas.store import EXACT, TrialRecord, TrialState, lineage, read_trials, species

__all__ = ["EXACT", "RunSummary", "load_run"]

UNRANKED_PHASES = ("supergraph",)  # their score is the supergraph's own, not a graph's


@dataclass(frozen=True)
class RunSummary:
    """A run directory as read, nothing written."""

    run_dir: Path
    trials: int  # every trial, whatever its state
    ranked: tuple[TrialRecord, ...]  # complete trials with a score, best first
    final: dict[str, Any] | None  # result.json, once the run has finished
    best_graph: str | None  # the text summary of the best ranked trial's graph
    objectives: tuple[str, ...] = ("score",)  # what the search optimised
    pareto: tuple[dict[str, Any], ...] = ()  # with several objectives: the front, best first
    parents: dict[int, int] = field(default_factory=dict)  # heir's trial id -> its parent's
    inheritance: dict[str, int] | None = None  # with inherited weights: trained, heirs, exact
    species: tuple[dict[str, Any], ...] = ()  # a NEAT search's species, largest first

    def to_dict(self, top: int = 10) -> dict[str, Any]:
        """The JSON that ``graphnas show --json`` prints (the ``top`` best trials)."""
        return {"trials": self.trials, "complete": len(self.ranked), "final": self.final,
                "top": [{"id": t.id, "phase": t.phase, "score": t.score, "params": t.params,
                         "hash": t.hash,
                         **({"rungs": t.metrics["rungs"]} if "rungs" in t.metrics else {}),
                         **({"inherited": {**t.metrics["inherited"],
                                           "parent_trial": self.parents.get(t.id)}}
                            if "inherited" in t.metrics else {})}
                        for t in self.ranked[:top]],
                **({"objectives": list(self.objectives), "pareto": list(self.pareto)}
                   if len(self.objectives) > 1 else {}),
                **({"inheritance": self.inheritance} if self.inheritance else {}),
                **({"species": list(self.species)} if self.species else {})}


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
    names = _objectives(run)
    members = sorted(front(trials, names), key=lambda t: (-(t.score or 0.0), t.id)) \
        if len(names) > 1 else []
    parents, inheritance = lineage(trials)
    return RunSummary(run, len(trials), tuple(ranked), final, best, names,
                      tuple(member(t, names) for t in members), parents, inheritance,
                      species(run))


def _objectives(run: Path) -> tuple[str, ...]:
    """The objectives the run's ``config.json`` names (the score alone where it names none
    or is unreadable)."""
    try:
        settings = json.loads((run / "config.json").read_text(encoding="utf-8"))["settings"]
        return parse_objectives(settings.get("objectives") or "score")
    except (ValueError, KeyError, TypeError, OSError):
        return ("score",)
