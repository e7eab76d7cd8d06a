"""The architecture graph (genotype): plain data, validation, JSON, canonical hash, drawings.

This package never imports torch.
"""

from .canonical import canonical_hash, isomorphism
from .core import Edge, Graph, MemoryLink, Node, make_graph
from .draw import DrawingError, render, summary, to_dot, to_svg
from .errors import GraphError
from .examples import example_names, load_example
from .ops import GATES, MERGES, OPS, OpSpec, Param, mixes_time, resolve_params
from .serialize import from_dict, from_json, load, save, to_dict, to_json
from .shapes import Component, infer_shapes, schedule, validate
from .specs import InputSpec, OutputSpec, Shape, parse_input_spec

__all__ = [
    "GATES", "MERGES", "OPS", "Component", "DrawingError", "Edge", "Graph", "GraphError",
    "InputSpec", "MemoryLink", "Node", "OpSpec", "OutputSpec", "Param", "Shape",
    "canonical_hash", "example_names", "from_dict", "from_json", "infer_shapes", "isomorphism",
    "load",
    "load_example", "make_graph", "mixes_time", "parse_input_spec", "render", "resolve_params",
    "save",
    "schedule", "summary",
    "to_dict", "to_dot", "to_json", "to_svg", "validate",
]
