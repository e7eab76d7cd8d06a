"""A run directory's identity (the settings that define its search) and the result of a run
that already finished, handed back without training again."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graphnas.graph import Graph
from graphnas.graph import load as load_graph
from graphnas.methods import SearchSettings, outcome_settings
from graphnas.tasks import CLASSICAL, Task, beaten_by, get_task, load_file
from graphnas.training import load_model

log = logging.getLogger(__name__)


@dataclass
class SearchResult:
    """What a search hands back."""

    run_dir: Path
    graph: Graph
    valid_metric: float | None
    test_metric: float | None
    metric: str
    params: int | None
    trials: int
    baselines: dict[str, float] = field(default_factory=dict)
    module: Any = None  # the retrained torch module
    pareto: list[dict[str, Any]] | None = None  # with several objectives: the front's members

    @property
    def beaten_by(self) -> list[str]:
        """The baselines with a better test metric than the found network's."""
        return beaten_by(self.test_metric, self.baselines, self.metric)

    @property
    def classical(self) -> list[str]:
        """The baselines that are classical models (the others are hand-designed graphs)."""
        return [n for n in self.baselines if n in CLASSICAL]

    def summary(self) -> dict[str, Any]:
        return {"valid_metric": self.valid_metric, "test_metric": self.test_metric,
                "metric": self.metric, "params": self.params, "trials": self.trials,
                "run_dir": str(self.run_dir), "baselines": self.baselines,
                "beaten_by": self.beaten_by,
                **({} if self.pareto is None else {"pareto": self.pareto})}


def resolve_task(s: SearchSettings) -> Task:
    if s.data:
        return load_file(s.data, target=s.target, seed=s.seed)
    return get_task(s.task or "mnist1d", seed=s.seed)


def stops_at_chance(s: SearchSettings, task: Task) -> bool:
    """Whether trials end at chance at their first evaluation: as set, else for tasks with one
    class per sample (on MNIST-1D no trial under 0.15 at its first evaluation passed 0.19
    later; on the adding problem, trials at chance at theirs went on to an MSE of 0.003)."""
    if s.stop_at_chance is not None:
        return s.stop_at_chance
    return task.output_spec.kind == "classes"


def identity(s: SearchSettings, task: Task) -> dict[str, Any]:
    """The settings that define a search (a run directory holds one). How its trials are
    scored (whether they stop at chance, their precision, their rungs) and what it optimises
    (its objectives) are named only where they depart from the default, so that run directories
    made before they were part of the identity still resume."""
    keys = ("task", "data", "target", "space", "strategy", "seed", "trial_steps",
            "space_options", "strategy_options")
    out = {k: getattr(s, k) for k in keys}
    if s.stop_at_chance is not None and s.stop_at_chance != stops_at_chance(
            replace(s, stop_at_chance=None), task):
        out["stop_at_chance"] = s.stop_at_chance
    if s.precision != "fp32":
        out["precision"] = s.precision
    if s.objectives != "score":
        out["objectives"] = s.objectives
    if s.fidelity != "none":  # how trials are trained: in rungs
        out.update(fidelity=s.fidelity, min_steps=s.min_steps, eta=s.eta)
    for limit in ("max_params", "max_flops"):
        if getattr(s, limit) is not None:
            out[limit] = getattr(s, limit)
    return out


def finished(run_dir: Path, s: SearchSettings) -> SearchResult | None:
    """The result of a run that already finished with these settings (``result.json`` and
    ``best/``), without training anything again; None when there is work left: a new run,
    one killed before its end, or one given other settings (a larger budget continues it)."""
    path = run_dir / "result.json"
    if not path.exists():
        return None
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("settings") != outcome_settings(s):
            return None
        module = load_model(run_dir / "best")
        graph = load_graph(run_dir / "best" / "graph.json")
    except Exception as err:  # noqa: BLE001  (a damaged result is redone, not fatal)
        log.warning("%s: result of the finished run unreadable (%s); retraining", path, err)
        return None
    log.info("%s: finished with these settings; nothing left to train", run_dir)
    return SearchResult(run_dir, graph, saved["valid_metric"], saved["test_metric"],
                        saved["metric"], saved["params"], saved["trials"],
                        saved.get("baselines", {}), module, saved.get("pareto"))


