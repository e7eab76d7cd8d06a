"""``report.html``: one self-contained page (inline SVG, no scripts, no external files)."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphnas.graph import DrawingError, Graph, summary, to_svg

from . import plots


@dataclass(frozen=True)
class TrialRow:
    """One trial as the report shows it."""

    id: int
    state: str  # complete | failed | running | lost | skipped
    score: float | None
    params: int | None
    seconds: float  # since the run started, at the trial's end
    phase: str = "search"
    graph: Graph | None = None
    hash: str = ""
    error: str = ""
    values: tuple[float, ...] | None = None  # each objective's value (several objectives)
    rungs: tuple[tuple[int, float | None], ...] = ()  # multi-fidelity: (steps, score) per rung
    parent: int | None = None  # inherited weights: the trial they came from
    exact: bool = False  # ... and it started as exactly that trial's function


@dataclass(frozen=True)
class RunReport:
    """Everything a report shows; built from a run directory by the caller."""

    name: str
    metric: str  # e.g. "accuracy" or "-mse" (higher is better)
    trials: Sequence[TrialRow]
    settings: dict[str, Any] = field(default_factory=dict)
    phases: Sequence[tuple[str, float, float, str]] = ()  # (name, start s, end s, note)
    final_graph: Graph | None = None
    final_scores: dict[str, Any] = field(default_factory=dict)  # valid/test metric, params...
    baselines: dict[str, float] = field(default_factory=dict)  # name -> test metric
    test_metric_name: str = ""
    classical: dict[str, dict[str, Any]] = field(default_factory=dict)  # of baselines: name ->
    # setting (chosen on validation), valid_metric, rows, seconds
    beaten_by: Sequence[str] = ()  # baselines with a better test metric than the found graph
    rounds: Sequence[dict[str, Any]] = ()  # a progressive strategy's rounds, where it keeps
    # them in its state (PNAS: size, quota, asked, told, spearman, n)
    objectives: Sequence[str] = ()  # with several: their names, score first
    front: Sequence[int] = ()  # the trials on their Pareto front
    inheritance: dict[str, int] | None = None  # inherited weights: trained, inherited, exact
    species: Sequence[dict[str, Any]] = ()  # NEAT: id, members, best, improved


_CSS = """
body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:24px auto;color:#111;
padding:0 16px} h1{font-size:24px} h2{font-size:18px;border-bottom:1px solid #ddd;
padding-bottom:4px;margin-top:32px} table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ddd;padding:4px 8px;text-align:left} th{background:#f3f4f6}
.grid{display:flex;flex-wrap:wrap;gap:16px} .card{border:1px solid #e5e7eb;border-radius:6px;
padding:8px;max-width:520px}
.card svg{max-width:500px;max-height:560px;width:auto;height:auto} pre{font-size:12px;
background:#f9fafb;padding:8px;overflow-x:auto} .kpi{font-size:20px;font-weight:bold}
.failed{color:#b91c1c}
"""


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if v is None:
        return "-"
    return str(v)


def _drawing(g: Graph) -> str:
    try:
        svg = to_svg(g)
        return svg[svg.index("<svg"):]
    except (DrawingError, ValueError):
        return f"<pre>{html.escape(summary(g))}</pre>"


def _against_baselines(r: RunReport, test: float) -> str:
    """The found graph's test metric beside the baselines', a note for each that beats it,
    and the classical models' settings."""
    kinds = [k for k, there in (("hand-designed", len(r.baselines) > len(r.classical)),
                                ("classical", bool(r.classical))) if there]
    metric = r.test_metric_name or r.metric
    out = (f"<h2>Final architecture against {' and '.join(kinds)} baselines</h2>"
           + "".join(f"<p class='failed'>note: {html.escape(n)} beats the found network "
                     f"({_fmt(r.baselines[n])} vs {_fmt(test)} test {html.escape(metric)})</p>"
                     for n in r.beaten_by)
           + plots.against_baselines(test, r.baselines, metric, set(r.classical)))
    if r.classical:
        out += "<p>Classical models: each setting fitted on the training split and chosen " \
               "on validation, then fitted on the final retraining's data.</p>" + _table(
            [(n, json.dumps(d.get("setting")), d.get("valid_metric"), r.baselines[n],
              d.get("rows"), d.get("seconds")) for n, d in r.classical.items()],
            ["model", "setting", f"validation {metric}", f"test {metric}", "rows", "seconds"])
    return out


def _rounds(rounds: Sequence[dict[str, Any]]) -> str:
    """The progressive search's rounds and its predictor's rank correlation."""
    return ("<h2>Rounds of the progressive search</h2><p>Spearman rank correlation between "
            "the predictor's scores and the validation scores of each round's trained "
            "candidates, before the predictor was refitted to them.</p>"
            + plots.spearman_by_round(rounds) + _table(
                [(i + 1, x.get("size"), x.get("told"), x.get("n"), x.get("probes", 0),
                  x.get("spearman"), x.get("spearman_ranked", x.get("spearman")))
                 for i, x in enumerate(rounds)],
                ["round", "size (blocks)", "told", "ranked and scored", "of them drawn at random",
                 "Spearman", "Spearman, best-ranked only"]))


def _front(r: RunReport) -> str:
    """The Pareto front of several objectives: the score against the second objective, a
    table of the members (with their graph files in ``pareto/``) and each one's drawing."""
    points = [(t.id, t.values[0], t.values[1]) for t in r.trials if t.values is not None]
    members = sorted((t for t in r.trials if t.id in set(r.front)),
                     key=lambda t: (-(t.score or 0.0), t.id))
    head = "".join(f"<th>{html.escape(n)}</th>" for n in r.objectives)
    rows = "".join(
        f"<tr><td><a href='#front-{t.id}'>{t.id}</a></td>"
        + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in t.values or ())
        + f"<td><a href='pareto/{t.id}.json'>graph</a> <a href='pareto/{t.id}.svg'>drawing"
          f"</a></td></tr>" for t in members)
    cards = "".join(
        f"<div class='card' id='front-{t.id}'><b>trial {t.id}</b>: "
        + ", ".join(f"{html.escape(n)} {_fmt(v)}" for n, v in zip(r.objectives, t.values or ()))
        + (_drawing(t.graph) if t.graph is not None else "") + "</div>" for t in members)
    return (f"<h2>Pareto front ({html.escape(', '.join(r.objectives))})</h2><p>"
            f"{len(members)} trials no other trial beats on every objective (score higher, "
            f"{html.escape(', '.join(r.objectives[1:]))} lower); their graphs are in pareto/."
            "</p>" + plots.objective_front(points, set(r.front), r.metric, r.objectives[1])
            + f"<table><tr><th>trial</th>{head}<th>files</th></tr>{rows}</table>"
            + f"<div class='grid'>{cards}</div>")


def _lineage(r: RunReport) -> str:
    """Inherited weights (how many trials started from a parent's) and NEAT's species."""
    out = "<h2>Inherited weights and species</h2>"
    if r.inheritance:
        h = r.inheritance
        out += (f"<p>{h['inherited']} of {h['trained']} trained trials started from their "
                f"parent's trained weights, {h['exact']} of them as exactly the parent's "
                "function (a network morphism); the Trials table names each one's parent "
                "(= where exact).</p>")
    if r.species:
        out += _table([(s["id"], s["members"], s["best"], s["improved"]) for s in r.species],
                      ["species", "members", f"best {r.metric}", "improved at result"])
    return out


def _parent(t: TrialRow) -> str:
    return "" if t.parent is None else f"{t.parent}{'=' if t.exact else ''}"


def render_html(r: RunReport) -> str:
    """The report page as a string."""
    points = [plots.Point(t.seconds, t.score if t.state == "complete" else None, t.params,
                          t.phase) for t in r.trials]
    done = [t for t in r.trials if t.state == "complete" and t.score is not None]
    failed = [t for t in r.trials if t.state == "failed"]
    skipped = [t for t in r.trials if t.state == "skipped"]
    top = sorted(done, key=lambda t: -t.score)[:4]
    parts = [f"<h1>graphnas run: {html.escape(r.name)}</h1>"]
    best = max((t.score for t in done), default=None)
    kpis = [("trials", len(r.trials) - len(skipped)), ("complete", len(done)),
            ("failed", len(failed)), (f"best validation {r.metric}", best)]
    if skipped:
        kpis.insert(3, ("skipped (size limits)", len(skipped)))
    kpis += [(k, v) for k, v in r.final_scores.items()]
    parts.append(_table([[_fmt(v) for _, v in kpis]], [k for k, _ in kpis]))

    parts.append("<h2>Best so far against time</h2>" + plots.best_so_far(points, r.metric))
    parts.append("<h2>Score against size (Pareto front)</h2>"
                 + plots.score_vs_params(points, r.metric))
    if any(len(t.rungs) > 1 for t in r.trials):
        promoted = sum(len(t.rungs) - 1 for t in r.trials)
        parts.append("<h2>Score against training steps (multi-fidelity)</h2><p>Every trial's "
                     "validation score at the end of each rung it trained; a line is a "
                     f"promotion to a longer rung ({promoted} in all), a ring a trial that "
                     "reached the top rung.</p>"
                     + plots.score_vs_steps([t.rungs for t in r.trials if t.rungs], r.metric))
    if len(r.objectives) > 1:
        parts.append(_front(r))
    if r.phases:
        parts.append("<h2>Phases of the strategy</h2>" + _table(
            [(n, a / 60, b / 60, note) for n, a, b, note in r.phases],
            ["phase", "start (min)", "end (min)", "what happened"]))
    if any(x.get("spearman") is not None for x in r.rounds):
        parts.append(_rounds(r.rounds))
    if r.inheritance or r.species:
        parts.append(_lineage(r))
    if r.final_graph is not None:
        parts.append("<h2>Final architecture</h2><div class='grid'><div class='card'>"
                     + _drawing(r.final_graph) + "</div><div class='card'><pre>"
                     + html.escape(summary(r.final_graph)) + "</pre></div></div>")
    test = r.final_scores.get("test_metric")
    if r.baselines and isinstance(test, (int, float)):
        parts.append(_against_baselines(r, float(test)))
    if top:
        cards = "".join(
            f"<div class='card'><b>trial {t.id}</b>: {r.metric} {_fmt(t.score)}, "
            f"{_fmt(t.params)} params, phase {html.escape(t.phase)}"
            + (_drawing(t.graph) if t.graph is not None else "") + "</div>" for t in top)
        parts.append(f"<h2>Top architectures</h2><div class='grid'>{cards}</div>")
    heirs = r.inheritance is not None
    parts.append("<h2>Trials</h2>" + _table(
        [(t.id, t.phase, t.state, t.score, t.params, t.seconds, t.hash[:12],
          *([_parent(t)] if heirs else []), t.error[:120])
         for t in sorted(r.trials, key=lambda t: t.id)],
        ["id", "phase", "state", r.metric, "params", "end (s)", "hash",
         *(["weights from"] if heirs else []), "error"]))
    parts.append("<h2>Settings</h2><pre>" + html.escape(json.dumps(r.settings, indent=2,
                                                                  default=str)) + "</pre>")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>graphnas: "
            f"{html.escape(r.name)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>")


def write_report(r: RunReport, path: str | Path) -> Path:
    """Write the page atomically (a crash never leaves half a report)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".html.tmp")
    tmp.write_text(render_html(r), encoding="utf-8")
    os.replace(tmp, p)
    return p
