"""Supergraph, bilevel search, discretisation and the collapse guard."""

import pytest
import torch

from graphnas.differentiable import DiffConfig, MacroSupergraph, differentiable_search
from graphnas.differentiable.mixed import parameter_free
from graphnas.graph import from_json, infer_shapes
from graphnas.nn import build
from graphnas.spaces import get_space
from graphnas.tasks import get_task
from graphnas.training import Budget, TrainConfig, train


@pytest.fixture(scope="module")
def mnist():
    return get_task("mnist1d")


@pytest.mark.parametrize("task_name,memory", [("mnist1d", False), ("mnist1d", True),
                                              ("digits", True), ("copy", True),
                                              ("diabetes", False)])
def test_supergraph_runs_and_discretises_to_a_valid_graph(task_name, memory):
    t = get_task(task_name)
    space = get_space("macro", t.input_spec, t.output_spec, n_nodes=3, memory=memory)
    m = MacroSupergraph(space, t.input_spec, t.output_spec, sequence_memory="steps")
    y = m(torch.as_tensor(t.train.x[:8]))
    y.float().sum().backward()
    unrelaxed = [k for k, p in m.alpha.items() if p.grad is None]
    # every decision but the join of dangling nodes (and a readout with a single option)
    assert set(unrelaxed) <= {"out__merge", "readout"}
    assert "readout" not in unrelaxed or len(m.readouts) == 1
    assert m.per_step == (memory and t.input_spec.layout in ("sequence", "tokens"))
    g = m.discretise()
    infer_shapes(g, t.input_spec)
    build(g, t.input_spec, t.output_spec)


def test_architecture_parameters_are_their_own_group(mnist):
    space = get_space("macro", mnist.input_spec, mnist.output_spec, n_nodes=2)
    m = MacroSupergraph(space, mnist.input_spec, mnist.output_spec)
    arch = {id(p) for p in m.arch_parameters()}
    weights = {id(p) for p in m.weight_parameters()}
    assert arch and weights and not arch & weights
    assert len(arch) + len(weights) == len(list(m.parameters()))


def test_restricted_space_gives_a_smaller_supergraph(mnist):
    space = get_space("macro", mnist.input_spec, mnist.output_spec, n_nodes=3)
    small = space.restrict({"op": ["conv3", "relu"], "width": [32]})
    m = MacroSupergraph(small, mnist.input_spec, mnist.output_spec)
    assert all(len(ops.ops) <= 2 for ops in m.nodes)
    g = m.discretise()
    assert small.contains(g) and {n.op for n in g.nodes if n.id.startswith("n")} <= {
        "conv1d", "relu"}


def test_a_node_left_with_time_mixing_ops_only_still_relaxes(mnist):
    """With memory the body runs step by step, without convolutions: a node restricted to
    convolutions runs a stand-in there and discretises to one of its own ops."""
    space = get_space("macro", mnist.input_spec, mnist.output_spec, n_nodes=3, memory=True)
    small = space.restrict({"node1.op": ["conv3", "conv5"]})
    m = MacroSupergraph(small, mnist.input_spec, mnist.output_spec, sequence_memory="steps")
    assert m.per_step
    m(torch.as_tensor(mnist.train.x[:4])).sum().backward()
    g = m.discretise()
    assert small.contains(g) and g.node("n1").op == "conv1d"


def test_jacobi_passes_over_the_sequence_reach_the_exact_recurrence(mnist):
    """With memory on a sequence the default supergraph runs whole-sequence passes, with every
    candidate (convolutions too); given as many passes as time steps, it computes exactly what
    the step-by-step supergraph computes with the same weights."""
    space = get_space("macro", mnist.input_spec, mnist.output_spec, n_nodes=3, memory=True)
    fast = MacroSupergraph(space, mnist.input_spec, mnist.output_spec)
    assert fast.jacobi and not fast.per_step
    ops = fast.options["node0.op"]
    assert len(fast.nodes[0].ops) == len(ops) and "conv3" in ops  # convolutions stay in
    pointwise = space.restrict({"op": ["relu", "tanh"], "stem.op": ["conv5_s2"]})
    steps = MacroSupergraph(pointwise, mnist.input_spec, mnist.output_spec,
                            sequence_memory="steps")
    length = 20  # 40 samples, stem of stride 2
    exact = MacroSupergraph(pointwise, mnist.input_spec, mnist.output_spec, ticks=length)
    short = MacroSupergraph(pointwise, mnist.input_spec, mnist.output_spec, ticks=2)
    exact.load_state_dict(steps.state_dict())
    short.load_state_dict(steps.state_dict())
    with torch.no_grad():
        for a in steps.alpha.values():  # every memory link and gate weighted in
            a.normal_()
        for m in (exact, short):
            m.alpha.load_state_dict(steps.alpha.state_dict())
        x = torch.as_tensor(mnist.train.x[:4])
        want = steps(x)
        assert torch.allclose(exact(x), want, atol=1e-5)
        assert not torch.allclose(short(x), want, atol=1e-5)  # an approximation with fewer


@pytest.mark.parametrize("order", ["first", "second", "gumbel"])
def test_bilevel_orders_run_and_their_graph_retrains(mnist, order):
    space = get_space("macro", mnist.input_spec, mnist.output_spec, n_nodes=2, memory=False)
    r = differentiable_search(space, mnist, DiffConfig(order=order, steps=20, warmup=0.25,
                                                       check_every=10, batch_size=32))
    g = from_json(r.graph_json)
    assert space.contains(g) and r.steps == 20
    assert train(g, mnist, Budget(steps=20), TrainConfig(eval_every=10)).ok


def test_collapse_guard(mnist):
    """An aggressive setting collapses onto parameter-free ops without the guard; with it the
    architecture handed back keeps at most the threshold's share of parameter-free nodes.
    Plain layers only: with the conv-BN-ReLU blocks on offer this setting does not collapse."""
    plain = ("conv3", "conv5", "conv3_d2", "sepconv5", "linear", "relu", "tanh", "sigmoid",
             "gelu", "bn", "ln", "identity")
    space = get_space("macro", mnist.input_spec, mnist.output_spec, n_nodes=3, memory=False,
                      ops=plain)
    aggressive = dict(steps=120, warmup=0.1, a_lr=3e-2, check_every=10, batch_size=32)
    off = differentiable_search(space, mnist, DiffConfig(max_param_free=1.0, **aggressive))
    on = differentiable_search(space, mnist, DiffConfig(max_param_free=0.34, **aggressive))

    def share(result):
        g = from_json(result.graph_json)
        body = [n for n in g.nodes if n.id.startswith("n")]
        return sum(parameter_free((n.op, n.params)) for n in body) / len(body)

    assert share(off) > 0.34  # it does collapse when unguarded
    assert share(on) <= 0.34 and on.guard_stopped_at is not None


def test_the_guard_counts_only_nodes_that_can_collapse(mnist):
    """Nodes a restricted space leaves with parameter-free ops only (the best explored graphs
    used them) do not count: else the guard would stop the search before it starts."""
    space = get_space("macro", mnist.input_spec, mnist.output_spec, n_nodes=3, memory=False)
    fixed = space.restrict({"node0.op": ["tanh"], "node1.op": ["identity"],
                            "node2.op": ["identity", "conv3"]})
    m = MacroSupergraph(fixed, mnist.input_spec, mnist.output_spec)
    ops = m.options["node2.op"]
    with torch.no_grad():
        m.alpha["node2__op"][ops.index("identity")] = 1.0
    assert m.parameter_free_share() == 1.0  # node2 prefers identity: the only one counted
    with torch.no_grad():
        m.alpha["node2__op"][ops.index("conv3")] = 2.0
    assert m.parameter_free_share() == 0.0
    none = space.restrict({"op": ["tanh", "identity"]})
    assert MacroSupergraph(none, mnist.input_spec, mnist.output_spec).parameter_free_share() == 0


def test_a_gumbel_sample_is_drawn_once_per_forward_pass(mnist, monkeypatch):
    """Every time step of a step-by-step body runs the same sampled path."""
    space = get_space("macro", mnist.input_spec, mnist.output_spec, n_nodes=2, memory=True)
    m = MacroSupergraph(space, mnist.input_spec, mnist.output_spec, sequence_memory="steps")
    assert m.per_step
    m.gumbel_tau = 1.0
    draws: list[str] = []
    real = m._probs
    monkeypatch.setattr(m, "_probs", lambda label: draws.append(label) or real(label))
    m(torch.as_tensor(mnist.train.x[:4]))
    assert draws and len(draws) == len(set(draws))


def test_a_time_limit_sets_the_warm_up_so_the_architecture_still_moves(mnist):
    """With far more steps asked than the limit allows, the warm-up is a share of the steps
    that fit, so architecture updates still happen."""
    space = get_space("macro", mnist.input_spec, mnist.output_spec, n_nodes=2, memory=False)
    r = differentiable_search(space, mnist, DiffConfig(steps=100_000, seconds=4.0, warmup=0.5,
                                                       check_every=10, batch_size=32,
                                                       max_param_free=1.0))
    assert r.steps < 100_000 and r.seconds < 4.0 + 3.0  # no step started past the limit
    m = MacroSupergraph(space, mnist.input_spec, mnist.output_spec)
    assert r.choices != m.choices()  # moved away from the all-zero logits' argmax


def test_ranked_choices_start_at_the_discretisation_and_lose_probability_in_order(mnist):
    space = get_space("macro", mnist.input_spec, mnist.output_spec, n_nodes=2)
    m = MacroSupergraph(space, mnist.input_spec, mnist.output_spec)
    torch.manual_seed(0)
    with torch.no_grad():
        for p in m.arch_parameters():
            p.normal_()

    def logp(choices):
        return sum(float(torch.log_softmax(m.alpha[d.label.replace(".", "__")].detach(), -1)[c])
                   for d, c in zip(m.decisions, choices))

    ranked = m.ranked_choices(6)
    assert ranked[0] == m.choices() and len({tuple(c) for c in ranked}) == 6
    values = [logp(c) for c in ranked]
    assert values == sorted(values, reverse=True)
    # the second is the argmax with the one decision whose runner-up is closest
    gaps = [logp(m.choices()) - logp([*m.choices()[:i], alt, *m.choices()[i + 1:]])
            for i, d in enumerate(m.decisions) for alt in range(len(d.options))
            if alt != m.choices()[i] and d.label != "out.merge"]  # not relaxed: kept
    assert values[0] - values[1] == pytest.approx(min(gaps), abs=1e-5)
    assert all(space.contains(space.decode(c)) for c in ranked)
    merge = [i for i, d in enumerate(m.decisions) if d.label == "out.merge"]
    assert all(c[merge[0]] == m.choices()[merge[0]] for c in m.ranked_choices(64))
