"""``graphnas search`` and ``graphnas resume``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from graphnas.api import SearchSettings, load_settings, parse_duration
from graphnas.api import search as run_search
from graphnas.api.settings import RETRAIN_ON
from graphnas.execution import EXECUTORS
from graphnas.spaces import space_names
from graphnas.strategies import strategy_names

from .app import UsageError, app

STRATEGIES = [*strategy_names(), "differentiable", "hybrid"]


def _check(value: str | None, allowed: list[str], flag: str) -> None:
    if value is not None and value not in allowed:
        raise UsageError(f"{flag}: unknown value {value!r}; use one of {', '.join(allowed)}")


def _finish(settings: SearchSettings, as_json: bool, progress: str) -> None:
    try:
        result = run_search(settings, progress="quiet" if as_json else progress)
    except RuntimeError as err:
        typer.echo(f"graphnas: search failed: {err}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result.summary()))
        return
    base = "  ".join(f"{k} {v:.4f}" for k, v in result.baselines.items())
    valid = "retrained on train+valid" if result.valid_metric is None \
        else f"validation {result.valid_metric:.4f}"
    typer.echo(f"found: test {result.metric} {result.test_metric:.4f} ({valid}), "
               f"{result.params} parameters, {result.trials} trials")
    if base:
        typer.echo(f"hand-designed baselines, same protocol: {base}")
    typer.echo(f"report: {result.run_dir / 'report.html'}\nbest model: {result.run_dir / 'best'}")


@app.command()
def search(
    task: str = typer.Option(None, "--task", help="Built-in task: mnist1d, digits, adding, "
                             "copy, diabetes (default mnist1d)."),
    data: Path = typer.Option(None, "--data", help="A .npz or .csv data file instead."),
    target: str = typer.Option(None, "--target", help="Target column of a .csv file."),
    space: str = typer.Option(None, "--space", help="macro or cell."),
    strategy: str = typer.Option(None, "--strategy", help=f"{', '.join(STRATEGIES)}."),
    trials: int = typer.Option(None, "--trials", help="Stop after this many trials."),
    budget: str = typer.Option(None, "--budget", help="Wall time of the whole run, e.g. 20m."),
    workers: int = typer.Option(None, "--workers", help="Trials in flight at once (default: 1 "
                                "on a CPU, several per GPU)."),
    gpus_per_trial: float = typer.Option(None, "--gpus-per-trial", help="GPU share of one "
                                         "trial, e.g. 0.125 for 8 per GPU; 0 keeps trials on "
                                         "the CPU."),
    precision: str = typer.Option(None, "--precision", help="fp32 or bf16 (autocast)."),
    executor: str = typer.Option(None, "--executor", help="serial, processes or ray."),
    address: str = typer.Option(None, "--address", help="Ray cluster address to join."),
    seed: int = typer.Option(None, "--seed", help="Seed of the whole search."),
    out: Path = typer.Option(None, "--out", help="Run directory (default runs/search)."),
    trial_steps: int = typer.Option(None, "--trial-steps", help="Training steps per trial."),
    stop_at_chance: bool = typer.Option(None, "--stop-at-chance/--no-stop-at-chance",
                                        help="End a trial no better than a constant guess at "
                                        "its first evaluation (default: yes for one class "
                                        "per sample)."),
    retrain_steps: int = typer.Option(None, "--retrain-steps",
                                      help="Training steps of the final retraining."),
    retrain_on: str = typer.Option(None, "--retrain-on", help="Data of the final retraining "
                                   "(and the baselines'): train+valid (default; the last "
                                   "weights are kept) or train (the best-validation ones)."),
    finalists: int = typer.Option(None, "--finalists", help="The best distinct graphs "
                                  "trained again for longer before the retraining (default "
                                  "4; 0: none)."),
    finalist_steps: int = typer.Option(None, "--finalist-steps", help="Their training steps "
                                       "(default 3 x trial steps, as time allows)."),
    finalist_folds: int = typer.Option(None, "--finalist-folds", help="Other validation "
                                       "splits each finalist trains on; ranked by the mean "
                                       "(default 2)."),
    baselines: bool = typer.Option(None, "--baselines/--no-baselines", help="Train the "
                                   "task's hand-designed baselines too (default: yes)."),
    config: Path = typer.Option(None, "--config", help="Settings file (.toml or .yaml); "
                                "flags override it."),
    progress: str = typer.Option("auto", "--progress", help="auto, rich, plain or quiet."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON summary on stdout."),
) -> None:
    """Search an architecture for a task; running the same command again resumes it."""
    _check(strategy, STRATEGIES, "--strategy")
    _check(space, space_names(), "--space")
    _check(executor, list(EXECUTORS), "--executor")
    _check(precision, ["fp32", "bf16"], "--precision")
    _check(retrain_on, list(RETRAIN_ON), "--retrain-on")
    base = load_settings(config) if config else {}
    flags = {"task": task, "data": str(data) if data else None, "target": target,
             "space": space, "strategy": strategy, "trials": trials,
             "budget": parse_duration(budget) if budget else None, "workers": workers,
             "gpus_per_trial": gpus_per_trial, "precision": precision,
             "executor": executor, "address": address, "seed": seed,
             "out": str(out) if out else None, "trial_steps": trial_steps,
             "stop_at_chance": stop_at_chance,
             "retrain_steps": retrain_steps, "retrain_on": retrain_on,
             "finalists": finalists,
             "finalist_steps": finalist_steps, "finalist_folds": finalist_folds,
             "baselines": baselines}
    merged = {**base, **{k: v for k, v in flags.items() if v is not None}}
    if trials is not None and budget is None and "budget" not in base:
        merged["budget"] = None
    settings = SearchSettings.from_dict(merged, str(config) if config else "flags").validate()
    _finish(settings, as_json, progress)


@app.command()
def resume(
    run: Path = typer.Argument(..., help="A run directory."),
    progress: str = typer.Option("auto", "--progress", help="auto, rich, plain or quiet."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON summary on stdout."),
) -> None:
    """Resume a search from its run directory, with the settings it was started with."""
    path = run / "config.json"
    if not path.exists():
        raise UsageError(f"{run}: not a run directory (no config.json)")
    saved = json.loads(path.read_text())["settings"]
    saved["out"] = str(run)
    _finish(SearchSettings.from_dict(saved, str(path)).validate(), as_json, progress)
