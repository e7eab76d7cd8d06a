"""graphnas.search from Python: every strategy family ends in a retrained, exported model."""

import json

import numpy as np
import pytest

import graphnas
from graphnas.store import RunStore, TrialState

SMALL = dict(task="digits", trial_steps=20, retrain_steps=40, progress="quiet", finalist_folds=1,
             space_options={"n_nodes": 2, "widths": [8, 16], "memory": False})


def test_hybrid_records_every_phase(tmp_path):
    opts = {**SMALL, "space_options": {"n_nodes": 2, "widths": [8, 16]}}  # memory links on
    r = graphnas.search(strategy="hybrid", trials=6, budget=None, out=str(tmp_path / "h"),
                        **opts)
    assert r.test_metric is not None and r.module is not None and r.graph is not None
    config = json.loads((tmp_path / "h" / "config.json").read_text())
    store = RunStore(tmp_path / "h", config["identity"])
    phases = {t.phase for t in store.trials(states=(TrialState.COMPLETE,))}
    assert {"explore", "supergraph", "exploit"} <= phases
    # 4 explored (80%), the discretised graph, then exploration goes on to the 6 trials
    assert len(store.trials("explore")) == 5 and len(store.trials("exploit")) == 1
    phases = json.loads((tmp_path / "h" / "result.json").read_text())["phases"]
    assert [p[0] for p in phases[:3]] == ["explore", "supergraph", "explore"], phases
    assert phases[1][3].endswith("then its discretised graph trained from scratch")
    assert phases[2][3] == "REINFORCE exploration, continued"  # after the exploit trial
    restricted = store.load_state("handover-1-restrict")  # the restriction that was searched
    assert restricted["kind"] == "Restriction" and restricted["fields"]["allowed"]
    store.db.close()
    report = (tmp_path / "h" / "report.html").read_text()
    assert "Phases of the strategy" in report and "exploit" in report


def test_the_hybrid_explores_beside_the_supergraph(tmp_path):
    graphnas.search(strategy="hybrid", trials=12, budget=None, workers=2,
                    out=str(tmp_path / "h"), **SMALL)
    config = json.loads((tmp_path / "h" / "config.json").read_text())
    store = RunStore(tmp_path / "h", config["identity"])
    sup = store.trials("supergraph")[0]
    beside = [t for t in store.trials("explore") if sup.started <= t.started < sup.ended]
    exploit = store.trials("exploit")  # trained inside the supergraph's job, then recorded
    store.db.close()
    assert sup.state == TrialState.COMPLETE and beside  # the other worker did not idle
    assert len(exploit) == 1 and exploit[0].state == TrialState.COMPLETE
    assert exploit[0].seed == 10_001 and exploit[0].seconds > 0
    notes = [p[3] for p in json.loads((tmp_path / "h" / "result.json").read_text())["phases"]]
    assert "REINFORCE exploration beside the supergraph" in notes, notes


def _calls(calls):
    def objective(arch_json, seed):
        calls.append((arch_json, seed))
        if len(calls) > 1:
            raise RuntimeError("worker lost")
        return {"status": "ok", "score": 0.5, "seconds": 1.0}
    return objective


def test_the_supergraph_job_trains_its_discretised_graph(tmp_path):
    from graphnas.differentiable import DiffConfig
    from graphnas.graph import from_json
    from graphnas.methods.supergraph import SupergraphJob
    from graphnas.spaces import get_space
    from graphnas.tasks import get_task

    task = get_task("digits")
    space = get_space("macro", task.input_spec, task.output_spec, n_nodes=2, widths=[8])
    calls: list = []
    job = SupergraphJob(task.ref, space, DiffConfig(steps=4, check_every=2), _calls(calls),
                        trial_seed=7)
    out = job("{}", 0)
    assert out["exploit"]["score"] == 0.5 and calls[0][1] == 7
    trained = from_json(calls[0][0])
    assert space.encode(trained) == space.encode(from_json(out["arch_json"]))
    again = job("{}", 0)  # a trial that raises is a failed trial; the supergraph's result stays
    assert again["exploit"]["status"] == "failed" and "worker lost" in again["exploit"]["error"]
    assert again["arch_json"] == out["arch_json"] and again["status"] == "ok"


def test_a_discretised_graph_outside_the_restriction_still_trains(monkeypatch):
    from graphnas.differentiable import DiffConfig
    from graphnas.differentiable.bilevel import DiffResult
    from graphnas.graph import from_json
    from graphnas.methods import supergraph as hybrid
    from graphnas.spaces import get_space
    from graphnas.tasks import get_task

    task = get_task("digits")
    space = get_space("macro", task.input_spec, task.output_spec, n_nodes=2, widths=[8])
    narrowed = space.restrict({"node0.mem": [0]})  # what the best explored graphs all had
    choices: list[int] = []
    while space.next_decision(choices) is not None:
        choices.append(0)  # the first options: no memory link, as the discretisation dropped it
    plain = space.candidate(choices)
    monkeypatch.setattr(hybrid, "differentiable_search", lambda *a: DiffResult(
        list(plain.choices), plain.arch.to_json(None), 0.5, None, 4, 1.0))
    with pytest.raises(ValueError, match="outside the restricted space"):
        narrowed.encode(plain.arch)
    calls: list = []
    job = hybrid.SupergraphJob(task.ref, narrowed, DiffConfig(steps=4), _calls(calls), space)
    assert job("{}", 0)["exploit"]["status"] == "ok"
    assert space.encode(from_json(calls[0][0])) == plain.choices


@pytest.mark.parametrize("strategy", ["differentiable", "reinforce"])
def test_other_strategies(tmp_path, strategy):
    r = graphnas.search(strategy=strategy, trials=3, budget=None, out=str(tmp_path / "r"),
                        **SMALL)
    assert r.trials >= 1 and 0 <= r.test_metric <= 1
    assert (r.run_dir / "best" / "model.py").exists()


def test_restriction_keeps_what_the_best_graphs_agree_on(tmp_path):
    from graphnas.graph import InputSpec, OutputSpec
    from graphnas.methods.supergraph import restriction
    from graphnas.spaces import MacroSpace

    space = MacroSpace(InputSpec("vector", (10,)), OutputSpec("classes", 3), n_nodes=2,
                       widths=[8, 16, 32])
    store = RunStore(tmp_path / "r", {"test": 1})
    sizes = [len(d.options) for d in space.fixed_decisions()]
    explored = {0.9: [1] * len(sizes), 0.8: [2] * len(sizes), 0.7: [2] * len(sizes),
                0.6: [0] * len(sizes)}
    for score, choices in explored.items():
        choices = [min(c, n - 1) for c, n in zip(choices, sizes)]
        tid = store.start_trial("explore", choices, "{}", str(score), 1.0, 0)
        store.finish_trial(tid, TrialState.COMPLETE, score)
    width = next(d for d in space.fixed_decisions() if d.label == "node0.width")
    # the best graph's option (16) and the one two graphs share (32); not 8 (one vote only)
    assert width.options == (8, 16, 32)
    assert restriction(space, store, top_k=4)["node0.width"] == [16, 32]
    assert restriction(space, store, top_k=4, min_votes=1)["node0.width"] == [16, 32, 8]
    assert restriction(space, store, top_k=1) == {}  # too few to restrict by
    store.db.close()


def test_a_wrong_differentiable_option_fails_before_exploration(tmp_path):
    with pytest.raises(ValueError, match="sequence_memory"):
        graphnas.search(strategy="hybrid", trials=5, budget=None, out=str(tmp_path / "h"),
                        strategy_options={"sequence_memory": "exact"}, **SMALL)
    assert not (tmp_path / "h").exists()  # no search time spent, no run directory made
    with pytest.raises(ValueError, match="space 'macro': unknown option 'n_nodez'"):
        graphnas.search(strategy="random", trials=1, out=str(tmp_path / "r"),
                        **{**SMALL, "space_options": {"n_nodez": 2}})
    assert not (tmp_path / "r").exists()


def test_the_final_protocol_trains_on_train_and_valid_keeping_the_last_weights():
    from graphnas.methods.retrain import final_protocol
    from graphnas.tasks import get_task

    task = get_task("digits")
    refit, config = final_protocol(task, True, seed=3, threads=1)
    assert len(refit.train) == len(task.train) + len(task.valid) and refit.ref.refit
    assert config.keep == "last" and config.seed == 3
    same, config = final_protocol(task, False, seed=3, threads=1)
    assert same is task and config.keep == "best"


@pytest.mark.parametrize("retrain_on", ["train+valid", "train"])
def test_the_retraining_says_what_it_trained_on(tmp_path, retrain_on):
    r = graphnas.search(strategy="random", trials=2, budget=None, finalists=0,
                        retrain_on=retrain_on, out=str(tmp_path / "r"), **SMALL)
    saved = json.loads((r.run_dir / "result.json").read_text())
    assert saved["retrained_on"] == retrain_on and r.baselines  # trained the same way
    assert any(p[0] == "retrain" and p[3].endswith(f"on {retrain_on}") for p in saved["phases"])
    # after a refit the validation split was trained on: no validation figure is claimed
    assert (r.valid_metric is None) == (retrain_on == "train+valid")
    with pytest.raises(ValueError, match="--retrain-on"):
        graphnas.search(retrain_on="valid", out=str(tmp_path / "x"), **SMALL)


def test_a_finished_run_hands_back_its_result_and_a_larger_one_continues(tmp_path):
    out = str(tmp_path / "r")
    first = graphnas.search(strategy="random", trials=2, budget=None, finalists=0,
                            baselines=False, out=out, **SMALL)
    weights = first.run_dir / "best" / "model.pt"
    stamp = weights.stat().st_mtime_ns
    again = graphnas.search(strategy="random", trials=2, budget=None, finalists=0,
                            baselines=False, out=out, workers=1, **SMALL)
    assert weights.stat().st_mtime_ns == stamp  # nothing retrained
    assert again.test_metric == first.test_metric and again.graph == first.graph
    assert again.module is not None and again.params == first.params
    more = graphnas.search(strategy="random", trials=3, budget=None, finalists=0,
                           baselines=False, out=out, **SMALL)
    assert more.trials == 3 and weights.stat().st_mtime_ns != stamp  # continued, retrained
    (first.run_dir / "best" / "model.pt").write_bytes(b"torn")  # a damaged result is redone
    redone = graphnas.search(strategy="random", trials=3, budget=None, finalists=0,
                             baselines=False, out=out, **SMALL)
    assert redone.trials == 3 and redone.module is not None


def test_baselines_that_train_in_turns_share_the_time_left(tmp_path):
    from graphnas.methods.retrain import submit_baselines
    from graphnas.tasks import baselines_for, get_task
    from graphnas.training import Budget, TrainConfig

    class Recorder:  # an executor that keeps what it is given instead of running it
        def __init__(self, workers):
            self.workers, self.jobs = workers, []

        def submit(self, job, arch_json, seed):
            self.jobs.append(job)
            return None

    store = RunStore(tmp_path / "r", {"test": 1})
    task = get_task("mnist1d", seed=0)
    n = len(baselines_for("mnist1d"))
    two = Recorder(2)
    submit_baselines(task, store, Budget(steps=3000, seconds=100.0), TrainConfig(), two)
    turns = -(-n // 2)
    assert len(two.jobs) == n and {j.budget.seconds for j in two.jobs} == {100.0 / turns}
    every = Recorder(n)
    submit_baselines(task, store, Budget(steps=3000, seconds=100.0), TrainConfig(), every)
    assert {j.budget.seconds for j in every.jobs} == {100.0}  # all at once
    steps_only = Recorder(1)
    submit_baselines(task, store, Budget(steps=3000), TrainConfig(), steps_only)
    assert {j.budget for j in steps_only.jobs} == {Budget(steps=3000)}
    store.db.close()


def test_how_trials_are_scored_is_part_of_a_runs_identity(tmp_path):
    """A run made with trials stopped at chance (MNIST-1D's default) or in fp32 is not resumed
    with those changed; naming the default changes nothing, so older run directories resume."""
    from graphnas.api.run_dir import identity
    from graphnas.methods.settings import SearchSettings
    from graphnas.store import RunMismatch
    from graphnas.tasks import get_task

    task = get_task("mnist1d")
    default = identity(SearchSettings(task="mnist1d"), task)
    assert "stop_at_chance" not in default and "precision" not in default
    assert identity(SearchSettings(task="mnist1d", stop_at_chance=True), task) == default
    RunStore(tmp_path, default).close()
    for changed in (dict(stop_at_chance=False), dict(precision="bf16")):
        other = identity(SearchSettings(task="mnist1d", **changed), task)
        with pytest.raises(RunMismatch, match=f"{next(iter(changed))} differ"):
            RunStore(tmp_path, other)


def test_the_supergraph_leaves_its_trial_time_before_the_search_ends():
    """Seed 2 of the session-22 B5 runs: exploration ran to 123 s of 165 (its share ended at
    91 s), the supergraph took its whole 50 s and its graph's 68 s trial started after the
    search time, which cut the retraining to 310 steps."""
    from graphnas.methods.supergraph import supergraph_seconds

    assert supergraph_seconds(165, 0.3, 90, 20) == pytest.approx(49.5)  # in time: its share
    assert supergraph_seconds(165, 0.3, 123, 25) == pytest.approx(17)  # late: what is left
    assert supergraph_seconds(165, 0.3, 160, 25) == pytest.approx(16.5)  # a third at least


def _ranked_run(store, objective, search_seconds=None):
    from graphnas.execution import SerialExecutor
    from graphnas.methods import SearchRun, SearchSettings

    s = SearchSettings(task="digits", trials=10, budget=None).validate()
    return SearchRun(s, None, store.space, objective, store, SerialExecutor(), search_seconds)


def test_the_differentiable_strategy_falls_back_on_its_next_graphs(tmp_path):
    from graphnas.methods import Supergraph
    from graphnas.methods.exploit import FALLBACKS, TrainRanked
    from graphnas.spaces import get_space
    from graphnas.tasks import get_task

    task = get_task("digits")
    space = get_space("macro", task.input_spec, task.output_spec, n_nodes=2, widths=[8, 16])
    rng = np.random.default_rng(0)
    graphs = list({c.hash: list(c.choices) for c in (space.sample(rng) for _ in range(8))}
                  .values())
    calls: list = []

    def objective(arch_json, seed):  # the first two graphs diverge
        calls.append(arch_json)
        if len(calls) <= 2:
            return {"status": "failed", "error": "FloatingPointError: NaN loss at step 2"}
        return {"status": "ok", "score": 0.5, "seconds": 1.0}

    def train(store, objective, seconds=None):
        store.space = space
        TrainRanked().run(_ranked_run(store, objective, seconds), sup)

    store = RunStore(tmp_path / "d", {"test": 1})
    sup = Supergraph(space.decode(graphs[0]).to_json(None), 0.5, graphs)
    train(store, objective)
    states = [t.state for t in store.trials("exploit")]
    assert states == [TrialState.FAILED, TrialState.FAILED, TrialState.COMPLETE]
    assert [t.hash for t in store.trials("exploit")] == \
        [space.candidate(g).hash for g in graphs[:3]]
    train(store, objective)
    assert len(calls) == 3  # a resumed run trains nothing again
    calls.clear()
    never = RunStore(tmp_path / "n", {"test": 2})
    train(never, lambda a, s: calls.append(a) or {"status": "failed"})
    assert len(calls) == 1 + FALLBACKS  # then it gives up: "every trial failed"
    for seconds, trained in ((0.0, 1), (1e6, len(graphs))):  # more while search time lasts
        calls.clear()
        timed = RunStore(tmp_path / f"t{seconds}", {"test": seconds})
        train(timed, lambda a, s: calls.append(a) or {"status": "ok", "score": 0.5}, seconds)
        assert len(calls) == trained
        timed.db.close()
    store.db.close()
    never.db.close()


BUDGET, SLACK = 45.0, 20.0  # SLACK: a trial is never cut, the least retraining share, writes


def test_a_search_with_a_wall_clock_budget_ends_within_it(tmp_path):
    """The whole run (search, finalists, retraining cut by the time left, the baseline after
    it, best/ and the report) keeps to its budget, up to SLACK seconds."""
    import time

    t0 = time.monotonic()
    r = graphnas.search(strategy="evolution", budget=BUDGET, out=str(tmp_path / "b"),
                        task="digits", trial_steps=40, retrain_steps=100_000, finalists=2,
                        finalist_folds=1, progress="quiet",
                        space_options={"n_nodes": 2, "widths": [8, 16]})
    elapsed = time.monotonic() - t0
    assert r.trials >= 2 and r.test_metric is not None and r.baselines
    assert elapsed <= BUDGET + SLACK, elapsed


def test_each_search_logs_into_its_own_run_directory(tmp_path):
    import logging

    opts = dict(strategy="random", trials=1, budget=None, finalists=0, baselines=False, **{
        k: v for k, v in SMALL.items() if k != "finalist_folds"})
    graphnas.search(out=str(tmp_path / "a"), **opts)
    first = (tmp_path / "a" / "log.txt").read_text()
    graphnas.search(out=str(tmp_path / "b"), **opts)
    assert (tmp_path / "a" / "log.txt").read_text() == first and "method random" in first
    assert str(tmp_path / "b") in (tmp_path / "b" / "log.txt").read_text()
    assert not [h for h in logging.getLogger("graphnas").handlers
                if isinstance(h, logging.FileHandler)]


def test_when_every_trial_fails_the_report_it_points_at_is_written(tmp_path, monkeypatch):
    from graphnas.driver import TrainingObjective

    monkeypatch.setattr(TrainingObjective, "__call__", lambda self, arch, seed: {
        "status": "failed", "error": "FloatingPointError: NaN loss at step 1"})
    with pytest.raises(RuntimeError, match="every trial failed; see the run's report.html"):
        graphnas.search(strategy="random", trials=2, budget=None, out=str(tmp_path / "f"),
                        **SMALL)
    assert "NaN loss" in (tmp_path / "f" / "report.html").read_text()


def test_candidates_above_the_size_limits_are_skipped_not_trained(tmp_path):
    from graphnas.store import read_trials

    opts = {**SMALL, "space_options": {"n_nodes": 2, "widths": [8, 64]}}
    r = graphnas.search(strategy="evolution", trials=4, budget=None, finalists=0,
                        baselines=False, max_params=3000, out=str(tmp_path / "s"), **opts)
    trials = read_trials(tmp_path / "s")
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    skipped = [t for t in trials if t.state == TrialState.SKIPPED]
    assert r.trials == len(done) == 4 and r.params <= 3000  # skipped ones are no trials
    assert skipped and all("above --max-params 3,000" in t.error for t in skipped)
    assert all(t.params <= 3000 for t in done)
    assert "skipped (size limits)" in (tmp_path / "s" / "report.html").read_text()
    with pytest.raises(RuntimeError, match="no candidate fits the size limits"):
        graphnas.search(strategy="random", trials=2, budget=None, max_params=10,
                        out=str(tmp_path / "none"), **opts)
    with pytest.raises(ValueError, match="--max-params and --max-flops must be at least 1"):
        graphnas.search(max_flops=0, out=str(tmp_path / "x"), **opts)
