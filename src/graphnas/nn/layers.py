"""Op implementations: one explicit name -> factory table covering the graph vocabulary.

Tensors inside a built network keep channels on axis 1: vectors (B, F), sequences (B, C, T),
images (B, C, H, W); inside a memory cycle over time one step of a sequence is (B, C). A factory
takes ``(params, site)`` and returns a module. ``codegen_ops`` mirrors this table in the
generated ``model.py`` (a test checks that every op has both).
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from .expression import ExpressionActivation


class ChannelLinear(nn.Module):
    """A linear map on axis 1, for any rank: (B, C), (B, C, T) or (B, C, H, W)."""

    def __init__(self, c_in, c_out, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(c_out, c_in))
        self.bias = nn.Parameter(torch.empty(c_out)) if bias else None
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(c_in)
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        if x.dim() == 2:
            return F.linear(x, self.weight, self.bias)
        if x.dim() == 3:  # (B, C, T)
            return F.linear(x.transpose(1, 2), self.weight, self.bias).transpose(1, 2)
        return F.linear(x.permute(0, 2, 3, 1), self.weight, self.bias).permute(0, 3, 1, 2)


class SeparableConv(nn.Module):
    """Depthwise-separable 'same'-padded convolution (1-d or 2-d)."""

    def __init__(self, dims, c_in, c_out, kernel, stride, dilation):
        super().__init__()
        conv = nn.Conv1d if dims == 1 else nn.Conv2d
        pad = dilation * (kernel - 1) // 2
        self.depthwise = conv(c_in, c_in, kernel, stride, pad, dilation, groups=c_in, bias=False)
        self.pointwise = conv(c_in, c_out, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


def conv(dims, c_in, c_out, kernel, stride, dilation):
    """A plain 'same'-padded convolution: padding = dilation * (kernel - 1) // 2."""
    layer = nn.Conv1d if dims == 1 else nn.Conv2d
    return layer(c_in, c_out, kernel, stride, dilation * (kernel - 1) // 2, dilation)


class ConvBlock(nn.Module):
    """Convolution, batch norm, ReLU: the body of a TCN or ResNet block as one op."""

    def __init__(self, dims, c_in, c_out, kernel, stride, dilation):
        super().__init__()
        norm = nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d
        self.conv = conv(dims, c_in, c_out, kernel, stride, dilation)
        self.norm = norm(c_out)

    def forward(self, x):
        return F.relu(self.norm(self.conv(x)))


class Pool(nn.Module):
    def __init__(self, kind, kernel, stride):
        super().__init__()
        self.kind, self.kernel, self.stride = kind, kernel, stride

    def forward(self, x):
        if x.dim() == 3:
            f = F.max_pool1d if self.kind == "max" else F.avg_pool1d
        else:
            f = F.max_pool2d if self.kind == "max" else F.avg_pool2d
        return f(x, self.kernel, self.stride)


class GlobalPool(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def forward(self, x):
        dims = -1 if x.dim() == 3 else (2, 3)  # (B, C, T) or (B, C, H, W)
        return x.amax(dim=dims) if self.kind == "max" else x.mean(dim=dims)


class LayerNorm(nn.Module):
    """Normalises the features of one position: channels of a step, or a whole image."""

    def __init__(self, shape):
        super().__init__()
        self.norm = nn.LayerNorm(shape)

    def forward(self, x):
        if x.dim() == 3:  # (B, C, T): per time step
            return self.norm(x.transpose(1, 2)).transpose(1, 2)
        return self.norm(x)


class Embedding(nn.Module):
    def __init__(self, vocab, width):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)

    def forward(self, x):
        return self.embed(x).transpose(1, 2)  # (B, T) -> (B, W, T)


class Flatten(nn.Module):
    def forward(self, x):
        return x.flatten(1)


class OneMinus(nn.Module):
    def forward(self, x):
        return 1 - x


def _conv(dims, kind=None):
    def make(p, s):
        args = (dims, s["c_in"], p["width"], p["kernel"], p["stride"], p["dilation"])
        return {"separable": SeparableConv, "block": ConvBlock}.get(kind, conv)(*args)

    return make


def _batch_norm(p, s):
    return (nn.BatchNorm2d if s["layout"] == "image" else nn.BatchNorm1d)(s["c_in"])


# name -> factory(params, site): params are resolved; site has c_in, layout, norm_shape, vocab.
OPS = {
    "linear": lambda p, s: ChannelLinear(s["c_in"], p["width"], p["bias"]),
    "conv1d": _conv(1),
    "conv2d": _conv(2),
    "sep_conv1d": _conv(1, "separable"),
    "sep_conv2d": _conv(2, "separable"),
    "conv_block1d": _conv(1, "block"),
    "conv_block2d": _conv(2, "block"),
    "max_pool": lambda p, s: Pool("max", p["kernel"], p["stride"]),
    "avg_pool": lambda p, s: Pool("avg", p["kernel"], p["stride"]),
    "global_avg_pool": lambda p, s: GlobalPool("avg"),
    "global_max_pool": lambda p, s: GlobalPool("max"),
    "batch_norm": _batch_norm,
    "layer_norm": lambda p, s: LayerNorm(s["norm_shape"]),
    "relu": lambda p, s: nn.ReLU(),
    "tanh": lambda p, s: nn.Tanh(),
    "sigmoid": lambda p, s: nn.Sigmoid(),
    "gelu": lambda p, s: nn.GELU(),
    "swish": lambda p, s: nn.SiLU(),
    "identity": lambda p, s: nn.Identity(),
    "one_minus": lambda p, s: OneMinus(),
    "expr": lambda p, s: ExpressionActivation(p["expression"]),
    "dropout": lambda p, s: nn.Dropout(p["p"]),
    "embedding": lambda p, s: Embedding(s["vocab"], p["width"]),
    "flatten": lambda p, s: Flatten(),
}
