"""The genome space: graphs grown gene by gene (NEAT), not read off a fixed list of decisions.

A genome is an ordinary :class:`~graphnas.graph.Graph`: the input ``x``, a ``stem`` (the first
layer, as in the macro space: an embedding for tokens), body nodes ``n<k>`` whose number ``k``
is the node gene's innovation number, forward edges, memory links (each with a gate), and a
``readout`` (the macro space's readouts: global pooling, the last step, flatten) that the
task's head reads. The smallest genome is ``x -> stem -> readout``. Every node lies on a path
from the stem to the readout; the stem reads only ``x``; memory links join body nodes.

The space's choices are not a search grammar but a flat encoding of the genome, so that a
trial's record names its graph and a search resumes by replay::

    [N, (node, recipe, width, merge) x N, E, (src, dst, port) x E, M, (src, dst, gate, port) x M]

with node tokens 0 = ``x``, 1 = ``stem``, 2 = ``readout`` and ``k`` = ``n<k>``; ``recipe`` indexes
the stem, body or readout table, ``width`` is 0 for an op without one, else 1 + its index in
``widths``, ``merge`` and ``gate`` are 0 for none, else 1 + an index. Strategies that read
decisions (reinforce, the surrogate, pnas, the supergraph methods) cannot search it (the space
is ``open_ended``); ``random`` samples small genomes (the smallest, grown by up to ``grow``
random mutations) and ``evolution`` mutates one gene at a time (see :mod:`.genome_mutations`),
as ``neat`` does with crossover and species.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from graphnas.graph import (
    Edge,
    Graph,
    GraphError,
    InputSpec,
    MemoryLink,
    Node,
    OutputSpec,
    infer_shapes,
)

from .base import Candidate, Decision, Origin, Space
from .genome_mutations import Innovations, Mutator, Vocabulary
from .recipes import BODY, READOUTS, STEMS, body_layout, causal, weighted

FIXED = ("x", "stem", "readout")  # node tokens 0, 1, 2
LIMIT = 1 << 20  # node tokens are below this
OPEN_ENDED = ("the genome space has no decisions to choose (its genomes grow by mutation); "
              "search it with --strategy neat, evolution or random")


class GenomeSpace(Space):
    """Genomes for a task's specs.

    Args:
        input_spec, output_spec: the task's specs (they decide the op tables).
        ops: body recipe names (default: all for the layout, those that keep to the past for a
            causal output).
        widths: widths offered to weighted ops (a widening mutation picks a larger one).
        merges, gates: merges of several inputs and gates of memory links.
        max_nodes: most body nodes a genome may grow to.
        grow: a sampled genome is the smallest grown by 0 to ``grow`` random mutations.
        memory: whether memory links may be added.
    """

    name = "genome"
    open_ended = True

    def __init__(self, input_spec: InputSpec, output_spec: OutputSpec,
                 ops: Sequence[str] | None = None, widths: Sequence[int] = (16, 32, 64, 128),
                 merges: Sequence[str] = ("add", "concat", "mul"),
                 gates: Sequence[str] = ("none", "sigmoid", "gru"), max_nodes: int = 12,
                 grow: int = 3, memory: bool = True) -> None:
        self.input_spec, self.output_spec = input_spec, output_spec
        layout = body_layout(input_spec.layout)
        body = causal(BODY[layout]) if output_spec.causal else BODY[layout]
        unknown = [o for o in ops or () if o not in body]
        if unknown:
            raise ValueError(f"unknown {layout} ops {unknown}; choose from {list(body)}")
        stems = STEMS[input_spec.layout]
        if output_spec.per_step:
            stems = {k: v for k, v in stems.items() if v[1].get("stride", 1) == 1}
        if output_spec.causal:
            stems = causal(stems)
        readouts = {"last": READOUTS["sequence"]["last"]} if output_spec.per_step \
            else READOUTS[layout]
        if not widths or not merges or max_nodes < 1 or grow < 0:
            raise ValueError("genome space: widths and merges must be non-empty, max_nodes "
                             "at least 1 and grow at least 0")
        self.vocab = Vocabulary(layout, stems, {k: body[k] for k in ops or body}, readouts,
                                tuple(sorted(widths)), tuple(merges),
                                tuple(gates) if memory else (), max_nodes)
        self.grow = grow

    # -- what the space is made of ----------------------------------------------------------
    def mutator(self, innovations: Innovations | None = None) -> Mutator:
        """Mutations of this space's genomes, numbering new genes with ``innovations`` (a
        fresh counter per genome by default)."""
        return Mutator(self.vocab, self.check, self.input_spec, innovations)

    def check(self, g: Graph) -> bool:
        """Whether a genome can be built for the task (structure, shapes, memory cycles)."""
        try:
            infer_shapes(g, self.input_spec)
        except GraphError:
            return False
        return True

    def minimal(self, rng: np.random.Generator) -> Graph:
        """The smallest genome, ``x -> stem -> readout``, its stem, width and readout drawn."""
        v = self.vocab
        stem = list(v.stems)[int(rng.integers(len(v.stems)))]
        op, params = v.stems[stem]
        if weighted(op):
            params = {**params, "width": int(v.widths[int(rng.integers(len(v.widths)))])}
        readout = list(v.readouts)[int(rng.integers(len(v.readouts)))]
        nodes = (Node("stem", op, params), Node("readout", *v.readouts[readout]))
        return Graph(("x",), nodes, (Edge("x", "stem"), Edge("stem", "readout")), "readout",
                     name="genome")

    # -- sampling and mutation ----------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> Candidate:
        g = self.minimal(rng)
        mutate = self.mutator()
        for _ in range(int(rng.integers(self.grow + 1))):
            g = mutate(g, rng).graph
        return self.candidate(self.encode(g))

    def mutate(self, candidate: Candidate, rng: np.random.Generator) -> Candidate:
        """One random mutation (see :class:`.genome_mutations.Mutator`); the child's origin
        names the parent and the nodes a morphism added."""
        child = self.mutator()(candidate.arch, rng)
        return self.child(child.graph, candidate.arch, child.identity, child.zero)

    def child(self, graph: Graph, parent: Graph, identity=(), zero=()) -> Candidate:
        """The candidate of ``graph`` made from ``parent`` (see :class:`.base.Origin`)."""
        return Candidate(self.encode(graph), graph, Origin(parent, tuple(identity), tuple(zero)))

    # -- the encoding -------------------------------------------------------------------------
    def encode(self, arch: Any) -> tuple[int, ...]:
        if not isinstance(arch, Graph):
            raise ValueError("the genome space holds graphs")
        v = self.vocab
        try:
            token = {nid: _token(nid) for nid in ("x", *arch.node_ids)}
            out = [len(arch.nodes)]
            for n in arch.nodes:
                table = v.table(n.id)
                name = v.recipe_of(table, n)
                width = v.widths.index(n.params["width"]) + 1 if "width" in n.params else 0
                merge = 0 if n.merge is None else v.merges.index(n.merge) + 1
                out += [token[n.id], list(table).index(name), width, merge]
            out.append(len(arch.edges))
            for e in arch.edges:
                out += [token[e.src], token[e.dst], e.port]
            out.append(len(arch.memory))
            for m in arch.memory:
                out += [token[m.src], token[m.dst], v.gates.index(m.gate) + 1, m.port]
        except (KeyError, ValueError) as err:
            raise ValueError(f"graph is not a genome of this space ({err})") from None
        if arch.inputs != ("x",) or arch.output != "readout" or "stem" not in token:
            raise ValueError("graph is not a genome of this space (it needs x, stem, readout)")
        return tuple(out)

    def decode(self, choices: Sequence[int]) -> Graph:
        v, c = self.vocab, [int(x) for x in choices]
        try:
            nodes, i = [], 1
            for _ in range(c[0]):
                tok, rec, width, merge = c[i:i + 4]
                nid = _node_id(tok)
                op, params = list(v.table(nid).values())[rec]
                if width:
                    params = {**params, "width": v.widths[width - 1]}
                nodes.append(Node(nid, op, params, v.merges[merge - 1] if merge else None))
                i += 4
            edges = []
            for _ in range(c[i]):
                edges.append(Edge(_node_id(c[i + 1]), _node_id(c[i + 2]), c[i + 3]))
                i += 3
            i += 1
            links = []
            for _ in range(c[i]):
                links.append(MemoryLink(_node_id(c[i + 1]), _node_id(c[i + 2]),
                                        v.gates[c[i + 3] - 1], c[i + 4]))
                i += 4
        except (IndexError, ValueError, KeyError) as err:
            raise ValueError(f"not a genome encoding ({type(err).__name__})") from None
        if i + 1 != len(c):
            raise ValueError("not a genome encoding (its length)")
        return Graph(("x",), tuple(nodes), tuple(edges), "readout", tuple(links), "genome")

    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        raise ValueError(OPEN_ENDED)

    def valid_choices(self, choices: Sequence[int]) -> bool:
        try:
            g = self.decode(choices)
        except ValueError:
            return False
        return self.encode(g) == tuple(choices) and self.check(g)

    def size(self) -> int:
        raise ValueError(OPEN_ENDED)


def _token(nid: str) -> int:
    if nid in FIXED:
        return FIXED.index(nid)
    if nid[:1] == "n" and nid[1:].isdigit() and int(nid[1:]) >= len(FIXED):
        return int(nid[1:])
    raise ValueError(f"node id {nid!r}")


def _node_id(token: int) -> str:
    if not 0 <= token < LIMIT:
        raise ValueError(f"node token {token}")
    return FIXED[token] if token < len(FIXED) else f"n{token}"
