"""The genome space: genomes grow by mutation on every task kind, and always build."""

import numpy as np
import pytest

from graphnas.graph import InputSpec, OutputSpec
from graphnas.nn import build
from graphnas.spaces import get_space
from graphnas.spaces.genome_mutations import Innovations

SPECS = {
    "vector": (InputSpec("vector", (10,)), OutputSpec("classes", 3)),
    "sequence": (InputSpec("sequence", (20, 2)), OutputSpec("regression", 1)),
    "image": (InputSpec("image", (1, 8, 8)), OutputSpec("classes", 10)),
    "language model": (InputSpec("tokens", (16,), vocab=12),
                       OutputSpec("sequence_classes", 12, causal=True)),
}


@pytest.mark.parametrize("kind", SPECS)
def test_mutations_keep_genomes_buildable_and_encoded(kind):
    space = get_space("genome", *SPECS[kind], max_nodes=6)
    rng = np.random.default_rng(1)
    g = space.minimal(rng)
    assert [n.id for n in g.nodes] == ["stem", "readout"]
    mutate, seen = space.mutator(), set()
    for _ in range(60):
        child = mutate(g, rng)
        seen.add(child.kind)
        assert space.decode(space.encode(child.graph)) == child.graph
        assert space.valid_choices(space.encode(child.graph))
        g = child.graph
    assert {"split", "edge", "op", "width"} <= seen
    assert len([n for n in g.nodes if n.id not in ("stem", "readout")]) <= 6
    build(g, *SPECS[kind])  # builds (a causal task's graph included)


def test_a_split_is_an_identity_node_and_a_branch_a_zero_node():
    space = get_space("genome", *SPECS["vector"], widths=(16, 32))
    rng = np.random.default_rng(0)
    mutate = space.mutator()
    kinds: dict[str, object] = {}
    g = space.minimal(rng)
    while len(kinds) < 2:
        child = mutate(g, rng)
        if child.kind in ("split", "branch") and child.kind not in kinds:
            kinds[child.kind] = child
    split, branch = kinds["split"], kinds["branch"]
    (new,) = set(split.graph.node_ids) - set(g.node_ids)
    assert split.identity == (new,) and split.graph.node(new).op == "linear"
    assert branch.zero and branch.graph.node(branch.zero[0]).op == "linear"


def test_innovations_number_the_same_split_alike_in_every_genome():
    space = get_space("genome", *SPECS["vector"])
    inn = Innovations()
    a = inn.node("split:stem>readout", {"stem", "readout"})
    assert inn.node("split:stem>readout", {"stem", "readout"}) == a
    assert inn.node("split:stem>readout", {"stem", "readout", a}) != a  # taken: a new one
    state = inn.state_dict()
    again = Innovations()
    again.load_state_dict(state)
    assert again.next == inn.next and again.numbers == inn.numbers
    assert space.open_ended


def test_decision_strategies_refuse_the_genome_space():
    from graphnas.strategies import get_strategy

    space = get_space("genome", *SPECS["vector"])
    for name in ("reinforce", "surrogate", "pnas"):
        with pytest.raises(ValueError, match="grows by mutation"):
            get_strategy(name, space)
    with pytest.raises(ValueError, match="not a genome"):
        space.decode([1, 99])
