"""Tabular benchmarks by name: one module each, one line here.

Example:
    >>> bench = get_benchmark("nasbench201")
    >>> bench.datasets
    ('cifar10', 'cifar100', 'imagenet')
"""

from __future__ import annotations

from .base import TabularBenchmark
from .nasbench201 import NasBench201
from .nasbenchgraph import NasBenchGraph

BENCHMARKS: dict[str, type[TabularBenchmark]] = {
    "nasbenchgraph": NasBenchGraph,
    "nasbench201": NasBench201,
}


def benchmark_names() -> list[str]:
    return list(BENCHMARKS)


def get_benchmark(name: str) -> TabularBenchmark:
    """A registered benchmark by name; ValueError naming the registered ones."""
    if name not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {name!r}; use one of {', '.join(BENCHMARKS)}")
    return BENCHMARKS[name]()
