"""PNAS's parts: how a space's candidates grow one step at a time, and the predictor.

A *growth* gives the smallest candidates (``first``), every candidate one step larger than a
given one (``extend``), the neighbours of a candidate at the same size (``neighbours``, for
once no candidate can grow), a cheap key that merges equivalent candidates, and the
predictor's features, all on choice sequences (nothing is decoded).

- ``BlockGrowth``: for spaces that grow by blocks (the ``blocks`` space: ``one_block_cells``,
  ``extensions``, ``blocks_of``, ``cell_key``); a step is one block, and the features are the
  paper's: each block's (in1, op1, in2, op2) tokens as one-hots, averaged over the blocks.
- ``PrefixGrowth``: any other space, one decision at a time; a candidate of size k has chosen
  its first k decisions and takes the first option at the rest.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from graphnas.spaces.base import Space

Choices = tuple[int, ...]


class BlockGrowth:
    """Growth by blocks, for a space with ``one_block_cells`` and ``extensions``."""

    def __init__(self, space: Any) -> None:
        self.space = space

    def first(self) -> list[Choices]:
        return self.space.one_block_cells()

    def size(self, choices: Choices) -> int:
        return self.space.n_blocks_of(choices)

    def extend(self, choices: Choices, size: int) -> list[Choices]:
        return self.space.extensions(choices) if self.size(choices) == size else []

    def neighbours(self, choices: Choices) -> list[Choices]:
        """Every cell with one token (an input or an op of a block) changed."""
        return _changes(self.space, choices, start=1)

    def key(self, choices: Choices) -> Hashable:
        return self.space.cell_key(choices)

    def features(self, choices: Choices) -> dict[str, float]:
        blocks = self.space.blocks_of(choices)
        f = {"blocks": len(blocks) / self.space.max_blocks}
        for block in blocks:
            for field, token in zip(("in1", "op1", "in2", "op2"), block):
                name = f"{field}={token}"
                f[name] = f.get(name, 0.0) + 1.0 / len(blocks)
        return f


class PrefixGrowth:
    """Growth by decisions, for any space: see the module docstring."""

    def __init__(self, space: Space) -> None:
        self.space = space

    def _fill(self, prefix: Sequence[int]) -> Choices:
        out = list(prefix)
        while self.space.next_decision(out) is not None:
            out.append(0)
        return tuple(out)

    def first(self) -> list[Choices]:
        d = self.space.next_decision([])
        return [] if d is None else [self._fill([k]) for k in range(len(d.options))]

    def size(self, choices: Choices) -> int:
        """One more than the last decision that is not at its first option (at least 1)."""
        return max([i + 1 for i, k in enumerate(choices) if k], default=1)

    def extend(self, choices: Choices, size: int) -> list[Choices]:
        if self.size(choices) > size or size >= len(choices):
            return []
        d = self.space.next_decision(choices[:size])
        return [self._fill([*choices[:size], k]) for k in range(len(d.options))]

    def neighbours(self, choices: Choices) -> list[Choices]:
        return _changes(self.space, choices, start=0)

    def key(self, choices: Choices) -> Hashable:
        return choices

    def features(self, choices: Choices) -> dict[str, float]:
        return {f"{d.label}={k}": 1.0 for d, k in zip(self.space.decisions(choices), choices)}


def growth_for(space: Space) -> BlockGrowth | PrefixGrowth:
    """Block growth where the space offers it, otherwise decision by decision."""
    if all(hasattr(space, m) for m in ("one_block_cells", "extensions", "blocks_of")):
        return BlockGrowth(space)
    return PrefixGrowth(space)


def _changes(space: Space, choices: Choices, start: int) -> list[Choices]:
    """Every sequence with one decision from ``start`` on changed, as long as the decisions
    stay the same (so the candidate keeps its size)."""
    ds = space.decisions(choices)
    out = []
    for i in range(start, len(ds)):
        for k in range(len(ds[i].options)):
            if k != choices[i]:
                new = (*choices[:i], k, *choices[i + 1:])
                if space.valid_choices(new):
                    out.append(new)
    return out


# -- the predictor ------------------------------------------------------------------------
class MLPEnsemble:
    """The paper's predictor: an ensemble of small MLPs (two ReLU hidden layers, trained by
    full-batch Adam on the squared error of standardised scores, in numpy, all at once), each
    fitted on a different 4/5 of the data, their predictions averaged.

    Args:
        models: how many MLPs.
        hidden: the width of each MLP's hidden layers.
        seed: seeds the folds and every MLP's initial weights.
        steps: Adam steps.
    """

    def __init__(self, models: int = 5, hidden: int = 32, seed: int = 0, steps: int = 200
                 ) -> None:
        self.models, self.hidden, self.seed, self.steps = models, hidden, seed, steps
        self.names: list[str] = []
        self.net: list[np.ndarray] = []
        self.mean, self.std = 0.0, 1.0

    def fit(self, rows: Sequence[dict[str, float]], y: Sequence[float]) -> MLPEnsemble:
        y = np.asarray(y, dtype=float)
        self.names = sorted({k for r in rows for k in r})
        x = self._matrix(rows)
        self.mean, self.std = float(y.mean()), float(y.std()) or 1.0
        rng = np.random.default_rng(self.seed)
        folds = rng.permutation(len(y)) % self.models
        keep = folds[None, :] != np.arange(self.models)[:, None]  # (models, rows)
        if len(y) < 2 * self.models:
            keep[:] = True
        weight = keep / keep.sum(1, keepdims=True)
        self.net = _train(x, (y - self.mean) / self.std, weight, self.hidden, self.steps, rng)
        return self

    def predict(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        if not self.net:
            return np.zeros(len(rows))
        z = _forward(self.net, self._matrix(rows))[-1][..., 0].mean(0)
        return z * self.std + self.mean

    def _matrix(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        col = {n: i for i, n in enumerate(self.names)}
        x = np.zeros((len(rows), len(self.names)))  # (rows, features)
        for r, f in enumerate(rows):
            for k, v in f.items():
                if k in col:
                    x[r, col[k]] = v
        return x


def _forward(net: list[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    """Every layer's activations, the input first, for all models: (models, rows, width)
    after the input (rows, features); ReLU between layers."""
    acts = [x]
    for i in range(0, len(net), 2):
        h = acts[-1] @ net[i] + net[i + 1][:, None, :]  # (models, rows, width)
        acts.append(np.maximum(h, 0) if i + 2 < len(net) else h)
    return acts


def _train(x: np.ndarray, z: np.ndarray, weight: np.ndarray, hidden: int, steps: int,
           rng: np.random.Generator, lr: float = 0.01, decay: float = 1e-4
           ) -> list[np.ndarray]:
    """MLPs fitted by full-batch Adam, model m to rows weighted by ``weight[m]``."""
    n_models = weight.shape[0]
    sizes = [x.shape[1], hidden, hidden, 1]
    net: list[np.ndarray] = []
    for a, b in zip(sizes, sizes[1:]):
        net += [rng.normal(0, np.sqrt(2 / max(a, 1)), (n_models, a, b)),
                np.zeros((n_models, b))]
    m = [np.zeros_like(p) for p in net]
    v = [np.zeros_like(p) for p in net]
    for t in range(1, steps + 1):
        acts = _forward(net, x)
        delta = 2 * (acts[-1] - z[None, :, None]) * weight[..., None]  # (models, rows, 1)
        grads: list[np.ndarray] = [np.empty(0)] * len(net)
        for i in range(len(net) - 2, -1, -2):
            a = acts[i // 2]
            grads[i] = np.swapaxes(a, -1, -2) @ delta + decay * net[i]
            grads[i + 1] = delta.sum(1)
            if i:
                delta = (delta @ net[i].transpose(0, 2, 1)) * (a > 0)
        for p, g, mi, vi in zip(net, grads, m, v):
            mi += 0.1 * (g - mi)
            vi += 0.001 * (g * g - vi)
            p -= lr * (mi / (1 - 0.9**t)) / (np.sqrt(vi / (1 - 0.999**t)) + 1e-8)
    return net


def spearman(predicted: Sequence[float], actual: Sequence[float]) -> float | None:
    """Spearman's rank correlation (None for fewer than 3 pairs or a constant side)."""
    if len(predicted) < 3 or len(set(predicted)) < 2 or len(set(actual)) < 2:
        return None
    from scipy.stats import spearmanr

    return float(spearmanr(predicted, actual).statistic)
