"""Where a multi-objective search falls short of a NAS-Bench-Graph table's true front (B13).

Run:  .venv/bin/python benchmarks/front_gaps.py [--dataset physics] [--strategy surrogate]
          [--seeds 6] [--option KEY=VALUE ...]

Per seed, accuracy against latency, 100 queries: the hypervolume regret of the front found; how
much of it adding the table's most accurate architecture would remove, and how much adding its
cheapest front member would; the best normalised accuracy found, and the best among candidates
within 1% of the table's lowest latency (normalised latency >= 0.99). Then the means.
"""

from __future__ import annotations

import argparse

import numpy as np

from graphnas.benchmarks.fronts import maximized, true_front
from graphnas.benchmarks.registry import get_benchmark
from graphnas.benchmarks.tabular import run_tabular
from graphnas.methods.types import parse_assignments


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="physics")
    ap.add_argument("--strategy", default="surrogate")
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--option", nargs="*", default=[], help="strategy options, KEY=VALUE")
    args = ap.parse_args()
    bench = get_benchmark("nasbenchgraph")
    front = true_front(bench, args.dataset, ("latency",))
    top = front.front[np.argmax(front.front[:, 0])]
    cheapest = front.front[np.argmax(front.front[:, 1])]
    rows = []
    print("| seed | regret | removed by the top | removed by the cheapest | best accuracy "
          "| best accuracy, cheapest 1% |\n| --- | --- | --- | --- | --- | --- |")
    for seed in range(args.seeds):
        trace = run_tabular(bench.space(args.dataset), bench.evaluator(args.dataset, False, seed),
                            args.strategy, seed, 100, objectives=("score", "latency"),
                            config=parse_assignments(args.option, "--option"))
        found = np.array([maximized(v, c) for v, c in zip(trace.valids, trace.costs)
                          if v is not None and c is not None])
        regret = front.regret(found)
        norm = front.normalize(found)
        cheap = norm[norm[:, 1] >= 0.99, 0]
        row = (regret, regret - front.regret(np.vstack([found, top])),
               regret - front.regret(np.vstack([found, cheapest])), norm[:, 0].max(),
               cheap.max() if cheap.size else float("nan"))
        rows.append(row)
        print(f"| {seed} | " + " | ".join(f"{x:.4f}" for x in row) + " |", flush=True)
    print("| mean | " + " | ".join(f"{x:.4f}" for x in np.nanmean(rows, axis=0)) + " |")


if __name__ == "__main__":
    main()
