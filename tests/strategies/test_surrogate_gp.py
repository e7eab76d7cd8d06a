"""The surrogate's model: scikit-learn's GP and scipy's normal against the textbook formulas,
and the surrogate on spaces with and without a template decision."""

import math

import numpy as np
import pytest

from graphnas.benchmarks.nasbenchgraph import NasBenchGraphObjective, NasBenchGraphSpace
from graphnas.graph import InputSpec, OutputSpec
from graphnas.spaces import get_space
from graphnas.strategies import surrogate
from graphnas.strategies.normal_scores import normal_scores
from graphnas.strategies.surrogate import SurrogateSearch


def reference_gp(x, y, xp):
    """A GP by hand: unit-variance squared exponential kernel, lengths in units of the rms
    distance, (length, noise) of the grid with the highest marginal likelihood."""
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    dp = ((xp[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    scale = d2.mean()
    z = y - y.mean()
    best = None
    for length in surrogate._LENGTHS:
        for noise in surrogate._NOISES:
            k = np.exp(-d2 / (2 * length**2 * scale)) + noise * np.eye(len(z))
            lml = -0.5 * z @ np.linalg.solve(k, z) - 0.5 * np.linalg.slogdet(k)[1]
            if best is None or lml > best[0]:
                best = (lml, length, k)
    _, length, k = best
    ks = np.exp(-dp / (2 * length**2 * scale))
    mean = ks @ np.linalg.solve(k, z) + y.mean()
    var = 1.0 - np.einsum("ij,ji->i", ks, np.linalg.solve(k, ks.T))
    return mean, np.sqrt(var)


@pytest.mark.parametrize("n", [3, 12, 60])
def test_the_gp_matches_the_formulas(n):
    rng = np.random.default_rng(n)
    x = (rng.random((n, 15)) < 0.3).astype(float)
    x[:, :3] = rng.integers(0, 4, (n, 3))  # counts beside one-hots
    y = normal_scores(x[:, 0] - x[:, 5] + 0.3 * rng.standard_normal(n))
    xp = (rng.random((40, 15)) < 0.3).astype(float)
    mean, std = surrogate._gp_predict(x, y, xp)
    ref_mean, ref_std = reference_gp(x, y, xp)
    np.testing.assert_allclose(mean, ref_mean, atol=1e-9)
    np.testing.assert_allclose(std, ref_std, atol=1e-9)


def test_expected_improvement_and_normal_scores_match_the_formulas():
    mean, std = np.array([-1.0, 0.0, 0.5, 2.0]), np.array([0.5, 1.0, 0.1, 2.0])
    for m, s, ei in zip(mean, std, surrogate._expected_improvement(mean, std, 0.5)):
        g = (m - 0.5) / s
        cdf = 0.5 * (1 + math.erf(g / math.sqrt(2)))
        pdf = math.exp(-g * g / 2) / math.sqrt(2 * math.pi)
        assert ei == pytest.approx(s * (g * cdf + pdf), abs=1e-12)
    scores = normal_scores(np.array([0.3, 0.1, 0.3, 0.9]))
    # ranks 2.5 (tied), 1, 2.5, 4 -> Phi^-1((rank - 1/2) / 4) = Phi^-1(1/2, 1/8, 1/2, 7/8)
    q = 1.1503493803760079  # Phi^-1(7/8)
    np.testing.assert_allclose(scores, [0.0, -q, 0.0, q], atol=1e-12)


def _search(space, objective, n, **config):
    s = SurrogateSearch(space, seed=0, **config)
    fresh = 0
    original = s._fresh

    def counted(*args, **kwargs):
        nonlocal fresh
        fresh += 1
        return original(*args, **kwargs)

    s._fresh = counted
    for _ in range(n):
        cand = s.ask(1)[0]
        s.tell(cand, objective(cand))
    return s, fresh


def test_with_one_template_left_the_model_still_chooses():
    """A space restricted to one link pattern: every pool member's template is full after
    ``spread`` asks, and the search goes on by the model rather than at random."""
    space = NasBenchGraphSpace("cora").restrict({"link": [NasBenchGraphSpace("cora").links[4]]})
    assert space.template_label == "link"
    table = NasBenchGraphObjective("cora")
    s, fresh = _search(space, lambda c: table.lookup(c.arch)["valid_perf"], 30, init=10)
    assert len(set(s.templates)) == 1
    assert fresh == 10  # the random start only


def test_on_the_macro_space_the_surrogate_fits_its_structure_features():
    space = get_space("macro", InputSpec("vector", (10,)), OutputSpec("regression", 1),
                      n_nodes=3)
    s, fresh = _search(space, lambda c: space.structure_features(c.choices)["depth"], 14,
                       init=8, parents=2, mutations=5, samples=10)
    assert s.templates == [] and fresh == 8
    choices = s.told[0][0]
    features = s._feature(choices, cache=False)
    assert all(features[k] == v for k, v in space.structure_features(choices).items())
