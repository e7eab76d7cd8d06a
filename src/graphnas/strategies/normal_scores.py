"""Scores as ranks on a normal scale: what a model of "which is better" should be fitted to
when a few very bad candidates would otherwise decide its fit."""

from __future__ import annotations

import numpy as np


def normal_scores(y) -> np.ndarray:
    """Ranks mapped to standard normal quantiles, ``Phi^-1((rank - 1/2) / n)`` with ranks from
    1; tied scores share their mean rank."""
    from scipy.stats import norm, rankdata  # here: importing scipy.stats takes about a second

    y = np.asarray(y, float)
    return norm.ppf((rankdata(y) - 0.5) / len(y))
