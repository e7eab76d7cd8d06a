"""NAS-Bench-Graph as a space and an objective, against the package's own tables."""

import json

import numpy as np
import pytest

from graphnas.benchmarks import NasBenchGraphObjective, NasBenchGraphSpace, NbgArch, load_table
from graphnas.benchmarks.nasbenchgraph import DATASETS, link_patterns, ops_for


def test_decisions_and_size():
    space = NasBenchGraphSpace("cora")
    ds = space.decisions([0, 0, 0, 0, 0])
    assert [d.label for d in ds] == ["link", "node0.op", "node1.op", "node2.op", "node3.op"]
    assert len(ds[0].options) == 9 and len(ds[1].options) == 9
    skip = space.ops.index("skip")
    assert "skip" not in space.next_decision([0, skip, skip, skip]).options
    assert space.size() == 9 * (9**4 - 1) == sum(1 for _ in _walk(space, []))
    assert space.distinct() == 26206


def _walk(space, prefix):
    d = space.next_decision(prefix)
    if d is None:
        yield tuple(prefix)
        return
    for k in range(len(d.options)):
        yield from _walk(space, [*prefix, k])


@pytest.mark.parametrize("dataset", ["cora", "proteins"])
def test_every_choice_sequence_is_tabulated(dataset):
    """Every decodable candidate is found, and the space covers the whole table."""
    space = NasBenchGraphSpace(dataset)
    table = load_table(dataset)
    found = set()
    for choices in _walk(space, []):
        h = space.decode(choices).valid_hash()
        assert h in table, choices
        found.add(h)
    assert found == set(table)


@pytest.mark.parametrize("dataset", DATASETS)
def test_sampled_candidates_are_tabulated_and_round_trip(dataset):
    space = NasBenchGraphSpace(dataset)
    objective = NasBenchGraphObjective(dataset)
    rng = np.random.default_rng(0)
    for _ in range(300):
        cand = space.sample(rng)
        assert space.encode(cand.arch) == cand.choices
        assert NbgArch.from_json(cand.arch.to_json()) == cand.arch
        row = objective.lookup(cand.arch)
        assert set(row) == {"valid_perf", "perf", "latency", "para"}
        child = space.mutate(cand, rng)
        assert space.valid_choices(child.choices)
        objective.lookup(child.arch)
    assert set(ops_for(dataset)) <= {"gat", "gcn", "gin", "cheb", "sage", "arma", "graph",
                                     "fc", "skip"}


def test_hash_is_the_packages_valid_hash_and_merges_isomorphs():
    from nas_bench_graph import Arch

    space = NasBenchGraphSpace("cora")
    a = NbgArch((0, 0, 1, 2), ("gcn", "sage", "gat", "fc"))
    assert a.canonical_hash() == str(Arch([0, 0, 1, 2], ["gcn", "sage", "gat", "fc"])
                                         .valid_hash())
    # two parallel branches from the input: swapping them is the same network
    b = NbgArch((0, 0, 0, 0), ("gcn", "sage", "gat", "fc"))
    c = NbgArch((0, 0, 0, 0), ("fc", "gat", "sage", "gcn"))
    assert b.canonical_hash() == c.canonical_hash()
    assert space.candidate(space.encode(b)).hash == space.candidate(space.encode(c)).hash


def test_encode_brings_other_link_patterns_to_the_canonical_ones():
    space = NasBenchGraphSpace("cora")
    odd = NbgArch((0, 0, 0, 2), ("gcn", "sage", "gat", "fc"))
    assert odd.link not in link_patterns()
    choices = space.encode(odd)
    assert space.decode(choices).canonical_hash() == odd.canonical_hash()


@pytest.mark.parametrize("arch", [
    NbgArch((0, 0, 0, 0), ("skip",) * 4),
    NbgArch((0, 0, 0, 0), ("gcn", "gcn", "gcn", "gin")),  # gin is not an op of proteins
    "not an arch",
])
def test_encode_rejects_what_is_not_in_the_space(arch):
    space = NasBenchGraphSpace("proteins")
    assert not space.contains(arch)
    with pytest.raises(ValueError):
        space.encode(arch)


def test_objective_scores_valid_perf_and_keeps_test_for_the_report():
    space = NasBenchGraphSpace("citeseer")
    objective = NasBenchGraphObjective("citeseer")
    cand = space.sample(np.random.default_rng(1))
    row = load_table("citeseer")[int(cand.hash)]
    out = objective(cand.arch.to_json(None), 0)
    assert out["status"] == "ok" and out["score"] == row["valid_perf"]
    assert out["metrics"]["test"] == row["perf"]
    assert out["metrics"]["latency"] == row["latency"]
    assert objective.best_valid() == max(r["valid_perf"] for r in load_table("citeseer")
                                         .values())
    bad = objective(json.dumps({"link": [0, 0, 0, 0], "ops": ["skip"] * 4}), 0)
    assert bad["status"] == "failed" and bad["score"] is None
    assert objective("{}", 0)["status"] == "failed"


def test_table_is_read_once():
    load_table.cache_clear()
    first = load_table("pubmed")
    assert load_table("pubmed") is first
    assert load_table.cache_info().hits >= 1


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown NAS-Bench-Graph data set 'imagenet'"):
        NasBenchGraphSpace("imagenet")
    with pytest.raises(ValueError, match="unknown NAS-Bench-Graph data set"):
        NasBenchGraphObjective("imagenet")
