"""``graphnas.search(...)``: the Python API behind ``graphnas search``.

A search runs in a run directory (``out``); running it again with the same settings resumes it,
and once it has finished hands back its result without training again. What it runs is a
method from :mod:`graphnas.methods` (``strategy`` names it): a plan of phases, closed by the
finalists and the final retraining that every method shares. To add a method, see the README's
developer section.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graphnas.driver import SizeLimits, TrainingObjective
from graphnas.execution import get_executor
from graphnas.graph import Graph, from_json
from graphnas.methods import (
    NoResult,
    Phase,
    Retrained,
    SearchRun,
    SearchSettings,
    get_method,
    outcome_settings,
    run_plan,
    search_times,
)
from graphnas.methods.finalists import PHASE as FINALISTS
from graphnas.methods.finalists import summary as finalist_summary
from graphnas.methods.pareto import read_front
from graphnas.methods.retrain import graph_baselines, report
from graphnas.methods.timing import moved_times
from graphnas.methods.types import check_options
from graphnas.spaces import Space, get_space
from graphnas.spaces.registry import SPACES
from graphnas.store import RunStore, TrialState, write_json_atomic
from graphnas.tasks import Task, has_vector_inputs
from graphnas.tasks.baselines import best_baseline
from graphnas.training import Budget, TrainConfig, load_model

from .progress import SearchProgress, progress_events
from .run_dir import SearchResult, finished, identity, resolve_task, stops_at_chance

log = logging.getLogger(__name__)


def search(settings: SearchSettings | None = None, progress: str = "auto",
           **overrides: Any) -> SearchResult:
    """Run (or resume) a search; see :class:`SearchSettings` for the arguments.

    Example::

        result = graphnas.search(task="adding", strategy="evolution", budget=300, out="runs/a")
        print(result.test_metric, result.run_dir)
    """
    s = SearchSettings.from_dict({**(settings.to_dict() if settings else {}), **overrides})
    s.validate()
    task = resolve_task(s)
    space, plan = _plan(s, task)  # checked before a run directory is made
    store = RunStore(s.out, identity(s, task), s.to_dict())
    try:
        done = finished(store.dir, s)
        if done is not None:
            return done
        with _logging_to(store.dir / "log.txt"):
            return _run(s, task, space, plan, store, progress)
    finally:
        store.close()


def _plan(s: SearchSettings, task: Task) -> tuple[Space, list[Phase]]:
    """The space and the method's plan, their options checked."""
    check_options(SPACES[s.space], s.space_options, f"space {s.space!r}", skip=2)
    options = dict(s.space_options)
    if SPACES[s.space].needs_base_graph and "base_graph" not in options:
        base = None if task.ref.name == "file" else best_baseline(task.name)
        if base is not None:  # else the space's own small network
            options["base_graph"] = base
    space = get_space(s.space, task.input_spec, task.output_spec, **options)
    return space, get_method(s.strategy).plan(s, space)


def _run(s: SearchSettings, task: Task, space: Space, plan: list[Phase], store: RunStore,
         progress: str) -> SearchResult:
    """The method's plan on ``store``, then the report and ``result.json``."""
    log.info("%s: method %s (%s, then finalists and retraining) on %s", store.dir, s.strategy,
             ", ".join(p.name for p in plan), s.task or s.data)
    threads = max(1, (os.cpu_count() or 1) // s.workers) if s.workers > 1 else None
    objective = TrainingObjective(task.ref, Budget(steps=s.trial_steps),
                                  TrainConfig(eval_every=max(1, s.trial_steps // 3),
                                              stop_at_chance=stops_at_chance(s, task),
                                              threads=threads, precision=s.precision,
                                              max_seconds=s.time_limit(s.trial_steps)),
                                  latency="latency" in s.objective_names)
    search_seconds, finalists_until = search_times(s)
    executor = get_executor(s.executor, s.workers, **_executor_options(s))
    with SearchProgress(progress, task.metric) as bar:
        bar.state.trials, bar.state.budget = s.trials, s.budget
        bar.start -= store.elapsed_before()
        limits = SizeLimits(task.input_spec, task.output_spec, s.max_params, s.max_flops)
        beside = s.baselines and bool(graph_baselines(task) or has_vector_inputs(task))
        run = SearchRun(s, task, space, objective, store, executor, search_seconds,
                        finalists_until, threads, progress_events(bar), bar.message,
                        limits=limits or None, later=lambda: moved_times(s, store, beside))
        try:
            final = run_plan(run, plan)
        except NoResult:
            _report(run, None, {}, {})
            raise
        finally:
            executor.shutdown()
    assert isinstance(final, Retrained)
    graph = from_json(final.arch_json)
    module = run.module if run.module is not None else load_model(store.dir / "best")
    trials = len([t for t in store.trials(states=(TrialState.COMPLETE, TrialState.FAILED))
                  if t.phase != FINALISTS])
    pareto = read_front(store.dir) if len(s.objective_names) > 1 else None
    out = SearchResult(store.dir, graph, final.valid_metric, final.test_metric, task.metric,
                       final.params, trials, final.baselines, module, pareto)
    _report(run, graph, {"valid_metric": final.valid_metric, "test_metric": final.test_metric,
                         "params": final.params, "retrain_steps": final.steps,
                         "retrained_on": s.retrain_on}, final.baselines)
    write_json_atomic(store.dir / "result.json", {**out.summary(), "files": final.files,
                                                  "retrain_steps": final.steps,
                                                  "retrained_on": s.retrain_on,
                                                  "finalists": finalist_summary(store),
                                                  "phases": run.phase_log(),
                                                  "settings": outcome_settings(s)})
    return out


def _report(run: SearchRun, graph: Graph | None, final: dict[str, Any],
            baselines: dict[str, float]) -> Path:
    return report(run.store, Path(run.settings.out).name, run.task, run.settings.to_dict(),
                  graph, final, baselines, run.phase_log())


def _executor_options(s: SearchSettings) -> dict[str, Any]:
    if s.workers <= 1 and s.executor in (None, "serial"):
        return {}
    options: dict[str, Any] = {"gpus_per_trial": s.gpus_per_trial}
    if s.executor == "ray" and s.address:
        options["address"] = s.address
    return options


@contextmanager
def _logging_to(path: Path) -> Iterator[None]:
    """graphnas's log records into the run's ``log.txt`` while the search runs, and no
    longer (a second search in the process writes into its own)."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("graphnas")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        handler.close()


__all__ = ["SearchResult", "search"]
