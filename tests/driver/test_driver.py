"""The driver: records every trial, never trains a graph twice, resumes after a kill."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphnas.driver import SearchBudget, TrainingObjective, run_search
from graphnas.driver.loop import restore
from graphnas.execution import ProcessExecutor
from graphnas.store import RunMismatch, RunStore, TrialState
from graphnas.strategies import get_strategy
from strategies.toy import ToySpace

from .objectives import flaky, outcome_score, slow_toy_score, toy_score

ID = {"task": "toy", "strategy": "evolution", "seed": 0}


def search(run_dir, trials, name="evolution", objective=toy_score, executor=None, **hooks):
    space = ToySpace(n=6, k=3)
    store = RunStore(run_dir, {**ID, "strategy": name})
    strategy = get_strategy(name, space, seed=0, **({"population": 5, "sample": 2}
                                                     if name == "evolution" else {}))
    try:
        return run_search(space, strategy, objective, store, SearchBudget(trials=trials),
                          executor, **hooks)
    finally:
        store.close()


@pytest.mark.parametrize("name", ["random", "evolution", "reinforce"])
def test_resumed_search_goes_on_as_the_uninterrupted_one(tmp_path, name):
    whole = search(tmp_path / "whole", 12, name)
    search(tmp_path / "split", 6, name)
    resumed = search(tmp_path / "split", 12, name)
    assert [t.hash for t in resumed] == [t.hash for t in whole]
    assert len(resumed) == 12


@pytest.mark.parametrize("name", ["random", "evolution", "reinforce"])
def test_resume_by_replaying_the_store_alone(tmp_path, name):
    whole = search(tmp_path / "whole", 10, name)
    search(tmp_path / "split", 5, name)
    (tmp_path / "split" / "state-search.json").unlink()  # only trials.sqlite is left
    resumed = search(tmp_path / "split", 10, name)
    assert [t.hash for t in resumed] == [t.hash for t in whole]


def test_a_resumed_phase_knows_the_last_trial_its_strategy_asked(tmp_path):
    """``restore`` gives back the last trial asked, which the loop saves again with the state
    even where the resumed phase's first save comes before any ask (a promotion that finished
    first): a phase saved with "nothing asked" would be replayed whole at the next resume."""
    search(tmp_path / "run", 5, "reinforce")
    store = RunStore(tmp_path / "run", {**ID, "strategy": "reinforce"})
    try:
        fresh = get_strategy("reinforce", ToySpace(n=6, k=3), seed=0)
        assert restore(fresh, store, "search") == 5
        assert restore(fresh, store, "nothing yet") == 0
    finally:
        store.close()


@pytest.mark.parametrize("name", ["evolution", "reinforce"])
def test_killed_between_recording_a_trial_and_saving_the_state(tmp_path, name):
    whole = search(tmp_path / "whole", 10, name)
    search(tmp_path / "split", 4, name)
    older = (tmp_path / "split" / "state-search.json").read_bytes()
    search(tmp_path / "split", 5, name)
    (tmp_path / "split" / "state-search.json").write_bytes(older)  # trial 5 recorded, not saved
    resumed = search(tmp_path / "split", 10, name)
    assert [t.hash for t in resumed] == [t.hash for t in whole]


def test_the_same_architecture_is_not_trained_twice(tmp_path):
    trials = search(tmp_path / "run", 40, "evolution")
    hashes = [t.hash for t in trials if not t.cached]
    assert len(hashes) == len(set(hashes))
    cached = [t for t in trials if t.cached]
    assert cached and all(t.seconds == 0.0 and t.score is not None for t in cached)


def test_failures_are_recorded_and_the_search_goes_on(tmp_path):
    trials = search(tmp_path / "run", 9, "random", objective=flaky)
    states = [t.state for t in trials]
    assert states.count(TrialState.FAILED) >= 3 and TrialState.COMPLETE in states
    errors = {t.error for t in trials if t.state == TrialState.FAILED}
    assert any("worker code blew up" in e for e in errors)
    assert any("non-finite loss" in e for e in errors)


def test_objectives_may_return_trial_outcomes_and_each_trial_is_heard(tmp_path):
    heard = []
    trials = search(tmp_path / "run", 7, "random", objective=outcome_score,
                    on_trial=heard.append)
    assert [t.id for t in heard] == [t.id for t in trials]
    failed = [t for t in trials if t.state == TrialState.FAILED]
    assert {t.seed % 3 for t in failed} == {0} and all(t.error == "diverged" for t in failed)
    ok = [t for t in trials if t.state == TrialState.COMPLETE]
    assert ok and all(t.metrics["valid"]["match"] == t.score and t.params == 6 for t in ok)
    assert all(t.seconds == 0.01 for t in ok)


def test_trials_in_flight_on_worker_processes(tmp_path):
    with ProcessExecutor(workers=2, threads_per_worker=1) as ex:
        ex.wait_until_booted()
        trials = search(tmp_path / "run", 8, "random", objective=slow_toy_score, executor=ex)
    assert len(trials) == 8 and all(t.state == TrialState.COMPLETE for t in trials)
    overlapping = sum(a.started < b.ended and b.started < a.ended
                      for a, b in zip(trials, trials[1:]))
    assert overlapping >= 3  # two trials in flight at a time


def test_slots_leave_workers_free_and_stop_ends_the_phase(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from graphnas.execution.base import Executor

    class Threads(Executor):
        name, workers = "threads", 3

        def __init__(self):
            self.pool = ThreadPoolExecutor(3)

        def submit(self, fn, *args):
            return self.pool.submit(fn, *args)

        def shutdown(self):
            self.pool.shutdown()

    ex = Threads()
    side = ex.submit(time.sleep, 1.5)  # another job on one worker
    trials = search(tmp_path / "run", 1000, "random", objective=slow_toy_score, executor=ex,
                    slots=2, stop=side.done)
    ex.shutdown()
    assert 4 <= len(trials) <= 14  # 0.3 s each, two at a time, until the job was done
    assert all(t.state == TrialState.COMPLETE for t in trials)
    running = [sum(b.started <= a.started < b.ended for b in trials) for a in trials]
    assert max(running) == 2  # two slots: never three trials at once


def test_no_trial_starts_that_would_end_after_the_search_time(tmp_path):
    space = ToySpace(n=6, k=3)
    store = RunStore(tmp_path / "run", {**ID, "strategy": "random"})
    trials = run_search(space, get_strategy("random", space, seed=0), slow_toy_score, store,
                        SearchBudget(seconds=1.0))  # 0.3 s trials: three end in time, not four
    store.close()
    assert 2 <= len(trials) <= 3
    assert max(t.ended for t in trials) < 1.15


def test_a_run_directory_belongs_to_one_search(tmp_path):
    search(tmp_path / "run", 2, "random")
    with pytest.raises(RunMismatch, match="belongs to another search \\(strategy differ"):
        search(tmp_path / "run", 2, "evolution")


def test_unwritable_run_directory(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(RunMismatch, match="cannot write the run directory"):
        RunStore(tmp_path / "file" / "run", ID)


KILL_SCRIPT = """
import sys, json
sys.path.insert(0, {tests!r})
from driver.test_driver import search
from driver.objectives import slow_toy_score
search({run!r}, 30, "evolution", objective=slow_toy_score)
"""


def test_sigkill_loses_at_most_the_trials_in_flight(tmp_path):
    run = tmp_path / "run"
    tests = str(Path(__file__).resolve().parents[1])
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT.format(tests=tests, run=str(run))])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if (run / "trials.sqlite").exists():
            store = RunStore(run, {**ID, "strategy": "evolution"})
            n = len(store.trials(states=(TrialState.COMPLETE,)))
            store.db.close()
            if n >= 4:
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = RunStore(run, {**ID, "strategy": "evolution"})
    before = [t.hash for t in store.trials(states=(TrialState.COMPLETE,))]
    store.db.close()
    assert len(before) >= 4
    trials = search(run, 30, "evolution", objective=toy_score)
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(done) == 30 and [t.hash for t in done[:len(before)]] == before
    whole = search(tmp_path / "whole", 30, "evolution", objective=toy_score)
    assert [t.hash for t in done] == [t.hash for t in whole]  # as if never interrupted
    assert sum(t.state == TrialState.LOST for t in trials) <= 1  # the one in flight


def test_training_objective_on_a_real_task(tmp_path):
    from graphnas.graph import load_example
    from graphnas.tasks import TaskRef
    from graphnas.training import Budget, TrainConfig

    objective = TrainingObjective(TaskRef("digits", {}), Budget(steps=20),
                                  TrainConfig(eval_every=10))
    out = objective(load_example("cnn2d").to_json(None), 3)
    assert out["status"] == "ok" and 0 <= out["score"] <= 1
    json.dumps(out)


def too_large(arch_json: str) -> str | None:
    """A size limit on the toy space: choices summing above 8 are 'too large'."""
    return "above the limit" if sum(json.loads(arch_json)["choices"]) > 8 else None


@pytest.mark.parametrize("name", ["evolution", "reinforce"])
def test_skipped_candidates_are_told_infeasible_not_counted_and_replayed(tmp_path, name):
    whole = search(tmp_path / "whole", 10, name, limits=too_large)
    done = [t for t in whole if t.state == TrialState.COMPLETE]
    skipped = [t for t in whole if t.state == TrialState.SKIPPED]
    assert len(done) == 10 and skipped  # skipped candidates are no trials
    assert all(too_large(t.arch_json) is None for t in done)
    search(tmp_path / "split", 5, name, limits=too_large)
    (tmp_path / "split" / "state-search.json").unlink()  # replayed from the store alone
    resumed = search(tmp_path / "split", 10, name, limits=too_large)
    assert [(t.hash, t.state) for t in resumed] == [(t.hash, t.state) for t in whole]
