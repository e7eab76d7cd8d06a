"""B13: multi-objective search on the tabular benchmarks, against random search and pymoo's
NSGA-II.

Run:  .venv/bin/python benchmarks/bench_multiobjective.py [--queries 100] [--seeds 20]
          [--benchmarks nasbenchgraph nasbench201] [--datasets cora cifar10 ...]
          [--json-out FILE]

NAS-Bench-Graph: validation accuracy against latency; NAS-Bench-201: validation accuracy
against model size (the issue's pairs). Every graphnas strategy that searches several
objectives, Optuna's multi-objective TPE and pymoo's NSGA-II run in the same loop on the same
encoding and seeds, as ``graphnas bench NAME --objectives score,COST --strategy all
--reference tpe --reference nsga2`` does. One Markdown table per benchmark, a row per data set
and searcher: mean +- std over the seeds of the hypervolume regret (normalised objectives,
reference point -0.1; :mod:`graphnas.benchmarks.fronts`), its ratio to random search's and to
NSGA-II's, and the searcher's own time per query. The target holds on a data set when the best
graphnas strategy's ratio to random is at most 0.5 and its regret at most NSGA-II's.
"""

from __future__ import annotations

import argparse
import json
import time

from graphnas.api.bench import compare_on_tabular
from graphnas.benchmarks.registry import benchmark_names, get_benchmark
from graphnas.strategies import multi_objective_names

COST = {"nasbenchgraph": "latency", "nasbench201": "params"}
NSGA2, TPE = "nsga2 (pymoo)", "tpe (optuna)"


def _row(dataset: str, name: str, r: dict, rows: dict, best: bool) -> str:
    def ratio(other: str) -> str:
        base = rows[other]["hv_regret_mean"]
        return f"{r['hv_regret_mean'] / base:.2f}" if base else "-"

    cells = [dataset, name, f"{r['hv_regret_mean']:.4f} +- {r['hv_regret_std']:.4f}",
             ratio("random"), ratio(NSGA2), f"{r['strategy_ms_per_query']:.1f}"]
    if best:
        cells[1:5] = [f"**{c}**" for c in cells[1:5]]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmarks", nargs="+", default=benchmark_names())
    ap.add_argument("--datasets", nargs="+", default=None)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    names = ["random", *[n for n in multi_objective_names() if n != "random"]]
    everything: dict = {}
    met, tried = 0, 0
    for bench_name in args.benchmarks:
        bench = get_benchmark(bench_name)
        sets = [d for d in bench.datasets if args.datasets is None or d in args.datasets]
        if not sets:
            continue
        objectives = ["score", COST[bench_name]]
        print(f"\n{bench.title}: validation value against {COST[bench_name]}, "
              f"{args.queries} queries, seeds 0-{args.seeds - 1}\n")
        print("| data set | searcher | hypervolume regret | x random | x NSGA-II | ms per query |")
        print("| --- | --- | --- | --- | --- | --- |", flush=True)
        for dataset in sets:
            t0 = time.perf_counter()
            rows = compare_on_tabular(bench_name, [dataset], names, args.queries, args.seeds,
                                      references=["tpe", "nsga2"],
                                      objectives=objectives)[dataset]
            best = min(names, key=lambda n: (rows[n]["hv_regret_mean"], n == "random"))
            for name, r in rows.items():
                print(_row(dataset, name, r, rows, name == best), flush=True)
            b = rows[best]["hv_regret_mean"]
            ok = b <= 0.5 * rows["random"]["hv_regret_mean"] and b <= rows[NSGA2]["hv_regret_mean"]
            met, tried = met + ok, tried + 1
            print(f"<!-- {dataset}: target {'met' if ok else 'missed'}; "
                  f"{time.perf_counter() - t0:.0f} s -->", flush=True)
            everything.setdefault(bench_name, {})[dataset] = rows
            if args.json_out:
                with open(args.json_out, "w") as f:
                    json.dump(everything, f)
    print(f"\ntarget met on {met} of {tried} data sets")


if __name__ == "__main__":
    main()
