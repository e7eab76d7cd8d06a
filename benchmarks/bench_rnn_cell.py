"""B8: recurrent cells searched in NAS-RL's cell language (REINFORCE and PPO) and in the macro
space, against an LSTM and a GRU built from primitives, at equal size and equal training steps.

Run:  .venv/bin/python benchmarks/bench_rnn_cell.py [--tasks psdigits,chars] [--seeds 3]
          [--budget 30m] [--workers 2] [--steps 3000] [--trial-steps N] [--out runs/b8]

Per task and seed s, three searches of BUDGET on WORKERS workers, seed s (``graphnas search
--task TASK --seed s ...``; the task's baselines are not trained there):

- ``rnn_cell`` with ``reinforce`` (``algorithm=reinforce``) and with ``algorithm=ppo``: every
  cell of the space has the same parameter count at a given ``width`` (16 linear maps of 8
  leaves, whatever the tree), so both search at the width whose count is nearest the task's LSTM
  baseline's, and the cell found is already of its size;
- ``macro`` with ``evolution``: the best graph found has every ``width`` scaled by one factor,
  chosen so that its parameter count is nearest the LSTM's.

Then the best graph of each search at that size, the LSTM (``<task>_lstm.json``) and the GRU
(``<task>_gru.json``) each train with the standard protocol (``graphnas train``: STEPS steps,
seed s) and are scored on the test split: accuracy on psdigits, bits per character on chars
(lower is better). One Markdown table: mean +- std over seeds per task and model, each seed's
score, parameter counts (a count more than 10% from the LSTM's is marked), then the cells found
as formulas (``RnnCellSpace.describe``) and their drawings (``best/graph.svg`` of each search),
and a verdict per task: the target holds when the better searched cell (by mean, of REINFORCE and
PPO) beats both the LSTM's and the GRU's mean. A search in which every trial failed is reported
as failed for its seed and left out of its model's mean. Each finished (task, seed) is kept in
``--record`` (a small committed JSON file, keyed by the settings) and read back instead of being
run again, so seeds measured in one session count in the next.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from dataclasses import replace
from importlib import resources
from pathlib import Path

from record import RESULTS, Record

import graphnas
from graphnas.api import parse_duration, train_graph
from graphnas.graph import Graph, load, save
from graphnas.methods import NoResult
from graphnas.nn import build
from graphnas.nn.counting import count_params
from graphnas.spaces.registry import get_space
from graphnas.tasks import Task, get_task
from graphnas.tasks.base import LOWER_IS_BETTER

SEARCHES = {  # model name -> (space, strategy, strategy options)
    "reinforce cell": ("rnn_cell", "reinforce", {"algorithm": "reinforce"}),
    "ppo cell": ("rnn_cell", "reinforce", {"algorithm": "ppo"}),
    "macro (evolution)": ("macro", "evolution", {}),
}
TOLERANCE = 0.10  # parameter counts within 10% of the LSTM's


def baseline(task: str, name: str) -> Path:
    return Path(str(resources.files("graphnas") / "baselines" / f"{task}_{name}.json"))


def params(graph: Graph, task: Task) -> int:
    return count_params(build(graph, task.input_spec, task.output_spec))


def cell_width(task: Task, target: int) -> int:
    """The ``rnn_cell`` width whose networks' parameter count is nearest ``target`` (the count
    grows with the width and does not depend on the cell)."""
    def count(width: int) -> int:
        space = get_space("rnn_cell", task.input_spec, task.output_spec, width=width)
        return params(space.decode(space.preset("lstm")), task)

    lo, hi = 1, 2
    while count(hi) < target:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:  # count(lo) < target <= count(hi)
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if count(mid) < target else (lo, mid)
    return min((lo, hi), key=lambda w: abs(count(w) - target))


def scaled(graph: Graph, factor: float) -> Graph:
    """``graph`` with every ``width`` times ``factor`` (rounded, at least 1)."""
    nodes = tuple(replace(n, params={**n.params, "width": max(1, round(n.params["width"] *
                                                                         factor))})
                  if "width" in n.params else n for n in graph.nodes)
    return replace(graph, nodes=nodes)


def matched(graph: Graph, task: Task, target: int) -> Graph:
    """``graph`` with its widths scaled by the factor (bisected on a log scale) that brings its
    parameter count nearest ``target``."""
    if not any("width" in n.params for n in graph.nodes):
        return graph
    lo, hi = 1 / 64, 64.0
    best = graph, params(graph, task)
    for _ in range(40):
        mid = (lo * hi) ** 0.5
        g = scaled(graph, mid)
        n = params(g, task)
        if abs(n - target) < abs(best[1] - target):
            best = g, n
        lo, hi = (mid, hi) if n < target else (lo, mid)
        if hi / lo < 1.001:
            break
    return best[0]


def measure(args, task_name: str, width: int, target: int, root: Path, seed: int) -> dict:
    """One task and seed: the three searches, then every model trained under the standard
    protocol: its test metric (None: its search failed), parameters and, for cells, formulas."""
    task = get_task(task_name)
    extra = {} if args.trial_steps is None else {"trial_steps": args.trial_steps}
    models: dict[str, Path | None] = {name: baseline(task_name, name) for name in ("lstm", "gru")}
    row: dict = {"scores": {}, "params": {}, "cells": {}}
    for name, (space, strategy, options) in SEARCHES.items():
        run = root / task_name / f"{name.split()[0]}-{seed}"
        space_options = {"width": width} if space == "rnn_cell" else {}
        try:
            r = graphnas.search(task=task_name, space=space, strategy=strategy,
                                budget=args.budget, workers=args.workers, seed=seed,
                                space_options=space_options, strategy_options=options,
                                baselines=False, out=str(run), progress="quiet", **extra)
        except NoResult as err:
            print(f"<!-- {task_name} seed {seed} {name}: search failed ({err}) -->", flush=True)
            models[name] = None
            continue
        graph = r.graph
        if space == "rnn_cell":
            cell_space = get_space(space, task.input_spec, task.output_spec, width=width)
            formulas = cell_space.describe(cell_space.encode(graph))
            row["cells"][name] = f"seed {seed} ({run / 'best' / 'graph.svg'}):\n{formulas}"
        else:
            graph = matched(graph, task, target)
        models[name] = save(graph, run / "matched.json")
    for name, path in models.items():
        if path is None:
            row["scores"][name] = None
            continue
        r = train_graph(path, task=task_name, steps=args.steps, seed=seed)
        row["scores"][name], row["params"][name] = r.test_metric, r.params
        print(f"<!-- {task_name} seed {seed} {name}: {r.test_metric:.4f} "
              f"({r.params} parameters) -->", flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default="psdigits,chars", help="comma-separated tasks")
    ap.add_argument("--budget", default="30m", help="wall time of each search")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3000, help="standard-protocol steps")
    ap.add_argument("--trial-steps", type=int, default=None)
    ap.add_argument("--out", default=None, help="run folders (default: a temporary one)")
    ap.add_argument("--record", default=str(RESULTS / "b8.json"),
                    help="finished seeds, read back before searching")
    args = ap.parse_args()
    root = Path(args.out or tempfile.mkdtemp(prefix="b8-"))
    root.mkdir(parents=True, exist_ok=True)
    record = Record(args.record)
    tasks = [t for t in args.tasks.split(",") if t]
    scores: dict[tuple[str, str], list[float | None]] = {}  # None: the search failed
    counts: dict[tuple[str, str], int] = {}
    cells: dict[tuple[str, str], list[str]] = {}
    metric: dict[str, str] = {}
    for task_name in tasks:
        task = get_task(task_name)
        metric[task_name] = task.metric
        target = params(load(baseline(task_name, "lstm")), task)
        width = cell_width(task, target)
        print(f"<!-- {task_name}: LSTM {target} parameters, rnn_cell width {width} -->",
              flush=True)
        for seed in range(args.seeds):
            key = (f"{task_name}-{args.budget}-w{args.workers}-steps{args.steps}"
                   f"-trial{args.trial_steps}-s{seed}")
            row = record.get(key) or measure(args, task_name, width, target, root, seed)
            record.put(key, row)
            for name in ("lstm", "gru", *SEARCHES):
                scores.setdefault((task_name, name), []).append(row["scores"].get(name))
                if name in row["params"]:
                    counts[(task_name, name)] = row["params"][name]
                if name in row["cells"]:
                    cells.setdefault((task_name, name), []).append(row["cells"][name])
    budget = parse_duration(args.budget)
    print(f"\nB8: searches of {budget / 60:g} minutes on {args.workers} workers, standard "
          f"protocol of {args.steps} steps, seeds 0-{args.seeds - 1}\n")
    print("| task | model | test metric | per seed | parameters |")
    print("| --- | --- | --- | --- | --- |")
    mean: dict[tuple[str, str], float] = {}
    for (task_name, name), values in scores.items():
        done = [v for v in values if v is not None]
        per_seed = " / ".join("failed" if v is None else f"{v:.4f}" for v in values)
        if not done:
            print(f"| {task_name} | {name} | every search failed | {per_seed} | - |")
            continue
        mean[(task_name, name)] = statistics.mean(done)
        std = statistics.stdev(done) if len(done) > 1 else 0.0
        n, lstm = counts[(task_name, name)], counts[(task_name, "lstm")]
        off = " (more than 10% from the LSTM's)" if abs(n - lstm) > TOLERANCE * lstm else ""
        print(f"| {task_name} | {name} | {metric[task_name]} {mean[(task_name, name)]:.4f} "
              f"+- {std:.4f} | {per_seed} | {n}{off} |")
    for (task_name, name), found in cells.items():
        print(f"\n{task_name}, {name}:\n")
        for text in found:
            print("```\n" + text + "```")
    print()
    for task_name in tasks:
        lower = metric[task_name] in LOWER_IS_BETTER
        m = {name: v for (t, name), v in mean.items() if t == task_name}
        searched = [name for name in ("reinforce cell", "ppo cell") if name in m]
        if not searched:
            print(f"{task_name}: target missed (every cell search failed)")
            continue
        best = (min if lower else max)(searched, key=m.__getitem__)
        beats = all((m[best] < m[b]) if lower else (m[best] > m[b]) for b in ("lstm", "gru"))
        print(f"{task_name}: target (the better searched cell beats the LSTM and the GRU): "
              f"{'met' if beats else 'missed'} ({best} {m[best]:.4f}, LSTM {m['lstm']:.4f}, "
              f"GRU {m['gru']:.4f}, {metric[task_name]})")


if __name__ == "__main__":
    main()
