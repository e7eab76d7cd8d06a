"""The op vocabulary: every op a graph node may name, its parameters and the shape it produces.

This table is the single source of truth. The builder (``graphnas.nn``) implements exactly these
names, and a test keeps the two from drifting apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import expressions
from .specs import Shape


@dataclass(frozen=True)
class Param:
    """One op parameter: its type, default and allowed range (inclusive); a text parameter
    has a ``canonical`` function that spells a valid value canonically (ValueError if it is
    not valid)."""

    type: type
    default: Any
    low: float | None = None
    high: float | None = None
    canonical: Callable[[str], str] | None = None

    def check(self, value: Any) -> str | None:
        """Return what is wrong with ``value``, or None when it is allowed."""
        if self.type is str:
            if not isinstance(value, str):
                return f"must be text, got {value!r}"
            try:
                (self.canonical or str)(value)
            except ValueError as err:
                return str(err)
            return None
        if self.type is bool:
            ok = isinstance(value, bool)
        elif self.type is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok:
            return f"must be {self.type.__name__}, got {value!r}"
        if self.low is not None and value < self.low:
            return f"must be >= {self.low}, got {value!r}"
        if self.high is not None and value > self.high:
            return f"must be <= {self.high}, got {value!r}"
        return None


ShapeRule = Callable[[Shape, Mapping[str, Any]], Shape]


@dataclass(frozen=True)
class OpSpec:
    """An op of the vocabulary.

    Attributes:
        name: the name nodes use.
        params: parameter name -> Param.
        layouts: input layouts the op accepts.
        shape: (input shape, resolved params) -> output shape; raises ValueError on misfit.
        weighted: whether the op has learned weights (parameter-free ops matter to collapse guards).
        mixes_time: whether the op looks across time steps, so it cannot run one step at a time
            inside a memory cycle over a sequence.
        doc: one line for summaries and ``--help``.
    """

    name: str
    params: Mapping[str, Param]
    layouts: tuple[str, ...]
    shape: ShapeRule
    weighted: bool = False
    mixes_time: bool = False
    doc: str = ""
    category: str = field(default="layer")


_WIDTH = Param(int, 64, 1, 65536)
_KERNEL = Param(int, 3, 1, 31)
_STRIDE = Param(int, 1, 1, 8)
_DILATION = Param(int, 1, 1, 16)
_POOL_KERNEL = Param(int, 2, 1, 16)
_FEATURE_LAYOUTS = ("vector", "sequence", "image")


def conv_length(n: int, kernel: int, stride: int, dilation: int) -> int:
    """Output length of a 'same'-padded convolution: padding = dilation * (kernel - 1) // 2."""
    pad = dilation * (kernel - 1) // 2
    out = (n + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1
    if out < 1:
        raise ValueError(f"input length {n} is too short for kernel {kernel}")
    return out


def pool_length(n: int, kernel: int, stride: int) -> int:
    """Output length of an unpadded pooling window."""
    if n < kernel:
        raise ValueError(f"input length {n} is shorter than the pooling kernel {kernel}")
    return (n - kernel) // stride + 1


def _same(s: Shape, p: Mapping[str, Any]) -> Shape:
    return s


def _linear(s: Shape, p: Mapping[str, Any]) -> Shape:
    return s.with_channels(p["width"])


def _conv1d(s: Shape, p: Mapping[str, Any]) -> Shape:
    t = conv_length(s.dims[0], p["kernel"], p["stride"], p["dilation"])
    return Shape("sequence", (t, p["width"]))


def _conv2d(s: Shape, p: Mapping[str, Any]) -> Shape:
    _, h, w = s.dims
    args = (p["kernel"], p["stride"], p["dilation"])
    return Shape("image", (p["width"], conv_length(h, *args), conv_length(w, *args)))


def _pool(s: Shape, p: Mapping[str, Any]) -> Shape:
    k, st = p["kernel"], p["stride"]
    if s.layout == "sequence":
        return Shape("sequence", (pool_length(s.dims[0], k, st), s.dims[1]))
    c, h, w = s.dims
    return Shape("image", (c, pool_length(h, k, st), pool_length(w, k, st)))


def _global_pool(s: Shape, p: Mapping[str, Any]) -> Shape:
    return Shape("vector", (s.channels,))


def _flatten(s: Shape, p: Mapping[str, Any]) -> Shape:
    n = 1
    for d in s.dims:
        n *= d
    return Shape("vector", (n,))


def _embedding(s: Shape, p: Mapping[str, Any]) -> Shape:
    return Shape("sequence", (s.dims[0], p["width"]))


def _activation(name: str, doc: str) -> OpSpec:
    return OpSpec(name, {}, _FEATURE_LAYOUTS, _same, doc=doc, category="activation")


_CONV_PARAMS = {"width": Param(int, 32, 1, 65536), "kernel": _KERNEL, "stride": _STRIDE,
                "dilation": _DILATION}
_POOL_PARAMS = {"kernel": _POOL_KERNEL, "stride": Param(int, 2, 1, 16)}

OPS: Mapping[str, OpSpec] = {
    op.name: op
    for op in (
        OpSpec("linear", {"width": _WIDTH, "bias": Param(bool, True)}, ("vector", "sequence"),
               _linear, weighted=True, doc="fully connected layer on the feature axis"),
        OpSpec("conv1d", _CONV_PARAMS, ("sequence",), _conv1d, weighted=True, mixes_time=True,
               doc="1-d convolution over time, 'same' padding"),
        OpSpec("conv2d", _CONV_PARAMS, ("image",), _conv2d, weighted=True,
               doc="2-d convolution, 'same' padding"),
        OpSpec("sep_conv1d", _CONV_PARAMS, ("sequence",), _conv1d, weighted=True,
               mixes_time=True, doc="depthwise-separable 1-d convolution"),
        OpSpec("sep_conv2d", _CONV_PARAMS, ("image",), _conv2d, weighted=True,
               doc="depthwise-separable 2-d convolution"),
        OpSpec("conv_block1d", _CONV_PARAMS, ("sequence",), _conv1d, weighted=True,
               mixes_time=True, doc="1-d convolution, batch norm, ReLU (a TCN block's body)"),
        OpSpec("conv_block2d", _CONV_PARAMS, ("image",), _conv2d, weighted=True,
               doc="2-d convolution, batch norm, ReLU (a ResNet block's body)"),
        OpSpec("max_pool", _POOL_PARAMS, ("sequence", "image"), _pool, mixes_time=True,
               doc="max pooling over time or space", category="pool"),
        OpSpec("avg_pool", _POOL_PARAMS, ("sequence", "image"), _pool, mixes_time=True,
               doc="average pooling over time or space", category="pool"),
        OpSpec("global_avg_pool", {}, ("sequence", "image"), _global_pool, mixes_time=True,
               doc="mean over time or space -> vector", category="pool"),
        OpSpec("global_max_pool", {}, ("sequence", "image"), _global_pool, mixes_time=True,
               doc="max over time or space -> vector", category="pool"),
        OpSpec("batch_norm", {}, _FEATURE_LAYOUTS, _same, weighted=True,
               doc="batch normalisation over the channel axis", category="norm"),
        OpSpec("layer_norm", {}, _FEATURE_LAYOUTS, _same, weighted=True,
               doc="layer normalisation over the features of a sample", category="norm"),
        _activation("relu", "max(x, 0)"),
        _activation("tanh", "hyperbolic tangent"),
        _activation("sigmoid", "logistic sigmoid; merged by mul it is a gate"),
        _activation("gelu", "Gaussian error linear unit"),
        _activation("swish", "x * sigmoid(x) (SiLU)"),
        _activation("identity", "passes its (merged) input on"),
        _activation("one_minus", "1 - x, for complementary gates"),
        OpSpec("expr", {"expression": Param(str, "x", canonical=expressions.canonical)},
               _FEATURE_LAYOUTS, _same, doc="an activation function written in the "
               "expression language (graphnas.graph.expressions), e.g. 'max(x, zero)'",
               category="activation"),
        OpSpec("dropout", {"p": Param(float, 0.1, 0.0, 0.9)}, _FEATURE_LAYOUTS, _same,
               doc="dropout with probability p during training", category="regulariser"),
        OpSpec("embedding", {"width": Param(int, 32, 1, 65536)}, ("tokens",), _embedding,
               weighted=True, doc="token ids -> learned vectors"),
        OpSpec("flatten", {}, _FEATURE_LAYOUTS, _flatten, mixes_time=True,
               doc="all features of a sample -> vector", category="shape"),
    )
}

MERGES: Mapping[str, str] = {
    "add": "element-wise sum",
    "mul": "element-wise product (a gate when one input is a sigmoid)",
    "mean": "element-wise mean",
    "max": "element-wise maximum",
    "concat": "concatenation on the channel axis, ordered by port then listing",
    "interp": "g * a + (1 - g) * b with g on port 0, a on port 1, b on port 2 (GRU-style update)",
}

GATES: Mapping[str, str] = {
    "none": "the remembered value passes as is",
    "sigmoid": "sigmoid(W [input, memory]) multiplies the remembered value",
    "gru": "a learned update gate interpolates between the remembered value and the new input",
}


def resolve_params(op: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The op's parameters with defaults filled in (assumes the op and names are valid)."""
    spec = OPS[op]
    out = {name: p.default for name, p in spec.params.items()}
    out.update(params)
    for name, p in spec.params.items():  # canonical numeric types: 1 and 1.0 are the same p
        if p.type is float:
            out[name] = float(out[name])
        elif p.canonical is not None:  # and canonical spellings: "max(x,zero)" = "max(x, zero)"
            out[name] = p.canonical(out[name])
    return out


_CONVS_1D = ("conv1d", "sep_conv1d", "conv_block1d")


def mixes_time(op: str, params: Mapping[str, Any]) -> bool:
    """Whether a node of ``op`` with ``params`` looks across time steps: an op that mixes time,
    unless it is a 1-d convolution one step wide (kernel 1 maps each step on its own)."""
    if not OPS[op].mixes_time:
        return False
    return not (op in _CONVS_1D and resolve_params(op, params)["kernel"] == 1)
