"""PPO against REINFORCE: the same controller, trained by either, on the tabular benchmarks.

Run:  .venv/bin/python benchmarks/bench_ppo.py [--benchmarks nasbenchgraph nasbench201]
          [--datasets cora cifar10 ...] [--queries 100] [--seeds 20] [--ppo-epochs 4]
          [--ppo-clip 0.2] [--json-out FILE]

``reinforce`` with its defaults and with ``algorithm=ppo`` (the ``--strategy-option`` a user
gives) on the same seeds, random search beside them as the yardstick; one Markdown table per
benchmark, a row per data set and searcher: mean +- std over the seeds of the validation regret
(points of the tables' validation value), its ratio to random's, the distinct networks looked up
per run (a controller that settles asks for networks it has seen, which cost nothing and do not
count, until 20 x queries asks) and the searcher's own time per query.
"""

from __future__ import annotations

import argparse
import json
import time

from graphnas.benchmarks.registry import benchmark_names, get_benchmark
from graphnas.benchmarks.tabular import Trace, compare


def _counter(distinct: dict[str, list[int]], label: str | None = None):
    """Records each run's distinct look-ups under its row's label."""
    def count(trace: Trace) -> None:
        distinct.setdefault(label or trace.strategy, []).append(len(trace.scores))
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmarks", nargs="+", default=benchmark_names())
    ap.add_argument("--datasets", nargs="+", default=None)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--ppo-epochs", type=int, default=4)
    ap.add_argument("--ppo-clip", type=float, default=0.2)
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    ppo = {"algorithm": "ppo", "ppo_epochs": args.ppo_epochs, "ppo_clip": args.ppo_clip}
    everything: dict = {}
    for bench_name in args.benchmarks:
        bench = get_benchmark(bench_name)
        sets = [d for d in bench.datasets if args.datasets is None or d in args.datasets]
        if not sets:
            continue
        print(f"\n{bench.title}: reinforce and reinforce with {ppo}, {args.queries} queries, "
              f"seeds 0-{args.seeds - 1}\n")
        print("| data set | searcher | valid regret | x random | distinct per run | "
              "ms per query |")
        print("| --- | --- | --- | --- | --- | --- |")
        for dataset in sets:
            t0 = time.time()
            distinct: dict[str, list[int]] = {}
            rows = compare(bench, dataset, ["random", "reinforce"], args.queries, args.seeds,
                           on_run=_counter(distinct))
            ppo_rows = compare(bench, dataset, ["reinforce"], args.queries, args.seeds,
                               configs={"reinforce": ppo},
                               on_run=_counter(distinct, "reinforce (ppo)"))
            rows["reinforce (ppo)"] = ppo_rows["reinforce"]
            everything.setdefault(bench_name, {})[dataset] = rows
            ref = rows["random"]["valid_regret_mean"]
            for name, r in rows.items():
                ratio = f"{r['valid_regret_mean'] / ref:.2f}" if ref else "-"
                runs = distinct[name]
                print(f"| {dataset} | {name} | {r['valid_regret_mean']:.4f} +- "
                      f"{r['valid_regret_std']:.4f} | {ratio} | "
                      f"{sum(runs) / len(runs):.0f} | {r['strategy_ms_per_query']:.1f} |",
                      flush=True)
            print(f"<!-- {dataset}: {time.time() - t0:.0f} s -->", flush=True)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(everything, f)


if __name__ == "__main__":
    main()
