"""Update rules (:mod:`.update_rules`) as torch source.

One table gives each name's Python source. The in-library optimizer
(:class:`graphnas.training.update_rule.UpdateRuleOptimizer`) compiles :func:`update_source`,
and :func:`optimizer_source` writes the same function into a standalone ``optimizer.py`` (only
torch and math), so the two take the same steps. Text only: this module imports no torch.
"""

from __future__ import annotations

from .update_rules import Tree, parse

EPS = 1e-8  # in adam, rmsprop, log(|x| + eps) and x1 / (x2 + eps)
DROP = 0.3  # the probability that drop zeroes an entry
CONSTANTS = {"EPS": EPS, "DROP": DROP}  # the names the source uses besides torch and math
SOURCE = {  # g: gradient; m, v: running averages; bc1, bc2: 1 - beta^t; {0}, {1}: arguments
    "g": "g", "g2": "g * g", "g3": "g * g * g", "m": "m", "v": "v",
    "sign_g": "torch.sign(g)", "sign_m": "torch.sign(m)", "one": "torch.ones_like(g)",
    "two": "torch.full_like(g, 2.0)",
    "adam": "(m / bc1) / (torch.sqrt(v) / math.sqrt(bc2) + EPS)",
    "rmsprop": "g / (torch.sqrt(v) + EPS)",
    "identity": "{0}", "neg": "-{0}", "exp": "torch.exp({0})",
    "log_abs": "torch.log(torch.abs({0}) + EPS)", "sqrt_abs": "torch.sqrt(torch.abs({0}))",
    "clip": "torch.clamp({0}, -1.0, 1.0)", "sign": "torch.sign({0})",
    "drop": "{0} * (torch.rand_like({0}) >= DROP)",
    "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}",
    "div": "{0} / torch.where({1} < 0, {1} - EPS, {1} + EPS)", "keep_left": "{0}",
}
_ARGUMENTS = ("g", "m", "v")  # operands that are the function's own arguments


def update_source(rule: str, name: str = "update") -> str:
    """``def update(g, m, v, bc1, bc2)``: the rule's value, one statement per function, each
    operand computed once (``keep_left`` computes no right argument)."""
    lines: list[str] = []
    done = {o: o for o in _ARGUMENTS}

    def walk(t: Tree) -> str:
        head = t[0]
        if len(t) == 1:
            if head not in done:
                lines.append(f"{head} = {SOURCE[head]}")
                done[head] = head
            return done[head]
        if head == "keep_left":
            return walk(t[1])
        args = [walk(a) for a in t[1:]]
        lines.append(f"t{len(lines)} = {SOURCE[head].format(*args)}")
        return f"t{len(lines) - 1}"

    out = walk(parse(rule))
    body = "".join(f"    {line}\n" for line in lines)
    return f"def {name}(g, m, v, bc1, bc2):\n{body}    return {out}\n"


def optimizer_source(rule: str, class_name: str = "FoundOptimizer") -> str:
    """A standalone ``optimizer.py`` defining ``class_name``, a ``torch.optim.Optimizer`` that
    steps by ``rule`` (with ``OPTIMIZER = class_name``, which ``graphnas train --optimizer``
    reads)."""
    return _FILE.format(rule=rule, cls=class_name, eps=EPS, drop=DROP,
                        update=update_source(rule))


_FILE = '''"""An optimizer found by graphnas: each step moves a parameter w by -lr * rule, with

    rule = {rule}

after AdamW's decoupled weight decay (w -= lr * weight_decay * w). g is the gradient, m and v
the running averages of g and g^2 (betas 0.9 and 0.999); graphnas.graph.update_rules names the
rest. Standalone (torch only):

    from optimizer import {cls}
    opt = {cls}(model.parameters(), lr=3e-3, weight_decay=1e-4)
"""

import math

import torch

RULE = {rule!r}
EPS = {eps!r}
DROP = {drop!r}


{update}

class {cls}(torch.optim.Optimizer):
    """Steps by -lr * ({rule})."""

    def __init__(self, params, lr=3e-3, betas=(0.9, 0.999), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, wd, (beta1, beta2) = group["lr"], group["weight_decay"], group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g, state = p.grad, self.state[p]
                if not state:
                    state.update(step=0, m=torch.zeros_like(p), v=torch.zeros_like(p))
                state["step"] += 1
                m, v, t = state["m"], state["v"], state["step"]
                m.lerp_(g, 1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                if wd:
                    p.mul_(1 - lr * wd)
                p.add_(update(g, m, v, 1 - beta1 ** t, 1 - beta2 ** t), alpha=-lr)
        return loss


OPTIMIZER = {cls}
'''
