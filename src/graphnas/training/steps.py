"""How one training step runs: eagerly, or replayed from a CUDA graph.

A step is forward, loss, backward, gradient clipping and the optimizer step on one batch, given as
indices into training tensors that already sit on the device. Small NAS networks are bound by
kernel launches, not arithmetic: on a GPU, :class:`CapturedStep` runs a few warm-up steps eagerly
on a side stream, then records one whole step in a CUDA graph and replays it for every later step,
so that a step costs one launch instead of hundreds. Shapes are static (every batch has the same
size), and the model, optimizer and loss keep no host-side state that changes between steps, so
replays compute what eager steps would. If capture fails, the rest of training runs eagerly and
``mode`` says why.

Both runners keep ``bad``, a device flag raised by any non-finite loss, so that the trainer can
check it when it synchronises anyway (at evaluations) instead of after every step.
"""

from __future__ import annotations

import contextlib
import logging

import torch

log = logging.getLogger(__name__)

WARMUP_STEPS = 3  # eager steps before capture (lazy optimizer state, cuDNN/cuBLAS set-up)


def autocast(device: torch.device, precision: str):
    """bf16 autocast for ``precision == "bf16"``; a no-op context otherwise."""
    if precision != "bf16":
        return contextlib.nullcontext()
    # no autocast weight cache: cached casts would be stale across graph replays
    return torch.autocast(device.type, dtype=torch.bfloat16, cache_enabled=False)


class EagerStep:
    """One ordinary training step per call; returns the loss (a device tensor, not synced)."""

    mode = "eager"

    def __init__(self, model, opt, criterion, xt, yt, grad_clip, precision="fp32"):
        self.model, self.opt, self.criterion = model, opt, criterion
        self.xt, self.yt = xt, yt
        self.grad_clip, self.precision = grad_clip, precision
        self.device = xt.device
        self.bad = torch.zeros((), dtype=torch.bool, device=self.device)

    def _step(self, idx):
        with autocast(self.device, self.precision):
            out = self.model(self.xt.index_select(0, idx))
            loss = self.criterion(out.float(), self.yt.index_select(0, idx))
        self.bad.logical_or_(~torch.isfinite(loss))
        loss.backward()
        if self.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.opt.step()
        return loss.detach()  # the autograd graph of this step is freed here

    def __call__(self, idx):
        self.opt.zero_grad(set_to_none=True)
        return self._step(idx)


class CapturedStep(EagerStep):
    """Training steps replayed from a CUDA graph after ``WARMUP_STEPS`` eager ones.

    Args:
        batch: the (fixed) batch size; indices are copied into a static buffer of that size.
    """

    def __init__(self, model, opt, criterion, xt, yt, grad_clip, precision="fp32", *, batch):
        super().__init__(model, opt, criterion, xt, yt, grad_clip, precision)
        self.mode = "cuda graph (warming up)"
        self.idx = torch.zeros(batch, dtype=torch.long, device=self.device)
        self.graph: torch.cuda.CUDAGraph | None = None
        self.loss: torch.Tensor | None = None
        self.calls = 0
        self.failed = False
        self.side = torch.cuda.Stream(self.device)

    def __call__(self, idx):
        self.calls += 1
        if self.graph is not None:
            self.idx.copy_(idx, non_blocking=True)
            self.graph.replay()
            return self.loss
        if self.failed:
            return super().__call__(idx)
        if self.calls <= WARMUP_STEPS:
            self.side.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(self.side):
                loss = super().__call__(idx)
            torch.cuda.current_stream(self.device).wait_stream(self.side)
            return loss
        try:
            self._capture()
        except Exception as err:  # noqa: BLE001  (any capture problem: train eagerly instead)
            self.failed, self.graph = True, None
            self.mode = f"eager (capture failed: {type(err).__name__}: {err})".splitlines()[0]
            log.info("CUDA graph capture failed, training eagerly: %s", err)
            torch.cuda.synchronize(self.device)
            return super().__call__(idx)
        self.mode = "cuda graph"
        return self(idx)

    def _capture(self):
        torch.cuda.synchronize(self.device)
        graph = torch.cuda.CUDAGraph()
        # gradients are allocated inside the graph's pool, and each replay overwrites them
        self.opt.zero_grad(set_to_none=True)
        with torch.cuda.graph(graph):
            self.loss = self._step(self.idx)
        self.graph = graph
        self.calls -= 1  # the capture recorded a step without running it


def capture_problem(device: torch.device, setting: str,
                    opt: torch.optim.Optimizer | None = None) -> str | None:
    """Why a training step cannot be captured on ``device`` (None: it can). Only torch's own
    optimizers are captured: others (an update rule's, a file's) may keep host-side state, such
    as a step count, that a replay would not move."""
    if setting == "off":
        return "capture off"
    if device.type != "cuda":
        return f"eager ({device.type}: CUDA graphs need a GPU)"
    if opt is not None and not type(opt).__module__.startswith("torch.optim"):
        return f"eager ({type(opt).__name__} may keep host-side state)"
    return None
