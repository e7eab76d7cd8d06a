"""Trained models on disk: the state dict, the graph JSON and the specs; loaded weights-only.
And training checkpoints: where a run stopped, as bytes, so that a longer run goes on from it.

A training checkpoint holds the last weights, the optimizer's state, the step, the batch
order (the data generator's state, the current permutation and the cursor in it), the dropout
generator's state, the best validation score and weights so far, the evaluations without
improvement and the curve: everything :func:`graphnas.training.train` needs to continue
exactly as an uninterrupted run would (on a CPU; on a GPU, to float tolerance). It travels as
bytes (a trial's result, a promoted trial's payload) and is read back weights-only.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import torch

from graphnas.graph import Graph, InputSpec, OutputSpec, load, save
from graphnas.nn import build


def save_model(folder: str | Path, module: torch.nn.Module, graph: Graph) -> Path:
    """Write ``model.pt`` (state dict), ``graph.json`` and ``spec.json`` into ``folder``."""
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.detach().cpu() for k, v in module.state_dict().items()}, d / "model.pt")
    save(graph, d / "graph.json")
    plan = module.plan
    spec = {"input": plan["input"], "output": plan["output"], "ticks": plan["ticks"]}
    (d / "spec.json").write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    return d


def load_model(folder: str | Path, device: str = "cpu") -> torch.nn.Module:
    """Rebuild the module from ``graph.json`` and ``spec.json`` and load ``model.pt`` with
    ``weights_only=True`` (no pickled code is ever run)."""
    d = Path(folder)
    spec = json.loads((d / "spec.json").read_text(encoding="utf-8"))
    module = build(load(d / "graph.json"), InputSpec.from_dict(spec["input"]),
                   OutputSpec.from_dict(spec["output"]), spec.get("ticks", 4))
    state = torch.load(d / "model.pt", map_location=device, weights_only=True)
    module.load_state_dict(state)
    return module.to(device).eval()


def save_state(**parts) -> bytes:
    """A training checkpoint (tensors moved to the CPU) as bytes."""
    buf = io.BytesIO()
    torch.save(_to_cpu(parts), buf)
    return buf.getvalue()


def load_state(data: bytes, device: str | torch.device = "cpu") -> dict:
    """A checkpoint from :func:`save_state`, its tensors on ``device`` (generator states stay
    on the CPU), read with ``weights_only=True``."""
    parts = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    for key in ("model", "best_model"):
        if parts.get(key) is not None:
            parts[key] = {k: v.to(device) for k, v in parts[key].items()}
    return parts


def _to_cpu(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu()
    if isinstance(x, dict):
        return {k: _to_cpu(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_to_cpu(v) for v in x)
    return x
