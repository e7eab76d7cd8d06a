"""``train(graph, task, budget, config) -> Result``: budgeted training that never crashes its
caller. A NaN or inf loss, an exception in the model, running out of memory or past the time
limit gives a failed Result with the reason."""

from __future__ import annotations

import logging
import math
import time

import torch

from graphnas.graph import Graph, GraphError
from graphnas.nn import build, count_flops, count_params
from graphnas.tasks import Task

from .config import Budget, TrainConfig
from .metrics import evaluate, loss_fn
from .result import Result

log = logging.getLogger(__name__)


class _Stop(Exception):
    """Training must end as failed, with this message."""


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(name)
    except RuntimeError:
        raise ValueError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N") from None


def _optimizer(model: torch.nn.Module, c: TrainConfig) -> torch.optim.Optimizer:
    p = model.parameters()
    if c.optimizer == "adam":
        return torch.optim.Adam(p, lr=c.lr, weight_decay=c.weight_decay)
    if c.optimizer == "adamw":
        return torch.optim.AdamW(p, lr=c.lr, weight_decay=c.weight_decay)
    if c.optimizer == "rmsprop":
        return torch.optim.RMSprop(p, lr=c.lr, weight_decay=c.weight_decay,
                                   momentum=c.momentum)
    return torch.optim.SGD(p, lr=c.lr, weight_decay=c.weight_decay, momentum=c.momentum,
                           nesterov=True)


def lr_factor(schedule: str, progress: float) -> float:
    """Learning-rate multiplier at ``progress`` in [0, 1] of the budget."""
    progress = min(max(progress, 0.0), 1.0)
    if schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * progress))
    if schedule == "onecycle":
        if progress < 0.1:
            return 0.04 + 0.96 * progress / 0.1
        return 0.5 * (1 + math.cos(math.pi * (progress - 0.1) / 0.9))
    return 1.0


def train(graph: Graph, task: Task, budget: Budget, config: TrainConfig = TrainConfig(),
          evaluate_test: bool = False, keep_module: bool = False) -> Result:
    """Train ``graph`` on ``task`` and score it on the validation split.

    Args:
        budget: steps, epochs and/or seconds; training ends at the first reached.
        config: the protocol (optimizer, schedule, seed, device, fidelity, early stopping).
        evaluate_test: also measure the test split (final reports only, never in a search).
        keep_module: attach the trained module (best validation weights) to the result.
    """
    start = time.perf_counter()
    known: dict = {"metric": task.metric, "fidelity": config.fidelity}
    try:
        device = resolve_device(config.device)
        known["device"] = str(device)
        return _train(graph, task, budget, config, device, evaluate_test, keep_module, start,
                      known)
    except _Stop as stop:
        return Result.failure(str(stop), seconds=time.perf_counter() - start, **known)
    except GraphError as err:
        return Result.failure(f"invalid graph: {err}", seconds=time.perf_counter() - start,
                              **known)
    except torch.OutOfMemoryError:
        return Result.failure("out of memory", seconds=time.perf_counter() - start, **known)
    except Exception as err:  # noqa: BLE001  (a trial's failure is data, not a crash)
        log.debug("trial failed", exc_info=True)
        text = f"{type(err).__name__}: {err}".splitlines()[0][:500]
        if "out of memory" in text.lower():
            text = "out of memory"
        return Result.failure(text, seconds=time.perf_counter() - start, **known)


def _train(graph, task, budget, c, device, evaluate_test, keep_module, start, known) -> Result:
    if c.threads:
        torch.set_num_threads(c.threads)
    with torch.random.fork_rng(devices=[]):  # weights from the trial's seed, no global effect
        torch.manual_seed(c.seed)
        model = build(graph, task.input_spec, task.output_spec, c.ticks)
    known["params"] = count_params(model)
    known["flops"] = count_flops(model, task.input_spec)
    model.to(device)
    gen = torch.Generator().manual_seed(c.seed)
    n_train = max(1, int(round(len(task.train) * c.fidelity)))
    subset = torch.randperm(len(task.train), generator=gen)[:n_train]
    xt = torch.as_tensor(task.train.x)[subset].to(device)
    yt = torch.as_tensor(task.train.y)[subset].to(device)
    xv = torch.as_tensor(task.valid.x).to(device)
    yv = torch.as_tensor(task.valid.y).to(device)
    batch = min(c.batch_size, n_train)
    per_epoch = max(1, n_train // batch)
    total = budget.steps or math.inf
    if budget.epochs is not None:
        total = min(total, max(1, int(budget.epochs * per_epoch)))
    opt = _optimizer(model, c)
    criterion = loss_fn(task)
    curve: list = []
    best_score, best_state, stale, step = -math.inf, None, 0, 0
    order = torch.randperm(n_train, generator=gen)
    cursor = 0
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(c.seed + 1)  # dropout
        model.train()
        while step < total:
            elapsed = time.perf_counter() - start
            if budget.seconds is not None and elapsed >= budget.seconds:
                break
            if c.max_seconds is not None and elapsed >= c.max_seconds:
                raise _Stop(f"time limit: {c.max_seconds:g} s reached at step {step}")
            progress = step / total if total != math.inf else 0.0
            if budget.seconds is not None:
                progress = max(progress, elapsed / budget.seconds)
            for group in opt.param_groups:
                group["lr"] = c.lr * lr_factor(c.schedule, progress)
            if cursor + batch > n_train:
                order, cursor = torch.randperm(n_train, generator=gen), 0
            idx = order[cursor:cursor + batch].to(device)
            cursor += batch
            loss = criterion(model(xt[idx]), yt[idx])
            if not torch.isfinite(loss):
                raise _Stop(f"non-finite loss ({loss.item()}) at step {step}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if c.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), c.grad_clip)
            opt.step()
            step += 1
            if step % c.eval_every == 0 or step >= total:
                score = task.score(evaluate(model, xv, yv, task))
                curve.append((step, loss.item(), score))
                if score > best_score:
                    best_score, stale = score, 0
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                else:
                    stale += 1
                    if c.patience is not None and stale >= c.patience:
                        break
    if best_state is None or (curve and curve[-1][0] != step):
        score = task.score(evaluate(model, xv, yv, task))
        curve.append((step, curve[-1][1] if curve else float("nan"), score))
        if score > best_score:
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    valid = evaluate(model, xv, yv, task)
    if not all(math.isfinite(v) for v in valid.values()):
        raise _Stop("non-finite validation metric")
    test = None
    if evaluate_test:
        xs = torch.as_tensor(task.test.x).to(device)
        test = evaluate(model, xs, torch.as_tensor(task.test.y).to(device), task)
    return Result("ok", score=task.score(valid), valid=valid, test=test, curve=curve,
                  seconds=time.perf_counter() - start, steps=step,
                  module=model if keep_module else None, **known)
