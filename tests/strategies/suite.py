"""The strategy suite: every strategy, later ones included, must pass these.

A new strategy is covered by registering it in ``graphnas.strategies.STRATEGIES``; the tests in
``test_suite.py`` are parametrised over that registry.
"""

from __future__ import annotations

import json
import statistics

from graphnas.strategies import get_strategy

from .toy import objective, space_for


def run(name: str, seed: int, steps: int, space=None, fail_every: int = 0, batch: int = 1,
        config: dict | None = None, objective=objective):
    """Ask/tell ``steps`` candidates; returns the strategy and the candidates asked."""
    space = space or space_for(name)
    s = get_strategy(name, space, seed=seed, **(config or {}))
    asked = []
    while len(asked) < steps:
        cands = s.ask(min(batch, steps - len(asked)))
        for c in reversed(cands):  # results in another order than asked
            failed = fail_every and (len(asked) % fail_every == 0)
            s.tell(c, None if failed else objective(space, c.choices))
            asked.append(c)
    return s, asked


def check_reproducible(name: str, objective=objective) -> None:
    _, a = run(name, 3, 30, objective=objective)
    _, b = run(name, 3, 30, objective=objective)
    _, c = run(name, 4, 30, objective=objective)
    assert [x.choices for x in a] == [x.choices for x in b]
    assert [x.choices for x in a] != [x.choices for x in c]


def check_members(name: str) -> None:
    space = space_for(name)
    _, asked = run(name, 0, 40, space)
    assert all(space.valid_choices(c.choices) and space.contains(c.arch) for c in asked)


def check_survives_failures(name: str, objective=objective) -> None:
    _, asked = run(name, 0, 40, fail_every=2, batch=3, objective=objective)
    assert len(asked) == 40


def check_resumes(name: str, objective=objective) -> None:
    space = space_for(name)
    whole, asked = run(name, 5, 25, space, objective=objective)
    half, _ = run(name, 5, 20, space, objective=objective)
    state = json.loads(json.dumps(half.state_dict()))  # state must survive JSON
    resumed = get_strategy(name, space, seed=5)
    resumed.load_state_dict(state)
    rest = []
    while len(rest) < 5:
        c = resumed.ask(1)[0]
        resumed.tell(c, objective(space, c.choices))
        rest.append(c)
    assert [c.choices for c in rest] == [c.choices for c in asked[20:]]


def check_resumes_by_replay(name: str, objective=objective) -> None:
    """A fresh strategy replaying the recorded asks and tells (as the driver does from its
    store) asks for the same next candidates: no hidden, unseeded state."""
    space = space_for(name)
    _, asked = run(name, 7, 25, space, fail_every=4, objective=objective)
    replay = get_strategy(name, space, seed=7)
    for i, c in enumerate(asked[:20]):
        again = replay.ask(1)[0]
        assert again.choices == c.choices
        replay.tell(space.candidate(c.choices),
                    None if i % 4 == 0 else objective(space, c.choices))
    rest = []
    for i in range(20, 25):
        c = replay.ask(1)[0]
        replay.tell(c, None if i % 4 == 0 else objective(space, c.choices))
        rest.append(c)
    assert [c.choices for c in rest] == [c.choices for c in asked[20:]]


def best_found(name: str, seeds: int = 6, budget: int = 150, on: str | None = None) -> float:
    """The mean best score ``name`` finds on the toy space of strategy ``on`` (its own)."""
    space = space_for(on or name)
    bests = []
    for seed in range(seeds):
        _, asked = run(name, seed, budget, space)
        bests.append(max(objective(space, c.choices) for c in asked))
    return statistics.mean(bests)


def check_beats_random(name: str) -> None:
    assert best_found(name) > best_found("random", on=name)


def front_found(name: str, seeds: int = 4, budget: int = 80) -> float:
    """Mean hypervolume (reference: the worst corner) of the two-objective toy's front found."""
    from graphnas.pareto import hypervolume

    from .toy import two_objectives

    space = space_for(name)
    volumes = []
    for seed in range(seeds):
        _, asked = run(name, seed, budget, space, objective=two_objectives)
        volumes.append(hypervolume([two_objectives(space, c.choices) for c in asked],
                                   [-0.01, -1.01]))
    return statistics.mean(volumes)


def check_front_beats_random(name: str) -> None:
    assert front_found(name) > front_found("random")
