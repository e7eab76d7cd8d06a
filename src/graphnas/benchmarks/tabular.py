"""An in-memory search loop over a tabular benchmark, and strategy comparisons on it.

The loop is the driver's ask -> evaluate -> tell without the run store (a table lookup takes
microseconds; recording thousands of trials in SQLite would be all the cost). Strategies are the
ordinary registered ones, built with ``get_strategy`` and nothing else.

What a *query* is: one look-up of an architecture not seen before in this run (by canonical
hash). A candidate asked again (e.g. an isomorphic mutation) is told its known score at no cost
and does not count, as a real search never trains the same architecture twice. A run stops after
``queries`` queries, or after ``max_asks`` asks in all (a strategy that keeps asking for known
architectures ends early; its curve stays flat to the end).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphnas.spaces.base import Space
from graphnas.strategies import get_strategy

log = logging.getLogger(__name__)

# arch -> (score or None when failed, test value or None)
Evaluate = Callable[[Any], tuple[float | None, float | None]]


@dataclass
class Trace:
    """One run: the score and test value of every query, in order."""

    strategy: str
    seed: int
    scores: list[float | None] = field(default_factory=list)
    tests: list[float | None] = field(default_factory=list)
    asks: int = 0
    strategy_seconds: float = 0.0  # time spent in ask and tell

    def best_so_far(self, queries: int) -> np.ndarray:
        """Best score after each of ``queries`` queries (padded with the last; -inf before any
        success)."""
        vals = np.array([-np.inf if s is None else s for s in self.scores], dtype=float)
        best = np.maximum.accumulate(vals) if len(vals) else np.array([-np.inf])
        return np.pad(best, (0, max(0, queries - len(best))), mode="edge")[:queries]

    def best(self) -> tuple[float, float | None]:
        """(best score, test value of the best-by-score query; the first one on ties)."""
        ok = [i for i, s in enumerate(self.scores) if s is not None]
        if not ok:
            return -np.inf, None
        i = max(ok, key=lambda k: (self.scores[k], -k))
        return float(self.scores[i]), self.tests[i]


def run_tabular(space: Space, evaluate: Evaluate, strategy: str, seed: int, queries: int,
                max_asks: int | None = None, config: dict[str, Any] | None = None) -> Trace:
    """Search ``space`` with a registered strategy for ``queries`` distinct look-ups."""
    strat = get_strategy(strategy, space, seed=seed, **(config or {}))
    max_asks = max_asks or 20 * queries
    known: dict[str, float | None] = {}
    trace = Trace(strategy, seed)
    while len(trace.scores) < queries and trace.asks < max_asks:
        t0 = time.perf_counter()
        cand = strat.ask(1)[0]
        trace.strategy_seconds += time.perf_counter() - t0
        trace.asks += 1
        h = cand.hash
        if h not in known:
            score, test = evaluate(cand.arch)
            known[h] = score
            trace.scores.append(score)
            trace.tests.append(test)
        t0 = time.perf_counter()
        strat.tell(cand, known[h])
        trace.strategy_seconds += time.perf_counter() - t0
    if len(trace.scores) < queries:
        log.warning("%s seed %d stopped after %d asks with %d distinct queries", strategy, seed,
                    trace.asks, len(trace.scores))
    return trace


def summarize(traces: Sequence[Trace], optimum: float, queries: int) -> dict[str, Any]:
    """Mean and std (over seeds, ddof=1 when there are several) of the final regret
    ``optimum - best found``, of the test value of the best-by-score query, the anytime mean
    regret curve and the strategy's own time per query."""
    regrets = np.array([optimum - t.best()[0] for t in traces])
    tests = np.array([np.nan if t.best()[1] is None else t.best()[1] for t in traces])
    curves = np.stack([optimum - t.best_so_far(queries) for t in traces])
    ddof = 1 if len(traces) > 1 else 0
    n_queries = sum(len(t.scores) for t in traces)
    return {
        "valid_regret_mean": float(regrets.mean()),
        "valid_regret_std": float(regrets.std(ddof=ddof)),
        "test_mean": float(np.nanmean(tests)),
        "test_std": float(np.nanstd(tests, ddof=ddof)),
        "valid_best_mean": float(optimum - regrets.mean()),
        "seeds": len(traces),
        "queries": queries,
        "asks_mean": float(np.mean([t.asks for t in traces])),
        "strategy_ms_per_query": 1000 * sum(t.strategy_seconds for t in traces)
        / max(1, n_queries),
        "regret_curve": [float(x) for x in curves.mean(axis=0)],
    }


def compare(space_factory: Callable[[], Space], evaluate: Evaluate, optimum: float,
            strategies: Sequence[str], queries: int, seeds: int, first_seed: int = 0,
            configs: dict[str, dict[str, Any]] | None = None,
            on_run: Callable[[Trace], None] | None = None) -> dict[str, dict[str, Any]]:
    """Every strategy on the same seeds ``first_seed .. first_seed + seeds - 1``; returns
    strategy -> :func:`summarize`'s dict."""
    out = {}
    for name in strategies:
        traces = []
        for seed in range(first_seed, first_seed + seeds):
            trace = run_tabular(space_factory(), evaluate, name, seed, queries,
                                config=(configs or {}).get(name))
            traces.append(trace)
            if on_run is not None:
                on_run(trace)
        out[name] = summarize(traces, optimum, queries)
    return out
