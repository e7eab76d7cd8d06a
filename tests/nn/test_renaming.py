"""Trained weights moved onto an isomorphic graph compute the same function there."""

import pytest
import torch

from graphnas.graph import Edge, Graph, InputSpec, MemoryLink, Node, OutputSpec, isomorphism
from graphnas.graph.examples import example_names, load_example
from graphnas.nn import build, renamed_state

VEC, SEQ = InputSpec("vector", (5,)), InputSpec("sequence", (6, 2))
IMG = InputSpec("image", (2, 5, 5))
OUT = OutputSpec("classes", 3)


def _trained(graph: Graph, spec: InputSpec) -> dict:
    """Fresh weights perturbed, so that nothing about them is special (no training)."""
    torch.manual_seed(1)
    return {k: v + 0.3 * torch.randn_like(v) if v.is_floating_point() else v
            for k, v in build(graph, spec, OUT).state_dict().items()}


def _outputs(graph: Graph, state: dict, spec: InputSpec, x: torch.Tensor) -> torch.Tensor:
    net = build(graph, spec, OUT)
    net.load_state_dict(state)  # strict: every key renamed, none left over
    with torch.no_grad():
        return net.eval()(x)


def _relabelled(g: Graph, prefix: str = "z") -> Graph:
    """``g`` with every node id renamed and its nodes, edges and links listed backwards."""
    new = {n.id: f"{prefix}{i}" for i, n in enumerate(reversed(g.nodes))}
    new.update({i: i for i in g.inputs})
    return Graph(g.inputs, tuple(Node(new[n.id], n.op, n.params, n.merge)
                                 for n in reversed(g.nodes)),
                 tuple(Edge(new[e.src], new[e.dst], e.port) for e in reversed(g.edges)),
                 new[g.output],
                 tuple(MemoryLink(new[m.src], new[m.dst], m.gate, m.port)
                       for m in reversed(g.memory)))


def _same_function(source: Graph, target: Graph, spec: InputSpec) -> None:
    state = _trained(source, spec)
    x = torch.randn(8, *spec.dims)
    moved = renamed_state(state, source, target)
    assert torch.allclose(_outputs(source, state, spec, x), _outputs(target, moved, spec, x),
                          atol=1e-6)


@pytest.mark.parametrize("name", example_names())
def test_an_example_with_other_node_ids_computes_the_same(name):
    """The examples: vector, sequence and image graphs, residual adds, LSTM and GRU cells."""
    graph = load_example(name)
    spec = IMG if any(n.op.endswith("2d") for n in graph.nodes) else \
        VEC if name in ("mlp", "elman_rnn") else SEQ
    _same_function(graph, _relabelled(graph), spec)


def _add(ports: tuple[int, int], ids=("a", "b", "v", "o")) -> Graph:
    """x -> a (width 6), x -> b (width 4, projected) -> v = tanh(a + b) -> o."""
    a, b, v, o = ids
    return Graph(("x",), (Node(a, "linear", {"width": 6}), Node(b, "linear", {"width": 4}),
                          Node(v, "tanh", merge="add"), Node(o, "linear", {"width": 3})),
                 (Edge("x", a), Edge("x", b), Edge(a, v, ports[0]), Edge(b, v, ports[1]),
                  Edge(v, o)), o)


def test_an_add_with_its_inputs_in_another_order_computes_the_same():
    source, target = _add((0, 1)), _add((1, 0), ("p", "q", "r", "s"))
    state = renamed_state(_trained(source, VEC), source, target)
    assert "nodes.r.merge.proj.0.weight" in state  # q (was b, the projected input) is first now
    _same_function(source, target, VEC)


@pytest.mark.parametrize("gate", ["none", "sigmoid", "gru"])
def test_a_gated_memory_cycle_with_other_node_ids_computes_the_same(gate):
    graph = Graph(("x",), (Node("h", "linear", {"width": 4}, merge="concat"),
                           Node("a", "tanh")),
                  (Edge("x", "h"), Edge("h", "a")), "a", (MemoryLink("a", "h", gate, 1),))
    _same_function(graph, _relabelled(graph), SEQ)


def test_the_isomorphism_pairs_nodes_of_the_same_role():
    assert isomorphism(_add((0, 1)), _add((1, 0), ("p", "q", "r", "s"))) == {
        "x": "x", "a": "p", "b": "q", "v": "r", "o": "s"}


def test_graphs_that_are_not_isomorphic_are_refused():
    other = _add((0, 1)).replace_node(Node("v", "relu", merge="add"))
    assert isomorphism(_add((0, 1)), other) is None
    with pytest.raises(ValueError, match="not isomorphic"):
        renamed_state(_trained(_add((0, 1)), VEC), _add((0, 1)), other)
