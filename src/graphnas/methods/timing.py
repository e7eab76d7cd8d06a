"""When the search and the finalists end, moved later as the run learns its own pace.

A wall-time budget starts with fixed shares (:func:`graphnas.methods.runner.search_times`): the
search phases until 55% of it, the finalists until 75%, the retraining after. Those shares are
a guess made before any graph has trained, and on a small network the closing phases take far
less (a 20-minute MNIST-1D search: the finalists used 66 s of their 240, the retraining 52 s of
its 300, and the run ended after 13 minutes). Once the search has trained graphs, the pace
(seconds per training step) of its best few says how long the finalists (those graphs, on
``finalist_folds`` splits, ``workers`` at a time) and the retraining (the slowest of them) will
take; :func:`moved_times` keeps ``MARGIN`` times that plus ``SLACK`` seconds for them and gives
the rest to the search. The ends only move later, never past ``LATEST`` of the budget; where
the task's hand-designed baselines train beside the retraining (their pace is not known before
they train), the retraining keeps its fixed share and only the finalists' unused time moves.
"""

from __future__ import annotations

from graphnas.store import RunStore

from .finalists import STEPS_FACTOR, makespan, pace, pick
from .retrain import FINISH_SECONDS
from .runner import SEARCH_SHARE, search_times
from .settings import SearchSettings

MARGIN = 1.5  # the closing phases' estimated time is kept this many times over
SLACK = 10.0  # seconds kept besides, for starting their processes and writing the results
LATEST = 0.85  # of the budget: the search never ends later than this


def closing_seconds(s: SearchSettings, store: RunStore) -> tuple[float, float] | None:
    """How long the finalists and the retraining will take at the pace of the search's best
    graphs (the finalists-to-be); None before any of them has trained."""
    chosen = pick(store, max(1, s.finalists))
    paces = [pace(t, s.trial_steps) for t in chosen if t.seconds]
    if not paces:
        return None
    finalists = 0.0
    if s.finalists > 1 and len(paces) > 1:
        steps = s.finalist_steps or STEPS_FACTOR * s.trial_steps
        finalists = makespan(paces, s.workers or 1) * s.finalist_folds * steps
    return finalists, max(paces) * s.retrain_steps


def moved_times(s: SearchSettings, store: RunStore, baselines: bool
                ) -> tuple[float, float] | None:
    """When the search phases and the finalists must end, given the run so far: at least the
    fixed shares, later where :func:`closing_seconds` says the closing phases need less.
    ``baselines``: whether hand-designed baselines train beside the retraining (then it keeps
    its fixed share). None without a time budget or before any graph has trained."""
    search, finalists_until = search_times(s)
    if s.budget is None or search is None or finalists_until is None:
        return None
    closing = closing_seconds(s, store)
    if closing is None:
        return None
    finalists, retrain = closing
    finish = min(FINISH_SECONDS, 0.05 * s.budget)
    retraining = (1 - SEARCH_SHARE) * s.budget if baselines else MARGIN * retrain + SLACK
    finalists_end = max(finalists_until, s.budget - finish - retraining)
    keep = MARGIN * finalists + SLACK if finalists else 0.0
    search_end = min(max(search, finalists_end - keep), LATEST * s.budget)
    return search_end, max(finalists_end, search_end)
