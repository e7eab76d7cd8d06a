"""Activation functions written in the expression language (:mod:`graphnas.graph.expressions`)
as torch code.

One table gives each function's Python source; the built module compiles the expression's
source once, and ``codegen_ops`` writes the same source into a generated ``model.py``, so the
two compute the same thing. Each learned scalar is one entry of the module's ``beta`` vector, in
the order the expression names them.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from graphnas.graph.expressions import parse

EPS = 1e-6  # in log(|x| + eps), sqrt(|x| + eps) and x1 / (x2 + eps)
SOURCE = {  # {0}, {1}: the arguments' source; {b}: the learned scalar; x: the input
    "x": "{0}", "neg": "(-{0})", "abs": "torch.abs({0})", "square": "torch.square({0})",
    "cube": "torch.pow({0}, 3)", "sqrt_abs": f"torch.sqrt(torch.abs({{0}}) + {EPS})",
    "log_abs": f"torch.log(torch.abs({{0}}) + {EPS})", "exp": "torch.exp({0})",
    "sin": "torch.sin({0})", "cos": "torch.cos({0})", "tanh": "torch.tanh({0})",
    "sinh": "torch.sinh({0})", "asinh": "torch.asinh({0})", "atan": "torch.atan({0})",
    "relu": "torch.relu({0})", "min0": "torch.clamp({0}, max=0.0)",
    "sigmoid": "torch.sigmoid({0})", "softplus": "F.softplus({0})",
    "gauss": "torch.exp(-torch.square({0}))", "erf": "torch.erf({0})", "beta_x": "({b} * {0})",
    "zero": "torch.zeros_like(x)", "one": "torch.ones_like(x)",
    "beta": "({b} * torch.ones_like(x))",
    "add": "({0} + {1})", "mul": "({0} * {1})", "sub": "({0} - {1})",
    "div": f"({{0}} / ({{1}} + {EPS}))", "max": "torch.maximum({0}, {1})",
    "min": "torch.minimum({0}, {1})", "sigmoid_mul": "(torch.sigmoid({0}) * {1})",
    "gauss_diff": "torch.exp(-torch.square({0} - {1}))",
    "beta_mix": "({b} * {0} + (1 - {b}) * {1})",
}
INITIAL = {"beta_x": 1.0, "beta": 1.0, "beta_mix": 0.5}  # each learned scalar's start


def source(expression: str, x: str = "x", beta: str = "beta") -> tuple[str, list[float]]:
    """The expression as Python source over the input ``x`` and the vector ``beta``, and the
    starting values of ``beta``."""
    starts: list[float] = []

    def walk(tree: tuple) -> str:
        name = tree[0]
        if name == "x" and len(tree) == 1:
            return x
        b = ""
        if name in INITIAL:
            b = f"{beta}[{len(starts)}]"
            starts.append(INITIAL[name])
        args = [walk(a) for a in tree[1:]]
        return SOURCE[name].format(*args, b=b).replace("_like(x)", f"_like({x})")

    return walk(parse(expression)), starts


class ExpressionActivation(nn.Module):
    """An elementwise activation given by an expression, e.g. ``"sigmoid_mul(beta_x(x), x)"``
    (Swish with a learned beta)."""

    def __init__(self, expression: str) -> None:
        super().__init__()
        self.expression = expression
        text, starts = source(expression)
        self.beta = nn.Parameter(torch.tensor(starts)) if starts else None
        self._text = text
        self._fn = self._compile()

    def _compile(self):
        # the source comes from the parsed expression's own table: names only, no user text
        return eval(f"lambda x, beta: {self._text}", {"torch": torch, "F": F})  # noqa: S307

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._fn(x, self.beta)

    def extra_repr(self) -> str:
        return repr(self.expression)

    def __getstate__(self):  # a compiled lambda does not pickle; it is made again on load
        state = self.__dict__.copy()
        state.pop("_fn", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._fn = self._compile()
