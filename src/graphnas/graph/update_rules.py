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

from .calls import parse_calls, unparse_calls

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


def parse(text: str) -> Tree:
    """The rule's tree, ``identity(...)`` left out; ValueError naming what is wrong."""
    return _without_identity(parse_calls(text, "update rule", OPERANDS, UNARY, BINARY))


def _without_identity(tree: Tree) -> Tree:
    if tree[0] == "identity":
        return _without_identity(tree[1])
    return (tree[0], *(_without_identity(a) for a in tree[1:]))


unparse = unparse_calls


def canonical(text: str) -> str:
    """The canonical spelling of a rule (spaces normalised, identity left out); ValueError if
    invalid."""
    return unparse(parse(text))
