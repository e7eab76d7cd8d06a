"""After the search: retrain the best graph, train the baselines with the same protocol, and
write the run directory's artefacts (best/, report.html, result.json)."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from graphnas.graph import DrawingError, Graph, from_json, render
from graphnas.nn.export import export_onnx, export_python
from graphnas.report import RunReport, TrialRow, write_report
from graphnas.store import RunStore, TrialState, write_json_atomic
from graphnas.tasks import Task, baselines_for
from graphnas.training import Budget, Result, TrainConfig, save_model, train

log = logging.getLogger(__name__)


def final_protocol(task: Task, refit: bool, seed: int,
                   threads: int | None) -> tuple[Task, TrainConfig]:
    """The task and training settings of the final retraining and the baselines: the standard
    protocol on the training split keeping the best-validation weights, or (``refit``) on
    training and validation together keeping the last weights, as there is no held-out split
    left to choose them with."""
    if refit:
        return task.refit(), TrainConfig(seed=seed, threads=threads, keep="last")
    return task, TrainConfig(seed=seed, threads=threads)


def retrain(graph: Graph, task: Task, budget: Budget, config: TrainConfig) -> Result:
    """``graph`` trained within ``budget`` (its steps, and the run's time left), with the test
    split measured once at the end."""
    return train(graph, task, budget, config, evaluate_test=True, keep_module=True)


def submit_baselines(task: Task, store: RunStore, budget: Budget, config: TrainConfig,
                     executor) -> dict[str, Any]:
    """Start training the task's hand-designed baselines (those not cached in the run) with
    the retraining's protocol and steps, on the executor; returns name -> future. A time
    limit in ``budget`` is shared: baselines that train in turns on the executor's workers
    each get their turn's part of it, so that all of them end within it."""
    from graphnas.driver import TrainingObjective

    path = store.dir / "baselines.json"
    cached = json.loads(path.read_text()) if path.exists() else {}
    todo = {name: g for name, g in baselines_for(task.name).items() if name not in cached}
    if budget.seconds is not None and todo:
        turns = math.ceil(len(todo) / max(1, executor.workers))
        budget = replace(budget, seconds=budget.seconds / turns)
    job = TrainingObjective(task.ref, budget, config, evaluate_test=True)  # seeds as given
    return {name: executor.submit(job, graph.to_json(None), config.seed)
            for name, graph in todo.items()}


def baseline_scores(store: RunStore, futures: dict[str, Any]) -> dict[str, float]:
    """Collect the baselines' results into ``baselines.json``; name -> test metric."""
    path = store.dir / "baselines.json"
    cached = json.loads(path.read_text()) if path.exists() else {}
    for name, fut in futures.items():
        try:
            r = Result.from_dict(fut.result())
        except Exception as err:  # noqa: BLE001  (a baseline that fails is reported, not fatal)
            r = Result.failure(f"{type(err).__name__}: {err}")
        cached[name] = {"test_metric": r.test_metric, "valid_metric": r.valid_metric,
                        "params": r.params, "seconds": r.seconds, "error": r.error}
        write_json_atomic(path, cached)
    return {k: v["test_metric"] for k, v in cached.items() if v["test_metric"] is not None}


def write_best(folder: Path, graph: Graph, result: Result) -> dict[str, str]:
    """best/: graph.json, model.pt, spec.json, model.py, model.onnx and graph.svg."""
    save_model(folder, result.module, graph)
    files = {"graph": "graph.json", "weights": "model.pt"}
    export_python(result.module, folder / "model.py")
    files["python"] = "model.py"
    try:
        export_onnx(result.module, folder / "model.onnx")
        files["onnx"] = "model.onnx"
    except Exception as err:  # noqa: BLE001  (an export the exporter cannot do is reported)
        log.warning("ONNX export failed: %s", err)
    try:
        render(graph, folder / "graph.svg", spec=None)
        files["drawing"] = "graph.svg"
    except DrawingError as err:
        log.warning("no drawing: %s", err)
    return files


def report(store: RunStore, name: str, task: Task, settings: dict[str, Any],
           final_graph: Graph | None, final: dict[str, Any], baselines: dict[str, float],
           phases: list) -> Path:
    rows = []
    for t in store.trials():
        if t.state == TrialState.RUNNING:
            continue
        try:
            g = from_json(t.arch_json) if t.arch_json.lstrip().startswith("{") else None
            if g is not None and not isinstance(g, Graph):
                g = None
        except ValueError:
            g = None
        rows.append(TrialRow(t.id, t.state.value, t.score, t.params, t.ended or t.started,
                             t.phase, g, t.hash, t.error or ""))
    metric = "accuracy" if task.classification else "-mse"
    r = RunReport(name, metric, rows, settings, phases, final_graph, final, baselines,
                  task.metric)
    return write_report(r, store.dir / "report.html")
