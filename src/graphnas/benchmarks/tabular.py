"""An in-memory search loop over a tabular benchmark, and strategy comparisons on it.

The loop is the driver's ask -> evaluate -> tell without the run store (a table lookup takes
microseconds; recording thousands of trials in SQLite would be all the cost). Strategies are the
ordinary registered ones, built with ``get_strategy`` and nothing else; references (Optuna's TPE,
:mod:`graphnas.benchmarks.reference`) run in the same loop.

What a *query* is: one look-up of an architecture not seen before in this run (by canonical
hash). A candidate asked again (e.g. an isomorphic mutation) is told its known score at no cost
and does not count, as a real search never trains the same architecture twice. A run stops after
``queries`` queries, or after ``max_asks`` asks in all (a strategy that keeps asking for known
architectures ends early; its curve stays flat to the end).

Regret is measured on the noise-free validation value of the *incumbent*, the query with the
best score the search was told (the first of tied ones): with a noisy score that is not the
query with the best noise-free value.

With several objectives (the score and tabulated costs, e.g. ``("score", "latency")``) the
search is told a tuple ``(score, -cost, ...)`` and quality is hypervolume regret
(:mod:`graphnas.benchmarks.fronts`) of the queries whose told vectors no other query's told
vector dominates, measured at their noise-free values.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphnas.pareto import non_dominated
from graphnas.spaces.base import Space
from graphnas.strategies import check_objectives, decision_names, get_strategy

from .base import Evaluate, TabularBenchmark
from .fronts import TrueFront, maximized, true_front
from .reference import REFERENCES, get_reference

log = logging.getLogger(__name__)


@dataclass
class Trace:
    """One run: per query in order, the score the search was told, the noise-free validation
    value and the test value."""

    strategy: str
    seed: int
    scores: list[float | None] = field(default_factory=list)
    tests: list[float | None] = field(default_factory=list)
    valids: list[float | None] | None = None  # None: the scores themselves (no noise)
    asks: int = 0
    strategy_seconds: float = 0.0  # time spent in ask and tell
    costs: list[tuple[float, ...] | None] = field(default_factory=list)  # per query, if asked
    known_costs: bool = False  # whether the strategy read candidates' costs before querying

    def _valid(self, i: int) -> float:
        v = (self.scores if self.valids is None else self.valids)[i]
        return -np.inf if v is None else float(v)

    def incumbents(self) -> list[int | None]:
        """After each query, the index of the best-scored query so far (the first of tied
        ones; None before any success)."""
        out: list[int | None] = []
        best = None
        for i, s in enumerate(self.scores):
            if s is not None and (best is None or s > self.scores[best]):
                best = i
            out.append(best)
        return out

    def best_so_far(self, queries: int) -> np.ndarray:
        """The incumbent's noise-free validation value after each of ``queries`` queries
        (padded with the last; -inf before any success)."""
        vals = np.array([-np.inf if i is None else self._valid(i) for i in self.incumbents()])
        best = vals if len(vals) else np.array([-np.inf])
        return np.pad(best, (0, max(0, queries - len(best))), mode="edge")[:queries]

    def hv_regret_curve(self, front: TrueFront, queries: int) -> np.ndarray:
        """After each of ``queries`` queries (padded with the last), the hypervolume regret of
        the queries so far whose told vectors are not dominated among them."""
        noisy = self.valids is not None and self.valids != self.scores
        told, true = [], []
        curve = []
        for i, s in enumerate(self.scores):
            if s is not None and self.costs[i] is not None:
                told.append(maximized(s, self.costs[i]))
                true.append(maximized(self._valid(i), self.costs[i]))
            if not noisy:
                curve.append(front.regret(true))  # noise-free: dominated points add nothing
            else:
                keep = non_dominated(told)
                curve.append(front.regret([true[k] for k in keep]))
        out = np.array(curve) if curve else np.array([front.volume])
        return np.pad(out, (0, max(0, queries - len(out))), mode="edge")[:queries]

    def best(self) -> tuple[float, float | None]:
        """(the incumbent's noise-free validation value, its test value)."""
        i = self.incumbents()[-1] if self.scores else None
        return (-np.inf, None) if i is None else (self._valid(i), self.tests[i])


def make_searcher(name: str, space: Space, seed: int, config: dict[str, Any] | None = None,
                  objectives: int = 1) -> Any:
    """A registered strategy, or a reference (:data:`~graphnas.benchmarks.reference.REFERENCES`),
    built for ``space`` (a reference is told how many objectives it searches); both answer
    ``ask`` and ``tell``."""
    if name in REFERENCES:
        return get_reference(name).make(space, seed, objectives=objectives, **(config or {}))
    return get_strategy(name, space, seed=seed, **(config or {}))


def row_name(name: str) -> str:
    """How a comparison reports a strategy or a reference (``"tpe (optuna)"``)."""
    return REFERENCES[name].label if name in REFERENCES else name


def check_names(names: Sequence[str], objectives: int = 1) -> list[str]:
    """Registered strategies and references, each once, in order, each able to search
    ``objectives`` objectives; ValueError otherwise."""
    for name in names:
        if name in REFERENCES:
            ref = REFERENCES[name]
            if not (ref.multi_objective if objectives > 1 else ref.single_objective):
                raise ValueError(f"reference {name!r} searches "
                                 f"{'one objective' if objectives > 1 else 'several objectives'}")
        elif name not in decision_names():
            raise ValueError(f"unknown strategy {name!r}; use one of "
                             f"{', '.join(decision_names())}")
        else:
            check_objectives(name, objectives)
    return list(dict.fromkeys(names))


def run_tabular(space: Space, evaluate: Evaluate, strategy: str, seed: int, queries: int,
                max_asks: int | None = None, config: dict[str, Any] | None = None,
                objectives: Sequence[str] = ("score",),
                cost_lookup: Callable[[Any], dict[str, float] | None] | None = None) -> Trace:
    """Search ``space`` with a registered strategy (or a reference) for ``queries`` distinct
    look-ups; with several ``objectives`` the strategy is told ``(score, -cost, ...)``. With a
    ``cost_lookup`` (:meth:`TabularBenchmark.cost_lookup`) the strategy may also read any
    candidate's costs before querying it (``Strategy.known``), as a real search counts a
    network's parameters or times it untrained: the costs are known, the score is not."""
    strat = make_searcher(strategy, space, seed, config, len(objectives))
    max_asks = max_asks or 20 * queries
    costs = tuple(objectives[1:])
    trace = Trace(row_name(strategy), seed, valids=[])
    if cost_lookup is not None and costs and getattr(strat, "reads_known", False):
        strat.known = _known_costs(cost_lookup, costs)
        trace.known_costs = True
    known: dict[str, Any] = {}
    while len(trace.scores) < queries and trace.asks < max_asks:
        t0 = time.perf_counter()
        cand = strat.ask(1)[0]
        trace.strategy_seconds += time.perf_counter() - t0
        trace.asks += 1
        h = cand.hash
        if h not in known:
            found = evaluate(cand.arch)
            trace.scores.append(found.score)
            trace.valids.append(found.valid)
            trace.tests.append(found.test)
            known[h] = found.score
            if costs:
                cost = None if found.costs is None else tuple(found.costs[c] for c in costs)
                trace.costs.append(cost)
                known[h] = None if found.score is None or cost is None else \
                    maximized(found.score, cost)
        t0 = time.perf_counter()
        strat.tell(cand, known[h])
        trace.strategy_seconds += time.perf_counter() - t0
    if len(trace.scores) < queries:
        log.warning("%s seed %d stopped after %d asks with %d distinct queries", strategy, seed,
                    trace.asks, len(trace.scores))
    return trace


def _known_costs(cost_lookup: Callable[[Any], dict[str, float] | None],
                 costs: tuple[str, ...]) -> Callable[[Any], tuple[float | None, ...] | None]:
    """``Strategy.known`` from a table's costs: ``(None, -cost, ...)``, or None where the
    candidate is not tabulated."""
    def known(candidate: Any) -> tuple[float | None, ...] | None:
        found = cost_lookup(candidate.arch)
        return None if found is None else (None, *(-found[c] for c in costs))
    return known


def summarize(traces: Sequence[Trace], optimum: float, queries: int,
              front: TrueFront | None = None) -> dict[str, Any]:
    """Mean and std (over seeds, ddof=1 when there are several) of the final regret
    ``optimum - the incumbent's validation value``, of the incumbent's test value (None where
    the table has none), the anytime mean regret curve and the strategy's own time per
    query; with a ``front`` (several objectives), the same of the hypervolume regret."""
    regrets = np.array([optimum - t.best()[0] for t in traces])
    tests = np.array([np.nan if t.best()[1] is None else t.best()[1] for t in traces])
    curves = np.stack([optimum - t.best_so_far(queries) for t in traces])
    ddof = 1 if len(traces) > 1 else 0
    n_queries = sum(len(t.scores) for t in traces)
    has_test = not np.isnan(tests).all()
    out = {
        "valid_regret_mean": float(regrets.mean()),
        "valid_regret_std": float(regrets.std(ddof=ddof)),
        "test_mean": float(np.nanmean(tests)) if has_test else None,
        "test_std": float(np.nanstd(tests, ddof=ddof)) if has_test else None,
        "valid_best_mean": float(optimum - regrets.mean()),
        "seeds": len(traces),
        "queries": queries,
        "asks_mean": float(np.mean([t.asks for t in traces])),
        "strategy_ms_per_query": 1000 * sum(t.strategy_seconds for t in traces)
        / max(1, n_queries),
        "regret_curve": [float(x) for x in curves.mean(axis=0)],
    }
    if front is not None:
        hv = np.stack([t.hv_regret_curve(front, queries) for t in traces])
        out.update({"hv_regret_mean": float(hv[:, -1].mean()),
                    "hv_regret_std": float(hv[:, -1].std(ddof=ddof)),
                    "hv_true": front.volume,
                    "hv_regret_curve": [float(x) for x in hv.mean(axis=0)]})
    return out


def compare(benchmark: TabularBenchmark, dataset: str, strategies: Sequence[str],
            queries: int, seeds: int, first_seed: int = 0, noisy: bool = False,
            configs: dict[str, dict[str, Any]] | None = None,
            on_run: Callable[[Trace], None] | None = None,
            objectives: Sequence[str] = ("score",),
            known_costs: bool = False) -> dict[str, dict[str, Any]]:
    """Every strategy (or reference) on one data set of a benchmark, on the same seeds
    ``first_seed .. first_seed + seeds - 1`` (the seed of a noisy score's draws too); returns
    row name -> :func:`summarize`'s dict. With several ``objectives`` (``"score"`` and the
    table's costs) each row has its hypervolume regret too; with ``known_costs`` the
    strategies that can may read a candidate's costs before querying it (see
    :func:`run_tabular`; their rows are named ``"NAME (costs known)"``)."""
    benchmark.check_dataset(dataset)
    benchmark.check_noisy(noisy)
    objectives = benchmark.check_objectives(objectives)
    names = check_names(strategies, len(objectives))
    optimum = benchmark.optimum(dataset)
    front = true_front(benchmark, dataset, objectives[1:]) if len(objectives) > 1 else None
    lookup = benchmark.cost_lookup(dataset) if known_costs and len(objectives) > 1 else None
    out = {}
    for name in names:
        traces = []
        for seed in range(first_seed, first_seed + seeds):
            trace = run_tabular(benchmark.space(dataset),
                                benchmark.evaluator(dataset, noisy, seed), name, seed,
                                queries, config=(configs or {}).get(name),
                                objectives=objectives, cost_lookup=lookup)
            traces.append(trace)
            if on_run is not None:
                on_run(trace)
        row = row_name(name) + (" (costs known)" if traces[0].known_costs else "")
        out[row] = summarize(traces, optimum, queries, front)
    return out
