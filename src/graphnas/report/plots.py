"""Plots of a run as inline SVG strings (matplotlib, Agg backend, no files)."""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@dataclass(frozen=True)
class Point:
    """One finished trial as the plots see it."""

    seconds: float  # since the run started, at the trial's end
    score: float | None  # higher is better; None when it failed
    params: int | None
    phase: str = "search"


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def best_so_far(points: Sequence[Point], metric: str) -> str:
    """Best score against wall time, with every trial as a dot coloured by its phase."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    done = sorted((p for p in points if p.score is not None), key=lambda p: p.seconds)
    phases = sorted({p.phase for p in done})
    for i, phase in enumerate(phases):
        pts = [p for p in done if p.phase == phase]
        ax.scatter([p.seconds / 60 for p in pts], [p.score for p in pts], s=14, alpha=0.6,
                   color=f"C{i}", label=phase)
    best, xs, ys = None, [], []
    for p in done:
        if best is None or p.score > best:
            best = p.score
        xs.append(p.seconds / 60)
        ys.append(best)
    if xs:
        ax.step(xs, ys, where="post", color="black", lw=1.6, label="best so far")
    ax.set_xlabel("wall time (minutes)")
    ax.set_ylabel(f"validation {metric}")
    ax.grid(alpha=0.3)
    if done:
        ax.legend(fontsize=8, loc="lower right")
    return _svg(fig)


def score_vs_steps(trials: Sequence[Sequence[tuple[int, float | None]]], metric: str) -> str:
    """Multi-fidelity: each trial's score at the end of each rung against its training steps
    (log scale), promotions as lines from rung to rung, the top rung's trials ringed."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    scored = [[(s, v) for s, v in t if v is not None] for t in trials]
    top = max((s for t in scored for s, _ in t), default=None)
    for t in scored:
        if len(t) > 1:
            ax.plot([s for s, _ in t], [v for _, v in t], color="C0", lw=1, alpha=0.5)
    firsts = [t[0] for t in scored if t]
    ax.scatter([s for s, _ in firsts], [v for _, v in firsts], s=14, alpha=0.6, color="0.5",
               label="first rung")
    later = [p for t in scored for p in t[1:]]
    if later:
        ax.scatter([s for s, _ in later], [v for _, v in later], s=18, color="C0", zorder=3,
                   label="promoted")
    ends = [t[-1] for t in scored if len(t) > 1 and t[-1][0] == top]
    if ends:
        ax.scatter([s for s, _ in ends], [v for _, v in ends], s=60, facecolors="none",
                   edgecolors="C3", zorder=4, label="top rung")
    if top:
        ax.set_xscale("log")
    ax.set_xlabel("training steps")
    ax.set_ylabel(f"validation {metric}")
    ax.grid(alpha=0.3)
    if firsts:
        ax.legend(fontsize=8, loc="lower right")
    return _svg(fig)


def pareto_front(points: Sequence[Point]) -> list[Point]:
    """Trials no other trial beats on both score (higher) and parameter count (lower)."""
    pts = sorted((p for p in points if p.score is not None and p.params is not None),
                 key=lambda p: (p.params, -p.score))
    front, best = [], float("-inf")
    for p in pts:
        if p.score > best:
            front.append(p)
            best = p.score
    return front


def score_vs_params(points: Sequence[Point], metric: str) -> str:
    """Score against parameter count (log scale) with the Pareto front drawn."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    pts = [p for p in points if p.score is not None and p.params]
    ax.scatter([p.params for p in pts], [p.score for p in pts], s=14, alpha=0.6, label="trials")
    front = pareto_front(pts)
    if front:
        ax.step([p.params for p in front], [p.score for p in front], where="post", color="C3",
                lw=1.6, label="Pareto front")
        ax.set_xscale("log")
    ax.set_xlabel("parameters")
    ax.set_ylabel(f"validation {metric}")
    ax.grid(alpha=0.3)
    if pts:
        ax.legend(fontsize=8, loc="lower right")
    return _svg(fig)


def objective_front(points: Sequence[tuple[int, float, float]], front: Collection[int],
                    metric: str, second: str) -> str:
    """Score against a second objective (a cost): every trial ``(id, score, cost)`` in grey,
    the front's members highlighted, each linked to ``#front-<id>`` on the page."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    rest = [p for p in points if p[0] not in front]
    ax.scatter([p[2] for p in rest], [p[1] for p in rest], s=14, color="0.7", label="trials")
    on = sorted((p for p in points if p[0] in front), key=lambda p: (p[2], -p[1]))
    if on:
        dots = ax.scatter([p[2] for p in on], [p[1] for p in on], s=30, color="C3", zorder=3,
                          label="Pareto front")
        dots.set_urls([f"#front-{p[0]}" for p in on])
        ax.plot([p[2] for p in on], [p[1] for p in on], color="C3", lw=1, alpha=0.6)
        for i, score, cost in on:
            ax.annotate(str(i), (cost, score), textcoords="offset points", xytext=(3, 3),
                        fontsize=7)
    if points and min(p[2] for p in points) > 0 and second in ("params", "flops"):
        ax.set_xscale("log")
    ax.set_xlabel(second + (" (ms, batch 1)" if second == "latency" else ""))
    ax.set_ylabel(f"validation {metric}")
    ax.grid(alpha=0.3)
    if points:
        ax.legend(fontsize=8, loc="lower right")
    return _svg(fig)


def against_baselines(found: float, baselines: dict[str, float], metric: str,
                      classical: Collection[str] = ()) -> str:
    """Horizontal bars: the found architecture's test metric beside each baseline's (the
    ``classical`` ones in another colour)."""
    names = ["found", *baselines]
    values = [found, *baselines.values()]
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.45 * len(names)))
    colors = ["C3", *["C2" if n in classical else "C0" for n in baselines]]
    ax.barh(names[::-1], values[::-1], color=colors[::-1])
    for y, v in enumerate(values[::-1]):
        ax.text(v, y, f" {v:.4g}", va="center", fontsize=8)
    ax.set_xlabel(f"test {metric}")
    ax.grid(alpha=0.3, axis="x")
    return _svg(fig)


def spearman_by_round(rounds: Sequence[dict]) -> str:
    """A progressive search's predictor: its Spearman rank correlation on each round's newly
    trained candidates (before it was refitted), against the round, labelled by cell size."""
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    pts = [(i + 1, r["spearman"], r.get("size")) for i, r in enumerate(rounds)
           if r.get("spearman") is not None]
    if pts:
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color="C0")
        for x, y, size in pts:
            ax.annotate(f"{size}", (x, y), textcoords="offset points", xytext=(0, 6),
                        fontsize=7, ha="center")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("round (labels: blocks per cell)")
    ax.set_ylabel("predictor's Spearman")
    ax.grid(alpha=0.3)
    return _svg(fig)
