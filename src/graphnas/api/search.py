"""``graphnas.search(...)``: the Python API behind ``graphnas search``.

A search runs in a run directory (``out``); running it again with the same settings resumes it,
and once it has finished hands back its result without training again.
Phases: ``search`` (one ask/tell strategy), or for ``hybrid`` ``explore`` (REINFORCE) ->
``exploit`` (differentiable search over the space restricted to what the best explored graphs
use); then ``finalists``: the best few distinct graphs trained again for longer, the best of
them kept (see :mod:`graphnas.api.finalists`); then that graph is retrained with the standard
protocol (by default on the training and validation splits together, see ``retrain_on``), the
task's hand-designed baselines are trained the same way, and ``best/``,
``report.html`` and ``result.json`` are written. The wall-time budget covers the whole run: the
search phases and the finalists get ``SEARCH_SHARE`` of it, the finalists ``FINALIST_SHARE``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graphnas.driver import SearchBudget, TrainingObjective, run_search
from graphnas.execution import get_executor
from graphnas.graph import Graph, from_json
from graphnas.graph import load as load_graph
from graphnas.spaces import get_space
from graphnas.store import RunStore, TrialState, write_json_atomic
from graphnas.strategies import get_strategy
from graphnas.tasks import Task, get_task, load_file
from graphnas.training import Budget, TrainConfig, load_model

from . import finalize
from .finalists import PHASE as FINALISTS
from .finalists import run_finalists
from .finalists import summary as finalist_summary
from .progress import SearchProgress
from .settings import SearchSettings

log = logging.getLogger(__name__)
SEARCH_SHARE = 0.75  # of a wall-time budget, for the search phases and finalists; rest: retrain
FINALIST_SHARE = 0.2  # of a wall-time budget, for the finalists (out of SEARCH_SHARE)
MIN_RETRAIN_SHARE = 0.1  # of the budget, the least the retraining gets after a late search
FINISH_SECONDS = 15.0  # kept from the retraining for start-up and writing best/ and the report


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

    def summary(self) -> dict[str, Any]:
        return {"valid_metric": self.valid_metric, "test_metric": self.test_metric,
                "metric": self.metric, "params": self.params, "trials": self.trials,
                "run_dir": str(self.run_dir), "baselines": self.baselines}


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
    scored (whether they stop at chance, their precision) is named only where it departs from
    the default, so that run directories made before it was part of the identity still
    resume."""
    keys = ("task", "data", "target", "space", "strategy", "seed", "trial_steps",
            "space_options", "strategy_options")
    out = {k: getattr(s, k) for k in keys}
    if s.stop_at_chance is not None and s.stop_at_chance != stops_at_chance(
            replace(s, stop_at_chance=None), task):
        out["stop_at_chance"] = s.stop_at_chance
    if s.precision != "fp32":
        out["precision"] = s.precision
    return out


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
    store = RunStore(s.out, identity(s, task), s.to_dict())
    done = finished(store.dir, s)
    if done is not None:
        store.close()
        return done
    logging.getLogger("graphnas").addHandler(_file_log(store.dir / "log.txt"))
    space = get_space(s.space, task.input_spec, task.output_spec, **s.space_options)
    threads = max(1, (os.cpu_count() or 1) // s.workers) if s.workers > 1 else None
    objective = TrainingObjective(task.ref, Budget(steps=s.trial_steps),
                                  TrainConfig(eval_every=max(1, s.trial_steps // 3),
                                              stop_at_chance=stops_at_chance(s, task),
                                              threads=threads, precision=s.precision,
                                              max_seconds=max(60.0, s.trial_steps * 0.5)))
    executor = get_executor(s.executor, s.workers, **_executor_options(s))
    finalists_until = None if s.budget is None else s.budget * SEARCH_SHARE
    search_seconds = None if s.budget is None else \
        s.budget * (SEARCH_SHARE - (FINALIST_SHARE if s.finalists > 1 else 0.0))
    phases: list = []
    with SearchProgress(progress, task.metric) as bar:
        bar.state.trials, bar.state.budget = s.trials, s.budget
        bar.start -= store.elapsed_before()
        events = _progress_events(bar)
        try:
            if s.strategy in ("hybrid", "differentiable"):
                from .hybrid import run_hybrid

                best_graph = run_hybrid(s, task, space, objective, store, executor,
                                        search_seconds, events, phases,
                                        explore=s.strategy == "hybrid")
            else:
                t0 = store.now()
                strategy = get_strategy(s.strategy, space, s.seed, **s.strategy_options)
                run_search(space, strategy, objective, store,
                           SearchBudget(s.trials, search_seconds), executor, "search", s.seed,
                           on_event=events)
                phases.append(("search", t0, store.now(), f"{s.strategy}"))
                best = store.best()
                best_graph = None if best is None else from_json(best.arch_json)
            if best_graph is None:
                raise RuntimeError("every trial failed; see the run's report.html and log.txt")
            if s.finalists > 1:
                best_graph = run_finalists(s, space, objective, store, executor,
                                           finalists_until, events, phases,
                                           bar.message) or best_graph
            bar.update(phase="retrain")
            final = _retrain_budget(s, store.now())
            limit = "" if final.seconds is None else f" (at most {final.seconds:.0f} s)"
            also = ", and the hand-designed baselines with the same protocol" \
                if s.baselines else ""
            bar.message(f"retraining the best graph on {s.retrain_on} for {s.retrain_steps} "
                        f"steps{limit}{also}")
            # baselines train alongside the retraining on workers; a serial run (one process)
            # retrains first, so that the searched graph's result keeps to the budget
            alongside = executor.name != "serial"
            refit = s.retrain_on == "train+valid"
            final_task, config = finalize.final_protocol(task, refit, s.seed, threads)
            pending: dict = {}
            if alongside and s.baselines:
                pending = finalize.submit_baselines(final_task, store, final, config, executor)
            t0 = store.now()
            result = finalize.retrain(best_graph, final_task, final, config)
            phases.append(("retrain", t0, store.now(),
                           f"{result.steps} steps on {s.retrain_on}"))
            if not alongside and s.baselines:  # in what the retraining left of the budget
                after = _retrain_budget(s, store.now())
                pending = finalize.submit_baselines(final_task, store, after, config, executor)
            baselines = finalize.baseline_scores(store, pending)
        except BaseException:
            store.close()
            raise
        finally:
            executor.shutdown()
        if not result.ok:
            store.close()
            raise RuntimeError(f"retraining the best graph failed: {result.error}")
        files = finalize.write_best(store.dir / "best", best_graph, result)
    trials = len([t for t in store.trials(states=(TrialState.COMPLETE, TrialState.FAILED))
                  if t.phase != FINALISTS])
    valid = None if refit else result.valid_metric  # after a refit, measured on training data
    out = SearchResult(store.dir, best_graph, valid, result.test_metric, task.metric,
                       result.params, trials, baselines, result.module)
    final = {"valid_metric": valid, "test_metric": result.test_metric,
             "params": result.params, "retrain_steps": result.steps,
             "retrained_on": s.retrain_on}
    finalize.report(store, Path(s.out).name, task, s.to_dict(), best_graph, final, baselines,
                    phases)
    write_json_atomic(store.dir / "result.json", {**out.summary(), "files": files,
                                                  "retrain_steps": result.steps,
                                                  "retrained_on": s.retrain_on,
                                                  "finalists": finalist_summary(store),
                                                  "phases": phases,
                                                  "settings": _outcome_settings(s)})
    store.close()
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
        if saved.get("settings") != _outcome_settings(s):
            return None
        module = load_model(run_dir / "best")
        graph = load_graph(run_dir / "best" / "graph.json")
    except Exception as err:  # noqa: BLE001  (a damaged result is redone, not fatal)
        log.warning("%s: result of the finished run unreadable (%s); retraining", path, err)
        return None
    log.info("%s: finished with these settings; nothing left to train", run_dir)
    return SearchResult(run_dir, graph, saved["valid_metric"], saved["test_metric"],
                        saved["metric"], saved["params"], saved["trials"],
                        saved.get("baselines", {}), module)


def _outcome_settings(s: SearchSettings) -> dict[str, Any]:
    """The settings that shape a run's result (not where or on how many workers it ran), as
    ``result.json`` reads them back (tuples become lists)."""
    where = ("out", "workers", "executor", "address", "gpus_per_trial")
    return json.loads(json.dumps({k: v for k, v in s.to_dict().items() if k not in where}))


def _retrain_budget(s: SearchSettings, elapsed: float) -> Budget:
    """The standard protocol's steps, within what the wall-time budget has left once the
    run's start-up and its last writes (``FINISH_SECONDS``, at most 5% of it) are set aside;
    at least ``MIN_RETRAIN_SHARE`` of it, when the search ran over."""
    if s.budget is None:
        return Budget(steps=s.retrain_steps)
    finish = min(FINISH_SECONDS, 0.05 * s.budget)
    left = max(s.budget - elapsed - finish, MIN_RETRAIN_SHARE * s.budget)
    return Budget(steps=s.retrain_steps, seconds=left)


def _executor_options(s: SearchSettings) -> dict[str, Any]:
    if s.workers <= 1 and s.executor in (None, "serial"):
        return {}
    options: dict[str, Any] = {"gpus_per_trial": s.gpus_per_trial}
    if s.executor == "ray" and s.address:
        options["address"] = s.address
    return options


def _progress_events(bar: SearchProgress):
    def on_event(kind: str, info: dict[str, Any]) -> None:
        if kind == "phase" and info["phase"] == FINALISTS:  # counted afresh, at a new fidelity
            bar.state.trials = info.get("trials")
            bar.update(phase=info["phase"], done=info.get("done", 0), failed=0, best=None)
        elif kind == "phase":
            bar.update(phase=info["phase"])
        elif kind == "start":
            bar.update(in_flight=info["in_flight"])
        elif kind == "trial":
            rec = info["record"]
            best = bar.state.best
            if rec.state == TrialState.COMPLETE and rec.score is not None:
                best = rec.score if best is None else max(best, rec.score)
            failed = bar.state.failed + (rec.state == TrialState.FAILED)
            bar.update(done=bar.state.done + 1, failed=failed, best=best,
                       in_flight=info["in_flight"])

    return on_event


def _file_log(path: Path) -> logging.Handler:
    h = logging.FileHandler(path)
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("graphnas").setLevel(logging.INFO)
    return h


__all__ = ["SearchResult", "search"]
