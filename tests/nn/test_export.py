"""Exports give the same numbers as the built module (the generated model.py: test_codegen)."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from graphnas.graph import InputSpec, OutputSpec, load_example
from graphnas.nn import build, count_flops, count_params
from graphnas.nn.export import (
    export_onnx,
    export_python,
    export_torchscript,
    loops_over_time,
    time_is_dynamic,
)

CASES = [
    ("gru", InputSpec("sequence", (12, 2))),
    ("lstm", InputSpec("sequence", (12, 2))),
    ("conv_recurrent", InputSpec("sequence", (12, 2))),
    ("residual_block", InputSpec("sequence", (12, 2))),
    ("branching_concat", InputSpec("sequence", (12, 2))),
    ("cnn2d", InputSpec("image", (1, 8, 8))),
    ("mlp", InputSpec("vector", (6,))),
    ("elman_rnn", InputSpec("vector", (6,))),  # a memory cycle run for a fixed number of ticks
]


def _module(name, spec):
    torch.manual_seed(0)
    return build(load_example(name), spec, OutputSpec("classes", 3)).eval()


def _x(spec, batch=4, length=None):
    dims = spec.dims if length is None else (length, *spec.dims[1:])
    return torch.randn(batch, *dims, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("name,spec", CASES)
def test_torchscript(name, spec, tmp_path):
    m = _module(name, spec)
    loaded = torch.jit.load(str(export_torchscript(m, tmp_path / "model.ts")))
    x = _x(spec, batch=3)  # a batch size other than the traced one
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


def test_standalone_python_from_a_graph_runs_in_a_fresh_interpreter(tmp_path):
    spec, out = InputSpec("sequence", (9, 2)), OutputSpec("sequence_classes", 3)
    export_python(load_example("lstm"), tmp_path / "lstm.py", spec, out)
    torch.manual_seed(3)
    m = build(load_example("lstm"), spec, out).eval()
    torch.save(m.state_dict(), tmp_path / "model.pt")
    x = _x(spec, batch=2)
    torch.save(x, tmp_path / "x.pt")
    code = ("import sys, torch; sys.path.insert(0, sys.argv[1]); import lstm; "
            "m = lstm.make_model().eval(); "
            "m.load_state_dict(torch.load(sys.argv[1] + '/model.pt', weights_only=True)); "
            "torch.save(m(torch.load(sys.argv[1] + '/x.pt')), sys.argv[1] + '/y.pt'); "
            "print(any(k.startswith('graphnas') for k in sys.modules))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-I", "-c", code, str(tmp_path)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, check=True)
    assert done.stdout.strip() == "False"
    assert torch.allclose(torch.load(tmp_path / "y.pt"), m(x), atol=1e-5)


def test_export_python_needs_specs_for_a_graph(tmp_path):
    with pytest.raises(ValueError, match="input_spec"):
        export_python(load_example("mlp"), tmp_path / "m.py")


@pytest.mark.filterwarnings("ignore")
def test_sequence_lengths_of_the_exports(tmp_path):
    """Loop over time: unrolled for T, other lengths refused. No loop: any length."""
    ort = pytest.importorskip("onnxruntime")
    spec = InputSpec("sequence", (12, 2))
    gru, conv = _module("gru", spec), _module("branching_concat", spec)
    assert loops_over_time(gru) and not time_is_dynamic(gru) and time_is_dynamic(conv)
    assert not time_is_dynamic(_module("cnn1d", spec))  # its flatten fixes the length
    x_long = _x(spec, batch=2, length=20)
    ts_gru = torch.jit.load(str(export_torchscript(gru, tmp_path / "gru.ts")))
    with pytest.raises(Exception, match="unrolled for sequences of length 12"):
        ts_gru(x_long)
    ts_conv = torch.jit.load(str(export_torchscript(conv, tmp_path / "conv.ts")))
    assert torch.allclose(ts_conv(x_long), conv(x_long), atol=1e-6)
    onnx_conv = ort.InferenceSession(str(export_onnx(conv, tmp_path / "conv.onnx")))
    y = onnx_conv.run(None, {"x": x_long.numpy()})[0]
    assert np.abs(y - conv(x_long).detach().numpy()).max() <= 1e-4
    sess = ort.InferenceSession(str(export_onnx(gru, tmp_path / "gru.onnx")))
    with pytest.raises(Exception, match="(?i)dimension|shape"):
        sess.run(None, {"x": x_long.numpy()})


def test_parameter_and_flop_counts():
    spec = InputSpec("vector", (6,))
    m = _module("mlp", spec)
    assert count_params(m) == (6 * 64 + 64) + (64 * 64 + 64) + (64 * 3 + 3)
    assert count_flops(m, spec) == 2 * (6 * 64 + 64 * 64 + 64 * 3)


def test_flops_of_a_loop_grow_with_its_length():
    short, long = InputSpec("sequence", (10, 2)), InputSpec("sequence", (20, 2))
    f_short, f_long = (count_flops(_module("gru", s), s) for s in (short, long))
    # per step: r/z (2+16 -> 16 each), hn (16 -> 16), xn (2 -> 16); head 16 -> 3 once
    per_step = 2 * (2 * 18 * 16 + 16 * 16 + 2 * 16)
    assert f_long - f_short == 10 * per_step
    assert f_short == 10 * per_step + 2 * 16 * 3
