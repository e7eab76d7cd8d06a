"""Search strategies compared on tabular benchmarks: what ``graphnas bench`` runs.

Example:
    >>> out = compare_on_nasbenchgraph(["cora"], ["random", "evolution"], queries=50,
    ...                                seeds=5)                          # doctest: +SKIP
    >>> out["cora"]["evolution"]["valid_regret_mean"]                    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graphnas.benchmarks.nasbenchgraph import DATASETS, check_dataset, compare_strategies
from graphnas.benchmarks.plot import plot_regret_curves
from graphnas.strategies import strategy_names

ALL = "all"  # in a list of data sets or strategies: every one


def nasbenchgraph_datasets() -> tuple[str, ...]:
    """The data sets NAS-Bench-Graph has tables for."""
    return DATASETS


def _chosen(asked: Sequence[str], known: Sequence[str], what: str) -> list[str]:
    if ALL in asked:
        return list(known)
    for name in asked:
        if name not in known:
            raise ValueError(f"unknown {what} {name!r}; use one of {', '.join(known)} or {ALL}")
    return list(dict.fromkeys(asked))


def compare_on_nasbenchgraph(datasets: Sequence[str] = ("cora",),
                             strategies: Sequence[str] = (ALL,), queries: int = 100,
                             seeds: int = 20, first_seed: int = 0,
                             plot: str | Path | None = None
                             ) -> dict[str, dict[str, dict[str, Any]]]:
    """Run registered strategies on NAS-Bench-Graph's tables (a search sees only valid_perf).

    Args:
        datasets: data set names, or ``"all"``.
        strategies: registered strategy names, or ``"all"``.
        queries: distinct architectures looked up per run.
        seeds: runs per strategy, seeds ``first_seed`` .. ``first_seed + seeds - 1``, the same
            for every strategy.
        plot: a .png file for the anytime regret curves.

    Returns:
        data set -> strategy -> mean and std over seeds of the validation regret and of the
        best-by-validation architecture's test accuracy, the regret curve and the strategy's
        own time per query (see :func:`graphnas.benchmarks.tabular.summarize`).
    """
    chosen = _chosen(strategies, strategy_names(), "strategy")
    if ALL in datasets:
        sets = list(DATASETS)
    else:
        sets = [check_dataset(d) for d in dict.fromkeys(datasets)]
    if queries < 1 or seeds < 1:
        raise ValueError(f"queries and seeds must be at least 1, got {queries} and {seeds}")
    results = {d: compare_strategies(d, chosen, queries, seeds, first_seed) for d in sets}
    if plot is not None:
        plot_regret_curves(results, plot, f"NAS-Bench-Graph, {queries} queries, {seeds} seeds")
    return results
