"""B4 and B4b: every strategy, and Optuna's TPE as the reference, on the tabular benchmarks.

Run:  .venv/bin/python benchmarks/bench_tabular.py [--benchmarks nasbenchgraph nasbench201]
          [--datasets cora cifar10 ...] [--queries 100] [--seeds 20]
          [--strategies random surrogate] [--no-tpe] [--noisy] [--json-out FILE]

The same comparison as ``graphnas bench NAME --dataset all --strategy all --reference tpe``,
printed as one Markdown table per benchmark, a row per data set and strategy: mean +- std over
the seeds of the validation regret, its ratio to random search's, the test value of the
best-by-validation architecture found (where the tables have one) and the strategy's own time
per query. Rows print as each finishes; ``--json-out`` keeps every summary, curves included.
"""

from __future__ import annotations

import argparse
import json
import time

from graphnas.api.bench import compare_on_tabular
from graphnas.benchmarks.registry import benchmark_names, get_benchmark
from graphnas.strategies import strategy_names


def _row(dataset: str, name: str, r: dict, ref: float, best: bool) -> str:
    ratio = f"{r['valid_regret_mean'] / ref:.2f}" if ref else "-"
    test = "-" if r["test_mean"] is None else f"{r['test_mean']:.4f} +- {r['test_std']:.4f}"
    cells = [dataset, name, f"{r['valid_regret_mean']:.4f} +- {r['valid_regret_std']:.4f}",
             ratio, test, f"{r['strategy_ms_per_query']:.1f}"]
    if best:  # the best graphnas strategy of the data set
        cells[1:4] = [f"**{c}**" for c in cells[1:4]]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmarks", nargs="+", default=benchmark_names())
    ap.add_argument("--datasets", nargs="+", default=None,
                    help="data sets to run, of whichever benchmark has them (default: all)")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--strategies", nargs="+", default=None,
                    help="strategies to run (default: every registered one); random is "
                         "always run, as the reference of the ratio")
    ap.add_argument("--no-tpe", action="store_true", help="leave Optuna's TPE out")
    ap.add_argument("--noisy", action="store_true",
                    help="one training seed's value per query (benchmarks that have them)")
    ap.add_argument("--json-out", default=None, help="write every summary to this file")
    args = ap.parse_args()
    names = ["random", *[n for n in args.strategies or strategy_names() if n != "random"]]
    refs = [] if args.no_tpe else ["tpe"]
    everything: dict = {}
    for bench_name in args.benchmarks:
        bench = get_benchmark(bench_name)
        sets = [d for d in bench.datasets if args.datasets is None or d in args.datasets]
        if not sets:
            continue
        print(f"\n{bench.title}: {args.queries} queries, seeds {args.first_seed}-"
              f"{args.first_seed + args.seeds - 1}{', noisy' if args.noisy else ''}; regret "
              f"in {bench.unit}\n")
        print("| data set | strategy | valid regret | x random | test | ms per query |")
        print("| --- | --- | --- | --- | --- | --- |", flush=True)
        for dataset in sets:
            t0 = time.perf_counter()
            rows = compare_on_tabular(bench_name, [dataset], names, args.queries, args.seeds,
                                      args.first_seed, args.noisy, refs)[dataset]
            ref = rows["random"]["valid_regret_mean"]
            best = min(names, key=lambda n: (rows[n]["valid_regret_mean"], n == "random"))
            for name, r in rows.items():
                print(_row(dataset, name, r, ref, name == best), flush=True)
            everything.setdefault(bench_name, {})[dataset] = rows
            print(f"<!-- {dataset}: {time.perf_counter() - t0:.0f} s -->", flush=True)
            if args.json_out:
                with open(args.json_out, "w") as f:
                    json.dump(everything, f)


if __name__ == "__main__":
    main()
