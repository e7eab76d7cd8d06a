"""Trained models on disk: the state dict, the graph JSON and the specs; loaded weights-only."""

from __future__ import annotations

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
