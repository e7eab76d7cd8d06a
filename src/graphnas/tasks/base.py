"""A task: data splits, input and output specs, the loss and the metric."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from graphnas.graph import InputSpec, OutputSpec

IGNORE = -100  # class label of per-step targets that do not count (loss and accuracy skip it)
LOWER_IS_BETTER = frozenset({"mse", "bpc"})  # metrics (Task.metric) where less is better


class TaskError(ValueError):
    """A task or data file is unusable; the message names the file and the problem."""


@dataclass(frozen=True)
class Split:
    """Inputs and targets of one split."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class TaskRef:
    """How to make a task again anywhere: a built-in name with options, or a data file.

    A TaskRef is what crosses to worker processes (plain JSON); each process re-creates the task
    once from it (built-ins are cached on disk or regenerated from their seed).
    """

    name: str  # built-in name, or "file"
    options: dict[str, Any] = field(default_factory=dict)  # e.g. {"length": 100} or {"path": ...}
    fold: int = 0  # 0: the task's own validation split; k: another one (see Task.refold)
    refit: bool = False  # the validation split added to training (see Task.refit)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "options": dict(self.options)}
        if self.fold:
            d["fold"] = self.fold
        if self.refit:
            d["refit"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TaskRef:
        return cls(d["name"], dict(d.get("options", {})), int(d.get("fold", 0)),
                   bool(d.get("refit", False)))

    def key(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)


@dataclass(frozen=True)
class Task:
    """Train, validation and test splits with what a network must map them to.

    The search only ever sees ``train`` and ``valid``; ``test`` is for final reports.
    """

    name: str
    train: Split
    valid: Split
    test: Split
    input_spec: InputSpec
    output_spec: OutputSpec
    ref: TaskRef
    description: str = ""
    metric_name: str = ""  # the reported metric where it is not the kind's: "bpc" (bits/char)

    @property
    def classification(self) -> bool:
        return self.output_spec.kind in ("classes", "sequence_classes")

    @property
    def metric(self) -> str:
        """The reported metric: accuracy, or mse for regression (r2 reported beside it), or
        the task's own (bits per character for a language model, accuracy beside it)."""
        return self.metric_name or ("accuracy" if self.classification else "mse")

    def refold(self, fold: int) -> Task:
        """The same task with another validation split of the same size, drawn (seeded by
        ``fold``) from train and validation pooled; the test split is unchanged. Graphs chosen
        by their score on one validation split are compared fairly on another."""
        if fold == 0:
            return self
        if self.ref.refit:
            raise ValueError("refold a task before its refit, not after")
        x, y = self._pooled()
        perm = np.random.default_rng(10_007 * fold).permutation(len(y))
        va, tr = perm[:len(self.valid)], perm[len(self.valid):]
        ref = TaskRef(self.ref.name, dict(self.ref.options), fold)
        return replace(self, train=Split(x[tr], y[tr]), valid=Split(x[va], y[va]), ref=ref)

    def refit(self) -> Task:
        """The same task with the validation split added to the training split, for the final
        training once the search has chosen: more data, and no split left to choose with (the
        validation split stays, measured on data the network trained on). The test split is
        unchanged."""
        if self.ref.refit:
            return self
        return replace(self, train=Split(*self._pooled()), ref=replace(self.ref, refit=True))

    def _pooled(self) -> tuple[np.ndarray, np.ndarray]:
        """Training then validation samples, as one pair of arrays."""
        return (np.concatenate([self.train.x, self.valid.x]),
                np.concatenate([self.train.y, self.valid.y]))

    def score(self, metrics: dict[str, float]) -> float:
        """The search's reward, higher is better: the metric, or its negation where lower is
        better (mse, bpc)."""
        value = metrics[self.metric]
        return -value if self.metric in LOWER_IS_BETTER else value

    def describe(self) -> str:
        return (f"{self.name}: {len(self.train)} train / {len(self.valid)} valid / "
                f"{len(self.test)} test, input {self.input_spec.shape}, output "
                f"{self.output_spec.kind}({self.output_spec.size}), metric {self.metric}")


def split_indices(n: int, fractions: tuple[float, float], seed: int) -> tuple[np.ndarray, ...]:
    """Seeded train/valid/test index arrays with the given valid and test fractions."""
    perm = np.random.default_rng(seed).permutation(n)
    n_valid, n_test = int(round(n * fractions[0])), int(round(n * fractions[1]))
    return perm[n_valid + n_test:], perm[:n_valid], perm[n_valid:n_valid + n_test]
