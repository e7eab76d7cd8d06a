"""The search's end moves later when the trials show the closing phases need less time."""

import importlib
import json

import pytest

import graphnas
from graphnas.driver import SearchBudget, run_search
from graphnas.graph import InputSpec, OutputSpec
from graphnas.methods.settings import SearchSettings
from graphnas.methods.timing import LATEST, MARGIN, SLACK, closing_seconds, moved_times
from graphnas.spaces import MacroSpace
from graphnas.store import RunStore, TrialState
from graphnas.strategies import get_strategy


def _add(store, score, op, seconds, metrics=None):
    arch = json.dumps({"nodes": [{"id": "n0", "op": op, "params": {}}]})
    tid = store.start_trial("search", (1,), arch, op, 1.0, 0)
    store.finish_trial(tid, TrialState.COMPLETE, score, metrics or {}, seconds=seconds)


def _store(tmp_path, paces):  # seconds per step of trials of 300 steps, the best first
    store = RunStore(tmp_path / "r", {"test": 1})
    for i, p in enumerate(paces):
        _add(store, 0.9 - i / 100, f"op{i}", 300 * p)
    return store


def test_the_closing_phases_are_timed_at_the_pace_of_the_best_graphs(tmp_path):
    s = SearchSettings(task="mnist1d", budget=1200, workers=2)  # 4 finalists on 2 folds
    assert closing_seconds(s, RunStore(tmp_path / "empty", {"test": 1})) is None
    store = _store(tmp_path, [0.02, 0.01, 0.01, 0.02, 0.5])  # the fifth is no finalist
    finalists, retrain = closing_seconds(s, store)
    # 900 steps on 2 folds, two at a time: 0.02 + 0.02 on one worker, 0.01 + 0.01 on the other
    assert finalists == pytest.approx(0.04 * 2 * 900)
    assert retrain == pytest.approx(0.02 * 3000)  # the slowest finalist-to-be
    # an heir trained 90 of its 300 steps: its pace is over those
    _add(store, 0.99, "heir", 9.0, {"inherited": {"steps": 90}})
    assert closing_seconds(s, store)[1] == pytest.approx(0.1 * 3000)
    store.db.close()


def test_the_search_gets_the_time_the_closing_phases_do_not_need(tmp_path):
    store = _store(tmp_path, [0.02, 0.01, 0.01, 0.02])
    s = SearchSettings(task="mnist1d", budget=1200, workers=2)
    search, finalists = moved_times(s, store, baselines=False)
    assert search > 0.55 * 1200 and finalists > 0.75 * 1200  # both later than the fixed shares
    assert finalists - search == pytest.approx(MARGIN * 72 + SLACK)  # the finalists' 72 s
    assert 1200 - finalists >= MARGIN * 60 + SLACK  # the retraining's 60 s, and the finish
    # with baselines beside the retraining, it keeps its fixed share; the finalists' spare
    # time still goes to the search
    search, finalists = moved_times(s, store, baselines=True)
    assert finalists == 0.75 * 1200 and search == pytest.approx(900 - MARGIN * 72 - SLACK)
    # slow graphs: never earlier than the fixed shares
    slow = _store(tmp_path / "slow", [1.0, 1.0, 1.0, 1.0])
    assert moved_times(s, slow, baselines=False) == (0.55 * 1200, 0.75 * 1200)
    # very fast ones: never later than LATEST of the budget
    fast = _store(tmp_path / "fast", [1e-5] * 4)
    assert moved_times(s, fast, baselines=False)[0] == LATEST * 1200
    assert moved_times(SearchSettings(task="mnist1d", trials=5, budget=None), store, False) is None
    for st in (store, slow, fast):
        st.db.close()


def test_a_loop_deadline_given_as_a_function_is_asked_again_at_each_start(tmp_path):
    space = MacroSpace(InputSpec("vector", (4,)), OutputSpec("classes", 2), n_nodes=2,
                       memory=False)
    store = RunStore(tmp_path / "r", {"test": 1})
    asked = []

    def deadline():  # in time for the first three starts, then over
        asked.append(store.now())
        return 1e9 if len(asked) <= 3 else 0.0

    def objective(arch_json, seed):
        return {"status": "ok", "score": 0.5, "seconds": 0.0}

    run_search(space, get_strategy("random", space, 0), objective, store,
               SearchBudget(trials=10, seconds=deadline), None, "search", 0)
    assert len(store.trials("search")) == 3
    store.db.close()


def test_a_search_runs_until_its_moved_end(tmp_path, monkeypatch):
    api_search = importlib.import_module("graphnas.api.search")  # the module, not search()
    moved = []

    def later(s, store, baselines):  # as if the closing phases needed little time
        moved.append(baselines)
        return 0.8 * s.budget, 0.9 * s.budget

    monkeypatch.setattr(api_search, "moved_times", later)
    graphnas.search(task="digits", strategy="random", budget=20, seed=0, trial_steps=20,
                    retrain_steps=40, baselines=False, out=str(tmp_path / "run"),
                    progress="quiet", space_options={"n_nodes": 2, "widths": [8],
                                                     "memory": False})
    phases = {p[0]: p[2] for p in json.loads(
        (tmp_path / "run" / "result.json").read_text())["phases"]}
    assert moved and not any(moved)  # asked, and told no baselines train beside
    assert phases["search"] > 0.65 * 20  # past the fixed 55%, up to the moved 80%
