"""benchmarks/pnas_predictors.py: B10's rounds replayed with other predictors."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def module():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("pnas_predictors",
                                                      BENCH / "pnas_predictors.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(BENCH))


def test_a_round_is_closed_by_its_quotas_last_tell_and_failures_count(module):
    told = [("a", 0.1, 0), ("b", None, 0), ("x", 0.5, 1), ("c", 0.2, 0), ("y", 0.4, 1)]
    assert module._closing_tells(told, [3, 2]) == [3, 4]


def test_the_parent_predictor_ranks_children_by_their_expanded_cells_scores(module):
    from graphnas.spaces import get_space
    from graphnas.tasks import get_task

    task = get_task("digits", seed=0)
    space = get_space("blocks", task.input_spec, task.output_spec)
    parents = space.one_block_cells()[:4]
    children = [space.extensions(p)[0] for p in parents]
    told = [[list(p), 0.1 * (i + 1), 0] for i, p in enumerate(parents)]
    told += [[list(c), 0.5 + 0.1 * i, 1] for i, c in enumerate(children)]
    run = {"task": "digits", "seed": 0, "space_options": {}, "told": told,
           "predicted": [[list(c), 1.0 - i] for i, c in enumerate(children)],
           "rounds": [{"quota": 4, "spearman": None}, {"quota": 4, "spearman": -1.0}]}
    out = module.replay(run)
    assert out["recorded"] == [-1.0]
    assert out["parent"] == [pytest.approx(1.0)]
    assert all(len(v) == 1 for v in out.values())


def test_the_mlp_with_the_parent_feature_sees_the_parents_score(module):
    from graphnas.spaces import get_space
    from graphnas.tasks import get_task

    task = get_task("digits", seed=0)
    growth = module.BlockGrowth(get_space("blocks", task.input_spec, task.output_spec))
    parents = growth.first()[:6]
    known = [(p, 0.1 * i) for i, p in enumerate(parents)]
    known += [(growth.extend(p, 1)[0], 0.1 * i + 0.05) for i, p in enumerate(parents)]
    cells = [growth.extend(p, 1)[1] for p in parents]  # unseen children of each parent
    guess = module.predict("mlp+parent", growth, known, cells, seed=0)
    assert module.spearman(guess, list(range(len(cells)))) > 0.8
