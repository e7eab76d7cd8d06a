"""Every registered strategy passes the shared suite."""

import pytest

from graphnas.strategies import check_objectives, multi_objective_names, strategy_names

from . import suite
from .toy import two_objectives

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


MULTI = multi_objective_names()


@pytest.mark.parametrize("name", MULTI)
def test_several_objectives_reproducible_resumable_and_failure_proof(name):
    suite.check_reproducible(name, two_objectives)
    suite.check_survives_failures(name, two_objectives)
    suite.check_resumes(name, two_objectives)
    suite.check_resumes_by_replay(name, two_objectives)


@pytest.mark.parametrize("name", [n for n in MULTI if n != "random"])
def test_several_objectives_front_beats_random(name):
    suite.check_front_beats_random(name)


def test_a_single_objective_strategy_refuses_several():
    assert {"random", "evolution", "surrogate", "reinforce"} <= set(MULTI)
    check_objectives("pnas", 1)
    with pytest.raises(ValueError, match="'pnas' searches one objective; for several use"):
        check_objectives("pnas", 2)


def test_unknown_strategy():
    from graphnas.strategies import get_strategy

    from .toy import ToySpace

    with pytest.raises(ValueError, match="unknown strategy 'bayes'"):
        get_strategy("bayes", ToySpace())
    with pytest.raises(ValueError, match="bad setting"):
        get_strategy("evolution", ToySpace(), populaton=3)
