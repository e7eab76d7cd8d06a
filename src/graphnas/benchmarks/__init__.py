"""Tabular benchmarks (NAS-Bench-Graph, NAS-Bench-201) as spaces plus lookup objectives, one
loop that searches them with any strategy, and references (Optuna's TPE) beside them."""

from .base import Lookup, TabularBenchmark
from .nasbench201 import NasBench201, NasBench201Objective, NasBench201Space, Nb201Cell
from .nasbenchgraph import (
    DATASETS,
    NasBenchGraph,
    NasBenchGraphObjective,
    NasBenchGraphSpace,
    NbgArch,
    load_table,
)
from .reference import REFERENCES, reference_names
from .registry import BENCHMARKS, benchmark_names, get_benchmark
from .tabular import Trace, compare, run_tabular, summarize

__all__ = ["BENCHMARKS", "DATASETS", "REFERENCES", "Lookup", "NasBench201",
           "NasBench201Objective", "NasBench201Space", "NasBenchGraph", "NasBenchGraphObjective",
           "NasBenchGraphSpace", "NbgArch", "Nb201Cell", "TabularBenchmark", "Trace",
           "benchmark_names", "compare", "get_benchmark", "load_table", "reference_names",
           "run_tabular", "summarize"]
