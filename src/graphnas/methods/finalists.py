"""Finalists: the best few distinct graphs of a search, trained again for longer, best kept.

A search ranks graphs after short trials (``trial_steps``), where graphs that learn fast
outrank graphs that end better, and the top of a ranking is a near-tie decided by noise in the
validation score. Before the final retraining, the ``finalists`` best completed graphs of the
search phases, distinct in their layers (a graph whose nodes have the same ops and parameters as
a better one, wired differently, is left out, so that a converged population does not fill the
list with variants of one graph), are trained again for ``finalist_steps`` (by default 3 x
``trial_steps``; where the phase's time share would not fit that, measured from the
finalists' own trial times, fewer steps or fewer finalists) and the best of them is retrained.
It is successive halving's last rungs: many graphs at the trial fidelity, a few at a higher
one, one at the full protocol.

Three things keep that choice honest. The finalists train and are scored on other validation
splits (``Task.refold``, folds 1 to ``finalist_folds``, with another seed on each): the search
chose them for their score on its own split, and with a small split and many candidates that
score is partly luck (the winner's curse; on MNIST-1D, two graphs that scored 0.99 and 0.992 on
its 500 validation samples scored 0.976 and 0.971 on the test split in the same training runs,
a four-block chain that scored 0.988-0.992 scored 0.984-0.987). One more training of each is
a draw as well (a graph that retrains to 97.7-98.7% once beat one that retrains to 98.6-99.1%
on one fold), so each finalist is ranked by its mean over the folds (one trial runs them
all). And for classification they are ranked by validation cross-entropy, which orders them
more finely than accuracy on a few hundred samples (steps of 0.002); the score stays accuracy.

A search whose children inherited weights ranked trained lineages, not architectures trained
from scratch: its finalists go on from their kept weights instead (:class:`WarmStart`), on the
search's own split, since the other splits' validation samples are in the data those weights
were trained on (saved as 0 folds).

The list and its steps are saved (``state-finalist-pick.json``) before training, and the
finalists are trials of phase ``finalists`` in the run's store, so a resumed run goes on with
the same finalists and trains none twice.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, replace
from typing import Any

from graphnas.driver import (
    SearchBudget,
    TrainingObjective,
    WarmStart,
    front,
    kept_weights,
    run_search,
    values,
)
from graphnas.store import RunStore, TrialRecord, TrialState
from graphnas.strategies.fixed import FixedList
from graphnas.training import Budget

from .base import Phase, SearchRun
from .handover import Chosen, Handover
from .pick import parse_pick, smallest_within

PHASE = "finalists"
PICK = "finalist-pick"
STEPS_FACTOR = 3  # finalist steps, in trial steps, when time allows
MIN_FACTOR = 1.5  # the fewest finalist steps worth training, in trial steps
FOLDS = 2  # the validation splits (1, 2, ...) each finalist is trained on (0: the search's)


@dataclass(frozen=True)
class FoldsObjective:
    """One trial of a finalist: ``objective`` on each of ``folds`` other validation splits
    (fold k with seed + k), reported as the mean of their validation metrics; the first
    failure is the trial's failure. Each fold's metrics stay in ``metrics["folds"]``."""

    objective: TrainingObjective
    folds: int = FOLDS

    def __call__(self, arch_json: str, seed: int) -> dict[str, Any]:
        runs = []
        for k in range(1, self.folds + 1):
            one = replace(self.objective, task=replace(self.objective.task, fold=k))
            out = one(arch_json, seed + k)
            if out.get("status") != "ok" or out.get("score") is None:
                return out
            runs.append(out)
        valid = {key: statistics.mean(r["valid"][key] for r in runs) for key in runs[0]["valid"]}
        return {**runs[0], "score": statistics.mean(r["score"] for r in runs), "valid": valid,
                "seconds": sum(r["seconds"] for r in runs), "curve": [],
                "metrics": {"folds": [r["valid"] for r in runs]}}


def layer_signature(arch_json: str) -> str:
    """A graph's nodes (op and parameters, in order), without its wiring; and its update rule,
    where it has one (candidates of the optimizer space share their nodes)."""
    data = json.loads(arch_json)
    layers = [(n.get("op"), n.get("params", {})) for n in data.get("nodes", [])]
    if data.get("update_rule"):
        layers.append(("update_rule", data["update_rule"]))
    return json.dumps(layers, sort_keys=True)


def pick(store: RunStore, k: int, phases: tuple[str, ...] | None = None) -> list[TrialRecord]:
    """The ``k`` best completed, trained (not cached) trials of the given phases (every phase
    but the finalists' when None), one per layer signature."""
    done = [t for t in store.trials(states=(TrialState.COMPLETE,))
            if t.score is not None and not t.cached and t.phase != PHASE
            and (phases is None or t.phase in phases) and t.choices]
    done.sort(key=lambda t: (-t.score, t.id))
    chosen, seen = [], set()
    for t in done:
        sig = layer_signature(t.arch_json)
        if sig not in seen:
            seen.add(sig)
            chosen.append(t)
        if len(chosen) == k:
            break
    return chosen


def plan(chosen: list[TrialRecord], trial_steps: int, workers: int, seconds: float | None,
         most: int | None = None, folds: int = 1) -> tuple[int, int]:
    """How many of ``chosen`` (the best first) to train again, and for how many steps (on each
    of ``folds``): ``most`` (default 3 x trial steps) for all of them, or what fits ``seconds``
    when they train ``workers`` at a time at their trials' measured pace (each, in order, on
    the worker that frees up first, as the executor hands them out). Where that is under
    ``MIN_FACTOR`` x trial steps, fewer finalists (down to 2) get longer; (0, 0) when even two
    would not (then the search's best stands)."""
    most = most or STEPS_FACTOR * trial_steps
    if seconds is None:
        return len(chosen), most
    for count in range(len(chosen), 1, -1):
        paces = [pace(t, trial_steps) for t in chosen[:count]]
        per_step = makespan(paces, workers) * folds
        fits = most if per_step <= 0 else int(seconds / per_step)
        if fits >= MIN_FACTOR * trial_steps:
            return count, min(most, fits)
    return 0, 0


def pace(t: TrialRecord, trial_steps: int) -> float:
    """Trial ``t``'s seconds per training step: over the steps it trained (a trial's, times
    its fidelity; an heir's, those it trained on its inherited weights)."""
    inherited = (t.metrics or {}).get("inherited") or {}
    steps = inherited.get("steps") or trial_steps * (t.fidelity or 1.0)
    return (t.seconds or 0.0) / max(1.0, steps)


def makespan(durations: list[float], workers: int) -> float:
    """When the last of ``durations`` ends if each, in order, starts on the worker that is free
    first."""
    loads = [0.0] * max(1, workers)
    for d in durations:
        loads[loads.index(min(loads))] += d
    return max(loads)


@dataclass(frozen=True)
class Finalists(Phase):
    """The closing phase every method shares: the search's best graph, or the best of its
    ``settings.finalists`` best distinct graphs trained again (resuming where a killed run
    left them). Fails when every trial of the search failed."""

    name: str = PHASE

    def run(self, run: SearchRun, given: Handover | None) -> Chosen:
        best = best_searched(run.store)
        if best is None:
            skipped = len(run.store.trials(states=(TrialState.SKIPPED,)))
            if skipped and not run.store.trials(states=(TrialState.FAILED,)):
                raise NoResult(f"no candidate fits the size limits ({skipped} skipped as too "
                               f"large); raise --max-params / --max-flops")
            raise NoResult("every trial failed; see the run's report.html and log.txt")
        picked = self._pick(run)
        if picked is not None:
            return Chosen(picked.arch_json, picked.id)
        if run.settings.finalists < 2:
            return Chosen(best.arch_json, best.id)
        finalist = self._train(run)
        return Chosen(best.arch_json, best.id) if finalist is None else \
            Chosen(finalist.arch_json, finalist.id)

    def _pick(self, run: SearchRun) -> TrialRecord | None:
        """With ``--pick smallest-within=M``, the front member it names (no finalists)."""
        s = run.settings
        margin = parse_pick(s.pick)
        if margin is None or len(s.objective_names) < 2:
            return None
        names = s.objective_names
        picked = smallest_within(front(run.store.trials(), names), names, margin,
                                 run.task.metric)
        if picked is not None:
            run.say(f"--pick {s.pick}: front member {picked.id} ({names[1]} "
                    f"{member_value(picked, names)}, score {picked.score:.4f}) is retrained")
        return picked

    def _train(self, run: SearchRun) -> TrialRecord | None:
        s, store = run.settings, run.store
        saved = store.load_state(PICK)
        if saved is None:
            chosen = pick(store, s.finalists)
            end = run.finalists_end()
            left = None if end is None else end - store.now()
            folds = 0 if s.inherits else s.finalist_folds
            count, steps = plan(chosen, s.trial_steps, s.workers, left, s.finalist_steps,
                                max(1, folds))
            chosen = chosen[:count]
            if count < 2:
                saved = {"trials": [], "steps": 0}
            else:
                saved = {"trials": [t.id for t in chosen], "steps": steps,
                         "folds": folds, "choices": [list(t.choices) for t in chosen]}
            store.save_state(PICK, saved)
        if not saved["trials"]:
            run.say("no finalists: the search left no time (or fewer than two distinct graphs) "
                    "to train its best graphs again")
            return None
        steps, folds = saved["steps"], saved.get("folds", 1)
        where = {0: "on the search's validation split, from their trained weights",
                 1: "on another validation split"}.get(folds, f"on {folds} other validation "
                                                               f"splits")
        run.say(f"training the {len(saved['trials'])} best distinct graphs again for {steps} "
                f"steps {where}")
        t0 = store.now()
        objective = run.objective
        objective = replace(objective, budget=Budget(steps=steps),
                            config=replace(objective.config, eval_every=max(1, steps // 3),
                                           max_seconds=run.settings.time_limit(steps)),
                            latency=False)
        longer = warm(store, saved["trials"], objective) if folds == 0 else \
            FoldsObjective(objective, folds)

        def finished() -> set[str]:
            return {t.hash for t in store.trials(PHASE, (TrialState.COMPLETE,
                                                         TrialState.FAILED))}

        run_search(run.space, FixedList(run.space, saved["choices"], finished), longer, store,
                   SearchBudget(trials=len(saved["choices"])), run.executor, PHASE,
                   s.seed + 20_000, fidelity=steps / s.trial_steps, on_event=run.events)
        run.record_phase(PHASE, t0, f"the {len(saved['choices'])} best distinct graphs "
                         f"trained again for {steps} steps {where}; the best (mean) kept")
        return best_finalist(store.trials(PHASE, (TrialState.COMPLETE,)))


def warm(store: RunStore, trial_ids: list[int], objective: TrainingObjective) -> WarmStart:
    """The finalists of a search whose children inherited weights: each goes on from its
    search trial's kept weights, on the search's own split (the other splits' validation
    samples are in the training data those weights saw)."""
    hashes = {t.hash for t in store.trials() if t.id in trial_ids}
    kept = {h: kept_weights(store, h) for h in hashes}
    return WarmStart(objective, {h: w for h, w in kept.items() if w is not None})


def member_value(t: TrialRecord, names: tuple[str, ...]) -> str:
    """The second objective's value of ``t``, as the run's log says it."""
    v = (values(t, names) or (None, None))[1]
    return "-" if v is None else f"{v:.4g}"


class NoResult(RuntimeError):
    """Every trial of the search failed: there is no graph to retrain."""


def best_searched(store: RunStore) -> TrialRecord | None:
    """The best completed trial of a graph the search asked for (any phase but the
    finalists'; the supergraph's own record is no graph)."""
    done = [t for t in store.trials(states=(TrialState.COMPLETE,))
            if t.score is not None and t.phase != PHASE and t.choices]
    return max(done, key=lambda t: (t.score, -t.id), default=None)


def _loss(t: TrialRecord) -> float | None:
    return (t.metrics.get("valid") or {}).get("loss")


def best_finalist(done: list[TrialRecord]) -> TrialRecord | None:
    """The finalist with the lowest validation loss when every one has one (classification),
    else the highest score; ties to the better-ranked finalist."""
    done = [t for t in done if t.score is not None]
    if done and all(_loss(t) is not None for t in done):
        return min(done, key=lambda t: (_loss(t), t.id))
    return max(done, key=lambda t: (t.score, -t.id), default=None)


def summary(store: RunStore) -> list[dict[str, Any]]:
    """Each finalist's search score and finalist score, for result.json and the report."""
    saved = store.load_state(PICK) or {"trials": []}
    by_id = {t.id: t for t in store.trials()}
    again = {t.hash: t for t in store.trials(PHASE)}
    out = []
    for tid in saved["trials"]:
        t = by_id.get(tid)
        if t is None:
            continue
        f = again.get(t.hash)
        out.append({"trial": tid, "search_score": t.score, "steps": saved["steps"],
                    "folds": saved.get("folds", 1),
                    "finalist_score": None if f is None else f.score,
                    "finalist_loss": None if f is None else _loss(f)})
    return out
