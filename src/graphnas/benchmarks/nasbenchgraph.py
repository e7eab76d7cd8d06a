"""NAS-Bench-Graph (Qin et al., NeurIPS 2022 datasets track) as a space and a lookup objective.

The benchmark's macro space: four computing nodes, each fed by one earlier node (the input is
node 0), so an architecture is a *link pattern* (the input node of each computing node) and one
op per computing node. The tables that ship inside the ``nas-bench-graph`` package are keyed by
``Arch(link, ops).valid_hash()``, which canonicalises isomorphic architectures (reordered
branches, skip ops moved out of the way); we use the package's own code for that, so every
decoded candidate is found in its data set's table.

Decisions: ``link`` (one of the package's 9 canonical link patterns, ``link_list``; the
space's ``template_label``), then ``node0.op`` .. ``node3.op``. The only architecture the
tables lack is the one made of skips alone (the identity network), so ``node3.op`` loses the
``skip`` option when the three ops before it are all ``skip``. proteins was tabulated for 5
ops only (``gnn_list_proteins``): its space has those ops.

Example:
    >>> space = NasBenchGraphSpace("cora")
    >>> objective = NasBenchGraphObjective("cora")
    >>> cand = space.sample(np.random.default_rng(0))
    >>> objective.lookup(cand.arch)["valid_perf"]  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from graphnas.extras import require
from graphnas.spaces.base import Decision, Space

from .base import Evaluate, Lookup, TabularBenchmark

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv",
            "proteins")
NODES = 4
LOCAL_OPS = frozenset({"fc", "skip"})  # ops that pass no messages along the graph's edges


def _package():
    """The package's architecture module (pure Python; the package's ``runnni`` module, which
    needs nni, is never imported)."""
    return require("nas_bench_graph.architecture", "bench", "NAS-Bench-Graph")


def check_dataset(dataset: str) -> str:
    """The data set's name, or ValueError naming the ones that exist."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown NAS-Bench-Graph data set {dataset!r}; use one of "
                         f"{', '.join(DATASETS)}")
    return dataset


def link_patterns() -> tuple[tuple[int, ...], ...]:
    """The package's canonical link patterns (input node of each computing node)."""
    return tuple(tuple(lk) for lk in _package().link_list)


def ops_for(dataset: str) -> tuple[str, ...]:
    """The ops tabulated for a data set (fewer for proteins)."""
    arch = _package()
    ops = arch.gnn_list_proteins if check_dataset(dataset) == "proteins" else arch.gnn_list
    return tuple(ops)


@cache
def load_table(dataset: str) -> dict[int, dict[str, float]]:
    """The data set's table (read once per process): valid hash -> valid_perf, perf (test),
    latency (seconds) and para (millions of parameters), as plain floats."""
    readbench = require("nas_bench_graph.readbench", "bench", "NAS-Bench-Graph")
    raw = readbench.light_read(check_dataset(dataset))
    return {int(h): {k: float(v) for k, v in row.items()} for h, row in raw.items()}


@dataclass(frozen=True)
class NbgArch:
    """One NAS-Bench-Graph architecture: ``link[i]`` feeds computing node i (0 = the input,
    j = computing node j), ``ops[i]`` is its op."""

    link: tuple[int, ...]
    ops: tuple[str, ...]

    def valid_hash(self) -> int:
        """The package's canonical key of this architecture (the tables' key)."""
        return int(_package().Arch(list(self.link), list(self.ops)).valid_hash())

    def canonical_hash(self) -> str:
        return str(self.valid_hash())

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps({"space": "nasbenchgraph", "link": list(self.link),
                           "ops": list(self.ops)}, indent=indent)

    @classmethod
    def from_json(cls, text: str) -> NbgArch:
        try:
            d = json.loads(text)
            arch = cls(tuple(int(x) for x in d["link"]), tuple(str(o) for o in d["ops"]))
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"not a NAS-Bench-Graph architecture: {err}") from None
        if len(arch.link) != NODES or len(arch.ops) != NODES:
            raise ValueError(f"a NAS-Bench-Graph architecture has {NODES} links and ops")
        return arch


class NasBenchGraphSpace(Space):
    """The NAS-Bench-Graph macro space of one data set (its op list)."""

    template_label = "link"  # the link pattern is the wiring; the ops fill it in

    def __init__(self, dataset: str = "cora") -> None:
        self.dataset = check_dataset(dataset)
        self.name = f"nasbenchgraph-{dataset}"
        self.links = link_patterns()
        self.ops = ops_for(dataset)
        if self.ops[-1] != "skip":  # the all-skip rule below relies on it
            raise ValueError("expected 'skip' as the last op of the package's op list")
        self._link = Decision("link", self.links, "link")
        self._op = [Decision(f"node{i}.op", self.ops, "op") for i in range(NODES)]
        self._last_no_skip = Decision(f"node{NODES - 1}.op", self.ops[:-1], "op")

    def next_decision(self, choices: Sequence[int]) -> Decision | None:
        n = len(choices)
        if n == 0:
            return self._link
        if n > NODES:
            return None
        skip = len(self.ops) - 1
        if n == NODES and all(c == skip for c in choices[1:]):
            return self._last_no_skip  # the identity network is not tabulated
        return self._op[n - 1]

    def decode(self, choices: Sequence[int]) -> NbgArch:
        if not self.valid_choices(choices):
            raise ValueError(f"not a complete choice sequence of {self.name}: {list(choices)}")
        return NbgArch(self.links[choices[0]], tuple(self.ops[c] for c in choices[1:]))

    def structure_features(self, choices: Sequence[int]) -> dict[str, float]:
        """:func:`branch_features` of the decoded architecture."""
        return branch_features(self.decode(choices))

    def encode(self, arch: Any) -> tuple[int, ...]:
        """The choices of an architecture; a link pattern outside the canonical 9 is first
        brought to its equivalent one with the package's ``regularize``."""
        if not isinstance(arch, NbgArch):
            raise ValueError(f"{self.name} holds NbgArch architectures, not {type(arch).__name__}")
        if len(arch.link) != NODES or len(arch.ops) != NODES:
            raise ValueError(f"a NAS-Bench-Graph architecture has {NODES} links and ops")
        link, ops = list(arch.link), list(arch.ops)
        if tuple(link) not in self.links:
            reg = _package().Arch(link, ops).regularize()
            link, ops = list(reg.link), list(reg.ops)
        if tuple(link) not in self.links:
            raise ValueError(f"link pattern {list(arch.link)} is not in {self.name}")
        if any(o not in self.ops for o in ops):
            raise ValueError(f"ops {ops} are not all in {self.name} ({', '.join(self.ops)})")
        choices = (self.links.index(tuple(link)), *(self.ops.index(o) for o in ops))
        if not self.valid_choices(choices):
            raise ValueError(f"{self.name} does not hold the all-skip architecture")
        return choices

    def size(self) -> int:
        """Choice sequences (many are isomorphic: see ``distinct``)."""
        k = len(self.ops)
        return len(self.links) * (k**NODES - 1)

    def distinct(self) -> int:
        """Distinct architectures (= rows of the data set's table)."""
        return len(load_table(self.dataset))


def branch_features(arch: NbgArch) -> dict[str, float]:
    """Features of an architecture's output branches (the computing nodes no other node reads):
    how many branches have each message-passing depth (the ops from the input to the branch's
    end that pass messages: all but ``fc`` and ``skip``), the deepest and shallowest depth, and
    how many branches there are. A GNN's depth decides much of its accuracy (too few hops see
    too little, too many over-smooth), which the decisions' one-hots do not show."""
    depth: list[int] = []
    for src, op in zip(arch.link, arch.ops):
        depth.append((depth[src - 1] if src else 0) + (op not in LOCAL_OPS))
    read = {src - 1 for src in arch.link if src}
    ends = [depth[i] for i in range(len(arch.ops)) if i not in read]
    f = Counter(f"branch_depth={d}" for d in ends)
    f.update({f"max_depth={max(ends)}": 1, f"min_depth={min(ends)}": 1,
              f"branches={len(ends)}": 1})
    return {k: float(v) for k, v in f.items()}


@dataclass(frozen=True)
class NasBenchGraphObjective:
    """Look an architecture up: the score is ``valid_perf``; test accuracy (``perf``), latency
    and parameters (millions) are metrics for the report only.

    Callable as a driver objective (``objective(arch_json, seed)``); ``lookup`` is the fast
    in-memory path. The table is read once per process.
    """

    dataset: str = "cora"

    def __post_init__(self) -> None:
        check_dataset(self.dataset)

    def lookup(self, arch: NbgArch) -> dict[str, float]:
        """The table's row: valid_perf, perf, latency, para; KeyError if it is not tabulated."""
        return load_table(self.dataset)[arch.valid_hash()]

    def __call__(self, arch_json: str, seed: int = 0) -> dict[str, Any]:
        try:
            row = self.lookup(NbgArch.from_json(arch_json))
        except (ValueError, KeyError) as err:
            return {"status": "failed", "score": None, "seconds": 0.0,
                    "error": f"not in NAS-Bench-Graph {self.dataset}: {err}"}
        return {"status": "ok", "score": row["valid_perf"], "seconds": 0.0,
                "params": int(round(row["para"] * 1e6)),
                "metrics": {"valid_perf": row["valid_perf"], "test": row["perf"],
                            "latency": row["latency"], "para_m": row["para"]}}

    def best_valid(self) -> float:
        """The best ``valid_perf`` of the data set (regret is measured against it)."""
        return max(r["valid_perf"] for r in load_table(self.dataset).values())

    def stats(self) -> dict[str, float]:
        """Best valid_perf, the test accuracy of that architecture, and the best test."""
        rows = list(load_table(self.dataset).values())
        top = max(rows, key=lambda r: r["valid_perf"])
        return {"best_valid": top["valid_perf"], "test_of_best_valid": top["perf"],
                "best_test": max(r["perf"] for r in rows), "archs": len(rows),
                "mean_valid": float(np.mean([r["valid_perf"] for r in rows]))}


def _costs(row: dict[str, float]) -> dict[str, float]:
    """A row's latency (seconds) and parameters (millions), as a benchmark's costs."""
    return {"latency": row["latency"], "params": row["para"]}


class NasBenchGraph(TabularBenchmark):
    """NAS-Bench-Graph's tables as a benchmark: the search is told ``valid_perf``, the report
    keeps the incumbent's ``perf`` (test accuracy). One value per architecture: no noise."""

    name = "nasbenchgraph"
    title = "NAS-Bench-Graph"
    datasets = DATASETS
    unit = "validation accuracy (fraction)"
    has_test = True
    has_noise = False
    costs = ("latency", "params")  # seconds, and millions of parameters

    def space(self, dataset: str) -> NasBenchGraphSpace:
        return NasBenchGraphSpace(dataset)

    def evaluator(self, dataset: str, noisy: bool = False, seed: int = 0) -> Evaluate:
        self.check_noisy(noisy)
        table = load_table(check_dataset(dataset))

        def evaluate(arch: NbgArch) -> Lookup:
            row = table.get(arch.valid_hash())
            return Lookup(None, None, None) if row is None else \
                Lookup(row["valid_perf"], row["valid_perf"], row["perf"], _costs(row))
        return evaluate

    def cost_lookup(self, dataset: str) -> Callable[[NbgArch], dict[str, float] | None]:
        table = load_table(check_dataset(dataset))

        def costs(arch: NbgArch) -> dict[str, float] | None:
            row = table.get(arch.valid_hash())
            return None if row is None else _costs(row)
        return costs

    def points(self, dataset: str, costs: Sequence[str]) -> np.ndarray:
        column = {"latency": "latency", "params": "para"}
        return np.array([(r["valid_perf"], *(r[column[c]] for c in costs))
                         for r in load_table(check_dataset(dataset)).values()], float)

    def optimum(self, dataset: str) -> float:
        return NasBenchGraphObjective(dataset).best_valid()
