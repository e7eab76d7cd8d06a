"""The optimizer of an update rule (:mod:`graphnas.graph.update_rules`): ``w -= lr * rule``,
after AdamW's decoupled weight decay ``w -= lr * weight_decay * w``.

Each parameter keeps ``m`` and ``v`` (running averages of g and g^2) and its step count. The
rule's function is compiled from :func:`graphnas.graph.update_rule_code.update_source`, the
source that a generated ``optimizer.py`` holds, and this step is that file's step.
"""

from __future__ import annotations

import math

import torch

from graphnas.graph.update_rule_code import CONSTANTS, update_source
from graphnas.graph.update_rules import canonical


class UpdateRuleOptimizer(torch.optim.Optimizer):
    """Steps by ``-lr * rule``, e.g. ``UpdateRuleOptimizer(model.parameters(),
    "mul(exp(mul(sign_g, sign_m)), g)", lr=1e-3)`` (PowerSign).

    Args:
        rule: the update rule's text (ValueError when malformed).
        betas: the decay rates of ``m`` and ``v``.
    """

    def __init__(self, params, rule: str, lr: float = 3e-3,
                 betas: tuple[float, float] = (0.9, 0.999), weight_decay: float = 0.0) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), weight_decay=weight_decay))
        self.rule = canonical(rule)
        self._update = _compile(self.rule)

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
                p.add_(self._update(g, m, v, 1 - beta1 ** t, 1 - beta2 ** t), alpha=-lr)
        return loss

    def __getstate__(self):  # a compiled function does not pickle; it is made again on load
        state = self.__dict__.copy()
        state.pop("_update", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._update = _compile(self.rule)


def _compile(rule: str):
    namespace = {"torch": torch, "math": math, **CONSTANTS}
    # the source comes from the parsed rule's own table: names only, no user text
    exec(update_source(rule), namespace)  # noqa: S102
    return namespace["update"]
