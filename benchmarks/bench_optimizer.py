"""B9 (optimizer half): an optimizer search on MNIST-1D, then the rule found and AdamW each train
a fixed network under the standard protocol on MNIST-1D and, without searching again, on digits.

Run:  .venv/bin/python benchmarks/bench_optimizer.py [--budget 20m] [--seeds 3] [--workers 2]
          [--strategy surrogate] [--task mnist1d] [--transfer digits] [--base bn_cnn]
          [--steps 3000] [--out runs/b9-opt] [--record benchmarks/results/b9-optimizer.json]

Per seed s: ``graphnas search --task TASK --space optimizer --strategy STRATEGY --budget B
--workers W --seed s --space-option base_graph=<the task's BASE baseline>`` (the search scores
rules in that network, with short trials); then, on TASK in that network and on each TRANSFER
task in its best hand-designed baseline, the rule found (``best/optimizer.py``) and AdamW each
train under the standard protocol (``graphnas train --optimizer ...``: STEPS steps, seed s) and
are scored on the test split. One Markdown table: mean +- std over seeds of the test accuracy per
task and optimizer, each seed's own, and the rules found. The target holds on a task when the
found rules' mean matches AdamW's (is at least AdamW's mean less its std over seeds) or beats it.
Each finished seed is kept in ``--record`` (a small committed JSON file, keyed by the settings
and the seed) and read back instead of being run again, so seeds add up across sessions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from importlib import resources
from pathlib import Path

from record import RESULTS, Record

import graphnas
from graphnas.api import train_graph
from graphnas.graph import save
from graphnas.tasks.baselines import best_baseline


def network(task: str, base: str, folder: Path) -> Path:
    """The task's ``base`` baseline (e.g. mnist1d_bn_cnn.json), else its best one."""
    path = Path(str(resources.files("graphnas") / "baselines" / f"{task}_{base}.json"))
    if path.is_file():
        return path
    graph = best_baseline(task)
    if graph is None:
        raise SystemExit(f"task {task} has no hand-designed baseline to train in")
    return save(graph, folder / f"{graph.name or task}.json")


def measure(args, networks: dict[str, Path], tasks: list[str], root: Path, seed: int) -> dict:
    """One seed: the optimizer search, then the rule found and AdamW on every task."""
    run = root / f"search-{seed}"
    extra = {} if args.trial_steps is None else {"trial_steps": args.trial_steps}
    graphnas.search(task=args.task, space="optimizer", strategy=args.strategy,
                    budget=args.budget, workers=args.workers, seed=seed,
                    space_options={"base_graph": str(networks[args.task])},
                    baselines=False, out=str(run), progress="quiet", **extra)
    rule = json.loads((run / "best" / "graph.json").read_text())["update_rule"]
    scores = {}
    for task in tasks:
        for name, optimizer in (("found", run / "best" / "optimizer.py"), ("adamw", "adamw")):
            scores[f"{task}/{name}"] = train_graph(networks[task], task=task, steps=args.steps,
                                                   seed=seed, optimizer=optimizer).test_metric
    return {"found": rule, "scores": scores}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="mnist1d", help="the task searched on")
    ap.add_argument("--transfer", default="digits",
                    help="comma-separated tasks the rule found also trains on ('' for none)")
    ap.add_argument("--base", default="bn_cnn", help="the task's baseline to search in")
    ap.add_argument("--budget", default="20m")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--strategy", default="surrogate")
    ap.add_argument("--steps", type=int, default=3000, help="standard-protocol steps")
    ap.add_argument("--trial-steps", type=int, default=None)
    ap.add_argument("--out", default=None, help="run folders (default: a temporary one)")
    ap.add_argument("--record", default=str(RESULTS / "b9-optimizer.json"),
                    help="finished seeds, read back before searching")
    args = ap.parse_args()
    root = Path(args.out or tempfile.mkdtemp(prefix="b9-optimizer-"))
    record = Record(args.record)
    root.mkdir(parents=True, exist_ok=True)
    tasks = [args.task, *(t for t in args.transfer.split(",") if t and t != args.task)]
    networks = {t: network(t, args.base, root) for t in tasks}
    scores: dict[tuple[str, str], list[float]] = {}
    found = []
    for seed in range(args.seeds):
        key = (f"{args.task}-{args.base}-{args.strategy}-{args.budget}-w{args.workers}"
               f"-steps{args.steps}-trial{args.trial_steps}-{'+'.join(tasks)}-s{seed}")
        row = record.get(key) or measure(args, networks, tasks, root, seed)
        record.put(key, row)
        found.append(row["found"])
        for task_name, value in row["scores"].items():
            task, name = task_name.split("/")
            scores.setdefault((task, name), []).append(value)
        print(f"<!-- seed {seed}: {row} -->", flush=True)
    print(f"\noptimizer search on {args.task} ({networks[args.task].stem} network), "
          f"{args.strategy} for {args.budget} on {args.workers} workers; standard protocol of "
          f"{args.steps} steps, seeds 0-{args.seeds - 1}\n")
    print("| task | network | optimizer | test accuracy | per seed |")
    print("| --- | --- | --- | --- | --- |")
    for (task, name), values in scores.items():
        print(f"| {task} | {networks[task].stem} | {name} | {_mean_std(values)} | "
              f"{' / '.join(f'{v:.4f}' for v in values)} |")
    print(f"\nfound: {'; '.join(found)}")
    for task in tasks:
        ours, adamw = scores[(task, "found")], scores[(task, "adamw")]
        spread = statistics.stdev(adamw) if len(adamw) > 1 else 0.0
        met = statistics.mean(ours) >= statistics.mean(adamw) - spread
        print(f"target on {task} (found matches or beats AdamW): {'met' if met else 'missed'}")


def _mean_std(values: list[float]) -> str:
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} +- {std:.4f}"


if __name__ == "__main__":
    main()
