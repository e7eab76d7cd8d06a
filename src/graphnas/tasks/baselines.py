"""Hand-designed baselines shipped as graph JSON, named ``<task>_<name>.json``."""

from __future__ import annotations

from importlib import resources

from graphnas.graph import Graph, from_json


def baselines_for(task: str) -> dict[str, Graph]:
    """The baselines of a built-in task, name -> graph (empty for tasks without any)."""
    folder = resources.files("graphnas") / "baselines"
    out = {}
    for p in sorted(folder.iterdir(), key=lambda p: p.name):
        if p.name.startswith(f"{task}_") and p.name.endswith(".json"):
            name = p.name[len(task) + 1:-5]
            out[name] = from_json(p.read_text(encoding="utf-8"), f"baseline {p.name}")
    return out


# The best hand design of a task, by test accuracy under the standard protocol (BENCHMARKS.md,
# "Baselines"); tasks not named here have one baseline, or none.
BEST = {"mnist1d": "resnet"}


def best_baseline(task: str) -> Graph | None:
    """The task's best hand-designed baseline (None for tasks without any)."""
    found = baselines_for(task)
    if not found:
        return None
    return found.get(BEST.get(task, ""), next(iter(found.values())))
