"""``graphnas show RUN``: the top trials and the best graph of a run."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from graphnas.api.runs import EXACT, load_run

from .app import app


@app.command()
def show(
    run: Path = typer.Argument(..., help="A run directory."),
    top: int = typer.Option(10, "--top", help="How many trials to list."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """List a run's best trials (and, with several objectives, its Pareto front; with
    inherited weights, each trial's parent; with NEAT, its species) and print its best
    graph."""
    r = load_run(run)
    if as_json:
        typer.echo(json.dumps(r.to_dict(top)))
        return
    table = Table(title=f"{run}: {r.trials} trials, top {min(top, len(r.ranked))}")
    rungs = any("rungs" in t.metrics for t in r.ranked[:top])  # a multi-fidelity search
    heirs = r.inheritance is not None  # a search with inherited weights
    for col in ("id", "phase", "score", "params", "seconds", "hash",
                *(["rungs (steps)"] if rungs else []), *(["weights from"] if heirs else [])):
        table.add_column(col)
    for t in r.ranked[:top]:
        table.add_row(str(t.id), t.phase, f"{t.score:.4f}", str(t.params),
                      f"{t.seconds or 0:.1f}", t.hash[:12],
                      *([" > ".join(str(x[0]) for x in t.metrics.get("rungs", ()))]
                        if rungs else []), *([_parent(r, t)] if heirs else []))
    console = Console()
    console.print(table)
    if heirs:
        h = r.inheritance
        console.print(f"inherited weights: {h['inherited']} of {h['trained']} trained trials "
                      f"started from a parent's weights, {h['exact']} of them as exactly its "
                      "function", markup=False)
    if r.species:
        species = Table(title=f"{len(r.species)} species")
        for col in ("species", "members", "best score", "improved at result"):
            species.add_column(col)
        for sp in r.species:
            species.add_row(str(sp["id"]), str(sp["members"]),
                            "-" if sp["best"] is None else f"{sp['best']:.4f}",
                            str(sp["improved"]))
        console.print(species)
    if len(r.objectives) > 1:
        front = Table(title=f"Pareto front of {', '.join(r.objectives)}: {len(r.pareto)} "
                      f"trials (score higher, {', '.join(r.objectives[1:])} lower)")
        for col in ("id", *r.objectives, "hash"):
            front.add_column(col)
        for m in r.pareto:
            front.add_row(str(m["trial"]), *(_value(m[n]) for n in r.objectives),
                          m["hash"][:12])
        console.print(front)
    if r.best_graph is not None:
        console.print(r.best_graph, markup=False)
    if r.final:
        console.print(f"final: test {r.final['metric']} {r.final['test_metric']:.4f}, "
                      f"baselines {r.final['baselines']}", markup=False)
        for name in r.final.get("beaten_by") or []:
            console.print(f"note: baseline {name} beats the found network "
                          f"({r.final['baselines'][name]:.4f})", markup=False)


def _parent(run, trial) -> str:
    """Where a trial's first weights came from: its parent trial, and ``=`` where it started
    as exactly the parent's function."""
    info = trial.metrics.get("inherited")
    if info is None:
        return "-"
    exact = "=" if info.get("difference", 1.0) < EXACT else ""
    return f"{run.parents.get(trial.id, '?')}{exact}"


def _value(v: float | int) -> str:
    return str(v) if isinstance(v, int) else f"{v:.4g}"
