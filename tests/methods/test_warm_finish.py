"""With inherited weights, the search hands back the network its lineage trained: the best
architectures' weights are kept, the finalists go on from them on the search's split, and the
final retraining starts from the chosen one's."""

import json

import graphnas
from graphnas.driver import SearchBudget, TrainingObjective, WarmStart, kept_state, run_search
from graphnas.spaces import get_space
from graphnas.store import RunStore, TrialState, read_trials
from graphnas.strategies import get_strategy
from graphnas.tasks import TaskRef, load_task
from graphnas.training import Budget, TrainConfig
from graphnas.training.checkpoint import save_state

SMALL = dict(task="digits", strategy="evolution", trial_steps=60, progress="quiet",
             baselines=False, space_options={"n_nodes": 2, "widths": [16, 32],
                                             "memory": False},
             strategy_options={"inherit_weights": True, "population": 4, "sample": 2})


def test_the_best_architectures_weights_are_kept_beyond_the_parents(tmp_path):
    task = load_task(TaskRef("digits", {}))
    space = get_space("genome", task.input_spec, task.output_spec, widths=(16, 32))
    strategy = get_strategy("neat", space, seed=1, population=4, species=2,
                            inherit_weights=True, inherit_steps=0.5)
    objective = TrainingObjective(task.ref, Budget(steps=8), TrainConfig(eval_every=8, threads=1))
    store = RunStore(tmp_path / "run", {"task": "digits", "strategy": "neat", "seed": 1})
    try:
        run_search(space, strategy, objective, store, SearchBudget(trials=14), keep_best=3)
        done = [t for t in store.trials("search", (TrialState.COMPLETE,)) if not t.cached]
        best = sorted(done, key=lambda t: (-t.score, t.id))
        top = list(dict.fromkeys(t.hash for t in best))[:3]
        kept = {store.trial(int(f.stem)).hash for f in (tmp_path / "run" / "weights").glob("*.pt")}
        assert set(top) <= kept
        assert len(kept) <= 4 + 1 + 3  # population + workers + keep_best
        t = best[0]
        state = kept_state(store, t.hash, t.arch_json)
        assert state is not None and kept_state(store, "no such hash", t.arch_json) is None
        # started from those weights, one step at a negligible rate: about the trial's score
        config = TrainConfig(threads=1, lr=1e-12, eval_every=1)
        warm = WarmStart(TrainingObjective(task.ref, Budget(steps=1), config),
                         {t.hash: (save_state(**state), t.arch_json)})
        again = warm(t.arch_json, 5)
        assert again["metrics"]["warm_start"] is True
        assert t.score > 0.3 and abs(again["score"] - t.score) < 0.02
    finally:
        store.close()


def test_an_inheriting_search_retrains_from_its_trained_weights(tmp_path):
    """One retraining step from scratch leaves a network near chance on digits (10 classes);
    from the search's trained weights it keeps what the search learnt."""
    result = graphnas.search(out=str(tmp_path / "run"), trials=6, retrain_steps=1, finalists=2,
                             seed=3, **SMALL)
    assert result.test_metric > 0.5
    pick = json.loads((tmp_path / "run" / "state-finalist-pick.json").read_text())
    assert pick["folds"] == 0  # the search's own split
    finalists = [t for t in read_trials(tmp_path / "run") if t.phase == "finalists"]
    assert finalists and all(t.metrics.get("warm_start") for t in finalists)

    plain = {**SMALL, "strategy_options": {"population": 4, "sample": 2}}
    scratch = graphnas.search(out=str(tmp_path / "plain"), trials=6, retrain_steps=1,
                              finalists=0, seed=3, **plain)
    assert scratch.test_metric < 0.5
