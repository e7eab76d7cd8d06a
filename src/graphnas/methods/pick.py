"""``--pick``: which member of a Pareto front becomes ``best/``.

``best`` keeps today's choice (the highest score, refined by the finalists);
``smallest-within=M`` takes, among the front members whose score is within M points of the
best score, the one with the lowest value of the second objective (the fewest parameters, the
lowest latency, ...). Points are percentage points for accuracy (M = 0.5: 0.005 of accuracy)
and the score's own units otherwise (-MSE).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from graphnas.driver import values
from graphnas.store import TrialRecord

_SMALLEST = re.compile(r"^smallest-within=(\d+(?:\.\d*)?|\.\d+)$")


def parse_pick(text: str) -> float | None:
    """None for ``best``, the margin M for ``smallest-within=M``; ValueError otherwise."""
    if text == "best":
        return None
    m = _SMALLEST.match(text.strip())
    if m is None:
        raise ValueError(f"--pick: expected best or smallest-within=M (M points of the score, "
                         f"e.g. smallest-within=0.5), got {text!r}")
    return float(m.group(1))


def points(metric: str) -> float:
    """How many points one unit of the score is: 100 for accuracy, else 1."""
    return 100.0 if metric == "accuracy" else 1.0


def smallest_within(front: Sequence[TrialRecord], names: Sequence[str], margin: float,
                    metric: str) -> TrialRecord | None:
    """The member with the lowest second objective among those whose score is within
    ``margin`` points of the best score of ``front`` (ties: the higher score, then the
    earlier trial); None for an empty front."""
    scored = [(values(t, names), t) for t in front]
    scored = [(v, t) for v, t in scored if v is not None]
    if not scored:
        return None
    best = max(v[0] for v, _ in scored)
    near = [(v, t) for v, t in scored if (best - v[0]) * points(metric) <= margin + 1e-9]
    return min(near, key=lambda vt: (vt[0][1], -vt[0][0], vt[1].id))[1]
