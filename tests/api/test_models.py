"""graphnas.api.models: train a graph file, then export it, through the Python API."""

import json
from pathlib import Path

import pytest

from graphnas.api.models import (
    EXPORT_FORMATS,
    TrainReport,
    export_model,
    load_task,
    model_folder,
    train_graph,
)

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "graphnas"
MLP = SHIPPED / "examples" / "mlp.json"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    rows = "\n".join(f"{i % 5},{(i * 7) % 11},{int((i % 5) > 2)}" for i in range(200))
    (folder / "d.csv").write_text("a,b,label\n" + rows + "\n")
    report = train_graph(MLP, data=folder / "d.csv", target="label", steps=30, device="cpu",
                         save=folder / "model")
    return folder, report


def test_train_reports_plain_data_and_saves_the_model(trained):
    folder, r = trained
    assert isinstance(r, TrainReport) and r.saved == folder / "model"
    assert (r.name, r.metric, r.steps, r.device) == ("mlp", "accuracy", 30, "cpu")
    assert 0 <= r.valid_metric <= 1 and 0 <= r.test_metric <= 1
    summary = r.summary()
    assert {"valid_metric", "test_metric", "params", "seconds", "step_mode"} <= set(summary)
    json.dumps(summary)
    assert {p.name for p in r.saved.iterdir()} >= {"model.pt", "graph.json", "spec.json"}


@pytest.mark.parametrize("fmt,suffix", [("py", ".py"), ("torchscript", ".ts"),
                                        ("json", ".json")])
def test_export_a_saved_model(trained, fmt, suffix, monkeypatch):
    folder, r = trained
    out = export_model(r.saved, fmt, folder / f"m{suffix}")
    assert out == folder / f"m{suffix}" and out.stat().st_size > 0
    monkeypatch.chdir(folder)  # the default name
    assert export_model(r.saved, fmt) == Path(f"model{suffix}")
    assert (folder / f"model{suffix}").exists()


def test_export_a_graph_file(tmp_path):
    out = export_model(MLP, "json", tmp_path / "g.json")
    assert json.loads(out.read_text())["name"] == "mlp"
    with pytest.raises(ValueError, match="give --task or --data"):
        export_model(MLP, "onnx", tmp_path / "g.onnx")


@pytest.mark.parametrize("fmt", ["py", "torchscript", "onnx"])
def test_a_graph_file_exports_with_fresh_weights_for_a_task(tmp_path, fmt):
    notes: list[str] = []
    out = export_model(MLP, fmt, tmp_path / f"g.{fmt}", task="diabetes", say=notes.append)
    assert out.stat().st_size > 0
    assert notes == ["note: mlp.json exported with fresh, untrained weights (seed 0)"]


def test_where_the_weights_are(tmp_path, trained):
    assert model_folder(MLP) is None
    assert model_folder(trained[1].saved) == trained[1].saved
    (tmp_path / "run" / "best").mkdir(parents=True)
    assert model_folder(tmp_path / "run") == tmp_path / "run" / "best"
    with pytest.raises(ValueError, match="no best/ folder"):
        export_model(tmp_path, "py")


@pytest.mark.parametrize("call,message", [
    (lambda: export_model(MLP, "xls"), "unknown export format 'xls'"),
    (lambda: load_task("digits", data="d.csv"), "not both"),
    (lambda: load_task("mnist2d"), "unknown task 'mnist2d'"),
    (lambda: train_graph(SHIPPED / "baselines" / "mnist1d_cnn.json", task="digits", steps=5),
     "takes sequence input"),
    (lambda: train_graph(SHIPPED / "baselines" / "digits_cnn.json", task="digits", steps=5,
                         precision="fp8"),
     "unknown precision 'fp8'"),
    (lambda: train_graph("missing.json", task="digits"), "no such file"),
])
def test_bad_input_is_a_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
    assert set(EXPORT_FORMATS) == {"json", "py", "torchscript", "onnx", "svg", "png"}
