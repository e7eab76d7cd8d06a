"""Several objectives on the tabular benchmarks: true fronts, hypervolume regret, the NSGA-II
and multi-objective TPE references, and the command line."""

import json

import numpy as np
import pytest

from graphnas.benchmarks import benchmark_names, compare, get_benchmark, run_tabular
from graphnas.benchmarks.fronts import REFERENCE, true_front
from graphnas.pareto import dominates

from .test_bench_cmd import run


@pytest.mark.parametrize("benchmark", benchmark_names())
def test_the_true_front_is_non_dominated_and_dominates_the_table(benchmark):
    bench = get_benchmark(benchmark)
    dataset = bench.datasets[0]
    front = true_front(bench, dataset, ("latency",))
    f = front.normalize(front.front)
    assert f.min() >= 0 and f.max() <= 1 and 0 < front.volume <= (1 - REFERENCE) ** 2
    assert not any(dominates(a, b) for a in front.front for b in front.front)
    rng = np.random.default_rng(0)
    points = bench.points(dataset, ("latency",))
    for row in points[rng.choice(len(points), 50)]:
        v = (row[0], -row[1])
        assert front.regret([v]) >= 0
        assert any(np.all(p >= v) for p in front.front)  # something on the front is as good


def test_a_search_is_told_vectors_and_its_regret_falls_to_zero_on_the_front():
    bench = get_benchmark("nasbench201")
    front = true_front(bench, "cifar10", ("params",))
    trace = run_tabular(bench.space("cifar10"), bench.evaluator("cifar10"), "evolution", 0, 40,
                        objectives=("score", "params"))
    assert len(trace.costs) == 40 and all(len(c) == 1 for c in trace.costs)
    curve = trace.hv_regret_curve(front, 40)
    assert np.all(np.diff(curve) <= 1e-12) and 0 < curve[-1] < front.volume  # never worse
    assert front.regret(front.front) == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("benchmark", benchmark_names())
def test_multi_objective_strategies_and_references_beat_nothing_but_their_keys(benchmark):
    bench = get_benchmark(benchmark)
    rows = compare(bench, bench.datasets[0], ["random", "surrogate", "tpe", "nsga2"],
                   queries=30, seeds=2, objectives=("score", "latency"))
    assert list(rows) == ["random", "surrogate", "tpe (optuna)", "nsga2 (pymoo)"]
    for r in rows.values():
        assert 0 <= r["hv_regret_mean"] <= r["hv_true"] and r["hv_regret_std"] >= 0
        assert len(r["hv_regret_curve"]) == 30


def test_searchers_that_cannot_take_several_objectives_are_refused():
    bench = get_benchmark("nasbench201")
    with pytest.raises(ValueError, match="'pnas' searches one objective"):
        compare(bench, "cifar10", ["pnas"], 5, 1, objectives=("score", "params"))
    with pytest.raises(ValueError, match="'nsga2' searches several objectives"):
        compare(bench, "cifar10", ["nsga2"], 5, 1)
    with pytest.raises(ValueError, match="objectives must be 'score' and then"):
        compare(bench, "cifar10", ["random"], 5, 1, objectives=("params",))


def test_bench_command_reports_hypervolume_regret_and_plots_it(tmp_path):
    png = tmp_path / "hv.png"
    out = run("nasbench201", "--objectives", "score,params", "--queries", "20", "--seeds", "2",
              "--json", "--plot", str(png))
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert "pnas" not in rows and {"random", "evolution", "surrogate"} <= set(rows)
    assert all("hv_regret_mean" in r for r in rows.values())
    assert png.read_bytes().startswith(b"\x89PNG")
    bad = run("nasbench201", "--objectives", "score,flops")
    assert bad.returncode == 2 and "costs (latency, params)" in bad.stderr


def test_with_known_costs_the_surrogate_reads_the_table_before_querying():
    bench = get_benchmark("nasbench201")
    lookup, read = bench.cost_lookup("cifar10"), []

    def spy(arch):
        read.append(arch)
        return lookup(arch)

    trace = run_tabular(bench.space("cifar10"), bench.evaluator("cifar10"), "surrogate", 0, 15,
                        objectives=("score", "params"), cost_lookup=spy)
    assert trace.known_costs and len(read) > 15  # its pools, not only what it queried
    rows = compare(bench, "cifar10", ["random", "surrogate"], 12, 1,
                   objectives=("score", "params"), known_costs=True)
    assert list(rows) == ["random", "surrogate (costs known)"]  # random cannot read them
    out = run("nasbench201", "--objectives", "score,params", "--strategy", "surrogate",
              "--known-costs", "--queries", "12", "--seeds", "1", "--json")
    assert out.returncode == 0, out.stderr
    assert list(json.loads(out.stdout)) == ["surrogate (costs known)"]
    bad = run("nasbench201", "--known-costs", "--queries", "5", "--seeds", "1")
    assert bad.returncode == 2 and "known costs need several objectives" in bad.stderr
