"""Inherited weights across network morphisms: the child computes the parent's function where the
morphism allows it, and otherwise still loads what matches."""

import pytest
import torch

from graphnas.graph import Edge, Graph, InputSpec, MemoryLink, Node, OutputSpec
from graphnas.graph.examples import example_names, load_example
from graphnas.nn import build
from graphnas.nn.inherit import inherit_state, max_output_difference

VEC, SEQ = InputSpec("vector", (5,)), InputSpec("sequence", (6, 2))
IMG = InputSpec("image", (2, 5, 5))
OUT = OutputSpec("classes", 3)


def _trained(graph: Graph, spec: InputSpec, out: OutputSpec = OUT) -> dict:
    """Fresh weights perturbed, so that nothing about them is special (no training)."""
    torch.manual_seed(1)
    state = build(graph, spec, out).state_dict()
    return {k: v + torch.rand_like(v) if k.endswith("running_var")
            else v + 0.3 * torch.randn_like(v) if v.is_floating_point() else v
            for k, v in state.items()}


def _inherit(parent: Graph, child: Graph, spec: InputSpec, out: OutputSpec = OUT, **kw):
    """The parent's state, the child's inherited state and counts, and their outputs' gap."""
    p_state = _trained(parent, spec, out)
    c_state, counts = inherit_state(parent, p_state, child, spec, out, **kw)
    x = torch.randn(8, *spec.dims)
    gap = max_output_difference(parent, p_state, child, c_state, spec, out, x)
    return p_state, c_state, counts, gap


def _widen(graph: Graph, nid: str, width: int) -> Graph:
    node = graph.node(nid)
    return graph.replace_node(Node(nid, node.op, {**node.params, "width": width}, node.merge))


def _mlp(hidden: str = "relu") -> Graph:
    """x -> h (linear 6) -> r -> o (linear 4)."""
    return Graph(("x",), (Node("h", "linear", {"width": 6}), Node("r", hidden),
                          Node("o", "linear", {"width": 4})),
                 (Edge("x", "h"), Edge("h", "r"), Edge("r", "o")), "o")


def _split(graph: Graph, src: str, dst: str, node: Node) -> Graph:
    """src -> dst becomes src -> node -> dst."""
    edges = [e for e in graph.edges if (e.src, e.dst) != (src, dst)]
    old = next(e for e in graph.edges if (e.src, e.dst) == (src, dst))
    edges += [Edge(src, node.id), Edge(node.id, dst, old.port)]
    return Graph(graph.inputs, (*graph.nodes, node), edges, graph.output, graph.memory)


def test_an_identity_node_inserted_on_a_vector_edge_keeps_the_function():
    child = _split(_mlp(), "r", "o", Node("n", "linear", {"width": 6}))
    p_state, c_state, counts, gap = _inherit(_mlp(), child, VEC, identity=["n"])
    assert gap < 1e-5
    assert torch.equal(c_state["nodes.n.op.weight"], torch.eye(6))
    assert counts["set"] == 2 and counts["fresh"] == 0
    assert torch.equal(c_state["nodes.o.op.weight"], p_state["nodes.o.op.weight"])
    _, _, _, fresh_gap = _inherit(_mlp(), child, VEC)  # without the identity: another function
    assert fresh_gap > 1e-2


@pytest.mark.parametrize(("spec", "op"), [(SEQ, "conv1d"), (SEQ, "sep_conv1d"),
                                          (IMG, "conv2d")])
def test_an_identity_convolution_inserted_on_an_edge_keeps_the_function(spec, op):
    conv = "conv2d" if spec is IMG else "conv1d"
    parent = Graph(("x",), (Node("c", conv, {"width": 4}), Node("t", "tanh")),
                   (Edge("x", "c"), Edge("c", "t")), "t")
    child = _split(parent, "c", "t", Node("n", op, {"width": 4, "kernel": 3, "dilation": 2}))
    assert _inherit(parent, child, spec, identity=["n"])[3] < 1e-5


def test_widening_a_linear_before_relu_and_linear_keeps_the_function():
    p_state, c_state, counts, gap = _inherit(_mlp(), _widen(_mlp(), "h", 10), VEC)
    assert gap < 1e-5
    assert torch.equal(c_state["nodes.h.op.weight"][:6], p_state["nodes.h.op.weight"])
    assert torch.equal(c_state["nodes.o.op.weight"][:, :6], p_state["nodes.o.op.weight"])
    assert not c_state["nodes.o.op.weight"][:, 6:].any()  # the new units are not read yet
    assert c_state["nodes.h.op.weight"][6:].abs().sum() > 0  # and keep a fresh start
    assert counts == {"copied": 3, "embedded": 3, "set": 0, "fresh": 0}  # o.bias, head: whole


def _concat(middle: str = "b") -> Graph:
    """Three branches of widths 3, 4, 5 (the middle one through a relu) joined by a tanh of
    their concatenation, then a linear."""
    nodes = (Node("a", "linear", {"width": 3}), Node("b", "linear", {"width": 4}),
             Node("rb", "relu"), Node("c", "linear", {"width": 5}),
             Node("m", "tanh", merge="concat"), Node("o", "linear", {"width": 4}))
    edges = (Edge("x", "a"), Edge("x", "b"), Edge("b", "rb"), Edge("x", "c"),
             Edge("a", "m"), Edge(middle, "m", 1), Edge("c", "m", 2), Edge("m", "o"))
    return Graph(("x",), nodes, edges, "o")


def test_widening_the_middle_input_of_a_concat_keeps_the_function():
    p_state, c_state, _, gap = _inherit(_concat("rb"), _widen(_concat("rb"), "b", 7), VEC)
    assert gap < 1e-5
    w_p, w_c = p_state["nodes.o.op.weight"], c_state["nodes.o.op.weight"]
    assert torch.equal(w_c[:, 3:7], w_p[:, 3:7]) and not w_c[:, 7:10].any()
    assert torch.equal(w_c[:, 10:], w_p[:, 7:])  # the last segment moved right


@pytest.mark.parametrize(("widened", "b_width"), [("a", 6), ("b", 6), ("a", 4)])
def test_widening_the_widest_input_of_an_add_keeps_the_function(widened, b_width):
    """a and b as wide (the other then gets a projection it lacked), or b narrower (projected)."""
    parent = Graph(("x",), (Node("a", "linear", {"width": 6}),
                            Node("b", "linear", {"width": b_width}),
                            Node("v", "tanh", merge="add"), Node("o", "linear", {"width": 3})),
                   (Edge("x", "a"), Edge("x", "b"), Edge("a", "v"), Edge("b", "v", 1),
                    Edge("v", "o")), "o")
    _, c_state, _, gap = _inherit(parent, _widen(parent, widened, 9), VEC)
    assert gap < 1e-5
    if b_width == 6:
        other = 1 if widened == "a" else 0
        assert torch.equal(c_state[f"nodes.v.merge.proj.{other}.weight"], torch.eye(9, 6))
        assert not c_state[f"nodes.v.merge.proj.{other}.bias"].any()


@pytest.mark.parametrize("name", example_names())
def test_widening_any_layer_of_an_example_keeps_the_function(name):
    """The examples: vector, sequence and image graphs, residual adds, LSTM and GRU cells."""
    graph = load_example(name)
    spec = IMG if any(n.op.endswith("2d") for n in graph.nodes) else \
        VEC if name in ("mlp", "elman_rnn") else SEQ  # elman_rnn on vectors: over ticks
    state = _trained(graph, spec)
    x = torch.randn(4, *spec.dims)
    copy, counts = inherit_state(graph, state, graph, spec, OUT)
    assert counts["copied"] == len(state)
    for node in graph.nodes:
        if "width" in node.params:
            child = _widen(graph, node.id, node.params["width"] + 3)
            c_state, _ = inherit_state(graph, state, child, spec, OUT)
            gap = max_output_difference(graph, state, child, c_state, spec, OUT, x)
            assert gap < 1e-5, node.id


@pytest.mark.parametrize("width", [5, 3])
def test_a_zero_branch_joined_by_add_keeps_the_function(width):
    """v had one input; z (as wide as the sum, or narrower: projected) joins it."""
    parent = Graph(("x",), (Node("a", "linear", {"width": 5}), Node("v", "relu"),
                            Node("o", "linear", {"width": 3})),
                   (Edge("x", "a"), Edge("a", "v"), Edge("v", "o")), "o")
    child = Graph(("x",), (*parent.nodes[:1], Node("v", "relu", merge="add"), parent.nodes[2],
                           Node("z", "linear", {"width": width})),
                  (*parent.edges, Edge("x", "z"), Edge("z", "v", 1)), "o")
    _, c_state, counts, gap = _inherit(parent, child, VEC, zero=["z"])
    assert gap < 1e-5
    assert not c_state["nodes.z.op.weight"].any()
    assert counts["fresh"] == 0
    _, _, _, fresh_gap = _inherit(parent, child, VEC)
    assert fresh_gap > 1e-3


def test_a_zero_branch_ahead_of_a_projected_input_keeps_the_function():
    """z takes port 0, so b's projection moves from input 1 to input 2."""
    parent = Graph(("x",), (Node("a", "linear", {"width": 5}), Node("b", "linear", {"width": 3}),
                            Node("v", "relu", merge="add"), Node("o", "linear", {"width": 3})),
                   (Edge("x", "a"), Edge("x", "b"), Edge("a", "v", 1), Edge("b", "v", 2),
                    Edge("v", "o")), "o")
    child = Graph(("x",), (*parent.nodes, Node("z", "linear", {"width": 5})),
                  (*parent.edges, Edge("x", "z"), Edge("z", "v", 0)), "o")
    p_state, c_state, _, gap = _inherit(parent, child, VEC, zero=["z"])
    assert gap < 1e-5
    assert torch.equal(c_state["nodes.v.merge.proj.2.weight"],
                       p_state["nodes.v.merge.proj.1.weight"])


@pytest.mark.parametrize("port", [0, 2])
def test_a_new_edge_into_a_concat_keeps_the_function(port):
    parent = Graph(("x",), (Node("a", "linear", {"width": 4}), Node("b", "tanh"),
                            Node("m", "linear", {"width": 3}, merge="concat")),
                   (Edge("x", "a"), Edge("a", "b"), Edge("b", "m", 1), Edge("a", "m", 1)), "m")
    child = Graph(parent.inputs, parent.nodes, (*parent.edges, Edge("x", "m", port)), "m")
    _, _, counts, gap = _inherit(parent, child, VEC)
    assert gap < 1e-5
    assert counts["embedded"] == 1  # m's weight, the others whole


@pytest.mark.parametrize("gate", ["none", "sigmoid", "gru"])
def test_widening_a_node_inside_a_memory_cycle_keeps_the_function(gate):
    """h = linear [x_t, gate(a_{t-1})], a = tanh(h), over a sequence."""
    parent = Graph(("x",), (Node("h", "linear", {"width": 4}, merge="concat"),
                            Node("a", "tanh")),
                   (Edge("x", "h"), Edge("h", "a")), "a", (MemoryLink("a", "h", gate, 1),))
    _, c_state, counts, gap = _inherit(parent, _widen(parent, "h", 7), SEQ)
    assert gap < 1e-5
    assert counts["fresh"] == 0
    assert not c_state["nodes.h.op.weight"][:4, 6:].any()  # old units ignore new memory


def test_widening_inside_a_cycle_that_remembers_a_concat_keeps_the_function():
    """p = linear [x_t, gru(s_{t-1})], s = tanh [p, q]: widening p moves q's channels in s,
    and so in what p remembers."""
    parent = Graph(("x",), (Node("p", "linear", {"width": 3}, merge="concat"),
                            Node("q", "linear", {"width": 2}), Node("s", "tanh", merge="concat")),
                   (Edge("x", "p"), Edge("x", "q"), Edge("p", "s"), Edge("q", "s", 1)), "s",
                   (MemoryLink("s", "p", "gru", 1),))
    assert _inherit(parent, _widen(parent, "p", 5), SEQ)[3] < 1e-5


@pytest.mark.parametrize(("spec", "conv"), [(IMG, "conv2d"), (SEQ, "conv1d")])
def test_widening_before_a_flatten_keeps_the_function(spec, conv):
    """The image reaches the head flattened; the sequence through a flatten node."""
    nodes = [Node("c", conv, {"width": 3}), Node("r", "relu")]
    edges = [Edge("x", "c"), Edge("c", "r")]
    if spec is SEQ:
        nodes += [Node("f", "flatten"), Node("o", "linear", {"width": 4})]
        edges += [Edge("r", "f"), Edge("f", "o")]
    parent = Graph(("x",), nodes, edges, nodes[-1].id)
    assert _inherit(parent, _widen(parent, "c", 5), spec)[3] < 1e-5


def test_a_changed_op_loads_and_copies_what_matches():
    p_state, c_state, counts, gap = _inherit(_mlp(), _mlp("tanh"), VEC)
    assert counts == {"copied": 6, "embedded": 0, "set": 0, "fresh": 0}
    assert all(torch.equal(c_state[k], p_state[k]) for k in p_state)
    assert gap > 1e-3  # tanh is not relu


def test_a_widened_layer_before_a_layer_norm_loads_but_is_not_exact():
    parent = _mlp("layer_norm")
    p_state, c_state, counts, gap = _inherit(parent, _widen(parent, "h", 8), VEC)
    assert gap > 1e-4
    assert torch.equal(c_state["nodes.r.op.norm.weight"][:6], p_state["nodes.r.op.norm.weight"])
    assert torch.equal(c_state["head.weight"], p_state["head.weight"])


def test_a_kernel_change_leaves_the_kernel_fresh_and_copies_the_rest():
    parent = Graph(("x",), (Node("c", "conv1d", {"width": 4}), Node("t", "tanh")),
                   (Edge("x", "c"), Edge("c", "t")), "t")
    child = parent.replace_node(Node("c", "conv1d", {"width": 4, "kernel": 5}))
    p_state, c_state, counts, _ = _inherit(parent, child, SEQ)
    assert counts["fresh"] == 1 and c_state["nodes.c.op.weight"].shape[-1] == 5
    assert torch.equal(c_state["nodes.c.op.bias"], p_state["nodes.c.op.bias"])


def test_bad_identity_nodes_and_states_raise():
    child = _split(_mlp(), "r", "o", Node("n", "linear", {"width": 5}))
    state = _trained(_mlp(), VEC)
    with pytest.raises(ValueError, match="reads 6 channels and gives 5"):
        inherit_state(_mlp(), state, child, VEC, OUT, identity=["n"])
    with pytest.raises(ValueError, match="no identity form"):
        inherit_state(_mlp(), state, _mlp(), VEC, OUT, identity=["r"])
    with pytest.raises(ValueError, match="not in the child"):
        inherit_state(_mlp(), state, _mlp(), VEC, OUT, zero=["q"])
    with pytest.raises(ValueError, match="missing"):
        inherit_state(_mlp(), {k: v for k, v in state.items() if k != "head.bias"}, _mlp(),
                      VEC, OUT)


def test_the_seed_draws_fresh_weights_without_touching_the_global_generator():
    child = _widen(_mlp(), "h", 10)
    state = _trained(_mlp(), VEC)
    torch.manual_seed(7)
    a, _ = inherit_state(_mlp(), state, child, VEC, OUT, seed=3)
    after = torch.rand(1)
    torch.manual_seed(7)
    assert torch.equal(after, torch.rand(1))
    b, _ = inherit_state(_mlp(), state, child, VEC, OUT, seed=3)
    c, _ = inherit_state(_mlp(), state, child, VEC, OUT, seed=4)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["nodes.h.op.weight"], c["nodes.h.op.weight"])
