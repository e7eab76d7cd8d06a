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

from .checkpoint import load_state, save_state
from .config import Budget, TrainConfig, is_file
from .metrics import at_chance, evaluate, loss_fn
from .optimizer_file import file_optimizer
from .precise_bn import recompute_bn_stats
from .result import Result
from .steps import CapturedStep, EagerStep, capture_problem
from .update_rule import UpdateRuleOptimizer

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


def _optimizer(model: torch.nn.Module, c: TrainConfig, device: torch.device,
               rule: str = "") -> torch.optim.Optimizer:
    """The optimizer: ``c.optimizer``'s file, else the graph's update ``rule``, else the built-in
    one named; on a GPU a built-in one is fused (or capturable) with its learning rate as a
    device tensor, so that a CUDA graph can replay its step and the schedule still moves."""
    p = list(model.parameters())
    if is_file(c.optimizer):
        return file_optimizer(c.optimizer, p, c.lr, c.weight_decay)
    if rule:
        return UpdateRuleOptimizer(p, rule, lr=c.lr, weight_decay=c.weight_decay)
    gpu: dict = {}
    if device.type == "cuda":
        gpu = {"fused": True} if c.optimizer == "sgd" else {"capturable": True}
        if c.optimizer in ("adam", "adamw"):
            gpu["fused"] = True
    lr = torch.tensor(c.lr, device=device) if gpu else c.lr
    if c.optimizer == "adam":
        return torch.optim.Adam(p, lr=lr, weight_decay=c.weight_decay, **gpu)
    if c.optimizer == "adamw":
        return torch.optim.AdamW(p, lr=lr, weight_decay=c.weight_decay, **gpu)
    if c.optimizer == "rmsprop":
        return torch.optim.RMSprop(p, lr=lr, weight_decay=c.weight_decay,
                                   momentum=c.momentum, **gpu)
    return torch.optim.SGD(p, lr=lr, weight_decay=c.weight_decay, momentum=c.momentum,
                           nesterov=True, **gpu)


def _set_lr(opt: torch.optim.Optimizer, lr: float) -> None:
    for group in opt.param_groups:
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(lr)  # in place: a captured step reads this tensor
        else:
            group["lr"] = lr


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
          evaluate_test: bool = False, keep_module: bool = False,
          resume: bytes | None = None, save: bool = False, init: dict | None = None,
          keep_weights: bool = False) -> Result:
    """Train ``graph`` on ``task`` and score it on the validation split.

    Args:
        budget: steps, epochs and/or seconds; training ends at the first reached.
        config: the protocol (optimizer, schedule, seed, device, fidelity, early stopping;
            ``stop_at_chance`` ends a run whose first evaluation is no better than a constant
            prediction, see :func:`.metrics.at_chance`, keeping the score it reached).
        evaluate_test: also measure the test split (final reports only, never in a search).
        keep_module: attach the trained module (best validation weights) to the result.
        resume: a checkpoint of the same graph, task and config (the result's ``checkpoint``
            of a shorter run): training goes on from its step up to the budget's steps, as
            the longer run would have gone on (see :mod:`.checkpoint`).
        save: put a checkpoint of where training ended into the result (``checkpoint``).
        init: the weights to start from (a state dict of the graph's network, e.g. a parent's
            weights mapped onto a child, see :func:`graphnas.nn.inherit_state`).
        keep_weights: put the trained network's weights (its state dict, as bytes) into the
            result (``weights``), for children to inherit.
    """
    start = time.perf_counter()
    known: dict = {"metric": task.metric, "fidelity": config.fidelity}
    try:
        device = resolve_device(config.device)
        known["device"] = str(device)
        return _train(graph, task, budget, config, device, evaluate_test, keep_module, start,
                      known, resume, save, init, keep_weights)
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


def _train(graph, task, budget, c, device, evaluate_test, keep_module, start, known,
           resume=None, save=False, init=None, keep_weights=False) -> Result:
    if c.threads:
        torch.set_num_threads(c.threads)
    with torch.random.fork_rng(devices=[]):  # weights from the trial's seed, no global effect
        torch.manual_seed(c.seed)
        model = build(graph, task.input_spec, task.output_spec, c.ticks)
    if init is not None:
        model.load_state_dict(init)
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
    opt = _optimizer(model, c, device, graph.update_rule)
    # the loss flag is read every step on the CPU, at evaluations on a GPU (a read syncs)
    check_every = 1 if device.type == "cpu" else c.eval_every
    curve: list = []
    best_score, best_state, stale, step, checked = -math.inf, None, 0, 0, 0
    order = torch.randperm(n_train, generator=gen).to(device)
    cursor = 0
    dropout_rng = None
    if resume is not None:  # where the shorter run ended: weights, optimizer, data position
        ck = load_state(resume, device)
        model.load_state_dict(ck["model"])
        lrs = [group["lr"] for group in opt.param_groups]  # a GPU's lr is a device tensor:
        opt.load_state_dict(ck["optimizer"])  # keep this run's (the loop sets its value)
        for group, lr in zip(opt.param_groups, lrs):
            group["lr"] = lr
        gen.set_state(ck["generator"])
        order, cursor, dropout_rng = ck["order"].to(device), ck["cursor"], ck["dropout_rng"]
        step, checked, stale = ck["step"], ck["step"], ck["stale"]
        best_score, best_state = ck["best_score"], ck["best_model"]
        curve = [tuple(p) for p in ck["curve"]]
    schedule_total = c.schedule_steps or total
    run_step = _step_runner(model, opt, loss_fn(task), xt, yt, c, device, batch)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(c.seed + 1)  # dropout
        if dropout_rng is not None:
            torch.set_rng_state(dropout_rng)
        model.train()
        while step < total:
            elapsed = time.perf_counter() - start
            if budget.seconds is not None and elapsed >= budget.seconds:
                break
            if c.max_seconds is not None and elapsed >= c.max_seconds:
                raise _Stop(f"time limit: {c.max_seconds:g} s reached at step {step}")
            progress = step / schedule_total if schedule_total != math.inf else 0.0
            if budget.seconds is not None:
                progress = max(progress, elapsed / budget.seconds)
            if c.schedule != "none":  # else the optimizer's own lr, c.lr, stays
                _set_lr(opt, c.lr * lr_factor(c.schedule, progress))
            if cursor + batch > n_train:
                order, cursor = torch.randperm(n_train, generator=gen).to(device), 0
            loss = run_step(order[cursor:cursor + batch])
            cursor += batch
            step += 1
            evaluating = step % c.eval_every == 0 or step >= total
            if evaluating or step - checked >= check_every:
                _check_loss(run_step.bad, loss, checked, step)
                checked = step
            if evaluating:
                metrics = evaluate(model, xv, yv, task)
                score = task.score(metrics)
                curve.append((step, loss.item(), score))
                if c.stop_at_chance and len(curve) == 1 and at_chance(metrics, yv, task):
                    break  # nothing kept yet: the result has these (the last) weights
                if score > best_score:
                    best_score, stale = score, 0
                    if c.keep == "best":
                        best_state = _copy_state(model)
                else:
                    stale += 1
                    if c.patience is not None and stale >= c.patience:
                        break
        dropout_rng = torch.get_rng_state()
    _check_loss(run_step.bad, None, checked, step)
    known["step_mode"] = run_step.mode
    if not curve or curve[-1][0] != step:
        score = task.score(evaluate(model, xv, yv, task))
        curve.append((step, curve[-1][1] if curve else float("nan"), score))
        if score > best_score:
            best_score = score
            if c.keep == "best":
                best_state = _copy_state(model)
    if save:  # the last weights (not the best ones): where a longer run goes on from
        known["checkpoint"] = save_state(
            model=model.state_dict(), optimizer=opt.state_dict(), generator=gen.get_state(),
            order=order, cursor=cursor, dropout_rng=dropout_rng, step=step, stale=stale,
            best_score=best_score, best_model=best_state, curve=[list(p) for p in curve])
    if best_state is not None:  # else the weights are the last ones (keep="last", or no score)
        model.load_state_dict(best_state)
    recomputed = c.keep == "last" and recompute_bn_stats(model, xt, batch, c.precise_bn, c.seed)
    valid = evaluate(model, xv, yv, task)
    if not all(math.isfinite(v) for v in valid.values()):
        raise _Stop("non-finite validation metric")
    if recomputed:  # the curve ends with the weights handed back
        curve[-1] = (step, curve[-1][1], task.score(valid))
    test = None
    if evaluate_test:
        xs = torch.as_tensor(task.test.x).to(device)
        test = evaluate(model, xs, torch.as_tensor(task.test.y).to(device), task)
    if keep_weights:
        known["weights"] = save_state(**model.state_dict())
    return Result("ok", score=task.score(valid), valid=valid, test=test, curve=curve,
                  seconds=time.perf_counter() - start, steps=step,
                  module=model if keep_module else None, **known)


def _copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _step_runner(model, opt, criterion, xt, yt, c: TrainConfig, device, batch):
    """Captured in a CUDA graph where that applies (see :mod:`.steps`), else eager."""
    problem = capture_problem(device, c.cuda_graph, opt)
    if problem is None:
        return CapturedStep(model, opt, criterion, xt, yt, c.grad_clip, c.precision,
                            batch=batch)
    step = EagerStep(model, opt, criterion, xt, yt, c.grad_clip, c.precision)
    step.mode = problem
    return step


def _check_loss(bad: torch.Tensor, loss, since: int, step: int) -> None:
    if bool(bad):
        where = f"at step {step}" if step - since <= 1 else f"between steps {since + 1} and {step}"
        value = f" ({loss.item()})" if loss is not None and step - since <= 1 else ""
        raise _Stop(f"non-finite loss{value} {where}")
