"""The differentiable phase's step time: a supergraph's bilevel step against a trial's step.

Run:  .venv/bin/python benchmarks/bench_supergraph.py [--repeats 3] [--steps 3] [--threads 1]

For MNIST-1D and the adding problem, the macro space restricted as the hybrid restricts it
(options used by at least 2 of 5 graphs, here drawn at random, plus the first graph's own) and
the whole space: the time of one first-order bilevel step of the supergraph (an architecture step
on a validation batch, then a weight step on a training batch, batch 64 as ``DiffConfig``), and
as the reference one trial step (forward, loss, backward, AdamW; batch 128 as ``TrainConfig``)
of the restricted supergraph's discretised graph. Medians over repeats; the ratio says how many
trial steps one supergraph step costs, which bounds what the exploit phase learns in its share.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import torch

from graphnas.differentiable.supergraph import MacroSupergraph
from graphnas.nn import build
from graphnas.spaces import Space, get_space
from graphnas.tasks import Task, get_task
from graphnas.training.metrics import loss_fn


def hybrid_like_restriction(space: Space, graphs: int, seed: int) -> Space:
    """The space restricted to the options used by at least 2 of ``graphs`` random graphs, and
    always the first graph's (the hybrid's rule, with random graphs for the explored ones)."""
    rng = np.random.default_rng(seed)
    votes: dict[str, dict] = {}
    first: dict[str, object] = {}
    for g in range(graphs):
        cand = space.sample(rng)
        for d, c in zip(space.decisions(cand.choices), cand.choices):
            votes.setdefault(d.label, {}).setdefault(d.options[c], 0)
            votes[d.label][d.options[c]] += 1
            if g == 0:
                first[d.label] = d.options[c]
    allowed = {label: [v for v, n in counts.items() if n >= 2 or first.get(label) == v]
               or list(counts) for label, counts in votes.items()}
    return space.restrict(allowed)


def supergraph_step(task: Task, space: Space, steps: int) -> float:
    """Seconds per first-order bilevel step (batch 64)."""
    model = MacroSupergraph(space, task.input_spec, task.output_spec)
    crit = loss_fn(task)
    w_opt = torch.optim.AdamW(model.weight_parameters(), lr=3e-3)
    a_opt = torch.optim.Adam(model.arch_parameters(), lr=1e-3)
    xt, yt = torch.as_tensor(task.train.x), torch.as_tensor(task.train.y)
    xv, yv = torch.as_tensor(task.valid.x), torch.as_tensor(task.valid.y)
    gen = torch.Generator().manual_seed(0)

    def step() -> None:
        iv = torch.randint(len(xv), (64,), generator=gen)
        a_opt.zero_grad()
        crit(model(xv[iv]), yv[iv]).backward()
        a_opt.step()
        it = torch.randint(len(xt), (64,), generator=gen)
        w_opt.zero_grad()
        crit(model(xt[it]), yt[it]).backward()
        w_opt.step()

    return _per_step(step, steps)


def trial_step(task: Task, space: Space, steps: int) -> float:
    """Seconds per trial step (batch 128) of the restricted supergraph's discretised graph."""
    graph = MacroSupergraph(space, task.input_spec, task.output_spec).discretise()
    model = build(graph, task.input_spec, task.output_spec)
    crit = loss_fn(task)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    xt, yt = torch.as_tensor(task.train.x), torch.as_tensor(task.train.y)
    gen = torch.Generator().manual_seed(0)

    def step() -> None:
        it = torch.randint(len(xt), (128,), generator=gen)
        opt.zero_grad()
        crit(model(xt[it]), yt[it]).backward()
        opt.step()

    return _per_step(step, steps)


def _per_step(step, steps: int) -> float:
    step()  # warm-up: allocations, first-call dispatch
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=["mnist1d", "adding"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"# torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"{args.threads} thread(s); medians of {args.repeats} repeats x {args.steps} steps")
    print("| task | supergraph | options kept | supergraph step (ms) | trial step (ms) "
          "| ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in args.tasks:
        task = get_task(name, seed=args.seed)
        full = get_space("macro", task.input_spec, task.output_spec)
        torch.manual_seed(args.seed)
        restricted = hybrid_like_restriction(full, 5, args.seed)
        ref = statistics.median(trial_step(task, restricted, args.steps)
                                for _ in range(args.repeats))
        for label, space in (("restricted", restricted), ("whole space", full)):
            kept = sum(len(d.options) for d in space.fixed_decisions())
            sec = statistics.median(supergraph_step(task, space, args.steps)
                                    for _ in range(args.repeats))
            print(f"| {name} | {label} | {kept} | {1000 * sec:.0f} | {1000 * ref:.1f} | "
                  f"{sec / ref:.1f} |", flush=True)


if __name__ == "__main__":
    main()
