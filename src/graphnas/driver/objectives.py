"""Objectives the driver can run anywhere: plain, picklable callables over architecture JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphnas.graph import from_json
from graphnas.tasks import TaskRef, load_task
from graphnas.training import Budget, TrainConfig, measure_latency, train


@dataclass(frozen=True)
class TrainingObjective:
    """Train the graph on the task (made once per worker process from its reference) and score
    it on the validation split. Returns the Result as a dict; never raises for a bad trial.
    With ``latency``, the trained network's inference latency (see
    :func:`graphnas.training.measure_latency`, on validation inputs) is added to its metrics
    as ``latency_ms``: ``{"batch1": ..., "batch": ..., "batch_size": ...}``."""

    task: TaskRef
    budget: Budget
    config: TrainConfig = field(default_factory=TrainConfig)
    evaluate_test: bool = False  # only for final reports (baselines), never in a search
    latency: bool = False  # measure the trained network's latency (the objective latency)

    def __call__(self, arch_json: str, seed: int) -> dict[str, Any]:
        from dataclasses import replace

        graph = from_json(arch_json, "trial graph")
        cfg = replace(self.config, seed=seed)
        task = load_task(self.task)
        result = train(graph, task, self.budget, cfg, evaluate_test=self.evaluate_test,
                       keep_module=self.latency)
        out = result.to_dict()
        if self.latency and result.ok:
            import torch

            x = torch.as_tensor(task.valid.x).to(result.device)
            out["metrics"] = {"latency_ms": measure_latency(result.module, x, cfg.batch_size,
                                                            cfg.precision)}
        return out
