"""The activation-function language of Ramachandran et al. 2017 ("Searching for Activation
Functions"): expressions of unary and binary functions of the input ``x``, written as text.

Grammar: ``expr := "x" | CONSTANT | UNARY "(" expr ")" | BINARY "(" expr "," expr ")"``, e.g.
``"max(x, zero)"`` (ReLU), ``"sigmoid_mul(beta_x(x), x)"`` (Swish: sigmoid(beta x) * x) or
``"add(tanh(x), zero)"``. A core unit is ``b(u1(x), u2(x))``; the search space chains one or two
(:mod:`graphnas.spaces.activation`). Functions named ``beta...`` hold a learned scalar per use
(``beta`` starts at 1, ``beta_mix``'s at 0.5). The torch implementation is
:mod:`graphnas.nn.expression`; this module only names, parses and checks.
"""

from __future__ import annotations

from .calls import parse_calls, unparse_calls

UNARY: dict[str, str] = {
    "x": "x (identity)", "neg": "-x", "abs": "|x|", "square": "x^2", "cube": "x^3",
    "sqrt_abs": "sqrt(|x|)", "log_abs": "log(|x| + eps)", "exp": "exp(x)", "sin": "sin(x)",
    "cos": "cos(x)", "tanh": "tanh(x)", "sinh": "sinh(x)", "asinh": "asinh(x)",
    "atan": "atan(x)", "relu": "max(x, 0)", "min0": "min(x, 0)", "sigmoid": "sigmoid(x)",
    "softplus": "log(1 + exp(x))", "gauss": "exp(-x^2)", "erf": "erf(x)",
    "beta_x": "beta * x, beta learned (starts at 1)",
}
CONSTANTS: dict[str, str] = {"zero": "0", "one": "1", "beta": "a learned constant (starts at 1)"}
BINARY: dict[str, str] = {
    "add": "x1 + x2", "mul": "x1 * x2", "sub": "x1 - x2", "div": "x1 / (x2 + eps)",
    "max": "max(x1, x2)", "min": "min(x1, x2)", "sigmoid_mul": "sigmoid(x1) * x2",
    "gauss_diff": "exp(-(x1 - x2)^2)",
    "beta_mix": "beta * x1 + (1 - beta) * x2, beta learned (starts at 0.5)",
}
LEARNED = {"beta_x", "beta", "beta_mix"}  # each use holds its own scalar parameter

Tree = tuple  # ("x",) | (constant,) | (unary, tree) | (binary, tree, tree)


def parse(text: str) -> Tree:
    """The expression's tree; ValueError naming what is wrong (``x`` alone is the input,
    ``x(...)`` the identity function)."""
    return parse_calls(text, "activation expression", ("x", *CONSTANTS), UNARY, BINARY)


unparse = unparse_calls


def canonical(text: str) -> str:
    """The canonical spelling of an expression (spaces normalised); ValueError if invalid."""
    return unparse(parse(text))


def learned(tree: Tree) -> int:
    """How many learned scalars the expression holds."""
    return (tree[0] in LEARNED) + sum(learned(a) for a in tree[1:])
