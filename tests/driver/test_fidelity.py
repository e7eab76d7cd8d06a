"""Multi-fidelity search without training: the rungs, ASHA's promotion rule on a scripted
sequence of results, the checkpoints it keeps, and what strategies hear of promotions."""

from __future__ import annotations

import pytest

from graphnas.driver import RungSchedule, default_min_steps, rung_steps
from graphnas.driver.fidelity import KEEP, Promotions
from graphnas.strategies import get_strategy
from strategies.toy import ToySpace


@pytest.mark.parametrize("trial_steps,min_steps,eta,rungs", [
    (27, 3, 3, (3, 9, 27)),
    (300, 33, 3, (33, 99, 300)),  # 297 would sit next to 300: merged into the top rung
    (30, 3, 3, (3, 9, 30)),
    (20, 10, 3, (10, 20)),
    (100, 1, 10, (1, 10, 100)),
    (64, 2, 2, (2, 4, 8, 16, 32, 64)),
])
def test_rungs(trial_steps, min_steps, eta, rungs):
    assert rung_steps(trial_steps, min_steps, eta) == rungs


def test_schedules_from_settings():
    assert RungSchedule.make("none", 300) is None
    asha = RungSchedule.make("asha", 300)
    assert asha.rungs == (33, 99, 300) and asha.brackets == 1 and default_min_steps(300, 3) == 33
    assert default_min_steps(5, 3) == 1
    hb = RungSchedule.make("hyperband", 27, 3, 3)
    assert hb.brackets == 3 and [hb.bracket(i) for i in range(5)] == [0, 1, 2, 0, 1]


@pytest.mark.parametrize("kind,trial_steps,min_steps,eta,message", [
    ("asha", 300, None, 1, "--eta must be at least 2"),
    ("asha", 300, 300, 3, "--min-steps must be at least 1 and below --trial-steps (300)"),
    ("hyperband", 30, 0, 3, "--min-steps must be at least 1"),
    ("sha", 30, None, 3, "--fidelity: unknown value 'sha'"),
])
def test_settings_that_make_no_sense(kind, trial_steps, min_steps, eta, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RungSchedule.make(kind, trial_steps, min_steps, eta)


def test_asha_promotes_the_best_of_the_top_third_at_once_highest_rung_first():
    p = Promotions(rungs=3, eta=3)
    p.add(1, 0, 0, 0.5)
    p.add(2, 0, 0, 0.9)
    assert p.ready() == []  # two results: floor(2/3) = 0, nobody waits for a third
    p.add(3, 0, 0, 0.7)
    assert p.ready() == [2]
    assert p.start(2) == 1 and p.ready() == []  # being promoted
    for tid, score in ((4, 0.95), (5, 0.1), (6, 0.2)):
        p.add(tid, 0, 0, score)
    assert p.ready() == [4]  # top 2 of 6: 4 and 2, and 2 is on its way
    p.add(2, 0, 1, 0.93)
    p.start(4)
    p.add(4, 0, 1, 0.96)
    assert p.ready() == []  # rung 1 holds 2 results; rung 0's top 2 are both promoted
    for tid, score in ((7, 0.8), (8, 0.85), (9, 0.3)):
        p.add(tid, 0, 0, score)
    assert p.ready() == [8]  # top 3 of 9 at rung 0: 4, 2, 8
    p.start(8)
    p.add(8, 0, 1, 0.99)
    assert p.ready() == [8]  # rung 1: 3 results, 8 the best: to the top rung first
    p.start(8)
    p.add(8, 0, 2, 0.995)
    assert p.ready() == []  # nothing above the top rung


def test_a_failed_promotion_is_not_promoted_again():
    p = Promotions(rungs=3, eta=3)
    for tid, score in ((1, 0.9), (2, 0.5), (3, 0.4)):
        p.add(tid, 0, 0, score)
    p.start(1)
    p.add(1, 0, 1, None)
    assert p.ready() == [] and p.scores.get((0, 1), {}) == {}


def test_hyperband_brackets_promote_among_their_own():
    p = Promotions(rungs=3, eta=3, brackets=3)
    for tid, score in ((1, 0.9), (2, 0.8)):  # bracket 0, at rung 1 after promotions
        p.add(tid, 0, 0, score)
        p.add(tid, 0, 1, score)
    for tid, score in ((3, 0.1), (4, 0.2), (5, 0.3)):  # bracket 1 starts at rung 1
        p.add(tid, 1, 1, score)
    assert p.ready() == [5]  # bracket 1's top third; bracket 0's rung 1 has only 2


def test_checkpoints_kept_are_bounded_per_rung():
    p = Promotions(rungs=3, eta=3)
    for tid in range(1, 21):
        p.add(tid, 0, 0, tid / 100)
    p.start(20)
    kept = p.kept(KEEP)
    assert (20, 0) in kept  # being promoted: read from its rung-0 checkpoint
    waiting = {t for t, r in kept if r == 0 and t != 20}
    assert waiting == set(range(19, 19 - KEEP, -1))  # the best KEEP not yet promoted
    p.add(20, 0, 2, 0.5)  # at the top rung: none
    assert all(t != 20 for t, _ in p.kept(KEEP))


def test_evolution_replaces_a_promoted_members_score():
    space = ToySpace(n=6, k=3)
    evo = get_strategy("evolution", space, seed=0, population=3, sample=2)
    cands = evo.ask(3)
    for c, s in zip(cands, (0.1, 0.2, 0.3)):
        evo.tell(c, s)
    evo.tell_fidelity(cands[0], 0.9, 1)
    assert evo.population[0] == (tuple(cands[0].choices), 0.9)
    random = get_strategy("random", space, seed=0)
    random.tell_fidelity(cands[0], 0.9, 1)  # the default: nothing
