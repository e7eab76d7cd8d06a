"""Variants of a strategy's options on a benchmark's tuning sets, against its defaults, at the
same seeds: how a default is chosen (and the record of what was tried).

Run:  .venv/bin/python benchmarks/tune_surrogate.py [--benchmark nasbenchgraph]
          [--datasets cora citeseer pubmed] [--objectives score,latency] [--strategy surrogate]
          [--queries 100] [--seeds 20] [--no-default] [--known-costs]
          --variant NAME KEY=VALUE [KEY=VALUE ...] [--variant ...]

Each variant runs ``--strategy`` with its options (values read as JSON where they parse, else
as strings) beside the defaults (the row ``default``) on every data set, seeds 0..SEEDS-1, as
``graphnas bench`` does. One Markdown table: per data set and variant, the mean +- std over the
seeds of the hypervolume regret (several objectives) or the validation regret (one), its ratio
to the defaults' and the strategy's time per query; then each variant's mean ratio over the data
sets. Only the data sets a benchmark names for tuning belong here (NAS-Bench-Graph's cora,
citeseer and pubmed): the other sets check the chosen default, in the target's own script.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from graphnas.benchmarks.registry import get_benchmark
from graphnas.benchmarks.tabular import compare
from graphnas.methods.types import parse_assignments


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmark", default="nasbenchgraph")
    ap.add_argument("--datasets", nargs="+", default=["cora", "citeseer", "pubmed"])
    ap.add_argument("--objectives", default="score,latency")
    ap.add_argument("--strategy", default="surrogate")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--no-default", action="store_true",
                    help="leave the defaults' row out (the first variant is then the base)")
    ap.add_argument("--known-costs", action="store_true",
                    help="let the strategy read a candidate's tabulated costs before querying")
    ap.add_argument("--variant", nargs="+", action="append", default=[],
                    metavar="NAME KEY=VALUE", help="a name, then the strategy's options")
    args = ap.parse_args()
    bench = get_benchmark(args.benchmark)
    objectives = tuple(args.objectives.split(","))
    key = "hv_regret_mean" if len(objectives) > 1 else "valid_regret_mean"
    variants = {} if args.no_default else {"default": {}}
    variants.update({v[0]: parse_assignments(v[1:], "--variant") for v in args.variant})
    print(f"{bench.title}, {args.strategy}, objectives {', '.join(objectives)}"
          f"{' (costs known)' if args.known_costs else ''}: "
          f"{args.queries} queries, seeds 0-{args.seeds - 1}\n")
    print("| data set | variant | options | regret | x default | ms per query |")
    print("| --- | --- | --- | --- | --- | --- |", flush=True)
    ratios: dict[str, list[float]] = {name: [] for name in variants}
    for dataset in args.datasets:
        base = None
        for name, options in variants.items():
            t0 = time.perf_counter()
            r = compare(bench, dataset, [args.strategy], args.queries, args.seeds,
                        configs={args.strategy: options}, objectives=objectives,
                        known_costs=args.known_costs)
            r = next(iter(r.values()))
            base = r[key] if base is None else base
            ratio = r[key] / base if base else float("nan")
            ratios[name].append(ratio)
            std = r[key.replace("mean", "std")]
            print(f"| {dataset} | {name} | {json.dumps(options) if options else '-'} | "
                  f"{r[key]:.4f} +- {std:.4f} | {ratio:.2f} | "
                  f"{r['strategy_ms_per_query']:.1f} |  <!-- {time.perf_counter() - t0:.0f} s "
                  f"-->", flush=True)
    print("\n| variant | mean x default |\n| --- | --- |")
    for name, rs in ratios.items():
        print(f"| {name} | {statistics.mean(rs):.2f} |")


if __name__ == "__main__":
    main()
