"""benchmarks/bench_peer.py (B14): the verdict and table from finished runs, and the families
Optuna tunes build graphs that train on their tasks."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def peer():
    pytest.importorskip("optuna")
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_peer", BENCH / "bench_peer.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(BENCH))


def _run(metric: float) -> dict:
    return {"test_metric": metric, "trials": 10, "pruned": 3, "failed": 0,
            "best_config": "2 x 64, lr 2.2e-02", "seconds": 590.0}


def test_adding_is_met_at_half_the_mse_of_optuna_on_the_mean_of_seeds(peer):
    assert peer.verdict("adding", 4e-4, 2e-4)["met"] is True
    assert peer.verdict("adding", 4e-4, 2.1e-4)["met"] is False
    text, summary = peer.table("adding", [(0, _run(1.7e-4), _run(1.2e-4)),
                                          (1, _run(5.3e-4), _run(1.0e-5))])
    assert summary["optuna_mean"] == pytest.approx(3.5e-4)
    assert summary["met"] is True and summary["ratio"] == pytest.approx(0.065 / 0.35)
    assert "1e-05" in text and "0.00017" in text  # small errors keep their digits
    assert "B14 on adding: met" in text


def test_mnist1d_needs_three_tenths_of_a_point_and_every_seed(peer):
    assert peer.verdict("mnist1d", 0.985, 0.988)["met"] is True
    assert peer.verdict("mnist1d", 0.985, 0.987)["met"] is False
    text, summary = peer.table("mnist1d", [(0, _run(0.98), _run(0.99)), (1, None, _run(0.99))])
    assert summary["met"] is None and "B14 on mnist1d: open" in text


def test_the_families_start_configurations_build_valid_graphs(peer):
    from graphnas.graph import validate
    from graphnas.tasks import get_task

    for task_name, family in peer.FAMILIES.items():
        task = get_task(task_name)
        validate(family.build(family.start), task.input_spec)
