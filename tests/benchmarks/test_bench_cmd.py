"""`graphnas bench nasbenchgraph`, run as a user would."""

import json
import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graphnas", "bench", "nasbenchgraph", *args],
                          capture_output=True, text=True, timeout=120)


def test_json_of_a_small_run_with_a_plot(tmp_path):
    png = tmp_path / "curves.png"
    r = run("--dataset", "cora", "--strategy", "all", "--queries", "12", "--seeds", "2",
            "--json", "--plot", str(png))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    from graphnas.strategies import strategy_names

    assert set(out) == set(strategy_names())
    for summary in out.values():
        for key in ("valid_regret_mean", "valid_regret_std", "test_mean", "test_std"):
            assert isinstance(summary[key], float)
        assert summary["valid_regret_mean"] >= 0 and 0 < summary["test_mean"] < 1
        assert len(summary["regret_curve"]) == 12
    assert png.read_bytes().startswith(b"\x89PNG")


def test_table_for_proteins():
    r = run("--dataset", "proteins", "--strategy", "random", "--strategy", "evolution",
            "--queries", "10", "--seeds", "2")
    assert r.returncode == 0, r.stderr
    assert "proteins" in r.stdout and "evolution" in r.stdout


def test_errors_are_one_line():
    for args, text in [(["--dataset", "mnist"], "unknown NAS-Bench-Graph data set 'mnist'"),
                       (["--strategy", "bayes"], "unknown strategy 'bayes'"),
                       (["--queries", "0"], "at least 1")]:
        r = run(*args)
        assert r.returncode == 2 and text in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
