"""Turning several objectives into one: weights drawn on the simplex and the augmented
Tchebycheff function of ParEGO (Knowles 2006), over objectives normalised to [0, 1] by the
ranges seen so far."""

from __future__ import annotations

import numpy as np


def random_weights(rng: np.random.Generator, m: int) -> np.ndarray:
    """Weights drawn uniformly from the simplex of ``m`` objectives."""
    return rng.dirichlet(np.ones(m))


class Normalizer:
    """Per objective, the range of the vectors it has seen; maps a vector into [0, 1]^m."""

    def __init__(self) -> None:
        self.low: np.ndarray | None = None
        self.high: np.ndarray | None = None

    def update(self, points) -> Normalizer:
        p = np.asarray(points, float).reshape(-1, np.shape(points)[-1])
        if len(p):
            low, high = p.min(axis=0), p.max(axis=0)
            self.low = low if self.low is None else np.minimum(self.low, low)
            self.high = high if self.high is None else np.maximum(self.high, high)
        return self

    def __call__(self, points) -> np.ndarray:
        p = np.asarray(points, float)
        if self.low is None:
            return np.zeros_like(p)
        span = np.where(self.high > self.low, self.high - self.low, 1.0)
        return (p - self.low) / span


def tchebycheff(normalized, weights, rho: float = 0.05) -> np.ndarray:
    """ParEGO's augmented Tchebycheff value of normalised vectors to maximise (1 is the best
    seen in each objective), higher is better: ``-(max_i w_i d_i + rho sum_i w_i d_i)`` with
    ``d = 1 - normalized`` the distance from the ideal point."""
    d = 1.0 - np.asarray(normalized, float)
    w = np.asarray(weights, float)
    return -((d * w).max(axis=-1) + rho * (d * w).sum(axis=-1))
