"""graphnas.api.graphs: validate, draw and the demo, through the Python API."""

from pathlib import Path

import pytest

from graphnas.api.graphs import check_graph, draw_graph, write_demo
from graphnas.graph import load

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "graphnas" / "examples"


def test_check_graph_returns_its_summary():
    text = check_graph(EXAMPLES / "gru.json", "sequence:40x1")
    assert "node" in text and "T=40" in text  # shapes shown with an input spec
    assert "node" in check_graph(EXAMPLES / "mlp.json")


def test_draw_graph_writes_the_file(tmp_path):
    assert draw_graph(EXAMPLES / "gru.json", tmp_path / "g.dot") == tmp_path / "g.dot"
    assert "digraph" in (tmp_path / "g.dot").read_text()


@pytest.mark.parametrize("graph,spec,message", [
    ("mlp.json", "image:1x8x8", "takes vector or sequence input"),
    ("mlp.json", "sequence:4xq", "bad input spec"),
    ("missing.json", None, "no such file"),
])
def test_bad_graphs_and_specs_are_value_errors(graph, spec, message):
    with pytest.raises(ValueError, match=message):  # the CLI's exit 2
        check_graph(EXAMPLES / graph, spec)


def test_demo_writes_the_gru_and_its_drawing(tmp_path):
    d = write_demo(tmp_path / "demo")
    assert d.graph_file == tmp_path / "demo" / "gru.json" and d.drawing.suffix == ".svg"
    assert load(d.graph_file).canonical_hash() == d.hash
    assert b"<svg" in d.drawing.read_bytes() and "node" in d.summary
