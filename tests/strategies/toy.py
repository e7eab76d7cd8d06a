"""A toy space and a synthetic objective whose best is known, for the strategy suite."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from graphnas.spaces.base import Decision, Space


@dataclass(frozen=True)
class ToyArch:
    choices: tuple[int, ...]

    def canonical_hash(self) -> str:
        return "-".join(map(str, self.choices))

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps({"choices": list(self.choices)}, indent=indent)


class ToySpace(Space):
    """``n`` decisions of ``k`` options, plus yes/no anchor decisions between blocks."""

    name = "toy"

    def __init__(self, n: int = 8, k: int = 4) -> None:
        self.ds = []
        for i in range(n):
            self.ds.append(Decision(f"b{i}.op", tuple(range(k)), "op"))
            if i > 0:
                self.ds.append(Decision(f"b{i}.skip", (False, True), "skip", anchor=(i - 1, i)))

    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        return self.ds[len(choices)] if len(choices) < len(self.ds) else None

    def fixed_decisions(self):
        return list(self.ds)

    def decode(self, choices: Sequence[int]) -> ToyArch:
        if len(choices) != len(self.ds):
            raise ValueError("incomplete")
        return ToyArch(tuple(choices))

    def encode(self, arch) -> tuple[int, ...]:
        if not isinstance(arch, ToyArch) or not self.valid_choices(arch.choices):
            raise ValueError("not in the toy space")
        return arch.choices


def target(space: ToySpace) -> tuple[int, ...]:
    """The hidden optimum: option 3 for ops (k-1), yes for every skip."""
    return tuple(len(d.options) - 1 for d in space.ds)


def genome_space():
    """The genome space of a small vector task (for strategies that search genomes)."""
    from graphnas.graph import InputSpec, OutputSpec
    from graphnas.spaces import get_space

    return get_space("genome", InputSpec("vector", (8,)), OutputSpec("classes", 3))


def space_for(name: str) -> Space:
    """The toy space a strategy is tested on: genomes for ``neat``, else the toy decisions."""
    return genome_space() if name == "neat" else ToySpace()


def genome_objective(g) -> float:
    """A genome's toy score, 1.0 at the best: four body nodes, two of them linear maps of
    width 64, and one more edge than nodes (a branch)."""
    body = [n for n in g.nodes if n.id not in ("stem", "readout")]
    wide = sum(n.op == "linear" and n.params.get("width") == 64 for n in body)
    return (1 - abs(len(body) - 4) / 12 - abs(wide - 2) / 12
            - abs(len(g.edges) - len(g.nodes) - 1) / 12)


def objective(space: Space, choices: Sequence[int]) -> float:
    """Fraction of decisions that match the optimum (1.0 at the best); for a genome space,
    :func:`genome_objective`."""
    if not isinstance(space, ToySpace):
        return genome_objective(space.decode(choices))
    best = target(space)
    return sum(a == b for a, b in zip(choices, best)) / len(best)


def two_objectives(space: ToySpace, choices: Sequence[int]) -> tuple[float, float]:
    """(the objective, minus the cost): the cost is the ops' mean option index, so the optimum's
    ops (the last option) are the dearest and the front is a trade-off."""
    ops = [k for d, k in zip(space.ds, choices) if d.key == "op"]
    return objective(space, choices), -sum(ops) / len(ops)
