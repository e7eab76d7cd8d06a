"""Several objectives in the driver: what strategies are told, live and on replay, the front,
and the latency a training objective measures."""

import json

import pytest

from graphnas.driver import (
    SearchBudget,
    TrainingObjective,
    front,
    parse_objectives,
    run_search,
    told,
    values,
)
from graphnas.pareto import dominates
from graphnas.store import RunStore, TrialRecord, TrialState
from graphnas.strategies import get_strategy, multi_objective_names
from strategies.toy import ToySpace

from .objectives import sized_toy_score

NAMES = ("score", "params", "latency")


def search(run_dir, trials, name="evolution", names=NAMES, heard=None):
    """A toy search of ``names``; ``heard`` collects every (choices, score) told."""
    space = ToySpace(n=6, k=3)
    store = RunStore(run_dir, {"task": "toy", "strategy": name, "objectives": names})
    strategy = get_strategy(name, space, seed=0, **({"population": 5, "sample": 2}
                                                     if name == "evolution" else {}))
    if heard is not None:
        tell = strategy.tell

        def recording(cand, score):
            heard.append((tuple(cand.choices), score))
            tell(cand, score)
        strategy.tell = recording
    try:
        return run_search(space, strategy, sized_toy_score, store, SearchBudget(trials=trials),
                          objectives=names)
    finally:
        store.close()


def test_objective_names_are_checked():
    assert parse_objectives("score, params") == ("score", "params")
    assert parse_objectives(["score", "latency"]) == ("score", "latency")
    for bad, message in (("score,size", "unknown objective 'size'"),
                         ("params", "must start with score"),
                         ("params,score", "must start with score"),
                         ("score,params,params", "named twice")):
        with pytest.raises(ValueError, match=message):
            parse_objectives(bad)


def record(state=TrialState.COMPLETE, score=0.9, params=100, latency=2.0):
    return TrialRecord(1, "search", (1,), "{}", "h", state, score,
                       {"latency_ms": {"batch1": latency}}, params)


def test_one_objective_is_told_a_plain_float_several_a_vector_with_costs_negated():
    assert told(record()) == 0.9 and isinstance(told(record()), float)
    assert told(record(), NAMES) == (0.9, -100.0, -2.0)
    assert told(record(state=TrialState.FAILED, score=None), NAMES) is None
    assert told(record(state=TrialState.SKIPPED, score=None)) is None
    assert told(record(latency=None), NAMES) is None  # a value missing: infeasible


@pytest.mark.parametrize("name", multi_objective_names())
def test_a_resumed_search_tells_the_same_vectors_as_the_uninterrupted_one(tmp_path, name):
    whole_heard, split_heard = [], []
    whole = search(tmp_path / "whole", 12, name, heard=whole_heard)
    search(tmp_path / "split", 6, name)
    (tmp_path / "split" / "state-search.json").unlink()  # killed: only trials.sqlite left
    resumed = search(tmp_path / "split", 12, name, heard=split_heard)
    assert [t.hash for t in resumed] == [t.hash for t in whole]
    assert split_heard == whole_heard  # 6 replayed from the store, then 6 live
    assert all(isinstance(s, tuple) and len(s) == 3 and s[1] < 0 for _, s in whole_heard)


def test_the_front_is_mutually_non_dominated_and_dominates_the_rest(tmp_path):
    trials = search(tmp_path / "r", 15)
    members = front(trials, NAMES)
    assert members
    ids = {t.id for t in members}
    vec = {t.id: told(t, NAMES) for t in trials if t.state == TrialState.COMPLETE}
    for a in members:
        assert not any(dominates(vec[b.id], vec[a.id]) for b in members)
    for t in trials:  # every trial off the front is dominated by (or repeats) a member
        if t.id not in ids and t.hash not in {m.hash for m in members}:
            assert any(dominates(vec[m], vec[t.id]) for m in ids)
    assert len({t.hash for t in members}) == len(members)


def test_the_training_objective_measures_latency_only_when_asked(tmp_path):
    from graphnas.graph import load_example
    from graphnas.tasks import TaskRef
    from graphnas.training import Budget, TrainConfig

    arch = load_example("cnn2d").to_json(None)
    objective = TrainingObjective(TaskRef("digits", {}), Budget(steps=10),
                                  TrainConfig(eval_every=10, batch_size=32), latency=True)
    out = objective(arch, 3)
    latency = out["metrics"]["latency_ms"]
    assert out["status"] == "ok" and latency["batch_size"] == 32
    assert latency["batch1"] > 0 and latency["batch"] > 0
    json.dumps(out)
    plain = TrainingObjective(TaskRef("digits", {}), Budget(steps=10),
                              TrainConfig(eval_every=10))(arch, 3)
    assert "metrics" not in plain
    store = RunStore(tmp_path / "r", {"task": "digits"})
    from graphnas.driver import record_outcome

    tid = store.start_trial("search", (1,), arch, "h", 1.0, 3)
    rec = record_outcome(store, tid, out, 1.0)
    store.close()
    assert values(rec, NAMES)[2] == latency["batch1"]
