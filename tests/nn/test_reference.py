"""Reference tests: built graphs compute what PyTorch's own modules compute."""

import pytest
import torch
from torch import nn

from graphnas.graph import InputSpec, OutputSpec, load_example
from graphnas.nn import build

H, IN, T, B = 16, 3, 20, 4


def per_step_module(name: str, dtype=torch.float32) -> nn.Module:
    """The example cell with an identity head, so the output is the hidden state at every step."""
    torch.manual_seed(0)
    m = build(load_example(name), InputSpec("sequence", (T, IN)),
              OutputSpec("sequence_regression", H)).to(dtype)
    with torch.no_grad():
        m.head.weight.copy_(torch.eye(H))
        m.head.bias.zero_()
    return m


def _set(layer, weight, bias):
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(bias)


def copy_gru_weights(m: nn.Module, cell: nn.GRUCell) -> None:
    wi, wh = cell.weight_ih.chunk(3), cell.weight_hh.chunk(3)
    bi, bh = cell.bias_ih.chunk(3), cell.bias_hh.chunk(3)
    _set(m.nodes["r_pre"].op, torch.cat([wi[0], wh[0]], 1), bi[0] + bh[0])
    _set(m.nodes["z_pre"].op, torch.cat([wi[1], wh[1]], 1), bi[1] + bh[1])
    _set(m.nodes["xn"].op, wi[2], bi[2])
    _set(m.nodes["hn"].op, wh[2], bh[2])


def copy_lstm_weights(m: nn.Module, cell: nn.LSTMCell) -> None:
    wi, wh = cell.weight_ih.chunk(4), cell.weight_hh.chunk(4)
    bi, bh = cell.bias_ih.chunk(4), cell.bias_hh.chunk(4)
    for k, gate in enumerate("ifgo"):
        _set(m.nodes[f"{gate}_pre"].op, torch.cat([wi[k], wh[k]], 1), bi[k] + bh[k])


def run_cell(cell, x, lstm=False):
    h = torch.zeros(x.shape[0], H, dtype=x.dtype)
    c = torch.zeros_like(h)
    outs = []
    for t in range(x.shape[1]):
        if lstm:
            h, c = cell(x[:, t], (h, c))
        else:
            h = cell(x[:, t], h)
        outs.append(h)
    return torch.stack(outs, 1)


def test_gru_graph_equals_gru_cell():
    m = per_step_module("gru")
    cell = nn.GRUCell(IN, H)
    copy_gru_weights(m, cell)
    x = torch.randn(B, T, IN)
    assert (m(x) - run_cell(cell, x)).abs().max() <= 1e-5


def test_lstm_graph_equals_lstm_cell():
    m = per_step_module("lstm")
    cell = nn.LSTMCell(IN, H)
    copy_lstm_weights(m, cell)
    x = torch.randn(B, T, IN)
    assert (m(x) - run_cell(cell, x, lstm=True)).abs().max() <= 1e-5


def test_gradients_through_time_pass_gradcheck():
    for name in ("gru", "lstm"):
        torch.manual_seed(0)
        m = build(load_example(name), InputSpec("sequence", (3, 2)),
                  OutputSpec("regression", 2)).double()
        x = torch.randn(2, 3, 2, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(m, (x,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", ["gru", "lstm", "elman_rnn"])  # split linears in loops
def test_weight_gradients_over_time_match_per_step_ones(name):
    """In training, an in-loop weight's gradient is one product over all steps (see
    ``WeightGradOverTime``); in eval mode (the same function here) it is summed step by step."""
    torch.manual_seed(0)
    m = build(load_example(name), InputSpec("sequence", (12, 3)),
              OutputSpec("classes", 4)).double()
    x = torch.randn(5, 12, 3, dtype=torch.float64)
    grads, nodes = [], []
    for training in (True, False):
        m.train(training)
        m.zero_grad()
        loss = m(x).square().sum()
        nodes.append(_backward_node_names(loss.grad_fn))
        loss.backward()
        grads.append({k: p.grad.clone() for k, p in m.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys() and grads[0]
    for k in grads[0]:
        assert torch.allclose(grads[0][k], grads[1][k], rtol=1e-9, atol=1e-12), k
    assert "WeightGradOverTimeBackward" in nodes[0] and "WeightGradOverTimeBackward" not in nodes[1]


def _backward_node_names(fn) -> set[str]:
    seen, todo = set(), [fn]
    while todo:
        f = todo.pop()
        if f is None or f in seen:
            continue
        seen.add(f)
        todo.extend(nxt for nxt, _ in f.next_functions)
    return {type(f).__name__ for f in seen}


class HandResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv1d(1, 32, 3, padding=1)
        self.conv1 = nn.Conv1d(32, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm1d(32)
        self.conv2 = nn.Conv1d(32, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm1d(32)
        self.head = nn.Linear(32, 10)

    def forward(self, x):  # (B, T, 1)
        s = self.stem(x.transpose(1, 2))
        y = torch.relu(self.bn1(self.conv1(s)))
        y = torch.relu(self.bn2(self.conv2(y)) + s)
        return self.head(y.mean(-1))


def test_residual_block_equals_hand_written():
    torch.manual_seed(0)
    m = build(load_example("residual_block"), InputSpec("sequence", (40, 1)),
              OutputSpec("classes", 10))
    ref = HandResidual()
    pairs = {"stem": "stem", "conv1": "conv1", "conv2": "conv2"}
    with torch.no_grad():
        for a, b in pairs.items():
            getattr(ref, b).load_state_dict(m.nodes[a].op.state_dict())
        ref.bn1.load_state_dict(m.nodes["bn1"].op.state_dict())
        ref.bn2.load_state_dict(m.nodes["bn2"].op.state_dict())
        ref.head.load_state_dict(m.head.state_dict())
    x = torch.randn(8, 40, 1)
    assert torch.allclose(m(x), ref(x), atol=1e-5)  # training mode: batch statistics
    m.eval()
    ref.eval()
    assert torch.allclose(m(x), ref(x), atol=1e-5)


def test_conv_front_end_recurrent_core_and_readout_learns():
    """Sign of the sum of a sequence: needs memory across time; the loss must fall."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(256, 12, 1, generator=g)
    y = (x.sum(dim=(1, 2)) > 0).long()
    m = build(load_example("conv_recurrent"), InputSpec("sequence", (12, 1)),
              OutputSpec("classes", 2))
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    losses = []
    for _ in range(60):
        loss = nn.functional.cross_entropy(m(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) / 5 < 0.6 * sum(losses[:5]) / 5
