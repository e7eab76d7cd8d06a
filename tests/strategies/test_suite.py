"""Every registered strategy passes the shared suite."""

import pytest

from graphnas.strategies import strategy_names

from . import suite

NAMES = strategy_names()


@pytest.mark.parametrize("name", NAMES)
def test_reproducible(name):
    suite.check_reproducible(name)


@pytest.mark.parametrize("name", NAMES)
def test_asks_only_members(name):
    suite.check_members(name)


@pytest.mark.parametrize("name", NAMES)
def test_survives_failures(name):
    suite.check_survives_failures(name)


@pytest.mark.parametrize("name", NAMES)
def test_resumes_from_its_state(name):
    suite.check_resumes(name)


@pytest.mark.parametrize("name", NAMES)
def test_resumes_by_replaying_its_trials(name):
    suite.check_resumes_by_replay(name)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "random"])
def test_beats_random(name):
    suite.check_beats_random(name)


def test_unknown_strategy():
    from graphnas.strategies import get_strategy

    from .toy import ToySpace

    with pytest.raises(ValueError, match="unknown strategy 'bayes'"):
        get_strategy("bayes", ToySpace())
    with pytest.raises(ValueError, match="bad setting"):
        get_strategy("evolution", ToySpace(), populaton=3)


def test_evolution_asks_for_graphs_it_has_not_asked_before():
    """A converged population would keep proposing its own members; evolution draws again."""
    from graphnas.strategies import get_strategy

    from .toy import ToySpace

    def repeats(retries: int) -> int:
        strategy = get_strategy("evolution", ToySpace(n=3, k=2), seed=0, population=4,
                                sample=2, retries=retries)
        hashes = []
        for _ in range(24):  # the space holds 2**3 * 2**2 = 32 graphs
            cand = strategy.ask(1)[0]
            strategy.tell(cand, 1.0)
            hashes.append(cand.hash)
        return len(hashes) - len(set(hashes))

    assert repeats(0) > 5
    assert repeats(50) == 0
