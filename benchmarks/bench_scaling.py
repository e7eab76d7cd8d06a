"""B6: trials per hour of a fixed MNIST-1D search with 1 and 2 workers, processes and Ray.

Run:  .venv/bin/python benchmarks/bench_scaling.py [--trials 16] [--steps 200] [--threads 1]

The same seeded random search (the macro space, ``--trials`` trials of ``--steps`` training
steps each) runs with each executor and worker count. ``--threads share`` (the default) gives
each worker cores // workers torch threads, so one worker uses every core through torch's
intra-op threads; ``--threads N`` gives every worker N threads, which measures how the pool
itself scales with workers of a fixed size. Throughput counts from the first trial's start to
the last trial's end (pool start-up excluded, as a long search amortises it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

from graphnas.driver import SearchBudget, TrainingObjective, run_search
from graphnas.execution import get_executor
from graphnas.spaces import get_space
from graphnas.store import RunStore
from graphnas.strategies import get_strategy
from graphnas.tasks import get_task
from graphnas.training import Budget, TrainConfig


def throughput(executor: str, workers: int, trials: int, steps: int, per_worker: str) -> float:
    task = get_task("mnist1d")
    space = get_space("macro", task.input_spec, task.output_spec, n_nodes=4, memory=False)
    threads = (max(1, (os.cpu_count() or 1) // workers) if per_worker == "share"
               else int(per_worker))
    objective = TrainingObjective(task.ref, Budget(steps=steps),
                                  TrainConfig(eval_every=steps, threads=threads))
    folder = tempfile.mkdtemp()
    opts = {"threads_per_worker": threads} if executor == "processes" else (
        {"cpus_per_trial": threads} if executor == "ray" else {})
    ex = get_executor(executor, workers, **opts) if executor != "serial" else get_executor()
    try:
        if executor != "serial":  # warm the pool: imports and the task, once per worker
            for f in [ex.submit(objective, space.sample(__import__("numpy").random
                                                        .default_rng(99)).arch.to_json(None),
                                0) for _ in range(workers)]:
                f.result()
        store = RunStore(folder, {"bench": executor, "workers": workers})
        t0 = time.perf_counter()
        run_search(space, get_strategy("random", space, seed=0), objective, store,
                   SearchBudget(trials=trials), ex)
        elapsed = time.perf_counter() - t0
        store.close()
    finally:
        ex.shutdown()
        shutil.rmtree(folder, ignore_errors=True)
    return trials / elapsed * 3600


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=16)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--executors", nargs="+", default=["processes", "ray"])
    ap.add_argument("--threads", default="share",
                    help="torch threads per worker: 'share' (cores // workers) or a number")
    args = ap.parse_args()
    if args.threads != "share" and not args.threads.isdigit():
        ap.error("--threads takes 'share' or a number")
    print(f"B6: random search on MNIST-1D, {args.trials} trials x {args.steps} steps, "
          f"threads per worker: {args.threads}")
    print("| executor | 1 worker (trials/h) | 2 workers (trials/h) | speed-up |")
    print("| --- | --- | --- | --- |")
    for name in args.executors:
        one = throughput(name, 1, args.trials, args.steps, args.threads)
        two = throughput(name, 2, args.trials, args.steps, args.threads)
        print(f"| {name} | {one:.0f} | {two:.0f} | {two / one:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
