"""What every search space is: a sequence of labelled discrete decisions that decodes into an
architecture (a :class:`graphnas.graph.Graph` for real spaces) and encodes back.

A decision may exist only given earlier ones, so a space is asked for its next decision given the
choices made so far (``next_decision``) until it answers None. Strategies see only decisions,
choices (option indices) and scores.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np


class Architecture(Protocol):
    """What a space decodes to: JSON-able and hashable up to isomorphism."""

    def canonical_hash(self) -> str: ...

    def to_json(self, indent: int | None = 2) -> str: ...


@dataclass(frozen=True)
class Decision:
    """One discrete decision.

    Attributes:
        label: unique within a decision sequence, e.g. ``"node3.op"``.
        options: the JSON-able values to choose among (choices are indices into this).
        key: decisions with the same key share a classifier in a learned controller (e.g. "op",
            "width", "input"); defaults to the label's last part.
        anchor: for "does node i take input from node j" decisions, ``(j, i)`` as node indices,
            so a controller can attend between the two nodes' anchor steps (NAS-RL).
    """

    label: str
    options: tuple[Any, ...]
    key: str = ""
    anchor: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if not self.options:
            raise ValueError(f"decision {self.label!r} has no options")
        if not self.key:
            object.__setattr__(self, "key", self.label.rsplit(".", 1)[-1])


@dataclass(frozen=True)
class Origin:
    """Where a mutated candidate comes from, so that it can start from its parent's trained
    weights: the parent's architecture, and the nodes a network morphism added as an identity
    or with zero weights (see :func:`graphnas.nn.inherit_state`)."""

    parent: Any  # an Architecture
    identity: tuple[str, ...] = ()
    zero: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A point of a space: its choices, what they decode to and, for a child made from a
    parent, where it comes from (not part of its identity)."""

    choices: tuple[int, ...]
    arch: Any  # an Architecture: a Graph for graph spaces
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def hash(self) -> str:
        return self.arch.canonical_hash()


class Space(ABC):
    """A search space. Subclasses implement ``next_decision``, ``decode`` and ``encode``.

    Two optional descriptions of structure help model-based strategies, and every space may
    give them: ``template_label`` (a decision that picks the wiring) and ``structure_features``
    (numbers derived from the decoded architecture).
    """

    name: str = "space"
    needs_base_graph: bool = False
    """Whether the space searches inside a fixed network (its ``base_graph`` option); a search
    on a task with hand-designed baselines then passes the best of them by default."""
    open_ended: bool = False
    """Whether the space's choices are an encoding of what grows by mutation (the genome space)
    rather than decisions a strategy chooses (so only strategies that mutate can search it)."""
    template_label: str | None = None
    """The label of the decision that picks the network's wiring template, in spaces where one
    decision chooses the topology among a few fixed ones (and the other decisions fill it in);
    None where the wiring is spread over many decisions (a node's inputs, a cell's edges). A
    strategy may spread its asks over the template's options, so as not to spend a search in
    one template."""

    @abstractmethod
    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        """The decision that follows ``choices``, or None when they are complete."""

    @abstractmethod
    def decode(self, choices: Sequence[int]) -> Any:
        """The architecture a complete choice sequence stands for."""

    @abstractmethod
    def encode(self, arch: Any) -> tuple[int, ...]:
        """The choices of an architecture; ValueError when it is not in the space."""

    # -- generic operations built on the three above ----------------------------------------
    def decisions(self, choices: Sequence[int]) -> list[Decision]:
        """The decisions a complete choice sequence went through."""
        out = []
        for i in range(len(choices) + 1):
            d = self.next_decision(choices[:i])
            if d is None:
                break
            out.append(d)
        return out

    def candidate(self, choices: Sequence[int]) -> Candidate:
        choices = tuple(int(c) for c in choices)
        return Candidate(choices, self.decode(choices))

    def sample(self, rng: np.random.Generator) -> Candidate:
        """A uniformly chosen option at every decision."""
        choices: list[int] = []
        while (d := self.next_decision(choices)) is not None:
            choices.append(int(rng.integers(len(d.options))))
        return self.candidate(choices)

    def mutate(self, candidate: Candidate, rng: np.random.Generator) -> Candidate:
        """Change one decision to another option; later decisions keep their choice where they
        still exist and are resampled where they change."""
        choices = list(candidate.choices)
        ds = self.decisions(choices)
        mutable = [i for i, d in enumerate(ds) if len(d.options) > 1]
        if not mutable:
            return candidate
        i = int(rng.choice(mutable))
        other = [k for k in range(len(ds[i].options)) if k != choices[i]]
        choices[i] = int(rng.choice(other))
        out = choices[: i + 1]
        j = i + 1
        while (d := self.next_decision(out)) is not None:
            keep = (j < len(ds) and ds[j].label == d.label and choices[j] < len(d.options))
            out.append(choices[j] if keep else int(rng.integers(len(d.options))))
            j += 1
        return replace(self.candidate(out), origin=Origin(candidate.arch))

    def contains(self, arch: Any) -> bool:
        try:
            self.encode(arch)
        except ValueError:
            return False
        return True

    def valid_choices(self, choices: Sequence[int]) -> bool:
        """Whether ``choices`` is a complete, in-range decision sequence of this space."""
        for i, c in enumerate(choices):
            d = self.next_decision(choices[:i])
            if d is None or not 0 <= c < len(d.options):
                return False
        return self.next_decision(choices) is None

    def restrict(self, allowed: Mapping[str, Sequence[Any]]) -> Space:
        """The space with only the given option values kept for the given decision labels or
        keys (a label wins over a key). Options not listed stay as they are."""
        return RestrictedSpace(self, allowed)

    def fixed_decisions(self) -> list[Decision] | None:
        """The decision list when it does not depend on earlier choices (None otherwise)."""
        return None

    def artifacts(self, arch: Any) -> dict[str, str]:
        """Files (name -> text) that describe what a search found, written beside the best
        network in ``best/`` (none by default)."""
        return {}

    def structure_features(self, choices: Sequence[int]) -> dict[str, float]:
        """Named numbers that describe the structure of what ``choices`` decode to, for a
        surrogate model to use beside the decisions themselves: what no single decision shows,
        such as a depth that depends on several decisions or the links that decoding kept.

        Values are on the scale of a count (a node count, a depth, log2 of a width, or 1 for
        a feature that is present), as a model may put them in one distance with the
        decisions' one-hots. The same names must mean the same thing for every candidate of a
        space; a feature that is absent counts as 0. None by default.
        """
        return {}

    def size(self) -> int:
        """The number of distinct choice sequences (a product when the decisions are fixed,
        otherwise a walk of the decision tree)."""
        fixed = self.fixed_decisions()
        if fixed is not None:
            n = 1
            for d in fixed:
                n *= len(d.options)
            return n
        return _count(self, [])


def _count(space: Space, prefix: list[int]) -> int:
    d = space.next_decision(prefix)
    if d is None:
        return 1
    return sum(_count(space, [*prefix, k]) for k in range(len(d.options)))


class RestrictedSpace(Space):
    """A space with fewer options per decision; its choices index the kept options."""

    def __init__(self, base: Space, allowed: Mapping[str, Sequence[Any]]) -> None:
        self.base = base
        self.allowed = {k: list(v) for k, v in allowed.items()}
        self.name = f"{base.name}(restricted)"
        self.template_label = base.template_label

    def _kept(self, d: Decision) -> list[int]:
        want = self.allowed.get(d.label, self.allowed.get(d.key))
        if want is None:
            return list(range(len(d.options)))
        kept = [i for i, o in enumerate(d.options) if o in want]
        return kept or list(range(len(d.options)))

    def _to_base(self, choices: Sequence[int]) -> list[int]:
        base: list[int] = []
        for c in choices:
            d = self.base.next_decision(base)
            if d is None:
                raise ValueError("too many choices")
            kept = self._kept(d)
            if not 0 <= c < len(kept):
                raise ValueError(f"choice {c} out of range at {d.label}")
            base.append(kept[c])
        return base

    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        base = self._to_base(choices)
        d = self.base.next_decision(base)
        if d is None:
            return None
        kept = self._kept(d)
        return Decision(d.label, tuple(d.options[i] for i in kept), d.key, d.anchor)

    def decode(self, choices: Sequence[int]) -> Any:
        return self.base.decode(self._to_base(choices))

    def structure_features(self, choices: Sequence[int]) -> dict[str, float]:
        return self.base.structure_features(self._to_base(choices))

    def fixed_decisions(self) -> list[Decision] | None:
        base = self.base.fixed_decisions()
        if base is None:
            return None
        return [Decision(d.label, tuple(d.options[i] for i in self._kept(d)), d.key, d.anchor)
                for d in base]

    def encode(self, arch: Any) -> tuple[int, ...]:
        base = list(self.base.encode(arch))
        out = []
        for i, c in enumerate(base):
            d = self.base.next_decision(base[:i])
            kept = self._kept(d)
            if c not in kept:  # fine if the graph does not use this decision: try a kept option
                base[i] = kept[0]
            out.append(kept.index(base[i]))
        if list(base) != list(self.base.encode(arch)) and self.base.decode(base) != arch:
            raise ValueError("the architecture is outside the restricted space")
        return tuple(out)
