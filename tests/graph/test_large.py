"""Long graphs: validation, shapes and hashing neither recurse per node nor blow up (issue 31)."""

import sys
from contextlib import contextmanager

import pytest

from graphnas.graph import (
    GraphError,
    MemoryLink,
    Node,
    canonical_hash,
    from_json,
    load,
    make_graph,
    parse_input_spec,
    validate,
)

N = 20_000


def _chain(n: int, prefix: str = "r"):
    ids = [f"{prefix}{i}" for i in range(n)]
    edges = list(zip(["x", *ids[:-1]], ids, strict=True))
    return make_graph(["x"], [Node(i, "relu") for i in ids], edges, ids[-1])


@contextmanager
def _shallow_stack(extra: int = 150):
    """Allow only ``extra`` frames beyond the caller's: recursion per node would fail here."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + extra)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


@pytest.fixture(scope="module")
def chain():
    return _chain(N)


def test_a_long_chain_validates_with_its_shapes_without_deep_recursion(chain):
    with _shallow_stack():
        shapes = validate(chain, parse_input_spec("vector:16"))
    assert len(shapes) == N + 1
    assert shapes[f"r{N - 1}"] == shapes["x"]


def test_a_long_chain_hashes_without_deep_recursion_and_as_its_relabelling(chain):
    with _shallow_stack():
        h = canonical_hash(chain)
    relabelled = _chain(N, prefix="n")
    relabelled = make_graph(["x"], reversed(relabelled.nodes), reversed(relabelled.edges),
                            relabelled.output)
    assert h == canonical_hash(relabelled)
    assert h != canonical_hash(_chain(N - 1))


def test_a_long_chain_with_a_memory_link_at_every_node_validates_and_hashes():
    ids = [f"r{i}" for i in range(N)]
    nodes = [Node(i, "relu", merge="add") for i in ids[1:-1]]
    nodes = [Node(ids[0], "relu"), *nodes, Node(ids[-1], "relu")]
    edges = list(zip(["x", *ids[:-1]], ids, strict=True))
    links = [MemoryLink(ids[i], ids[i - 1]) for i in range(2, N)]
    g = make_graph(["x"], nodes, edges, ids[-1], memory=links)
    with _shallow_stack():
        shapes = validate(g, parse_input_spec("vector:16"))
        canonical_hash(g)
    assert len(shapes) == N + 1


@pytest.mark.parametrize("opener", ["[", '{"a": '])
def test_deeply_nested_json_is_a_graph_error_of_one_line(tmp_path, opener):
    text = opener * 100_000
    with pytest.raises(GraphError) as err:
        from_json(text, "x.json")
    assert str(err.value) == "x.json: nested too deeply to be a graph"
    path = tmp_path / "deep.json"
    path.write_text(text)
    with pytest.raises(GraphError, match=r"deep\.json: nested too deeply") as err:
        load(path)
    assert "\n" not in str(err.value)
