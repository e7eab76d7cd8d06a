"""graphnas.api.bench: strategies compared on NAS-Bench-Graph through the Python API."""

import pytest

from graphnas.api.bench import compare_on_nasbenchgraph, nasbenchgraph_datasets


def test_a_small_comparison():
    out = compare_on_nasbenchgraph(["cora", "cora"], ["random", "evolution", "random"],
                                   queries=6, seeds=2)
    assert list(out) == ["cora"] and list(out["cora"]) == ["random", "evolution"]
    for summary in out["cora"].values():
        assert summary["valid_regret_mean"] >= 0 and len(summary["regret_curve"]) == 6
    assert "cora" in nasbenchgraph_datasets()


@pytest.mark.parametrize("kwargs,message", [
    ({"datasets": ["mnist"]}, "unknown NAS-Bench-Graph data set 'mnist'"),
    ({"strategies": ["bayes"]}, "unknown strategy 'bayes'"),
    ({"queries": 0}, "at least 1"),
])
def test_bad_input_is_a_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare_on_nasbenchgraph(**{"strategies": ["random"], **kwargs})
