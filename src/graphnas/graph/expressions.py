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

import re

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
_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z_0-9]*|[(),])")


def parse(text: str) -> Tree:
    """The expression's tree; ValueError naming what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("an activation expression must be a non-empty string")
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"activation expression {text!r}: unexpected {text[pos:].strip()!r}")
        tokens.append(m.group(1))
        pos = m.end()
    tree, rest = _parse(tokens, text)
    if rest:
        raise ValueError(f"activation expression {text!r}: unexpected {' '.join(rest)!r} at "
                         f"the end")
    return tree


def _parse(tokens: list[str], text: str) -> tuple[Tree, list[str]]:
    if not tokens:
        raise ValueError(f"activation expression {text!r} ends too early")
    name, rest = tokens[0], tokens[1:]
    if name == "x" and (not rest or rest[0] != "("):
        return ("x",), rest
    if name in CONSTANTS:
        return (name,), rest
    arity = 1 if name in UNARY else 2 if name in BINARY else 0
    if not arity:
        raise ValueError(f"activation expression {text!r}: unknown function {name!r}; use "
                         f"{', '.join([*UNARY, *BINARY, *CONSTANTS])}")
    if not rest or rest[0] != "(":
        raise ValueError(f"activation expression {text!r}: {name} needs '('")
    args, rest = [], rest[1:]
    for i in range(arity):
        arg, rest = _parse(rest, text)
        args.append(arg)
        want = "," if i < arity - 1 else ")"
        if not rest or rest[0] != want:
            raise ValueError(f"activation expression {text!r}: {name} takes {arity} "
                             f"argument{'s' if arity > 1 else ''}; expected {want!r}")
        rest = rest[1:]
    return (name, *args), rest


def unparse(tree: Tree) -> str:
    """The canonical text of a tree (``parse(unparse(t)) == t``)."""
    if len(tree) == 1:
        return tree[0]
    return f"{tree[0]}({', '.join(unparse(a) for a in tree[1:])})"


def canonical(text: str) -> str:
    """The canonical spelling of an expression (spaces normalised); ValueError if invalid."""
    return unparse(parse(text))


def learned(tree: Tree) -> int:
    """How many learned scalars the expression holds."""
    return (tree[0] in LEARNED) + sum(learned(a) for a in tree[1:])
