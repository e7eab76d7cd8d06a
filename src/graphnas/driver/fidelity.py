"""Multi-fidelity search: ASHA and asynchronous Hyperband over any ask/tell strategy.

A trial trains in *rungs*: ``min_steps``, ``min_steps * eta``, ``min_steps * eta**2``, ... training
steps, and ``trial_steps`` itself as the top rung (a rung within a factor sqrt(eta) of
``trial_steps`` is merged into it: 300 steps from 33 with eta 3 are the rungs 33, 99, 300). Its
learning-rate schedule always spans the top rung's length, so a trial promoted to a longer rung
goes on from its checkpoint exactly as if it had been started at that length.

ASHA (Li et al. 2020, "A system for massively parallel hyperparameter tuning"): whenever a worker
is free, the driver promotes first, from the highest rung down: the best trial of rung k that
is among the top ``floor(n_k / eta)`` of the ``n_k`` trials that finished rung k and has not been
promoted from it yet trains on to rung k+1; with none to promote, the strategy is asked for a
new candidate, which trains to the first rung. No worker waits for a rung to fill.
Asynchronous Hyperband (the same paper): each new trial gets a bracket s, round-robin over the
rungs, starts at rung s and is promoted by ASHA's rule among its own bracket's trials.

A trial keeps one record: its score is the highest rung's it reached and its metrics hold the
rungs (``rungs: [[steps, score, seconds], ...]``, ``bracket`` under Hyperband), so the best
trial, the finalists and the report see the higher-fidelity scores. A strategy is told the first
rung's score when it finishes, as without fidelities; when a promotion finishes it hears
:meth:`~graphnas.strategies.base.Strategy.tell_fidelity` (what each strategy does with it is
in its docstring). With several objectives, promotions rank trials by the score alone.

Checkpoints (weights, optimizer, batch order, best so far, as bytes, see
:mod:`graphnas.training.checkpoint`) come back with each rung's result, and the driver alone
writes them into the run directory (``checkpoints/``), so a promotion runs on any worker or Ray
node. Only trials that can still be promoted keep one: none at the top rung, and at each lower
rung of each bracket the ``KEEP`` best not yet promoted, plus those being promoted; the rest are
deleted. At most ``KEEP`` files per rung below the top of each bracket, plus one per worker:
``KEEP x (rungs - 1) + workers`` under ASHA (8 + workers with three rungs), ``KEEP x rungs x
(rungs - 1) / 2 + workers`` under Hyperband (12 + workers), each about four times a trial's
weights. A promotion whose checkpoint was deleted (rare: it was not among the
``KEEP`` best waiting) trains from step 0 to its rung, which on a CPU ends with the same weights.

A search killed mid-rung loses no finished rung: every finished rung is in the trial's record;
the promotions then in flight (``state-<phase>-rungs.json``) restart first, from their last
checkpoints, and the rest is re-derived from the recorded rungs.
"""

from __future__ import annotations

import logging
import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from graphnas.store import RunStore, TrialRecord, TrialState

from .objectives import TrainingObjective

log = logging.getLogger(__name__)
FIDELITIES = ("none", "asha", "hyperband")
KEEP = 4  # checkpoints kept per rung (below the top) and bracket, besides promotions in flight


def rung_steps(trial_steps: int, min_steps: int, eta: int) -> tuple[int, ...]:
    """The training steps of each rung, shortest first, ``trial_steps`` last.

    >>> rung_steps(27, 3, 3), rung_steps(300, 33, 3), rung_steps(30, 3, 3)
    ((3, 9, 27), (33, 99, 300), (3, 9, 30))
    """
    out = [min_steps]
    while (out[-1] * eta) ** 2 * eta <= trial_steps ** 2:  # next rung <= top / sqrt(eta)
        out.append(out[-1] * eta)
    return (*out, trial_steps)


def default_min_steps(trial_steps: int, eta: int) -> int:
    """``trial_steps // eta**2``, at least 1: three rungs."""
    return max(1, trial_steps // eta ** 2)


@dataclass(frozen=True)
class RungSchedule:
    """The rungs of a multi-fidelity search and how trials climb them (``asha`` or
    ``hyperband``)."""

    kind: str
    rungs: tuple[int, ...]
    eta: int = 3

    @classmethod
    def make(cls, kind: str, trial_steps: int, min_steps: int | None = None,
             eta: int = 3) -> RungSchedule | None:
        """The schedule of the settings (None for ``none``); a ValueError of one line names
        a setting that makes no sense."""
        if kind not in FIDELITIES:
            raise ValueError(f"--fidelity: unknown value {kind!r}; use one of "
                             f"{', '.join(FIDELITIES)}")
        if kind == "none":
            return None
        if eta < 2:
            raise ValueError(f"--eta must be at least 2 (the factor between rungs), got {eta}")
        lowest = default_min_steps(trial_steps, eta) if min_steps is None else min_steps
        if not 1 <= lowest < trial_steps:
            raise ValueError(f"--min-steps must be at least 1 and below --trial-steps "
                             f"({trial_steps}), got {lowest}")
        return cls(kind, rung_steps(trial_steps, lowest, eta), eta)

    @property
    def brackets(self) -> int:
        return len(self.rungs) if self.kind == "hyperband" else 1

    def bracket(self, index: int) -> int:
        """The bracket of the ``index``-th trial of a phase (its first rung)."""
        return index % self.brackets


@dataclass(frozen=True)
class RungTraining:
    """One rung of a trial, runnable on any executor: the objective's training up to ``steps``
    with the schedule over ``top`` steps, going on from checkpoint ``resume`` (None: from the
    start); with ``save`` the result carries the checkpoint where it ended."""

    objective: TrainingObjective
    steps: int
    top: int
    resume: bytes | None = None
    save: bool = True

    def __call__(self, arch_json: str, seed: int) -> dict[str, Any]:
        return self.objective.run(arch_json, seed, replace(self.objective.budget,
                                                           steps=self.steps),
                                  self.top, self.resume, self.save)


class Promotions:
    """ASHA's promotion rule over finished rungs (no training, no store): ``add`` each finished
    rung, ``ready()`` lists the trials to promote, best first, ``start`` one."""

    def __init__(self, rungs: int, eta: int, brackets: int = 1) -> None:
        self.rungs, self.eta, self.brackets = rungs, eta, brackets
        self.scores: dict[tuple[int, int], dict[int, float]] = {}  # (bracket, rung) -> scores
        self.at: dict[int, tuple[int, int]] = {}  # trial -> (bracket, highest finished rung)
        self.busy: set[int] = set()  # trials being promoted

    def add(self, trial: int, bracket: int, rung: int, score: float | None) -> None:
        """Trial ``trial`` finished rung ``rung`` with ``score`` (None: it failed there)."""
        self.busy.discard(trial)
        self.at[trial] = (bracket, rung)
        if score is not None:
            self.scores.setdefault((bracket, rung), {})[trial] = score

    def waiting(self, bracket: int, rung: int) -> list[int]:
        """Rung ``rung``'s trials not yet promoted from it, best first."""
        table = self.scores.get((bracket, rung), {})
        return sorted((t for t in table if self.at[t][1] == rung and t not in self.busy),
                      key=lambda t: (-table[t], t))

    def promotable(self, bracket: int, rung: int) -> list[int]:
        """The waiting trials among the top ``floor(n / eta)`` of the rung, best first."""
        table = self.scores.get((bracket, rung), {})
        top = set(sorted(table, key=lambda t: (-table[t], t))[:len(table) // self.eta])
        return [t for t in self.waiting(bracket, rung) if t in top]

    def ready(self) -> list[int]:
        """Every trial that may be promoted now, in ASHA's order: the highest rung first."""
        out: list[int] = []
        for rung in range(self.rungs - 2, -1, -1):
            for bracket in range(min(rung, self.brackets - 1) + 1):
                out += self.promotable(bracket, rung)
        return out

    def start(self, trial: int) -> int:
        """Mark ``trial`` as being promoted; the rung it trains to."""
        self.busy.add(trial)
        return self.at[trial][1] + 1

    def kept(self, keep: int, also: set[int] = frozenset()) -> set[tuple[int, int]]:
        """(trial, rung) of the checkpoints to keep: the ``keep`` best waiting at each rung
        below the top, and those of the trials being promoted (or in ``also``)."""
        out = {(t, self.at[t][1]) for t in self.busy | (also & set(self.at))}
        for bracket, rung in self.scores:
            if rung < self.rungs - 1:
                out |= {(t, rung) for t in self.waiting(bracket, rung)[:keep]}
        return out


@dataclass(frozen=True)
class Promotion:
    """A promotion in flight: trial ``trial`` (its record's graph and seed) to rung ``rung``."""

    trial: int
    rung: int
    arch_json: str
    seed: int
    choices: tuple[int, ...]
    objective: RungTraining


def first_rung(record: TrialRecord) -> TrialRecord:
    """``record`` with its first rung's score: what its strategy was told when it finished."""
    rungs = record.metrics.get("rungs")
    if not rungs or record.state != TrialState.COMPLETE:
        return record
    return replace(record, score=rungs[0][1])


def at_rung(record: TrialRecord, index: int) -> TrialRecord:
    """``record`` with the score of its ``index``-th rung."""
    return replace(record, score=record.metrics["rungs"][index][1])


def rung_of(record: TrialRecord, index: int) -> int:
    """The rung (0: the shortest) of ``record``'s ``index``-th rung entry."""
    return int(record.metrics.get("bracket", 0)) + index


class Ladder:
    """The rungs of one phase of a run: new trials' first runs, promotions, the rung records
    and the checkpoints in ``<run>/checkpoints``. Built from the store, so a resumed phase
    goes on where the killed one stopped."""

    def __init__(self, schedule: RungSchedule, store: RunStore, phase: str,
                 objective: Callable[[str, int], Any]) -> None:
        if not isinstance(objective, TrainingObjective):
            raise ValueError("multi-fidelity search needs a training objective (trials "
                             "trained for a number of steps)")
        self.schedule, self.store, self.phase, self.objective = schedule, store, phase, objective
        self.dir = Path(store.dir) / "checkpoints"
        self.rule = Promotions(len(schedule.rungs), schedule.eta, schedule.brackets)
        self.brackets: dict[int, int] = {}  # bracket of each trial in flight at its first rung
        self.per_step: list[float] = []  # seconds per training step of every finished rung
        self.heard: dict[str, int] = {}  # rung entries its strategy heard, per promoted trial
        for t in store.trials(phase, (TrialState.COMPLETE,)):
            if t.cached or "rungs" not in t.metrics:
                continue
            self._learn(t)
            if len(t.metrics["rungs"]) > 1:
                self.heard[str(t.id)] = len(t.metrics["rungs"])  # restore() has replayed all
        saved = store.load_state(self._state_name) or {}
        top = len(schedule.rungs) - 1
        self.owed = [t for t in saved.get("promoting", ())  # in flight at a kill: first
                     if t in self.rule.at and self.rule.at[t][1] < top
                     and t in self.rule.scores.get(self.rule.at[t], {})]

    # -- new trials --------------------------------------------------------------------------
    def first(self, trial: int, index: int) -> RungTraining:
        """The first run of the phase's ``index``-th trial (``trial`` in the store)."""
        bracket = self.schedule.bracket(index)
        self.brackets[trial] = bracket
        return self._training(bracket, None)

    def first_steps(self, index: int) -> int:
        return self.schedule.rungs[self.schedule.bracket(index)]

    def forget(self, trial: int) -> None:
        """A first run that raised (recorded as failed)."""
        self.brackets.pop(trial, None)

    def first_outcome(self, trial: int, out: Any) -> tuple[dict[str, Any], bytes | None]:
        """The outcome to record for a first run, its rung added to the metrics, and its
        checkpoint."""
        bracket = self.brackets.pop(trial, 0)
        out = dict(out.to_dict() if hasattr(out, "to_dict") else out)
        checkpoint = out.pop("checkpoint", None)
        if out.get("status") != "ok" or out.get("score") is None:
            return out, None
        extra: dict[str, Any] = {"rungs": [[self.schedule.rungs[bracket], out["score"],
                                            out.get("seconds")]]}
        if self.schedule.brackets > 1:
            extra["bracket"] = bracket
        out["metrics"] = {**(out.get("metrics") or {}), **extra}
        return out, checkpoint

    def first_recorded(self, record: TrialRecord, checkpoint: bytes | None) -> None:
        """A first run's record is in the store: its rung joins the tables, its checkpoint
        the run directory."""
        if record.cached or "rungs" not in record.metrics or record.state != TrialState.COMPLETE:
            return
        self._learn(record)
        if checkpoint is not None:
            self._write(record.id, self.rule.at[record.id][1], checkpoint)
        self._prune()

    # -- promotions --------------------------------------------------------------------------
    def promotion(self, fits: Callable[[float], bool]) -> Promotion | None:
        """The next promotion that ``fits(expected seconds)``, started; None when none is due
        (or none would end in time)."""
        for trial in [*self.owed, *self.rule.ready()]:
            rung = self.rule.at[trial][1] + 1
            rungs = self.schedule.rungs
            if not fits(self.expected_seconds(rungs[rung] - rungs[rung - 1])):
                continue
            if trial in self.owed:
                self.owed.remove(trial)
            self.rule.start(trial)
            checkpoint = self._read(trial, rung - 1)
            if checkpoint is None:
                log.info("trial %d: no checkpoint at %d steps; trained from the start to %d",
                         trial, rungs[rung - 1], rungs[rung])
            rec = self.store.trial(trial)
            self._save()
            return Promotion(trial, rung, rec.arch_json, rec.seed, rec.choices,
                             self._training(rung, checkpoint))
        return None

    def promotion_outcome(self, job: Promotion, out: Any, error: str | None = None
                          ) -> tuple[dict[str, Any], bytes | None]:
        """What to record for a finished promotion (``out`` None: it raised ``error``): the
        new rung's score, metrics and the rung history; a failed one keeps the score reached
        and says why (``promotion_error``). And its checkpoint."""
        old = self.store.trial(job.trial)
        out = dict(out.to_dict() if hasattr(out, "to_dict") else out or {})
        checkpoint = out.pop("checkpoint", None)
        ok = out.get("status") == "ok" and out.get("score") is not None
        seconds = out.get("seconds")
        rungs = [*old.metrics["rungs"], [self.schedule.rungs[job.rung],
                                         out["score"] if ok else None, seconds]]
        total = (old.seconds or 0.0) + (seconds or 0.0)
        if not ok:
            why = error or out.get("error") or "failed"
            return {"status": "ok", "score": old.score, "params": old.params,
                    "flops": old.flops, "seconds": total,
                    "metrics": {**old.metrics, "rungs": rungs,
                                "promotion_error": str(why)[:500]}}, None
        kept = {k: v for k, v in old.metrics.items() if k not in out}
        kept.pop("promotion_error", None)
        return {**out, "seconds": total,
                "metrics": {**kept, **(out.get("metrics") or {}), "rungs": rungs}}, checkpoint

    def promoted(self, job: Promotion, record: TrialRecord, checkpoint: bytes | None) -> bool:
        """A promotion's record is in the store: the tables, the checkpoints and the state
        follow. Whether it scored (and its strategy is to hear of it)."""
        score = record.metrics["rungs"][-1][1]
        bracket = int(record.metrics.get("bracket", 0))
        self.rule.add(job.trial, bracket, job.rung, score)
        self._count(record.metrics["rungs"], len(record.metrics["rungs"]) - 1)
        if checkpoint is not None and job.rung < len(self.schedule.rungs) - 1:
            self._write(job.trial, job.rung, checkpoint)
        self._prune()
        self._save()
        return score is not None

    def told(self, record: TrialRecord) -> dict[str, Any]:
        """What the strategy's saved state adds: the rung entries it heard of each promoted
        trial (so that a resume replays only the promotions it missed)."""
        if len(record.metrics.get("rungs", ())) > 1:
            self.heard[str(record.id)] = len(record.metrics["rungs"])
        return {"rungs_told": dict(self.heard)}

    def expected_seconds(self, steps: int) -> float:
        """How long ``steps`` more training steps take: the median per step so far."""
        return statistics.median(self.per_step) * steps if self.per_step else 0.0

    # -- internals ---------------------------------------------------------------------------
    @property
    def _state_name(self) -> str:
        return f"{self.phase}-rungs"

    def _training(self, rung: int, checkpoint: bytes | None) -> RungTraining:
        rungs = self.schedule.rungs
        return RungTraining(self.objective, rungs[rung], rungs[-1], checkpoint,
                            rung < len(rungs) - 1)

    def _learn(self, record: TrialRecord) -> None:
        bracket = int(record.metrics.get("bracket", 0))
        for i, (_, score, *_rest) in enumerate(record.metrics["rungs"]):
            self.rule.add(record.id, bracket, bracket + i, score)
            self._count(record.metrics["rungs"], i)

    def _count(self, rungs: list, i: int) -> None:
        steps, seconds = rungs[i][0] - (rungs[i - 1][0] if i else 0), rungs[i][2]
        if seconds and steps > 0:
            self.per_step.append(seconds / steps)

    def _path(self, trial: int, rung: int) -> Path:
        return self.dir / f"{self.phase}-{trial}-{self.schedule.rungs[rung]}.pt"

    def _write(self, trial: int, rung: int, data: bytes) -> None:
        self.dir.mkdir(exist_ok=True)
        path = self._path(trial, rung)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def _read(self, trial: int, rung: int) -> bytes | None:
        try:
            return self._path(trial, rung).read_bytes()
        except OSError:
            return None

    def _prune(self) -> None:
        """Delete the checkpoints of trials that can no longer be promoted from them."""
        keep = {self._path(t, r).name for t, r in self.rule.kept(KEEP, set(self.owed))}
        for path in self.dir.glob(f"{self.phase}-*.pt") if self.dir.exists() else ():
            if path.name not in keep:
                path.unlink(missing_ok=True)

    def _save(self) -> None:
        self.store.save_state(self._state_name, {"promoting": sorted(self.rule.busy)})
