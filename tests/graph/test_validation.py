"""One test per validation error: each names the node or edge and says what to change."""

import pytest

from graphnas.graph import (
    Edge,
    Graph,
    GraphError,
    InputSpec,
    MemoryLink,
    Node,
    infer_shapes,
    load_example,
    validate,
)

SEQ = InputSpec("sequence", (40, 1))


def chain(*nodes: Node, memory=(), inputs=("x",)) -> Graph:
    ids = [*inputs[:1], *(n.id for n in nodes)]
    edges = [Edge(a, b) for a, b in zip(ids, ids[1:])]
    return Graph(inputs, nodes, edges, nodes[-1].id, memory)


def error_of(graph: Graph, spec: InputSpec | None = None) -> str:
    with pytest.raises(GraphError) as info:
        validate(graph, spec)
    return str(info.value)


def test_valid_chain_passes():
    assert validate(chain(Node("a", "linear", {"width": 8}))) is None


def test_unknown_op():
    msg = error_of(chain(Node("a", "linearr")))
    assert "'a'" in msg and "unknown op 'linearr'" in msg and "linear" in msg


def test_unknown_parameter():
    msg = error_of(chain(Node("a", "linear", {"widht": 8})))
    assert "'a'" in msg and "no parameter 'widht'" in msg and "width" in msg


def test_value_out_of_range():
    msg = error_of(chain(Node("a", "conv1d", {"kernel": 99})))
    assert "'a'" in msg and "'kernel'" in msg and "<= 31" in msg


def test_value_of_wrong_type():
    msg = error_of(chain(Node("a", "linear", {"width": 8.5})))
    assert "'width'" in msg and "must be int" in msg


def test_forward_cycle_must_be_a_memory_link():
    g = Graph(("x",), (Node("a", "relu", merge="add"), Node("b", "tanh")),
              (Edge("x", "a"), Edge("a", "b"), Edge("b", "a")), "b")
    msg = error_of(g)
    assert "cycle" in msg and "memory link" in msg and "b -> a" in msg


def test_memory_link_pointing_forward():
    g = chain(Node("a", "relu", merge="add"), Node("b", "tanh", merge="add"),
              memory=(MemoryLink("a", "b"),))
    msg = error_of(g)
    assert "memory link a -> b points forward" in msg and "'b' comes after 'a'" in msg


def test_memory_link_between_unrelated_branches():
    g = Graph(("x",), (Node("a", "relu", merge="add"), Node("b", "tanh"),
                       Node("c", "identity", merge="add")),
              (Edge("x", "a"), Edge("x", "b"), Edge("a", "c"), Edge("b", "c")), "c",
              (MemoryLink("b", "a"),))
    assert "not a forward ancestor" in error_of(g)


def test_self_loop_is_allowed():
    g = chain(Node("a", "linear", {"width": 4}, merge="add"), memory=(MemoryLink("a", "a"),))
    shapes = validate(g, SEQ)
    assert shapes["a"].dims == (40, 4)


def test_unreachable_node():
    g = Graph(("x",), (Node("a", "relu"), Node("lost", "tanh"), Node("b", "tanh",
                                                                     merge="add")),
              (Edge("x", "a"), Edge("a", "b"), Edge("lost", "b")), "b")
    msg = error_of(g)
    assert "'lost'" in msg and "unreachable from the input" in msg


def test_node_not_reaching_the_output():
    g = Graph(("x",), (Node("a", "relu"), Node("dead", "tanh")),
              (Edge("x", "a"), Edge("a", "dead")), "a")
    msg = error_of(g)
    assert "'dead'" in msg and "does not reach the output" in msg


def test_several_inputs_but_no_merge():
    g = Graph(("x",), (Node("a", "relu"), Node("b", "tanh")),
              (Edge("x", "a"), Edge("x", "b"), Edge("a", "b")), "b")
    msg = error_of(g)
    assert "'b' has 2 inputs but no merge" in msg and "concat" in msg


def test_duplicate_ids():
    g = chain(Node("a", "relu"), Node("a", "tanh"))
    assert "duplicate node id 'a'" in error_of(g)


def test_unknown_merge_and_gate():
    assert "unknown merge 'sum'" in error_of(chain(Node("a", "relu", merge="sum")))
    g = chain(Node("a", "relu", merge="add"), memory=(MemoryLink("a", "a", gate="lstm"),))
    assert "unknown gate 'lstm'" in error_of(g)


def test_interp_needs_three_ports():
    g = chain(Node("a", "relu", merge="interp"), memory=(MemoryLink("a", "a"),))
    assert "'interp' needs exactly three inputs" in error_of(g)


def test_output_must_be_a_hidden_node():
    g = Graph(("x",), (Node("a", "relu"),), (Edge("x", "a"),), "x")
    assert "output 'x' is an input" in error_of(g)


def test_edge_to_unknown_node():
    g = Graph(("x",), (Node("a", "relu"),), (Edge("x", "a"), Edge("a", "zz")), "a")
    assert "'zz' is not a node" in error_of(g)


def test_conv2d_on_tabular_rows():
    msg = error_of(chain(Node("c", "conv2d")), InputSpec("vector", (10,)))
    assert "'c'" in msg and "takes image input but gets vector(F=10)" in msg


def test_linear_on_image_suggests_flatten():
    msg = error_of(chain(Node("l", "linear")), InputSpec("image", (1, 8, 8)))
    assert "flatten" in msg


def test_tokens_need_an_embedding():
    msg = error_of(chain(Node("l", "linear")), InputSpec("tokens", (5,), vocab=10))
    assert "embedding" in msg


def test_merge_of_different_layouts():
    g = Graph(("x",), (Node("p", "global_avg_pool"), Node("m", "relu", merge="add")),
              (Edge("x", "p"), Edge("p", "m"), Edge("x", "m")), "m")
    msg = error_of(g, SEQ)
    assert "'m'" in msg and "cannot join" in msg


def test_merge_of_different_lengths():
    g = Graph(("x",), (Node("c", "conv1d", {"stride": 2}), Node("m", "relu", merge="add")),
              (Edge("x", "c"), Edge("c", "m"), Edge("x", "m")), "m")
    msg = error_of(g, SEQ)
    assert "'m'" in msg and "equal length" in msg


def test_pool_longer_than_input():
    msg = error_of(chain(Node("p", "max_pool", {"kernel": 16, "stride": 1})),
                   InputSpec("sequence", (8, 1)))
    assert "'p'" in msg and "shorter than the pooling kernel" in msg


def test_time_mixing_op_inside_a_memory_cycle():
    g = chain(Node("c", "conv1d", {"width": 4}, merge="add"), memory=(MemoryLink("c", "c"),))
    msg = error_of(g, SEQ)
    assert "'c'" in msg and "inside a memory cycle" in msg


def test_cycles_over_images_run_for_ticks():
    g = chain(Node("c", "conv2d", {"width": 4}, merge="add"), memory=(MemoryLink("c", "c"),))
    assert infer_shapes(g, InputSpec("image", (1, 8, 8)))["c"].dims == (4, 8, 8)


def test_mismatched_widths_merge_to_the_widest():
    g = Graph(("x",), (Node("a", "linear", {"width": 3}), Node("b", "linear", {"width": 7}),
                       Node("m", "identity", merge="add"), Node("k", "identity", merge="concat")),
              (Edge("x", "a"), Edge("x", "b"), Edge("a", "m"), Edge("b", "m"), Edge("m", "k"),
               Edge("a", "k")), "k")
    shapes = infer_shapes(g, InputSpec("vector", (5,)))
    assert shapes["m"].dims == (7,) and shapes["k"].dims == (10,)


@pytest.mark.parametrize("name,spec", [
    ("gru", SEQ), ("lstm", SEQ), ("elman_rnn", SEQ), ("cnn1d", SEQ), ("residual_block", SEQ),
    ("branching_concat", SEQ), ("conv_recurrent", SEQ), ("mlp", InputSpec("vector", (10,))),
    ("cnn2d", InputSpec("image", (1, 8, 8))),
])
def test_examples_are_valid(name, spec):
    shapes = validate(load_example(name), spec)
    assert shapes is not None


def test_gru_example_runs_its_cycle_over_time():
    from graphnas.graph import schedule

    g = load_example("gru")
    comps = schedule(g, infer_shapes(g, SEQ))
    cyclic = [c for c in comps if c.cyclic]
    assert len(cyclic) == 1 and cyclic[0].over_time and "h" in cyclic[0].nodes
    assert [c.nodes for c in comps if not c.cyclic] == [("xn",)]
