"""Non-dominated sorting and crowding distance (Deb et al. 2002, NSGA-II), for maximisation."""

from __future__ import annotations

import numpy as np


def dominates(a, b) -> bool:
    """Whether ``a`` is at least as good as ``b`` in every objective and better in one."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return bool(np.all(a >= b) and np.any(a > b))


def non_dominated(points) -> list[int]:
    """Indices of the rows no other row dominates (duplicates all kept), in row order."""
    p = np.asarray(points, float)
    if len(p) == 0:
        return []
    if len(p) <= 1000:  # all pairs at once
        ge = np.all(p[:, None, :] >= p[None, :, :], axis=2)
        gt = np.any(p[:, None, :] > p[None, :, :], axis=2)
        return [int(i) for i in np.flatnonzero(~(ge & gt).any(axis=0))]
    order = np.lexsort(p.T[::-1])[::-1]  # best first in the first objective, then the next
    keep: list[int] = []  # no later row can dominate an earlier one in this order
    for i in order:
        kept = p[keep]
        if not np.any(np.all(kept >= p[i], axis=1) & np.any(kept > p[i], axis=1)):
            keep.append(int(i))
    return sorted(keep)


def fronts(points) -> list[list[int]]:
    """The rows in non-dominated fronts, the best first (NSGA-II's fast non-dominated sort);
    each front's indices in row order."""
    p = np.asarray(points, float)
    n = len(p)
    if n == 0:
        return []
    ge = np.all(p[:, None, :] >= p[None, :, :], axis=2)
    gt = np.any(p[:, None, :] > p[None, :, :], axis=2)
    dom = ge & gt  # dom[i, j]: i dominates j
    count = dom.sum(axis=0)  # how many rows dominate each row
    out: list[list[int]] = []
    current = [int(i) for i in np.flatnonzero(count == 0)]
    while current:
        out.append(current)
        for i in current:
            count[dom[i]] -= 1
        count[current] = -1
        current = [int(i) for i in np.flatnonzero(count == 0)]
    return out


def crowding_distance(points) -> np.ndarray:
    """NSGA-II's crowding distance of each row within its set: per objective, the normalised
    gap between its neighbours, summed; the extremes of each objective get infinity."""
    p = np.asarray(points, float)
    n, m = p.shape if p.ndim == 2 else (len(p), 0)
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for k in range(m):
        order = np.argsort(p[:, k], kind="stable")
        span = p[order[-1], k] - p[order[0], k]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (p[order[2:], k] - p[order[:-2], k]) / span
    return dist
