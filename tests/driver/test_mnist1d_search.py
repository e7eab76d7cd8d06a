"""A tiny search with each strategy on MNIST-1D from the Python API records its trials."""

import pytest

from graphnas.driver import SearchBudget, TrainingObjective, run_search
from graphnas.graph import from_json, infer_shapes
from graphnas.spaces import get_space
from graphnas.store import RunStore, TrialState
from graphnas.strategies import decision_names, get_strategy
from graphnas.tasks import TaskRef, load_task
from graphnas.training import Budget, TrainConfig

SETTINGS = {"random": {}, "evolution": {"population": 2, "sample": 1},
            "reinforce": {"batch": 2, "hidden": 16}}


@pytest.mark.parametrize("name", decision_names())
def test_each_strategy_searches_mnist1d(tmp_path, name):
    task = load_task(TaskRef("mnist1d", {}))
    space = get_space("macro", task.input_spec, task.output_spec, n_nodes=2, widths=(8,))
    objective = TrainingObjective(task.ref, Budget(steps=4), TrainConfig(eval_every=4))
    identity = {"task": "mnist1d", "strategy": name, "seed": 1}
    store = RunStore(tmp_path / name, identity)
    strategy = get_strategy(name, space, seed=1, **SETTINGS.get(name, {}))
    events = []
    try:
        trials = run_search(space, strategy, objective, store, SearchBudget(trials=3),
                            seed=1, on_event=lambda kind, info: events.append(kind))
    finally:
        store.close()
    assert len(trials) == 3 and events.count("trial") == 3
    again = RunStore(tmp_path / name, identity)  # the records are on disk
    stored = again.trials()
    again.close()
    assert [t.hash for t in stored] == [t.hash for t in trials]
    for t in stored:
        assert t.state == TrialState.COMPLETE, t.error
        assert 0.0 <= t.score <= 1.0 and t.params > 0
        assert t.seconds > 0 or t.cached  # a repeat is looked up, not trained
        assert space.contains(from_json(t.arch_json))
        infer_shapes(from_json(t.arch_json), task.input_spec)
