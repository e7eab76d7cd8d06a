"""Several objectives: what a trial scores on each, what its strategy is told, and the front.

An objective is the validation score (``score``, higher is better) or a cost of the trained
network, lower is better: ``params`` (trainable parameters), ``flops`` (one forward pass, one
sample) or ``latency`` (median milliseconds of one forward pass of a batch of 1, measured after
training on the trial's device; ``metrics["latency_ms"]``). A strategy is told a plain float
with one objective, as always, and with several a tuple in the order given, each higher-is-
better (costs negated): ``(score, -params, -latency)``; None for a failed trial, or one that
lacks a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from graphnas.pareto import non_dominated
from graphnas.store import TrialRecord, TrialState

OBJECTIVES = {"score": "the validation score (higher is better)",
              "params": "trainable parameters",
              "flops": "FLOPs of one forward pass of one sample",
              "latency": "median ms of one forward pass of a batch of 1 (after warm-up)"}
COSTS = ("params", "flops", "latency")  # lower is better: told negated
SIGNALS = ("score", "loss")  # what a one-objective strategy may be told (Strategy.signal)


def parse_objectives(value: str | Sequence[str]) -> tuple[str, ...]:
    """``"score,params"`` (or a list) as ``("score", "params")``; ValueError naming the
    problem: an unknown name, a repeated one, or ``score`` not first."""
    names = [str(n).strip() for n in (value.split(",") if isinstance(value, str) else value)]
    names = [n for n in names if n]
    for n in names:
        if n not in OBJECTIVES:
            raise ValueError(f"--objectives: unknown objective {n!r}; use score and any of "
                             f"{', '.join(COSTS)}")
    if not names or names[0] != "score":
        raise ValueError("--objectives must start with score, e.g. score,params")
    if len(set(names)) < len(names):
        raise ValueError(f"--objectives: an objective is named twice in {','.join(names)}")
    return tuple(names)


def value(record: TrialRecord, name: str) -> float | None:
    """``record``'s value of objective ``name``, in its own units (None where missing);
    ``loss`` is the validation loss (cross-entropy, or the MSE of a regression), told to a
    strategy whose :attr:`~graphnas.strategies.Strategy.signal` asks for it."""
    if name == "score":
        return record.score
    if name == "loss":
        valid = record.metrics.get("valid") or {}
        v = valid.get("loss", valid.get("mse"))
    elif name == "latency":
        v = (record.metrics.get("latency_ms") or {}).get("batch1")
    else:
        v = getattr(record, name)
    return None if v is None else float(v)


def values(record: TrialRecord, names: Sequence[str]) -> tuple[float, ...] | None:
    """Every objective's value of a completed trial, in its own units; None when the trial
    did not complete or lacks one."""
    if record.state != TrialState.COMPLETE:
        return None
    out = tuple(value(record, n) for n in names)
    return None if any(v is None for v in out) else out  # type: ignore[return-value]


def maximised(vals: Sequence[float], names: Sequence[str]) -> tuple[float, ...]:
    """The values as a strategy and :mod:`graphnas.pareto` take them: costs negated."""
    return tuple(-v if n in COSTS else v for v, n in zip(vals, names))


def told(record: TrialRecord, names: Sequence[str] = ("score",)) -> Any:
    """What a strategy is told of ``record``: its score (None if it did not complete) with
    one objective; with several, the tuple of :func:`maximised` values or None."""
    if tuple(names) == ("score",):
        return record.score if record.state == TrialState.COMPLETE else None
    if tuple(names) == ("loss",):  # one value, higher is better: minus the loss
        vals = values(record, names)
        return None if vals is None else -vals[0]
    vals = values(record, names)
    return None if vals is None else maximised(vals, names)


def front(records: Iterable[TrialRecord], names: Sequence[str]) -> list[TrialRecord]:
    """The completed trials of searched graphs that no other dominates on ``names``, one per
    architecture (its first trial), by id. Trials without a graph (a supergraph's record)
    and the finalists' longer trainings are left out."""
    seen: set[str] = set()
    rows: list[TrialRecord] = []
    for t in sorted(records, key=lambda t: t.id):
        if t.hash in seen or not t.choices or t.phase == "finalists" \
                or values(t, names) is None:
            continue
        seen.add(t.hash)
        rows.append(t)
    keep = non_dominated([maximised(values(t, names), names) for t in rows])  # type: ignore
    return [rows[i] for i in keep]


def member(record: TrialRecord, names: Sequence[str]) -> dict[str, Any]:
    """A front member as ``--json`` and ``show`` list it: trial id, hash and each value."""
    vals = values(record, names) or ()
    return {"trial": record.id, "hash": record.hash,
            **{n: (int(v) if n in ("params", "flops") else v) for n, v in zip(names, vals)}}
