"""The in-memory benchmark loop: queries are distinct, results are summarised fairly."""

import numpy as np
import pytest

from graphnas.benchmarks import compare_strategies, run_tabular
from graphnas.benchmarks.nasbenchgraph import NasBenchGraphObjective, NasBenchGraphSpace
from graphnas.benchmarks.tabular import Trace, summarize
from graphnas.strategies import strategy_names


def _evaluate(dataset):
    objective = NasBenchGraphObjective(dataset)

    def evaluate(arch):
        row = objective.lookup(arch)
        return row["valid_perf"], row["perf"]
    return evaluate


@pytest.mark.parametrize("name", strategy_names())
def test_every_strategy_runs_distinct_queries(name):
    space = NasBenchGraphSpace("cora")
    trace = run_tabular(space, _evaluate("cora"), name, seed=0, queries=25)
    assert len(trace.scores) == 25 and trace.asks >= 25
    assert all(s is not None for s in trace.scores)
    assert trace.strategy_seconds / trace.asks < 0.5


def test_same_seed_same_run_and_a_stuck_strategy_ends():
    space = NasBenchGraphSpace("pubmed")
    a = run_tabular(space, _evaluate("pubmed"), "evolution", 3, 30)
    b = run_tabular(space, _evaluate("pubmed"), "evolution", 3, 30)
    assert a.scores == b.scores
    capped = run_tabular(space, _evaluate("pubmed"), "random", 0, 30, max_asks=10)
    assert capped.asks == 10 and len(capped.scores) <= 10


def test_summary():
    t1 = Trace("x", 0, [0.5, None, 0.7, 0.7], [0.4, None, 0.6, 0.1])
    t2 = Trace("x", 1, [0.9], [0.8])
    s = summarize([t1, t2], optimum=1.0, queries=4)
    assert s["valid_regret_mean"] == pytest.approx((0.3 + 0.1) / 2)
    assert s["valid_regret_std"] == pytest.approx(np.std([0.3, 0.1], ddof=1))
    assert s["test_mean"] == pytest.approx((0.6 + 0.8) / 2)  # the first of tied bests
    assert s["regret_curve"] == pytest.approx([0.3, 0.3, 0.2, 0.2])


def test_compare_uses_the_same_seeds():
    r = compare_strategies("citeseer", ["random", "random"], queries=10, seeds=3)
    assert list(r) == ["random"]
    again = compare_strategies("citeseer", ["random"], queries=10, seeds=3)
    assert r["random"]["valid_regret_mean"] == again["random"]["valid_regret_mean"]
    assert r["random"]["valid_regret_mean"] >= 0
