"""The optimizer update-rule language of Bello et al. 2017 ("Neural Optimizer Search with
Reinforcement Learning"): a parameter ``w`` moves by ``-lr * rule``, the rule written as text.

Grammar: ``rule := OPERAND | UNARY "(" rule ")" | BINARY "(" rule "," rule ")"``. Known points:

- SGD: ``g`` (the search space writes ``keep_left(g, one)``);
- momentum: ``m`` with the learning rate ``lr / (1 - beta1)`` (``m`` is an average, not a sum);
- Adam: ``adam``; RMSProp: ``rmsprop``;
- PowerSign: ``mul(exp(mul(sign_g, sign_m)), g)``;
- AddSign: ``mul(add(mul(sign_g, sign_m), one), g)``.

A core unit is ``b(u1(o1), u2(o2))``; the search space chains 1 to 3, unit k + 1 taking unit k in
place of ``o1`` (:mod:`graphnas.spaces.optimizer`). ``identity(x)`` may be written but is left
out of the canonical text. The torch source of every name is in
:mod:`graphnas.graph.update_rule_code`; this module only names, parses and checks.
"""

from __future__ import annotations

import re

OPERANDS: dict[str, str] = {
    "g": "the gradient", "g2": "g^2", "g3": "g^3",
    "m": "running average of g (beta1 = 0.9, no bias correction)",
    "v": "running average of g^2 (beta2 = 0.999, no bias correction)",
    "sign_g": "sign(g)", "sign_m": "sign(m)", "one": "1", "two": "2",
    "adam": "Adam's update: m_hat / (sqrt(v_hat) + eps), bias-corrected averages",
    "rmsprop": "RMSProp's update: g / (sqrt(v) + eps)",
}
UNARY: dict[str, str] = {
    "identity": "x", "neg": "-x", "exp": "exp(x)", "log_abs": "log(|x| + eps)",
    "sqrt_abs": "sqrt(|x|)", "clip": "x clipped to [-1, 1]", "sign": "sign(x)",
    "drop": "x with each entry zeroed with probability 0.3",
}
BINARY: dict[str, str] = {
    "add": "x1 + x2", "sub": "x1 - x2", "mul": "x1 * x2",
    "div": "x1 / (x2 + eps), eps with the sign of x2 (+eps at 0)", "keep_left": "x1",
}

Tree = tuple  # (operand,) | (unary, tree) | (binary, tree, tree)
_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z_0-9]*|[(),])")


def parse(text: str) -> Tree:
    """The rule's tree; ValueError naming what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("an update rule must be a non-empty string")
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"update rule {text!r}: unexpected {text[pos:].strip()!r}")
        tokens.append(m.group(1))
        pos = m.end()
    tree, rest = _parse(tokens, text)
    if rest:
        raise ValueError(f"update rule {text!r}: unexpected {' '.join(rest)!r} at the end")
    return tree


def _parse(tokens: list[str], text: str) -> tuple[Tree, list[str]]:
    if not tokens:
        raise ValueError(f"update rule {text!r} ends too early")
    name, rest = tokens[0], tokens[1:]
    if name in OPERANDS:
        return (name,), rest
    arity = 1 if name in UNARY else 2 if name in BINARY else 0
    if not arity:
        raise ValueError(f"update rule {text!r}: unknown name {name!r}; use an operand "
                         f"({', '.join(OPERANDS)}) or a function ({', '.join([*UNARY, *BINARY])})")
    if not rest or rest[0] != "(":
        raise ValueError(f"update rule {text!r}: {name} needs '('")
    args, rest = [], rest[1:]
    for i in range(arity):
        arg, rest = _parse(rest, text)
        args.append(arg)
        want = "," if i < arity - 1 else ")"
        if not rest or rest[0] != want:
            raise ValueError(f"update rule {text!r}: {name} takes {arity} "
                             f"argument{'s' if arity > 1 else ''}; expected {want!r}")
        rest = rest[1:]
    if name == "identity":
        return args[0], rest
    return (name, *args), rest


def unparse(tree: Tree) -> str:
    """The canonical text of a tree (``parse(unparse(t)) == t``)."""
    if len(tree) == 1:
        return tree[0]
    return f"{tree[0]}({', '.join(unparse(a) for a in tree[1:])})"


def canonical(text: str) -> str:
    """The canonical spelling of a rule (spaces normalised, identity left out); ValueError if
    invalid."""
    return unparse(parse(text))
