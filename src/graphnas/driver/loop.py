"""The search loop: ask -> (known? reuse) -> submit -> record -> tell, with n trials in flight.

The objective is any picklable callable ``objective(arch_json, seed)`` returning a
:class:`TrialOutcome` or a dict with at least ``status`` ("ok"/"failed") and ``score`` (higher is
better), and optionally ``valid``, ``metrics``, ``params``, ``flops``, ``seconds`` and ``error``;
the executor decides where it runs. With a time budget a trial starts only if one as long as
the phase's typical (median) trial would end by the deadline: trials are never cut, so one
started late runs past the search time and what it overruns is the retraining's loss. After
every tell the strategy's state is saved atomically with the last trial it asked for and the
trials in flight, so a search killed at any moment resumes: finished trials its saved state
missed are replayed (asked again, then told), trials that were in flight are marked lost and
their candidates asked again; a serial search then goes on exactly as the uninterrupted one
would have. With a :class:`~.fidelity.RungSchedule` (``rungs``), trials train in rungs and a
free worker promotes a trial before it asks for a new one (see :mod:`.fidelity`).
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import Any

from graphnas.execution import Executor, SerialExecutor
from graphnas.spaces.base import Space
from graphnas.store import RunStore, TrialRecord, TrialState
from graphnas.strategies.base import Strategy

from .fidelity import Ladder, Promotion, RungSchedule, at_rung, first_rung, rung_of
from .inheritance import Inheritance
from .outcome import TrialOutcome
from .vectors import SIGNALS, told

log = logging.getLogger(__name__)
MAX_SKIPS = 200  # candidates in a row above the size limits before a phase gives up


@dataclass(frozen=True)
class SearchBudget:
    """Stop after ``trials`` trials (all phases' trials of this loop, resumes included) and/or
    ``seconds`` of the run's wall time (a number, or a function asked again at each start, for
    a deadline that moves as the run learns how long what follows will take)."""

    trials: int | None = None
    seconds: float | Callable[[], float] | None = None

    def __post_init__(self) -> None:
        if self.trials is None and self.seconds is None:
            raise ValueError("a search budget needs trials or seconds")

    def deadline(self) -> float | None:
        """The wall time (seconds into the run) by which the loop's trials must end."""
        return self.seconds() if callable(self.seconds) else self.seconds


Event = Callable[[str, dict[str, Any]], None]


def restore(strategy: Strategy, store: RunStore, phase: str,
            objectives: tuple[str, ...] = ("score",)) -> int:
    """Bring a strategy to where the run left it: its saved state, then the trials it missed;
    returns the id of the last trial it has asked for (0: none).

    The saved state names the last trial the strategy had asked for and the trials then in
    flight. A finished trial it missed is replayed as the uninterrupted run saw it: asked again
    if the state predates its ask (to advance the strategy's generators exactly as before; the
    answer must be the stored candidate), then told its stored score (the vector of
    ``objectives`` the loop told, see :func:`.vectors.told`). Without a saved state the whole
    phase is replayed that way. The phase's trials left running by a dead process are
    marked lost (another phase's job may be running beside this one);
    in a serial search their candidates come again from the next asks. A trial trained in
    rungs is told its first rung's score, then the promotions the saved state had not heard
    (:meth:`~graphnas.strategies.base.Strategy.tell_fidelity`), as the live strategy was.
    """
    store.mark_lost(phase)
    saved = store.load_state(phase)
    asked, pending, heard = 0, set(), {}
    if saved is not None:
        strategy.load_state_dict(saved["strategy"])
        asked = saved.get("last_asked", saved["last_trial"])
        pending = set(saved.get("pending", ()))
        heard = saved.get("rungs_told", {})
    replayed = 0
    for t in store.trials(phase, (TrialState.COMPLETE, TrialState.FAILED, TrialState.SKIPPED)):
        if t.id not in pending and t.id <= asked:
            _tell_rungs(strategy, t, heard.get(str(t.id), 1), objectives)
            continue
        if t.id > asked:
            again = strategy.ask(1)[0]
            if tuple(again.choices) != tuple(t.choices):
                log.warning("replaying trial %d: the strategy now asks for another candidate "
                            "(was the run made by other code?)", t.id)
        strategy.tell(strategy.space.candidate(t.choices), told(first_rung(t), objectives))
        _tell_rungs(strategy, t, 1, objectives)
        asked = max(asked, t.id)
        replayed += 1
    if saved is not None or replayed:
        log.info("resumed phase %s after trial %d (%d replayed from the store)", phase, asked,
                 replayed)
    return asked


def _told_names(strategy: Strategy, objectives: tuple[str, ...],
                rungs: RungSchedule | None) -> tuple[str, ...]:
    """What the strategy is told: ``objectives``, or with one objective and a strategy whose
    ``signal`` is ``"loss"``, minus the validation loss (see :mod:`.vectors`)."""
    signal = getattr(strategy, "signal", "score")
    if signal not in SIGNALS:
        raise ValueError(f"strategy signal must be one of {', '.join(SIGNALS)}, not {signal!r}")
    if signal == "score" or tuple(objectives) != ("score",):
        return objectives
    if rungs is not None:
        raise ValueError(f"a strategy told the validation {signal} cannot also train in rungs "
                         "(--fidelity), whose promotions compare scores; use one or the other")
    return (signal,)


def _tell_rungs(strategy: Strategy, t: TrialRecord, heard: int,
                objectives: tuple[str, ...]) -> None:
    """Tell ``strategy`` the scores of ``t``'s promotions after its first ``heard`` rungs."""
    done = t.state == TrialState.COMPLETE and not t.cached
    rungs = (t.metrics.get("rungs") or ()) if done else ()
    for i in range(heard, len(rungs)):
        if rungs[i][1] is not None:
            strategy.tell_fidelity(strategy.space.candidate(t.choices),
                                   told(at_rung(t, i), objectives), rung_of(t, i))


def run_search(space: Space, strategy: Strategy, objective: Callable[[str, int], dict],
               store: RunStore, budget: SearchBudget, executor: Executor | None = None,
               phase: str = "search", seed: int = 0, fidelity: float = 1.0,
               on_event: Event | None = None,
               on_trial: Callable[[TrialRecord], None] | None = None,
               slots: int | None = None, stop: Callable[[], bool] | None = None,
               limits: Callable[[str], str | None] | None = None,
               objectives: tuple[str, ...] = ("score",),
               rungs: RungSchedule | None = None, keep_best: int = 0) -> list[TrialRecord]:
    """Run (or resume) one phase of a search; returns the phase's trials.

    ``on_event(kind, info)`` hears "phase", "start" and "trial" events (for progress displays);
    ``on_trial(record)`` hears each finished trial's record. ``slots`` caps the trials in flight
    below the executor's workers (to leave workers to another job); once ``stop()`` is true no
    more trials start, and the phase ends when those in flight have finished. ``limits(arch)``
    names why a candidate is too large (see :class:`SizeLimits`): it is recorded as skipped,
    told to the strategy as infeasible and not counted as a trial; after ``MAX_SKIPS`` in a
    row the phase ends. ``objectives`` are what the strategy is told (see
    :mod:`.vectors`): the score alone by default, else a tuple per trial. ``rungs`` trains
    trials in rungs (ASHA or Hyperband, see :mod:`.fidelity`): ``objective`` must then be a
    :class:`TrainingObjective`; promotions are not trials of the budget, and ``on_event``
    hears "promote" and "promoted" events of them. With a strategy whose children inherit
    weights, the weights of the ``keep_best`` best-scored architectures are kept as well (see
    :mod:`.inheritance`).
    """
    executor = executor or SerialExecutor()
    slots = executor.workers if slots is None else max(1, min(slots, executor.workers))
    hooks = on_event or (lambda kind, info: None)

    def emit(kind: str, info: dict[str, Any]) -> None:
        hooks(kind, info)
        if kind == "trial" and on_trial is not None:
            on_trial(info["record"])

    inherit = getattr(strategy, "inherit_weights", False)  # a FixedList has none
    if rungs is not None and inherit:
        raise ValueError("trials that inherit weights cannot also train in rungs (--fidelity); "
                         "use one or the other")
    objectives = _told_names(strategy, objectives, rungs)
    # what the strategy asked before, saved again with its state even where this run of the
    # phase asks nothing (a promotion finished first): else a later resume replays it all
    last_asked = restore(strategy, store, phase, objectives)
    ladder = None if rungs is None else Ladder(rungs, store, phase, objective)
    heirs = Inheritance(store, strategy, objective, keep_best) if inherit else None
    in_flight: dict[Future, tuple[int, Any, float]] = {}
    done_before = len(store.trials(phase, (TrialState.COMPLETE, TrialState.FAILED)))
    started = done_before
    durations = trained_seconds(store, phase)

    def out_of_time() -> bool:
        expected = median(durations) if ladder is None else \
            ladder.expected_seconds(ladder.first_steps(started))
        deadline = budget.deadline()
        return deadline is not None and store.now() + expected > deadline

    def fits(seconds: float) -> bool:  # a promotion that would end in time
        deadline = budget.deadline()
        return (deadline is None or store.now() + seconds <= deadline) and \
            not (stop is not None and stop())

    def more_trials() -> bool:
        return ((budget.trials is None or started < budget.trials) and not out_of_time()
                and not (stop is not None and stop()))

    emit("phase", {"phase": phase, "done": done_before, "trials": budget.trials})
    skips = 0
    while True:
        while len(in_flight) < slots and skips < MAX_SKIPS:
            if ladder is not None and (job := ladder.promotion(fits)) is not None:
                fut = executor.submit(job.objective, job.arch_json, job.seed)
                in_flight[fut] = (job.trial, job, time.monotonic())
                emit("promote", {"trial": job.trial, "rung": job.rung,
                                 "in_flight": len(in_flight)})
                continue
            if not more_trials():
                break
            cand = strategy.ask(1)[0]
            reason = limits(cand.arch.to_json(None)) if limits else None
            if reason is not None:
                skips += 1
                last_asked = _skip(store, strategy, phase, cand, reason, in_flight,
                                   objectives, ladder)
                continue
            skips = 0
            started += 1
            known = store.known(cand.hash, fidelity)
            tid = store.start_trial(phase, cand.choices, cand.arch.to_json(None), cand.hash,
                                    fidelity, seed + started)
            last_asked = tid
            if known is not None:  # the same architecture is never trained twice
                rec = store.finish_trial(tid, known.state, known.score, known.metrics,
                                         known.params, known.flops, 0.0, known.error,
                                         cached=True)
                _tell(strategy, store, phase, cand, rec, last_asked, in_flight, objectives,
                      ladder)
                emit("trial", {"record": rec, "in_flight": len(in_flight)})
                continue
            t0 = time.monotonic()  # before submit: a serial executor runs the trial in it
            run = objective if ladder is None else ladder.first(tid, started - 1)
            if heirs is not None:
                run = heirs.job(tid, cand)
            fut = executor.submit(run, cand.arch.to_json(None), seed + started)
            in_flight[fut] = (tid, cand, t0)
            emit("start", {"trial": tid, "in_flight": len(in_flight)})
        if not in_flight:
            break
        done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
        for fut in done:
            tid, cand, t0 = in_flight.pop(fut)
            if isinstance(cand, Promotion):
                rec = _promoted(store, strategy, phase, cand, fut, time.monotonic() - t0,
                                ladder, last_asked, in_flight, objectives)
                emit("promoted", {"record": rec, "rung": cand.rung,
                                  "in_flight": len(in_flight)})
                continue
            rec = _record(store, tid, fut, time.monotonic() - t0, ladder, heirs)
            if rec.state == TrialState.COMPLETE and rec.seconds:
                durations.append(rec.seconds)
            _tell(strategy, store, phase, cand, rec, last_asked, in_flight, objectives, ladder)
            if heirs is not None:
                heirs.prune()
            emit("trial", {"record": rec, "in_flight": len(in_flight)})
        store.checkpoint_time()
    if skips >= MAX_SKIPS:
        log.warning("phase %s: %d candidates in a row were above the size limits; the phase "
                    "ends", phase, skips)
    store.checkpoint_time()
    return store.trials(phase)


def trained_seconds(store: RunStore, phase: str) -> list[float]:
    """How long the phase's trials that trained (finished, not cached) took."""
    return [t.seconds for t in store.trials(phase, (TrialState.COMPLETE,))
            if t.seconds and not t.cached]


def median(values: list[float]) -> float:
    """The (upper) median of ``values``; 0 for none."""
    return statistics.median_high(values) if values else 0.0


def _record(store: RunStore, tid: int, fut: Future, seconds: float,
            ladder: Ladder | None = None, heirs: Inheritance | None = None) -> TrialRecord:
    try:
        out = fut.result()
    except Exception as err:  # noqa: BLE001  (a crashed or timed-out trial is a failed trial)
        if heirs is not None:
            heirs.finished(tid, None)
        if ladder is not None:
            ladder.forget(tid)
        return store.finish_trial(tid, TrialState.FAILED, seconds=seconds,
                                  error=f"{type(err).__name__}: {err}"[:500])
    if heirs is not None:
        heirs.finished(tid, out)
    if ladder is None:
        return record_outcome(store, tid, out, seconds, getattr(fut, "node", None))
    out, checkpoint = ladder.first_outcome(tid, out)
    rec = record_outcome(store, tid, out, seconds, getattr(fut, "node", None))
    ladder.first_recorded(rec, checkpoint)
    return rec


def _promoted(store: RunStore, strategy: Strategy, phase: str, job: Promotion, fut: Future,
              seconds: float, ladder: Ladder, last_asked: int, in_flight: dict,
              objectives: tuple[str, ...]) -> TrialRecord:
    """Record a finished promotion in its trial's record, tell the strategy (if it scored)
    and save the strategy's state."""
    try:
        out, error = fut.result(), None
    except Exception as err:  # noqa: BLE001  (a failed promotion keeps the rung reached)
        out, error = None, f"{type(err).__name__}: {err}"
    out, checkpoint = ladder.promotion_outcome(job, out, error)
    rec = record_outcome(store, job.trial, out, seconds, getattr(fut, "node", None))
    if ladder.promoted(job, rec, checkpoint):
        strategy.tell_fidelity(strategy.space.candidate(job.choices), told(rec, objectives),
                               job.rung)
    _save(strategy, store, phase, rec.id, last_asked, in_flight, ladder.told(rec))
    return rec


def record_outcome(store: RunStore, tid: int, out: dict | TrialOutcome, seconds: float,
                   node: str | None = None) -> TrialRecord:
    """Finish trial ``tid`` with an objective's output (a failed trial unless its status is
    ok and it has a score); ``seconds`` where the output does not say how long it took;
    ``node``, where the executor says which machine ran it (metrics' ``node``)."""
    if isinstance(out, TrialOutcome):
        out = out.to_dict()
    ok = out.get("status") == "ok" and out.get("score") is not None
    kept = ("valid", "test", "curve", "steps", "device", "step_mode")
    metrics = {k: out[k] for k in kept if k in out}
    metrics.update(out.get("metrics") or {})
    if node is not None:
        metrics["node"] = node
    return store.finish_trial(tid, TrialState.COMPLETE if ok else TrialState.FAILED,
                              out.get("score") if ok else None, metrics, out.get("params"),
                              out.get("flops"), out.get("seconds", seconds), out.get("error"))


def _skip(store: RunStore, strategy: Strategy, phase: str, cand, reason: str,
          in_flight: dict, objectives: tuple[str, ...], ladder: Ladder | None = None) -> int:
    """Record ``cand`` as skipped (above the size limits) and tell its strategy."""
    tid = store.start_trial(phase, cand.choices, cand.arch.to_json(None), cand.hash, 1.0, 0)
    rec = store.finish_trial(tid, TrialState.SKIPPED, error=reason)
    _tell(strategy, store, phase, cand, rec, tid, in_flight, objectives, ladder)
    return tid


def record_finished(store: RunStore, phase: str, candidate, outcome: dict | TrialOutcome,
                    seed: int) -> TrialRecord:
    """Record a trial that ran outside the loop (e.g. inside another phase's job on the same
    worker) as the loop records its own: started and finished at once."""
    tid = store.start_trial(phase, candidate.choices, candidate.arch.to_json(None),
                            candidate.hash, 1.0, seed)
    seconds = outcome.seconds if isinstance(outcome, TrialOutcome) else outcome.get("seconds")
    return record_outcome(store, tid, outcome, float(seconds or 0.0))


def _tell(strategy: Strategy, store: RunStore, phase: str, cand, rec: TrialRecord,
          last_asked: int, in_flight: dict, objectives: tuple[str, ...],
          ladder: Ladder | None = None) -> None:
    """Tell the strategy (a first rung's score, trained in rungs) and save its state."""
    strategy.tell(cand, told(first_rung(rec), objectives))
    _save(strategy, store, phase, rec.id, last_asked, in_flight,
          None if ladder is None else ladder.told(rec))


def _save(strategy: Strategy, store: RunStore, phase: str, last: int, last_asked: int,
          in_flight: dict, extra: dict | None) -> None:
    """Save the strategy's state (atomically) with what it has asked and been told; trials
    being promoted are not pending (their first rung was told)."""
    pending = sorted(tid for tid, job, _ in in_flight.values() if not isinstance(job, Promotion))
    store.save_state(phase, {"strategy": strategy.state_dict(), "last_trial": last,
                             "last_asked": last_asked, "pending": pending, **(extra or {})})
