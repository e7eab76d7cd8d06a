"""The in-memory benchmark loop: queries are distinct, results are summarised fairly."""

import numpy as np
import pytest

from graphnas.benchmarks import Lookup, benchmark_names, compare, get_benchmark, run_tabular
from graphnas.benchmarks.nasbenchgraph import NasBenchGraphObjective, NasBenchGraphSpace
from graphnas.benchmarks.tabular import Trace, summarize
from graphnas.strategies import decision_names


def _evaluate(dataset):
    objective = NasBenchGraphObjective(dataset)

    def evaluate(arch):
        row = objective.lookup(arch)
        return Lookup(row["valid_perf"], row["valid_perf"], row["perf"])
    return evaluate


@pytest.mark.parametrize("name", decision_names())
@pytest.mark.parametrize("benchmark", benchmark_names())
def test_every_strategy_runs_distinct_queries_on_every_benchmark(benchmark, name):
    bench = get_benchmark(benchmark)
    dataset = bench.datasets[0]
    trace = run_tabular(bench.space(dataset), bench.evaluator(dataset), name, seed=0,
                        queries=25)
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


def test_a_noisy_score_picks_the_incumbent_and_regret_is_on_its_noise_free_value():
    # told 0.9 for a query worth 0.6 (lucky seed): it stays the incumbent, regret 1.0 - 0.6
    t = Trace("x", 0, [0.5, 0.9, 0.8], [None] * 3, valids=[0.5, 0.6, 0.8])
    s = summarize([t], optimum=1.0, queries=3)
    assert s["valid_regret_mean"] == pytest.approx(0.4)
    assert s["regret_curve"] == pytest.approx([0.5, 0.4, 0.4])
    assert s["test_mean"] is None and s["test_std"] is None  # the table has no test value


def test_compare_uses_the_same_seeds():
    bench = get_benchmark("nasbenchgraph")
    r = compare(bench, "citeseer", ["random", "random"], queries=10, seeds=3)
    assert list(r) == ["random"]
    again = compare(bench, "citeseer", ["random"], queries=10, seeds=3)
    assert r["random"]["valid_regret_mean"] == again["random"]["valid_regret_mean"]
    assert r["random"]["valid_regret_mean"] >= 0


@pytest.mark.parametrize("benchmark", benchmark_names())
def test_every_benchmark_tabulates_its_space(benchmark):
    bench = get_benchmark(benchmark)
    assert bench.name == benchmark and bench.datasets
    for dataset in bench.datasets:
        space, evaluate = bench.space(dataset), bench.evaluator(dataset)
        rng = np.random.default_rng(0)
        found = [evaluate(space.sample(rng).arch) for _ in range(50)]
        assert all(f.score is not None and f.score == f.valid for f in found)
        optimum = bench.optimum(dataset)
        assert all(f.valid <= optimum for f in found)
        assert all((f.test is not None) == bench.has_test for f in found)
    if not bench.has_noise:
        with pytest.raises(ValueError, match="noisy search"):
            bench.evaluator(bench.datasets[0], noisy=True)
    with pytest.raises(ValueError, match=f"unknown {bench.title} data set 'nope'"):
        bench.check_dataset("nope")
