"""The activation space (Ramachandran et al. 2017): activation functions of one or two core
units, each scored in a fixed network.

A core unit is ``b(u1(x), u2(x))``: a binary function of two unary functions of the input
(a unary function may be a constant: ``zero``, ``one``, a learned ``beta``). Two units chain:
``b2(u3(unit1), u4(x))``. A candidate decodes into the *base graph* (a fixed network, e.g. the
task's best hand-designed baseline) with the candidate, an ``expr`` op, in place of every node
whose op is in ``replace`` (ReLU by default), so every strategy, the trainer, exports and
drawings work on it as on any graph. Functions are named in :mod:`graphnas.graph.expressions`.

Decisions: ``units`` (1 or 2, where ``max_units=2``), then ``unit1.u1``, ``unit1.u2``,
``unit1.b`` and, with two units, ``unit2.u1`` (applied to unit 1), ``unit2.u2`` (applied to
``x``) and ``unit2.b``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from graphnas.graph import Edge, Graph, InputSpec, Node, OutputSpec, from_json, load
from graphnas.graph.expressions import BINARY, CONSTANTS, UNARY, learned, parse, unparse
from graphnas.graph.shapes import validate

from .base import Decision, Space
from .recipes import BODY, STEMS, body_layout, fixed_readout

Tree = tuple


class ActivationSpace(Space):
    """Activation functions in a fixed network.

    Args:
        input_spec, output_spec: the task's specs (the base graph must fit them).
        base_graph: the fixed network: a graph JSON file, its text or a Graph (default:
            :func:`default_base`; a search on a task with hand-designed baselines passes the
            best of them).
        replace: the ops whose nodes take the candidate activation.
        max_units: 1 or 2 core units.
        unary, binary: the functions offered (default: all of the language's).
    """

    name = "activation"
    needs_base_graph = True

    def __init__(self, input_spec: InputSpec, output_spec: OutputSpec,
                 base_graph: str | Path | Graph | None = None,
                 replace: Sequence[str] = ("relu",), max_units: int = 2,
                 unary: Sequence[str] | None = None, binary: Sequence[str] | None = None
                 ) -> None:
        self.base = read_base(base_graph) if base_graph is not None else \
            default_base(input_spec, output_spec)
        validate(self.base, input_spec)
        self.replace = tuple(replace)
        self.sites = [n.id for n in self.base.nodes if n.op in self.replace]
        if not self.sites:
            raise ValueError(f"the base graph has no node whose op is one of "
                             f"{', '.join(self.replace)}: nothing to replace")
        if max_units not in (1, 2):
            raise ValueError(f"max_units must be 1 or 2, got {max_units}")
        self.unary = tuple(unary or [*UNARY, *CONSTANTS])
        self.binary = tuple(binary or BINARY)
        bad = [u for u in self.unary if u not in UNARY and u not in CONSTANTS] + \
            [b for b in self.binary if b not in BINARY]
        if bad:
            raise ValueError(f"unknown activation functions {bad}")
        self.max_units = max_units
        self._units = Decision("units", tuple(range(1, max_units + 1)), "units")
        self._unit = [[Decision(f"unit{k}.u1", self.unary, "unary"),
                       Decision(f"unit{k}.u2", self.unary, "unary"),
                       Decision(f"unit{k}.b", self.binary, "binary")] for k in (1, 2)]

    # -- decisions ------------------------------------------------------------------------
    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        if self.max_units == 1:
            flat = self._unit[0]
            return flat[len(choices)] if len(choices) < 3 else None
        if not choices:
            return self._units
        units = self._units.options[choices[0]]
        n = len(choices) - 1
        return self._unit[n // 3][n % 3] if n < 3 * units else None

    def fixed_decisions(self) -> list[Decision] | None:
        return list(self._unit[0]) if self.max_units == 1 else None

    # -- decoding -------------------------------------------------------------------------
    def expression(self, choices: Sequence[int]) -> str:
        """The candidate's activation as text."""
        if not self.valid_choices(choices):
            raise ValueError(f"not a complete choice sequence of the activation space: "
                             f"{list(choices)}")
        picks = list(choices) if self.max_units == 1 else list(choices[1:])
        tree = _unit(self.unary[picks[0]], ("x",), self.unary[picks[1]],
                     self.binary[picks[2]])
        if len(picks) == 6:
            tree = _unit(self.unary[picks[3]], tree, self.unary[picks[4]],
                         self.binary[picks[5]])
        return unparse(tree)

    def artifacts(self, arch: Any) -> dict[str, str]:
        """``activation.json``: the found expression, which ``--space-option
        activations=best/activation.json`` offers to later searches as an op."""
        site = arch.node(self.sites[0])
        expression = dict(site.params)["expression"]
        return {"activation.json": json.dumps(
            {"expression": expression, "replaces": list(self.replace), "sites": self.sites,
             "base_graph": self.base.name or None}, indent=2) + "\n"}

    def structure_features(self, choices: Sequence[int]) -> dict[str, float]:
        """The expression's size: core units, learned scalars, constants and nesting depth."""
        tree = parse(self.expression(choices))

        def walk(t: Tree) -> tuple[int, int]:  # (constants, depth)
            inner = [walk(a) for a in t[1:]]
            return (sum(c for c, _ in inner) + (len(t) == 1 and t[0] in CONSTANTS),
                    1 + max((d for _, d in inner), default=0))

        constants, depth = walk(tree)
        units = 1 if self.max_units == 1 else self._units.options[choices[0]]
        return {"units": float(units), "learned": float(learned(tree)),
                "constants": float(constants), "depth": float(depth)}

    def decode(self, choices: Sequence[int]) -> Graph:
        text = self.expression(choices)
        nodes = tuple(Node(n.id, "expr", {"expression": text}, n.merge)
                      if n.id in self.sites else n for n in self.base.nodes)
        return replace(self.base, nodes=nodes)  # the rest of the base kept (its update rule)

    def encode(self, arch: Any) -> tuple[int, ...]:
        if not isinstance(arch, Graph) or len(arch.nodes) != len(self.base.nodes):
            raise ValueError("not a graph of this activation space")
        site = arch.node(self.sites[0]) if self.sites[0] in arch.node_ids else None
        if site is None or site.op != "expr":
            raise ValueError("not a graph of this activation space")
        names = _names(parse(dict(site.params)["expression"]))
        options = [self.unary, self.unary, self.binary] * 2
        if names is None or len(names) > 3 * self.max_units or \
                any(n not in o for n, o in zip(names, options)):
            raise ValueError("not a graph of this activation space")
        picks = [o.index(n) for n, o in zip(names, options)]
        choices = tuple(picks) if self.max_units == 1 else (len(picks) // 3 - 1, *picks)
        if self.decode(choices) != arch:
            raise ValueError("not a graph of this activation space")
        return choices


def default_base(input_spec: InputSpec, output_spec: OutputSpec, width: int = 32) -> Graph:
    """A small fixed network for any task: the layout's first stem, ReLU, one body layer
    (a 3-wide convolution, or a linear map for vectors and causal outputs), ReLU, the
    readout of ``recipes.fixed_readout``."""
    layout = body_layout(input_spec.layout)
    stem_op, stem_params = next(iter(STEMS[input_spec.layout].values()))
    body_op, body_params = BODY[layout]["conv3" if layout != "vector" and
                                        not output_spec.causal else "linear"]
    out_op, out_params = fixed_readout(layout, output_spec)
    if stem_params.get("stride", 1) != 1 and output_spec.per_step:
        stem_op, stem_params = "linear", {}
    nodes = [Node("stem", stem_op, {**stem_params, "width": width}), Node("act1", "relu"),
             Node("body", body_op, {**body_params, "width": width}), Node("act2", "relu"),
             Node("readout", out_op, out_params)]
    ids = ["x", *(n.id for n in nodes)]
    return Graph(("x",), tuple(nodes), tuple(Edge(a, b) for a, b in zip(ids, ids[1:])),
                 "readout", name="activation base")


def read_base(base: str | Path | Graph) -> Graph:
    """The base graph from a Graph, its JSON text or a graph file."""
    if isinstance(base, Graph):
        return base
    text = str(base)
    if text.lstrip().startswith("{"):
        return from_json(text, "base graph")
    return load(text)


def _apply(unary: str, arg: Tree) -> Tree:
    """A unary function (or a constant) applied: the identity ``x`` is left out."""
    if unary in CONSTANTS:
        return (unary,)
    return arg if unary == "x" else (unary, arg)


def _unit(u1: str, arg1: Tree, u2: str, b: str) -> Tree:
    """``b(u1(arg1), u2(x))``."""
    return (b, _apply(u1, arg1), _apply(u2, ("x",)))


def _unary_of(t: Tree, arg: Tree) -> str | None:
    """The unary function (or constant) that applied to ``arg`` gives ``t``, or None."""
    if t == arg:
        return "x"
    if len(t) == 1 and t[0] in CONSTANTS:
        return t[0]
    if len(t) == 2 and t[1] == arg:
        return t[0]
    return None


def _names(tree: Tree) -> list[str] | None:
    """``[u1, u2, b]`` (one unit) or ``[u1, u2, b, u3, u4, b2]`` (two) of an expression the
    space writes, or None."""
    if len(tree) != 3:
        return None
    b, left, right = tree
    u2 = _unary_of(right, ("x",))
    if u2 is None:
        return None
    u1 = _unary_of(left, ("x",))
    if u1 is not None:
        return [u1, u2, b]
    inner = left if len(left) == 3 else left[1] if len(left) == 2 else ()
    first = _names(inner) if len(inner) == 3 else None
    if first is None or len(first) != 3:
        return None
    return [*first, _unary_of(left, inner), u2, b]
