"""Ask/tell phases, and the one-phase methods made of a registered strategy."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphnas.driver import SearchBudget, run_search
from graphnas.driver.limits import known_costs
from graphnas.spaces import Space
from graphnas.strategies import STRATEGIES, check_space, get_strategy

from .base import Method, Phase, SearchRun
from .handover import Handover, Searched
from .settings import SearchSettings
from .types import check_options

KEEP_BEST = 2  # with inherited weights, the best architectures' weights kept, in finalists
# (twice: the finalists are the best distinct in their layers, not simply the best)


def check_strategy_options(name: str, options: dict[str, Any], where: str = "") -> None:
    """Refuse unknown options of strategy ``name`` and values of the wrong type, up front."""
    check_options(STRATEGIES[name], options, where or f"strategy {name!r}", skip=2)


def all_trials(n: int) -> int:
    return n


@dataclass(frozen=True)
class AskTellPhase(Phase):
    """Strategy ``strategy`` (with ``options``) asks and is told until the search's trials
    (``trials_of(settings.trials)``, counting the phase's earlier runs) or ``until`` of the
    search time. The same phase name in a plan twice continues the same strategy: its state is
    the store's, so the second resumes where the first stopped. With ``--fidelity`` its trials
    train in rungs (:mod:`graphnas.driver.fidelity`)."""

    name: str = "search"
    strategy: str = "random"
    options: dict[str, Any] = field(default_factory=dict)
    until: float = 1.0  # share of the search time by which no trial is left to start
    trials_of: Callable[[int], int] = all_trials
    note: str = ""

    def run(self, run: SearchRun, given: Handover | None, slots: int | None = None,
            stop: Callable[[], bool] | None = None) -> Searched:
        s, store = run.settings, run.store
        trials = None if s.trials is None else self.trials_of(s.trials)
        seconds = None if run.search_seconds is None else \
            (lambda: run.search_end() * self.until)
        t0, before = store.now(), len(store.trials(self.name))
        strategy = get_strategy(self.strategy, run.space, s.seed, **self.options)
        if strategy.reads_known and len(s.objective_names) > 1:
            strategy.known = known_costs(s.objective_names, run.task.input_spec,
                                         run.task.output_spec)
        run_search(run.space, strategy, run.objective, store, SearchBudget(trials, seconds),
                   run.executor, self.name, s.seed, on_event=run.events, slots=slots,
                   stop=stop, limits=run.limits, objectives=s.objective_names,
                   rungs=s.rung_schedule(), keep_best=KEEP_BEST * s.finalists)
        if len(store.trials(self.name)) > before:
            run.record_phase(self.name, t0, self.note or self.strategy)
        best = store.best(self.name)
        return Searched(None if best is None else best.id)


class StrategyMethod(Method):
    """A one-phase method: a registered ask/tell strategy for the whole search time."""

    multi_fidelity = True

    def __init__(self, strategy: str) -> None:
        self.name = strategy
        self.multi_objective = STRATEGIES[strategy].multi_objective
        module = sys.modules[STRATEGIES[strategy].__module__]
        paragraph = " ".join((module.__doc__ or strategy).strip().split("\n\n")[0].split())
        self.help = re.split(r"\.\s+(?=[A-Z])", paragraph)[0].rstrip(".") + "."

    def plan(self, settings: SearchSettings, space: Space) -> list[Phase]:
        check_strategy_options(self.name, settings.strategy_options)
        check_space(self.name, space)
        get_strategy(self.name, space, settings.seed, **settings.strategy_options)  # settings
        if settings.strategy_options.get("inherit_weights") and settings.fidelity != "none":
            raise ValueError(f"--fidelity {settings.fidelity}: trials that inherit weights "
                             f"(inherit_weights=true) cannot also train in rungs")
        return [AskTellPhase("search", self.name, dict(settings.strategy_options))]

