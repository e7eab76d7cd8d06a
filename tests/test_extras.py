"""Optional dependencies: without an extra, the feature that needs it stops with one line naming
the ``pip install`` to run (exit code 2), and everything else works."""

import logging
import sys

import pytest
import torch

from graphnas import extras
from graphnas.cli import main
from graphnas.extras import MissingExtra, require
from graphnas.graph import load_example


def block(monkeypatch, name: str) -> None:
    """Make graphnas's imports of ``name`` (and its submodules) fail as if it were not
    installed. Only graphnas.extras sees it: Ray, which other tests of the session may have
    started, goes on importing what it needs."""
    real = extras.import_module

    def import_module(module: str):
        if module == name or module.startswith(f"{name}."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(module)

    monkeypatch.setattr(extras, "import_module", import_module)


def cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["graphnas", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    return exit_.value.code, capsys.readouterr().err


def test_require_names_the_extra(monkeypatch):
    assert require("json", "ray", "anything").__name__ == "json"
    with pytest.raises(MissingExtra) as err:
        require("no_such_module.sub", "bench", "A benchmark")
    assert str(err.value) == "A benchmark needs no_such_module: pip install 'graphnas[bench]'"
    assert isinstance(err.value, ImportError) and isinstance(err.value, ValueError)


def test_search_on_ray_without_ray(monkeypatch, capsys, tmp_path):
    block(monkeypatch, "ray")
    code, err = cli(monkeypatch, capsys, "search", "--executor", "ray", "--task", "digits",
                    "--trials", "1", "--out", str(tmp_path / "run"))
    assert code == 2
    assert err == "graphnas: error: --executor ray needs ray: pip install 'graphnas[ray]'\n"
    assert not (tmp_path / "run").exists()  # refused before a run directory is made


def test_onnx_export_without_onnx(monkeypatch, capsys, tmp_path):
    graph = tmp_path / "mlp.json"
    graph.write_text(load_example("mlp").to_json())
    block(monkeypatch, "onnx")
    code, err = cli(monkeypatch, capsys, "export", str(graph), "--format", "onnx", "--task",
                    "diabetes", "--out", str(tmp_path / "m.onnx"))
    assert code == 2
    assert err.endswith("graphnas: error: ONNX export needs onnx: "
                        "pip install 'graphnas[onnx]'\n")
    assert not (tmp_path / "m.onnx").exists()


def test_nasbenchgraph_without_the_bench_extra(monkeypatch, capsys):
    block(monkeypatch, "nas_bench_graph")
    code, err = cli(monkeypatch, capsys, "bench", "nasbenchgraph", "--strategy", "random",
                    "--queries", "5", "--seeds", "1")
    assert code == 2
    assert err == ("graphnas: error: NAS-Bench-Graph needs nas_bench_graph: "
                   "pip install 'graphnas[bench]'\n")


def test_a_search_without_onnx_writes_best_but_model_onnx(monkeypatch, tmp_path, caplog):
    from graphnas.graph import InputSpec, OutputSpec
    from graphnas.methods.retrain import write_best
    from graphnas.nn import build
    from graphnas.training import Result

    graph = load_example("mlp")
    torch.manual_seed(0)
    module = build(graph, InputSpec("vector", (8,)), OutputSpec("classes", 3))
    block(monkeypatch, "onnx")
    with caplog.at_level(logging.INFO, logger="graphnas"):
        files = write_best(tmp_path, graph, Result("ok", module=module))
    assert "onnx" not in files and {"graph", "weights", "python"} <= set(files)
    assert not (tmp_path / "model.onnx").exists() and (tmp_path / "model.py").exists()
    assert "pip install 'graphnas[onnx]'" in caplog.text
