"""graphnas.api.runs: a run directory read without writing to it, as `graphnas show` prints it."""

import json

import pytest

from graphnas.api.runs import load_run
from graphnas.graph import load_example, to_json
from graphnas.store import RunStore, TrialState


def make_run(run_dir, finished=True):
    """A run of four trials: two complete, one failed, one supergraph; still open."""
    store = RunStore(run_dir, {"task": "toy", "strategy": "random", "seed": 0})
    for phase, name, state, score in (("search", "mlp", TrialState.COMPLETE, 0.5),
                                      ("search", "gru", TrialState.FAILED, None),
                                      ("supergraph", "mlp", TrialState.COMPLETE, 0.99),
                                      ("finalists", "cnn1d", TrialState.COMPLETE, 0.75)):
        g = load_example(name)
        tid = store.start_trial(phase, (0,), to_json(g), g.canonical_hash(), 1.0, 0)
        store.finish_trial(tid, state, score, params=10, seconds=1.0)
    if finished:
        (run_dir / "result.json").write_text(json.dumps(
            {"metric": "accuracy", "test_metric": 0.7, "baselines": {"cnn": 0.6}}))
    return store


def test_a_run_is_read_while_its_store_is_open(tmp_path):
    store = make_run(tmp_path / "r")
    run = load_run(tmp_path / "r")
    assert run.trials == 4
    assert [(t.phase, t.score) for t in run.ranked] == [("finalists", 0.75), ("search", 0.5)]
    assert run.final["test_metric"] == 0.7
    assert "conv1d" in run.best_graph  # cnn1d's summary, the best ranked
    shown = run.to_dict(top=1)
    assert (shown["trials"], shown["complete"], len(shown["top"])) == (4, 2, 1)
    assert shown["top"][0] == {"id": 4, "phase": "finalists", "score": 0.75, "params": 10,
                               "hash": run.ranked[0].hash}
    json.dumps(shown)  # plain data
    store.close()


def test_an_unfinished_run_and_an_empty_one(tmp_path):
    make_run(tmp_path / "r", finished=False).close()
    assert load_run(tmp_path / "r").final is None
    RunStore(tmp_path / "e", {"task": "toy"}).close()
    empty = load_run(tmp_path / "e")
    assert (empty.trials, empty.ranked, empty.best_graph) == (0, (), None)


def test_reading_changes_no_file(tmp_path):  # SQLite may add its -wal and -shm
    make_run(tmp_path / "r").close()
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "r").iterdir()}
    load_run(tmp_path / "r")
    assert {n: (tmp_path / "r" / n).stat().st_mtime_ns for n in before} == before


@pytest.mark.parametrize("make", [lambda d: None, lambda d: d.mkdir(),
                                  lambda d: (d.mkdir(), (d / "config.json").write_text("{}"))])
def test_not_a_run_directory(tmp_path, make):
    make(tmp_path / "x")
    with pytest.raises(ValueError, match="not a run directory"):
        load_run(tmp_path / "x")
