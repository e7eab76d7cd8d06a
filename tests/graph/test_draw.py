"""Drawings and the text summary."""

import shutil

import pytest

from graphnas.graph import (
    DrawingError,
    InputSpec,
    example_names,
    load_example,
    render,
    summary,
    to_dot,
)

SEQ = InputSpec("sequence", (40, 1))


def test_dot_marks_memory_links_and_merges():
    dot = to_dot(load_example("gru"), SEQ)
    memory_lines = [line for line in dot.splitlines() if "style=dashed" in line]
    assert len(memory_lines) == 4 and all("memory (none)" in x for x in memory_lines)
    assert "merge: interp" in dot and "sequence(T=40, C=16)" in dot
    gated = to_dot(load_example("conv_recurrent"))
    assert "memory (gru)" in gated


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is installed by `make`")
@pytest.mark.parametrize("name", example_names())
@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_every_example_draws(name, suffix, tmp_path):
    out = render(load_example(name), tmp_path / f"{name}{suffix}")
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data


def test_missing_graphviz_is_reported(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda _: None)
    with pytest.raises(DrawingError, match="apt-get install graphviz"):
        render(load_example("mlp"), tmp_path / "g.svg")


def test_unknown_drawing_format(tmp_path):
    with pytest.raises(DrawingError, match="unknown drawing format"):
        render(load_example("mlp"), tmp_path / "g.jpg")


def test_summary_lists_nodes_inputs_and_shapes():
    text = summary(load_example("elman_rnn"), SEQ)
    assert "concat(x, h@t-1)" in text
    assert "sequence(T=40, C=32)" in text and "tanh *" in text
