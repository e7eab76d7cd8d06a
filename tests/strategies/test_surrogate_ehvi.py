"""The surrogate's expected-hypervolume-improvement acquisition (``several=ehvi``)."""

import pytest

from graphnas.benchmarks.registry import get_benchmark
from graphnas.benchmarks.tabular import compare
from graphnas.strategies.surrogate import SurrogateSearch

from .toy import ToySpace


def test_ehvi_searches_a_front_better_than_random():
    bench = get_benchmark("nasbenchgraph")
    rows = compare(bench, "cora", ["random", "surrogate"], 40, 3, objectives=("score", "latency"),
                   configs={"surrogate": {"several": "ehvi", "init": 8}})
    assert rows["surrogate"]["hv_regret_mean"] < rows["random"]["hv_regret_mean"]


def test_an_unknown_acquisition_is_refused():
    with pytest.raises(ValueError, match="'hvi', 'ehvi' or 'parego'"):
        SurrogateSearch(ToySpace(), several="ehv")
