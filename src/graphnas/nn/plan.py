"""From a graph and a task's specs to a plan: plain data that says what to build and run.

Everything that needs the graph package (validation, shapes, the schedule) happens here, so the
runtime (``layers``, ``merges``, ``module``) needs only torch; ``codegen`` writes the same plan
out as readable PyTorch.
"""

from __future__ import annotations

from typing import Any

from graphnas.graph import Graph, GraphError, InputSpec, OutputSpec, infer_shapes, schedule
from graphnas.graph.ops import mixes_time, resolve_params
from graphnas.graph.shapes import merged_shape
from graphnas.graph.specs import Shape


def ordered_inputs(graph: Graph, node_id: str) -> list[tuple[str, str, str | None]]:
    """A node's inputs as (kind, src, gate): by port, forward edges before memory links."""
    items = [(e.port, 0, i, ("edge", e.src, None)) for i, e in enumerate(graph.edges)
             if e.dst == node_id]
    items += [(m.port, 1, i, ("mem", m.src, m.gate)) for i, m in enumerate(graph.memory)
              if m.dst == node_id]
    return [x[3] for x in sorted(items)]


def _norm_shape(s: Shape) -> list[int]:
    if s.layout == "image":
        return list(s.dims)
    return [s.channels]


def _step_shape(s: Shape, over_time: bool) -> list[int]:
    if over_time or s.layout == "sequence":
        return [s.channels]
    return list(s.dims)


def _head(graph: Graph, out: Shape, output_spec: OutputSpec) -> dict[str, Any]:
    if output_spec.per_step:
        if out.layout != "sequence":
            raise GraphError(
                f"node {graph.output!r}: the task wants one output per time step, but the output "
                f"node gives {out}; end the graph on a sequence (no flatten or global pooling)"
            )
        return {"mode": "per_step", "c_in": out.channels}
    if out.layout == "sequence":
        return {"mode": "last", "c_in": out.channels}
    if out.layout == "image":
        c, h, w = out.dims
        return {"mode": "flatten", "c_in": c * h * w}
    if out.layout == "tokens":
        raise GraphError(f"node {graph.output!r}: the output cannot be raw tokens")
    return {"mode": "vector", "c_in": out.channels}


def _check_causal(graph: Graph) -> None:
    """A causal output (see OutputSpec) refuses ops that look across the time axis."""
    for node in graph.nodes:
        if mixes_time(node.op, node.params):
            raise GraphError(
                f"node {node.id!r} ({node.op}) mixes the time axis, so its output at a step sees "
                f"later steps, and this task's output at a step may only depend on earlier ones "
                f"(a language model); carry the past with memory links instead")


def make_plan(graph: Graph, input_spec: InputSpec, output_spec: OutputSpec,
              ticks: int = 4) -> dict[str, Any]:
    """The plan of a network; raises GraphError naming the node when the graph cannot be built."""
    if len(graph.inputs) != 1:
        raise GraphError(f"the builder takes graphs with one input, this one has "
                         f"{len(graph.inputs)}")
    if ticks < 1:
        raise GraphError("ticks must be at least 1")
    shapes = infer_shapes(graph, input_spec)
    if output_spec.causal:
        _check_causal(graph)
    comps = schedule(graph, shapes)
    over_time = {n: c.over_time for c in comps for n in c.nodes}
    nodes: dict[str, Any] = {}
    for node in graph.nodes:
        ins = ordered_inputs(graph, node.id)
        in_shapes = [shapes[src] for _, src, _ in ins]
        merged = merged_shape(node.id, node.merge, in_shapes)
        params = resolve_params(node.op, node.params)
        nodes[node.id] = {
            "op": node.op,
            "params": params,
            "merge": node.merge,
            "inputs": [[kind, src] for kind, src, _ in ins],
            "gates": [gate for _, _, gate in ins],
            "widths": [s.channels for s in in_shapes],
            "c_fwd": sum(shapes[src].channels for kind, src, _ in ins if kind == "edge"),
            "site": {"c_in": merged.channels, "layout": merged.layout,
                     "norm_shape": _norm_shape(merged), "vocab": input_spec.vocab},
            "step_shape": _step_shape(shapes[node.id], over_time[node.id]),
        }
    return {
        "input": input_spec.to_dict(),
        "output": output_spec.to_dict(),
        "inputs": list(graph.inputs),
        "output_id": graph.output,
        "ticks": ticks,
        "length": input_spec.dims[0] if input_spec.layout in ("sequence", "tokens") else 1,
        "nodes": nodes,
        "components": [{"nodes": list(c.nodes), "cyclic": c.cyclic, "over_time": c.over_time}
                       for c in comps],
        "head": _head(graph, shapes[graph.output], output_spec),
        "name": graph.name,
    }
