"""What a search method is: a named plan of phases that :func:`run_plan` runs in order.

A phase is an ask/tell strategy or a training job. It is given the run (:class:`SearchRun`:
task, space, objective, store, executor, the search's time) and the hand-over of the phase
before it, and returns its own hand-over: a small typed record (:mod:`.handover`) that the
runner writes into the run's store before the next phase starts. A resumed run skips every
phase whose hand-over is recorded and resumes the first one that has none (ask/tell phases
resume by replaying their trials, see :func:`graphnas.driver.restore`).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from graphnas.driver import TrainingObjective
from graphnas.execution import Executor
from graphnas.spaces import Space
from graphnas.store import RunStore
from graphnas.tasks import Task

from .handover import Handover
from .settings import SearchSettings

log = logging.getLogger(__name__)
Event = Callable[[str, dict[str, Any]], None]
MOVE_EVERY = 5.0  # seconds between two estimates of the closing phases' time


@dataclass
class SearchRun:
    """Everything a phase works with. Times are seconds of the run's wall clock
    (``store.now()``, across resumes); ``search_seconds`` is when the search phases must end
    (None: trials only), ``finalists_until`` when the finalists must: the fixed shares of the
    budget. ``later``, where given, moves both later as the trials show that the closing phases
    need less than those shares (see :func:`graphnas.methods.timing.moved_times`); phases read
    the current ends from :meth:`search_end` and :meth:`finalists_end`."""

    settings: SearchSettings
    task: Task
    space: Space
    objective: TrainingObjective
    store: RunStore
    executor: Executor
    search_seconds: float | None = None
    finalists_until: float | None = None
    threads: int | None = None
    events: Event = field(default=lambda kind, info: None)
    say: Callable[[str], None] = field(default=lambda text: None)
    module: Any = None  # the retrained torch module, once the retraining has run
    limits: Callable[[str], str | None] | None = None  # why a graph is too large (or None)
    later: Callable[[], tuple[float, float] | None] | None = None
    _moved: tuple[float, tuple[float, float] | None] | None = field(default=None, repr=False)

    def search_end(self) -> float | None:
        """When the search phases must end, as the run stands (None: trials only)."""
        moved = self._moved_times()
        return self.search_seconds if moved is None else moved[0]

    def finalists_end(self) -> float | None:
        """When the finalists must end, as the run stands (None: no time limit)."""
        moved = self._moved_times()
        return self.finalists_until if moved is None else moved[1]

    def _moved_times(self) -> tuple[float, float] | None:
        """``later()``, asked at most every ``MOVE_EVERY`` seconds (it reads the store)."""
        if self.later is None or self.search_seconds is None:
            return None
        now = self.store.now()
        if self._moved is None or now - self._moved[0] >= MOVE_EVERY:
            self._moved = (now, self.later())
        return self._moved[1]

    def record_phase(self, name: str, started: float, note: str) -> None:
        """Add a finished phase to the run's phase log (report and result.json read it)."""
        done = self.store.load_state("phases") or {"phases": []}
        done["phases"].append([name, started, self.store.now(), note])
        self.store.save_state("phases", done)

    def phase_log(self) -> list[list]:
        return (self.store.load_state("phases") or {"phases": []})["phases"]


class Phase(ABC):
    """One step of a method's plan. ``name`` is the phase its trials are recorded under."""

    name: str = "phase"

    @abstractmethod
    def run(self, run: SearchRun, given: Handover | None) -> Handover:
        """Run (or resume) the phase; ``given`` is the previous phase's hand-over."""

    def holds(self, run: SearchRun, handover: Handover) -> bool:
        """Whether a recorded hand-over of this phase still stands (what it points to is
        intact); a phase whose hand-over does not hold runs again."""
        return True


class Method(ABC):
    """A search method: a name, a line of help and a plan of phases.

    Subclasses set ``name`` and ``help`` (and ``multi_objective`` where every phase of the
    plan searches a score vector, ``multi_fidelity`` where its ask/tell phases can train their
    trials in rungs, ``--fidelity``) and implement :meth:`plan`; the finalists and the
    final retraining are appended to every plan by the runner. A method reads its own options
    from ``settings.strategy_options`` and must reject a wrong one in :meth:`plan`, before any
    phase runs, so that a typing mistake costs no search time.
    """

    name: ClassVar[str]
    help: ClassVar[str]
    multi_objective: bool = False  # whether it searches several objectives (a score vector)
    multi_fidelity: bool = False  # whether its ask/tell phases train trials in rungs

    @abstractmethod
    def plan(self, settings: SearchSettings, space: Space) -> list[Phase]:
        """The phases of a search with these settings over ``space`` (options checked)."""
