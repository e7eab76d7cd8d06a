"""Expected hypervolume improvement against exact hypervolumes and brute-force Monte Carlo."""

import numpy as np
import pytest

from graphnas.pareto import expected_improvement, hypervolume, non_dominated

REF = np.array([-0.5, -0.5])


def _front(seed: int, n: int = 8, objectives: int = 2) -> np.ndarray:
    points = np.random.default_rng(seed).random((n, objectives))
    return points[non_dominated(points)]


def _exact_gain(front: np.ndarray, point: np.ndarray, ref: np.ndarray) -> float:
    return hypervolume(np.vstack([front, point]), ref) - hypervolume(front, ref)


def test_a_known_vector_gains_exactly_its_hypervolume_improvement():
    front = _front(0)
    points = np.random.default_rng(1).random((30, 2)) * 1.4 - 0.2
    got = expected_improvement(front, REF, points, np.zeros_like(points), draws=4)
    want = [_exact_gain(front, p, REF) for p in points]
    assert np.allclose(got, want)
    assert (got == 0).any() and (got > 0).any()  # some dominated, some improving


def test_the_expectation_matches_brute_force_sampling():
    front = _front(2)
    mean = np.array([[0.5, 0.5], [1.0, 0.2], [0.1, 0.1]])
    std = np.array([[0.2, 0.1], [0.05, 0.3], [0.3, 0.3]])
    got = expected_improvement(front, REF, mean, std, draws=256)
    z = np.random.default_rng(3).standard_normal((20000, 2))
    want = [np.mean([_exact_gain(front, p, REF) for p in m + s * z[:2000]]) for m, s in
            zip(mean, std)]
    assert np.allclose(got, want, rtol=0.1, atol=2e-3)


def test_uncertainty_is_worth_something_where_the_mean_gains_nothing():
    """A vector predicted just behind the front gains nothing at its mean, but its chance of
    landing beyond the front has a positive expected value, more the wider it is."""
    front = np.array([[1.0, 0.0], [0.0, 1.0]])
    mean = np.array([[0.9, -0.1], [0.9, -0.1]])
    narrow, wide = expected_improvement(front, REF, mean, np.array([[0.05, 0], [0.3, 0]]))
    assert _exact_gain(front, mean[0], REF) == 0
    assert 0 < narrow < wide


def test_three_objectives_agree_with_exact_hypervolumes_when_known():
    front = _front(4, objectives=3)
    ref = np.full(3, -0.5)
    points = np.random.default_rng(5).random((6, 3)) * 1.2
    got = expected_improvement(front, ref, points, np.zeros_like(points), draws=2)
    assert np.allclose(got, [_exact_gain(front, p, ref) for p in points])


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="mean and std"):
        expected_improvement(_front(0), REF, np.zeros((2, 2)), np.zeros((2, 3)))
