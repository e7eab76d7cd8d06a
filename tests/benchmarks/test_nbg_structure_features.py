"""NAS-Bench-Graph's structure: the message-passing depth of each output branch, and the link
pattern as the space's template decision."""

from graphnas.benchmarks import NasBenchGraphSpace, NbgArch
from graphnas.strategies.surrogate import SurrogateSearch


def _features(space, link, ops):
    return space.structure_features(space.encode(NbgArch(link, ops)))


def test_each_output_branch_counts_its_message_passing_hops():
    # input -> gat -> sage -> graph ends one branch (3 hops); input -> fc the other (0 hops)
    f = _features(NasBenchGraphSpace("cora"), (0, 0, 1, 3), ("gat", "fc", "sage", "graph"))
    assert f == {"branch_depth=3": 1.0, "branch_depth=0": 1.0, "max_depth=3": 1.0,
                 "min_depth=0": 1.0, "branches=2": 1.0}


def test_skips_pass_through_and_isomorphs_agree():
    space = NasBenchGraphSpace("cora")
    chain = _features(space, (0, 1, 2, 3), ("gcn", "skip", "gat", "skip"))
    assert chain == {"branch_depth=2": 1.0, "max_depth=2": 1.0, "min_depth=2": 1.0,
                     "branches=1": 1.0}
    # two parallel branches from the input, listed in either order
    assert _features(space, (0, 0, 1, 2), ("gcn", "fc", "gat", "sage")) == \
        _features(space, (0, 0, 1, 2), ("fc", "gcn", "sage", "gat"))


def test_a_restricted_space_passes_its_base_features_through():
    space = NasBenchGraphSpace("cora")
    small = space.restrict({"op": ["gat", "fc", "sage", "graph"]})
    arch = NbgArch((0, 0, 1, 3), ("gat", "fc", "sage", "graph"))
    assert small.structure_features(small.encode(arch)) == \
        space.structure_features(space.encode(arch))


def test_the_link_pattern_is_the_template_decision_also_when_restricted():
    space = NasBenchGraphSpace("cora")
    assert space.template_label == "link" and space.next_decision([]).label == "link"
    assert space.restrict({"op": ["gat", "gcn"]}).template_label == "link"


def test_the_surrogate_fits_them():
    space = NasBenchGraphSpace("cora")
    choices = space.encode(NbgArch((0, 0, 1, 3), ("gat", "fc", "sage", "graph")))
    features = SurrogateSearch(space)._feature(choices, cache=False)
    assert features["max_depth=3"] == 1.0 and features["branch_depth=0"] == 1.0
    assert features["link=" + str(choices[0])] == 1.0  # beside the decisions' one-hots
