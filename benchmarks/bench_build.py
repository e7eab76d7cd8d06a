"""B1: train-step time of networks built from graphs against the same networks written by hand.

Run:  .venv/bin/python benchmarks/bench_build.py [--repeats 7] [--steps 20] [--threads 1]

Each repeat times ``--steps`` train steps (forward, cross-entropy, backward, Adam step) of the
built network and then of the hand-written one, interleaved, on MNIST-1D-shaped batches
(128 x 40 x 1). It prints per-step medians and the ratio built / hand-written.
"""

from __future__ import annotations

import argparse
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


PAIRS = [("cnn", "cnn1d", HandCNN, 1.10), ("residual", "residual_block", HandResidual, 1.10),
         ("branching", "branching_concat", HandBranching, 1.10), ("gru", "gru", HandGRU, 2.0)]


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
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.batch, 40, 1)
    y = torch.randint(0, 10, (args.batch,))
    print(f"B1 train-step time, batch {args.batch}, {args.threads} thread(s), torch "
          f"{torch.__version__}; median of {args.repeats} interleaved repeats x {args.steps} "
          f"steps")
    print(f"{'network':<10} {'built ms':>9} {'hand ms':>9} {'ratio':>6} {'target':>7}")
    for label, example, hand_cls, target in PAIRS:
        built = build(load_example(example), SPEC, OUT)
        hand = hand_cls()
        time_steps(built, x, y, 3)  # warm-up
        time_steps(hand, x, y, 3)
        tb, th = [], []
        for _ in range(args.repeats):
            tb.append(time_steps(built, x, y, args.steps))
            th.append(time_steps(hand, x, y, args.steps))
        mb, mh = statistics.median(tb), statistics.median(th)
        ratio = statistics.median(b / h for b, h in zip(tb, th))
        verdict = "ok" if ratio <= target else "MISS"
        print(f"{label:<10} {mb * 1e3:9.2f} {mh * 1e3:9.2f} {ratio:6.2f} {'<=' + str(target):>7}"
              f" {verdict}")


if __name__ == "__main__":
    main()
