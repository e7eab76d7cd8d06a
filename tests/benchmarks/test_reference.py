"""Optuna's TPE as a reference in the tabular loop: same encoding, distinct queries, seeded."""

import sys

import pytest

from graphnas.api.bench import compare_on_tabular
from graphnas.benchmarks import get_benchmark, run_tabular
from graphnas.extras import MissingExtra


@pytest.mark.parametrize("name,dataset", [("nasbench201", "cifar100"),
                                          ("nasbenchgraph", "citeseer")])
def test_tpe_runs_distinct_queries_and_is_seeded(name, dataset):
    bench = get_benchmark(name)
    runs = [run_tabular(bench.space(dataset), bench.evaluator(dataset), "tpe", seed, 15)
            for seed in (0, 0, 1)]
    assert runs[0].strategy == "tpe (optuna)"
    assert len(runs[0].scores) == 15 and all(s is not None for s in runs[0].scores)
    assert runs[0].scores == runs[1].scores != runs[2].scores


def test_the_same_loop_counts_repeated_networks_once():
    bench = get_benchmark("nasbench201")
    trace = run_tabular(bench.space("cifar10"), bench.evaluator("cifar10"), "tpe", 0, 40)
    assert len(trace.scores) == 40 and trace.asks >= 40


def test_tpe_is_a_row_of_a_comparison():
    out = compare_on_tabular("nasbench201", ["cifar10"], ["random"], queries=12, seeds=2,
                             references=["tpe"])
    assert list(out["cifar10"]) == ["random", "tpe (optuna)"]
    assert out["cifar10"]["tpe (optuna)"]["valid_regret_mean"] >= 0


def test_without_optuna_tpe_is_refused_with_the_pip_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna raises ImportError
    with pytest.raises(MissingExtra, match=r"pip install 'graphnas\[bench\]'"):
        compare_on_tabular("nasbench201", ["cifar10"], ["random"], queries=5, seeds=1,
                           references=["tpe"])
    out = compare_on_tabular("nasbench201", ["cifar10"], ["random"], queries=5, seeds=1)
    assert list(out["cifar10"]) == ["random"]


def test_unknown_reference():
    with pytest.raises(ValueError, match="unknown reference 'smac'"):
        compare_on_tabular("nasbench201", ["cifar10"], ["random"], references=["smac"])
