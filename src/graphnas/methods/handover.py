"""Typed hand-overs between phases, written into the run's store.

Each is a frozen dataclass of JSON-able fields; :func:`save` writes it under the phase's slot
in the plan and :func:`load` reads it back as the same type, so that a resumed run hands the
next phase exactly what the finished one handed it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from graphnas.store import RunStore


@dataclass(frozen=True)
class Handover:
    """The base: a phase that hands nothing on."""


@dataclass(frozen=True)
class Searched(Handover):
    """An ask/tell phase's trials are in the store; ``best`` is its best trial's id."""

    best: int | None = None


@dataclass(frozen=True)
class Restriction(Handover):
    """Per decision label, the option values a later phase may use (empty: all)."""

    allowed: dict[str, list] = field(default_factory=dict)


@dataclass(frozen=True)
class Supergraph(Handover):
    """A differentiable search's outcome: the discretised graph, the next most probable
    graphs as choice sequences (best first), and the discretised graph's trial when the job
    trained it on the same worker."""

    arch_json: str = ""
    score: float | None = None
    ranked: list[list[int]] = field(default_factory=list)
    trained: bool = False


@dataclass(frozen=True)
class Chosen(Handover):
    """The graph the closing phases start from (finalists, retraining)."""

    arch_json: str | None = None
    trial: int | None = None


@dataclass(frozen=True)
class Retrained(Handover):
    """The final retraining's figures; its weights and exports are in ``best/``."""

    arch_json: str = ""
    valid_metric: float | None = None
    test_metric: float | None = None
    params: int | None = None
    steps: int = 0
    files: dict[str, str] = field(default_factory=dict)
    baselines: dict[str, float] = field(default_factory=dict)


KINDS: dict[str, type[Handover]] = {c.__name__: c for c in
                                    (Handover, Searched, Restriction, Supergraph, Chosen,
                                     Retrained)}


def slot(index: int, phase: str) -> str:
    """The store key of the hand-over of the plan's ``index``-th phase."""
    return f"handover-{index}-{phase}"


def save(store: RunStore, key: str, handover: Handover, settings: dict[str, Any]) -> None:
    """Record ``handover`` with the ``settings`` it was made under."""
    store.save_state(key, {"kind": type(handover).__name__, "fields": asdict(handover),
                           "settings": settings})


def load(store: RunStore, key: str, settings: dict[str, Any]) -> Handover | None:
    """The recorded hand-over, or None when the phase has not finished, finished under other
    settings (a larger budget: then it runs again, resuming from its trials), or is of a kind
    this code does not know."""
    saved = store.load_state(key)
    if not saved or saved.get("kind") not in KINDS or saved.get("settings") != settings:
        return None
    kind = KINDS[saved["kind"]]
    names = {f.name for f in fields(kind)}
    values: dict[str, Any] = {k: v for k, v in saved.get("fields", {}).items() if k in names}
    return kind(**values)
