"""JSON round trips, and clear errors for files that are not graphs."""

import json

import pytest

from graphnas.graph import (
    GraphError,
    example_names,
    from_json,
    load,
    load_example,
    save,
    to_dict,
    to_json,
)


@pytest.mark.parametrize("name", example_names())
def test_round_trip_of_every_example(name, tmp_path):
    g = load_example(name)
    assert from_json(to_json(g)) == g
    assert load(save(g, tmp_path / "g.json")) == g
    assert to_dict(g)["version"] == 1 and to_dict(g)["schema"] == "graphnas.graph"


def test_examples_cover_the_required_kinds():
    assert {"mlp", "cnn1d", "residual_block", "branching_concat", "elman_rnn", "gru",
            "lstm"} <= set(example_names())


def _broken(**change) -> str:
    d = to_dict(load_example("elman_rnn"))
    d.update(change)
    return json.dumps(d)


@pytest.mark.parametrize("text,expected", [
    (_broken(version=2), "unsupported graph version 2"),
    (_broken(schema="other"), "not a graphnas graph"),
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    (_broken(nodes=[{"op": "relu"}]), "missing field 'id'"),
    (_broken(edges="x->a"), "'edges' must be a list"),
    (_broken(nodes=[{"id": "a", "op": "relu", "params": {"p": [1]}}]), "parameter values"),
    (_broken(edges=[{"src": "x", "dst": "pre", "port": "1"}]), "integer port"),
])
def test_malformed_files_are_rejected_clearly(text, expected):
    with pytest.raises(GraphError, match=expected):
        from_json(text, "g.json")


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(GraphError, match="no such file"):
        load(tmp_path / "absent.json")


def test_loading_never_evaluates_code(tmp_path):
    p = tmp_path / "evil.json"
    p.write_text('{"schema": "graphnas.graph", "version": 1, "__import__": "os"}')
    with pytest.raises(GraphError, match="missing field"):
        load(p)


def test_unknown_example():
    with pytest.raises(GraphError, match="no example graph 'nope'"):
        load_example("nope")
