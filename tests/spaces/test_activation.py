"""The activation language and space: known functions exactly, every export, failed trials for
activations that blow up, and every decision-space strategy searching it."""

import json

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from graphnas.graph import InputSpec, OutputSpec, from_json, to_json, validate
from graphnas.graph.expressions import canonical, learned, parse
from graphnas.nn import build
from graphnas.nn.codegen import model_source
from graphnas.nn.export import export_onnx, export_torchscript
from graphnas.spaces import get_space
from graphnas.spaces.activation import ActivationSpace
from graphnas.strategies import get_strategy

IMG, CLASSES = InputSpec("image", (1, 8, 8)), OutputSpec("classes", 10)
X = torch.linspace(-6, 6, 2001)


def _space(**kw):
    return get_space("activation", IMG, CLASSES, **kw)


def _choices(space, u1, u2, b, second=None):
    picks = [space.unary.index(u1), space.unary.index(u2), space.binary.index(b)]
    if second:
        picks += [space.unary.index(second[0]), space.unary.index(second[1]),
                  space.binary.index(second[2])]
    return tuple(picks) if space.max_units == 1 else (len(picks) // 3 - 1, *picks)


def _activation(space, choices):
    """The decoded graph's activation module."""
    module = build(space.decode(choices), IMG, CLASSES)
    return next(m for m in module.modules() if type(m).__name__ == "ExpressionActivation")


@pytest.mark.parametrize("units", [1, 2])
def test_relu_swish_and_tanh_are_points_of_the_space(units):
    space = _space(max_units=units)
    relu = _choices(space, "x", "zero", "max")
    swish = _choices(space, "beta_x", "x", "sigmoid_mul")  # sigmoid(beta x) * x, beta = 1
    tanh = _choices(space, "tanh", "zero", "add")
    assert space.expression(relu) == "max(x, zero)"
    assert torch.equal(_activation(space, relu)(X), torch.relu(X))
    assert torch.allclose(_activation(space, swish)(X), F.silu(X), atol=1e-6)
    assert torch.equal(_activation(space, tanh)(X), torch.tanh(X))
    if units == 2:  # relu through a second unit: add(x(max(x, zero)), zero)
        twice = _choices(space, "x", "zero", "max", ("x", "zero", "add"))
        assert torch.equal(_activation(space, twice)(X), torch.relu(X))


def test_the_language_parses_checks_and_spells_canonically():
    assert canonical("sigmoid_mul( beta_x(x),x )") == "sigmoid_mul(beta_x(x), x)"
    assert parse("beta_mix(x, sin(x))") == ("beta_mix", ("x",), ("sin", ("x",)))
    assert learned(parse("beta_mix(beta_x(x), beta)")) == 3
    for bad, why in [("max(x)", "takes 2 arguments"), ("foo(x)", "unknown name 'foo'"),
                     ("tanh(x))", r"unexpected '\)'"), ("", "non-empty")]:
        with pytest.raises(ValueError, match=why):
            parse(bad)


def test_a_bad_expression_in_a_graph_file_is_refused_by_validation():
    graph = json.loads(to_json(_space().decode(_choices(_space(), "x", "zero", "max"))))
    for node in graph["nodes"]:
        if node["op"] == "expr":
            node["params"]["expression"] = "max(x, nothing)"
    with pytest.raises(ValueError, match="unknown name 'nothing'"):
        validate(from_json(json.dumps(graph)), IMG)


def test_every_export_computes_the_same_function(tmp_path):
    space = _space()
    choices = _choices(space, "beta_x", "sin", "beta_mix", ("softplus", "erf", "sigmoid_mul"))
    graph = space.decode(choices)
    assert from_json(to_json(graph)) == graph  # the expression travels in the graph JSON
    torch.manual_seed(0)
    module = build(graph, IMG, CLASSES).eval()
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.05)  # betas off their starting values
    x = torch.randn(3, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    want = module(x)
    namespace = {"__name__": "generated"}
    exec(compile(model_source(module.plan), "model.py", "exec"), namespace)  # noqa: S102
    generated = namespace["make_model"]()
    generated.load_state_dict(module.state_dict())  # the same keys, betas included
    assert torch.allclose(generated.eval()(x), want, atol=1e-6)
    traced = torch.jit.load(str(export_torchscript(module, tmp_path / "m.ts")))
    assert torch.allclose(traced(x), want, atol=1e-6)
    ort = pytest.importorskip("onnxruntime")
    path = export_onnx(module, tmp_path / "m.onnx")
    y = ort.InferenceSession(str(path)).run(None, {"x": x.numpy()})[0]
    assert np.abs(y - want.detach().numpy()).max() <= 1e-4


def test_an_activation_that_blows_up_is_a_failed_trial_not_a_crash():
    from graphnas.tasks import get_task
    from graphnas.training import Budget, TrainConfig, train

    space = _space()
    exploding = _choices(space, "exp", "x", "mul", ("exp", "cube", "mul"))
    result = train(space.decode(exploding), get_task("digits"), Budget(steps=20),
                   TrainConfig(batch_size=32))
    assert result.status == "failed" and result.score is None


@pytest.mark.parametrize("name", ["random", "evolution", "reinforce", "surrogate"])
def test_every_decision_space_strategy_searches_it(name):
    space = _space()
    strategy = get_strategy(name, space, seed=0)
    for i in range(12):
        cand = strategy.ask(1)[0]
        assert space.contains(cand.arch)
        strategy.tell(cand, float(i % 5))


def test_a_base_graph_file_and_its_checks(tmp_path):
    from importlib import resources

    path = resources.files("graphnas") / "baselines" / "digits_cnn.json"
    space = ActivationSpace(IMG, CLASSES, base_graph=str(path))
    assert space.sites == ["act1", "act2"]
    graph = space.decode(space.sample(np.random.default_rng(0)).choices)
    assert [n.op for n in graph.nodes if n.id in ("act1", "act2")] == ["expr", "expr"]
    with pytest.raises(ValueError, match="nothing to replace"):
        ActivationSpace(IMG, CLASSES, base_graph=str(path), replace=["gelu"])
    with pytest.raises(ValueError, match="unknown activation functions"):
        ActivationSpace(IMG, CLASSES, unary=["x", "tan"])


def test_a_found_activation_is_an_op_of_later_macro_searches_and_their_supergraph(tmp_path):
    from graphnas.differentiable.supergraph import MacroSupergraph

    seq = InputSpec("sequence", (12, 1))
    path = tmp_path / "activation.json"
    path.write_text(json.dumps({"expression": "sigmoid_mul(beta_x(x),x)"}))
    space = get_space("macro", seq, CLASSES, n_nodes=3, ops=["conv3", "relu"],
                      activations=str(path), memory=False)
    name = "expr:sigmoid_mul(beta_x(x), x)"
    assert space.ops == ("conv3", "relu", name)
    rng = np.random.default_rng(0)
    graphs = [space.sample(rng).arch for _ in range(30)]
    found = [g for g in graphs if any(n.op == "expr" for n in g.nodes)]
    assert found and all(space.decode(space.encode(g)) == g for g in found)
    build(found[0], seq, CLASSES)(torch.randn(2, 12, 1))
    only = space.restrict({"op": [name]})
    graph = MacroSupergraph(only, seq, CLASSES).discretise()
    assert {n.op for n in graph.nodes if n.id.startswith("n")} == {"expr"}
    with pytest.raises(ValueError, match="not an activation file"):
        get_space("macro", seq, CLASSES, activations=str(tmp_path / "missing.json"))
