"""Canonical hash: blind to ids and listing order, sensitive to every real difference."""

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphnas.graph import Edge, MemoryLink, Node, canonical_hash, load_example

from .strategies_for_graphs import GATES, MERGES, OPS, graphs, isomorphic, relabel

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(graphs(), st.integers(0, 10_000))
def test_relabelled_and_reordered_graphs_hash_the_same(g, seed):
    assert canonical_hash(relabel(g, seed)) == canonical_hash(g)


def _changes(g, data):
    """One random real change of a graph: op, parameter, merge, edge, link or gate."""
    kind = data.draw(st.sampled_from(["op", "merge", "edge", "link", "gate"]))
    i = data.draw(st.integers(0, len(g.nodes) - 1))
    node = g.nodes[i]
    if kind == "op":
        op, params = data.draw(st.sampled_from(OPS))
        return g.replace_node(Node(node.id, op, params, node.merge))
    if kind == "merge" and node.merge:
        other = data.draw(st.sampled_from([m for m in MERGES if m != node.merge]))
        return g.replace_node(Node(node.id, node.op, dict(node.params), other))
    if kind == "gate" and g.memory:
        m = g.memory[0]
        gate = data.draw(st.sampled_from([x for x in GATES if x != m.gate]))
        return replace(g, memory=(replace(m, gate=gate), *g.memory[1:]))
    if kind == "link":
        if g.memory:
            return replace(g, memory=g.memory[1:])
        return replace(g, memory=(MemoryLink(g.output, g.output),))
    # add an edge from the input to the output (or drop it if present)
    e = Edge(g.inputs[0], g.output)
    if e in g.edges:
        return replace(g, edges=tuple(x for x in g.edges if x != e))
    return replace(g, edges=(*g.edges, e))


@SETTINGS
@given(graphs(), st.data())
def test_hash_differs_exactly_for_non_isomorphic_graphs(g, data):
    h = data.draw(st.sampled_from([g, relabel(g, 1)]))
    changed = _changes(h, data)
    assert (canonical_hash(changed) == canonical_hash(g)) == isomorphic(changed, g)


@SETTINGS
@given(graphs(), graphs())
def test_two_random_graphs_hash_equal_iff_isomorphic(a, b):
    assert (canonical_hash(a) == canonical_hash(b)) == isomorphic(a, b)


def test_parameter_defaults_do_not_change_the_hash():
    g = load_example("cnn1d")
    node = g.node("conv1")
    explicit = g.replace_node(Node("conv1", "conv1d", {**node.params, "dilation": 1}))
    assert canonical_hash(explicit) == canonical_hash(g)
    wider = g.replace_node(Node("conv1", "conv1d", {**node.params, "width": 33}))
    assert canonical_hash(wider) != canonical_hash(g)


def test_concat_port_order_matters_but_add_port_does_not():
    g = load_example("branching_concat")
    swapped = replace(g, edges=tuple(
        replace(e, port={0: 1, 1: 0}.get(e.port, e.port)) if e.dst == "join" else e
        for e in g.edges))
    # k3 and k5 trade places in the concatenation: a different function layout
    assert canonical_hash(swapped) != canonical_hash(g)
    r = load_example("residual_block")
    ported = replace(r, edges=tuple(replace(e, port=1) if e.dst == "sum" and e.src == "stem"
                                    else e for e in r.edges))
    assert canonical_hash(ported) == canonical_hash(r)


def test_symmetric_branches_are_handled():
    g = load_example("branching_concat")
    assert canonical_hash(relabel(g, 3)) == canonical_hash(g)
    gru = load_example("gru")
    assert canonical_hash(relabel(gru, 5)) == canonical_hash(gru)
    assert canonical_hash(gru) != canonical_hash(load_example("lstm"))
