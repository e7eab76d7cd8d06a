"""Baselines: each hand-designed baseline under the standard protocol, mean over seeds.

Run:  .venv/bin/python benchmarks/bench_baselines.py [--seeds 3] [--steps 3000] [--tasks ...]
          [--graphs FILE ...] [--only NAME ...] [--no-shipped]
          [--retrain-on train|train+valid]

``--graphs`` adds graph JSON files (a found architecture,
``benchmarks/graphs/mnist1d_found_hybrid.json``) to every task listed, labelled by file name;
``--only NAME ...`` keeps those shipped baselines, ``--no-shipped`` none of them.

The standard protocol is ``TrainConfig()``'s defaults (AdamW, lr 3e-3, cosine, batch 128, weight
decay 1e-4, gradient clipping at 1) for ``--steps`` steps, keeping the best validation weights;
the test split is measured once at the end. ``--retrain-on train+valid`` trains as a search's
final retraining does by default: on the training and validation splits together, keeping the
last weights (its valid columns then measure data it trained on). Seed s trains with seed s
on the task made with seed s (for MNIST-1D another validation split). Prints a Markdown table;
``valid loss`` is the validation cross-entropy of classifiers.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import torch

from graphnas.graph import GraphError, from_json
from graphnas.methods.retrain import final_protocol
from graphnas.tasks import baselines_for, get_task
from graphnas.training import Budget, TrainConfig, train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--tasks", nargs="+", default=["mnist1d", "adding", "digits"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--graphs", nargs="+", default=[], type=Path, metavar="FILE")
    ap.add_argument("--only", nargs="+", default=None, metavar="NAME")
    ap.add_argument("--no-shipped", action="store_true")
    ap.add_argument("--retrain-on", choices=["train", "train+valid"], default="train")
    args = ap.parse_args()
    try:
        extra = {_label(p): from_json(p.read_text(encoding="utf-8"), str(p)) for p in args.graphs}
    except (OSError, GraphError) as e:
        ap.error(str(e))
    torch.set_num_threads(args.threads)
    print(f"standard protocol: {args.steps} steps on {args.retrain_on}, {TrainConfig()}, "
          f"{args.seeds} seeds, {args.threads} threads\n")
    print("| task | baseline | params | test metric (mean +- std) | valid | valid loss | "
          "seconds / run |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in args.tasks:
        graphs = {} if args.no_shipped else baselines_for(name)
        graphs = {k: g for k, g in graphs.items() if args.only is None or k in args.only}
        for label, graph in {**graphs, **extra}.items():
            tests, valids, losses, secs, params, metric = [], [], [], [], 0, ""
            for seed in range(args.seeds):
                task, config = final_protocol(get_task(name, seed=seed),
                                              args.retrain_on == "train+valid", seed, None)
                r = train(graph, task, Budget(steps=args.steps), config, evaluate_test=True)
                if not r.ok:
                    print(f"| {name} | {label} | failed: {r.error} | | | | |")
                    break
                tests.append(r.test_metric)
                valids.append(r.valid_metric)
                losses.append(r.valid.get("loss"))
                secs.append(r.seconds)
                params, metric = r.params, r.metric
            else:
                sd = statistics.stdev(tests) if len(tests) > 1 else 0.0
                print(f"| {name} | {label} | {params} | {metric} {statistics.mean(tests):.4f} "
                      f"+- {sd:.4f} | {statistics.mean(valids):.4f} | {_mean(losses)} | "
                      f"{statistics.mean(secs):.0f} |", flush=True)


def _mean(values: list) -> str:
    """Mean +- std of a metric every run has (the cross-entropy of classifiers), else -."""
    if not values or None in values:
        return "-"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} +- {sd:.4f}"


def _label(path: Path) -> str:
    """A file's stem, or its run's name for a run's ``best/graph.json``."""
    return path.parent.parent.name if path.name == "graph.json" else path.stem


if __name__ == "__main__":
    main()
