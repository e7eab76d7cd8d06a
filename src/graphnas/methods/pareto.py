"""The closing phase of a search with several objectives: its Pareto front in ``pareto/``.

Derived from the store alone, so a resumed or continued run rebuilds it: ``pareto/front.json``
lists the members (trial, hash, each objective's value, their files), ``pareto/<trial>.json``
holds each member's graph and ``pareto/<trial>.svg`` its drawing (where Graphviz is present).
With ``--pareto-retrain K``, K members spread along the front (evenly by score, both ends
included) are retrained as ``best/`` is, within what the budget has left (shared, at least
``MIN_RETRAIN_SHARE`` of it in all), their weights and exports in ``pareto/<trial>/``.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from graphnas.driver import front, member
from graphnas.graph import DrawingError, from_json, render
from graphnas.store import TrialRecord, write_json_atomic
from graphnas.training import load_model

from .base import Phase, SearchRun
from .handover import Handover
from .retrain import MIN_RETRAIN_SHARE, final_protocol, retrain, retrain_budget, write_best

log = logging.getLogger(__name__)
PHASE = "pareto"
FOLDER = "pareto"


def spread(members: Sequence[TrialRecord], k: int) -> list[TrialRecord]:
    """``k`` members evenly along the front by score (the best and the worst score first
    among them); all of them when the front has ``k`` or fewer."""
    ranked = sorted(members, key=lambda t: (-(t.score or 0.0), t.id))
    if k >= len(ranked):
        return ranked
    if k <= 0:
        return []
    picks = dict.fromkeys(int(round(i)) for i in np.linspace(0, len(ranked) - 1, k))
    return [ranked[i] for i in picks]


def write_front(folder: Path, members: Sequence[TrialRecord],
                names: Sequence[str]) -> list[dict[str, Any]]:
    """Each member's graph (and drawing) in ``folder``; files of former members removed.
    Returns the members as ``front.json`` lists them (without what was retrained)."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = {str(t.id) for t in members}
    for p in folder.iterdir():
        if p.name != "front.json" and p.name.split(".")[0] not in ids:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    out = []
    for t in members:
        entry = {**member(t, names), "graph": f"{FOLDER}/{t.id}.json"}
        (folder / f"{t.id}.json").write_text(t.arch_json, encoding="utf-8")
        drawing = folder / f"{t.id}.svg"
        if not drawing.exists():
            try:
                render(from_json(t.arch_json), drawing)
            except (DrawingError, ValueError) as err:
                log.info("no drawing of front member %d: %s", t.id, err)
        if drawing.exists():
            entry["drawing"] = f"{FOLDER}/{t.id}.svg"
        out.append(entry)
    return out


def read_front(run_dir: Path) -> list[dict[str, Any]]:
    """``pareto/front.json`` of a run (empty when it has none)."""
    path = Path(run_dir) / FOLDER / "front.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


@dataclass(frozen=True)
class ParetoPhase(Phase):
    """Write the front into ``pareto/`` and retrain ``settings.pareto_retrain`` of its
    members; hands the retraining's record (``given``) on unchanged."""

    name: str = PHASE

    def run(self, run: SearchRun, given: Handover | None) -> Handover:
        s, store = run.settings, run.store
        names = s.objective_names
        t0 = store.now()
        members = front(store.trials(), names)
        entries = write_front(store.dir / FOLDER, members, names)
        chosen = spread(members, s.pareto_retrain)
        done = {t.id: self._retrain(run, t, len(chosen) - i) for i, t in enumerate(chosen)}
        for e in entries:
            if e["trial"] in done:
                e["retrained"] = done[e["trial"]]
        write_json_atomic(store.dir / FOLDER / "front.json", entries)
        note = f"{len(members)} graphs on the front of {', '.join(names)}"
        if chosen:
            note += f"; {len(chosen)} of them retrained into {FOLDER}/"
        run.record_phase(PHASE, t0, note)
        return given if given is not None else Handover()

    def _retrain(self, run: SearchRun, t: TrialRecord, left: int) -> dict[str, Any]:
        """Member ``t`` retrained into ``pareto/<id>/`` (kept where its weights already
        load); its figures. ``left``: members still to retrain, this one included."""
        s, store = run.settings, run.store
        folder = store.dir / FOLDER / str(t.id)
        saved = folder / "retrained.json"
        if saved.exists():
            try:
                load_model(folder)
                return json.loads(saved.read_text(encoding="utf-8"))
            except Exception as err:  # noqa: BLE001  (a damaged folder is retrained)
                log.warning("%s unreadable (%s); retraining", folder, err)
        budget = retrain_budget(s, store.now())
        if budget.seconds is not None:
            least = MIN_RETRAIN_SHARE * s.budget / max(1, s.pareto_retrain)  # type: ignore
            budget = replace(budget, seconds=max(least, budget.seconds / left))
        run.say(f"retraining front member {t.id} into {FOLDER}/{t.id}/")
        task, config = final_protocol(run.task, s.retrain_on == "train+valid", s.seed,
                                      run.threads)
        result = retrain(from_json(t.arch_json), task, budget, config)
        if not result.ok:
            log.warning("retraining front member %d failed: %s", t.id, result.error)
            return {"error": result.error}
        files = write_best(folder, from_json(t.arch_json), result)
        out = {"test_metric": result.test_metric,
               "valid_metric": None if s.retrain_on == "train+valid" else result.valid_metric,
               "params": result.params, "steps": result.steps, "folder": f"{FOLDER}/{t.id}",
               "files": files}
        write_json_atomic(saved, out)
        return out

    def holds(self, run: SearchRun, handover: Handover) -> bool:
        """``pareto/front.json`` is there."""
        return (run.store.dir / FOLDER / "front.json").exists()
