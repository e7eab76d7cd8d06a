"""A converged REINFORCE controller asks new architectures, not the ones it asked before."""

import json

from graphnas.strategies import get_strategy

from .suite import run
from .toy import ToySpace

COLLAPSED = {"lr": 0.2, "batch": 4}  # converges to one or two architectures in 40 asks


def _hashes(asked):
    return [c.hash for c in asked]


def test_a_collapsed_controller_asks_each_architecture_once():
    _, repeated = run("reinforce", 0, 80, config={**COLLAPSED, "novel": False})
    assert len(set(_hashes(repeated[40:]))) <= 3  # the failure this guards against
    strategy, asked = run("reinforce", 0, 80, config=COLLAPSED)
    assert len(set(_hashes(asked))) == 80
    assert strategy.redrawn >= 40 and strategy.updates == 20


def test_replacements_stay_near_what_the_controller_draws():
    _, repeated = run("reinforce", 0, 80, config={**COLLAPSED, "novel": False})
    mode = repeated[-1].choices  # what the converged controller draws
    _, asked = run("reinforce", 0, 80, config=COLLAPSED)
    distance = [sum(a != b for a, b in zip(mode, c.choices)) for c in asked[40:]]
    assert sum(distance) / len(distance) < 4  # a random member differs in about 9.5 of 15


def test_the_asked_set_survives_a_restart():
    space = ToySpace()
    half, _ = run("reinforce", 1, 10, space, config=COLLAPSED)
    resumed = get_strategy("reinforce", space, seed=1, **COLLAPSED)
    resumed.load_state_dict(json.loads(json.dumps(half.state_dict())))
    assert resumed.asked == half.asked and resumed.redrawn == half.redrawn
    assert [c.choices for c in resumed.ask(3)] == [c.choices for c in half.ask(3)]
    assert not {c.hash for c in resumed.ask(5)} & half.asked


def test_an_exhausted_space_asks_a_repeat_rather_than_nothing():
    space = ToySpace(n=1, k=2)  # two architectures in all
    strategy = get_strategy("reinforce", space, seed=0, **COLLAPSED)
    asked = [strategy.ask(1)[0] for _ in range(4)]
    assert len({c.hash for c in asked}) == 2 and len(asked) == 4
