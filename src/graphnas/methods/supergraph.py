"""The differentiable phases: the restriction of a space to what the best explored graphs
agree on, and a supergraph over it trained by bilevel optimisation, then discretised.

Restriction rule (``top_k``, default 5, and ``min_votes``, default 2): keep, for every
decision, the options used by at least ``min_votes`` of the ``top_k`` best explored graphs,
and always the best graph's own option (all options where fewer than two graphs finished).
Voting keeps what the good graphs agree on, so that the supergraph is small enough to train in
its share of the budget; ``min_votes=1`` keeps every option any of them uses.

The supergraph trains on one worker (:class:`SupergraphJob`, runnable on any executor like a
trial); with ``train_graph`` it then trains its discretised graph on the same worker, so that
no worker waits between the two, while an ask/tell phase given as ``beside`` fills the other
workers. Its outcome (graph, score, the next most probable graphs) is kept in its trial's
record, so a run killed after it finished never trains it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from graphnas.differentiable import DiffConfig, differentiable_search
from graphnas.driver import median, record_finished, trained_seconds
from graphnas.graph import from_json
from graphnas.spaces import Space
from graphnas.store import RunStore, TrialState
from graphnas.tasks import TaskRef, load_task

from .ask_tell import AskTellPhase
from .base import Phase, SearchRun
from .handover import Handover, Restriction, Supergraph

log = logging.getLogger(__name__)
PHASE = "supergraph"
EXPLOIT = "exploit"  # the phase of the discretised graphs' trials
EXPLOIT_SEED = 10_001  # the discretised graph's trial seed, past the search seed


@dataclass(frozen=True)
class SupergraphJob:
    """A differentiable search, runnable on any executor like a trial; with ``trial`` (the
    search's objective) it then trains the discretised graph on the same worker (seed
    ``trial_seed``). The graph is trained as ``trial_space`` (the unrestricted space) decodes
    it: the discretisation can drop a memory link where the restriction kept only memory
    links, so the graph may lie outside ``space``."""

    task: TaskRef
    space: Space
    config: DiffConfig
    trial: Callable[[str, int], Any] | None = None
    trial_space: Space | None = None
    trial_seed: int = 0
    limits: Callable[[str], str | None] | None = None  # a graph too large is not trained here

    def __call__(self, arch_json: str, seed: int) -> dict[str, Any]:
        r = differentiable_search(self.space, load_task(self.task), self.config)
        out = {"status": "ok", "score": r.valid_score, "arch_json": r.graph_json,
               "choices": r.choices, "seconds": r.seconds, "steps": r.steps,
               "ranked": self._distinct(r.ranked),
               "valid": {"supergraph_score": r.valid_score, "guard_stopped_at":
                         r.guard_stopped_at}}
        if self.trial is not None:
            t0 = time.perf_counter()
            try:
                full = self.trial_space or self.space
                graph = full.decode(full.encode(from_json(r.graph_json)))
                if self.limits is None or self.limits(graph.to_json(None)) is None:
                    trained = self.trial(graph.to_json(None), self.trial_seed)
                    out["exploit"] = trained.to_dict() if hasattr(trained, "to_dict") \
                        else trained
            except Exception as err:  # noqa: BLE001  (a failed trial, not a failed supergraph)
                out["exploit"] = {"status": "failed", "error": f"{type(err).__name__}: {err}",
                                  "seconds": time.perf_counter() - t0}
        return out

    def _distinct(self, ranked: list[list[int]]) -> list[list[int]]:
        """The ranked choice sequences as distinct graphs of ``trial_space`` (its choices)."""
        full, out, seen = self.trial_space or self.space, [], set()
        for choices in ranked:
            try:
                cand = full.candidate(full.encode(self.space.decode(choices)))
            except ValueError:  # a decoding the full space cannot hold: left out
                continue
            if cand.hash not in seen:
                seen.add(cand.hash)
                out.append(list(cand.choices))
        return out


def restriction(space: Space, store: RunStore, top_k: int, min_votes: int = 2,
                phase: str = "explore") -> dict[str, list]:
    """Per decision label, the options used by at least ``min_votes`` of the best ``top_k``
    graphs of ``phase``, the best graph's option first and always kept."""
    done = [t for t in store.trials(phase, (TrialState.COMPLETE,)) if t.score is not None]
    best = sorted(done, key=lambda t: -t.score)[:top_k]
    if len(best) < 2:
        return {}
    votes: dict[str, dict[Any, int]] = {}
    for t in best:
        for d, c in zip(space.decisions(t.choices), t.choices):
            counts = votes.setdefault(d.label, {})
            counts[d.options[c]] = counts.get(d.options[c], 0) + 1
    first = {d.label: d.options[c] for d, c in zip(space.decisions(best[0].choices),
                                                   best[0].choices)}
    allowed: dict[str, list] = {}
    for label, counts in votes.items():
        kept = [v for v, n in counts.items() if n >= min_votes or first.get(label) == v]
        allowed[label] = kept or list(counts)  # a decision the best graph does not reach
    return allowed


@dataclass(frozen=True)
class RestrictPhase(Phase):
    """The space narrowed to what the ``top_k`` best graphs of ``source`` agree on."""

    top_k: int = 5
    min_votes: int = 2
    source: str = "explore"
    name: str = "restrict"

    def run(self, run: SearchRun, given: Handover | None) -> Restriction:
        allowed = restriction(run.space, run.store, self.top_k, self.min_votes, self.source)
        return Restriction(allowed)


def supergraph_seconds(search_seconds: float, share: float, now: float,
                       trial_seconds: float) -> float:
    """The supergraph's time limit: its ``share`` of the search time, cut so that its
    discretised graph's trial (``trial_seconds`` long, like the explored ones) still ends with
    the search time, as an explored trial started in time would; never under a third of the
    share. Exploration overruns its share when its last trials outlast it."""
    planned = share * search_seconds
    return max(planned / 3, min(planned, search_seconds - now - trial_seconds))


@dataclass(frozen=True)
class SupergraphPhase(Phase):
    """A supergraph over the space (restricted by a given :class:`Restriction`), trained for
    ``share`` of the search time (``timed_steps`` at most) or, without a time budget, for
    4 x the trial steps; ``train_graph`` trains its discretised graph in the same job;
    ``beside`` explores on the other workers meanwhile."""

    config: DiffConfig = field(default_factory=DiffConfig)
    share: float = 0.3
    timed_steps: int = 400
    train_graph: bool = True
    beside: AskTellPhase | None = None
    name: str = PHASE

    def run(self, run: SearchRun, given: Handover | None) -> Supergraph:
        store = run.store
        run.events("phase", {"phase": EXPLOIT, "done": 0})
        done = store.trials(PHASE, (TrialState.COMPLETE, TrialState.FAILED))
        if not done:
            self._train(run, given)
            done = store.trials(PHASE, (TrialState.COMPLETE, TrialState.FAILED))
        rec = done[0]
        if rec.state != TrialState.COMPLETE:
            return Supergraph()
        out = rec.metrics.get("outcome") or {}
        trained = bool(store.trials(EXPLOIT, (TrialState.COMPLETE, TrialState.FAILED)))
        return Supergraph(out.get("arch_json", ""), rec.score, out.get("ranked") or [],
                          trained)

    def _train(self, run: SearchRun, given: Handover | None) -> None:
        store, s, executor = run.store, run.settings, run.executor
        allowed = given.allowed if isinstance(given, Restriction) else {}
        narrowed = run.space.restrict(allowed)
        t0 = store.now()
        seconds = None if run.search_seconds is None else supergraph_seconds(
            run.search_end(), self.share, t0, median(trained_seconds(store, "explore")))
        steps = self.timed_steps if seconds else 4 * s.trial_steps  # trials only: their scale
        cfg = replace(self.config, steps=steps, seconds=seconds, seed=s.seed,
                      check_every=max(5, steps // 10))
        store.mark_lost(PHASE)
        tid = store.start_trial(PHASE, (), "{}", PHASE, 1.0, s.seed)
        job = SupergraphJob(run.task.ref, narrowed, cfg,
                            run.objective if self.train_graph else None, run.space,
                            s.seed + EXPLOIT_SEED, run.limits)
        fut = executor.submit(job, "{}", s.seed)
        if self.beside is not None and executor.workers > 1:  # the other workers explore
            self.beside.run(run, None, slots=executor.workers - 1, stop=fut.done)
        try:
            out = fut.result()
        except Exception as err:  # noqa: BLE001  (recorded; the explored graphs still count)
            store.finish_trial(tid, TrialState.FAILED, error=f"{type(err).__name__}: {err}")
            log.warning("differentiable phase failed: %s", err)
            return
        exploit = out.pop("exploit", None)
        if exploit is not None:  # before the supergraph's own record: a kill in between
            cand = run.space.candidate(run.space.encode(from_json(out["arch_json"])))
            rec = record_finished(store, EXPLOIT, cand, exploit, s.seed + EXPLOIT_SEED)
            run.events("trial", {"record": rec, "in_flight": 0})  # trains it again, no more
        store.finish_trial(tid, TrialState.COMPLETE, out["score"],
                           {**out["valid"], "outcome": {k: out[k] for k in
                                                        ("arch_json", "ranked", "steps")}},
                           seconds=out["seconds"])
        kept = sum(len(v) for v in allowed.values())
        where = f"the space restricted to {kept} options" if allowed else "the whole space"
        then = ", then its discretised graph trained from scratch" if exploit else ""
        run.record_phase(PHASE, t0, f"differentiable search over {where} "
                         f"({out['steps']} steps){then}")
