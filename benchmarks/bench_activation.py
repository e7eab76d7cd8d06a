"""B9 (activation half): an activation search on MNIST-1D, then the activation found, ReLU,
Swish and GELU each in the batch-norm CNN under the standard protocol.

Run:  .venv/bin/python benchmarks/bench_activation.py [--budget 20m] [--seeds 3]
          [--workers 2] [--strategy surrogate] [--task mnist1d] [--base bn_cnn]
          [--steps 3000] [--out runs/b9] [--record benchmarks/results/b9-activation.json]

Per seed s: ``graphnas search --task TASK --space activation --strategy STRATEGY --budget B
--workers W --seed s --space-option base_graph=<the task's BASE baseline>`` (the search scores
candidates in that network, with short trials), then every activation of the table trains the
same network under the standard protocol (``graphnas train``: STEPS steps, seed s) and is
scored on the test split. One Markdown table: mean +- std over seeds of the test accuracy per
activation, each seed's own, and the expressions found. The target holds when the found
activations' mean beats ReLU's. Each finished seed is kept in ``--record`` (a small committed
JSON file, keyed by the settings and the seed) and read back instead of being run again, so
seeds measured in one session count in the next.
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
from graphnas.graph import Node, load, save

FIXED = {"relu": ("relu", {}), "swish": ("swish", {}), "gelu": ("gelu", {})}


def with_activation(base: Path, op: str, params: dict, out: Path) -> Path:
    """The base network with ``op`` in place of its ReLU nodes, saved to ``out``."""
    g = load(base)
    nodes = tuple(Node(n.id, op, params, n.merge) if n.op == "relu" else n for n in g.nodes)
    save(type(g)(g.inputs, nodes, g.edges, g.output, g.memory, g.name), out)
    return out


def measure(args, base: Path, root: Path, seed: int) -> dict:
    """One seed: the activation search, then every activation under the standard protocol."""
    run = root / f"search-{seed}"
    extra = {} if args.trial_steps is None else {"trial_steps": args.trial_steps}
    graphnas.search(task=args.task, space="activation", strategy=args.strategy,
                    budget=args.budget, workers=args.workers, seed=seed,
                    space_options={"base_graph": str(base)}, baselines=False,
                    out=str(run), progress="quiet", **extra)
    expression = json.loads((run / "best" / "activation.json").read_text())["expression"]
    candidates = {**FIXED, "found": ("expr", {"expression": expression})}
    scores = {}
    for name, (op, params) in candidates.items():
        graph = with_activation(base, op, params, root / f"{name}-{seed}.json")
        scores[name] = train_graph(graph, task=args.task, steps=args.steps, seed=seed
                                   ).test_metric
    return {"found": expression, "scores": scores}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="mnist1d")
    ap.add_argument("--base", default="bn_cnn", help="the task's baseline to search in")
    ap.add_argument("--budget", default="20m")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--strategy", default="surrogate")
    ap.add_argument("--steps", type=int, default=3000, help="standard-protocol steps")
    ap.add_argument("--trial-steps", type=int, default=None)
    ap.add_argument("--out", default=None, help="run folders (default: a temporary one)")
    ap.add_argument("--record", default=str(RESULTS / "b9-activation.json"),
                    help="finished seeds, read back before searching")
    args = ap.parse_args()
    root = Path(args.out or tempfile.mkdtemp(prefix="b9-"))
    record = Record(args.record)
    base = Path(str(resources.files("graphnas") / "baselines" / f"{args.task}_{args.base}.json"))
    scores: dict[str, list[float]] = {}
    found = []
    for seed in range(args.seeds):
        key = (f"{args.task}-{args.base}-{args.strategy}-{args.budget}-w{args.workers}"
               f"-steps{args.steps}-trial{args.trial_steps}-s{seed}")
        row = record.get(key) or measure(args, base, root, seed)
        record.put(key, row)
        found.append(row["found"])
        for name in [*FIXED, "found"]:
            scores.setdefault(name, []).append(row["scores"][name])
        print(f"<!-- seed {seed}: {row} -->", flush=True)
    print(f"\n{args.task}, {args.base} network, {args.strategy} search of {args.budget} on "
          f"{args.workers} workers, standard protocol of {args.steps} steps, seeds "
          f"0-{args.seeds - 1}\n")
    print("| activation | test accuracy | per seed |")
    print("| --- | --- | --- |")
    for name, values in scores.items():
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f"| {name} | {statistics.mean(values):.4f} +- {std:.4f} | "
              f"{' / '.join(f'{v:.4f}' for v in values)} |")
    print(f"\nfound: {'; '.join(found)}")
    beats = statistics.mean(scores["found"]) > statistics.mean(scores["relu"])
    print(f"target (found beats ReLU): {'met' if beats else 'missed'}")


if __name__ == "__main__":
    main()
