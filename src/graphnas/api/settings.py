"""Settings of a search: one typed dataclass, read from TOML/YAML files and overridden by flags."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RETRAIN_ON = ("train+valid", "train")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr)?\s*$")


def parse_duration(text: str | float | int | None) -> float | None:
    """Seconds from ``"90"``, ``"90s"``, ``"20m"``, ``"1.5h"`` (None stays None)."""
    if text is None or isinstance(text, (int, float)):
        return None if text is None else float(text)
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"bad duration {text!r}; write e.g. 90s, 20m or 1.5h")
    unit = {"h": 3600, "hr": 3600, "m": 60, "min": 60}.get(m.group(2) or "s", 1)
    return float(m.group(1)) * unit


@dataclass
class SearchSettings:
    """What ``graphnas search`` runs. Every field has a flag of the same name."""

    task: str | None = None  # a built-in task (mnist1d when neither task nor data is given)
    data: str | None = None  # a .npz or .csv file instead of a built-in task
    target: str | None = None  # the target column of a .csv file
    space: str = "macro"  # macro | cell
    strategy: str = "hybrid"  # random | evolution | reinforce | differentiable | hybrid
    trials: int | None = None  # stop after this many trials (None: only the time budget)
    budget: float | None = 600.0  # wall-clock seconds for the whole search (None: only trials)
    workers: int | None = None  # trials in flight (None: 1 on a CPU, several per GPU)
    gpus_per_trial: float | None = None  # GPU share of a trial (None: workers spread evenly)
    precision: str = "fp32"  # fp32 | bf16 (autocast in every trial's training)
    executor: str | None = None  # serial | processes | ray (default: serial for one worker)
    address: str | None = None  # a Ray cluster to join
    seed: int = 0
    out: str = "runs/search"  # the run directory
    trial_steps: int = 300  # training steps of one search trial
    stop_at_chance: bool | None = None  # end a trial at chance at its first evaluation
    #   (None: for tasks with one class per sample; not on sequences or regressions, where
    #   memory tasks such as adding sit at chance for a while and then learn)
    retrain_steps: int = 3000  # training steps of the final retraining
    retrain_on: str = "train+valid"  # train+valid (last weights) | train (best-valid weights)
    finalists: int = 4  # the best distinct graphs trained again for longer (0: none)
    finalist_steps: int | None = None  # their steps (None: 3 x trial_steps, as time allows)
    finalist_folds: int = 2  # other validation splits each finalist trains on (mean ranks)
    baselines: bool = True  # train the task's hand-designed baselines with the same protocol
    space_options: dict[str, Any] = field(default_factory=dict)  # e.g. {"n_nodes": 6}
    strategy_options: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> SearchSettings:
        if self.task and self.data:
            raise ValueError("give either --task or --data, not both")
        if not self.task and not self.data:
            self.task = "mnist1d"
        if self.trials is None and self.budget is None:
            raise ValueError("give a budget: --trials N and/or --budget 20m")
        if self.trials is not None and self.trials < 1:
            raise ValueError("--trials must be at least 1")
        if self.retrain_on not in RETRAIN_ON:
            raise ValueError(f"--retrain-on: unknown value {self.retrain_on!r}; use "
                             f"{' or '.join(RETRAIN_ON)}")
        if self.finalists < 0:
            raise ValueError("--finalists must be 0 or more")
        if self.finalist_folds < 1:
            raise ValueError("--finalist-folds must be at least 1")
        if self.finalist_steps is not None and self.finalist_steps <= self.trial_steps:
            raise ValueError("--finalist-steps must be more than --trial-steps")
        if self.workers is None:
            from graphnas.execution import default_workers

            self.workers = default_workers()
        if self.workers < 1:
            raise ValueError("--workers must be at least 1")
        if self.precision not in ("fp32", "bf16"):
            raise ValueError(f"--precision: unknown value {self.precision!r}; use fp32 or bf16")
        if not isinstance(self.baselines, bool):
            raise ValueError(f"baselines must be true or false, got {self.baselines!r}")
        if self.stop_at_chance is not None and not isinstance(self.stop_at_chance, bool):
            raise ValueError(f"stop_at_chance must be true or false, got "
                             f"{self.stop_at_chance!r}")
        if self.gpus_per_trial is not None and not 0 <= self.gpus_per_trial <= 1:
            raise ValueError("--gpus-per-trial must be between 0 and 1")
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "settings") -> SearchSettings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"{source}: unknown setting(s) {', '.join(unknown)}; known: "
                             f"{', '.join(sorted(known))}")
        d = dict(d)
        if "budget" in d:
            d["budget"] = parse_duration(d["budget"])
        return cls(**d)


def load_settings(path: str | Path) -> dict[str, Any]:
    """Read a TOML (.toml) or YAML (.yaml/.yml) settings file into a dict."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{p}: no such settings file") from None
    try:
        if p.suffix == ".toml":
            data = tomllib.loads(text)
        elif p.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        elif p.suffix == ".json":
            data = json.loads(text)
        else:
            raise ValueError(f"{p}: settings must be .toml, .yaml, .yml or .json")
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as err:
        first = str(err).splitlines()[0]
        raise ValueError(f"{p}: malformed settings file: {first}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{p}: settings must be a table of name = value")
    return data
