"""Budgets and training settings, as typed dataclasses with commented defaults."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Budget:
    """How long to train: any of steps, epochs and seconds (the first reached ends training)."""

    steps: int | None = None
    epochs: float | None = None
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.steps is None and self.epochs is None and self.seconds is None:
            raise ValueError("a budget needs steps, epochs or seconds")
        for name in ("steps", "epochs", "seconds"):
            v = getattr(self, name)
            if v is not None and v <= 0:
                raise ValueError(f"budget {name} must be positive, got {v}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Budget:
        return cls(**d)


OPTIMIZERS = ("adam", "adamw", "rmsprop", "sgd")
SCHEDULES = ("none", "cosine", "onecycle")
CUDA_GRAPH = ("auto", "off")
PRECISIONS = ("fp32", "bf16")
KEEP = ("best", "last")


def is_file(optimizer: str) -> bool:
    """Whether an optimizer setting names a Python file (else a built-in optimizer)."""
    return optimizer.endswith(".py")


@dataclass(frozen=True)
class TrainConfig:
    """The training protocol. The defaults are the standard protocol of graphnas's baselines."""

    optimizer: str = "adamw"  # adam | adamw | rmsprop | sgd (with momentum) | a .py file
    # defining a torch.optim.Optimizer (a graph's own update rule wins over a built-in name)
    lr: float = 3e-3  # peak learning rate
    weight_decay: float = 1e-4
    momentum: float = 0.9  # for sgd (and rmsprop)
    schedule: str = "cosine"  # none | cosine | onecycle (warm-up 10%, then cosine down)
    grad_clip: float | None = 1.0  # max gradient norm; keeps BPTT stable
    batch_size: int = 128
    seed: int = 0  # weights, batch order and dropout
    device: str = "auto"  # auto (cuda when present) | cpu | cuda | cuda:N
    ticks: int = 4  # memory-cycle iterations for inputs without a time axis
    fidelity: float = 1.0  # fraction of the training split used (cheap early evaluations)
    eval_every: int = 100  # steps between validation evaluations
    patience: int | None = None  # stop after this many evaluations without improvement
    stop_at_chance: bool = False  # end at a first evaluation no better than a constant guess
    max_seconds: float | None = None  # hard limit: a trial past it fails with "time limit"
    threads: int | None = None  # torch CPU threads (None: leave as is)
    cuda_graph: str = "auto"  # auto: on a GPU, replay each step from a CUDA graph | off
    precision: str = "fp32"  # fp32 | bf16 (autocast of the forward pass and loss)
    keep: str = "best"  # weights kept: best (at the best validation score) | last
    precise_bn: int = 50  # with keep="last": batches over which batch-norm statistics are
    # recomputed for the last weights (0: the running averages of training stay)
    schedule_steps: int | None = None  # steps the lr schedule spans (None: the budget's);
    # a rung of a multi-fidelity search trains part of them and a promotion goes on from there

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS and not is_file(self.optimizer):
            raise ValueError(f"unknown optimizer {self.optimizer!r}; use one of "
                             f"{', '.join(OPTIMIZERS)} or a .py file defining one")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; use one of "
                             f"{', '.join(SCHEDULES)}")
        if self.cuda_graph not in CUDA_GRAPH:
            raise ValueError(f"unknown cuda_graph {self.cuda_graph!r}; use auto or off")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; use fp32 or bf16")
        if self.keep not in KEEP:
            raise ValueError(f"unknown keep {self.keep!r}; use best or last")
        if not 0 < self.fidelity <= 1:
            raise ValueError("fidelity must be in (0, 1]")
        if self.schedule_steps is not None and self.schedule_steps < 1:
            raise ValueError("schedule_steps must be at least 1")
        if self.precise_bn < 0:
            raise ValueError("precise_bn must be at least 0")
        if self.batch_size < 1 or self.lr <= 0:
            raise ValueError("batch_size and lr must be positive")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
