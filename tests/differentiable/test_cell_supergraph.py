"""The cell space's supergraph (DARTS's relaxation), and which spaces differentiable search
covers."""

import pytest
import torch

from graphnas.differentiable import (
    CellSupergraph,
    DiffConfig,
    differentiable_search,
    make_supergraph,
    supports,
    unsupported_reason,
)
from graphnas.graph import from_json, infer_shapes
from graphnas.nn import build
from graphnas.spaces import Decision, Space, get_space
from graphnas.tasks import get_task

SMALL = {"digits": {}, "diabetes": {},
         "adding": {"length": 12, "train": 256, "valid": 64, "test": 64},
         "copy": {"length": 3, "delay": 3, "train": 256, "valid": 64, "test": 64}}


@pytest.fixture(scope="module")
def tasks():
    return {name: get_task(name, **opts) for name, opts in SMALL.items()}


@pytest.mark.parametrize("task_name", sorted(SMALL))
def test_every_edge_decision_is_relaxed_and_the_output_has_the_task_shape(tasks, task_name):
    t = tasks[task_name]
    space = get_space("cell", t.input_spec, t.output_spec, width=8)
    m = make_supergraph(space, t.input_spec, t.output_spec)
    assert isinstance(m, CellSupergraph)
    y = m(torch.as_tensor(t.train.x[:4]))
    out = t.output_spec
    want = (4, t.input_spec.dims[0], out.size) if out.per_step else (4, out.size)
    assert tuple(y.shape) == want
    y.float().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in m.arch_parameters())
    g = m.discretise()
    infer_shapes(g, t.input_spec)
    build(g, t.input_spec, t.output_spec)


@pytest.mark.parametrize("task_name,order", [("digits", "first"), ("adding", "gumbel"),
                                             ("copy", "first"), ("diabetes", "second")])
def test_differentiable_search_runs_on_the_cell_space(tasks, task_name, order):
    t = tasks[task_name]
    space = get_space("cell", t.input_spec, t.output_spec, width=8)
    r = differentiable_search(space, t, DiffConfig(order=order, steps=8, warmup=0.25,
                                                   check_every=4, batch_size=16,
                                                   max_param_free=1.0))
    g = from_json(r.graph_json)
    assert r.steps == 8 and space.valid_choices(r.choices)
    assert space.contains(g) and space.decode(r.choices) == g
    assert r.ranked[0] == r.choices and all(space.valid_choices(c) for c in r.ranked)
    m = CellSupergraph(space, t.input_spec, t.output_spec)
    assert r.choices != m.choices()  # the architecture moved from the all-zero logits


def test_a_restricted_cell_space_gives_a_smaller_supergraph(tasks):
    t = tasks["adding"]
    space = get_space("cell", t.input_spec, t.output_spec, width=8)
    small = space.restrict({"op": ["none", "conv3"], "edge03": ["identity"]})
    m = make_supergraph(small, t.input_spec, t.output_spec)
    edges = m.cells[0]
    assert set(edges["edge03"].ops) == {"identity"} and set(edges["edge01"].ops) == {"conv3"}
    r = differentiable_search(small, t, DiffConfig(steps=4, warmup=0.5, check_every=2,
                                                   batch_size=16))
    g = from_json(r.graph_json)
    assert small.contains(g) and space.contains(g)
    assert {n.op for n in g.nodes if "_e" in n.id} <= {"conv1d", "identity"}


def test_the_guard_counts_edges_whose_strongest_option_is_an_op(tasks):
    t = tasks["digits"]
    space = get_space("cell", t.input_spec, t.output_spec, width=8)
    m = CellSupergraph(space, t.input_spec, t.output_spec)
    assert m.parameter_free_share() == 0.0  # every argmax is "none": a sparse cell, no collapse
    ops = m.options["edge01"]
    with torch.no_grad():
        m.alpha["edge01"][ops.index("identity")] = 1.0
        m.alpha["edge12"][m.options["edge12"].index("conv3")] = 1.0
    assert m.parameter_free_share() == 0.5


class _Other(Space):
    name = "other"

    def next_decision(self, choices):
        return Decision("a", (0, 1)) if not choices else None

    def decode(self, choices):
        return choices

    def encode(self, arch):
        return tuple(arch)


def test_the_spaces_differentiable_search_covers_are_known_up_front(tasks):
    t = tasks["diabetes"]
    for name in ("macro", "cell"):
        space = get_space(name, t.input_spec, t.output_spec)
        assert supports(space) and unsupported_reason(space) is None
        assert supports(space.restrict({"op": ["identity"]}).restrict({}))
    assert not supports(_Other())
    assert "'other'" in unsupported_reason(_Other())
    with pytest.raises(ValueError, match="no supergraph for the 'other' space"):
        differentiable_search(_Other(), t, DiffConfig(steps=1))
