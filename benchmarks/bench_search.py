"""B2, B3, B5: searches at equal wall-clock budget, against each other and the baselines.

Run:  .venv/bin/python benchmarks/bench_search.py --tasks mnist1d adding --budget 20m \\
          --seeds 3 [--strategies hybrid reinforce differentiable evolution random] \\
          [--parallel N --threads T]

Each (task, strategy, seed) is a full ``graphnas.search`` (search, then the best graph
retrained with the standard protocol and scored once on the test split) in its own run
directory under ``--out``; the hand-designed baselines are trained with the same protocol.
Prints a Markdown table of mean test metric and wall time, then B5's verdict for the hybrid:
*tied-best* when no strategy beats it by a one-sided Welch t-test at the 5% level over the seeds
(on log MSE for a regression task, whose errors spread over orders of magnitude), *best* when it
also has the best mean. With 3 seeds such a test only catches large, consistent gaps: the verdict
says so.

``--parallel N`` runs N searches of a task at once, each in its own process with ``--threads``
torch threads (and, on a GPU machine, sharing the GPU): on a many-core machine every strategy
then gets the same share of it at the same time. A run directory that holds a finished search is
read back, not searched again.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from scipy import stats

import graphnas
from graphnas.api import parse_duration


def one_search(task: str, strategy: str, seed: int, budget: float, workers: int,
               retrain_steps: int, out: str, threads: int | None,
               baselines: bool = True) -> dict:
    """One search (or its finished result, read back): test and valid metric, params,
    minutes, baselines; or ``failed`` with the error, for a search that handed back nothing
    (every trial failed, say)."""
    done = Path(out) / "result.json"
    if done.exists():
        r = json.loads(done.read_text())
        return {**r, "minutes": None}
    if threads:
        import torch

        torch.set_num_threads(threads)
    t0 = time.perf_counter()
    try:
        r = graphnas.search(task=task, strategy=strategy, budget=budget, seed=seed,
                            workers=workers, retrain_steps=retrain_steps, out=out,
                            progress="quiet", baselines=baselines)
    except Exception as err:  # noqa: BLE001  (a failed search is a result; the others go on)
        return {"failed": f"{type(err).__name__}: {err}",
                "minutes": (time.perf_counter() - t0) / 60}
    return {**r.summary(), "minutes": (time.perf_counter() - t0) / 60}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=["mnist1d", "adding"])
    ap.add_argument("--strategies", nargs="+",
                    default=["hybrid", "reinforce", "differentiable", "evolution", "random"])
    ap.add_argument("--budget", default="20m")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--retrain-steps", type=int, default=3000)
    ap.add_argument("--parallel", type=int, default=1, help="searches at once")
    ap.add_argument("--threads", type=int, default=None, help="torch threads per search")
    ap.add_argument("--out", default="runs/bench")
    ap.add_argument("--no-baselines", action="store_true",
                    help="skip the baselines in every search (train them once elsewhere)")
    args = ap.parse_args()
    budget = parse_duration(args.budget)
    print(f"budget {args.budget} per search (search + retrain), {args.seeds} seed(s), "
          f"{args.workers} workers, {args.parallel} search(es) at once\n")
    print("| task | strategy | test metric (mean +- std) | per seed | valid | params | minutes |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    pool = ProcessPoolExecutor(args.parallel, mp.get_context("spawn")) \
        if args.parallel > 1 else None
    try:
        for task in args.tasks:
            jobs = {(strategy, seed): (task, strategy, seed, budget, args.workers,
                                       args.retrain_steps,
                                       f"{args.out}/{task}-{strategy}-{seed}", args.threads,
                                       not args.no_baselines)
                    for strategy in args.strategies for seed in range(args.seeds)}
            if pool is None:
                results = {k: one_search(*job) for k, job in jobs.items()}
            else:
                futures = {k: pool.submit(one_search, *job) for k, job in jobs.items()}
                results = {k: f.result() for k, f in futures.items()}
            _table(task, args.strategies, args.seeds, results)
            print(_verdict(task, args.strategies, args.seeds, results), flush=True)
    finally:
        if pool is not None:
            pool.shutdown()


def _valid(results: list[dict]) -> str:
    """Mean validation metric of the retrained graphs; - where they trained on validation."""
    values = [r["valid_metric"] for r in results]
    return "-" if None in values else f"{statistics.mean(values):.4f}"


def _fmt(value: float, metric: str) -> str:
    """Accuracy to 4 decimals; an error (MSE, spread over orders of magnitude) to 3 digits."""
    return f"{value:.4f}" if metric == "accuracy" else f"{value:.3g}"


def _table(task: str, strategies: list[str], seeds: int, results: dict) -> None:
    baselines: dict[str, list[float]] = {}
    for strategy in strategies:
        everyone = [results[(strategy, seed)] for seed in range(seeds)]
        mins = [r["minutes"] for r in everyone if r["minutes"] is not None]
        minutes = f"{statistics.mean(mins):.1f}" if mins else "-"
        per_seed = " ".join("failed" if "failed" in r else _fmt(r["test_metric"], r["metric"])
                            for r in everyone)
        for seed, r in enumerate(everyone):
            if "failed" in r:
                print(f"<!-- {task} {strategy} seed {seed}: {r['failed']} -->", flush=True)
        rs = [r for r in everyone if "failed" not in r]
        if not rs:
            print(f"| {task} | {strategy} | every search failed | {per_seed} | | | "
                  f"{minutes} |", flush=True)
            continue
        tests = [r["test_metric"] for r in rs]
        sd = statistics.stdev(tests) if len(tests) > 1 else 0.0
        failed = f" ({len(everyone) - len(rs)} failed)" if len(rs) < len(everyone) else ""
        metric = rs[0]["metric"]
        print(f"| {task} | {strategy} | {metric} {_fmt(statistics.mean(tests), metric)} +- "
              f"{_fmt(sd, metric)}{failed} | {per_seed} | {_valid(rs)} "
              f"| {int(statistics.mean(r['params'] for r in rs))} | {minutes} |", flush=True)
        for r in rs:
            for name, value in r["baselines"].items():
                baselines.setdefault(name, []).append(value)
    for name, values in baselines.items():
        print(f"| {task} | baseline {name} | {statistics.mean(values):.4f} | | | | |",
              flush=True)


def _verdict(task: str, strategies: list[str], seeds: int, results: dict,
             focus: str = "hybrid", level: float = 0.05) -> str:
    """B5's verdict for ``focus``: best (best mean), tied-best (no strategy better by a
    one-sided Welch t-test at ``level``), or not; a failed seed counts against its strategy."""
    if focus not in strategies:
        return ""
    done = [r for r in results.values() if "failed" not in r]
    lower = bool(done) and done[0]["metric"] != "accuracy"
    scores: dict[str, list[float]] = {}  # higher is better
    for strategy in strategies:
        rs = [results[(strategy, seed)] for seed in range(seeds)]
        if any("failed" in r for r in rs):
            continue  # a strategy that failed a seed is not a contender
        scores[strategy] = [-math.log10(max(r["test_metric"], 1e-12)) if lower
                            else r["test_metric"] for r in rs]
    if focus not in scores:
        return f"\n**B5 on {task}: not met: {focus} failed a seed.**\n"
    mine = scores[focus]
    mean = statistics.mean
    better = {s: v for s, v in scores.items() if s != focus and mean(v) > mean(mine)}
    if not better:
        return f"\n**B5 on {task}: met: {focus} has the best mean.**\n"
    lines = []
    beaten = False
    for s, v in sorted(better.items(), key=lambda kv: -mean(kv[1])):
        p = stats.ttest_ind(v, mine, equal_var=False, alternative="greater").pvalue \
            if len(v) > 1 and len(mine) > 1 else 0.0
        beaten |= not p > level  # a NaN p (no spread at all) counts as beaten
        lines.append(f"{s} p = {p:.2f}")
    scale = "log10 MSE" if lower else task + "'s accuracy"
    verdict = (f"not met: {focus} is beaten" if beaten else
               f"met: {focus} is tied-best (beaten by no one-sided Welch test at {level:.0%})")
    return (f"\n**B5 on {task}: {verdict}**; better means than {focus}'s, on {scale}: "
            f"{', '.join(lines)}. With {seeds} seeds only large, consistent gaps are "
            f"significant.\n")


if __name__ == "__main__":
    main()
