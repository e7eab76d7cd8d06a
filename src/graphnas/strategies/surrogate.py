"""Surrogate-guided local search (in the spirit of BANANAS, White et al. 2021): a Gaussian
process fitted to the scores so far picks, among mutations of the best candidates and fresh
random samples, the one with the highest expected improvement.

Features of a candidate come from its decisions only, so any space works: a one-hot of every
decision's choice (``label=k``) and, per decision key, how many decisions chose each option value
(``#key=value``: how many nodes use a given op, wherever they are). Scores enter the GP as normal
scores of their ranks (a Gaussian copula), so that a few very bad candidates do not flatten the
differences among good ones. The kernel is a squared exponential on the features; its length
scale and noise are chosen by marginal likelihood on a small grid at every ask.

The pool is made of choice sequences, which are cheap; only the best-ranked ones are decoded,
until one is found whose architecture (by ``Candidate.hash``) was not asked before. Failed
candidates are not asked again and stay out of the fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import numpy as np

from graphnas.spaces.base import Candidate, Decision, Space

from .base import Strategy

Choices = tuple[int, ...]
_LENGTHS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)  # length scales, in units of the rms distance
_NOISES = (0.01, 0.03, 0.1, 0.3)  # noise variance, relative to the scores' variance


class SurrogateSearch(Strategy):
    """Expected improvement of a GP over a pool of mutations and random samples.

    Args:
        init: random candidates before the model is used.
        parents: how many of the best candidates so far are mutated for the pool.
        mutations: mutants per parent, each 1 to ``max_steps`` mutation steps away.
        samples: fresh random choice sequences in the pool.
        max_steps: the most mutation steps between a parent and a mutant.
        xi: exploration margin of expected improvement (in normal-score units).
        max_fit: the most candidates the GP is fitted to (the best half of them and the most
            recent others), which bounds an ask's cost in long searches.
    """

    name = "surrogate"

    def __init__(self, space: Space, seed: int = 0, init: int = 10, parents: int = 8,
                 mutations: int = 40, samples: int = 100, max_steps: int = 2, xi: float = 0.0,
                 max_fit: int = 400, acquisition: str = "ei", transform: str = "rank",
                 counts: bool = True, positions: bool = True, model: str = "gp",
                 trees: int = 50) -> None:
        super().__init__(space, seed)
        if min(init, parents, max_steps) < 1 or min(mutations, samples) < 0 or max_fit < 2:
            raise ValueError("surrogate needs init, parents, max_steps >= 1, mutations, "
                             "samples >= 0 and max_fit >= 2")
        self.init, self.parents, self.mutations = init, parents, mutations
        self.samples, self.max_steps, self.xi, self.max_fit = samples, max_steps, xi, max_fit
        self.acquisition, self.transform = acquisition, transform
        self.counts, self.positions = counts, positions
        self.model, self.trees = model, trees
        self.told: list[tuple[Choices, float | None]] = []
        self.seen: set[str] = set()  # hashes of every candidate asked or told
        self._features: dict[Choices, dict[str, float]] = {}  # of told candidates only
        self._fixed = space.fixed_decisions()

    # -- ask/tell -------------------------------------------------------------------------
    def ask(self, n: int = 1) -> list[Candidate]:
        out = []
        for _ in range(n):
            scored = self._scored()
            cand = self._propose(scored) if len(scored) >= self.init else None
            if cand is None:
                cand = self._fresh()
            self.seen.add(cand.hash)
            out.append(cand)
        return out

    def tell(self, candidate: Candidate, score: float | None) -> None:
        self.seen.add(candidate.hash)
        self.told.append((tuple(candidate.choices), None if score is None else float(score)))

    def _scored(self) -> list[tuple[Choices, float]]:
        """Told candidates with a score, each choice sequence once (its latest score)."""
        latest = {c: s for c, s in self.told if s is not None}
        return list(latest.items())

    # -- proposals ------------------------------------------------------------------------
    def _fresh(self, tries: int = 20) -> Candidate:
        """A random candidate not asked before (or, failing that after ``tries``, any)."""
        cand = self.space.sample(self.rng)
        for _ in range(tries):
            if cand.hash not in self.seen:
                break
            cand = self.space.sample(self.rng)
        return cand

    def _propose(self, scored: list[tuple[Choices, float]]) -> Candidate | None:
        pool = self._pool(scored)
        if not pool:
            return None
        fit = self._fit_set(scored)
        names = sorted({k for c, _ in fit for k in self._feature(c)}
                       | {k for c, f in pool.items() for k in f})
        x = _matrix([self._feature(c) for c, _ in fit], names)
        xp = _matrix(list(pool.values()), names)
        y = self._targets(np.array([s for _, s in fit]))
        if self.model == "forest":
            from sklearn.ensemble import RandomForestRegressor
            rf = RandomForestRegressor(self.trees, min_samples_leaf=1, max_features=0.5,
                                       random_state=int(self.rng.integers(2**31))).fit(x, y)
            per = np.stack([t.predict(xp) for t in rf.estimators_])
            mean, std = per.mean(0), per.std(0) + 1e-9
        else:
            mean, std = _gp_predict(x, y, xp)
        if self.acquisition == "ei":
            value = _expected_improvement(mean, std, y.max() + self.xi)
        elif self.acquisition == "ucb":
            value = mean + self.xi * std
        else:
            value = mean
        choices = list(pool)
        for i in np.argsort(-value, kind="stable")[:50]:
            cand = self.space.candidate(choices[int(i)])
            if cand.hash not in self.seen:
                return cand
        return None

    def _targets(self, y: np.ndarray) -> np.ndarray:
        if self.transform == "rank":
            return _normal_scores(y)
        return (y - y.mean()) / (y.std() or 1.0)

    def _fit_set(self, scored: list[tuple[Choices, float]]) -> list[tuple[Choices, float]]:
        """All scored candidates, or at most ``max_fit``: the best half and the latest rest."""
        if len(scored) <= self.max_fit:
            return scored
        order = sorted(range(len(scored)), key=lambda i: -scored[i][1])
        keep = set(order[: self.max_fit // 2])
        for i in range(len(scored) - 1, -1, -1):
            if len(keep) >= self.max_fit:
                break
            keep.add(i)
        return [scored[i] for i in sorted(keep)]

    def _pool(self, scored: list[tuple[Choices, float]]) -> dict[Choices, dict[str, float]]:
        """Choice sequences not told before -> their features: mutants of the best, then
        random samples."""
        told = {c for c, _ in self.told}
        pool: dict[Choices, dict[str, float]] = {}
        best = sorted(scored, key=lambda cs: -cs[1])[: self.parents]
        for parent, _ in best:
            for _ in range(self.mutations):
                child = parent
                for _ in range(int(self.rng.integers(1, self.max_steps + 1))):
                    child = self._mutate(child)
                if child not in told and child not in pool:
                    pool[child] = self._feature(child, cache=False)
        for _ in range(self.samples):
            child = self._sample()
            if child not in told and child not in pool:
                pool[child] = self._feature(child, cache=False)
        return pool

    def _sample(self) -> Choices:
        """``Space.sample``'s choices, without decoding them."""
        choices: list[int] = []
        while (d := self.space.next_decision(choices)) is not None:
            choices.append(int(self.rng.integers(len(d.options))))
        return tuple(choices)

    def _mutate(self, choices: Choices) -> Choices:
        """``Space.mutate``'s move on choices, without decoding them: one decision changes to
        another option; later decisions keep their choice where they still exist and are
        resampled where they change."""
        ds = self._decisions(choices)
        mutable = [i for i, d in enumerate(ds) if len(d.options) > 1]
        if not mutable:
            return choices
        i = mutable[int(self.rng.integers(len(mutable)))]
        k = int(self.rng.integers(len(ds[i].options) - 1))  # another option than choices[i]
        out = [*choices[:i], k + (k >= choices[i])]
        j = i + 1
        while (d := self.space.next_decision(out)) is not None:
            keep = j < len(ds) and ds[j].label == d.label and choices[j] < len(d.options)
            out.append(choices[j] if keep else int(self.rng.integers(len(d.options))))
            j += 1
        return tuple(out)

    def _decisions(self, choices: Choices) -> Sequence[Decision]:
        return self._fixed if self._fixed is not None else self.space.decisions(choices)

    # -- features -------------------------------------------------------------------------
    def _feature(self, choices: Choices, cache: bool = True) -> dict[str, float]:
        if choices in self._features:
            return self._features[choices]
        f: dict[str, float] = {}
        for d, k in zip(self._decisions(choices), choices):
            if self.positions:
                f[f"{d.label}={k}"] = 1.0
            if self.counts:
                name = f"#{d.key}={d.options[k]!r}"
                f[name] = f.get(name, 0.0) + 1.0
        if cache:
            self._features[choices] = f
        return f

    # -- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "told": [[list(c), s] for c, s in self.told],
                "seen": sorted(self.seen)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.told = [(tuple(c), s) for c, s in state["told"]]
        self.seen = set(state["seen"])


def _matrix(rows: Sequence[dict[str, float]], names: list[str]) -> np.ndarray:
    col = {n: i for i, n in enumerate(names)}
    m = np.zeros((len(rows), len(names)))
    for r, f in enumerate(rows):
        for k, v in f.items():
            m[r, col[k]] = v
    return m


def _normal_scores(y: np.ndarray) -> np.ndarray:
    """Ranks mapped to standard normal quantiles (ties share their mean rank)."""
    order = np.argsort(y, kind="stable")
    ranks = np.empty(len(y))
    ranks[order] = np.arange(len(y))
    for v in np.unique(y):  # average ranks of ties
        tie = y == v
        ranks[tie] = ranks[tie].mean()
    q = NormalDist()
    return np.array([q.inv_cdf((r + 0.5) / len(y)) for r in ranks])


def _gp_predict(x: np.ndarray, y: np.ndarray, xp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and std at ``xp`` of a zero-mean GP with a squared exponential kernel
    fitted to ``(x, y)`` (y roughly standardised); length scale and noise by marginal
    likelihood on a grid."""
    z = y - y.mean()
    d2 = _sqdist(x, x)
    scale = float(d2.mean()) or 1.0
    best = None
    for length in _LENGTHS:
        k = np.exp(-d2 / (2 * length**2 * scale))
        for noise in _NOISES:
            chol = np.linalg.cholesky(k + noise * np.eye(len(z)))
            alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, z))
            nll = 0.5 * z @ alpha + np.log(np.diag(chol)).sum()
            if best is None or nll < best[0]:
                best = (nll, length, chol, alpha)
    _, length, chol, alpha = best
    ks = np.exp(-_sqdist(xp, x) / (2 * length**2 * scale))
    mean = ks @ alpha + y.mean()
    v = np.linalg.solve(chol, ks.T)
    var = np.clip(1.0 - (v * v).sum(axis=0), 1e-12, None)
    return mean, np.sqrt(var)


def _sqdist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.clip((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T, 0, None)


def _expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    gamma = (mean - best) / std
    cdf = 0.5 * (1 + np.vectorize(math.erf)(gamma / math.sqrt(2)))
    pdf = np.exp(-0.5 * gamma**2) / math.sqrt(2 * math.pi)
    return std * (gamma * cdf + pdf)
