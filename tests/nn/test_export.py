"""Exports give the same numbers as the built module."""

import importlib.util
import re

import numpy as np
import pytest
import torch

from graphnas.graph import InputSpec, OutputSpec, load_example
from graphnas.nn import build, count_flops, count_params
from graphnas.nn.export import export_onnx, export_python, export_torchscript

CASES = [
    ("gru", InputSpec("sequence", (12, 2))),
    ("lstm", InputSpec("sequence", (12, 2))),
    ("conv_recurrent", InputSpec("sequence", (12, 2))),
    ("residual_block", InputSpec("sequence", (12, 2))),
    ("branching_concat", InputSpec("sequence", (12, 2))),
    ("cnn2d", InputSpec("image", (1, 8, 8))),
    ("mlp", InputSpec("vector", (6,))),
]


def _module(name, spec):
    torch.manual_seed(0)
    return build(load_example(name), spec, OutputSpec("classes", 3)).eval()


def _x(spec, batch=4):
    return torch.randn(batch, *spec.dims, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("name,spec", CASES)
def test_standalone_python(name, spec, tmp_path):
    m = _module(name, spec)
    path = export_python(m, tmp_path / "model.py")
    source = path.read_text()
    assert not re.search(r"^\s*(import|from)\s+graphnas", source, re.M)
    mod_spec = importlib.util.spec_from_file_location("exported_model", path)
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    standalone = mod.make_model()
    standalone.load_state_dict(m.state_dict())
    standalone.eval()
    x = _x(spec)
    assert torch.equal(standalone(x), m(x))


@pytest.mark.parametrize("name,spec", CASES)
def test_torchscript(name, spec, tmp_path):
    m = _module(name, spec)
    loaded = torch.jit.load(str(export_torchscript(m, tmp_path / "model.ts")))
    x = _x(spec, batch=2)
    assert torch.allclose(loaded(x), m(x), atol=1e-6)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name,spec", CASES)
def test_onnx_matches_onnxruntime(name, spec, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    m = _module(name, spec)
    path = export_onnx(m, tmp_path / "model.onnx")
    x = _x(spec, batch=5)  # a batch size other than the traced one
    y = ort.InferenceSession(str(path)).run(None, {"x": x.numpy()})[0]
    assert np.abs(y - m(x).detach().numpy()).max() <= 1e-4


def test_parameter_and_flop_counts():
    spec = InputSpec("vector", (6,))
    m = _module("mlp", spec)
    assert count_params(m) == (6 * 64 + 64) + (64 * 64 + 64) + (64 * 3 + 3)
    assert count_flops(m, spec) == 2 * (6 * 64 + 64 * 64 + 64 * 3)
