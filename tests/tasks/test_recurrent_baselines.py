"""The LSTM and GRU baselines of the sequence tasks (target B8): built from primitives, recurrent
through memory links, causal on the language model, the two of a task near in size."""

import pytest
import torch

from graphnas.nn import build
from graphnas.nn.counting import count_params
from graphnas.tasks import get_task
from graphnas.tasks.baselines import baselines_for

TASKS = ("psdigits", "sdigits", "chars")


@pytest.mark.parametrize("task", TASKS)
def test_lstm_and_gru_are_recurrent_and_near_in_size(task):
    t = get_task(task)
    found = baselines_for(task)
    assert {"lstm", "gru"} <= set(found)
    params = {}
    for name in ("lstm", "gru"):
        graph = found[name]
        assert graph.memory and graph.name == f"{task}_{name}"
        assert {n.op for n in graph.nodes} <= {"embedding", "linear", "sigmoid", "tanh",
                                               "identity"}  # primitives, no fused cell
        params[name] = count_params(build(graph, t.input_spec, t.output_spec))
    assert abs(params["lstm"] - params["gru"]) <= 0.05 * params["gru"], params


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_chars_baselines_are_causal(name):
    """The build refuses a time-mixing op on a causal task; the outputs up to step t also do
    not change when the inputs after t do."""
    t = get_task("chars")
    assert t.output_spec.causal
    torch.manual_seed(0)
    m = build(baselines_for("chars")[name], t.input_spec, t.output_spec).eval()
    x = torch.as_tensor(t.valid.x[:2, :16])
    changed = x.clone()
    changed[:, 9:] = (changed[:, 9:] + 1) % t.input_spec.vocab
    with torch.no_grad():
        y, y2 = m(x), m(changed)
    assert y.shape == (2, 16, t.output_spec.size)
    assert torch.equal(y[:, :9], y2[:, :9]) and not torch.equal(y[:, 9:], y2[:, 9:])
