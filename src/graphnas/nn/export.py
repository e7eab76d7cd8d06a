"""Exports of a built network: standalone PyTorch source, TorchScript and ONNX.

Sequence lengths: the standalone .py module takes any length, like the built one. TorchScript
and ONNX exports are traced, so a memory cycle over time is unrolled for the length of the
example input (the task's T); the batch size stays dynamic in ONNX.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import torch
from torch import nn

from .counting import example_input
from .module import GraphModule

_RUNTIME = ("layers.py", "merges.py", "module.py")


def python_source(module: GraphModule) -> str:
    """One .py file that defines the network with torch alone (no graphnas import)."""
    parts = [
        f'"""Standalone PyTorch module exported by graphnas: {module.plan.get("name") or "graph"}'
        '.\n\nUsage::\n\n    model = make_model()\n    model.load_state_dict(torch.load("model.pt",'
        ' weights_only=True))\n"""\n',
        "import json\nimport math\n\nimport torch\nfrom torch import nn\n"
        "from torch.nn import functional as F\n",
    ]
    folder = resources.files("graphnas.nn")
    for name in _RUNTIME:
        lines = folder.joinpath(name).read_text(encoding="utf-8").splitlines()
        body = [line for line in lines if not line.startswith(("from .", "import ", "from torch"))]
        parts.append(f"\n# ---- {name} " + "-" * 60 + "\n" + "\n".join(body) + "\n")
    plan = json.dumps(module.plan, indent=1)
    parts.append(f"\nPLAN = json.loads(r'''{plan}''')\n\n\ndef make_model():\n"
                 "    \"\"\"A fresh network with this architecture (load the weights next).\"\"\"\n"
                 "    return GraphModule(PLAN)\n")
    return "".join(parts)


def export_python(module: GraphModule, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(python_source(module), encoding="utf-8")
    return p


def _example(module: GraphModule) -> torch.Tensor:
    from graphnas.graph import InputSpec

    spec = InputSpec.from_dict(module.plan["input"])
    device = next(module.parameters()).device
    return example_input(spec, batch=2).to(device)


def export_torchscript(module: GraphModule, path: str | Path) -> Path:
    """A traced TorchScript module (cycles over time unrolled for the task's length)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    was = module.training
    module.eval()
    try:
        traced = torch.jit.trace(module, (_example(module),), check_trace=False)
    finally:
        module.train(was)
    torch.jit.save(traced, str(p))
    return p


def export_onnx(module: nn.Module, path: str | Path, opset: int = 17) -> Path:
    """ONNX through torch.onnx (TorchScript-based exporter); the batch axis is dynamic."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    was = module.training
    module.eval()
    try:
        torch.onnx.export(module, (_example(module),), str(p), input_names=["x"],
                          output_names=["y"], opset_version=opset, dynamo=False,
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    finally:
        module.train(was)
    return p
