"""The run store: rows written at start and end, immutable records, one search per directory."""

import dataclasses
import json
import sqlite3

import pytest

from graphnas.store import RunMismatch, RunStore, TrialRecord, TrialState

ID = {"task": "toy", "strategy": "random", "seed": 0}


def test_a_trial_is_written_when_it_starts_and_updated_when_it_ends(tmp_path):
    store = RunStore(tmp_path / "run", ID, {"trials": 5})
    tid = store.start_trial("search", (1, 0, 2), '{"a": 1}', "h1", 0.5, 7)
    other = sqlite3.connect(tmp_path / "run" / "trials.sqlite")  # another reader sees it
    assert other.execute("SELECT state FROM trials WHERE id=?", (tid,)).fetchone() == ("running",)
    rec = store.finish_trial(tid, TrialState.COMPLETE, 0.75, {"valid": {"acc": 0.75}}, 123,
                             456, 1.5)
    assert other.execute("SELECT state, score FROM trials").fetchone() == ("complete", 0.75)
    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    other.close()
    assert isinstance(rec, TrialRecord) and rec.state == TrialState.COMPLETE
    assert rec.choices == (1, 0, 2) and rec.arch == {"a": 1} and rec.hash == "h1"
    assert (rec.metrics, rec.params, rec.flops, rec.seconds) == ({"valid": {"acc": 0.75}}, 123,
                                                                 456, 1.5)
    assert rec.fidelity == 0.5 and rec.seed == 7 and rec.ended >= rec.started
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.score = 1.0
    store.close()


def test_failures_lost_trials_and_lookups(tmp_path):
    store = RunStore(tmp_path / "run", ID)
    a = store.start_trial("search", (0,), "{}", "ha", 1.0, 1)
    store.finish_trial(a, TrialState.FAILED, error="non-finite loss")
    b = store.start_trial("search", (1,), "{}", "hb", 1.0, 2)
    store.finish_trial(b, TrialState.COMPLETE, 0.4)
    c = store.start_trial("search", (2,), "{}", "hc", 1.0, 3)
    assert store.known("ha", 1.0).error == "non-finite loss"
    assert store.known("hb", 1.0).score == 0.4 and store.known("hb", 0.5) is None
    assert store.known("hc", 1.0) is None  # still running
    assert store.best().id == b
    assert store.mark_lost() == 1 and store.trial(c).state == TrialState.LOST
    assert [t.id for t in store.trials(states=(TrialState.COMPLETE, TrialState.FAILED))] == [a, b]
    store.close()


def test_states_are_saved_atomically_and_the_config_is_kept(tmp_path):
    store = RunStore(tmp_path / "run", ID, {"trials": 5})
    store.save_state("search", {"strategy": {"rng": 1}, "last_trial": 3})
    store.close()
    assert not list((tmp_path / "run").glob(".*.tmp"))
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["identity"] == ID and config["settings"] == {"trials": 5}
    again = RunStore(tmp_path / "run", ID, {"trials": 10})  # a budget may change on resume
    assert again.resumed and again.load_state("search")["last_trial"] == 3
    assert again.load_state("missing") is None
    again.close()


def test_a_run_directory_is_never_mixed(tmp_path):
    RunStore(tmp_path / "run", ID).close()
    with pytest.raises(RunMismatch, match=r"belongs to another search \(seed, strategy differ"):
        RunStore(tmp_path / "run", {**ID, "seed": 1, "strategy": "evolution"})
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "trials.sqlite").write_bytes(b"")
    with pytest.raises(RunMismatch, match="no config.json"):
        RunStore(tmp_path / "bare", ID)


def test_trials_decodes_each_row_once_and_stays_current(tmp_path, monkeypatch):
    import graphnas.store.run_store as run_store

    store = RunStore(tmp_path / "run", ID)
    ids = [store.start_trial("explore" if i % 2 else "search", (i,), "{}", f"h{i}", 1.0, i)
           for i in range(6)]
    for tid in ids[:4]:
        store.finish_trial(tid, TrialState.COMPLETE, tid / 10, {"valid": {"acc": tid / 10}})
    decoded = []
    real = run_store._record
    monkeypatch.setattr(run_store, "_record", lambda row: decoded.append(row[0]) or real(row))
    reference = [real(r) for r in store.db.execute("SELECT * FROM trials ORDER BY id")]
    for _ in range(50):  # callers ask inside loops
        assert store.trials() == reference
        assert store.trials("search") == [r for r in reference if r.phase == "search"]
        assert store.trials("explore", (TrialState.COMPLETE,)) == [
            r for r in reference if r.phase == "explore" and r.state == TrialState.COMPLETE]
    assert sorted(decoded) == ids  # once per row, not once per call
    # the store's own writes keep it current, decoding only the row written
    store.finish_trial(ids[4], TrialState.FAILED, error="boom")
    assert store.mark_lost() == 1
    new = store.start_trial("search", (9,), "{}", "h9", 0.5, 9)
    assert len(decoded) == len(ids) + 2
    states = {t.id: t.state for t in store.trials()}
    assert (states[ids[4]], states[ids[5]], states[new]) == (
        TrialState.FAILED, TrialState.LOST, TrialState.RUNNING)
    assert store.trials() == [real(r) for r in store.db.execute("SELECT * FROM trials ORDER BY id")]
    # another connection's write is seen (the cache is reloaded)
    other = sqlite3.connect(tmp_path / "run" / "trials.sqlite")
    other.execute("UPDATE trials SET score=0.99 WHERE id=?", (new,))
    other.commit()
    other.close()
    assert store.trial(new).score == 0.99 and store.trials()[-1].score == 0.99
    store.close()


def test_a_run_caught_before_its_schema_reads_as_empty_and_resumes(tmp_path):
    """The database file exists a moment before its tables: a reader then sees no trials, and
    a run killed in that moment resumes."""
    from graphnas.store import read_trials

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"identity": ID, "settings": {}}))
    sqlite3.connect(run / "trials.sqlite").close()  # an empty database: no tables yet
    assert read_trials(run) == []
    store = RunStore(run, ID)
    store.start_trial("search", (0,), "{}", "h0", 1.0, 0)
    store.close()
    assert len(read_trials(run)) == 1
    (run / "trials.sqlite").write_bytes(b"garbage" * 100)  # damage is still refused
    with pytest.raises(ValueError, match="not a readable run database"):
        read_trials(run)
