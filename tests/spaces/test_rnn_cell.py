"""The rnn_cell space (NAS-RL's recurrent-cell trees): its graphs compute the tree they stand for
(checked against a step-by-step reference), its LSTM point equals ``torch.nn.LSTMCell``, every
option decodes and round-trips, exports agree, strategies search it, and a search runs end to
end while the supergraph methods refuse it."""

import numpy as np
import pytest
import torch
from torch import nn

import graphnas
from graphnas.graph import InputSpec, OutputSpec, from_json, validate
from graphnas.methods import get_method
from graphnas.methods.settings import SearchSettings
from graphnas.nn import build
from graphnas.nn.codegen import model_source
from graphnas.nn.export import export_onnx, export_torchscript
from graphnas.spaces import get_space
from graphnas.spaces.rnn_cell import PRESETS
from graphnas.store import read_trials
from graphnas.strategies import decision_names, get_strategy
from graphnas.tasks import get_task

H, IN, T, B = 8, 3, 6, 4
SEQ = InputSpec("sequence", (T, IN))
PER_STEP = OutputSpec("sequence_regression", H)

COMB = {"add": torch.add, "mul": torch.mul, "max": torch.maximum}
ACT = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
       "identity": lambda v: v, "sin": torch.sin}


def per_step_module(space, choices):
    """The decoded cell with an identity head: the output is h_t at every step."""
    torch.manual_seed(0)
    m = build(space.decode(choices), SEQ, PER_STEP)
    with torch.no_grad():
        m.head.weight.copy_(torch.eye(H))
        m.head.bias.zero_()
    return m


def lin(layer, v):
    return v @ layer.weight.T + layer.bias


def reference(space, choices, m, x):
    """The tree evaluated step by step from ``space.parts`` with the module's weights."""
    parts = space.parts(choices)
    j, inj_comb, inj_act = parts["inject"]
    seq = lin(m.nodes["stem"].op, x)
    for layer in range(space.layers):
        p = f"l{layer}_"
        h = c = torch.zeros(x.shape[0], H)
        outs = []
        for t in range(x.shape[1]):
            a, c_new = {}, None
            for i, (comb, act) in enumerate(parts["nodes"]):
                kids = space.children(i)
                u, v = (lin(m.nodes[f"{p}n{i}_w"].op, seq[:, t]),
                        lin(m.nodes[f"{p}n{i}_u"].op, h)) if kids is None else \
                    (a[kids[0]], a[kids[1]])
                pre = COMB[comb](u, v)
                if i == parts["cell"]:
                    c_new = pre
                a[i] = ACT[act](pre)
                if i == j:
                    a[i] = ACT[inj_act](COMB[inj_comb](a[i], c))
            h, c = a[space.root], c_new
            outs.append(h)
        seq = torch.stack(outs, 1)
    return seq


@pytest.mark.parametrize("leaves,layers,extra", [(2, 1, False), (4, 1, True), (8, 1, True),
                                                 (4, 2, False)])
def test_graphs_compute_their_tree_step_by_step(leaves, layers, extra):
    space = get_space("rnn_cell", SEQ, PER_STEP, leaves=leaves, layers=layers, width=H,
                      extra_ops=extra)
    rng = np.random.default_rng(leaves + layers)
    x = torch.randn(B, T, IN)
    for _ in range(3):
        c = space.sample(rng)
        m = per_step_module(space, c.choices)
        with torch.no_grad():
            assert (m(x) - reference(space, c.choices, m, x)).abs().max() <= 1e-5


def copy_lstm_weights(m, cell):
    """LSTMCell's gates (i, f, g, o) into the preset's leaves: f in leaf 0 (leaf 1 zero), i in
    leaf 2, g in leaf 3, o in leaf 4 (leaves 5 to 7 zero); see the module docstring."""
    wi, wh = cell.weight_ih.chunk(4), cell.weight_hh.chunk(4)
    bi, bh = cell.bias_ih.chunk(4), cell.bias_hh.chunk(4)
    gate_of_leaf = {0: 1, 2: 0, 3: 2, 4: 3}
    with torch.no_grad():
        for leaf in range(8):
            w, u = m.nodes[f"l0_n{leaf}_w"].op, m.nodes[f"l0_n{leaf}_u"].op
            g = gate_of_leaf.get(leaf)
            for layer, weight, bias in ((w, wi, bi), (u, wh, bh)):
                layer.weight.copy_(weight[g] if g is not None else 0 * layer.weight)
                layer.bias.copy_(bias[g] if g is not None else 0 * layer.bias)


def test_the_lstm_point_equals_lstm_cell_step_by_step():
    space = get_space("rnn_cell", SEQ, PER_STEP, width=H)
    choices = space.preset("lstm")
    m = per_step_module(space, choices)
    cell = nn.LSTMCell(H, H)
    copy_lstm_weights(m, cell)
    x = torch.randn(B, T, IN)
    with torch.no_grad():
        xs, y = lin(m.nodes["stem"].op, x), m(x)
        h = c = torch.zeros(B, H)
        for t in range(T):
            h, c = cell(xs[:, t], (h, c))
            assert (y[:, t] - h).abs().max() <= 1e-5, t
    # the same graph with other (learned) weights is not the LSTM: the equality is the weights'
    assert space.decode(choices).memory and space.structure_features(choices)["gates"] == 3


def test_presets_and_their_limits():
    space = get_space("rnn_cell", SEQ, PER_STEP)
    nas = space.parts(space.preset("nascell"))
    assert nas["inject"] == (8, "add", "tanh") and nas["cell"] == 12
    assert nas["nodes"][3] == ("mul", "relu") and nas["nodes"][14] == ("mul", "tanh")
    assert set(PRESETS) == {"lstm", "nascell"}
    with pytest.raises(ValueError, match="8 leaves"):
        get_space("rnn_cell", SEQ, PER_STEP, leaves=4).preset("lstm")
    with pytest.raises(ValueError, match="unknown rnn_cell preset"):
        space.preset("gru")


@pytest.mark.parametrize("leaves", [2, 4, 8])
def test_every_leaves_option_round_trips_and_describes_itself(leaves):
    space = get_space("rnn_cell", SEQ, OutputSpec("classes", 3), leaves=leaves)
    rng = np.random.default_rng(leaves)
    leaf_ids = set()
    for _ in range(100):
        c = space.sample(rng)
        g = c.arch
        validate(g, SEQ)
        assert space.encode(g) == c.choices and space.decode(c.choices) == g
        leaf_ids |= {n.id for n in g.nodes if n.id.endswith("_w")}
        j, _, _ = space.parts(c.choices)["inject"]
        k = space.parts(c.choices)["cell"]
        assert j != space.root and j in space.subtree(k) and j != k  # c_t is made from c_(t-1)
        links = {(m.src, m.dst) for m in g.memory}
        assert links == {(f"l0_n{space.root}", "l0_h"), ("l0_c", "l0_inj")}
        text = space.describe(c.choices)
        assert "(cell inject)" in text and f"h_t = a{space.root}" in text
    assert leaf_ids == {f"l0_n{i}_w" for i in range(leaves)}
    assert space.n_nodes == 2 * leaves - 1
    with pytest.raises(ValueError, match="leaves must be 2, 4 or 8"):
        get_space("rnn_cell", SEQ, PER_STEP, leaves=3)


def test_cell_index_options_are_the_nodes_above_the_inject():
    space = get_space("rnn_cell", SEQ, PER_STEP, leaves=8)
    t = 2 * space.n_nodes
    prefix = [0] * t
    assert space.next_decision(prefix).label == "inject.node"
    for j, above in ((0, (8, 12, 14)), (9, (12, 14)), (13, (14,))):
        d = space.next_decision([*prefix, j, 0, 0])
        assert d.label == "cell.node" and d.options == above
    assert 14 not in space.next_decision(prefix).options  # never at the root


def test_size_matches_a_brute_force_count():
    space = get_space("rnn_cell", SEQ, PER_STEP, leaves=2)

    def count(prefix):
        d = space.next_decision(prefix)
        return 1 if d is None else sum(count([*prefix, k]) for k in range(len(d.options)))

    # 8 (combination, activation) pairs for each of 3 nodes and the inject, 2 (inject, cell)
    # pairs; less the silent cells: a multiplying root (any activation) over a multiplying
    # inject whose activation keeps 0 at 0
    assert space.size() == count([]) == 8 ** 4 * 2 - 2 * 8 ** 2 * 4 * 3


def test_cells_whose_h_is_always_zero_are_left_out():
    """c_(t-1) starts at zero: a multiplying inject under multiplying nodes that keep 0 at 0
    (the root's activation aside) would keep c at zero and h constant whatever the input; such
    an inject can only be sigmoid."""
    space = get_space("rnn_cell", SEQ, PER_STEP, leaves=4, width=H)
    values = {**{f"node{i}.comb": "mul" for i in range(7)},
              **{f"node{i}.act": "tanh" for i in range(7)}, "inject.node": 1,
              "inject.comb": "mul", "cell.node": 6}
    for silent in ({}, {"node6.act": "sigmoid"}):
        prefix = list(space.choices_for({**values, **silent, "inject.act": "sigmoid"}))[:-2]
        assert space.next_decision(prefix).options == ("sigmoid",)
        with pytest.raises(ValueError, match="no option 'tanh' at inject.act"):
            space.choices_for({**values, **silent, "inject.act": "tanh"})
    for other in ({"node4.comb": "add"}, {"node4.act": "sigmoid"}, {"inject.comb": "add"}):
        ok = space.choices_for({**values, **other, "inject.act": "tanh"})
        m = per_step_module(space, ok)
        x = torch.randn(B, T, IN)
        with torch.no_grad():
            assert not torch.equal(m(x), m(x + 1))  # reads its input


def test_extra_ops_offer_max_and_sin():
    plain = get_space("rnn_cell", SEQ, PER_STEP)
    extra = get_space("rnn_cell", SEQ, PER_STEP, extra_ops=True)
    assert plain.ops == ("tanh", "sigmoid", "relu", "identity")
    assert extra.ops[-1] == "sin" and extra.combinations[-1] == "max"
    values = {**PRESETS["nascell"], "node3.comb": "max", "node3.act": "sin",
              "inject.act": "sin"}
    choices = extra.choices_for(values)
    g = extra.decode(choices)
    assert g.node("l0_n3").merge == "max" and g.node("l0_n3").op == "expr"
    assert dict(g.node("l0_inj").params) == {"expression": "sin(x)"}
    assert extra.encode(g) == choices
    assert not plain.contains(g) and extra.contains(plain.decode(plain.preset("nascell")))
    small = extra.restrict({"op": ["sin", "tanh"]})
    rng = np.random.default_rng(0)
    for _ in range(10):
        c = small.sample(rng)
        assert {a for _, a in extra.parts(extra.encode(c.arch))["nodes"]} <= {"sin", "tanh"}


def test_two_layers_stack_the_cell_on_the_first_ones_h():
    space = get_space("rnn_cell", SEQ, OutputSpec("classes", 3), layers=2, leaves=2)
    c = space.sample(np.random.default_rng(0))
    g = c.arch
    root = f"n{space.root}"
    assert {(m.src, m.dst) for m in g.memory} == {
        (f"l{k}_{root}", f"l{k}_h") for k in (0, 1)} | {(f"l{k}_c", f"l{k}_inj") for k in (0, 1)}
    assert {e.src for e in g.edges if e.dst == "l1_n0_w"} == {f"l0_{root}"}
    assert [e.src for e in g.in_edges("readout")] == [f"l1_{root}"]
    assert space.encode(g) == c.choices


@pytest.mark.parametrize("spec,out", [
    (InputSpec("tokens", (7,), vocab=5), OutputSpec("sequence_classes", 5)),
    (InputSpec("image", (1, 4, 4)), OutputSpec("classes", 3)),
    (InputSpec("vector", (5,)), OutputSpec("regression", 1)),
])
def test_other_inputs_get_their_stem_and_readout(spec, out):
    space = get_space("rnn_cell", spec, out, width=6)
    g = space.sample(np.random.default_rng(0)).arch
    stem = {"tokens": "embedding", "image": "conv2d", "vector": "linear"}[spec.layout]
    assert g.node("stem").op == stem
    assert g.node("l0_n0_u").op == ("conv2d" if spec.layout == "image" else "linear")
    x = torch.randint(0, 5, (2, 7)) if spec.layout == "tokens" else torch.randn(2, *spec.dims)
    y = build(g, spec, out)(x)
    assert y.shape == ((2, 7, 5) if out.per_step else (2, out.size))


def test_exports_compute_what_the_built_module_computes(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    space = get_space("rnn_cell", SEQ, OutputSpec("classes", 3), width=H, extra_ops=True)
    graph = space.decode(space.choices_for({**PRESETS["nascell"], "node5.act": "sin",
                                            "node10.comb": "max"}))
    torch.manual_seed(0)
    m = build(graph, SEQ, OutputSpec("classes", 3)).eval()
    x = torch.randn(3, T, IN)
    namespace = {"__name__": "generated_model"}
    exec(compile(model_source(m.plan), "model.py", "exec"), namespace)  # noqa: S102
    generated = namespace["make_model"]().eval()
    generated.load_state_dict(m.state_dict())
    ts = torch.jit.load(str(export_torchscript(m, tmp_path / "m.ts")))
    with torch.no_grad():
        want = m(x)
        assert torch.allclose(generated(x), want, atol=1e-5)
        assert torch.allclose(ts(x), want, atol=1e-5)
    path = export_onnx(m, tmp_path / "m.onnx")
    y = ort.InferenceSession(str(path)).run(None, {"x": x.numpy()})[0]
    assert np.abs(y - want.numpy()).max() <= 1e-4


def test_structure_features_describe_the_cell():
    space = get_space("rnn_cell", SEQ, PER_STEP)
    f = space.structure_features(space.preset("lstm"))
    assert f["inject_level"] == 1 and f["cell_level"] == 2
    assert f["comb.mul"] == 3 and f["comb.add"] == 13 and f["ops.identity"] == 11


@pytest.mark.parametrize("name", decision_names())
def test_every_strategy_searches_the_space(name):
    space = get_space("rnn_cell", SEQ, OutputSpec("classes", 3), leaves=4)
    s = get_strategy(name, space, seed=0)
    for _ in range(12):
        for c in s.ask(2):
            assert space.valid_choices(c.choices) and space.contains(c.arch)
            s.tell(c, space.structure_features(c.choices)["gates"])


@pytest.mark.filterwarnings("ignore")
def test_a_search_on_sdigits_trains_resumes_and_writes_the_cell(tmp_path):
    kw = dict(task="sdigits", space="rnn_cell", strategy="random", trials=2, trial_steps=5,
              retrain_steps=5, baselines=False, finalists=0, workers=1,
              space_options={"leaves": 2, "width": 8}, out=str(tmp_path / "r"),
              progress="quiet")
    result = graphnas.search(**kw)
    assert result.test_metric is not None
    best = tmp_path / "r" / "best"
    assert "(cell inject)" in (best / "cell.txt").read_text()
    assert (best / "graph.svg").exists()
    first = read_trials(tmp_path / "r")
    task = get_task("sdigits")
    space = get_space("rnn_cell", task.input_spec, task.output_spec, leaves=2, width=8)
    searched = [t for t in first if t.phase == "search"]
    assert len(searched) == 2 and all(space.contains(from_json(t.arch_json)) for t in searched)
    again = graphnas.search(**kw)  # the same command again: resumed, nothing trained anew
    assert read_trials(tmp_path / "r") == first and again.test_metric == result.test_metric


@pytest.mark.parametrize("name", ["hybrid", "differentiable"])
def test_the_supergraph_methods_refuse_the_space_before_anything_runs(name):
    space = get_space("rnn_cell", SEQ, OutputSpec("classes", 3))
    with pytest.raises(ValueError, match="no supergraph for the 'rnn_cell' space") as err:
        get_method(name).plan(SearchSettings(), space)
    assert "\n" not in str(err.value)
