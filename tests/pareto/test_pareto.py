"""Fronts, crowding, hypervolume and scalarisation against brute force and known values."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from graphnas.pareto import (
    Normalizer,
    crowding_distance,
    dominates,
    fronts,
    hypervolume,
    non_dominated,
    random_weights,
    tchebycheff,
)


def brute_front(p):
    return [i for i in range(len(p)) if not any(dominates(p[j], p[i]) for j in range(len(p)))]


def brute_hypervolume(p, ref):
    """Inclusion-exclusion over every subset of points: the union of their boxes."""
    p = np.asarray(p, float)
    total = 0.0
    for k in range(1, len(p) + 1):
        for subset in itertools.combinations(range(len(p)), k):
            corner = p[list(subset)].min(axis=0)
            total += (-1) ** (k + 1) * np.prod(np.maximum(corner - ref, 0))
    return total


@pytest.mark.parametrize("m", [2, 3])
def test_fronts_match_brute_force_and_peel_in_order(m):
    rng = np.random.default_rng(m)
    p = rng.integers(0, 6, size=(40, m)).astype(float)  # ties and duplicates included
    assert non_dominated(p) == brute_front(p)
    layers = fronts(p)
    assert layers[0] == brute_front(p)
    assert sorted(i for f in layers for i in f) == list(range(40))
    for upper, lower in zip(layers, layers[1:]):  # each lower member dominated from above
        assert all(any(dominates(p[i], p[j]) for i in upper) for j in lower)


def test_crowding_gives_extremes_infinity_and_favours_isolated_points():
    p = np.array([[0, 10], [1, 9], [1.1, 8.9], [5, 5], [10, 0]], float)
    d = crowding_distance(p)
    assert np.isinf(d[0]) and np.isinf(d[4])
    assert d[3] > d[1] and d[3] > d[2]


@pytest.mark.parametrize("m", [2, 3, 4])
def test_hypervolume_equals_inclusion_exclusion(m):
    rng = np.random.default_rng(10 + m)
    p = rng.random((9, m))
    ref = np.full(m, -0.1)
    assert hypervolume(p, ref) == pytest.approx(brute_hypervolume(p, ref))


def test_hypervolume_known_values():
    assert hypervolume([[1, 1]], [0, 0]) == 1.0
    assert hypervolume([[2, 1], [1, 2]], [0, 0]) == 3.0
    assert hypervolume([[2, 1], [1, 2], [0.5, 0.5]], [0, 0]) == 3.0  # dominated: nothing
    assert hypervolume([[-1, 5]], [0, 0]) == 0.0  # not better than the reference
    assert hypervolume(np.zeros((0, 2)), [0, 0]) == 0.0


def test_tchebycheff_ranks_by_the_weighted_worst_objective():
    norm = Normalizer().update([[0, -10], [1, 0]])
    assert np.allclose(norm([[0.5, -5]]), [[0.5, 0.5]])
    v = tchebycheff(norm([[1, -10], [0, 0], [0.9, -1]]), [0.5, 0.5])
    assert v[2] > v[0] and v[2] > v[1]  # good at both beats best at one
    first = tchebycheff(norm([[1, -10], [0, 0]]), [1.0, 0.0])
    assert first[0] > first[1]  # all weight on the first objective
    w = random_weights(np.random.default_rng(0), 3)
    assert w.shape == (3,) and w.min() >= 0 and w.sum() == pytest.approx(1)


def test_large_sets_take_the_sorted_path_and_agree():
    rng = np.random.default_rng(3)
    p = rng.integers(0, 40, size=(1500, 2)).astype(float)
    expected = [i for i in range(len(p))
                if not np.any(np.all(p >= p[i], axis=1) & np.any(p > p[i], axis=1))]
    assert non_dominated(p) == expected
