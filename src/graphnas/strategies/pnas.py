"""Progressive NAS (PNAS, Liu et al. 2018): cells grown one block at a time, a learned
predictor choosing which of the larger cells to train.

Round 1 trains the one-block cells (all of them, or the first ``init`` of them in a seeded
order where there are more). Every later round fits the predictor to every score so far, expands
the ``beam`` best cells of the last size by every one-block extension, ranks the extensions with
the predictor and asks for the best-ranked ones; a round ends once ``beam`` of its candidates
are told (failures count), and the predictor is scored then. At the space's largest cells it
goes on with the best-ranked neighbours (one token changed) of the ``beam`` best cells. On the
``blocks`` space a step is a block; any other space grows one decision at a time (see
``pnas_parts``).

The predictor is the paper's MLP ensemble over the blocks' tokens, fitted to the normal scores
of the values told (their ranks on a normal scale), so that the few very poor cells of the first
rounds do not decide its fit among the good ones (replayed on B10's digits cells, the last
round's Spearman of five refits: -0.32 to 0.39 on the raw scores, 0.18 to 0.29 on their
ranks; ``benchmarks/pnas_predictors.py``). By default (``signal="loss"``) the search is told
minus each cell's validation loss instead of its score (see ``Strategy.signal``): the loss
ranks near-equal cells reproducibly where their accuracies tie or swap. Before it is
refitted, its Spearman rank correlation on the cells it had ranked and that were then trained
is logged and kept in ``rounds`` (in ``state_dict``, so in the run's store): it says how far
to trust it.
Measured on the cells it ranked best only, that figure is biased low (the cells it overrated are
the ones trained) and taken over a narrow range of quality. With ``probes`` > 0, each ranked
round also trains that many cells drawn at random from the rest of its pool, as the paper
measured its predictor on randomly drawn models: ``spearman`` is then taken on every trained
cell of the round, ``spearman_ranked`` on the best-ranked ones alone.

Asynchronous: while a round's candidates are out, ``ask`` goes on down the round's ranking (the
predicted-best extensions not asked yet; in round 1, further smallest cells), then samples the
space; results may come in any order.
"""

from __future__ import annotations

import logging
from typing import Any

from graphnas.spaces.base import Candidate, Space

from .base import Strategy
from .normal_scores import normal_scores
from .pnas_parts import MLPEnsemble, growth_for, spearman

log = logging.getLogger(__name__)

Choices = tuple[int, ...]
_SAMPLE_TRIES = 20  # random samples tried in search of an unseen one, once the ranking runs out


class PNAS(Strategy):
    """Progressive search with a predictor; see the module docstring.

    Args:
        beam: cells expanded per round, and candidates trained per round (K).
        init: the most one-block cells trained in round 1.
        models: MLPs in the predictor's ensemble.
        hidden: the width of their two hidden layers.
        probes: cells per ranked round drawn at random from the pool below its best ``beam``
            (trained beside them, so that the predictor is scored on the whole pool's range).
        signal: what it ranks cells by and its predictor learns: "loss" (minus the
            validation loss) or "score" (the validation score). The loss ties far less
            often on a small split: retrained, the last 9 cells of B10's digits searches
            reproduced their order by loss at Spearman 0.27 and by accuracy at 0.08
            (BENCHMARKS.md, B10).
    """

    name = "pnas"

    def __init__(self, space: Space, seed: int = 0, beam: int = 8, init: int = 32,
                 models: int = 5, hidden: int = 32, probes: int = 0,
                 signal: str = "loss") -> None:
        super().__init__(space, seed)
        if min(beam, init, models, hidden) < 1 or probes < 0:
            raise ValueError("pnas needs beam, init, models and hidden >= 1 and probes >= 0")
        if signal not in ("score", "loss"):
            raise ValueError(f"pnas signal must be 'score' or 'loss', not {signal!r}")
        self.signal = signal
        self.beam, self.init, self.models, self.hidden = beam, init, models, hidden
        self.probes = probes
        self.probe: set[Choices] = set()  # cells chosen at random from a ranked pool
        self.growth = growth_for(space)
        self.told: list[tuple[Choices, float | None]] = []
        self.round_of: dict[Choices, int] = {}  # asked choices -> the round that asked them
        self.predicted: dict[Choices, float] = {}  # asked choices -> the predictor's score
        self.rounds: list[dict[str, Any]] = []  # size, quota, asked, told, spearman, n, closed
        self.queue: list[tuple[Choices, float | None]] = []  # the round's ranking, not asked yet
        self.seen: set[str] = set()  # hashes of every candidate asked or told
        self._keys: set[Any] = set()  # growth keys of the same

    # -- ask/tell -------------------------------------------------------------------------
    def ask(self, n: int = 1) -> list[Candidate]:
        out = []
        for _ in range(n):
            if not self.rounds:
                self._open(1, self._first())
            elif self.rounds[-1]["closed"]:
                self._open(*self._next_round())
            out.append(self._next())
        return out

    def tell(self, candidate: Candidate, score: float | None) -> None:
        choices = tuple(candidate.choices)
        self.told.append((choices, None if score is None else float(score)))
        self._see(candidate)
        if choices in self.round_of:
            r = self.rounds[self.round_of[choices]]
            r["told"] += 1
            if r is self.rounds[-1] and not r["closed"] and r["told"] >= r["quota"]:
                self._close()

    def _see(self, cand: Candidate) -> None:
        self.seen.add(cand.hash)
        self._keys.add(self.growth.key(cand.choices))

    def _next(self) -> Candidate:
        """The round's best-ranked candidate not seen yet, else an unseen random sample."""
        cand, pred = None, None
        while self.queue and cand is None:
            choices, pred = self.queue.pop(0)
            if self.growth.key(choices) not in self._keys:
                cand = self.space.candidate(choices)
                cand = None if cand.hash in self.seen else cand
        if cand is None:
            pred = None
            for _ in range(_SAMPLE_TRIES):
                cand = self.space.sample(self.rng)
                if cand.hash not in self.seen:
                    break
        self._see(cand)
        self.round_of[cand.choices] = len(self.rounds) - 1
        if pred is not None:
            self.predicted[cand.choices] = pred
        self.rounds[-1]["asked"] += 1
        return cand

    # -- rounds ---------------------------------------------------------------------------
    def _first(self) -> list[tuple[Choices, float | None]]:
        """The smallest cells in a seeded order; the first ``init`` are the round's quota, the
        next ``8 * beam`` are asked while the quota's results are out."""
        cells = self._unseen(self.growth.first())
        order = self.rng.permutation(len(cells))[: self.init + 8 * self.beam]
        return [(cells[int(i)], None) for i in order]

    def _open(self, size: int, queue: list[tuple[Choices, float | None]]) -> None:
        probes = sum(c in self.probe for c, _ in queue)
        quota = min((self.beam + probes) if self.rounds else self.init, len(queue))
        self.rounds.append({"size": size, "quota": max(quota, 1), "asked": 0, "told": 0,
                            "spearman": None, "n": 0, "spearman_ranked": None,
                            "probes": 0, "closed": False})
        self.queue = queue

    def _close(self) -> None:
        """Scores the predictor on the round's cells that it ranked and that were trained:
        all of them, and those it ranked best (the probes left out)."""
        r = len(self.rounds) - 1
        cells = [(c, self.predicted[c], s) for c, s in self.told
                 if s is not None and self.round_of.get(c) == r and c in self.predicted]
        ranked = [x for x in cells if x[0] not in self.probe]
        rho = spearman([p for _, p, _ in cells], [s for _, _, s in cells])
        self.rounds[r].update(spearman=rho, n=len(cells), closed=True,
                              spearman_ranked=spearman([p for _, p, _ in ranked],
                                                       [s for _, _, s in ranked]),
                              probes=len(cells) - len(ranked))
        if cells:
            log.info("pnas round %d (size %d): predictor Spearman %s on %d trained cells "
                     "(%d drawn at random)", r + 1, self.rounds[r]["size"],
                     "n/a" if rho is None else f"{rho:.2f}", len(cells), len(cells) - len(ranked))

    def _next_round(self) -> tuple[int, list[tuple[Choices, float | None]]]:
        """The next round's size and ranking: extensions of the best cells of the last size,
        or, where none can grow, neighbours of the best cells."""
        size = self.rounds[-1]["size"]
        scored = sorted({c: s for c, s in self.told if s is not None}.items(),
                        key=lambda cs: -cs[1])
        pool: list[Choices] = []
        for c, _ in scored:
            if len(pool) >= self.beam:
                break
            if grown := self.growth.extend(c, size):
                pool.append(grown)
        grown_pool = self._unseen([g for group in pool for g in group])
        if grown_pool:
            return size + 1, self._rank(scored, grown_pool)
        near = [c for best, _ in scored[: self.beam] for c in self.growth.neighbours(best)]
        return size, self._rank(scored, self._unseen(near))

    def _rank(self, scored: list[tuple[Choices, float]], pool: list[Choices]
              ) -> list[tuple[Choices, float | None]]:
        """The pool's best ``8 * beam`` by the predictor refitted to every score so far, with
        ``probes`` cells drawn at random from below its best ``beam`` spread among them."""
        seed = int(self.rng.integers(2**31))
        if len(scored) < 2 or not pool:
            order = self.rng.permutation(len(pool))[: 8 * self.beam]
            return [(pool[int(i)], None) for i in order]
        model = MLPEnsemble(self.models, self.hidden, seed)
        model.fit([self.growth.features(c) for c, _ in scored],
                  normal_scores([s for _, s in scored]))
        pred = model.predict([self.growth.features(c) for c in pool])
        order = sorted(range(len(pool)), key=lambda i: -pred[i])
        ranked = [(pool[i], float(pred[i])) for i in order]
        top, rest = ranked[: self.beam], ranked[self.beam:]
        if not self.probes or not rest:
            return ranked[: 8 * self.beam]
        drawn = set(self.rng.choice(len(rest), size=min(self.probes, len(rest)), replace=False)
                    .tolist())
        probes = [rest[i] for i in sorted(drawn)]
        self.probe.update(c for c, _ in probes)
        head = []  # the best, a probe after every few of them
        for j, cell in enumerate(top):
            head.append(cell)
            head += [p for k, p in enumerate(probes)
                     if max(1, (k + 1) * len(top) // len(probes)) == j + 1]
        rest = [x for i, x in enumerate(rest) if i not in drawn]
        return head + rest[: 8 * self.beam - len(top)]

    def _unseen(self, pool: list[Choices]) -> list[Choices]:
        """The pool without seen or repeated keys, in order."""
        keys, out = set(self._keys), []
        for c in pool:
            if (k := self.growth.key(c)) not in keys:
                keys.add(k)
                out.append(c)
        return out

    # -- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "told": [[list(c), s] for c, s in self.told],
                "round_of": [[list(c), r] for c, r in self.round_of.items()],
                "predicted": [[list(c), p] for c, p in self.predicted.items()],
                "rounds": [dict(r) for r in self.rounds],
                "queue": [[list(c), p] for c, p in self.queue], "seen": sorted(self.seen),
                "probe": sorted(list(c) for c in self.probe)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.told = [(tuple(c), s) for c, s in state["told"]]
        self.round_of = {tuple(c): r for c, r in state["round_of"]}
        self.predicted = {tuple(c): p for c, p in state["predicted"]}
        self.rounds = [dict(r) for r in state["rounds"]]
        self.queue = [(tuple(c), p) for c, p in state["queue"]]
        self.seen = set(state["seen"])
        self.probe = {tuple(c) for c in state.get("probe", [])}  # absent in older runs
        self._keys = {self.growth.key(c) for c in (*self.round_of, *(c for c, _ in self.told))}
