"""Exports of a built network: standalone PyTorch source, TorchScript and ONNX.

Sequence lengths each export takes:

- standalone ``.py`` (readable generated PyTorch, see ``graphnas.nn.codegen``): any length, like
  the built module (its loops run over the input's time axis).
- TorchScript: the network is *traced* (``torch.jit.trace``), not scripted: ``GraphModule`` walks
  a plan held in Python dicts and lists and calls nodes through bound methods, which
  ``torch.jit.script`` cannot compile, while a trace records just the tensor ops that run. A
  memory cycle over time is therefore unrolled for the task's length T; such a network is wrapped
  in a small scripted guard that refuses any other length (instead of silently reading only T
  steps). A network without a cycle over time takes any length the graph allows.
- ONNX (``torch.onnx.export``, the TorchScript-based exporter, ``dynamo=False``): the batch axis
  is dynamic; the time axis is dynamic too when no cycle runs over time and no flatten consumes
  the sequence, and fixed at T otherwise (onnxruntime refuses other lengths).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from graphnas.extras import require
from graphnas.graph import Graph, InputSpec, OutputSpec

from .build import build
from .codegen import model_source
from .counting import example_input
from .module import GraphModule


def export_python(module_or_graph: GraphModule | Graph, path: str | Path,
                  input_spec: InputSpec | None = None, output_spec: OutputSpec | None = None,
                  ticks: int = 4) -> Path:
    """Write one readable .py file defining ``make_model()`` with torch alone.

    Args:
        module_or_graph: a built network, or a graph (then give the specs; it is built first).
        path: the file to write.
        input_spec, output_spec, ticks: as for :func:`graphnas.nn.build`, for a graph only.

    The file's network takes the state_dict of the built one and gives the same outputs (to
    float rounding).
    """
    module = module_or_graph
    if isinstance(module_or_graph, Graph):
        if input_spec is None or output_spec is None:
            raise ValueError("export_python: a graph needs input_spec and output_spec")
        module = build(module_or_graph, input_spec, output_spec, ticks)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(model_source(module.plan), encoding="utf-8")
    return p


def _example(module: GraphModule) -> torch.Tensor:
    spec = InputSpec.from_dict(module.plan["input"])
    device = next(module.parameters()).device
    return example_input(spec, batch=2).to(device)


def loops_over_time(module: GraphModule) -> bool:
    """Whether a memory cycle runs over time steps (exports then fix the length)."""
    return any(c["over_time"] and c["cyclic"] for c in module.plan["components"])


def time_is_dynamic(module: GraphModule) -> bool:
    """Whether exports may take any sequence length: a time axis, no loop over it, no flatten."""
    plan = module.plan
    if plan["input"]["layout"] not in ("sequence", "tokens") or loops_over_time(module):
        return False
    return not any(n["op"] == "flatten" and n["site"]["layout"] == "sequence"
                   for n in plan["nodes"].values())


class _FixedLength(nn.Module):
    """Refuses inputs whose time axis is not the length a traced loop was unrolled for."""

    def __init__(self, inner: nn.Module, length: int) -> None:
        super().__init__()
        self.inner = inner
        self.length = length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] != self.length:
            raise ValueError("this export was unrolled for sequences of length "
                             + str(self.length))
        return self.inner(x)


def to_torchscript(module: GraphModule) -> torch.jit.ScriptModule:
    """The traced network (guarded to the task's length when a loop runs over time)."""
    was = module.training
    module.eval()
    try:
        traced = torch.jit.trace(module, (_example(module),), check_trace=False)
    finally:
        module.train(was)
    if loops_over_time(module):
        return torch.jit.script(_FixedLength(traced, int(module.plan["length"])))
    return traced


def export_torchscript(module: GraphModule, path: str | Path) -> Path:
    """Save :func:`to_torchscript` (load with ``torch.jit.load``)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    torch.jit.save(to_torchscript(module), str(p))
    return p


def export_onnx(module: GraphModule, path: str | Path, opset: int = 17) -> Path:
    """ONNX through torch.onnx (TorchScript-based exporter), input ``x`` and output ``y``."""
    require("onnx", "onnx", "ONNX export")  # torch.onnx writes the file with it
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    axes = {"x": {0: "batch"}, "y": {0: "batch"}}
    if time_is_dynamic(module):
        axes["x"][1] = "time"
        if module.plan["head"]["mode"] == "per_step":
            axes["y"][1] = "time"
    was = module.training
    module.eval()
    try:
        torch.onnx.export(module, (_example(module),), str(p), input_names=["x"],
                          output_names=["y"], opset_version=opset, dynamo=False,
                          dynamic_axes=axes)
    finally:
        module.train(was)
    return p
