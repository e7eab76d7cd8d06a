"""Weight inheritance in the driver: children start from their parents' kept weights, a
network morphism's child starts as its parent's function, and only possible parents' weights
stay on disk."""

from graphnas.driver import SearchBudget, TrainingObjective, run_search
from graphnas.spaces import get_space
from graphnas.store import RunStore, TrialState
from graphnas.strategies import get_strategy
from graphnas.tasks import TaskRef, load_task
from graphnas.training import Budget, TrainConfig


def _search(run_dir, trials, population=4):
    task = load_task(TaskRef("digits", {}))
    space = get_space("genome", task.input_spec, task.output_spec, widths=(16, 32))
    strategy = get_strategy("neat", space, seed=1, population=population, species=2,
                            inherit_weights=True, inherit_steps=0.5)
    objective = TrainingObjective(task.ref, Budget(steps=8),
                                  TrainConfig(eval_every=8, threads=1))
    store = RunStore(run_dir, {"task": "digits", "strategy": "neat", "seed": 1})
    try:
        run_search(space, strategy, objective, store, SearchBudget(trials=trials))
        return store.trials("search"), strategy
    finally:
        store.close()


def test_children_inherit_and_only_possible_parents_keep_weights(tmp_path):
    trials, strategy = _search(tmp_path / "run", 14)
    trained = [t for t in trials if t.state == TrialState.COMPLETE and not t.cached]
    heirs = [t for t in trained if "inherited" in t.metrics]
    assert heirs, "no child inherited its parent's weights"
    assert all(t.metrics["steps"] == 4 for t in heirs)  # half a trial's 8 steps
    assert all(t.metrics["steps"] == 8 for t in trained if t not in heirs)
    exact = [t for t in heirs if t.metrics["inherited"]["difference"] < 1e-4]
    assert exact, "no morphism kept its parent's function"
    kept = {int(f.stem) for f in (tmp_path / "run" / "weights").glob("*.pt")}
    assert 0 < len(kept) <= 4 + 1  # population + workers
    by_id = {t.id: t.hash for t in trials}
    assert {by_id[k] for k in kept} <= strategy.inheritable()
    _shown(tmp_path / "run", heirs, exact, trained)


def _shown(run_dir, heirs, exact, trained):
    """``graphnas show`` names each heir's parent trial and the NEAT species."""
    import json

    from graphnas.api.runs import load_run
    from graphnas.cli.show_cmd import show

    run = load_run(run_dir)
    assert run.inheritance == {"trained": len(trained), "inherited": len(heirs),
                               "exact": len(exact)}
    by_hash = {t.hash: min(u.id for u in trained if u.hash == t.hash) for t in trained}
    for t in heirs:
        parent = run.parents[t.id]
        assert parent < t.id and by_hash.get(t.metrics["inherited"]["parent"], parent) == parent
    assert run.species and sum(s["members"] for s in run.species) <= 4
    shown = run.to_dict(top=50)
    assert {"inheritance", "species"} <= set(shown)
    assert any("inherited" in t and t["inherited"]["parent_trial"] for t in shown["top"])
    json.dumps(shown)
    show(run_dir, top=50, as_json=False)  # prints without failing


def test_a_resumed_search_still_finds_its_kept_weights(tmp_path):
    _search(tmp_path / "run", 8)
    trials, _ = _search(tmp_path / "run", 14)
    later = [t for t in trials if t.id > 8 and "inherited" in (t.metrics or {})]
    assert later


def test_weights_kept_under_other_node_ids_are_renamed_for_the_parent(tmp_path):
    """A parent that is a cached repeat of an isomorphic trial inherits that trial's weights."""
    from graphnas.driver.inheritance import Inheritance
    from graphnas.graph import Edge, Graph, Node
    from graphnas.spaces.base import Candidate, Origin

    def mlp(f, h, r, o, width=8):
        return Graph(("x",), (Node(f, "flatten"), Node(h, "linear", {"width": width}),
                              Node(r, "relu"), Node(o, "linear", {"width": 4})),
                     (Edge("x", f), Edge(f, h), Edge(h, r), Edge(r, o)), o)

    task = load_task(TaskRef("digits", {}))
    space = get_space("genome", task.input_spec, task.output_spec, widths=(16, 32))
    strategy = get_strategy("neat", space, seed=1, population=4, species=2,
                            inherit_weights=True, inherit_steps=0.5)
    objective = TrainingObjective(task.ref, Budget(steps=8), TrainConfig(eval_every=8, threads=1))
    trained, parent, child = mlp("n1", "n7", "n9", "n3"), mlp("f", "a", "b", "c"), \
        mlp("f", "a", "b", "c", 12)
    store = RunStore(tmp_path / "run", {"task": "digits", "strategy": "neat", "seed": 1})
    try:
        tid = store.start_trial("search", (), trained.to_json(None), trained.canonical_hash(),
                                1.0, 0)
        out = objective.run(trained.to_json(None), 0, keep_weights=True)
        store.finish_trial(tid, TrialState.COMPLETE, score=out["score"])
        inheritance = Inheritance(store, strategy, objective)
        inheritance.finished(tid, out)
        job = inheritance.job(tid + 1, Candidate((), child, Origin(parent)))
        assert job.parent is not None and job.parent.weights_graph == trained.to_json(None)
        result = job(child.to_json(None), 1)
    finally:
        store.close()
    assert result["metrics"]["inherited"]["difference"] < 1e-4
