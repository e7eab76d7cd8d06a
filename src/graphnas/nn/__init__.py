"""The phenotype: graphs built into PyTorch modules, and their exports.

``build(graph, input_spec, output_spec, ticks=4)`` returns a ``torch.nn.Module`` whose
``forward(x)`` takes the task's batched input:

- sequence (T, C) as (B, T, C); image (C, H, W) as (B, C, H, W); vector (F,) as (B, F);
  tokens (T,) as (B, T) integer ids.

Head rule (the graph's output node feeds a linear head the builder adds):

- ``classes`` / ``regression`` give (B, size): a sequence output node gives its last time step,
  an image output node is flattened, a vector is taken as is;
- ``sequence_classes`` / ``sequence_regression`` give (B, T, size), one prediction per step of a
  sequence output node (any other layout is refused).

Merge rule: add, mul, mean, max and interp give every input narrower than the widest a learned
channel projection to the widest; concat joins channels (inputs ordered by port, forward edges
before memory links). Memory links deliver the source's value of the previous step (zeros at the
start) through their gate: none, sigmoid (``sigmoid(W [u, m]) * m``) or gru
(``z * m + (1 - z) * V u`` with ``z = sigmoid(W [u, m])``), ``u`` being the node's forward
inputs. Shapes come from ``graphnas.graph.infer_shapes``, cycles from ``graphnas.graph.schedule``:
a cycle over a sequence runs step by step, one without a time axis for ``ticks`` iterations.

Exports: :func:`export_python` (one torch-only .py), :func:`export_torchscript`,
:func:`export_onnx` (see ``graphnas.nn.export`` for the sequence lengths each takes).
Counting: :func:`count_params`, :func:`count_flops` (per sample, one forward pass).
Inheritance: :func:`inherit_state` maps a parent's trained weights onto a child graph (a network
morphism's child starts as the parent's function), :func:`max_output_difference` checks it;
:func:`renamed_state` moves weights onto an isomorphic graph (other node ids or input order).
"""

from .build import build
from .counting import count_flops, count_params, example_input
from .export import export_onnx, export_python, export_torchscript
from .inherit import inherit_state, max_output_difference
from .layers import OPS
from .module import GraphModule
from .plan import make_plan
from .renaming import renamed_state

__all__ = ["OPS", "GraphModule", "build", "count_flops", "count_params", "example_input",
           "export_onnx", "export_python", "export_torchscript", "inherit_state", "make_plan",
           "max_output_difference", "renamed_state"]
