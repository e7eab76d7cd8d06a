"""Runs a method's plan, then the closing phases every method shares, recording each phase's
hand-over so that a killed run resumes at the phase it was in."""

from __future__ import annotations

import json
import logging
from typing import Any

from .base import Phase, SearchRun
from .finalists import Finalists
from .handover import Handover, load, save, slot
from .pareto import ParetoPhase
from .retrain import Retrain
from .settings import SearchSettings

log = logging.getLogger(__name__)
SEARCH_SHARE = 0.75  # of a wall-time budget, for the search phases and finalists; rest: retrain
FINALIST_SHARE = 0.2  # of a wall-time budget, for the finalists (out of SEARCH_SHARE)
WHERE = ("out", "workers", "executor", "address", "gpus_per_trial")  # not the outcome's
# settings named only where they depart from their default, so that runs made before they
# existed read the same (their hand-overs and result.json still stand)
LATER = {"objectives": "score", "pick": "best", "pareto_retrain": 0, "fidelity": "none",
         "min_steps": None, "eta": 3}


def search_times(s: SearchSettings) -> tuple[float | None, float | None]:
    """When (seconds into the run) the search phases and the finalists must end."""
    if s.budget is None:
        return None, None
    finalists = FINALIST_SHARE if s.finalists > 1 else 0.0
    return s.budget * (SEARCH_SHARE - finalists), s.budget * SEARCH_SHARE


def outcome_settings(s: SearchSettings) -> dict[str, Any]:
    """The settings that shape a run's result (not where or on how many workers it ran), as
    JSON reads them back (tuples become lists)."""
    return json.loads(json.dumps({k: v for k, v in s.to_dict().items()
                                  if k not in WHERE and LATER.get(k, ...) != v}))


def closing_phases(s: SearchSettings | None = None) -> list[Phase]:
    """The finalists and the retraining; with several objectives, then the Pareto front."""
    several = s is not None and len(s.objective_names) > 1
    return [Finalists(), Retrain(), *([ParetoPhase()] if several else [])]


def run_plan(run: SearchRun, plan: list[Phase]) -> Handover:
    """Run ``plan`` and the closing phases; the last hand-over (a ``Retrained``). Phases
    whose hand-over is recorded under the same settings are skipped."""
    settings = outcome_settings(run.settings)
    given: Handover | None = None
    for i, phase in enumerate([*plan, *closing_phases(run.settings)]):
        key = slot(i, phase.name)
        done = load(run.store, key, settings)
        if done is not None and phase.holds(run, done):
            log.info("phase %d (%s) finished in an earlier session", i, phase.name)
            given = done
            continue
        given = phase.run(run, given)
        save(run.store, key, given, settings)
    assert given is not None
    return given
