"""Every op of the vocabulary builds, runs forward and backward, and gives the inferred shape."""

import pytest
import torch

from graphnas import graph as G
from graphnas.graph import Edge, Graph, GraphError, InputSpec, MemoryLink, Node, OutputSpec
from graphnas.nn import OPS, build, make_plan

SPECS = {"vector": InputSpec("vector", (12,)), "sequence": InputSpec("sequence", (16, 3)),
         "image": InputSpec("image", (3, 8, 8)), "tokens": InputSpec("tokens", (10,), vocab=7)}


def test_builder_implements_exactly_the_vocabulary():
    assert set(OPS) == set(G.OPS)


def _graph(op: str) -> Graph:
    params = {"width": 5} if "width" in G.OPS[op].params else {}
    return Graph(("x",), (Node("n", op, params),), (Edge("x", "n"),), "n")


@pytest.mark.parametrize("op,layout", [(op, lay) for op, s in sorted(G.OPS.items())
                                       for lay in s.layouts])
def test_every_op(op, layout):
    spec = SPECS[layout]
    shape = G.infer_shapes(_graph(op), spec)["n"]
    per_step = shape.layout == "sequence"  # then the head sees every step: (B, T, C)
    torch.manual_seed(0)
    m = build(_graph(op), spec, OutputSpec("sequence_classes" if per_step else "classes", 4))
    seen = []
    m.head.register_forward_pre_hook(lambda mod, args: seen.append(args[0].shape))
    if layout == "tokens":
        x = torch.randint(0, 7, (3, *spec.dims))
    else:
        x = torch.randn(3, *spec.dims, requires_grad=True)
    y = m(x)
    assert y.shape == ((3, shape.dims[0], 4) if per_step else (3, 4))
    assert torch.isfinite(y).all()
    y.square().sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in m.parameters())
    if layout != "tokens":
        assert x.grad is not None and torch.isfinite(x.grad).all()
    # the op's real output agrees with the graph package's shape inference
    flat = 1
    for d in shape.dims:
        flat *= d
    assert seen[0][1:] == (shape.dims if shape.layout != "image" else (flat,))


STEP_OPS = sorted(op for op, s in G.OPS.items() if "sequence" in s.layouts and not s.mixes_time)


@pytest.mark.parametrize("op", STEP_OPS)
def test_every_per_step_op_inside_a_loop_over_time(op):
    """Inside a memory cycle over a sequence an op sees one step, (B, C)."""
    params = {"width": 4} if "width" in G.OPS[op].params else {}
    g = Graph(("x",), (Node("a", "linear", {"width": 4}, merge="add"), Node("b", op, params)),
              (Edge("x", "a"), Edge("a", "b")), "b", (MemoryLink("b", "a"),))
    assert any(c.over_time for c in G.schedule(g, G.infer_shapes(g, SPECS["sequence"])))
    torch.manual_seed(0)
    m = build(g, SPECS["sequence"], OutputSpec("sequence_regression", 2))
    y = m(torch.randn(3, 16, 3))
    y.square().sum().backward()
    assert y.shape == (3, 16, 2) and torch.isfinite(y).all()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in m.parameters())


@pytest.mark.parametrize("gate", ["none", "sigmoid", "gru"])
@pytest.mark.parametrize("layout", ["sequence", "vector", "image"])
def test_memory_gates(gate, layout):
    op = {"sequence": "linear", "vector": "linear", "image": "conv2d"}[layout]
    g = Graph(("x",), (Node("a", op, {"width": 6}, merge="add"), Node("b", "tanh")),
              (Edge("x", "a"), Edge("a", "b")), "b", (MemoryLink("b", "a", gate),))
    m = build(g, SPECS[layout], OutputSpec("regression", 2), ticks=3)
    x = torch.randn(2, *SPECS[layout].dims)
    y = m(x)
    y.sum().backward()
    assert y.shape == (2, 2) and torch.isfinite(y).all()
    if gate != "none":
        assert m.nodes["a"].gates["1"].gate.weight.grad is not None


def test_mismatched_widths_are_projected_and_concat_widths_inferred():
    g = Graph(("x",), (Node("a", "linear", {"width": 3}), Node("b", "linear", {"width": 7}),
                       Node("s", "identity", merge="add"), Node("c", "relu", merge="concat")),
              (Edge("x", "a"), Edge("x", "b"), Edge("a", "s"), Edge("b", "s"), Edge("s", "c"),
               Edge("a", "c")), "c")
    m = build(g, SPECS["vector"], OutputSpec("classes", 2))
    assert m.nodes["s"].merge.proj[0].weight.shape == (7, 3)  # a: 3 -> 7
    assert m.head.in_features == 10
    assert m(torch.randn(4, 12)).shape == (4, 2)


def test_per_step_outputs():
    g = G.load_example("elman_rnn")
    m = build(g, SPECS["sequence"], OutputSpec("sequence_classes", 5))
    assert m(torch.randn(2, 16, 3)).shape == (2, 16, 5)


def test_per_step_output_needs_a_sequence():
    with pytest.raises(GraphError, match="'flat'.*one output per time step"):
        make_plan(G.load_example("cnn1d"), SPECS["sequence"], OutputSpec("sequence_classes", 5))


def test_input_spec_the_graph_cannot_take():
    g = Graph(("x",), (Node("c", "conv2d"),), (Edge("x", "c"),), "c")
    with pytest.raises(GraphError, match="'c'.*takes image input but gets vector"):
        build(g, SPECS["vector"], OutputSpec("classes", 2))


def test_invalid_graph_is_refused():
    g = Graph(("x",), (Node("c", "linear", {"width": 0}),), (Edge("x", "c"),), "c")
    with pytest.raises(GraphError, match="'c'.*'width'"):
        build(g, SPECS["vector"], OutputSpec("classes", 2))


def test_tokens_through_embedding_and_a_recurrent_core():
    g = Graph(("x",), (Node("e", "embedding", {"width": 8}),
                       Node("h", "linear", {"width": 8}, merge="add"), Node("a", "tanh")),
              (Edge("x", "e"), Edge("e", "h"), Edge("h", "a")), "a",
              (MemoryLink("a", "h", "gru"),))
    m = build(g, SPECS["tokens"], OutputSpec("sequence_classes", 7))
    y = m(torch.randint(0, 7, (2, 10)))
    assert y.shape == (2, 10, 7)


def test_a_conv_block_is_conv_then_batch_norm_then_relu():
    conv = {"width": 6, "kernel": 3, "dilation": 2}
    block = Graph(("x",), (Node("b", "conv_block1d", conv),), (Edge("x", "b"),), "b")
    chain = Graph(("x",), (Node("c", "conv1d", conv), Node("n", "batch_norm"), Node("r", "relu")),
                  (Edge("x", "c"), Edge("c", "n"), Edge("n", "r")), "r")
    out = OutputSpec("sequence_regression", 2)
    a, b = build(block, SPECS["sequence"], out), build(chain, SPECS["sequence"], out)
    b.load_state_dict(dict(zip(b.state_dict(), a.state_dict().values())))
    x = torch.randn(4, *SPECS["sequence"].dims)
    assert torch.allclose(a(x), b(x), atol=1e-6)
