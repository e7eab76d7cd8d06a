"""Trial records: an immutable row per trial and a small state enum."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class TrialState(str, Enum):
    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"
    LOST = "lost"  # was running when the search process died; its candidate is asked anew
    SKIPPED = "skipped"  # above the search's size limits: never trained, told as infeasible


@dataclass(frozen=True)
class TrialRecord:
    """One trial as stored. ``score`` is higher-is-better; ``metrics`` the raw figures."""

    id: int
    phase: str
    choices: tuple[int, ...]
    arch_json: str
    hash: str
    state: TrialState
    score: float | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    params: int | None = None
    flops: int | None = None
    started: float = 0.0  # seconds since the run began
    ended: float | None = None
    seconds: float | None = None  # the trial's own duration
    error: str | None = None
    fidelity: float = 1.0
    seed: int = 0
    cached: bool = False  # a repeat of an architecture already trained: its score reused

    @property
    def arch(self) -> dict[str, Any]:
        return json.loads(self.arch_json)
