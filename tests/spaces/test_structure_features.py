"""Every shipped space's structure features mean what they say (depths, widths, branches, memory
links, cell edges), and a restricted space passes them and its template decision through."""

import math

import numpy as np
import pytest

from graphnas.graph import InputSpec, OutputSpec
from graphnas.spaces import get_space, space_names
from graphnas.spaces.registry import SPACES

SEQ = (InputSpec("sequence", (40, 1)), OutputSpec("classes", 10))
VEC = (InputSpec("vector", (10,)), OutputSpec("regression", 1))


def choose(space, **values):
    """The choices that take the given option value per label (dots as ``__``), the first
    option elsewhere."""
    values = {k.replace("__", "."): v for k, v in values.items()}
    out = []
    while (d := space.next_decision(out)) is not None:
        out.append(d.options.index(values.pop(d.label)) if d.label in values else 0)
    assert not values, f"no such decisions: {values}"
    return out


def chain(n, op="conv3", width=32):
    """Macro choices for stem -> n0 -> n1 -> ... in a line, every node ``op``."""
    return {**{f"node{i}__in": f"n{i - 1}" if i else "stem" for i in range(n)},
            **{f"node{i}__op": op for i in range(n)},
            **{f"node{i}__width": width for i in range(n)}}


def fan(n, op="conv3", width=32):
    """Macro choices for n nodes all fed by the stem, side by side."""
    return {**{f"node{i}__in": "stem" for i in range(n)},
            **{f"node{i}__op": op for i in range(n)},
            **{f"node{i}__width": width for i in range(n)}}


@pytest.mark.parametrize("name", [n for n in space_names() if not SPACES[n].open_ended])
def test_every_shipped_space_gives_finite_features_with_the_same_names(name):
    space = get_space(name, *SEQ)
    rng = np.random.default_rng(0)
    names = None
    for _ in range(30):
        f = space.structure_features(space.sample(rng).choices)
        assert f and all(isinstance(v, float) and math.isfinite(v) for v in f.values())
        core = {k for k in f if not k.startswith("ops.")}  # op counts appear where used
        assert names is None or core == names
        names = core


@pytest.mark.parametrize("name", [n for n in space_names()
                                  if not (SPACES[n].needs_base_graph or SPACES[n].open_ended)])
def test_shipped_spaces_have_no_template_decision_and_restriction_keeps_it(name):
    """Graph spaces (the activation and optimizer spaces choose functions, not ops)."""
    space = get_space(name, *SEQ)
    assert space.template_label is None  # their wiring is spread over many decisions
    small = space.restrict({"op": [space.ops[1], space.ops[2]]})
    assert small.template_label is None
    c = small.sample(np.random.default_rng(1))
    assert small.structure_features(c.choices) == \
        space.structure_features(space.encode(c.arch))


def test_macro_depth_grows_with_a_deeper_graph_and_branches_with_a_wider_one():
    space = get_space("macro", *SEQ, n_nodes=5)
    deep = space.structure_features(choose(space, **chain(5)))
    wide = space.structure_features(choose(space, **fan(5)))
    assert deep["depth"] == 5 and wide["depth"] == 1
    assert deep["weighted_depth"] == 5 and wide["weighted_depth"] == 1
    assert deep["branches"] == 1 and wide["branches"] == 5
    assert deep["merges"] == wide["merges"] == 0
    three = space.structure_features(choose(space, **{**fan(5), **chain(3)}))
    assert three["depth"] == 3


def test_macro_weighted_depth_counts_only_ops_with_weights():
    space = get_space("macro", *SEQ, n_nodes=4)
    mixed = {**chain(4), "node1__op": "relu", "node2__op": "bn"}
    f = space.structure_features(choose(space, **mixed))
    assert f["depth"] == 4 and f["weighted_depth"] == 2 and f["weighted"] == 2


def test_macro_widths_ignore_the_width_of_parameter_free_ops():
    space = get_space("macro", *SEQ, n_nodes=3)
    f = space.structure_features(choose(space, **chain(3, op="relu", width=64),
                                        stem__width=16))
    assert f["log2_width_max"] == f["log2_width_mean"] == 4  # the stem's 16 only
    f = space.structure_features(choose(space, **chain(3, width=64), stem__width=16))
    assert f["log2_width_max"] == 6 and f["log2_width_mean"] == pytest.approx((4 + 3 * 6) / 4)


def test_macro_counts_merges_and_the_memory_links_decoding_kept():
    space = get_space("macro", *VEC, n_nodes=3)
    plain = choose(space, **chain(3, op="linear"))
    assert space.structure_features(plain)["memory_links"] == 0
    merged = choose(space, **chain(3, op="linear"), node2__skip__stem=True)
    assert space.structure_features(merged)["merges"] == 1
    loops = choose(space, **chain(3, op="linear"), node1__mem=0, node2__mem=0,
                   node2__mem_gate="gru")  # two self loops, one gated
    f = space.structure_features(loops)
    assert len(space.decode(loops).memory) == 2
    assert f["memory_links"] == 2 and f["gated_memory_links"] == 1
    # chosen but dropped: a link n2 -> n1 where n2 does not descend from n1 closes no cycle
    fan_in = choose(space, **fan(3, op="linear"), node1__mem=1)
    assert space.decode(fan_in).memory == ()
    assert space.structure_features(fan_in)["memory_links"] == 0


def test_cell_features_describe_the_pruned_cell():
    space = get_space("cell", *SEQ, n_cell_nodes=4)
    line = choose(space, edge01="conv3", edge12="identity", edge23="conv1")
    f = space.structure_features(line)
    assert f == {"edges": 3.0, "depth": 3.0, "weighted_depth": 2.0, "paths": 1.0,
                 "ops.conv3": 1.0, "ops.identity": 1.0, "ops.conv1": 1.0}
    both = choose(space, edge01="conv3", edge12="identity", edge23="conv1", edge03="conv3")
    g = space.structure_features(both)
    assert g["edges"] == 4 and g["depth"] == 3 and g["paths"] == 2 and g["ops.conv3"] == 2
    # an edge into a node that reaches nothing is pruned, and is not counted
    dead = choose(space, edge03="conv3", edge01="conv1", edge02="conv1")
    assert space.structure_features(dead) == {"edges": 1.0, "depth": 1.0,
                                              "weighted_depth": 1.0, "paths": 1.0,
                                              "ops.conv3": 1.0}
    cut = choose(space, edge01="conv3")  # output cut off: the identity edge stands in
    assert space.structure_features(cut) == {"edges": 1.0, "depth": 1.0, "weighted_depth": 0.0,
                                             "paths": 1.0, "ops.identity": 1.0}
