"""The surrogate with objectives known before training (``Strategy.known``): their exact values
replace the GP's predictions of them."""

import numpy as np

from graphnas.benchmarks.nasbench201 import NasBench201Space
from graphnas.strategies.surrogate import SurrogateSearch


def _flat_search(known: bool, optimism: float = 0.0):
    """A search told one score for every candidate and a cost no feature predicts (a random
    number per cell), asked once more with its pool's ranking recorded."""
    rng = np.random.default_rng(0)
    costs: dict = {}

    def cost(choices) -> float:
        return costs.setdefault(tuple(choices), float(rng.random()))

    # optimism 0: the score's prediction is then the same for every pool member (its std,
    # which optimism adds, is not), so the ranking is the cost's alone
    s = SurrogateSearch(NasBench201Space("cifar10"), seed=0, init=5, optimism=optimism)
    if known:
        s.known = lambda c: (None, -cost(c.choices))
    for _ in range(6):
        c = s.ask(1)[0]
        s.tell(c, (0.0, -cost(c.choices)))
    ranked = {}
    pick = s._pick

    def spy(choices, value):
        ranked["best"], ranked["pool"] = choices[int(np.argmax(value))], choices
        return pick(choices, value)

    s._pick = spy
    s.ask(1)
    return cost(ranked["best"]), min(cost(c) for c in ranked["pool"]), s


def test_a_known_cost_ranks_the_pool_by_its_exact_values():
    best, cheapest, s = _flat_search(known=True)
    assert best == cheapest  # with equal scores, the cheapest pool member adds the most
    assert len(s._known) > 100  # every pool member was looked up, not only the asked ones


def test_without_it_the_cost_is_predicted():
    best, cheapest, s = _flat_search(known=False)
    assert best > cheapest and not s._known  # a random cost is not predictable


def test_with_optimism_an_uncertain_score_can_outrank_a_lower_cost():
    """The score's posterior std differs between pool members, so an optimistic prediction
    ranks a costlier but less explored member first."""
    best, cheapest, _ = _flat_search(known=True, optimism=2.0)
    assert best > cheapest
