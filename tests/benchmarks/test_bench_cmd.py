"""`graphnas bench BENCHMARK`, one subcommand per registered benchmark, run as a user would."""

import json
import subprocess
import sys

import pytest

from graphnas.strategies import decision_names

SUMMARY_KEYS = {"valid_regret_mean", "valid_regret_std", "test_mean", "test_std",
                "valid_best_mean", "seeds", "queries", "asks_mean", "strategy_ms_per_query",
                "regret_curve"}


def run(benchmark: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graphnas", "bench", benchmark, *args],
                          capture_output=True, text=True, timeout=120)


def test_json_of_a_small_run_with_a_plot(tmp_path):
    png = tmp_path / "curves.png"
    r = run("nasbenchgraph", "--dataset", "cora", "--strategy", "all", "--queries", "12",
            "--seeds", "2", "--json", "--plot", str(png))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == set(decision_names())
    for summary in out.values():
        assert set(summary) == SUMMARY_KEYS
        for key in ("valid_regret_mean", "valid_regret_std", "test_mean", "test_std"):
            assert isinstance(summary[key], float)
        assert summary["valid_regret_mean"] >= 0 and 0 < summary["test_mean"] < 1
        assert len(summary["regret_curve"]) == 12
    assert png.read_bytes().startswith(b"\x89PNG")


def test_nasbench201_has_the_same_keys_and_no_test_value():
    r = run("nasbench201", "--dataset", "cifar10", "--strategy", "random", "--queries", "5",
            "--seeds", "2", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert list(out) == ["random"] and set(out["random"]) == SUMMARY_KEYS
    assert out["random"]["test_mean"] is None and out["random"]["test_std"] is None
    assert 0 <= out["random"]["valid_regret_mean"] < 100  # points of accuracy


def test_a_noisy_table_with_tpe_over_two_data_sets(tmp_path):
    png = tmp_path / "nb201.png"
    r = run("nasbench201", "--dataset", "cifar100", "--dataset", "imagenet", "--strategy",
            "random", "--strategy", "evolution", "--reference", "tpe", "--queries", "10",
            "--seeds", "2", "--noisy", "--plot", str(png))
    assert r.returncode == 0, r.stderr
    assert "NAS-Bench-201 cifar100: 10 queries, 2 seeds, noisy" in r.stdout
    assert "NAS-Bench-201 imagenet" in r.stdout and "tpe (optuna)" in r.stdout
    assert png.read_bytes().startswith(b"\x89PNG")


def test_table_for_proteins():
    r = run("nasbenchgraph", "--dataset", "proteins", "--strategy", "random", "--strategy",
            "evolution", "--queries", "10", "--seeds", "2")
    assert r.returncode == 0, r.stderr
    assert "proteins" in r.stdout and "evolution" in r.stdout


@pytest.mark.parametrize("benchmark,args,text", [
    ("nasbenchgraph", ["--dataset", "mnist"], "unknown NAS-Bench-Graph data set 'mnist'"),
    ("nasbench201", ["--dataset", "cora"], "unknown NAS-Bench-201 data set 'cora'"),
    ("nasbenchgraph", ["--strategy", "bayes"], "unknown strategy 'bayes'"),
    ("nasbench201", ["--reference", "smac"], "unknown reference 'smac'"),
    ("nasbenchgraph", ["--queries", "0"], "at least 1"),
    ("nasbenchgraph", ["--noisy"], "one value per architecture"),
])
def test_errors_are_one_line(benchmark, args, text):
    r = run(benchmark, *args)
    assert r.returncode == 2 and text in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
