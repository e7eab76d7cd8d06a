"""``graphnas show RUN``: the top trials and the best graph of a run."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from graphnas.graph import from_json, summary
from graphnas.store import TrialState

from .app import UsageError, app


def open_run(run: Path):
    import sqlite3

    from graphnas.store.run_store import _record

    if not (run / "trials.sqlite").exists() or not (run / "config.json").exists():
        raise UsageError(f"{run}: not a run directory (no trials.sqlite / config.json)")
    db = sqlite3.connect(f"file:{run / 'trials.sqlite'}?mode=ro", uri=True)
    try:
        return [_record(r) for r in db.execute("SELECT * FROM trials ORDER BY id")]
    finally:
        db.close()


@app.command()
def show(
    run: Path = typer.Argument(..., help="A run directory."),
    top: int = typer.Option(10, "--top", help="How many trials to list."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """List a run's best trials and print its best graph."""
    trials = open_run(run)
    done = sorted((t for t in trials if t.state == TrialState.COMPLETE and t.score is not None
                   and t.phase != "supergraph"), key=lambda t: -t.score)
    result = run / "result.json"
    final = json.loads(result.read_text()) if result.exists() else None
    if as_json:
        typer.echo(json.dumps({"trials": len(trials), "complete": len(done), "final": final,
                               "top": [{"id": t.id, "phase": t.phase, "score": t.score,
                                        "params": t.params, "hash": t.hash} for t in done[:top]]}))
        return
    table = Table(title=f"{run}: {len(trials)} trials, top {min(top, len(done))}")
    for col in ("id", "phase", "score", "params", "seconds", "hash"):
        table.add_column(col)
    for t in done[:top]:
        table.add_row(str(t.id), t.phase, f"{t.score:.4f}", str(t.params),
                      f"{t.seconds or 0:.1f}", t.hash[:12])
    console = Console()
    console.print(table)
    if done:
        console.print(summary(from_json(done[0].arch_json)), markup=False)
    if final:
        console.print(f"final: test {final['metric']} {final['test_metric']:.4f}, "
                      f"baselines {final['baselines']}", markup=False)
