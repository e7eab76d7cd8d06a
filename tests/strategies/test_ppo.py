"""PPO as an option of the REINFORCE controller (``algorithm="ppo"``)."""

import json

import pytest
import torch

from graphnas.strategies import get_strategy

from .suite import run
from .toy import ToySpace, objective

PPO = {"algorithm": "ppo", "batch": 4}


def _params(strategy):
    return [p.detach().clone() for p in strategy.controller.parameters()]


def test_one_epoch_of_ppo_is_the_reinforce_step():
    a, _ = run("reinforce", 1, 8, config={"batch": 4})
    b, _ = run("reinforce", 1, 8, config={**PPO, "ppo_epochs": 1})
    assert a.updates == b.updates == 2
    for x, y in zip(_params(a), _params(b)):
        assert torch.allclose(x, y, atol=1e-6)


def test_more_epochs_move_the_policy_further_and_the_clip_holds_it_back():
    space = ToySpace()
    settings = {"one epoch": (1, 0.2), "eight": (8, 0.2), "eight, hardly clipped": (8, 0.99)}
    batch = get_strategy("reinforce", space, seed=0).ask(4)  # the same seed, the same draws
    rewards = [0.0, 0.0, 0.0, 1.0]  # told in this order: a baseline of 0.2 at the update
    moved = {}
    for label, (epochs, clip) in settings.items():
        s = get_strategy("reinforce", space, seed=0, algorithm="ppo", batch=4,
                         ppo_epochs=epochs, ppo_clip=clip, lr=2e-4)
        assert [c.choices for c in s.ask(4)] == [c.choices for c in batch]
        with torch.no_grad():
            before = s.controller.walk(space, forced=batch[3].choices)[1]
        for c, r in zip(batch, rewards):
            s.tell(c, r)
        with torch.no_grad():
            after = s.controller.walk(space, forced=batch[3].choices)[1]
        moved[label] = float(after - before)  # the rewarded candidate's log-probability
    assert 0 < moved["one epoch"] < moved["eight"] < moved["eight, hardly clipped"]


def test_ppo_is_reproducible_and_resumes_from_its_state():
    space = ToySpace()
    whole, asked = run("reinforce", 5, 25, space, config=PPO)
    again, asked_again = run("reinforce", 5, 25, space, config=PPO)
    assert [c.choices for c in asked] == [c.choices for c in asked_again]
    half, _ = run("reinforce", 5, 20, space, config=PPO)
    resumed = get_strategy("reinforce", space, seed=5, **PPO)
    resumed.load_state_dict(json.loads(json.dumps(half.state_dict())))
    rest = []
    for _ in range(5):
        c = resumed.ask(1)[0]
        resumed.tell(c, objective(space, c.choices))
        rest.append(c.choices)
    assert rest == [c.choices for c in asked[20:]]


def test_ppo_survives_failed_trials():
    s, asked = run("reinforce", 0, 24, fail_every=2, batch=3, config=PPO)
    assert len(asked) == 24 and s.updates == 6


@pytest.mark.parametrize("bad", [{"algorithm": "a2c"}, {"algorithm": "ppo", "ppo_epochs": 0},
                                 {"algorithm": "ppo", "ppo_clip": 1.5}])
def test_bad_ppo_options_are_refused(bad):
    with pytest.raises(ValueError, match="algorithm must be|ppo_epochs must"):
        get_strategy("reinforce", ToySpace(), **bad)
