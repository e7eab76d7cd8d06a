"""The blocks space's supergraph (PNAS cells relaxed), and the hybrid search over it."""

import json

import pytest
import torch

import graphnas
from graphnas.differentiable import (
    BlocksSupergraph,
    DiffConfig,
    differentiable_search,
    make_supergraph,
    supports,
)
from graphnas.graph import from_json, infer_shapes
from graphnas.nn import build
from graphnas.spaces import get_space
from graphnas.store import RunStore, TrialState
from graphnas.tasks import get_task

SMALL = {"digits": {}, "diabetes": {},
         "adding": {"length": 12, "train": 256, "valid": 64, "test": 64}}


@pytest.fixture(scope="module")
def tasks():
    return {name: get_task(name, **opts) for name, opts in SMALL.items()}


def _space(t, **opts):
    return get_space("blocks", t.input_spec, t.output_spec, width=8, blocks=3, **opts)


@pytest.mark.parametrize("task_name", sorted(SMALL))
def test_every_decision_is_relaxed_and_the_output_has_the_task_shape(tasks, task_name):
    t = tasks[task_name]
    space = _space(t)
    m = make_supergraph(space, t.input_spec, t.output_spec)
    assert isinstance(m, BlocksSupergraph) and supports(space)
    assert [d.label for d in m.decisions][:5] == ["n_blocks", "block0.in1", "block0.op1",
                                                 "block0.in2", "block0.op2"]
    assert len(m.decisions) == 1 + 4 * 3
    y = m(torch.as_tensor(t.train.x[:4]))
    out = t.output_spec
    want = (4, t.input_spec.dims[0], out.size) if out.per_step else (4, out.size)
    assert tuple(y.shape) == want
    y.float().sum().backward()
    # every input, op and cell-size logit gets a gradient, so every decision can move
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in m.arch_parameters())
    g = m.discretise()
    infer_shapes(g, t.input_spec)
    build(g, t.input_spec, t.output_spec)


def test_hard_decisions_are_cut_to_the_chosen_cell_size(tasks):
    t = tasks["digits"]
    space = _space(t)
    m = BlocksSupergraph(space, t.input_spec, t.output_spec)
    with torch.no_grad():
        m.alpha["n_blocks"][1] = 2.0  # two blocks
        m.alpha["block1__in1"][m.options["block1.in1"].index("b0")] = 3.0
        m.alpha["block1__op1"][m.options["block1.op1"].index("conv3")] = 3.0
        m.alpha["block0__op2"][m.options["block0.op2"].index("relu")] = 1.0
    c = m.choices()
    assert len(c) == 1 + 4 * 2 and space.valid_choices(c)
    blocks = space.blocks_of(c)
    assert any(b[0] == "b0" or b[2] == "b0" for b in blocks[1:])
    ranked = m.ranked_choices(10)
    assert ranked[0] == c and len(ranked) == 10
    assert len({tuple(r) for r in ranked}) == 10 and all(space.valid_choices(r) for r in ranked)
    # the guard counts the chosen size's op decisions: block1.op1 is conv3; block0.op2 is
    # relu, the others tied at zero logits, where the argmax is the first op, identity
    assert m.parameter_free_share() == 0.75
    with torch.no_grad():
        for label in ("block0.op1", "block1.op2"):
            m.alpha[label.replace(".", "__")][m.options[label].index("conv3")] = 2.0
    assert m.parameter_free_share() == 0.25


@pytest.mark.parametrize("task_name,order", [("digits", "first"), ("adding", "gumbel"),
                                             ("diabetes", "second")])
def test_differentiable_search_runs_on_the_blocks_space(tasks, task_name, order):
    t = tasks[task_name]
    space = _space(t)
    r = differentiable_search(space, t, DiffConfig(order=order, steps=8, warmup=0.25,
                                                   check_every=4, batch_size=16,
                                                   max_param_free=1.0))
    g = from_json(r.graph_json)
    assert r.steps == 8 and space.valid_choices(r.choices)
    assert space.contains(g) and space.decode(r.choices) == g
    assert r.ranked[0] == r.choices and all(space.valid_choices(c) for c in r.ranked)


def test_a_restricted_blocks_space_gives_a_smaller_supergraph(tasks):
    t = tasks["digits"]
    space = _space(t)
    small = space.restrict({"n_blocks": [2], "op": ["conv3", "identity"],
                            "block1.in1": ["b0"]})
    m = make_supergraph(small, t.input_spec, t.output_spec)
    assert m.sizes == [2] and len(m.decisions) == 1 + 4 * 2
    assert len(m.cells[0]["block0__op1"].ops) == 2 and m.options["block1.in1"] == ["b0"]
    r = differentiable_search(small, t, DiffConfig(steps=4, warmup=0.5, check_every=2,
                                                   batch_size=16))
    g = from_json(r.graph_json)
    assert small.contains(g) and space.contains(g)
    blocks = space.blocks_of(space.encode(g))
    assert len(blocks) == 2 and {b[1] for b in blocks} | {b[3] for b in blocks} <= \
        {"conv3", "identity"}


def test_the_hybrid_searches_the_blocks_space_end_to_end(tmp_path):
    r = graphnas.search(task="digits", space="blocks", strategy="hybrid", trials=6,
                        budget=None, trial_steps=20, retrain_steps=40, progress="quiet",
                        finalist_folds=1, out=str(tmp_path / "h"),
                        space_options={"blocks": 2, "width": 8})
    assert r.test_metric is not None and r.graph is not None
    config = json.loads((tmp_path / "h" / "config.json").read_text())
    store = RunStore(tmp_path / "h", config["identity"])
    sup = store.trials("supergraph")[0]
    exploit = store.trials("exploit")
    store.db.close()
    assert sup.state == TrialState.COMPLETE and len(exploit) == 1
    digits = get_task("digits")
    space = get_space("blocks", digits.input_spec, digits.output_spec, blocks=2, width=8)
    assert space.contains(from_json(exploit[0].arch_json))
