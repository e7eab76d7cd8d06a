"""The surrogate spreads its asks over the space's template decision (NAS-Bench-Graph's links)."""

from graphnas.benchmarks.nasbenchgraph import NasBenchGraphObjective, NasBenchGraphSpace
from graphnas.strategies.surrogate import SurrogateSearch


def _asks(strategy, objective, n):
    links = []
    for _ in range(n):
        cand = strategy.ask(1)[0]
        links.append(cand.choices[0])
        strategy.tell(cand, objective.lookup(cand.arch)["valid_perf"])
    return links


def test_no_link_pattern_takes_more_than_its_share_of_recent_asks():
    space, objective = NasBenchGraphSpace("pubmed"), NasBenchGraphObjective("pubmed")
    links = _asks(SurrogateSearch(space, seed=1, init=10, spread=2, window=5), objective, 50)
    for i in range(10, 50):
        assert links[i - 5:i].count(links[i]) < 2, (i, links[i - 5:i + 1])


def test_without_the_limit_the_search_settles_in_one_pattern():
    space, objective = NasBenchGraphSpace("pubmed"), NasBenchGraphObjective("pubmed")
    links = _asks(SurrogateSearch(space, seed=1, init=10, spread=7, window=6), objective, 50)
    assert any(links[i - 5:i].count(links[i]) >= 2 for i in range(10, 50))


def test_the_window_survives_a_resume():
    space, objective = NasBenchGraphSpace("cora"), NasBenchGraphObjective("cora")
    a = SurrogateSearch(space, seed=2)
    _asks(a, objective, 20)
    b = SurrogateSearch(space, seed=2)
    b.load_state_dict(a.state_dict())
    assert b.templates == a.templates and len(a.templates) == 6
    assert _asks(a, objective, 5) == _asks(b, objective, 5)
