"""The hypervolume a set of points dominates above a reference point (maximisation).

Exact: a sweep in two objectives, and in more the slicing recursion of While et al. (HSO),
which is exponential in the number of objectives but fine for the few objectives and the fronts
of a few hundred points a search keeps.
"""

from __future__ import annotations

import numpy as np

from .fronts import non_dominated


def hypervolume(points, reference) -> float:
    """The volume of the region dominated by ``points`` and dominating ``reference``; points
    not better than the reference in every objective add nothing."""
    p = np.asarray(points, float).reshape(-1, len(reference))
    ref = np.asarray(reference, float)
    p = p[np.all(p > ref, axis=1)]
    if len(p) == 0:
        return 0.0
    if p.shape[1] > 2:  # the two-objective sweep skips dominated points by itself
        p = np.unique(p[non_dominated(p)], axis=0)
    return _hv(p - ref)


def _hv(p: np.ndarray) -> float:
    """Hypervolume of non-dominated points above the origin."""
    if p.shape[1] == 1:
        return float(p[:, 0].max())
    if p.shape[1] == 2:
        order = np.argsort(-p[:, 0], kind="stable")  # first objective, best first
        volume, height = 0.0, 0.0
        for x, y in p[order]:
            if y > height:
                volume += x * (y - height)
                height = y
        return float(volume)
    # slice along the last objective: between consecutive levels, the (m-1)-volume of the
    # points that reach at least that level
    levels = np.sort(np.unique(p[:, -1]))[::-1]
    volume = 0.0
    for i, top in enumerate(levels):
        bottom = levels[i + 1] if i + 1 < len(levels) else 0.0
        above = p[p[:, -1] >= top][:, :-1]
        above = above[non_dominated(above)]
        volume += _hv(np.unique(above, axis=0)) * (top - bottom)
    return float(volume)
