"""Weight inheritance: a mutated child starts from its parent's trained weights.

With a strategy's ``inherit_weights`` on, every trial keeps its trained weights (the best
validation weights, as bytes in its result), and the driver alone writes them into the run
directory (``weights/<trial id>.pt``), so an inheriting trial runs on any worker or Ray node.
A candidate whose origin (:class:`~graphnas.spaces.base.Origin`) names a parent with kept
weights trains :class:`InheritingTraining`: the parent's weights mapped onto the child (copied
where names and shapes fit, embedded where a layer widened, identity and zero nodes of a
network morphism set so; see :func:`graphnas.nn.inherit_state`), for the strategy's
``inherit_steps`` share of a trial's steps. Its metrics say how far the child's outputs were
from the parent's at its first step (``inherited.difference``: 0 for a network morphism).

Only the weights of trials that may still be parents are kept (the strategy's
:meth:`~graphnas.strategies.base.Strategy.inheritable`, plus parents of trials in flight), and
those of the ``keep_best`` best-scored architectures: at most ``population + workers +
keep_best`` files, each one trial's weights. The search scored its networks with their
lineage's training in them, so the network it hands back is that trained network: the
finalists go on from their kept weights (:class:`WarmStart`) and the final retraining starts
from the chosen one's (:func:`kept_state`), as Real et al. 2017 returned their population's
trained individual.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from typing import Any

from graphnas.store import RunStore, TrialState
from graphnas.strategies.base import Strategy

from .objectives import TrainingObjective

log = logging.getLogger(__name__)
PROBE = 64  # validation inputs the child's first outputs are compared with its parent's on


@dataclass(frozen=True)
class Parent:
    """What a child inherits: the parent's graph and trained weights, its hash, and the nodes
    a morphism added as an identity or with zero weights."""

    arch_json: str
    weights: bytes
    hash: str
    identity: tuple[str, ...] = ()
    zero: tuple[str, ...] = ()
    weights_graph: str | None = None  # the graph the weights were trained on, where it is an
    # isomorphic copy of the parent's written differently (see graphnas.nn.renamed_state)


@dataclass(frozen=True)
class InheritingTraining:
    """A trial that keeps its trained weights and, given a ``parent``, starts from them and
    trains ``steps`` steps (picklable: runs on any executor)."""

    objective: TrainingObjective
    parent: Parent | None = None
    steps: int | None = None

    def __call__(self, arch_json: str, seed: int) -> dict[str, Any]:
        if self.parent is None:
            return self.objective.run(arch_json, seed, keep_weights=True)
        try:
            init, info = self._inherit(arch_json, seed)
        except (ValueError, RuntimeError, KeyError) as err:  # trains from scratch instead
            log.warning("trial does not inherit its parent's weights: %s", err)
            return self.objective.run(arch_json, seed, keep_weights=True)
        budget = replace(self.objective.budget, steps=self.steps)
        out = self.objective.run(arch_json, seed, budget=budget, init=init, keep_weights=True)
        out["metrics"] = {**(out.get("metrics") or {}), "inherited": info}
        return out

    def _inherit(self, arch_json: str, seed: int) -> tuple[dict, dict[str, Any]]:
        import torch

        from graphnas.graph import from_json
        from graphnas.nn import inherit_state, max_output_difference, renamed_state
        from graphnas.tasks import load_task
        from graphnas.training.checkpoint import load_state

        task = load_task(self.objective.task)
        p = self.parent
        parent, child = from_json(p.arch_json), from_json(arch_json)
        state = load_state(p.weights)
        if p.weights_graph is not None:
            state = renamed_state(state, from_json(p.weights_graph), parent)
        ticks = self.objective.config.ticks
        specs = (task.input_spec, task.output_spec)
        init, counts = inherit_state(parent, state, child, *specs, ticks=ticks,
                                     identity=p.identity, zero=p.zero, seed=seed)
        x = torch.as_tensor(task.valid.x[:PROBE])
        gap = max_output_difference(parent, state, child, init, *specs, x, ticks=ticks)
        return init, {"parent": p.hash, "difference": gap, "steps": self.steps, **counts}


class Inheritance:
    """The driver's side: which trials inherit from which kept weights, and which weights to
    keep (see the module docstring)."""

    def __init__(self, store: RunStore, strategy: Strategy, objective: TrainingObjective,
                 keep_best: int = 0) -> None:
        self.store, self.strategy, self.objective = store, strategy, objective
        self.keep_best = keep_best
        self.dir = store.dir / "weights"
        self.dir.mkdir(exist_ok=True)
        steps = objective.budget.steps
        self.steps = None if steps is None else max(1, round(steps * strategy.inherit_steps))
        self.kept = {int(f.stem): self.store.trial(int(f.stem)).hash
                     for f in self.dir.glob("*.pt") if f.stem.isdigit()}
        self.waiting: dict[int, str] = {}  # trial id in flight -> its parent's hash

    def job(self, tid: int, cand) -> InheritingTraining:
        """The training of trial ``tid`` (candidate ``cand``): inheriting where it can."""
        origin = cand.origin
        if origin is None:
            return InheritingTraining(self.objective)
        parent_hash = origin.parent.canonical_hash()
        kept = self._kept(parent_hash)
        if kept is None:
            return InheritingTraining(self.objective)
        weights, trained_on = kept
        self.waiting[tid] = parent_hash
        arch_json = origin.parent.to_json(None)
        parent = Parent(arch_json, weights, parent_hash, tuple(origin.identity),
                        tuple(origin.zero), None if trained_on == arch_json else trained_on)
        return InheritingTraining(self.objective, parent, self.steps)

    def _kept(self, hash_: str) -> tuple[bytes, str] | None:
        """Kept weights of an architecture, and the graph (JSON) they were trained on: the
        trial that trained it may have written it with other node ids (the parent being a
        cached repeat of it)."""
        for tid, h in self.kept.items():
            path = self.dir / f"{tid}.pt"
            if h == hash_ and path.exists():
                return path.read_bytes(), self.store.trial(tid).arch_json
        return None

    def finished(self, tid: int, out: Any) -> None:
        """Keep trial ``tid``'s weights (taken out of its result; call :meth:`prune` once the
        strategy has been told it)."""
        self.waiting.pop(tid, None)
        weights = out.pop("weights", None) if isinstance(out, dict) else None
        if weights and out.get("status") == "ok":
            tmp = self.dir / f"{tid}.pt.tmp"
            tmp.write_bytes(weights)
            os.replace(tmp, self.dir / f"{tid}.pt")
            self.kept[tid] = self.store.trial(tid).hash

    def prune(self) -> None:
        """Delete the kept weights that no candidate can inherit any more."""
        keep = self.strategy.inheritable() | set(self.waiting.values()) | self._best()
        for tid, h in list(self.kept.items()):
            if h not in keep:
                (self.dir / f"{tid}.pt").unlink(missing_ok=True)
                del self.kept[tid]

    def _best(self) -> set[str]:
        """The hashes of the ``keep_best`` best-scored trained architectures of the run."""
        done = [t for t in self.store.trials(states=(TrialState.COMPLETE,))
                if t.score is not None and not t.cached]
        done.sort(key=lambda t: (-t.score, t.id))
        return set(list(dict.fromkeys(t.hash for t in done))[:self.keep_best])


def kept_weights(store: RunStore, hash_: str) -> tuple[bytes, str] | None:
    """The kept trained weights of architecture ``hash_`` (see :class:`Inheritance`), as bytes,
    and the graph JSON they were trained on; None when none are kept."""
    folder = store.dir / "weights"
    by_id = {t.id: t for t in store.trials()}
    for f in sorted(folder.glob("*.pt")) if folder.is_dir() else ():
        t = by_id.get(int(f.stem)) if f.stem.isdigit() else None
        if t is not None and t.hash == hash_:
            return f.read_bytes(), t.arch_json
    return None


def kept_state(store: RunStore, hash_: str, arch_json: str) -> dict | None:
    """:func:`kept_weights` as a state dict of ``arch_json``'s network (renamed where the trial
    wrote the graph with other node ids); None when none are kept or they cannot be read."""
    from graphnas.training.checkpoint import load_state

    kept = kept_weights(store, hash_)
    if kept is None:
        return None
    try:
        return _keyed(load_state(kept[0]), kept[1], arch_json)
    except (ValueError, RuntimeError, KeyError) as err:
        log.warning("kept weights of architecture %s unusable: %s", hash_[:12], err)
        return None


def _keyed(state: dict, trained_on: str, arch_json: str) -> dict:
    if trained_on == arch_json:
        return state
    from graphnas.graph import from_json
    from graphnas.nn import renamed_state

    return renamed_state(state, from_json(trained_on), from_json(arch_json))


@dataclass(frozen=True)
class WarmStart:
    """A trial that starts from the trained weights kept for its architecture (``states``:
    hash -> (weights as bytes, the graph JSON they were trained on)), or from scratch where none
    are kept (picklable: runs on any executor)."""

    objective: TrainingObjective
    states: dict[str, tuple[bytes, str]]

    def __call__(self, arch_json: str, seed: int) -> dict[str, Any]:
        from graphnas.graph import from_json
        from graphnas.training.checkpoint import load_state

        try:
            kept = self.states.get(from_json(arch_json).canonical_hash())
        except ValueError:  # not a graph: nothing was kept for it
            kept = None
        if kept is None:
            return self.objective(arch_json, seed)
        try:
            init = _keyed(load_state(kept[0]), kept[1], arch_json)
        except (ValueError, RuntimeError, KeyError) as err:
            log.warning("trial does not start from its kept weights: %s", err)
            return self.objective(arch_json, seed)
        out = self.objective.run(arch_json, seed, init=init)
        out["metrics"] = {**(out.get("metrics") or {}), "warm_start": True}
        return out
