"""The closing phase every method shares: the chosen graph retrained with the standard
protocol within what the budget has left, the task's hand-designed baselines trained the same
way (and, on rows of features, classical models fitted on the same splits), and ``best/``
written (weights, graph, drawing, Python and ONNX exports); and the run's report."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from graphnas.driver import front, kept_state, parse_objectives, values
from graphnas.extras import MissingExtra
from graphnas.graph import DrawingError, Graph, from_json, render
from graphnas.nn.export import export_onnx, export_python
from graphnas.report import RunReport, TrialRow, write_report
from graphnas.store import EXACT, RunStore, TrialState, lineage, species, write_json_atomic
from graphnas.tasks import (
    CLASSICAL,
    Task,
    baselines_for,
    beaten_by,
    fit_classical,
    has_vector_inputs,
)
from graphnas.training import Budget, Result, TrainConfig, load_model, save_model, train

from .base import Phase, SearchRun
from .handover import Chosen, Handover, Retrained
from .settings import SearchSettings

log = logging.getLogger(__name__)
PHASE = "retrain"
MIN_RETRAIN_SHARE = 0.1  # of the budget, the least the retraining gets after a late search
FINISH_SECONDS = 15.0  # kept from the retraining for start-up and writing best/ and the report
CLASSICAL_SECONDS = (10.0, 60.0)  # the classical fits' time, at least and at most


def retrain_budget(s: SearchSettings, elapsed: float) -> Budget:
    """The standard protocol's steps, within what the wall-time budget has left once the
    run's start-up and its last writes (``FINISH_SECONDS``, at most 5% of it) are set aside;
    at least ``MIN_RETRAIN_SHARE`` of it, when the search ran over."""
    if s.budget is None:
        return Budget(steps=s.retrain_steps)
    finish = min(FINISH_SECONDS, 0.05 * s.budget)
    left = max(s.budget - elapsed - finish, MIN_RETRAIN_SHARE * s.budget)
    return Budget(steps=s.retrain_steps, seconds=left)


@dataclass(frozen=True)
class Retrain(Phase):
    """The chosen graph (a :class:`Chosen` hand-over) retrained on ``settings.retrain_on``;
    the baselines train beside it on the other workers, or after it on a serial run (one
    process), so that the searched graph's result keeps to the budget."""

    name: str = PHASE

    def run(self, run: SearchRun, given: Handover | None) -> Retrained:
        if not isinstance(given, Chosen) or given.arch_json is None:
            raise ValueError("the retraining needs a chosen graph")
        s, store, executor = run.settings, run.store, run.executor
        graph = from_json(given.arch_json)
        run.events("phase", {"phase": PHASE})
        final = retrain_budget(s, store.now())
        limit = "" if final.seconds is None else f" (at most {final.seconds:.0f} s)"
        also = ""
        if s.baselines:
            also = (", and classical models on the same splits" if has_vector_inputs(run.task)
                    else ", and the hand-designed baselines with the same protocol")
        run.say(f"retraining the best graph on {s.retrain_on} for {s.retrain_steps} "
                f"steps{limit}{also}")
        alongside = executor.name != "serial"
        refit = s.retrain_on == "train+valid"
        final_task, config = final_protocol(run.task, refit, s.seed, run.threads)
        pending: dict = {}
        if alongside and s.baselines:
            pending = submit_baselines(final_task, store, final, config, executor)
        init = kept_state(store, graph.canonical_hash(), given.arch_json) if s.inherits \
            else None
        if init is not None:
            run.say("the retraining starts from the weights its search trained (inherited "
                    "along its lineage)")
        t0 = store.now()
        result = retrain(graph, final_task, final, config, init)
        run.record_phase(PHASE, t0, f"{result.steps} steps on {s.retrain_on}")
        if not alongside and s.baselines:  # in what the retraining left of the budget
            pending = submit_baselines(final_task, store, retrain_budget(s, store.now()),
                                       config, executor)
        baselines = baseline_scores(store, pending)
        if s.baselines and has_vector_inputs(run.task):
            baselines.update(classical_scores(store, run.task, refit, s.seed, run.threads,
                                              classical_seconds(s, store.now())))
        if not result.ok:
            raise RetrainFailed(f"retraining the best graph failed: {result.error}")
        files = write_best(store.dir / "best", graph, result)
        for name, text in run.space.artifacts(graph).items():  # e.g. activation.json
            (store.dir / "best" / name).write_text(text, encoding="utf-8")
            files[name.rsplit(".", 1)[0]] = name
        run.module = result.module
        valid = None if refit else result.valid_metric  # after a refit: seen in training
        return Retrained(given.arch_json, valid, result.test_metric, result.params,
                         result.steps, files, baselines)


    def holds(self, run: SearchRun, handover: Handover) -> bool:
        """``best/`` is intact (its weights load); then they are the run's module."""
        try:
            run.module = load_model(run.store.dir / "best")
        except Exception as err:  # noqa: BLE001  (a damaged best/ is retrained, not fatal)
            log.warning("best/ of the finished retraining unreadable (%s); retraining", err)
            return False
        return True


class RetrainFailed(RuntimeError):
    """The final retraining of the chosen graph failed (a NaN loss, ...)."""


def final_protocol(task: Task, refit: bool, seed: int,
                   threads: int | None) -> tuple[Task, TrainConfig]:
    """The task and training settings of the final retraining and the baselines: the standard
    protocol on the training split keeping the best-validation weights, or (``refit``) on
    training and validation together keeping the last weights, as there is no held-out split
    left to choose them with."""
    if refit:
        return task.refit(), TrainConfig(seed=seed, threads=threads, keep="last")
    return task, TrainConfig(seed=seed, threads=threads)


def retrain(graph: Graph, task: Task, budget: Budget, config: TrainConfig,
            init: dict | None = None) -> Result:
    """``graph`` trained within ``budget`` (its steps, and the run's time left), from the
    weights ``init`` where given, with the test split measured once at the end."""
    return train(graph, task, budget, config, evaluate_test=True, keep_module=True, init=init)


def submit_baselines(task: Task, store: RunStore, budget: Budget, config: TrainConfig,
                     executor) -> dict[str, Any]:
    """Start training the task's hand-designed baselines (those not cached in the run) with
    the retraining's protocol and steps, on the executor; returns name -> future. A time
    limit in ``budget`` is shared: baselines that train in turns on the executor's workers
    each get their turn's part of it, so that all of them end within it."""
    from graphnas.driver import TrainingObjective

    _, cached = cached_baselines(store)
    todo = {name: g for name, g in graph_baselines(task).items() if name not in cached}
    if budget.seconds is not None and todo:
        turns = math.ceil(len(todo) / max(1, executor.workers))
        budget = replace(budget, seconds=budget.seconds / turns)
    job = TrainingObjective(task.ref, budget, config, evaluate_test=True)  # seeds as given
    return {name: executor.submit(job, graph.to_json(None), config.seed)
            for name, graph in todo.items()}


def cached_baselines(store: RunStore) -> tuple[Path, dict[str, dict]]:
    """The run's ``baselines.json`` and what it holds (name -> entry; empty before any)."""
    path = store.dir / "baselines.json"
    return path, json.loads(path.read_text()) if path.exists() else {}


def graph_baselines(task: Task) -> dict[str, Graph]:
    """The hand-designed baselines of a built-in task; none for user data (whatever the
    file's name)."""
    return {} if task.ref.name == "file" else baselines_for(task.name)


def classical_seconds(s: SearchSettings, elapsed: float) -> float:
    """The classical fits' time: what the budget has left, within ``CLASSICAL_SECONDS``."""
    low, high = CLASSICAL_SECONDS
    if s.budget is None:
        return high
    return min(high, max(low, s.budget - elapsed))


def classical_scores(store: RunStore, task: Task, refit: bool, seed: int, threads: int | None,
                     seconds: float) -> dict[str, float]:
    """Fit the task's classical baselines (those not cached in the run) on the retraining's
    data, into ``baselines.json``; name -> test metric."""
    path, cached = cached_baselines(store)
    fitted = fit_classical(task, refit, seed, seconds, threads or 1, skip=frozenset(cached))
    for name, c in fitted.items():
        cached[name] = {"test_metric": c.test_metric, "valid_metric": c.valid_metric,
                        "params": None, "seconds": c.seconds, "error": None,
                        "setting": c.setting, "rows": c.rows}
    if fitted:
        write_json_atomic(path, cached)
    return {k: v["test_metric"] for k, v in cached.items()
            if k in CLASSICAL and v["test_metric"] is not None}


def baseline_scores(store: RunStore, futures: dict[str, Any]) -> dict[str, float]:
    """Collect the baselines' results into ``baselines.json``; name -> test metric."""
    path, cached = cached_baselines(store)
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
    except MissingExtra as err:
        log.info("no model.onnx: %s", err)
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
    names = parse_objectives(settings.get("objectives") or "score")
    on_front = {t.id for t in front(store.trials(), names)} if len(names) > 1 else set()
    trials = store.trials()
    parents, inheritance = lineage(trials)
    rows = []
    for t in trials:
        if t.state == TrialState.RUNNING:
            continue
        try:
            g = from_json(t.arch_json) if t.arch_json.lstrip().startswith("{") else None
            if g is not None and not isinstance(g, Graph):
                g = None
        except ValueError:
            g = None
        rows.append(TrialRow(t.id, t.state.value, t.score, t.params, t.ended or t.started,
                             t.phase, g, t.hash, t.error or "",
                             values(t, names) if len(names) > 1 and t.choices
                             and t.phase != "finalists" else None,
                             tuple((r[0], r[1]) for r in t.metrics.get("rungs", ())
                                   if not t.cached), parents.get(t.id),
                             t.metrics.get("inherited", {}).get("difference", 1.0) < EXACT))
    metric = "accuracy" if task.classification else "-mse"
    r = RunReport(name, metric, rows, settings, phases, final_graph, final, baselines,
                  task.metric, classical_details(store, baselines),
                  beaten_by(final.get("test_metric"), baselines, task.metric),
                  ((store.load_state("search") or {}).get("strategy") or {}).get("rounds", ()),
                  names if len(names) > 1 else (), sorted(on_front), inheritance,
                  species(store.dir))
    return write_report(r, store.dir / "report.html")


def classical_details(store: RunStore, baselines: dict[str, float]) -> dict[str, dict]:
    """The classical baselines among ``baselines``, name -> their entry in
    ``baselines.json`` (setting chosen on validation, validation metric, rows, seconds)."""
    _, cached = cached_baselines(store)
    return {k: cached.get(k, {}) for k in baselines if k in CLASSICAL}
