"""Where a run's weights came from: each heir's parent trial (weight inheritance) and a NEAT
search's species, read from the run directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .records import TrialRecord, TrialState

EXACT = 1e-4  # an heir whose first outputs were this close to its parent's started as it


def lineage(trials: list[TrialRecord]) -> tuple[dict[int, int], dict[str, int] | None]:
    """Which trial each heir inherited its weights from, and how many of the search's trained
    trials inherited (None where none did)."""
    first: dict[str, int] = {}
    for t in trials:
        first.setdefault(t.hash, t.id)
    heirs = [t for t in trials if "inherited" in (t.metrics or {})]
    if not heirs:
        return {}, None
    parents = {t.id: first[h] for t in heirs if (h := t.metrics["inherited"].get("parent"))
               in first}
    trained = [t for t in trials if t.phase == "search" and not t.cached
               and t.state in (TrialState.COMPLETE, TrialState.FAILED)]
    trained_heirs = [t for t in trained if "inherited" in (t.metrics or {})]
    exact = sum(t.metrics["inherited"].get("difference", 1.0) < EXACT for t in trained_heirs)
    return parents, {"trained": len(trained), "inherited": len(trained_heirs), "exact": exact}


def species(run: Path) -> tuple[dict[str, Any], ...]:
    """A NEAT search's species from its saved strategy state (the first phase whose strategy
    has species): id, members, best score and the count of told trials at which the best
    last improved. Empty for other strategies."""
    for path in sorted(run.glob("state-*.json")):
        try:
            state = json.loads(path.read_text(encoding="utf-8"))["strategy"]
            members, species = state["members"], state["species"]
            break
        except (OSError, ValueError, KeyError, TypeError):
            continue
    else:
        return ()
    out = [{"id": int(k), "members": sum(m[2] == int(k) for m in members),
            "best": v.get("best"), "improved": v.get("improved")} for k, v in species.items()]
    return tuple(sorted(out, key=lambda s: (-s["members"], s["id"])))
