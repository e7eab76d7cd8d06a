"""NEAT: crossover aligns genes by innovation number, species separate distant genomes, and
a killed search resumes with the same innovation numbers and species."""

import json

import numpy as np

from graphnas.driver import SearchBudget, run_search
from graphnas.store import RunStore
from graphnas.strategies import get_strategy
from graphnas.strategies.neat_genes import crossover, distance, genes

from .toy import genome_space


def _neat():
    strategy = get_strategy("neat", genome_space(), seed=0)
    return strategy, strategy.mutate


def _grown_from(g, rng, steps, mutate):
    for _ in range(steps):
        g = mutate(g, rng).graph
    return g


def test_crossover_gives_a_valid_genome_of_its_parents_genes_only():
    strategy, mutate = _neat()
    rng = np.random.default_rng(3)
    g0 = _grown_from(strategy.space.minimal(rng), rng, 3, mutate)
    a, b = _grown_from(g0, rng, 4, mutate), _grown_from(g0, rng, 4, mutate)
    inn = strategy.innovations
    for seed in range(10):
        child = crossover(a, b, np.random.default_rng(seed), strategy.space.check)
        assert strategy.space.check(child)
        assert set(genes(child, inn)) == set(genes(a, inn))  # the fitter parent's genes
        for n in child.nodes:  # every attribute from one of the parents
            options = [p.node(n.id) for p in (a, b) if n.id in p.node_ids]
            assert any((n.op, dict(n.params)) == (o.op, dict(o.params)) for o in options)


def test_speciation_puts_distant_genomes_in_different_species():
    strategy, mutate = _neat()
    rng = np.random.default_rng(0)
    base = strategy.space.minimal(rng)
    near = [_grown_from(base, rng, 1, mutate) for _ in range(3)]
    far = _grown_from(base, rng, 12, mutate)
    inn = strategy.innovations
    assert distance(base, base, inn) == 0
    assert max(distance(base, g, inn) for g in near) < distance(base, far, inn)
    for g in [base, *near]:
        strategy.tell(strategy.space.candidate(strategy.space.encode(g)), 0.5)
    strategy.tell(strategy.space.candidate(strategy.space.encode(far)), 0.5)
    kinds = {m[2] for m in strategy.members if m[0] == far}
    assert kinds.isdisjoint({m[2] for m in strategy.members if m[0] == base})


def _search(run_dir, trials):
    from driver.objectives import genome_score

    space = genome_space()
    store = RunStore(run_dir, {"task": "toy", "strategy": "neat", "seed": 0})
    strategy = get_strategy("neat", space, seed=0, population=6, species=2)
    try:
        run_search(space, strategy, genome_score, store, SearchBudget(trials=trials))
        return strategy, [t.hash for t in store.trials("search")]
    finally:
        store.close()


def test_a_killed_neat_search_resumes_with_the_same_innovations_and_species(tmp_path):
    whole, whole_trials = _search(tmp_path / "whole", 24)
    _search(tmp_path / "split", 10)
    state = tmp_path / "split" / "state-search.json"
    saved = json.loads(state.read_text())["strategy"]
    assert saved["innovations"]["numbers"] and saved["species"]
    resumed, resumed_trials = _search(tmp_path / "split", 24)
    assert resumed_trials == whole_trials
    assert resumed.innovations.numbers == whole.innovations.numbers
    assert {k: v["rep"] for k, v in resumed.species.items()} == \
        {k: v["rep"] for k, v in whole.species.items()}
    assert len(whole.species) >= 1 and whole.told == 24
