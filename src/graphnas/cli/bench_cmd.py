"""``graphnas bench nasbenchgraph``: strategies compared on NAS-Bench-Graph's tables."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from graphnas.api.bench import compare_on_nasbenchgraph

from .app import app

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
    results = compare_on_nasbenchgraph(dataset, strategy, queries, seeds, first_seed, plot)
    if as_json:
        out = next(iter(results.values())) if len(results) == 1 else results
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
