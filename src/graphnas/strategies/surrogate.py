"""Surrogate-guided local search (in the spirit of BANANAS, White et al. 2021): a Gaussian
process fitted to the scores so far ranks a pool of mutations of the best candidates and fresh
random samples, and the best-ranked candidate not asked before is asked next.

Features come from a candidate's decisions, so any space works: a one-hot of every
decision's choice (``label=k``) and, per decision key, how many decisions chose each option value
(``#key=value``: how many nodes use a given op, wherever they are), plus whatever the space
says of the architecture's structure (``Space.structure_features``: depths, widths, branches,
memory links, ...). Scores enter the GP as the normal scores of their ranks (a Gaussian copula),
so that a few very bad or failed-but-scored candidates do not flatten the differences among good
ones, whatever the metric's scale. The GP is scikit-learn's ``GaussianProcessRegressor`` with a
squared exponential kernel on the features (unit signal variance); its length scale and noise
are chosen by marginal likelihood on a small grid at every ask.

The pool is built from choice sequences, which is cheap (no decoding, no shape inference); only
the best-ranked sequences are decoded, until one is found whose architecture (by
``Candidate.hash``) was not asked before. Failed candidates are not asked again and stay out of
the fit.

By default a candidate is ranked by the GP's posterior mean (``acquisition="mean"``): with
scores as noisy as a validation accuracy, most of what a short search can gain comes from asking
many distinct candidates where the model expects good scores. ``acquisition="ei"`` (expected
improvement) explores more.

Where the space names a decision that picks the network's wiring template
(``Space.template_label``), at most ``spread`` of the last ``window`` asks share one choice of
it: the posterior mean finds a template whose members are reliably good and would otherwise
spend the search there, though another template may hold the best members.

Where the defaults come from: they were chosen on NAS-Bench-Graph's cora, citeseer and pubmed
tables, searches of 100 queries, seeds 0-19 (some checked on seeds 20-59; BENCHMARKS.md, B4):
the posterior mean (against expected improvement and confidence bounds), the start and pool
sizes, the length-scale and noise grids, and ``spread=3, window=6`` (against 1 of 3 to 4 of 8).
No other space has been searched often enough to tune them.

Told tuples of objectives, ``several`` chooses how. ``"hvi"`` (the default): one GP per
objective (each on its normal scores) predicts a pool member's vector, which is ranked by the
hypervolume it would add to the front of the told vectors (in normal-score units; a member
predicted to be dominated by how far it falls short), and the pool's parents are the front's
members, the most isolated first. A predicted objective is the GP's mean plus ``optimism``
standard deviations: with the mean alone nothing is predicted above the best score told, so
once the front's best score is a cheap candidate's, no costlier one can add to the front and
the search stays at the cheap end (on NAS-Bench-Graph's physics with the mean alone, seeds 0-5
found a best normalised accuracy of 0.950 on average, 0.944-0.949 on three of them among the
cheapest 1% of latencies; with ``optimism=2``, 0.959; ``benchmarks/front_gaps.py``).
``optimism=2`` was chosen over 0 and 1 on cora, citeseer and pubmed (100 queries, 20 seeds,
accuracy against latency; BENCHMARKS.md, B13). Where the loop knows an objective before training
(``Strategy.known``: a network's size, a table's measured latency), its exact values replace
that objective's GP (normal scores of the told and the pool's values together), so that only
the score is predicted. ``"ehvi"``: the expected hypervolume improvement of each pool member
under the GPs' posteriors (``graphnas.pareto.expected_improvement``; a known objective exact),
instead of the improvement of one optimistic vector; on the tuning sets it did no better than
``"hvi"`` (1.02x its regret on average, 1.03x with known costs; BENCHMARKS.md, B13).
``"parego"`` (Knowles 2006): at every ask, weights drawn from the simplex turn each told vector
(normalised by the ranges seen) into one augmented Tchebycheff value, and the single-objective
search above runs on those values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from graphnas.pareto import (
    Normalizer,
    crowding_distance,
    expected_improvement,
    fronts,
    hypervolume,
    non_dominated,
    random_weights,
    tchebycheff,
)
from graphnas.spaces.base import Candidate, Decision, Space

from .base import Score, Strategy
from .normal_scores import normal_scores

Choices = tuple[int, ...]
_LENGTHS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)  # kernel length scales, in units of the rms distance
_NOISES = (0.01, 0.03, 0.1, 0.3)  # noise variance, relative to the (unit) signal variance
_DECODE_TRIES = 50  # best-ranked pool members decoded in search of an unseen architecture


class SurrogateSearch(Strategy):
    """A GP's ranking of a pool of mutants of the best candidates and random samples.

    Args:
        init: random candidates before the model is used.
        parents: how many of the best candidates so far are mutated for the pool.
        mutations: mutants per parent, each 1 to ``max_steps`` mutation steps away.
        samples: fresh random choice sequences in the pool.
        max_steps: the most mutation steps between a parent and a mutant.
        acquisition: "mean" (posterior mean) or "ei" (expected improvement over the best).
        max_fit: the most candidates the GP is fitted to (the best half of them and the latest
            others), which bounds an ask's cost in long searches.
        spread, window: at most ``spread`` of the last ``window`` asks share a choice of the
            space's template decision (no limit when ``spread > window`` or the space has
            none).
        several: with several objectives, "hvi" (hypervolume improvement of an optimistic
            vector), "ehvi" (expected hypervolume improvement) or "parego".
        optimism: with "hvi", each predicted objective is the GP's mean plus ``optimism``
            posterior standard deviations (an upper confidence bound, as in SMS-EGO).
    """

    name = "surrogate"
    multi_objective = True
    reads_known = True

    def __init__(self, space: Space, seed: int = 0, init: int = 10, parents: int = 8,
                 mutations: int = 40, samples: int = 100, max_steps: int = 2,
                 acquisition: str = "mean", max_fit: int = 400, spread: int = 3,
                 window: int = 6, several: str = "hvi", optimism: float = 2.0) -> None:
        super().__init__(space, seed)
        if min(init, parents, max_steps, spread, window) < 1 or min(mutations, samples) < 0 \
                or max_fit < 2:
            raise ValueError("surrogate needs init, parents, max_steps, spread, window >= 1, "
                             "mutations, samples >= 0 and max_fit >= 2")
        if acquisition not in ("mean", "ei"):
            raise ValueError(f"surrogate acquisition must be 'mean' or 'ei', not "
                             f"{acquisition!r}")
        if several not in ("hvi", "ehvi", "parego"):
            raise ValueError(f"surrogate several must be 'hvi', 'ehvi' or 'parego', not "
                             f"{several!r}")
        if optimism < 0:
            raise ValueError("surrogate optimism must be >= 0")
        self.several, self.optimism = several, optimism
        self.init, self.parents, self.mutations = init, parents, mutations
        self.samples, self.max_steps = samples, max_steps
        self.acquisition, self.max_fit = acquisition, max_fit
        self.spread, self.window = spread, window
        self.templates: list[int] = []  # the template decision's choice in the latest asks
        self.told: list[tuple[Choices, Score]] = []
        self.seen: set[str] = set()  # hashes of every candidate asked or told
        self._fixed = space.fixed_decisions()  # None where decisions depend on choices
        if self._fixed is not None:
            self._sizes = [len(d.options) for d in self._fixed]
            self._mutable = [i for i, n in enumerate(self._sizes) if n > 1]
            self._names = [_names(d) for d in self._fixed]
        self._features: dict[Choices, dict[str, float]] = {}  # of told candidates only
        self._known: dict[Choices, tuple[float | None, ...] | None] = {}  # ``known``'s answers

    # -- ask/tell -------------------------------------------------------------------------
    def ask(self, n: int = 1) -> list[Candidate]:
        out = []
        for _ in range(n):
            told = self._scored()
            cand = None
            if len(told) >= self.init:
                vectors = isinstance(told[0][1], tuple)
                cand = self._propose_front(told) if vectors and self.several != "parego" else \
                    self._propose(self._scalarized(told))
            if cand is None:
                cand = self._fresh()
            self.seen.add(cand.hash)
            if (template := self._template(cand.choices)) is not None:
                self.templates = [*self.templates, template][-self.window:]
            out.append(cand)
        return out

    def tell(self, candidate: Candidate, score: Score) -> None:
        self.seen.add(candidate.hash)
        self.told.append((tuple(candidate.choices), _score(score)))

    def tell_fidelity(self, candidate: Candidate, score: Score, rung: int) -> None:
        """A promoted candidate's longer-trained score replaces its first one: the model is
        fitted to the best-trained score of each candidate."""
        key = tuple(candidate.choices)
        self.told = [(c, _score(score) if c == key else s) for c, s in self.told]

    def _scored(self) -> list[tuple[Choices, Score]]:
        """Told candidates with a score, each choice sequence once (with its latest score)."""
        return list({c: s for c, s in self.told if s is not None}.items())

    def _scalarized(self, scored: list[tuple[Choices, Score]]) -> list[tuple[Choices, float]]:
        """The scores as they are (one objective), or each vector's augmented Tchebycheff
        value under weights drawn for this ask (several)."""
        if not scored or not isinstance(scored[0][1], tuple):
            return scored  # type: ignore[return-value]
        points = np.array([s for _, s in scored], float)
        weights = random_weights(self.rng, points.shape[1])
        values = tchebycheff(Normalizer().update(points)(points), weights)
        return [(c, float(v)) for (c, _), v in zip(scored, values)]

    # -- proposals ------------------------------------------------------------------------
    def _fresh(self, tries: int = 20) -> Candidate:
        """A random candidate not asked before (or, after ``tries`` misses, any)."""
        cand = self.space.sample(self.rng)
        for _ in range(tries):
            if cand.hash not in self.seen:
                break
            cand = self.space.sample(self.rng)
        return cand

    def _propose(self, scored: list[tuple[Choices, float]]) -> Candidate | None:
        """The best-ranked unseen candidate of a fresh pool (None if there is none)."""
        pool = self._pool(scored)
        if not pool:
            return None
        fit = self._fit_set(scored)
        names = sorted({k for c, _ in fit for k in self._feature(c)}
                       | {k for f in pool.values() for k in f})
        x = _matrix([self._feature(c) for c, _ in fit], names)  # (fit, features)
        xp = _matrix(list(pool.values()), names)  # (pool, features)
        y = normal_scores(np.array([s for _, s in fit]))
        mean, std = _gp_predict(x, y, xp)
        value = mean if self.acquisition == "mean" else _expected_improvement(mean, std,
                                                                               y.max())
        return self._pick(list(pool), value)

    def _propose_front(self, told: list[tuple[Choices, Score]]) -> Candidate | None:
        """The unseen pool member whose predicted vector adds most to the front."""
        points = np.array([s for _, s in told], float)
        order = np.zeros(len(told))  # front, then crowding: a scalar for parents and fit set
        for level, front in enumerate(fronts(points)):
            crowd = np.argsort(-crowding_distance(points[front]), kind="stable")
            for place, j in enumerate(crowd):
                order[front[j]] = -(level + place / (len(front) + 1))
        ranked = [(c, float(o)) for (c, _), o in zip(told, order)]
        pool = self._pool(ranked)
        if not pool:
            return None
        keep = {c for c, _ in self._fit_set(ranked)}
        fit = [(c, v) for c, v in told if c in keep]
        names = sorted({k for c, _ in fit for k in self._feature(c)}
                       | {k for f in pool.values() for k in f})
        x = _matrix([self._feature(c) for c, _ in fit], names)
        xp = _matrix(list(pool.values()), names)
        raw = np.array([v for _, v in fit], float)  # (fit, objectives)
        y = np.empty_like(raw)
        mean = np.empty((len(pool), raw.shape[1]))
        std = np.zeros_like(mean)  # 0 where an objective is known exactly
        known = self._known_columns(list(pool), raw.shape[1])
        for k in range(raw.shape[1]):
            if k in known:  # exact: normal scores of the told and the pool's values together
                z = normal_scores(np.concatenate([raw[:, k], known[k]]))
                y[:, k], mean[:, k] = z[:len(raw)], z[len(raw):]
            else:
                y[:, k] = normal_scores(raw[:, k])
                mean[:, k], std[:, k] = _gp_predict(x, y[:, k], xp)
        if self.several == "ehvi":
            front = y[non_dominated(y)]
            expected = expected_improvement(front, y.min(axis=0) - 0.5, mean, std,
                                            rng=self.rng)
            short = _shortfall(front, mean)  # ranks the hopeless ones
            return self._pick(list(pool), np.where(expected > 1e-12, expected, short))
        return self._pick(list(pool), _front_gain(y, mean + self.optimism * std))

    def _known_columns(self, pool: list[Choices], objectives: int) -> dict[int, np.ndarray]:
        """Objective index -> every pool member's value of it, for the objectives that
        :attr:`known` gives for the whole pool (none without it)."""
        if self.known is None:
            return {}
        rows = []
        for choices in pool:
            if choices not in self._known:
                self._known[choices] = self.known(self.space.candidate(choices))
            rows.append(self._known[choices])
        return {k: np.array([r[k] for r in rows], float) for k in range(objectives)
                if all(r is not None and len(r) > k and r[k] is not None for r in rows)}

    def _pick(self, choices: list[Choices], value: np.ndarray) -> Candidate | None:
        """The pool member of highest value not asked before, spreading templates."""
        order = [int(i) for i in np.argsort(-value, kind="stable")]
        full = {k for k, n in Counter(self.templates).items() if n >= self.spread}
        if full:  # unless every pool member's template is full (one template left, say)
            order = [i for i in order if self._template(choices[i]) not in full] or order
        for i in order[:_DECODE_TRIES]:
            cand = self.space.candidate(choices[i])
            if cand.hash not in self.seen:
                return cand
        return None

    def _template(self, choices: Choices) -> int | None:
        """The choice of the space's template decision (None where it has none)."""
        label = self.space.template_label
        if label is None:
            return None
        for d, k in zip(self._decisions(choices), choices):
            if d.label == label:
                return k
        return None

    def _fit_set(self, scored: list[tuple[Choices, float]]) -> list[tuple[Choices, float]]:
        """All scored candidates, or ``max_fit`` of them: the best half and the latest rest."""
        if len(scored) <= self.max_fit:
            return scored
        best = sorted(range(len(scored)), key=lambda i: -scored[i][1])[: self.max_fit // 2]
        keep = set(best)
        latest = (i for i in range(len(scored) - 1, -1, -1) if i not in keep)
        while len(keep) < self.max_fit:
            keep.add(next(latest))
        return [scored[i] for i in sorted(keep)]

    def _pool(self, scored: list[tuple[Choices, float]]) -> dict[Choices, dict[str, float]]:
        """Choice sequences not told before -> their features: mutants of the best, then
        random samples."""
        told = {c for c, _ in self.told}
        pool: dict[Choices, dict[str, float]] = {}

        def add(choices: Choices) -> None:
            if choices not in told and choices not in pool:
                pool[choices] = self._feature(choices, cache=False)

        for parent, _ in sorted(scored, key=lambda cs: -cs[1])[: self.parents]:
            for _ in range(self.mutations):
                child = parent
                for _ in range(int(self.rng.integers(1, self.max_steps + 1))):
                    child = self._mutate(child)
                add(child)
        for _ in range(self.samples):
            add(self._sample())
        return pool

    def _sample(self) -> Choices:
        """``Space.sample``'s choices, without decoding them."""
        if self._fixed is not None:
            return tuple(int(k) for k in self.rng.integers(0, self._sizes))
        choices: list[int] = []
        while (d := self.space.next_decision(choices)) is not None:
            choices.append(int(self.rng.integers(len(d.options))))
        return tuple(choices)

    def _mutate(self, choices: Choices) -> Choices:
        """``Space.mutate``'s move, on choices and without decoding them: one decision changes
        to another option; later decisions keep their choice where they still exist and are
        resampled where they change."""
        ds = self._decisions(choices)
        mutable = self._mutable if self._fixed is not None else [
            i for i, d in enumerate(ds) if len(d.options) > 1]
        if not mutable:
            return choices
        i = mutable[int(self.rng.integers(len(mutable)))]
        k = int(self.rng.integers(len(ds[i].options) - 1))
        out = [*choices[:i], k + (k >= choices[i])]  # any option but the current one
        if self._fixed is not None:
            return (*out, *choices[i + 1:])
        j = i + 1
        while (d := self.space.next_decision(out)) is not None:
            keep = j < len(ds) and ds[j].label == d.label and choices[j] < len(d.options)
            out.append(choices[j] if keep else int(self.rng.integers(len(d.options))))
            j += 1
        return tuple(out)

    # -- features -------------------------------------------------------------------------
    def _decisions(self, choices: Choices) -> Sequence[Decision]:
        return self._fixed if self._fixed is not None else self.space.decisions(choices)

    def _feature(self, choices: Choices, cache: bool = True) -> dict[str, float]:
        """``label=k`` one-hots and ``#key=value`` counts of a choice sequence, and the space's
        structure features."""
        if choices in self._features:
            return self._features[choices]
        if self._fixed is not None:
            names = [self._names[i][k] for i, k in enumerate(choices)]
        else:
            names = [_names(d)[k] for d, k in zip(self.space.decisions(choices), choices)]
        f: dict[str, float] = {}
        for one_hot, count in names:
            f[one_hot] = 1.0
            f[count] = f.get(count, 0.0) + 1.0
        for name, value in self.space.structure_features(choices).items():
            f[name] = f.get(name, 0.0) + value
        if cache:
            self._features[choices] = f
        return f

    # -- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(),
                "told": [[list(c), list(s) if isinstance(s, tuple) else s] for c, s in self.told],
                "seen": sorted(self.seen), "templates": list(self.templates)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.told = [(tuple(c), _score(s)) for c, s in state["told"]]
        self.seen = set(state["seen"])
        self.templates = [int(k) for k in state.get("templates", state.get("shapes", []))]


def _score(score: Any) -> Score:
    """A told score as stored: None, a float, or a tuple of floats (from a tuple or a list)."""
    if score is None:
        return None
    if isinstance(score, (tuple, list)):
        return tuple(float(x) for x in score)
    return float(score)


def _names(d: Decision) -> list[tuple[str, str]]:
    """Per option of a decision, the names of its one-hot and count features."""
    return [(f"{d.label}={k}", f"#{d.key}={o!r}") for k, o in enumerate(d.options)]


def _matrix(rows: Sequence[dict[str, float]], names: list[str]) -> np.ndarray:
    col = {n: i for i, n in enumerate(names)}
    m = np.zeros((len(rows), len(names)))
    for r, f in enumerate(rows):
        for k, v in f.items():
            m[r, col[k]] = v
    return m


def _gp_predict(x: np.ndarray, y: np.ndarray, xp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and std (of the latent function, without the noise) at ``xp`` of a GP
    with a squared exponential kernel of unit variance and a constant mean ``y.mean()``, fitted
    to ``(x, y)``, y roughly standardised. The length scale (in units of the rms distance
    between the points of ``x``) and the noise variance are the pair of the grid with the
    highest marginal likelihood."""
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, WhiteKernel
    from sklearn.metrics.pairwise import euclidean_distances

    z = y - y.mean()
    rms = float(np.sqrt(euclidean_distances(x, squared=True).mean())) or 1.0
    # the grid's marginal likelihoods, from one GP whose kernel's noise is a hyperparameter
    noisy = GaussianProcessRegressor(RBF(rms) + WhiteKernel(), alpha=0.0, optimizer=None)
    noisy.fit(x, z)
    grid = [(length * rms, noise) for length in _LENGTHS for noise in _NOISES]
    lml = [noisy.log_marginal_likelihood(np.log(p), clone_kernel=False) for p in grid]
    scale, noise = grid[int(np.argmax(lml))]  # the first of equals, as the grid is listed
    gp = GaussianProcessRegressor(RBF(scale, "fixed"), alpha=noise, optimizer=None).fit(x, z)
    mean, std = gp.predict(xp, return_std=True)  # alpha is not added at xp: a latent std
    return mean + y.mean(), std


def _front_gain(told: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Per predicted vector, the hypervolume it adds to the front of ``told`` (reference: the
    told minimum less 0.5 in every objective), or, where it adds none, minus how far it falls
    short of the front: the least amount it must gain in every objective to escape being
    dominated, i.e. to beat each front member in at least one objective (``max`` over members
    of the ``min`` over objectives of the member's lead). A vector that is behind only in the
    score, however much more it costs, is as near as its score is to the best one."""
    front = told[non_dominated(told)]
    ref = told.min(axis=0) - 0.5
    base = hypervolume(front, ref)
    gain = np.array([hypervolume(np.vstack([front, p]), ref) - base for p in predicted])
    return np.where(gain > 1e-12, gain, _shortfall(front, predicted))


def _shortfall(front: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Minus how far each predicted vector falls short of escaping domination by ``front``
    (0 where no member dominates it); see :func:`_front_gain`."""
    short = np.array([np.max(np.min(front - p, axis=1)) for p in predicted])
    return -np.maximum(short, 0.0)


def _expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    from scipy.stats import norm

    std = np.maximum(std, 1e-12)
    gamma = (mean - best) / std
    return std * (gamma * norm.cdf(gamma) + norm.pdf(gamma))
