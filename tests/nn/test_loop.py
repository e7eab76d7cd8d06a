"""The loop over time and ticks: hand-written references, precomputed parts, dtypes."""

import pytest
import torch

from graphnas.graph import Edge, Graph, InputSpec, MemoryLink, Node, OutputSpec
from graphnas.nn import build

T, C, H = 7, 3, 5


def _per_step(graph: Graph, spec: InputSpec, size: int, dtype=torch.float32):
    torch.manual_seed(0)
    m = build(graph, spec, OutputSpec("sequence_regression", size)).to(dtype)
    with torch.no_grad():
        m.head.weight.copy_(torch.eye(size))
        m.head.bias.zero_()
    return m


def test_concat_with_outside_inputs_between_memory_matches_a_hand_loop():
    """pre = W [a_t, h_{t-1}, b_t] + bias with a and b computed outside the loop."""
    g = Graph(("x",), (Node("a", "linear", {"width": 2}), Node("b", "tanh"),
                       Node("pre", "linear", {"width": H}, merge="concat"), Node("h", "tanh")),
              (Edge("x", "a"), Edge("x", "b"), Edge("a", "pre"), Edge("b", "pre", port=2),
               Edge("pre", "h")), "h", (MemoryLink("h", "pre", port=1),))
    m = _per_step(g, InputSpec("sequence", (T, C)), H)
    loop = next(c for c in m._steps if c["cyclic"])
    assert any(step[3] is not None for step in loop["steps"])  # the precomputed path is taken
    x = torch.randn(4, T, C)
    a_lin, pre_lin = m.nodes["a"].op, m.nodes["pre"].op
    h = torch.zeros(4, H)
    ref = []
    for t in range(T):
        a = a_lin(x[:, t])
        h = torch.tanh(pre_lin(torch.cat([a, h, torch.tanh(x[:, t])], dim=1)))
        ref.append(h)
    assert (m(x) - torch.stack(ref, 1)).abs().max() <= 1e-6


def test_linears_sharing_inside_inputs_run_as_one_product_per_step():
    """p = W_p [x_t, h], q = W_q [tanh(x_t), h] and r = W_r h (no bias) are one product per
    step; h = tanh(p + q + r)."""
    g = Graph(("x",), (Node("a", "tanh"), Node("p", "linear", {"width": H}, merge="concat"),
                       Node("q", "linear", {"width": 4}, merge="concat"),
                       Node("r", "linear", {"width": H, "bias": False}),
                       Node("h", "tanh", merge="add")),
              (Edge("x", "a"), Edge("x", "p"), Edge("a", "q"), Edge("p", "h"), Edge("q", "h"),
               Edge("r", "h")),
              "h", (MemoryLink("h", "p", port=1), MemoryLink("h", "q", port=1),
                    MemoryLink("h", "r")))
    m = _per_step(g, InputSpec("sequence", (T, C)), H)
    loop = next(c for c in m._steps if c["cyclic"])
    assert [len(step[3]) for step in loop["steps"] if step[3]] == [3]
    x = torch.randn(3, T, C)
    p_lin, q_lin, r_lin = (m.nodes[k].op for k in "pqr")
    proj = m.nodes["h"].merge.proj[1]
    h = torch.zeros(3, H)
    ref = []
    for t in range(T):
        p = p_lin(torch.cat([x[:, t], h], dim=1))
        q = q_lin(torch.cat([torch.tanh(x[:, t]), h], dim=1))
        h = torch.tanh(p + proj(q) + r_lin(h))  # q (4 wide) is projected to p's width
        ref.append(h)
    assert (m(x) - torch.stack(ref, 1)).abs().max() <= 1e-6


def test_a_plain_linear_alone_on_memory_is_not_fused():
    g = Graph(("x",), (Node("a", "linear", {"width": H}), Node("r", "linear", {"width": H}),
                       Node("h", "tanh", merge="add")),
              (Edge("x", "a"), Edge("a", "h"), Edge("r", "h")), "h", (MemoryLink("h", "r"),))
    m = _per_step(g, InputSpec("sequence", (T, C)), H)
    loop = next(c for c in m._steps if c["cyclic"])
    assert not any(step[3] for step in loop["steps"])
    x = torch.randn(2, T, C)
    h, ref = torch.zeros(2, H), []
    for t in range(T):
        h = torch.tanh(m.nodes["a"].op(x[:, t]) + m.nodes["r"].op(h))
        ref.append(h)
    assert (m(x) - torch.stack(ref, 1)).abs().max() <= 1e-6


@pytest.mark.parametrize("gate", ["sigmoid", "gru"])
def test_gated_memory_matches_a_hand_loop(gate):
    """h_t = tanh(W x_t + b + g(h_{t-1})) with the gate of DESIGN.md written out by hand."""
    g = Graph(("x",), (Node("pre", "linear", {"width": H}), Node("h", "tanh", merge="add")),
              (Edge("x", "pre"), Edge("pre", "h")), "h", (MemoryLink("h", "h", gate),))
    m = _per_step(g, InputSpec("sequence", (T, C)), H)
    gm = m.nodes["h"].gates["1"]
    x = torch.randn(3, T, C)
    h = torch.zeros(3, H)
    ref = []
    for t in range(T):
        u = m.nodes["pre"].op(x[:, t])
        z = torch.sigmoid(gm.gate(torch.cat([u, h], dim=1)))
        mem = z * h if gate == "sigmoid" else z * h + (1 - z) * gm.cand(u)
        h = torch.tanh(u + mem)
        ref.append(h)
    assert (m(x) - torch.stack(ref, 1)).abs().max() <= 1e-6


def test_ticks_over_an_image_match_a_hand_loop():
    g = Graph(("x",), (Node("c", "conv2d", {"width": 4}, merge="add"), Node("r", "relu")),
              (Edge("x", "c"), Edge("c", "r")), "r", (MemoryLink("r", "c"),))
    torch.manual_seed(0)
    m = build(g, InputSpec("image", (2, 5, 5)), OutputSpec("regression", 3), ticks=3)
    x = torch.randn(2, 2, 5, 5)
    conv, proj = m.nodes["c"].op, m.nodes["c"].merge.proj[0]  # x has 2 channels, r has 4
    r = torch.zeros(2, 4, 5, 5)
    for _ in range(3):
        r = torch.relu(conv(proj(x) + r))
    assert torch.allclose(m(x), m.head(r.flatten(1)), atol=1e-6)


def test_float64_and_token_inputs_keep_the_module_dtype():
    g = Graph(("x",), (Node("e", "embedding", {"width": 4}), Node("p", "global_avg_pool"),
                       Node("a", "linear", {"width": 5}, merge="add"), Node("b", "tanh")),
              (Edge("x", "e"), Edge("e", "p"), Edge("p", "a"), Edge("a", "b")), "b",
              (MemoryLink("b", "a", "sigmoid"),))
    m = build(g, InputSpec("tokens", (6,), vocab=5), OutputSpec("classes", 2)).double()
    y = m(torch.randint(0, 5, (3, 6)))
    assert y.dtype == torch.float64 and torch.isfinite(y).all()


def test_any_sequence_length_runs():
    """The built module is not tied to the spec's T (unless a flatten needs it)."""
    g = Graph(("x",), (Node("pre", "linear", {"width": H}, merge="concat"), Node("h", "tanh")),
              (Edge("x", "pre"), Edge("pre", "h")), "h", (MemoryLink("h", "pre", port=1),))
    m = build(g, InputSpec("sequence", (T, C)), OutputSpec("sequence_classes", 2))
    assert m(torch.randn(2, 3 * T, C)).shape == (2, 3 * T, 2)


def test_module_moves_with_to():
    g = Graph(("x",), (Node("pre", "linear", {"width": H}, merge="concat"), Node("h", "tanh")),
              (Edge("x", "pre"), Edge("pre", "h")), "h", (MemoryLink("h", "pre", "gru", 1),))
    m = build(g, InputSpec("sequence", (T, C)), OutputSpec("classes", 2))
    x = torch.randn(2, T, C)
    y = m(x)
    m2 = m.to(torch.device("cpu"), torch.float64)
    assert torch.allclose(m2(x.double()).float(), y, atol=1e-6)
    if torch.cuda.is_available():  # pragma: no cover - only where a GPU is present
        mc = m.cuda()
        assert torch.allclose(mc(x.double().cuda()).float().cpu(), y, atol=1e-5)


@pytest.mark.parametrize("layout", ["sequence", "vector"])
def test_gated_loops_pass_gradcheck(layout):
    """Backpropagation through time (and through ticks) with both learned gates, in float64."""
    g = Graph(("x",), (Node("a", "linear", {"width": 3}, merge="concat"),
                       Node("b", "tanh", merge="add")),
              (Edge("x", "a"), Edge("a", "b")), "b",
              (MemoryLink("b", "a", "gru", 1), MemoryLink("b", "b", "sigmoid")))
    spec = InputSpec("sequence", (3, 2)) if layout == "sequence" else InputSpec("vector", (2,))
    torch.manual_seed(0)
    m = build(g, spec, OutputSpec("regression", 2), ticks=3).double()
    x = torch.randn(2, *spec.dims, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(m, (x,), eps=1e-6, atol=1e-5)
