"""What an objective returns for one trial: plain data, so it can come from any process."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrialOutcome:
    """One evaluation's result. ``score`` is higher-is-better; None (with ``error``) = failed.

    An objective may return this or the equivalent dict (``status``, ``score``, ``valid``,
    ``params``, ``flops``, ``seconds``, ``error``), e.g. ``training.Result.to_dict()``.
    """

    score: float | None
    metrics: dict[str, Any] = field(default_factory=dict)  # e.g. {"valid": {"accuracy": 0.9}}
    params: int | None = None
    flops: int | None = None
    seconds: float | None = None  # the evaluation's own time; the driver measures it if None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The driver's dict form."""
        d = asdict(self)
        d["status"] = "ok" if self.score is not None and self.error is None else "failed"
        if d["seconds"] is None:
            del d["seconds"]
        return d
