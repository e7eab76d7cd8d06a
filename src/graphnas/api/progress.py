"""Live progress of a search: a rich panel on a terminal, plain lines for logs, or nothing."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from graphnas.methods.finalists import PHASE as FINALISTS
from graphnas.store import TrialState
from graphnas.tasks import LOWER_IS_BETTER

MODES = ("auto", "rich", "plain", "quiet")


@dataclass
class ProgressState:
    phase: str = "search"
    done: int = 0
    failed: int = 0
    in_flight: int = 0
    best: float | None = None
    trials: int | None = None  # the trial budget, when there is one
    budget: float | None = None  # the wall-time budget in seconds, when there is one
    promoted: int = 0  # promotions finished (multi-fidelity search)
    promoting: int = 0  # promotions in flight


class SearchProgress:
    """Shows a search's state; call :meth:`update` as trials start and end.

    Modes: ``rich`` (a live panel, the default on a terminal), ``plain`` (one line per finished
    trial, for logs and CI; the default when stderr is not a terminal) and ``quiet``.
    """

    def __init__(self, mode: str = "auto", metric: str = "score",
                 state: ProgressState | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown progress mode {mode!r}; use one of {', '.join(MODES)}")
        if mode == "auto":
            mode = "rich" if sys.stderr.isatty() else "plain"
        self.mode = mode
        self.metric = metric
        self.state = state or ProgressState()
        self.start = time.monotonic()
        self._console = Console(stderr=True)
        self._live: Live | None = None

    def __enter__(self) -> SearchProgress:
        if self.mode == "rich":
            self._live = Live(self._table(), console=self._console, refresh_per_second=4,
                              transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.update(self._table())
            self._live.__exit__(None, None, None)
            self._live = None

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def update(self, **changes: object) -> None:
        """Change fields of the state (phase, done, failed, in_flight, best, ...) and redraw."""
        finished = "done" in changes or "failed" in changes or "promoted" in changes
        for k, v in changes.items():
            setattr(self.state, k, v)
        if self.mode == "rich" and self._live is not None:
            self._live.update(self._table())
        elif self.mode == "plain" and finished:
            print(self.line(), file=sys.stderr, flush=True)

    def message(self, text: str) -> None:
        """A one-off line (a phase change, where the report is)."""
        if self.mode == "rich":
            self._console.print(text)
        elif self.mode == "plain":
            print(text, file=sys.stderr, flush=True)

    def line(self) -> str:
        s = self.state
        best = self._best()
        total = f"/{s.trials}" if s.trials else ""
        left = ""
        if s.budget is not None:
            left = f" left {max(0.0, s.budget - self.elapsed()):.0f}s"
        return (f"[{s.phase}] trials {s.done}{total} done, {s.failed} failed, {s.in_flight} in "
                f"flight{self._promotions()} | best {self.metric} {best} | "
                f"{self.elapsed():.0f}s{left}")

    def _promotions(self) -> str:
        """", 3 promoted (1 in flight)" in a multi-fidelity search, else nothing."""
        s = self.state
        if not s.promoted and not s.promoting:
            return ""
        return f", {s.promoted} promoted" + (f" ({s.promoting} in flight)" if s.promoting
                                               else "")

    def _best(self) -> str:
        """The best trial's metric (the state holds its score: -mse for a regression)."""
        best = self.state.best
        if best is None:
            return "-"
        return f"{-best if self.metric in LOWER_IS_BETTER else best:.4f}"

    def _table(self) -> Table:
        s = self.state
        t = Table(title="graphnas search", show_header=False, box=None)
        t.add_row("phase", s.phase)
        t.add_row("trials", f"{s.done}" + (f" / {s.trials}" if s.trials else "")
                  + f" done, {s.failed} failed, {s.in_flight} in flight")
        if s.promoted or s.promoting:
            t.add_row("promotions", self._promotions().removeprefix(", "))
        t.add_row(f"best {self.metric}", self._best())
        t.add_row("elapsed", f"{self.elapsed():.0f} s")
        if s.budget is not None:
            t.add_row("budget left", f"{max(0.0, s.budget - self.elapsed()):.0f} s")
        return t


def progress_events(bar: SearchProgress):
    """The driver's events (phase, start, trial) as updates of ``bar``."""
    def on_event(kind: str, info: dict[str, Any]) -> None:
        if kind == "phase" and info["phase"] == FINALISTS:  # counted afresh, at a new fidelity
            bar.state.trials = info.get("trials")
            bar.update(phase=info["phase"], done=info.get("done", 0), failed=0, best=None)
        elif kind == "phase":
            bar.update(phase=info["phase"])
        elif kind == "start":
            bar.update(in_flight=info["in_flight"])
        elif kind == "promote":
            bar.update(in_flight=info["in_flight"], promoting=bar.state.promoting + 1)
        elif kind == "promoted":
            rec = info["record"]
            best = bar.state.best if rec.score is None else \
                rec.score if bar.state.best is None else max(bar.state.best, rec.score)
            bar.update(promoted=bar.state.promoted + 1, promoting=bar.state.promoting - 1,
                       best=best, in_flight=info["in_flight"])
        elif kind == "trial":
            rec = info["record"]
            best = bar.state.best
            if rec.state == TrialState.COMPLETE and rec.score is not None:
                best = rec.score if best is None else max(best, rec.score)
            failed = bar.state.failed + (rec.state == TrialState.FAILED)
            bar.update(done=bar.state.done + 1, failed=failed, best=best,
                       in_flight=info["in_flight"])

    return on_event
