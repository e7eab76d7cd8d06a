"""Bilevel optimisation of a supergraph: weights on the training split, architecture parameters
on the validation split, then hard decisions.

Orders: ``first`` alternates one architecture step (Adam on the validation loss) and one weight
step; ``second`` is DARTS's unrolled step, the architecture gradient taken through one virtual
weight step with the Hessian-vector product by finite differences; ``gumbel`` (GDAS-like)
samples one path per step with straight-through Gumbel-softmax, so only that path runs (about
4.5x faster per step than ``first`` on the adding problem's step-by-step supergraph) and the
supergraph is evaluated on its argmax path. With a time limit, the warm-up and the schedules
follow the steps the limit allows (estimated from the steps so far), not ``steps``.

Collapse guard (DARTS+-style early stopping): every ``check_every`` steps the share of body nodes
whose strongest op is parameter-free (identity, activations) is measured, among the nodes
offered both kinds of op (a restricted space may fix some); architecture updates
stop as soon as it exceeds ``max_param_free``, and the architecture saved at the last check that
was below it is the one discretised. Architecture updates also wait for a weight warm-up.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from graphnas.graph import InputSpec, OutputSpec, to_json
from graphnas.spaces import CellSpace, MacroSpace, Space
from graphnas.spaces.blocks import BlocksSpace
from graphnas.tasks import Task
from graphnas.training.metrics import evaluate, loss_fn
from graphnas.training.trainer import resolve_device

from .blocks import BlocksSupergraph
from .cell import CellSupergraph
from .supergraph import MacroSupergraph, Supergraph, base_space

log = logging.getLogger(__name__)
EVAL_SAMPLES = 512  # the supergraph's own score (informational) is taken on these at most
RANKED = 64  # the most probable choice sequences a result lists (the discretisation first;
# many decode to the same graph, and the differentiable strategy trains the distinct ones)


@dataclass(frozen=True)
class DiffConfig:
    """Settings of a differentiable search."""

    order: str = "first"  # first | second | gumbel
    steps: int = 600  # weight steps
    seconds: float | None = None  # wall-clock limit (the first of steps and seconds ends it)
    warmup: float = 0.5  # share of steps with weight updates only
    batch_size: int = 64
    w_lr: float = 3e-3  # weights: AdamW
    a_lr: float = 1e-3  # architecture: Adam
    a_weight_decay: float = 1e-3
    xi: float = 0.0  # virtual step size of the second order (0: the weights' learning rate)
    tau: tuple[float, float] = (5.0, 0.5)  # Gumbel temperature, annealed from first to second
    max_param_free: float = 0.5  # collapse guard threshold
    check_every: int = 50
    seed: int = 0
    device: str = "auto"  # auto (cuda when present) | cpu | cuda | cuda:N
    sequence_memory: str = "ticks"  # memory on sequences: ticks (Jacobi passes) | steps (exact)

    def __post_init__(self) -> None:
        if self.order not in ("first", "second", "gumbel"):
            raise ValueError(f"unknown order {self.order!r}; use first, second or gumbel")
        if self.sequence_memory not in ("ticks", "steps"):
            raise ValueError(f"unknown sequence_memory {self.sequence_memory!r}; use ticks or "
                             "steps")


@dataclass
class DiffResult:
    choices: list[int]
    graph_json: str
    valid_score: float  # of the supergraph, on (at most EVAL_SAMPLES of) the validation split
    guard_stopped_at: int | None
    steps: int
    seconds: float
    history: list[dict[str, Any]] = field(default_factory=list)
    ranked: list[list[int]] = field(default_factory=list)  # the most probable choices, in order

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


SUPERGRAPHS = {  # space class -> its supergraph (space, input spec, output spec, memory mode)
    MacroSpace: lambda *a: MacroSupergraph(*a[:3], sequence_memory=a[3]),
    CellSpace: lambda *a: CellSupergraph(*a[:3]),
    BlocksSpace: lambda *a: BlocksSupergraph(*a[:3]),
}


def _supergraph_of(space: Space):
    """The supergraph constructor for ``space``'s base space (None without one)."""
    base = base_space(space)
    return next((make for cls, make in SUPERGRAPHS.items() if isinstance(base, cls)), None)


def unsupported_reason(space: Space) -> str | None:
    """Why differentiable search cannot run on ``space`` (None when it can): it needs a
    supergraph for the space, which the macro, cell and blocks spaces (restricted or not)
    have."""
    if _supergraph_of(space) is not None:
        return None
    return (f"differentiable search has no supergraph for the {space.name!r} space; "
            f"search it with an ask/tell strategy (--strategy evolution, random, reinforce "
            f"or surrogate), or use the macro, cell or blocks space")


def supports(space: Space) -> bool:
    """Whether differentiable search can run on ``space``."""
    return unsupported_reason(space) is None


def make_supergraph(space: Space, input_spec: InputSpec, output_spec: OutputSpec,
                    sequence_memory: str = "ticks") -> Supergraph:
    """The supergraph of a macro, cell or blocks space (restricted or not); ValueError
    otherwise."""
    reason = unsupported_reason(space)
    if reason is not None:
        raise ValueError(reason)
    return _supergraph_of(space)(space, input_spec, output_spec, sequence_memory)


def differentiable_search(space: Space, task: Task, config: DiffConfig = DiffConfig()
                          ) -> DiffResult:
    """Search the supergraph of ``space`` on ``task`` and return the discretised graph."""
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = make_supergraph(space, task.input_spec, task.output_spec,
                                config.sequence_memory)
        result = _search(model.to(resolve_device(config.device)), task, config, start)
    return result


def _search(model: Supergraph, task: Task, c: DiffConfig, start: float) -> DiffResult:
    crit = loss_fn(task)
    gen = torch.Generator().manual_seed(c.seed)
    device = next(model.parameters()).device  # the data lives there too
    xt, yt = (torch.as_tensor(a).to(device) for a in (task.train.x, task.train.y))
    xv, yv = (torch.as_tensor(a).to(device) for a in (task.valid.x, task.valid.y))
    w_opt = torch.optim.AdamW(model.weight_parameters(), lr=c.w_lr)
    a_opt = torch.optim.Adam(model.arch_parameters(), lr=c.a_lr, betas=(0.5, 0.999),
                             weight_decay=c.a_weight_decay)
    snapshot = [p.detach().clone() for p in model.arch_parameters()]
    guard_at, history, step, bad = None, [], 0, 0
    planned = c.steps  # the steps the time limit allows: warm-up and schedules follow them
    t0, per_step = time.perf_counter(), 0.0
    for step in range(1, c.steps + 1):
        if c.seconds is not None:
            elapsed = time.perf_counter() - start
            if step > 1:
                per_step = (time.perf_counter() - t0) / (step - 1)
            if elapsed + per_step > c.seconds:  # a step that would end past the limit
                break
            if step in (2, 6, 26) or step % c.check_every == 0:
                planned = min(c.steps, step + int((c.seconds - elapsed) / per_step))
        progress = min(1.0, step / planned)
        for g in w_opt.param_groups:
            g["lr"] = c.w_lr * 0.5 * (1 + math.cos(math.pi * progress))
        if c.order == "gumbel":
            hi, lo = c.tau
            model.gumbel_tau = hi * (lo / hi) ** progress
        it = torch.randint(len(xt), (c.batch_size,), generator=gen).to(device)
        iv = torch.randint(len(xv), (c.batch_size,), generator=gen).to(device)
        if guard_at is None and step > c.warmup * planned:
            a_opt.zero_grad()
            if c.order == "second":
                _unrolled_grad(model, crit, xt[it], yt[it], xv[iv], yv[iv],
                               c.xi or w_opt.param_groups[0]["lr"])
            else:
                crit(model(xv[iv]), yv[iv]).backward()
            if _finite_clip(model.arch_parameters(), 5.0):
                a_opt.step()
        w_opt.zero_grad()
        loss = crit(model(xt[it]), yt[it])
        if torch.isfinite(loss):
            loss.backward()
        if torch.isfinite(loss) and _finite_clip(model.weight_parameters(), 5.0):
            w_opt.step()
            bad = 0
        else:  # a non-finite step is skipped; many in a row mean the supergraph diverged
            bad += 1
            if bad >= 20:
                raise FloatingPointError(f"supergraph diverged (non-finite loss or gradients "
                                         f"for 20 steps, at step {step})")
        if step % c.check_every == 0 and guard_at is None:
            share = model.parameter_free_share()
            history.append({"step": step, "loss": loss.item(), "param_free": share})
            if share > c.max_param_free and step > c.warmup * planned:
                guard_at = step
                with torch.no_grad():
                    for p, s in zip(model.arch_parameters(), snapshot):
                        p.copy_(s)
                log.info("collapse guard: %.0f%% parameter-free ops at step %d; architecture "
                         "restored and frozen", 100 * share, step)
            else:
                snapshot = [p.detach().clone() for p in model.arch_parameters()]
    model.eval()  # Gumbel: evaluated on its argmax path, as it will be discretised
    n = min(len(xv), EVAL_SAMPLES)
    score = task.score(evaluate(model, xv[:n], yv[:n], task, batch_size=256))
    graph = model.discretise()
    return DiffResult(model.choices(), to_json(graph, None), score, guard_at, step,
                      time.perf_counter() - start, history, model.ranked_choices(RANKED))


def _finite_clip(params, max_norm: float) -> bool:
    """Clip gradients; False (and gradients dropped) when they are not finite."""
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    if torch.isfinite(norm):
        return True
    for p in params:
        p.grad = None
    return False


def _unrolled_grad(model, crit, xt, yt, xv, yv, xi: float) -> None:
    """DARTS second order: d/dalpha L_val(w - xi dL_train/dw, alpha), finite-difference HVP."""
    weights, arch = model.weight_parameters(), model.arch_parameters()
    grads = torch.autograd.grad(crit(model(xt), yt), weights, allow_unused=True)
    backup = [w.detach().clone() for w in weights]
    with torch.no_grad():
        for w, g in zip(weights, grads):
            if g is not None:
                w.sub_(xi * g)
    out = torch.autograd.grad(crit(model(xv), yv), arch + weights, allow_unused=True)
    d_alpha, d_w = out[:len(arch)], out[len(arch):]
    with torch.no_grad():
        for w, b in zip(weights, backup):
            w.copy_(b)
    norm = torch.sqrt(sum((g ** 2).sum() for g in d_w if g is not None))
    eps = 0.01 / (norm + 1e-12)

    def arch_grad(sign: float):
        with torch.no_grad():
            for w, g in zip(weights, d_w):
                if g is not None:
                    w.add_(sign * eps * g)
        return torch.autograd.grad(crit(model(xt), yt), arch, allow_unused=True)

    plus = arch_grad(1.0)
    minus = arch_grad(-2.0)
    arch_grad_restore = [(w, g) for w, g in zip(weights, d_w) if g is not None]
    with torch.no_grad():
        for w, g in arch_grad_restore:
            w.add_(eps * g)
    for a, da, gp, gm in zip(arch, d_alpha, plus, minus):
        g = torch.zeros_like(a) if da is None else da.clone()
        if gp is not None and gm is not None:
            g -= xi * (gp - gm) / (2 * eps)
        a.grad = g
