"""B5's verdict in benchmarks/bench_search.py: best, tied-best by a one-sided Welch test, or
beaten."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "bench_search.py"


def _verdict():
    spec = importlib.util.spec_from_file_location("bench_search", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._verdict


def _results(metric: str, per_strategy: dict[str, list[float]]) -> dict:
    return {(s, seed): {"metric": metric, "test_metric": v}
            for s, values in per_strategy.items() for seed, v in enumerate(values)}


def test_the_hybrid_with_the_best_mean_is_best():
    res = _results("accuracy", {"hybrid": [0.99, 0.98, 0.985], "random": [0.97, 0.98, 0.975]})
    assert "met: hybrid has the best mean" in _verdict()("mnist1d", ["hybrid", "random"], 3, res)


def test_a_consistent_large_gap_beats_the_hybrid_and_noise_does_not():
    verdict = _verdict()
    beaten = _results("mse", {"hybrid": [1e-3, 2e-3, 1.5e-3], "random": [1e-4, 1.2e-4, 0.9e-4]})
    assert "not met: hybrid is beaten" in verdict("adding", ["hybrid", "random"], 3, beaten)
    noisy = _results("mse", {"hybrid": [1e-4, 3e-4, 1.5e-4], "random": [0.5e-4, 3e-4, 1.2e-4]})
    assert "met: hybrid is tied-best" in verdict("adding", ["hybrid", "random"], 3, noisy)


def test_a_failed_seed_of_the_hybrid_is_not_met():
    res = _results("accuracy", {"hybrid": [0.99, 0.98, 0.985], "random": [0.97, 0.98, 0.975]})
    res[("hybrid", 1)] = {"failed": "every trial failed"}
    assert "not met: hybrid failed a seed" in _verdict()("mnist1d", ["hybrid", "random"], 3, res)
