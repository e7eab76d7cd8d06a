"""The hybrid search of seed 000: REINFORCE exploration -> restriction -> differentiable
exploitation over the restricted supergraph -> the discretised graph trained from scratch.

Restriction rule (``strategy_options``: ``top_k``, default 5, and ``min_votes``, default 2): keep,
for every decision, the options used by at least ``min_votes`` of the ``top_k`` best explored
graphs, and always the best graph's own option (all options where fewer than two graphs
finished). Voting keeps what the good graphs agree on, so that the supergraph is small enough to
train in its share of the budget; ``min_votes=1`` keeps every option any of them uses. Memory
links on a sequence are relaxed by whole-sequence passes (``sequence_memory="ticks"``, see
:mod:`graphnas.differentiable.supergraph`; ``"steps"`` is exact and far slower).

Budget: exploration gets ``explore_share`` (default 0.55) of the search time (or 80% of
the trials), the supergraph ``exploit_share`` (0.3) of it, less where exploration ran over,
so that the discretised graph's trial ends with the search time (:func:`supergraph_seconds`).
The supergraph, then the discretised graph's trial, train on one worker while the others go
on exploring; what they leave of the search time goes back to exploration too, which resumes
where it stopped (the controller keeps its state). Every phase records into the run directory:
explored trials (phase ``explore``), the supergraph job (``supergraph``) and the discretised
graph's trial (``exploit``); a resumed run skips what is done.

The ``differentiable`` strategy is the same without exploration: a supergraph of the whole
space, then its discretisation and the next most probable graphs under the architecture
parameters, one per worker at once, then more while the search time lasts, and more in turn
where all of those fail (a graph that diverges must not leave the search with nothing).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from graphnas.differentiable import DiffConfig, differentiable_search
from graphnas.driver import SearchBudget, median, record_outcome, run_search, trained_seconds
from graphnas.graph import Graph, from_json
from graphnas.spaces import Space
from graphnas.store import RunStore, TrialState
from graphnas.strategies import get_strategy
from graphnas.strategies.fixed import FixedList
from graphnas.tasks import Task, TaskRef, load_task

log = logging.getLogger(__name__)
EXPLOIT_SEED = 10_001  # the discretised graph's trial seed, past the search seed
FALLBACKS = 3  # the differentiable strategy's next graphs tried when all its first ones fail


@dataclass(frozen=True)
class SupergraphJob:
    """A differentiable search, runnable on any executor like a trial; with ``trial`` (the
    search's objective) it then trains the discretised graph on the same worker (seed
    ``trial_seed``), so that no worker waits between the two. The graph is trained as
    ``trial_space`` (the unrestricted space) decodes it: the discretisation can drop a memory
    link where the restriction kept only memory links, so the graph may lie outside ``space``."""

    task: TaskRef
    space: Space
    config: DiffConfig
    trial: Callable[[str, int], Any] | None = None
    trial_space: Space | None = None
    trial_seed: int = 0

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
                trained = self.trial(graph.to_json(None), self.trial_seed)
                out["exploit"] = trained.to_dict() if hasattr(trained, "to_dict") else trained
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


def restriction(space: Space, store: RunStore, top_k: int, min_votes: int = 2
                ) -> dict[str, list]:
    """Per decision label, the options used by at least ``min_votes`` of the best ``top_k``
    explored graphs, the best graph's option first and always kept."""
    done = [t for t in store.trials("explore", (TrialState.COMPLETE,)) if t.score is not None]
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


def run_hybrid(s, task: Task, space: Space, objective, store: RunStore, executor,
               search_seconds: float | None, events, phases: list,
               explore: bool = True) -> Graph | None:
    """The hybrid search; with ``explore=False`` differentiable search alone over the whole
    space (the ``differentiable`` strategy)."""
    opts = dict(s.strategy_options)
    top_k = int(opts.pop("top_k", 5))
    min_votes = int(opts.pop("min_votes", 2))
    explore_share = float(opts.pop("explore_share", 0.55)) if explore else 0.0
    exploit_share = float(opts.pop("exploit_share", 0.3 if explore else 0.8))
    # checked before exploration, so that a wrong option costs no search time
    diff = DiffConfig(order=str(opts.pop("order", "first")), seed=s.seed,
                      sequence_memory=str(opts.pop("sequence_memory", "ticks")))
    t0 = store.now()
    if explore:
        explore_trials = None if s.trials is None else max(2, int(s.trials * 0.8))
        explore_seconds = None if search_seconds is None else search_seconds * explore_share
        strategy = get_strategy("reinforce", space, s.seed, **opts)
        run_search(space, strategy, objective, store,
                   SearchBudget(explore_trials, explore_seconds), executor, "explore", s.seed,
                   on_event=events)
        phases.append(("explore", t0, store.now(), "REINFORCE exploration"))
        more = None if s.trials is None else max(explore_trials, s.trials - 1)

    allowed = restriction(space, store, top_k, min_votes)
    narrowed = space.restrict(allowed)
    kept = sum(len(v) for v in allowed.values())
    store.save_state("restrict", {"allowed": allowed})
    t1 = store.now()
    events("phase", {"phase": "exploit", "done": 0})
    if not store.trials("supergraph", (TrialState.COMPLETE, TrialState.FAILED)):
        seconds = None if search_seconds is None else supergraph_seconds(
            search_seconds, exploit_share, store.now(), median(trained_seconds(store, "explore")))
        steps = (400 if explore else 1500) if seconds else 4 * s.trial_steps  # trials only:
        cfg = replace(diff, steps=steps, seconds=seconds,  # scale with the trials' own length
                      check_every=max(5, steps // 10))
        store.mark_lost()
        tid = store.start_trial("supergraph", (), "{}", "supergraph", 1.0, s.seed)
        job = SupergraphJob(task.ref, narrowed, cfg, objective if explore else None, space,
                            s.seed + EXPLOIT_SEED)
        fut = executor.submit(job, "{}", s.seed)
        if explore and executor.workers > 1:  # the other workers explore meanwhile
            _explore_more(strategy, "REINFORCE exploration beside the supergraph", s, space,
                          objective, store, executor, more, search_seconds, events, phases,
                          slots=executor.workers - 1, stop=fut.done)
        try:
            out = fut.result()
            store.finish_trial(tid, TrialState.COMPLETE, out["score"], out["valid"],
                               seconds=out["seconds"])
            exploit = out.pop("exploit", None)
            store.save_state("supergraph", out)
            if exploit is not None:
                _record_exploit(space, store, out["arch_json"], exploit, s.seed, events)
        except Exception as err:  # noqa: BLE001  (recorded; the explored graphs still count)
            store.finish_trial(tid, TrialState.FAILED, error=f"{type(err).__name__}: {err}")
            log.warning("differentiable phase failed: %s", err)
    sup = store.load_state("supergraph")
    if sup is not None and not explore:
        _train_discretisations(space, sup, objective, store, executor, s.seed, search_seconds,
                               events)
    elif sup is not None and not store.trials("exploit", (TrialState.COMPLETE,
                                                            TrialState.FAILED)):
        graph = from_json(sup["arch_json"])
        fixed = FixedList(space, [space.encode(graph)], lambda: set())
        run_search(space, fixed, objective, store, SearchBudget(trials=1), executor, "exploit",
                   s.seed + EXPLOIT_SEED - 1, on_event=events)  # a resumed run trains it here
    phases.append(("exploit", t1, store.now(),
                   f"differentiable search over the restricted space ({kept} options kept "
                   f"from the top {top_k}), discretised graph trained from scratch"
                   if explore else "differentiable search over the whole space, its most "
                   "probable graphs trained from scratch"))
    if explore:
        _explore_more(strategy, "REINFORCE exploration, continued", s, space, objective, store,
                      executor, more, search_seconds, events, phases)
    best = max((store.best("explore"), store.best("exploit")),
               key=lambda t: -float("inf") if t is None else t.score, default=None)
    return None if best is None else from_json(best.arch_json)


def supergraph_seconds(search_seconds: float, share: float, now: float,
                       trial_seconds: float) -> float:
    """The supergraph's time limit: its ``share`` of the search time, cut so that its
    discretised graph's trial (``trial_seconds`` long, like the explored ones) still ends with
    the search time, as an explored trial started in time would; never under a third of the
    share. Exploration overruns its share when its last trials outlast it."""
    planned = share * search_seconds
    return max(planned / 3, min(planned, search_seconds - now - trial_seconds))


def _record_exploit(space: Space, store: RunStore, arch_json: str, outcome: dict,
                    seed: int, events) -> None:
    """Record the discretised graph's trial, trained inside the supergraph's job, as the
    exploit phase's one trial (what ``run_search`` with a FixedList would have recorded)."""
    cand = space.candidate(space.encode(from_json(arch_json)))
    tid = store.start_trial("exploit", cand.choices, cand.arch.to_json(None), cand.hash, 1.0,
                            seed + EXPLOIT_SEED)
    rec = record_outcome(store, tid, outcome, float(outcome.get("seconds") or 0.0))
    events("trial", {"record": rec, "in_flight": 0})


def _train_discretisations(space: Space, sup: dict, objective, store: RunStore, executor,
                           seed: int, search_seconds: float | None, events) -> None:
    """The differentiable strategy's graphs: its discretisation and the next most probable
    ones (``sup["ranked"]``), one per worker at once (its other workers would idle), then
    more while the search time lasts; where all of them fail (a NaN loss, ...), the next ones
    in turn, up to ``FALLBACKS`` more, so that one unlucky graph does not leave the search
    with nothing."""
    graphs = sup.get("ranked") or [space.encode(from_json(sup["arch_json"]))]

    def finished() -> set[str]:
        return {t.hash for t in store.trials("exploit", (TrialState.COMPLETE,
                                                        TrialState.FAILED))}

    def train(trials: int, seconds: float | None = None) -> None:
        run_search(space, FixedList(space, graphs, finished), objective, store,
                   SearchBudget(trials, seconds), executor, "exploit", seed + EXPLOIT_SEED - 1,
                   on_event=events)

    first = min(len(graphs), executor.workers)
    train(first)
    if search_seconds is not None:
        train(len(graphs), search_seconds)
    most = min(len(graphs), first + FALLBACKS)
    while not store.trials("exploit", (TrialState.COMPLETE,)) and \
            len(store.trials("exploit")) < most:
        train(len(store.trials("exploit")) + 1)


def _explore_more(strategy, note: str, s, space: Space, objective, store: RunStore, executor,
                  trials: int | None, search_seconds: float | None, events, phases: list,
                  **limits: Any) -> None:
    """Exploration resumed up to ``trials`` explored trials or the search time (``limits``:
    ``slots`` and ``stop`` of :func:`run_search`); a phase is recorded if any trial ran."""
    t0 = store.now()
    before = len(store.trials("explore"))
    run_search(space, strategy, objective, store, SearchBudget(trials, search_seconds),
               executor, "explore", s.seed, on_event=events, **limits)
    if len(store.trials("explore")) > before:
        phases.append(("explore", t0, store.now(), note))
