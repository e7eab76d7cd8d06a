"""Spaces: every sample validates and builds; encode inverts decode; mutate, restrict, size."""

import numpy as np
import pytest
import torch

from graphnas.graph import InputSpec, OutputSpec, infer_shapes
from graphnas.nn import build
from graphnas.spaces import get_space

TASKS = {
    "mnist1d": (InputSpec("sequence", (40, 1)), OutputSpec("classes", 10)),
    "adding": (InputSpec("sequence", (100, 2)), OutputSpec("regression", 1)),
    "digits": (InputSpec("image", (1, 8, 8)), OutputSpec("classes", 10)),
    "tabular": (InputSpec("vector", (10,)), OutputSpec("regression", 1)),
    "copy": (InputSpec("tokens", (21,), vocab=10), OutputSpec("sequence_classes", 9)),
}
CASES = [(s, t) for s in ("macro", "cell") for t in TASKS if not (s == "cell" and t == "copy")]


@pytest.mark.parametrize("space_name,task", CASES)
def test_thousands_of_samples_validate_and_round_trip(space_name, task):
    spec, out = TASKS[task]
    space = get_space(space_name, spec, out)
    rng = np.random.default_rng(0)
    for _ in range(400 if space_name == "macro" else 1000):
        c = space.sample(rng)
        infer_shapes(c.arch, spec)
        assert space.decode(space.encode(c.arch)) == c.arch
        assert space.contains(c.arch)


@pytest.mark.parametrize("space_name,task", CASES)
def test_samples_build_and_run(space_name, task):
    spec, out = TASKS[task]
    space = get_space(space_name, spec, out)
    rng = np.random.default_rng(1)
    for _ in range(4):
        m = build(space.sample(rng).arch, spec, out)
        x = (torch.randint(0, 10, (2, *spec.dims)) if spec.layout == "tokens"
             else torch.randn(2, *spec.dims))
        assert torch.isfinite(m(x)).all()


def test_macro_space_finds_memory_links_and_keeps_them_valid():
    spec, out = TASKS["adding"]
    space = get_space("macro", spec, out)
    rng = np.random.default_rng(2)
    graphs = [space.sample(rng).arch for _ in range(200)]
    assert sum(bool(g.memory) for g in graphs) > 50
    assert any(m.gate == "gru" for g in graphs for m in g.memory)


def test_mutate_changes_the_graph_and_stays_in_the_space():
    spec, out = TASKS["mnist1d"]
    space = get_space("macro", spec, out)
    rng = np.random.default_rng(3)
    changed = 0
    for _ in range(50):
        c = space.sample(rng)
        m = space.mutate(c, rng)
        assert space.contains(m.arch)
        assert sum(a != b for a, b in zip(c.choices, m.choices)) >= 1
        changed += m.hash != c.hash
    assert changed > 25  # some decisions are unused by a graph, so not every mutation shows


def test_restrict_keeps_only_allowed_options():
    spec, out = TASKS["mnist1d"]
    space = get_space("macro", spec, out, n_nodes=3)
    small = space.restrict({"op": ["conv3", "relu"], "node0.width": [32]})
    rng = np.random.default_rng(4)
    for _ in range(100):
        g = small.sample(rng).arch
        assert {n.op for n in g.nodes if n.id.startswith("n")} <= {"conv1d", "relu"}
        assert g.node("n0").params.get("width", 32) == 32
        assert space.contains(g) and small.contains(g)
    other = space.sample(np.random.default_rng(5)).arch
    assert small.contains(other) == all(
        n.op in ("conv1d", "relu") and n.params.get("kernel", 3) == 3
        and n.params.get("dilation", 1) == 1 and (n.id != "n0" or n.params.get("width") in
                                                  (None, 32))
        for n in other.nodes if n.id.startswith("n"))
    assert small.size() < space.size()


def test_size_matches_a_brute_force_count():
    spec, out = TASKS["digits"]
    space = get_space("cell", spec, out, n_cell_nodes=3, ops=["none", "identity", "conv3"])
    assert space.size() == 27

    def count(prefix):
        d = space.next_decision(prefix)
        return 1 if d is None else sum(count([*prefix, k]) for k in range(len(d.options)))

    assert count([]) == 27
    macro = get_space("macro", *TASKS["tabular"], n_nodes=1, widths=(8,), memory=False)
    assert macro.size() == count_tree(macro)


def count_tree(space, prefix=()):
    d = space.next_decision(list(prefix))
    return 1 if d is None else sum(count_tree(space, (*prefix, k)) for k in range(len(d.options)))


def test_unknown_space_and_setting():
    with pytest.raises(ValueError, match="unknown space 'nasnet'"):
        get_space("nasnet", *TASKS["mnist1d"])
    with pytest.raises(ValueError, match="bad setting"):
        get_space("macro", *TASKS["mnist1d"], n_nodez=3)
    with pytest.raises(ValueError, match="unknown sequence ops"):
        get_space("macro", *TASKS["mnist1d"], ops=["conv2d_huge"])
