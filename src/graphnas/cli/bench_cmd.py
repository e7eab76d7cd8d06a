"""``graphnas bench NAME``: strategies compared on a tabular benchmark's tables, one subcommand
per registered benchmark (``graphnas bench nasbenchgraph``, ``graphnas bench nasbench201``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from graphnas.api.bench import (
    BenchmarkInfo,
    benchmark_info,
    benchmark_names,
    compare_on_tabular,
    reference_names,
)

from .app import app

bench_app = typer.Typer(help="Compare search strategies on tabular benchmarks.",
                        no_args_is_help=True)
app.add_typer(bench_app, name="bench")


def _command(info: BenchmarkInfo) -> Callable[..., None]:
    """The subcommand of one benchmark: the same options for every one."""
    default, names = info.datasets[0], ", ".join(info.datasets)
    costs = ", ".join(info.costs) or "none"
    refs = ", ".join(reference_names())

    def command(
        dataset: list[str] = typer.Option([default], "--dataset", help=f"{names}; repeat "
                                          f"for several (or 'all')."),
        strategy: list[str] = typer.Option(["all"], "--strategy",
                                           help="A registered strategy; repeat for several, "
                                           "or 'all' (default)."),
        reference: list[str] = typer.Option([], "--reference", help=f"Also run a reference "
                                            f"in the same loop ({refs}: Optuna's TPE, pymoo's "
                                            f"NSGA-II with several objectives; the bench "
                                            f"extra); repeat for several."),
        queries: int = typer.Option(100, "--queries", help="Distinct architectures looked up "
                                    "per run."),
        seeds: int = typer.Option(20, "--seeds", help="Runs per strategy (seeds 0..K-1, the "
                                  "same for every strategy)."),
        first_seed: int = typer.Option(0, "--first-seed", help="Seed of the first run."),
        noisy: bool = typer.Option(False, "--noisy", help="Tell the search one training "
                                   "seed's value per query (tables with several seeds)."),
        objectives: str = typer.Option("score", "--objectives", help=f"'score', or the "
                                       f"score and costs, comma-separated ({costs}): searches "
                                       f"several objectives and reports hypervolume regret."),
        known_costs: bool = typer.Option(False, "--known-costs", help="With several "
                                         "objectives: strategies that can (surrogate) read a "
                                         "candidate's costs before querying it, as a real "
                                         "search counts or times a network untrained."),
        plot: Path = typer.Option(None, "--plot", help="Write the anytime regret curves "
                                  "(.png)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    ) -> None:
        wanted = [o.strip() for o in objectives.split(",") if o.strip()]
        results = compare_on_tabular(info.name, dataset, strategy, queries, seeds, first_seed,
                                     noisy, reference, plot, wanted, known_costs)
        if as_json:
            out = next(iter(results.values())) if len(results) == 1 else results
            typer.echo(json.dumps(out))
            return
        what = f"{queries} queries, {seeds} seeds{', noisy' if noisy else ''}"
        for d, rows in results.items():
            if len(wanted) > 1:
                _hv_table(info, d, rows, f"{', '.join(wanted)}; {what}")
            else:
                _table(info, d, rows, what)
        if plot is not None:
            typer.echo(f"curves: {plot}")

    test = "and the test accuracy of the best-by-validation architecture" if info.has_test \
        else "(the tables hold no test accuracy)"
    command.__doc__ = (f"Search {info.title}'s tables (the search sees only the validation "
                       f"value, {info.unit}) and report, per strategy, the validation regret "
                       f"{test}, mean and std over seeds.")
    return command


def _table(info: BenchmarkInfo, dataset: str, rows: dict[str, dict[str, Any]],
           what: str) -> None:
    base = rows.get("random", {}).get("valid_regret_mean")
    typer.echo(f"{info.title} {dataset}: {what}")
    typer.echo(f"  {'strategy':<14} {'valid regret':>18} {'x random':>9} "
               f"{'test':>17} {'ms/query':>9}")
    for name, r in rows.items():
        ratio = f"{r['valid_regret_mean'] / base:.2f}" if base else "-"
        test = "-" if r["test_mean"] is None else f"{r['test_mean']:.4f} +- {r['test_std']:.4f}"
        typer.echo(f"  {name:<14} {r['valid_regret_mean']:.4f} +- "
                   f"{r['valid_regret_std']:.4f} {ratio:>9} {test:>17} "
                   f"{r['strategy_ms_per_query']:>9.2f}")


def _hv_table(info: BenchmarkInfo, dataset: str, rows: dict[str, dict[str, Any]],
              what: str) -> None:
    base = rows.get("random", {}).get("hv_regret_mean")
    typer.echo(f"{info.title} {dataset}: {what}")
    typer.echo(f"  {'strategy':<14} {'hypervolume regret':>18} {'x random':>9} {'ms/query':>9}")
    for name, r in rows.items():
        ratio = f"{r['hv_regret_mean'] / base:.2f}" if base else "-"
        typer.echo(f"  {name:<14} {r['hv_regret_mean']:.4f} +- {r['hv_regret_std']:.4f} "
                   f"{ratio:>9} {r['strategy_ms_per_query']:>9.2f}")


for _name in benchmark_names():
    _cmd = _command(benchmark_info(_name))
    bench_app.command(_name, help=_cmd.__doc__)(_cmd)
