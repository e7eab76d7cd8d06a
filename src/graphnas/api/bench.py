"""Search strategies compared on tabular benchmarks: what ``graphnas bench`` runs.

Example:
    >>> out = compare_on_tabular("nasbench201", ["cifar10"], ["random", "evolution"],
    ...                          queries=50, seeds=5, references=["tpe"])  # doctest: +SKIP
    >>> out["cifar10"]["tpe (optuna)"]["valid_regret_mean"]               # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphnas.benchmarks.plot import plot_regret_curves
from graphnas.benchmarks.reference import get_reference, reference_names
from graphnas.benchmarks.registry import benchmark_names, get_benchmark
from graphnas.benchmarks.tabular import compare
from graphnas.strategies import decision_names, multi_objective_names

ALL = "all"  # in a list of data sets or strategies: every one

__all__ = ["ALL", "BenchmarkInfo", "benchmark_info", "benchmark_names", "compare_on_nasbenchgraph",
           "compare_on_tabular", "nasbenchgraph_datasets", "reference_names"]


@dataclass(frozen=True)
class BenchmarkInfo:
    """What the command line says of a registered benchmark."""

    name: str
    title: str
    datasets: tuple[str, ...]  # the first is the default
    unit: str  # of a validation value and so of a regret
    has_test: bool
    has_noise: bool
    costs: tuple[str, ...] = ()  # what --objectives may add to the score


def benchmark_info(name: str) -> BenchmarkInfo:
    b = get_benchmark(name)
    return BenchmarkInfo(b.name, b.title, b.datasets, b.unit, b.has_test, b.has_noise,
                         b.costs)


def nasbenchgraph_datasets() -> tuple[str, ...]:
    """The data sets NAS-Bench-Graph has tables for."""
    return get_benchmark("nasbenchgraph").datasets


def _chosen(asked: Sequence[str], known: Sequence[str], what: str) -> list[str]:
    if ALL in asked:
        return list(known)
    for name in asked:
        if name not in known:
            raise ValueError(f"unknown {what} {name!r}; use one of {', '.join(known)} or {ALL}")
    return list(dict.fromkeys(asked))


def compare_on_tabular(benchmark: str, datasets: Sequence[str] = (ALL,),
                       strategies: Sequence[str] = (ALL,), queries: int = 100,
                       seeds: int = 20, first_seed: int = 0, noisy: bool = False,
                       references: Sequence[str] = (), plot: str | Path | None = None,
                       objectives: Sequence[str] = ("score",), known_costs: bool = False
                       ) -> dict[str, dict[str, dict[str, Any]]]:
    """Run registered strategies, and references beside them, on a tabular benchmark's
    tables (a search sees only the validation value).

    Args:
        benchmark: a registered benchmark (``benchmark_names()``).
        datasets: its data set names, or ``"all"``.
        strategies: registered strategy names, or ``"all"``.
        queries: distinct architectures looked up per run.
        seeds: runs per strategy, seeds ``first_seed`` .. ``first_seed + seeds - 1``, the same
            for every strategy.
        noisy: tell the search one training seed's validation value per query, where the
            tables hold several (regret stays on their mean).
        references: what a user would pick instead, run in the same loop (``"tpe"``: Optuna's
            TPE sampler; needs the ``bench`` extra).
        plot: a .png file for the anytime regret curves.
        objectives: ``("score",)``, or the score and costs the tables hold (``"latency"``,
            ``"params"``): then only strategies and references that search several
            objectives run (``"all"`` picks them), told ``(score, -cost, ...)``, and each row
            has the hypervolume regret too (``hv_regret_mean``, ``hv_regret_std``,
            ``hv_regret_curve``; :mod:`graphnas.benchmarks.fronts`).
        known_costs: with several objectives, strategies that can (``surrogate``) read a
            candidate's tabulated costs before querying it, as a real search counts a
            network's parameters or times it before training; their rows are named
            ``"NAME (costs known)"``.

    Returns:
        data set -> row (a strategy, or a reference's label such as ``"tpe (optuna)"``) ->
        mean and std over seeds of the validation regret and of the incumbent's test value
        (None where the tables have none), the regret curve and the time per query (see
        :func:`graphnas.benchmarks.tabular.summarize`).
    """
    bench = get_benchmark(benchmark)
    objectives = bench.check_objectives(objectives)
    several = len(objectives) > 1
    chosen = _chosen(strategies, decision_names(), "strategy")
    if several and ALL in strategies:
        chosen = [n for n in chosen if n in multi_objective_names()]
    refs = list(dict.fromkeys(references))
    for name in refs:
        get_reference(name).check()  # before any run: a missing extra is one line at once
    sets = list(bench.datasets) if ALL in datasets else \
        [bench.check_dataset(d) for d in dict.fromkeys(datasets)]
    if queries < 1 or seeds < 1:
        raise ValueError(f"queries and seeds must be at least 1, got {queries} and {seeds}")
    bench.check_noisy(noisy)
    if known_costs and not several:
        raise ValueError("known costs need several objectives, e.g. score,latency")
    results = {d: compare(bench, d, [*chosen, *refs], queries, seeds, first_seed, noisy,
                          objectives=objectives, known_costs=known_costs) for d in sets}
    if plot is not None:
        noise = ", noisy" if noisy else ""
        what = f" ({', '.join(objectives)})" if several else ""
        plot_regret_curves(results, plot,
                           f"{bench.title}{what}, {queries} queries, {seeds} seeds{noise}",
                           curve="hv_regret_curve" if several else "regret_curve")
    return results


def compare_on_nasbenchgraph(datasets: Sequence[str] = ("cora",),
                             strategies: Sequence[str] = (ALL,), queries: int = 100,
                             seeds: int = 20, first_seed: int = 0,
                             plot: str | Path | None = None
                             ) -> dict[str, dict[str, dict[str, Any]]]:
    """:func:`compare_on_tabular` on NAS-Bench-Graph."""
    return compare_on_tabular("nasbenchgraph", datasets, strategies, queries, seeds, first_seed,
                              plot=plot)
