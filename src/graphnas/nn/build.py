"""``build(graph, input_spec, output_spec)``: a graph becomes a ``torch.nn.Module``."""

from __future__ import annotations

from torch import nn

from graphnas.graph import Graph, GraphError, InputSpec, OutputSpec

from .module import GraphModule
from .plan import make_plan


def build(graph: Graph, input_spec: InputSpec, output_spec: OutputSpec,
          ticks: int = 4) -> nn.Module:
    """Build a network from a graph; a pure function of its arguments (weights are drawn from
    torch's current generator: seed it with ``torch.manual_seed`` for reproducible weights).

    Args:
        graph: the architecture.
        input_spec: one sample of input: sequence (T, C) fed as (B, T, C); image (C, H, W) fed as
            (B, C, H, W); vector (F,) fed as (B, F); tokens (T,) fed as (B, T) integer ids.
        output_spec: classes/regression give (B, size); sequence_* kinds give (B, T, size).
            A sequence output node gives its last step (or every step for sequence_* kinds); an
            image output node is flattened; a linear head maps to ``size``.
        ticks: iterations of a memory cycle over inputs without a time axis.

    Raises:
        GraphError: the graph is invalid or does not fit the specs; the message names the node.
    """
    for node in graph.nodes:
        if "." in node.id or hasattr(_RESERVED, node.id):
            raise GraphError(f"node id {node.id!r} cannot name a PyTorch module (a '.', or a "
                             "name torch.nn.ModuleDict uses itself); rename the node")
    return GraphModule(make_plan(graph, input_spec, output_spec, ticks))


_RESERVED = nn.ModuleDict()  # its attributes (keys, items, training, ...) cannot be node ids
