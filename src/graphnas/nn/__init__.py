"""The phenotype: graphs built into PyTorch modules, and their exports."""

from .build import build
from .counting import count_flops, count_params, example_input
from .layers import OPS
from .module import GraphModule
from .plan import make_plan

__all__ = ["OPS", "GraphModule", "build", "count_flops", "count_params", "example_input",
           "make_plan"]
