"""The blocks space (PNAS cells): every sequence decodes, builds and runs; cells grow block by
block; equivalent cells hash the same."""

import numpy as np
import pytest
import torch

from graphnas.graph import InputSpec, OutputSpec, infer_shapes
from graphnas.nn import build
from graphnas.spaces import get_space

TASKS = {
    "sequence": (InputSpec("sequence", (40, 1)), OutputSpec("classes", 10)),
    "image": (InputSpec("image", (1, 8, 8)), OutputSpec("classes", 10)),
    "vector": (InputSpec("vector", (10,)), OutputSpec("regression", 1)),
    "tokens": (InputSpec("tokens", (21,), vocab=10), OutputSpec("sequence_classes", 9)),
}


def _input(spec):
    return (torch.randint(0, 10, (2, *spec.dims)) if spec.layout == "tokens"
            else torch.randn(2, *spec.dims))


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("cells", [1, 3])
def test_samples_validate_and_round_trip(task, cells):
    spec, out = TASKS[task]
    space = get_space("blocks", spec, out, cells=cells)
    rng = np.random.default_rng(0)
    sizes = set()
    for _ in range(150):
        c = space.sample(rng)
        infer_shapes(c.arch, spec)
        assert space.decode(space.encode(c.arch)) == c.arch
        sizes.add(space.n_blocks_of(c.choices))
    assert sizes == {1, 2, 3, 4, 5}  # fewer-block cells are members too


@pytest.mark.parametrize("task", TASKS)
def test_cells_of_every_size_build_and_run(task):
    spec, out = TASKS[task]
    space = get_space("blocks", spec, out, blocks=3)
    rng = np.random.default_rng(1)
    cell = space.one_block_cells()[int(rng.integers(len(space.one_block_cells())))]
    for _ in range(3):
        m = build(space.decode(cell), spec, out)
        y = m(_input(spec))
        assert torch.isfinite(y).all() and y.shape[0] == 2
        grown = space.extensions(cell)
        cell = grown[int(rng.integers(len(grown)))] if grown else cell
    assert space.extensions(cell) == []  # three blocks: the most


def test_extensions_add_one_block_and_keep_the_rest():
    spec, out = TASKS["sequence"]
    space = get_space("blocks", spec, out, blocks=4)
    first = space.one_block_cells()
    n_pairs = 2 * len(space.ops)
    assert len(first) == n_pairs * (n_pairs + 1) // 2  # each unordered pair of pairs once
    parent = first[5]
    for child in space.extensions(parent):
        assert space.valid_choices(child)
        assert space.n_blocks_of(child) == 2
        assert space.blocks_of(child)[0] == space.blocks_of(parent)[0]
    assert {b[0] for c in space.extensions(parent) for b in space.blocks_of(c)[1:]} >= {"b0"}


def test_equivalent_cells_share_hash_and_key():
    spec, out = TASKS["image"]
    space = get_space("blocks", spec, out, blocks=3, cells=2)
    ops = {o: k for k, o in enumerate(space.ops)}
    # b0 = conv3(h0) + relu(h1), b1 = conv5(h1) + identity(h0), both concatenated
    a = (1, 0, ops["conv3"], 1, ops["relu"], 1, ops["conv5"], 0, ops["identity"])
    pairs_swapped = (1, 1, ops["relu"], 0, ops["conv3"], 0, ops["identity"], 1, ops["conv5"])
    blocks_swapped = (1, 1, ops["conv5"], 0, ops["identity"], 0, ops["conv3"], 1, ops["relu"])
    other = (1, 0, ops["conv3"], 1, ops["relu"], 1, ops["conv5"], 2, ops["identity"])
    cands = [space.candidate(c) for c in (a, pairs_swapped, blocks_swapped, other)]
    assert cands[0].hash == cands[1].hash == cands[2].hash != cands[3].hash
    keys = [space.cell_key(c) for c in (a, pairs_swapped, blocks_swapped, other)]
    assert keys[0] == keys[1] == keys[2] != keys[3]


def test_structure_features_and_settings():
    spec, out = TASKS["vector"]
    space = get_space("blocks", spec, out, blocks=2, ops=["linear", "relu"])
    f = space.structure_features((1, 0, 0, 1, 1, 2, 0, 2, 1))  # b1 = linear(b0) + relu(b0)
    assert f["blocks"] == 2 and f["depth"] == 2 and f["outputs"] == 1
    assert f["ops.linear"] == 2 and f["ops.relu"] == 2 and f["from_h1"] == 1
    assert space.size() == 4**2 + 4**2 * 6**2  # (2 inputs x 2 ops)^2, then times (3 x 2)^2
    assert get_space("blocks", spec, out, blocks=1, ops=["relu"]).size() == 4
    with pytest.raises(ValueError, match="unknown vector ops"):
        get_space("blocks", spec, out, ops=["conv3"])
    with pytest.raises(ValueError, match="bad setting"):
        get_space("blocks", spec, out, n_blocks=3)
    with pytest.raises(ValueError):
        space.encode(get_space("cell", spec, out).sample(np.random.default_rng(0)).arch)
