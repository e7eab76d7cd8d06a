"""References run beside graphnas's strategies in a benchmark: what a user would pick instead.

Not strategies (nothing registers them with :mod:`graphnas.strategies`): they answer the same
``ask``/``tell`` as one, so the tabular loop runs them with the same encoding, queries and seeds.

``tpe``: Optuna's TPE sampler (default settings, seeded with the run's seed) over the space's
decisions as categorical parameters, one per decision label, the option's index its value (TPE
treats categorical values as unordered). A decision whose options depend on earlier choices
(NAS-Bench-Graph's last op, without ``skip`` after three skips) is a parameter of its own for
each set of options, as Optuna's distributions are fixed per name. Needs the ``bench`` extra.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphnas.extras import require
from graphnas.spaces.base import Candidate, Decision, Space


def _optuna() -> Any:
    return require("optuna", "bench", "the TPE reference (--reference tpe)")


class OptunaTpe:
    """Optuna's TPE sampler behind a strategy's ask/tell (an in-memory study)."""

    name = "tpe"

    def __init__(self, space: Space, seed: int = 0) -> None:
        optuna = _optuna()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.space = space
        self.study = optuna.create_study(direction="maximize",
                                         sampler=optuna.samplers.TPESampler(seed=seed))
        self._options: dict[str, tuple[Any, ...]] = {}  # label -> the options first seen
        self._pending: dict[tuple[int, ...], list[Any]] = {}  # choices -> trials asked

    def _param(self, d: Decision) -> str:
        first = self._options.setdefault(d.label, d.options)
        return d.label if first == d.options else f"{d.label}{list(d.options)}"

    def ask(self, n: int = 1) -> list[Candidate]:
        out = []
        for _ in range(n):
            trial = self.study.ask()
            choices: list[int] = []
            while (d := self.space.next_decision(choices)) is not None:
                choices.append(trial.suggest_categorical(self._param(d),
                                                         list(range(len(d.options)))))
            cand = self.space.candidate(choices)
            self._pending.setdefault(cand.choices, []).append(trial)
            out.append(cand)
        return out

    def tell(self, candidate: Candidate, score: float | None) -> None:
        trial = self._pending[candidate.choices].pop(0)
        if score is None:
            self.study.tell(trial, state=_fail())
        else:
            self.study.tell(trial, score)


def _fail() -> Any:
    from optuna.trial import TrialState

    return TrialState.FAIL


@dataclass(frozen=True)
class Reference:
    """A reference: the row name it reports under, how to build it for a space (and a seed),
    and a check that what it needs is installed (MissingExtra otherwise)."""

    label: str
    make: Callable[..., Any]
    check: Callable[[], Any]


REFERENCES: dict[str, Reference] = {
    "tpe": Reference("tpe (optuna)", OptunaTpe, _optuna),
}


def reference_names() -> list[str]:
    return list(REFERENCES)


def get_reference(name: str) -> Reference:
    """A reference by name; ValueError naming the known ones."""
    if name not in REFERENCES:
        raise ValueError(f"unknown reference {name!r}; use one of {', '.join(REFERENCES)}")
    return REFERENCES[name]
