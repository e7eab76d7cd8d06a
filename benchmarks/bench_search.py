"""B2, B3, B5: searches at equal wall-clock budget, against each other and the baselines.

Run:  .venv/bin/python benchmarks/bench_search.py --tasks mnist1d adding --budget 20m \\
          --seeds 3 [--strategies hybrid reinforce differentiable evolution random]

Each (task, strategy, seed) is a full ``graphnas.search`` (search, then the best graph
retrained with the standard protocol and scored once on the test split) in its own run
directory under ``--out``; the hand-designed baselines are trained with the same protocol.
Prints a Markdown table of mean test metric and wall time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import graphnas
from graphnas.api import parse_duration


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=["mnist1d", "adding"])
    ap.add_argument("--strategies", nargs="+",
                    default=["hybrid", "reinforce", "differentiable", "evolution", "random"])
    ap.add_argument("--budget", default="20m")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--retrain-steps", type=int, default=3000)
    ap.add_argument("--out", default="runs/bench")
    args = ap.parse_args()
    budget = parse_duration(args.budget)
    print(f"budget {args.budget} per search (search + retrain), {args.seeds} seed(s), "
          f"{args.workers} workers\n")
    print("| task | strategy | test metric (mean +- std) | valid | params | minutes |")
    print("| --- | --- | --- | --- | --- | --- |")
    for task in args.tasks:
        baselines: dict[str, float] = {}
        for strategy in args.strategies:
            tests, valids, mins, params = [], [], [], []
            for seed in range(args.seeds):
                t0 = time.perf_counter()
                r = graphnas.search(task=task, strategy=strategy, budget=budget, seed=seed,
                                    workers=args.workers, retrain_steps=args.retrain_steps,
                                    out=f"{args.out}/{task}-{strategy}-{seed}",
                                    progress="quiet")
                tests.append(r.test_metric)
                valids.append(r.valid_metric)
                params.append(r.params)
                mins.append((time.perf_counter() - t0) / 60)
                baselines = r.baselines
            sd = statistics.stdev(tests) if len(tests) > 1 else 0.0
            print(f"| {task} | {strategy} | {r.metric} {statistics.mean(tests):.4f} +- "
                  f"{sd:.4f} | {statistics.mean(valids):.4f} | {int(statistics.mean(params))}"
                  f" | {statistics.mean(mins):.1f} |", flush=True)
        for name, value in baselines.items():
            print(f"| {task} | baseline {name} | {value:.4f} | | | |", flush=True)


if __name__ == "__main__":
    main()
