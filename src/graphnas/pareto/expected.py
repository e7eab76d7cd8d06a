"""Expected hypervolume improvement (EHVI) of uncertain objective vectors over a front.

Each candidate's objectives are independent normals (a GP's posterior mean and std per
objective; a std of 0 is a value known exactly). The expectation is taken over ``draws``
stratified quantiles of the standard normal, independently permuted per objective (Latin
hypercube sampling), the same draws for every candidate (common random numbers, so that
candidates are compared on equal noise). In two objectives the improvement of every draw is
computed at once from the front's staircase; in more, one exact hypervolume per draw.
"""

from __future__ import annotations

import numpy as np

from .fronts import non_dominated
from .hypervolume import hypervolume


def expected_improvement(front, reference, mean, std, draws: int = 64,
                         rng: np.random.Generator | None = None) -> np.ndarray:
    """Per candidate (rows of ``mean`` and ``std``), the expected hypervolume that its vector
    adds to the region ``front`` dominates above ``reference`` (maximisation)."""
    front = np.asarray(front, float)
    ref = np.asarray(reference, float)
    mean, std = np.atleast_2d(np.asarray(mean, float)), np.atleast_2d(np.asarray(std, float))
    if mean.shape != std.shape or mean.shape[1] != len(ref):
        raise ValueError("mean and std must be (candidates, objectives) like the reference")
    samples = mean[:, None, :] + std[:, None, :] * _latin_normal(draws, len(ref), rng)[None]
    if len(ref) == 2:
        return _improvement_2d(front, ref, samples).mean(axis=1)
    front = front[non_dominated(front)] if len(front) else front
    base = hypervolume(front, ref)
    return np.array([np.mean([hypervolume(np.vstack([front, p]), ref) - base for p in rows])
                     for rows in samples])


def _latin_normal(draws: int, objectives: int, rng: np.random.Generator | None) -> np.ndarray:
    """``(draws, objectives)`` standard normal quantiles at ``(i + 1/2) / draws``, each column
    in its own random order."""
    from scipy.stats import norm

    rng = rng if rng is not None else np.random.default_rng(0)
    q = norm.ppf((np.arange(draws) + 0.5) / draws)
    return np.stack([rng.permutation(q) for _ in range(objectives)], axis=1)


def _improvement_2d(front: np.ndarray, ref: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Hypervolume each point of ``points`` (any leading shape, last axis 2) adds to the front:
    its box above ``ref`` less the front's part of that box, which is the hypervolume of the
    front clipped to the point (a staircase: the first objective ascending, the second then
    descending, so a strip's height is its right end's)."""
    box = np.prod(np.maximum(points - ref, 0.0), axis=-1)
    if len(front) == 0:
        return box
    front = front[non_dominated(front)]
    front = np.maximum(front[np.argsort(front[:, 0], kind="stable")], ref)
    x = np.maximum(points[..., :1], ref[0])
    y = np.maximum(points[..., 1:], ref[1])
    a = np.minimum(front[:, 0], x)  # (..., members): clipped first objective, ascending
    b = np.minimum(front[:, 1], y)  # clipped second objective, descending
    width = np.diff(a, axis=-1, prepend=ref[0])
    return box - np.sum(width * (b - ref[1]), axis=-1)
