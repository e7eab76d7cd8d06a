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
        return self.run(arch_json, seed)

    def run(self, arch_json: str, seed: int, budget: Budget | None = None,
            schedule_steps: int | None = None, resume: bytes | None = None,
            save: bool = False, init: dict | None = None,
            keep_weights: bool = False) -> dict[str, Any]:
        """The trial, trained for ``budget`` (default: the objective's) with the schedule over
        ``schedule_steps``, going on from checkpoint ``resume`` or starting from the weights
        ``init``; with ``save`` the result's ``checkpoint`` holds where it ended (a rung of a
        multi-fidelity search), with ``keep_weights`` its ``weights`` the trained network's."""
        from dataclasses import replace

        graph = from_json(arch_json, "trial graph")
        cfg = replace(self.config, seed=seed)
        if schedule_steps is not None:
            cfg = replace(cfg, schedule_steps=schedule_steps)
        task = load_task(self.task)
        result = train(graph, task, budget or self.budget, cfg,
                       evaluate_test=self.evaluate_test, keep_module=self.latency,
                       resume=resume, save=save, init=init, keep_weights=keep_weights)
        out = result.to_dict()
        if save:
            out["checkpoint"] = result.checkpoint
        if keep_weights:
            out["weights"] = result.weights
        if self.latency and result.ok:
            import torch

            x = torch.as_tensor(task.valid.x).to(result.device)
            out["metrics"] = {"latency_ms": measure_latency(result.module, x, cfg.batch_size,
                                                            cfg.precision)}
        return out
