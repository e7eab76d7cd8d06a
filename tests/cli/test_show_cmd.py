"""`graphnas show` on a small run directory written by the store, and its errors."""

import json
import subprocess
import sys

import pytest

from graphnas.graph import load_example, to_json
from graphnas.store import RunStore, TrialState


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graphnas", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "r"
    store = RunStore(out, {"task": "toy", "strategy": "random", "seed": 0})
    for name, state, score in (("mlp", TrialState.COMPLETE, 0.5),
                               ("gru", TrialState.FAILED, None),
                               ("cnn1d", TrialState.COMPLETE, 0.75)):
        g = load_example(name)
        tid = store.start_trial("search", (0,), to_json(g), g.canonical_hash(), 1.0, 0)
        store.finish_trial(tid, state, score, params=10, seconds=1.0)
    store.close()
    (out / "result.json").write_text(json.dumps(
        {"metric": "accuracy", "test_metric": 0.7, "baselines": {"cnn": 0.6}}))
    return out


def test_show_json(run_dir):
    r = run("show", str(run_dir), "--json", "--top", "1")
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    assert (shown["trials"], shown["complete"], shown["final"]["test_metric"]) == (3, 2, 0.7)
    assert [t["score"] for t in shown["top"]] == [0.75]


def test_show_table(run_dir):
    r = run("show", str(run_dir))
    assert r.returncode == 0, r.stderr
    assert "3 trials, top 2" in r.stdout and "0.7500" in r.stdout
    assert "conv1d" in r.stdout  # the best graph's summary
    assert "final: test accuracy 0.7000, baselines {'cnn': 0.6}" in r.stdout


def test_not_a_run_directory(tmp_path):
    r = run("show", str(tmp_path))
    assert r.returncode == 2 and "not a run directory" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
