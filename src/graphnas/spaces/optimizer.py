"""The optimizer space (Bello et al. 2017, "Neural Optimizer Search"): update rules of one to
three core units, each scored by training a fixed network with it.

A parameter moves by ``-lr * rule``. A core unit is ``b(u1(o1), u2(o2))``: a binary function of
two unary functions of operands (the gradient, its running averages, Adam's update, ...); unit
k + 1 is ``b(u1(unit k), u2(o))``. A candidate decodes into the *base graph* (a fixed network,
by default the task's best hand-designed baseline) with the rule as its ``update_rule``, which
the trainer trains it with. Names are those of :mod:`graphnas.graph.update_rules`.

Decisions: ``units`` (1 to ``max_units``; none where ``max_units=1``), then ``unit1.o1``,
``unit1.u1``, ``unit1.o2``, ``unit1.u2``, ``unit1.b`` and, for each later unit k,
``unitk.u1`` (applied to unit k - 1), ``unitk.o2``, ``unitk.u2`` and ``unitk.b``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from graphnas.graph import Graph, InputSpec, OutputSpec
from graphnas.graph.shapes import validate
from graphnas.graph.update_rule_code import optimizer_source
from graphnas.graph.update_rules import BINARY, OPERANDS, UNARY, Tree, parse, unparse

from .activation import default_base, read_base
from .base import Decision, Space

STATEFUL = {"m", "v", "sign_m", "adam", "rmsprop"}  # operands read from running averages
SIGNS = {"sign_g", "sign_m", "sign"}


class OptimizerSpace(Space):
    """Update rules for a fixed network.

    Args:
        input_spec, output_spec: the task's specs (the base graph must fit them).
        base_graph: the fixed network: a graph JSON file, its text or a Graph (default: the
            activation space's small network; a search on a task with hand-designed baselines
            passes the best of them).
        max_units: 1 to 3 core units.
        operands, unary, binary: the names offered (default: all of the language's).
    """

    name = "optimizer"
    needs_base_graph = True

    def __init__(self, input_spec: InputSpec, output_spec: OutputSpec,
                 base_graph: str | Path | Graph | None = None, max_units: int = 3,
                 operands: Sequence[str] | None = None, unary: Sequence[str] | None = None,
                 binary: Sequence[str] | None = None) -> None:
        self.base = read_base(base_graph) if base_graph is not None else \
            default_base(input_spec, output_spec).with_name("optimizer base")
        validate(self.base, input_spec)
        if max_units not in (1, 2, 3):
            raise ValueError(f"max_units must be 1, 2 or 3, got {max_units}")
        self.operands = tuple(operands or OPERANDS)
        self.unary = tuple(unary or UNARY)
        self.binary = tuple(binary or BINARY)
        bad = [o for o in self.operands if o not in OPERANDS] + \
            [u for u in self.unary if u not in UNARY] + [b for b in self.binary if b not in BINARY]
        if bad:
            raise ValueError(f"unknown update-rule names {bad}")
        self.max_units = max_units
        self._units = Decision("units", tuple(range(1, max_units + 1)), "units")
        self._flat = [Decision("unit1.o1", self.operands, "operand")]
        for k in range(1, max_units + 1):
            self._flat += [Decision(f"unit{k}.u1", self.unary, "unary"),
                           Decision(f"unit{k}.o2", self.operands, "operand"),
                           Decision(f"unit{k}.u2", self.unary, "unary"),
                           Decision(f"unit{k}.b", self.binary, "binary")]

    # -- decisions ------------------------------------------------------------------------
    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        if self.max_units == 1:
            return self._flat[len(choices)] if len(choices) < 5 else None
        if not choices:
            return self._units
        units = self._units.options[choices[0]]
        n = len(choices) - 1
        return self._flat[n] if n < 1 + 4 * units else None

    def fixed_decisions(self) -> list[Decision] | None:
        return list(self._flat) if self.max_units == 1 else None

    def size(self) -> int:
        """The number of rules: a product per number of units (too many to walk)."""
        first = len(self.operands) ** 2 * len(self.unary) ** 2 * len(self.binary)
        later = len(self.operands) * len(self.unary) ** 2 * len(self.binary)
        return sum(first * later ** k for k in range(self.max_units))

    # -- decoding -------------------------------------------------------------------------
    def rule(self, choices: Sequence[int]) -> str:
        """The candidate's update rule as text."""
        if not self.valid_choices(choices):
            raise ValueError(f"not a complete choice sequence of the optimizer space: "
                             f"{list(choices)}")
        picks = choices if self.max_units == 1 else choices[1:]
        names = [d.options[c] for d, c in zip(self._flat, picks)]
        tree: Tree = (names[0],)
        for k in range(1, len(names), 4):
            u1, o2, u2, b = names[k:k + 4]
            tree = (b, _apply(u1, tree), _apply(u2, (o2,)))
        return unparse(tree)

    def decode(self, choices: Sequence[int]) -> Graph:
        return replace(self.base, update_rule=self.rule(choices))

    def encode(self, arch: Any) -> tuple[int, ...]:
        if not isinstance(arch, Graph) or not arch.update_rule:
            raise ValueError("not a graph of this optimizer space")
        try:
            names = _names(parse(arch.update_rule))
        except ValueError:
            names = None
        options = [d.options for d in self._flat]
        if names is None or len(names) > len(options) or \
                any(n not in o for n, o in zip(names, options)):
            raise ValueError("not a graph of this optimizer space")
        picks = [o.index(n) for n, o in zip(names, options)]
        choices = tuple(picks) if self.max_units == 1 else (len(picks) // 4 - 1, *picks)
        if self.decode(choices) != arch:
            raise ValueError("not a graph of this optimizer space")
        return choices

    def artifacts(self, arch: Any) -> dict[str, str]:
        """``optimizer.py``: the found rule as a standalone ``torch.optim.Optimizer``, which
        ``graphnas train G --optimizer best/optimizer.py`` trains with."""
        return {"optimizer.py": optimizer_source(arch.update_rule)}

    def structure_features(self, choices: Sequence[int]) -> dict[str, float]:
        """The rule's size: core units, nesting depth, distinct operands, and how often it
        reads running averages and signs."""
        tree = parse(self.rule(choices))
        names: list[str] = []

        def walk(t: Tree) -> int:  # depth
            names.append(t[0])
            return 1 + max((walk(a) for a in t[1:]), default=0)

        depth = walk(tree)
        units = 1 if self.max_units == 1 else self._units.options[choices[0]]
        return {"units": float(units), "depth": float(depth),
                "operands": float(len({n for n in names if n in OPERANDS})),
                "moments": float(sum(n in STATEFUL for n in names)),
                "signs": float(sum(n in SIGNS for n in names))}


def _apply(unary: str, arg: Tree) -> Tree:
    """A unary function applied: the identity is left out."""
    return arg if unary == "identity" else (unary, arg)


def _unary_of(t: Tree) -> tuple[str, Tree]:
    """``(u, arg)`` such that ``_apply(u, arg) == t``, taking a one-argument ``t`` as applied."""
    return (t[0], t[1]) if len(t) == 2 else ("identity", t)


def _names(tree: Tree) -> list[str] | None:
    """``[o1, u1, o2, u2, b]``, then ``[u1, o2, u2, b]`` per later unit, of a rule the space
    writes, or None."""
    if len(tree) != 3:
        return None
    b, left, right = tree
    u2, o2 = _unary_of(right)
    if len(o2) != 1:
        return None
    u1, inner = _unary_of(left)
    if len(inner) == 1:
        return [inner[0], u1, o2[0], u2, b]
    before = _names(inner)
    return None if before is None else [*before, u1, o2[0], u2, b]
