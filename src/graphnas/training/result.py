"""The record of one training run: plain, JSON-able data (the module rides along unserialised)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Result:
    """What training one graph gave.

    ``score`` is the search's reward (higher is better: accuracy, or -MSE) on the validation
    split; ``valid``/``test`` hold the task's metrics (accuracy; or mse and r2). ``test`` is
    filled only when asked for: a search never looks at it.
    """

    status: str  # "ok" | "failed"
    score: float | None = None
    valid: dict[str, float] = field(default_factory=dict)
    test: dict[str, float] | None = None
    metric: str = ""  # the task's headline metric: accuracy or mse
    curve: list[tuple[int, float, float | None]] = field(default_factory=list)  # step, loss, valid
    seconds: float = 0.0
    params: int | None = None
    flops: int | None = None
    steps: int = 0
    error: str | None = None
    device: str = "cpu"
    step_mode: str = ""  # how steps ran: "cuda graph", or eager and why
    fidelity: float = 1.0
    module: Any = field(default=None, repr=False, compare=False)
    checkpoint: bytes | None = field(default=None, repr=False, compare=False)  # train(save=)
    weights: bytes | None = field(default=None, repr=False, compare=False)  # keep_weights

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def valid_metric(self) -> float | None:
        return self.valid.get(self.metric)

    @property
    def test_metric(self) -> float | None:
        return None if self.test is None else self.test.get(self.metric)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("module")
        d.pop("checkpoint")
        d.pop("weights")
        d["curve"] = [list(c) for c in self.curve]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        d = dict(d)
        d["curve"] = [tuple(c) for c in d.get("curve", [])]
        return cls(**d)

    @classmethod
    def failure(cls, error: str, **known: Any) -> Result:
        return cls(status="failed", error=error, **known)
