"""Properties of every shipped space, on every built-in task's kind of input and output: any
choice sequence decodes, validates, builds and runs a forward pass, and encode inverts decode.

Choices are drawn by hypothesis one decision at a time (``next_decision``), so it shrinks a
failure to the smallest choice sequence."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from graphnas.graph import InputSpec, OutputSpec, validate
from graphnas.nn import build
from graphnas.spaces import get_space, space_names

# The built-in tasks' specs, with shorter sequences to keep the forward passes cheap.
SPECS = {
    "mnist1d": (InputSpec("sequence", (12, 1)), OutputSpec("classes", 10)),
    "adding": (InputSpec("sequence", (12, 2)), OutputSpec("regression", 1)),
    "digits": (InputSpec("image", (1, 8, 8)), OutputSpec("classes", 10)),
    "diabetes": (InputSpec("vector", (10,)), OutputSpec("regression", 1)),
    "copy": (InputSpec("tokens", (9,), vocab=10), OutputSpec("sequence_classes", 9)),
    "chars": (InputSpec("tokens", (9,), vocab=12),
              OutputSpec("sequence_classes", 12, causal=True)),
}
BATCH = 3


@st.composite
def choice_sequences(draw, space):
    if space.open_ended:  # genomes: sampled (grown by mutation) from a drawn seed
        seed = draw(st.integers(0, 2**32 - 1), label="seed")
        return space.sample(np.random.default_rng(seed)).choices
    choices: list[int] = []
    while (d := space.next_decision(choices)) is not None:
        choices.append(draw(st.integers(0, len(d.options) - 1), label=d.label))
    return tuple(choices)


def _input(spec: InputSpec) -> torch.Tensor:
    if spec.layout == "tokens":
        return torch.randint(0, spec.vocab, (BATCH, *spec.dims))
    return torch.randn(BATCH, *spec.dims)


@pytest.mark.parametrize("task", sorted(SPECS))
@pytest.mark.parametrize("space_name", space_names())
def test_every_candidate_decodes_validates_builds_runs_and_round_trips(space_name, task):
    spec, out = SPECS[task]
    space = get_space(space_name, spec, out)

    @settings(max_examples=25, deadline=None, derandomize=True)
    @given(choices=choice_sequences(space))
    def check(choices):
        assert space.valid_choices(choices)
        graph = space.decode(choices)
        validate(graph, spec)
        again = space.decode(space.encode(graph))
        assert again.canonical_hash() == graph.canonical_hash()
        assert again == graph
        torch.manual_seed(0)
        y = build(graph, spec, out).eval()(_input(spec))
        want = (BATCH, spec.dims[0], out.size) if out.per_step else (BATCH, out.size)
        assert tuple(y.shape) == want
        if space_name != "activation":  # exp(exp(x)) may overflow: a failed trial, no crash
            assert torch.isfinite(y).all()

    with torch.no_grad():
        check()


@pytest.mark.parametrize("space_name", space_names())
def test_on_a_causal_task_every_candidate_keeps_to_the_past(space_name):
    """Changing the inputs after step t leaves the outputs up to t as they were."""
    spec, out = SPECS["chars"]
    space = get_space(space_name, spec, out)

    @settings(max_examples=15, deadline=None, derandomize=True)
    @given(choices=choice_sequences(space), t=st.integers(0, spec.dims[0] - 2))
    def check(choices, t):
        torch.manual_seed(0)
        model = build(space.decode(choices), spec, out).eval()
        x = _input(spec)
        later = x.clone()
        later[:, t + 1:] = torch.randint(0, spec.vocab, later[:, t + 1:].shape)
        a, b = model(x)[:, :t + 1], model(later)[:, :t + 1]
        assert torch.allclose(a, b, rtol=0, atol=0, equal_nan=True)  # NaN: exp(exp(x)) overflows

    with torch.no_grad():
        check()


@pytest.mark.parametrize("space_name", ["blocks", "cell"])
def test_on_a_sequence_classification_every_step_reaches_the_output(space_name):
    """A space with a fixed readout and no memory pools over time, so the first step counts;
    reading the last step alone left a 1-block PNAS cell of identities at chance."""
    spec, out = SPECS["mnist1d"]
    space = get_space(space_name, spec, out)

    @settings(max_examples=15, deadline=None, derandomize=True)
    @given(choices=choice_sequences(space))
    def check(choices):
        graph = space.decode(choices)
        if space_name == "cell" and all(n.op == "zero" for n in graph.nodes if "_e" in n.id):
            return  # a cell of "none" edges computes nothing from its input
        torch.manual_seed(0)
        model = build(graph, spec, out).eval()
        x = _input(spec)
        first = x.clone()
        first[:, 0] += 1.0
        assert not torch.allclose(model(x), model(first))

    with torch.no_grad():
        check()


def test_fixed_readouts_pool_a_sequence_and_keep_per_step_outputs():
    for task, want in (("mnist1d", "global_avg_pool"), ("copy", "identity"),
                       ("chars", "identity"), ("digits", "global_avg_pool")):
        spec, out = SPECS[task]
        for name in ("blocks", "cell"):
            space = get_space(name, spec, out)
            graph = space.decode(space.sample(np.random.default_rng(0)).choices)
            assert graph.node("readout").op == want, (name, task)
