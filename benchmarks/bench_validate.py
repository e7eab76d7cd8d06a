"""Validation, shape inference and canonical hashing on long chains of ReLU nodes (issue 31).

Run:  .venv/bin/python benchmarks/bench_validate.py [--sizes 500 2000 5000 20000] [--repeats 3]

Each graph is ``x -> relu -> relu -> ... -> relu`` with ``n`` ReLU nodes on a ``vector:16``
input. For each size it prints the median over ``--repeats`` runs of ``validate`` without an input
spec (structure only), with the spec (structure and shapes: what ``graphnas validate G
--input vector:16`` does), and of ``canonical_hash``. Linear (or n log n) code keeps the time per
node roughly flat across sizes; the issue's target is a 20,000-node chain validated in under 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import time

from graphnas.graph import Node, canonical_hash, make_graph, parse_input_spec, validate


def chain(n: int):
    """``x`` followed by ``n`` ReLU nodes in a row; the last is the output."""
    ids = [f"r{i}" for i in range(n)]
    nodes = [Node(i, "relu") for i in ids]
    edges = list(zip(["x", *ids[:-1]], ids, strict=True))
    return make_graph(["x"], nodes, edges, ids[-1], name=f"chain{n}")


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000, 20000])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    spec = parse_input_spec("vector:16")
    print(f"{'nodes':>7} {'structure s':>12} {'+shapes s':>10} {'hash s':>8}")
    for n in args.sizes:
        g = chain(n)
        structure = median_time(lambda g=g: validate(g), args.repeats)
        shapes = median_time(lambda g=g: validate(g, spec), args.repeats)
        hashing = median_time(lambda g=g: canonical_hash(g), args.repeats)
        print(f"{n:>7} {structure:>12.3f} {shapes:>10.3f} {hashing:>8.3f}", flush=True)


if __name__ == "__main__":
    main()
