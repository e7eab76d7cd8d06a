"""The REINFORCE controller: anchor-point attention for skip decisions, JSON-able state."""

import json

import torch

from graphnas.strategies import get_strategy
from graphnas.strategies.controller import Controller, key_sizes

from .toy import ToySpace


def test_skip_decisions_use_anchor_attention():
    space = ToySpace(n=4, k=3)
    torch.manual_seed(0)
    ctrl = Controller(key_sizes(space), hidden=8)
    with torch.no_grad():
        ctrl.v.weight.zero_()  # no attention signal: every skip is a fair coin
        for layer in ctrl.classify.values():
            layer.weight.zero_()  # and every op uniform
    choices, logp, _ = ctrl.walk(space, generator=torch.Generator().manual_seed(0))
    ops = sum(d.key == "op" for d in space.ds)
    skips = len(space.ds) - ops
    expected = ops * torch.log(torch.tensor(1 / 3)) + skips * torch.log(torch.tensor(0.5))
    assert torch.allclose(logp, expected, atol=1e-6)
    with torch.no_grad():  # a strong attention score turns every skip on
        ctrl.v.weight.fill_(50.0)
        ctrl.w_prev.weight.copy_(torch.eye(8))
        ctrl.w_curr.weight.copy_(torch.eye(8))
        ctrl.cell.weight_ih.zero_()
        ctrl.cell.weight_hh.zero_()
        ctrl.cell.bias_ih.fill_(5.0)  # anchor states near tanh(1) > 0 in every unit
        ctrl.cell.bias_hh.zero_()
    choices, _, _ = ctrl.walk(space, generator=torch.Generator().manual_seed(1))
    assert all(c == 1 for c, d in zip(choices, space.ds) if d.key == "skip")


def test_reinforce_state_is_json_and_restores_the_controller():
    space = ToySpace()
    s = get_strategy("reinforce", space, seed=2, batch=2)
    for c in s.ask(4):
        s.tell(c, 0.5)
    state = json.loads(json.dumps(s.state_dict()))
    t = get_strategy("reinforce", space, seed=9, batch=2)
    t.load_state_dict(state)
    for a, b in zip(s.controller.parameters(), t.controller.parameters()):
        assert torch.equal(a, b)
    assert t.updates == s.updates == 2
    assert [c.choices for c in t.ask(3)] == [c.choices for c in s.ask(3)]
