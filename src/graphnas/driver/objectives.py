"""Objectives the driver can run anywhere: plain, picklable callables over architecture JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphnas.graph import from_json
from graphnas.tasks import TaskRef, load_task
from graphnas.training import Budget, TrainConfig, train


@dataclass(frozen=True)
class TrainingObjective:
    """Train the graph on the task (made once per worker process from its reference) and score
    it on the validation split. Returns the Result as a dict; never raises for a bad trial."""

    task: TaskRef
    budget: Budget
    config: TrainConfig = field(default_factory=TrainConfig)
    evaluate_test: bool = False  # only for final reports (baselines), never in a search

    def __call__(self, arch_json: str, seed: int) -> dict[str, Any]:
        from dataclasses import replace

        graph = from_json(arch_json, "trial graph")
        cfg = replace(self.config, seed=seed)
        return train(graph, load_task(self.task), self.budget, cfg,
                     evaluate_test=self.evaluate_test).to_dict()
