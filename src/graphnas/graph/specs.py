"""Shapes of data flowing through a graph, and the specs of a task's input and output.

Shapes are per sample (no batch axis) and carry a layout, because ops act differently on each:

- ``vector``:   (F,)        tabular rows, or features after flattening or global pooling
- ``sequence``: (T, C)      a time series; feature ops act on C, time-mixing ops on T
- ``image``:    (C, H, W)   channels first
- ``tokens``:   (T,)        integer ids; only ``embedding`` takes them
"""

from __future__ import annotations

from dataclasses import dataclass

LAYOUTS = ("vector", "sequence", "image", "tokens")
_RANK = {"vector": 1, "sequence": 2, "image": 3, "tokens": 1}


@dataclass(frozen=True)
class Shape:
    """A per-sample tensor shape with its layout."""

    layout: str
    dims: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"unknown layout {self.layout!r}; expected one of {LAYOUTS}")
        object.__setattr__(self, "dims", tuple(int(d) for d in self.dims))
        if len(self.dims) != _RANK[self.layout]:
            rank = _RANK[self.layout]
            raise ValueError(f"a {self.layout} shape has {rank} dims, got {self.dims}")
        if any(d < 1 for d in self.dims):
            raise ValueError(f"shape dims must be positive, got {self.dims}")

    @property
    def channels(self) -> int:
        """The feature width ops such as linear and merges act on."""
        if self.layout == "sequence":
            return self.dims[1]
        if self.layout == "tokens":
            return 1
        return self.dims[0]

    @property
    def length(self) -> int | None:
        """The time length T of sequences and tokens; None for the others."""
        return self.dims[0] if self.layout in ("sequence", "tokens") else None

    def with_channels(self, c: int) -> Shape:
        if self.layout == "sequence":
            return Shape("sequence", (self.dims[0], c))
        if self.layout == "image":
            return Shape("image", (c, *self.dims[1:]))
        return Shape(self.layout, (c,))

    def __str__(self) -> str:
        names = {"vector": "F", "sequence": "TC", "image": "CHW", "tokens": "T"}[self.layout]
        return f"{self.layout}({', '.join(f'{n}={d}' for n, d in zip(names, self.dims))})"


@dataclass(frozen=True)
class InputSpec:
    """What one sample of a task's input looks like.

    Example: ``InputSpec("sequence", (40, 1))`` for MNIST-1D, ``InputSpec("image", (1, 8, 8))``.
    """

    layout: str
    dims: tuple[int, ...]
    vocab: int | None = None  # number of token ids, for layout "tokens"

    def __post_init__(self) -> None:
        object.__setattr__(self, "dims", tuple(int(d) for d in self.dims))
        Shape(self.layout, self.dims)  # validates
        if self.layout == "tokens" and not self.vocab:
            raise ValueError("a tokens input spec needs vocab (the number of token ids)")

    @property
    def shape(self) -> Shape:
        return Shape(self.layout, self.dims)

    def to_dict(self) -> dict:
        return {"layout": self.layout, "dims": list(self.dims), "vocab": self.vocab}

    @classmethod
    def from_dict(cls, d: dict) -> InputSpec:
        return cls(d["layout"], tuple(d["dims"]), d.get("vocab"))


OUTPUT_KINDS = ("classes", "regression", "sequence_classes", "sequence_regression")


@dataclass(frozen=True)
class OutputSpec:
    """What the network must produce.

    ``classes``: logits (B, size); ``regression``: values (B, size); the ``sequence_`` kinds give
    one output per time step, (B, T, size). ``causal``: the output at a step may depend only on
    the inputs up to that step (a language model predicting the next token), so a network may not
    mix the time axis except through memory links, which carry the past forward.
    """

    kind: str
    size: int
    causal: bool = False

    def __post_init__(self) -> None:
        if self.kind not in OUTPUT_KINDS:
            raise ValueError(f"unknown output kind {self.kind!r}; expected one of {OUTPUT_KINDS}")
        if int(self.size) < 1:
            raise ValueError("output size must be positive")
        if self.causal and not self.per_step:
            raise ValueError("only an output per time step can be causal")

    @property
    def per_step(self) -> bool:
        return self.kind.startswith("sequence_")

    def to_dict(self) -> dict:
        return {"kind": self.kind, "size": self.size, **({"causal": True} if self.causal else {})}

    @classmethod
    def from_dict(cls, d: dict) -> OutputSpec:
        return cls(d["kind"], int(d["size"]), bool(d.get("causal", False)))


def parse_input_spec(text: str) -> InputSpec:
    """Parse ``layout:d1xd2...``: ``sequence:40x1``, ``image:1x8x8``, ``tokens:50,vocab=100``."""
    try:
        layout, _, rest = text.partition(":")
        dims_text, _, extra = rest.partition(",")
        dims = tuple(int(d) for d in dims_text.split("x"))
        vocab = int(extra.split("=", 1)[1]) if extra.startswith("vocab=") else None
        return InputSpec(layout.strip(), dims, vocab)
    except (ValueError, IndexError) as err:
        raise ValueError(
            f"bad input spec {text!r} ({err}); write e.g. sequence:40x1, image:1x8x8, vector:10 "
            f"or tokens:50,vocab=100"
        ) from None
