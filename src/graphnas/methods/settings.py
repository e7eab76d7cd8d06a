"""Settings of a search: one typed dataclass. Each field's type, default and help are the
only declaration of a setting: the CLI's flags, their help and the config-file keys are all
derived from it (see :mod:`graphnas.cli.search_cmd`), and every value, whatever its source,
is checked against the field's type here."""

from __future__ import annotations

import json
import re
import sys
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from graphnas.extras import require

from .types import check_value

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RETRAIN_ON = ("train+valid", "train")
PRECISIONS = ("fp32", "bf16")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr)?\s*$")


def parse_duration(text: str | float | int | None) -> float | None:
    """Seconds from ``"90"``, ``"90s"``, ``"20m"``, ``"1.5h"`` (None stays None)."""
    if text is None or isinstance(text, (int, float)) and not isinstance(text, bool):
        return None if text is None else float(text)
    m = _DURATION.match(text) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"bad duration {text!r}; write e.g. 90s, 20m or 1.5h")
    unit = {"h": 3600, "hr": 3600, "m": 60, "min": 60}.get(m.group(2) or "s", 1)
    return float(m.group(1)) * unit


def setting_choices(kind: str) -> tuple[str, ...]:
    """The names a setting may take, from the registries below this layer."""
    if kind == "space":
        from graphnas.spaces import space_names

        return tuple(space_names())
    if kind == "strategy":
        from .registry import method_names

        return tuple(method_names())
    if kind == "executor":
        from graphnas.execution import EXECUTORS

        return tuple(EXECUTORS)
    if kind == "fidelity":
        from graphnas.driver import FIDELITIES

        return FIDELITIES
    return {"precision": PRECISIONS, "retrain_on": RETRAIN_ON}[kind]


def setting(default: Any, help: str, **meta: Any) -> Any:  # noqa: A002  (typer's word)
    """A settings field with its help (``meta``: ``choices`` names a list of allowed values,
    ``duration`` reads ``20m``, ``switch`` makes a ``--x/--no-x`` flag, ``flag`` its name when it
    is not the field's, ``repeat`` a repeatable ``KEY=VALUE`` flag)."""
    if isinstance(default, dict):
        return field(default_factory=dict, metadata={"help": help, **meta})
    return field(default=default, metadata={"help": help, **meta})


@dataclass
class SearchSettings:
    """What ``graphnas search`` runs. Every field is a flag (``--trial-steps`` for
    ``trial_steps``) and a key of a settings file."""

    task: str | None = setting(None, "Built-in task: mnist1d, digits, adding, copy, diabetes "
                               "(default mnist1d).")
    data: str | None = setting(None, "A .npz or .csv data file instead of a built-in task.")
    target: str | None = setting(None, "Target column of a .csv file.")
    space: str = setting("macro", "Search space.", choices="space")
    strategy: str = setting("hybrid", "Search method.", choices="strategy")
    trials: int | None = setting(None, "Stop after this many trials (default: only the time "
                                 "budget).")
    budget: float | None = setting(600.0, "Wall time of the whole run, e.g. 20m (default "
                                   "10m).", duration=True)
    workers: int | None = setting(None, "Trials in flight at once (default: 1 on a CPU, "
                                  "several per GPU).")
    gpus_per_trial: float | None = setting(None, "GPU share of one trial, e.g. 0.125 for 8 "
                                           "per GPU; 0 keeps trials on the CPU.")
    precision: str = setting("fp32", "Training precision (bf16: autocast).", choices="precision")
    executor: str | None = setting(None, "Where trials run (default: serial for one worker).",
                                   choices="executor")
    address: str | None = setting(None, "Ray cluster address to join.")
    seed: int = setting(0, "Seed of the whole search.")
    out: str = setting("runs/search", "Run directory.")
    trial_steps: int = setting(300, "Training steps of one search trial.")
    trial_limit: float | None = setting(
        None, "Seconds a search trial may train before it fails (default: the larger of 60 s "
        "and half a second per trial step; finalists' longer trials get it in proportion).")
    fidelity: str = setting("none", "Multi-fidelity search: asha (trials train in rungs of "
                            "min-steps x eta^k steps up to --trial-steps, and a free worker "
                            "promotes one of the best 1/eta of a rung before it starts a new "
                            "trial), "
                            "hyperband (the same, each new trial starting at a rung taken in "
                            "turn) or none.", choices="fidelity")
    min_steps: int | None = setting(None, "Training steps of the first rung (default "
                                    "trial-steps // eta^2).")
    eta: int = setting(3, "Factor between rungs; the best 1/eta of a rung is promoted.")
    stop_at_chance: bool | None = setting(
        None, "End a trial no better than a constant guess at its first evaluation (default: "
        "yes for one class per sample; not on sequences or regressions, where memory tasks "
        "such as adding sit at chance for a while and then learn).", switch=True)
    retrain_steps: int = setting(3000, "Training steps of the final retraining.")
    retrain_on: str = setting("train+valid", "Data of the final retraining (and the "
                              "baselines'): train+valid keeps the last weights, train the "
                              "best-validation ones.", choices="retrain_on")
    finalists: int = setting(4, "The best distinct graphs trained again for longer before the "
                             "retraining (0: none; at least 2 to choose between).")
    finalist_steps: int | None = setting(None, "Their training steps (default 3 x trial "
                                         "steps, as time allows).")
    finalist_folds: int = setting(2, "Other validation splits each finalist trains on; ranked "
                                  "by the mean.")
    max_params: int | None = setting(None, "Skip candidates with more trainable parameters "
                                     "than this, before they train (every method).")
    max_flops: int | None = setting(None, "Skip candidates with more FLOPs per sample (one "
                                    "forward pass) than this, before they train.")
    objectives: str | list[str] = setting(
        "score", "What the search optimises, comma-separated, score first: score (the "
        "validation score) and any of params, flops, latency (median ms of a forward pass of "
        "one sample on the trial's device, measured after training; costs time). The "
        "default is score alone.")
    pick: str = setting("best", "With several objectives, the front member retrained into "
                        "best/: best (the highest score, after the finalists), or "
                        "smallest-within=M, the member with the lowest second objective "
                        "whose score is within M points of the best (percentage points for "
                        "accuracy, e.g. 0.5; units of the score, -MSE, otherwise).")
    pareto_retrain: int = setting(0, "With several objectives, retrain this many front "
                                  "members spread along it (by score) as best/ is, into "
                                  "pareto/<trial>/.")
    baselines: bool = setting(True, "Train the task's hand-designed baselines with the same "
                              "protocol; for rows of features (user data), fit classical "
                              "models (linear, gradient boosting) on the same splits.",
                              switch=True)
    space_options: dict[str, Any] = setting({}, "An option of the space, e.g. n_nodes=6 "
                                            "(repeatable).", flag="space-option", repeat=True)
    strategy_options: dict[str, Any] = setting({}, "An option of the method, e.g. "
                                               "population=30 (repeatable).",
                                               flag="strategy-option", repeat=True)

    def validate(self) -> SearchSettings:
        """Check every value against its field's type and allowed values (one-line
        ``ValueError``s naming the setting), and fill in what depends on the machine."""
        hints = typing.get_type_hints(type(self))
        for f in fields(self):
            value = getattr(self, f.name)
            check_value(f.name, value, hints[f.name], "settings")
            kind = f.metadata.get("choices")
            if kind and value is not None and value not in setting_choices(kind):
                raise ValueError(f"--{flag_name(f)}: unknown value {value!r}; use one of "
                                 f"{', '.join(setting_choices(kind))}")
        if self.task and self.data:
            raise ValueError("give either --task or --data, not both")
        if not self.task and not self.data:
            self.task = "mnist1d"
        if self.trials is None and self.budget is None:
            raise ValueError("give a budget: --trials N and/or --budget 20m")
        if self.trials is not None and self.trials < 1:
            raise ValueError("--trials must be at least 1")
        if self.budget is not None and self.budget <= 0:
            raise ValueError("--budget must be more than 0")
        if self.finalists < 0 or self.finalists == 1:
            raise ValueError("--finalists must be 0 (none) or at least 2 (one finalist has "
                             "nothing to be chosen against)")
        if self.finalist_folds < 1:
            raise ValueError("--finalist-folds must be at least 1")
        if self.trial_limit is not None and self.trial_limit <= 0:
            raise ValueError("--trial-limit must be more than 0 seconds")
        if min(self.trial_steps, self.retrain_steps) < 1:
            raise ValueError("--trial-steps and --retrain-steps must be at least 1")
        if self.finalist_steps is not None and self.finalist_steps <= self.trial_steps:
            raise ValueError("--finalist-steps must be more than --trial-steps")
        if self.workers is None:
            from graphnas.execution import default_workers

            self.workers = default_workers()
        if self.workers < 1:
            raise ValueError("--workers must be at least 1")
        if self.executor == "ray":  # before a run directory is made
            require("ray", "ray", "--executor ray")
        if any(v is not None and v < 1 for v in (self.max_params, self.max_flops)):
            raise ValueError("--max-params and --max-flops must be at least 1")
        if self.gpus_per_trial is not None and not 0 <= self.gpus_per_trial <= 1:
            raise ValueError("--gpus-per-trial must be between 0 and 1")
        self._check_objectives()
        self._check_fidelity()
        return self

    def time_limit(self, steps: int) -> float:
        """Seconds a trial of ``steps`` training steps may take before it fails: ``trial_limit``
        scaled from ``trial_steps`` to ``steps`` (never below it) when given, else the larger
        of 60 s and half a second per step."""
        if self.trial_limit is not None:
            return self.trial_limit * max(1.0, steps / self.trial_steps)
        return max(60.0, steps * 0.5)

    def rung_schedule(self):
        """The rungs of a multi-fidelity search (:class:`graphnas.driver.RungSchedule`), or
        None."""
        from graphnas.driver import RungSchedule

        return RungSchedule.make(self.fidelity, self.trial_steps, self.min_steps, self.eta)

    def _check_fidelity(self) -> None:
        """The rungs make sense and the method has trials to promote; ``min_steps`` filled
        in."""
        from graphnas.driver import default_min_steps

        from .registry import check_fidelity

        self.rung_schedule()
        if self.fidelity != "none":
            check_fidelity(self.strategy, self.fidelity)
            if self.min_steps is None:
                self.min_steps = default_min_steps(self.trial_steps, self.eta)

    @property
    def inherits(self) -> bool:
        """Whether the search's children inherit their parents' weights: then its scores are
        of networks trained along a lineage, and the finalists and the retraining go on from
        the trained weights (see :mod:`graphnas.driver.inheritance`)."""
        return bool(self.strategy_options.get("inherit_weights"))

    @property
    def objective_names(self) -> tuple[str, ...]:
        """The objectives as names, score first (``("score",)`` by default)."""
        from graphnas.driver import parse_objectives

        return parse_objectives(self.objectives)

    def _check_objectives(self) -> None:
        """Objectives, ``--pick`` and ``--pareto-retrain``: known, and several objectives
        only for a method that searches several; ``objectives`` kept as ``"score,params"``."""
        from .pick import parse_pick
        from .registry import check_objectives

        names = self.objective_names
        self.objectives = ",".join(names)
        check_objectives(self.strategy, len(names))
        parse_pick(self.pick)
        if self.pareto_retrain < 0:
            raise ValueError("--pareto-retrain must be 0 or more")
        if len(names) == 1 and (self.pick != "best" or self.pareto_retrain):
            raise ValueError("--pick and --pareto-retrain choose among a Pareto front: give "
                             "several objectives, e.g. --objectives score,params")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "settings") -> SearchSettings:
        """Settings from a mapping (a config file's, or flags'); unknown keys and values of
        the wrong type are refused naming the key and the type it needs."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise ValueError(f"{source}: unknown setting(s) {', '.join(unknown)}; known: "
                             f"{', '.join(sorted(known))}")
        d = dict(d)
        hints = typing.get_type_hints(cls)
        for key, value in d.items():
            if known[key].metadata.get("duration"):
                d[key] = parse_duration(value)
            check_value(key, d[key], hints[key], source)
        return cls(**d)


def flag_name(f: Any) -> str:
    """The CLI flag of a settings field, without its dashes."""
    return f.metadata.get("flag") or f.name.replace("_", "-")


def load_settings(path: str | Path) -> dict[str, Any]:
    """Read a TOML (.toml), YAML (.yaml/.yml) or JSON settings file into a dict."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{p}: no such settings file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{p}: unreadable settings file ({err})") from None
    try:
        if p.suffix == ".toml":
            data = tomllib.loads(text)
        elif p.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        elif p.suffix == ".json":
            data = json.loads(text)
        else:
            raise ValueError(f"{p}: settings must be .toml, .yaml, .yml or .json")
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError,
            RecursionError) as err:
        first = (str(err).splitlines() or ["nested too deeply"])[0]
        raise ValueError(f"{p}: malformed settings file: {first}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{p}: settings must be a table of name = value")
    return data
