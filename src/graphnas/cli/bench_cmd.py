"""``graphnas bench nasbenchgraph``: strategies compared on NAS-Bench-Graph's tables."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .app import UsageError, app

bench_app = typer.Typer(help="Compare search strategies on tabular benchmarks.",
                        no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("nasbenchgraph")
def nasbenchgraph(
    dataset: list[str] = typer.Option(["cora"], "--dataset", help="cora, citeseer, pubmed, "
                                      "cs, physics, photo, computers, arxiv or proteins; "
                                      "repeat for several (or 'all')."),
    strategy: list[str] = typer.Option(["all"], "--strategy",
                                       help="A registered strategy; repeat for several, or "
                                       "'all' (default)."),
    queries: int = typer.Option(100, "--queries", help="Distinct architectures looked up "
                                "per run."),
    seeds: int = typer.Option(20, "--seeds", help="Runs per strategy (seeds 0..K-1, the "
                              "same for every strategy)."),
    first_seed: int = typer.Option(0, "--first-seed", help="Seed of the first run."),
    plot: Path = typer.Option(None, "--plot", help="Write the anytime regret curves (.png)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Search NAS-Bench-Graph's tables (the search sees only valid_perf) and report, per
    strategy, the validation regret and the test accuracy of the best-by-validation
    architecture (mean and std over seeds)."""
    from graphnas.benchmarks.nasbenchgraph import DATASETS, check_dataset, compare_strategies
    from graphnas.strategies import strategy_names

    names = strategy_names()
    chosen = names if "all" in strategy else list(dict.fromkeys(strategy))
    for s in chosen:
        if s not in names:
            raise UsageError(f"--strategy: unknown strategy {s!r}; use one of "
                             f"{', '.join(names)} or all")
    datasets = list(DATASETS) if "all" in dataset else list(dict.fromkeys(dataset))
    for d in datasets:
        check_dataset(d)
    if queries < 1 or seeds < 1:
        raise UsageError("--queries and --seeds must be at least 1")
    results = {d: compare_strategies(d, chosen, queries, seeds, first_seed) for d in datasets}
    if plot is not None:
        from graphnas.benchmarks.plot import plot_regret_curves

        plot_regret_curves(results, plot, f"NAS-Bench-Graph, {queries} queries, "
                           f"{seeds} seeds")
    if as_json:
        out = results[datasets[0]] if len(datasets) == 1 else results
        typer.echo(json.dumps(out))
        return
    for d, by_strategy in results.items():
        base = by_strategy.get("random", {}).get("valid_regret_mean")
        typer.echo(f"NAS-Bench-Graph {d}: {queries} queries, {seeds} seeds")
        typer.echo(f"  {'strategy':<12} {'valid regret':>18} {'x random':>9} "
                   f"{'test acc':>17} {'ms/query':>9}")
        for name, r in by_strategy.items():
            ratio = f"{r['valid_regret_mean'] / base:.2f}" if base else "-"
            typer.echo(f"  {name:<12} {r['valid_regret_mean']:.4f} +- "
                       f"{r['valid_regret_std']:.4f} {ratio:>9} {r['test_mean']:.4f} +- "
                       f"{r['test_std']:.4f} {r['strategy_ms_per_query']:>9.2f}")
    if plot is not None:
        typer.echo(f"curves: {plot}")
