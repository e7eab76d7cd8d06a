"""B13: multi-objective search on the tabular benchmarks, against random search and pymoo's
NSGA-II.

Run:  .venv/bin/python benchmarks/bench_multiobjective.py [--queries 100] [--seeds 20]
          [--benchmarks nasbenchgraph nasbench201] [--datasets cora cifar10 ...]
          [--searchers random known nsga2 ...] [--record FILE] [--json-out FILE]

NAS-Bench-Graph: validation accuracy against latency; NAS-Bench-201: validation accuracy
against model size (the issue's pairs). Every graphnas strategy that searches several
objectives, Optuna's multi-objective TPE and pymoo's NSGA-II run in the same loop on the same
encoding and seeds, as ``graphnas bench NAME --objectives score,COST --strategy all
--reference tpe --reference nsga2`` does. One Markdown table per benchmark, a row per data set
and searcher: mean +- std over the seeds of the hypervolume regret (normalised objectives,
reference point -0.1; :mod:`graphnas.benchmarks.fronts`), its ratio to random search's and to
NSGA-II's, and the searcher's own time per query. The target holds on a data set when the best
graphnas strategy's ratio to random is at most 0.5 and its regret at most NSGA-II's.

"surrogate (costs known)" is the surrogate reading a candidate's tabulated cost before querying
it (``--known-costs``), as a real search counts a network's parameters or times it untrained;
only the score is predicted. Every other row learns the costs from its queries alone. Each
finished row is kept in ``--record`` (``benchmarks/results/b13.json``) and read back instead
of being run again.
"""

from __future__ import annotations

import argparse
import json
import time

from record import RESULTS, Record

from graphnas.api.bench import compare_on_tabular
from graphnas.benchmarks.registry import benchmark_names, get_benchmark
from graphnas.strategies import multi_objective_names

COST = {"nasbenchgraph": "latency", "nasbench201": "params"}
NSGA2, TPE = "nsga2 (pymoo)", "tpe (optuna)"
KNOWN = "surrogate (costs known)"


def _row(dataset: str, name: str, r: dict, rows: dict, best: bool) -> str:
    def ratio(other: str) -> str:
        base = rows[other]["hv_regret_mean"]
        return f"{r['hv_regret_mean'] / base:.2f}" if base else "-"

    cells = [dataset, name, f"{r['hv_regret_mean']:.4f} +- {r['hv_regret_std']:.4f}",
             ratio("random"), ratio(NSGA2), f"{r['strategy_ms_per_query']:.1f}"]
    if best:
        cells[1:5] = [f"**{c}**" for c in cells[1:5]]
    return "| " + " | ".join(cells) + " |"


def _holds(rows: dict, name: str) -> bool:
    """Whether row ``name`` meets B13: at most half random's regret and at most NSGA-II's."""
    b = rows[name]["hv_regret_mean"]
    return b <= 0.5 * rows["random"]["hv_regret_mean"] and b <= rows[NSGA2]["hv_regret_mean"]


def _run(bench_name: str, dataset: str, name: str, queries: int, seeds: int,
         objectives: list[str]) -> dict:
    """One row: a graphnas strategy, a reference (by its label) or the surrogate reading the
    tables' costs before querying (``KNOWN``); its scalar figures only."""
    refs = {TPE: "tpe", NSGA2: "nsga2"}
    strategy = "surrogate" if name == KNOWN else name
    rows = compare_on_tabular(bench_name, [dataset], [] if name in refs else [strategy],
                              queries, seeds, references=[refs[name]] if name in refs else [],
                              objectives=objectives, known_costs=name == KNOWN)[dataset]
    (row,) = rows.values()
    return {k: v for k, v in row.items() if not k.endswith("curve")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmarks", nargs="+", default=benchmark_names())
    ap.add_argument("--datasets", nargs="+", default=None)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--searchers", nargs="+", default=None,
                    help="rows to show (random and NSGA-II always): strategy names, 'tpe', "
                    "'nsga2', 'known' (the surrogate reading costs before querying)")
    ap.add_argument("--record", default=str(RESULTS / "b13.json"),
                    help="finished rows, read back instead of being run again")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    strategies = ["random", *[n for n in multi_objective_names() if n != "random"]]
    alias = {"tpe": TPE, "nsga2": NSGA2, "known": KNOWN}
    every = [*strategies, KNOWN, TPE, NSGA2]
    wanted = every if args.searchers is None else \
        ["random", *[alias.get(n, n) for n in args.searchers if n != "random"]]
    names = [n for n in every if n in wanted] + ([] if NSGA2 in wanted else [NSGA2])
    unknown = set(wanted) - set(every)
    if unknown:
        ap.error(f"unknown searcher(s) {', '.join(sorted(unknown))}; use "
                 f"{', '.join(strategies)}, tpe, nsga2 or known")
    record = Record(args.record)
    everything: dict = {}
    met, met_predicted, tried = 0, 0, 0
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
            rows = {}
            for name in names:
                key = f"{bench_name}-{dataset}-{','.join(objectives)}-q{args.queries}-" \
                      f"s{args.seeds}-{name}"
                if record.get(key) is None:
                    record.put(key, _run(bench_name, dataset, name, args.queries, args.seeds,
                                         objectives))
                rows[name] = record.get(key)
            ours = [n for n in rows if n not in (TPE, NSGA2)]
            best = min(ours, key=lambda n: (rows[n]["hv_regret_mean"], n == "random"))
            for name, r in rows.items():
                print(_row(dataset, name, r, rows, name == best), flush=True)
            ok = _holds(rows, best)
            ok_predicted = any(_holds(rows, n) for n in ours if n != KNOWN)
            met, met_predicted, tried = met + ok, met_predicted + ok_predicted, tried + 1
            print(f"<!-- {dataset}: target {'met' if ok else 'missed'} "
                  f"({'met' if ok_predicted else 'missed'} without known costs); "
                  f"{time.perf_counter() - t0:.0f} s -->", flush=True)
            everything.setdefault(bench_name, {})[dataset] = rows
            if args.json_out:
                with open(args.json_out, "w") as f:
                    json.dump(everything, f)
    print(f"\ntarget met on {met} of {tried} data sets ({met_predicted} without known costs)")


if __name__ == "__main__":
    main()
