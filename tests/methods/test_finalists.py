"""Finalists: the best distinct graphs trained again for longer, the best of them retrained."""

import json

import pytest

import graphnas
from graphnas.graph import InputSpec, OutputSpec
from graphnas.methods.finalists import best_finalist, layer_signature, makespan, pick, plan
from graphnas.spaces import MacroSpace
from graphnas.store import RunStore, TrialState
from graphnas.strategies.fixed import FixedList

SMALL = dict(task="digits", trial_steps=20, retrain_steps=40, progress="quiet",
             space_options={"n_nodes": 2, "widths": [8, 16], "memory": False})


def _arch(ops, wiring=0):
    return json.dumps({"nodes": [{"id": f"n{i}", "op": op, "params": {"width": 8}}
                                 for i, op in enumerate(ops)], "edges": [wiring]})


def _add(store, score, ops, wiring=0, cached=False, phase="search", seconds=10.0):
    tid = store.start_trial(phase, (1,), _arch(ops, wiring), f"{ops}{wiring}", 1.0, 0)
    store.finish_trial(tid, TrialState.COMPLETE, score, seconds=seconds, cached=cached)
    return tid


def test_pick_keeps_one_graph_per_layer_signature_best_first(tmp_path):
    store = RunStore(tmp_path / "r", {"test": 1})
    a = _add(store, 0.9, ["conv1d", "relu"])
    _add(store, 0.95, ["conv1d", "relu"], cached=True)  # a repeat: its score is not new evidence
    _add(store, 0.85, ["conv1d", "relu"], wiring=1)  # the same layers, wired otherwise
    b = _add(store, 0.8, ["linear", "relu"])
    c = _add(store, 0.7, ["conv1d", "tanh"], phase="explore")
    _add(store, 0.99, ["linear", "tanh"], phase="finalists")  # never a finalist's own trial
    assert [t.id for t in pick(store, 5)] == [a, b, c]
    assert [t.id for t in pick(store, 2)] == [a, b]
    assert layer_signature(_arch(["x"], 0)) == layer_signature(_arch(["x"], 1))
    store.db.close()


def test_finalists_and_their_steps_fit_the_time_left(tmp_path):
    store = RunStore(tmp_path / "r", {"test": 1})
    for i, s in enumerate((10.0, 20.0, 5.0, 5.0)):  # 20 s for 100 steps: 0.2 s a step
        _add(store, 0.5 + s / 100, [f"op{i}"], seconds=s)
    chosen = pick(store, 4)  # by score: the 20 s graph first
    assert plan(chosen, 100, 2, None) == (4, 300)  # no time limit: 3 x trial steps
    assert plan(chosen, 100, 2, 1000.0) == (4, 300)
    # 0.2 s a step on one worker, 0.1 + 0.05 + 0.05 on the other
    assert plan(chosen, 100, 2, 50.0) == (4, 250)
    assert plan(chosen, 100, 1, 50.0) == (2, 166)  # one worker: 125 steps for four, too few
    assert plan(chosen, 100, 2, 20.0) == (0, 0)  # not even two at 1.5 x trial steps
    assert plan(chosen, 100, 4, 80.0, most=1000) == (4, 400)  # the slowest bounds it
    assert plan(chosen, 100, 2, 100.0, folds=2) == (4, 250)  # each trains on two folds
    # 0.1 and 0.1 start together, 0.2 follows on the first free worker: 0.3, not 0.4 / 2
    assert makespan([0.1, 0.1, 0.2], 2) == pytest.approx(0.3)
    assert makespan([0.2, 0.1, 0.05, 0.05], 2) == pytest.approx(0.2)
    store.db.close()


def test_fixed_list_asks_again_for_what_a_killed_run_left_unfinished():
    space = MacroSpace(InputSpec("vector", (10,)), OutputSpec("classes", 3), n_nodes=2,
                       widths=[8, 16])
    sizes = [len(d.options) for d in space.fixed_decisions()]
    lists = [[min(k, n - 1) for n in sizes] for k in range(3)]
    finished: set[str] = set()
    fixed = FixedList(space, lists, lambda: finished)
    a, b = fixed.ask(1)[0], fixed.ask(1)[0]
    assert [a.choices, b.choices] == [tuple(lists[0]), tuple(lists[1])]
    finished.add(a.hash)  # b was lost in flight; the run is resumed from the saved state
    again = FixedList(space, lists, lambda: finished)
    again.load_state_dict(fixed.state_dict())
    assert again.ask(1)[0].choices == tuple(lists[2])
    assert again.ask(1)[0].hash == b.hash


def test_search_retrains_the_best_finalist_and_resumes_without_training_again(tmp_path):
    out = tmp_path / "r"
    r = graphnas.search(strategy="random", trials=5, budget=None, out=str(out), finalists=3,
                        **SMALL)
    result = json.loads((out / "result.json").read_text())
    rows = result["finalists"]
    assert r.trials == 5 and len(rows) >= 2
    assert all(row["steps"] == 60 and row["folds"] == 2 and row["finalist_loss"] is not None
               for row in rows)
    searched = [row["search_score"] for row in rows]
    assert searched == sorted(searched, reverse=True)
    store = RunStore(out, json.loads((out / "config.json").read_text())["identity"])
    best = best_finalist(store.trials("finalists"))
    assert all(t.metrics["valid"]["loss"] >= best.metrics["valid"]["loss"]
               for t in store.trials("finalists"))
    assert json.loads(best.arch_json)["nodes"] == json.loads(r.graph.to_json())["nodes"]
    assert {t.fidelity for t in store.trials("finalists")} == {3.0}
    for t in store.trials("finalists"):  # ranked by the mean over two other splits
        folds = t.metrics["folds"]
        assert len(folds) == 2 and folds[0] != folds[1]
        mean = (folds[0]["loss"] + folds[1]["loss"]) / 2
        assert t.metrics["valid"]["loss"] == pytest.approx(mean)
    count = len(store.trials())
    store.db.close()
    graphnas.search(strategy="random", trials=5, budget=None, out=str(out), finalists=3,
                    **SMALL)
    store = RunStore(out, json.loads((out / "config.json").read_text())["identity"])
    assert len(store.trials()) == count  # resumed: nothing trained twice
    store.db.close()


def test_no_finalists_retrains_the_search_best(tmp_path):
    r = graphnas.search(strategy="random", trials=3, budget=None, out=str(tmp_path / "r"),
                        finalists=0, **SMALL)
    assert json.loads((tmp_path / "r" / "result.json").read_text())["finalists"] == []
    assert r.trials == 3


def test_a_finalist_trains_on_each_fold_with_its_own_seed_and_fails_with_any():
    from graphnas.driver import TrainingObjective
    from graphnas.graph import load_example
    from graphnas.methods.finalists import FoldsObjective
    from graphnas.tasks import get_task
    from graphnas.training import Budget, TrainConfig

    task = get_task("digits")
    one = TrainingObjective(task.ref, Budget(steps=20), TrainConfig(eval_every=10, threads=1))
    arch = load_example("cnn2d").to_json(None)
    out = FoldsObjective(one, 2)(arch, 5)
    by_fold = [one.__class__(task.refold(k).ref, one.budget, one.config)(arch, 5 + k)
               for k in (1, 2)]
    assert out["metrics"]["folds"] == [r["valid"] for r in by_fold]
    assert out["score"] == pytest.approx((by_fold[0]["score"] + by_fold[1]["score"]) / 2)
    bad = TrainingObjective(task.ref, Budget(steps=20), TrainConfig(lr=1e12, grad_clip=None))
    assert FoldsObjective(bad, 2)(arch, 5)["status"] != "ok"


def test_finalists_are_ranked_by_validation_loss_when_every_one_has_it(tmp_path):
    store = RunStore(tmp_path / "r", {"test": 1})
    for score, loss in ((0.99, 0.08), (0.98, 0.03), (0.97, None)):
        tid = store.start_trial("finalists", (1,), "{}", str(score), 3.0, 0)
        valid = {"accuracy": score} if loss is None else {"accuracy": score, "loss": loss}
        store.finish_trial(tid, TrialState.COMPLETE, score, {"valid": valid})
    done = store.trials("finalists")
    assert best_finalist(done[:2]).score == 0.98  # the lower cross-entropy
    assert best_finalist(done).score == 0.99  # a loss is missing: by score
    assert best_finalist([]) is None
    store.db.close()
