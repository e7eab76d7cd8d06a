"""The peer a PyTorch user would pick instead (issue 32, item 6; target B14): Optuna (TPE with
its median pruner) tuning a hand-designed family, beside graphnas's hybrid search, on the same
wall-clock budget and workers.

Run (the full B14 measurement, about 3 hours on 2 CPU cores)::

    .venv/bin/python benchmarks/bench_peer.py --tasks mnist1d adding --seeds 3 \\
        --budget-mnist1d 20m --budget-adding 10m --workers 2 --json runs/bench_peer.json

``--only optuna`` or ``--only hybrid`` runs one half; each run writes its ``result.json`` under
``--out`` (default ``runs/bench_peer``) and is reused by a later invocation with the same task,
seed, budget and workers, so the halves can run at separate times and the table still shows
both. ``--fresh`` runs again what is there. Each finished run is also kept in ``--record`` (a
small committed JSON file, keyed by system, task, budget, workers, steps and seed) and read back
from there, so seeds measured in one session count in the next.

The families (``peer_families.py``) are graphnas graphs, so they train with graphnas's trainer:
for MNIST-1D a batch-norm CNN (2-5 conv-BN-ReLU layers, each with its width, kernel and
stride 1 or 2; flatten or global average pooling), for the adding problem a GRU (width, 1-2
layers); the learning rate is tuned in both. The study first tries the hand-designed
configuration (the shipped ``mnist1d_bn_cnn`` baseline; a one-layer GRU of width 32).

The Optuna side mirrors a graphnas search step for step:

- trials: graphnas's trial protocol (``--trial-steps`` 300 steps, evaluations every third of
  them, ending at chance at the first evaluation on a classification, the same time limit and
  threads per trial), trial ``n`` seeded ``seed + n``; the median pruner sees each evaluation's
  validation score (see ``_reporting``: the trainer has no per-evaluation callback, so its
  ``evaluate`` is wrapped while a trial trains);
- workers: ``--workers`` processes sharing one Optuna journal storage, as graphnas's process
  executor runs its trials (a TPE sampler per process, seeded ``seed * 1000 + worker``);
- time: trials start until ``SEARCH_SHARE`` (75%) of the budget, a trial only if one as long as
  the median finished trial ends by then (as graphnas's driver does); then the best
  configuration is retrained with graphnas's final protocol (``final_protocol`` +
  ``retrain``: 3,000 steps on train+valid keeping the last weights, within what the budget has
  left) and scored once on test.

The hybrid side is ``graphnas.search(task, strategy="hybrid", budget, workers, seed)``, its
``test_metric``; ``--hybrid-space`` and ``--hybrid-fidelity`` pass ``space`` and ``fidelity``
(their runs are kept apart from the default's). Both use the task made with the seed (on
MNIST-1D another validation split).

B14: the hybrid ahead on both tasks, mean of the seeds: at least 0.3 points of test accuracy
on MNIST-1D, at most half the Optuna family's test MSE on the adding problem.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import multiprocessing
import os
import shutil
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from peer_families import FAMILIES, Family
from record import RESULTS, Record

from graphnas.methods.retrain import final_protocol, retrain, retrain_budget
from graphnas.methods.runner import SEARCH_SHARE
from graphnas.methods.settings import SearchSettings, parse_duration
from graphnas.tasks import Task, get_task
from graphnas.training import Budget, TrainConfig, train
from graphnas.training import trainer as trainer_module
from graphnas.training.metrics import at_chance

log = logging.getLogger("bench_peer")
TARGET_ACCURACY = 0.003  # B14 on MNIST-1D: the hybrid at least 0.3 points of accuracy ahead
TARGET_MSE_RATIO = 0.5  # B14 on the adding problem: the hybrid's test MSE at most half
STUDY = "peer"


# -- the Optuna side -----------------------------------------------------------------------------


class _Pruned(BaseException):
    """Ends a trial the median pruner stops. A BaseException, so that the trainer, which turns
    every Exception into a failed result, lets it through to the worker loop."""


def trial_config(task: Task, trial_steps: int, threads: int | None, lr: float,
                 seed: int) -> TrainConfig:
    """graphnas's trial protocol (``api.search._run``) with the trial's learning rate."""
    return TrainConfig(lr=lr, seed=seed, eval_every=max(1, trial_steps // 3),
                       stop_at_chance=task.output_spec.kind == "classes", threads=threads,
                       max_seconds=max(60.0, trial_steps * 0.5))


@contextmanager
def _reporting(trial: Any, config: TrainConfig, total: int) -> Iterator[dict[str, int]]:
    """While one trial trains in this process: each of the trainer's in-loop validation
    evaluations is reported to ``trial`` (its score at its step), and a prune ends training.

    The trainer calls ``evaluate`` at steps ``eval_every, 2 * eval_every, ..., total``, then
    after the loop (the final validation); only the first ones are reported (and only the first
    after a stop at chance, where the loop ends). The last one is not a prune point: the trial
    has trained in full by then. A tiny hook in ``graphnas.training.train``
    (a per-evaluation callback) would make this wrapper unnecessary."""
    real = trainer_module.evaluate
    evals = math.ceil(total / config.eval_every)
    seen = {"reports": 0}
    ended = False

    def evaluate(model, x, y, task, *args, **kwargs):
        nonlocal ended
        metrics = real(model, x, y, task, *args, **kwargs)
        if ended:
            return metrics
        seen["reports"] += 1
        k = seen["reports"]
        trial.report(task.score(metrics), min(k * config.eval_every, total))
        last = k >= evals  # training is over: nothing left to save by pruning
        ended = last or (k == 1 and config.stop_at_chance and at_chance(metrics, y, task))
        if not last and trial.should_prune():
            raise _Pruned(f"pruned at step {min(k * config.eval_every, total)}")
        return metrics

    trainer_module.evaluate = evaluate
    try:
        yield seen
    finally:
        trainer_module.evaluate = real


def _worker(job: dict[str, Any], index: int) -> None:
    """One worker: ask, train, tell until the search deadline (``job["deadline"]``, epoch
    seconds), against the study in ``job["journal"]``."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    family: Family = FAMILIES[job["task"]]
    task = get_task(job["task"], seed=job["seed"])
    study = optuna.load_study(
        study_name=STUDY, storage=_storage(job["journal"]),
        sampler=optuna.samplers.TPESampler(seed=job["seed"] * 1000 + index),
        pruner=optuna.pruners.MedianPruner())
    steps = job["trial_steps"]
    while time.time() + _median_trial(study) <= job["deadline"]:
        trial = study.ask()
        params = family.suggest(trial)
        config = trial_config(task, steps, job["threads"], params["lr"],
                              job["seed"] + trial.number)
        try:
            with _reporting(trial, config, steps) as seen:
                result = train(family.build(params), task, Budget(steps=steps), config)
        except _Pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            continue
        trial.set_user_attr("seconds", result.seconds)
        trial.set_user_attr("params", result.params)
        if not result.ok:
            trial.set_user_attr("error", result.error)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            continue
        if seen["reports"] == 0:
            log.warning("no evaluation reported: the trainer no longer calls "
                        "graphnas.training.trainer.evaluate, so nothing is pruned")
        study.tell(trial, result.score)


def _median_trial(study: Any) -> float:
    """The median training time of the study's finished trials, all workers' (0 before the
    first): as graphnas's driver, a trial starts only if one as long would end in time."""
    from optuna.trial import TrialState

    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    seconds = [t.user_attrs["seconds"] for t in done if "seconds" in t.user_attrs]
    return statistics.median(seconds) if seconds else 0.0


def _storage(path: str):
    import optuna
    from optuna.storages.journal import JournalFileBackend

    return optuna.storages.JournalStorage(JournalFileBackend(path))


def run_optuna(task_name: str, seed: int, budget: float, workers: int, folder: Path,
               trial_steps: int, retrain_steps: int) -> dict[str, Any]:
    """Optuna's study on the task's family, then its best configuration retrained and tested;
    the record written to ``folder/result.json``."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start = time.time()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    family = FAMILIES[task_name]
    journal = str(folder / "journal.log")
    study = optuna.create_study(study_name=STUDY, storage=_storage(journal),
                                direction="maximize")
    study.enqueue_trial(family.start)
    threads = max(1, (os.cpu_count() or 1) // workers) if workers > 1 else None
    job = {"task": task_name, "seed": seed, "journal": journal, "trial_steps": trial_steps,
           "threads": threads, "deadline": start + SEARCH_SHARE * budget}
    if workers == 1:
        _worker(job, 0)
    else:
        ctx = multiprocessing.get_context("spawn")
        procs = [ctx.Process(target=_worker, args=(job, i)) for i in range(workers)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
    search_seconds = time.time() - start
    trials = study.get_trials(deepcopy=False)
    states = [t.state.name.lower() for t in trials]
    record: dict[str, Any] = {
        "system": "optuna", "task": task_name, "seed": seed, "budget": budget,
        "workers": workers, "trials": len(trials), "complete": states.count("complete"),
        "pruned": states.count("pruned"), "failed": states.count("fail"),
        "search_seconds": search_seconds}
    done = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not done:
        record.update(test_metric=None, error="no trial finished")
    else:
        best = max(done, key=lambda t: t.value)
        graph = family.build(best.params)
        final_task, config = final_protocol(get_task(task_name, seed=seed), True, seed, threads)
        final = retrain_budget(SearchSettings(budget=budget, retrain_steps=retrain_steps),
                               time.time() - start)
        result = retrain(graph, final_task, final, config)
        record.update(best_params=best.params, best_config=family.describe(best.params),
                      best_trial=best.number, best_valid_score=best.value,
                      test_metric=result.test_metric, metric=result.metric,
                      model_params=result.params, retrain_steps=result.steps,
                      error=result.error, graph=json.loads(graph.to_json(None)))
    record["seconds"] = time.time() - start
    (folder / "result.json").write_text(json.dumps(record, indent=1))
    return record


# -- the graphnas side ---------------------------------------------------------------------------


def run_hybrid(task_name: str, seed: int, budget: float, workers: int,
               folder: Path, space: str | None = None, fidelity: str = "none") -> dict[str, Any]:
    """graphnas's hybrid search with the same budget and workers; its record written to
    ``folder/result.json`` (the run directory is ``folder/run``)."""
    import graphnas

    start = time.time()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    r = graphnas.search(task=task_name, strategy="hybrid", budget=budget, workers=workers,
                        seed=seed, out=str(folder / "run"), progress="quiet",
                        space=space or SearchSettings.space, fidelity=fidelity)
    record = {"system": "hybrid", "task": task_name, "seed": seed, "budget": budget,
              "space": space, "fidelity": fidelity,
              "workers": workers, "trials": r.trials, "test_metric": r.test_metric,
              "metric": r.metric, "model_params": r.params, "seconds": time.time() - start,
              "run_dir": str(r.run_dir)}
    (folder / "result.json").write_text(json.dumps(record, indent=1))
    return record


# -- the table -----------------------------------------------------------------------------------


def cached(folder: Path, budget: float, workers: int) -> dict[str, Any] | None:
    """The record of an earlier run with the same budget and workers, if there is one."""
    path = folder / "result.json"
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    if record.get("budget") != budget or record.get("workers") != workers:
        return None
    return record


def _mean(records: list[dict[str, Any] | None]) -> float | None:
    values = [r.get("test_metric") if r else None for r in records]
    return None if not values or None in values else statistics.mean(values)


def verdict(task: str, optuna_mean: float | None, hybrid_mean: float | None) -> dict[str, Any]:
    """B14 on one task, from the two means of test metrics."""
    if optuna_mean is None or hybrid_mean is None:
        return {"met": None, "text": "incomplete: a seed is missing or failed"}
    if task == "mnist1d":
        gap = hybrid_mean - optuna_mean
        return {"met": gap >= TARGET_ACCURACY, "gap": gap,
                "text": f"hybrid {100 * gap:+.2f} points of test accuracy (target +0.30)"}
    ratio = hybrid_mean / optuna_mean if optuna_mean > 0 else math.inf
    return {"met": ratio <= TARGET_MSE_RATIO, "ratio": ratio,
            "text": f"hybrid's test MSE {ratio:.2f} x Optuna's (target at most 0.50)"}


def table(task: str, rows: list[tuple[int, dict | None, dict | None]]) -> tuple[str, dict]:
    """One Markdown table for a task, its means and its verdict."""
    metric = "test accuracy" if task == "mnist1d" else "test MSE"
    lines = [f"| seed | Optuna trials (pruned, failed) | Optuna's best config | Optuna {metric} "
             f"| hybrid {metric} | hybrid trials | Optuna wall s | hybrid wall s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for seed, o, h in rows:
        cells = [str(seed),
                 f"{o['trials']} ({o['pruned']}, {o['failed']})" if o else "-",
                 o.get("best_config", "-") if o else "-",
                 _metric(o, task), _metric(h, task),
                 str(h["trials"]) if h else "-",
                 f"{o['seconds']:.0f}" if o else "-",
                 f"{h['seconds']:.0f}" if h else "-"]
        lines.append("| " + " | ".join(cells) + " |")
    om, hm = _mean([o for _, o, _ in rows]), _mean([h for _, _, h in rows])
    lines.append(f"| mean | | | {_show(om, task)} | {_show(hm, task)} | | | |")
    v = verdict(task, om, hm)
    status = {True: "met", False: "not met", None: "open"}[v["met"]]
    lines.append(f"\nB14 on {task}: {status}: {v['text']}")
    return "\n".join(lines), {"optuna_mean": om, "hybrid_mean": hm, **v}


def _show(value: float | None, task: str) -> str:
    if value is None:
        return "-"
    return f"{100 * value:.2f}%" if task == "mnist1d" else f"{value:.3g}"


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds % 60 == 0 else f"{seconds:g} s"


def _metric(record: dict[str, Any] | None, task: str) -> str:
    if record is None:
        return "-"
    if record.get("test_metric") is None:
        return f"failed ({record.get('error')})"
    return _show(record["test_metric"], task)


# -- the command line ----------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", choices=sorted(FAMILIES), default=["mnist1d", "adding"])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--budget-mnist1d", default="20m", help="wall time of each run on MNIST-1D")
    ap.add_argument("--budget-adding", default="10m", help="wall time of each run on adding")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", choices=["optuna", "hybrid"], default=None,
                    help="run one half (the table shows the other's earlier results)")
    ap.add_argument("--trial-steps", type=int, default=SearchSettings.trial_steps,
                    help="steps of one trial (graphnas's --trial-steps default)")
    ap.add_argument("--retrain-steps", type=int, default=SearchSettings.retrain_steps,
                    help="steps of the final retraining (graphnas's default)")
    ap.add_argument("--hybrid-space", default=None,
                    help="the hybrid's search space (graphnas's default when not given)")
    ap.add_argument("--hybrid-fidelity", choices=["none", "asha", "hyperband"], default="none",
                    help="the hybrid's multi-fidelity schedule")
    ap.add_argument("--out", type=Path, default=Path("runs/bench_peer"))
    ap.add_argument("--fresh", action="store_true", help="run again what --out already holds")
    ap.add_argument("--json", type=Path, default=None, metavar="FILE")
    ap.add_argument("--record", type=Path, default=RESULTS / "b14.json",
                    help="finished runs, read back before running")
    args = ap.parse_args()
    kept = Record(args.record)
    variant = "" if (args.hybrid_space, args.hybrid_fidelity) == (None, "none") else \
        f"-{args.hybrid_space or 'default'}-{args.hybrid_fidelity}"
    if args.workers < 1 or args.seeds < 1:
        ap.error("--workers and --seeds must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("graphnas").setLevel(logging.WARNING)
    report: dict[str, Any] = {"workers": args.workers, "seeds": args.seeds, "tasks": {}}
    tables = []
    for task in args.tasks:
        try:
            budget = parse_duration(getattr(args, f"budget_{task}"))
        except ValueError as err:
            ap.error(str(err))
        rows = []
        for seed in range(args.seeds):
            records: dict[str, dict | None] = {}
            for system in ("optuna", "hybrid"):
                tag = variant if system == "hybrid" else ""
                folder = args.out / f"{system}{tag}-{task}-s{seed}"
                key = (f"{system}-{task}-{budget:g}s-w{args.workers}-trial{args.trial_steps}"
                       f"-retrain{args.retrain_steps}-s{seed}{tag}")
                record = None if args.fresh and args.only in (None, system) else \
                    kept.get(key) or cached(folder, budget, args.workers)
                if record is None and args.only in (None, system):
                    log.info("%s on %s, seed %d, %.0f s, %d workers", system, task, seed,
                             budget, args.workers)
                    if system == "optuna":
                        record = run_optuna(task, seed, budget, args.workers, folder,
                                            args.trial_steps, args.retrain_steps)
                    else:
                        record = run_hybrid(task, seed, budget, args.workers, folder,
                                            args.hybrid_space, args.hybrid_fidelity)
                    log.info("%s: test %s in %.0f s", system, record.get("test_metric"),
                             record["seconds"])
                if record is not None and record.get("test_metric") is not None:
                    kept.put(key, {k: v for k, v in record.items() if k != "graph"})
                records[system] = record
            rows.append((seed, records["optuna"], records["hybrid"]))
        text, summary = table(task, rows)
        tables.append(f"### {task} ({_duration(budget)}, {args.workers} workers)\n\n{text}")
        report["tasks"][task] = {"budget": budget, **summary,
                                 "runs": [{"seed": s, "optuna": o, "hybrid": h}
                                          for s, o, h in rows]}
    print("\n\n".join(tables))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
