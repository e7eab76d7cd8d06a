"""Tabular benchmarks as spaces plus lookup objectives (NAS-Bench-Graph first)."""

from .nasbenchgraph import (
    DATASETS,
    NasBenchGraphObjective,
    NasBenchGraphSpace,
    NbgArch,
    compare_strategies,
    load_table,
)
from .tabular import Trace, compare, run_tabular, summarize

__all__ = ["DATASETS", "NasBenchGraphObjective", "NasBenchGraphSpace", "NbgArch", "Trace",
           "compare", "compare_strategies", "load_table", "run_tabular", "summarize"]
