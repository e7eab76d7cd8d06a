"""B1: train-step time of networks built from graphs against the same networks written by hand.

Run:  .venv/bin/python benchmarks/bench_build.py [--repeats 15] [--steps 10] [--threads 1]

Each repeat times ``--steps`` train steps (forward, cross-entropy, backward, Adam step) of the
built network and of the hand-written one, interleaved (the order alternates between repeats), on
MNIST-1D-shaped batches (128 x 40 x 1). It prints per-step medians and the median over repeats of
the ratio built / hand-written, which is what the targets are about on a shared, noisy machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch
from torch import nn

from graphnas.graph import InputSpec, OutputSpec, load_example
from graphnas.nn import build

SPEC = InputSpec("sequence", (40, 1))
OUT = OutputSpec("classes", 10)


class HandCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(1, 32, 5, 2, 2)
        self.c2 = nn.Conv1d(32, 32, 3, 2, 1)
        self.c3 = nn.Conv1d(32, 32, 3, 2, 1)
        self.head = nn.Linear(160, 10)

    def forward(self, x):
        x = x.transpose(1, 2)
        x = torch.relu(self.c3(torch.relu(self.c2(torch.relu(self.c1(x))))))
        return self.head(x.flatten(1))


class HandResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv1d(1, 32, 3, padding=1)
        self.conv1 = nn.Conv1d(32, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm1d(32)
        self.conv2 = nn.Conv1d(32, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm1d(32)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        s = self.stem(x.transpose(1, 2))
        y = torch.relu(self.bn1(self.conv1(s)))
        y = torch.relu(self.bn2(self.conv2(y)) + s)
        return self.head(y.mean(-1))


class HandBranching(nn.Module):
    def __init__(self):
        super().__init__()
        self.k3 = nn.Conv1d(1, 16, 3, padding=1)
        self.k5 = nn.Conv1d(1, 16, 5, padding=2)
        self.k7 = nn.Conv1d(1, 16, 7, padding=3)
        self.mix = nn.Conv1d(48, 32, 1)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        x = x.transpose(1, 2)
        y = torch.relu(torch.cat([self.k3(x), self.k5(x), self.k7(x)], 1))
        return self.head(self.mix(y).mean(-1))


class HandGRU(nn.Module):
    """A GRUCell stepped in a Python loop, as one writes an RNN by hand."""

    def __init__(self):
        super().__init__()
        self.cell = nn.GRUCell(1, 16)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        h = x.new_zeros(x.shape[0], 16)
        for t in range(x.shape[1]):
            h = self.cell(x[:, t], h)
        return self.head(h)


class HandLSTM(nn.Module):
    """An LSTMCell stepped in a Python loop (not a target of B1; shown for comparison)."""

    def __init__(self):
        super().__init__()
        self.cell = nn.LSTMCell(1, 16)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        h = c = x.new_zeros(x.shape[0], 16)
        for t in range(x.shape[1]):
            h, c = self.cell(x[:, t], (h, c))
        return self.head(h)


PAIRS = [("cnn", "cnn1d", HandCNN, 1.10), ("residual", "residual_block", HandResidual, 1.10),
         ("branching", "branching_concat", HandBranching, 1.10), ("gru", "gru", HandGRU, 2.0),
         ("lstm", "lstm", HandLSTM, None)]


def time_steps(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int) -> float:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return (time.perf_counter() - t0) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--only", nargs="*", help="networks to run (default: all)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.batch, 40, 1)
    y = torch.randint(0, 10, (args.batch,))
    print(f"B1 train-step time, batch {args.batch}, {args.threads} thread(s), torch "
          f"{torch.__version__}; median of {args.repeats} interleaved repeats x {args.steps} "
          f"steps; {platform.machine()}, {os.cpu_count()} cpus, {platform.python_version()}")
    print(f"{'network':<10} {'built ms':>9} {'hand ms':>9} {'ratio':>6} {'target':>7}")
    for label, example, hand_cls, target in PAIRS:
        if args.only and label not in args.only:
            continue
        built = build(load_example(example), SPEC, OUT)
        hand = hand_cls()
        time_steps(built, x, y, 3)  # warm-up
        time_steps(hand, x, y, 3)
        tb, th = [], []
        for k in range(args.repeats):
            pair = (built, hand) if k % 2 == 0 else (hand, built)
            first, second = (time_steps(m, x, y, args.steps) for m in pair)
            tb.append(first if k % 2 == 0 else second)
            th.append(second if k % 2 == 0 else first)
        mb, mh = statistics.median(tb), statistics.median(th)
        ratio = statistics.median(b / h for b, h in zip(tb, th))
        verdict = "-" if target is None else "ok" if ratio <= target else "MISS"
        goal = "-" if target is None else f"<={target}"
        print(f"{label:<10} {mb * 1e3:9.2f} {mh * 1e3:9.2f} {ratio:6.2f} {goal:>7} {verdict}")

if __name__ == "__main__":
    main()
