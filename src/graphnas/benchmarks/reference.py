"""References run beside graphnas's strategies in a benchmark: what a user would pick instead.

Not strategies (nothing registers them with :mod:`graphnas.strategies`): they answer the same
``ask``/``tell`` as one, so the tabular loop runs them with the same encoding, queries and seeds.

``tpe``: Optuna's TPE sampler (default settings, seeded with the run's seed) over the space's
decisions as categorical parameters, one per decision label, the option's index its value (TPE
treats categorical values as unordered). A decision whose options depend on earlier choices
(NAS-Bench-Graph's last op, without ``skip`` after three skips) is a parameter of its own for
each set of options, as Optuna's distributions are fixed per name. With several objectives
it is Optuna's multi-objective TPE (the same sampler, told a value per objective).

``nsga2``: pymoo's NSGA-II (several objectives only) over the decisions as integer variables,
with the operators pymoo's documentation gives for integer problems (integer random sampling,
SBX and polynomial mutation rounded back to integers, duplicates eliminated) and a population
of 20, the same as graphnas's evolution (pymoo's default of 100 would spend a 100-query run on
its first generation). A decision whose options depend on earlier choices takes the variable
modulo its number of options. Needs the ``bench`` extra.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphnas.extras import require
from graphnas.spaces.base import Candidate, Decision, Space


def _optuna() -> Any:
    return require("optuna", "bench", "the TPE reference (--reference tpe)")


class OptunaTpe:
    """Optuna's TPE sampler behind a strategy's ask/tell (an in-memory study)."""

    name = "tpe"

    def __init__(self, space: Space, seed: int = 0, objectives: int = 1) -> None:
        optuna = _optuna()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.space = space
        self.study = optuna.create_study(directions=["maximize"] * objectives,
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
            self.study.tell(trial, list(score) if isinstance(score, tuple) else score)


def _pymoo() -> Any:
    return require("pymoo", "bench", "the NSGA-II reference (--reference nsga2)")


class PymooNsga2:
    """pymoo's NSGA-II behind a strategy's ask/tell: a generation is asked one member at a
    time and told to pymoo when every member has its result."""

    name = "nsga2"

    def __init__(self, space: Space, seed: int = 0, objectives: int = 2,
                 population: int = 20) -> None:
        _pymoo()
        from pymoo.algorithms.moo.nsga2 import NSGA2
        from pymoo.core.problem import Problem
        from pymoo.core.termination import NoTermination
        from pymoo.operators.crossover.sbx import SBX
        from pymoo.operators.mutation.pm import PM
        from pymoo.operators.repair.rounding import RoundingRepair
        from pymoo.operators.sampling.rnd import IntegerRandomSampling

        if objectives < 2:
            raise ValueError("the nsga2 reference needs several objectives")
        self.space, self.objectives = space, objectives
        sizes = _option_counts(space, seed)
        self.problem = Problem(n_var=len(sizes), n_obj=objectives, xl=np.zeros(len(sizes)),
                               xu=np.array(sizes, float) - 1, vtype=int)
        self.algorithm = NSGA2(
            pop_size=population, sampling=IntegerRandomSampling(),
            crossover=SBX(prob=1.0, eta=3.0, vtype=float, repair=RoundingRepair()),
            mutation=PM(prob=1.0, eta=3.0, vtype=float, repair=RoundingRepair()),
            eliminate_duplicates=True)
        self.algorithm.setup(self.problem, termination=NoTermination(), seed=seed,
                             verbose=False)
        self.generation: Any = None
        self.f: np.ndarray = np.zeros((0, objectives))
        self.next = 0
        self.pending: dict[tuple[int, ...], list[int]] = {}  # choices -> members asked

    def ask(self, n: int = 1) -> list[Candidate]:
        out = []
        for _ in range(n):
            if self.generation is None or self.next >= len(self.generation):
                self.generation = self.algorithm.ask()
                self.f = np.full((len(self.generation), self.objectives), np.nan)
                self.next, self.pending = 0, {}
            x = self.generation[self.next].X
            choices: list[int] = []
            while (d := self.space.next_decision(choices)) is not None:
                choices.append(int(round(x[len(choices)])) % len(d.options))
            cand = self.space.candidate(choices)
            self.pending.setdefault(cand.choices, []).append(self.next)
            self.next += 1
            out.append(cand)
        return out

    def tell(self, candidate: Candidate, score: Any) -> None:
        from pymoo.core.evaluator import Evaluator
        from pymoo.problems.static import StaticProblem

        i = self.pending[candidate.choices].pop(0)
        self.f[i] = 1e9 if score is None else -np.asarray(score, float)  # pymoo minimises
        if self.next >= len(self.generation) and not np.isnan(self.f).any():
            Evaluator().eval(StaticProblem(self.problem, F=self.f), self.generation)
            self.algorithm.tell(infills=self.generation)
            self.generation = None


def _option_counts(space: Space, seed: int, walks: int = 64) -> list[int]:
    """Per decision position, the most options it has (fixed spaces: their decisions; others:
    over seeded random walks)."""
    fixed = space.fixed_decisions()
    if fixed is not None:
        return [len(d.options) for d in fixed]
    rng = np.random.default_rng(seed)
    counts: list[int] = []
    for _ in range(walks):
        choices: list[int] = []
        while (d := space.next_decision(choices)) is not None:
            if len(counts) <= len(choices):
                counts.append(0)
            counts[len(choices)] = max(counts[len(choices)], len(d.options))
            choices.append(int(rng.integers(len(d.options))))
    return counts


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
    multi_objective: bool = False  # whether it searches several objectives
    single_objective: bool = True  # whether it searches one


REFERENCES: dict[str, Reference] = {
    "tpe": Reference("tpe (optuna)", OptunaTpe, _optuna, multi_objective=True),
    "nsga2": Reference("nsga2 (pymoo)", PymooNsga2, _pymoo, multi_objective=True,
                       single_objective=False),
}


def reference_names() -> list[str]:
    return list(REFERENCES)


def get_reference(name: str) -> Reference:
    """A reference by name; ValueError naming the known ones."""
    if name not in REFERENCES:
        raise ValueError(f"unknown reference {name!r}; use one of {', '.join(REFERENCES)}")
    return REFERENCES[name]
