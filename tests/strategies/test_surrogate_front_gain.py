"""The surrogate's ranking of pool members against the told front (several objectives)."""

import numpy as np
import pytest

from graphnas.strategies.surrogate import _front_gain

FRONT = np.array([[1.0, 0.0], [0.0, 1.0]])  # (score, -cost), both higher-is-better


def test_a_member_that_extends_the_front_gains_its_hypervolume():
    gain = _front_gain(FRONT, np.array([[2.0, 0.0], [0.5, 0.5]]))
    assert gain[0] == pytest.approx(1.0 * 0.5)  # one more unit of score over cost 0 + 0.5
    assert gain[1] == pytest.approx(0.25)  # the corner the two members leave


def test_a_dominated_member_is_as_far_as_the_least_gain_that_escapes_every_dominator():
    """Behind the best score by 0.1 and far more costly, a member escapes by gaining 0.1 of
    score; one 0.2 behind the cheaper member in both objectives needs 0.2."""
    costly, close = _front_gain(FRONT, np.array([[0.9, -5.0], [-0.2, 0.8]]))
    assert costly == pytest.approx(-0.1) and close == pytest.approx(-0.2)
    assert costly > close


def test_a_member_dominated_by_two_must_beat_both():
    front = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    (short,) = _front_gain(front, np.array([[0.4, -0.1]]))
    # beating (1, 0) needs +0.1 of cost, beating (0.5, 0.5) needs +0.1 of score: 0.1 does both
    assert short == pytest.approx(-0.1)
