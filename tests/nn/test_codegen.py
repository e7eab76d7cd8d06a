"""The generated model.py: readable, torch only, and the same function as the built module."""

import re
from importlib import resources

import numpy as np
import pytest
import torch

from graphnas.graph import (
    Edge,
    InputSpec,
    MemoryLink,
    Node,
    OutputSpec,
    example_names,
    from_json,
    load_example,
    make_graph,
)
from graphnas.nn import OPS, build
from graphnas.nn.codegen import model_source
from graphnas.nn.codegen_ops import EXPR, INIT

SEQ, VEC = InputSpec("sequence", (7, 2)), InputSpec("vector", (6,))
IMG = InputSpec("image", (1, 8, 8))
_VECTOR_EXAMPLES = {"mlp", "elman_rnn"}  # elman_rnn on vectors: a cycle over ticks
_BASELINE_SPECS = {"adding": SEQ, "digits": IMG, "mnist1d": InputSpec("sequence", (16, 1)),
                   "sdigits": InputSpec("sequence", (16, 1)),
                   "psdigits": InputSpec("sequence", (16, 1)),
                   "chars": InputSpec("tokens", (12,), vocab=7)}


def _baselines():
    folder = resources.files("graphnas") / "baselines"
    return {p.name[:-5]: from_json(p.read_text(encoding="utf-8"))
            for p in folder.iterdir() if p.name.endswith(".json")}


def _example_spec(name):
    graph = load_example(name)
    if any(n.op.endswith("2d") for n in graph.nodes):
        return IMG
    return VEC if name in _VECTOR_EXAMPLES else SEQ


def _gated_cycle():
    """A loop over time with every merge, both gates (with and without forward inputs), norms
    and dropout inside it, and a layer norm and one_minus on whole sequences outside it."""
    nodes = [Node("e", "linear", {"width": 6, "bias": False}), Node("ln", "layer_norm"),
             Node("p", "linear", {"width": 8}, "concat"), Node("q", "linear", {"width": 4}, "add"),
             Node("k", "identity"), Node("r", "gelu"), Node("m1", "identity", merge="mean"),
             Node("m2", "identity", merge="max"), Node("d", "dropout", {"p": 0.2}),
             Node("s", "swish"), Node("g", "sigmoid"), Node("i", "identity", merge="interp"),
             Node("bn", "batch_norm"), Node("ln2", "layer_norm"), Node("om", "one_minus")]
    edges = [("x", "e"), ("e", "ln"), ("ln", "p"), ("ln", "q"), ("p", "r"), ("r", "m1"),
             ("q", "m1"), ("k", "m1"), ("m1", "m2"), ("p", "m2"), ("m2", "d"), ("d", "s"),
             ("s", "g"), Edge("g", "i", 0), Edge("s", "i", 1), ("i", "bn"), ("bn", "ln2"),
             ("ln2", "om")]
    memory = [MemoryLink("s", "p", "sigmoid", 1), MemoryLink("ln2", "p", "none", 2),
              MemoryLink("s", "q", "gru", 1), MemoryLink("s", "k", "gru"),
              MemoryLink("i", "i", "none", 2)]
    return make_graph(["x"], nodes, edges, "om", memory, "gated_cycle")


def _image_ticks():
    """Every 2-d conv, pools, and a cycle over ticks on images with a gru gate and norms."""
    nodes = [Node("c1", "conv2d", {"width": 4}), Node("c2", "sep_conv2d", {"width": 4,
             "dilation": 2}), Node("c3", "conv_block2d", {"width": 4, "stride": 2}),
             Node("ap", "avg_pool", {"kernel": 2, "stride": 1}), Node("h", "conv2d", {"width": 4},
             "add"), Node("bn", "batch_norm"), Node("h2", "tanh"), Node("ln", "layer_norm"),
             Node("mp", "max_pool", {"kernel": 2, "stride": 1})]
    edges = [("x", "c1"), ("c1", "c2"), ("c2", "c3"), ("c3", "ap"), ("ap", "h"), ("h", "bn"),
             ("bn", "h2"), ("h2", "ln"), ("ln", "mp")]
    return make_graph(["x"], nodes, edges, "mp", [MemoryLink("ln", "h", "gru")], "image_ticks")


def _tokens():
    """Tokens, 1-d convs, pools to vectors and a cycle over ticks on vectors."""
    nodes = [Node("em", "embedding", {"width": 8}), Node("sc", "sep_conv1d", {"width": 8}),
             Node("cb", "conv_block1d", {"width": 8, "stride": 2}),
             Node("mp", "max_pool", {"kernel": 2, "stride": 1}),
             Node("gmp", "global_max_pool"), Node("gap", "global_avg_pool"),
             Node("prod", "identity", merge="mul"), Node("v", "linear", {"width": 6}, "concat"),
             Node("w", "relu"), Node("bn", "batch_norm"), Node("ln", "layer_norm")]
    edges = [("x", "em"), ("em", "sc"), ("sc", "cb"), ("cb", "mp"), ("mp", "gmp"), ("cb", "gap"),
             ("gmp", "prod"), ("gap", "prod"), ("prod", "v"), ("v", "w"), ("w", "bn"),
             ("bn", "ln")]
    return make_graph(["x"], nodes, edges, "ln", [MemoryLink("w", "v", "sigmoid")], "tokens")


def _odd_ids():
    """Node ids that are no Python names, keywords, builtins or names the generated code uses."""
    ids = ["pre-act", "class", "B", "x_t", "1st", "range"]
    nodes = [Node(ids[0], "linear", {"width": 5}, "concat"), Node(ids[1], "tanh"),
             Node(ids[2], "linear", {"width": 5}), Node(ids[3], "relu", merge="add"),
             Node(ids[4], "flatten"), Node(ids[5], "linear", {"width": 4})]
    edges = [("x", ids[0]), (ids[0], ids[1]), (ids[1], ids[2]), (ids[2], ids[3]),
             ("x", ids[5]), (ids[5], ids[3]), (ids[3], ids[4])]
    memory = [MemoryLink(ids[1], ids[0]), MemoryLink(ids[3], ids[3], port=1)]
    return make_graph(["x"], nodes, edges, ids[4], memory, "odd ids")


CASES = {
    **{f"example-{n}": (load_example(n), _example_spec(n), OutputSpec("classes", 3))
       for n in example_names()},
    **{f"baseline-{n}": (g, _BASELINE_SPECS[n.split("_")[0]], OutputSpec("classes", 3))
       for n, g in _baselines().items()},
    "lstm-per-step": (load_example("lstm"), SEQ, OutputSpec("sequence_regression", 2)),
    "gated-cycle": (_gated_cycle(), SEQ, OutputSpec("sequence_classes", 3)),
    "image-ticks": (_image_ticks(), InputSpec("image", (2, 8, 8)), OutputSpec("classes", 3)),
    "tokens": (_tokens(), InputSpec("tokens", (12,), vocab=7), OutputSpec("regression", 1)),
    "odd-ids": (_odd_ids(), SEQ, OutputSpec("classes", 3)),
}


def _built(graph, spec, out):
    """The built module with every weight and norm statistic moved off its initial value."""
    torch.manual_seed(0)
    m = build(graph, spec, out, ticks=3)
    g = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.1 * torch.randn(p.shape, generator=g))
        for name, b in m.named_buffers():
            if name.endswith("running_var"):
                b.uniform_(0.5, 1.5, generator=g)
            elif name.endswith("running_mean"):
                b.normal_(0.0, 0.1, generator=g)
    return m.eval()


def _generated(source):
    namespace = {"__name__": "generated_model"}
    exec(compile(source, "model.py", "exec"), namespace)  # noqa: S102  (our own generated code)
    return namespace["make_model"]()


def _x(spec, batch=3):
    g = torch.Generator().manual_seed(1)
    if spec.layout == "tokens":
        return torch.randint(0, spec.vocab, (batch, *spec.dims), generator=g)
    return torch.randn(batch, *spec.dims, generator=g)


def _forward_lines(source):
    return source.split("    def forward(", 1)[1].split("\ndef make_model", 1)[0].splitlines()


def test_every_op_has_a_constructor_and_an_expression():
    assert set(INIT) == set(OPS) == set(EXPR)


@pytest.mark.parametrize("case", list(CASES))
def test_generated_model_matches_the_built_one(case):
    graph, spec, out = CASES[case]
    m = _built(graph, spec, out)
    source = model_source(m.plan)
    assert "graphnas" not in re.sub(r'""".*?"""', "", source, flags=re.S)  # docstrings aside
    lines = _forward_lines(source)
    for node in graph.nodes:  # one line per node, its id in the comment
        assert sum(f"  # {node.id}: " in line for line in lines) == 1, node.id
    if graph.memory:
        assert re.search(r"for (t|_) in range\(", source) and "mem_" in source
    generated = _generated(source).eval()
    assert set(generated.state_dict()) == set(m.state_dict())
    generated.load_state_dict(m.state_dict())
    x = _x(spec)
    with torch.no_grad():
        assert torch.allclose(generated(x), m(x), atol=1e-5)


def test_memory_state_is_named_after_its_links():
    source = model_source(_built(*CASES["example-lstm"]).plan)
    assert "mem_h_to_i_pre = mem_h_to_f_pre = mem_h_to_g_pre = mem_h_to_o_pre = h" in source
    assert "mem_c_to_fc = c" in source
    assert "for t in range(x.shape[-1]):" in source


def test_generated_model_trains_like_the_built_one():
    """Gradients agree too (BPTT through the explicit loop), batch norm in training mode."""
    graph, spec, out = CASES["gated-cycle"]
    graph = make_graph(graph.inputs, [n if n.op != "dropout" else Node(n.id, "identity")
                                      for n in graph.nodes], graph.edges, graph.output,
                       graph.memory)
    m = _built(graph, spec, out).train()
    generated = _generated(model_source(m.plan)).train()
    generated.load_state_dict(m.state_dict())
    x = _x(spec)
    m(x).square().sum().backward()
    generated(x).square().sum().backward()
    grads = dict(generated.named_parameters())
    for name, p in m.named_parameters():
        assert torch.allclose(grads[name].grad, p.grad, atol=1e-4), name


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("case", ["example-lstm", "example-cnn2d", "image-ticks"])
def test_onnx_export_of_the_generated_model(case, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    m = _built(*CASES[case])
    generated = _generated(model_source(m.plan)).eval()
    generated.load_state_dict(m.state_dict())
    spec = CASES[case][1]
    path = tmp_path / "model.onnx"
    torch.onnx.export(generated, (_x(spec, batch=2),), str(path), input_names=["x"],
                      output_names=["y"], dynamo=False, dynamic_axes={"x": {0: "B"}})
    x = _x(spec, batch=4)
    y = ort.InferenceSession(str(path)).run(None, {"x": x.numpy()})[0]
    with torch.no_grad():
        assert np.abs(y - m(x).numpy()).max() <= 1e-4
