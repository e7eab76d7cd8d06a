"""A strategy whose ``signal`` is ``"loss"`` is told minus the validation loss, live and on
replay; the run's scores stay the validation score."""

import pytest

from graphnas.driver import SearchBudget, run_search, told
from graphnas.driver.fidelity import RungSchedule
from graphnas.store import RunStore, TrialRecord, TrialState
from graphnas.strategies import get_strategy
from strategies.toy import ToySpace

from .objectives import lossy_toy_score


def search(run_dir, trials, heard):
    space = ToySpace(n=6, k=3)
    strategy = get_strategy("random", space, seed=0)
    strategy.signal = "loss"
    tell = strategy.tell

    def recording(cand, score):
        heard.append((tuple(cand.choices), score))
        tell(cand, score)
    strategy.tell = recording
    store = RunStore(run_dir, {"task": "toy", "strategy": "random"})
    try:
        return run_search(space, strategy, lossy_toy_score, store, SearchBudget(trials=trials))
    finally:
        store.close()


def test_told_minus_the_loss_and_the_records_keep_the_score(tmp_path):
    heard = []
    records = search(tmp_path / "run", 8, heard)
    by_choices = {tuple(t.choices): t for t in records}
    for choices, value in heard:
        assert value == pytest.approx(-(0.1 + sum(choices) / 10))
        assert by_choices[choices].score == lossy_toy_score(by_choices[choices].arch_json,
                                                            0)["score"]


def test_a_resumed_search_is_told_the_same_losses(tmp_path):
    whole, split = [], []
    search(tmp_path / "whole", 10, whole)
    search(tmp_path / "split", 5, [])
    (tmp_path / "split" / "state-search.json").unlink()  # killed: only trials.sqlite left
    search(tmp_path / "split", 10, split)
    assert split == whole


def test_a_regression_is_told_minus_its_mse_and_a_missing_loss_is_a_failure():
    rec = TrialRecord(1, "search", (1,), "{}", "h", TrialState.COMPLETE, -0.5,
                      {"valid": {"mse": 0.5, "r2": 0.2}}, 10)
    assert told(rec, ("loss",)) == -0.5
    assert told(TrialRecord(2, "search", (1,), "{}", "h", TrialState.COMPLETE, 0.9,
                            {"valid": {"accuracy": 0.9}}, 10), ("loss",)) is None


def test_the_loss_signal_refuses_rungs(tmp_path):
    space = ToySpace(n=6, k=3)
    strategy = get_strategy("random", space, seed=0)
    strategy.signal = "loss"
    store = RunStore(tmp_path / "run", {"task": "toy"})
    try:
        with pytest.raises(ValueError, match="cannot also train in rungs"):
            run_search(space, strategy, lossy_toy_score, store, SearchBudget(trials=2),
                       rungs=RungSchedule("asha", (10, 30), 3))
    finally:
        store.close()


def test_an_unknown_signal_is_refused(tmp_path):
    space = ToySpace(n=6, k=3)
    strategy = get_strategy("random", space, seed=0)
    strategy.signal = "accuracy"
    store = RunStore(tmp_path / "run", {"task": "toy"})
    try:
        with pytest.raises(ValueError, match="signal must be one of score, loss"):
            run_search(space, strategy, lossy_toy_score, store, SearchBudget(trials=2))
    finally:
        store.close()
