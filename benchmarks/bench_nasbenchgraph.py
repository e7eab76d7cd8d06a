"""B4: every strategy against random search on NAS-Bench-Graph's cora, citeseer and pubmed.

Run:  .venv/bin/python benchmarks/bench_nasbenchgraph.py [--queries 100] [--seeds 20]
          [--strategies random surrogate]

The same comparison as ``graphnas bench nasbenchgraph --dataset D --strategy all`` for the three
data sets, printed as one Markdown table: mean +- std over the seeds of the validation regret,
its ratio to random search's, the test accuracy of the best-by-validation architecture found and
the strategy's own time per query.
"""

from __future__ import annotations

import argparse

from graphnas.benchmarks.nasbenchgraph import compare_strategies
from graphnas.strategies import strategy_names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["cora", "citeseer", "pubmed"])
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--strategies", nargs="+", default=None,
                    help="strategies to run (default: every registered one); random is "
                         "always run, as the reference")
    args = ap.parse_args()
    print("| data set | strategy | valid regret | x random | test accuracy | ms per query |")
    print("| --- | --- | --- | --- | --- | --- |")
    for dataset in args.datasets:
        names = ["random", *[n for n in args.strategies or strategy_names() if n != "random"]]
        rows = compare_strategies(dataset, names, args.queries, args.seeds)
        ref = rows["random"]["valid_regret_mean"]
        for name, r in rows.items():
            print(f"| {dataset} | {name} | {r['valid_regret_mean']:.4f} +- "
                  f"{r['valid_regret_std']:.4f} | {r['valid_regret_mean'] / ref:.2f} | "
                  f"{r['test_mean']:.4f} +- {r['test_std']:.4f} | "
                  f"{r['strategy_ms_per_query']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
